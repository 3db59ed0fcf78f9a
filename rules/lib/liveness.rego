# Whether a container's restarts are its liveness probe's kills. Two rules
# see the same restarts: probe (the cause: the check fails) and crashloop
# (the symptom: the container restarts). Both ask this one predicate, so a
# liveness kill is reported once, by probe, and crashloop points at it.
package ktriage.lib.liveness

import data.ktriage.lib.kube
import data.ktriage.lib.workload

# kubelet events (pkg/kubelet/prober/prober.go): reason Unhealthy,
# "%s probe failed: %s" with the probe type capitalised ("Liveness probe
# failed: Get \"http://10.244.1.52:8081/healthz\": dial tcp ...: connect:
# connection refused"); reason Killing (kuberuntime_manager.go),
# "Container %s failed %s probe, will be restarted".
pod_events(p) := workload.events_of(kube.namespace(p), "Pod", p.metadata.name)

for_container(e, name) if not e.involvedObject.fieldPath

for_container(e, name) if endswith(e.involvedObject.fieldPath, concat("", ["{", name, "}"]))

unhealthy(p, name) := [e |
	some e in pod_events(p)
	e.reason == "Unhealthy"
	for_container(e, name)
]

killings(p, name) := [e |
	some e in pod_events(p)
	e.reason == "Killing"
	contains(e.message, sprintf("Container %s failed liveness probe", [name]))
]

# failures counts one probe type's failures ("Liveness", "Readiness",
# "Startup") of a container over its Unhealthy events.
failures(p, name, t) := sum([object.get(e, "count", 1) |
	some e in unhealthy(p, name)
	startswith(e.message, concat(" ", [t, "probe failed"]))
])

status_of(p, name) := s if {
	s := [s | some s in kube.array(p, ["status", "containerStatuses"]); s.name == name][0]
} else := {}

# budget is how long a container may fail its liveness probe from its start
# before the kubelet kills it.
budget(probe) := object.get(probe, "initialDelaySeconds", 0) + period(probe) * threshold(probe)

period(probe) := object.get(probe, "periodSeconds", 10)

threshold(probe) := object.get(probe, "failureThreshold", 3)

budget_text(probe) := sprintf("initialDelaySeconds %d + periodSeconds %d × failureThreshold %d = %ds", [
	object.get(probe, "initialDelaySeconds", 0), period(probe), threshold(probe), budget(probe),
])

run_seconds(s) := (kube.time_ns(t.finishedAt) - kube.time_ns(t.startedAt)) / 1000000000 if {
	t := s.lastState.terminated
}

# signal_exit: ended by the kubelet's SIGTERM (143) or SIGKILL after the
# grace period (137), not by the kernel's OOM killer.
signal_exit(s) if {
	s.lastState.terminated.exitCode in {137, 143}
	object.get(s, ["lastState", "terminated", "reason"], "") != "OOMKilled"
}

# kill is the proof, as a phrase, that the kubelet restarts container c of
# pod p because its liveness probe fails; undefined when nothing shows it.
# An application that handles SIGTERM may end with its own exit code (the
# cluster-proportional-autoscaler exits 2), so the exit code alone does not
# decide: the failures counted against the restarts, or a run that lasted
# the probe's budget, do.
kill(p, c) := sprintf("Killing events say so (%d)", [n]) if {
	c.livenessProbe
	ks := killings(p, c.name)
	count(ks) > 0
	n := sum([object.get(e, "count", 1) | some e in ks])
} else := sprintf("exit %d after %d liveness failures", [s.lastState.terminated.exitCode, n]) if {
	c.livenessProbe
	s := status_of(p, c.name)
	signal_exit(s)
	n := failures(p, c.name, "Liveness")
	n > 0
} else := sprintf("%d liveness failures over %d restarts, failureThreshold %d: one kill every %d failures", [n, r, threshold(c.livenessProbe), threshold(c.livenessProbe)]) if {
	c.livenessProbe
	r := object.get(status_of(p, c.name), "restartCount", 0)
	r > 0
	n := failures(p, c.name, "Liveness")

	# events are aggregated and rate limited, so a few may be missing
	n * 10 >= (r * threshold(c.livenessProbe)) * 9
} else := sprintf("%d liveness failures, and its last run lasted %ds, the liveness probe's budget (%s)", [n, round(secs), budget_text(c.livenessProbe)]) if {
	c.livenessProbe
	s := status_of(p, c.name)
	n := failures(p, c.name, "Liveness")
	n > 0
	secs := run_seconds(s)
	abs(secs - budget(c.livenessProbe)) <= period(c.livenessProbe)
} else := "no Killing event is left; exit 137 without OOMKilled, with a liveness probe and no startupProbe, is how a liveness kill looks" if {
	c.livenessProbe
	not c.startupProbe
	s := status_of(p, c.name)
	s.lastState.terminated.exitCode == 137
	signal_exit(s)
}

# reported_by_probe: the probe rule reports this container's restarts as
# its liveness probe's (a running pod whose container is not Ready now);
# crashloop then points at that finding instead of judging the exit code.
reported_by_probe(p, c) if {
	object.get(p, ["status", "phase"], "") == "Running"
	s := status_of(p, c.name)
	s.ready == false
	not s.state.terminated
	kill(p, c)
}
