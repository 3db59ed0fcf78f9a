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

# pods lists every pod's workload key and readiness, once per query; a
# rule counts one workload's pods with a comprehension comparing .key to a
# variable bound before it, which OPA indexes.
pods := [{"key": key(of(p)), "ready": is_ready(p)} | some p in input.kubernetes.pods]

is_ready(p) := true if kube.ready(p)

else := false

# summary is "2 of 3 pods of Deployment shop/web" for the failing pods of
# one workload (their count) against every pod of it in the bundle.
summary(w, failing) := sprintf("%d of %d pods of %s %s/%s", [failing, total, w.kind, w.namespace, w.name]) if {
	w.kind != "Pod"
	k := key(w)
	total := count([1 | some e in pods; e.key == k])
} else := sprintf("pod %s/%s", [w.namespace, w.name])

# ready_count is how many pods of the workload are Ready.
ready_count(w) := count([1 | some e in pods; e.key == k; e.ready]) if k := key(w)

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

# events of one object (indexed: both compared fields are bound outside).
events_of(ns, kind, name) := [e |
	some e in input.kubernetes.events
	e.involvedObject.namespace == ns
	e.involvedObject.name == name
	object.get(e.involvedObject, "kind", kind) == kind
]
