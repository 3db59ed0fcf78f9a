# METADATA
# title: Probes fail or kill containers
# description: >-
#   Finds containers whose liveness, readiness or startup probes fail, one
#   finding per workload, and says why from the objects, which outlive the
#   events: a probe port (number or name) that the container does not
#   declare, or that differs from the port it declares; a liveness probe
#   that kills a slow starter (the last termination is exit 137 without
#   OOMKilled, there is no startupProbe, and initialDelaySeconds +
#   periodSeconds × failureThreshold leaves it little time; the run's
#   length is compared with that budget); restarts that are liveness
#   kills whatever the exit code (Killing events, liveness failures at
#   failureThreshold per restart, a run as long as the probe's budget: an
#   application that handles SIGTERM exits with its own code), which the
#   crashloop rule then leaves to this one. The kubelet's Unhealthy events
#   are counted per container and probe, and its Killing events ("Container
#   X failed liveness probe, will be restarted") prove a liveness kill, when
#   the bundle still holds them. A readiness failure that leaves a Service
#   without ready endpoints is named with the Service (the selector-mismatch
#   finding covers the Service itself). Critical when the workload has no
#   Ready pod, high when some are Ready. For pods read from the describe
#   text of kubectl before 1.30, which prints no port names, a probe on a
#   named port is not judged: it is said beside other proof, never a
#   finding alone.
# custom:
#   id: probe
#   category: probe
#   severity: critical
#   needs: [kubernetes.pods]
#   remediation: >-
#     Point each probe at the port the application listens on (by the name
#     the container declares), and give slow starters a startupProbe (or a
#     longer initialDelaySeconds / failureThreshold) so the liveness probe
#     only judges a started application.
#   references:
#     - https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
#     - https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes
package ktriage.rules.workloads["probe"]

import data.ktriage.lib.kube
import data.ktriage.lib.liveness
import data.ktriage.lib.run
import data.ktriage.lib.sh
import data.ktriage.lib.workload

kinds := {"livenessProbe": "liveness", "readinessProbe": "readiness", "startupProbe": "startup"}

# ------------------------------------------------------------ containers

# failing: the container has probes and is not Ready now (running and
# failing its readiness probe, or waiting to restart after a kill). A
# container that is Ready again is not reported for probe failures in
# its past (a slow first start leaves Unhealthy events behind).
failing(p, c) if {
	s := liveness.status_of(p, c.name)
	s.ready == false
	not s.state.terminated
	some k, _ in kinds
	c[k]
}

liveness_kill(p, c) if {
	c.livenessProbe
	s := liveness.status_of(p, c.name)
	s.lastState.terminated.exitCode == 137
	liveness.signal_exit(s)
}

# --------------------------------------------------------------- events

probe_counts(p, name) := [sprintf("%s %s", [t, times]) |
	some t in ["Liveness", "Readiness", "Startup"]
	n := liveness.failures(p, name, t)
	n > 0
	times := text_times(n)
]

text_times(1) := "failed once"

text_times(n) := sprintf("failed %d times", [n]) if n > 1

# ------------------------------------------------------------ probe ports

handler_port(probe) := ["httpGet", probe.httpGet.port] if probe.httpGet

else := ["tcpSocket", probe.tcpSocket.port] if probe.tcpSocket

else := ["grpc", probe.grpc.port] if probe.grpc

declared(c) := kube.array(c, ["ports"])

declared_text(c) := concat(", ", [port_text(x) | some x in declared(c)])

port_text(x) := sprintf("%v (%s)", [x.containerPort, x.name]) if x.name

else := sprintf("%v", [x.containerPort])

# port_problem of one probe of a container, or nothing.
port_problem(p, c, k) := {
	"text": sprintf("its %s probe uses port %v, but the container declares %s", [kinds[k], hp[1], declared_text(c)]),
	"path": [k, hp[0], "port"], "port": hp[1], "judged": true,
} if {
	hp := handler_port(c[k])
	is_number(hp[1])
	count(declared(c)) > 0
	not hp[1] in {x.containerPort | some x in declared(c)}
}

port_problem(p, c, k) := {
	"text": sprintf("its %s probe uses port name %s, which the container does not declare (it declares %s)", [kinds[k], hp[1], declared_text(c)]),
	"path": [k, hp[0], "port"], "port": hp[1], "judged": true,
} if {
	hp := handler_port(c[k])
	is_string(hp[1])
	not regex.match(`^[0-9]+$`, hp[1])
	not "spec.containers[].ports[].name" in kube.not_shown(p)
	not hp[1] in {x.name | some x in declared(c); x.name}
}

port_problem(p, c, k) := {
	"text": sprintf("its %s probe uses port name %s, which the describe text cannot confirm (this kubectl describe prints no port names)", [kinds[k], hp[1]]),
	"path": [k, hp[0], "port"], "port": hp[1], "judged": false,
} if {
	hp := handler_port(c[k])
	is_string(hp[1])
	not regex.match(`^[0-9]+$`, hp[1])
	"spec.containers[].ports[].name" in kube.not_shown(p)
}

# ---------------------------------------------------------- slow starters

run_text(s) := sprintf(" after running %ds", [round(liveness.run_seconds(s))]) if liveness.run_seconds(s) >= 0

else := ""

kill_text(p, c) := sprintf("the liveness probe killed it (%s; last exit 137%s, %d restarts%s); it has no startupProbe and the liveness probe gives it %s to start", [
	proof, run_text(s), object.get(s, "restartCount", 0), killing_count(p, c), liveness.budget_text(c.livenessProbe),
]) if {
	liveness_kill(p, c)
	not c.startupProbe
	s := liveness.status_of(p, c.name)
	proof := kill_proof(p, c)
}

kill_proof(p, c) := "Killing events say so" if count(liveness.killings(p, c.name)) > 0

else := "no Killing event is left; exit 137 without OOMKilled, with a liveness probe and no startupProbe, is how a liveness kill looks"

# restart_text: the liveness probe restarts the container, and it is not the
# slow start above (it has a startupProbe, or it does not end by SIGKILL):
# the check itself fails on a started application.
restart_text(p, c) := sprintf("its liveness probe restarts it (%s; last exit %v%s)", [
	proof_restarts(proof, s), code, own_exit_text(code),
]) if {
	not kill_text(p, c)
	proof := liveness.kill(p, c)
	s := liveness.status_of(p, c.name)
	code := object.get(s, ["lastState", "terminated", "exitCode"], "unknown")
}

proof_restarts(proof, s) := proof if {
	contains(proof, " restarts")
} else := sprintf("%s, %d restarts", [proof, object.get(s, "restartCount", 0)])

own_exit_text(code) := "" if {
	code in {137, 143, "unknown"}
} else := ": the application's own exit code when the kubelet stops it"

killing_count(p, c) := sprintf("; killed %s", [trim_prefix(text_times(sum([object.get(e, "count", 1) | some e in liveness.killings(p, c.name)])), "failed ")]) if count(liveness.killings(p, c.name)) > 0

else := ""

# --------------------------------------------------------------- services

services_without_ready(p) := [svc.metadata.name |
	some svc in object.get(services_in, kube.namespace(p), [])
	kube.selects(kube.map(svc, ["spec", "selector"]), kube.labels(p))
]

# services_in groups Services by namespace once per query, so a finding
# looks at its namespace's Services instead of every Service in the bundle.
services_in := {ns: svcs |
	some ns in {kube.namespace(svc) | some svc in kube.array(input.kubernetes, ["services"])}
	svcs := [svc | some svc in input.kubernetes.services; kube.namespace(svc) == ns]
}

# ------------------------------------------------------------- per pod

problems(p) := [x |
	some c in kube.array(p, ["spec", "containers"])
	failing(p, c)
	x := container_problem(p, c)
]

container_problem(p, c) := x if {
	x := container_facts(p, c)
	count(parts(x)) > 0
}

container_facts(p, c) := {
	"container": c.name,
	"ports": [port_problem(p, c, k) | some k, _ in kinds; c[k]; port_problem(p, c, k)],
	"kill": [kill_text(p, c) | kill_text(p, c)],
	"restarts": [restart_text(p, c) | restart_text(p, c)],
	"counts": probe_counts(p, c.name),
	"index": [i | some i, x in p.spec.containers; x.name == c.name][0],
	"c": c,
}

failing_pods := [{"pod": p, "key": workload.key(w), "w": w, "problems": ps} |
	some p in input.kubernetes.pods
	object.get(p, ["status", "phase"], "") == "Running"
	unready(p)
	ps := problems(p)
	count(ps) > 0
	w := workload.of(p)
]

# unready: some container of the pod is not Ready, which failing needs;
# one test per status dismisses the Ready pods, most of a large bundle,
# before their containers are resolved one by one.
unready(p) if {
	some s in p.status.containerStatuses
	s.ready == false
}

# parts of what the bundle proves about one container; a container whose
# only sign is Ready=False is left out (nothing here says it is the probe),
# and so is one whose only sign is a probe port the text cannot show (a
# named port of a described pod): that is not judged, not a failure.
parts(x) := array.concat(
	array.concat([pp.text | some pp in x.ports; pp.judged], array.concat(x.kill, x.restarts)),
	[concat(", ", x.counts) | count(x.counts) > 0],
)

# what a finding says of a container: what is proven, then what is not
# judged beside it
describe(x) := sprintf("container %s: %s", [x.container, concat("; ", array.concat(parts(x), [pp.text | some pp in x.ports; not pp.judged]))])

reason(xs) := "probe-port" if {
	some x in xs
	some pp in x.ports
	pp.judged
} else := "liveness-kills-slow-start" if {
	some x in xs
	count(x.kill) > 0
} else := "liveness-kill" if {
	some x in xs
	count(x.restarts) > 0
} else := "probe-failing"

# ---------------------------------------------------------------- findings

keys := {e.key | some e in failing_pods}

findings contains f if {
	some k in keys
	entries := [e | some e in failing_pods; e.key == k]
	sorted := sort([e.pod.metadata.name | some e in entries])
	first := [e | some e in entries; e.pod.metadata.name == sorted[0]][0]
	p := first.pod
	w := first.w
	ns := kube.namespace(p)
	svcs := services_without_ready(p)
	f := {
		"message": sprintf("%s %s (%s): %s.%s", [
			workload.summary(w, count(entries)), verb(w), workload.named(sorted),
			concat(" ", [describe(x) | some x in first.problems]), service_text(w, svcs),
		]),
		"severity": workload.severity(w),
		"subjects": array.concat([workload.subject(w)], [{"kind": "Pod", "namespace": ns, "name": n} | some n in array.slice(sorted, 0, 2)]),
		"evidence": evidence(p, first.problems),
		"confirm": array.concat([
			sh.format("kubectl -n %s describe pod %s", [ns, p.metadata.name]),
			sh.format("kubectl -n %s get events --field-selector %s", [ns, concat("", ["involvedObject.name=", p.metadata.name])]),
		], [sh.format("kubectl -n %s logs %s -c %s --previous", [ns, p.metadata.name, x.container]) | some x in first.problems; count(x.kill) + count(x.restarts) > 0]),
		"fix": concat(" ", [fix(x) | some x in first.problems]),
		"details": {"reason": reason(first.problems), "pods": count(entries), "services": svcs},
	}
}

verb(w) := "fails its probes" if w.kind == "Pod"

else := "fail their probes"

service_text(w, svcs) := sprintf(" With no Ready pod, Service %s has no ready endpoint%s.", [concat(", ", svcs), see_selector_mismatch]) if {
	count(svcs) > 0
	workload.ready_count(w) == 0
} else := ""

see_selector_mismatch := " (see selector-mismatch)" if run.rule("selector-mismatch") else := ""

evidence(p, xs) := [ev |
	some x in xs
	some ev in array.concat(array.concat(
		[kube.at(p, array.concat(["spec", "containers", x.index], pp.path), sprintf("probe port %v", [pp.port])) | some pp in x.ports],
		[kube.at(p, ["spec", "containers", x.index, "ports", 0, "containerPort"], sprintf("containerPort %v", [x.c.ports[0].containerPort])) | count(x.ports) > 0; x.c.ports[0].containerPort],
	), array.concat(
		kill_evidence(p, x),
		[kube.at(e, ["message"], sprintf("Unhealthy event (x%v)", [object.get(e, "count", 1)])) | some e in array.slice(liveness.unhealthy(p, x.container), 0, 2)],
	))
]

kill_evidence(p, x) := array.concat(
	[kube.at(p, ["status", "containerStatuses", i, "lastState", "terminated", "exitCode"], sprintf("exit code %v", [s.lastState.terminated.exitCode])) |
		some i, s in kube.array(p, ["status", "containerStatuses"])
		s.name == x.container
		s.lastState.terminated.exitCode
	],
	[kube.at(e, ["message"], sprintf("Killing event (x%v)", [object.get(e, "count", 1)])) | some e in array.slice(liveness.killings(p, x.container), 0, 1)],
) if count(x.kill) + count(x.restarts) > 0

else := []

fix(x) := sprintf("Point the probes of container %s at the port it serves on: %s (use the port's name, e.g. port: %s, so the probe follows the container).", [x.container, declared_text(x.c), first_name(x.c)]) if {
	some pp in x.ports
	pp.judged
} else := sprintf("Give container %s a startupProbe (same check, failureThreshold × periodSeconds longer than its slowest start) so the liveness probe only runs once it has started, or raise the liveness probe's initialDelaySeconds/failureThreshold.", [x.container]) if {
	count(x.kill) > 0
} else := sprintf("Find why container %s fails its liveness check once started (its log, the endpoint or command the probe runs) and fix that, or make the probe check what the application serves; the restarts stop when it passes.", [x.container]) if {
	count(x.restarts) > 0
} else := sprintf("Read the probe failures of container %s (describe pod / events) and fix what the probe checks, or the probe.", [x.container])

first_name(c) := x.name if {
	x := declared(c)[0]
	x.name
} else := sprintf("%v", [declared(c)[0].containerPort])
