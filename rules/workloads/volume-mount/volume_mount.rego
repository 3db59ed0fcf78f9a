# METADATA
# title: Pods wait for a volume, ConfigMap or Secret
# description: >-
#   Finds pods stuck Pending or ContainerCreating (or in
#   CreateContainerConfigError) on their storage or configuration, one
#   finding per workload. From the objects, which outlive the events: a
#   ConfigMap that a volume, a projected volume, envFrom or an env valueFrom
#   names and that the namespace does not hold (judged only where the
#   namespace's ConfigMaps were collected, and not for optional references),
#   with the existing name closest to it (`reporter-config` vs
#   `reporter-conf`); a key the pod reads that the ConfigMap lacks; a
#   PersistentVolumeClaim that is missing or Pending because its
#   StorageClass does not exist, because it names no class and no
#   StorageClass is marked default
#   (storageclass.kubernetes.io/is-default-class), or because no
#   PersistentVolume matches it. From the kubelet's messages (the waiting
#   message, FailedMount / FailedAttachVolume events): a missing Secret or
#   ConfigMap (`configmap "x" not found`, `secret "x" not found`), a missing
#   key (`couldn't find key k in ConfigMap ns/x`), a ReadWriteOnce volume
#   still attached to another node (`Multi-Attach error`), and attach or
#   mount timeouts. Without events, a ReadWriteOnce claim that another pod
#   still uses on another node is named as the Multi-Attach it causes. Bundles never hold Secrets, so a missing Secret is
#   reported only when the kubelet said so. Critical when the workload has
#   no Ready pod, high when some are Ready.
# custom:
#   id: volume-mount
#   category: volume-mount
#   severity: critical
#   needs: [kubernetes.pods]
#   remediation: >-
#     Create the missing ConfigMap, Secret or key (or correct the name the
#     pod template uses); give the claim a StorageClass that exists, mark one
#     default, or create a PersistentVolume that matches; for a Multi-Attach
#     error, let the old pod on the other node terminate (or use a
#     ReadWriteMany volume, or a StatefulSet / Recreate strategy for
#     ReadWriteOnce data).
#   references:
#     - https://kubernetes.io/docs/concepts/configuration/configmap/#using-configmaps-as-files-from-a-pod
#     - https://kubernetes.io/docs/concepts/storage/persistent-volumes/#binding
#     - https://kubernetes.io/docs/concepts/storage/storage-classes/#default-storageclass
package ktriage.rules.workloads["volume-mount"]

import data.ktriage.lib.claims
import data.ktriage.lib.kube
import data.ktriage.lib.sh
import data.ktriage.lib.workload

# ------------------------------------------------------------ stuck pods

# Waiting reasons of a container that never started because of its volumes
# or configuration (kubelet: "ContainerCreating" while volumes mount,
# kuberuntime ErrCreateContainerConfig "CreateContainerConfigError").
stuck_reasons := {"ContainerCreating", "CreateContainerConfigError"}

stuck(p) if {
	object.get(p, ["status", "phase"], "") == "Pending"
	not kube.ready(p)
	not unscheduled_only(p)
}

stuck(p) if {
	some s in kube.array(p, ["status", "containerStatuses"])
	s.state.waiting.reason in stuck_reasons
}

# A pod the scheduler has not placed waits for the scheduler (the
# scheduling rule's subject) unless its claims are what holds it.
unscheduled_only(p) if {
	not p.spec.nodeName
	count(claims.of(p)) == 0
}

stuck_pods := [{"pod": p, "key": workload.key(w), "w": w, "causes": cs} |
	some p in kube.pods_waiting
	stuck(p)
	cs := causes(p)
	count(cs) > 0
	w := workload.of(p)
]

# --------------------------------------------------------- references

# config_refs lists every ConfigMap a pod reads, with the path citing it.
config_refs(p) := array.concat(array.concat(
	[{"name": v.configMap.name, "path": ["spec", "volumes", i, "configMap", "name"], "how": sprintf("volume %s", [v.name]), "optional": object.get(v.configMap, "optional", false), "key": ""} |
		some i, v in kube.array(p, ["spec", "volumes"])
		v.configMap.name
	],
	[{"name": src.configMap.name, "path": ["spec", "volumes", i, "projected", "sources", j, "configMap", "name"], "how": sprintf("projected volume %s", [v.name]), "optional": object.get(src.configMap, "optional", false), "key": ""} |
		some i, v in kube.array(p, ["spec", "volumes"])
		some j, src in kube.array(v, ["projected", "sources"])
		src.configMap.name
	],
), array.concat(
	[{"name": e.configMapRef.name, "path": [list, ci, "envFrom", j, "configMapRef", "name"], "how": sprintf("envFrom of container %s", [c.name]), "optional": object.get(e.configMapRef, "optional", false), "key": ""} |
		some list in ["containers", "initContainers"]
		some ci, c in kube.array(p, ["spec", list])
		some j, e in kube.array(c, ["envFrom"])
		e.configMapRef.name
	],
	[{"name": e.valueFrom.configMapKeyRef.name, "path": [list, ci, "env", j, "valueFrom", "configMapKeyRef", "name"], "how": sprintf("env %s of container %s", [e.name, c.name]), "optional": object.get(e.valueFrom.configMapKeyRef, "optional", false), "key": object.get(e.valueFrom.configMapKeyRef, "key", "")} |
		some list in ["containers", "initContainers"]
		some ci, c in kube.array(p, ["spec", list])
		some j, e in kube.array(c, ["env"])
		e.valueFrom.configMapKeyRef.name
	],
))

configmaps_listed(ns) if input.kubernetes.listed.configmaps[ns]

configmap(ns, name) := cm if {
	some cm in object.get(configmaps_in, ns, [])
	cm.metadata.name == name
}

# configmaps_in groups the bundle's ConfigMaps by namespace once per
# query: the function above looks up one namespace instead of scanning
# every ConfigMap of the cluster per stuck pod (that scan made the rule
# quadratic in pods). Claims are grouped the same way in lib/claims.
configmaps_in := {ns: cms |
	some ns in {kube.namespace(cm) | some cm in kube.array(input.kubernetes, ["configmaps"])}
	cms := [cm | some cm in input.kubernetes.configmaps; kube.namespace(cm) == ns]
}

# ---------------------------------------------------------------- causes

# causes of one pod, each {reason, text, evidence, fix}; the first is the
# one a finding leads with.
causes(p) := array.concat(array.concat(missing_configmaps(p), missing_keys(p)), array.concat(array.concat(claim_causes(p), kubelet_causes(p)), attach_causes(p)))

missing_configmaps(p) := [c |
	ns := kube.namespace(p)
	configmaps_listed(ns)
	names := {r.name | some r in config_refs(p); not r.optional; not configmap(ns, r.name)}
	some name in sort(names)
	r := [x | some x in config_refs(p); x.name == name][0]
	near := nearest(ns, name)
	c := {
		"reason": "configmap-missing",
		"text": sprintf("ConfigMap %s, read by %s, is not in namespace %s%s", [name, r.how, ns, near_text(near)]),
		"evidence": array.concat(
			array.concat([kube.at(p, r.path, sprintf("%s reads ConfigMap %s", [r.how, name]))], [kube.cite(configmap(ns, near), sprintf("ConfigMap %s exists", [near])) | near != ""]),
			# the kubelet's FailedMount events, when left, as extra proof
			[kube.at(e, ["message"], sprintf("%s event (x%v)", [e.reason, object.get(e, "count", 1)])) |
				some e in pod_events(p)
				contains(e.message, sprintf("configmap %q not found", [name]))
			],
		),
		"fix": fix_missing("ConfigMap", name, near, ns),
		"name": name,
	}
]

near_text("") := "; it holds no ConfigMap with a similar name"

near_text(n) := sprintf("; the closest name it holds is %s", [n]) if n != ""

fix_missing(kind, name, "", ns) := sprintf("Create %s %s in namespace %s (kubectl -n %s create configmap %s --from-file=…) or correct the name the pod template uses.", [kind, name, ns, ns, name])

fix_missing(kind, name, near, ns) := sprintf("Use the existing name: change %s in the pod template to %s (or create %s %s in %s).", [name, near, kind, name, ns]) if near != ""

# nearest is the ConfigMap of the namespace most like name: the most
# characters shared at the start and the end (a typo or a cut suffix, as
# reporter-config vs reporter-conf), at least half of the name; "" when
# none comes that close.
nearest(ns, name) := best if {
	scored := [[score(name, cm.metadata.name), cm.metadata.name] |
		some cm in object.get(configmaps_in, ns, [])
		cm.metadata.name != name
	]
	count(scored) > 0
	top := max([s[0] | some s in scored])
	top * 2 >= count(name)
	best := min([s[1] | some s in scored; s[0] == top])
} else := ""

score(a, b) := min([prefix(a, b) + suffix(a, b), count(a), count(b)])

prefix(a, b) := count([i | some i in numbers.range(0, min([count(a), count(b)]) - 1); same_upto(a, b, i)])

same_upto(a, b, i) if substring(a, 0, i + 1) == substring(b, 0, i + 1)

suffix(a, b) := prefix(reverse(a), reverse(b))

reverse(s) := concat("", [substring(s, count(s) - 1 - i, 1) | some i in numbers.range(0, count(s) - 1)]) if count(s) > 0

else := ""

missing_keys(p) := [c |
	ns := kube.namespace(p)
	some r in config_refs(p)
	r.key != ""
	not r.optional
	cm := configmap(ns, r.name)
	not cm.data[r.key]
	not cm.binaryData[r.key]
	c := {
		"reason": "key-missing",
		"text": sprintf("%s reads key %s of ConfigMap %s, which has only %s", [r.how, r.key, r.name, keys_text(cm)]),
		"evidence": [kube.at(p, array.concat(array.slice(r.path, 0, count(r.path) - 1), ["key"]), sprintf("key %s", [r.key])), cm_keys_cite(cm, r.name)],
		"fix": sprintf("Add key %s to ConfigMap %s/%s, or read one of the keys it has.", [r.key, ns, r.name]),
		"name": r.name,
	}
]

# cm_keys_cite cites the first key the ConfigMap has (the keys it holds
# are the proof), or the object when it has none.
cm_keys_cite(cm, name) := kube.at(cm, ["data", k], sprintf("ConfigMap %s has key %s", [name, k])) if {
	k := sort(object.keys(kube.map(cm, ["data"])))[0]
} else := kube.cite(cm, sprintf("ConfigMap %s has no keys", [name]))

keys_text(cm) := concat(", ", sort(object.keys(kube.map(cm, ["data"])))) if count(kube.map(cm, ["data"])) > 0

else := "no keys"

# ----------------------------------------------------------------- claims

claim_causes(p) := [c |
	ns := kube.namespace(p)
	some cl in claims.of(p)
	c := claims.cause(p, ns, cl)
]

# ----------------------------------------------------- kubelet's messages

# kubelet_causes come from the kubelet's words about the pod: the waiting
# message of CreateContainerConfigError (pkg/kubelet/kubelet_pods.go:
# `configmap "%s" not found` from the API error, fmt.Errorf("couldn't find
# key %v in ConfigMap %v/%v", ...), the same for Secret) and FailedMount
# events (pkg/kubelet/volumemanager: `MountVolume.SetUp failed for volume
# "config" : configmap "x" not found`). A ConfigMap already judged from
# the objects is not repeated.
kubelet_causes(p) := [c |
	raw := [x | some m in kubelet_texts(p); x := message_cause(p, m); not judged(p, x)]

	# the waiting message and the "Error: …" event say the same: once,
	# from the first (the waiting message, which outlives the event)
	some key in sort({[x.reason, x.name] | some x in raw})
	c := [x | some x in raw; [x.reason, x.name] == key][0]
]

judged(p, c) if {
	c.reason == "configmap-missing"
	some x in missing_configmaps(p)
	x.name == c.name
}

judged(p, c) if {
	c.reason == "key-missing"
	some x in missing_keys(p)
	x.name == c.name
}

kubelet_texts(p) := array.concat(
	[s.state.waiting.message | some s in kube.array(p, ["status", "containerStatuses"]); is_string(s.state.waiting.message)],
	[e.message | some e in pod_events(p); e.reason in {"FailedMount", "Failed"}],
)

pod_events(p) := workload.events_of(kube.namespace(p), "Pod", p.metadata.name)

message_cause(p, m) := {
	"reason": sprintf("%s-missing", [lower(kind)]),
	"text": sprintf("the kubelet says %s %s is not found (%s)", [kind, name, m]),
	"evidence": message_evidence(p, m),
	"fix": sprintf("Create %s %s in namespace %s, or correct the name the pod template uses.", [kind, name, kube.namespace(p)]),
	"name": name,
} if {
	parts := regex.find_all_string_submatch_n(workload.config_missing_re, m, 1)
	count(parts) > 0
	kind := {"configmap": "ConfigMap", "secret": "Secret"}[parts[0][1]]
	name := parts[0][2]
}

message_cause(p, m) := {
	"reason": "key-missing",
	"text": sprintf("the kubelet says: %s", [m]),
	"evidence": message_evidence(p, m),
	"fix": sprintf("Add key %s to %s %s, or read a key it has.", [parts[0][1], parts[0][2], parts[0][3]]),
	"name": trim_prefix(parts[0][3], concat("", [kube.namespace(p), "/"])),
} if {
	parts := regex.find_all_string_submatch_n(workload.key_missing_re, m, 1)
	count(parts) > 0
}

message_evidence(p, m) := [kube.at(p, ["status", "containerStatuses", i, "state", "waiting", "message"], "waiting message") |
	some i, s in kube.array(p, ["status", "containerStatuses"])
	s.state.waiting.message == m
] if {
	some s in kube.array(p, ["status", "containerStatuses"])
	s.state.waiting.message == m
} else := [kube.at(e, ["message"], sprintf("%s event (x%v)", [e.reason, object.get(e, "count", 1)])) |
	some e in pod_events(p)
	e.message == m
]

# attach_causes come from the attach/detach controller's and the kubelet's
# events only: FailedAttachVolume "Multi-Attach error for volume %q Volume
# is already exclusively attached to one node and can't be attached to
# another" (pkg/controller/volume/attachdetach/reconciler), and FailedMount
# "Unable to attach or mount volumes: unmounted volumes=[...], unattached
# volumes=[...]: timed out waiting for the condition"
# (pkg/kubelet/volumemanager/volume_manager.go).
attach_causes(p) := array.concat(array.concat(
	[{
		"reason": "multi-attach",
		"text": sprintf("%s is still attached to another node (%s)", [attached_text(p, e.message), e.message]),
		"evidence": [kube.at(e, ["message"], sprintf("FailedAttachVolume event (x%v)", [object.get(e, "count", 1)]))],
		"fix": multi_attach_fix,
		"name": "",
	} |
		some e in first_event(p, "Multi-Attach error")
	],
	[{
		"reason": "multi-attach",
		"text": sprintf("PersistentVolumeClaim %s is %s and pod %s uses it on node %s, so its volume cannot attach on %s (a Multi-Attach error; no event is left to say so)", [
			cl.name, concat(",", kube.array(claim, ["spec", "accessModes"])), other.metadata.name, other.spec.nodeName, p.spec.nodeName,
		]),
		"evidence": [
			kube.at(p, cl.path, sprintf("claim %s", [cl.name])),
			kube.at(claim, ["spec", "accessModes"], "ReadWriteOnce"),
			kube.at(other, ["spec", "nodeName"], sprintf("%s runs on %s", [other.metadata.name, other.spec.nodeName])),
		],
		"fix": multi_attach_fix,
		"name": cl.name,
	} |
		count(first_event(p, "Multi-Attach error")) == 0
		p.spec.nodeName
		some cl in claims.of(p)
		claim := claims.pvc(kube.namespace(p), cl.name)
		single_node(claim)
		some other in holders(p, cl.name)
	]),
	[{
		"reason": "mount-timeout",
		"text": sprintf("the kubelet timed out attaching or mounting its volumes (%s)", [e.message]),
		"evidence": [kube.at(e, ["message"], sprintf("%s event (x%v)", [e.reason, object.get(e, "count", 1)]))],
		"fix": "Find the volume that does not attach or mount in the pod's other FailedMount/FailedAttachVolume events and the CSI driver's logs on the node; the timeout itself only says the kubelet gave up waiting.",
		"name": "",
	} |
		count(first_event(p, "Multi-Attach error")) == 0
		count(kubelet_causes(p)) == 0
		count(missing_configmaps(p)) == 0
		count(claim_causes(p)) == 0
		some e in first_event(p, "timed out waiting for the condition")
	],
)

# attached_text names the claim whose volume the event names (the attach/
# detach controller prints the PersistentVolume's name), when the bundle
# holds it.
attached_text(p, message) := sprintf("the ReadWriteOnce volume of PersistentVolumeClaim %s", [cl.name]) if {
	pv := regex.find_all_string_submatch_n(`Multi-Attach error for volume "([^"]+)"`, message, 1)[0][1]
	some cl in claims.of(p)
	claims.pvc(kube.namespace(p), cl.name).spec.volumeName == pv
} else := "a ReadWriteOnce volume"

multi_attach_fix := "The volume is attached to the node of an older pod: let that pod terminate (a Deployment's RollingUpdate starts the new pod first; use strategy Recreate for ReadWriteOnce data, or a StatefulSet) or, if that node is gone, delete its VolumeAttachment once the volume is detached on the provider side."

# single_node: a claim whose volume attaches to one node at a time.
single_node(claim) if {
	modes := kube.array(claim, ["spec", "accessModes"])
	count(modes) > 0
	every m in modes {
		m in {"ReadWriteOnce", "ReadWriteOncePod"}
	}
}

# holders of a claim: the other pods of the namespace that use it on another
# node and have not ended (one stuck pod's scan of its namespace, indexed).
holders(p, claim) := [o |
	ns := kube.namespace(p)
	some o in input.kubernetes.pods
	o.metadata.namespace == ns
	o.metadata.name != p.metadata.name
	o.spec.nodeName
	o.spec.nodeName != p.spec.nodeName
	not object.get(o, ["status", "phase"], "") in {"Succeeded", "Failed"}
	some v in kube.array(o, ["spec", "volumes"])
	v.persistentVolumeClaim.claimName == claim
]

first_event(p, text) := [es[0]] if {
	es := [e | some e in pod_events(p); e.reason in {"FailedMount", "FailedAttachVolume"}; contains(e.message, text)]
	count(es) > 0
} else := []

# ---------------------------------------------------------------- findings

keys := {e.key | some e in stuck_pods}

findings contains f if {
	some k in keys
	entries := [e | some e in stuck_pods; e.key == k]
	sorted := sort([e.pod.metadata.name | some e in entries])
	first := [e | some e in entries; e.pod.metadata.name == sorted[0]][0]
	p := first.pod
	w := first.w
	ns := kube.namespace(p)
	cs := first.causes
	f := {
		"message": sprintf("%s cannot start (%s): %s.", [workload.summary(w, count(entries)), workload.named(sorted), concat("; ", [c.text | some c in cs])]),
		"severity": workload.severity(w),
		"subjects": array.concat([workload.subject(w)], [{"kind": "Pod", "namespace": ns, "name": n} | some n in array.slice(sorted, 0, 2)]),
		"evidence": [x | some c in cs; some x in c.evidence],
		"confirm": array.concat([
			sh.format("kubectl -n %s describe pod %s", [ns, p.metadata.name]),
			sh.format("kubectl -n %s get events --field-selector %s", [ns, concat("", ["involvedObject.name=", p.metadata.name])]),
		], extra_confirm(cs[0], ns)),
		"fix": concat(" ", [c.fix | some c in cs]),
		"details": {"reason": cs[0].reason, "causes": [c.reason | some c in cs], "pods": count(entries)},
	}
}

extra_confirm(c, ns) := [sh.format("kubectl -n %s get configmaps", [ns])] if c.reason in {"configmap-missing", "key-missing"}

else := [sh.format("kubectl -n %s get pvc %s", [ns, c.name]), "kubectl get storageclass", "kubectl get pv"] if c.reason in {"storageclass-missing", "no-default-storageclass", "no-matching-pv", "claim-missing"}

else := [sh.format("kubectl -n %s get secrets", [ns])] if c.reason == "secret-missing"

else := ["kubectl get volumeattachments"] if c.reason == "multi-attach"

else := []
