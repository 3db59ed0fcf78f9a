package ktriage.rules.workloads["scheduling_test"]

import data.ktriage.rules.workloads["scheduling"] as rule

# ------------------------------------------------------------ builders

# Scheduler verdicts as kube-scheduler writes them (FitError.Error in
# pkg/scheduler/framework/types.go; reasons from the tainttoleration,
# noderesources and nodeaffinity plugins).
cpu_msg := "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."

# The pre-1.25 taint wording, from the real kubeadm v1.21 dump in
# shared/realworld (a comma inside one reason).
old_msg := "0/3 nodes are available: 3 node(s) had taint {node.kubernetes.io/not-ready: }, that the pod didn't tolerate."

node(name, labels, taints, cpu) := {
	"kind": "Node", "apiVersion": "v1",
	"metadata": {"name": name, "labels": labels},
	"spec": {"taints": taints},
	"status": {"allocatable": {"cpu": cpu, "memory": "16Gi", "pods": "110"}},
}

cp := node("cp-1", {"node-role.kubernetes.io/control-plane": ""}, [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}], "4")

worker(name) := node(name, {"disktype": "hdd"}, [], "4")

rs_owner(name) := [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": name, "controller": true}]

pending(name, spec, msg) := {
	"kind": "Pod", "apiVersion": "v1",
	"metadata": {"namespace": "analytics", "name": name, "labels": {"app": "etl", "pod-template-hash": "5c8f7d6b9"}, "ownerReferences": rs_owner("etl-5c8f7d6b9")},
	"spec": spec,
	"status": {"phase": "Pending", "conditions": [c | some c in [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": msg}]; msg != ""]},
}

running(name, node_name, cpu) := {
	"kind": "Pod", "apiVersion": "v1",
	"metadata": {"namespace": "shop", "name": name},
	"spec": {"nodeName": node_name, "containers": [{"name": "c", "resources": {"requests": {"cpu": cpu}}}]},
	"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
}

etl_spec(cpu) := {"containers": [{"name": "etl", "resources": {"requests": {"cpu": cpu, "memory": "4Gi"}}}]}

rs := {
	"kind": "ReplicaSet", "apiVersion": "apps/v1",
	"metadata": {"namespace": "analytics", "name": "etl-5c8f7d6b9", "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "etl", "controller": true}]},
}

cluster(nodes, pods, events) := {
	"available": {"kubernetes.pods": true},
	"kubernetes": {"nodes": nodes, "pods": pods, "events": events, "replicasets": [rs], "persistentvolumeclaims": []},
	"quantities": {"4": 4000, "6": 6000, "3": 3000, "580m": 580, "1500m": 1500, "4Gi": 4294967296000, "16Gi": 17179869184000, "110": 110000, "500m": 500},
}

only(set) := x if {
	count(set) == 1
	some x in set
}

load := [running("web-1", "worker-1", "580m"), running("cache-1", "worker-2", "1500m")]

# ------------------------------------------------------------ tests

test_fires_when_no_node_has_the_cpu if {
	f := only(rule.findings) with input as cluster(
		[cp, worker("worker-1"), worker("worker-2")],
		array.concat(load, [pending("etl-5c8f7d6b9-a", etl_spec("6"), cpu_msg), pending("etl-5c8f7d6b9-b", etl_spec("6"), cpu_msg)]),
		[],
	)
	contains(f.message, "2 of 2 pods of Deployment analytics/etl Pending, not bound to a node (etl-5c8f7d6b9-a, etl-5c8f7d6b9-b).")
	contains(f.message, "Needs cpu 6; the most free otherwise eligible node (worker-1) has 3.42.")
	contains(f.message, "Untolerated taint node-role.kubernetes.io/control-plane:NoSchedule on cp-1.")
	contains(f.message, "Closest node: worker-1 (short of cpu by 2.58).")
	f.severity == "critical"
	f.subjects == [{"kind": "Deployment", "namespace": "analytics", "name": "etl"}, {"kind": "Pod", "namespace": "analytics", "name": "etl-5c8f7d6b9-a"}]
	f.details.scheduler_reasons == [
		{"count": 1, "reason": "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"},
		{"count": 2, "reason": "Insufficient cpu"},
	]
	f.confirm[0] == "kubectl -n analytics describe pod etl-5c8f7d6b9-a"

	# the condition's message is the proof, not its type line
	f.evidence[0].path == ["status", "conditions", 0, "message"]
}

test_fires_when_events_are_the_only_verdict if {
	ev := {"kind": "Event", "metadata": {"namespace": "analytics", "name": "e1"}, "involvedObject": {"kind": "Pod", "namespace": "analytics", "name": "etl-5c8f7d6b9-a"}, "reason": "FailedScheduling", "message": cpu_msg, "lastTimestamp": "2024-03-11T09:31:40Z"}
	f := only(rule.findings) with input as cluster([cp, worker("worker-1")], array.concat(load, [pending("etl-5c8f7d6b9-a", etl_spec("6"), "")]), [ev])
	contains(f.message, "The scheduler says (FailedScheduling event)")
	f.evidence[0].path == []
}

test_fires_from_objects_alone_without_any_verdict if {
	f := only(rule.findings) with input as cluster([worker("worker-1")], [pending("etl-5c8f7d6b9-a", etl_spec("6"), "")], [])
	contains(f.message, "No scheduler verdict is left")
	contains(f.message, "Needs cpu 6; the most free node (worker-1) has 4.")
}

test_fires_when_node_selector_matches_no_node if {
	spec := object.union(etl_spec("500m"), {"nodeSelector": {"disktype": "ssd"}})
	f := only(rule.findings) with input as cluster([cp, worker("worker-1"), worker("worker-2")], [pending("etl-5c8f7d6b9-a", spec, "")], [])
	contains(f.message, "Pod wants disktype=ssd; worker-1, worker-2 have disktype=hdd; cp-1 lacks disktype; no node has ssd.")
	contains(f.fix, "kubectl label node NODE disktype=ssd")
}

test_fires_when_required_affinity_matches_no_node if {
	aff := {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "disktype", "operator": "In", "values": ["ssd", "nvme"]}]}]}}}
	spec := object.union(etl_spec("500m"), {"affinity": aff})
	f := only(rule.findings) with input as cluster([worker("worker-1")], [pending("etl-5c8f7d6b9-a", spec, "")], [])
	contains(f.message, `Required node affinity (disktype In ["ssd", "nvme"]) matches no node: nodes have disktype=hdd.`)
}

test_silent_when_affinity_operators_match if {
	terms := [{"matchExpressions": [
		{"key": "disktype", "operator": "NotIn", "values": ["ssd"]},
		{"key": "disktype", "operator": "Exists"},
		{"key": "gpu", "operator": "DoesNotExist"},
		{"key": "cores", "operator": "Gt", "values": ["8"]},
		{"key": "cores", "operator": "Lt", "values": ["64"]},
	]}]
	spec := object.union(etl_spec("500m"), {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}}})
	n := node("big", {"disktype": "hdd", "cores": "32"}, [], "4")
	fs := rule.findings with input as cluster([n], [pending("etl-5c8f7d6b9-a", spec, "")], [])
	count(fs) == 0
}

test_fires_when_node_is_cordoned if {
	n := json.patch(worker("worker-1"), [{"op": "add", "path": "/spec/unschedulable", "value": true}])
	f := only(rule.findings) with input as cluster([n], [pending("etl-5c8f7d6b9-a", etl_spec("500m"), "")], [])
	contains(f.message, "Cordoned (spec.unschedulable): worker-1.")
	contains(f.fix, "kubectl uncordon")
}

test_silent_when_taint_is_tolerated_by_exists_with_empty_key if {
	spec := object.union(etl_spec("500m"), {"tolerations": [{"operator": "Exists"}]})
	fs := rule.findings with input as cluster([cp], [pending("etl-5c8f7d6b9-a", spec, "")], [])
	count(fs) == 0
}

test_fires_when_toleration_effect_differs if {
	spec := object.union(etl_spec("500m"), {"tolerations": [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoExecute"}]})
	f := only(rule.findings) with input as cluster([cp], [pending("etl-5c8f7d6b9-a", spec, "")], [])
	contains(f.message, "Untolerated taint node-role.kubernetes.io/control-plane:NoSchedule on cp-1.")
}

test_silent_when_equal_toleration_matches_value if {
	n := node("gpu-1", {}, [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}], "4")
	spec := object.union(etl_spec("500m"), {"tolerations": [{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]})
	fs := rule.findings with input as cluster([n], [pending("etl-5c8f7d6b9-a", spec, "")], [])
	count(fs) == 0
}

test_fires_when_claim_is_unbound if {
	spec := object.union(etl_spec("500m"), {"volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data-etl"}}]})
	pvc := {"kind": "PersistentVolumeClaim", "metadata": {"namespace": "analytics", "name": "data-etl"}, "status": {"phase": "Pending"}}
	inp := json.patch(cluster([worker("worker-1")], [pending("etl-5c8f7d6b9-a", spec, "")], []), [{"op": "replace", "path": "/kubernetes/persistentvolumeclaims", "value": [pvc]}])
	f := only(rule.findings) with input as inp
	contains(f.message, "PersistentVolumeClaim data-etl is Pending (not bound to a volume).")
}

test_says_what_is_not_recomputed_when_every_node_fits if {
	f := only(rule.findings) with input as cluster([worker("worker-1")], [pending("etl-5c8f7d6b9-a", etl_spec("1"), "0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules.")], [])
	contains(f.message, "By every predicate recomputed here worker-1 could take the pod; the cause is one not recomputed (inter-pod affinity")
}

test_is_high_when_some_replica_is_ready if {
	ready := json.patch(running("etl-5c8f7d6b9-r", "worker-1", "500m"), [
		{"op": "replace", "path": "/metadata", "value": {"namespace": "analytics", "name": "etl-5c8f7d6b9-r", "ownerReferences": rs_owner("etl-5c8f7d6b9")}},
	])
	f := only(rule.findings) with input as cluster([worker("worker-1")], [ready, pending("etl-5c8f7d6b9-a", etl_spec("6"), cpu_msg)], [])
	f.severity == "high"
	contains(f.message, "1 of 2 pods of Deployment analytics/etl Pending")
}

test_silent_when_pod_is_bound_or_gated if {
	gated := json.patch(pending("etl-5c8f7d6b9-a", etl_spec("6"), ""), [{"op": "add", "path": "/status/conditions", "value": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}])
	bound := json.patch(pending("etl-5c8f7d6b9-b", etl_spec("1"), ""), [{"op": "add", "path": "/spec/nodeName", "value": "worker-1"}])
	fs := rule.findings with input as cluster([worker("worker-1")], [gated, bound], [])
	count(fs) == 0
}

test_silent_when_too_many_pods_is_not_reached if {
	fs := rule.findings with input as cluster([worker("worker-1")], array.concat(load, [pending("etl-5c8f7d6b9-a", etl_spec("1"), "")]), [])
	count(fs) == 0
}

test_parses_pre_1_25_taint_wording if {
	rule.reason_counts(old_msg) == [{"count": 3, "reason": "node(s) had taint {node.kubernetes.io/not-ready: }, that the pod didn't tolerate"}]
}

test_workload_is_inferred_when_replicaset_is_missing if {
	inp := json.patch(cluster([worker("worker-1")], [pending("etl-5c8f7d6b9-a", etl_spec("6"), cpu_msg)], []), [{"op": "replace", "path": "/kubernetes/replicasets", "value": []}])
	f := only(rule.findings) with input as inp
	f.details.workload == {"kind": "Deployment", "namespace": "analytics", "name": "etl", "inferred": true}
}

test_confirm_quotes_unsafe_names if {
	p := json.patch(pending("etl-5c8f7d6b9-a", etl_spec("6"), cpu_msg), [{"op": "replace", "path": "/metadata/name", "value": "x'; rm -rf /"}])
	f := only(rule.findings) with input as cluster([worker("worker-1")], [p], [])
	f.confirm[0] == `kubectl -n analytics describe pod 'x'\''; rm -rf /'`
}

test_says_unknown_when_allocatable_is_absent if {
	n := json.patch(worker("worker-1"), [{"op": "remove", "path": "/status/allocatable"}])
	f := only(rule.findings) with input as cluster([n], [pending("etl-5c8f7d6b9-a", etl_spec("6"), cpu_msg)], [])
	contains(f.message, "Allocatable of worker-1 is not in the bundle's objects: its room is unknown.")
	not contains(f.message, "Needs cpu")
}

# A node without a network plugin, as the kubelet reports it (dockershim,
# pkg/kubelet/kubelet_node_status.go + the runtime's NetworkReady status;
# the real kubeadm v1.20 dump in shared/realworld).
no_cni(name) := object.union(node(name, {}, [{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}], "4"), {"status": {"conditions": [{
	"type": "Ready", "status": "False", "reason": "KubeletNotReady",
	"message": "runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:docker: network plugin is not ready: cni config uninitialized",
}]}})

test_points_at_cni_when_every_node_waits_for_its_network if {
	f := only(rule.findings) with input as cluster([no_cni("n-1"), no_cni("n-2")], [pending("etl-5c8f7d6b9-a", etl_spec("1"), old_msg)], [])
	f.severity == "info"
	f.details.see == "cni"
	f.details.reason == "node-network-not-ready"
	contains(f.message, "Every node is NotReady because its pod network is not ready")
	contains(f.message, "reported by the cni finding")
}

# With --disable cni there is no cni finding to point at: the NotReady
# nodes are node-health's finding, which lists the pods; with neither rule
# running, the pods' own finding is the critical one.
test_points_at_node_health_when_cni_does_not_run if {
	inp := cluster([no_cni("n-1"), no_cni("n-2")], [pending("etl-5c8f7d6b9-a", etl_spec("1"), old_msg)], [])
	f := only(rule.findings) with input as object.union(inp, {"rules": {"scheduling": true, "node-health": true}})
	f.severity == "info"
	f.details.see == "node-health"
	contains(f.message, "reported by the node-health finding")
	not contains(f.message, "reported by the cni finding")
	g := only(rule.findings) with input as object.union(inp, {"rules": {"scheduling": true, "cni": true}})
	g.severity == "info"
	g.details.see == "cni"
	h := only(rule.findings) with input as object.union(inp, {"rules": {"scheduling": true}})
	h.severity == "critical"
	not h.details.see
}

# One node NotReady for its network, one whose kubelet stopped: not the
# cni finding's cause alone, but every node is NotReady, which node-health
# reports (with these pods among its consequences).
test_points_at_node_health_when_a_node_is_not_ready_for_another_reason if {
	stopped := json.patch(no_cni("n-2"), [{"op": "replace", "path": "/status/conditions/0/message", "value": "Kubelet stopped posting node status."}])
	f := only(rule.findings) with input as cluster([no_cni("n-1"), stopped], [pending("etl-5c8f7d6b9-a", etl_spec("1"), old_msg)], [])
	f.severity == "info"
	f.details.see == "node-health"
}

# A Ready node that refuses the pod for its own reason keeps the finding
# the pod's own.
test_stays_critical_when_a_ready_node_refuses_too if {
	ready := json.patch(no_cni("n-2"), [
		{"op": "replace", "path": "/status/conditions/0/status", "value": "True"},
		{"op": "replace", "path": "/spec/taints", "value": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]},
	])
	f := only(rule.findings) with input as cluster([no_cni("n-1"), ready], [pending("etl-5c8f7d6b9-a", etl_spec("1"), old_msg)], [])
	f.severity == "critical"
	not f.details.see
}

test_stays_critical_when_the_network_is_not_all_that_blocks if {
	f := only(rule.findings) with input as cluster([no_cni("n-1")], [pending("etl-5c8f7d6b9-a", etl_spec("6"), old_msg)], [])
	f.severity == "critical"
	contains(f.message, "Needs cpu 6")
}

test_never_advises_tolerating_the_not_ready_taint if {
	f := only(rule.findings) with input as cluster([no_cni("n-1")], [pending("etl-5c8f7d6b9-a", etl_spec("1"), old_msg)], [])
	not contains(f.fix, "Add a toleration")
	contains(f.fix, "Install the pod network (see the cni finding)")
}

# The PV controller cannot provision a claim whose StorageClass does not
# exist; volume-mount says so, and scheduling points there.
test_points_at_volume_mount_when_the_claim_is_the_cause if {
	spec := object.union(etl_spec("500m"), {"volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data-etl"}}]})
	pvc := {"kind": "PersistentVolumeClaim", "metadata": {"namespace": "analytics", "name": "data-etl"}, "spec": {"storageClassName": "fast-ssd"}, "status": {"phase": "Pending"}}
	sc := {"kind": "StorageClass", "metadata": {"name": "gp3"}, "provisioner": "ebs.csi.aws.com"}
	inp := json.patch(cluster([worker("worker-1")], [pending("etl-5c8f7d6b9-a", spec, "")], []), [
		{"op": "replace", "path": "/kubernetes/persistentvolumeclaims", "value": [pvc]},
		{"op": "add", "path": "/kubernetes/storageclasses", "value": [sc]},
		{"op": "add", "path": "/available/kubernetes.storageclasses", "value": true},
	])
	f := only(rule.findings) with input as inp
	f.severity == "info"
	f.details.see == "volume-mount"
	contains(f.message, "reported (with why the claim is Pending) by the volume-mount finding")
	not contains(f.message, "the cause is one not recomputed")

	# a claim the objects do not explain stays this rule's
	g := only(rule.findings) with input as json.patch(inp, [{"op": "remove", "path": "/available/kubernetes.storageclasses"}])
	g.severity == "critical"
}

# kubectl describe node prints what the node's pods request ("Allocated
# resources") whether or not the bundle holds those pods; kubectl describe
# pod prints no affinity and no condition message.
described(n, cpu) := object.union(n, {"ktriage": {"allocatedResources": {"requests": {"cpu": cpu}}, "nonTerminatedPods": [{"namespace": "shop", "name": "web-1"}]}})

described_pod(p) := object.union(p, {"metadata": {"annotations": {
	"ktriage.io/source": "kubectl-describe",
	"ktriage.io/not-shown": "spec.affinity,status.conditions[].message,status.containerStatuses[].state.waiting.message",
}}})

test_counts_allocated_resources_of_a_described_node if {
	f := only(rule.findings) with input as cluster([described(worker("worker-1"), "580m")], [described_pod(pending("etl-5c8f7d6b9-a", etl_spec("6"), ""))], [])
	contains(f.message, "Needs cpu 6; the most free node (worker-1) has 3.42.")
	contains(f.message, "kubectl describe does not print the pod's affinity, so required node affinity is not recomputed.")
	contains(f.message, "The scheduler's verdict is not shown: kubectl describe prints the PodScheduled condition without its message")
}

# Gt and Lt read label values as integers (strconv.ParseInt): a value that
# is none matches neither, as in the scheduler, where the rule failed.
test_gt_and_lt_on_a_label_that_is_no_integer if {
	terms := [{"matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["8"]}]}]
	spec := object.union(etl_spec("500m"), {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}}})
	f := only(rule.findings) with input as cluster([node("big", {"cores": "many"}, [], "4")], [pending("etl-5c8f7d6b9-a", spec, "")], [])
	contains(f.message, "matches no node")
	count(rule.findings) == 0 with input as cluster([node("big", {"cores": "+32"}, [], "4")], [pending("etl-5c8f7d6b9-a", spec, "")], [])
}
