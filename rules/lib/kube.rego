# Helpers for rules over Kubernetes objects. Objects keep their API shape
# (docs/facts.md); these functions only spare every rule the same guards.
package ktriage.lib.kube

# ref names an object in a finding's subjects and evidence.
ref(obj) := {
	"kind": obj.kind,
	"namespace": namespace(obj),
	"name": obj.metadata.name,
}

namespace(obj) := object.get(obj, ["metadata", "namespace"], "")

# labels is {} for objects without labels (or with "labels": null).
labels(obj) := l if {
	l := map(obj, ["metadata", "labels"])
	is_object(l)
} else := {}

# at cites a field of an object; the report turns it into file:line.
at(obj, path, note) := {"object": ref(obj), "path": path, "note": note}

# cite cites a whole object.
cite(obj, note) := {"object": ref(obj), "path": [], "note": note}

# selects reports whether every key of a label selector map is in labels
# with the same value (an empty selector selects nothing here: Services
# with no selector are managed by hand).
selects(selector, lbls) if {
	count(selector) > 0
	object.subset(lbls, selector)
}

# not_shown is the set of fields an object's source does not show: a
# partial object read from kubectl describe text lists them in its
# ktriage.io/not-shown annotation (docs/facts.md, "Partial objects"), so a
# rule can tell "absent" from "not shown". Empty for objects read whole.
not_shown(obj) := {f | some f in split(obj.metadata.annotations["ktriage.io/not-shown"], ",")} if {
	is_string(obj.metadata.annotations["ktriage.io/not-shown"])
} else := set()

# ready is true for a running pod whose Ready condition is True.
ready(pod) if {
	some c in array(pod, ["status", "conditions"])
	c.type == "Ready"
	c.status == "True"
}

# containers of a pod or of a pod template spec: the regular ones and the
# native sidecars (init containers with restartPolicy Always, Kubernetes
# 1.28+), which run beside them for the pod's life and whose named ports
# Services resolve (Istio and Linkerd inject their proxies this way).
containers(spec) := [c |
	some list in [array(spec, "containers"), [s | some s in array(spec, "initContainers"); s.restartPolicy == "Always"]]
	some c in list
]

# quantity is a resource quantity in milli-units, exact: strings through the
# facts' table (apimachinery's parser), numbers as cores or bytes.
quantity(q) := input.quantities[q] if is_string(q)

quantity(q) := q * 1000 if is_number(q)

# int is a decimal integer written as text (a label value, a sysctl), read
# as strconv.ParseInt reads it; undefined for text that is none, where
# to_number would fail the rule ("fast", "40x96", "1.5", "0x10").
int(s) := to_number(s) if {
	is_string(s)
	regex.match(`^[+-]?[0-9]{1,18}$`, s)
}

# time_ns is an RFC 3339 time (a container's startedAt, say) in
# nanoseconds since the epoch, and undefined for text that is not one,
# where time.parse_rfc3339_ns fails the rule. It accepts what Go's
# time.Parse(time.RFC3339, …) does, within the years nanoseconds since the
# epoch can count (1679 to 2261 here).
time_ns(s) := time.parse_rfc3339_ns(s) if {
	is_string(s)
	[m] := regex.find_all_string_submatch_n(`^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})([.,]\d+)?(Z|[+-]\d{2}:\d{2})$`, s, 1)
	year := to_number(m[1])
	month := to_number(m[2])
	year > 1678
	year < 2262
	month >= 1
	month <= 12
	to_number(m[3]) >= 1
	to_number(m[3]) <= month_days(year, month)
	to_number(m[4]) < 24
	to_number(m[5]) < 60
	to_number(m[6]) < 60
}

month_days(y, 2) := 29 if {
	y % 4 == 0
	y % 100 != 0
} else := 29 if {
	y % 400 == 0
} else := 28

month_days(_, m) := 30 if m in {4, 6, 9, 11}

month_days(_, m) := 31 if m in {1, 3, 5, 7, 8, 10, 12}

# show prints a quantity as the object spells it.
show(q) := q if is_string(q)

show(q) := sprintf("%v", [q]) if not is_string(q)

# deployment_of returns the Deployment that owns a ReplicaSet.
owner(obj, kind) := o if {
	some r in array(obj, ["metadata", "ownerReferences"])
	r.kind == kind
	some o in input.kubernetes[lower_plural(kind)]
	o.metadata.name == r.name
	namespace(o) == namespace(obj)
}

lower_plural(kind) := "deployments" if kind == "Deployment"

lower_plural(kind) := "replicasets" if kind == "ReplicaSet"

lower_plural(kind) := "statefulsets" if kind == "StatefulSet"

lower_plural(kind) := "daemonsets" if kind == "DaemonSet"

# format_labels prints a label map as k=v,k=v in key order.
format_labels(m) := concat(",", [sprintf("%s=%s", [k, m[k]]) | some k in sort(object.keys(m))])

# availability_path is the field that shows how many replicas a workload
# has available (absent when none: then the desired count is cited).
availability_path(w) := ["status", "availableReplicas"] if {
	w.status.availableReplicas
} else := ["status", "numberAvailable"] if {
	w.status.numberAvailable
} else := ["status", "unavailableReplicas"] if {
	w.status.unavailableReplicas
} else := ["spec", "replicas"] if {
	w.spec.replicas
} else := ["status"]

# array and map read a field that may be absent or null (old kubectl dumps
# write "Args": null; empty lists can be null in any JSON): the default
# object.get gives only covers absent keys. x itself may be no object (a
# container entry that is a string in a damaged file): then there is no
# field, where object.get's type error would stop the rule.
array(x, path) := v if {
	is_object(x)
	v := object.get(x, path, [])
	is_array(v)
} else := []

map(x, path) := v if {
	is_object(x)
	v := object.get(x, path, {})
	is_object(v)
} else := {}

# milli_text prints milli-units for people: cpu in cores ("3.42"), bytes in
# Gi/Mi/Ki or plain bytes, counts as integers.
milli_text(resource, m) := sprintf("%v", [round(m) / 1000]) if {
	not byte_resource(resource)
} else := sprintf("%.2fGi", [(m / 1000) / 1073741824]) if {
	m >= 1073741824000
} else := sprintf("%.0fMi", [(m / 1000) / 1048576]) if {
	m >= 1048576000
} else := sprintf("%v bytes", [round(m / 1000)])

byte_resource(r) if r in {"memory", "ephemeral-storage"}

byte_resource(r) if startswith(r, "hugepages-")

# pods_by_node maps spec.nodeName to the pods bound to that node,
# terminated ones included. ktriage builds it in Go once for every rule
# (input.index, docs/facts.md); the comprehension is for inputs without it
# (`opa eval` over `ktriage facts` output, unit tests).
pods_by_node := input.index.pods_by_node if {
	is_object(input.index.pods_by_node)
} else := {name: ps |
	some name in {p.spec.nodeName | some p in input.kubernetes.pods}
	ps := [p | some p in input.kubernetes.pods; p.spec.nodeName == name]
}

# selected is the pods of namespace ns whose labels hold every pair of the
# selector map sel (selects). With ktriage's index (input.index.pods_by_label,
# docs/facts.md) only the pods carrying one of the selector's pairs are
# tested, not every pod of the namespace for every Service.
selected(ns, sel) := [p | some p in candidates(ns, sel); selects(sel, labels(p))]

candidates(ns, sel) := object.get(input.index.pods_by_label, concat("", [ns, "/", k, "=", sel[k]]), []) if {
	is_object(input.index.pods_by_label)
	is_string(ns)
	count(sel) > 0
	k := min(object.keys(sel))
	is_string(sel[k])
} else := object.get(pods_by_namespace, ns, [])

# pods_waiting is the pods that may be waiting for something, in the
# bundle's order: Pending, or a container (init or not) in a waiting
# state, or container statuses not given as a list (a pod read from a
# table or a fragment). Rules about pods stuck before they run (image
# pulls, volumes) look only at these: on a large healthy bundle that is
# almost none. Built in Go like pods_by_node, else here.
pods_waiting := input.index.pods_waiting if {
	is_array(input.index.pods_waiting)
} else := [p | some p in input.kubernetes.pods; may_wait(p)]

may_wait(p) if object.get(p, ["status", "phase"], "") == "Pending"

may_wait(p) if not is_array(object.get(p, ["status", "containerStatuses"], null))

may_wait(p) if {
	x := p.status.initContainerStatuses
	x != null
	not is_array(x)
}

may_wait(p) if {
	some list in ["containerStatuses", "initContainerStatuses"]
	some s in array(p, ["status", list])
	s.state.waiting
}

# pods_by_namespace maps a namespace (namespace(p): "" when absent) to its
# pods; built in Go like pods_by_node, else here (the inner comprehension
# compares the namespace with a variable bound before it, which OPA
# indexes).
pods_by_namespace := input.index.pods_by_namespace if {
	is_object(input.index.pods_by_namespace)
} else := {ns: ps |
	some ns in {namespace(p) | some p in input.kubernetes.pods}
	ps := [p | some p in input.kubernetes.pods; namespace(p) == ns]
}
