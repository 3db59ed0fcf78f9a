# Helpers for rules that report pods per workload: a person manages a
# Deployment, not its ReplicaSet's fifth replica, so the rules of
# rules/workloads give one finding per workload ("3 of 3 pods of
# Deployment shop/web") and name two of its pods. The one place that
# resolves a pod's owner.
package ktriage.lib.workload

import data.ktriage.lib.kube

# controllers maps "namespace/kind/name" of every ReplicaSet and Job to the
# controller that owns it (a Deployment, a CronJob), so resolving a pod's
# workload is two lookups instead of a scan of every ReplicaSet. ktriage
# builds it in Go once for every rule (input.index, docs/facts.md); the
# comprehension, a complete rule built once per query, is for inputs
# without it.
controllers := input.index.controllers if {
	is_object(input.index.controllers)
} else := {sprintf("%s/%s/%s", [kube.namespace(o), kind, o.metadata.name]): r |
	some plural, kind in {"replicasets": "ReplicaSet", "jobs": "Job"}
	some o in kube.array(input.kubernetes, [plural])
	r := controllers_of(o)[0]
}

# The API allows one controller reference; a damaged object may hold more,
# and the first is taken.
controllers_of(o) := [r | some r in kube.array(o, ["metadata", "ownerReferences"]); object.get(r, "controller", false) == true]

# controller_ref is the reference to the object that manages a pod (the one
# marked controller, else the first owner).
controller_ref(obj) := controllers_of(obj)[0] if {
	count(controllers_of(obj)) > 0
} else := r if {
	r := kube.array(obj, ["metadata", "ownerReferences"])[0]
}

# of is the workload of a pod (or of a Job) as {kind, namespace, name}: the
# object a person manages, the Deployment behind its ReplicaSet, the
# CronJob behind its Job, its StatefulSet, DaemonSet or Job; an object
# nobody owns is its own workload. When the ReplicaSet is not in the
# bundle, the Deployment is inferred from the name the deployment
# controller gives it (<deployment>-<pod-template-hash>), marked
# "inferred".
of(pod) := w if {
	r := controller_ref(pod)
	up := controllers[sprintf("%s/%s/%s", [kube.namespace(pod), r.kind, r.name])]
	w := {"kind": up.kind, "namespace": kube.namespace(pod), "name": up.name}
} else := w if {
	r := controller_ref(pod)
	r.kind == "ReplicaSet"
	hash := kube.labels(pod)["pod-template-hash"]
	endswith(r.name, concat("", ["-", hash]))
	w := {"kind": "Deployment", "namespace": kube.namespace(pod), "name": trim_suffix(r.name, concat("", ["-", hash])), "inferred": true}
} else := w if {
	# a static pod's mirror is "owned" by its Node: it is its own workload
	r := controller_ref(pod)
	r.kind != "Node"
	w := {"kind": r.kind, "namespace": kube.namespace(pod), "name": r.name}
} else := {"kind": object.get(pod, "kind", "Pod"), "namespace": kube.namespace(pod), "name": pod.metadata.name}

# key is a workload as one string, for grouping pods by it.
key(w) := sprintf("%s/%s/%s", [w.namespace, w.kind, w.name])

# objects maps key to the workload object (Deployment, StatefulSet,
# DaemonSet, Job, CronJob, ReplicaSet), so a rule finds a workload with one
# lookup instead of scanning every Deployment; from input.index as
# controllers.
objects := input.index.workloads if {
	is_object(input.index.workloads)
} else := {key({"kind": kind, "namespace": kube.namespace(o), "name": o.metadata.name}): o |
	some plural, kind in {"deployments": "Deployment", "statefulsets": "StatefulSet", "daemonsets": "DaemonSet", "jobs": "Job", "cronjobs": "CronJob", "replicasets": "ReplicaSet"}
	some o in kube.array(input.kubernetes, [plural])
}

# replica_counts is what a workload's controller reports: the pods it wants
# and how many are ready (undefined for Jobs, bare pods, workloads the
# bundle does not hold and described ones, whose text shows no ready count:
# count their pods instead).
replica_counts(w) := {"total": object.get(o, ["spec", "replicas"], 1), "ready": object.get(o, ["status", "readyReplicas"], 0)} if {
	w.kind in {"Deployment", "StatefulSet", "ReplicaSet"}
	o := objects[key(w)]
	not "status.readyReplicas" in kube.not_shown(o)
}

replica_counts(w) := {"total": object.get(o, ["status", "desiredNumberScheduled"], 0), "ready": object.get(o, ["status", "numberReady"], 0)} if {
	w.kind == "DaemonSet"
	o := objects[key(w)]
	not "status.numberReady" in kube.not_shown(o)
}

# pod_counts counts a workload's pods and ready pods: from its controller's
# status when the bundle holds it (no pod scan), else from the pods given
# (the namespace's, narrowed by the caller's indexed comprehension).
pod_counts(w, ns_pods) := c if {
	c := replica_counts(w)
} else := {"total": count(mine), "ready": count([p | some p in mine; kube.ready(p)])} if {
	k := key(w)
	mine := [p | some p in ns_pods; key(of(p)) == k]
}

# pods_in groups pods by namespace (lib/kube: once for all rules, or once
# per query where ktriage's index is absent). A workload's pods are then found
# among its namespace's, and only the workloads a finding names are
# resolved: resolving every pod of the bundle in each rule that reports
# per workload cost more than the rule's own work.
pods_in := kube.pods_by_namespace

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

# The kubelet's words for a container it cannot configure
# (pkg/kubelet/kubelet_pods.go: the API's NotFound `configmap "x" not
# found` / `secret "x" not found`, and fmt.Errorf("couldn't find key %v in
# ConfigMap %v/%v", ...), the same for Secret). volume-mount reports them;
# crashloop, which sees the same CreateContainerConfigError, points there.
config_missing_re := `(configmap|secret) "([^"]+)" not found`

key_missing_re := `couldn't find key (\S+) in (ConfigMap|Secret) (\S+)`

config_missing(message) if {
	is_string(message)
	some re in [config_missing_re, key_missing_re]
	regex.match(re, message)
}

# events_by_object maps "namespace/name" of an involved object to its
# events in the bundle's order. Built once per query: the comprehension
# compares fields with variables bound before it in a rule body, which OPA
# indexes (one pass over the events, then lookups). It iterates the set of
# distinct objects, not every event: an object comprehension that produces
# the same key again (once per event of an object) costs time quadratic in
# the events in OPA's evaluator (3,000 events 0.18 s, 15,000 4.2 s).
# As pods_in, read from input.index when ktriage built it.
events_by_object := input.index.events_by_object if {
	is_object(input.index.events_by_object)
} else := {concat("/", pair): evs |
	some pair in {[e.involvedObject.namespace, e.involvedObject.name] | some e in input.kubernetes.events}
	ns := pair[0]
	name := pair[1]
	evs := [e | some e in input.kubernetes.events; e.involvedObject.namespace == ns; e.involvedObject.name == name]
}
