package ktriage.lib.node_test

import data.ktriage.lib.node

test_version_of_real_version_strings if {
	node.version("v1.13.3") == "1.13.3"
	node.version("1.24.4+k3s1") == "1.24.4"
	node.version("v1.27-eks") == "1.27.0"
}

# What is no version string (a number in a damaged file, text) has no
# version: undefined, not the type error that stopped node-health.
test_version_of_what_is_none if {
	not node.version(1.13)
	not node.version("unknown")
	not node.version(null)
}

# A leading zero is no semantic version: semver.compare failed node-health
# on "v1.08.1". The numbers are what count.
test_version_drops_leading_zeros if {
	node.version("v1.08.01") == "1.8.1"
	semver.is_valid(node.version("v01.028"))
}

