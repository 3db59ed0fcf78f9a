package ktriage.lib.kube_test

import data.ktriage.lib.kube

p(ns, name, labels) := {"kind": "Pod", "metadata": {"namespace": ns, "name": name, "labels": labels}}

web := p("shop", "web-1", {"app": "web", "tier": "front"})

web_other_tier := p("shop", "web-2", {"app": "web", "tier": "back"})

elsewhere := p("lab", "web-3", {"app": "web", "tier": "front"})

unlabelled := p("shop", "bare", null)

pods := [web, web_other_tier, elsewhere, unlabelled]

sel := {"app": "web", "tier": "front"}

# Without ktriage's index (opa eval over `ktriage facts`), the namespace's
# pods are tested one by one.
test_selected_without_index if {
	kube.selected("shop", sel) == [web] with input as {"kubernetes": {"pods": pods}}
}

# With it, only the pods under the selector's first pair are tested: the
# index below holds a pod under app=web that does not carry it, to show
# the candidates come from the index, and selects still decides.
test_selected_reads_the_index if {
	index := {"pods_by_label": {"shop/app=web": [web, web_other_tier]}, "pods_by_namespace": {}}
	kube.selected("shop", sel) == [web] with input as {"kubernetes": {"pods": pods}, "index": index}
	kube.selected("shop", {"app": "web"}) == [web, web_other_tier] with input as {"kubernetes": {"pods": pods}, "index": index}
	kube.selected("shop", {"app": "api"}) == [] with input as {"kubernetes": {"pods": pods}, "index": index}
}

# An empty selector selects nothing, with or without the index.
test_empty_selector_selects_nothing if {
	kube.selected("shop", {}) == [] with input as {"kubernetes": {"pods": pods}}
	kube.selected("shop", {}) == [] with input as {"kubernetes": {"pods": pods}, "index": {"pods_by_label": {}, "pods_by_namespace": {"shop": [web]}}}
}

test_pods_by_node_groups_bound_pods if {
	bound := {"metadata": {"name": "a"}, "spec": {"nodeName": "n1"}}
	waiting := {"metadata": {"name": "b"}, "spec": {}}
	kube.pods_by_node == {"n1": [bound]} with input as {"kubernetes": {"pods": [bound, waiting]}}
}

running(name, statuses) := {"kind": "Pod", "metadata": {"namespace": "a", "name": name}, "status": {"phase": "Running", "containerStatuses": statuses}}

up := {"name": "c", "ready": true, "state": {"running": {}}}

test_pods_waiting_keeps_only_pods_that_may_wait if {
	pods := [
		running("healthy", [up]),
		{"kind": "Pod", "metadata": {"name": "pending"}, "status": {"phase": "Pending", "containerStatuses": [up]}},
		running("pulling", [up, {"name": "d", "state": {"waiting": {"reason": "ImagePullBackOff"}}}]),
		object.union(running("init-waiting", [up]), {"status": {"initContainerStatuses": [{"name": "i", "state": {"waiting": {}}}]}}),
		{"kind": "Pod", "metadata": {"name": "from-a-table"}, "status": {"phase": "Running"}},
		object.union(running("init-not-a-list", [up]), {"status": {"initContainerStatuses": {"i": {}}}}),
		running("waiting-false", [{"name": "c", "state": {"waiting": false}}]),
		object.union(running("init-null", [up]), {"status": {"initContainerStatuses": null}}),
	]
	names := [p.metadata.name | some p in kube.pods_waiting] with input as {"kubernetes": {"pods": pods}}
	names == ["pending", "pulling", "init-waiting", "from-a-table", "init-not-a-list"]
}

test_pods_waiting_reads_the_index if {
	got := kube.pods_waiting with input as {"kubernetes": {"pods": [running("healthy", [up])]}, "index": {"pods_waiting": [web]}}
	got == [web]
}

# A damaged file can hold a string or a number where an object belongs (a
# container entry, a spec): there is no field there, where object.get's
# type error would stop the rule.
test_array_and_map_of_what_is_no_object if {
	kube.array("x", ["spec", "containers"]) == []
	kube.map(7, ["metadata", "labels"]) == {}
	kube.array(null, "subsets") == []
	kube.array({"spec": {"containers": [{"name": "a"}]}}, ["spec", "containers"]) == [{"name": "a"}]
}

test_time_ns_reads_what_go_reads if {
	kube.time_ns("2024-03-11T09:14:02Z") == 1710148442000000000
	kube.time_ns("2024-03-11T09:14:02.5+01:00") == 1710144842500000000
	kube.time_ns("2024-03-11T09:14:02,5+01:00") == 1710144842500000000
	kube.time_ns("2024-02-29T00:00:00Z") == time.parse_rfc3339_ns("2024-02-29T00:00:00Z")
	kube.time_ns("2261-12-31T23:59:59Z") == time.parse_rfc3339_ns("2261-12-31T23:59:59Z")
	kube.time_ns("1679-01-01T00:00:00Z") == time.parse_rfc3339_ns("1679-01-01T00:00:00Z")
}

# Each would fail time.parse_rfc3339_ns, and with it the rule: Go's
# time.Parse refuses them, or (1600, 2300) nanoseconds cannot count them.
test_time_ns_is_undefined_for_what_go_refuses if {
	every s in [
		"garbage", "", "2024-03-11", "2024-03-11 09:14:02Z", "2024-03-11T09:14:02", "2024-03-11T09:14:02Z-2",
		"2024-13-01T00:00:00Z", "2024-00-01T00:00:00Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
		"2024-04-31T00:00:00Z", "2024-03-11T24:00:00Z", "2024-03-11T09:60:00Z", "2024-03-11T09:14:60Z",
		"1600-01-01T00:00:00Z", "2300-01-01T00:00:00Z", "2024-03-11t09:14:02z", "2024-03-11T09:14:02.Z",
	] {
		not kube.time_ns(s)
	}
	not kube.time_ns(1710148442)
	not kube.time_ns(null)
}

test_int_reads_what_strconv_parseint_reads if {
	kube.int("-3") == -3
	kube.int("+32") == 32
	kube.int("4096") == 4096
	every s in ["1.5", "0x10", "fast", "40x96", "", " 1", "1e3", "9999999999999999999"] {
		not kube.int(s)
	}
	not kube.int(3)
}
