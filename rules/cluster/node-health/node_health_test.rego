package ktriage.rules.cluster["node-health_test"]

import data.ktriage.rules.cluster["node-health"] as rule

node(name, conds, extra) := object.union({
	"kind": "Node",
	"metadata": {"name": name, "labels": {}},
	"spec": {},
	"status": {"conditions": conds, "nodeInfo": {"kubeletVersion": "v1.29.4"}},
}, extra)

ready := {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}

# The node lifecycle controller's words (pkg/controller/nodelifecycle).
unknown := {"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown", "message": "Kubelet stopped posting node status.", "lastTransitionTime": "2024-05-02T10:17:49Z"}

disk_pressure := {"type": "DiskPressure", "status": "True", "reason": "KubeletHasDiskPressure", "message": "kubelet has disk pressure"}

pod(ns, name, on, phase) := {"kind": "Pod", "metadata": {"namespace": ns, "name": name}, "spec": {"nodeName": on}, "status": {"phase": phase}}

# The kubelet's eviction status (pkg/kubelet/eviction/helpers.go).
evicted(name, on) := {"kind": "Pod", "metadata": {"namespace": "shop", "name": name}, "spec": {"nodeName": on}, "status": {
	"phase": "Failed", "reason": "Evicted",
	"message": "The node was low on resource: ephemeral-storage. Threshold quantity: 2146223340, available: 1898324Ki. Container web was using 6812Ki, request is 0, has larger consumption of ephemeral-storage. ",
}}

cluster(nodes, pods) := {"kubernetes": {"nodes": nodes, "pods": pods}}

only(s) := x if {
	count(s) == 1
	some x in s
}

test_fires_on_unknown_node_with_stranded_pods if {
	f := only(rule.findings) with input as cluster(
		[node("w1", [ready], {}), node("w2", [unknown], {})],
		[pod("shop", "web-1", "w2", "Running"), pod("shop", "web-2", "w1", "Running"), pod("shop", "old", "w2", "Succeeded")],
	)
	f.severity == "critical"
	f.message == "Node w2 is Unknown since 2024-05-02T10:17:49Z (NodeStatusUnknown: Kubelet stopped posting node status.); it strands 1 pod: shop/web-1."
	f.details.consequences == [{"kind": "Pod", "namespace": "shop", "name": "web-1", "note": "on Unknown node w2"}]
}

# While no node is Ready, the lifecycle controller's taints refuse every
# Pending pod on every node: they wait for these nodes, and are listed
# (scheduling points here). A pod tolerating the not-ready taint (a
# DaemonSet's) is not held back by it.
unscheduled(name, tolerations) := {"kind": "Pod", "metadata": {"namespace": "kube-system", "name": name}, "spec": {"tolerations": tolerations}, "status": {"phase": "Pending"}}

test_lists_pending_pods_while_no_node_is_ready if {
	f := only(rule.findings) with input as cluster(
		[node("w2", [unknown], {})],
		[unscheduled("coredns-1", [{"key": "CriticalAddonsOnly", "operator": "Exists"}]), unscheduled("ds-1", [{"operator": "Exists"}])],
	)
	f.severity == "critical"
	endswith(f.message, "no pod of the bundle is scheduled on it; no node is Ready, so 1 pod waits Pending: kube-system/coredns-1.")
	f.details.consequences == [{"kind": "Pod", "namespace": "kube-system", "name": "coredns-1", "note": "Pending: no node is Ready"}]
}

# A node whose conditions the bundle does not show (a fragment) might be
# Ready: the Pending pods are not judged to wait for the NotReady one.
test_pending_pods_not_judged_while_a_node_readiness_is_unknown if {
	f := only(rule.findings) with input as cluster(
		[node("w1", [], {}), node("w2", [unknown], {})],
		[unscheduled("coredns-1", [])],
	)
	f.severity == "high"
	f.details.consequences == []
}

test_pending_pods_are_not_its_doing_while_a_node_is_ready if {
	f := only(rule.findings) with input as cluster(
		[node("w1", [ready], {}), node("w2", [unknown], {})],
		[unscheduled("coredns-1", [])],
	)
	f.severity == "high"
	f.details.consequences == []
}

test_not_ready_node_without_pods_is_high if {
	f := only(rule.findings) with input as cluster([node("w2", [unknown], {})], [])
	f.severity == "high"
}

test_leaves_network_plugin_not_ready_to_cni if {
	c := {"type": "Ready", "status": "False", "reason": "KubeletNotReady", "message": "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"}
	count(rule.findings) == 0 with input as cluster([node("w1", [c], {})], [])
}

# With --disable cni the node is reported here, not left to a rule that
# does not run.
test_reports_network_plugin_not_ready_when_cni_does_not_run if {
	c := {"type": "Ready", "status": "False", "reason": "KubeletNotReady", "message": "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"}
	f := only(rule.findings) with input as object.union(cluster([node("w1", [c], {})], []), {"rules": {"node-health": true}})
	contains(f.message, "cni plugin not initialized")
}

test_silent_on_healthy_nodes if {
	count(rule.findings) == 0 with input as cluster(
		[node("w1", [ready], {}), node("w2", [ready], {})],
		[pod("shop", "web-1", "w2", "Running")],
	)
}

test_groups_evictions_by_resource if {
	f := only(rule.findings) with input as cluster(
		[node("w2", [ready, disk_pressure], {})],
		[evicted("a", "w2"), evicted("b", "w2"), pod("shop", "web-1", "w2", "Running")],
	)
	f.severity == "high"
	f.message == "Node w2 reports DiskPressure (KubeletHasDiskPressure: kubelet has disk pressure); 2 pods evicted from w2: ephemeral-storage (threshold 2146223340, available 1898324Ki)."
	f.details.evicted == {"ephemeral-storage": 2}
}

test_past_evictions_are_medium if {
	f := only(rule.findings) with input as cluster([node("w2", [ready], {})], [evicted("a", "w2")])
	f.severity == "medium"
	startswith(f.message, "Node w2 is not under pressure now, but the kubelet evicted pods from it; 1 pod evicted from w2: ephemeral-storage")
}

test_fires_when_cordoned_while_pods_pending if {
	f := only(rule.findings) with input as cluster(
		[node("w1", [ready], {"spec": {"unschedulable": true}}), node("w2", [ready], {"spec": {"unschedulable": true}})],
		[{"kind": "Pod", "metadata": {"namespace": "shop", "name": "web-1"}, "spec": {}, "status": {"phase": "Pending"}}],
	)
	f.severity == "high"
	f.message == "Every node (2) is cordoned (spec.unschedulable) while 1 pod waits Pending: shop/web-1."
}

test_cordoned_without_pending_pods_is_silent if {
	count(rule.findings) == 0 with input as cluster(
		[node("w1", [ready], {"spec": {"unschedulable": true}}), node("w2", [ready], {})],
		[pod("shop", "web-1", "w2", "Running")],
	)
}

apiserver(tag) := {"kind": "Pod", "metadata": {"namespace": "kube-system", "name": "kube-apiserver-cp1"}, "spec": {"nodeName": "cp1", "containers": [{"name": "kube-apiserver", "image": concat(":", ["registry.k8s.io/kube-apiserver", tag])}]}, "status": {"phase": "Running"}}

kubelet(v) := {"status": {"nodeInfo": {"kubeletVersion": v}}}

test_fires_on_kubelet_too_old_and_too_new if {
	fs := rule.findings with input as cluster(
		[node("cp1", [ready], kubelet("v1.30.2")), node("old", [ready], kubelet("v1.26.9")), node("ok", [ready], kubelet("v1.27.1")), node("new", [ready], kubelet("v1.31.0"))],
		[apiserver("v1.30.2")],
	)
	count(fs) == 2
	some f in fs
	f.details.node == "old"
	contains(f.message, "The kubelet on old is v1.26.9, 4 minor versions older than the API server 1.30.2 (at most 3 allowed)")
	some g in fs
	g.details.node == "new"
	contains(g.message, "newer than the API server 1.30.2")
}

test_skew_of_two_before_1_28 if {
	f := only(rule.findings) with input as cluster(
		[node("cp1", [ready], object.union(kubelet("v1.25.3"), {"metadata": {"labels": {"node-role.kubernetes.io/control-plane": ""}}})), node("w1", [ready], kubelet("v1.22.0"))],
		[],
	)
	contains(f.message, "3 minor versions older than the API server 1.25.3 (at most 2 allowed) (from the control-plane nodes' kubelet)")
}

# The taint follows the Ready status: a node whose Ready is Unknown is
# tainted unreachable, so a pod that tolerates only not-ready still waits
# for it; on a node whose Ready is False the same pod would be taken.
test_waiting_follows_each_nodes_taint if {
	only_not_ready := [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoSchedule"}]
	f := only(rule.findings) with input as cluster(
		[node("w2", [unknown], {})],
		[unscheduled("agent-1", only_not_ready)],
	)
	f.details.consequences == [{"kind": "Pod", "namespace": "kube-system", "name": "agent-1", "note": "Pending: no node is Ready"}]
	not_ready := {"type": "Ready", "status": "False", "reason": "KubeletNotReady", "message": "PLEG is not healthy: pleg was last seen active 3m0s ago"}
	g := only(rule.findings) with input as cluster(
		[node("w1", [not_ready], {})],
		[unscheduled("agent-1", only_not_ready)],
	)
	g.details.consequences == []
}
