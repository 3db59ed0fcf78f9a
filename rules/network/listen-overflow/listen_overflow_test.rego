package ktriage.rules.network["listen-overflow_test"]

import data.ktriage.rules.network["listen-overflow"] as rule

counter(v, line, text) := {"value": v, "line": line, "text": text}

snap(file, elapsed, overflows, drops) := {
	"file": file, "line": 1, "time": null, "elapsed": elapsed, "source": "netstat-s",
	"counters": {
		"TcpExtListenOverflows": counter(overflows, 40, sprintf("%d times the listen queue of a socket overflowed", [overflows])),
		"TcpExtListenDrops": counter(drops, 41, sprintf("%d SYNs to LISTEN sockets dropped", [drops])),
	},
}

listener(recv_q, send_q) := {"state": "LISTEN", "recv_q": recv_q, "send_q": send_q, "local": "0.0.0.0:80", "address": "0.0.0.0", "port": 80, "file": "ss-lnt.txt", "line": 2, "text": sprintf("LISTEN %d %d 0.0.0.0:80 0.0.0.0:*", [recv_q, send_q])}

somaxconn(v) := {"net.core.somaxconn": {"value": sprintf("%d", [v]), "file": "sysctl-a.txt", "line": 300}}

node_obj(kernel) := {"kind": "Node", "metadata": {"name": "vm-7"}, "status": {"nodeInfo": {"kernelVersion": kernel}}}

inp(facts, pods) := {"nodes": {"vm-7": facts}, "kubernetes": {"nodes": [node_obj("4.18.0-305.el8.x86_64")], "pods": pods}}

only(set) := x if {
	count(set) == 1
	some x in set
}

# One snapshot is a total since boot: it cannot say the overflow is
# happening now, so the message says "since boot" and the severity stays
# below what a rate or a full listener proves.
test_fires_on_the_incident_counters if {
	f := only(rule.findings) with input as inp({"netstat": [snap("netstat-s.txt", null, 12178939, 12247395)], "sysctl": somaxconn(128)}, [])
	f.severity == "medium"
	f.message == "On vm-7, the listen queue of a socket overflowed 12178939 times and 12247395 SYNs to LISTEN sockets were dropped since boot (netstat-s): one snapshot, so no rate (uptime unknown). net.core.somaxconn = 128 caps every listen() backlog at 128 (the kernel default before Linux 5.4; 4096 since). A client whose SYN is dropped gets no SYN-ACK and sends it again after 1 s, 2 s, 4 s."
	[e.note | some e in f.evidence] == ["TcpExtListenOverflows 12178939", "TcpExtListenDrops 12247395", "net.core.somaxconn = 128"]
}

test_rate_from_two_snapshots if {
	f := only(rule.findings) with input as inp({"netstat": [snap("n.txt", 0, 1641685, 1641685), snap("n.txt", 1, 1641906, 1641906)]}, [])
	contains(f.message, "221 more in 1 s between the two snapshots, 221 per second")
	f.details.rate_per_second == 221
}

# 2500 overflows since boot, none in the 60 s between two snapshots, no
# listener full: the overflow is history, not the incident.
test_silent_when_two_snapshots_show_no_new_overflow if {
	count(rule.findings) == 0 with input as inp({"netstat": [snap("n.txt", 0, 2500, 2500), snap("n.txt", 60, 2500, 2500)]}, [])
	f := only(rule.findings) with input as inp({"netstat": [snap("n.txt", 0, 2500, 2500), snap("n.txt", 60, 2500, 2500)], "listeners": [listener(129, 128)]}, [])
	f.severity == "high"
}

test_saturated_listener_in_a_pod_namespace if {
	facts := {"netns": {"api-6f7d8c9b5-h7k2m": {
		"netstat": [snap("pods/api/netstat-s.txt", null, 80, 80)],
		"listeners": [listener(129, 128)],
		"sysctl": somaxconn(128),
	}}}
	pod := {"kind": "Pod", "metadata": {"namespace": "shop", "name": "api-6f7d8c9b5-h7k2m"}, "spec": {"nodeName": "vm-7"}}
	f := only(rule.findings) with input as inp(facts, [pod])
	startswith(f.message, "On vm-7 (pod network namespace api-6f7d8c9b5-h7k2m), the listen queue of a socket overflowed 80 times and 80 SYNs to LISTEN sockets were dropped since the pod's network namespace was created (netstat-s): one snapshot, so no rate (pod start time unknown).")
	contains(f.message, "0.0.0.0:80 has Recv-Q 129 at its backlog of 128")
	f.severity == "high"
	{s.kind | some s in f.subjects} == {"Node", "Pod"}
}

test_small_since_boot_counts_without_saturation_are_low if {
	f := only(rule.findings) with input as inp({"netstat": [snap("n.txt", null, 3, 3)], "sysctl": somaxconn(4096)}, [])
	f.severity == "low"
	contains(f.message, "dropped since boot (netstat-s): one snapshot, so no rate (uptime unknown). net.core.somaxconn = 4096.")
	startswith(f.fix, "The count is a total since boot: read it twice a few seconds apart")
}

test_since_boot_total_gives_the_uptime_when_known if {
	s := object.union(snap("n.txt", null, 981, 981), {"uptime": {"text": "47 days, 3:12", "seconds": 4072320, "line": 2}})
	f := only(rule.findings) with input as inp({"netstat": [s]}, [])
	contains(f.message, "981 SYNs to LISTEN sockets were dropped since boot (netstat-s): one snapshot, so no rate (up 47 days, 3:12).")
}

test_cites_pods_that_set_somaxconn if {
	pod := {"kind": "Pod", "metadata": {"namespace": "shop", "name": "nginx-1"}, "spec": {"nodeName": "vm-7", "securityContext": {"sysctls": [{"name": "net.core.somaxconn", "value": "1024"}]}}}
	f := only(rule.findings) with input as inp({"netstat": [snap("n.txt", null, 5000, 5000)]}, [pod])
	"securityContext.sysctls net.core.somaxconn=1024" in {e.note | some e in f.evidence}
}

# The API server would refuse a pod listing one sysctl twice; a damaged or
# hand-edited bundle may hold one, and it is cited once, at its first entry.
test_a_sysctl_listed_twice_is_cited_once if {
	twice := [{"name": "net.core.somaxconn", "value": "1024"}, {"name": "net.core.somaxconn", "value": "1024"}]
	pod := {"kind": "Pod", "metadata": {"namespace": "shop", "name": "nginx-1"}, "spec": {"nodeName": "vm-7", "securityContext": {"sysctls": twice}, "initContainers": [{"name": "tune", "command": ["sysctl", "-w", "net.core.somaxconn=4096"]}, {"name": "tune", "command": ["sysctl", "-w", "net.core.somaxconn=4096"]}]}}
	f := only(rule.findings) with input as inp({"netstat": [snap("n.txt", null, 5000, 5000)]}, [pod])
	cited := {[e.note, e.path] | some e in f.evidence; e.path != []}
	cited == {
		["securityContext.sysctls net.core.somaxconn=1024", ["spec", "securityContext", "sysctls", 0]],
		["init container tune runs sysctl -w net.core.somaxconn=4096", ["spec", "initContainers", 0]],
	}
}

test_silent_on_zero_counters_and_healthy_listeners if {
	count(rule.findings) == 0 with input as inp({"netstat": [snap("n.txt", null, 0, 0)], "listeners": [listener(0, 511)], "sysctl": somaxconn(128)}, [])
}

test_silent_without_counters_or_listeners if {
	count(rule.findings) == 0 with input as inp({"sysctl": somaxconn(128)}, [])
}

# ---------------------------------------------------------- captures

syn_target(server, port) := {
	"client": "10.0.0.6", "server": server, "port": port, "attempts": 20, "unanswered_attempts": 20,
	"syns": 60, "syn_retransmissions": 40, "syn_frames": [3, 9, 17], "intervals_s": [1.02, 2.01, 4.03],
	"synack_seen": false, "rst_seen": false, "first_frame": 3,
}

api_pod := {"kind": "Pod", "metadata": {"namespace": "shop", "name": "api-6f7d8c9b5-h7k2m"}, "spec": {"nodeName": "vm-7", "containers": [{"name": "nginx", "ports": [{"containerPort": 80}]}]}, "status": {"podIP": "10.244.7.10"}}

test_syn_backoff_joins_the_pod_finding if {
	facts := {
		"netns": {"api-6f7d8c9b5-h7k2m": {"netstat": [snap("pods/api/netstat-s.txt", null, 80, 80)], "listeners": [listener(129, 128)]}},
	}
	client_node := {"captures": [{"file": "nodes/vm-6/capture-eth0.pcap", "interfaces": [], "syn_unanswered": [syn_target("10.244.7.10", 80)]}], "interfaces": [{"name": "eth0", "file": "x", "line": 1}]}
	f := only(rule.findings) with input as {"nodes": {"vm-7": facts, "vm-6": client_node}, "kubernetes": {"nodes": [node_obj("4.19.0")], "pods": [api_pod]}}
	contains(f.message, "A capture on vm-6 (eth0) shows 60 SYN(s) from 10.0.0.6 to 10.244.7.10:80 retransmitted after 1, 2, 4 s with no SYN-ACK.")
	{e.frame | some e in f.evidence; e.frame} == {3, 9, 17}
}

test_capture_alone_is_a_medium_finding_naming_both_causes if {
	client_node := {"captures": [{"file": "c.pcap", "interfaces": [], "syn_unanswered": [syn_target("10.244.7.10", 80)]}]}
	f := only(rule.findings) with input as {"nodes": {"vm-6": client_node}, "kubernetes": {"nodes": [], "pods": [api_pod]}}
	f.severity == "medium"
	contains(f.message, "retransmitted after 1, 2, 4 s with no SYN-ACK (20 of 20 connection attempts never answered): its listen queue may be overflowing, or something drops the SYNs")
}

# The overflow's own signature: most attempts answered, some dropped after
# 1, 2, 4 s (testdata/scenarios/listen-overflow: 20 of 149). Other
# attempts' SYN-ACKs must not hide the dropped ones.
test_capture_alone_fires_when_only_some_attempts_are_dropped if {
	some_dropped := object.union(syn_target("10.244.7.10", 80), {"attempts": 149, "answered_attempts": 129, "synack_seen": true})
	client_node := {"captures": [{"file": "c.pcap", "interfaces": [], "syn_unanswered": [some_dropped]}]}
	f := only(rule.findings) with input as {"nodes": {"vm-6": client_node}, "kubernetes": {"nodes": [], "pods": [api_pod]}}
	contains(f.message, "(20 of 149 connection attempts never answered)")
}

test_capture_alone_silent_when_refused_answered_or_unknown_port if {
	refused := object.union(syn_target("10.244.7.10", 80), {"rst_seen": true, "refused_attempts": 3})
	answered_late := object.union(syn_target("10.244.7.10", 80), {"unanswered_attempts": 0, "answered_after_retransmission": 20, "synack_seen": true})
	other_port := syn_target("10.244.7.10", 9999)
	client_node := {"captures": [{"file": "c.pcap", "interfaces": [], "syn_unanswered": [refused, answered_late, other_port]}]}
	count(rule.findings) == 0 with input as {"nodes": {"vm-6": client_node}, "kubernetes": {"nodes": [], "pods": [api_pod]}}
}

# ------------------------------------------------------------ confirm

test_confirm_reads_the_nodes_counters_through_a_debug_pod if {
	f := only(rule.findings) with input as inp({"netstat": [snap("netstat-s.txt", null, 12178939, 12247395)], "sysctl": somaxconn(128)}, [])
	f.confirm[0] == "kubectl debug node/vm-7 -it --image=docker.io/library/busybox:1.36 --profile=sysadmin -- chroot /host sh -c 'nstat -az TcpExtListenOverflows TcpExtListenDrops; sleep 10; nstat -az TcpExtListenOverflows TcpExtListenDrops'"
	f.confirm[2] == "kubectl debug node/vm-7 -it --image=docker.io/library/busybox:1.36 --profile=sysadmin -- chroot /host sysctl net.core.somaxconn"
}

test_confirm_reads_a_pods_counters_inside_the_pod if {
	facts := {"netns": {"api-6f7d8c9b5-h7k2m": {"netstat": [snap("pods/api/netstat-s.txt", null, 80, 80)], "listeners": [listener(129, 128)]}}}
	pod := {"kind": "Pod", "metadata": {"namespace": "shop", "name": "api-6f7d8c9b5-h7k2m"}, "spec": {"nodeName": "vm-7"}}
	f := only(rule.findings) with input as inp(facts, [pod])
	f.confirm == [
		"kubectl -n shop exec api-6f7d8c9b5-h7k2m -- cat /proc/net/netstat | grep TcpExt:   # ListenOverflows, ListenDrops",
		"kubectl -n shop exec api-6f7d8c9b5-h7k2m -- cat /proc/sys/net/core/somaxconn",
	]
}

# A somaxconn line that is no number (a damaged file) is not read: the
# finding stands on the counters, where to_number failed the rule.
test_somaxconn_that_is_no_number_is_not_read if {
	bad := {"net.core.somaxconn": {"value": "40x96", "file": "sysctl-a.txt", "line": 300}}
	f := only(rule.findings) with input as inp({"netstat": [snap("netstat-s.txt", null, 12178939, 12247395)], "sysctl": bad}, [])
	not contains(f.message, "net.core.somaxconn =")
}

test_cmdline_keeps_only_strings if {
	rule.cmdline({"command": ["sh", 5, "-c"], "args": [true, "sysctl -w net.core.somaxconn=4096"]}) == "sh -c sysctl -w net.core.somaxconn=4096"
}
