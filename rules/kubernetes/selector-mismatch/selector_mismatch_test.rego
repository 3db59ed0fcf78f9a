package ktriage.rules.kubernetes["selector-mismatch_test"]

import data.ktriage.rules.kubernetes["selector-mismatch"] as rule

# ------------------------------------------------------------ builders

svc(ns, name, selector, ports) := {
	"kind": "Service", "apiVersion": "v1",
	"metadata": {"namespace": ns, "name": name},
	"spec": {"type": "ClusterIP", "selector": selector, "ports": ports},
}

port(p, target) := {"port": p, "protocol": "TCP", "targetPort": target}

pod(ns, name, labels, ready, ports) := {
	"kind": "Pod", "apiVersion": "v1",
	"metadata": {"namespace": ns, "name": name, "labels": labels},
	"spec": {"containers": [{"name": "app", "image": "app:1", "ports": ports}]},
	"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": ready_status(ready)}]},
}

ready_status(true) := "True"

ready_status(false) := "False"

deployment(ns, name, labels, replicas, available) := {
	"kind": "Deployment", "apiVersion": "apps/v1",
	"metadata": {"namespace": ns, "name": name},
	"spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "app"}]}}},
	"status": {"availableReplicas": available},
}

endpoints(ns, name, addresses) := {
	"kind": "Endpoints", "apiVersion": "v1",
	"metadata": {"namespace": ns, "name": name},
	"subsets": [{"addresses": [{"ip": ip} | some ip in addresses]}],
}

cluster(services, pods, deployments, eps) := {
	"available": object.union(
		{"kubernetes.services": true, "kubernetes.pods": true},
		{"kubernetes.endpoints": true | count(eps) > 0},
	),
	"kubernetes": {
		"services": services, "pods": pods, "deployments": deployments,
		"statefulsets": [], "daemonsets": [], "replicasets": [], "replicationcontrollers": [],
		"endpoints": eps, "endpointslices": [],
		"listed": {
			"pods": {p.metadata.namespace: true | some p in pods},
			"endpoints": {e.metadata.namespace: true | some e in eps},
		},
	},
	"quantities": {},
}

http := [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]

only(set) := x if {
	count(set) == 1
	some x in set
}

# ------------------------------------------------------- no pod matches

test_fires_on_near_miss_naming_closest_pod_and_label if {
	f := only(rule.findings) with input as cluster(
		[svc("shop", "invoice", {"app": "invoice"}, [port(80, 8080)])],
		[
			pod("shop", "invoices-7d9c-abcde", {"app": "invoices", "pod-template-hash": "7d9c"}, true, http),
			pod("shop", "cart-1", {"app": "cart"}, true, http),
		],
		[deployment("shop", "invoices", {"app": "invoices"}, 2, 2)],
		[endpoints("shop", "invoice", [])],
	)
	f.details.reason == "no-pod-matches"
	contains(f.message, "Service shop/invoice selects app=invoice")
	contains(f.message, "closest: pod invoices-7d9c-abcde has app=invoices, not invoice.")
	f.subjects == [{"kind": "Service", "namespace": "shop", "name": "invoice"}]
	f.details.closest_pods == [{"name": "invoices-7d9c-abcde", "differences": [{"label": "app", "selector": "invoice", "actual": "invoices"}]}]
	f.details.closest_workloads[0].name == "invoices"
	contains(f.fix, "Deployment invoices")

	# cites the selector, the pod's label, the template label and the empty Endpoints
	paths := {e.path | some e in f.evidence}
	paths == {["spec", "selector"], ["metadata", "labels", "app"], ["spec", "template", "metadata", "labels", "app"], []}
}

test_fires_when_a_second_key_is_missing if {
	f := only(rule.findings) with input as cluster(
		[svc("web", "api", {"app": "api", "tier": "backend"}, [port(80, 8080)])],
		[pod("web", "api-1", {"app": "api"}, true, http)],
		[], [],
	)
	contains(f.message, "no tier label (selector wants tier=backend)")
}

test_fires_when_namespace_has_no_pods_but_was_collected if {
	inp := json.patch(cluster([svc("empty", "x", {"app": "x"}, [port(80, 80)])], [], [], []), [{"op": "add", "path": "/kubernetes/listed/pods/empty", "value": true}])
	f := only(rule.findings) with input as inp
	contains(f.message, "namespace empty has no pods at all")
}

test_fires_without_near_miss_when_nothing_shares_a_key if {
	f := only(rule.findings) with input as cluster(
		[svc("shop", "invoice", {"app": "invoice"}, [port(80, 8080)])],
		[pod("shop", "db-0", {"role": "db"}, true, http)],
		[], [],
	)
	contains(f.message, "none of the 1 pods in namespace shop has those labels or anything close to them")
	f.details.closest_pods == []
}

test_silent_when_pods_of_namespace_not_collected if {
	inp := cluster([svc("other", "x", {"app": "x"}, [port(80, 80)])], [pod("shop", "a", {"app": "x"}, true, http)], [], [])
	count(rule.findings) == 0 with input as inp
	"pods of namespace other are not in the bundle: its Services were checked against Endpoints only" in rule.notices with input as inp
}

test_silent_for_pods_in_another_namespace_only if {
	# A pod with the right labels in another namespace does not serve the Service.
	f := only(rule.findings) with input as cluster(
		[svc("shop", "invoice", {"app": "invoice"}, [port(80, 8080)])],
		[pod("shop", "other", {"app": "cart"}, true, http), pod("billing", "invoice-1", {"app": "invoice"}, true, http)],
		[], [],
	)
	f.details.reason == "no-pod-matches"
}

# ---------------------------------------------- workload without pods

test_fires_when_template_matches_but_no_pod_exists if {
	inp := json.patch(
		cluster([svc("shop", "api", {"app": "api"}, [port(80, 8080)])], [], [deployment("shop", "api", {"app": "api"}, 3, 0)], []),
		[{"op": "add", "path": "/kubernetes/listed/pods/shop", "value": true}],
	)
	f := only(rule.findings) with input as inp
	f.details.reason == "workload-has-no-pods"
	contains(f.message, "Deployment api (0 of 3 replicas available)")
}

# ------------------------------------------------------- none is Ready

test_fires_when_matching_pods_are_not_ready if {
	crashing := json.patch(pod("shop", "api-2", {"app": "api"}, false, http), [{"op": "add", "path": "/status/containerStatuses", "value": [{"name": "app", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}])
	f := only(rule.findings) with input as cluster(
		[svc("shop", "api", {"app": "api"}, [port(80, 8080)])],
		[pod("shop", "api-1", {"app": "api"}, false, http), crashing],
		[], [],
	)
	f.details.reason == "no-ready-pod"
	contains(f.message, "selects 2 pod(s) with app=api, but none is Ready")
	contains(f.message, "api-1 (Ready=False)")
	contains(f.message, "api-2 (app: CrashLoopBackOff)")
}

test_silent_when_one_pod_is_ready if {
	count(rule.findings) == 0 with input as cluster(
		[svc("shop", "api", {"app": "api"}, [port(80, 8080)])],
		[pod("shop", "api-1", {"app": "api"}, false, http), pod("shop", "api-2", {"app": "api"}, true, http)],
		[], [endpoints("shop", "api", ["10.0.0.2"])],
	)
}

test_terminating_pods_do_not_serve if {
	term := json.patch(pod("shop", "api-1", {"app": "api"}, true, http), [{"op": "add", "path": "/metadata/deletionTimestamp", "value": "2024-01-01T00:00:00Z"}])
	f := only(rule.findings) with input as cluster([svc("shop", "api", {"app": "api"}, [port(80, 8080)])], [term], [], [])
	contains(f.message, "api-1 (terminating)")
}

# --------------------------------------------------------- targetPort

test_fires_on_named_target_port_no_pod_declares if {
	f := only(rule.findings) with input as cluster(
		[svc("shop", "web", {"app": "web"}, [port(80, "http-web")])],
		[pod("shop", "web-1", {"app": "web"}, true, http)],
		[], [],
	)
	f.details.reason == "target-port"
	f.severity == "high"
	contains(f.message, `targets the port named "http-web"`)
	contains(f.message, "they declare http:8080/TCP")
}

test_silent_on_named_target_port_declared if {
	count(rule.findings) == 0 with input as cluster(
		[svc("shop", "web", {"app": "web"}, [port(80, "http")])],
		[pod("shop", "web-1", {"app": "web"}, true, http)],
		[], [],
	)
}

# A native sidecar (an init container with restartPolicy Always) declares
# the port; a plain init container that exits does not count.
sidecar(policy) := object.union(pod("shop", "web-1", {"app": "web"}, true, http), {"spec": {"initContainers": [
	{"name": "envoy", "image": "envoy:1", "restartPolicy": policy, "ports": [{"name": "http-envoy", "containerPort": 15090}]},
]}})

test_named_target_port_on_a_native_sidecar if {
	count(rule.findings) == 0 with input as cluster([svc("shop", "web", {"app": "web"}, [port(80, "http-envoy")])], [sidecar("Always")], [], [])
	f := only(rule.findings) with input as cluster([svc("shop", "web", {"app": "web"}, [port(80, "http-envoy")])], [sidecar("OnFailure")], [], [])
	f.details.reason == "target-port"
}

test_named_port_must_match_protocol if {
	udp := [{"name": "dns", "containerPort": 53, "protocol": "UDP"}]
	tcp_svc := svc("kube-system", "dns", {"k8s-app": "dns"}, [{"port": 53, "protocol": "TCP", "targetPort": "dns"}])
	f := only(rule.findings) with input as cluster([tcp_svc], [pod("kube-system", "dns-1", {"k8s-app": "dns"}, true, udp)], [], [])
	contains(f.message, "dns:53/UDP")
}

test_fires_on_numeric_target_port_other_than_declared if {
	f := only(rule.findings) with input as cluster(
		[svc("shop", "web", {"app": "web"}, [port(80, 9090)])],
		[pod("shop", "web-1", {"app": "web"}, true, http)],
		[], [],
	)
	f.severity == "medium"
	contains(f.message, "targets port 9090, but the 1 selected pod(s) declare only http:8080/TCP")
}

test_silent_on_numeric_target_port_when_pods_declare_none if {
	# Kubernetes routes to undeclared ports; declaring them is optional.
	count(rule.findings) == 0 with input as cluster(
		[svc("shop", "web", {"app": "web"}, [port(80, 9090)])],
		[pod("shop", "web-1", {"app": "web"}, true, [])],
		[], [],
	)
}

test_target_port_defaults_to_port if {
	count(rule.findings) == 0 with input as cluster(
		[svc("shop", "web", {"app": "web"}, [{"port": 8080, "protocol": "TCP"}])],
		[pod("shop", "web-1", {"app": "web"}, true, http)],
		[], [],
	)
}

test_reads_internal_int_or_string if {
	count(rule.findings) == 0 with input as cluster(
		[svc("shop", "web", {"app": "web"}, [port(80, {"type": 0, "intVal": 8080, "strVal": ""})])],
		[pod("shop", "web-1", {"app": "web"}, true, http)],
		[], [],
	)
}

# ---------------------------------------------------------- endpoints

test_fires_on_empty_endpoints_when_pods_are_not_in_bundle if {
	inp := json.patch(cluster([svc("shop", "web", {"app": "web"}, [port(80, 8080)])], [], [], [endpoints("shop", "web", [])]), [{"op": "remove", "path": "/kubernetes/listed/pods"}])
	f := only(rule.findings) with input as inp
	f.details.reason == "no-endpoints"
	contains(f.message, "the pods of namespace shop are not in the bundle")
}

test_fires_on_empty_endpoints_despite_ready_pods if {
	f := only(rule.findings) with input as cluster(
		[svc("shop", "web", {"app": "web"}, [port(80, 8080)])],
		[pod("shop", "web-1", {"app": "web"}, true, http)],
		[], [endpoints("shop", "web", [])],
	)
	contains(f.message, "although 1 Ready pod(s) match")
}

test_endpointslice_with_ready_endpoint_counts if {
	slice := {
		"kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
		"metadata": {"namespace": "shop", "name": "web-abc", "labels": {"kubernetes.io/service-name": "web"}},
		"endpoints": [{"addresses": ["10.0.0.9"], "conditions": {"ready": true}}],
	}
	inp := json.patch(cluster([svc("shop", "web", {"app": "web"}, [port(80, 8080)])], [pod("shop", "web-1", {"app": "web"}, true, http)], [], []), [
		{"op": "add", "path": "/kubernetes/endpointslices", "value": [slice]},
		{"op": "add", "path": "/available/kubernetes.endpointslices", "value": true},
		{"op": "add", "path": "/kubernetes/listed/endpointslices", "value": {"shop": true}},
	])
	count(rule.findings) == 0 with input as inp
}

# ------------------------------------------------- out of this rule's scope

test_silent_for_service_without_selector if {
	manual := {"kind": "Service", "metadata": {"namespace": "shop", "name": "external-db"}, "spec": {"ports": [port(5432, 5432)]}}
	count(rule.findings) == 0 with input as cluster([manual], [pod("shop", "a", {"app": "a"}, true, http)], [], [endpoints("shop", "external-db", ["192.0.2.10"])])
}

test_silent_for_external_name if {
	ext := {"kind": "Service", "metadata": {"namespace": "shop", "name": "mail"}, "spec": {"type": "ExternalName", "externalName": "mail.example.com", "selector": {"app": "mail"}}}
	count(rule.findings) == 0 with input as cluster([ext], [pod("shop", "a", {"app": "a"}, true, http)], [], [])
}

test_endpoints_of_other_namespaces_say_nothing if {
	# Endpoints were collected for shop only: kube-system's Service is not judged by them.
	count(rule.findings) == 0 with input as cluster(
		[svc("kube-system", "dns", {"k8s-app": "dns"}, [port(53, 53)]), svc("shop", "web", {"app": "web"}, [port(80, 8080)])],
		[pod("kube-system", "dns-1", {"k8s-app": "dns"}, true, []), pod("shop", "web-1", {"app": "web"}, true, http)],
		[], [endpoints("shop", "web", ["10.0.0.3"])],
	)
}

test_silent_on_healthy_service if {
	count(rule.findings) == 0 with input as cluster(
		[svc("shop", "web", {"app": "web"}, [port(80, "http")])],
		[pod("shop", "web-1", {"app": "web", "pod-template-hash": "x"}, true, http)],
		[deployment("shop", "web", {"app": "web"}, 1, 1)],
		[endpoints("shop", "web", ["10.0.0.3"])],
	)
}

# ------------------------------------------------- kubectl get tables

# A Service from `kubectl get svc` without -o wide has no SELECTOR column:
# no selector is known, so nothing is concluded, and the notice says why.
test_not_judged_when_table_lacks_selector_column if {
	s := {
		"kind": "Service", "apiVersion": "v1",
		"metadata": {"namespace": "shop", "name": "invoice", "annotations": {"ktriage.io/source": "kubectl-get", "ktriage.io/columns": "NAME,TYPE,CLUSTER-IP,EXTERNAL-IP,PORT(S),AGE"}},
		"spec": {"type": "ClusterIP", "ports": [{"port": 80, "protocol": "TCP"}]},
	}
	inp := cluster([s], [pod("shop", "invoices-1", {"app": "invoices"}, true, http)], [], [endpoints("shop", "invoice", [])])
	count(rule.findings) == 0 with input as inp
	"Service shop/invoice comes from a `kubectl get svc` table without its SELECTOR column: not judged (collect kubectl get svc -o wide, or -o yaml)" in rule.notices with input as inp
}

test_judged_when_table_shows_selector_column if {
	s := object.union(svc("shop", "invoice", {"app": "invoice"}, [{"port": 80, "protocol": "TCP"}]), {"metadata": {"annotations": {"ktriage.io/columns": "NAME,TYPE,CLUSTER-IP,EXTERNAL-IP,PORT(S),AGE,SELECTOR"}}})
	inp := cluster([s], [pod("shop", "invoices-1", {"app": "invoices"}, true, http)], [], [endpoints("shop", "invoice", [])])
	count(rule.findings) == 1 with input as inp
	count({n | some n in rule.notices; contains(n, "SELECTOR")}) == 0 with input as inp
}
