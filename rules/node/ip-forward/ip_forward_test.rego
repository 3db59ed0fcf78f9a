package ktriage.rules.node["ip-forward_test"]

import data.ktriage.rules.node["ip-forward"] as rule

sysctls(m) := {k: {"value": m[k], "file": "sysctl-a.txt", "line": i + 1} | some i, k in sort(object.keys(m))}

veth(name, master) := {"name": name, "kind": "veth", "mtu": 1450, "master": master, "file": "ip.txt", "line": 9}

cni0 := {"name": "cni0", "kind": "bridge", "mtu": 1450, "master": "", "file": "ip.txt", "line": 5}

pod_on(nodename, host) := {"kind": "Pod", "metadata": {"namespace": "a", "name": "p"}, "spec": {"nodeName": nodename, "hostNetwork": host}}

inp(n, pods) := {"nodes": {"vm-1": n}, "kubernetes": {"pods": pods, "nodes": []}}

only(set) := x if {
	count(set) == 1
	some x in set
}

test_fires_when_forwarding_is_off_on_a_pod_node if {
	f := only(rule.findings) with input as inp({"sysctl": sysctls({"net.ipv4.ip_forward": "0", "net.core.somaxconn": "4096"})}, [pod_on("vm-1", false)])
	not f.severity
	f.details.reason == "ip-forward-off"
	contains(f.message, "On vm-1 net.ipv4.ip_forward = 0, yet the node runs pods")
	f.evidence[0].line > 0
}

test_silent_when_node_runs_only_host_network_pods if {
	count(rule.findings) == 0 with input as inp({"sysctl": sysctls({"net.ipv4.ip_forward": "0"})}, [pod_on("vm-1", true)])
}

test_silent_when_forwarding_is_on if {
	count(rule.findings) == 0 with input as inp({"sysctl": sysctls({"net.ipv4.ip_forward": "1"}), "interfaces": [veth("cali1", "")]}, [])
}

test_fires_on_bridge_nf_off_with_a_pod_bridge if {
	n := {"sysctl": sysctls({"net.ipv4.ip_forward": "1", "net.bridge.bridge-nf-call-iptables": "0", "net.core.somaxconn": "4096"}), "interfaces": [cni0, veth("veth1", "cni0")]}
	f := only(rule.findings) with input as inp(n, [])
	f.severity == "high"
	contains(f.message, "pods hang off bridge cni0, but net.bridge.bridge-nf-call-iptables = 0")
}

test_fires_when_br_netfilter_is_not_loaded if {
	n := {"sysctl": sysctls({"net.ipv4.ip_forward": "1", "net.core.somaxconn": "4096"}), "interfaces": [cni0, veth("veth1", "cni0")]}
	f := only(rule.findings) with input as inp(n, [])
	contains(f.message, "br_netfilter is not loaded")
}

test_silent_for_routed_cni_without_bridge if {
	n := {"sysctl": sysctls({"net.ipv4.ip_forward": "1", "net.bridge.bridge-nf-call-iptables": "0", "net.core.somaxconn": "4096"}), "interfaces": [veth("cali1a2b", "")]}
	count(rule.findings) == 0 with input as inp(n, [])
}

# A veth uplink (kind nodes, labs) is no pod: forwarding off on such a
# node is only seen, not judged.
test_a_veth_uplink_is_not_a_pod if {
	uplink := {"name": "eth0", "kind": "veth", "mtu": 1500, "master": "", "peer": "if2", "file": "ip.txt", "line": 2}
	f := only(rule.findings) with input as inp({"sysctl": sysctls({"net.ipv4.ip_forward": "0"}), "interfaces": [uplink]}, [])
	f.severity == "info"
	f.details.reason == "ip-forward-off-no-pods-known"
}

# sysctl -a of a node and nothing about its pods: forwarding off must not
# vanish, nor be called an outage the bundle cannot show.
test_info_when_forwarding_is_off_and_no_pods_are_known if {
	f := only(rule.findings) with input as {"nodes": {"vm-3": {"sysctl": sysctls({"net.ipv4.ip_forward": "0"})}}, "kubernetes": {}}
	f.severity == "info"
	f.message == "On vm-3 net.ipv4.ip_forward = 0: seen, not judged: no pods known on this node. If pods run there, the kernel does not route their packets."
	f.evidence[0] == {"file": "sysctl-a.txt", "line": 1, "note": "IP forwarding is off"}
	f.confirm == [
		"kubectl debug node/vm-3 -it --image=docker.io/library/busybox:1.36 --profile=sysadmin -- chroot /host sysctl net.ipv4.ip_forward",
		"kubectl get pods -A -o wide --field-selector spec.nodeName=vm-3",
	]
}

test_info_confirm_names_no_node_for_an_unattributed_file if {
	f := only(rule.findings) with input as {"nodes": {"unattributed:x;y.txt": {"sysctl": sysctls({"net.ipv4.ip_forward": "0"})}}, "kubernetes": {}}
	f.confirm == ["sysctl net.ipv4.ip_forward   # on the host that wrote x;y.txt (not attributed to a node)"]
}

test_info_when_the_dump_schedules_pods_on_other_nodes_only if {
	f := only(rule.findings) with input as inp({"sysctl": sysctls({"net.ipv4.ip_forward": "0"})}, [pod_on("vm-2", false)])
	f.severity == "info"
}

test_confirm_runs_on_the_node_through_a_debug_pod if {
	f := only(rule.findings) with input as inp({"sysctl": sysctls({"net.ipv4.ip_forward": "0", "net.core.somaxconn": "4096"})}, [pod_on("vm-1", false)])
	f.confirm[0] == "kubectl debug node/vm-1 -it --image=docker.io/library/busybox:1.36 --profile=sysadmin -- chroot /host sysctl net.ipv4.ip_forward"
}

test_confirm_names_the_file_when_no_node_is_known if {
	n := {"sysctl": sysctls({"net.ipv4.ip_forward": "1", "net.bridge.bridge-nf-call-iptables": "0", "net.core.somaxconn": "4096"}), "interfaces": [cni0, veth("veth1", "cni0")]}
	f := only(rule.findings) with input as {"nodes": {"unattributed:ticket/sysctl.txt": n}, "kubernetes": {"pods": [], "nodes": []}}
	f.confirm == [
		"lsmod | grep br_netfilter   # on the host that wrote ticket/sysctl.txt (not attributed to a node)",
		"sysctl net.bridge.bridge-nf-call-iptables   # on the host that wrote ticket/sysctl.txt (not attributed to a node)",
	]
}
