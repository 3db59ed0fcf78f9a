# Helpers for rules over node-level facts (input.nodes, docs/facts.md) and
# the Node objects of the cluster dump.
package ktriage.lib.node

import data.ktriage.lib.kube

# display names a node for messages. A file no node could be found for is
# no node: it is named as where it came from ("On the node iptables.txt
# came from, …"), never as if its path were a node's name.
display(name) := sprintf("the node %s came from", [trim_prefix(name, "unattributed:")]) if startswith(name, "unattributed:")

display(name) := name if not startswith(name, "unattributed:")

# subject is how findings name a node.
subject(name) := {"kind": "Node", "name": name} if not startswith(name, "unattributed:")

subject(name) := {"kind": "File", "name": trim_prefix(name, "unattributed:")} if startswith(name, "unattributed:")

# The Node object of that name, when the dump has it.
node_object(name) := o if {
	some o in input.kubernetes.nodes
	o.metadata.name == name
}

ready_condition(n) := c if {
	some c in kube.array(n, ["status", "conditions"])
	c.type == "Ready"
}

# The kubelet's Ready condition when the runtime reports its network down:
# "runtime network not ready: NetworkReady=false
# reason:NetworkPluginNotReady message:docker: network plugin is not ready:
# cni config uninitialized" (dockershim, kubelet <= 1.23) or "container
# runtime network not ready: NetworkReady=false
# reason:NetworkPluginNotReady message:Network plugin returns error: cni
# plugin not initialized" (containerd's CRI plugin). The cni rule reports
# it; node-health and scheduling leave it to that rule.
network_not_ready_re := `NetworkPluginNotReady|network plugin is not ready|cni config uninitialized|cni plugin not initialized`

network_down(n) if {
	c := ready_condition(n)
	c.status != "True"
	regex.match(network_not_ready_re, object.get(c, "message", ""))
}

internal_ips(name) := {a.address |
	some a in node_object(name).status.addresses
	a.type == "InternalIP"
}

interfaces(n) := kube.array(n, "interfaces")

iface(n, ifname) := i if {
	some i in interfaces(n)
	i.name == ifname
}

# cite points at an interface's header line (or any fact with file/line).
cite(x, note) := {"file": x.file, "line": x.line, "text": object.get(x, "text", ""), "note": note}

sysctl(n, key) := n.sysctl[key].value

sysctl_cite(n, key, note) := {"file": n.sysctl[key].file, "line": n.sysctl[key].line, "note": note}

# kernel version: the Node object's nodeInfo, else sysctl kernel.osrelease.
kernel(name) := node_object(name).status.nodeInfo.kernelVersion if {
	node_object(name).status.nodeInfo.kernelVersion
} else := input.nodes[name].sysctl["kernel.osrelease"].value

os_image(name) := node_object(name).status.nodeInfo.osImage

# version turns "v1.13.3", "1.24.4+k3s1", "v1.27.3-eks-a5565ad" into
# something semver.compare accepts; undefined when it cannot.
version(v) := s if {
	m := regex.find_all_string_submatch_n(`^v?(\d+)\.(\d+)(?:\.(\d+))?`, trim_space(v), 1)[0]
	patch := m[3]
	s := sprintf("%s.%s.%s", [m[1], m[2], default_zero(patch)])
}

default_zero(p) := p if p != ""

default_zero(p) := "0" if p == ""

# below(v, floor) is true when version v is lower than floor ("1.17.0").
below(v, floor) if semver.compare(version(v), floor) < 0

# kernel_below(name, "5.4") compares the leading major.minor of a kernel.
kernel_below(name, floor) if {
	k := kernel(name)
	below(k, sprintf("%s.0", [floor]))
}

# pod_veth is the host end of a pod's veth pair: named by a CNI's
# convention, or enslaved to a bridge. A node's own uplink can be a veth
# too (kind nodes, labs), so kind alone does not tell.
pod_veth(i) if {
	i.kind == "veth"
	regex.match(`^(cali|lxc|veth|azv|eni|gke|vnet|tap|vxlan-|cilium_)`, i.name)
}

pod_veth(i) if {
	i.kind == "veth"
	object.get(i, "master", "") != ""
}

# captures lists [node name, capture document] for every capture in the
# bundle, those taken inside a pod's network namespace included.
captures := array.concat(
	[[name, c] |
		some name, n in input.nodes
		some c in kube.array(n, "captures")
	],
	[[name, c] |
		some name, n in input.nodes
		some _, ns in kube.map(n, "netns")
		some c in kube.array(ns, "captures")
	],
)

# capture_iface names the interface a capture was taken on: the pcapng
# interface name, the one its file name gives after the node's
# (<node>-<iface>.pcap, docs/facts.md), or the capture-<iface>.pcap convention when
# that interface exists on the node.
capture_iface(name, c) := c.interfaces[0] if {
	count(kube.array(c, "interfaces")) == 1
	c.interfaces[0] != ""
} else := c.interface if {
	# the facts record it from the file name <node>-<iface>.pcap
	object.get(c, "interface", "") != ""
} else := m[1] if {
	m := regex.find_all_string_submatch_n(`(?:^|[-_])([A-Za-z0-9_.@]+?)\.pcap(?:ng)?$`, c.file, 1)[0]
	iface(input.nodes[name], m[1])
} else := ""
