package ktriage.rules.kubernetes["quota-limitrange_test"]

import data.ktriage.rules.kubernetes["quota-limitrange"] as rule

# ------------------------------------------------------------ builders

quota(ns, name, hard) := {
	"kind": "ResourceQuota", "apiVersion": "v1",
	"metadata": {"namespace": ns, "name": name},
	"spec": {"hard": hard},
}

limitrange(ns, name, item) := {
	"kind": "LimitRange", "apiVersion": "v1",
	"metadata": {"namespace": ns, "name": name},
	"spec": {"limits": [object.union({"type": "Container"}, item)]},
}

deployment(ns, name, resources, available) := {
	"kind": "Deployment", "apiVersion": "apps/v1",
	"metadata": {"namespace": ns, "name": name},
	"spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "app", "image": "app:1", "resources": resources}]}}},
	"status": {"availableReplicas": available},
}

replicaset(ns, name, owner) := {
	"kind": "ReplicaSet", "apiVersion": "apps/v1",
	"metadata": {"namespace": ns, "name": name, "ownerReferences": [{"kind": "Deployment", "name": owner}]},
	"spec": {"replicas": 1},
}

failed_create(ns, rs, msg) := {
	"kind": "Event", "apiVersion": "v1",
	"metadata": {"namespace": ns, "name": concat(".", [rs, "17a"])},
	"involvedObject": {"kind": "ReplicaSet", "namespace": ns, "name": rs},
	"reason": "FailedCreate", "type": "Warning", "count": 14, "message": msg,
}

# Quantities as the facts builder provides them (milli-units, exact).
quantities := {
	"1": 1000, "2": 2000, "500m": 500, "250m": 250, "4": 4000,
	"1G": 1000000000000, "1Gi": 1073741824000, "2Gi": 2147483648000, "512Mi": 536870912000,
}

cluster(objs) := {
	"available": {k: true | some o in objs; k := concat("", ["kubernetes.", plural[o.kind]])},
	"kubernetes": {
		"resourcequotas": [o | some o in objs; o.kind == "ResourceQuota"],
		"limitranges": [o | some o in objs; o.kind == "LimitRange"],
		"deployments": [o | some o in objs; o.kind == "Deployment"],
		"replicasets": [o | some o in objs; o.kind == "ReplicaSet"],
		"statefulsets": [], "daemonsets": [], "jobs": [],
		"events": [o | some o in objs; o.kind == "Event"],
	},
	"quantities": quantities,
}

plural := {
	"ResourceQuota": "resourcequotas", "LimitRange": "limitranges", "Deployment": "deployments",
	"ReplicaSet": "replicasets", "Event": "events",
}

incident_event := `Error creating: pods "web-7f8c5d-x2v4k" is forbidden: exceeded quota: compute-quota, requested: limits.cpu=2,limits.memory=2Gi,requests.cpu=2,requests.memory=2Gi, used: limits.cpu=0,limits.memory=0,requests.cpu=0,requests.memory=0, limited: limits.cpu=1,limits.memory=1G,requests.cpu=1,requests.memory=1G`

incident := [
	quota("quota-demo", "compute-quota", {"requests.cpu": "1", "requests.memory": "1G", "limits.cpu": "1", "limits.memory": "1G"}),
	limitrange("quota-demo", "cpu-mem-limits", {"default": {"cpu": "2", "memory": "2Gi"}}),
	deployment("quota-demo", "web", {}, 0),
	replicaset("quota-demo", "web-7f8c5d", "web"),
	failed_create("quota-demo", "web-7f8c5d", incident_event),
]

only(set) := x if {
	count(set) == 1
	some x in set
}

# ---------------------------------------------- default above the quota

test_fires_on_the_incident_with_cause_and_symptom_in_one_finding if {
	f := only(rule.findings) with input as cluster(incident)
	f.details.reason == "default-exceeds-quota"
	f.details.resource_quota == "compute-quota"
	f.details.limit_range == "cpu-mem-limits"
	f.details.events == 1
	contains(f.message, "In namespace quota-demo, LimitRange cpu-mem-limits")
	contains(f.message, "ResourceQuota compute-quota")
	contains(f.message, "limits.cpu: 2 > 1")
	contains(f.message, "limits.memory: 2Gi (2147483648 bytes) > 1G (1000000000 bytes)")
	contains(f.message, "requests.cpu: 2 > 1")
	contains(f.message, "default limits cpu=2, memory=2Gi and default requests cpu=2, memory=2Gi (taken from default: no defaultRequest set, so Kubernetes uses default)")
	contains(f.message, "ReplicaSet web-7f8c5d failed to create pods 14 times")
	contains(f.message, "Deployment web has 0 of 1 replicas available")
	{s.kind | some s in f.subjects} == {"ResourceQuota", "LimitRange", "Deployment"}
	{e.path | some e in f.evidence; e.object.kind == "LimitRange"} == {["spec", "limits", 0, "default", "cpu"], ["spec", "limits", 0, "default", "memory"]}
}

# A quota scoped to PriorityClass high does not count pods without it:
# no cause without its own events; with them (it did reject pods), the
# finding stands. Scoped quotas are named in the notices either way.
scoped_quota := object.union(quota("quota-demo", "compute-quota", {"limits.cpu": "1"}), {"spec": {"scopeSelector": {"matchExpressions": [
	{"scopeName": "PriorityClass", "operator": "In", "values": ["high"]},
]}}})

test_scoped_quota_is_a_cause_only_with_its_events if {
	lr := limitrange("quota-demo", "cpu-mem-limits", {"default": {"cpu": "2"}})
	count(rule.findings) == 0 with input as cluster([scoped_quota, lr, deployment("quota-demo", "web", {}, 1)])
	count(rule.notices) == 1 with input as cluster([scoped_quota, lr, deployment("quota-demo", "web", {}, 1)])
	f := only(rule.findings) with input as cluster([
		scoped_quota, lr, deployment("quota-demo", "web", {}, 0),
		replicaset("quota-demo", "web-7f8c5d", "web"), failed_create("quota-demo", "web-7f8c5d", incident_event),
	])
	f.details.reason == "default-exceeds-quota"
}

test_quota_with_terminating_scope_needs_no_default_for_deployments if {
	q := object.union(quota("ns", "q", {"limits.cpu": "1"}), {"spec": {"scopes": ["Terminating"]}})
	count(rule.findings) == 0 with input as cluster([q, limitrange("ns", "lr", {"min": {"cpu": "250m"}}), deployment("ns", "web", {}, 1)])
}

test_one_gi_is_more_than_one_g if {
	f := only(rule.findings) with input as cluster([
		quota("ns", "q", {"limits.memory": "1G"}),
		limitrange("ns", "lr", {"default": {"memory": "1Gi"}}),
	])
	contains(f.message, "1Gi (1073741824 bytes) > 1G (1000000000 bytes)")
}

test_silent_when_defaults_fit_exactly if {
	count(rule.findings) == 0 with input as cluster([
		quota("ns", "q", {"limits.cpu": "1", "limits.memory": "1Gi", "requests.cpu": "1"}),
		limitrange("ns", "lr", {"default": {"cpu": "1", "memory": "1Gi"}, "defaultRequest": {"cpu": "500m"}}),
	])
}

test_default_request_compared_with_requests_quota if {
	f := only(rule.findings) with input as cluster([
		quota("ns", "q", {"requests.cpu": "250m"}),
		limitrange("ns", "lr", {"default": {"cpu": "1"}, "defaultRequest": {"cpu": "500m"}}),
	])
	contains(f.message, "requests.cpu: 500m (500m) > 250m (250m)") == false
	contains(f.message, "requests.cpu: 500m > 250m")
	f.details.conflicts[0].from == "defaultRequest"
}

test_bare_cpu_quota_means_requests if {
	f := only(rule.findings) with input as cluster([
		quota("ns", "q", {"cpu": "1"}),
		limitrange("ns", "lr", {"defaultRequest": {"cpu": "2"}, "default": {"cpu": "4"}}),
	])
	f.details.conflicts == [{"quota_key": "cpu", "hard": "1", "resource": "cpu", "side": "request", "default": "2", "from": "defaultRequest"}]
}

test_default_taken_from_max_when_unset if {
	f := only(rule.findings) with input as cluster([
		quota("ns", "q", {"limits.cpu": "1"}),
		limitrange("ns", "lr", {"max": {"cpu": "2"}}),
	])
	contains(f.message, "default limits cpu=2 (taken from max: no default set, so Kubernetes uses max)")
}

test_silent_for_other_namespace if {
	count(rule.findings) == 0 with input as cluster([
		quota("a", "q", {"limits.cpu": "1"}),
		limitrange("b", "lr", {"default": {"cpu": "2"}}),
	])
}

test_pod_type_items_are_not_container_defaults if {
	lr := {"kind": "LimitRange", "metadata": {"namespace": "ns", "name": "lr"}, "spec": {"limits": [{"type": "Pod", "max": {"cpu": "4"}}]}}
	count(rule.findings) == 0 with input as cluster([quota("ns", "q", {"requests.cpu": "1"}), lr])
}

# ------------------------------------------ LimitRange at odds with itself

test_fires_on_default_above_max_and_min_above_max if {
	f := only(rule.findings) with input as cluster([limitrange("ns", "lr", {"default": {"cpu": "2"}, "max": {"cpu": "1", "memory": "1Gi"}, "min": {"memory": "2Gi"}, "defaultRequest": {"cpu": "1"}})])
	f.details.reason == "limitrange-inconsistent"
	contains(f.message, "default cpu 2 is above max 1")
	contains(f.message, "min memory 2Gi is above max 1Gi")
}

test_silent_on_consistent_limitrange if {
	count(rule.findings) == 0 with input as cluster([limitrange("ns", "lr", {"min": {"cpu": "250m"}, "defaultRequest": {"cpu": "500m"}, "default": {"cpu": "1"}, "max": {"cpu": "2"}})])
}

# ---------------------------------- quota on limits.* with no default

test_fires_when_quota_tracks_limits_nobody_sets if {
	f := only(rule.findings) with input as cluster([
		quota("ns", "q", {"limits.cpu": "4", "limits.memory": "4Gi"}),
		limitrange("ns", "other", {"default": {"ephemeral-storage": "1Gi"}}),
		deployment("ns", "api", {"requests": {"cpu": "1"}}, 0),
	])
	f.details.reason == "quota-without-default"
	f.details.missing_defaults == ["limits.cpu", "limits.memory"]
	contains(f.message, "tracks limits.cpu, limits.memory but no LimitRange gives a default for them")
	contains(f.message, "1 container(s) in pod templates state none of them (container app of Deployment api)")
}

test_silent_when_templates_state_limits if {
	count(rule.findings) == 0 with input as cluster([
		quota("ns", "q", {"limits.cpu": "4"}),
		limitrange("ns", "other", {"default": {"memory": "1Gi"}}),
		deployment("ns", "api", {"limits": {"cpu": "1"}}, 1),
	])
}

test_silent_when_limitranges_not_collected if {
	# Without LimitRanges in the bundle, "no default" cannot be told from "not collected".
	inp := cluster([quota("ns", "q", {"limits.cpu": "4"}), deployment("ns", "api", {}, 0)])
	count(rule.findings) == 0 with input as inp
}

test_requests_satisfied_by_limits if {
	count(rule.findings) == 0 with input as cluster([
		quota("ns", "q", {"requests.cpu": "4"}),
		limitrange("ns", "other", {"default": {"memory": "1Gi"}}),
		deployment("ns", "api", {"limits": {"cpu": "1"}}, 1),
	])
}

# --------------------------------------------- symptom without a cause

test_fires_on_event_alone_when_quota_objects_missing if {
	f := only(rule.findings) with input as cluster([
		deployment("quota-demo", "web", {}, 0),
		replicaset("quota-demo", "web-7f8c5d", "web"),
		failed_create("quota-demo", "web-7f8c5d", incident_event),
	])
	f.details.reason == "quota-rejects-pods"
	f.details.resource_quota == "compute-quota"
	f.details.numbers.limited == "limits.cpu=1,limits.memory=1G,requests.cpu=1,requests.memory=1G"
	contains(f.message, "ReplicaSet quota-demo/web-7f8c5d cannot create pods (14 failed attempts): quota compute-quota is exceeded (requested limits.cpu=2")
	contains(f.message, "Deployment web has 0 of 1 replicas available")
	contains(f.message, "The bundle has no ResourceQuota or LimitRange objects")
}

test_event_alone_finds_deployment_when_replicaset_missing if {
	f := only(rule.findings) with input as cluster([
		deployment("quota-demo", "web", {}, 0),
		failed_create("quota-demo", "web-7f8c5d", incident_event),
	])
	{s.kind | some s in f.subjects} == {"ReplicaSet", "Deployment"}
}

test_events_of_one_controller_make_one_finding if {
	f := only(rule.findings) with input as cluster([
		failed_create("quota-demo", "web-7f8c5d", incident_event),
		json.patch(failed_create("quota-demo", "web-7f8c5d", incident_event), [{"op": "replace", "path": "/metadata/name", "value": "web-7f8c5d.17b"}, {"op": "replace", "path": "/count", "value": 3}]),
	])
	f.details.failed_attempts == 17
}

test_must_specify_event if {
	msg := `Error creating: pods "api-5c9-abc" is forbidden: failed quota: q: must specify limits.cpu for: app; limits.memory for: app`
	f := only(rule.findings) with input as cluster([failed_create("ns", "api-5c9", msg)])
	contains(f.message, "quota q wants must specify limits.cpu for: app; limits.memory for: app")
}

test_silent_on_other_failed_create if {
	count(rule.findings) == 0 with input as cluster([failed_create("ns", "api-5c9", `Error creating: pods "api-5c9-x" is forbidden: error looking up service account ns/api: serviceaccount "api" not found`)])
}

test_notice_when_quota_objects_missing if {
	count(rule.notices) == 1 with input as cluster([deployment("ns", "a", {}, 1)])
}

test_confirm_quotes_the_namespace if {
	ns := "a b`id`"
	f := only(rule.findings) with input as cluster([
		quota(ns, "compute-quota", {"limits.cpu": "1"}),
		limitrange(ns, "cpu-mem-limits", {"default": {"cpu": "2"}}),
	])
	f.confirm[0] == "kubectl -n 'a b`id`' describe resourcequota"
	f.confirm[2] == "kubectl -n 'a b`id`' get events --field-selector reason=FailedCreate"
}
