# METADATA
# title: Pods stay Pending because no node fits them
# description: >-
#   Finds pods that are Pending and not bound to a node, one finding per
#   workload (Deployment, StatefulSet, DaemonSet, Job, CronJob). It quotes
#   the scheduler's own verdict (the PodScheduled=False condition, which
#   outlives the FailedScheduling events, or those events) with its
#   per-reason node counts, and recomputes from the Node objects why each
#   node refuses the pod: nodeSelector and required node affinity against
#   node labels, NoSchedule/NoExecute taints the pod does not tolerate,
#   cordoned nodes, requests against allocatable minus what the node's
#   running pods already request (cpu, memory, ephemeral-storage, extended
#   resources, pod count), and PersistentVolumeClaims that are not bound.
#   Inter-pod affinity, topology spread constraints, host ports and volume
#   topology are not recomputed: when nothing recomputed explains the
#   verdict the finding says so. Pods held back only by the not-ready
#   taint of nodes whose pod network is not ready are the cni finding's
#   consequences: they are reported here as info, pointing at it; pods
#   held back only by those taints on nodes NotReady for another reason
#   (or while cni does not run) point at node-health, which lists them; so
#   are pods every node would take but for a Pending claim whose cause the
#   objects show (a missing StorageClass, no default one, no matching
#   PersistentVolume), which volume-mount reports.
#   For objects read from kubectl describe text: a node's "Allocated
#   resources" count as its pods' requests, and what the describer does not
#   print (the pod's affinity, the PodScheduled message) is said to be not
#   shown rather than judged.
# custom:
#   id: scheduling
#   category: scheduling
#   severity: critical
#   needs: [kubernetes.pods]
#   remediation: >-
#     Make the pod fit a node or a node fit the pod: correct the nodeSelector
#     or affinity to labels nodes carry (or label a node), add the toleration
#     for a taint the pod is meant to accept, lower the requests or add
#     capacity, uncordon a node, or bind the claim (a StorageClass that
#     provisions, a matching PersistentVolume).
#   references:
#     - https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/
#     - https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/
#     - https://kubernetes.io/docs/tasks/debug/debug-application/debug-pods/
package ktriage.rules.workloads["scheduling"]

import data.ktriage.lib.claims
import data.ktriage.lib.kube
import data.ktriage.lib.node
import data.ktriage.lib.run
import data.ktriage.lib.sh
import data.ktriage.lib.workload

# ------------------------------------------------------------ pending pods

# A pod waits for a node when it is Pending and spec.nodeName is empty.
# Pods whose PodScheduled condition says anything but Unschedulable (for
# example SchedulingGated) wait on purpose and are left alone.
waiting(p) if {
	object.get(p, ["status", "phase"], "") == "Pending"
	object.get(p, ["spec", "nodeName"], "") == ""
	not gated(p)
}

gated(p) if {
	some c in kube.array(p, ["status", "conditions"])
	c.type == "PodScheduled"
	c.reason == "SchedulingGated"
}

# pending lists each waiting pod once with its workload; a complete rule so
# every later comprehension indexes it (by workload key) instead of
# re-reading every pod.
pending := [{"pod": p, "key": workload.key(w), "w": w} |
	some p in input.kubernetes.pods
	waiting(p)
	w := workload.of(p)
]

# -------------------------------------------------------- the scheduler

# The pod's PodScheduled=False condition: the first, should a damaged pod
# list two.
condition(p) := kube.array(p, ["status", "conditions"])[condition_index(p)]

condition_index(p) := [i |
	some i, c in kube.array(p, ["status", "conditions"])
	c.type == "PodScheduled"
	c.status == "False"
][0]

# The verdict follows FitError.Error() in
# kubernetes/kubernetes pkg/scheduler/framework/types.go:
#   "0/%v nodes are available" + ": " + sorted "<count> <reason>" joined by
#   ", " + "." then, from PostFilter (preemption), " preemption: ...".
# Reasons are the plugins' ErrReason strings (tainttoleration:
# "node(s) had untolerated taint {%s: %s}", nodeaffinity: "node(s) didn't
# match Pod's node affinity/selector", noderesources: "Insufficient %v" and
# "Too many pods", nodeunschedulable: "node(s) were unschedulable"). Taint
# keys hold dots, so the list ends at the ". preemption:" separator or at
# the final period, not at the first one. Before 1.25 the taint reason was
# "node(s) had taint {%s: %s}, that the pod didn't tolerate" (a comma inside
# a reason), so items are split only at ", " followed by a count.
reason_counts(msg) := [{"count": to_number(m[1]), "reason": m[2]} |
	is_string(msg)
	start := indexof(msg, "nodes are available: ")
	start >= 0
	body := trim_suffix(split(substring(msg, start + 21, -1), ". preemption:")[0], ".")
	some m in regex.find_all_string_submatch_n(`(?:^|, )([0-9]+) ((?:[^,]|,[^ ]|, [^0-9])+)`, body, -1)
]

# --------------------------------------------------------------- nodes

nodes := kube.array(input.kubernetes, ["nodes"])

# node_named finds a node by name with one lookup (evidence names the
# nodes a verdict refuses, per workload).
node_named := {n.metadata.name: n | some n in nodes}

node_labels(n) := kube.labels(n)

# non-terminated pods by node, with what they request: built once per node
# from the pods grouped by node (lib/kube), and only when some pod is
# pending.
usage := {name: u |
	count(pending) > 0
	some n in nodes
	name := n.metadata.name
	ps := [p | some p in object.get(kube.pods_by_node, name, []); not terminated(p)]
	u := {
		"pods": max([count(ps), count(kube.array(n, ["ktriage", "nonTerminatedPods"]))]),
		"requests": {r: max([sum([pod_request(p.spec, r) | some p in ps]), described_request(n, r)]) | some r in wanted_resources},
	}
}

# A node read from kubectl describe text lists what its non-terminated pods
# request ("Allocated resources", the describer's sum over the pods the
# bundle may not hold): the larger of that and the pods' own sum counts.
described_request(n, r) := kube.quantity(n.ktriage.allocatedResources.requests[r]) if {
	is_string(n.ktriage.allocatedResources.requests[r])
} else := 0

terminated(p) if p.status.phase in {"Succeeded", "Failed"}

wanted_resources := {r | some x in pending; some r, _ in pod_requests(x.pod.spec)}

container_request(c, r) := kube.quantity(c.resources.requests[r]) if {
	c.resources.requests[r]
} else := 0

# What the scheduler counts for a pod (noderesources computePodResourceRequest):
# the sum over containers, or the largest init container if that is more,
# plus the pod overhead. Most pods have neither: the sum alone, cheaply.
pod_request(spec, r) := sum([container_request(c, r) | some c in spec.containers]) if {
	not spec.initContainers
	not spec.overhead
} else := max([
	sum([container_request(c, r) | some c in kube.containers(spec)]),
	max(array.concat([0], [container_request(c, r) | some c in kube.array(spec, ["initContainers"]); object.get(c, "restartPolicy", "") != "Always"])),
]) + overhead(spec, r)

overhead(spec, r) := kube.quantity(spec.overhead[r]) if {
	spec.overhead[r]
} else := 0

pod_requests(spec) := {r: v |
	some list in [kube.array(spec, ["containers"]), kube.array(spec, ["initContainers"])]
	some c in list
	some r, _ in kube.map(c, ["resources", "requests"])
	v := pod_request(spec, r)
	v > 0
}

# ------------------------------------------------ per-node predicates

tolerates(tol, taint) if {
	is_object(tol)
	object.get(tol, "effect", "") in {"", taint.effect}
	tolerates_key(tol, taint)
}

tolerates_key(tol, taint) if {
	object.get(tol, "operator", "Equal") == "Exists"
	object.get(tol, "key", "") in {"", taint.key}
}

tolerates_key(tol, taint) if {
	object.get(tol, "operator", "Equal") == "Equal"
	object.get(tol, "key", "") == taint.key
	object.get(tol, "value", "") == object.get(taint, "value", "")
}

untolerated(spec, n) := [t |
	some t in kube.array(n, ["spec", "taints"])
	t.effect in {"NoSchedule", "NoExecute"}
	not any_tolerates(spec, t)
]

any_tolerates(spec, t) if {
	some tol in kube.array(spec, ["tolerations"])
	tolerates(tol, t)
}

taint_text(t) := sprintf("%s=%s:%s", [t.key, object.get(t, "value", ""), t.effect]) if {
	object.get(t, "value", "") != ""
} else := sprintf("%s:%s", [t.key, t.effect])

cordoned(spec, n) if {
	n.spec.unschedulable == true
	not any_tolerates(spec, {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"})
}

selector_misses(spec, n) := [k |
	some k, v in kube.map(spec, ["nodeSelector"])
	object.get(node_labels(n), k, null) != v
]

required_terms(spec) := kube.array(spec, ["affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"])

has_required(spec) if spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution

# Terms are ORed, expressions within a term ANDed; a term with neither
# expressions nor fields matches no node (v1 NodeSelectorTerm).
affinity_fits(spec, n) if not has_required(spec)

affinity_fits(spec, n) if {
	some term in required_terms(spec)
	count(kube.array(term, ["matchExpressions"])) + count(kube.array(term, ["matchFields"])) > 0
	every e in kube.array(term, ["matchExpressions"]) {
		expr_matches(e, node_labels(n))
	}
	every e in kube.array(term, ["matchFields"]) {
		expr_matches(e, {"metadata.name": n.metadata.name})
	}
}

expr_matches(e, lbls) if {
	e.operator == "In"
	lbls[e.key] in kube.array(e, ["values"])
}

expr_matches(e, lbls) if {
	e.operator == "NotIn"
	not lbls[e.key] in kube.array(e, ["values"])
}

expr_matches(e, lbls) if {
	e.operator == "Exists"
	lbls[e.key]
}

expr_matches(e, lbls) if {
	e.operator == "DoesNotExist"
	not lbls[e.key]
}

expr_matches(e, lbls) if {
	e.operator == "Gt"
	kube.int(lbls[e.key]) > kube.int(e.values[0])
}

expr_matches(e, lbls) if {
	e.operator == "Lt"
	kube.int(lbls[e.key]) < kube.int(e.values[0])
}

allocatable(n, r) := kube.quantity(n.status.allocatable[r])

# shortfalls of a node for a pod: what it needs and what the node has free.
# shortfalls of a node for a pod: what it needs and what the node has free
# (free computed once per node and pod by verdict).
shortfalls(reqs, n, free) := [] if {
	not is_object(object.get(n, ["status", "allocatable"], null))
} else := array.concat(
	[s |
		some r, need in reqs
		need > free[r]
		s := {"resource": r, "need": need, "free": free[r], "allocatable": allocatable_or_zero(n, r)}
	],
	[s |
		max_pods := allocatable(n, "pods")
		used := object.get(usage, [n.metadata.name, "pods"], 0)
		(used + 1) * 1000 > max_pods
		s := {"resource": "pods", "need": 1000, "free": max_pods - (used * 1000), "allocatable": max_pods}
	],
) if {
	true
}

allocatable_or_zero(n, r) := v if {
	v := allocatable(n, r)
} else := 0

affinity_fails(spec, n) := true if {
	not affinity_fits(spec, n)
} else := false

is_cordoned(spec, n) := true if {
	cordoned(spec, n)
} else := false

# verdict of one node: the recomputed reasons it refuses the pod.
verdict(spec, reqs, n) := v if {
	free := {r: (allocatable_or_zero(n, r) - object.get(usage, [n.metadata.name, "requests", r], 0)) | some r, _ in reqs}
	v := {
		"node": n.metadata.name,
		"selector": selector_misses(spec, n),
		"affinity": affinity_fails(spec, n),
		"taints": [taint_text(t) | some t in untolerated(spec, n)],
		"cordoned": is_cordoned(spec, n),
		"short": shortfalls(reqs, n, free),
		"free": free,
		"allocatable_known": is_object(object.get(n, ["status", "allocatable"], null)),
	}
}

blocked(v) := ((count(v.selector) + to_number(v.affinity)) + count(v.taints)) + to_number(v.cordoned)

fits(v) if {
	blocked(v) == 0
	count(v.short) == 0
	v.allocatable_known
}

# ----------------------------------------------------------- volumes

claim_names(spec) := [v.persistentVolumeClaim.claimName | some v in kube.array(spec, ["volumes"]); v.persistentVolumeClaim.claimName]

# ----------------------------------------------------------- findings

workload_keys := {x.key | some x in pending}

findings contains f if {
	some key in workload_keys
	group := [x | some x in pending; x.key == key]
	w := group[0].w
	pods := sort([x.pod.metadata.name | some x in group])
	p := [x.pod | some x in group; x.pod.metadata.name == pods[0]][0]
	spec := object.get(p, "spec", {})
	ns := w.namespace
	pvcs := [c | some c in object.get(input.kubernetes, "persistentvolumeclaims", []); c.metadata.namespace == ns]
	# the first pod's events and the namespace's pods, looked up in the
	# groupings built once (lib/workload), not scanned per workload
	first := pods[0]
	events := [e | some e in object.get(workload.events_by_object, concat("/", [ns, first]), []); e.reason == "FailedScheduling"]
	ns_pods := object.get(workload.pods_in, ns, [])
	counts := workload.pod_counts(w, ns_pods)
	ready := counts.ready

	# a rollout can run more pods than the controller wants
	total := max([counts.total, count(group)])
	reqs := pod_requests(spec)
	verdicts := [verdict(spec, reqs, n) | some n in nodes]
	sched := scheduler_message(p, events)
	unbound := [c | some name in claim_names(spec); some c in pvcs; c.metadata.name == name; object.get(c, ["status", "phase"], "") == "Pending"]
	causes := array.concat(recomputed(spec, verdicts, unbound, claim_names(spec), pvcs), not_shown_lines(p))

	# a pod nothing holds back and no scheduler verdict: not evidence of a
	# problem (it may have been created a moment before collection).
	held_back(sched, verdicts, unbound)

	f := {
		"message": concat(" ", array.concat(
			[sprintf("%d of %d pods of %s %s/%s Pending, not bound to a node (%s).", [count(pods), total, w.kind, ns, w.name, named(pods)])],
			array.concat(scheduler_line(sched, p), array.concat(causes, array.concat(array.concat(network_line(verdicts), node_line(verdicts)), claim_line(p, verdicts, unbound)))),
		)),
		"subjects": array.concat([{"kind": w.kind, "namespace": ns, "name": w.name} | not w.kind == "Pod"], [kube.ref(p)]),
		"evidence": evidence(p, sched, unbound, verdicts),
		"confirm": [
			sh.format("kubectl -n %s describe pod %s", [ns, p.metadata.name]),
			sh.format("kubectl -n %s get events --field-selector involvedObject.name=%s", [ns, p.metadata.name]),
			"kubectl describe nodes",
		],
		"fix": fix(spec, verdicts, unbound),
		"severity": severity(ready, verdicts, p, unbound),
		"details": object.union(object.union(object.union(network_details(verdicts), node_details(verdicts)), claim_details(p, verdicts, unbound)), {
			"workload": w, "pending": count(pods), "total": total, "ready": ready, "pods": pods,
			"scheduler_message": sched.message, "scheduler_reasons": reason_counts(sched.message),
			"nodes": verdicts, "unbound_claims": [c.metadata.name | some c in unbound],
		}),
	}
}

held_back(sched, _, _) if sched.message != ""

held_back(_, verdicts, _) if {
	count(verdicts) > 0
	count([x | some x in verdicts; fits(x)]) == 0
}

held_back(_, _, unbound) if count(unbound) > 0

severity(ready, verdicts, p, unbound) := "info" if {
	network_wait(verdicts)
} else := "info" if {
	node_wait(verdicts)
} else := "info" if {
	claim_wait(p, verdicts, unbound)
} else := "critical" if {
	ready == 0
} else := "high"

# network_wait: what holds the pod back is the nodes' pod network, not the
# pod. Every node refuses it only for the node lifecycle controller's
# not-ready taint, and every node is NotReady because its network plugin is
# not ready. The cni rule reports that cause and lists these pods as its
# consequences, so this finding is only the pointer to it (when cni runs:
# data.ktriage.lib.run).
network_wait(verdicts) if {
	run.rule("cni")
	count(verdicts) > 0
	every v in verdicts {
		only_taints(v)
		every t in v.taints {
			startswith(t, "node.kubernetes.io/not-ready:")
		}
		node.network_down(node_named[v.node])
	}
}

# node_wait: every node refuses the pod only for the node lifecycle
# controller's taints, on nodes that are not Ready, for a cause other than
# a pod network the cni finding reports (a kubelet that stopped posting
# status; cni not run). The node-health finding reports those nodes and
# lists these pods among its consequences: one cause, one finding.
node_wait(verdicts) if {
	not network_wait(verdicts)
	run.rule("node-health")
	count(verdicts) > 0
	every v in verdicts {
		only_taints(v)
		every t in v.taints {
			lifecycle_taint(t)
		}
		not_ready(node_named[v.node])
	}
}

# only_taints: the node refuses the pod for untolerated taints and nothing
# else (no other predicate, no resource short).
only_taints(v) if {
	count(v.taints) > 0
	blocked(v) == count(v.taints)
	count(v.short) == 0
}

not_ready(n) if node.ready_condition(n).status != "True"

node_line(verdicts) := ["Every node is NotReady (the node lifecycle controller's taint): that is the cause, reported by the node-health finding, which lists these pods among its consequences."] if {
	node_wait(verdicts)
} else := []

node_details(verdicts) := {"reason": "nodes-not-ready", "see": "node-health"} if {
	node_wait(verdicts)
} else := {}

network_line(verdicts) := ["Every node is NotReady because its pod network is not ready (the kubelet's Ready condition: network plugin not ready): that is the cause, reported by the cni finding, which lists these pods among its consequences."] if {
	network_wait(verdicts)
} else := []

# claim_wait: every node would take the pod but for its Pending claims, and
# the objects say why each claim is Pending (data.ktriage.lib.claims): the
# volume-mount rule reports that cause for the same pods.
claim_wait(p, verdicts, unbound) if {
	run.rule("volume-mount")
	count(unbound) > 0
	count(verdicts) > 0
	every v in verdicts {
		fits(v)
	}
	every c in unbound {
		some cl in claims.of(p)
		cl.name == c.metadata.name
		claims.cause(p, kube.namespace(p), cl)
	}
}

claim_line(p, verdicts, unbound) := ["Every node would take it but for the Pending claim: that is the cause, reported (with why the claim is Pending) by the volume-mount finding."] if {
	claim_wait(p, verdicts, unbound)
} else := []

claim_details(p, verdicts, unbound) := {"reason": "claim-pending", "see": "volume-mount"} if {
	claim_wait(p, verdicts, unbound)
} else := {}

network_details(verdicts) := {"reason": "node-network-not-ready", "see": "cni"} if {
	network_wait(verdicts)
} else := {}

named(pods) := concat(", ", array.slice(pods, 0, 2)) if {
	count(pods) <= 2
} else := sprintf("%s, …", [concat(", ", array.slice(pods, 0, 2))])

scheduler_message(p, events) := {"message": c.message, "from": "condition", "c": c} if {
	c := condition(p)
	c.message
} else := {"message": e.message, "from": "event", "e": e} if {
	some e in latest(events)
} else := {"message": "", "from": "none"}

latest(events) := [e |
	some e in events
	object.get(e, "lastTimestamp", "") == max([object.get(x, "lastTimestamp", "") | some x in events])
]

scheduler_line(s, p) := [sprintf("The scheduler says (%s): %q.", [source_text(s.from), s.message])] if {
	s.message != ""
} else := ["The scheduler's verdict is not shown: kubectl describe prints the PodScheduled condition without its message, and no FailedScheduling event is left."] if {
	"status.conditions[].message" in kube.not_shown(p)
} else := ["No scheduler verdict is left (no PodScheduled=False condition, no FailedScheduling event)."]

source_text("condition") := "PodScheduled=False"

source_text("event") := "FailedScheduling event"

# A pod read from kubectl describe text shows no affinity: required node
# affinity is then not judged (absent and not shown look the same).
not_shown_lines(p) := ["kubectl describe does not print the pod's affinity, so required node affinity is not recomputed."] if {
	"spec.affinity" in kube.not_shown(p)
} else := []

# recomputed explains the verdict from the objects, one sentence per cause.
recomputed(_, verdicts, _, _, _) := ["Nodes are not in the bundle, so the fit is not recomputed."] if count(verdicts) == 0

recomputed(spec, verdicts, unbound, names, pvcs) := array.concat(
	array.concat(
		array.concat(selector_lines(spec, verdicts), affinity_lines(spec, verdicts)),
		array.concat(taint_lines(verdicts), cordon_lines(verdicts)),
	),
	array.concat(
		array.concat(resource_lines(verdicts), claim_lines(unbound, names, pvcs)),
		array.concat(closest_lines(verdicts), array.concat(unknown_lines(verdicts), fits_lines(verdicts, unbound))),
	),
) if count(verdicts) > 0

selector_lines(spec, verdicts) := [sprintf("Pod wants %s=%s; %s.", [k, v, have_text(k, v)]) |
	some k, v in kube.map(spec, ["nodeSelector"])
	count([x | some x in verdicts; k in x.selector]) > 0
] if {
	count(kube.map(spec, ["nodeSelector"])) > 0
} else := []

# have_text names what nodes carry under a label key: "worker-1, worker-2
# have disktype=hdd; no node has ssd".
have_text(k, v) := concat("; ", array.concat(
	[sprintf("%s %s %s=%s", [concat(", ", ns_), verb(ns_), k, val]) |
		some val in {node_labels(n)[k] | some n in nodes}
		ns_ := sort([n.metadata.name | some n in nodes; node_labels(n)[k] == val])
	],
	array.concat(
		[sprintf("%s %s %s", [concat(", ", missing), lack(missing), k]) | missing := sort([n.metadata.name | some n in nodes; not node_labels(n)[k]]); count(missing) > 0],
		[sprintf("no node has %s", [v]) | count([n | some n in nodes; node_labels(n)[k] == v]) == 0],
	),
))

lack(list) := "lacks" if {
	count(list) == 1
} else := "lack"

verb(list) := "has" if {
	count(list) == 1
} else := "have"

affinity_lines(spec, verdicts) := [sprintf("Required node affinity (%s) matches no node: %s.", [terms_text(spec), keys_text(spec)]) |
	has_required(spec)
	count([x | some x in verdicts; not x.affinity]) == 0
]

terms_text(spec) := concat(" or ", [concat(" and ", [expr_text(e) | some e in kube.array(t, ["matchExpressions"])]) | some t in required_terms(spec)])

expr_text(e) := sprintf("%s %s %v", [e.key, e.operator, kube.array(e, ["values"])]) if {
	count(kube.array(e, ["values"])) > 0
} else := sprintf("%s %s", [e.key, e.operator])

keys_text(spec) := concat("; ", [have_values(k) | some k in {e.key | some t in required_terms(spec); some e in kube.array(t, ["matchExpressions"])}])

have_values(k) := sprintf("nodes have %s=%s", [k, concat("|", sort({node_labels(n)[k] | some n in nodes}))]) if {
	count({node_labels(n)[k] | some n in nodes}) > 0
} else := sprintf("no node has the label %s", [k])

taint_lines(verdicts) := [sprintf("Untolerated taint %s on %s%s.", [t, concat(", ", sort([x.node | some x in verdicts; t in x.taints])), taint_meaning(t)]) |
	some t in {t | some x in verdicts; some t in x.taints}
]

# The node lifecycle controller sets these taints itself: the cause is the
# node's health, not a missing toleration.
taint_meaning(t) := " (the node lifecycle controller's taint: the node is NotReady — see its Ready condition; without a network plugin nodes stay NotReady)" if {
	startswith(t, "node.kubernetes.io/not-ready:")
} else := " (the node lifecycle controller's taint: the node stopped reporting)" if {
	startswith(t, "node.kubernetes.io/unreachable:")
} else := ""

cordon_lines(verdicts) := [sprintf("Cordoned (spec.unschedulable): %s.", [concat(", ", cs)]) |
	cs := sort([x.node | some x in verdicts; x.cordoned])
	count(cs) > 0
]

# For each resource some node lacks, the node with the most of it free
# among the nodes nothing else rules out (all nodes when every node is also
# ruled out otherwise).
resource_lines(verdicts) := [line |
	some r in {s.resource | some x in verdicts; some s in x.short}
	pool := candidates(verdicts)
	frees := [{"free": free_of(x, r), "node": x.node} | some x in pool]
	best := max([y.free | some y in frees])
	top := [y.node | some y in frees; y.free == best][0]
	need := [s.need | some x in verdicts; some s in x.short; s.resource == r][0]
	line := resource_line(r, need, best, top, pool, verdicts)
]

resource_line("pods", _, best, top, _, _) := sprintf("Too many pods: the node with the most room (%s) has %s pod slots left.", [top, kube.milli_text("pods", best)])

resource_line(r, need, best, top, pool, verdicts) := sprintf("Needs %s %s; the most free %s (%s) has %s.", [
	r, kube.milli_text(r, need), pool_name(pool, verdicts), top, kube.milli_text(r, max([best, 0])),
]) if r != "pods"

pool_name(pool, verdicts) := "node" if {
	count(pool) == count(verdicts)
} else := "otherwise eligible node"

candidates(verdicts) := c if {
	c := [x | some x in verdicts; blocked(x) == 0]
	count(c) > 0
} else := verdicts

free_of(x, r) := object.get(x.free, r, 0)

claim_lines(unbound, names, pvcs) := array.concat(
	[sprintf("PersistentVolumeClaim %s is Pending (not bound to a volume).", [c.metadata.name]) | some c in unbound],
	[sprintf("PersistentVolumeClaim %s is not in the bundle: whether it is bound is unknown.", [n]) |
		some n in names
		count([c | some c in pvcs; c.metadata.name == n]) == 0
	],
)

closest_lines(verdicts) := [sprintf("Closest node: %s (%s).", [best.node, concat("; ", reasons(best))]) |
	count(verdicts) > 1
	count([x | some x in verdicts; fits(x)]) == 0
	scores := [(blocked(x) + count(x.short)) | some x in verdicts]
	best := [x | some i, x in verdicts; scores[i] == min(scores)][0]
]

reasons(v) := array.concat(
	array.concat(
		[sprintf("nodeSelector %s not met", [concat(", ", v.selector)]) | count(v.selector) > 0],
		["fails the required node affinity" | v.affinity],
	),
	array.concat(
		array.concat([sprintf("taint %s", [t]) | some t in v.taints], ["cordoned" | v.cordoned]),
		[sprintf("short of %s by %s", [s.resource, kube.milli_text(s.resource, s.need - s.free)]) | some s in v.short],
	),
)

unknown_lines(verdicts) := [sprintf("Allocatable of %s is not in the bundle's objects: its room is unknown.", [concat(", ", ns_)]) |
	ns_ := sort([x.node | some x in verdicts; not x.allocatable_known])
	count(ns_) > 0
]

# A Pending claim the scheduler waits for is itself a cause recomputed here.
fits_lines(verdicts, unbound) := [sprintf("By every predicate recomputed here %s could take the pod; the cause is one not recomputed (inter-pod affinity or anti-affinity, topology spread, host ports, volume topology) or the state changed since.", [concat(", ", ok)]) |
	count(unbound) == 0
	ok := sort([x.node | some x in verdicts; fits(x)])
	count(ok) > 0
]

evidence(p, sched, unbound, verdicts) := array.concat(
	array.concat(
		[kube.at(p, ["status", "conditions", condition_index(p), "message"], "PodScheduled=False: the scheduler's message") | sched.from == "condition"],
		[kube.cite(sched.e, "FailedScheduling") | sched.from == "event"],
	),
	array.concat(
		array.concat(
			[kube.at(p, ["spec", "nodeSelector", k], sprintf("nodeSelector %s=%s", [k, v])) | some k, v in kube.map(p.spec, ["nodeSelector"])],
			[kube.at(p, ["spec", "affinity", "nodeAffinity"], "required node affinity") | has_required(p.spec)],
		),
		array.concat(
			[kube.at(c, ["status", "phase"], "claim Pending") | some c in unbound],
			[kube.at(n, node_path(x, n), node_note(x)) | some x in verdicts; blocked(x) + count(x.short) > 0; n := node_named[x.node]],
		),
	),
)

# node_path is the node field that shows why it refuses the pod: for a
# label the pod selects, the label itself where the node has the key (its
# other value is the proof), else the node's name.
node_path(x, n) := ["spec", "taints"] if {
	count(x.taints) > 0
} else := ["spec", "unschedulable"] if {
	x.cordoned
} else := ["status", "allocatable", r] if {
	r := x.short[0].resource
	kube.map(n, ["status", "allocatable"])[r]
} else := ["status", "allocatable"] if {
	count(x.short) > 0
} else := ["metadata", "labels", k] if {
	some k in x.selector
	kube.labels(n)[k]
} else := ["metadata", "name"]

node_note(x) := concat("; ", reasons(x))

# The node lifecycle controller's taints go when the node is healthy again;
# tolerating them would place the pod on a node that cannot run it.
lifecycle_taint(t) if startswith(t, "node.kubernetes.io/not-ready:")

lifecycle_taint(t) if startswith(t, "node.kubernetes.io/unreachable:")

health_fix(verdicts) := "Install the pod network (see the cni finding): once the nodes are Ready the node lifecycle controller removes the not-ready taint and the scheduler places these pods." if {
	network_wait(verdicts)
} else := "Make the tainted nodes Ready again (their Ready condition says what is missing); the node lifecycle controller then removes its not-ready/unreachable taint."

# resource_fixes names, per short resource, the numbers: the request that
# would fit the most free eligible node, or the node size that would.
resource_fixes(verdicts) := [sprintf("Lower the %s request to %s or less (what %s has free), free %s %s on %s, or add a node with at least %s %s allocatable.", [
	r, kube.milli_text(r, best), top, r, kube.milli_text(r, need - best), top, r, kube.milli_text(r, need),
]) |
	some r in {s.resource | some x in verdicts; some s in x.short}
	r != "pods"
	pool := candidates(verdicts)
	best := max([free_of(x, r) | some x in pool])
	top := [x.node | some x in pool; free_of(x, r) == best][0]
	need := [s.need | some x in verdicts; some s in x.short; s.resource == r][0]
]

fix(spec, verdicts, unbound) := concat(" ", array.concat(
	array.concat(
		[sprintf("Change the nodeSelector %s or label a node with it (kubectl label node NODE %s).", [concat(",", ks), concat(" ", ks)]) |
			ks := sort({sprintf("%s=%s", [k, v]) | some k, v in kube.map(spec, ["nodeSelector"]); some x in verdicts; k in x.selector})
			count(ks) > 0
		],
		["Correct the required node affinity to values nodes carry." | count(affinity_lines(spec, verdicts)) > 0],
	),
	array.concat(
		array.concat(
			array.concat(
				[sprintf("Add a toleration for %s if the pod belongs on those nodes.", [concat(", ", ts)]) | ts := sort({t | some x in verdicts; some t in x.taints; not lifecycle_taint(t)}); count(ts) > 0],
				[health_fix(verdicts) | count({t | some x in verdicts; some t in x.taints; lifecycle_taint(t)}) > 0],
			),
			["Uncordon a node (kubectl uncordon NODE) once its maintenance is over." | count([x | some x in verdicts; x.cordoned]) > 0],
		),
		array.concat(
			resource_fixes(verdicts),
			["Bind the claim: check its StorageClass provisions, or create a matching PersistentVolume." | count(unbound) > 0],
		),
	),
))
