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

# condition is [index, condition] of a Node's first condition of type t:
# the first, should a damaged Node list one twice.
condition(n, t) := [[i, c] | some i, c in kube.array(n, ["status", "conditions"]); c.type == t][0]

ready_condition(n) := condition(n, "Ready")[1]

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

# host_network: the pod shares its node's network and needs no CNI. A pod
# whose address is its node's is on the host network, whatever its spec
# shows (old internal-form dumps do not carry hostNetwork).
host_network(p) if p.spec.hostNetwork == true

host_network(p) if {
	is_string(p.status.podIP)
	p.status.podIP == object.get(p, ["status", "hostIP"], "")
}

# The nodes whose pod network is down, by name, once per query: a rule
# that asks about every pod looks its node up here rather than scanning
# the nodes per pod.
network_down_names := {n.metadata.name | some n in input.kubernetes.nodes; network_down(n)}

# all_networks_down: every node of the dump is NotReady for its network,
# so no node takes a pod that does not tolerate the not-ready taint.
all_networks_down if {
	count(network_down_names) > 0
	count(network_down_names) == count(input.kubernetes.nodes)
}

# pod_network_down(p): pod p is not Ready because the pod network is down
# where it could run: it waits on a node whose network is down (no sandbox
# without the CNI; the node lifecycle controller marks a NotReady node's
# pods not Ready), or the scheduler cannot place it while every node is
# NotReady for its network. Such a pod is a consequence of the cni rule's
# cause; rules that see it as a symptom (selector-mismatch, dns) leave it
# to that finding, which lists what they would have reported.
# (The cheap tests on the node come first: most pods fail them.)
pod_network_down(p) if {
	p.spec.nodeName in network_down_names
	not kube.ready(p)
	not object.get(p, ["status", "phase"], "") in {"Succeeded", "Failed"}
	not host_network(p)
}

pod_network_down(p) if {
	all_networks_down
	not p.spec.nodeName
	not kube.ready(p)
	some c in kube.array(p, ["status", "conditions"])
	c.type == "PodScheduled"
	c.status == "False"
}

# stranded(pods): there are pods and none of them runs for want of the
# pod network. A Service that selects only such pods has no endpoints
# because of the cni rule's cause.
stranded(pods) if {
	count(pods) > 0
	every p in pods {
		pod_network_down(p)
	}
}

# The namespaces that hold a pod stranded so: only their Services can
# select nothing but stranded pods. The pods of the nodes whose network is
# down come from a comprehension indexed on the node (OPA builds that
# index once); none is looked at when no node's network is down.
stranded_namespaces := {kube.namespace(p) |
	some name in network_down_names
	on_node := [p | some p in input.kubernetes.pods; p.spec.nodeName == name]
	some p in on_node
	pod_network_down(p)
} | {kube.namespace(p) |
	all_networks_down
	some p in input.kubernetes.pods
	pod_network_down(p)
}

# stranded_services is, per [namespace, name] of a Service with a
# selector, the pods it selects when they are stranded: the cni finding
# lists these Services, selector-mismatch points at it for the same test.
# Only the namespaces above are looked at; their pods come from a
# comprehension indexed on the namespace (docs/writing-rules.md).
stranded_services := {[ns, s.metadata.name]: matched |
	some s in input.kubernetes.services
	ns := kube.namespace(s)
	ns in stranded_namespaces
	object.get(s, ["spec", "type"], "ClusterIP") != "ExternalName"
	sel := kube.map(s, ["spec", "selector"])
	count(sel) > 0
	pods := [p | some p in input.kubernetes.pods; p.metadata.namespace == ns]
	matched := [p | some p in pods; kube.selects(sel, kube.labels(p))]
	stranded(matched)
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
	is_string(v)
	m := regex.find_all_string_submatch_n(`^v?(\d{1,6})\.(\d{1,6})(?:\.(\d{1,6}))?`, trim_space(v), 1)[0]
	s := sprintf("%d.%d.%d", [to_number(m[1]), to_number(m[2]), to_number(default_zero(m[3]))])
}

# Printed as numbers: a leading zero ("v1.08") is no semantic version, and
# semver.compare would fail the rule on it.
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
