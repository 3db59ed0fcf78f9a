package ktriage.rules.workloads["probe_test"]

import data.ktriage.rules.workloads["probe"] as rule

# ------------------------------------------------------------ builders

container(probe_port, startup) := object.union(
	{
		"name": "api", "image": "api:3",
		"ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
		"livenessProbe": {"httpGet": {"path": "/healthz", "port": probe_port}, "initialDelaySeconds": 5, "periodSeconds": 10, "failureThreshold": 3},
		"readinessProbe": {"httpGet": {"path": "/ready", "port": probe_port}},
	},
	{"startupProbe": {"httpGet": {"path": "/healthz", "port": probe_port}, "failureThreshold": 30} | startup},
)

pod(name, c, ready, last_exit, annotations) := {
	"kind": "Pod", "apiVersion": "v1",
	"metadata": {"namespace": "shop", "name": name, "labels": {"app": "api", "pod-template-hash": "5d7f9c8b6"}, "annotations": annotations, "ownerReferences": [{"kind": "ReplicaSet", "name": "api-5d7f9c8b6", "controller": true}]},
	"spec": {"nodeName": "worker-1", "containers": [c]},
	"status": {
		"phase": "Running", "conditions": [{"type": "Ready", "status": ready_text(ready)}],
		"containerStatuses": [object.union(
			{"name": "api", "ready": ready, "restartCount": restarts(last_exit), "state": {"running": {"startedAt": "2024-03-11T09:30:05Z"}}},
			{"lastState": {"terminated": {"exitCode": last_exit, "reason": "Error", "startedAt": "2024-03-11T09:29:30Z", "finishedAt": "2024-03-11T09:30:05Z"}} | last_exit != 0},
		)],
	},
}

restarts(0) := 0

restarts(x) := 6 if x != 0

ready_text(true) := "True"

ready_text(false) := "False"

ev(reason, message, n) := {
	"kind": "Event", "metadata": {"namespace": "shop", "name": concat(".", ["api-5d7f9c8b6-a", reason, message])},
	"involvedObject": {"kind": "Pod", "namespace": "shop", "name": "api-5d7f9c8b6-a", "fieldPath": "spec.containers{api}"},
	"reason": reason, "message": message, "count": n, "type": "Warning",
}

svc := {"kind": "Service", "metadata": {"namespace": "shop", "name": "api"}, "spec": {"selector": {"app": "api"}}}

cluster(pods, events) := {
	"available": {"kubernetes.pods": true},
	"kubernetes": {"pods": pods, "events": events, "services": [svc], "replicasets": [], "listed": {"pods": {"shop": true}}},
}

only(set) := x if {
	count(set) == 1
	some x in set
}

# ------------------------------------------------------------ tests

test_probe_port_differs_from_declared_port_without_events if {
	pods := [pod("api-5d7f9c8b6-a", container(8081, false), false, 137, {}), pod("api-5d7f9c8b6-b", container(8081, false), false, 137, {})]
	f := only(rule.findings) with input as cluster(pods, [])
	startswith(f.message, "2 of 2 pods of Deployment shop/api fail their probes")
	contains(f.message, "its liveness probe uses port 8081, but the container declares 8080 (http)")
	contains(f.message, "Service api has no ready endpoint (see selector-mismatch)")
	f.details.reason == "probe-port"
	f.severity == "critical"
}

test_unknown_port_name if {
	f := only(rule.findings) with input as cluster([pod("api-5d7f9c8b6-a", container("metrics", true), false, 0, {})], [])
	contains(f.message, "uses port name metrics, which the container does not declare (it declares 8080 (http))")
}

described := {"ktriage.io/source": "kubectl-describe", "ktriage.io/not-shown": "spec.containers[].ports[].name"}

# A described pod that is not Ready, with a probe on a named port: the text
# cannot show whether the name is declared, and nothing else points at the
# probe, so nothing is reported (kubectl's describe of a JSON twin without
# findings gave a critical here before).
test_named_port_in_describe_text_alone_not_judged if {
	p := pod("api-5d7f9c8b6-a", container("metrics", true), false, 0, described)
	count(rule.findings) == 0 with input as cluster([p], [])
}

# With probe failures proven by events, the finding also says what it
# could not judge.
test_named_port_in_describe_text_said_beside_failures if {
	p := pod("api-5d7f9c8b6-a", container("metrics", true), false, 0, described)
	evs := [ev("Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", 12)]
	f := only(rule.findings) with input as cluster([p], evs)
	contains(f.message, "which the describe text cannot confirm")
	f.details.reason == "probe-failing"
}

test_liveness_kills_slow_starter_with_events if {
	evs := [
		ev("Unhealthy", `Liveness probe failed: Get "http://10.244.1.52:8080/healthz": dial tcp 10.244.1.52:8080: connect: connection refused`, 18),
		ev("Killing", "Container api failed liveness probe, will be restarted", 6),
	]
	f := only(rule.findings) with input as cluster([pod("api-5d7f9c8b6-a", container("http", false), false, 137, {}), pod("api-5d7f9c8b6-z", container("http", false), true, 0, {})], evs)
	f.details.reason == "liveness-kills-slow-start"
	contains(f.message, "the liveness probe killed it (Killing events say so; last exit 137 after running 35s, 6 restarts; killed 6 times)")
	contains(f.message, "initialDelaySeconds 5 + periodSeconds 10 × failureThreshold 3 = 35s")
	contains(f.message, "Liveness failed 18 times")
	f.severity == "high"
	"kubectl -n shop logs api-5d7f9c8b6-a -c api --previous" in f.confirm
}

test_liveness_kill_from_objects_alone if {
	f := only(rule.findings) with input as cluster([pod("api-5d7f9c8b6-a", container("http", false), false, 137, {})], [])
	f.details.reason == "liveness-kills-slow-start"
	contains(f.message, "no Killing event is left")
}

test_silent_with_startup_probe_and_right_port if {
	count(rule.findings) == 0 with input as cluster([pod("api-5d7f9c8b6-a", container("http", true), true, 0, {})], [])
}

test_silent_when_oom_killed if {
	p := pod("api-5d7f9c8b6-a", container("http", false), true, 137, {})
	q := json.patch(p, [{"op": "replace", "path": "/status/containerStatuses/0/lastState/terminated/reason", "value": "OOMKilled"}])
	count(rule.findings) == 0 with input as cluster([q], [])
}

test_silent_when_ready_again_after_startup_failures if {
	evs := [ev("Unhealthy", `Readiness probe failed: Get "http://10.244.1.52:8080/ready": dial tcp 10.244.1.52:8080: connect: connection refused`, 11)]
	count(rule.findings) == 0 with input as cluster([pod("api-5d7f9c8b6-a", container("http", true), true, 0, {})], evs)
}

test_silent_when_not_ready_without_proof if {
	count(rule.findings) == 0 with input as cluster([pod("api-5d7f9c8b6-a", container("http", true), false, 0, {})], [])
}

test_liveness_restarts_with_the_applications_own_exit_code if {
	p := json.patch(pod("api-5d7f9c8b6-a", container("http", true), false, 2, {}), [{"op": "replace", "path": "/status/containerStatuses/0/restartCount", "value": 40}])
	f := only(rule.findings) with input as cluster([p], [ev("Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500", 120)])
	f.details.reason == "liveness-kill"
	contains(f.message, "its liveness probe restarts it (120 liveness failures over 40 restarts, failureThreshold 3: one kill every 3 failures; last exit 2: the application's own exit code when the kubelet stops it)")
	contains(f.fix, "fails its liveness check once started")
	"kubectl -n shop logs api-5d7f9c8b6-a -c api --previous" in f.confirm
}
