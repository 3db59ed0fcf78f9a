# METADATA
# title: Service routes to no ready pod
# description: >-
#   A Service with a selector sends traffic only to Ready pods of its own
#   namespace whose labels hold every key=value of the selector, on the
#   targetPort of each Service port. This rule finds Services for which that
#   set is empty: the selector matches no pod (naming the pods that come
#   closest and the label that differs), it matches a workload's pod template
#   but no such pod exists, the matching pods are not Ready, a named
#   targetPort that no selected container declares (or a number other than
#   every port they declare), or the bundle's Endpoints/EndpointSlices hold no
#   ready address. Services without a selector (Endpoints managed by hand)
#   and ExternalName Services are not checked.
# custom:
#   id: selector-mismatch
#   category: selector-mismatch
#   severity: high
#   needs: [kubernetes.services]
#   remediation: >-
#     Make the Service's spec.selector equal labels that the pod template
#     really sets (or fix the template's labels), point each targetPort at a
#     port name or number the containers listen on, and fix whatever keeps
#     the selected pods from becoming Ready (their conditions and events say
#     what).
#   references:
#     - https://kubernetes.io/docs/concepts/services-networking/service/#services-without-selectors
#     - https://kubernetes.io/docs/tasks/debug/debug-application/debug-service/
package ktriage.rules.kubernetes["selector-mismatch"]

import data.ktriage.lib.kube

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
	pods := [p | some p in input.kubernetes.pods; p.metadata.namespace == ns]
	eps := [e | some e in input.kubernetes.endpoints; e.metadata.namespace == ns]
	slices := [x | some x in input.kubernetes.endpointslices; x.metadata.namespace == ns]
	matched := [p | some p in pods; kube.selects(sel, kube.labels(p))]
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
		"declared": declared_ports(matched), "serving_declared": declared_ports(serving_pods),
		"eps": [kube.ref(e) | some e in mine_eps], "slices": [kube.ref(x) | some x in mine_slices],
		"ready_addresses": ready_addresses(mine_eps, mine_slices),
	}
}

confirm(svc) := [
	sprintf("kubectl -n %s get service %s -o yaml", [ns, n]),
	sprintf("kubectl -n %s get endpointslices -l kubernetes.io/service-name=%s", [ns, n]),
	sprintf("kubectl -n %s get pods -l '%s' -o wide --show-labels", [ns, kube.format_labels(selector(svc))]),
	sprintf("kubectl -n %s get pods --show-labels", [ns]),
] if {
	ns := kube.namespace(svc)
	n := svc.metadata.name
}

selector_evidence(svc) := kube.at(svc, ["spec", "selector"], sprintf("selector %s", [kube.format_labels(selector(svc))]))

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

# closest returns up to three objects whose labels (by labels_of) are
# nearest the selector, in name order; none when nothing is near at all.
closest(sel, objs, labels_of) := picked if {
	scores := {o.metadata.name: distance(sel, kube.map(labels_of, o.metadata.name)) | some o in objs}
	count(scores) > 0
	best := min({s | some s in scores})
	best < 200 * count(sel)
	names := sort([n | some n, s in scores; s == best])
	picked := [o | some n in array.slice(names, 0, 3); some o in objs; o.metadata.name == n]
} else := []

pod_labels(pods) := {p.metadata.name: kube.labels(p) | some p in pods}

workload_labels(ws) := {w.metadata.name: template_labels(w) | some w in ws}

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
	object.get(x, ["conditions", "ready"], true) != false
])

# Endpoints count only where the bundle holds that namespace's Endpoints
# or EndpointSlices: a collection of other namespaces says nothing here.
endpoints_known(ns) if input.kubernetes.listed.endpoints[ns]

endpoints_known(ns) if input.kubernetes.listed.endpointslices[ns]

# endpoints_empty is true when the bundle's Endpoints or EndpointSlices for
# the Service hold no ready address.
endpoints_empty(info) if {
	endpoints_known(info.ns)
	info.ready_addresses == 0
}

endpoint_evidence(info) := [{"object": ref, "path": [], "note": "Endpoints lists no ready address"} | some ref in info.eps; endpoints_empty(info)]

# ------------------------------------------------------------- findings

# The selector matches no pod and no workload template in the namespace.
findings contains f if {
	some info in unmatched
	workloads := info.workloads
	count(matching(workloads, info.sel)) == 0
	svc := info.svc
	sel := info.sel
	near_pods := closest(sel, info.pods, pod_labels(info.pods))
	near_workloads := closest(sel, workloads, workload_labels(workloads))
	f := {
		"message": no_match_message(svc, sel, info.pods, near_pods),
		"subjects": [kube.ref(svc)],
		"evidence": array.concat(
			array.concat([selector_evidence(svc)], [e |
				some p in near_pods
				some e in near_evidence(sel, p, ["metadata", "labels"], kube.labels(p))
			]),
			array.concat([e |
				some w in near_workloads
				some e in near_evidence(sel, w, ["spec", "template", "metadata", "labels"], template_labels(w))
			], endpoint_evidence(info)),
		),
		"confirm": confirm(svc),
		"fix": no_match_fix(svc, sel, near_pods, near_workloads),
		"details": {
			"reason": "no-pod-matches",
			"selector": sel,
			"pods_in_namespace": count(info.pods),
			"closest_pods": [{"name": p.metadata.name, "differences": differences(sel, kube.labels(p))} | some p in near_pods],
			"closest_workloads": [{"kind": w.kind, "name": w.metadata.name, "differences": differences(sel, template_labels(w))} | some w in near_workloads],
		},
	}
}

no_match_message(svc, sel, pods, near) := sprintf("Service %s selects %s, but namespace %s has no pods at all.", [
	name(svc), kube.format_labels(sel), kube.namespace(svc),
]) if count(pods) == 0

no_match_message(svc, sel, pods, near) := sprintf("Service %s selects %s, but none of the %d pods in namespace %s has those labels or anything close to them, so it has no endpoints.", [
	name(svc), kube.format_labels(sel), count(pods), kube.namespace(svc),
]) if {
	count(pods) > 0
	count(near) == 0
}

no_match_message(svc, sel, pods, near) := sprintf("Service %s selects %s, but no pod in namespace %s matches, so it has no endpoints; closest: %s.", [
	name(svc), kube.format_labels(sel), kube.namespace(svc),
	concat("; ", [near_text(sel, p, kube.labels(p)) | some p in near]),
]) if count(near) > 0

no_match_fix(svc, sel, near_pods, near_workloads) := sprintf("Set the selector of Service %s to what %s %s's pod template sets (%s), or change that template's labels to %s; a Deployment's own spec.selector cannot be changed in place, so changing the Service is usually the safe side.", [
	name(svc), w.kind, w.metadata.name, kube.format_labels(object.filter(template_labels(w), object.keys(sel))), kube.format_labels(sel),
]) if {
	count(near_workloads) > 0
	w := near_workloads[0]
}

no_match_fix(svc, sel, near_pods, near_workloads) := sprintf("Set the selector of Service %s to the labels pod %s carries (%s), or label the pods' template with %s.", [
	name(svc), p.metadata.name, kube.format_labels(object.filter(kube.labels(p), object.keys(sel))), kube.format_labels(sel),
]) if {
	count(near_workloads) == 0
	count(near_pods) > 0
	p := near_pods[0]
}

no_match_fix(svc, sel, near_pods, near_workloads) := sprintf("No pod or workload in namespace %s resembles selector %s: check that Service %s is in the right namespace and that the workload it fronts is deployed.", [
	kube.namespace(svc), kube.format_labels(sel), name(svc),
]) if {
	count(near_workloads) == 0
	count(near_pods) == 0
}

# The selector matches a workload's template but no such pod exists.
findings contains f if {
	some info in unmatched
	ws := matching(info.workloads, info.sel)
	count(ws) > 0
	svc := info.svc
	f := {
		"message": sprintf("Service %s selects %s, which matches the pod template of %s, but no such pod exists, so it has no endpoints.", [
			name(svc), kube.format_labels(info.sel),
			concat(", ", [sprintf("%s %s (%s)", [w.kind, w.metadata.name, replicas_text(w)]) | some w in ws]),
		]),
		"subjects": array.concat([kube.ref(svc)], [kube.ref(w) | some w in ws]),
		"evidence": array.concat(
			array.concat([selector_evidence(svc)], [kube.at(w, kube.availability_path(w), replicas_text(w)) | some w in ws]),
			endpoint_evidence(info),
		),
		"confirm": array.concat(confirm(svc), [sprintf("kubectl -n %s describe %s %s", [info.ns, lower(w.kind), w.metadata.name]) | some w in ws]),
		"fix": sprintf("The selector is right; find out why %s creates no pods (its ReplicaSet's events usually say: quota, admission, image or scheduling).", [concat(", ", [sprintf("%s %s", [w.kind, w.metadata.name]) | some w in ws])]),
		"details": {
			"reason": "workload-has-no-pods",
			"selector": info.sel,
			"workloads": [kube.ref(w) | some w in ws],
		},
	}
}

# Pods match, none is Ready.
findings contains f if {
	some info in routed
	info.matched > 0
	info.serving == 0
	svc := info.svc
	ns := info.ns
	pods := [p | some p in input.kubernetes.pods; p.metadata.namespace == ns]
	matched := [p | some p in pods; kube.selects(info.sel, kube.labels(p))]
	shown := array.slice(matched, 0, 5)
	f := {
		"message": sprintf("Service %s selects %d pod(s) with %s, but none is Ready, so it has no endpoints: %s.", [
			name(svc), info.matched, kube.format_labels(info.sel),
			concat("; ", [sprintf("%s (%s)", [p.metadata.name, pod_state(p)]) | some p in shown]),
		]),
		"subjects": array.concat([kube.ref(svc)], [kube.ref(p) | some p in shown]),
		"evidence": array.concat(
			array.concat([selector_evidence(svc)], [pod_state_evidence(p) | some p in shown]),
			endpoint_evidence(info),
		),
		"confirm": array.concat(confirm(svc), [sprintf("kubectl -n %s describe pod %s", [ns, p.metadata.name]) | some p in array.slice(shown, 0, 2)]),
		"fix": "The selector is right; make the pods Ready: the state in brackets says what holds each one back (a failing readiness probe, a crash loop, an image or scheduling problem).",
		"details": {
			"reason": "no-ready-pod",
			"selector": info.sel,
			"pods": [{"name": p.metadata.name, "state": pod_state(p)} | some p in matched],
		},
	}
}

serving(p) if {
	kube.ready(p)
	not p.metadata.deletionTimestamp
}

pod_state(p) := "terminating" if {
	p.metadata.deletionTimestamp
} else := s if {
	waiting := [sprintf("%s: %s", [c.name, c.state.waiting.reason]) | some c in kube.array(p, ["status", "containerStatuses"]); c.state.waiting.reason]
	count(waiting) > 0
	s := concat(", ", waiting)
} else := s if {
	object.get(p, ["status", "phase"], "") != "Running"
	some c in kube.array(p, ["status", "conditions"])
	c.type == "PodScheduled"
	c.status == "False"
	s := sprintf("%s: %s", [object.get(p, ["status", "phase"], "Pending"), object.get(c, "reason", "not scheduled")])
} else := s if {
	object.get(p, ["status", "phase"], "") != "Running"
	s := object.get(p, ["status", "phase"], "no status")
} else := s if {
	some c in kube.array(p, ["status", "conditions"])
	c.type == "Ready"
	s := sprintf("Ready=%s%s", [c.status, reason_suffix(c)])
} else := "Running, no Ready condition"

reason_suffix(c) := sprintf(" (%s)", [c.reason]) if c.reason

reason_suffix(c) := "" if not c.reason

pod_state_evidence(p) := kube.at(p, ["status", "conditions", i], pod_state(p)) if {
	some i, c in kube.array(p, ["status", "conditions"])
	c.type == "Ready"
} else := kube.at(p, ["status"], pod_state(p))

# A targetPort that the selected pods do not expose.
target(port) := object.get(port, "targetPort", port.port)

# The internal form some old kubectl versions wrote: {"type":0,"intVal":…}.
target_value(t) := t.intVal if {
	is_object(t)
	t.type == 0
} else := t.strVal if {
	is_object(t)
} else := t

declared_ports(pods) := [{"name": object.get(cp, "name", ""), "port": cp.containerPort, "protocol": object.get(cp, "protocol", "TCP")} |
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
	t := target_value(target(port))
	proto := object.get(port, "protocol", "TCP")
	declared := info.declared
	not exposes(declared, t, proto)
	reportable(declared, t)
	pods := [p | some p in input.kubernetes.pods; p.metadata.namespace == ns]
	matched := [p | some p in pods; kube.selects(info.sel, kube.labels(p))]
	f := {
		"message": target_message(svc, port, t, info.matched, declared),
		"severity": target_severity(t),
		"subjects": [kube.ref(svc)],
		"evidence": array.concat(
			[kube.at(svc, ["spec", "ports", i], sprintf("port %v/%s targets %v", [port.port, proto, t]))],
			[kube.at(p, ["spec", "containers"], concat(", ", {port_text(d) | some d in declared_ports([p])})) | some p in array.slice(matched, 0, 3)],
		),
		"confirm": array.concat(confirm(svc), [sprintf("kubectl -n %s get endpoints %s -o yaml", [ns, svc.metadata.name])]),
		"fix": target_fix(svc, port, t, declared),
		"details": {
			"reason": "target-port",
			"port": port.port,
			"target_port": t,
			"declared": declared,
		},
	}
}

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

# A named target must be declared. A number need not be (the kernel does not
# read pod specs), so it is only reported when the pods declare ports and
# the number is none of them: then it is most likely a typo.
reportable(_, t) if is_string(t)

reportable(declared, t) if {
	is_number(t)
	count(declared) > 0
}

target_severity(t) := "high" if is_string(t)

target_severity(t) := "medium" if is_number(t)

declared_text(declared) := "no ports" if count(declared) == 0

declared_text(declared) := concat(", ", {port_text(d) | some d in declared}) if count(declared) > 0

target_message(svc, port, t, n, declared) := sprintf("Service %s port %v targets the port named %q, but none of the %d selected pod(s) declares a container port with that name (they declare %s), so the port has no endpoints.", [
	name(svc), port.port, t, n, declared_text(declared),
]) if is_string(t)

target_message(svc, port, t, n, declared) := sprintf("Service %s port %v targets port %v, but the %d selected pod(s) declare only %s: unless the application also listens on %v, connections are refused.", [
	name(svc), port.port, t, n, declared_text(declared), t,
]) if is_number(t)

target_fix(svc, port, t, declared) := sprintf("Set targetPort of port %v in Service %s to a port the containers declare (%s), or name the container port %q.", [
	port.port, name(svc), declared_text(declared), t,
]) if is_string(t)

target_fix(svc, port, t, declared) := sprintf("Set targetPort of port %v in Service %s to the port the application listens on (the pods declare %s).", [
	port.port, name(svc), declared_text(declared),
]) if is_number(t)

# Endpoints empty although the rest looks right (or the pods are not in the
# bundle): the only evidence is the Endpoints object itself.
findings contains f if {
	some info in routed
	endpoints_empty(info)
	not other_reason(info)
	svc := info.svc
	f := {
		"message": endpoints_message(info),
		"severity": "medium",
		"subjects": [kube.ref(svc)],
		"evidence": array.concat([selector_evidence(svc)], [{"object": ref, "path": [], "note": "no ready address"} | some ref in array.concat(info.eps, info.slices)]),
		"confirm": confirm(svc),
		"fix": "Compare the Endpoints with the live cluster: if they are still empty there, check the endpoints controller (kube-controller-manager logs) and the pods' readiness; if not, the bundle's collections were taken at different moments.",
		"details": {"reason": "no-endpoints", "selector": info.sel},
	}
}

endpoints_message(info) := sprintf("Service %s has no ready endpoint in the bundle's Endpoints/EndpointSlices, although %d Ready pod(s) match its selector %s.", [
	name(info.svc), info.serving, kube.format_labels(info.sel),
]) if pods_listed(info.ns)

endpoints_message(info) := sprintf("Service %s has no ready endpoint in the bundle's Endpoints/EndpointSlices; the pods of namespace %s are not in the bundle, so why could not be checked.", [
	name(info.svc), info.ns,
]) if not pods_listed(info.ns)

# Any of the findings above already explains an empty Endpoints.
other_reason(info) if {
	pods_listed(info.ns)
	info.serving == 0
}

other_reason(info) if {
	some port in kube.array(info.svc, ["spec", "ports"])
	t := target_value(target(port))
	is_string(t)
	not exposes(info.serving_declared, t, object.get(port, "protocol", "TCP"))
}

# --------------------------------------------------------------- notices

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
