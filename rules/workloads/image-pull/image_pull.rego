# METADATA
# title: Containers cannot pull their image
# description: >-
#   Finds containers (init containers included) waiting with ErrImagePull,
#   ImagePullBackOff, InvalidImageName or ErrImageNeverPull, one finding per
#   workload ("2 of 2 pods of Deployment shop/web"), and classifies why from
#   the container runtime's message: the waiting message the kubelet keeps
#   in the pod's status (which outlives the events) and the kubelet's
#   Failed events when they are still there. Classes, from the wordings of
#   containerd, CRI-O and dockershim: the image or tag does not exist
#   (`not found`, `manifest unknown`); the registry refused the credentials
#   (`pull access denied`, `401 Unauthorized`, `403 Forbidden`,
#   `unauthorized:`, `denied:`), with the imagePullSecrets the pod names and
#   those of its ServiceAccount where ServiceAccounts were collected; the
#   registry cannot be reached (`no such host`, `i/o timeout`, `connection
#   refused`, `x509:` certificate errors, proxy errors); rate limited
#   (`toomanyrequests`, `429 Too Many Requests`); no variant of the image for
#   the node's platform (`no match for platform in manifest`); an invalid
#   reference; imagePullPolicy Never with the image absent from the node.
#   When a pod has several containers that cannot pull, each is named with
#   its own class: fixing the first alone leaves the pods waiting.
#   Critical when the workload has no Ready pod, high when some are Ready.
#   When neither the message nor an event is in the bundle (a pod read from
#   a kubectl get table, events expired) the class is reported as unknown.
# custom:
#   id: image-pull
#   category: image-pull
#   severity: critical
#   needs: [kubernetes.pods]
#   remediation: >-
#     Act on the class: correct the image reference or push the missing
#     tag; give the pods a pull secret for that registry (pod template or
#     ServiceAccount imagePullSecrets) holding valid credentials; let the
#     nodes resolve and reach the registry (DNS, firewall, proxy, the
#     registry's CA in the runtime's trust); authenticate or mirror
#     rate-limited pulls; build the image for the nodes' OS and
#     architecture.
#   references:
#     - https://kubernetes.io/docs/concepts/containers/images/#imagepullbackoff
#     - https://kubernetes.io/docs/tasks/configure-pod-container/pull-image-private-registry/
#     - https://kubernetes.io/docs/concepts/security/service-accounts/#add-image-pull-secret-to-service-account
package ktriage.rules.workloads["image-pull"]

import data.ktriage.lib.kube
import data.ktriage.lib.sh
import data.ktriage.lib.workload

# Waiting reasons the kubelet sets for image pulls
# (pkg/kubelet/images/types.go: ErrImagePullBackOff "ImagePullBackOff",
# ErrImagePull "ErrImagePull", ErrImageNeverPull "ErrImageNeverPull",
# ErrInvalidImageName "InvalidImageName").
pull_reasons := {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"}

# ------------------------------------------------------------- failing pods

# statuses of a pod with the list they sit in and their index, for citing.
statuses(p) := array.concat(
	[{"s": s, "list": "containerStatuses", "i": i, "spec": "containers"} | some i, s in kube.array(p, ["status", "containerStatuses"])],
	[{"s": s, "list": "initContainerStatuses", "i": i, "spec": "initContainers"} | some i, s in kube.array(p, ["status", "initContainerStatuses"])],
)

pulling(p) := [x | some x in statuses(p); x.s.state.waiting.reason in pull_reasons]

# A pod read from a kubectl get table has only its STATUS cell.
table_status(p) := st if {
	not p.status.containerStatuses
	st := p.metadata.annotations["ktriage.io/status"]
	st in pull_reasons
}

failing := [{"pod": p, "key": workload.key(w), "w": w} |
	some p in kube.pods_waiting
	object.get(p, ["status", "phase"], "") != "Succeeded"
	stuck(p)
	w := workload.of(p)
]

# Tested on the statuses themselves: building every pod's annotated
# status list (pulling) cost more than the rest of the rule on a large
# bundle, where almost no pod is pulling.
stuck(p) if {
	some s in p.status.containerStatuses
	s.state.waiting.reason in pull_reasons
}

stuck(p) if {
	some s in p.status.initContainerStatuses
	s.state.waiting.reason in pull_reasons
}

stuck(p) if table_status(p)

# ---------------------------------------------------------- classification

# first_item is the first pulling container of a pod, with its spec,
# message and events, or the table-only stand-in.
first_item(p) := item(p, pulling(p)[0]) if {
	count(pulling(p)) > 0
} else := it if {
	st := table_status(p)
	evs := pull_events(p, "")
	it := {
		"container": "", "reason": st, "message": "", "image": "", "image_path": [],
		"cite": kube.at(p, ["metadata", "annotations", "ktriage.io/status"], sprintf("STATUS %s", [st])),
		"events": evs, "policy": "",
	}
}

# item is pulling container x of pod p, with its spec, message and events.
item(p, x) := {
	"container": x.s.name, "reason": x.s.state.waiting.reason,
	"message": object.get(x.s, ["state", "waiting", "message"], ""),
	"image": image_of(x, c),
	"image_path": image_path(p, x),
	"cite": kube.at(p, ["status", x.list, x.i, "state", "waiting"], sprintf("container %s waiting: %s", [x.s.name, x.s.state.waiting.reason])),
	"events": pull_events(p, x.s.name),
	"policy": object.get(c.c, "imagePullPolicy", ""),
} if {
	c := spec_of(p, x)
}

# also are the other containers that cannot pull, of the pod the finding
# quotes: each is a fix to make, and fixing the first alone leaves the
# pods waiting on the next. Each is read, like the first, from the pod
# whose message or events say most (items: every pod's, in name order).
also(it, items) := [o |
	some x in pulling(it.pod)
	x.s.name != it.container
	mine := [item(i.pod, y) | some i in items; some y in pulling(i.pod); y.s.name == x.s.name]
	o := pick([m | some m in mine; class(m) != "unknown"], mine)
]

also_text(others) := concat("", [sprintf(" Container %s cannot pull either (%s): %s.", [o.container, o.reason, class_text(class(o), o)]) | some o in others])

spec_of(p, x) := {"c": c, "i": i} if {
	[i, c] := [[i, c] | some i, c in kube.array(p, ["spec", x.spec]); c.name == x.s.name][0]
} else := {"c": {}, "i": -1}

image_of(x, c) := c.c.image if c.c.image

else := x.s.image if x.s.image

else := ""

image_path(p, x) := ["spec", x.spec, c.i, "image"] if {
	c := spec_of(p, x)
	c.i >= 0
} else := []

# pull_events are the kubelet's events about a container's image: Failed
# ("Failed to pull image \"...\": <runtime error>", "Error: ErrImagePull"),
# ErrImageNeverPull and InspectFailed (pkg/kubelet/images/image_manager.go,
# events.FailedToPullImage / ErrImageNeverPullPolicy / FailedToInspectImage),
# matched to the container by the event's fieldPath when it has one.
pull_events(p, cname) := [e |
	some e in workload.events_of(kube.namespace(p), "Pod", p.metadata.name)
	e.reason in {"Failed", "ErrImageNeverPull", "InspectFailed", "BackOff"}
	pull_text(e.message)
	for_container(e, cname)
]

pull_text(m) if contains(m, "image")

pull_text(m) if contains(m, "Image")

pull_text(m) if startswith(m, "Error: ")

for_container(e, cname) if cname == ""

for_container(e, cname) if not e.involvedObject.fieldPath

for_container(e, cname) if endswith(e.involvedObject.fieldPath, concat("", ["{", cname, "}"]))

# texts are the runtime's words: the waiting message, then the events'.
texts(it) := array.concat([it.message | it.message != ""], [e.message | some e in it.events])

# class of a pull failure. The order matters: containerd ends a platform
# mismatch with ": not found", and Docker Hub answers an absent repository
# with "pull access denied".
class(it) := "invalid-name" if it.reason == "InvalidImageName"

else := "never-pull" if it.reason == "ErrImageNeverPull"

else := "platform" if some_text(it, platform_words)

else := "rate-limited" if some_text(it, rate_words)

else := "unreachable" if some_text(it, unreachable_words)

else := "unauthorized" if some_text(it, auth_words)

else := "not-found" if some_text(it, missing_words)

else := "unknown"

some_text(it, words) if {
	some t in texts(it)
	some w in words
	contains(t, w)
}

# containerd (core/remotes/docker, core/images): "no match for platform in
# manifest"; errdefs "not found".
platform_words := ["no match for platform in manifest", "image operating system \"windows\" cannot be used on this platform"]

# Docker Hub's error code TOOMANYREQUESTS ("toomanyrequests: You have
# reached your pull rate limit") and the HTTP status containerd prints
# ("unexpected status code ...: 429 Too Many Requests").
rate_words := ["toomanyrequests", "429 Too Many Requests"]

# Go's net and crypto/x509 errors as the runtimes wrap them ("dial tcp:
# lookup registry.example.com on 10.96.0.10:53: no such host", "dial tcp
# 10.0.0.5:443: i/o timeout", "connect: connection refused", "tls: failed
# to verify certificate: x509: certificate signed by unknown authority"),
# and proxy failures ("proxyconnect tcp: ...").
unreachable_words := [
	"no such host", "i/o timeout", "connection refused", "x509:", "network is unreachable",
	"no route to host", "proxyconnect", "TLS handshake timeout", "server misbehaving",
]

# containerd: "pull access denied, repository does not exist or may require
# authorization", "failed to authorize: failed to fetch oauth token:
# unexpected status ...: 401 Unauthorized", "403 Forbidden"; CRI-O/
# containers-image: "unauthorized: authentication required", "denied:
# requested access to the resource is denied"; dockershim: "pull access
# denied for acme/app, repository does not exist or may require 'docker
# login'", "no basic auth credentials".
auth_words := [
	"pull access denied", "401 Unauthorized", "403 Forbidden", "unauthorized:", "denied:",
	"authorization failed", "no basic auth credentials", "failed to authorize",
]

# containerd: "docker.io/library/nginx:1.255: not found" (errdefs.ErrNotFound
# from the resolver); CRI-O and dockershim: "manifest unknown".
missing_words := [": not found", "manifest unknown", "not found: manifest unknown", "repository name not known to registry"]

# registry is the host an image reference names (docker.io when its first
# component is no host: no '.' or ':' and not localhost).
registry(img) := h if {
	parts := split(img, "/")
	count(parts) > 1
	h := parts[0]
	host_like(h)
} else := "docker.io"

host_like(h) if contains(h, ".")

host_like(h) if contains(h, ":")

host_like("localhost")

# ------------------------------------------------------------------ words

class_text("not-found", it) := sprintf("the image %s does not exist in %s (no such repository or tag)", [it.image, registry(it.image)])

class_text("unauthorized", it) := sprintf("%s refused the pull: unauthorized or denied (or, on Docker Hub, the repository does not exist)", [registry(it.image)])

class_text("unreachable", it) := sprintf("the node cannot reach the registry %s (%s)", [registry(it.image), net_cause(it)])

class_text("rate-limited", it) := sprintf("%s is rate limiting the node's pulls (toomanyrequests / 429)", [registry(it.image)])

class_text("platform", it) := sprintf("the image %s has no variant for the node's platform%s", [it.image, node_platform_text(it)])

class_text("invalid-name", it) := sprintf("the image reference %s is not valid", [quoted(it.image)])

class_text("never-pull", it) := sprintf("imagePullPolicy is Never and the image %s is not on the node", [it.image])

class_text("unknown", it) := "why is unknown: the waiting message is only the kubelet's back-off, and no Failed event with the runtime's error is left (events expire after an hour)" if {
	count(texts(it)) > 0
	every t in texts(it) {
		startswith(t, "Back-off pulling image")
	}
}

class_text("unknown", it) := "the runtime's message names no cause this rule knows" if {
	some t in texts(it)
	not startswith(t, "Back-off pulling image")
}

class_text("unknown", it) := "why is unknown: the bundle holds neither the runtime's message (the waiting message) nor a Failed event (events expire after an hour)" if count(texts(it)) == 0

quoted(s) := sprintf("%q", [s])

net_cause(it) := "DNS: no such host" if some_text(it, ["no such host", "server misbehaving"])

else := "TLS: x509 certificate not trusted" if some_text(it, ["x509:"])

else := "connection refused" if some_text(it, ["connection refused"])

else := "proxy error" if some_text(it, ["proxyconnect"])

else := "timeout" if some_text(it, ["i/o timeout", "TLS handshake timeout"])

else := "network unreachable"

node_platform_text(it) := sprintf(" (node %s is %s/%s)", [n.metadata.name, n.status.nodeInfo.operatingSystem, n.status.nodeInfo.architecture]) if {
	n := node_of(it.pod)
	n.status.nodeInfo.architecture
} else := ""

node_of(p) := n if {
	some n in input.kubernetes.nodes
	n.metadata.name == p.spec.nodeName
}

# the runtime's own words, shortened: the longest message that is not the
# kubelet's back-off or its bare "Error: ErrImagePull".
quote_text(it) := sprintf(" The runtime says: %s", [cut(best[0])]) if {
	cands := [t | some t in texts(it); not startswith(t, "Back-off pulling image"); not startswith(t, "Error: ")]
	longest := max([count(t) | some t in cands])
	best := [t | some t in cands; count(t) == longest]
} else := ""

cut(s) := concat("", [s, "."]) if count(s) <= 600

else := concat("", [substring(s, 0, 600), "…"])

# ------------------------------------------------------------ pull secrets

pod_secrets(p) := [s.name | some s in kube.array(p, ["spec", "imagePullSecrets"]); is_string(s.name)]

sa_name(p) := object.get(p, ["spec", "serviceAccountName"], "default")

service_account(p) := sa if {
	some sa in object.get(input.kubernetes, "serviceaccounts", [])
	sa.metadata.name == sa_name(p)
	kube.namespace(sa) == kube.namespace(p)
}

sa_listed(p) if input.kubernetes.listed.serviceaccounts[kube.namespace(p)]

sa_listed(p) if service_account(p)

secrets_text(p) := sprintf(" The pod names imagePullSecrets %s; %s.", [concat(", ", pod_secrets(p)), sa_text(p)]) if {
	count(pod_secrets(p)) > 0
} else := sprintf(" kubectl describe does not print the pod's imagePullSecrets; %s.", [sa_text(p)]) if {
	"spec.imagePullSecrets" in kube.not_shown(p)
} else := sprintf(" The pod names no imagePullSecrets; %s.", [sa_text(p)])

sa_text(p) := sprintf("its ServiceAccount %s names %s", [sa_name(p), names_or_none([s.name | some s in kube.array(service_account(p), ["imagePullSecrets"]); is_string(s.name)])]) if {
	service_account(p)
} else := sprintf("its ServiceAccount %s is not in the namespace's ServiceAccounts", [sa_name(p)]) if {
	sa_listed(p)
} else := sprintf("its ServiceAccount %s was not collected, so its imagePullSecrets are unknown", [sa_name(p)])

names_or_none(l) := "none" if count(l) == 0

else := sprintf("imagePullSecrets %s", [concat(", ", l)])

fix("unauthorized", it) := sprintf("Give the pods credentials %s accepts: create a kubernetes.io/dockerconfigjson Secret in %s whose auths key is %s (kubectl create secret docker-registry) and name it in the pod template's imagePullSecrets or in ServiceAccount %s's.", [registry(it.image), kube.namespace(it.pod), registry(it.image), sa_name(it.pod)]) if {
	count(pod_secrets(it.pod)) == 0
}

fix("unauthorized", it) := sprintf("The pull secrets %s are named but %s refuses them: check that each exists in %s, that its .dockerconfigjson has an auths entry for %s, and that the credentials are valid and may read %s (an expired token is the usual cause).", [concat(", ", pod_secrets(it.pod)), registry(it.image), kube.namespace(it.pod), registry(it.image), it.image]) if {
	count(pod_secrets(it.pod)) > 0
}

fix("not-found", it) := sprintf("Point container %s at an image that exists (check the tag in %s), or push %s; then the next pull retry starts the pods.", [it.container, registry(it.image), it.image])

fix("unreachable", it) := sprintf("Let the nodes reach %s: %s.", [registry(it.image), net_fix(it)])

fix("rate-limited", it) := sprintf("Authenticate the pulls (an imagePullSecret for an account with a higher limit on %s) or mirror %s into a registry of your own and point the image there.", [registry(it.image), it.image])

fix("platform", it) := sprintf("Build and push %s for the nodes' OS and architecture (a multi-platform image), or pin the pods to matching nodes with a nodeSelector on kubernetes.io/arch.", [it.image])

fix("invalid-name", it) := sprintf("Correct the image of container %s to a valid reference ([registry/]repository[:tag][@digest], lower-case repository).", [it.container])

fix("never-pull", it) := sprintf("Load %s onto the node (ctr -n k8s.io images import, or a pre-pull), or set imagePullPolicy to IfNotPresent so the kubelet pulls it.", [it.image])

fix("unknown", it) := "Read the Failed events of the pods (the confirm commands) for the runtime's message; the waiting reason alone does not say why the pull fails."

net_fix(it) := sprintf("the name %s does not resolve on the node; fix the node's DNS (or the registry name)", [registry(it.image)]) if some_text(it, ["no such host", "server misbehaving"])

else := sprintf("the runtime does not trust the registry's certificate; add its CA to the runtime's trust (containerd: /etc/containerd/certs.d/%s/ca.crt) or the node's CA bundle", [registry(it.image)]) if some_text(it, ["x509:"])

else := "configure the runtime's HTTPS_PROXY/NO_PROXY so it matches the network" if some_text(it, ["proxyconnect"])

else := "open the firewall or route from the nodes to the registry's address and port, or set the runtime's proxy"

# ---------------------------------------------------------------- findings

keys := {e.key | some e in failing}

findings contains f if {
	some k in keys
	entries := [e | some e in failing; e.key == k]
	sorted := sort([e.pod.metadata.name | some e in entries])
	# the pod whose message says most: a pod in ImagePullBackOff keeps only
	# "Back-off pulling image", its sibling in ErrImagePull the runtime's error
	items := [object.union(first_item(e.pod), {"pod": e.pod, "w": e.w}) | some n in sorted; some e in entries; e.pod.metadata.name == n]
	known := [x | some x in items; class(x) != "unknown"]
	it := pick(known, items)
	p := it.pod
	w := it.w
	cls := class(it)
	others := also(it, items)
	ns := kube.namespace(p)
	f := {
		"message": sprintf("%s cannot pull %s image (%s, container %s of %s): %s.%s%s%s", [
			workload.summary(w, count(entries)), their(w), it.reason, container_name(it), workload.named(sorted),
			class_text(cls, it), auth_extra(cls, p), quote_text(it), also_text(others),
		]),
		"severity": workload.severity(w),
		"subjects": array.concat([workload.subject(w)], [{"kind": "Pod", "namespace": ns, "name": n} | some n in array.slice(sorted, 0, 2)]),
		"evidence": array.concat(evidence(cls, it, p), [o.cite | some o in others]),
		"confirm": confirm(cls, it, p),
		"fix": fix(cls, it),
		"details": {
			"reason": cls, "image": it.image, "registry": registry(it.image), "pods": count(entries), "waiting": it.reason,
			"also": [{"container": o.container, "image": o.image, "reason": class(o), "waiting": o.reason} | some o in others],
		},
	}
}

pick(known, _) := known[0] if count(known) > 0

pick(known, items) := items[0] if count(known) == 0

their(w) := "its" if w.kind == "Pod"

else := "their"

container_name(it) := it.container if it.container != ""

else := "unknown (the table shows no containers)"

auth_extra("unauthorized", p) := secrets_text(p)

auth_extra(cls, _) := "" if cls != "unauthorized"

evidence(cls, it, p) := array.concat(array.concat(
	[it.cite],
	[kube.at(p, it.image_path, sprintf("image %s", [it.image])) | count(it.image_path) > 0],
), array.concat(
	[kube.at(e, ["message"], sprintf("%s event (x%v)", [e.reason, object.get(e, "count", 1)])) | some e in array.slice(telling(it.events), 0, 2)],
	secret_evidence(cls, p),
))

# telling events first: those carrying the runtime's error.
telling(evs) := array.concat(
	[e | some e in evs; startswith(e.message, "Failed to pull image")],
	[e | some e in evs; not startswith(e.message, "Failed to pull image")],
)

secret_evidence("unauthorized", p) := array.concat(
	[kube.at(p, ["spec", "imagePullSecrets"], sprintf("imagePullSecrets %s", [concat(", ", pod_secrets(p))])) | count(pod_secrets(p)) > 0],
	[kube.at(service_account(p), ["imagePullSecrets"], sprintf("ServiceAccount %s imagePullSecrets", [sa_name(p)])) | service_account(p)],
)

secret_evidence(cls, _) := [] if cls != "unauthorized"

confirm(cls, it, p) := array.concat([
	sh.format("kubectl -n %s describe pod %s", [ns, n]),
	sh.format("kubectl -n %s get events --field-selector %s", [ns, concat("", ["involvedObject.name=", n])]),
], extra_confirm(cls, p)) if {
	ns := kube.namespace(p)
	n := p.metadata.name
}

extra_confirm("unauthorized", p) := array.concat(
	[sh.format("kubectl -n %s get serviceaccount %s -o yaml", [kube.namespace(p), sa_name(p)])],
	[sh.format("kubectl -n %s get secret %s", [kube.namespace(p), s]) | some s in pod_secrets(p)],
)

extra_confirm(cls, _) := [] if cls != "unauthorized"
