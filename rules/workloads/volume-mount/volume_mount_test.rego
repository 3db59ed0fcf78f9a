package ktriage.rules.workloads["volume-mount_test"]

import data.ktriage.rules.workloads["volume-mount"] as rule

# ------------------------------------------------------------ builders

pod(name, volumes, waiting, message) := {
	"kind": "Pod", "apiVersion": "v1",
	"metadata": {"namespace": "reports", "name": name, "labels": {"pod-template-hash": "7c9d8f6b4"}, "ownerReferences": [{"kind": "ReplicaSet", "name": "reporter-7c9d8f6b4", "controller": true}]},
	"spec": {"nodeName": "worker-1", "volumes": volumes, "containers": [{"name": "reporter", "image": "reporter:2.1", "env": [{"name": "LOG_LEVEL", "valueFrom": {"configMapKeyRef": {"name": "reporter-conf", "key": "log-level"}}}]}]},
	"status": {"phase": "Pending", "conditions": [{"type": "Ready", "status": "False"}], "containerStatuses": [{"name": "reporter", "ready": false, "state": {"waiting": object.union({"reason": waiting}, {"message": message | message != ""})}}]},
}

running(name) := object.union(pod(name, [], "", ""), {"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}], "containerStatuses": [{"name": "reporter", "ready": true, "state": {"running": {}}}]}})

cm_vol(name) := {"name": "config", "configMap": {"name": name}}

cm(name, d) := {"kind": "ConfigMap", "metadata": {"namespace": "reports", "name": name}, "data": d}

ev(podname, reason, message) := {
	"kind": "Event", "metadata": {"namespace": "reports", "name": concat(".", [podname, reason])},
	"involvedObject": {"kind": "Pod", "namespace": "reports", "name": podname},
	"reason": reason, "message": message, "count": 12, "type": "Warning",
}

cluster(pods, cms, events, extra) := {
	"available": object.union({"kubernetes.pods": true}, {k: true | some k, _ in extra.available}),
	"kubernetes": object.union({
		"pods": pods, "configmaps": cms, "events": events, "replicasets": [], "nodes": [],
		"listed": {"pods": {"reports": true}, "configmaps": {"reports": true | count(cms) > 0}, "persistentvolumeclaims": {"reports": true | count(object.get(extra, "pvcs", [])) > 0}},
	}, {
		"persistentvolumeclaims": object.get(extra, "pvcs", []),
		"storageclasses": object.get(extra, "classes", []),
		"persistentvolumes": object.get(extra, "pvs", []),
	}),
	"quantities": {"10Gi": 10737418240000, "5Gi": 5368709120000},
}

good := cm("reporter-conf", {"log-level": "info"})

only(set) := x if {
	count(set) == 1
	some x in set
}

# ------------------------------------------------------------ tests

test_missing_configmap_from_objects_names_the_near_miss if {
	pods := [pod("reporter-7c9d8f6b4-a", [cm_vol("reporter-config")], "ContainerCreating", ""), pod("reporter-7c9d8f6b4-b", [cm_vol("reporter-config")], "ContainerCreating", "")]
	f := only(rule.findings) with input as cluster(pods, [good, cm("kube-root-ca.crt", {})], [], {})
	startswith(f.message, "2 of 2 pods of Deployment reports/reporter cannot start")
	contains(f.message, "ConfigMap reporter-config, read by volume config, is not in namespace reports; the closest name it holds is reporter-conf")
	f.details.reason == "configmap-missing"
	f.severity == "critical"
	contains(f.fix, "change reporter-config in the pod template to reporter-conf")
}

test_not_judged_when_configmaps_not_collected if {
	pods := [pod("reporter-7c9d8f6b4-a", [cm_vol("reporter-config")], "ContainerCreating", "")]
	count(rule.findings) == 0 with input as cluster(pods, [], [], {})
}

test_event_says_configmap_missing_when_not_collected if {
	pods := [pod("reporter-7c9d8f6b4-a", [cm_vol("reporter-config")], "ContainerCreating", "")]
	evs := [ev("reporter-7c9d8f6b4-a", "FailedMount", `MountVolume.SetUp failed for volume "config" : configmap "reporter-config" not found`)]
	f := only(rule.findings) with input as cluster(pods, [], evs, {})
	f.details.reason == "configmap-missing"
	contains(f.message, "the kubelet says ConfigMap reporter-config is not found")
}

test_secret_only_from_kubelet_words if {
	pods := [pod("reporter-7c9d8f6b4-a", [], "CreateContainerConfigError", `secret "db-creds" not found`)]
	f := only(rule.findings) with input as cluster(pods, [good], [], {})
	f.details.reason == "secret-missing"
}

test_missing_key_from_objects if {
	pods := [pod("reporter-7c9d8f6b4-a", [], "CreateContainerConfigError", "couldn't find key log-level in ConfigMap reports/reporter-conf")]
	f := only(rule.findings) with input as cluster(pods, [cm("reporter-conf", {"loglevel": "info"})], [], {})
	f.details.causes == ["key-missing"]
	contains(f.message, "reads key log-level of ConfigMap reporter-conf, which has only loglevel")
}

test_missing_key_from_message_alone if {
	pods := [pod("reporter-7c9d8f6b4-a", [], "CreateContainerConfigError", "couldn't find key log-level in ConfigMap reports/reporter-conf")]
	f := only(rule.findings) with input as cluster(pods, [], [], {})
	f.details.reason == "key-missing"
}

claim_vol := {"name": "data", "persistentVolumeClaim": {"claimName": "reporter-data"}}

pvc(spec) := {"kind": "PersistentVolumeClaim", "metadata": {"namespace": "reports", "name": "reporter-data"}, "spec": spec, "status": {"phase": "Pending"}}

sc(name, is_default) := {"kind": "StorageClass", "metadata": {"name": name, "annotations": {"storageclass.kubernetes.io/is-default-class": is_default}}, "provisioner": "ebs.csi.aws.com"}

test_storageclass_missing if {
	pods := [pod("reporter-7c9d8f6b4-a", [claim_vol], "", "")]
	extra := {"available": {"kubernetes.storageclasses": true}, "pvcs": [pvc({"storageClassName": "fast-ssd", "accessModes": ["ReadWriteOnce"]})], "classes": [sc("gp3", "true")]}
	f := only(rule.findings) with input as cluster(pods, [good], [], extra)
	f.details.reason == "storageclass-missing"
	contains(f.message, "asks for StorageClass fast-ssd, which does not exist (the cluster has gp3)")
}

test_no_default_storageclass if {
	pods := [pod("reporter-7c9d8f6b4-a", [claim_vol], "", "")]
	extra := {"available": {"kubernetes.storageclasses": true}, "pvcs": [pvc({"accessModes": ["ReadWriteOnce"]})], "classes": [sc("gp3", "false")]}
	f := only(rule.findings) with input as cluster(pods, [good], [], extra)
	f.details.reason == "no-default-storageclass"
}

test_no_matching_pv if {
	pods := [pod("reporter-7c9d8f6b4-a", [claim_vol], "", "")]
	pv := {"kind": "PersistentVolume", "metadata": {"name": "pv-small"}, "spec": {"storageClassName": "", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "5Gi"}}, "status": {"phase": "Available"}}
	extra := {"available": {"kubernetes.storageclasses": true, "kubernetes.persistentvolumes": true}, "pvcs": [pvc({"storageClassName": "", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}})], "classes": [sc("gp3", "true")], "pvs": [pv]}
	f := only(rule.findings) with input as cluster(pods, [good], [], extra)
	f.details.reason == "no-matching-pv"
	contains(f.message, "Available PersistentVolumes: pv-small")
}

test_multi_attach_from_event if {
	pods := [pod("reporter-7c9d8f6b4-a", [claim_vol], "ContainerCreating", "")]
	evs := [ev("reporter-7c9d8f6b4-a", "FailedAttachVolume", `Multi-Attach error for volume "pvc-3f1c" Volume is already exclusively attached to one node and can't be attached to another`)]
	f := only(rule.findings) with input as cluster(pods, [good], evs, {})
	f.details.reason == "multi-attach"
	"kubectl get volumeattachments" in f.confirm
}

test_silent_when_running_and_config_present if {
	count(rule.findings) == 0 with input as cluster([running("reporter-7c9d8f6b4-a")], [good], [], {})
}

test_silent_for_optional_configmap if {
	v := {"name": "config", "configMap": {"name": "reporter-config", "optional": true}}
	count(rule.findings) == 0 with input as cluster([pod("reporter-7c9d8f6b4-a", [v], "ContainerCreating", "")], [good], [], {})
}

bound(modes) := {"kind": "PersistentVolumeClaim", "metadata": {"namespace": "reports", "name": "reporter-data"}, "spec": {"accessModes": modes, "storageClassName": "gp3", "volumeName": "pvc-3f1c"}, "status": {"phase": "Bound"}}

# the old pod of a rollout still runs on worker-2 with the same claim
holder := json.patch(running("reporter-6b5a4c3d2-z"), [
	{"op": "replace", "path": "/spec/nodeName", "value": "worker-2"},
	{"op": "replace", "path": "/spec/volumes", "value": [claim_vol]},
])

test_multi_attach_from_objects_alone if {
	pods := [pod("reporter-7c9d8f6b4-a", [claim_vol], "ContainerCreating", ""), holder]
	f := only(rule.findings) with input as cluster(pods, [good], [], {"pvcs": [bound(["ReadWriteOnce"])]})
	f.details.reason == "multi-attach"
	contains(f.message, "PersistentVolumeClaim reporter-data is ReadWriteOnce and pod reporter-6b5a4c3d2-z uses it on node worker-2, so its volume cannot attach on worker-1")
}

test_no_multi_attach_for_read_write_many_or_same_node if {
	pods := [pod("reporter-7c9d8f6b4-a", [claim_vol], "ContainerCreating", ""), holder]
	count(rule.findings) == 0 with input as cluster(pods, [good], [], {"pvcs": [bound(["ReadWriteMany"])]})
	same := json.patch(holder, [{"op": "replace", "path": "/spec/nodeName", "value": "worker-1"}])
	count(rule.findings) == 0 with input as cluster([pods[0], same], [good], [], {"pvcs": [bound(["ReadWriteOnce"])]})
}

test_kubelet_message_and_its_event_are_one_cause if {
	msg := "couldn't find key log-level in ConfigMap reports/reporter-conf"
	pods := [pod("reporter-7c9d8f6b4-a", [], "CreateContainerConfigError", msg)]
	f := only(rule.findings) with input as cluster(pods, [], [ev("reporter-7c9d8f6b4-a", "Failed", concat("", ["Error: ", msg]))], {})
	f.details.causes == ["key-missing"]
}

test_claim_events_are_evidence if {
	pods := [pod("reporter-7c9d8f6b4-a", [claim_vol], "", "")]
	e := {"kind": "Event", "metadata": {"namespace": "reports", "name": "reporter-data.x"}, "involvedObject": {"kind": "PersistentVolumeClaim", "namespace": "reports", "name": "reporter-data"}, "reason": "ProvisioningFailed", "message": `storageclass.storage.k8s.io "fast-ssd" not found`, "count": 14}
	extra := {"available": {"kubernetes.storageclasses": true}, "pvcs": [pvc({"storageClassName": "fast-ssd", "accessModes": ["ReadWriteOnce"]})], "classes": [sc("gp3", "true")]}
	f := only(rule.findings) with input as cluster(pods, [good], [e], extra)
	f.evidence[3].note == "ProvisioningFailed event (x14)"
}

# A describe-only bundle has the claim and its events but no StorageClass
# list: the PV controller's ProvisioningFailed event is the proof.
test_storageclass_missing_from_event_when_classes_not_collected if {
	pods := [pod("reporter-7c9d8f6b4-a", [claim_vol], "", "")]
	e := {"kind": "Event", "metadata": {"namespace": "reports", "name": "reporter-data.x"}, "involvedObject": {"kind": "PersistentVolumeClaim", "namespace": "reports", "name": "reporter-data"}, "reason": "ProvisioningFailed", "message": `storageclass.storage.k8s.io "fast-ssd" not found`, "count": 3}
	extra := {"pvcs": [pvc({"storageClassName": "fast-ssd", "accessModes": ["ReadWriteOnce"]})]}
	f := only(rule.findings) with input as cluster(pods, [good], [e], extra)
	f.details.reason == "storageclass-missing"
	contains(f.message, `the PV controller says storageclass.storage.k8s.io "fast-ssd" not found`)
}

test_storageclass_not_judged_without_classes_or_event if {
	pods := [pod("reporter-7c9d8f6b4-a", [claim_vol], "", "")]
	e := {"kind": "Event", "metadata": {"namespace": "reports", "name": "reporter-data.x"}, "involvedObject": {"kind": "PersistentVolumeClaim", "namespace": "reports", "name": "reporter-data"}, "reason": "ProvisioningFailed", "message": `storageclass.storage.k8s.io "other" not found`}
	extra := {"pvcs": [pvc({"storageClassName": "fast-ssd", "accessModes": ["ReadWriteOnce"]})]}
	count(rule.findings) == 0 with input as cluster(pods, [good], [e], extra)
}
