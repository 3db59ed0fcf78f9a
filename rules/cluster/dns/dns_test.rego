package ktriage.rules.cluster["dns_test"]

import data.ktriage.rules.cluster["dns"] as rule

# ------------------------------------------------------------ builders

dns_svc := {
	"kind": "Service", "apiVersion": "v1",
	"metadata": {"namespace": "kube-system", "name": "kube-dns"},
	"spec": {"clusterIP": "10.96.0.10", "selector": {"k8s-app": "kube-dns"}},
}

coredns(name, ready, waiting) := {
	"kind": "Pod", "apiVersion": "v1",
	"metadata": {"namespace": "kube-system", "name": name, "labels": {"k8s-app": "kube-dns"}},
	"status": {
		"phase": "Running",
		"conditions": [{"type": "Ready", "status": status(ready)}],
		"containerStatuses": [object.union({"name": "coredns", "restartCount": 7}, state(waiting))],
	},
}

status(true) := "True"

status(false) := "False"

state("") := {"state": {"running": {}}}

state(reason) := {"state": {"waiting": {"reason": reason}}} if reason != ""

app_log(ns, pod, lines) := {
	"namespace": ns, "pod": pod, "container": "app", "file": sprintf("cluster-info/%s/%s/logs.txt", [ns, pod]), "line": 1,
	"kept": [{"line": i + 2, "text": t} | some i, t in lines],
}

corefile_cm(target) := {
	"kind": "ConfigMap", "metadata": {"namespace": "kube-system", "name": "coredns"},
	"data": {"Corefile": sprintf(".:53 {\n    errors\n    forward . %s {\n       max_concurrent 1000\n    }\n    loop\n}\n", [target])},
}

kubelet_cm(dns, resolv) := {
	"kind": "ConfigMap", "metadata": {"namespace": "kube-system", "name": "kubelet-config"},
	"data": {"kubelet": sprintf("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nclusterDNS:\n- %s\nresolvConf: %s\n", [dns, resolv])},
}

cluster(pods, logs, cms) := {"kubernetes": {
	"services": [dns_svc], "pods": pods, "logs": logs, "configmaps": cms,
	"deployments": [], "replicasets": [], "endpoints": [],
	"listed": {"pods": {"kube-system": true}},
}}

loop_line := `[FATAL] plugin/loop: Loop (127.0.0.1:59298 -> :53) detected for zone ".", see https://coredns.io/plugins/loop#troubleshooting. Query: "HINFO 4547991504243258144.3688648895315093531."`

crashing := [coredns("coredns-a", false, "CrashLoopBackOff"), coredns("coredns-b", false, "CrashLoopBackOff")]

healthy := [coredns("coredns-a", true, ""), coredns("coredns-b", true, "")]

reasons(fs) := {f.details.reason | some f in fs}

# ------------------------------------------------------------------ loop

test_loop_names_the_cause_and_the_pods_that_suffer if {
	fs := rule.findings with input as cluster(crashing, [
		app_log("kube-system", "coredns-a", [".:53", loop_line]),
		app_log("orders", "api-1", ["Error: getaddrinfo EAI_AGAIN payments.orders.svc.cluster.local"]),
		app_log("orders", "web-1", ["GET /healthz 200"]),
	], [corefile_cm("/etc/resolv.conf"), kubelet_cm("10.96.0.10", "/etc/resolv.conf")])
	count(fs) == 1
	some f in fs
	f.details.reason == "loop"
	f.severity == "critical"
	contains(f.message, `forwarding loop for zone "."`)
	contains(f.message, "0 of 2 CoreDNS pod(s) Ready")
	f.details.forward == "/etc/resolv.conf"
	pods := {c.name | some c in f.details.consequences; c.kind == "Pod"}
	pods == {"api-1"}
	some c in f.details.consequences
	c.kind == "Service"
	c.rule == "selector-mismatch"
	some e in f.evidence
	e.text == loop_line
}

# The 1.2.1 wording of the same fatal.
test_loop_old_wording if {
	fs := rule.findings with input as cluster(crashing, [app_log("kube-system", "coredns-a", [`[FATAL] plugin/loop: Seen "HINFO IN 5577006791947779410.8674665223082153551." more than twice, loop detected`])], [])
	reasons(fs) == {"loop"}
}

# ------------------------------------------------------------- not ready

test_crash_looping_without_loop if {
	fs := rule.findings with input as cluster(crashing, [], [])
	reasons(fs) == {"not-ready"}
	some f in fs
	f.severity == "critical"
	contains(f.message, "coredns-a (CrashLoopBackOff, 7 times)")
}

test_one_replica_down_is_high if {
	fs := rule.findings with input as cluster([coredns("coredns-a", true, ""), coredns("coredns-b", false, "CrashLoopBackOff")], [], [])
	some f in fs
	f.details.reason == "not-ready"
	f.severity == "high"
	not "Service" in {c.kind | some c in f.details.consequences}
}

test_healthy_is_silent if {
	count(rule.findings) == 0 with input as cluster(healthy, [app_log("orders", "api-1", ["GET / 200"])], [corefile_cm("/etc/resolv.conf"), kubelet_cm("10.96.0.10", "/run/systemd/resolve/resolv.conf")])
}

# A pod read without status says nothing about readiness.
test_pod_without_status_is_not_judged if {
	count(rule.findings) == 0 with input as cluster([{"kind": "Pod", "metadata": {"namespace": "kube-system", "name": "coredns-a", "labels": {"k8s-app": "kube-dns"}}}], [], [])
}

test_no_pods_while_deployment_wants_them if {
	inp := json.patch(cluster([], [], []), [{"op": "replace", "path": "/kubernetes/deployments", "value": [{"kind": "Deployment", "metadata": {"namespace": "kube-system", "name": "coredns", "labels": {"k8s-app": "kube-dns"}}, "spec": {"replicas": 2}}]}])
	fs := rule.findings with input as inp
	reasons(fs) == {"no-pods"}
}

# ------------------------------------------------------------- upstream

test_upstream_timeout_names_the_forward_target if {
	fs := rule.findings with input as cluster(healthy, [app_log("kube-system", "coredns-a", [
		`[ERROR] plugin/errors: 2 example.com. A: read udp 10.244.1.3:52714->10.0.0.2:53: i/o timeout`,
		`[ERROR] plugin/errors: 2 example.com. AAAA: no healthy proxies`,
	])], [corefile_cm("10.0.0.2")])
	reasons(fs) == {"upstream"}
	some f in fs
	f.severity == "high"
	contains(f.message, "(10.0.0.2)")
	f.details.servfail_lines == 2
}

# CoreDNS waiting for the API server is not an upstream failure.
test_api_server_timeout_is_not_upstream if {
	count(rule.findings) == 0 with input as cluster(healthy, [app_log("kube-system", "coredns-a", [
		`E0308 08:49:02.311557       1 reflector.go:205] github.com/coredns/coredns/plugin/kubernetes/controller.go:318: Failed to list *v1.Namespace: Get https://10.96.0.1:443/api/v1/namespaces?limit=500&resourceVersion=0: dial tcp 10.96.0.1:443: i/o timeout`,
	])], [])
}

# ------------------------------------------------------------ clusterDNS

test_cluster_dns_mismatch if {
	fs := rule.findings with input as cluster(healthy, [], [kubelet_cm("10.96.0.11", "/run/systemd/resolve/resolv.conf")])
	reasons(fs) == {"cluster-dns"}
	some f in fs
	contains(f.message, "clusterDNS 10.96.0.11")
	contains(f.message, "ClusterIP is 10.96.0.10")
}

# --------------------------------------------------------- NodeLocal DNS

test_nodelocal_not_ready if {
	nl := json.patch(coredns("node-local-dns-x7k2p", false, "CrashLoopBackOff"), [{"op": "replace", "path": "/metadata/labels", "value": {"k8s-app": "node-local-dns"}}])
	fs := rule.findings with input as cluster(array.concat(healthy, [nl]), [], [])
	reasons(fs) == {"nodelocal-not-ready"}
}

# CoreDNS Pending because no node is Ready: the nodes are the cause, which
# selector-mismatch and the node rules report; no DNS finding.
test_unschedulable_coredns_is_not_a_dns_cause if {
	pending := [json.patch(coredns(n, false, ""), [{"op": "replace", "path": "/status", "value": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}}]) | some n in ["coredns-a", "coredns-b"]]
	count(rule.findings) == 0 with input as cluster(pending, [], [])
}
