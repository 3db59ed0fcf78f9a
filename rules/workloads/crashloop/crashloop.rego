# METADATA
# title: Containers crash or cannot start
# description: >-
#   Finds containers (init containers included) in CrashLoopBackOff, that
#   restart now, or that the kubelet cannot create or start
#   (CreateContainerConfigError, CreateContainerError, RunContainerError),
#   one finding per workload. The cause is read from the objects, which
#   outlive the events: the last termination's reason and exit code (137
#   OOMKilled with the memory limit, 137 killed, 143 SIGTERM, 1/2 application
#   error with the last lines of the previous container's log when the
#   bundle holds it, 126/127 command not executable or not found with the
#   command, 139 segmentation fault) or the waiting message. Killing and
#   Unhealthy events are joined when present. Jobs that failed
#   (BackoffLimitExceeded, DeadlineExceeded) and Deployments whose rollout
#   stopped (ProgressDeadlineExceeded) are reported with their failing
#   pods. A pod that restarted in the past and is Ready now is reported
#   only after many restarts, as medium.
# custom:
#   id: crashloop
#   category: crashloop
#   severity: critical
#   needs: [kubernetes.pods|kubernetes.jobs]
#   remediation: >-
#     Fix what the exit code says: raise the memory limit or lower the
#     usage for OOMKilled, correct the command or image for 126/127, fix the
#     application error its last log lines show, create the missing
#     ConfigMap/Secret or key for a config error; then let the controller
#     retry (a failed Job needs to be re-created).
#   references:
#     - https://kubernetes.io/docs/tasks/debug/debug-application/debug-pods/
#     - https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts
#     - https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-backoff-failure-policy
package ktriage.rules.workloads["crashloop"]

import data.ktriage.lib.kube
import data.ktriage.lib.sh

# ---------------------------------------------------- failing containers

# Waiting reasons the kubelet sets when it cannot create or start a
# container (pkg/kubelet/kuberuntime, pkg/kubelet/container/sync_result.go:
# ErrCreateContainerConfig "CreateContainerConfigError",
# ErrCreateContainer "CreateContainerError", ErrRunContainer
# "RunContainerError"; kuberuntime_manager.go: "CrashLoopBackOff").
start_errors := {"CreateContainerConfigError", "CreateContainerError", "RunContainerError"}

statuses(p) := array.concat(
	[object.union(s, {"init": false, "single": single(p)}) | some s in kube.array(p, ["status", "containerStatuses"]); state(s)],
	[object.union(s, {"init": true, "single": false}) | some s in kube.array(p, ["status", "initContainerStatuses"]); state(s)],
)

single(p) := count(kube.array(p, ["status", "containerStatuses"])) + count(kube.array(p, ["status", "initContainerStatuses"])) == 1

# state of one container: "failing" (crash loop, restarting, cannot
# start), "recovered" (Ready again after many restarts) or nothing.
state(s) := "failing" if {
	s.state.waiting.reason == "CrashLoopBackOff"
} else := "failing" if {
	s.state.waiting.reason in start_errors
} else := "failing" if {
	# restarting now: waiting to start again after a failed run
	s.state.waiting
	not s.state.waiting.reason in {"ContainerCreating", "PodInitializing"}
	object.get(s, ["lastState", "terminated", "exitCode"], 0) != 0
} else := "failing" if {
	# restartPolicy Never/OnFailure pods of Jobs: the failed run is the state
	object.get(s, ["state", "terminated", "exitCode"], 0) != 0
} else := "recovered" if {
	s.ready == true
	object.get(s, "restartCount", 0) >= storm
	object.get(s, ["lastState", "terminated", "exitCode"], 0) != 0
}

# restarts that make a recovered container worth a look
storm := 5

# the termination that explains the failure: the last one, or the current
# one when the container is not restarted.
termination(s) := s.lastState.terminated if {
	s.lastState.terminated
} else := s.state.terminated if {
	s.state.terminated
}

# failing is built once over every pod; a pod none of whose statuses is
# failing or recovered is left after one cheap test per status (the
# annotated copies are made only for the few that are).
failing := [{"pod": p, "key": kube.workload_key(w), "w": w, "containers": statuses(p)} |
	some p in input.kubernetes.pods
	object.get(p, ["status", "phase"], "") != "Succeeded"
	some_failing(p)
	w := kube.workload(p)
]

# A running container that never restarted is the common case and is
# dismissed by two field tests before state() runs its five checks
# (20,000 healthy pods: 720 ms -> see docs/performance.md).
some_failing(p) if {
	some s in p.status.containerStatuses
	suspect(s)
	state(s)
}

some_failing(p) if {
	some s in p.status.initContainerStatuses
	suspect(s)
	state(s)
}

suspect(s) if not s.state.running

suspect(s) if s.restartCount >= storm

# ---------------------------------------------------------- classification

spec_container(p, s) := c if {
	some c in kube.array(p, ["spec", "containers"])
	c.name == s.name
} else := c if {
	some c in kube.array(p, ["spec", "initContainers"])
	c.name == s.name
} else := {}

# cause names the failure from the waiting reason or the last termination.
cause(p, s) := sprintf("%s: %s", [s.state.waiting.reason, object.get(s, ["state", "waiting", "message"], "(no message recorded)")]) if {
	s.state.waiting.reason in start_errors
} else := sprintf("OOMKilled (exit 137): the kernel killed it at its memory limit %s", [memory_limit(spec_container(p, s))]) if {
	termination(s).reason == "OOMKilled"
} else := "OOMKilled (exit 137), no memory limit set: the node or pod cgroup ran out of memory" if {
	termination(s).reason == "OOMKilled"
	memory_limit(spec_container(p, s)) == ""
} else := exit_cause(p, s, termination(s)) if {
	termination(s)
} else := "how it last ended is unknown: the object holds no lastState.terminated (a partial object, or the status was cut)"

memory_limit(c) := kube.show(c.resources.limits.memory) if c.resources.limits.memory

exit_cause(_, _, t) := "killed by SIGKILL (exit 137) without OOMKilled: the kubelet killed it (a failed liveness probe, a grace period that ran out) or something inside did" if t.exitCode == 137

exit_cause(_, _, t) := "terminated by SIGTERM (exit 143): it was asked to stop (liveness probe, eviction, preStop) or stopped itself by signal" if t.exitCode == 143

exit_cause(_, _, t) := "segmentation fault (exit 139, SIGSEGV) in the application or a native library" if t.exitCode == 139

exit_cause(p, s, t) := sprintf("command not executable (exit 126): %s", [command_text(spec_container(p, s))]) if t.exitCode == 126

exit_cause(p, s, t) := sprintf("command not found (exit 127): %s", [command_text(spec_container(p, s))]) if t.exitCode == 127

exit_cause(_, _, t) := sprintf("application error (exit %d%s)", [t.exitCode, reason_text(t)]) if t.exitCode in {1, 2}

exit_cause(_, _, t) := sprintf("the runtime could not start it (exit 128, %s): %s", [object.get(t, "reason", "StartError"), object.get(t, "message", "no message recorded")]) if t.exitCode == 128

exit_cause(_, _, t) := sprintf("exit %d%s", [t.exitCode, reason_text(t)]) if not t.exitCode in {1, 2, 126, 127, 128, 137, 139, 143}

reason_text(t) := sprintf(", %s", [t.reason]) if {
	t.reason
} else := ""

command_text(c) := concat(" ", array.concat(
	[sprintf("command %v", [kube.array(c, ["command"])]) | count(kube.array(c, ["command"])) > 0],
	[sprintf("args %v", [kube.array(c, ["args"])]) | count(kube.array(c, ["args"])) > 0],
)) if {
	count(kube.array(c, ["command"])) + count(kube.array(c, ["args"])) > 0
} else := "no command/args in the spec: the image's ENTRYPOINT/CMD"

exit_code(s) := termination(s).exitCode

# ------------------------------------------------------------ workloads

workload_keys := {x.key | some x in failing}

findings contains f if {
	some key in workload_keys
	group := [x | some x in failing; x.key == key]
	w := group[0].w
	names := sort([x.pod.metadata.name | some x in group])
	x0 := [x | some x in group; x.pod.metadata.name == names[0]][0]
	p := x0.pod
	ns := w.namespace
	pn := p.metadata.name
	ns_pods := [q | some q in input.kubernetes.pods; q.metadata.namespace == ns]
	counts := kube.pod_counts(w, ns_pods)
	ready := counts.ready

	# a rollout can run more pods than the controller wants
	total := max([counts.total, count(group)])
	now := [s | some x in group; some s in x.containers; state(s) == "failing"]
	ss := x0.containers
	# by pod name first, which OPA indexes; the namespace test reads ns as
	# a default, which would stop the indexing and scan every log per workload
	named_logs := [l | some l in object.get(input.kubernetes, "logs", []); l.pod == pn]
	logs := [l | some l in named_logs; object.get(l, "namespace", ns) == ns]
	events := [e | some e in input.kubernetes.events; e.involvedObject.name == pn; object.get(e, ["involvedObject", "namespace"], "") == ns]
	lines := [container_line(p, s, logs, events) | some s in ss]
	wl := workload_lines(w)
	severity := sev(count(now), ready, recent_storm(group))
	f := {
		"message": concat(" ", array.concat(
			[sprintf("%d of %d pods of %s %s/%s %s (%s).", [count(names), total, w.kind, ns, w.name, verb_text(count(now)), named(names)])],
			array.concat(lines, wl),
		)),
		"subjects": array.concat([{"kind": w.kind, "namespace": ns, "name": w.name} | w.kind != "Pod"], [kube.ref(p)]),
		"evidence": array.concat([kube.at(p, status_path(p, s), evidence_note(p, s)) | some s in ss], workload_evidence(w)),
		"confirm": array.concat(
			[
				sh.format("kubectl -n %s describe pod %s", [ns, pn]),
				sh.format("kubectl -n %s get events --field-selector involvedObject.name=%s", [ns, pn]),
			],
			[sh.format("kubectl -n %s logs %s -c %s --previous", [ns, pn, s.name]) | some s in ss],
		),
		"fix": concat(" ", {fix(p, s) | some s in ss}),
		"severity": severity,
		"details": {
			"workload": w, "pods": names, "failing": count(names), "ready": ready, "total": total,
			"containers": [{"name": s.name, "init": s.init, "restarts": object.get(s, "restartCount", 0), "exit_code": object.get(termination(s), "exitCode", null), "reason": object.get(object.get(s.state, "waiting", termination(s)), "reason", "")} | some s in ss],
		},
	}
}

sev(0, _, true) := "medium"

sev(0, _, false) := "info"

sev(n, 0, _) := "critical" if n > 0

sev(n, r, _) := "high" if {
	n > 0
	r > 0
}

# The bundle's own clock: the newest event. A recovered container that
# last started within the hour before it restarted recently (a storm that
# has just stopped: medium); one running for longer, or when the bundle has
# no events to date it, is only info.
reference_ns := max([time.parse_rfc3339_ns(e.lastTimestamp) | some e in input.kubernetes.events; is_string(e.lastTimestamp)])

recent_storm(group) := true if {
	some x in group
	some s in x.containers
	started := time.parse_rfc3339_ns(s.state.running.startedAt)
	reference_ns - started < 3600000000000
} else := false

verb_text(0) := "restarted often and are Ready again"

verb_text(n) := "failing" if n > 0

named(pods) := concat(", ", pods) if {
	count(pods) <= 2
} else := sprintf("%s, …", [concat(", ", array.slice(pods, 0, 2))])

kind_text(s) := "init container" if {
	s.init
} else := "container"

container_line(p, s, logs, events) := sprintf("%s %s%s: %s%s%s.", [
	kind_text(s), s.name, restarts_text(s), cause(p, s), event_text(s, events), log_text(s, logs),
])

restarts_text(s) := sprintf(" (%d restarts, %s)", [s.restartCount, waiting_text(s)]) if {
	s.restartCount > 0
} else := ""

waiting_text(s) := s.state.waiting.reason if {
	s.state.waiting.reason
} else := "running"

# Killing/Unhealthy events name a liveness kill; that diagnosis belongs to
# the probe rule, so it is only pointed at here.
event_text(s, events) := sprintf(". Events: %s — a liveness probe kill: see the probe checks (rule `probe`, not yet in this build)", [concat("; ", msgs)]) if {
	msgs := sort({sprintf("%s: %s", [e.reason, e.message]) |
		some e in events
		e.reason in {"Killing", "Unhealthy"}
		contains(e.message, s.name)
	})
	count(msgs) > 0
} else := sprintf(". Events: %s", [concat("; ", msgs)]) if {
	msgs := sort({sprintf("%s: %s", [e.reason, e.message]) |
		some e in events
		e.reason in {"Killing", "Unhealthy"}
	})
	count(msgs) > 0
} else := ""

# The last lines of the container's previous log (its crashed run) or, when
# only the current one was collected, of that. The facts keep the last 50
# lines of every log; three are quoted.
log_text(s, logs) := sprintf(". Last log lines (%s): %s", [which, concat(" | ", tail)]) if {
	exit_code(s) in {1, 2, 126, 127, 139}
	l := pick_log(s, logs)
	which := log_which(l)
	kept := kube.array(l, ["kept"])
	count(kept) > 0
	tail := [x.text | some x in array.slice(kept, max([0, count(kept) - 3]), count(kept))]
} else := sprintf(". Its log was not collected (kubectl: %s)", [l.not_collected]) if {
	exit_code(s) in {1, 2, 126, 127, 139}
	l := pick_log(s, logs)
	l.not_collected
} else := ". Its log is not in the bundle" if {
	exit_code(s) in {1, 2}
} else := ""

pick_log(s, logs) := l if {
	some l in logs
	l.container == s.name
	l.previous == true
} else := l if {
	some l in logs
	l.container == s.name
} else := l if {
	# --output-directory dumps write <ns>/<pod>/logs.txt without the
	# container's name: it is this container's only when the pod has one.
	some l in logs
	l.container == ""
	s.single
}

log_which(l) := "previous run" if {
	l.previous == true
} else := "current run"

status_path(p, s) := ["status", field, i] if {
	field := status_field(s)
	some i, x in kube.array(p, ["status", field])
	x.name == s.name
}

status_field(s) := "initContainerStatuses" if {
	s.init
} else := "containerStatuses"

evidence_note(p, s) := sprintf("%s: %s", [s.name, cause(p, s)])

fix(p, s) := sprintf("Fix the missing object or key the message names (%s).", [s.state.waiting.message]) if {
	s.state.waiting.reason == "CreateContainerConfigError"
} else := "Fix the image or command the runtime could not start (see the message)." if {
	s.state.waiting.reason in start_errors
} else := sprintf("Raise container %s's memory limit above %s or lower its usage (heap size, caches).", [s.name, memory_limit(spec_container(p, s))]) if {
	termination(s).reason == "OOMKilled"
} else := sprintf("Set a memory limit on container %s and size the node for it.", [s.name]) if {
	termination(s).reason == "OOMKilled"
} else := sprintf("Correct container %s's command/args or the image so the program exists and is executable.", [s.name]) if {
	exit_code(s) in {126, 127, 128}
} else := sprintf("Read why the previous run of %s ended (kubectl logs --previous) and fix that error; the last lines are quoted above when the bundle has them.", [s.name]) if {
	exit_code(s) in {1, 2}
} else := sprintf("Find who killed container %s: a failing liveness probe (Killing events), a too short terminationGracePeriodSeconds, or the application.", [s.name]) if {
	exit_code(s) in {137, 143}
} else := sprintf("Fix the crash of container %s (exit %v).", [s.name, object.get(termination(s), "exitCode", "unknown")])

# -------------------------------------------------- workload conditions

workload_object(w) := kube.workload_objects[kube.workload_key(w)]

stalled(o) := c if {
	some c in kube.array(o, ["status", "conditions"])
	c.type == "Progressing"
	c.status == "False"
	c.reason == "ProgressDeadlineExceeded"
}

job_failed(o) := c if {
	some c in kube.array(o, ["status", "conditions"])
	c.type == "Failed"
	c.status == "True"
}

workload_lines(w) := [sprintf("%s %s: %s (%s).", [w.kind, w.name, c.reason, object.get(c, "message", "")]) |
	o := workload_object(w)
	some c in array.concat([stalled(o) | true], [job_failed(o) | true])
]

workload_evidence(w) := [kube.at(o, ["status", "conditions"], c.reason) |
	o := workload_object(w)
	some c in array.concat([stalled(o) | true], [job_failed(o) | true])
]

# A failed Job whose pods are gone (ttl, or only the Job was collected):
# its condition alone is reported.
findings contains f if {
	some j in object.get(input.kubernetes, "jobs", [])
	c := job_failed(j)
	w := kube.workload(j)
	not kube.workload_key(w) in workload_keys
	not kube.workload_key({"kind": "Job", "namespace": kube.namespace(j), "name": j.metadata.name}) in workload_keys
	ns := kube.namespace(j)
	f := {
		"message": sprintf("Job %s/%s failed: %s (%s). %v pods failed; none of its pods is in the bundle, so their exit codes are unknown.", [
			ns, j.metadata.name, c.reason, object.get(c, "message", ""), object.get(j, ["status", "failed"], "unknown"),
		]),
		"subjects": [kube.ref(j)],
		"evidence": [kube.at(j, ["status", "conditions"], c.reason)],
		"confirm": [
			sh.format("kubectl -n %s describe job %s", [ns, j.metadata.name]),
			sh.format("kubectl -n %s get pods -l job-name=%s", [ns, j.metadata.name]),
		],
		"fix": "Find why its pods failed (kubectl logs on them while they exist), fix it, and re-create the Job; raise backoffLimit/activeDeadlineSeconds only if the failures are expected.",
		"severity": "high",
		"details": {"workload": {"kind": "Job", "namespace": ns, "name": j.metadata.name}, "reason": c.reason},
	}
}
