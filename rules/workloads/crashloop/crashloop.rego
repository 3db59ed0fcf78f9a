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
#   Unhealthy events are joined when present. A container that is not
#   Ready and whose restarts are its liveness probe's kills (Killing
#   events, liveness failures at failureThreshold per restart, a run as
#   long as the probe's budget) is the probe rule's finding: here it is
#   only pointed at, as info, whatever exit code the application chose on
#   SIGTERM. Likewise a CreateContainerConfigError for a missing ConfigMap,
#   Secret or key is volume-mount's finding and only pointed at here, and
#   so are, while CoreDNS halts on a forwarding loop, the CoreDNS pods
#   exiting on it and the pods whose logs show their lookups failing (the
#   dns finding is the cause). Jobs
#   that failed
#   (BackoffLimitExceeded, DeadlineExceeded) and Deployments whose rollout
#   stopped (ProgressDeadlineExceeded) are reported with their failing
#   pods. A pod that restarted in the past and is Ready now is reported
#   only after many restarts, as medium. From kubectl describe text, which
#   prints no waiting message, no Job conditions and no condition messages,
#   the kubelet's and the job controller's events in the same text give
#   them, and what neither shows is said to be not shown.
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

import data.ktriage.lib.dns
import data.ktriage.lib.kube
import data.ktriage.lib.liveness
import data.ktriage.lib.run
import data.ktriage.lib.sh
import data.ktriage.lib.workload

# ---------------------------------------------------- failing containers

# Waiting reasons the kubelet sets when it cannot create or start a
# container (pkg/kubelet/kuberuntime, pkg/kubelet/container/sync_result.go:
# ErrCreateContainerConfig "CreateContainerConfigError",
# ErrCreateContainer "CreateContainerError", ErrRunContainer
# "RunContainerError"; kuberuntime_manager.go: "CrashLoopBackOff").
start_errors := {"CreateContainerConfigError", "CreateContainerError", "RunContainerError"}

statuses(p) := array.concat(
	[object.union(object.union(s, {"init": false, "single": single(p)}), shown_message(p, s)) | some s in kube.array(p, ["status", "containerStatuses"]); state(s)],
	[object.union(object.union(s, {"init": true, "single": false}), shown_message(p, s)) | some s in kube.array(p, ["status", "initContainerStatuses"]); state(s)],
)

# kubectl describe prints a waiting container's reason, not its message;
# the kubelet's "Error: <message>" event (kuberuntime_container.go,
# events.FailedToCreateContainer) in the same text says it.
shown_message(p, s) := {"state": {"waiting": {"message": trim_prefix(e.message, "Error: ")}}} if {
	s.state.waiting.reason in start_errors
	not s.state.waiting.message
	"status.containerStatuses[].state.waiting.message" in kube.not_shown(p)
	es := [e |
		some e in workload.events_of(kube.namespace(p), "Pod", p.metadata.name)
		e.reason == "Failed"
		startswith(e.message, "Error: ")
		object.get(e.involvedObject, "fieldPath", concat("", ["spec.containers{", s.name, "}"])) == concat("", ["spec.containers{", s.name, "}"])
	]
	e := es[0]
} else := {}

single(p) := count(kube.array(p, ["status", "containerStatuses"])) + count(kube.array(p, ["status", "initContainerStatuses"])) == 1

# state of one container: "failing" (crash loop, restarting, cannot
# start), "recovered" (Ready again after many restarts) or nothing. A
# status that is no object (a damaged file) has none.
state(s) := x if {
	is_object(s)
	x := container_state(s)
}

container_state(s) := "failing" if {
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
failing := [{"pod": p, "key": workload.key(w), "w": w, "containers": statuses(p)} |
	some p in input.kubernetes.pods
	object.get(p, ["status", "phase"], "") != "Succeeded"
	some_failing(p)
	w := workload.of(p)
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
	c := [c | some c in kube.array(p, ["spec", "containers"]); c.name == s.name][0]
} else := c if {
	c := [c | some c in kube.array(p, ["spec", "initContainers"]); c.name == s.name][0]
} else := {}

# cause names the failure from the waiting reason or the last termination.
cause(p, s) := sprintf("%s: %s", [s.state.waiting.reason, object.get(s, ["state", "waiting", "message"], no_message(p))]) if {
	s.state.waiting.reason in start_errors
} else := sprintf("OOMKilled (exit 137): the kernel killed it at its memory limit %s", [memory_limit(spec_container(p, s))]) if {
	termination(s).reason == "OOMKilled"
} else := "OOMKilled (exit 137), no memory limit set: the node or pod cgroup ran out of memory" if {
	termination(s).reason == "OOMKilled"
	memory_limit(spec_container(p, s)) == ""
} else := exit_cause(p, s, termination(s)) if {
	termination(s)
} else := "how it last ended is unknown: the object holds no lastState.terminated (a partial object, or the status was cut)"

no_message(p) := "(its message is not shown in kubectl describe text, and no event gives it)" if {
	"status.containerStatuses[].state.waiting.message" in kube.not_shown(p)
} else := "(no message recorded)"

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
	ns_pods := object.get(workload.pods_in, ns, [])
	counts := workload.pod_counts(w, ns_pods)
	ready := counts.ready

	# a rollout can run more pods than the controller wants
	total := max([counts.total, count(group)])
	now := [s | some x in group; some s in x.containers; state(s) == "failing"]
	ss := x0.containers
	# by pod name first, which OPA indexes; then the namespace (a bare
	# `kubectl logs P > P.log` names none), which would stop the indexing
	# if tested in the same comprehension
	named_logs := [l | some l in object.get(input.kubernetes, "logs", []); l.pod == pn]
	logs := [l | some l in named_logs; object.get(l, "namespace", "") in {ns, ""}]
	events := object.get(workload.events_by_object, concat("/", [ns, pn]), [])
	lines := [container_line(p, s, logs, events) | some s in ss]
	wl := workload_lines(w)
	own := [s | some x in group; some s in x.containers; state(s) == "failing"; not by_probe(x.pod, s); not by_config(s); not by_dns(x.pod, s)]
	severity := deferred_sev(count(now), count(own), sev(count(now), ready, recent_storm(group)))
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
		"details": object.union(deferred_details(count(now), count(own), group), {
			"workload": w, "pods": names, "failing": count(names), "ready": ready, "total": total,
			"containers": [{"name": s.name, "init": s.init, "restarts": object.get(s, "restartCount", 0), "exit_code": object.get(termination(s), "exitCode", null), "reason": object.get(object.get(s.state, "waiting", termination(s)), "reason", "")} | some s in ss],
		}),
	}
}

# Every failing container restarted by its liveness probe: the probe
# finding is the cause (and carries the severity); this one only points at
# it.
deferred_sev(n, own, severity) := "info" if {
	n > 0
	own == 0
} else := severity

deferred_details(n, own, group) := {"reason": "config-missing", "see": "volume-mount"} if {
	n > 0
	own == 0
	some x in group
	some s in x.containers
	by_config(s)
} else := {"reason": "dns-loop", "see": "dns"} if {
	n > 0
	own == 0
	some x in group
	some s in x.containers
	by_dns(x.pod, s)
} else := {"reason": "liveness-kill", "see": "probe"} if {
	n > 0
	own == 0
} else := {}

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
reference_ns := max([t | some e in input.kubernetes.events; t := kube.time_ns(e.lastTimestamp)])

recent_storm(group) := true if {
	some x in group
	some s in x.containers
	started := kube.time_ns(s.state.running.startedAt)
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

container_line(p, s, logs, events) := sprintf("%s %s: %s: see the volume-mount finding (rule volume-mount), which reports the missing object or key.", [
	kind_text(s), s.name, cause(p, s),
]) if {
	by_config(s)
} else := sprintf("%s %s%s: %s%s: see the dns finding (rule dns): CoreDNS halts on a forwarding loop, which is the cause.", [
	kind_text(s), s.name, restarts_text(s), cause(p, s), dns_text(p),
]) if {
	by_dns(p, s)
} else := sprintf("%s %s%s: restarted by its liveness probe (%s), last exit %v: see the probe finding (rule probe), which reports the probe and its failures.", [
	kind_text(s), s.name, restarts_text(s), liveness.kill(p, spec_container(p, s)), object.get(termination(s), "exitCode", "unknown"),
]) if {
	by_probe(p, s)
} else := sprintf("%s %s%s: %s%s%s%s.", [
	kind_text(s), s.name, restarts_text(s), cause(p, s), event_text(s, events), kill_text(p, s), log_text(s, logs),
])

restarts_text(s) := sprintf(" (%d restarts, %s)", [s.restartCount, waiting_text(s)]) if {
	s.restartCount > 0
} else := ""

waiting_text(s) := s.state.waiting.reason if {
	s.state.waiting.reason
} else := "running"

# Killing and Unhealthy events of the container (or of the pod, when the
# event names no container) are quoted as they are.
event_text(s, events) := sprintf(". Events: %s", [concat("; ", msgs)]) if {
	msgs := sort({sprintf("%s: %s", [e.reason, e.message]) |
		some e in events
		e.reason in {"Killing", "Unhealthy"}
	})
	count(msgs) > 0
} else := ""

# kill_text names a liveness kill (data.ktriage.lib.liveness) in a container
# the probe rule does not report (Ready again after a storm of them).
kill_text(p, s) := sprintf(". Its liveness probe restarts it (%s): the probe's check fails, see the container's log at those times", [proof]) if {
	not s.init
	proof := liveness.kill(p, spec_container(p, s))
} else := ""

# by_config: a container the kubelet cannot configure because a ConfigMap,
# Secret or key is missing; the volume-mount rule reports that, with the
# nearest existing name or the keys there are. Each is pointed at only
# when that rule runs (data.ktriage.lib.run): with it disabled, this
# finding judges the container itself.
by_config(s) if {
	run.rule("volume-mount")
	s.state.waiting.reason == "CreateContainerConfigError"
	workload.config_missing(object.get(s, ["state", "waiting", "message"], ""))
}

# by_dns: the dns rule reports CoreDNS's forwarding loop as the cause
# (data.ktriage.lib.dns.loop_lines) and lists what it explains: the
# CoreDNS pods whose own logs hold the loop plugin's fatal line exit on
# it, and an application pod whose log shows its lookups failing
# (dns.failures) is among the finding's consequences. Pointed at only when
# dns runs.
by_dns(p, _) if {
	run.rule("dns")
	dns.explained_by_loop(p)
}

dns_text(p) := sprintf(", its log: %s", [dns.failures[[kube.namespace(p), p.metadata.name]].text]) if {
	dns.failures[[kube.namespace(p), p.metadata.name]]
} else := ""

# by_probe: the probe rule reports this container's restarts as liveness
# kills, with the probe and its failures; one cause is one finding, so here
# it is only pointed at.
by_probe(p, s) if {
	run.rule("probe")
	not s.init
	liveness.reported_by_probe(p, spec_container(p, s))
}

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

# A bundle may hold one container's log twice (a dump's and a pasted
# kubectl logs): the first is taken.
pick_log(s, logs) := l if {
	l := [l | some l in logs; l.container == s.name; l.previous == true][0]
} else := l if {
	l := [l | some l in logs; l.container == s.name][0]
} else := l if {
	# --output-directory dumps write <ns>/<pod>/logs.txt without the
	# container's name: it is this container's only when the pod has one.
	s.single
	l := [l | some l in logs; l.container == ""][0]
}

log_which(l) := "previous run" if {
	l.previous == true
} else := "current run"

# status_path is the field of the container's status that proves the
# cause: the waiting reason, the termination's reason (OOMKilled) or exit
# code; the report quotes its line.
status_path(p, s) := array.concat(["status", field, i], proof_path(x)) if {
	field := status_field(s)
	[i, x] := [[i, x] | some i, x in kube.array(p, ["status", field]); x.name == s.name][0]
}

# (of the status as the pod holds it: a message taken from an event is not
# in the pod)
proof_path(s) := ["state", "waiting", "message"] if {
	s.state.waiting.reason in start_errors
	s.state.waiting.message
} else := ["state", "waiting", "reason"] if {
	s.state.waiting.reason in start_errors
} else := [which, "terminated", "reason"] if {
	which := termination_field(s)
	s[which].terminated.reason == "OOMKilled"
} else := [which, "terminated", "exitCode"] if {
	which := termination_field(s)
} else := []

termination_field(s) := "lastState" if {
	s.lastState.terminated
} else := "state" if {
	s.state.terminated
}

status_field(s) := "initContainerStatuses" if {
	s.init
} else := "containerStatuses"

evidence_note(p, s) := sprintf("%s: %s", [s.name, s.state.waiting.message]) if {
	by_config(s)
} else := sprintf("%s: %s (cluster DNS halts on a forwarding loop)", [s.name, cause(p, s)]) if {
	by_dns(p, s)
} else := sprintf("%s: restarted by its liveness probe", [s.name]) if {
	by_probe(p, s)
} else := sprintf("%s: %s", [s.name, cause(p, s)])

fix(p, s) := sprintf("See the volume-mount finding for container %s: %s.", [s.name, s.state.waiting.message]) if {
	by_config(s)
} else := sprintf("See the dns finding: container %s fails because cluster DNS halts on a forwarding loop; fix the loop and it starts.", [s.name]) if {
	by_dns(p, s)
} else := sprintf("See the probe finding for container %s: its restarts are liveness kills.", [s.name]) if {
	by_probe(p, s)
} else := sprintf("Fix the missing object or key the message names (%s).", [s.state.waiting.message]) if {
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

workload_object(w) := workload.objects[workload.key(w)]

stalled(o) := [c |
	some c in kube.array(o, ["status", "conditions"])
	c.type == "Progressing"
	c.status == "False"
	c.reason == "ProgressDeadlineExceeded"
][0]

job_failed(o) := c if {
	c := [c | some c in kube.array(o, ["status", "conditions"]); c.type == "Failed"; c.status == "True"][0]
} else := c if {
	# kubectl describe prints no Job conditions; the job controller's event
	# (pkg/controller/job: reason BackoffLimitExceeded "Job has reached the
	# specified backoff limit", DeadlineExceeded "Job was active longer
	# than specified deadline") in the same text says it failed.
	"status.conditions" in kube.not_shown(o)
	es := [e | some e in workload.events_of(kube.namespace(o), "Job", o.metadata.name); e.reason in {"BackoffLimitExceeded", "DeadlineExceeded"}]
	e := es[0]
	c := {"reason": e.reason, "message": sprintf("%s; from the job controller's event: kubectl describe prints no Job conditions", [e.message]), "event": e}
}

condition_message(o, c) := c.message if {
	c.message
} else := "its message is not shown in kubectl describe text" if {
	"status.conditions[].message" in kube.not_shown(o)
} else := ""

workload_lines(w) := [sprintf("%s %s: %s (%s).", [w.kind, w.name, c.reason, condition_message(o, c)]) |
	o := workload_object(w)
	some c in array.concat([stalled(o) | true], [job_failed(o) | true])
]

workload_evidence(w) := [condition_cite(o, c) |
	o := workload_object(w)
	some c in array.concat([stalled(o) | true], [job_failed(o) | true])
]

condition_cite(o, c) := kube.at(c.event, ["message"], sprintf("%s event", [c.reason])) if {
	c.event
} else := kube.at(o, ["status", "conditions", i, "reason"], c.reason) if {
	i := [i | some i, x in kube.array(o, ["status", "conditions"]); x == c][0]
} else := kube.at(o, ["status", "conditions"], c.reason)

# A failed Job whose pods are gone (ttl, or only the Job was collected):
# its condition alone is reported.
findings contains f if {
	some j in object.get(input.kubernetes, "jobs", [])
	c := job_failed(j)
	w := workload.of(j)
	not workload.key(w) in workload_keys
	not workload.key({"kind": "Job", "namespace": kube.namespace(j), "name": j.metadata.name}) in workload_keys
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
