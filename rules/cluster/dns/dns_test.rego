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

	# with --disable scheduling nothing else reports them
	f := only(rule.findings) with input as object.union(cluster(pending, [], []), {"rules": {"dns": true}})
	f.severity == "critical"
}

# CoreDNS ContainerCreating on nodes whose network plugin is not ready: the
# cni finding is the cause and lists the Service; a CoreDNS pod that
# crash-loops on a Ready node beside them stays a DNS cause.
cni_down := "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"

k8s_node(name, ready, msg) := {"kind": "Node", "metadata": {"name": name}, "status": {"conditions": [{"type": "Ready", "status": ready, "reason": "KubeletNotReady", "message": msg}]}}

test_coredns_waiting_on_the_pod_network_is_not_a_dns_cause if {
	creating := [on_node(coredns(n, false, "ContainerCreating"), "w1") | some n in ["coredns-a", "coredns-b"]]
	inp := json.patch(cluster(creating, [], []), [{"op": "add", "path": "/kubernetes/nodes", "value": [k8s_node("w1", "False", cni_down)]}])
	count(rule.findings) == 0 with input as inp

	# with --disable cni nothing else names it: a DNS finding
	g := only(rule.findings) with input as object.union(inp, {"rules": {"dns": true, "scheduling": true}})
	g.details.reason == "not-ready"

	# the same pods on a Ready node: CoreDNS itself is the cause
	ready_node := json.patch(inp, [{"op": "replace", "path": "/kubernetes/nodes/0", "value": k8s_node("w1", "True", "kubelet is posting ready status")}])
	f := only(rule.findings) with input as ready_node
	f.details.reason == "not-ready"
	f.severity == "critical"
}

only(s) := x if {
	count(s) == 1
	some x in s
}

# ------------------------------------------------------------ node files

stub_resolv(node) := {
	"file": sprintf("nodes/%s/etc-resolv.conf", [node]), "path": "/etc/resolv.conf", "path_from": "file name",
	"generator": "systemd-resolved stub", "loopback": true,
	"nameservers": [{"address": "127.0.0.53", "loopback": true, "line": 21, "text": "nameserver 127.0.0.53"}],
}

uplink_resolv(node) := {
	"file": sprintf("nodes/%s/run-systemd-resolve-resolv.conf", [node]), "path": "/run/systemd/resolve/resolv.conf", "path_from": "file name",
	"generator": "systemd-resolved", "loopback": false,
	"nameservers": [{"address": "192.168.56.1", "loopback": false, "line": 17, "text": "nameserver 192.168.56.1"}],
}

configz(node, conf) := {
	"file": sprintf("nodes/%s/kubelet-configz.json", [node]), "line": 1, "source": "configz",
	"config": conf, "lines": {k: 1 | some k, _ in conf},
}

node_entry(node, resolvs, kcs) := {"name": node, "in_cluster": true, "resolv_conf": resolvs, "kubelet_config": kcs}

on_node(p, node) := json.patch(p, [{"op": "add", "path": "/spec", "value": {"nodeName": node}}])

with_nodes(inp, nodes) := json.patch(inp, [{"op": "add", "path": "/nodes", "value": nodes}])

# The loop joined to the node whose kubelet hands CoreDNS the stub: the
# node, the nameserver line and the kubelet's resolvConf are named, and
# the fix points at the node's uplink file with its addresses.
test_loop_names_the_stub_node if {
	pods := [on_node(crashing[0], "worker-1"), on_node(crashing[1], "worker-1")]
	inp := with_nodes(cluster(pods, [app_log("kube-system", "coredns-a", [loop_line])], [corefile_cm("/etc/resolv.conf")]), {
		"worker-1": node_entry("worker-1", [stub_resolv("worker-1"), uplink_resolv("worker-1")], [configz("worker-1", {"clusterDNS": ["10.96.0.10"], "resolvConf": "/etc/resolv.conf"})]),
		# worker-2 hands pods the uplinks: not part of the cause.
		"worker-2": node_entry("worker-2", [stub_resolv("worker-2"), uplink_resolv("worker-2")], [configz("worker-2", {"clusterDNS": ["10.96.0.10"], "resolvConf": "/run/systemd/resolve/resolv.conf"})]),
	})
	fs := rule.findings with input as inp
	count(fs) == 1
	some f in fs
	f.details.reason == "loop"
	contains(f.message, "names a loopback stub resolver on worker-1 (/etc/resolv.conf: nameserver 127.0.0.53)")
	not contains(f.message, "worker-2")
	f.details.stub_nodes == [{"node": "worker-1", "resolv_conf": "/etc/resolv.conf", "nameserver": "127.0.0.53"}]
	contains(f.fix, "(on worker-1 it lists 192.168.56.1)")
	some e in f.evidence
	e.file == "nodes/worker-1/etc-resolv.conf"
	e.line == 21
	some k in f.evidence
	k.file == "nodes/worker-1/kubelet-configz.json"
	contains(k.note, "runs with resolvConf /etc/resolv.conf")
	some c in f.confirm
	contains(c, "/api/v1/nodes/worker-1/proxy/configz")
}

# A kubelet configuration file without resolvConf takes the default,
# /etc/resolv.conf; without any configuration the default is assumed too.
test_loop_default_resolv_conf if {
	file := {"file": "nodes/worker-1/config.yaml", "line": 1, "source": "file", "config": {"kind": "KubeletConfiguration", "clusterDNS": ["10.96.0.10"]}, "lines": {"clusterDNS": 16}}
	inp := with_nodes(cluster([on_node(crashing[0], "worker-1")], [app_log("kube-system", "coredns-a", [loop_line])], []), {
		"worker-1": node_entry("worker-1", [stub_resolv("worker-1")], [file]),
		"worker-3": node_entry("worker-3", [stub_resolv("worker-3")], []),
	})
	some f in rule.findings with input as inp
	f.details.stub_nodes == [{"node": "worker-1", "resolv_conf": "/etc/resolv.conf", "nameserver": "127.0.0.53"}]
	some e in f.evidence
	contains(e.note, "sets no resolvConf: the default /etc/resolv.conf applies")
}

# Stub resolv.conf on the nodes but no loop: the kubelet already points at
# the uplinks, CoreDNS runs; nothing to say.
test_stub_without_loop_is_silent if {
	inp := with_nodes(cluster(healthy, [], [corefile_cm("/etc/resolv.conf")]), {"worker-1": node_entry("worker-1", [stub_resolv("worker-1"), uplink_resolv("worker-1")], [configz("worker-1", {"clusterDNS": ["10.96.0.10"], "resolvConf": "/run/systemd/resolve/resolv.conf"})])})
	count(rule.findings) == 0 with input as inp
}

test_node_cluster_dns_mismatch if {
	app := on_node(json.patch(coredns("api-1", true, ""), [{"op": "replace", "path": "/metadata", "value": {"namespace": "orders", "name": "api-1"}}]), "worker-2")
	inp := with_nodes(cluster(array.concat(healthy, [app]), [app_log("orders", "api-1", ["dial udp 10.96.0.100:53: i/o timeout"])], [kubelet_cm("10.96.0.10", "/run/systemd/resolve/resolv.conf")]), {
		"worker-1": node_entry("worker-1", [], [configz("worker-1", {"clusterDNS": ["10.96.0.10"]})]),
		"worker-2": node_entry("worker-2", [], [configz("worker-2", {"clusterDNS": ["10.96.0.100"]})]),
	})
	fs := rule.findings with input as inp
	reasons(fs) == {"node-cluster-dns"}
	some f in fs
	f.details.node == "worker-2"
	contains(f.message, "The kubelet on worker-2 gives pods clusterDNS 10.96.0.100 (its configz: what it runs with)")
	[c.name | some c in f.details.consequences] == ["api-1"]
}

# NodeLocal DNSCache: the kubelet's clusterDNS is the cache's link-local
# address, which is right where the cache runs.
test_node_cluster_dns_nodelocal_is_silent if {
	nl := json.patch(coredns("node-local-dns-x7k2p", true, ""), [{"op": "replace", "path": "/metadata/labels", "value": {"k8s-app": "node-local-dns"}}])
	inp := with_nodes(cluster(array.concat(healthy, [nl]), [], []), {"worker-1": node_entry("worker-1", [], [configz("worker-1", {"clusterDNS": ["169.254.20.10"]})])})
	count(rule.findings) == 0 with input as inp
}

# Without the cache running, 169.254.20.10 answers nobody.
test_node_cluster_dns_nodelocal_address_without_cache if {
	inp := with_nodes(cluster(healthy, [], []), {"worker-1": node_entry("worker-1", [], [configz("worker-1", {"clusterDNS": ["169.254.20.10"]})])})
	reasons(rule.findings) == {"node-cluster-dns"} with input as inp
}

# A node that only repeats the ConfigMap's wrong value is that finding's.
test_node_repeating_the_configmap_is_one_finding if {
	inp := with_nodes(cluster(healthy, [], [kubelet_cm("10.96.0.11", "/etc/resolv.conf")]), {"worker-1": node_entry("worker-1", [], [configz("worker-1", {"clusterDNS": ["10.96.0.11"]})])})
	reasons(rule.findings) == {"cluster-dns"} with input as inp
}

# configz wins over the file: it is what the kubelet runs with.
test_configz_before_file if {
	file := {"file": "nodes/worker-1/config.yaml", "line": 1, "source": "file", "config": {"clusterDNS": ["10.96.0.99"]}, "lines": {}}
	inp := with_nodes(cluster(healthy, [], []), {"worker-1": node_entry("worker-1", [], [file, configz("worker-1", {"clusterDNS": ["10.96.0.10"]})])})
	count(rule.findings) == 0 with input as inp
}

# A resolv.conf no node could be found for is named by its file, and no
# configz of a made-up node is asked for.
test_loop_with_unattributed_resolv_conf if {
	key := "unattributed:resolv.conf"
	inp := with_nodes(cluster(crashing, [app_log("kube-system", "coredns-a", [loop_line])], []), {key: {"name": key, "in_cluster": false, "resolv_conf": [object.union(stub_resolv("x"), {"file": "resolv.conf", "path_from": "assumed"})]}})
	some f in rule.findings with input as inp
	contains(f.message, "names a loopback stub resolver on the node resolv.conf came from (/etc/resolv.conf: nameserver 127.0.0.53)")
	not contains(concat("\n", f.confirm), "proxy/configz")
}

# A DNS pod's containers may wait for different reasons: one state, the
# restarting container's first (the rule failed on two).
test_state_of_a_pod_whose_containers_wait_differently if {
	p := {"metadata": {"name": "coredns-1"}, "status": {"phase": "Running", "containerStatuses": [
		{"name": "init-config", "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}},
		{"name": "coredns", "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
		{"name": "sidecar", "restartCount": 2, "state": {"waiting": {"reason": "Error"}}},
	]}}
	rule.state(p) == "CrashLoopBackOff, 4 times"
	rule.state({"status": {"containerStatuses": [p.status.containerStatuses[0], {"name": "x", "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}]}}) == "PodInitializing"
}

# A kubelet-config cut short is no YAML: it names no clusterDNS, where
# yaml.unmarshal failed the rule.
test_kubelet_config_that_is_no_yaml_is_not_read if {
	cm := {"kind": "ConfigMap", "metadata": {"namespace": "kube-system", "name": "kubelet-config"}, "data": {"kubelet": "apiVersion: kubelet.config.k8s.io/v1beta1\nclusterDNS: [10.96.0.10\n"}}
	count(rule.kubelet_configs) == 0 with input.kubernetes.configmaps as [cm]
	count(rule.kubelet_resolv) == 0 with input.kubernetes.configmaps as [cm]
	good := json.patch(cm, [{"op": "replace", "path": "/data/kubelet", "value": "apiVersion: kubelet.config.k8s.io/v1beta1\nclusterDNS:\n- 10.96.0.10\n"}])
	[k.dns | some k in rule.kubelet_configs] == [["10.96.0.10"]] with input.kubernetes.configmaps as [good]
}
