package ktriage.lib.sh_test

import data.ktriage.lib.sh

test_plain_tokens_stay_bare if {
	sh.quote("shop") == "shop"
	sh.quote("kube-proxy-7x2k9") == "kube-proxy-7x2k9"
	sh.quote("app=invoice") == "app=invoice"
	sh.quote("node/ip-10-0-1-5.ec2.internal") == "node/ip-10-0-1-5.ec2.internal"
	sh.quote("spec.nodeName=vm-8") == "spec.nodeName=vm-8"
	sh.quote("fe80::1") == "fe80::1"
	sh.quote("flannel.1") == "flannel.1"
}

test_numbers_are_printed if {
	sh.quote(1402) == "1402"
	sh.quote(8080) == "8080"
}

test_metacharacters_are_single_quoted if {
	sh.quote("shop;touch${IFS}/tmp/PWNED;:") == `'shop;touch${IFS}/tmp/PWNED;:'`
	sh.quote("$(id)") == `'$(id)'`
	sh.quote("`id`") == "'`id`'"
	sh.quote("a b") == "'a b'"
	sh.quote("a|b&c>d<e") == "'a|b&c>d<e'"
	sh.quote("*") == "'*'"
	sh.quote("~root") == "'~root'"
	sh.quote("#x") == "'#x'"
	sh.quote(`a\b`) == `'a\b'`
	sh.quote(`"x"`) == `'"x"'`
	sh.quote("app=web,tier!=db") == "'app=web,tier!=db'"
}

test_single_quote_is_closed_escaped_reopened if {
	sh.quote("it's") == `'it'\''s'`
	sh.quote("'") == `''\'''`
	sh.quote("''") == `''\'''\'''`
}

test_empty_string_is_one_empty_word if {
	sh.quote("") == "''"
}

test_newlines_stay_inside_the_quotes if {
	sh.quote("a\nb") == "'a\nb'"
	sh.quote("x\n; touch /tmp/p") == "'x\n; touch /tmp/p'"
}

test_unicode_is_quoted if {
	sh.quote("café") == "'café'"
	sh.quote("ｓｈｏｐ") == "'ｓｈｏｐ'"
	sh.quote("a\u00a0b") == "'a\u00a0b'"
}

test_format_quotes_every_value if {
	sh.format("kubectl -n %s get service %s -o yaml", ["shop", "$(id)"]) == `kubectl -n shop get service '$(id)' -o yaml`
	sh.format("kubectl -n %s get pods", ["a'b"]) == `kubectl -n 'a'\''b' get pods`
}

test_words_quotes_each if {
	sh.words(["ip", "-d", "link", "show", "a b"]) == "ip -d link show 'a b'"
}

test_comment_cannot_end_its_line if {
	sh.comment("on x\ntouch /tmp/p") == `   # on x\ntouch /tmp/p`
	sh.comment("a\u0000b\u001bc") == "   # a?b?c"
	not contains(sh.comment("a\r\nb"), "\n")
}

test_on_node_uses_a_debug_pod if {
	sh.on_node("vm-3", "sysctl net.ipv4.ip_forward", "") == "kubectl debug node/vm-3 -it --image=docker.io/library/busybox:1.36 --profile=sysadmin -- chroot /host sysctl net.ipv4.ip_forward"
	sh.on_node("vm-3", "lsmod", " | grep br_netfilter") == "kubectl debug node/vm-3 -it --image=docker.io/library/busybox:1.36 --profile=sysadmin -- chroot /host lsmod | grep br_netfilter"
}

test_on_node_quotes_the_node if {
	startswith(sh.on_node("vm;id", "lsmod", ""), "kubectl debug 'node/vm;id' -it")
}

test_on_node_unattributed_names_the_file if {
	sh.on_node("unattributed:dumps/sysctl.txt", "sysctl net.ipv4.ip_forward", "") == "sysctl net.ipv4.ip_forward   # on the host that wrote dumps/sysctl.txt (not attributed to a node)"
	not contains(sh.on_node("unattributed:a\nb", "lsmod", ""), "\n")
}
