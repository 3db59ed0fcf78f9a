package ktriage.rules.network["network-policy_test"]

import data.ktriage.rules.network["network-policy"] as rule

# ------------------------------------------------------------ builders

pod(ns, name, labels) := {
	"kind": "Pod", "metadata": {"namespace": ns, "name": name, "labels": labels},
	"spec": {"containers": [{"name": "c", "ports": [{"name": "dns", "containerPort": 53, "protocol": "UDP"}, {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"}]}]},
	"status": {"phase": "Running", "podIP": sprintf("10.244.1.%d", [count(name)])},
}

coredns := pod("kube-system", "coredns-a", {"k8s-app": "kube-dns"})

pol(ns, name, spec) := {"kind": "NetworkPolicy", "metadata": {"namespace": ns, "name": name}, "spec": spec}

ns_obj(name, labels) := {"kind": "Namespace", "metadata": {"name": name, "labels": object.union(labels, {"kubernetes.io/metadata.name": name})}}

cluster(pods, pols, extra) := {"kubernetes": object.union({
	"pods": array.concat([coredns], pods), "networkpolicies": pols, "services": [], "namespaces": [], "logs": [],
	"listed": {"pods": {"shop": true, "kube-system": true}, "networkpolicies": {"shop": true}},
}, extra)}

api := pod("shop", "api-1", {"app": "api"})

deny_egress := pol("shop", "deny", {"podSelector": {}, "policyTypes": ["Egress"]})

dns_rule(ports, to) := {"ports": ports, "to": to}

to_kube_dns := [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}]

udp53 := {"protocol": "UDP", "port": 53}

tcp53 := {"port": 53}

allow(egress) := pol("shop", "allow", {"podSelector": {}, "policyTypes": ["Egress"], "egress": egress})

reasons(fs) := {f.details.reason | some f in fs}

# ---------------------------------------------------------- egress / DNS

test_deny_all_egress_blocks_dns_and_lists_the_failing_pods if {
	fs := rule.findings with input as cluster([api], [deny_egress], {"logs": [{"namespace": "shop", "pod": "api-1", "file": "f", "kept": [{"line": 3, "text": "Error: getaddrinfo EAI_AGAIN db.shop.svc.cluster.local"}]}]})
	reasons(fs) == {"egress-blocks-dns"}
	some f in fs
	f.severity == "high"
	contains(f.message, "NetworkPolicy deny in namespace shop isolate 1 pod(s) (api-1)")
	contains(f.message, "no egress rule (denies all egress)")
	[c] := f.details.consequences
	c.name == "api-1"
}

# policyTypes absent with egress rules: Egress is implied.
test_policy_types_default_includes_egress_when_egress_is_given if {
	p := pol("shop", "db-only", {"podSelector": {"matchLabels": {"app": "api"}}, "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "db"}}}], "ports": [{"port": 5432}]}]})
	reasons(rule.findings) == {"egress-blocks-dns"} with input as cluster([api], [p], {})
}

# policyTypes absent without egress: ingress only, egress unrestricted.
test_policy_types_default_is_ingress_only if {
	p := pol("shop", "ing", {"podSelector": {}, "ingress": [{}]})
	count(rule.findings) == 0 with input as cluster([api], [p], {})
}

test_allowing_udp_and_tcp_53_to_kube_dns_is_silent if {
	count(rule.findings) == 0 with input as cluster([api], [deny_egress, allow([dns_rule([udp53, tcp53], to_kube_dns)])], {})
}

# Policies add up: the allow lives in another policy.
test_policies_are_additive if {
	count(rule.findings) == 0 with input as cluster([api], [deny_egress, allow([dns_rule([udp53, {"protocol": "TCP", "port": 53}], [{"namespaceSelector": {}}])])], {})
}

# No `to`: every destination; no `ports`: every port.
test_absent_to_and_ports_allow_everything if {
	count(rule.findings) == 0 with input as cluster([api], [deny_egress, allow([dns_rule([udp53, tcp53], [])])], {})
	count(rule.findings) == 0 with input as cluster([api], [deny_egress, allow([{"to": to_kube_dns}])], {})
}

# A port without protocol is TCP: UDP 53 is still blocked.
test_port_without_protocol_is_tcp if {
	fs := rule.findings with input as cluster([api], [deny_egress, allow([dns_rule([{"port": 53}], to_kube_dns)])], {})
	reasons(fs) == {"egress-blocks-dns"}
}

test_udp_only_is_medium if {
	fs := rule.findings with input as cluster([api], [deny_egress, allow([dns_rule([udp53], to_kube_dns)])], {})
	reasons(fs) == {"egress-blocks-dns-tcp"}
	some f in fs
	f.severity == "medium"
}

test_end_port_range_covers_53 if {
	count(rule.findings) == 0 with input as cluster([api], [deny_egress, allow([dns_rule([{"protocol": "UDP", "port": 1, "endPort": 1024}, {"protocol": "TCP", "port": 1, "endPort": 1024}], to_kube_dns)])], {})
	fs := rule.findings with input as cluster([api], [deny_egress, allow([dns_rule([{"protocol": "UDP", "port": 54, "endPort": 1024}, {"protocol": "TCP", "port": 1, "endPort": 1024}], to_kube_dns)])], {})
	reasons(fs) == {"egress-blocks-dns"}
}

test_named_ports_resolve_on_the_dns_pods if {
	count(rule.findings) == 0 with input as cluster([api], [deny_egress, allow([dns_rule([{"protocol": "UDP", "port": "dns"}, {"port": "dns-tcp"}], to_kube_dns)])], {})
}

# Allowing 53 to the wrong namespace does not reach CoreDNS.
test_dns_to_another_namespace_is_blocked if {
	fs := rule.findings with input as cluster([api], [deny_egress, allow([dns_rule([udp53, tcp53], [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "shop"}}}])])], {})
	reasons(fs) == {"egress-blocks-dns"}
}

test_ip_block_with_the_dns_pod_address if {
	count(rule.findings) == 0 with input as cluster([api], [deny_egress, allow([dns_rule([udp53, tcp53], [{"ipBlock": {"cidr": "0.0.0.0/0"}}])])], {})
	fs := rule.findings with input as cluster([api], [deny_egress, allow([dns_rule([udp53, tcp53], [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.244.0.0/16"]}}])])], {})
	reasons(fs) == {"egress-blocks-dns"}
}

test_match_expressions if {
	p := pol("shop", "x", {"podSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["api"]}]}, "policyTypes": ["Egress"]})
	reasons(rule.findings) == {"egress-blocks-dns"} with input as cluster([api], [p], {})
	q := pol("shop", "x", {"podSelector": {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["api"]}]}, "policyTypes": ["Egress"]})
	reasons(rule.findings) == {"selects-no-pod"} with input as cluster([api], [q], {})
}

# Not collected: not judged.
test_namespace_not_listed_is_not_judged if {
	inp := json.patch(cluster([api], [deny_egress], {}), [{"op": "replace", "path": "/kubernetes/listed/networkpolicies", "value": {}}])
	count(rule.findings) == 0 with input as inp
}

# ------------------------------------------------------------- ingress

svc := {"kind": "Service", "metadata": {"namespace": "shop", "name": "api"}, "spec": {"selector": {"app": "api"}}}

test_ingress_isolation_admitting_nothing if {
	p := pol("shop", "deny-in", {"podSelector": {}, "policyTypes": ["Ingress"]})
	fs := rule.findings with input as cluster([api], [p], {"services": [svc]})
	reasons(fs) == {"ingress-admits-nothing"}
}

test_ingress_allowed_by_another_policy_is_silent if {
	p := pol("shop", "deny-in", {"podSelector": {}, "policyTypes": ["Ingress"]})
	q := pol("shop", "allow-in", {"podSelector": {"matchLabels": {"app": "api"}}, "ingress": [{"from": [{"podSelector": {}}]}]})
	count(rule.findings) == 0 with input as cluster([api], [p, q], {"services": [svc]})
}

# ---------------------------------------------------- namespaceSelector

test_namespace_selector_on_a_missing_label if {
	p := pol("shop", "from-monitoring", {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"name": "monitoring"}}}]}]})
	fs := rule.findings with input as cluster([api], [p], {"namespaces": [ns_obj("monitoring", {}), ns_obj("shop", {})]})
	reasons(fs) == {"namespace-selector-matches-nothing"}
	some f in fs
	contains(f.message, "kubernetes.io/metadata.name=monitoring")
}

test_namespace_selector_on_a_custom_label_that_exists if {
	p := pol("shop", "from-monitoring", {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"name": "monitoring"}}}]}]})
	count(rule.findings) == 0 with input as cluster([api], [p], {"namespaces": [ns_obj("monitoring", {"name": "monitoring"})]})
}

# Namespaces not collected: the label cannot be judged.
test_namespace_selector_without_namespaces_is_not_judged if {
	p := pol("shop", "from-monitoring", {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"name": "monitoring"}}}]}]})
	count(rule.findings) == 0 with input as cluster([api], [p], {})
}

# ----------------------------------------------------- selects no pod

test_pod_selector_matching_nothing_is_info if {
	p := pol("shop", "old", {"podSelector": {"matchLabels": {"app": "legacy"}}, "ingress": [{}]})
	fs := rule.findings with input as cluster([api], [p], {})
	reasons(fs) == {"selects-no-pod"}
	some f in fs
	f.severity == "info"
}

# Without DNS pods or Service in the bundle, 0.0.0.0/0 still admits DNS.
test_ip_block_anywhere_without_dns_addresses if {
	inp := json.patch(cluster([api], [deny_egress, allow([dns_rule([udp53, tcp53], [{"ipBlock": {"cidr": "0.0.0.0/0"}}])])], {}), [{"op": "replace", "path": "/kubernetes/pods", "value": [api]}])
	count(rule.findings) == 0 with input as inp
}

# An ipBlock that is not a CIDR (refused by the API server; a hand-made or
# damaged file may hold it) is not judged: no finding that DNS is blocked
# rests on it, and the rule does not stop. An unreadable except entry
# excepts nothing here, for the same reason.
test_unreadable_ip_block_is_not_judged if {
	count(rule.findings) == 0 with input as cluster([api], [deny_egress, allow([dns_rule([udp53, tcp53], [{"ipBlock": {"cidr": "10.96.0.10"}}])])], {})
	count(rule.findings) == 0 with input as cluster([api], [deny_egress, allow([dns_rule([udp53, tcp53], [{"ipBlock": {"cidr": 42}}])])], {})
	count(rule.findings) == 0 with input as cluster([api], [deny_egress, allow([dns_rule([udp53, tcp53], [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["everything"]}}])])], {})
}
