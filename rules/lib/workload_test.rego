package ktriage.lib.workload_test

import data.ktriage.lib.workload

dep(extra) := object.union({
	"kind": "Deployment",
	"metadata": {"namespace": "shop", "name": "worker"},
	"spec": {"replicas": 2},
	"status": {"replicas": 2, "availableReplicas": 1},
}, extra)

pod(name, ready) := {
	"kind": "Pod",
	"metadata": {"namespace": "shop", "name": name, "labels": {"pod-template-hash": "5f6c8d7b4"}, "ownerReferences": [{"kind": "ReplicaSet", "name": "worker-5f6c8d7b4", "controller": true}]},
	"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": sprintf("%v", [ready])}]},
}

pods := [pod("worker-5f6c8d7b4-b2x8v", "False"), pod("worker-5f6c8d7b4-m3n7p", "True")]

w := {"kind": "Deployment", "namespace": "shop", "name": "worker"}

# The controller's ready count is used when the object shows it.
test_counts_from_the_controller if {
	c := workload.pod_counts(w, pods) with input as {"kubernetes": {"deployments": [dep({"status": {"readyReplicas": 1}})], "pods": pods}}
	c == {"total": 2, "ready": 1}
}

# `kubectl describe deployment` prints no ready count ("1 available"):
# absent there means not shown, not zero, so the pods are counted.
test_counts_from_pods_when_describe_hides_the_ready_count if {
	described := dep({"metadata": {"annotations": {"ktriage.io/source": "kubectl-describe", "ktriage.io/not-shown": "status.readyReplicas,metadata.ownerReferences"}}})
	c := workload.pod_counts(w, pods) with input as {"kubernetes": {"deployments": [described], "pods": pods}}
	c == {"total": 2, "ready": 1}
}

# A JSON Deployment without readyReplicas has none ready.
test_whole_object_without_ready_count_has_none_ready if {
	c := workload.pod_counts(w, pods) with input as {"kubernetes": {"deployments": [dep({})], "pods": pods}}
	c == {"total": 2, "ready": 0}
}
