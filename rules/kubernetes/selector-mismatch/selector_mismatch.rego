# METADATA
# title: Service routes to no ready pod
# description: >-
#   A Service with a selector sends traffic only to Ready pods of its own
#   namespace whose labels hold every key=value of the selector, on the
#   targetPort of each Service port. This rule finds Services for which that
#   set is empty, and says only what the bundle proves. High: the selector
#   matches no pod while a pod or workload template comes close (naming the
#   label that differs); it matches a workload's pod template but no such pod
#   exists; the matching pods are not Ready (with the cause it can see: the
#   scheduler's message for a Pending pod, the Ready condition of NotReady
#   nodes); a named targetPort that no selected container declares. Medium:
#   an Endpoints/EndpointSlice object of the Service that is present and
#   holds no ready address although Ready pods match. Low: nothing in the
#   namespace resembles the selector (no pod, no workload template: the
#   component is not deployed here, common for platform Services of disabled
#   components), or the bundle contradicts itself (the Service's Endpoints
#   list ready addresses while its pods look unready or absent: objects
#   collected at different moments). Info: the matching pods all wait on a
#   pod network that is down (on nodes whose network plugin is not ready,
#   or unscheduled while every node is NotReady for it): the cni finding
#   reports that cause and lists the Service, so this one only points
#   there; the matching pods all crash because CoreDNS halts on a
#   forwarding loop (CoreDNS itself, or pods whose lookups fail): the dns
#   finding is the cause; the only workload is scaled to 0
#   on purpose (spec.replicas 0), or a numeric targetPort that the pods do
#   not declare while they declare other ports (Kubernetes routes to it all
#   the same; declaring container ports is informational).
#   Not findings: a numeric targetPort that no container declares when the
#   container's command, args or env name that port (e.g. -port=6443), or
#   when the pods declare no ports; pods whose readiness the bundle does not
#   show (an export without status, a Running pod without conditions); a
#   Service whose Endpoints/EndpointSlices are simply not in the bundle
#   (only a present, empty object says "no ready endpoint"). Services
#   without a selector (Endpoints managed by hand) and ExternalName Services
#   are not checked.
# custom:
#   id: selector-mismatch
#   category: selector-mismatch
#   severity: high
#   needs: [kubernetes.services]
#   remediation: >-
#     Make the Service's spec.selector equal labels that the pod template
#     really sets (or fix the template's labels), point each named
#     targetPort at a port name the containers declare (and each number at a
#     port they listen on), and fix whatever keeps the selected pods from
#     becoming Ready (their conditions, events and nodes say what).
#   references:
#     - https://kubernetes.io/docs/concepts/services-networking/service/#services-without-selectors
#     - https://kubernetes.io/docs/tasks/debug/debug-application/debug-service/
#     - https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#ports
package ktriage.rules.kubernetes["selector-mismatch"]

import data.ktriage.lib.dns
import data.ktriage.lib.kube
import data.ktriage.lib.node
import data.ktriage.lib.run
import data.ktriage.lib.sh

# ---------------------------------------------------------------- Services

selector(svc) := s if {
	object.get(svc, ["spec", "type"], "ClusterIP") != "ExternalName"
	s := kube.map(svc, ["spec", "selector"])
	is_object(s)
	count(s) > 0
}

name(obj) := sprintf("%s/%s", [kube.namespace(obj), obj.metadata.name])

pods_listed(ns) if input.kubernetes.listed.pods[ns]

# routed holds, once per evaluation (a complete rule: OPA caches it for the
# query; as a partial object rule it was evaluated again by every rule that
# iterated it), every Service that routes by selector
# with what its namespace holds and what the selector picks from it. The
# namespace lists come from comprehensions that compare only the namespace
# with a variable bound before them, which OPA indexes once per namespace;
# a comprehension that also read the selector would be re-run for every
# Service, comparing every Service with every pod.
routed := {[ns, svc.metadata.name]: info |
	some svc in input.kubernetes.services
	sel := selector(svc)
	ns := svc.metadata.namespace
	eps := [e | some e in input.kubernetes.endpoints; e.metadata.namespace == ns]
	slices := [x | some x in input.kubernetes.endpointslices; x.metadata.namespace == ns]
	matched := kube.selected(ns, sel)
	serving_pods := [p | some p in matched; serving(p)]
	mine_eps := endpoints_of(svc, eps)
	mine_slices := slices_of(svc, slices)

	# Only what every Service needs is kept here; the few with a problem
	# collect their pods again in the finding that reports them. (Carrying
	# the pod lists of every Service in this object made a 50,000-pod
	# bundle several times slower.)
	info := {
		"svc": svc, "sel": sel, "ns": ns,
		"matched": count(matched), "serving": count(serving_pods),
		"unknown": count([p | some p in matched; readiness(p) == "unknown"]),
		"unexposed": unexposed(svc, matched), "serving_unexposed": unexposed(svc, serving_pods),
		"eps": [kube.ref(e) | some e in mine_eps], "slices": [kube.ref(x) | some x in mine_slices],
		"ready_addresses": ready_addresses(mine_eps, mine_slices),
		"unnamed": count([p | some p in matched; port_names_hidden(p)]),
	}
}

confirm(svc) := [
	sh.format("kubectl -n %s get service %s -o yaml", [ns, n]),
	sh.format("kubectl -n %s get endpointslices -l %s", [ns, concat("", ["kubernetes.io/service-name=", n])]),
	sh.format("kubectl -n %s get pods -l %s -o wide --show-labels", [ns, kube.format_labels(selector(svc))]),
	sh.format("kubectl -n %s get pods --show-labels", [ns]),
] if {
	ns := kube.namespace(svc)
	n := svc.metadata.name
}

# The selector is cited at its first key (the line that holds a label
# value), not at the bare "selector": { line.
selector_evidence(svc) := kube.at(svc, ["spec", "selector", min(object.keys(selector(svc)))], sprintf("selector %s", [kube.format_labels(selector(svc))]))

# ------------------------------------------------------------ workloads

template_labels(w) := kube.map(w, ["spec", "template", "metadata", "labels"])

# unmatched extends routed, for Services that select no pod, with the
# namespace's workloads (ReplicaSets owned by a Deployment left out: the
# Deployment is where a fix goes). Each kind comes from its own
# namespace-indexed comprehension in this rule's body: OPA indexes those in
# rule bodies, not in function bodies. Like routed, a complete rule: OPA
# caches it for the whole query, where a partial object rule was evaluated
# again by every rule that iterated it.
unmatched := {key: object.union(info, {"workloads": workloads, "pods": pods}) |
	some key, info in routed
	info.matched == 0
	pods_listed(info.ns)
	ns := info.ns
	pods := [p | some p in input.kubernetes.pods; p.metadata.namespace == ns]
	deps := [w | some w in input.kubernetes.deployments; w.metadata.namespace == ns]
	sts := [w | some w in input.kubernetes.statefulsets; w.metadata.namespace == ns]
	dss := [w | some w in input.kubernetes.daemonsets; w.metadata.namespace == ns]
	rss := [w | some w in input.kubernetes.replicasets; w.metadata.namespace == ns]
	rcs := [w | some w in input.kubernetes.replicationcontrollers; w.metadata.namespace == ns]
	workloads := [w |
		some w in array.concat(array.concat(array.concat(deps, sts), array.concat(dss, rss)), rcs)
		not owned(w)
	]
}

owned(w) if count(kube.array(w, ["metadata", "ownerReferences"])) > 0

matching(ws, sel) := [w | some w in ws; kube.selects(sel, template_labels(w))]

replicas_text(w) := sprintf("%v of %v replicas available", [
	object.get(w, ["status", "availableReplicas"], 0),
	object.get(w, ["spec", "replicas"], 1),
]) if w.kind != "DaemonSet"

replicas_text(w) := sprintf("%v of %v scheduled pods available", [
	object.get(w, ["status", "numberAvailable"], 0),
	object.get(w, ["status", "desiredNumberScheduled"], 0),
]) if w.kind == "DaemonSet"

# ------------------------------------------------------- near misses

# A selector key scores 0 when the labels hold the same value, 200 when the
# key is absent, and in between for another value: the more the values share
# a prefix or suffix, the closer (app=invoices is close to app=invoice,
# app=cart is as far as a missing key).
key_distance(k, v, lbls) := 0 if lbls[k] == v

key_distance(k, v, lbls) := 200 - similarity(v, lbls[k]) if lbls[k] != v

key_distance(k, _, lbls) := 200 if not has_key(lbls, k)

has_key(m, k) if _ = m[k]

distance(sel, lbls) := sum([d | some k, v in sel; d := key_distance(k, v, lbls)])

# similarity is 0..100: the longer common prefix or suffix over the longer value.
similarity(a, b) := 0 if {
	min([count(a), count(b)]) == 0
} else := round((100 * max([common_prefix(a, b), common_suffix(a, b)])) / max([count(a), count(b)]))

common_prefix(a, b) := count([i |
	some i in numbers.range(1, min([count(a), count(b)]))
	substring(a, 0, i) == substring(b, 0, i)
])

common_suffix(a, b) := count([i |
	some i in numbers.range(1, min([count(a), count(b)]))
	substring(a, count(a) - i, i) == substring(b, count(b) - i, i)
])

differences(sel, lbls) := [{"label": k, "selector": v, "actual": object.get(lbls, k, null)} |
	some k, v in sel
	object.get(lbls, k, null) != v
]

describe_difference(d) := sprintf("%s=%s, not %s", [d.label, d.actual, d.selector]) if d.actual != null

describe_difference(d) := sprintf("no %s label (selector wants %s=%s)", [d.label, d.label, d.selector]) if d.actual == null

# closest returns up to three objects whose labels (by labels_of, keyed by
# near_id) are nearest the selector, in name order; none when nothing is
# near at all.
closest(sel, objs, labels_of) := picked if {
	scores := {near_id(o): distance(sel, kube.map(labels_of, [near_id(o)])) | some o in objs}
	count(scores) > 0
	best := min({s | some s in scores})
	best < 200 * count(sel)
	ids := sort([id | some id, s in scores; s == best])
	picked := [o | some id in array.slice(ids, 0, 3); some o in objs; near_id(o) == id]
} else := []

# near_id tells apart workloads of two kinds that share a name in one
# namespace (a Deployment and a StatefulSet both called web); name first,
# so that sorting ids sorts by name.
near_id(o) := [o.metadata.name, object.get(o, "kind", "")]

pod_labels(pods) := {near_id(p): kube.labels(p) | some p in pods}

workload_labels(ws) := {near_id(w): template_labels(w) | some w in ws}

near_text(sel, o, lbls) := sprintf("%s %s has %s", [
	lower(o.kind), o.metadata.name,
	concat("; ", [describe_difference(d) | some d in differences(sel, lbls)]),
])

near_evidence(sel, o, path_to_labels, lbls) := [kube.at(o, array.concat(path_to_labels, [d.label]), describe_difference(d)) |
	some d in differences(sel, lbls)
]

# ------------------------------------------------------------ endpoints

endpoints_of(svc, eps) := [e | some e in eps; e.metadata.name == svc.metadata.name]

slices_of(svc, slices) := [s | some s in slices; kube.labels(s)["kubernetes.io/service-name"] == svc.metadata.name]

ready_addresses(eps, slices) := count([a |
	some e in eps
	some subset in kube.array(e, "subsets")
	some a in kube.array(subset, "addresses")
]) + count([x |
	some s in slices
	some x in kube.array(s, "endpoints")
	is_object(x)
	object.get(x, ["conditions", "ready"], true) != false
])

# endpoints_empty is true when the bundle holds the Service's own Endpoints
# or EndpointSlices and they list no ready address. Endpoints that are not
# in the bundle (another namespace's collection, or only some objects) say
# nothing: only a present, empty object says "no ready endpoint".
endpoints_empty(info) if {
	count(info.eps) + count(info.slices) > 0
	info.ready_addresses == 0
}

endpoint_evidence(info) := [{"object": ref, "path": ["metadata", "name"], "note": "Endpoints lists no ready address"} | some ref in info.eps; endpoints_empty(info)]

# ready_evidence cites the ready addresses of the Service's Endpoints (or
# its slices) where the bundle contradicts what its pods show.
# It cites the first ready address of each.
ready_evidence(info) := array.concat(
	[{"object": kube.ref(e), "path": ["subsets", i, "addresses", 0, "ip"], "note": sprintf("%d ready address(es)", [info.ready_addresses])} |
		some e in input.kubernetes.endpoints
		kube.ref(e) in info.eps
		i := first_ready_subset(e)
	],
	[{"object": kube.ref(x), "path": ["endpoints", j, "addresses", 0], "note": "ready endpoint"} |
		some x in input.kubernetes.endpointslices
		kube.ref(x) in info.slices
		j := first_ready_slice_endpoint(x)
	],
)

first_ready_subset(e) := min({i | some i, s in kube.array(e, "subsets"); count(kube.array(s, "addresses")) > 0})

first_ready_slice_endpoint(x) := min({j | some j, ep in kube.array(x, "endpoints"); object.get(ep, ["conditions", "ready"], true) != false})

# port_ready_addresses counts the ready addresses the Service's Endpoints
# and EndpointSlices list for one Service port (by its name, "" when
# unnamed; a subset without ports carries them all).
port_ready_addresses(svc, pname) := count([a |
	some e in input.kubernetes.endpoints
	kube.namespace(e) == kube.namespace(svc)
	e.metadata.name == svc.metadata.name
	some subset in kube.array(e, "subsets")
	carries(subset, pname)
	some a in kube.array(subset, "addresses")
]) + count([x |
	some s in input.kubernetes.endpointslices
	kube.namespace(s) == kube.namespace(svc)
	kube.labels(s)["kubernetes.io/service-name"] == svc.metadata.name
	carries(s, pname)
	some x in kube.array(s, "endpoints")
	is_object(x)
	object.get(x, ["conditions", "ready"], true) != false
])

carries(subset, pname) if {
	some p in kube.array(subset, "ports")
	is_object(p)
	object.get(p, "name", "") == pname
}

carries(subset, _) if count(kube.array(subset, "ports")) == 0

inconsistent_text(info) := sprintf("the bundle's Endpoints/EndpointSlices of the Service list %d ready address(es)", [info.ready_addresses])

inconsistent_fix(svc) := sprintf("The bundle contradicts itself (its objects were collected at different moments): look at Service %s, its EndpointSlices and its pods on the live cluster before acting.", [name(svc)])

# ------------------------------------------------------------- findings

# The selector matches no pod and no workload template in the namespace.
# High when something comes close (a typo, a renamed label); low when
# nothing in the namespace resembles it: the component is not deployed
# there, as for platform Services of disabled components.
findings contains f if {
	some info in unmatched
	workloads := info.workloads
	count(matching(workloads, info.sel)) == 0
	svc := info.svc
	sel := info.sel
	near_pods := closest(sel, info.pods, pod_labels(info.pods))
	near_workloads := closest(sel, workloads, workload_labels(workloads))
	near := count(near_pods) + count(near_workloads) > 0
	f := {
		"message": no_match_message(info, near_pods, near),
		"severity": no_match_severity(info, near),
		"subjects": [kube.ref(svc)],
		"evidence": array.concat(
			array.concat([selector_evidence(svc)], [e |
				some p in near_pods
				some e in near_evidence(sel, p, ["metadata", "labels"], kube.labels(p))
			]),
			array.concat([e |
				some w in near_workloads
				some e in near_evidence(sel, w, ["spec", "template", "metadata", "labels"], template_labels(w))
			], array.concat(endpoint_evidence(info), [e | info.ready_addresses > 0; some e in ready_evidence(info)])),
		),
		"confirm": confirm(svc),
		"fix": no_match_fix(info, near_pods, near_workloads),
		"details": {
			"reason": no_match_reason(info, near),
			"selector": sel,
			"pods_in_namespace": count(info.pods),
			"ready_addresses": info.ready_addresses,
			"closest_pods": [{"name": p.metadata.name, "differences": differences(sel, kube.labels(p))} | some p in near_pods],
			"closest_workloads": [{"kind": w.kind, "name": w.metadata.name, "differences": differences(sel, template_labels(w))} | some w in near_workloads],
		},
	}
}

no_match_severity(info, near) := "low" if {
	info.ready_addresses > 0
} else := "high" if {
	near
} else := "low"

no_match_reason(info, near) := "inconsistent-endpoints" if {
	info.ready_addresses > 0
} else := "no-pod-matches" if {
	near
} else := "nothing-runs-it"

no_match_message(info, near_pods, near) := sprintf("Service %s selects %s and no pod in namespace %s matches, yet %s: the pods and the Endpoints were collected at different moments, or the pods serving it are missing from the bundle.", [
	name(info.svc), kube.format_labels(info.sel), info.ns, inconsistent_text(info),
]) if {
	info.ready_addresses > 0
} else := sprintf("Service %s selects %s, but no pod in namespace %s matches, so it has no endpoints; closest: %s.", [
	name(info.svc), kube.format_labels(info.sel), info.ns,
	concat("; ", [near_text(info.sel, p, kube.labels(p)) | some p in near_pods]),
]) if {
	count(near_pods) > 0
} else := sprintf("Service %s selects %s, but no pod in namespace %s matches, so it has no endpoints; closest: %s.", [
	name(info.svc), kube.format_labels(info.sel), info.ns,
	concat("; ", [near_text(info.sel, w, template_labels(w)) | some w in closest(info.sel, info.workloads, workload_labels(info.workloads))]),
]) if {
	near
} else := sprintf("Service %s selects %s, but nothing in namespace %s runs it: no pod (of %d) and no workload template there has those labels or anything close to them.", [
	name(info.svc), kube.format_labels(info.sel), info.ns, count(info.pods),
])

no_match_fix(info, near_pods, near_workloads) := inconsistent_fix(info.svc) if {
	info.ready_addresses > 0
} else := sprintf("Set the selector of Service %s to what %s %s's pod template sets (%s), or change that template's labels to %s; a Deployment's own spec.selector cannot be changed in place, so changing the Service is usually the safe side.", [
	name(info.svc), w.kind, w.metadata.name, kube.format_labels(object.filter(template_labels(w), object.keys(info.sel))), kube.format_labels(info.sel),
]) if {
	count(near_workloads) > 0
	w := near_workloads[0]
} else := sprintf("Set the selector of Service %s to the labels pod %s carries (%s), or label the pods' template with %s.", [
	name(info.svc), p.metadata.name, kube.format_labels(object.filter(kube.labels(p), object.keys(info.sel))), kube.format_labels(info.sel),
]) if {
	count(near_pods) > 0
	p := near_pods[0]
} else := sprintf("If the component behind Service %s should run, deploy it in namespace %s (nothing there resembles selector %s); if it is disabled on purpose, the Service is harmless and can be deleted.", [
	name(info.svc), info.ns, kube.format_labels(info.sel),
])

# The selector matches a workload's template but no such pod exists. A
# workload scaled to 0 (spec.replicas: 0) was stopped on purpose: info.
findings contains f if {
	some info in unmatched
	ws := matching(info.workloads, info.sel)
	count(ws) > 0
	svc := info.svc
	stopped := {w.metadata.name | some w in ws; scaled_to_zero(w)}
	f := {
		"message": template_message(info, ws, count(stopped) == count(ws)),
		"severity": template_severity(info, count(stopped) == count(ws)),
		"subjects": array.concat([kube.ref(svc)], [kube.ref(w) | some w in ws]),
		"evidence": array.concat(
			array.concat([selector_evidence(svc)], [kube.at(w, kube.availability_path(w), replicas_text(w)) | some w in ws]),
			array.concat(endpoint_evidence(info), [e | info.ready_addresses > 0; some e in ready_evidence(info)]),
		),
		"confirm": array.concat(confirm(svc), [sh.format("kubectl -n %s describe %s %s", [info.ns, lower(w.kind), w.metadata.name]) | some w in ws]),
		"fix": template_fix(info, ws, count(stopped) == count(ws)),
		"details": {
			"reason": template_reason(info, count(stopped) == count(ws)),
			"selector": info.sel,
			"workloads": [kube.ref(w) | some w in ws],
		},
	}
}

scaled_to_zero(w) if {
	w.kind != "DaemonSet"
	object.get(w, ["spec", "replicas"], 1) == 0
}

workloads_text(ws) := concat(", ", [sprintf("%s %s (%s)", [w.kind, w.metadata.name, replicas_text(w)]) | some w in ws])

template_severity(info, stopped) := "low" if {
	info.ready_addresses > 0
} else := "info" if {
	stopped
} else := "high"

template_reason(info, stopped) := "inconsistent-endpoints" if {
	info.ready_addresses > 0
} else := "scaled-to-zero" if {
	stopped
} else := "workload-has-no-pods"

template_message(info, ws, stopped) := sprintf("Service %s selects %s, which matches the pod template of %s; no such pod is in the bundle, yet %s: the objects were collected at different moments.", [
	name(info.svc), kube.format_labels(info.sel), workloads_text(ws), inconsistent_text(info),
]) if {
	info.ready_addresses > 0
} else := sprintf("Service %s selects %s, which matches the pod template of %s: scaled to 0 on purpose, so the Service has no endpoints until it is scaled up.", [
	name(info.svc), kube.format_labels(info.sel), workloads_text(ws),
]) if {
	stopped
} else := sprintf("Service %s selects %s, which matches the pod template of %s, but no such pod exists, so it has no endpoints.", [
	name(info.svc), kube.format_labels(info.sel), workloads_text(ws),
])

template_fix(info, ws, stopped) := inconsistent_fix(info.svc) if {
	info.ready_addresses > 0
} else := sprintf("Nothing to fix if %s was stopped on purpose; otherwise scale it up (kubectl scale --replicas=N).", [
	concat(", ", [sprintf("%s %s", [w.kind, w.metadata.name]) | some w in ws]),
]) if {
	stopped
} else := sprintf("The selector is right; find out why %s creates no pods (its ReplicaSet's events usually say: quota, admission, image or scheduling).", [
	concat(", ", [sprintf("%s %s", [w.kind, w.metadata.name]) | some w in ws]),
])

# Pods match, none is Ready. Only pods whose state the bundle shows count:
# a pod exported without status, or Running without conditions, is not
# "not Ready", so while one such pod matches nothing is said. When the
# Service's Endpoints list ready addresses, the bundle contradicts itself
# (objects collected at different moments): low, never "no endpoints".
findings contains f if {
	some info in routed
	info.matched > 0
	info.serving == 0
	info.unknown == 0
	svc := info.svc
	ns := info.ns
	matched := kube.selected(ns, info.sel)
	shown := array.slice(matched, 0, 5)
	cause := pending_cause(matched)
	network := deferred_to(info, matched)
	f := {
		"message": concat("", [not_ready_message(info, shown, cause), network_line(network, matched)]),
		"severity": not_ready_severity(info, network),
		"subjects": array.concat([kube.ref(svc)], [kube.ref(p) | some p in shown]),
		"evidence": array.concat(
			array.concat([selector_evidence(svc)], [pod_state_evidence(p) | some p in shown]),
			array.concat(
				array.concat(cause.evidence, endpoint_evidence(info)),
				[e | info.ready_addresses > 0; some e in ready_evidence(info)],
			),
		),
		"confirm": array.concat(
			array.concat(confirm(svc), [sh.format("kubectl -n %s describe pod %s", [ns, p.metadata.name]) | some p in array.slice(shown, 0, 2)]),
			[sh.format("kubectl describe node %s", [n]) | some n in array.slice(cause.nodes, 0, 1)],
		),
		"fix": not_ready_fix(info, cause, network),
		"details": object.union(network_details(network), {
			"reason": not_ready_reason(info, network),
			"selector": info.sel,
			"pods": [{"name": p.metadata.name, "state": pod_state(p)} | some p in matched],
			"not_ready_nodes": cause.nodes,
		}),
	}
}

# deferred_to, "cni": every selected pod waits on the pod network (on a node
# whose network plugin is not ready, or unscheduled while every node is
# NotReady for it: data.ktriage.lib.node.pod_network_down). The cni rule
# reports that cause and lists this Service among its consequences, so
# this finding is only the pointer to it: one cause, one critical. Not
# when cni does not run (--disable cni): then this finding is the one.
#
# deferred_to, "dns", the same for cluster DNS: CoreDNS halts on a forwarding loop
# (data.ktriage.lib.dns.explained_by_loop) and every selected pod is one of
# the CoreDNS pods exiting on it or fails its lookups; the dns finding is
# the cause.
deferred_to(info, matched) := "cni" if {
	info.ready_addresses == 0
	run.rule("cni")
	node.stranded(matched)
} else := "dns" if {
	info.ready_addresses == 0
	run.rule("dns")
	every p in matched {
		dns.explained_by_loop(p)
	}
} else := ""

network_line("cni", matched) := sprintf(" They wait on the pod network, which is down on %s: that is the cause, reported by the cni finding, which lists this Service among its consequences.", [names_text(network_nodes(matched))])

network_line("dns", _) := " They crash because cluster DNS is down: CoreDNS halts on a forwarding loop, the cause the dns finding reports."

network_line("", _) := ""

# The nodes a stranded pod waits on: its own, or every node for a pod the
# scheduler cannot place.
network_nodes(matched) := sort(node.network_down_names) if {
	some p in matched
	not p.spec.nodeName
} else := sort({p.spec.nodeName | some p in matched})

network_details("") := {}

network_details(rule) := {"see": rule} if rule != ""

not_ready_severity(info, "") := "low" if info.ready_addresses > 0 else := "high"

not_ready_severity(_, rule) := "info" if rule != ""

not_ready_reason(_, "cni") := "node-network-not-ready"

not_ready_reason(_, "dns") := "dns-loop"

not_ready_reason(info, "") := "inconsistent-endpoints" if info.ready_addresses > 0 else := "no-ready-pod"

pods_text(shown) := concat("; ", [sprintf("%s (%s)", [p.metadata.name, pod_state(p)]) | some p in shown])

not_ready_message(info, shown, cause) := sprintf("Service %s selects %d pod(s) with %s and none is Ready in the bundle (%s), yet %s: the objects were collected at different moments.", [
	name(info.svc), info.matched, kube.format_labels(info.sel), pods_text(shown), inconsistent_text(info),
]) if {
	info.ready_addresses > 0
} else := sprintf("Service %s selects %d pod(s) with %s, but none is Ready, so it has no endpoints: %s.%s", [
	name(info.svc), info.matched, kube.format_labels(info.sel), pods_text(shown), cause.text,
])

not_ready_fix(_, _, "cni") := "The selector is right; install the pod network or make its agent Ready on these nodes (see the cni finding): once the nodes are Ready the pods start and the Service gets endpoints."

not_ready_fix(_, _, "dns") := "The selector is right; fix CoreDNS's forwarding loop (see the dns finding): once cluster DNS answers, the pods start and the Service gets endpoints."

not_ready_fix(info, cause, "") := inconsistent_fix(info.svc) if {
	info.ready_addresses > 0
} else := sprintf("The selector is right; the pods cannot be scheduled while nodes are NotReady: %s Make the nodes Ready (their Ready condition says what is missing, e.g. a pod network (CNI) that is not installed yet).", [sentence(cause.nodes_text)]) if {
	count(cause.nodes) > 0
} else := "The selector is right; make the pods Ready: the state in brackets says what holds each one back (a failing readiness probe, a crash loop, an image or scheduling problem)."

# pending_cause names what the bundle shows about pods the scheduler could
# not place: the scheduler's message (PodScheduled=False) and, when nodes
# are NotReady, their Ready condition's reason and message (e.g. the
# kubelet's "network plugin is not ready: cni config uninitialized").
pending_cause(pods) := {"text": text, "evidence": evidence, "nodes": names, "nodes_text": nodes_text} if {
	unscheduled := [[p, i, c] |
		some p in pods
		some i, c in kube.array(p, ["status", "conditions"])
		c.type == "PodScheduled"
		c.status == "False"
	]
	count(unscheduled) > 0
	says := {c.message | some [_, _, c] in unscheduled; is_string(c.message)}
	all_not_ready := [[n, j, c] |
		some n in input.kubernetes.nodes
		some j, c in kube.array(n, ["status", "conditions"])
		c.type == "Ready"
		c.status != "True"
	]
	not_ready := [x | some x in all_not_ready; nodes_blamed(says, all_not_ready)]
	names := sort([n.metadata.name | some [n, _, _] in not_ready])
	nodes_text := nodes_not_ready_text(not_ready)
	text := concat("", [
		concat("", [sprintf(" Scheduler: %s", [sentence(m)]) | some m in sort(says)]),
		concat("", [sprintf(" Nodes: %s", [sentence(nodes_text)]) | count(not_ready) > 0]),
	])
	evidence := [kube.at(n, ["status", "conditions", j, "message"], sprintf("Ready=%s", [c.status])) | some [n, j, c] in array.slice(not_ready, 0, 3)]
} else := {"text": "", "evidence": [], "nodes": [], "nodes_text": ""}

# NotReady nodes are named as the cause only when the scheduler's message
# points at them (the not-ready or unreachable taint, "were not ready") or
# no node at all is Ready: one NotReady node among many does not explain a
# pod that did not fit for lack of CPU.
nodes_blamed(says, not_ready) if {
	some m in says
	regex.match(`not-ready|unreachable|were not ready`, m)
}

nodes_blamed(_, not_ready) if {
	count(not_ready) > 0
	count(not_ready) == count(input.kubernetes.nodes)
}

nodes_not_ready_text(not_ready) := concat("; ", [sprintf("%s NotReady (%s): %s", [
	nodes_prefix(count(ns), count(input.kubernetes.nodes)), names_text(ns), msg,
]) |
	msgs := {node_condition_text(c) | some [_, _, c] in not_ready}
	some msg in sort(msgs)
	ns := sort([n.metadata.name | some [n, _, c] in not_ready; node_condition_text(c) == msg])
])

nodes_prefix(k, total) := "the only node is" if {
	total == 1
} else := sprintf("every node (%d) is", [k]) if {
	k == total
} else := sprintf("%d of %d nodes are", [k, total]) if {
	k > 1
} else := sprintf("1 of %d nodes is", [total])

names_text(ns) := concat(", ", ns) if count(ns) <= 5 else := sprintf("%s and %d more", [concat(", ", array.slice(ns, 0, 5)), count(ns) - 5])

sentence(m) := m if endswith(m, ".") else := concat("", [m, "."])

node_condition_text(c) := sprintf("%s: %s", [c.reason, c.message]) if {
	is_string(c.reason)
	is_string(c.message)
} else := object.get(c, "message", object.get(c, "reason", sprintf("Ready=%s", [c.status])))

serving(p) if {
	kube.ready(p)
	not p.metadata.deletionTimestamp
}

# readiness is what the bundle shows of a pod: "ready", "not-ready", or
# "unknown" when it shows nothing (an export without status, a Running pod
# without a Ready condition or a waiting container).
readiness(p) := "not-ready" if {
	p.metadata.deletionTimestamp
} else := "ready" if {
	kube.ready(p)
} else := "not-ready" if {
	some c in kube.array(p, ["status", "conditions"])
	c.type == "Ready"
} else := "not-ready" if {
	some c in kube.array(p, ["status", "containerStatuses"])
	c.state.waiting.reason
} else := "not-ready" if {
	object.get(p, ["status", "phase"], "") in {"Pending", "Failed", "Succeeded"}
} else := "unknown"

pod_state(p) := "terminating" if {
	p.metadata.deletionTimestamp
} else := s if {
	waiting := [sprintf("%s: %s", [c.name, c.state.waiting.reason]) | some c in kube.array(p, ["status", "containerStatuses"]); c.state.waiting.reason]
	count(waiting) > 0
	s := concat(", ", waiting)
} else := s if {
	object.get(p, ["status", "phase"], "") != "Running"
	c := [c | some c in kube.array(p, ["status", "conditions"]); c.type == "PodScheduled"; c.status == "False"][0]
	s := sprintf("%s: %s", [object.get(p, ["status", "phase"], "Pending"), object.get(c, "reason", "not scheduled")])
} else := s if {
	object.get(p, ["status", "phase"], "") != "Running"
	s := object.get(p, ["status", "phase"], "no status")
} else := s if {
	c := [c | some c in kube.array(p, ["status", "conditions"]); c.type == "Ready"][0]
	s := sprintf("Ready=%s%s", [c.status, reason_suffix(c)])
} else := "Running, no Ready condition"

reason_suffix(c) := sprintf(" (%s)", [c.reason]) if c.reason

reason_suffix(c) := "" if not c.reason

# pod_state_evidence cites the field that shows the state pod_state names.
pod_state_evidence(p) := kube.at(p, ["metadata", "deletionTimestamp"], pod_state(p)) if {
	p.metadata.deletionTimestamp
} else := kube.at(p, ["status", "containerStatuses", i, "state", "waiting", "reason"], pod_state(p)) if {
	# The first waiting container: a pod often has several.
	i := [i | some i, c in kube.array(p, ["status", "containerStatuses"]); c.state.waiting.reason][0]
} else := kube.at(p, ["status", "conditions", i, "message"], pod_state(p)) if {
	object.get(p, ["status", "phase"], "") != "Running"
	i := [i | some i, c in kube.array(p, ["status", "conditions"]); c.type == "PodScheduled"; c.status == "False"][0]
} else := kube.at(p, ["status", "conditions", i, "status"], pod_state(p)) if {
	i := [i | some i, c in kube.array(p, ["status", "conditions"]); c.type == "Ready"][0]
} else := kube.at(p, ["status", "phase"], pod_state(p))

# A targetPort that the selected pods do not expose.
target(port) := object.get(port, "targetPort", port.port)

# The internal form some old kubectl versions wrote: {"type":0,"intVal":…}.
target_value(t) := t.intVal if {
	is_object(t)
	t.type == 0
} else := t.strVal if {
	is_object(t)
} else := t

declared_ports(pods) := [port_entry(cp) |
	some p in pods
	some c in kube.containers(p.spec)
	some cp in kube.array(c, "ports")
]

port_text(d) := sprintf("%s:%v/%s", [d.name, d.port, d.protocol]) if d.name != ""

port_text(d) := sprintf("%v/%s", [d.port, d.protocol]) if d.name == ""

findings contains f if {
	some info in routed
	info.matched > 0
	svc := info.svc
	ns := info.ns
	some i, port in kube.array(svc, ["spec", "ports"])
	i in info.unexposed
	t := target_value(target(port))
	proto := object.get(port, "protocol", "TCP")
	declared := declared_ports(kube.selected(ns, info.sel))
	reportable(declared, t)
	not names_unknown(info, t)
	pods := [p | some p in input.kubernetes.pods; p.metadata.namespace == ns]
	matched := [p | some p in pods; kube.selects(info.sel, kube.labels(p))]
	not listens(matched, t)
	routed_anyway := port_ready_addresses(svc, object.get(port, "name", ""))
	f := {
		"message": target_message(svc, port, t, info.matched, declared, routed_anyway),
		"severity": target_severity(t, routed_anyway),
		"subjects": [kube.ref(svc)],
		"evidence": array.concat(
			[kube.at(svc, ["spec", "ports", i, target_key(port)], sprintf("port %v/%s targets %v", [port.port, proto, t]))],
			[kube.at(p, ports_path(p), concat(", ", {port_text(d) | some d in declared_ports([p])})) | some p in array.slice(matched, 0, 3)],
		),
		"confirm": array.concat(confirm(svc), [sh.format("kubectl -n %s get endpoints %s -o yaml", [ns, svc.metadata.name])]),
		"fix": target_fix(svc, port, t, declared, routed_anyway),
		"details": {
			"reason": "target-port",
			"port": port.port,
			"protocol": proto,
			"target_port": t,
			"declared": declared,
			"ready_addresses": routed_anyway,
		},
	}
}

target_key(port) := "targetPort" if port.targetPort else := "port"

# ports_path cites the first declared container port of a pod (its spec
# when it declares none).
ports_path(p) := ["spec", "containers", j, "ports", 0, "containerPort"] if {
	j := min({j | some j, c in kube.array(p, ["spec", "containers"]); count(kube.array(c, "ports")) > 0})
} else := ["spec", "containers"]

# unexposed: the indexes of the Service's ports whose target no pod of
# pods declares. Asked for every Service, so it stops at the first pod
# that declares the target (most Services) instead of listing every pod's
# ports; the list is built only for the ports it reports.
unexposed(svc, pods) := {i |
	some i, port in kube.array(svc, ["spec", "ports"])
	not pods_expose(pods, target_value(target(port)), object.get(port, "protocol", "TCP"))
}

pods_expose(pods, t, proto) if {
	some p in pods
	some c in kube.containers(p.spec)
	some cp in kube.array(c, "ports")
	exposes([port_entry(cp)], t, proto)
}

# port_entry is a container port as declared_ports lists it (a port that
# is no object, in a damaged file, declares nothing).
port_entry(cp) := {"name": object.get(cp, "name", ""), "port": cp.containerPort, "protocol": object.get(cp, "protocol", "TCP")} if is_object(cp)

exposes(declared, t, proto) if {
	is_string(t)
	some d in declared
	d.name == t
	d.protocol == proto
}

exposes(declared, t, proto) if {
	is_number(t)
	some d in declared
	d.port == t
	d.protocol == proto
}

# A pod read from kubectl describe text shows its container ports without
# their names: a named targetPort cannot be judged against it.
port_names_hidden(p) if "spec.containers[].ports[].name" in kube.not_shown(p)

names_unknown(info, t) if {
	is_string(t)
	info.unnamed > 0
}

# A named target must be declared. A number need not be (the kernel does not
# read pod specs; declaring container ports is informational), so it is only
# mentioned, as info, when the pods declare ports and the number is none of
# them.
reportable(_, t) if is_string(t)

reportable(declared, t) if {
	is_number(t)
	count(declared) > 0
}

# listens holds when a selected container names the port number in its
# command, args or env (-port=6443, --secure-port 6443, :6443): it listens
# on a port it does not declare, which Kubernetes allows.
listens(pods, t) if {
	is_number(t)
	pattern := sprintf(`(^|[^0-9])%v([^0-9]|$)`, [t])
	some p in array.slice(pods, 0, 10)
	some c in kube.containers(p.spec)
	some word in array.concat(array.concat(kube.array(c, "command"), kube.array(c, "args")), [object.get(e, "value", "") | some e in kube.array(c, "env")])
	is_string(word)
	regex.match(pattern, word)
}

target_severity(t, routed) := "low" if {
	is_string(t)
	routed > 0
} else := "high" if {
	is_string(t)
} else := "info"

declared_text(declared) := "no ports" if count(declared) == 0

declared_text(declared) := concat(", ", {port_text(d) | some d in declared}) if count(declared) > 0

target_message(svc, port, t, n, declared, routed) := sprintf("Service %s port %v/%s targets the port named %q, which none of the %d selected pod(s) declares (they declare %s), yet the bundle's Endpoints list %d ready address(es) for it: the pods and the Endpoints were collected at different moments.", [
	name(svc), port.port, object.get(port, "protocol", "TCP"), t, n, declared_text(declared), routed,
]) if {
	is_string(t)
	routed > 0
} else := sprintf("Service %s port %v/%s targets the port named %q, but none of the %d selected pod(s) declares a container port with that name and protocol (they declare %s), so the port has no endpoints.", [
	name(svc), port.port, object.get(port, "protocol", "TCP"), t, n, declared_text(declared),
]) if {
	is_string(t)
} else := sprintf("Service %s port %v/%s targets port %v/%s, which none of the %d selected pod(s) declares (they declare %s). Kubernetes routes to an undeclared port all the same (declaring container ports is informational), so this matters only if the application does not listen on %v.", [
	name(svc), port.port, object.get(port, "protocol", "TCP"), t, object.get(port, "protocol", "TCP"), n, declared_text(declared), t,
])

target_fix(svc, port, t, declared, routed) := inconsistent_fix(svc) if {
	is_string(t)
	routed > 0
} else := sprintf("Set targetPort of port %v/%s in Service %s to a port the containers declare (%s), or name the container port %q.", [
	port.port, object.get(port, "protocol", "TCP"), name(svc), declared_text(declared), t,
]) if {
	is_string(t)
} else := sprintf("Check that the application listens on %v; if it does not, set targetPort of port %v/%s in Service %s to the port it listens on (the pods declare %s).", [
	t, port.port, object.get(port, "protocol", "TCP"), name(svc), declared_text(declared),
])

# Endpoints present and empty although the rest looks right (or the pods
# are not in the bundle): the only evidence is the Endpoints object itself.
findings contains f if {
	some info in routed
	endpoints_empty(info)
	not other_reason(info)
	svc := info.svc
	f := {
		"message": endpoints_message(info),
		"severity": "medium",
		"subjects": [kube.ref(svc)],
		"evidence": array.concat([selector_evidence(svc)], [{"object": ref, "path": ["metadata", "name"], "note": "no ready address"} | some ref in array.concat(info.eps, info.slices)]),
		"confirm": confirm(svc),
		"fix": "Compare the Endpoints with the live cluster: if they are still empty there, check the endpoints controller (kube-controller-manager logs) and the pods' readiness; if not, the bundle's collections were taken at different moments.",
		"details": {"reason": "no-endpoints", "selector": info.sel},
	}
}

endpoints_message(info) := sprintf("Service %s has no ready endpoint in the bundle's Endpoints/EndpointSlices, although %d Ready pod(s) match its selector %s.", [
	name(info.svc), info.serving, kube.format_labels(info.sel),
]) if {
	pods_listed(info.ns)
	info.serving > 0
} else := sprintf("Service %s has no ready endpoint in the bundle's Endpoints/EndpointSlices; the %d pod(s) matching its selector %s carry no status in the bundle, so why could not be checked.", [
	name(info.svc), info.matched, kube.format_labels(info.sel),
]) if {
	pods_listed(info.ns)
	info.matched > 0
} else := sprintf("Service %s has no ready endpoint in the bundle's Endpoints/EndpointSlices; the pods of namespace %s are not in the bundle, so why could not be checked.", [
	name(info.svc), info.ns,
])

# Any of the findings above already explains an empty Endpoints.
other_reason(info) if {
	pods_listed(info.ns)
	info.matched == 0
}

other_reason(info) if {
	info.matched > 0
	info.serving == 0
	info.unknown == 0
}

other_reason(info) if {
	some i, port in kube.array(info.svc, ["spec", "ports"])
	t := target_value(target(port))
	is_string(t)
	i in info.serving_unexposed
	not names_unknown(info, t)
}

# --------------------------------------------------------------- notices

notices contains msg if {
	some info in routed
	some port in kube.array(info.svc, ["spec", "ports"])
	t := target_value(target(port))
	names_unknown(info, t)
	msg := sprintf("Service %s targets the port named %q: %d selected pod(s) come from kubectl describe text that does not show container port names (kubectl versions before port names such as 80/TCP (http)), so that target was not checked", [name(info.svc), t, info.unnamed])
}

notices contains msg if {
	some info in routed
	not pods_listed(info.ns)
	msg := sprintf("pods of namespace %s are not in the bundle: its Services were checked against Endpoints only", [info.ns])
}

notices contains "the bundle has no Endpoints or EndpointSlices: endpoint lists were not compared (collect them with kubectl get endpoints,endpointslices -A -o yaml)" if {
	not input.available["kubernetes.endpoints"]
	not input.available["kubernetes.endpointslices"]
	count(input.kubernetes.services) > 0
}

# A Service read from a `kubectl get svc` table without -o wide: the table
# has no SELECTOR column, so its selector is unknown, not absent. It is
# not judged, and says so.
notices contains sprintf("Service %s/%s comes from a `kubectl get svc` table without its SELECTOR column: not judged (collect kubectl get svc -o wide, or -o yaml)", [svc.metadata.namespace, svc.metadata.name]) if {
	some svc in input.kubernetes.services
	cols := svc.metadata.annotations["ktriage.io/columns"]
	not "SELECTOR" in split(cols, ",")
}
