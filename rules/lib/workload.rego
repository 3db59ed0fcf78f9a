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

# pods_in groups pods by namespace once per query, reading one field of
# each (the inner comprehension compares it with ns, bound before it in
# this rule's body, which OPA indexes). A workload's pods are then found
# among its namespace's, and only the workloads a finding names are
# resolved: resolving every pod of the bundle in each rule that reports
# per workload cost more than the rule's own work.
pods_in := {ns: ps |
	some ns in {kube.namespace(p) | some p in input.kubernetes.pods}
	ps := [p | some p in input.kubernetes.pods; kube.namespace(p) == ns]
}

# pod_stats counts a workload's pods and Ready pods. Every pod's workload
# is in the pod's namespace (of), so the namespace's pods are all it reads.
pod_stats(w) := {"total": count(mine), "ready": count([1 | some p in mine; kube.ready(p)])} if {
	k := key(w)
	mine := [p | some p in object.get(pods_in, w.namespace, []); key(of(p)) == k]
}

# summary is "2 of 3 pods of Deployment shop/web" for the failing pods of
# one workload (their count) against every pod of it in the bundle.
summary(w, failing) := sprintf("%d of %d pods of %s %s/%s", [failing, total, w.kind, w.namespace, w.name]) if {
	w.kind != "Pod"
	total := pod_stats(w).total
} else := sprintf("pod %s/%s", [w.namespace, w.name])

# ready_count is how many pods of the workload are Ready.
ready_count(w) := pod_stats(w).ready

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
