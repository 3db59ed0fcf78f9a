# METADATA
# title: A node's pod network is down
# description: >-
#   Every pod that is not on the host network gets its interface and address
#   from the CNI plugin, which the CNI agent (a DaemonSet: calico-node,
#   canal, kube-flannel-ds, cilium, weave-net, aws-node, antrea-agent,
#   kube-router, kindnet) sets up on each node. Where it is missing, a node
#   cannot start pods: the kubelet reports the node Ready=False with
#   NetworkPluginNotReady ("cni config uninitialized", "cni plugin not
#   initialized"), or the container runtime fails every sandbox
#   (FailedCreatePodSandBox) and the pods stay ContainerCreating. The rule
#   reads the Nodes, the agent DaemonSet and its pods, the events, the
#   agents' logs and the nodes' interfaces, and names the cause with the
#   pods it strands (details.consequences); for nodes NotReady for their
#   network also the Services left with no ready pod (selector-mismatch
#   points here) and, when kube-dns is one, the pods whose logs show
#   lookups failing. Critical: nodes whose Ready
#   condition says the pod network is not ready; the agent absent or not
#   Ready on nodes; sandbox failures classified by their CNI message
#   (flannel's missing /run/flannel/subnet.env, Calico's expired token
#   "connection is unauthorized", an exhausted host-local range "no IP
#   addresses available in range set", Cilium's agent unreachable); a Node
#   without spec.podCIDR where the CNI allocates from it (flannel, canal,
#   kindnet), with flannel's "pod cidr not assigned". High: running pods
#   that share an IP, one finding per cause (a node whose IPAM handed
#   addresses out twice; addresses shared across nodes), not per address; pod IPs outside their node's podCIDR (flannel,
#   kindnet only: Calico, Cilium and the AWS VPC CNI use their own IPAM);
#   the cluster's pod network (kubeadm-config podSubnet, --cluster-cidr,
#   kube-proxy's clusterCIDR, Calico IPPools, OpenShift's clusterNetwork)
#   overlapping the Service range (kube-apiserver's or the controller
#   manager's --service-cluster-ip-range, kubeadm-config serviceSubnet,
#   OpenShift's serviceNetwork) or holding a node's address, with the
#   pods whose addresses lie in the Service range; a Node's podCIDR doing
#   so where no cluster range explains it.
#   Medium: an overlay interface (flannel.1, cni0, vxlan.calico,
#   cilium_host) present on some nodes and missing on others.
# custom:
#   id: cni
#   category: cni
#   severity: critical
#   needs: ["kubernetes.nodes|node.interfaces"]
#   remediation: >-
#     Install the CNI (one manifest, matching the cluster's pod CIDR) or
#     bring its agent back on the nodes named: its pod's events and logs
#     say why it is not Ready. Give every node a podCIDR where the CNI needs
#     one (kube-controller-manager --allocate-node-cidrs with
#     --cluster-cidr, i.e. kubeadm init --pod-network-cidr). Restart the
#     agent pod on a node whose CNI token expired; free leaked leases
#     under /var/lib/cni/networks on a node whose range is exhausted.
#   references:
#     - https://kubernetes.io/docs/concepts/extend-kubernetes/compute-storage-net/network-plugins/
#     - https://kubernetes.io/docs/tasks/administer-cluster/migrating-from-dockershim/troubleshooting-cni-plugin-related-errors/
#     - https://github.com/flannel-io/flannel/blob/master/Documentation/troubleshooting.md
package ktriage.rules.cluster.cni

import data.ktriage.lib.dns
import data.ktriage.lib.kube
import data.ktriage.lib.netranges
import data.ktriage.lib.node
import data.ktriage.lib.sh

# ------------------------------------------------------------ the agent

# The CNI agents' DaemonSet names as their manifests ship them
# (kube-flannel-ds-amd64 from flannel < 0.11; cilium-envoy is not the agent).
agent_name_re := `^(calico-node|canal|kube-flannel-ds(-[a-z0-9]+)?|kube-flannel|cilium|weave-net|aws-node|antrea-agent|kube-router|kindnet)$`

agents := [ds |
	some ds in input.kubernetes.daemonsets
	regex.match(agent_name_re, ds.metadata.name)
]

# CNIs that take each node's addresses from spec.podCIDR (host-local IPAM
# over the node's range): flannel (kube subnet manager), canal (its
# flannel half), kindnet.
podcidr_cni if {
	some ds in agents
	regex.match(`^(canal|kube-flannel.*|kindnet)$`, ds.metadata.name)
}

cni_label := concat(", ", sort({sprintf("%s/%s", [kube.namespace(ds), ds.metadata.name]) | some ds in agents}))

# ------------------------------------------------------------ nodes and pods

node_names := {n.metadata.name | some n in input.kubernetes.nodes}

# the pods bound to each node, grouped once (lib/kube).
pods_by_node := kube.pods_by_node

ready_condition(n) := node.ready_condition(n)

ready_index(n) := node.condition(n, "Ready")[0]

network_not_ready_re := node.network_not_ready_re

network_down(n) if node.network_down(n)

host_network(p) if node.host_network(p)

terminated(p) if object.get(p, ["status", "phase"], "") in {"Succeeded", "Failed"}

running(p) if object.get(p, ["status", "phase"], "") == "Running"

# stuck pods wait on the node for a sandbox: scheduled there, not on the
# host network, not Running.
stuck(p) if {
	not host_network(p)
	not terminated(p)
	not running(p)
}

# The first waiting container's reason: a pod's containers may wait for
# different reasons.
waiting_reason(p) := r if {
	r := [c.state.waiting.reason | some c in kube.array(p, ["status", "containerStatuses"]); c.state.waiting.reason][0]
} else := object.get(p, ["metadata", "annotations", "ktriage.io/status"], object.get(p, ["status", "phase"], "unknown"))

consequence(p, note) := {"kind": "Pod", "namespace": kube.namespace(p), "name": p.metadata.name, "note": note}

stuck_consequences(names) := [consequence(p, sprintf("%s on %s: no pod network", [waiting_reason(p), p.spec.nodeName])) |
	some name in names
	some p in pods_by_node[name]
	stuck(p)
]

# Pods the scheduler cannot place because nodes carry the not-ready taint.
pending_for_taint := [consequence(p, sprintf("Pending: %s", [c.message])) |
	some p in input.kubernetes.pods
	not p.spec.nodeName
	some c in kube.array(p, ["status", "conditions"])
	c.type == "PodScheduled"
	c.status == "False"
	contains(object.get(c, "message", ""), "node.kubernetes.io/not-ready")
]

names_text(ns) := concat(", ", ns) if count(ns) <= 5 else := sprintf("%s and %d more", [concat(", ", array.slice(ns, 0, 5)), count(ns) - 5])

pods_text(k) := "1 pod" if k == 1 else := sprintf("%d pods", [k])

describe_nodes(names) := [sh.format("kubectl describe node %s", [n]) | some n in array.slice(names, 0, 3)]

# ------------------------------------------------------------ NetworkPluginNotReady

down_nodes := sort([n.metadata.name | some n in input.kubernetes.nodes; network_down(n)])

down_messages := {ready_condition(n).message | some n in input.kubernetes.nodes; network_down(n)}

agent_state_text := sprintf("the bundle holds no CNI agent DaemonSet (none of calico-node, canal, kube-flannel-ds, cilium, weave-net, aws-node, antrea-agent, kube-router, kindnet): no pod network is installed", []) if {
	count(agents) == 0
	count(input.kubernetes.daemonsets) > 0
} else := "the bundle holds no DaemonSets, so whether a CNI agent is installed is not shown" if {
	count(agents) == 0
} else := sprintf("CNI agent: %s", [cni_label])

findings contains f if {
	count(down_nodes) > 0
	total := count(node_names)
	objs := [n | some n in input.kubernetes.nodes; network_down(n)]
	pod_cons := array.concat(stuck_consequences(down_nodes), pending_for_taint)
	cons := array.concat(pod_cons, array.concat(service_consequences, dns_consequences))
	f := {
		"message": sprintf("%s NotReady because the pod network is not ready (%s); %s. %s%s", [
			nodes_prefix(count(down_nodes), total, down_nodes),
			concat("; ", sort(down_messages)),
			agent_state_text,
			consequences_text(pod_cons),
			services_text,
		]),
		"subjects": [{"kind": "Node", "name": n} | some n in down_nodes],
		"evidence": [kube.at(n, ["status", "conditions", ready_index(n), "message"], sprintf("Ready=%s since %s: network plugin not ready", [ready_condition(n).status, object.get(ready_condition(n), "lastTransitionTime", "?")])) | some n in array.slice(objs, 0, 3)],
		"confirm": array.concat(describe_nodes(down_nodes), [
			"kubectl get daemonsets -A",
			sh.on_node(down_nodes[0], "grep -r type /etc/cni/net.d", ""),
		]),
		"fix": fix_not_ready,
		"details": {"reason": "network-plugin-not-ready", "nodes": down_nodes, "consequences": cons},
	}
}

fix_not_ready := "Install a CNI plugin whose pod CIDR matches the cluster's (kubeadm's --pod-network-cidr), e.g. the flannel or Calico manifest; the nodes turn Ready once its agent writes /etc/cni/net.d." if {
	count(agents) == 0
} else := sprintf("Make the CNI agent (%s) Ready on these nodes: its pod's events and logs there say why it has not written /etc/cni/net.d.", [cni_label])

nodes_prefix(k, total, names) := sprintf("The only node %s is", [names[0]]) if {
	total == 1
} else := sprintf("Every node (%d: %s) is", [k, names_text(names)]) if {
	k == total
} else := sprintf("%d of %d nodes (%s) are", [k, total, names_text(names)]) if {
	k > 1
} else := sprintf("Node %s is", [names[0]])

# Services whose every selected pod waits on the pod network
# (data.ktriage.lib.node.stranded_services): selector-mismatch sees them
# without endpoints and points here, so they are listed as consequences
# with its rule id.
service_consequences := [{"kind": "Service", "namespace": ns, "name": name, "note": sprintf("selects %s and none is Ready: no endpoints while they wait on the pod network", [pods_text(count(pods))]), "rule": "selector-mismatch"} |
	some [ns, name], pods in node.stranded_services
]

stranded_service_names := sort([sprintf("%s/%s", [ns, name]) | some [ns, name], _ in node.stranded_services])

services_text := "" if {
	count(stranded_service_names) == 0
} else := sprintf(" Service %s has no ready pod.", stranded_service_names) if {
	count(stranded_service_names) == 1
} else := sprintf(" Services without a ready pod: %s.", [names_text(stranded_service_names)])

# When cluster DNS is among them (the dns rule leaves CoreDNS pods that
# wait on the pod network to this finding), the pods whose logs show
# lookups failing suffer from this cause too.
dns_consequences := [{"kind": "Pod", "namespace": ns, "name": pod, "note": sprintf("logs a name resolution failure (cluster DNS has no ready pod): %s", [x.text])} |
	node.stranded_services[["kube-system", "kube-dns"]]
	some [ns, pod], x in dns.failures
]

consequences_text(cons) := "No pod is known to wait on it yet; no new pod can start there." if {
	count(cons) == 0
} else := sprintf("%s cannot start until it is: %s.", [pods_text(count(cons)), names_text(sort([sprintf("%s/%s", [c.namespace, c.name]) | some c in cons]))])

# ------------------------------------------------------------ agent not on every node

# The nodes an agent DaemonSet targets: those its nodeSelector admits.
targets(ds) := [n.metadata.name |
	some n in input.kubernetes.nodes
	object.subset(kube.labels(n), kube.map(ds, ["spec", "template", "spec", "nodeSelector"]))
]

agent_pods(ds) := [p |
	ns := kube.namespace(ds)
	some p in input.kubernetes.pods
	p.metadata.namespace == ns
	some r in kube.array(p, ["metadata", "ownerReferences"])
	r.kind == "DaemonSet"
	r.name == ds.metadata.name
]

agent_on(pods, name) := [p | some p in pods; p.spec.nodeName == name]

agent_gaps(ds) := [gap |
	pods := agent_pods(ds)
	some name in sort(targets(ds))
	not name in down_nodes
	not name in cidr_missing
	mine := agent_on(pods, name)
	gap := agent_gap(name, mine)
]

agent_gap(name, mine) := {"node": name, "state": "no agent pod"} if {
	count(mine) == 0
} else := {"node": name, "state": sprintf("%s %s", [p.metadata.name, waiting_reason(p)]), "pod": p} if {
	not any_ready(mine)
	p := mine[0]
}

any_ready(ps) if {
	some p in ps
	kube.ready(p)
}

# The DaemonSet's own count decides whether it misses nodes: when every pod
# it wants is Ready, a node without one is a node it does not target (a
# taint, an affinity) and a node the network does not reach shows NotReady
# instead.
short(ds) if object.get(ds, ["status", "numberReady"], 0) < object.get(ds, ["status", "desiredNumberScheduled"], 0)

short(ds) if not ds.status.desiredNumberScheduled

findings contains f if {
	some ds in agents
	count(agent_pods(ds)) > 0
	short(ds)
	gaps := agent_gaps(ds)
	count(gaps) > 0
	gap_nodes := [g.node | some g in gaps]
	cons := stuck_consequences(gap_nodes)
	f := {
		"message": sprintf("CNI agent DaemonSet %s/%s is not Ready on %d of %d nodes (%s; status: %v of %v desired Ready): pods there get no network. %s.", [
			kube.namespace(ds), ds.metadata.name, count(gaps), count(targets(ds)),
			concat("; ", [sprintf("%s: %s", [g.node, g.state]) | some g in gaps]),
			object.get(ds, ["status", "numberReady"], 0), object.get(ds, ["status", "desiredNumberScheduled"], "?"),
			consequences_stuck_text(cons),
		]),
		"subjects": array.concat([kube.ref(ds)], [{"kind": "Node", "name": n} | some n in gap_nodes]),
		"evidence": array.concat(
			[kube.at(ds, ["status", "numberReady"], sprintf("numberReady %v", [object.get(ds, ["status", "numberReady"], 0)]))],
			[kube.at(g.pod, ["status"], g.state) | some g in gaps; g.pod],
		),
		"confirm": array.concat(
			[sh.format("kubectl -n %s get pods -o wide -l %s", [kube.namespace(ds), kube.format_labels(kube.map(ds, ["spec", "selector", "matchLabels"]))])],
			[sh.format("kubectl -n %s describe pod %s", [kube.namespace(g.pod), g.pod.metadata.name]) | some g in array.slice(gaps, 0, 3); g.pod],
		),
		"fix": sprintf("Bring %s back on %s: the agent pod's events and logs say why it is missing or not Ready (a taint it does not tolerate, a crash, an image pull).", [ds.metadata.name, names_text(gap_nodes)]),
		"details": {"reason": "agent-not-ready", "daemonset": ds.metadata.name, "nodes": gap_nodes, "consequences": cons},
	}
}

consequences_stuck_text(cons) := "No pod is known to wait on these nodes yet" if {
	count(cons) == 0
} else := sprintf("%s wait there without a sandbox (%s)", [pods_text(count(cons)), names_text(sort([sprintf("%s/%s", [c.namespace, c.name]) | some c in cons]))])

# ------------------------------------------------------------ FailedCreatePodSandBox

# The CNI plugins' own error texts, as the kubelet's FailedCreatePodSandBox
# event quotes them ("Failed to create pod sandbox: rpc error: … failed to
# setup network for sandbox …: plugin type=… failed (add): <error>"):
# flannel's CNI plugin, loadFlannelSubnetEnv; Calico's, when its token in
# /etc/cni/net.d/calico-kubeconfig expired; host-local IPAM's allocator
# (plugins/ipam/host-local/backend/allocator: "no IP addresses available
# in range set: <start>-<end>", wrapped by host-local as "failed to
# allocate for range 0: …" and by flannel as "failed to delegate add: …");
# cilium-cni's client (plugins/cilium-cni/cmd: "unable to connect to
# Cilium agent: …", "Cilium daemon" in older releases, then pkg/client's
# "failed to create cilium agent client after 30.000000 seconds timeout: …
# Is the agent running?").
sandbox_classes := [
	{"class": "flannel-subnet-env", "re": `open /run/flannel/subnet\.env: no such file or directory`, "what": "flannel has not written /run/flannel/subnet.env (flanneld is not running or has no lease on this node)"},
	{"class": "calico-unauthorized", "re": `connection is unauthorized: Unauthorized|error getting ClusterInformation`, "what": "Calico's CNI plugin is refused by the API server (its token in /etc/cni/net.d/calico-kubeconfig expired or was revoked)"},
	{"class": "ipam-exhausted", "re": `no IP addresses available in range set`, "what": "the node's IP range is exhausted (host-local IPAM: no IP addresses available in range set)"},
	{"class": "cilium-unreachable", "re": `unable to connect to Cilium (daemon|agent)`, "what": "cilium-cni cannot reach the Cilium agent on this node"},
	{"class": "cni-uninitialized", "re": network_not_ready_re, "what": "the runtime has no CNI configuration (network plugin not initialized)"},
]

sandbox_events := [[e, cls, node_of_event(e)] |
	some e in input.kubernetes.events
	e.reason == "FailedCreatePodSandBox"
	cls := class_of(e.message)
]

class_of(msg) := cls if {
	matched := [c | some c in sandbox_classes; regex.match(c.re, msg)]
	cls := matched[0]
}

# Pods' nodes by namespace/name, built once and only when a sandbox event
# needs it (a lookup per event would scan every pod per event).
pod_nodes := {sprintf("%s/%s", [kube.namespace(p), p.metadata.name]): p.spec.nodeName |
	some p in input.kubernetes.pods
	is_string(p.spec.nodeName)
}

node_of_event(e) := n if {
	n := pod_nodes[sprintf("%s/%s", [object.get(e, ["involvedObject", "namespace"], ""), e.involvedObject.name])]
} else := e.source.host if {
	e.source.host
} else := "an unnamed node"

# Sandbox failures that only say the agent is not running where the rule
# already names the agent (or the podCIDR it waits for) as the cause.
agent_caused := {"flannel-subnet-env", "cilium-unreachable", "cni-uninitialized"}

explained(name, _) if name in down_nodes

explained(name, _) if name in cidr_missing

explained(name, class) if {
	class in agent_caused
	some ds in agents
	some g in agent_gaps(ds)
	g.node == name
}

findings contains f if {
	some key in {[n, cls.class] | some [_, cls, n] in sandbox_events}
	[name, class] := key
	not explained(name, class)
	evs := [[e, cls] | some [e, cls, n] in sandbox_events; n == name; cls.class == class]
	cls := evs[0][1]
	affected := {[kube.namespace(e), e.involvedObject.name] | some [e, _] in evs}
	cons := [consequence_named(ns, pn, name, class) | some [ns, pn] in sort(affected)]
	f := {
		"message": sprintf("On %s pod sandboxes fail: %s%s. %s: %s.", [
			name, cls.what, range_text(class, evs),
			pods_text(count(cons)), names_text([sprintf("%s/%s", [c.namespace, c.name]) | some c in cons]),
		]),
		"subjects": [{"kind": "Node", "name": name} | name in node_names],
		"evidence": [kube.at(e, ["message"], sprintf("FailedCreatePodSandBox: %s", [class])) | some [e, _] in array.slice(evs, 0, 3)],
		"confirm": sandbox_confirm(name, evs[0][0]),
		"fix": sandbox_fix(class),
		"details": {"reason": "sandbox-failed", "class": class, "node": name, "group": sprintf("sandbox-%s", [class]), "consequences": cons},
	}
}

# The exhausted range host-local names ("10.244.2.1-10.244.2.254").
exhausted_range(evs) := ranges[0] if {
	ranges := [m[0][1] |
		some [e, _] in evs
		m := regex.find_all_string_submatch_n(`no IP addresses available in range set: ([0-9a-fA-F.:,-]+)`, e.message, 1)
		count(m) > 0
	]
	count(ranges) > 0
}

range_text("ipam-exhausted", evs) := sprintf(": every address of %s is leased", [exhausted_range(evs)]) if exhausted_range(evs)

range_text(class, _) := "" if class != "ipam-exhausted"

range_text("ipam-exhausted", evs) := "" if not exhausted_range(evs)

consequence_named(ns, pn, name, class) := {"kind": "Pod", "namespace": ns, "name": pn, "note": sprintf("stuck ContainerCreating on %s: FailedCreatePodSandBox (%s)", [name, class])}

sandbox_confirm(name, e) := array.concat(
	[sh.format("kubectl -n %s describe pod %s", [kube.namespace(e), e.involvedObject.name])],
	[sh.format("kubectl get pods -A -o wide --field-selector %s", [concat("", ["spec.nodeName=", name])]) | name in node_names],
)

sandbox_fix("flannel-subnet-env") := "Make the kube-flannel pod on this node Running (its log says why it holds no lease: often a Node without spec.podCIDR); it writes /run/flannel/subnet.env and the sandboxes then succeed."

sandbox_fix("calico-unauthorized") := "Restart the calico-node (or canal) pod on this node so install-cni writes a fresh token into /etc/cni/net.d/calico-kubeconfig."

sandbox_fix("ipam-exhausted") := "Free the leaked leases of deleted pods under /var/lib/cni/networks/<network>/ on this node (or give nodes a larger podCIDR); find what leaks them (a runtime that skips CNI DEL)."

sandbox_fix("cilium-unreachable") := "Make the cilium agent pod on this node Running: cilium-cni talks to it over /var/run/cilium/cilium.sock."

sandbox_fix("cni-uninitialized") := "Install the CNI or make its agent Ready on this node so /etc/cni/net.d holds its configuration."

# ------------------------------------------------------------ podCIDR missing

pod_cidrs(n) := {c | some c in kube.array(n, ["spec", "podCIDRs"])} | {c | c := n.spec.podCIDR; is_string(c); c != ""}

# The podCIDRs the net builtins can read: one that is there but not a CIDR
# keeps the node from counting as without one, and is not compared.
readable_pod_cidrs(n) := {c | some c in pod_cidrs(n); netranges.valid_cidr(c)}

# Flannel's kube subnet manager: `node %q pod cidr not assigned`, logged
# as "Error registering network: failed to acquire lease: node \"x\" pod
# cidr not assigned" (pkg/subnet/kube/kube.go).
cidr_log_lines := [[l, k] |
	some l in input.kubernetes.logs
	some k in kube.array(l, "kept")
	contains(k.text, "pod cidr not assigned")
]

cidr_missing := {n.metadata.name |
	podcidr_cni
	some n in input.kubernetes.nodes
	count(pod_cidrs(n)) == 0
	not podcidr_unknown(n)
}

# The agent's pods on a node, for saying what state they are in.
agent_state_on(name) := concat(", ", sort([sprintf("%s is %s", [p.metadata.name, waiting_reason(p)]) |
	some ds in agents
	some p in agent_on(agent_pods(ds), name)
	not kube.ready(p)
]))

agent_state_sentence(name) := "" if {
	agent_state_on(name) == ""
} else := sprintf(" Its CNI agent pod %s.", [agent_state_on(name)])

findings contains f if {
	some n in input.kubernetes.nodes
	name := n.metadata.name
	name in cidr_missing
	not name in down_nodes
	logs := [[l, k] | some [l, k] in cidr_log_lines; contains(k.text, sprintf("%q", [name]))]
	cons := [consequence(p, sprintf("%s on %s: the CNI has no range to give it an address from", [waiting_reason(p), name])) | some p in pods_by_node[name]; stuck(p)]
	f := {
		"message": sprintf("Node %s has no spec.podCIDR, but the CNI (%s) allocates pod addresses from it: %s.%s %s.", [
			name, cni_label, cidr_log_text(logs), agent_state_sentence(name), consequences_stuck_text(cons),
		]),
		"subjects": [{"kind": "Node", "name": name}],
		"evidence": array.concat(
			[kube.at(n, ["spec"], "no podCIDR")],
			[{"file": l.file, "line": k.line, "note": "flannel: pod cidr not assigned"} | some [l, k] in array.slice(logs, 0, 2)],
		),
		"confirm": [
			sh.format("kubectl get node %s -o yaml", [name]),
			"kubectl -n kube-system get pod -l component=kube-controller-manager -o yaml",
		],
		"fix": "Run kube-controller-manager with --allocate-node-cidrs=true and --cluster-cidr=<the CNI's network> (kubeadm init --pod-network-cidr), then recreate the node's agent pod; a Node's podCIDR cannot be changed once set.",
		"details": {"reason": "no-pod-cidr", "node": name, "consequences": cons},
	}
}

# A node read from a kubectl get table or describe text may simply not show
# its podCIDR.
podcidr_unknown(n) if "spec.podCIDR" in kube.not_shown(n)

podcidr_unknown(n) if n.metadata.annotations["ktriage.io/source"] in {"kubectl-get", "kubectl-top"}

cidr_log_text(logs) := "the node has no range for its pods" if {
	count(logs) == 0
} else := sprintf("flannel logs: %s", [trim_space(logs[0][1].text)])

# ------------------------------------------------------------ addresses

# Running pods that own their address (not host-network ones, which share
# the node's).
addressed := [p |
	some p in input.kubernetes.pods
	running(p)
	not host_network(p)
	netranges.valid_ip(p.status.podIP)
]

# Addresses held by two pods, found by sorting every pod's address (one
# step per pod, not a comparison of every pair); only the pods holding
# one are then asked whether they own it (Running, not host network).
maybe_shared := {ips[i] |
	ips := sort([ip | some p in input.kubernetes.pods; ip := p.status.podIP; is_string(ip); ip != ""])
	count(ips) > 1
	some i in numbers.range(1, count(ips) - 1)
	ips[i] == ips[i - 1]
}

# holders maps each address two running pods own to those pods.
holders := {ip: ps |
	some ip in maybe_shared
	ps := [p | some p in input.kubernetes.pods; p.status.podIP == ip; running(p); not host_network(p)]
	count(ps) > 1
}

duplicate_ips := {ip | some ip, _ in holders}

# The pods that share an address as [ip, namespace, name, node], ordered
# by address, so each shared address is one run of neighbours.
dup_entries := sort([[p.status.podIP, kube.namespace(p), p.metadata.name, object.get(p, ["spec", "nodeName"], "")] |
	some _, ps in holders
	some p in ps
])

dup_starts := [i | some i, e in dup_entries; run_start(i)]

run_start(0)

run_start(i) if {
	i > 0
	dup_entries[i][0] != dup_entries[i - 1][0]
}

run_end(k) := dup_starts[k + 1] if k + 1 < count(dup_starts) else := count(dup_entries)

# shared lists each address held by more than one running pod, with the
# cause it points at: one node's IPAM handing it out twice (key: that
# node), or two nodes handing out the same address (key: "", one cause for
# the cluster: overlapping ranges or a cluster-wide IPAM that lost its
# allocations). One finding per key, not per address: a wiped store or an
# overlap duplicates hundreds of addresses at once.
shared := [{"ip": run[0][0], "pods": run, "key": shared_key(run)} |
	some k, s in dup_starts
	run := array.slice(dup_entries, s, run_end(k))
]

shared_key(run) := node_name if {
	nodes := {x[3] | some x in run}
	count(nodes) == 1
	some node_name in nodes
	node_name != ""
} else := ""

duplicate_pod_text(x, key) := sprintf("%s/%s", [x[1], x[2]]) if key != "" else := sprintf("%s/%s on %s", [x[1], x[2], node_or_unknown(x[3])])

node_or_unknown("") := "an unnamed node"

node_or_unknown(n) := n if n != ""

shared_text(s, key) := sprintf("%s (%s)", [s.ip, few_text([duplicate_pod_text(x, key) | some x in array.slice(s.pods, 0, 4)], count(s.pods))])

# few_text joins the first names of a list of k, then says how many more.
few_text(names, k) := concat(", ", names) if {
	count(names) == k
} else := sprintf("%s and %d more", [concat(", ", array.slice(names, 0, 3)), k - 3])

addresses_text(1) := "1 address"

addresses_text(k) := sprintf("%d addresses", [k]) if k != 1

# The first three addresses in full, then how many more.
shared_list_text(group, key) := concat("; ", [shared_text(s, key) | some s in group]) if {
	count(group) <= 3
} else := sprintf("%s and %d more", [concat("; ", [shared_text(s, key) | some s in array.slice(group, 0, 3)]), count(group) - 3])

duplicate_message(key, group, pods) := sprintf("%d running pods have the same IP %s", [count(pods), shared_text(group[0], key)]) if {
	count(group) == 1
} else := sprintf("On %s %d running pods share %s: %s", [key, count(pods), addresses_text(count(group)), shared_list_text(group, key)]) if {
	key != ""
} else := sprintf("%d running pods on different nodes share %s: %s", [count(pods), addresses_text(count(group)), shared_list_text(group, key)])

duplicate_cause(key) := sprintf("%s's IPAM handed out addresses it had already given (a host-local store under /var/lib/cni/networks lost, e.g. wiped by a reboot, while pods kept their addresses)", [key]) if {
	key != ""
} else := "two nodes hand out the same addresses (their pod ranges overlap, or a cluster-wide IPAM lost its allocations)"

duplicate_fix(key) := sprintf("Delete the newer pod of each pair on %s so it gets a fresh address, and find why %s's IPAM forgot its leases (a host-local store on tmpfs, a node rebuilt without draining).", [key, key]) if {
	key != ""
} else := "Compare the nodes' podCIDRs and the CNI's pools (kubectl get nodes -o wide, the CNI's IPAM state): give each node a range of its own, then delete the newer pod of each pair so it gets a fresh address."

# The pods that share an address, each with (up to three of) the others;
# no more than the report keeps (engine: 200 per finding), taken from the
# first 200 addresses, as each holds two pods or more.
duplicate_consequences(group) := array.slice(
	[{"kind": "Pod", "namespace": x[1], "name": x[2], "note": sprintf("shares %s with %s", [x[0], few_text(
		[sprintf("%s/%s", [y[1], y[2]]) | some y in array.slice(s.pods, 0, 5); y != x],
		count(s.pods) - 1,
	)])} |
		some s in array.slice(group, 0, 200)
		some x in s.pods
	],
	0, 200,
)

findings contains f if {
	some key in {s.key | some s in shared}
	group := [s | some s in shared; s.key == key]
	pods := [x | some s in group; some x in s.pods]
	f := {
		"message": sprintf("%s: %s, so traffic for one pod reaches the other, or neither.", [duplicate_message(key, group, pods), duplicate_cause(key)]),
		"severity": "high",
		"subjects": array.concat(
			[{"kind": "Node", "name": key} | key != ""; key in node_names],
			[{"kind": "Pod", "namespace": x[1], "name": x[2]} | some x in array.slice(pods, 0, 6)],
		),
		"evidence": [{"object": {"kind": "Pod", "namespace": x[1], "name": x[2]}, "path": ["status", "podIP"], "note": sprintf("podIP %s", [x[0]])} | some x in array.slice(pods, 0, 4)],
		"confirm": array.concat(
			["kubectl get pods -A -o wide"],
			[sh.format("kubectl get pods -A -o wide --field-selector %s", [concat("", ["spec.nodeName=", key])]) | key != ""; key in node_names],
		),
		"fix": duplicate_fix(key),
		"details": {
			"reason": "duplicate-pod-ip", "node": key, "addresses": count(group), "pods": count(pods),
			"ips": [s.ip | some s in array.slice(group, 0, 20)],
			"consequences": duplicate_consequences(group),
		},
	}
}

findings contains f if {
	podcidr_cni
	some name in node_names
	n := [x | some x in input.kubernetes.nodes; x.metadata.name == name][0]
	cidrs := readable_pod_cidrs(n)
	count(cidrs) > 0
	outside := [p |
		some p in pods_by_node[name]
		running(p)
		not host_network(p)
		netranges.valid_ip(p.status.podIP)
		not in_any(cidrs, p.status.podIP)
	]
	count(outside) > 0
	f := {
		"message": sprintf("On %s %s addresses outside the node's podCIDR %s (%s): the CNI's routes send their replies to the wrong node.", [
			name, have_text(count(outside)), concat(", ", sort(cidrs)),
			names_text(sort([sprintf("%s/%s %s", [kube.namespace(p), p.metadata.name, p.status.podIP]) | some p in outside])),
		]),
		"severity": "high",
		"subjects": array.concat([{"kind": "Node", "name": name}], [kube.ref(p) | some p in array.slice(outside, 0, 5)]),
		"evidence": array.concat([kube.at(n, ["spec", "podCIDR"], "podCIDR")], [kube.at(p, ["status", "podIP"], sprintf("podIP %s", [p.status.podIP])) | some p in array.slice(outside, 0, 3)]),
		"confirm": [sh.format("kubectl get pods -A -o wide --field-selector %s", [concat("", ["spec.nodeName=", name])])],
		"fix": "The node's CNI state predates its current podCIDR (a node re-registered, a cluster CIDR changed): drain the node, clear /var/lib/cni and the cni0 bridge, and let the agent recreate them.",
		"details": {"reason": "pod-ip-outside-podcidr", "node": name, "consequences": [consequence(p, sprintf("address %s outside %s", [p.status.podIP, concat(", ", sort(cidrs))])) | some p in outside]},
	}
}

have_text(1) := "1 pod has"

have_text(k) := sprintf("%d pods have", [k]) if k != 1

in_any(cidrs, ip) if {
	some c in cidrs
	net.cidr_contains(c, ip)
}

# The Service range and the cluster's pod network as the bundle states
# them (kube-apiserver's and the controller manager's flags, kubeadm-config,
# OpenShift's Network config, …: data.ktriage.lib.netranges).
service_ranges := {x.cidr | some x in netranges.service_ranges; netranges.valid_cidr(x.cidr)}

pod_networks := {x.cidr | some x in netranges.pod_networks; netranges.valid_cidr(x.cidr)}

internal_ips := [[m.metadata.name, a.address] |
	some m in input.kubernetes.nodes
	some a in kube.array(m, ["status", "addresses"])
	a.type == "InternalIP"
	netranges.valid_ip(a.address)
]

# A cluster pod network that overlaps a Service range: pods and Services
# are given addresses from the same block.
pod_service_clashes := {[pc, sc] |
	some pc in pod_networks
	some sc in service_ranges
	net.cidr_intersects(pc, sc)
}

# A cluster pod network that holds a node's own address.
pod_node_clashes := {[pc, ips] |
	some pc in pod_networks
	ips := [x | some x in internal_ips; net.cidr_contains(pc, x[1])]
	count(ips) > 0
}

sources_text(entries) := concat(", ", sort({x.source | some x in entries}))

# Addresses of running pods; two pods may share one (duplicate_ips), so a
# set, and the pod is looked up only for the rare Service that hits one.
pod_ips := {p.status.podIP | some p in addressed}

findings contains f if {
	some [pc, sc] in pod_service_clashes
	pod_src := [x | some x in netranges.pod_networks; x.cidr == pc]
	svc_src := [x | some x in netranges.service_ranges; x.cidr == sc]
	in_range := [p | some p in addressed; net.cidr_contains(sc, p.status.podIP)]
	shared := [[s, p] |
		some s in input.kubernetes.services
		ip := s.spec.clusterIP
		is_string(ip)
		ip in pod_ips
		p := [q | some q in addressed; q.status.podIP == ip][0]
	]
	nodes_in := sort([n.metadata.name | some n in input.kubernetes.nodes; some c in readable_pod_cidrs(n); net.cidr_intersects(c, sc)])
	cons := array.concat(
		[{"kind": "Service", "namespace": kube.namespace(s), "name": s.metadata.name, "note": sprintf("ClusterIP %s is also the address of pod %s/%s", [s.spec.clusterIP, kube.namespace(p), p.metadata.name])} | some [s, p] in shared],
		[consequence(p, sprintf("address %s lies in the Service range %s", [p.status.podIP, sc])) | some p in array.slice(in_range, 0, 50)],
	)
	f := {
		"message": sprintf("The pod network %s (%s) overlaps the Service range %s (%s): pods and Services are given addresses from the same block, so a pod's address can be a Service's ClusterIP and traffic to one reaches the other or neither.%s%s", [
			pc, sources_text(pod_src), sc, sources_text(svc_src), nodes_in_text(nodes_in), collision_text(shared, in_range),
		]),
		"severity": "high",
		"subjects": [{"kind": "Node", "name": n} | some n in array.slice(nodes_in, 0, 5)],
		"evidence": array.concat(
			array.concat([x.evidence | some x in array.slice(pod_src, 0, 3)], [x.evidence | some x in array.slice(svc_src, 0, 3)]),
			[kube.at(s, ["spec", "clusterIP"], sprintf("ClusterIP %s", [s.spec.clusterIP])) | some [s, _] in array.slice(shared, 0, 3)],
		),
		"confirm": ranges_confirm,
		"fix": "Choose a pod network disjoint from the Service range and the node network (kubeadm: --pod-network-cidr and --service-cidr; the CNI's own pool must match); neither can be changed in place: rebuild the cluster's pod network (or the cluster) on disjoint ranges.",
		"details": {
			"reason": "pod-network-overlap", "group": "pod-network-overlap", "pod_network": pc, "service_range": sc,
			"nodes": nodes_in, "pods_in_service_range": count(in_range), "consequences": cons,
		},
	}
}

nodes_in_text(ns) := "" if count(ns) == 0 else := sprintf(" Nodes %s have podCIDRs inside the Service range.", [names_text(ns)])

collision_text(shared, in_range) := sprintf(" Already %d Service ClusterIP(s) equal a pod's address (%s).", [count(shared), names_text(sort([sprintf("%s/%s %s", [kube.namespace(s), s.metadata.name, s.spec.clusterIP]) | some [s, _] in shared]))]) if {
	count(shared) > 0
} else := sprintf(" %s running with addresses in the Service range.", [pods_text(count(in_range))]) if {
	count(in_range) > 0
} else := ""

findings contains f if {
	some [pc, ips] in pod_node_clashes
	pod_src := [x | some x in netranges.pod_networks; x.cidr == pc]
	f := {
		"message": sprintf("The pod network %s (%s) holds the nodes' own addresses (%s): routes to pods take over traffic to those hosts, and pods cannot reach them.", [
			pc, sources_text(pod_src), names_text(sort([sprintf("%s %s", x) | some x in ips])),
		]),
		"severity": "high",
		"subjects": [{"kind": "Node", "name": x[0]} | some x in array.slice(ips, 0, 5)],
		"evidence": array.concat([x.evidence | some x in array.slice(pod_src, 0, 3)], [kube.at(n, ["status", "addresses"], sprintf("InternalIP %s", [x[1]])) | some x in array.slice(ips, 0, 3); some n in input.kubernetes.nodes; n.metadata.name == x[0]]),
		"confirm": ranges_confirm,
		"fix": "Choose a pod network disjoint from the node network (Calico's default 192.168.0.0/16 often is not): set the CNI's pool and kubeadm's --pod-network-cidr to a free range and rebuild the pod network.",
		"details": {"reason": "pod-network-overlap", "group": "pod-network-overlap", "pod_network": pc, "nodes": sort([x[0] | some x in ips]), "consequences": []},
	}
}

ranges_confirm := array.concat(
	[
		"kubectl get nodes -o 'custom-columns=NAME:.metadata.name,PODCIDR:.spec.podCIDR,ADDRESSES:.status.addresses[*].address'",
		"kubectl -n kube-system get pods -l tier=control-plane -o yaml",
	],
	["kubectl -n kube-system get configmap kubeadm-config -o yaml" | count(netranges.kubeadm) > 0],
)

# A Node's podCIDR that overlaps the Service range or a node's address,
# where no cluster pod network above already says so (that finding is the
# cause; the node's range only follows it).
explained_service(cidr, r) if {
	some [pc, sc] in pod_service_clashes
	sc == r
	net.cidr_intersects(pc, cidr)
}

explained_address(cidr, addr) if {
	some [pc, ips] in pod_node_clashes
	some x in ips
	x[1] == addr
	net.cidr_intersects(pc, cidr)
}

findings contains f if {
	some n in input.kubernetes.nodes
	some cidr in readable_pod_cidrs(n)
	clashes := array.concat(
		[sprintf("the Service range %s", [r]) | some r in service_ranges; net.cidr_intersects(cidr, r); not explained_service(cidr, r)],
		[sprintf("node %s's address %s", x) |
			some x in internal_ips
			net.cidr_contains(cidr, x[1])
			not explained_address(cidr, x[1])
		],
	)
	count(clashes) > 0
	f := {
		"message": sprintf("Node %s's pod CIDR %s overlaps %s: packets for those addresses are routed to pods, or pods' to the hosts.", [n.metadata.name, cidr, concat(" and ", clashes)]),
		"severity": "high",
		"subjects": [{"kind": "Node", "name": n.metadata.name}],
		"evidence": array.concat([kube.at(n, ["spec", "podCIDR"], sprintf("podCIDR %s", [cidr]))], [x.evidence | some x in netranges.service_ranges; netranges.valid_cidr(x.cidr); net.cidr_intersects(cidr, x.cidr); not explained_service(cidr, x.cidr)]),
		"confirm": [sh.format("kubectl get node %s -o yaml", [n.metadata.name])],
		"fix": "Choose a cluster CIDR disjoint from the node network and the Service range (kubeadm --pod-network-cidr and --service-cidr); it cannot be changed in place: rebuild the nodes' pod network.",
		"details": {"reason": "pod-cidr-overlap", "node": n.metadata.name, "group": "pod-cidr-overlap", "consequences": []},
	}
}

# ------------------------------------------------------------ interfaces

overlay_ifaces := ["flannel.1", "cni0", "vxlan.calico", "cilium_host"]

# Only nodes whose interfaces were collected, outside pod namespaces.
nodes_with_ifaces := [name | some name, n in input.nodes; count(node.interfaces(n)) > 0; not startswith(name, "unattributed:")]

findings contains f if {
	count(nodes_with_ifaces) > 1
	some ifname in overlay_ifaces
	have := sort([name | some name in nodes_with_ifaces; node.iface(input.nodes[name], ifname)])
	lack := sort([name | some name in nodes_with_ifaces; not node.iface(input.nodes[name], ifname)])
	count(have) > 0
	count(lack) > 0
	x := have[0]
	i := node.iface(input.nodes[x], ifname)
	f := {
		"message": sprintf("%s exists on %s but not on %s: the CNI did not set up its network there, so pods on those nodes cannot reach the others.", [ifname, names_text(have), names_text(lack)]),
		"severity": "medium",
		"subjects": [node.subject(n) | some n in lack],
		"evidence": [node.cite(i, sprintf("%s on %s", [ifname, x]))],
		"confirm": [sh.on_node(n, sh.format("ip -d link show %s", [ifname]), "") | some n in array.slice(lack, 0, 3)],
		"fix": sprintf("Check the CNI agent pod on %s: it creates %s when it starts.", [names_text(lack), ifname]),
		"details": {"reason": "overlay-interface-missing", "interface": ifname, "nodes": lack, "consequences": []},
	}
}
