# METADATA
# title: Node does not forward pod traffic
# description: >-
#   A node routes its pods' packets: with net.ipv4.ip_forward = 0 nothing
#   from a pod leaves the node and nothing reaches it from another node. On
#   nodes whose CNI puts pods on a Linux bridge (flannel's cni0, kubenet's
#   cbr0, docker0), Service traffic between pods on the same bridge only
#   passes kube-proxy's iptables rules when br_netfilter makes bridged
#   packets traverse iptables (net.bridge.bridge-nf-call-iptables = 1);
#   without it a pod cannot reach a ClusterIP served by a pod on the same
#   node. The rule reads each node's sysctl -a and only judges nodes that
#   run pods (Pods scheduled there, or pod interfaces on the node), and
#   bridge-nf-call-iptables only where a bridge holds pod interfaces. A node
#   with forwarding off and no pod known on it is reported at info: seen,
#   not judged.
# custom:
#   id: ip-forward
#   category: node-sysctl
#   severity: critical
#   needs: [node.sysctl]
#   remediation: >-
#     Set net.ipv4.ip_forward = 1 on every node (and persist it in
#     /etc/sysctl.d/; something reset it: a hardening baseline, a
#     NetworkManager or firewalld profile, a docker restart with
#     --ip-forward=false). For bridge-based CNIs load br_netfilter and set
#     net.bridge.bridge-nf-call-iptables = 1 (kubeadm's preflight checks
#     both).
#   references:
#     - https://kubernetes.io/docs/setup/production-environment/container-runtimes/#forwarding-ipv4-and-letting-iptables-see-bridged-traffic
#     - https://kubernetes.io/docs/concepts/extend-kubernetes/compute-storage-net/network-plugins/#network-plugin-requirements
package ktriage.rules.node["ip-forward"]

import data.ktriage.lib.node
import data.ktriage.lib.sh

# A node runs pods when the dump schedules non-host-network pods on it or
# its interfaces show pod veths.
runs_pods(name) if {
	some p in input.kubernetes.pods
	p.spec.nodeName == name
	not p.spec.hostNetwork
}

runs_pods(name) if {
	some i in node.interfaces(input.nodes[name])
	node.pod_veth(i)
}

# Any pod the dump schedules on the node, host-network ones included: with
# only those, the node is known to run no pod network.
pods_known(name) if {
	some p in input.kubernetes.pods
	p.spec.nodeName == name
}

bridges_with_pods(n) := [b |
	some b in node.interfaces(n)
	b.kind == "bridge"
	some v in node.interfaces(n)
	v.master == b.name
	v.kind == "veth"
]

findings contains f if {
	some name, n in input.nodes
	node.sysctl(n, "net.ipv4.ip_forward") == "0"
	runs_pods(name)
	f := {
		"message": sprintf("On %s net.ipv4.ip_forward = 0, yet the node runs pods: the kernel does not route their packets, so nothing from a pod leaves the node and nothing from other nodes reaches its pods.", [node.display(name)]),
		"subjects": [node.subject(name)],
		"evidence": [node.sysctl_cite(n, "net.ipv4.ip_forward", "IP forwarding is off")],
		"confirm": [
			sh.on_node(name, "sysctl net.ipv4.ip_forward", ""),
			sh.on_node(name, "grep -r ip_forward /etc/sysctl.conf /etc/sysctl.d/ /usr/lib/sysctl.d/", ""),
		],
		"fix": sprintf("sysctl -w net.ipv4.ip_forward=1 on %s and persist it in /etc/sysctl.d/99-kubernetes.conf; find what turned it off.", [node.display(name)]),
		"details": {"reason": "ip-forward-off", "node": name},
	}
}

# Forwarding off where the bundle shows no pod of the node (no Pod
# scheduled there, no pod interface): it matters only if pods run there,
# which the bundle does not say. Reported so it does not vanish.
findings contains f if {
	some name, n in input.nodes
	node.sysctl(n, "net.ipv4.ip_forward") == "0"
	not runs_pods(name)
	not pods_known(name)
	f := {
		"message": sprintf("On %s net.ipv4.ip_forward = 0: seen, not judged: no pods known on this node. If pods run there, the kernel does not route their packets.", [node.display(name)]),
		"severity": "info",
		"subjects": [node.subject(name)],
		"evidence": [node.sysctl_cite(n, "net.ipv4.ip_forward", "IP forwarding is off")],
		"confirm": array.concat([sh.on_node(name, "sysctl net.ipv4.ip_forward", "")], pods_on(name)),
		"fix": sprintf("If %s runs pods, sysctl -w net.ipv4.ip_forward=1 there and persist it in /etc/sysctl.d/99-kubernetes.conf.", [node.display(name)]),
		"details": {"reason": "ip-forward-off-no-pods-known", "node": name},
	}
}

findings contains f if {
	some name, n in input.nodes
	bs := bridges_with_pods(n)
	count(bs) > 0
	not bridge_nf_on(n)
	b := bs[0]
	f := {
		"message": sprintf("On %s pods hang off bridge %s, but %s: packets between pods on that bridge skip iptables, so kube-proxy's Service rules never see them and a pod cannot reach a ClusterIP served by a pod on the same node.", [
			node.display(name), b.name, bridge_nf_state(n),
		]),
		"severity": "high",
		"subjects": [node.subject(name)],
		"evidence": array.concat([node.cite(b, sprintf("bridge %s with pod veths", [b.name]))], bridge_nf_cite(n)),
		"confirm": [
			sh.on_node(name, "lsmod", " | grep br_netfilter"),
			sh.on_node(name, "sysctl net.bridge.bridge-nf-call-iptables", ""),
		],
		"fix": "modprobe br_netfilter; sysctl -w net.bridge.bridge-nf-call-iptables=1 (persist both: /etc/modules-load.d/ and /etc/sysctl.d/).",
		"details": {"reason": "bridge-nf-call-iptables-off", "node": name, "bridge": b.name},
	}
}

bridge_nf_on(n) if node.sysctl(n, "net.bridge.bridge-nf-call-iptables") == "1"

# Without br_netfilter the key does not exist at all; only judge that when
# the bundle holds the node's sysctl -a (a full listing has net.core.*).
bridge_nf_state(n) := "net.bridge.bridge-nf-call-iptables = 0" if {
	node.sysctl(n, "net.bridge.bridge-nf-call-iptables") == "0"
} else := "sysctl -a has no net.bridge.bridge-nf-call-iptables: br_netfilter is not loaded" if {
	not n.sysctl["net.bridge.bridge-nf-call-iptables"]
	n.sysctl["net.core.somaxconn"]
}

bridge_nf_cite(n) := [node.sysctl_cite(n, "net.bridge.bridge-nf-call-iptables", "bridged traffic bypasses iptables")] if {
	n.sysctl["net.bridge.bridge-nf-call-iptables"]
} else := []

# pods_on lists the pods the cluster schedules on a node (none to ask for
# when the file names no node).
pods_on(name) := [] if {
	startswith(name, "unattributed:")
} else := [sh.format("kubectl get pods -A -o wide --field-selector %s", [concat("", ["spec.nodeName=", name])])]
