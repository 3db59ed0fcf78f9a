# METADATA
# title: Nodes that cannot run their pods
# description: >-
#   A node runs pods only while its kubelet reports it Ready and has room
#   for them. This rule reads the Nodes' conditions, spec.unschedulable and
#   kubelet versions, and the pods scheduled on them. Critical: a node
#   NotReady or Unknown (the node lifecycle controller's "Kubelet stopped
#   posting node status.") with pods on it, named with the time it turned
#   so (lastTransitionTime) and the pods it strands (details.consequences);
#   while no node is Ready, the Pending pods that tolerate no node's
#   not-ready or unreachable taint wait for one and are listed too (the scheduling
#   finding points here); high when no pod is known on it. High: MemoryPressure, DiskPressure or
#   PIDPressure, with the pods the kubelet evicted from the node grouped by
#   the resource its message names ("The node was low on resource:
#   ephemeral-storage."); medium for evictions of the past on a node no
#   longer under pressure. High: every schedulable node cordoned
#   (spec.unschedulable) while pods wait Pending; medium when some are.
#   Medium: a kubelet newer than the API server, or older than the skew
#   policy allows (3 minor versions from 1.28 on, 2 before). Nodes whose
#   Ready condition blames the pod network are left to the cni rule, which
#   names that cause (unless it is disabled).
# custom:
#   id: node-health
#   category: node-health
#   severity: critical
#   needs: [kubernetes.nodes]
#   remediation: >-
#     Bring the kubelet of a NotReady node back (its journal says why it
#     stopped: the machine is down, the kubelet crashed, its certificate
#     expired, the node lost the API server) or drain and remove the node so
#     its pods are recreated elsewhere. Free the resource a node is short of
#     (images, logs and emptyDirs for disk; limits for memory). Uncordon
#     nodes once their maintenance is over. Upgrade kubelets within the
#     supported skew.
#   references:
#     - https://kubernetes.io/docs/concepts/architecture/nodes/#condition
#     - https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/
#     - https://kubernetes.io/releases/version-skew-policy/#kubelet
package ktriage.rules.cluster["node-health"]

import data.ktriage.lib.kube
import data.ktriage.lib.node
import data.ktriage.lib.run
import data.ktriage.lib.sh

node_names := {n.metadata.name | some n in input.kubernetes.nodes}

# the pods bound to each node, grouped once (lib/kube).
pods_by_node := kube.pods_by_node

condition(n, t) := node.condition(n, t)

# Left to the cni rule: the kubelet's own words that the runtime's network
# is not ready (NetworkPluginNotReady, "cni config uninitialized", "cni
# plugin not initialized").
# A node NotReady for its pod network is the cni rule's cause, left to
# it when it runs (data.ktriage.lib.run).
left_to_cni(n) if {
	node.network_down(n)
	run.rule("cni")
}

terminated(p) if object.get(p, ["status", "phase"], "") in {"Succeeded", "Failed"}

names_text(ns) := concat(", ", ns) if count(ns) <= 5 else := sprintf("%s and %d more", [concat(", ", array.slice(ns, 0, 5)), count(ns) - 5])

pods_text(k) := "1 pod" if k == 1 else := sprintf("%d pods", [k])

pod_name(p) := sprintf("%s/%s", [kube.namespace(p), p.metadata.name])

consequence(p, note) := {"kind": "Pod", "namespace": kube.namespace(p), "name": p.metadata.name, "note": note}

node_pods_cmd(name) := sh.format("kubectl get pods -A -o wide --field-selector %s", [concat("", ["spec.nodeName=", name])])

# ------------------------------------------------------------ NotReady / Unknown

state_word("Unknown") := "Unknown"

state_word(s) := "NotReady" if s != "Unknown"

condition_text(c) := sprintf("%s: %s", [c.reason, c.message]) if {
	is_string(c.reason)
	is_string(c.message)
} else := object.get(c, "message", object.get(c, "reason", sprintf("Ready=%s", [c.status])))

findings contains f if {
	some n in input.kubernetes.nodes
	[i, c] := condition(n, "Ready")
	c.status != "True"
	not left_to_cni(n)
	name := n.metadata.name
	stranded := [p | some p in pods_by_node[name]; not terminated(p)]
	cons := array.concat(
		[consequence(p, sprintf("on %s node %s", [state_word(c.status), name])) | some p in stranded],
		[consequence(p, "Pending: no node is Ready") | some p in waiting],
	)
	since := object.get(c, "lastTransitionTime", "an unknown time")
	f := {
		"message": sprintf("Node %s is %s since %s (%s); %s%s.", [
			name, state_word(c.status), since, condition_text(c), stranded_text(stranded), waiting_text,
		]),
		"severity": stranded_severity(array.concat(stranded, waiting)),
		"subjects": [{"kind": "Node", "name": name}],
		"evidence": [kube.at(n, ["status", "conditions", i, "message"], sprintf("Ready=%s since %s", [c.status, since]))],
		"confirm": [sh.format("kubectl describe node %s", [name]), node_pods_cmd(name)],
		"fix": sprintf("Find why the kubelet on %s is not reporting Ready (systemctl status kubelet; journalctl -u kubelet on the machine, or the machine itself is down); if it will not come back, drain and delete the node so its pods are recreated elsewhere.", [name]),
		"details": {"reason": "node-not-ready", "node": name, "status": c.status, "since": since, "consequences": cons},
	}
}

stranded_severity(ps) := "critical" if count(ps) > 0 else := "high"

# waiting: while no node is Ready, the node lifecycle controller's taints
# (not-ready on a node whose Ready is False, unreachable on one whose
# Ready is Unknown) refuse every Pending pod that does not tolerate the
# taint of any node, so the NotReady nodes are why it is not scheduled
# (the scheduling finding points here then).
waiting := [p |
	none_ready
	some p in input.kubernetes.pods
	object.get(p, ["status", "phase"], "") == "Pending"
	object.get(p, ["spec", "nodeName"], "") == ""
	not some_node_takes(p)
]

# none_ready: every node's Ready condition is known and not True (a node
# whose conditions the bundle does not show might be Ready).
none_ready if {
	count(input.kubernetes.nodes) > 0
	every n in input.kubernetes.nodes {
		[_, c] := condition(n, "Ready")
		c.status != "True"
	}
}

some_node_takes(p) if {
	some n in input.kubernetes.nodes
	[_, c] := condition(n, "Ready")
	tolerates(p, lifecycle_taint[c.status])
}

# lifecycle_taint is the NoSchedule taint the node lifecycle controller
# puts on a node by its Ready status.
lifecycle_taint := {"False": "node.kubernetes.io/not-ready", "Unknown": "node.kubernetes.io/unreachable"}

tolerates(p, key) if {
	some t in kube.array(p, ["spec", "tolerations"])
	is_object(t)
	object.get(t, "effect", "") in {"", "NoSchedule"}
	object.get(t, "key", "") in {"", key}
	object.get(t, "operator", "Equal") == "Exists"
}

tolerates(p, key) if {
	some t in kube.array(p, ["spec", "tolerations"])
	is_object(t)
	object.get(t, "effect", "") in {"", "NoSchedule"}
	t.key == key
	object.get(t, "operator", "Equal") == "Equal"
	object.get(t, "value", "") == ""
}

waiting_text := "" if {
	count(waiting) == 0
} else := sprintf("; no node is Ready, so %s Pending: %s", [
	waits_word(count(waiting)), names_text(sort([pod_name(p) | some p in waiting])),
])

waits_word(1) := "1 pod waits"

waits_word(k) := sprintf("%d pods wait", [k]) if k != 1

stranded_text(ps) := "no pod of the bundle is scheduled on it" if {
	count(ps) == 0
} else := sprintf("it strands %s: %s", [pods_text(count(ps)), names_text(sort([pod_name(p) | some p in ps]))])

# ------------------------------------------------------------ pressure and evictions

pressures := ["MemoryPressure", "DiskPressure", "PIDPressure"]

evicted(p) if object.get(p, ["status", "reason"], "") == "Evicted"

# The kubelet's eviction message (pkg/kubelet/eviction/helpers.go):
# "The node was low on resource: %v. " then "Threshold quantity: %v,
# available: %v. " and per container "Container %s was using %s, request
# is %s, has larger consumption of %v. ".
evicted_resource(p) := m[1] if {
	m := regex.find_all_string_submatch_n(`The node was low on resource: ([A-Za-z0-9._/-]+)\.`, object.get(p, ["status", "message"], ""), 1)[0]
} else := "unstated"

threshold(p) := sprintf("threshold %s, available %s", [m[1], m[2]]) if {
	m := regex.find_all_string_submatch_n(`Threshold quantity: ([^,]+), available: ([^ ]+?)\.(?: |$)`, object.get(p, ["status", "message"], ""), 1)[0]
}

eviction_groups(evs) := [g |
	some r in sort({evicted_resource(p) | some p in evs})
	ps := [p | some p in evs; evicted_resource(p) == r]
	ths := sort({t | some p in ps; t := threshold(p)})
	g := {"resource": r, "pods": ps, "thresholds": ths}
]

group_text(name, g) := sprintf("%s evicted from %s: %s%s", [
	pods_text(count(g.pods)), name, g.resource,
	concat("", [sprintf(" (%s)", [concat("; ", g.thresholds)]) | count(g.thresholds) > 0]),
])

findings contains f if {
	some n in input.kubernetes.nodes
	name := n.metadata.name
	under := [[i, c] | some t in pressures; [i, c] := condition(n, t); c.status == "True"]
	evs := [p | some p in pods_by_node[name]; evicted(p)]
	count(under) + count(evs) > 0
	groups := eviction_groups(evs)
	cons := [consequence(p, sprintf("Evicted from %s: low on %s", [name, evicted_resource(p)])) | some p in evs]
	f := {
		"message": sprintf("%s%s.", [pressure_text(name, under), evictions_text(name, groups)]),
		"severity": pressure_severity(under),
		"subjects": [{"kind": "Node", "name": name}],
		"evidence": array.concat(
			[kube.at(n, ["status", "conditions", i, "message"], sprintf("%s=True", [c.type])) | some [i, c] in under],
			[kube.at(p, ["status", "message"], sprintf("Evicted: low on %s", [evicted_resource(p)])) | some g in groups; p := g.pods[0]],
		),
		"confirm": [sh.format("kubectl describe node %s", [name]), node_pods_cmd(name)],
		"fix": pressure_fix(groups),
		"details": {
			"reason": "node-pressure",
			"node": name,
			"pressure": [c.type | some [_, c] in under],
			"evicted": {g.resource: count(g.pods) | some g in groups},
			"consequences": cons,
		},
	}
}

pressure_text(name, under) := sprintf("Node %s reports %s", [name, concat(" and ", [sprintf("%s (%s)", [c.type, condition_text(c)]) | some [_, c] in under])]) if {
	count(under) > 0
} else := sprintf("Node %s is not under pressure now, but the kubelet evicted pods from it", [name])

evictions_text(name, groups) := "" if {
	count(groups) == 0
} else := sprintf("; %s", [concat("; ", [group_text(name, g) | some g in groups])])

pressure_severity(under) := "high" if count(under) > 0 else := "medium"

pressure_fix(groups) := "Free the resource the node is short of (disk: unused images, container logs, emptyDir volumes; memory: pods' limits and requests) and set requests that match use, so the scheduler does not overcommit the node; delete the Failed Evicted pods once seen." if count(groups) > 0 else := "Free the resource the node is short of before the kubelet starts evicting pods (disk: unused images, container logs, emptyDir volumes; memory: pods' limits and requests)."

# ------------------------------------------------------------ cordoned while pods are Pending

cordoned := sort([n.metadata.name | some n in input.kubernetes.nodes; n.spec.unschedulable == true])

pending := [p |
	some p in input.kubernetes.pods
	not p.spec.nodeName
	object.get(p, ["status", "phase"], "") == "Pending"
]

findings contains f if {
	count(cordoned) > 0
	count(pending) > 0
	total := count(node_names)
	cons := [consequence(p, "Pending: not scheduled") | some p in pending]
	f := {
		"message": sprintf("%s cordoned (spec.unschedulable) while %s Pending: %s.", [
			cordoned_prefix(count(cordoned), total), waits_text(count(pending)),
			names_text(sort([pod_name(p) | some p in pending])),
		]),
		"severity": cordon_severity(count(cordoned), total),
		"subjects": [{"kind": "Node", "name": n} | some n in cordoned],
		"evidence": [kube.at(n, ["spec", "unschedulable"], "unschedulable true") | some n in input.kubernetes.nodes; n.spec.unschedulable == true],
		"confirm": array.concat([sh.format("kubectl describe node %s", [n]) | some n in array.slice(cordoned, 0, 3)], ["kubectl get pods -A --field-selector status.phase=Pending"]),
		"fix": sprintf("Uncordon the nodes whose maintenance is over (kubectl uncordon %s), or add capacity for the Pending pods.", [cordoned[0]]),
		"details": {"reason": "cordoned-while-pending", "nodes": cordoned, "consequences": cons},
	}
}

cordoned_prefix(k, total) := sprintf("Every node (%d) is", [k]) if k == total else := sprintf("%d of %d nodes are", [k, total]) if k > 1 else := "1 node is"

waits_text(1) := "1 pod waits"

waits_text(k) := sprintf("%d pods wait", [k]) if k != 1

cordon_severity(k, total) := "high" if k == total else := "medium"

# ------------------------------------------------------------ kubelet version skew

# The API server's version: its static pod's image tag, else the highest
# kubelet of the control-plane nodes.
apiserver_versions := {v |
	some p in object.get(kube.pods_by_namespace, "kube-system", [])
	startswith(p.metadata.name, "kube-apiserver")
	some c in kube.array(p, ["spec", "containers"])
	c.name == "kube-apiserver"
	tag := regex.find_all_string_submatch_n(`:(v[0-9]+\.[0-9]+(?:\.[0-9]+)?)[^:/]*$`, c.image, 1)[0][1]
	v := node.version(tag)
}

control_plane(n) if {
	some k, _ in kube.labels(n)
	k in {"node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"}
}

control_plane_versions := {v |
	some n in input.kubernetes.nodes
	control_plane(n)
	v := node.version(n.status.nodeInfo.kubeletVersion)
}

apiserver := {"version": max_version(apiserver_versions), "source": "the kube-apiserver image"} if {
	count(apiserver_versions) > 0
} else := {"version": max_version(control_plane_versions), "source": "the control-plane nodes' kubelet"} if {
	count(control_plane_versions) > 0
}

max_version(vs) := v if {
	some v in vs
	every w in vs {
		semver.compare(v, w) >= 0
	}
}

minor(v) := to_number(split(v, ".")[1])

major(v) := to_number(split(v, ".")[0])

allowed_skew(v) := 3 if minor(v) >= 28 else := 2

skew_problem(kv, av) := sprintf("newer than the API server %s: a kubelet must never be newer", [av]) if {
	semver.compare(sprintf("%d.%d.0", [major(kv), minor(kv)]), sprintf("%d.%d.0", [major(av), minor(av)])) > 0
} else := sprintf("%d minor versions older than the API server %s (at most %d allowed)", [minor(av) - minor(kv), av, allowed_skew(av)]) if {
	major(kv) == major(av)
	minor(av) - minor(kv) > allowed_skew(av)
}

findings contains f if {
	api := apiserver
	some n in input.kubernetes.nodes
	raw := n.status.nodeInfo.kubeletVersion
	kv := node.version(raw)
	problem := skew_problem(kv, api.version)
	f := {
		"message": sprintf("The kubelet on %s is %s, %s (from %s): outside the supported version skew.", [n.metadata.name, raw, problem, api.source]),
		"severity": "medium",
		"subjects": [{"kind": "Node", "name": n.metadata.name}],
		"evidence": [kube.at(n, ["status", "nodeInfo", "kubeletVersion"], sprintf("kubeletVersion %s", [raw]))],
		"confirm": ["kubectl get nodes -o wide"],
		"fix": "Upgrade the control plane first, then the kubelets one minor version at a time, keeping every kubelet at most the allowed number of minor versions behind the API server and never ahead of it.",
		"details": {"reason": "kubelet-skew", "node": n.metadata.name, "kubelet": raw, "apiserver": api.version, "consequences": []},
	}
}
