package ktriage.rules.workloads["image-pull_test"]

import data.ktriage.rules.workloads["image-pull"] as rule

# ------------------------------------------------------------ builders

rs := {
	"kind": "ReplicaSet", "apiVersion": "apps/v1",
	"metadata": {"namespace": "shop", "name": "web-6f9d8c7b5", "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": true}]},
}

pod(name, waiting, message, secrets) := {
	"kind": "Pod", "apiVersion": "v1",
	"metadata": {"namespace": "shop", "name": name, "labels": {"app": "web", "pod-template-hash": "6f9d8c7b5"}, "ownerReferences": [{"kind": "ReplicaSet", "name": "web-6f9d8c7b5", "controller": true}]},
	"spec": {"nodeName": "worker-1", "serviceAccountName": "default", "imagePullSecrets": [{"name": s} | some s in secrets], "containers": [{"name": "web", "image": "registry.example.com/shop/web:1.4.2"}]},
	"status": {"phase": "Pending", "conditions": [{"type": "Ready", "status": "False"}], "containerStatuses": [{"name": "web", "ready": false, "restartCount": 0, "image": "registry.example.com/shop/web:1.4.2", "state": {"waiting": {"reason": waiting, "message": message}}}]},
}

running(name) := {
	"kind": "Pod", "apiVersion": "v1",
	"metadata": {"namespace": "shop", "name": name, "labels": {"app": "web", "pod-template-hash": "6f9d8c7b5"}, "ownerReferences": [{"kind": "ReplicaSet", "name": "web-6f9d8c7b5", "controller": true}]},
	"spec": {"nodeName": "worker-1", "containers": [{"name": "web", "image": "registry.example.com/shop/web:1.4.1"}]},
	"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}], "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0, "state": {"running": {}}}]},
}

ev(podname, message) := {
	"kind": "Event", "metadata": {"namespace": "shop", "name": concat(".", [podname, "1"])},
	"involvedObject": {"kind": "Pod", "namespace": "shop", "name": podname, "fieldPath": "spec.containers{web}"},
	"reason": "Failed", "message": message, "count": 4, "type": "Warning",
}

cluster(pods, events, sas) := {
	"available": {"kubernetes.pods": true},
	"kubernetes": {
		"pods": pods, "replicasets": [rs], "events": events, "nodes": [node], "serviceaccounts": sas,
		"deployments": [], "statefulsets": [], "daemonsets": [],
		"listed": {"pods": {"shop": true}, "serviceaccounts": {"shop": true | count(sas) > 0}},
	},
}

node := {"kind": "Node", "metadata": {"name": "worker-1"}, "status": {"nodeInfo": {"operatingSystem": "linux", "architecture": "arm64"}}}

sa(secrets) := {"kind": "ServiceAccount", "metadata": {"namespace": "shop", "name": "default"}, "imagePullSecrets": [{"name": s} | some s in secrets]}

only(set) := x if {
	count(set) == 1
	some x in set
}

# Real wordings (containerd 1.7 pkg/cri/server/image_pull.go wraps
# "failed to pull and unpack image %q: %w"; client/pull.go "failed to
# resolve reference %q: %w").
not_found := `rpc error: code = NotFound desc = failed to pull and unpack image "registry.example.com/shop/web:1.4.2": failed to resolve reference "registry.example.com/shop/web:1.4.2": registry.example.com/shop/web:1.4.2: not found`

unauthorized := `rpc error: code = Unknown desc = failed to pull and unpack image "registry.example.com/shop/web:1.4.2": failed to resolve reference "registry.example.com/shop/web:1.4.2": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://registry.example.com/service/token?scope=repository%3Ashop%2Fweb%3Apull&service=harbor-registry: 401 Unauthorized`

no_host := `rpc error: code = Unknown desc = failed to pull and unpack image "registry.example.com/shop/web:1.4.2": failed to resolve reference "registry.example.com/shop/web:1.4.2": failed to do request: Head "https://registry.example.com/v2/shop/web/manifests/1.4.2": dial tcp: lookup registry.example.com on 10.96.0.10:53: no such host`

rate := `rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/nginx:1.25.3": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/nginx/manifests/sha256:4c0fdaa8b6341bfdeca5f18f7837462c80cff90527ee35ef185571e1c327beac: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit`

platform := `rpc error: code = NotFound desc = failed to pull and unpack image "registry.example.com/shop/web:1.4.2": no match for platform in manifest: not found`

# ------------------------------------------------------------ tests

test_fires_once_per_workload_not_found_from_object_state if {
	pods := [pod("web-6f9d8c7b5-a", "ImagePullBackOff", `Back-off pulling image "registry.example.com/shop/web:1.4.2"`, []), pod("web-6f9d8c7b5-b", "ErrImagePull", not_found, []), pod("web-6f9d8c7b5-c", "ErrImagePull", not_found, [])]
	f := only(rule.findings) with input as cluster(pods, [ev("web-6f9d8c7b5-a", concat("", [`Failed to pull image "registry.example.com/shop/web:1.4.2": `, not_found]))], [])
	startswith(f.message, "3 of 3 pods of Deployment shop/web cannot pull their image")
	contains(f.message, "pods web-6f9d8c7b5-a, web-6f9d8c7b5-b and 1 more")
	contains(f.message, "does not exist in registry.example.com")
	f.details.reason == "not-found"
	f.severity == "critical"
	f.confirm[0] == "kubectl -n shop describe pod web-6f9d8c7b5-a"
	f.confirm[1] == "kubectl -n shop get events --field-selector involvedObject.name=web-6f9d8c7b5-a"
}

test_back_off_message_alone_is_unknown if {
	pods := [pod("web-6f9d8c7b5-a", "ImagePullBackOff", `Back-off pulling image "registry.example.com/shop/web:1.4.2"`, [])]
	f := only(rule.findings) with input as cluster(pods, [], [])
	f.details.reason == "unknown"
}

test_event_supplies_the_class if {
	pods := [pod("web-6f9d8c7b5-a", "ImagePullBackOff", `Back-off pulling image "registry.example.com/shop/web:1.4.2"`, [])]
	f := only(rule.findings) with input as cluster(pods, [ev("web-6f9d8c7b5-a", concat("", [`Failed to pull image "registry.example.com/shop/web:1.4.2": `, unauthorized]))], [])
	f.details.reason == "unauthorized"
}

test_unauthorized_names_pod_and_service_account_secrets if {
	pods := [pod("web-6f9d8c7b5-a", "ErrImagePull", unauthorized, ["regcred-2023"])]
	f := only(rule.findings) with input as cluster(pods, [], [sa(["harbor-pull"])])
	f.details.reason == "unauthorized"
	contains(f.message, "The pod names imagePullSecrets regcred-2023; its ServiceAccount default names imagePullSecrets harbor-pull.")
	"kubectl -n shop get secret regcred-2023" in f.confirm
}

test_unauthorized_without_secrets_or_collected_sa if {
	pods := [pod("web-6f9d8c7b5-a", "ErrImagePull", unauthorized, [])]
	f := only(rule.findings) with input as cluster(pods, [], [])
	contains(f.message, "The pod names no imagePullSecrets; its ServiceAccount default was not collected")
	contains(f.fix, "kubernetes.io/dockerconfigjson")
}

test_unreachable_dns if {
	f := only(rule.findings) with input as cluster([pod("web-6f9d8c7b5-a", "ErrImagePull", no_host, [])], [], [])
	f.details.reason == "unreachable"
	contains(f.message, "DNS: no such host")
}

test_rate_limited if {
	f := only(rule.findings) with input as cluster([pod("web-6f9d8c7b5-a", "ErrImagePull", rate, [])], [], [])
	f.details.reason == "rate-limited"
}

test_platform_before_not_found if {
	f := only(rule.findings) with input as cluster([pod("web-6f9d8c7b5-a", "ErrImagePull", platform, [])], [], [])
	f.details.reason == "platform"
	contains(f.message, "node worker-1 is linux/arm64")
}

test_high_when_some_pods_ready if {
	pods := [pod("web-6f9d8c7b5-a", "ErrImagePull", not_found, []), running("web-6f9d8c7b5-z")]
	f := only(rule.findings) with input as cluster(pods, [], [])
	f.severity == "high"
	startswith(f.message, "1 of 2 pods of Deployment shop/web")
}

test_table_status_is_unknown_not_concluded if {
	p := {"kind": "Pod", "metadata": {"namespace": "shop", "name": "web-6f9d8c7b5-a", "annotations": {"ktriage.io/source": "kubectl-get", "ktriage.io/status": "ImagePullBackOff"}}}
	f := only(rule.findings) with input as cluster([p], [], [])
	f.details.reason == "unknown"
	contains(f.message, "container unknown")
}

test_silent_when_running if {
	count(rule.findings) == 0 with input as cluster([running("web-6f9d8c7b5-z")], [], [])
}

test_silent_for_other_waiting_reasons if {
	count(rule.findings) == 0 with input as cluster([pod("web-6f9d8c7b5-a", "ContainerCreating", "", [])], [], [])
}

test_a_sibling_with_the_runtime_error_gives_the_class if {
	pods := [pod("web-6f9d8c7b5-a", "ImagePullBackOff", `Back-off pulling image "registry.example.com/shop/web:1.4.2"`, []), pod("web-6f9d8c7b5-b", "ErrImagePull", no_host, [])]
	f := only(rule.findings) with input as cluster(pods, [], [])
	f.details.reason == "unreachable"
	startswith(f.message, "2 of 2 pods")
}

# kubectl describe pod prints no imagePullSecrets: not "none", not shown.
test_described_pod_secrets_are_not_shown if {
	p := json.patch(pod("web-6f9d8c7b5-a", "ErrImagePull", `rpc error: code = Unknown desc = failed to pull and unpack image "registry.example.com/shop/web:1.4.2": failed to resolve reference "registry.example.com/shop/web:1.4.2": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://registry.example.com/service/token: 401 Unauthorized`, []), [
		{"op": "add", "path": "/metadata/annotations", "value": {"ktriage.io/source": "kubectl-describe", "ktriage.io/not-shown": "spec.imagePullSecrets,status.containerStatuses[].state.waiting.message"}},
		{"op": "remove", "path": "/spec/imagePullSecrets"},
	])
	f := only(rule.findings) with input as cluster([p], [], [sa(["harbor-robot"])])
	contains(f.message, "kubectl describe does not print the pod's imagePullSecrets; its ServiceAccount default names imagePullSecrets harbor-robot.")
	not contains(f.message, "The pod names no imagePullSecrets")
}

# A second container that cannot pull is named with its own class, read
# from the pod that says most about it: fixing web's image alone would
# leave the pods waiting on the sidecar's.
with_sidecar(p, waiting, message) := object.union(p, {
	"spec": {"containers": array.concat(p.spec.containers, [{"name": "log-shipper", "image": "docker.io/library/fluent-bit:3.0.4"}])},
	"status": {"containerStatuses": array.concat(p.status.containerStatuses, [{"name": "log-shipper", "ready": false, "restartCount": 0, "image": "docker.io/library/fluent-bit:3.0.4", "state": {"waiting": {"reason": waiting, "message": message}}}])},
})

test_names_every_container_that_cannot_pull if {
	pods := [
		with_sidecar(pod("web-6f9d8c7b5-a", "ErrImagePull", not_found, []), "ImagePullBackOff", `Back-off pulling image "docker.io/library/fluent-bit:3.0.4"`),
		with_sidecar(pod("web-6f9d8c7b5-b", "ImagePullBackOff", `Back-off pulling image "registry.example.com/shop/web:1.4.2"`, []), "ErrImagePull", rate),
	]
	f := only(rule.findings) with input as cluster(pods, [], [])
	f.details.reason == "not-found"
	f.details.also == [{"container": "log-shipper", "image": "docker.io/library/fluent-bit:3.0.4", "reason": "rate-limited", "waiting": "ErrImagePull"}]
	endswith(f.message, " Container log-shipper cannot pull either (ErrImagePull): docker.io is rate limiting the node's pulls (toomanyrequests / 429).")
	f.evidence[count(f.evidence) - 1].path == ["status", "containerStatuses", 1, "state", "waiting"]
	f.evidence[count(f.evidence) - 1].object.name == "web-6f9d8c7b5-b"
}

test_one_container_that_cannot_pull_names_no_other if {
	pods := [with_sidecar(pod("web-6f9d8c7b5-a", "ErrImagePull", not_found, []), "ContainerCreating", "")]
	f := only(rule.findings) with input as cluster(pods, [], [])
	f.details.also == []
	not contains(f.message, "cannot pull either")
}
