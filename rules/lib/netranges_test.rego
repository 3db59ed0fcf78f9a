package ktriage.lib.netranges_test

import data.ktriage.lib.netranges

test_valid_cidr if {
	netranges.valid_cidr("10.244.0.0/16")
	netranges.valid_cidr("fd00::/64")
	not netranges.valid_cidr("10.244.0.0")
	not netranges.valid_cidr("not-a-cidr")
	not netranges.valid_cidr("")
	not netranges.valid_cidr(24)
	not netranges.valid_cidr(null)
}

test_valid_ip if {
	netranges.valid_ip("10.244.1.5")
	netranges.valid_ip("fd00::1")
	not netranges.valid_ip("10.244.1.0/24")
	not netranges.valid_ip("zz")
	not netranges.valid_ip("")
	not netranges.valid_ip(7)
}
