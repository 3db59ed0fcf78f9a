# Helpers for rules that report pods per workload: a person manages a
# Deployment, not its ReplicaSet's fifth replica, so image-pull,
# volume-mount and probe give one finding per workload ("3 of 3 pods of
# Deployment shop/web") and name two of its pods.
package ktriage.lib.workload

import data.ktriage.lib.kube

# controllers maps "namespace/kind/name" of every ReplicaSet and Job to the
# controller that owns it. A complete rule: OPA builds it once per query,
# so resolving a pod's workload is a lookup, not a scan of ReplicaSets.
controllers := {sprintf("%s/%s/%s", [kube.namespace(o), kind, o.metadata.name]): r |
	some plural, kind in {"replicasets": "ReplicaSet", "jobs": "Job"}
	some o in kube.array(input.kubernetes, [plural])
	some r in kube.array(o, ["metadata", "ownerReferences"])
	object.get(r, "controller", false) == true
}

# controller_ref is the owner marked controller, else the first owner.
controller_ref(obj) := r if {
	some r in kube.array(obj, ["metadata", "ownerReferences"])
	object.get(r, "controller", false) == true
} else := r if {
	r := kube.array(obj, ["metadata", "ownerReferences"])[0]
}

# of is the workload of a pod as {kind, namespace, name}: the Deployment
# behind its ReplicaSet, the CronJob behind its Job, its StatefulSet,
# DaemonSet or Job; a pod nobody owns is its own workload. Without the
# ReplicaSet in the bundle the Deployment is read from the name the
# deployment controller gives it (<deployment>-<pod-template-hash>).
of(pod) := w if {
	r := controller_ref(pod)
	up := controllers[sprintf("%s/%s/%s", [kube.namespace(pod), r.kind, r.name])]
	w := {"kind": up.kind, "namespace": kube.namespace(pod), "name": up.name}
} else := w if {
	r := controller_ref(pod)
	r.kind == "ReplicaSet"
	hash := kube.labels(pod)["pod-template-hash"]
	endswith(r.name, concat("", ["-", hash]))
	w := {"kind": "Deployment", "namespace": kube.namespace(pod), "name": trim_suffix(r.name, concat("", ["-", hash]))}
} else := w if {
	r := controller_ref(pod)
	w := {"kind": r.kind, "namespace": kube.namespace(pod), "name": r.name}
} else := {"kind": "Pod", "namespace": kube.namespace(pod), "name": pod.metadata.name}

key(w) := sprintf("%s/%s/%s", [w.namespace, w.kind, w.name])

# pods lists every pod's workload key and readiness, once per query.
pods := [{"key": key(of(p)), "ready": is_ready(p)} | some p in input.kubernetes.pods]

# pod_stats counts each workload's pods and Ready pods, by key. A complete
# rule, built once per query: OPA indexes the inner comprehension (it
# compares .key with k, bound in this rule's body), where the same
# comprehension in a function body would scan every pod on every call.
pod_stats := {k: {"total": count(mine), "ready": count([1 | some e in mine; e.ready])} |
	some k in {e.key | some e in pods}
	mine := [e | some e in pods; e.key == k]
}

is_ready(p) := true if kube.ready(p)

else := false

# summary is "2 of 3 pods of Deployment shop/web" for the failing pods of
# one workload (their count) against every pod of it in the bundle.
summary(w, failing) := sprintf("%d of %d pods of %s %s/%s", [failing, total, w.kind, w.namespace, w.name]) if {
	w.kind != "Pod"
	total := object.get(pod_stats, [key(w), "total"], 0)
} else := sprintf("pod %s/%s", [w.namespace, w.name])

# ready_count is how many pods of the workload are Ready.
ready_count(w) := object.get(pod_stats, [key(w), "ready"], 0)

# severity: critical when the workload has no Ready pod, high when some.
severity(w) := "critical" if ready_count(w) == 0

else := "high"

# named is "pods a and b" (or "pod a", or "pods a, b and 3 more") for a
# sorted list of pod names: two are named, the rest counted.
named([n]) := sprintf("pod %s", [n])

named(ns) := sprintf("pods %s and %s", [ns[0], ns[1]]) if count(ns) == 2

named(ns) := sprintf("pods %s, %s and %d more", [ns[0], ns[1], count(ns) - 2]) if count(ns) > 2

# ref of the workload for a finding's subjects.
subject(w) := {"kind": w.kind, "namespace": w.namespace, "name": w.name}

# events of one object. A lookup in events_by_object: a comprehension
# over every event in this function's body would not be indexed (OPA
# indexes comprehensions in rule bodies only) and cost a scan of every
# event per call.
events_of(ns, kind, name) := [e |
	some e in object.get(events_by_object, concat("/", [ns, name]), [])
	object.get(e.involvedObject, "kind", kind) == kind
]

# events_by_object maps "namespace/name" of an involved object to its
# events in the bundle's order. Built once per query: the comprehension
# compares fields with variables bound before it in a rule body, which OPA
# indexes (one pass over the events, then lookups). It iterates the set of
# distinct objects, not every event: an object comprehension that produces
# the same key again (once per event of an object) costs time quadratic in
# the events in OPA's evaluator (3,000 events 0.18 s, 15,000 4.2 s).
events_by_object := {concat("/", pair): evs |
	some pair in {[e.involvedObject.namespace, e.involvedObject.name] | some e in input.kubernetes.events}
	ns := pair[0]
	name := pair[1]
	evs := [e | some e in input.kubernetes.events; e.involvedObject.namespace == ns; e.involvedObject.name == name]
}
