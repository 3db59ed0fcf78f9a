# Why a pod's PersistentVolumeClaim keeps it from starting, judged from the
# claims, StorageClasses and PersistentVolumes. volume-mount reports it;
# scheduling, whose Pending pods the same claims hold back, points there.
package ktriage.lib.claims

import data.ktriage.lib.kube
import data.ktriage.lib.workload

# of lists the claims a pod's volumes use, with the path citing each.
of(p) := [{"name": v.persistentVolumeClaim.claimName, "path": ["spec", "volumes", i, "persistentVolumeClaim", "claimName"], "volume": v.name} |
	some i, v in kube.array(p, ["spec", "volumes"])
	v.persistentVolumeClaim.claimName
]

pvcs_listed(ns) if input.kubernetes.listed.persistentvolumeclaims[ns]

pvc(ns, name) := c if {
	some c in object.get(pvcs_in, ns, [])
	c.metadata.name == name
}

# pvcs_in groups the claims by namespace once per query: pvc looks up one
# namespace instead of scanning every claim of the cluster per stuck pod.
pvcs_in := {ns: cs |
	some ns in {kube.namespace(c) | some c in kube.array(input.kubernetes, ["persistentvolumeclaims"])}
	cs := [c | some c in input.kubernetes.persistentvolumeclaims; kube.namespace(c) == ns]
}

storage_classes := object.get(input.kubernetes, "storageclasses", [])

classes_known if input.available["kubernetes.storageclasses"]

default_classes := [sc.metadata.name | some sc in storage_classes; sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"] == "true"]

# cause is {reason, text, evidence, fix, name} for one claim of a pod, or
# undefined when the objects do not say why it holds the pod.
cause(p, ns, cl) := {
	"reason": "claim-missing",
	"text": sprintf("volume %s uses PersistentVolumeClaim %s, which is not in namespace %s", [cl.volume, cl.name, ns]),
	"evidence": [kube.at(p, cl.path, sprintf("claim %s", [cl.name]))],
	"fix": sprintf("Create PersistentVolumeClaim %s in %s, or point volume %s at a claim that exists.", [cl.name, ns, cl.volume]),
	"name": cl.name,
} if {
	pvcs_listed(ns)
	not pvc(ns, cl.name)
}

cause(p, ns, cl) := {
	"reason": "storageclass-missing",
	"text": sprintf("PersistentVolumeClaim %s is Pending: it asks for StorageClass %s, which does not exist (the cluster has %s)", [cl.name, cls, classes_text]),
	"evidence": array.concat([kube.at(p, cl.path, sprintf("claim %s", [cl.name])), kube.at(claim, ["spec", "storageClassName"], sprintf("storageClassName %s", [cls])), kube.at(claim, ["status", "phase"], "phase Pending")], event_evidence(claim)),
	"fix": sprintf("Set the claim's storageClassName to a class that exists (%s), or create StorageClass %s; a claim's class cannot be changed, so delete and re-create the claim.", [classes_text, cls]),
	"name": cl.name,
} if {
	claim := pvc(ns, cl.name)
	claim.status.phase == "Pending"
	cls := claim.spec.storageClassName
	cls != ""
	classes_known
	not cls in {sc.metadata.name | some sc in storage_classes}
}

# Without the StorageClass list (a describe-only bundle), the PV
# controller's own ProvisioningFailed event says the class is missing; its
# text is the class lister's NotFound error
# (pkg/controller/volume/persistentvolume/pv_controller.go).
cause(p, ns, cl) := {
	"reason": "storageclass-missing",
	"text": sprintf("PersistentVolumeClaim %s is Pending: it asks for StorageClass %s, which does not exist (the PV controller says %s; the StorageClasses are not in the bundle)", [cl.name, cls, not_found]),
	"evidence": array.concat([kube.at(p, cl.path, sprintf("claim %s", [cl.name])), kube.at(claim, ["spec", "storageClassName"], sprintf("storageClassName %s", [cls])), kube.at(claim, ["status", "phase"], "phase Pending")], event_evidence(claim)),
	"fix": sprintf("Set the claim's storageClassName to a class that exists (kubectl get storageclass), or create StorageClass %s; a claim's class cannot be changed, so delete and re-create the claim.", [cls]),
	"name": cl.name,
} if {
	claim := pvc(ns, cl.name)
	claim.status.phase == "Pending"
	cls := claim.spec.storageClassName
	cls != ""
	not classes_known
	not_found := sprintf(`storageclass.storage.k8s.io "%s" not found`, [cls])
	some e in workload.events_of(ns, "PersistentVolumeClaim", cl.name)
	e.reason == "ProvisioningFailed"
	e.message == not_found
}

cause(p, ns, cl) := {
	"reason": "no-default-storageclass",
	"text": sprintf("PersistentVolumeClaim %s is Pending: it names no StorageClass and none is marked default (storageclass.kubernetes.io/is-default-class); the cluster has %s", [cl.name, classes_text]),
	"evidence": array.concat([kube.at(p, cl.path, sprintf("claim %s", [cl.name])), kube.cite(claim, sprintf("claim %s names no storageClassName", [cl.name])), kube.at(claim, ["status", "phase"], "phase Pending")], event_evidence(claim)),
	"fix": sprintf("Mark a StorageClass default (kubectl annotate storageclass NAME storageclass.kubernetes.io/is-default-class=true) or set storageClassName on claim %s/%s (re-create it).", [ns, cl.name]),
	"name": cl.name,
} if {
	claim := pvc(ns, cl.name)
	claim.status.phase == "Pending"
	is_object(claim.spec)
	not "storageClassName" in object.keys(claim.spec)
	classes_known
	count(default_classes) == 0
}

cause(p, ns, cl) := {
	"reason": "no-matching-pv",
	"text": sprintf("PersistentVolumeClaim %s is Pending: it needs a pre-created PersistentVolume (class %s, %s, %s) and no Available one matches (%s)", [cl.name, class_or_none(claim), size(claim), concat(",", kube.array(claim, ["spec", "accessModes"])), pv_text(claim)]),
	"evidence": array.concat([kube.at(p, cl.path, sprintf("claim %s", [cl.name])), kube.at(claim, ["spec", "resources", "requests", "storage"], sprintf("storage %s", [size(claim)])), kube.at(claim, ["status", "phase"], "phase Pending")], event_evidence(claim)),
	"fix": sprintf("Create a PersistentVolume of class %s with at least %s and access modes %s (or give the claim a class that provisions).", [class_or_none(claim), size(claim), concat(",", kube.array(claim, ["spec", "accessModes"]))]),
	"name": cl.name,
} if {
	claim := pvc(ns, cl.name)
	claim.status.phase == "Pending"
	static_class(claim)
	input.available["kubernetes.persistentvolumes"]
	count(matching_pvs(claim)) == 0
}

class_or_none(claim) := claim.spec.storageClassName if claim.spec.storageClassName != ""

else := "\"\" (none)"

size(claim) := kube.show(claim.spec.resources.requests.storage) if claim.spec.resources.requests.storage

else := "any size"

# static_class: the claim binds only to pre-created volumes (class "" or a
# class whose provisioner is kubernetes.io/no-provisioner).
static_class(claim) if claim.spec.storageClassName == ""

static_class(claim) if {
	some sc in storage_classes
	sc.metadata.name == claim.spec.storageClassName
	sc.provisioner == "kubernetes.io/no-provisioner"
}

matching_pvs(claim) := [pv |
	some pv in object.get(input.kubernetes, "persistentvolumes", [])
	object.get(pv, ["status", "phase"], "") == "Available"
	object.get(pv, ["spec", "storageClassName"], "") == claim.spec.storageClassName
	every m in kube.array(claim, ["spec", "accessModes"]) {
		m in kube.array(pv, ["spec", "accessModes"])
	}
	kube.quantity(pv.spec.capacity.storage) >= kube.quantity(claim.spec.resources.requests.storage)
]

pv_text(claim) := sprintf("Available PersistentVolumes: %s", [concat(", ", sort([pv.metadata.name | some pv in input.kubernetes.persistentvolumes; object.get(pv, ["status", "phase"], "") == "Available"]))]) if {
	count([1 | some pv in input.kubernetes.persistentvolumes; object.get(pv, ["status", "phase"], "") == "Available"]) > 0
} else := "no PersistentVolume is Available"

classes_text := concat(", ", sort([sc.metadata.name | some sc in storage_classes])) if count(storage_classes) > 0

else := "none"


# The PV controller's events on the claim, when left, as extra proof
# (pkg/controller/volume/persistentvolume/pv_controller.go: ProvisioningFailed
# with the class lister's `storageclass.storage.k8s.io "x" not found`,
# FailedBinding "no persistent volumes available for this claim and no
# storage class is set").
event_evidence(claim) := [kube.at(e, ["message"], sprintf("%s event (x%v)", [e.reason, object.get(e, "count", 1)])) |
	some e in workload.events_of(kube.namespace(claim), "PersistentVolumeClaim", claim.metadata.name)
	e.reason in {"ProvisioningFailed", "FailedBinding"}
]
