# METADATA
# title: ResourceQuota and LimitRange keep pods from being created
# description: >-
#   In one namespace, a LimitRange gives containers that state no resources
#   a default request and limit; a ResourceQuota caps what all pods together
#   may request and be limited to, and rejects pods that do not state a
#   resource it tracks. When a default exceeds the quota's hard limit, or the
#   quota tracks limits.* with no default to fill them in, every pod that
#   relies on defaults is rejected: the ReplicaSet logs FailedCreate
#   ("exceeded quota" or "must specify") and the Deployment never gets a pod.
#   This rule compares the two objects exactly (1G is not 1Gi), applies
#   Kubernetes' own defaulting (defaultRequest is taken from default, default
#   from max), checks a LimitRange against itself (default above max, min
#   above max), and joins the FailedCreate events and the Deployments left
#   without pods to the cause.
# custom:
#   id: quota-limitrange
#   category: quota-limitrange
#   severity: high
#   needs: ["kubernetes.resourcequotas|kubernetes.limitranges|kubernetes.events"]
#   remediation: >-
#     Make the LimitRange's default and defaultRequest fit inside the
#     ResourceQuota (lower the defaults or raise the quota), give every
#     resource the quota tracks a LimitRange default or state it in each pod
#     template, and compare quantities with their units: 1G is 10^9 bytes,
#     1Gi is 2^30.
#   references:
#     - https://kubernetes.io/docs/concepts/policy/resource-quotas/
#     - https://kubernetes.io/docs/concepts/policy/limit-range/
#     - https://kubernetes.io/docs/tasks/administer-cluster/manage-resources/quota-memory-cpu-namespace/
package ktriage.rules.kubernetes["quota-limitrange"]

import data.ktriage.lib.kube
import data.ktriage.lib.text
import data.ktriage.lib.sh

# ------------------------------------------------- LimitRange defaulting

container_items(lr) := [[i, item] |
	some i, item in kube.array(lr, ["spec", "limits"])
	is_object(item)
	object.get(item, "type", "Container") == "Container"
]

# The API server fills a Container item in this order: default from max,
# then defaultRequest from default, then from min.
effective_default(item) := object.union(kube.map(item, "max"), kube.map(item, "default"))

effective_request(item) := object.union(
	object.union(kube.map(item, "min"), effective_default(item)),
	kube.map(item, "defaultRequest"),
)

# Where a default came from, for the message.
default_origin(item, r) := "default" if _ = item["default"][r]

default_origin(item, r) := "max (no default set, so Kubernetes uses max)" if {
	not item["default"][r]
	_ = item.max[r]
}

request_origin(item, r) := "defaultRequest" if _ = item.defaultRequest[r]

request_origin(item, r) := "default (no defaultRequest set, so Kubernetes uses default)" if {
	not item.defaultRequest[r]
	_ = effective_default(item)[r]
}

request_origin(item, r) := "min (no defaultRequest or default set, so Kubernetes uses min)" if {
	not item.defaultRequest[r]
	not effective_default(item)[r]
	_ = item.min[r]
}

# ----------------------------------------------- quota keys vs defaults

# What a ResourceQuota key caps, and which LimitRange default fills it.
tracks(key) := {"resource": trim_prefix(key, "limits."), "side": "limit"} if startswith(key, "limits.")

tracks(key) := {"resource": trim_prefix(key, "requests."), "side": "request"} if startswith(key, "requests.")

tracks(key) := {"resource": key, "side": "request"} if key in {"cpu", "memory", "ephemeral-storage"}

default_for(item, "limit", r) := effective_default(item)[r]

default_for(item, "request", r) := effective_request(item)[r]

origin_for(item, "limit", r) := default_origin(item, r)

origin_for(item, "request", r) := request_origin(item, r)

above(a, b) if kube.quantity(a) > kube.quantity(b)

# show_pair prints two quantities, with exact values when units differ, so
# "1Gi > 1G" is not mistaken for equality.
show_pair(a, b, r) := sprintf("%s > %s", [kube.show(a), kube.show(b)]) if {
	unit(a) == unit(b)
} else := sprintf("%s (%s) > %s (%s)", [kube.show(a), exact(a, r), kube.show(b), exact(b, r)])

unit(q) := regex.replace(kube.show(q), `^[0-9.+\-eE]+`, "")

exact(q, "cpu") := sprintf("%sm", [format_int(kube.quantity(q), 10)])

exact(q, r) := sprintf("%s bytes", [format_int(kube.quantity(q) / 1000, 10)]) if r != "cpu"

conflicts(rq, item) := [c |
	some key, hard in kube.map(rq, ["spec", "hard"])
	t := tracks(key)
	d := default_for(item, t.side, t.resource)
	above(d, hard)
	c := {
		"quota_key": key, "hard": hard, "resource": t.resource, "side": t.side,
		"default": d, "from": origin_for(item, t.side, t.resource),
	}
]

conflict_text(c) := sprintf("%s %s %s from %s, above the quota's %s (%s)", [
	c.resource, c.side, kube.show(c.default), c.from, c.quota_key, show_pair(c.default, c.hard, c.resource),
])

# ---------------------------------------------------------- symptoms

ev_object(e) := object.get(e, "involvedObject", object.get(e, "regarding", {}))

ev_message(e) := object.get(e, "message", object.get(e, "note", ""))

ev_count(e) := object.get(e, "count", object.get(e, "deprecatedCount", 1))

quota_events(ns) := [e |
	some e in input.kubernetes.events
	e.metadata.namespace == ns
	e.reason == "FailedCreate"
	regex.match(`exceeded quota|must specify|failed quota`, ev_message(e))
]

# The quota an event names ("exceeded quota: NAME," / "failed quota: NAME:").
event_quota(e) := m[1] if {
	m := regex.find_all_string_submatch_n(`(?:exceeded|failed) quota: ([a-z0-9]([-a-z0-9.]*[a-z0-9])?)`, ev_message(e), 1)[0]
}

# The parts of an "exceeded quota" message: requested, used, limited.
event_numbers(e) := {"requested": m[1], "used": m[2], "limited": m[3]} if {
	m := regex.find_all_string_submatch_n(`requested: ([^ ]+), used: ([^ ]+), limited: ([^ ]+)`, ev_message(e), 1)[0]
}

# The workload an event's controller belongs to, and how many pods it has.
affected(e) := w if {
	ref := ev_object(e)
	ref.kind == "ReplicaSet"
	some rs in input.kubernetes.replicasets
	rs.metadata.namespace == e.metadata.namespace
	rs.metadata.name == ref.name
	w := kube.owner(rs, "Deployment")
} else := w if {
	# The ReplicaSet is not in the bundle: its name is the Deployment's plus a hash.
	ref := ev_object(e)
	ref.kind == "ReplicaSet"
	some w in input.kubernetes.deployments
	w.metadata.namespace == e.metadata.namespace
	startswith(ref.name, concat("", [w.metadata.name, "-"]))
	not contains(substring(ref.name, count(w.metadata.name) + 1, -1), "-")
} else := w if {
	ref := ev_object(e)
	ref.kind != "ReplicaSet"
	some w in input.kubernetes[kube.lower_plural(ref.kind)]
	w.metadata.namespace == e.metadata.namespace
	w.metadata.name == ref.name
}

available(w) := object.get(w, ["status", "availableReplicas"], 0) if w.kind != "DaemonSet"

available(w) := object.get(w, ["status", "numberAvailable"], 0) if w.kind == "DaemonSet"

workload_text(w) := sprintf("%s %s has %v of %v replicas available", [
	w.kind, w.metadata.name, available(w), object.get(w, ["spec", "replicas"], 1),
])

# controllers lists each object the events are about once, with the sum
# of the events' counts.
controllers(evs) := [{"kind": k, "name": n, "count": sum([ev_count(e) | some e in evs; ev_object(e).kind == k; ev_object(e).name == n])} |
	some [k, n] in {[ev_object(e).kind, ev_object(e).name] | some e in evs}
]

symptom_text(evs) := "" if count(evs) == 0

symptom_text(evs) := sprintf(" It is happening: %s.", [concat("; ", array.concat(
	[sprintf("%s %s failed to create pods %s", [c.kind, c.name, text.times(c.count)]) | some c in controllers(evs)],
	[workload_text(w) | w := {affected(e) | some e in evs}[_]],
))]) if count(evs) > 0

symptom_evidence(evs) := array.concat(
	[kube.at(e, ["message"], sprintf("%s ×%v", [e.reason, ev_count(e)])) | some e in array.slice(evs, 0, 5)],
	[kube.at(w, kube.availability_path(w), workload_text(w)) | w := {affected(e) | some e in evs}[_]],
)

symptom_subjects(evs) := [kube.ref(w) | w := {affected(e) | some e in evs}[_]]

confirm(ns) := [
	sh.format("kubectl -n %s describe resourcequota", [ns]),
	sh.format("kubectl -n %s describe limitrange", [ns]),
	sh.format("kubectl -n %s get events --field-selector reason=FailedCreate", [ns]),
	sh.format("kubectl -n %s get deployments,replicasets", [ns]),
]

# ------------------------------------------- cause: default above quota

findings contains f if {
	some rq in input.kubernetes.resourcequotas
	ns := rq.metadata.namespace
	some lr in input.kubernetes.limitranges
	lr.metadata.namespace == ns
	some pair in container_items(lr)
	[i, item] := pair
	cs := conflicts(rq, item)
	count(cs) > 0
	evs := [e | some e in quota_events(ns); event_quota(e) == rq.metadata.name]
	applies(rq, evs)
	f := {
		"message": sprintf("In namespace %s, LimitRange %s gives containers that state no resources %s, but ResourceQuota %s allows less for all pods together (%s): every pod that relies on these defaults is rejected.%s", [
			ns, lr.metadata.name, defaults_text(cs), rq.metadata.name,
			concat(", ", [sprintf("%s: %s", [c.quota_key, show_pair(c.default, c.hard, c.resource)]) | some c in cs]), symptom_text(evs),
		]),
		"subjects": array.concat([kube.ref(rq), kube.ref(lr)], symptom_subjects(evs)),
		"evidence": array.concat(
			array.concat(
				[kube.at(rq, ["spec", "hard", c.quota_key], sprintf("%s: %s", [c.quota_key, kube.show(c.hard)])) | some c in cs],
				[kube.at(lr, ["spec", "limits", i, default_field(item, c), c.resource], conflict_text(c)) | some c in cs],
			),
			symptom_evidence(evs),
		),
		"confirm": confirm(ns),
		"fix": sprintf("Lower the defaults of LimitRange %s/%s to fit ResourceQuota %s (%s), or raise the quota; state requests and limits explicitly in pod templates that need more.", [
			ns, lr.metadata.name, rq.metadata.name,
			concat(", ", [sprintf("%s ≤ %s", [c.quota_key, kube.show(c.hard)]) | some c in cs]),
		]),
		"details": {
			"reason": "default-exceeds-quota",
			"namespace": ns,
			"resource_quota": rq.metadata.name,
			"limit_range": lr.metadata.name,
			"conflicts": cs,
			"events": count(evs),
		},
	}
}

# defaults_text says what the LimitRange hands out, by side, and where a
# value was inherited: "default limits cpu=2, memory=2Gi and default
# requests cpu=2, memory=2Gi (taken from default: no defaultRequest set)".
defaults_text(cs) := concat(" and ", [side_text(cs, side) | some side in ["limit", "request"]; count([c | some c in cs; c.side == side]) > 0])

side_text(cs, side) := sprintf("default %ss %s%s", [
	side,
	concat(", ", sort({sprintf("%s=%s", [c.resource, kube.show(c.default)]) | some c in cs; c.side == side})),
	origin_note({c.from | some c in cs; c.side == side}),
])

origin_note(froms) := "" if froms == {"default"}

origin_note(froms) := "" if froms == {"defaultRequest"}

origin_note(froms) := sprintf(" (taken from %s)", [concat("; ", sort({trim_suffix(replace(f, " (", ": "), ")") | some f in froms; f != "default"; f != "defaultRequest"}))]) if {
	count({f | some f in froms; f != "default"; f != "defaultRequest"}) > 0
}

default_field(item, c) := "default" if {
	c.side == "limit"
	_ = item["default"][c.resource]
} else := "max" if {
	c.side == "limit"
} else := "defaultRequest" if {
	_ = item.defaultRequest[c.resource]
} else := "default" if {
	_ = item["default"][c.resource]
} else := "min"

# ------------------------------- cause: a LimitRange at odds with itself

self_conflicts(item) := array.concat(
	array.concat(
		[sprintf("default %s %s is above max %s", [r, kube.show(d), kube.show(item.max[r])]) |
			some r, d in kube.map(item, "default")
			above(d, item.max[r])
		],
		[sprintf("min %s %s is above max %s", [r, kube.show(m), kube.show(item.max[r])]) |
			some r, m in kube.map(item, "min")
			above(m, item.max[r])
		],
	),
	array.concat(
		[sprintf("defaultRequest %s %s is above the default limit %s", [r, kube.show(d), kube.show(effective_default(item)[r])]) |
			some r, d in kube.map(item, "defaultRequest")
			above(d, effective_default(item)[r])
		],
		[sprintf("defaultRequest %s %s is below min %s", [r, kube.show(d), kube.show(item.min[r])]) |
			some r, d in kube.map(item, "defaultRequest")
			above(item.min[r], d)
		],
	),
)

findings contains f if {
	some lr in input.kubernetes.limitranges
	ns := lr.metadata.namespace
	some i, item in kube.array(lr, ["spec", "limits"])
	problems := self_conflicts(item)
	count(problems) > 0
	f := {
		"message": sprintf("LimitRange %s/%s (%s) contradicts itself: %s. The API server refuses such a LimitRange; if this is a manifest it was never applied, and a pod given these values would be rejected.", [
			ns, lr.metadata.name, object.get(item, "type", "Container"), concat("; ", problems),
		]),
		"subjects": [kube.ref(lr)],
		"evidence": [kube.at(lr, ["spec", "limits", i], concat("; ", problems))],
		"confirm": [sh.format("kubectl -n %s get limitrange %s -o yaml", [ns, lr.metadata.name])],
		"fix": "Order the values as min ≤ defaultRequest ≤ default ≤ max for every resource.",
		"details": {"reason": "limitrange-inconsistent", "namespace": ns, "limit_range": lr.metadata.name, "problems": problems},
	}
}

# ------------------------- cause: quota tracks what nothing fills in

# Pod templates of the namespace's workloads (bare ReplicaSets included,
# those a Deployment owns left to the Deployment).
templates(ns) := [w |
	some kind in ["deployments", "statefulsets", "daemonsets", "replicasets", "jobs"]
	some w in kube.array(input.kubernetes, kind)
	w.metadata.namespace == ns
	count(kube.array(w, ["metadata", "ownerReferences"])) == 0
]

# A container leaves a tracked resource to defaults: limits.r needs a limit;
# requests.r is satisfied by a request or a limit (requests default to limits).
unstated(c, "limit", r) if not c.resources.limits[r]

unstated(c, "request", r) if {
	not c.resources.requests[r]
	not c.resources.limits[r]
}

has_default(ns, side, r) if {
	some lr in input.kubernetes.limitranges
	lr.metadata.namespace == ns
	some pair in container_items(lr)
	_ = default_for(pair[1], side, r)
}

# A quota with scopes (Terminating, BestEffort, PriorityClass …) counts
# only the pods its scopes select; which pods those are is not judged
# here, so such a quota is a cause only where its own events show it
# rejecting pods.
scoped(rq) if count(kube.array(rq, ["spec", "scopes"])) > 0

scoped(rq) if count(kube.array(rq, ["spec", "scopeSelector", "matchExpressions"])) > 0

applies(rq, _) if not scoped(rq)

applies(rq, evs) if {
	scoped(rq)
	count(evs) > 0
}

notices contains sprintf("ResourceQuota %s/%s has scopes: its limits were not compared with LimitRange defaults (only its FailedCreate events were)", [rq.metadata.namespace, rq.metadata.name]) if {
	some rq in input.kubernetes.resourcequotas
	scoped(rq)
}

limitranges_known if input.available["kubernetes.limitranges"]

findings contains f if {
	limitranges_known
	some rq in input.kubernetes.resourcequotas
	ns := rq.metadata.namespace
	missing := {key |
		some key, _ in kube.map(rq, ["spec", "hard"])
		t := tracks(key)
		t.resource in {"cpu", "memory", "ephemeral-storage"}
		not has_default(ns, t.side, t.resource)
	}
	count(missing) > 0
	lacking := [{"workload": w, "container": c.name, "keys": keys} |
		some w in templates(ns)
		some c in kube.array(w, ["spec", "template", "spec", "containers"])
		keys := [k | some k in missing; t := tracks(k); unstated(c, t.side, t.resource)]
		count(keys) > 0
	]
	evs := [e | some e in quota_events(ns); event_quota(e) == rq.metadata.name; contains(ev_message(e), "must specify")]
	count(lacking) + count(evs) > 0
	applies(rq, evs)
	keys := problem_keys(missing, lacking, evs)
	f := {
		"message": sprintf("In namespace %s, ResourceQuota %s tracks %s but no LimitRange gives a default for %s, and %s: the quota rejects such pods (\"must specify\").%s", [
			ns, rq.metadata.name, concat(", ", keys), plural_it(keys), lacking_text(lacking), symptom_text(evs),
		]),
		"subjects": array.concat(array.concat([kube.ref(rq)], [kube.ref(l.workload) | some l in lacking]), symptom_subjects(evs)),
		"evidence": array.concat(
			array.concat(
				[kube.at(rq, ["spec", "hard", k], sprintf("%s tracked, no default", [k])) | some k in sort(missing)],
				[kube.at(l.workload, ["spec", "template", "spec", "containers"], sprintf("container %s states no %s", [l.container, concat(", ", l.keys)])) | some l in array.slice(lacking, 0, 5)],
			),
			symptom_evidence(evs),
		),
		"confirm": confirm(ns),
		"fix": sprintf("Add a LimitRange to namespace %s with default (and defaultRequest) values for %s, or state them in every container of the pod templates.", [ns, concat(", ", sort(missing))]),
		"details": {
			"reason": "quota-without-default",
			"namespace": ns,
			"resource_quota": rq.metadata.name,
			"missing_defaults": sort(missing),
			"containers": [{"workload": kube.ref(l.workload), "container": l.container, "missing": l.keys} | some l in lacking],
		},
	}
}

# The keys to talk about: those some container leaves unstated, else those
# the events name, else every key without a default.
problem_keys(missing, lacking, evs) := sort({k | some l in lacking; some k in l.keys}) if {
	count(lacking) > 0
} else := sort({k | some k in missing; some e in evs; contains(ev_message(e), k)}) if {
	count({k | some k in missing; some e in evs; contains(ev_message(e), k)}) > 0
} else := sort(missing)

plural_it(keys) := "it" if count(keys) == 1

plural_it(keys) := "them" if count(keys) > 1

lacking_text(lacking) := "the pod templates in the bundle state them, but pods are still rejected (a template outside the bundle, or a Job or bare pod)" if count(lacking) == 0

lacking_text(lacking) := sprintf("%d container(s) in pod templates state none of them (%s)", [
	count(lacking),
	concat(", ", [sprintf("container %s of %s %s", [l.container, l.workload.kind, l.workload.metadata.name]) | some l in array.slice(lacking, 0, 3)]),
]) if count(lacking) > 0

# --------------------------------- symptom without a cause in the bundle

explained(e) if {
	some rq in input.kubernetes.resourcequotas
	rq.metadata.namespace == e.metadata.namespace
	rq.metadata.name == event_quota(e)
	some lr in input.kubernetes.limitranges
	lr.metadata.namespace == e.metadata.namespace
	some pair in container_items(lr)
	count(conflicts(rq, pair[1])) > 0
}

explained(e) if {
	contains(ev_message(e), "must specify")
	limitranges_known
	some rq in input.kubernetes.resourcequotas
	rq.metadata.namespace == e.metadata.namespace
	rq.metadata.name == event_quota(e)
}

# Symptoms no cause in the bundle explains, one finding per controller.
unexplained := {[e.metadata.namespace, ev_object(e).kind, ev_object(e).name] |
	some e in input.kubernetes.events
	e.reason == "FailedCreate"
	regex.match(`exceeded quota|must specify|failed quota`, ev_message(e))
	not explained(e)
}

findings contains f if {
	some [ns, kind, name] in unexplained
	evs := [e |
		some e in input.kubernetes.events
		e.metadata.namespace == ns
		ev_object(e).kind == kind
		ev_object(e).name == name
		e.reason == "FailedCreate"
		regex.match(`exceeded quota|must specify|failed quota`, ev_message(e))
	]
	latest := evs[count(evs) - 1]
	ws := {w | some e in evs; w := affected(e)}
	total := sum([ev_count(e) | some e in evs])
	f := {
		"message": sprintf("%s %s/%s cannot create pods (%v failed attempts): %s.%s%s", [
			kind, ns, name, total, quota_reason(latest),
			concat("", [sprintf(" %s.", [workload_text(w)]) | some w in ws]),
			cause_unknown_text(latest),
		]),
		"subjects": array.concat([{"kind": kind, "namespace": ns, "name": name}], [kube.ref(w) | some w in ws]),
		"evidence": array.concat([kube.at(e, ["message"], sprintf("%s ×%v", [e.reason, ev_count(e)])) | some e in array.slice(evs, 0, 5)], [kube.at(w, kube.availability_path(w), workload_text(w)) | some w in ws]),
		"confirm": confirm(ns),
		"fix": "Compare what the pod template requests with what the quota has left: lower the template's requests and limits, free quota, or raise it.",
		"details": {
			"reason": "quota-rejects-pods",
			"namespace": ns,
			"resource_quota": event_quota_or_null(latest),
			"numbers": event_numbers_or_empty(latest),
			"failed_attempts": total,
		},
	}
}

event_quota_or_null(e) := event_quota(e) if {
	event_quota(e)
} else := null

event_numbers_or_empty(e) := event_numbers(e) if {
	event_numbers(e)
} else := {}

quota_reason(e) := sprintf("quota %s is exceeded (requested %s, already used %s, limit %s)", [
	event_quota(e), n.requested, n.used, n.limited,
]) if {
	n := event_numbers(e)
} else := sprintf("quota %s wants %s", [event_quota(e), must_specify(e)]) if {
	must_specify(e)
} else := ev_message(e)

must_specify(e) := m[0] if {
	m := regex.find_n(`must specify [^"]*`, ev_message(e), 1)
	count(m) > 0
}

cause_unknown_text(e) := " The bundle has no ResourceQuota or LimitRange objects, so the cause could not be checked: collect them with kubectl get resourcequota,limitrange -A -o yaml." if {
	not input.available["kubernetes.resourcequotas"]
} else := ""

# --------------------------------------------------------------- notices

notices contains "the bundle has no ResourceQuota or LimitRange objects (kubectl cluster-info dump does not include them): only FailedCreate events were checked; collect them with kubectl get resourcequota,limitrange -A -o yaml" if {
	not input.available["kubernetes.resourcequotas"]
	not input.available["kubernetes.limitranges"]
}
