package ktriage.rules.workloads["crashloop_test"]

import data.ktriage.rules.workloads["crashloop"] as rule

# ------------------------------------------------------------ builders

rs := {
	"kind": "ReplicaSet", "apiVersion": "apps/v1",
	"metadata": {"namespace": "shop", "name": "api-7d4b9c8f6", "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "api", "controller": true}]},
}

container := {"name": "api", "image": "api:1", "resources": {"limits": {"memory": "256Mi"}}}

pod(name, status, ready) := {
	"kind": "Pod", "apiVersion": "v1",
	"metadata": {"namespace": "shop", "name": name, "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "api-7d4b9c8f6", "controller": true}]},
	"spec": {"containers": [container]},
	"status": {"phase": "Running", "containerStatuses": [object.union({"name": "api", "ready": ready}, status)], "conditions": [{"type": "Ready", "status": ready_text(ready)}]},
}

ready_text(true) := "True"

ready_text(false) := "False"

# kubelet (kuberuntime_manager.go doBackOff): "back-off %s restarting failed container=%s pod=%s"
backoff(restarts, exit_code, reason) := {
	"restartCount": restarts,
	"state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container=api pod=api-7d4b9c8f6-a_shop(1)"}},
	"lastState": {"terminated": {"exitCode": exit_code, "reason": reason}},
}

cluster(pods, extra) := object.union(
	{
		"available": {"kubernetes.pods": true},
		"kubernetes": {"pods": pods, "replicasets": [rs], "events": [], "logs": [], "deployments": [], "jobs": []},
		"quantities": {"256Mi": 268435456000},
	},
	{"kubernetes": extra},
)

only(set) := x if {
	count(set) == 1
	some x in set
}

# ------------------------------------------------------------ tests

test_fires_when_oomkilled_naming_the_limit if {
	f := only(rule.findings) with input as cluster([pod("api-7d4b9c8f6-a", backoff(9, 137, "OOMKilled"), false), pod("api-7d4b9c8f6-b", backoff(8, 137, "OOMKilled"), false)], {})
	contains(f.message, "2 of 2 pods of Deployment shop/api failing (api-7d4b9c8f6-a, api-7d4b9c8f6-b).")
	contains(f.message, "container api (9 restarts, CrashLoopBackOff): OOMKilled (exit 137): the kernel killed it at its memory limit 256Mi.")
	f.severity == "critical"
	f.confirm[2] == "kubectl -n shop logs api-7d4b9c8f6-a -c api --previous"
	contains(f.fix, "Raise container api's memory limit above 256Mi")
	f.evidence[0].path == ["status", "containerStatuses", 0, "lastState", "terminated", "reason"]
}

test_is_high_when_some_replica_is_ready if {
	f := only(rule.findings) with input as cluster([pod("api-7d4b9c8f6-a", backoff(9, 1, "Error"), false), pod("api-7d4b9c8f6-b", {"restartCount": 0, "state": {"running": {}}}, true)], {})
	f.severity == "high"
	contains(f.message, "1 of 2 pods of Deployment shop/api failing")
	contains(f.message, "application error (exit 1, Error). Its log is not in the bundle.")
}

test_quotes_last_lines_of_the_previous_log if {
	l := {"namespace": "shop", "pod": "api-7d4b9c8f6-a", "container": "api", "previous": true, "kept": [{"line": 1, "text": "start"}, {"line": 2, "text": "Traceback (most recent call last):"}, {"line": 3, "text": "  File \"/app/x.py\", line 4"}, {"line": 4, "text": "KeyError: 'DB_HOST'"}]}
	other := object.union(l, {"previous": false, "kept": [{"line": 1, "text": "current run"}]})
	f := only(rule.findings) with input as cluster([pod("api-7d4b9c8f6-a", backoff(3, 1, "Error"), false)], {"logs": [other, l]})
	contains(f.message, `Last log lines (previous run): Traceback (most recent call last): |   File "/app/x.py", line 4 | KeyError: 'DB_HOST'.`)
}

probed(p) := json.patch(p, [{"op": "add", "path": "/spec/containers/0/livenessProbe", "value": {"httpGet": {"path": "/healthz", "port": 8080}, "initialDelaySeconds": 10, "periodSeconds": 10, "failureThreshold": 3}}])

# kubelet (pkg/kubelet/prober/prober.go, kuberuntime_manager.go)
probe_ev(reason, message, n) := {"kind": "Event", "metadata": {"namespace": "shop", "name": concat(".", ["e", reason])}, "involvedObject": {"kind": "Pod", "namespace": "shop", "name": "api-7d4b9c8f6-a", "fieldPath": "spec.containers{api}"}, "reason": reason, "message": message, "count": n}

test_liveness_kill_points_at_probe_and_is_info if {
	ev := probe_ev("Killing", "Container api failed liveness probe, will be restarted", 5)
	f := only(rule.findings) with input as cluster([probed(pod("api-7d4b9c8f6-a", backoff(5, 137, "Error"), false))], {"events": [ev]})
	contains(f.message, "container api (5 restarts, CrashLoopBackOff): restarted by its liveness probe (Killing events say so (5)), last exit 137: see the probe finding (rule probe)")
	not contains(f.message, "SIGKILL")
	f.severity == "info"
	f.details.see == "probe"
	contains(f.fix, "See the probe finding for container api")
}

# With --disable probe the restarts are judged here: no pointer to a
# finding the report does not have.
test_liveness_kill_is_judged_here_when_probe_does_not_run if {
	ev := probe_ev("Killing", "Container api failed liveness probe, will be restarted", 5)
	inp := cluster([probed(pod("api-7d4b9c8f6-a", backoff(5, 137, "Error"), false))], {"events": [ev]})
	f := only(rule.findings) with input as object.union(inp, {"rules": {"crashloop": true, "volume-mount": true}})
	f.severity == "critical"
	not f.details.see
	not contains(f.message, "see the probe finding")
}

# coredns-autoscaler on AKS: exit 2 on the kubelet's SIGTERM, 3 liveness
# failures per restart.
test_liveness_kill_with_the_applications_own_exit_code if {
	ev := probe_ev("Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500", 4688)
	f := only(rule.findings) with input as cluster([probed(pod("api-7d4b9c8f6-a", backoff(1569, 2, "Error"), false))], {"events": [ev]})
	contains(f.message, "restarted by its liveness probe (4688 liveness failures over 1569 restarts, failureThreshold 3: one kill every 3 failures), last exit 2")
	f.severity == "info"
}

test_application_error_with_a_few_probe_failures_stays_critical if {
	ev := probe_ev("Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500", 4)
	f := only(rule.findings) with input as cluster([probed(pod("api-7d4b9c8f6-a", backoff(30, 1, "Error"), false))], {"events": [ev]})
	contains(f.message, "application error (exit 1, Error)")
	f.severity == "critical"
	not f.details.see
}

test_kill_without_probe_in_spec_is_judged_here if {
	ev := probe_ev("Killing", "Container api failed liveness probe, will be restarted", 5)
	f := only(rule.findings) with input as cluster([pod("api-7d4b9c8f6-a", backoff(5, 137, "Error"), false)], {"events": [ev]})
	contains(f.message, "killed by SIGKILL (exit 137) without OOMKilled")
	contains(f.message, "Events: Killing: Container api failed liveness probe, will be restarted.")
	f.severity == "critical"
}

test_recovered_liveness_kills_are_named_here if {
	st := {"restartCount": 430, "state": {"running": {"startedAt": "2024-03-11T09:20:00Z"}}, "lastState": {"terminated": {"exitCode": 137, "reason": "Error"}}}
	ev := probe_ev("Unhealthy", "Liveness probe failed: ", 5165)
	f := only(rule.findings) with input as cluster([probed(pod("api-7d4b9c8f6-a", st, true))], {"events": [ev]})
	contains(f.message, "Its liveness probe restarts it (exit 137 after 5165 liveness failures)")
	f.severity == "info"
	not f.details.see
}

test_classifies_exit_codes if {
	cases := {
		139: "segmentation fault (exit 139, SIGSEGV)",
		143: "terminated by SIGTERM (exit 143)",
		126: "command not executable (exit 126): no command/args in the spec",
		127: "command not found (exit 127)",
		3: "exit 3, Error",
	}
	every code, text in cases {
		f := only(rule.findings) with input as cluster([pod("api-7d4b9c8f6-a", backoff(4, code, "Error"), false)], {})
		contains(f.message, text)
	}
}

test_points_at_volume_mount_for_a_missing_configmap_or_key if {
	st := {"restartCount": 0, "state": {"waiting": {"reason": "CreateContainerConfigError", "message": "configmap \"api-config\" not found"}}}
	f := only(rule.findings) with input as cluster([pod("api-7d4b9c8f6-a", st, false)], {})
	contains(f.message, `CreateContainerConfigError: configmap "api-config" not found: see the volume-mount finding`)
	f.severity == "info"
	f.details.see == "volume-mount"
	contains(f.fix, `configmap "api-config" not found`)

	# kubelet_pods.go: fmt.Errorf("couldn't find key %v in ConfigMap %v/%v", ...)
	key := json.patch(st, [{"op": "replace", "path": "/state/waiting/message", "value": "couldn't find key DB_HOST in ConfigMap shop/api-config"}])
	g := only(rule.findings) with input as cluster([pod("api-7d4b9c8f6-a", key, false)], {})
	g.severity == "info"
}

test_judges_a_missing_configmap_itself_when_volume_mount_does_not_run if {
	st := {"restartCount": 0, "state": {"waiting": {"reason": "CreateContainerConfigError", "message": "configmap \"api-config\" not found"}}}
	f := only(rule.findings) with input as object.union(cluster([pod("api-7d4b9c8f6-a", st, false)], {}), {"rules": {"crashloop": true, "probe": true}})
	f.severity == "critical"
	not f.details.see
}

test_judges_other_config_errors_itself if {
	# kuberuntime security_context_others.go (verifyRunAsNonRoot), via generateContainerConfig
	msg := "container has runAsNonRoot and image will run as root (pod: \"api-7d4b9c8f6-a_shop(1)\", container: api)"
	st := {"restartCount": 0, "state": {"waiting": {"reason": "CreateContainerConfigError", "message": msg}}}
	f := only(rule.findings) with input as cluster([pod("api-7d4b9c8f6-a", st, false)], {})
	contains(f.message, "CreateContainerConfigError: container has runAsNonRoot and image will run as root")
	f.severity == "critical"
}

test_fires_on_failing_init_container if {
	p := json.patch(pod("api-7d4b9c8f6-a", {"restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}, false), [{"op": "add", "path": "/status/initContainerStatuses", "value": [object.union({"name": "migrate", "ready": false}, backoff(6, 1, "Error"))]}])
	f := only(rule.findings) with input as cluster([p], {})
	contains(f.message, "init container migrate (6 restarts, CrashLoopBackOff): application error (exit 1, Error)")
	f.evidence[0].path == ["status", "initContainerStatuses", 0, "lastState", "terminated", "exitCode"]
}

test_silent_when_init_finished_and_job_completed if {
	p := json.patch(pod("api-7d4b9c8f6-a", {"restartCount": 0, "state": {"running": {}}}, true), [{"op": "add", "path": "/status/initContainerStatuses", "value": [{"name": "init", "ready": true, "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}])
	done := json.patch(pod("job-x", {"restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}, false), [{"op": "replace", "path": "/status/phase", "value": "Succeeded"}])
	count(rule.findings) == 0 with input as cluster([p, done], {})
}

test_silent_when_restarted_a_few_times_and_ready if {
	st := {"restartCount": 2, "state": {"running": {}}, "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}
	count(rule.findings) == 0 with input as cluster([pod("api-7d4b9c8f6-a", st, true)], {})
}

recovered := {"restartCount": 40, "state": {"running": {"startedAt": "2024-03-11T09:20:00Z"}}, "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}

ev_at(ts) := {"kind": "Event", "metadata": {"namespace": "shop", "name": "x"}, "involvedObject": {"kind": "Pod", "namespace": "shop", "name": "other"}, "reason": "Pulled", "message": "m", "lastTimestamp": ts}

test_medium_when_a_restart_storm_has_just_stopped if {
	f := only(rule.findings) with input as cluster([pod("api-7d4b9c8f6-a", recovered, true)], {"events": [ev_at("2024-03-11T09:31:40Z")]})
	f.severity == "medium"
	contains(f.message, "restarted often and are Ready again")
}

test_info_when_restarts_are_old_or_undated if {
	old := only(rule.findings) with input as cluster([pod("api-7d4b9c8f6-a", recovered, true)], {"events": [ev_at("2024-03-13T09:31:40Z")]})
	old.severity == "info"
	undated := only(rule.findings) with input as cluster([pod("api-7d4b9c8f6-a", recovered, true)], {})
	undated.severity == "info"
}

test_fires_on_failed_job_with_pod_exit_codes if {
	job := {"kind": "Job", "metadata": {"namespace": "shop", "name": "migrate"}, "status": {"failed": 3, "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]}}
	jp := {
		"kind": "Pod", "metadata": {"namespace": "shop", "name": "migrate-x", "ownerReferences": [{"kind": "Job", "name": "migrate", "controller": true}]},
		"spec": {"containers": [{"name": "m", "command": ["sh", "-c", "migrat"]}], "restartPolicy": "Never"},
		"status": {"phase": "Failed", "containerStatuses": [{"name": "m", "ready": false, "restartCount": 0, "state": {"terminated": {"exitCode": 127, "reason": "Error"}}}]},
	}
	f := only(rule.findings) with input as cluster([jp], {"jobs": [job]})
	contains(f.message, "1 of 1 pods of Job shop/migrate failing")
	contains(f.message, `command not found (exit 127): command ["sh", "-c", "migrat"]`)
	contains(f.message, "Job migrate: BackoffLimitExceeded (Job has reached the specified backoff limit).")
}

test_fires_on_failed_job_whose_pods_are_gone if {
	job := {"kind": "Job", "metadata": {"namespace": "shop", "name": "migrate"}, "status": {"failed": 7, "conditions": [{"type": "Failed", "status": "True", "reason": "DeadlineExceeded", "message": "Job was active longer than specified deadline"}]}}
	f := only(rule.findings) with input as cluster([], {"jobs": [job]})
	contains(f.message, "Job shop/migrate failed: DeadlineExceeded (Job was active longer than specified deadline). 7 pods failed; none of its pods is in the bundle")
}

test_joins_progress_deadline_of_the_deployment if {
	dep := {"kind": "Deployment", "metadata": {"namespace": "shop", "name": "api"}, "status": {"conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": "ReplicaSet \"api-7d4b9c8f6\" has timed out progressing."}]}}
	f := only(rule.findings) with input as cluster([pod("api-7d4b9c8f6-a", backoff(9, 1, "Error"), false)], {"deployments": [dep]})
	contains(f.message, `Deployment api: ProgressDeadlineExceeded (ReplicaSet "api-7d4b9c8f6" has timed out progressing.).`)
}

test_says_unknown_when_last_state_is_absent if {
	st := {"restartCount": 12, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
	f := only(rule.findings) with input as cluster([pod("api-7d4b9c8f6-a", st, false)], {})
	contains(f.message, "container api (12 restarts, CrashLoopBackOff): how it last ended is unknown")
}

# kubectl describe text: no waiting message, no Job conditions, no
# condition messages; the events in the same text say them.
described(o, not_shown) := object.union(o, {"metadata": {"annotations": {"ktriage.io/source": "kubectl-describe", "ktriage.io/not-shown": not_shown}}})

test_described_pod_takes_its_waiting_message_from_the_event if {
	st := {"restartCount": 0, "state": {"waiting": {"reason": "CreateContainerConfigError"}}}
	p := described(pod("api-7d4b9c8f6-a", st, false), "status.containerStatuses[].state.waiting.message")
	ev := probe_ev("Failed", `Error: configmap "api-config" not found`, 12)
	f := only(rule.findings) with input as cluster([p], {"events": [ev]})
	contains(f.message, `CreateContainerConfigError: configmap "api-config" not found: see the volume-mount finding`)
	g := only(rule.findings) with input as cluster([p], {})
	contains(g.message, "CreateContainerConfigError: (its message is not shown in kubectl describe text, and no event gives it)")
}

test_described_job_failed_from_its_event if {
	job := described({"kind": "Job", "metadata": {"namespace": "shop", "name": "migrate"}, "status": {"failed": 3}}, "status.conditions")
	ev := {"kind": "Event", "metadata": {"namespace": "shop", "name": "j"}, "involvedObject": {"kind": "Job", "namespace": "shop", "name": "migrate"}, "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}
	f := only(rule.findings) with input as cluster([], {"jobs": [job], "events": [ev]})
	contains(f.message, "Job shop/migrate failed: BackoffLimitExceeded (Job has reached the specified backoff limit; from the job controller's event: kubectl describe prints no Job conditions)")
}

test_described_deployment_condition_without_message if {
	dep := described({"kind": "Deployment", "metadata": {"namespace": "shop", "name": "api"}, "spec": {"replicas": 2}, "status": {"conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}}, "status.readyReplicas,status.conditions[].message")
	f := only(rule.findings) with input as cluster([pod("api-7d4b9c8f6-a", backoff(9, 1, "Error"), false), pod("api-7d4b9c8f6-b", {"restartCount": 0, "state": {"running": {}}}, true)], {"deployments": [dep]})
	contains(f.message, "Deployment api: ProgressDeadlineExceeded (its message is not shown in kubectl describe text).")

	# no ready count in the text: the pods are counted
	f.severity == "high"
}

test_bare_log_file_without_namespace_is_the_pods if {
	l := {"namespace": "", "pod": "api-7d4b9c8f6-a", "container": "", "previous": false, "kept": [{"line": 1, "text": "panic: boom"}]}
	f := only(rule.findings) with input as cluster([pod("api-7d4b9c8f6-a", backoff(3, 2, "Error"), false)], {"logs": [l]})
	contains(f.message, "Last log lines (current run): panic: boom.")
}

# ------------------------------------------------- cluster DNS as the cause

# CoreDNS's loop plugin (plugin/loop/loop.go) and a Node application's
# getaddrinfo failure, as the dns rule reads them.
loop_line := `[FATAL] plugin/loop: Loop (127.0.0.1:59298 -> :53) detected for zone ".", see https://coredns.io/plugins/loop#troubleshooting. Query: "HINFO 4547991504243258144.3688648895315093531."`

eai_again := "Error: getaddrinfo EAI_AGAIN payments.shop.svc.cluster.local"

api_log(text) := {"namespace": "shop", "pod": "api-7d4b9c8f6-a", "container": "api", "file": "shop/api/logs.txt", "kept": [{"line": 1, "text": text}]}

coredns_log := {"namespace": "kube-system", "pod": "coredns-5dd5756b68-4xk8p", "container": "coredns", "file": "kube-system/coredns/logs.txt", "kept": [{"line": 1, "text": loop_line}]}

# An application that crash-loops on failed lookups while CoreDNS halts on
# a forwarding loop: the dns finding is the cause and lists the pod; this
# one points at it.
test_lookup_failures_during_a_dns_loop_point_at_dns if {
	f := only(rule.findings) with input as cluster([pod("api-7d4b9c8f6-a", backoff(9, 1, "Error"), false)], {"logs": [api_log(eai_again), coredns_log]})
	f.severity == "info"
	f.details.see == "dns"
	contains(f.message, "its log: Error: getaddrinfo EAI_AGAIN payments.shop.svc.cluster.local: see the dns finding (rule dns)")
	contains(f.fix, "See the dns finding")
}

# Near miss: the same failures with no loop in the bundle are the
# application's own crash, judged here.
test_lookup_failures_without_a_dns_cause_stay_critical if {
	f := only(rule.findings) with input as cluster([pod("api-7d4b9c8f6-a", backoff(9, 1, "Error"), false)], {"logs": [api_log(eai_again)]})
	f.severity == "critical"
	not f.details.see
}

# With --disable dns there is no finding to point at.
test_lookup_failures_are_judged_here_when_dns_does_not_run if {
	inp := cluster([pod("api-7d4b9c8f6-a", backoff(9, 1, "Error"), false)], {"logs": [api_log(eai_again), coredns_log]})
	f := only(rule.findings) with input as object.union(inp, {"rules": {"crashloop": true}})
	f.severity == "critical"
	not f.details.see
}

# One container's log twice (a dump's, and the same pasted from kubectl
# logs): the first is quoted, where the rule used to fail.
test_pick_log_takes_the_first_of_two_logs_of_one_container if {
	logs := [
		{"container": "worker", "previous": false, "file": "cluster-info/shop/worker-1/logs.txt"},
		{"container": "worker", "previous": false, "file": "session.txt"},
		{"container": "worker", "previous": true, "file": "prev-a.txt"},
		{"container": "worker", "previous": true, "file": "prev-b.txt"},
	]
	rule.pick_log({"name": "worker"}, logs).file == "prev-a.txt"
	rule.pick_log({"name": "worker"}, array.slice(logs, 0, 2)).file == "cluster-info/shop/worker-1/logs.txt"
	rule.pick_log({"name": "worker", "single": true}, [{"container": "", "file": "a"}, {"container": "", "file": "b"}]).file == "a"
}

# A start time that is no RFC 3339 time cannot date the storm: the
# container counts as not recent, where time.parse_rfc3339_ns failed the
# rule.
test_recent_storm_with_a_start_time_that_is_no_time if {
	ev := {"lastTimestamp": "2024-03-11T10:00:00Z"}
	rule.recent_storm([{"containers": [{"state": {"running": {"startedAt": "2024-03-11T09:30:00Z"}}}]}]) with input.kubernetes.events as [ev]
	not rule.recent_storm([{"containers": [{"state": {"running": {"startedAt": "2024-03-11T08:30:00Z"}}}]}]) with input.kubernetes.events as [ev]
	every bad in ["garbage", "2024-03-11T09:30:00Z-2", 12] {
		not rule.recent_storm([{"containers": [{"state": {"running": {"startedAt": bad}}}]}]) with input.kubernetes.events as [ev, {"lastTimestamp": "3000-01-01T00:00:00Z"}]
	}
}
