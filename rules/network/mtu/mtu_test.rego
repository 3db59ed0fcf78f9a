package ktriage.rules.network["mtu_test"]

import data.ktriage.rules.network["mtu"] as rule

# ------------------------------------------------------------ builders

iface(name, kind, mtu, addrs, details, line) := {
	"name": name, "kind": kind, "mtu": mtu, "details": details,
	"addresses": [{"family": "inet", "address": a, "prefix": 24} | some a in addrs],
	"file": "nodes/vm/ip-d-addr.txt", "line": line, "text": sprintf("%d: %s: <UP> mtu %d", [line, name, mtu]),
}

eth0(mtu, ip) := iface("eth0", "", mtu, [ip], {}, 2)

tunl0(mtu) := iface("tunl0", "ipip", mtu, ["10.244.5.0"], {"local": "any", "remote": "any", "pmtudisc": true}, 8)

node_with(ifaces) := {"interfaces": ifaces, "routes": [{"dst": "default", "dev": "eth0", "table": "main", "file": "r", "line": 1}]}

node_object(name, ip) := {
	"kind": "Node", "metadata": {"name": name},
	"status": {"addresses": [{"type": "InternalIP", "address": ip}]},
}

inp(nodes, node_objects) := {
	"nodes": nodes,
	"kubernetes": {"nodes": node_objects, "daemonsets": [], "configmaps": []},
}

only(set) := x if {
	count(set) == 1
	some x in set
}

# ------------------------------------------------------------- tests

test_fires_on_the_incident if {
	f := only(rule.findings) with input as inp({"vm-5": node_with([eth0(1450, "10.0.0.5"), tunl0(1440)])}, [node_object("vm-5", "10.0.0.5")])
	f.message == "tunl0 1440 + 20 (IPIP) = 1460 > eth0 1450 on vm-5: inner packets over 1430 bytes are dropped between tunl0 and eth0, so large transfers between pods on different nodes stall while small requests pass."
	f.subjects == [{"kind": "Node", "name": "vm-5"}]
	f.details.max_inner == 1430
	f.details.underlay_found_by == "it holds the node's InternalIP 10.0.0.5"
	[e.line | some e in f.evidence] == [8, 2]
}

test_silent_when_tunnel_fits if {
	count(rule.findings) == 0 with input as inp({"vm-5": node_with([eth0(1450, "10.0.0.5"), tunl0(1430)])}, [node_object("vm-5", "10.0.0.5")])
}

test_underlay_from_default_route_without_node_objects if {
	f := only(rule.findings) with input as inp({"vm-5": node_with([eth0(1450, "10.0.0.5"), tunl0(1440)])}, [])
	f.details.underlay_found_by == "it carries the default route"
}

test_underlay_from_vxlan_dev_detail if {
	flannel := iface("flannel.1", "vxlan", 1450, ["10.244.1.0"], {"id": 1, "dev": "ens5", "dstport": 8472}, 5)
	ens5 := iface("ens5", "", 1460, ["10.0.0.9"], {}, 2)
	other := iface("eth0", "", 9001, ["192.168.0.9"], {}, 3)
	f := only(rule.findings) with input as inp({"gke-1": {"interfaces": [ens5, other, flannel], "routes": [{"dst": "default", "dev": "eth0"}]}}, [])
	contains(f.message, "flannel.1 1450 + 50 (VXLAN) = 1500 > ens5 1460 on gke-1: inner packets over 1410 bytes")
	f.details.underlay_found_by == "the ens5 device of flannel.1 (ip -d)"
}

test_wireguard_over_ipv6_costs_80 if {
	wg := iface("wireguard.cali", "wireguard", 1440, [], {}, 4)
	u := {"name": "eth0", "kind": "", "mtu": 1500, "details": {}, "addresses": [{"family": "inet6", "address": "2001:db8::5", "prefix": 64, "scope": "global"}], "file": "f", "line": 2}
	f := only(rule.findings) with input as inp({"v6": node_with([u, wg])}, [])
	contains(f.message, "wireguard.cali 1440 + 80 (WireGuard) = 1520 > eth0 1500")
}

test_fires_for_peer_with_smaller_underlay if {
	findings := rule.findings with input as inp(
		{
			"vm-4": node_with([eth0(1500, "10.0.0.4"), tunl0(1480)]),
			"vm-5": node_with([eth0(1450, "10.0.0.5"), tunl0(1430)]),
		},
		[node_object("vm-4", "10.0.0.4"), node_object("vm-5", "10.0.0.5")],
	)
	f := only(findings)
	f.details.reason == "peer-underlay"
	contains(f.message, "tunl0 1480 + 20 (IPIP) = 1500 fits eth0 1500 on vm-4, but vm-5's eth0 is only 1450: packets from vm-4 to pods on vm-5 over 1430 bytes are dropped")
}

test_silent_when_every_node_fits_the_smallest_underlay if {
	count(rule.findings) == 0 with input as inp(
		{
			"vm-4": node_with([eth0(1500, "10.0.0.4"), tunl0(1430)]),
			"vm-5": node_with([eth0(1450, "10.0.0.5"), tunl0(1430)]),
		},
		[],
	)
}

# Calico in VXLAN mode on a 1450 underlay: the kernel's fallback tunl0 and
# sit0 (1480, DOWN) exist because the ipip module is loaded; only the UP
# vxlan.calico carries traffic, and it fits.
fallback(name, kind) := object.union(iface(name, kind, 1480, [], {"local": "any", "remote": "any"}, 7), {"flags": ["NOARP"]})

test_down_fallback_tunnels_are_not_judged if {
	vx := object.union(iface("vxlan.calico", "vxlan", 1400, ["10.244.5.0"], {"dstport": 4789}, 9), {"flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"]})
	ifs := [eth0(1450, "10.0.0.5"), fallback("tunl0", "ipip"), fallback("sit0", "sit"), vx]
	count(rule.findings) == 0 with input as inp({"vm-5": node_with(ifs)}, [node_object("vm-5", "10.0.0.5")])
	up := object.union(fallback("tunl0", "ipip"), {"flags": ["NOARP", "UP", "LOWER_UP"]})
	f := only(rule.findings) with input as inp({"vm-5": node_with([eth0(1450, "10.0.0.5"), up, vx])}, [node_object("vm-5", "10.0.0.5")])
	startswith(f.message, "tunl0 1480 + 20 (IPIP) = 1500 > eth0 1450 on vm-5")
}

test_flow_based_ovs_devices_are_not_judged if {
	vx := iface("vxlan_sys_4789", "vxlan", 65000, [], {"external": true, "dstport": 4789}, 9)
	count(rule.findings) == 0 with input as inp({"osp": node_with([eth0(9000, "10.0.0.7"), vx])}, [])
}

test_fires_on_pod_interfaces_above_the_tunnel if {
	veth := {"name": "cali1a2b3c4d5e6", "kind": "veth", "mtu": 1500, "file": "f", "line": 12, "addresses": []}
	f := only(rule.findings) with input as inp({"vm-5": node_with([eth0(1500, "10.0.0.5"), tunl0(1440), veth])}, [])
	f.details.reason == "pod-mtu-above-overlay"
	contains(f.message, "1 pod interface(s) on vm-5 have an MTU above tunl0's 1440 (cali1a2b3c4d5e6 1500)")
}

test_pod_netns_eth0_counts_as_pod_side if {
	n := object.union(node_with([eth0(1500, "10.0.0.5"), tunl0(1440)]), {"netns": {"web-1": {"interfaces": [{"name": "eth0", "kind": "veth", "mtu": 1500, "file": "p", "line": 3}]}}})
	f := only(rule.findings) with input as inp({"vm-5": n}, [])
	f.details.reason == "pod-mtu-above-overlay"
}

test_cites_calico_settings if {
	ds := {
		"kind": "DaemonSet", "metadata": {"namespace": "kube-system", "name": "calico-node"},
		"spec": {"template": {"spec": {"containers": [{"name": "calico-node", "env": [
			{"name": "CALICO_IPV4POOL_IPIP", "value": "Always"},
			{"name": "FELIX_IPINIPMTU", "valueFrom": {"configMapKeyRef": {"name": "calico-config", "key": "veth_mtu"}}},
			{"name": "DATASTORE_TYPE", "value": "kubernetes"},
		]}]}}},
	}
	f := only(rule.findings) with input as {
		"nodes": {"vm-5": node_with([eth0(1450, "10.0.0.5"), tunl0(1440)])},
		"kubernetes": {"nodes": [], "daemonsets": [ds], "configmaps": [{"kind": "ConfigMap", "metadata": {"namespace": "kube-system", "name": "calico-config"}, "data": {"veth_mtu": "1440"}}]},
	}
	notes := {e.note | some e in f.evidence}
	"CALICO_IPV4POOL_IPIP=Always" in notes
	"FELIX_IPINIPMTU=(from ConfigMap calico-config key veth_mtu)" in notes
	"veth_mtu: 1440" in notes
	not "DATASTORE_TYPE=kubernetes" in notes
}

test_notice_without_an_underlay if {
	count(rule.findings) == 0 with input as inp({"x": {"interfaces": [tunl0(1440)]}}, [])
	count(rule.notices) == 1 with input as inp({"x": {"interfaces": [tunl0(1440)]}}, [])
}

# ------------------------------------------------------- packet evidence

flow(retrans_large, acked) := {
	"proto": "tcp", "src": "10.244.4.10:41234", "dst": "10.244.5.10:8080", "data_sender": "dst",
	"retransmissions": 6, "large_retransmitted": retrans_large, "large_retransmitted_acked": acked,
	"max_delivered_payload": 204, "min_retransmitted_payload": 1388, "retransmitted_frames": [17, 21, 25],
	"encapsulation": null,
}

captured(file, flows) := {"file": file, "interfaces": [], "flows": flows}

with_captures(caps_vm5) := inp(
	{"vm-5": object.union(node_with([eth0(1450, "10.0.0.5"), tunl0(1440)]), {"captures": caps_vm5})},
	[node_object("vm-5", "10.0.0.5")],
)

test_packet_evidence_large_lost_small_pass if {
	underlay_flow := object.union(flow(0, false), {"encapsulation": {"kind": "ipip", "outer_src": "10.0.0.5", "outer_dst": "10.0.0.4", "outer_size_max": 584}})
	f := only(rule.findings) with input as with_captures([
		captured("nodes/vm-5/capture-tunl0.pcap", [flow(6, false)]),
		captured("nodes/vm-5/capture-eth0.pcap", [underlay_flow]),
	])
	contains(f.message, "The captures agree: on vm-5 tunl0, segments of 1388 bytes or more from 10.244.5.10:8080 to 10.244.4.10:41234 were retransmitted 6 times and never acknowledged, while segments up to 204 bytes got through; the largest packet of that flow vm-5's eth0 carried was 584 bytes.")
	some e in f.evidence
	e.file == "nodes/vm-5/capture-tunl0.pcap"
	e.frame == 17
}

test_no_packet_claim_when_the_large_segments_were_acked if {
	f := only(rule.findings) with input as with_captures([captured("nodes/vm-5/capture-tunl0.pcap", [flow(6, true)])])
	not contains(f.message, "The captures agree")
}

test_no_packet_claim_for_small_retransmissions if {
	small := object.union(flow(6, false), {"min_retransmitted_payload": 1200})
	f := only(rule.findings) with input as with_captures([captured("nodes/vm-5/capture-tunl0.pcap", [small])])
	not contains(f.message, "The captures agree")
}

# ------------------------------------------------------------ confirm

remote_pod := {"kind": "Pod", "metadata": {"namespace": "shop", "name": "web-1"}, "spec": {"nodeName": "vm-4"}, "status": {"podIP": "10.244.4.10"}}

test_confirm_pings_a_pod_on_another_node_from_the_host if {
	i := inp({"vm-5": node_with([eth0(1450, "10.0.0.5"), tunl0(1440)])}, [node_object("vm-5", "10.0.0.5")])
	f := only(rule.findings) with input as json.patch(i, [{"op": "add", "path": "/kubernetes/pods", "value": [remote_pod]}])
	f.confirm == [
		"kubectl debug node/vm-5 -it --image=docker.io/library/busybox:1.36 --profile=sysadmin -- chroot /host ip -d link show tunl0",
		"kubectl debug node/vm-5 -it --image=docker.io/library/busybox:1.36 --profile=sysadmin -- chroot /host ip link show eth0",
		"kubectl debug node/vm-5 -it --image=docker.io/library/busybox:1.36 --profile=sysadmin -- chroot /host ping -c 3 -M do -s 1402 10.244.4.10   # passes: 1430 bytes fit the underlay",
		"kubectl debug node/vm-5 -it --image=docker.io/library/busybox:1.36 --profile=sysadmin -- chroot /host ping -c 3 -M do -s 1412 10.244.4.10   # lost: 1440 + 20 bytes do not",
	]
}

test_confirm_lists_pods_elsewhere_when_no_address_is_known if {
	f := only(rule.findings) with input as inp({"vm-5": node_with([eth0(1450, "10.0.0.5"), tunl0(1440)])}, [node_object("vm-5", "10.0.0.5")])
	f.confirm[2] == "kubectl get pods -A -o wide --field-selector 'spec.nodeName!=vm-5'   # a pod IP on another node: from vm-5, ping -c 3 -M do -s 1402 IP passes, -s 1412 is lost"
	every c in f.confirm {
		not contains(c, "<pod IP")
	}
}
