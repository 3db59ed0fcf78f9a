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
	paths == {["spec", "selector", "app"], ["metadata", "labels", "app"], ["spec", "template", "metadata", "labels", "app"], ["metadata", "name"]}
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
	f.severity == "low"
	f.details.reason == "nothing-runs-it"
	contains(f.message, "nothing in namespace empty runs it: no pod (of 0) and no workload template")
}

test_fires_without_near_miss_when_nothing_shares_a_key if {
	f := only(rule.findings) with input as cluster(
		[svc("shop", "invoice", {"app": "invoice"}, [port(80, 8080)])],
		[pod("shop", "db-0", {"role": "db"}, true, http)],
		[], [],
	)
	# Nothing resembles the selector: the component is not deployed here
	# (platform Services of disabled components): low, not high.
	f.severity == "low"
	contains(f.message, "nothing in namespace shop runs it: no pod (of 1) and no workload template there has those labels or anything close to them")
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
	f.details.reason == "nothing-runs-it"
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

# A pod read from kubectl describe text shows "Port: 8080/TCP" without the
# port's name: a named target is a notice there, not a finding, while a
# numeric target is still checked.
described_pod := json.patch(pod("shop", "web-1", {"app": "web"}, true, [{"containerPort": 8080, "protocol": "TCP"}]), [{
	"op": "add", "path": "/metadata/annotations",
	"value": {"ktriage.io/source": "kubectl-describe", "ktriage.io/not-shown": "metadata.uid,spec.containers[].ports[].name"},
}])

test_named_target_port_not_judged_on_described_pods if {
	c := cluster([svc("shop", "web", {"app": "web"}, [port(80, "http")])], [described_pod], [], [])
	count(rule.findings) == 0 with input as c
	notices := rule.notices with input as c
	some n in notices
	contains(n, `Service shop/web targets the port named "http": 1 selected pod(s) come from kubectl describe text`)
	f := only(rule.findings) with input as cluster([svc("shop", "web", {"app": "web"}, [port(80, 9090)])], [described_pod], [], [])
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
	# Valid Kubernetes (declaring container ports is informational): info.
	f.severity == "info"
	contains(f.message, "port 80/TCP targets port 9090/TCP, which none of the 1 selected pod(s) declares (they declare http:8080/TCP)")
	not contains(f.message, "no endpoints")
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

# ------------------------------------------- what the bundle cannot prove

# popeye's Service fixtures (derailed/popeye internal/lint/testdata/core/
# {svc,pod,ep}/1.yaml): pod p1 carries only status.podIPs, Endpoints svc1
# lists it.
test_silent_for_pod_without_status if {
	bare := json.remove(pod("default", "p1", {"app": "p1"}, true, [{"name": "http", "containerPort": 9090, "protocol": "TCP"}]), ["status"])
	count(rule.findings) == 0 with input as cluster(
		[svc("default", "svc1", {"app": "p1"}, [port(9090, 9090)])], [bare], [], [endpoints("default", "svc1", ["10.244.1.27"])],
	)
	count(rule.findings) == 0 with input as cluster([svc("default", "svc1", {"app": "p1"}, [port(9090, 9090)])], [bare], [], [])
}

test_silent_for_running_pod_without_conditions if {
	running := json.patch(pod("shop", "web-1", {"app": "web"}, true, http), [{"op": "replace", "path": "/status", "value": {"phase": "Running"}}])
	count(rule.findings) == 0 with input as cluster([svc("shop", "web", {"app": "web"}, [port(80, 8080)])], [running], [], [])
}

test_present_empty_endpoints_with_pods_without_status if {
	bare := json.remove(pod("shop", "web-1", {"app": "web"}, true, http), ["status"])
	f := only(rule.findings) with input as cluster([svc("shop", "web", {"app": "web"}, [port(80, 8080)])], [bare], [], [endpoints("shop", "web", [])])
	f.details.reason == "no-endpoints"
	contains(f.message, "the 1 pod(s) matching its selector app=web carry no status in the bundle")
}

test_not_ready_pods_with_ready_endpoints_is_an_inconsistency if {
	f := only(rule.findings) with input as cluster(
		[svc("shop", "api", {"app": "api"}, [port(80, 8080)])],
		[pod("shop", "api-1", {"app": "api"}, false, http)],
		[], [endpoints("shop", "api", ["10.0.0.7"])],
	)
	f.severity == "low"
	f.details.reason == "inconsistent-endpoints"
	contains(f.message, "none is Ready in the bundle (api-1 (Ready=False)), yet the bundle's Endpoints/EndpointSlices of the Service list 1 ready address(es)")
	not contains(f.message, "no endpoints")
	{e.path | some e in f.evidence; e.object.kind == "Endpoints"} == {["subsets", 0, "addresses", 0, "ip"]}
}

test_near_miss_with_ready_endpoints_is_an_inconsistency if {
	f := only(rule.findings) with input as cluster(
		[svc("shop", "invoice", {"app": "invoice"}, [port(80, 8080)])],
		[pod("shop", "invoices-1", {"app": "invoices"}, true, http)],
		[], [endpoints("shop", "invoice", ["10.0.0.8"])],
	)
	f.severity == "low"
	not contains(f.message, "no endpoints")
}

test_endpoints_not_collected_for_the_service_say_nothing if {
	# The namespace's Endpoints were collected, but not the Service's own.
	count(rule.findings) == 0 with input as cluster(
		[svc("shop", "web", {"app": "web"}, [port(80, 8080)])],
		[pod("shop", "web-1", {"app": "web"}, true, http)],
		[], [endpoints("shop", "other", [])],
	)
}

# ------------------------------------------------------- on purpose

test_scaled_to_zero_is_info if {
	inp := json.patch(
		cluster([svc("shop", "api", {"app": "api"}, [port(80, 8080)])], [], [deployment("shop", "api", {"app": "api"}, 0, 0)], []),
		[{"op": "add", "path": "/kubernetes/listed/pods/shop", "value": true}],
	)
	f := only(rule.findings) with input as inp
	f.severity == "info"
	f.details.reason == "scaled-to-zero"
	contains(f.message, "Deployment api (0 of 0 replicas available): scaled to 0 on purpose")
}

test_undeclared_port_named_in_args_is_not_a_finding if {
	apiserver := json.patch(pod("default", "api-1", {"app": "api"}, true, http), [{"op": "add", "path": "/spec/containers/0/args", "value": ["--bind-address=0.0.0.0", "-port=6443"]}])
	count(rule.findings) == 0 with input as cluster([svc("default", "api", {"app": "api"}, [port(443, 6443)])], [apiserver], [], [])

	# 16443 is not 6443
	other := json.patch(apiserver, [{"op": "replace", "path": "/spec/containers/0/args", "value": ["-port=16443"]}])
	f := only(rule.findings) with input as cluster([svc("default", "api", {"app": "api"}, [port(443, 6443)])], [other], [], [])
	f.severity == "info"
}

test_target_port_message_names_the_protocol if {
	tcp := [{"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"}]
	f := only(rule.findings) with input as cluster(
		[svc("kube-system", "dns", {"k8s-app": "dns"}, [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": "dns"}])],
		[pod("kube-system", "dns-1", {"k8s-app": "dns"}, true, tcp)], [], [],
	)
	f.severity == "high"
	contains(f.message, "Service kube-system/dns port 53/UDP targets the port named \"dns\"")
}

test_named_target_port_with_ready_endpoints_for_that_port_is_low if {
	eps := {
		"kind": "Endpoints", "apiVersion": "v1", "metadata": {"namespace": "shop", "name": "web"},
		"subsets": [{"addresses": [{"ip": "10.0.0.3"}], "ports": [{"name": "web", "port": 8080, "protocol": "TCP"}]}],
	}
	f := only(rule.findings) with input as cluster(
		[svc("shop", "web", {"app": "web"}, [{"name": "web", "port": 80, "protocol": "TCP", "targetPort": "http-web"}])],
		[pod("shop", "web-1", {"app": "web"}, true, http)], [], [eps],
	)
	f.severity == "low"
	contains(f.message, "yet the bundle's Endpoints list 1 ready address(es) for it")
}

# ------------------------------------------- what keeps pods Pending

node(name, status, reason, message) := {
	"kind": "Node", "apiVersion": "v1", "metadata": {"name": name},
	"status": {"conditions": [
		{"type": "MemoryPressure", "status": "False"},
		{"type": "Ready", "status": status, "reason": reason, "message": message},
	]},
}

# The kubelet's and the scheduler's own words, as in the real kubeadm
# v1.20.5 dump (shared/realworld/cluster-info-dump/kubeadm-v1.20.5-…).
cni := "runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:docker: network plugin is not ready: cni config uninitialized"

taint := "0/2 nodes are available: 2 node(s) had taint {node.kubernetes.io/not-ready: }, that the pod didn't tolerate."

pending(ns, name, labels) := {
	"kind": "Pod", "apiVersion": "v1",
	"metadata": {"namespace": ns, "name": name, "labels": labels},
	"spec": {"containers": [{"name": "coredns", "ports": [{"name": "dns", "containerPort": 53, "protocol": "UDP"}]}]},
	"status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": taint}]},
}

test_pending_pods_name_the_scheduler_and_the_nodes if {
	inp := json.patch(
		cluster([svc("kube-system", "kube-dns", {"k8s-app": "kube-dns"}, [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53}])], [pending("kube-system", "coredns-1", {"k8s-app": "kube-dns"})], [], []),
		[{"op": "add", "path": "/kubernetes/nodes", "value": [node("cp-1", "False", "KubeletNotReady", cni), node("worker-1", "False", "KubeletNotReady", cni)]}],
	)
	f := only(rule.findings) with input as inp

	# every node is NotReady for its network: the cni finding is the cause
	f.severity == "info"
	f.details.reason == "node-network-not-ready"
	f.details.see == "cni"
	contains(f.message, "They wait on the pod network, which is down on cp-1, worker-1: that is the cause, reported by the cni finding")
	contains(f.message, "coredns-1 (Pending: Unschedulable)")
	contains(f.message, sprintf("coredns-1 (Pending: Unschedulable). Scheduler: %s Nodes: every node (2) is NotReady (cp-1, worker-1): KubeletNotReady: %s.", [taint, cni]))
	f.details.not_ready_nodes == ["cp-1", "worker-1"]
	contains(f.fix, "see the cni finding")
	"kubectl describe node cp-1" in f.confirm
	{e.path | some e in f.evidence; e.object.kind == "Node"} == {["status", "conditions", 1, "message"]}
	{e.path | some e in f.evidence; e.object.kind == "Pod"} == {["status", "conditions", 0, "message"]}
}

# The nodes are NotReady, but not for their network: the selector-mismatch
# finding keeps its severity and names the nodes.
test_pending_pods_behind_nodes_not_ready_for_another_reason_stay_high if {
	inp := json.patch(
		cluster([svc("kube-system", "kube-dns", {"k8s-app": "kube-dns"}, [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53}])], [pending("kube-system", "coredns-1", {"k8s-app": "kube-dns"})], [], []),
		[{"op": "add", "path": "/kubernetes/nodes", "value": [node("cp-1", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."), node("worker-1", "False", "KubeletNotReady", cni)]}],
	)
	f := only(rule.findings) with input as inp
	f.severity == "high"
	f.details.reason == "no-ready-pod"
	not f.details.see
	contains(f.message, "NodeStatusUnknown: Kubelet stopped posting node status.")
	not contains(f.message, "pod network")
}

on_node(p, name) := json.patch(p, [{"op": "add", "path": "/spec/nodeName", "value": name}])

creating(ns, name, labels) := json.patch(pod(ns, name, labels, false, http), [
	{"op": "replace", "path": "/status", "value": {"phase": "Pending", "conditions": [{"type": "Ready", "status": "False"}], "containerStatuses": [{"name": "app", "state": {"waiting": {"reason": "ContainerCreating"}}}]}},
])

ready_node(name) := node(name, "True", "KubeletReady", "kubelet is posting ready status")

# Pods scheduled on a node whose network plugin is not ready wait there for
# a sandbox: the Service's finding points at the cni cause.
test_pods_on_a_node_without_pod_network_point_at_cni if {
	inp := json.patch(
		cluster([svc("shop", "web", {"app": "web"}, [port(80, "http")])], [on_node(creating("shop", "web-1", {"app": "web"}), "w1"), on_node(creating("shop", "web-2", {"app": "web"}), "w1")], [], [endpoints("shop", "web", [])]),
		[{"op": "add", "path": "/kubernetes/nodes", "value": [node("w1", "False", "KubeletNotReady", cni), ready_node("w2")]}],
	)
	f := only(rule.findings) with input as inp
	f.severity == "info"
	f.details.see == "cni"
	contains(f.message, "which is down on w1: that is the cause")
}

# With --disable cni nothing else names the cause: the Service's finding
# keeps its severity.
test_pods_on_a_node_without_pod_network_stay_high_when_cni_does_not_run if {
	inp := json.patch(
		cluster([svc("shop", "web", {"app": "web"}, [port(80, "http")])], [on_node(creating("shop", "web-1", {"app": "web"}), "w1")], [], [endpoints("shop", "web", [])]),
		[
			{"op": "add", "path": "/kubernetes/nodes", "value": [node("w1", "False", "KubeletNotReady", cni), ready_node("w2")]},
			{"op": "add", "path": "/rules", "value": {"selector-mismatch": true, "dns": true}},
		],
	)
	f := only(rule.findings) with input as inp
	f.severity == "high"
	not f.details.see
	not contains(f.message, "reported by the cni finding")
}

# Near miss: the pods are not Ready because their readiness probe fails on
# a Ready node with a working network, while another node's network is
# down. That is the Service's own problem: high, no pointer.
test_readiness_failing_on_a_ready_node_stays_high if {
	failing := on_node(pod("shop", "web-1", {"app": "web"}, false, http), "w2")
	stuck := on_node(creating("shop", "web-2", {"app": "web"}), "w1")
	nodes := [node("w1", "False", "KubeletNotReady", cni), ready_node("w2")]
	s := svc("shop", "web", {"app": "web"}, [port(80, "http")])
	f := only(rule.findings) with input as json.patch(cluster([s], [failing], [], []), [{"op": "add", "path": "/kubernetes/nodes", "value": nodes}])
	f.severity == "high"
	f.details.reason == "no-ready-pod"
	not f.details.see
	not contains(f.message, "pod network")

	# one pod stranded, one failing on its own: not every pod waits on the network
	g := only(rule.findings) with input as json.patch(cluster([s], [failing, stuck], [], []), [{"op": "add", "path": "/kubernetes/nodes", "value": nodes}])
	g.severity == "high"
	not g.details.see
}

test_pending_pods_with_ready_nodes_name_only_the_scheduler if {
	inp := json.patch(
		cluster([svc("kube-system", "kube-dns", {"k8s-app": "kube-dns"}, [{"port": 53, "protocol": "UDP", "targetPort": 53}])], [pending("kube-system", "coredns-1", {"k8s-app": "kube-dns"})], [], []),
		[{"op": "add", "path": "/kubernetes/nodes", "value": [node("cp-1", "True", "KubeletReady", "kubelet is posting ready status")]}],
	)
	f := only(rule.findings) with input as inp
	contains(f.message, "Scheduler: 0/2 nodes are available")
	not contains(f.message, "NotReady")
	f.details.not_ready_nodes == []
}

test_one_not_ready_node_is_not_blamed_for_insufficient_cpu if {
	cpu := json.patch(pending("shop", "api-1", {"app": "api"}), [{"op": "replace", "path": "/status/conditions/0/message", "value": "0/3 nodes are available: 1 node(s) had taint {node.kubernetes.io/not-ready: }, that the pod didn't tolerate, 2 Insufficient cpu."}])
	fits := json.patch(pending("shop", "api-1", {"app": "api"}), [{"op": "replace", "path": "/status/conditions/0/message", "value": "0/3 nodes are available: 3 Insufficient cpu."}])
	nodes := [node("a", "False", "KubeletNotReady", cni), node("b", "True", "KubeletReady", "kubelet is posting ready status"), node("c", "True", "KubeletReady", "kubelet is posting ready status")]
	s := svc("shop", "api", {"app": "api"}, [{"port": 53, "protocol": "UDP", "targetPort": 53}])
	f := only(rule.findings) with input as json.patch(cluster([s], [fits], [], []), [{"op": "add", "path": "/kubernetes/nodes", "value": nodes}])
	not contains(f.message, "NotReady")
	f.details.not_ready_nodes == []

	# the scheduler names the not-ready taint: the node is part of the cause
	g := only(rule.findings) with input as json.patch(cluster([s], [cpu], [], []), [{"op": "add", "path": "/kubernetes/nodes", "value": nodes}])
	contains(g.message, "1 of 3 nodes is NotReady (a): KubeletNotReady")
}

# ------------------------------------------------------------ confirm

test_confirm_quotes_names_from_the_bundle if {
	ns := "shop;touch${IFS}/tmp/PWNED;:"
	f := only(rule.findings) with input as cluster(
		[svc(ns, "it's", {"app": "$(id)"}, [port(80, 8080)])],
		[pod(ns, "cart-1", {"app": "cart"}, true, http)],
		[],
		[endpoints(ns, "it's", [])],
	)
	f.confirm[0] == `kubectl -n 'shop;touch${IFS}/tmp/PWNED;:' get service 'it'\''s' -o yaml`
	f.confirm[1] == `kubectl -n 'shop;touch${IFS}/tmp/PWNED;:' get endpointslices -l 'kubernetes.io/service-name=it'\''s'`
	f.confirm[2] == `kubectl -n 'shop;touch${IFS}/tmp/PWNED;:' get pods -l 'app=$(id)' -o wide --show-labels`
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

# ------------------------------------------------- cluster DNS as the cause

crashing(ns, name, labels) := json.patch(pod(ns, name, labels, false, http), [
	{"op": "replace", "path": "/status", "value": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}], "containerStatuses": [{"name": "app", "ready": false, "restartCount": 9, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}},
])

# CoreDNS's loop plugin (plugin/loop/loop.go) and a Node application's
# getaddrinfo failure.
loop_log := {"namespace": "kube-system", "pod": "coredns-1", "container": "coredns", "file": "coredns.log", "kept": [{"line": 1, "text": `[FATAL] plugin/loop: Loop (127.0.0.1:59298 -> :53) detected for zone ".", see https://coredns.io/plugins/loop#troubleshooting.`}]}

web_log(text) := {"namespace": "shop", "pod": "web-1", "container": "app", "file": "web.log", "kept": [{"line": 1, "text": text}]}

# The Service's pods crash on failed lookups while CoreDNS halts on a
# forwarding loop: the dns finding is the cause.
test_pods_crashing_on_a_dns_loop_point_at_dns if {
	inp := json.patch(
		cluster([svc("shop", "web", {"app": "web"}, [port(80, "http")])], [crashing("shop", "web-1", {"app": "web"})], [], [endpoints("shop", "web", [])]),
		[{"op": "add", "path": "/kubernetes/logs", "value": [loop_log, web_log("Error: getaddrinfo EAI_AGAIN db.shop.svc.cluster.local")]}],
	)
	f := only(rule.findings) with input as inp
	f.severity == "info"
	f.details.see == "dns"
	contains(f.message, "They crash because cluster DNS is down")
}

# Near miss: the same crash with no resolution failure in the pod's log is
# the Service's own high, loop or not.
test_pods_crashing_for_another_reason_stay_high_during_a_dns_loop if {
	inp := json.patch(
		cluster([svc("shop", "web", {"app": "web"}, [port(80, "http")])], [crashing("shop", "web-1", {"app": "web"})], [], [endpoints("shop", "web", [])]),
		[{"op": "add", "path": "/kubernetes/logs", "value": [loop_log, web_log("panic: runtime error: index out of range")]}],
	)
	f := only(rule.findings) with input as inp
	f.severity == "high"
	not f.details.see
}

# Workloads of two kinds may share a name in one namespace (a Deployment
# and a StatefulSet both called "web"): near misses are told apart by
# kind, and neither hides the other.
test_near_workloads_of_two_kinds_with_one_name if {
	sts := json.patch(deployment("shop", "web", {"app": "web-db"}, 1, 1), [{"op": "replace", "path": "/kind", "value": "StatefulSet"}])
	inp := json.patch(
		cluster([svc("shop", "web", {"app": "web"}, [port(80, 8080)])], [pod("shop", "cart-1", {"app": "cart"}, true, http)], [deployment("shop", "web", {"app": "webapp"}, 1, 1)], []),
		[{"op": "add", "path": "/kubernetes/statefulsets", "value": [sts]}],
	)
	f := only(rule.findings) with input as inp
	f.details.reason == "no-pod-matches"
	[[w.kind, w.differences[0].actual] | some w in f.details.closest_workloads] == [["Deployment", "webapp"], ["StatefulSet", "web-db"]]
}

# A pod whose two containers both wait (an application and its sidecar
# creating, say) is one state, cited at the first waiting container: two
# citations for one pod made the rule fail with eval_conflict_error.
test_pod_state_evidence_of_a_pod_with_two_waiting_containers if {
	p := {"kind": "Pod", "metadata": {"namespace": "shop", "name": "api-1"}, "status": {"phase": "Pending", "containerStatuses": [
		{"name": "api", "state": {"waiting": {"reason": "ImagePullBackOff"}}},
		{"name": "proxy", "state": {"waiting": {"reason": "ContainerCreating"}}},
	]}}
	e := rule.pod_state_evidence(p)
	e.path == ["status", "containerStatuses", 0, "state", "waiting", "reason"]
	e.note == "api: ImagePullBackOff, proxy: ContainerCreating"
}
