# METADATA
# title: Overlay MTU does not fit the underlay
# description: >-
#   An overlay device (Calico tunl0 or vxlan.calico, flannel.1, Cilium or
#   OVN Geneve, WireGuard, GRE) wraps every pod packet in an outer header.
#   When the overlay's MTU plus that header is larger than the MTU of the
#   underlay device that carries it, on this node or on the peer with the
#   smallest underlay, full-size packets cannot leave the node: small
#   requests pass, large responses vanish between nodes and TCP retransmits
#   the big segments until the connection times out (a path-MTU black hole
#   wherever ICMP "fragmentation needed" is filtered). The rule finds the
#   underlay from the tunnel's own details (-d output), the device holding
#   the node's InternalIP, or the default route, and also reports pod
#   interfaces whose MTU is above the overlay's. Devices in flow-based
#   ("external") mode, as OVS and OVN use, take their MTU from elsewhere and
#   are not judged by their own.
# custom:
#   id: mtu
#   category: mtu
#   severity: high
#   needs: [node.interfaces]
#   remediation: >-
#     Set the overlay MTU to the smallest underlay MTU among the nodes minus
#     the encapsulation overhead (IPIP 20, VXLAN 50, Geneve 50 or more,
#     WireGuard 60 on IPv4 / 80 on IPv6, GRE 24 or more), in the CNI's own
#     configuration (Calico: the Installation's calicoNetwork.mtu or
#     FELIX_IPINIPMTU / FELIX_VXLANMTU / veth_mtu; flannel derives it from
#     the underlay at start; Cilium: the mtu option), then restart the CNI
#     agents and recreate pods so their interfaces take the new MTU.
#   references:
#     - https://docs.tigera.io/calico/latest/networking/configuring/mtu
#     - https://docs.cilium.io/en/stable/network/concepts/routing/
#     - https://github.com/flannel-io/flannel/blob/master/Documentation/backends.md
package ktriage.rules.network["mtu"]

import data.ktriage.lib.kube
import data.ktriage.lib.node
import data.ktriage.lib.text
import data.ktriage.lib.sh

# Bytes an encapsulation adds over an IPv4 underlay; an IPv6 underlay adds
# 20 more (WireGuard: 80 instead of 60).
overhead := {
	"ipip": 20, "sit": 20, "ip6tnl": 40, "vxlan": 50, "geneve": 50,
	"gre": 24, "gretap": 38, "ip6gre": 44, "ip6gretap": 58, "wireguard": 60,
}

encap_name := {
	"ipip": "IPIP", "sit": "SIT", "ip6tnl": "IPv6 tunnel", "vxlan": "VXLAN", "geneve": "Geneve",
	"gre": "GRE", "gretap": "GRETAP", "ip6gre": "IPv6 GRE", "ip6gretap": "IPv6 GRETAP", "wireguard": "WireGuard",
}

# Flow-based devices (OVS/OVN vxlan_sys_*, genev_sys_*) carry traffic whose
# MTU is set on the bridge and the pods' ports, not on the device.
flow_based(i) if i.details.external == true

flow_based(i) if i.details.collect_metadata == true

# An administratively down device carries nothing. The kernel creates
# tunl0, sit0, ip6tnl0, gre0 and gretap0 at their default MTUs (1480, 1480,
# 1452, 1476, 1462) as soon as their module loads, unused and DOWN, on nodes
# whose CNI runs VXLAN or no tunnel at all. Interfaces whose flags the
# artifact does not show (some ifconfig forms) are judged.
down(i) if {
	flags := kube.array(i, "flags")
	count(flags) > 0
	not "UP" in flags
}

overlays(n) := [i |
	some i in node.interfaces(n)
	overhead[i.kind]
	not flow_based(i)
	not down(i)
	i.mtu > 0
]

ipv4(i) if {
	some a in kube.array(i, "addresses")
	a.family == "inet"
}

ipv6_only(i) if {
	not ipv4(i)
	some a in kube.array(i, "addresses")
	a.family == "inet6"
	a.scope == "global"
}

cost(t, u) := overhead[t.kind] + 20 if {
	ipv6_only(u)
} else := overhead[t.kind]

# ------------------------------------------------------------- underlay

# The device carrying the tunnel's packets, and how it was found.
underlay(name, n, t) := {"iface": u, "how": sprintf("the %s device of %s (ip -d)", [t.details.dev, t.name])} if {
	u := node.iface(n, t.details.dev)
	u.name != t.name
} else := {"iface": us[0], "how": sprintf("it holds %s's local address %s", [t.name, t.details["local"]])} if {
	us := holding(n, t, {t.details["local"]})
	count(us) > 0
} else := {"iface": us[0], "how": sprintf("it holds the node's InternalIP %s", [concat(", ", sort(node.internal_ips(name)))])} if {
	us := holding(n, t, node.internal_ips(name))
	count(us) > 0
} else := {"iface": us[0], "how": "it carries the default route"} if {
	us := [u |
		some r in kube.array(n, "routes")
		r.dst == "default"
		object.get(r, "table", "main") == "main"
		u := node.iface(n, r.dev)
		u.name != t.name
	]
	count(us) > 0
}

# Interfaces other than the tunnel that hold one of the addresses, in the
# order the file lists them (a node may also carry its IP on a bridge).
holding(n, t, addrs) := [u |
	some u in node.interfaces(n)
	u.name != t.name
	some a in kube.array(u, "addresses")
	a.address in addrs
]

# Every node's overlays with their underlays.
links contains {"node": name, "tunnel": t, "underlay": ul.iface, "how": ul.how, "cost": cost(t, ul.iface)} if {
	some name, n in input.nodes
	some t in overlays(n)
	ul := underlay(name, n, t)
}

# The smallest underlay among nodes that carry the same kind of overlay.
smallest(kind) := l if {
	ls := [x | some x in links; x.tunnel.kind == kind]
	m := min({x.underlay.mtu | some x in ls})
	l := [x | some x in ls; x.underlay.mtu == m][0]
}

# --------------------------------------------------------- CNI settings

cni_env_names := {
	"CALICO_IPV4POOL_IPIP", "CALICO_IPV4POOL_VXLAN", "CALICO_NETWORKING_BACKEND",
	"FELIX_IPINIPMTU", "FELIX_VXLANMTU", "FELIX_WIREGUARDMTU", "FELIX_IPINIPENABLED", "CNI_MTU",
}

# What the cluster dump says about the CNI: calico-node's environment and
# the CNI config maps, cited where they are.
cni_evidence := array.concat(
	[kube.at(ds, ["spec", "template", "spec", "containers", ci, "env", ei, env_field(e)], sprintf("%s=%s", [e.name, env_value(e)])) |
		some ds in input.kubernetes.daemonsets
		ds.metadata.name in {"calico-node", "canal"}
		some ci, c in ds.spec.template.spec.containers
		some ei, e in kube.array(c, "env")
		e.name in cni_env_names
	],
	[kube.at(cm, ["data", k], sprintf("%s: %s", [k, cm.data[k]])) |
		some cm in input.kubernetes.configmaps
		some k in {"veth_mtu", "net-conf.json", "mtu", "tunnel", "tunnel-protocol"}
		cm.metadata.name in {"calico-config", "kube-flannel-cfg", "cilium-config", "canal-config"}
		cm.data[k]
	],
)

env_field(e) := "value" if e.value

env_field(e) := "valueFrom" if not e.value

env_value(e) := e.value if e.value

env_value(e) := sprintf("(from ConfigMap %s key %s)", [e.valueFrom.configMapKeyRef.name, e.valueFrom.configMapKeyRef.key]) if e.valueFrom.configMapKeyRef

env_value(e) := "(set elsewhere)" if {
	not e.value
	not e.valueFrom.configMapKeyRef
}

# --------------------------------------------------------- packet proof

# Flows whose large segments were retransmitted and never acknowledged
# while smaller ones got through, sized as this link explains: the lost
# segments may not fit its inner MTU (payload plus up to 80 bytes of IPv4
# and TCP headers with options), the delivered ones do (plus at least 40).
black_holed(l) := [{"node": name, "iface": node.capture_iface(name, c), "file": c.file, "flow": fl} |
	some [name, c] in node.captures
	some fl in kube.array(c, "flows")
	fl.large_retransmitted > 0
	not fl.large_retransmitted_acked
	fl.min_retransmitted_payload + 80 > l.underlay.mtu - l.cost
	fl.max_delivered_payload + 40 <= l.underlay.mtu - l.cost
]

# The same flow as an underlay capture saw it (the capture decapsulates, so
# the inner addresses match): the largest outer packet it carried.
outer_seen(l, x) := [{"file": c.file, "iface": node.capture_iface(name, c), "node": name, "size": fl.encapsulation.outer_size_max} |
	some [name, c] in node.captures
	node.capture_iface(name, c) == l.underlay.name
	some fl in kube.array(c, "flows")
	{fl.src, fl.dst} == {x.flow.src, x.flow.dst}
	fl.encapsulation
]

packets(l) := {"proof": x, "outer": outer_seen(l, x)} if {
	xs := black_holed(l)
	count(xs) > 0
	best := max({fl.flow.large_retransmitted | some fl in xs})
	x := [y | some y in xs; y.flow.large_retransmitted == best][0]
}

packet_text(l) := sprintf(" The captures agree: on %s %s, segments of %d bytes or more from %s to %s were retransmitted %s and never acknowledged, %s%s.", [
	node.display(p.proof.node), iface_or_file(p.proof), p.proof.flow.min_retransmitted_payload, data_from(p.proof.flow), data_to(p.proof.flow),
	text.times(p.proof.flow.large_retransmitted), delivered_text(p.proof.flow), outer_text(p),
]) if {
	p := packets(l)
} else := ""

iface_or_file(x) := x.iface if x.iface != ""

iface_or_file(x) := x.file if x.iface == ""

data_from(fl) := fl.src if fl.data_sender == "src"

data_from(fl) := fl.dst if fl.data_sender != "src"

data_to(fl) := fl.dst if fl.data_sender == "src"

data_to(fl) := fl.src if fl.data_sender != "src"

delivered_text(fl) := "while no data segment of that flow was acknowledged at all" if fl.max_delivered_payload == 0

delivered_text(fl) := sprintf("while segments up to %d bytes got through", [fl.max_delivered_payload]) if fl.max_delivered_payload > 0

# What the underlay carried for that flow, preferring the proof's own node.
outer_text(p) := "" if count(p.outer) == 0

outer_text(p) := sprintf("; the largest packet of that flow %s's %s carried was %d bytes", [node.display(o.node), o.iface, o.size]) if {
	count(p.outer) > 0
	same := [x | some x in p.outer; x.node == p.proof.node]
	o := array.concat(same, p.outer)[0]
}

packet_evidence(l) := array.concat(
	[{"file": p.proof.file, "frame": p.proof.flow.retransmitted_frames[0], "note": sprintf("%s: first of %d retransmissions of segments ≥ %d bytes, none acknowledged; ≤ %d bytes delivered", [
		iface_or_file(p.proof), p.proof.flow.large_retransmitted, p.proof.flow.min_retransmitted_payload, p.proof.flow.max_delivered_payload,
	])} |
		p := packets(l)
		count(kube.array(p.proof.flow, "retransmitted_frames")) > 0
	],
	[{"file": o.file, "frame": 1, "note": sprintf("%s on %s: that flow's largest encapsulated packet was %d bytes", [o.iface, node.display(o.node), o.size])} |
		p := packets(l)
		some o in p.outer
	],
)

# ------------------------------------------------------------ findings

# The overlay does not fit its own node's underlay.
findings contains f if {
	some l in links
	t := l.tunnel
	u := l.underlay
	t.mtu + l.cost > u.mtu
	f := {
		"message": sprintf("%s %d + %d (%s) = %d > %s %d on %s: inner packets over %d bytes are dropped between %s and %s, so large transfers between pods on different nodes stall while small requests pass.%s", [
			t.name, t.mtu, l.cost, encap_name[t.kind], t.mtu + l.cost, u.name, u.mtu, node.display(l.node),
			u.mtu - l.cost, t.name, u.name, packet_text(l),
		]),
		"subjects": [node.subject(l.node)],
		"evidence": array.concat(array.concat([
			node.cite(t, sprintf("%s: %s MTU %d", [t.name, encap_name[t.kind], t.mtu])),
			node.cite(u, sprintf("%s: underlay MTU %d (%s)", [u.name, u.mtu, l.how])),
		], packet_evidence(l)), cni_evidence),
		"confirm": confirm(l, ""),
		"fix": sprintf("Lower the %s MTU to %d (%s %d − %d) in the CNI configuration, or raise the underlay MTU; then recreate pods so their interfaces follow.", [
			encap_name[t.kind], u.mtu - l.cost, u.name, u.mtu, l.cost,
		]),
		"details": details(l, u, "local-underlay"),
	}
}

# It fits here, but a peer's underlay is smaller: traffic to that node's
# pods is what breaks.
findings contains f if {
	some l in links
	t := l.tunnel
	t.mtu + l.cost <= l.underlay.mtu
	p := smallest(t.kind)
	p.node != l.node
	t.mtu + l.cost > p.underlay.mtu
	f := {
		"message": sprintf("%s %d + %d (%s) = %d fits %s %d on %s, but %s's %s is only %d: packets from %s to pods on %s over %d bytes are dropped on the way (the path MTU is the smallest underlay among the nodes).", [
			t.name, t.mtu, l.cost, encap_name[t.kind], t.mtu + l.cost, l.underlay.name, l.underlay.mtu, node.display(l.node),
			node.display(p.node), p.underlay.name, p.underlay.mtu, node.display(l.node), node.display(p.node), p.underlay.mtu - l.cost,
		]),
		"subjects": [node.subject(l.node), node.subject(p.node)],
		"evidence": array.concat([
			node.cite(t, sprintf("%s on %s: %s MTU %d", [t.name, node.display(l.node), encap_name[t.kind], t.mtu])),
			node.cite(l.underlay, sprintf("%s on %s: MTU %d", [l.underlay.name, node.display(l.node), l.underlay.mtu])),
			node.cite(p.underlay, sprintf("%s on %s: MTU %d, the smallest underlay (%s)", [p.underlay.name, node.display(p.node), p.underlay.mtu, p.how])),
		], cni_evidence),
		"confirm": confirm(l, p.node),
		"fix": sprintf("Size the %s MTU for the smallest underlay: %d (%s on %s, %d − %d) on every node, or make the underlay MTUs equal.", [
			encap_name[t.kind], p.underlay.mtu - l.cost, p.underlay.name, node.display(p.node), p.underlay.mtu, l.cost,
		]),
		"details": object.union(details(l, p.underlay, "peer-underlay"), {"peer": p.node}),
	}
}

# Pod interfaces with a larger MTU than the overlay that carries them.
findings contains f if {
	some name, n in input.nodes
	some t in overlays(n)
	big := [v |
		some v in pod_interfaces(n)
		v.mtu > t.mtu
	]
	count(big) > 0
	f := {
		"message": sprintf("%d pod interface(s) on %s have an MTU above %s's %d (%s): pods send packets the overlay must fragment or drop.", [
			count(big), node.display(name), t.name, t.mtu,
			concat(", ", [sprintf("%s %d", [v.name, v.mtu]) | some v in array.slice(big, 0, 4)]),
		]),
		"severity": "medium",
		"subjects": [node.subject(name)],
		"evidence": array.concat(
			[node.cite(t, sprintf("%s MTU %d", [t.name, t.mtu]))],
			[node.cite(v, sprintf("%s MTU %d > %d", [v.name, v.mtu, t.mtu])) | some v in array.slice(big, 0, 4)],
		),
		"confirm": [
			sh.on_node(name, sh.format("ip -d link show %s", [t.name]), ""),
			sh.on_node(name, "ip link show type veth", ""),
		],
		"fix": sprintf("Give pod interfaces the overlay's MTU (%d): set the CNI's veth/pod MTU and recreate the pods.", [t.mtu]),
		"details": {"reason": "pod-mtu-above-overlay", "node": name, "tunnel": t.name, "tunnel_mtu": t.mtu, "interfaces": [{"name": v.name, "mtu": v.mtu} | some v in big]},
	}
}

# Host ends of pod veth pairs (cali*, lxc*, veth*), and a pod namespace's
# own eth0 when the bundle holds it.
pod_interfaces(n) := array.concat(
	[v | some v in node.interfaces(n); node.pod_veth(v)],
	[v | some ns in kube.map(n, "netns"); some v in kube.array(ns, "interfaces"); v.name == "eth0"],
)

# confirm shows both devices and pings, from the node's host, a pod on
# another node (on peer, when the finding names one): the host routes pod
# addresses of other nodes through the tunnel, so the ping takes the path
# that drops. -c 3 ends it; -M do forbids fragmenting.
confirm(l, peer) := array.concat([
	sh.on_node(l.node, sh.format("ip -d link show %s", [l.tunnel.name]), ""),
	sh.on_node(l.node, sh.format("ip link show %s", [l.underlay.name]), ""),
], pings(l, peer))

pings(l, peer) := [
	sh.on_node(l.node, sh.format("ping -c 3 -M do -s %s %s", [l.underlay.mtu - l.cost - 28, ip]), sh.comment(sprintf("passes: %d bytes fit the underlay", [l.underlay.mtu - l.cost]))),
	sh.on_node(l.node, sh.format("ping -c 3 -M do -s %s %s", [l.tunnel.mtu - 28, ip]), sh.comment(sprintf("lost: %d + %d bytes do not", [l.tunnel.mtu, l.cost]))),
] if {
	ip := remote_pod_ip(l.node, peer)
} else := [concat("", [
	sh.format("kubectl get pods -A -o wide --field-selector %s", [concat("", ["spec.nodeName!=", l.node])]),
	sh.comment(sprintf("a pod IP on another node: from %s, ping -c 3 -M do -s %d IP passes, -s %d is lost", [l.node, l.underlay.mtu - l.cost - 28, l.tunnel.mtu - 28])),
]) |
	not startswith(l.node, "unattributed:")
]

# remote_pod_ip is the first (sorted) address of a pod on another node
# than from (on peer when given), not in the host network.
remote_pod_ip(from, peer) := sort([ip |
	some p in input.kubernetes.pods
	to := object.get(p, ["spec", "nodeName"], "")
	to != from
	to != ""
	peer in {"", to}
	not p.spec.hostNetwork
	ip := object.get(p, ["status", "podIP"], "")
	ip != ""
])[0]

details(l, u, reason) := {
	"reason": reason, "node": l.node, "tunnel": l.tunnel.name, "tunnel_mtu": l.tunnel.mtu,
	"encapsulation": l.tunnel.kind, "overhead": l.cost, "underlay": u.name, "underlay_mtu": u.mtu,
	"max_inner": u.mtu - l.cost, "underlay_found_by": l.how,
}

notices contains msg if {
	some name, n in input.nodes
	some t in overlays(n)
	not underlay(name, n, t)
	msg := sprintf("%s on %s: no underlay device found (no -d details, InternalIP or default route in the bundle); its MTU was not checked", [t.name, node.display(name)])
}
