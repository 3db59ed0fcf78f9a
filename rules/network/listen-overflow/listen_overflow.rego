# METADATA
# title: Listen queue overflows
# description: >-
#   A listening socket holds at most its backlog of connections that
#   finished the handshake but were not yet accept()ed; the backlog is the
#   application's listen() argument capped by net.core.somaxconn (128 by
#   default before Linux 5.4, 4096 since). When the application accepts too
#   slowly, the kernel drops the final ACK or the SYN itself: netstat -s
#   counts "times the listen queue of a socket overflowed"
#   (TcpExtListenOverflows) and "SYNs to LISTEN sockets dropped"
#   (TcpExtListenDrops), and clients see their SYNs retransmitted after 1 s,
#   2 s, 4 s with no SYN-ACK. The rule reads those counters (as a rate when
#   a file holds two timed snapshots; one snapshot is a total since boot,
#   which says nothing of when), listeners whose Recv-Q has reached their
#   backlog in ss -lnt, net.core.somaxconn, and pods that set it, for each
#   node and each pod network namespace the bundle separates. With only
#   captures and pods, SYNs to a pod's port retransmitted with no answer
#   still give a finding that names both possible causes.
# custom:
#   id: listen-overflow
#   category: listen-overflow
#   severity: high
#   needs: ["node.netstat|node.listeners|node.captures"]
#   remediation: >-
#     Make the application accept faster (more workers or replicas) and give
#     it a deeper queue: raise its listen backlog (nginx `listen … backlog=`,
#     Go and Java servers' backlog settings) together with net.core.somaxconn,
#     on the node or per pod with securityContext.sysctls (net.core.somaxconn
#     is namespaced and in Kubernetes' safe set since 1.24).
#   references:
#     - https://man7.org/linux/man-pages/man2/listen.2.html
#     - https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/
#     - https://blog.cloudflare.com/syn-packet-handling-in-the-wild/
package ktriage.rules.network["listen-overflow"]

import data.ktriage.lib.kube
import data.ktriage.lib.node
import data.ktriage.lib.text
import data.ktriage.lib.sh

# ----------------------------------------------------------------- scopes

# A scope is a node's own network namespace or one the bundle separates
# (nodes/<node>/pods/<pod>/…).
scopes contains {"node": name, "netns": "", "facts": n} if some name, n in input.nodes

scopes contains {"node": name, "netns": ns, "facts": x} if {
	some name, n in input.nodes
	some ns, x in kube.map(n, "netns")
}

where(s) := node.display(s.node) if s.netns == ""

where(s) := sprintf("%s (pod network namespace %s)", [node.display(s.node), s.netns]) if s.netns != ""

# ---------------------------------------------------------------- counters

snapshots(s) := kube.array(s.facts, "netstat")

counter(snap, name) := to_number(snap.counters[name].value)

# The latest snapshot that holds the overflow counters.
latest(s) := snap if {
	with_counters := [x | some x in snapshots(s); x.counters.TcpExtListenOverflows]
	count(with_counters) > 0
	snap := with_counters[count(with_counters) - 1]
}

# A rate between two snapshots of the same file that both carry a time.
rate(s) := r if {
	xs := [x | some x in snapshots(s); x.counters.TcpExtListenOverflows; is_number(x.elapsed)]
	count(xs) >= 2
	a := xs[0]
	b := xs[count(xs) - 1]
	a.file == b.file
	dt := b.elapsed - a.elapsed
	dt > 0
	r := {
		"per_second": (counter(b, "TcpExtListenOverflows") - counter(a, "TcpExtListenOverflows")) / dt,
		"delta": counter(b, "TcpExtListenOverflows") - counter(a, "TcpExtListenOverflows"),
		"seconds": dt,
	}
}

overflows(s) := counter(latest(s), "TcpExtListenOverflows")

drops(s) := counter(latest(s), "TcpExtListenDrops") if {
	latest(s).counters.TcpExtListenDrops
} else := 0

# ---------------------------------------------------------------- listeners

# Recv-Q of a LISTEN socket is its accept queue, Send-Q its backlog; the
# kernel lets the queue reach backlog + 1 before it drops.
saturated(s) := [l |
	some l in kube.array(s.facts, "listeners")
	upper(object.get(l, "state", "LISTEN")) in {"LISTEN", "UNCONN"}
	l.send_q > 0
	l.recv_q >= l.send_q
]

# ---------------------------------------------------------------- somaxconn

# A value that is no number (a damaged line) is not read.
somaxconn(s) := {"value": kube.int(x.value), "cite": {"file": x.file, "line": x.line}} if {
	x := s.facts.sysctl["net.core.somaxconn"]
	kube.int(x.value)
} else := {"value": kube.int(x.value), "cite": {"file": x.file, "line": x.line}} if {
	x := input.nodes[s.node].sysctl["net.core.somaxconn"]
	kube.int(x.value)
}

kernel_default(name) := 128 if node.kernel_below(name, "5.4")

kernel_default(name) := 4096 if {
	node.kernel(name)
	not node.kernel_below(name, "5.4")
}

somaxconn_text(s) := sprintf(" net.core.somaxconn = %d caps every listen() backlog at %d (the kernel default before Linux 5.4; 4096 since).", [v, v]) if {
	v := somaxconn(s).value
	v <= 128
} else := sprintf(" net.core.somaxconn = %d.", [somaxconn(s).value]) if {
	somaxconn(s)
} else := ""

# Pods on the node that set somaxconn themselves.
pod_settings(name) := [{"pod": p, "how": how, "path": path} |
	some p in input.kubernetes.pods
	p.spec.nodeName == name
	some how, path in pod_sysctl_paths(p)
]

# What a pod does to set somaxconn, and where its spec says so: the first
# place, when a damaged or hand-edited pod says the same thing twice.
pod_sysctl_paths(p) := object.union(
	{how: ["spec", "securityContext", "sysctls", first(how, s)] |
		s := {[sprintf("securityContext.sysctls %s=%s", [sc.name, sc.value]), i] |
			some i, sc in kube.array(p, ["spec", "securityContext", "sysctls"])
			sc.name == "net.core.somaxconn"
		}
		some [how, _] in s
	},
	{how: ["spec", "initContainers", first(how, s)] |
		s := {[sprintf("init container %s runs %s", [c.name, cmdline(c)]), i] |
			some i, c in kube.array(p, ["spec", "initContainers"])
			contains(cmdline(c), "somaxconn")
		}
		some [how, _] in s
	},
)

# first is the first index at which a list says how.
first(how, places) := min({i | some [h, i] in places; h == how})

cmdline(c) := concat(" ", [a | some a in array.concat(kube.array(c, "command"), kube.array(c, "args")); is_string(a)])

# ------------------------------------------------------------ captures

# The addresses a scope's listeners answer on: a pod namespace's pod IP, a
# node's InternalIP.
scope_ips(s) := {ip |
	s.netns != ""
	some p in input.kubernetes.pods
	p.metadata.name == s.netns
	some ip in array.concat([object.get(p, ["status", "podIP"], "")], [x.ip | some x in kube.array(p, ["status", "podIPs"])])
	ip != ""
} if s.netns != ""

scope_ips(s) := node.internal_ips(s.node) if s.netns == ""

# SYNs to those addresses retransmitted without an answer, in any capture.
unanswered(s, ports) := [{"file": c.file, "node": name, "iface": node.capture_iface(name, c), "t": t} |
	ips := scope_ips(s)
	some [name, c] in node.captures
	some t in kube.array(c, "syn_unanswered")
	t.server in ips
] if count(ports) == 0

unanswered(s, ports) := [{"file": c.file, "node": name, "iface": node.capture_iface(name, c), "t": t} |
	ips := scope_ips(s)
	some [name, c] in node.captures
	some t in kube.array(c, "syn_unanswered")
	t.server in ips
	t.port in ports
] if count(ports) > 0

listener_ports(s) := {l.port | some l in kube.array(s.facts, "listeners")}

syn_text(us) := "" if count(us) == 0

syn_text(us) := sprintf(" A capture on %s (%s) shows %d SYN(s) from %s to %s:%v retransmitted %s with no SYN-ACK.", [
	node.display(u.node), iface_or(u), u.t.syns, u.t.client, u.t.server, u.t.port, backoff(u.t),
]) if {
	count(us) > 0
	u := us[0]
}

iface_or(u) := u.iface if u.iface != ""

iface_or(u) := u.file if u.iface == ""

backoff(t) := sprintf("after %s s", [concat(", ", [sprintf("%v", [round(x * 10) / 10]) | some x in t.intervals_s])]) if {
	count(kube.array(t, "intervals_s")) > 0
} else := text.times(t.syn_retransmissions)

syn_evidence(us) := [{"file": u.file, "frame": f, "note": sprintf("SYN %s → %s:%v, no SYN-ACK", [u.t.client, u.t.server, u.t.port])} |
	some u in array.slice(us, 0, 2)
	some f in array.slice(kube.array(u.t, "syn_frames"), 0, 4)
]

# ------------------------------------------------------------- findings

findings contains f if {
	some s in scopes
	ov := overflows_or_zero(s)
	sat := saturated(s)
	ov + count(sat) > 0
	not history_only(s, sat)
	f := {
		"message": sprintf("On %s%s%s%s%s", [
			where(s), counters_text(s), listeners_text(sat), somaxconn_text(s), client_text(syn_text(unanswered(s, listener_ports(s)))),
		]),
		"severity": severity(s, ov, sat),
		"subjects": array.concat([node.subject(s.node)], pod_subjects(s)),
		"evidence": array.concat(
			array.concat(array.concat(counter_evidence(s), listener_evidence(sat)), array.concat(somaxconn_evidence(s), setting_evidence(s))),
			syn_evidence(unanswered(s, listener_ports(s))),
		),
		"confirm": confirm(s),
		"fix": fix(s, sat),
		"details": {
			"node": s.node, "netns": s.netns,
			"listen_overflows": ov, "listen_drops": drops_or_zero(s),
			"rate_per_second": rate_or_null(s),
			"somaxconn": somaxconn_or_null(s),
			"saturated_listeners": [{"local": l["local"], "recv_q": l.recv_q, "backlog": l.send_q} | some l in sat],
		},
	}
}

# Counters count since boot. Two timed snapshots in which they did not
# move, with no listener full and no unanswered SYN captured, show an
# overflow that is over: a burst weeks ago is no incident of today.
history_only(s, sat) if {
	rate(s).delta == 0
	count(sat) == 0
	count(unanswered(s, listener_ports(s))) == 0
}

client_text(t) := " A client whose SYN is dropped gets no SYN-ACK and sends it again after 1 s, 2 s, 4 s." if t == ""

client_text(t) := t if t != ""

overflows_or_zero(s) := overflows(s) if {
	overflows(s)
} else := 0

drops_or_zero(s) := drops(s) if {
	latest(s)
} else := 0

rate_or_null(s) := rate(s).per_second if {
	rate(s)
} else := null

somaxconn_or_null(s) := somaxconn(s).value if {
	somaxconn(s)
} else := null

counters_text(s) := sprintf(", the listen queue of a socket overflowed %d times and %d SYNs to LISTEN sockets were dropped %s (%s)%s.", [
	overflows(s), drops(s), counted_since(s), latest(s).source, rate_text(s),
]) if {
	overflows(s) > 0
} else := ","

rate_text(s) := sprintf("; %v more in %v s between the two snapshots, %v per second", [rate(s).delta, rate(s).seconds, round(rate(s).per_second * 10) / 10]) if {
	rate(s)
} else := sprintf(": one snapshot, so no rate (%s)", [uptime_text(s)])

# The kernel counts per network namespace: a node's own since boot, a
# pod's since its namespace was created.
counted_since(s) := "since boot" if s.netns == ""

counted_since(s) := "since the pod's network namespace was created" if s.netns != ""

# A total means little without the time it took to build up.
uptime_text(s) := sprintf("up %s", [latest(s).uptime.text]) if {
	s.netns == ""
	latest(s).uptime.text != ""
} else := "uptime unknown" if {
	s.netns == ""
} else := sprintf("pod started %s", [p.status.startTime]) if {
	some p in input.kubernetes.pods
	p.metadata.name == s.netns
	p.status.startTime
} else := "pod start time unknown"

listeners_text(sat) := "" if count(sat) == 0

listeners_text(sat) := sprintf(" %s has Recv-Q %d at its backlog of %d: the application is not accepting fast enough.", [
	sat[0]["local"], sat[0].recv_q, sat[0].send_q,
]) if count(sat) == 1

listeners_text(sat) := sprintf(" %d listeners have their Recv-Q at their backlog (%s): the applications are not accepting fast enough.", [
	count(sat), concat(", ", [sprintf("%s %d/%d", [l["local"], l.recv_q, l.send_q]) | some l in array.slice(sat, 0, 4)]),
]) if count(sat) > 1

# A full listener or a rate shows the overflow now; a since-boot total in
# one snapshot shows only that it happened at some time since boot.
severity(s, ov, sat) := "high" if {
	count(sat) > 0
} else := "high" if {
	rate(s).per_second >= 1
} else := "medium" if {
	rate(s)
} else := "medium" if {
	count(unanswered(s, listener_ports(s))) > 0
} else := "medium" if {
	ov >= 1000
} else := "low"

counter_evidence(s) := [{"file": snap.file, "line": c.line, "text": c.text, "note": sprintf("%s %v", [k, c.value])} |
	snap := latest(s)
	some k in ["TcpExtListenOverflows", "TcpExtListenDrops"]
	c := snap.counters[k]
]

listener_evidence(sat) := [{"file": l.file, "line": l.line, "text": l.text, "note": sprintf("Recv-Q %d, backlog %d", [l.recv_q, l.send_q])} | some l in array.slice(sat, 0, 4)]

somaxconn_evidence(s) := [object.union(somaxconn(s).cite, {"note": sprintf("net.core.somaxconn = %d", [somaxconn(s).value])}) | somaxconn(s)]

setting_evidence(s) := [kube.at(x.pod, x.path, x.how) | some x in pod_settings(s.node)]

pod_subjects(s) := [kube.ref(p) |
	s.netns != ""
	some p in input.kubernetes.pods
	p.metadata.name == s.netns
]

# confirm reads the counters where the bundle's came from: the node's host,
# a pod's network namespace (through the pod: the host's view is another
# namespace), or a named network namespace on the node.
confirm(s) := [
	sh.on_node(s.node, sh.words(["sh", "-c", twice]), ""),
	sh.on_node(s.node, "ss -lnt", sh.comment(full)),
	sh.on_node(s.node, "sysctl net.core.somaxconn", ""),
] if {
	s.netns == ""
} else := [
	concat("", [sh.format("kubectl -n %s exec %s -- cat /proc/net/netstat", [kube.namespace(p), p.metadata.name]), " | grep TcpExt:", sh.comment("ListenOverflows, ListenDrops")]),
	sh.format("kubectl -n %s exec %s -- cat /proc/sys/net/core/somaxconn", [kube.namespace(p), p.metadata.name]),
] if {
	p := netns_pod(s)
} else := [
	sh.on_node(s.node, sh.words(["ip", "netns", "exec", s.netns, "sh", "-c", twice]), ""),
	sh.on_node(s.node, sh.words(["ip", "netns", "exec", s.netns, "ss", "-lnt"]), sh.comment(full)),
]

twice := "nstat -az TcpExtListenOverflows TcpExtListenDrops; sleep 10; nstat -az TcpExtListenOverflows TcpExtListenDrops"

full := "a LISTEN socket whose Recv-Q reaches its Send-Q (the backlog) is full"

netns_pod(s) := [p |
	some p in input.kubernetes.pods
	p.metadata.name == s.netns
	object.get(p, ["spec", "nodeName"], s.node) == s.node
][0]

# A since-boot total alone does not show the overflow is still happening:
# measure before changing anything.
fix(s, sat) := sprintf("The count is a total %s: read it twice a few seconds apart (nstat -az TcpExtListenOverflows) and act only if it grows; then raise the listening application's backlog with net.core.somaxconn and make it accept faster.", [counted_since(s)]) if {
	since_boot_only(s, sat)
} else := sprintf("Raise %s's listen backlog together with net.core.somaxconn (now %d), and make it accept faster (more workers or replicas).", [
	listener_name(sat), somaxconn(s).value,
]) if {
	somaxconn(s)
} else := sprintf("Raise %s's listen backlog and net.core.somaxconn, and make it accept faster (more workers or replicas).", [listener_name(sat)])

since_boot_only(s, sat) if {
	count(sat) == 0
	not rate(s)
	count(unanswered(s, listener_ports(s))) == 0
}

listener_name(sat) := sprintf("the application on %s", [sat[0]["local"]]) if count(sat) > 0

listener_name(sat) := "the application" if count(sat) == 0

# Only a capture: SYNs to a pod's declared port keep being retransmitted
# with no answer. A full accept queue is one cause; a NetworkPolicy or
# firewall dropping SYNs is another, which the counters would tell apart.
# An overflowing queue answers some attempts and drops others, so other
# attempts' SYN-ACKs do not clear the target; RSTs (a closed port) do.
findings contains f if {
	some [name, c] in node.captures
	some t in kube.array(c, "syn_unanswered")
	t.syn_retransmissions > 0
	t.unanswered_attempts > 0
	not t.rst_seen
	some p in input.kubernetes.pods
	t.server == object.get(p, ["status", "podIP"], "")
	some ct in kube.containers(p.spec)
	some cp in kube.array(ct, "ports")
	cp.containerPort == t.port
	not counted(p)
	f := {
		"message": sprintf("A capture on %s shows SYNs from %s to pod %s/%s (%s:%v) retransmitted %s with no SYN-ACK (%d of %d connection attempts never answered): its listen queue may be overflowing, or something drops the SYNs; the bundle has no netstat -s from the pod's node to tell which.", [
			node.display(name), t.client, kube.namespace(p), p.metadata.name, t.server, t.port, backoff(t), t.unanswered_attempts, t.attempts,
		]),
		"severity": "medium",
		"subjects": [kube.ref(p)],
		"evidence": syn_evidence([{"file": c.file, "node": name, "iface": "", "t": t}]),
		"confirm": [
			concat("", [sh.format("kubectl -n %s exec %s -- cat /proc/net/netstat", [kube.namespace(p), p.metadata.name]), " | grep TcpExt:", sh.comment("ListenOverflows, ListenDrops")]),
			sh.format("kubectl -n %s get networkpolicy", [kube.namespace(p)]),
		],
		"fix": "Collect netstat -s (or nstat -az) and ss -lnt from the pod's node and network namespace to tell a listen-queue overflow from dropped SYNs.",
		"details": {"reason": "syn-unanswered", "server": t.server, "port": t.port, "client": t.client, "syns": t.syns},
	}
}

# The pod's node or namespace has overflow counters in the bundle: the main
# finding covers it.
counted(p) if {
	some s in scopes
	s.netns == p.metadata.name
	latest(s)
}

counted(p) if {
	some s in scopes
	s.netns == ""
	s.node == p.spec.nodeName
	latest(s)
}
