package ktriage.lib.liveness_test

import data.ktriage.lib.liveness

probe := {"httpGet": {"path": "/healthz", "port": 8080}, "initialDelaySeconds": 10, "periodSeconds": 10, "failureThreshold": 3}

c(startup) := object.union({"name": "app", "livenessProbe": probe}, {"startupProbe": probe | startup})

pod(last) := {
	"metadata": {"namespace": "ns", "name": "p"},
	"status": {"phase": "Running", "containerStatuses": [{"name": "app", "ready": false, "restartCount": 10, "state": {"waiting": {"reason": "CrashLoopBackOff"}}, "lastState": {"terminated": last}}]},
}

ev(reason, message, n) := {"involvedObject": {"kind": "Pod", "namespace": "ns", "name": "p", "fieldPath": "spec.containers{app}"}, "reason": reason, "message": message, "count": n}

facts(events) := {"kubernetes": {"events": events}}

unhealthy(n) := ev("Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500", n)

test_killing_events_prove_it if {
	k := liveness.kill(pod({"exitCode": 2}), c(true)) with input as facts([ev("Killing", "Container app failed liveness probe, will be restarted", 10)])
	k == "Killing events say so (10)"
}

test_signal_exit_with_failures if {
	k := liveness.kill(pod({"exitCode": 143}), c(true)) with input as facts([unhealthy(2)])
	k == "exit 143 after 2 liveness failures"
}

test_failures_per_restart if {
	k := liveness.kill(pod({"exitCode": 2}), c(true)) with input as facts([unhealthy(28)])
	startswith(k, "28 liveness failures over 10 restarts")
	not liveness.kill(pod({"exitCode": 2}), c(true)) with input as facts([unhealthy(26)])
}

test_run_as_long_as_the_budget if {
	last := {"exitCode": 2, "startedAt": "2020-06-07T07:56:02Z", "finishedAt": "2020-06-07T07:56:41Z"}
	k := liveness.kill(pod(last), c(true)) with input as facts([unhealthy(1)])
	k == "1 liveness failures, and its last run lasted 39s, the liveness probe's budget (initialDelaySeconds 10 + periodSeconds 10 × failureThreshold 3 = 40s)"
	long := object.union(last, {"finishedAt": "2020-06-07T07:58:41Z"})
	not liveness.kill(pod(long), c(true)) with input as facts([unhealthy(1)])
}

test_sigkill_without_events_only_without_startup_probe if {
	liveness.kill(pod({"exitCode": 137}), c(false)) with input as facts([])
	not liveness.kill(pod({"exitCode": 137}), c(true)) with input as facts([])
	not liveness.kill(pod({"exitCode": 137, "reason": "OOMKilled"}), c(false)) with input as facts([])
}

test_reported_by_probe_only_while_not_ready if {
	events := [ev("Killing", "Container app failed liveness probe, will be restarted", 10)]
	liveness.reported_by_probe(pod({"exitCode": 137}), c(true)) with input as facts(events)
	ready := json.patch(pod({"exitCode": 137}), [{"op": "replace", "path": "/status/containerStatuses/0/ready", "value": true}])
	not liveness.reported_by_probe(ready, c(true)) with input as facts(events)
}

test_run_seconds_only_from_times if {
	liveness.run_seconds({"lastState": {"terminated": {"startedAt": "2024-03-11T09:14:02Z", "finishedAt": "2024-03-11T09:14:42Z"}}}) == 40
	not liveness.run_seconds({"lastState": {"terminated": {"startedAt": "2024-03-11T09:14:02Z", "finishedAt": "soon"}}})
	not liveness.run_seconds({"lastState": {"terminated": {"startedAt": 3, "finishedAt": "2024-03-11T09:14:42Z"}}})
}
