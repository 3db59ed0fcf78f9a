# METADATA
# title: Cluster DNS is down or misconfigured
# description: >-
#   Finds what keeps cluster DNS from answering, from objects and logs
#   together, and lists the pods whose logs show name resolution failing as
#   its consequences. Critical: no CoreDNS/kube-dns pod is Ready (missing,
#   not Ready or crash-looping), with the cause the bundle shows: CoreDNS's
#   loop plugin halting it (`[FATAL] plugin/loop: Loop (… -> :53) detected
#   for zone "."`, a Corefile `forward . /etc/resolv.conf` on nodes whose
#   resolv.conf names a local stub such as 127.0.0.53: where the bundle has
#   the nodes' resolv.conf and kubelet configuration, the nodes whose
#   kubelet `resolvConf` names a file with a loopback nameserver are named,
#   with the lines); or the kubelet's clusterDNS (kubeadm's kubelet-config
#   ConfigMap, or a node's own configz or /var/lib/kubelet/config.yaml) is
#   neither the kube-dns Service's ClusterIP nor a NodeLocal DNSCache
#   address, with the pods on that node that fail to resolve. High: only
#   some CoreDNS pods are Ready, a NodeLocal DNSCache pod is not Ready, or
#   CoreDNS logs that its upstream
#   fails (`[ERROR] plugin/errors: 2 NAME TYPE: … i/o timeout` or `no
#   healthy proxies`), named with the Corefile's forward target. Pods whose
#   logs carry `EAI_AGAIN`, `no such host`, `server misbehaving`,
#   `Temporary failure in name resolution` or an i/o timeout to port 53 are
#   listed as consequences, and so is the kube-dns Service when it has no
#   ready endpoint.
# custom:
#   id: dns
#   category: dns
#   severity: critical
#   needs: ["kubernetes.pods|kubernetes.services"]
#   remediation: >-
#     Make CoreDNS Ready first: its logs say why it exits. A forwarding loop
#     means the Corefile forwards to /etc/resolv.conf and the node's
#     resolv.conf names a local stub resolver (systemd-resolved's
#     127.0.0.53): point the kubelet at the real one (`resolvConf:
#     /run/systemd/resolve/resolv.conf` in the kubelet configuration, then
#     restart the kubelet and delete the CoreDNS pods), or forward to an
#     explicit upstream address. Upstream timeouts mean the forward target
#     is unreachable from the pod network: check it from a node and fix the
#     Corefile's `forward` line. The kubelet's clusterDNS must be the
#     kube-dns Service's ClusterIP.
#   references:
#     - https://kubernetes.io/docs/tasks/administer-cluster/dns-debugging-resolution/
#     - https://coredns.io/plugins/loop/#troubleshooting
#     - https://coredns.io/plugins/forward/
#     - https://kubernetes.io/docs/tasks/administer-cluster/nodelocaldns/
package ktriage.rules.cluster["dns"]

import data.ktriage.lib.dns
import data.ktriage.lib.kube
import data.ktriage.lib.node
import data.ktriage.lib.run
import data.ktriage.lib.sh
import data.ktriage.lib.text

# ------------------------------------------------------------ the objects

# The kube-dns Service (its name in every distribution, CoreDNS included).
service := svcs[0] if {
	svcs := [s |
		some s in input.kubernetes.services
		kube.namespace(s) == "kube-system"
		s.metadata.name == "kube-dns"
	]
	count(svcs) > 0
}

cluster_ip := service.spec.clusterIP if {
	is_string(service.spec.clusterIP)
	service.spec.clusterIP != "None"
}

dns_pods := dns.pods

dns_workloads := [w |
	some plural in ["deployments", "replicasets"]
	some w in input.kubernetes[plural]
	kube.namespace(w) == "kube-system"
	kube.labels(w)["k8s-app"] in dns.apps
	object.get(w, ["spec", "replicas"], 1) > 0
	not kube.owner(w, "Deployment")
]

# A pod's state is known when the bundle shows its conditions or status.
shown(p) if count(kube.array(p, ["status", "conditions"])) > 0

shown(p) if count(kube.array(p, ["status", "containerStatuses"])) > 0

ready_pods := [p | some p in dns_pods; kube.ready(p)]

# A CoreDNS pod the scheduler cannot place (every node NotReady, no CNI
# yet) is a symptom of the nodes, not a DNS cause: scheduling and the node
# rules name that cause, so it is left out here. So is one waiting on a
# node whose pod network is down (data.ktriage.lib.node.pod_network_down):
# the cni finding lists the kube-dns Service and the pods whose lookups
# fail among its consequences. Each is left out only when the rule that
# names its cause runs (data.ktriage.lib.run).
unready_pods := [p | some p in dns_pods; shown(p); not kube.ready(p); not left_to_others(p)]

left_to_others(p) if {
	unscheduled(p)
	run.rule("scheduling")
}

left_to_others(p) if {
	node.pod_network_down(p)
	run.rule("cni")
}

unscheduled(p) if {
	some c in kube.array(p, ["status", "conditions"])
	c.type == "PodScheduled"
	c.status == "False"
}

unknown_pods := [p | some p in dns_pods; not shown(p)]

pods_listed if input.kubernetes.listed.pods["kube-system"]

# state says what is wrong with a pod, in kubectl's words.
# The first waiting container that restarts, else the first waiting one:
# a pod's containers may wait differently.
state(p) := sprintf("%s, %s", [cs.state.waiting.reason, text.times(cs.restartCount)]) if {
	cs := [cs | some cs in waiting(p); cs.restartCount > 0][0]
} else := waiting(p)[0].state.waiting.reason if {
	count(waiting(p)) > 0
} else := sprintf("%s, not Ready", [object.get(p, ["status", "phase"], "Unknown")])

waiting(p) := [cs | some cs in kube.array(p, ["status", "containerStatuses"]); is_string(cs.state.waiting.reason)]

pods_text(ps) := concat("; ", [sprintf("%s (%s)", [p.metadata.name, state(p)]) | some p in array.slice(ps, 0, 5)])

# ------------------------------------------------------------------- logs

dns_pod_names := dns.pod_names

# Logs of the DNS pods; a log without a pod is CoreDNS's when its lines
# say so (rules that match by content search every entry, docs/facts.md).
dns_logs := [l |
	some l in input.kubernetes.logs
	l.pod in dns_pod_names
]

# The loop plugin's fatal line, in any log (data.ktriage.lib.dns).
loop_lines := dns.loop_lines

loop_zone := z if {
	z := regex.find_all_string_submatch_n(`detected for zone "([^"]*)"`, loop_lines[0].text, 1)[0][1]
} else := "."

# The errors plugin's line when forward fails (plugin/errors/errors.go
# logs "%d %s %s: %v" with the rcode, 2 being SERVFAIL):
#   [ERROR] plugin/errors: 2 example.com. A: read udp 10.244.0.3:52714->10.0.0.2:53: i/o timeout
#   [ERROR] plugin/errors: 2 example.com. A: no healthy proxies   (forward.ErrNoHealthy)
upstream_lines := [{"file": l.file, "line": k.line, "text": k.text, "pod": l.pod} |
	some l in dns_logs
	some k in l.kept
	regex.match(`plugin/errors: 2 \S+ \S+: .*(i/o timeout|no healthy proxies|connection refused|network is unreachable)`, k.text)
]

# ------------------------------------------------------------ the Corefile

corefile := cm.data.Corefile if {
	some cm in input.kubernetes.configmaps
	kube.namespace(cm) == "kube-system"
	cm.metadata.name == "coredns"
	is_string(cm.data.Corefile)
}

# The targets of the root zone's forward line ("forward . /etc/resolv.conf").
forward_targets := trim_space(m[0][1]) if {
	m := regex.find_all_string_submatch_n(`(?m)^\s*forward\s+\.\s+([^{\n#]+)`, corefile, 1)
	count(m) > 0
}

corefile_evidence := [{"object": kube.ref(cm), "path": ["data", "Corefile"], "note": sprintf("the Corefile forwards to %s", [forward_targets])} |
	some cm in input.kubernetes.configmaps
	kube.namespace(cm) == "kube-system"
	cm.metadata.name == "coredns"
	forward_targets
]

# --------------------------------------------------------------- kubelet

# kubeadm keeps the kubelet configuration in kube-system ConfigMap
# kubelet-config (kubelet-config-1.NN before 1.24), key "kubelet".
# A cut or damaged one would fail yaml.unmarshal, and the rule with it.
kubelet_yaml(cm) if {
	is_string(cm.data.kubelet)
	yaml.is_valid(cm.data.kubelet)
}

kubelet_configs := [{"cm": cm, "dns": dns} |
	some cm in input.kubernetes.configmaps
	kube.namespace(cm) == "kube-system"
	regex.match(`^kubelet-config(-1\.[0-9]+)?$`, cm.metadata.name)
	kubelet_yaml(cm)
	conf := yaml.unmarshal(cm.data.kubelet)
	is_object(conf)
	dns := kube.array(conf, "clusterDNS")
	count(dns) > 0
]

# The kubelet gives pods (CoreDNS too) the node's /etc/resolv.conf unless
# resolvConf points elsewhere; on systemd-resolved hosts that file names
# the 127.0.0.53 stub, which inside CoreDNS's pod is CoreDNS itself.
stub_resolv_evidence := [kube.at(kc.cm, ["data", "kubelet"], "the kubelet hands pods the node's /etc/resolv.conf (resolvConf), which on systemd-resolved hosts names 127.0.0.53") |
	some kc in kubelet_resolv
	kc.resolv == "/etc/resolv.conf"
]

kubelet_resolv := [{"cm": cm, "resolv": object.get(conf, "resolvConf", "/etc/resolv.conf")} |
	some cm in input.kubernetes.configmaps
	kube.namespace(cm) == "kube-system"
	regex.match(`^kubelet-config(-1\.[0-9]+)?$`, cm.metadata.name)
	kubelet_yaml(cm)
	conf := yaml.unmarshal(cm.data.kubelet)
	is_object(conf)
]

# Addresses a kubelet's clusterDNS may name besides the kube-dns ClusterIP:
# NodeLocal DNSCache's link-local listener (its Corefile's `bind` lines;
# 169.254.20.10 by default) where the cache runs.
nodelocal_running if {
	some plural in ["pods", "daemonsets"]
	some x in input.kubernetes[plural]
	kube.namespace(x) == "kube-system"
	kube.labels(x)["k8s-app"] == "node-local-dns"
}

nodelocal_addresses contains "169.254.20.10" if nodelocal_running

nodelocal_addresses contains ip if {
	some cm in input.kubernetes.configmaps
	kube.namespace(cm) == "kube-system"
	cm.metadata.name == "node-local-dns"
	is_string(cm.data.Corefile)
	some m in regex.find_all_string_submatch_n(`(?m)^\s*bind\s+([^\n#]+)`, cm.data.Corefile, -1)
	some ip in split(trim_space(m[1]), " ")
	ip != ""
}

dns_ok(addrs) if {
	some a in addrs
	a == cluster_ip
}

dns_ok(addrs) if {
	some a in addrs
	a in nodelocal_addresses
}

# ------------------------------------------------------------ node files

# Each node's kubelet configuration: configz (what runs, flags and defaults
# applied) before the file as written (docs/artifacts.md, kubelet_config).
node_kubelet := {name: preferred(es) |
	some name, n in input.nodes
	es := object.get(n, "kubelet_config", [])
	count(es) > 0
}

preferred(es) := cz[0] if {
	cz := [e | some e in es; e.source == "configz"]
	count(cz) > 0
} else := es[0]

# The file the kubelet hands pods (and so CoreDNS) as their resolv.conf.
# Without the node's configuration it is the default, /etc/resolv.conf.
resolv_path(name) := node_kubelet[name].config.resolvConf if {
	is_string(node_kubelet[name].config.resolvConf)
} else := "/etc/resolv.conf"

# Nodes whose pods' resolv.conf names a loopback nameserver: inside a pod
# that is the pod itself, and for CoreDNS forwarding to /etc/resolv.conf a
# loop.
stub_nodes := [{"node": name, "conf": conf, "path": p, "ns": ns} |
	some name in sort(object.keys(input.nodes))
	p := resolv_path(name)
	p != ""
	confs := [c | some c in object.get(input.nodes[name], "resolv_conf", []); c.path == p]
	count(confs) > 0
	conf := confs[0]
	conf.loopback
	ns := [x | some x in conf.nameservers; x.loopback; not x.ignored][0]
]

loop_pod_names := {x.pod | some x in loop_lines}

loop_nodes := {p.spec.nodeName |
	some p in dns_pods
	p.metadata.name in loop_pod_names
	is_string(p.spec.nodeName)
}

# The stub nodes that run a looping CoreDNS pod, or every stub node when
# the bundle cannot place the pods.
loop_stub_nodes := on_loop if {
	on_loop := [s | some s in stub_nodes; s.node in loop_nodes]
	count(on_loop) > 0
} else := stub_nodes

stub_text(s) := sprintf("%s (%s: nameserver %s)", [node.display(s.node), s.path, s.ns.address])

stub_sentence := sprintf("the resolv.conf the kubelet hands pods names a loopback stub resolver on %s", [concat(", ", [stub_text(s) | some s in array.slice(loop_stub_nodes, 0, 5)])]) if {
	count(loop_stub_nodes) > 0
} else := "the node's resolv.conf names a local stub resolver (such as systemd-resolved's 127.0.0.53)"

kubelet_resolv_note(s) := sprintf("the kubelet on %s runs with resolvConf %s", [node.display(s.node), s.path]) if {
	is_string(node_kubelet[s.node].config.resolvConf)
} else := sprintf("the kubelet configuration of %s sets no resolvConf: the default /etc/resolv.conf applies", [node.display(s.node)])

node_stub_evidence := array.concat(
	[{"file": s.conf.file, "line": s.ns.line, "text": s.ns.text, "note": sprintf("%s: %s names %s, a loopback stub", [node.display(s.node), s.path, s.ns.address])} |
		some s in array.slice(loop_stub_nodes, 0, 3)
	],
	[{"file": e.file, "line": object.get(e.lines, "resolvConf", e.line), "note": kubelet_resolv_note(s)} |
		some s in array.slice(loop_stub_nodes, 0, 3)
		e := node_kubelet[s.node]
	],
)

# systemd-resolved's list of the real upstreams on a node, when collected.
uplink(name) := [c |
	some c in object.get(input.nodes[name], "resolv_conf", [])
	c.path == "/run/systemd/resolve/resolv.conf"
	not c.loopback
	count(c.nameservers) > 0
][0]

uplink_words := sprintf(" (on %s it lists %s)", [node.display(s.node), concat(", ", [x.address | some x in uplink(s.node).nameservers; not x.ignored])]) if {
	s := [x | some x in loop_stub_nodes; uplink(x.node)][0]
} else := ""

loop_stub_details := [{"node": s.node, "resolv_conf": s.path, "nameserver": s.ns.address} | some s in loop_stub_nodes]

# Nodes whose kubelet runs with a clusterDNS that is neither the kube-dns
# ClusterIP nor a NodeLocal DNSCache address. A node that only repeats a
# kubelet-config ConfigMap already reported is that finding's, not its own.
node_dns := [{"node": name, "entry": e, "dns": dns} |
	some name, e in node_kubelet
	dns := kube.array(e.config, "clusterDNS")
	count(dns) > 0
	not dns_ok(dns)
	not reported_by_configmap(dns)
]

reported_by_configmap(dns) if {
	some kc in kubelet_configs
	not dns_ok(kc.dns)
	kc.dns == dns
}

# Pods on a node whose logs show lookups failing.
node_pod_consequences(name) := [{"kind": "Pod", "namespace": kube.namespace(p), "name": p.metadata.name, "note": sprintf("runs on %s and logs a name resolution failure: %s", [name, line])} |
	some p in input.kubernetes.pods
	object.get(p, ["spec", "nodeName"], "") == name
	line := suffering[[kube.namespace(p), p.metadata.name]]
]

# ---------------------------------------------------------- consequences

suffering := {key: x.text | some key, x in dns.failures}

suffering_evidence := [{"file": x.file, "line": x.line, "text": x.text, "note": sprintf("%s/%s cannot resolve names", key)} |
	some key, x in dns.failures
]

pod_consequences := [{"kind": "Pod", "namespace": ns, "name": pod, "note": sprintf("logs a name resolution failure: %s", [line])} |
	some key, line in suffering
	[ns, pod] := key
]

endpoints_empty if {
	some e in input.kubernetes.endpoints
	kube.namespace(e) == "kube-system"
	e.metadata.name == "kube-dns"
	count([a | some s in kube.array(e, "subsets"); some a in kube.array(s, "addresses")]) == 0
}

service_consequence := [{"kind": "Service", "namespace": "kube-system", "name": "kube-dns", "note": "has no ready endpoint: every lookup from a pod times out", "rule": "selector-mismatch"} |
	service
	count(ready_pods) == 0
]

consequences := array.concat(service_consequence, pod_consequences)

consequence_text := "" if count(suffering) == 0 else := sprintf(" %d pod(s) log name resolution failures.", [count(suffering)])

# ------------------------------------------------------------- findings

confirm_dns := [
	"kubectl -n kube-system get pods -l k8s-app=kube-dns -o wide",
	"kubectl -n kube-system logs -l k8s-app=kube-dns --tail=50",
	"kubectl -n kube-system get endpoints kube-dns",
]

down_severity := "critical" if count(ready_pods) == 0 else := "high"

pod_evidence(p) := kube.at(p, ["status", "containerStatuses"], sprintf("%s: %s", [p.metadata.name, state(p)])) if {
	count(kube.array(p, ["status", "containerStatuses"])) > 0
} else := kube.at(p, ["status"], sprintf("%s: %s", [p.metadata.name, state(p)]))

# CoreDNS halts on a forwarding loop.
findings contains f if {
	count(loop_lines) > 0
	f := {
		"message": sprintf("CoreDNS detects a forwarding loop for zone %q and exits: %s of %d CoreDNS pod(s) Ready%s. The Corefile forwards to %s and %s, so CoreDNS sends queries to itself.%s", [
			loop_zone, text_count(ready_pods), count(dns_pods), unready_suffix, forward_or_resolv, stub_sentence, consequence_text,
		]),
		"severity": down_severity,
		"subjects": array.concat([kube.ref(p) | some p in array.slice(unready_pods, 0, 5)], [kube.ref(service) | service]),
		"evidence": array.concat(
			array.concat([{"file": x.file, "line": x.line, "text": x.text, "note": "CoreDNS's loop plugin halts the server"} | some x in array.slice(loop_lines, 0, 3)], array.concat(corefile_evidence, array.concat(node_stub_evidence, stub_resolv_evidence))),
			array.concat([pod_evidence(p) | some p in array.slice(unready_pods, 0, 3)], array.slice(suffering_evidence, 0, 5)),
		),
		"confirm": array.concat(array.concat(confirm_dns, ["kubectl -n kube-system get configmap coredns -o yaml"]), loop_node_confirm),
		"fix": sprintf("Point the kubelet at the node's real resolver list: set `resolvConf: /run/systemd/resolve/resolv.conf`%s in the kubelet configuration (kubeadm: ConfigMap kube-system/kubelet-config and /var/lib/kubelet/config.yaml on %s), restart the kubelet and delete the CoreDNS pods; or change the Corefile's `forward . /etc/resolv.conf` to explicit upstream addresses.", [uplink_words, fix_nodes]),
		"details": {
			"reason": "loop",
			"zone": loop_zone,
			"ready_pods": count(ready_pods),
			"dns_pods": count(dns_pods),
			"forward": forward_or_null,
			"stub_nodes": loop_stub_details,
			"consequences": consequences,
		},
	}
}

text_count(ps) := sprintf("%d", [count(ps)])

fix_nodes := concat(", ", [node.display(s.node) | some s in loop_stub_nodes]) if count(loop_stub_nodes) > 0 else := "each node"

loop_node_confirm := array.concat(
	[sh.on_node(s.node, sh.format("grep -H nameserver %s /run/systemd/resolve/resolv.conf", [s.path]), "") | s := loop_stub_nodes[0]],
	[configz_confirm(s.node) | s := loop_stub_nodes[0]; not startswith(s.node, "unattributed:")],
)

configz_confirm(name) := sh.format("kubectl get --raw %s", [sprintf("/api/v1/nodes/%s/proxy/configz", [name])])

unready_suffix := "" if count(unready_pods) == 0 else := sprintf(" (%s)", [pods_text(unready_pods)])

forward_or_resolv := forward_targets if forward_targets else := "/etc/resolv.conf (the Corefile is not in the bundle; it is the default)"

forward_or_null := forward_targets if forward_targets else := null

# No CoreDNS pod is Ready, without a loop to explain it.
findings contains f if {
	count(loop_lines) == 0
	count(dns_pods) > 0
	count(unready_pods) > 0
	count(unknown_pods) == 0
	f := {
		"message": sprintf("%d of %d CoreDNS pod(s) are Ready: %s.%s%s", [
			count(ready_pods), count(dns_pods), pods_text(unready_pods), down_words, consequence_text,
		]),
		"severity": down_severity,
		"subjects": array.concat([kube.ref(p) | some p in array.slice(unready_pods, 0, 5)], [kube.ref(service) | service; count(ready_pods) == 0]),
		"evidence": array.concat([pod_evidence(p) | some p in array.slice(unready_pods, 0, 5)], array.slice(suffering_evidence, 0, 5)),
		"confirm": array.concat(confirm_dns, [sh.format("kubectl -n kube-system describe pod %s", [p.metadata.name]) | some p in array.slice(unready_pods, 0, 2)]),
		"fix": "Read the CoreDNS pods' logs and events (kubectl describe) for why they are not Ready, and fix that first: every workload's name lookups depend on them.",
		"details": {
			"reason": "not-ready",
			"ready_pods": count(ready_pods),
			"dns_pods": count(dns_pods),
			"consequences": consequences,
		},
	}
}

down_words := " Cluster DNS is down: the kube-dns Service has no ready endpoint." if count(ready_pods) == 0 else := " Cluster DNS runs on fewer replicas."

# The kube-dns Service exists, the kube-system pods were collected, and no
# DNS pod is among them while a CoreDNS workload wants replicas.
findings contains f if {
	service
	pods_listed
	count(dns_pods) == 0
	count(dns_workloads) > 0
	w := dns_workloads[0]
	f := {
		"message": sprintf("The kube-dns Service exists but no CoreDNS pod does: %s %s wants %v replica(s) and kube-system has none.%s", [
			w.kind, w.metadata.name, object.get(w, ["spec", "replicas"], 1), consequence_text,
		]),
		"severity": "critical",
		"subjects": [kube.ref(w), kube.ref(service)],
		"evidence": array.concat([kube.at(w, kube.availability_path(w), "no pod of it is in kube-system")], array.slice(suffering_evidence, 0, 5)),
		"confirm": array.concat(confirm_dns, [sh.format("kubectl -n kube-system describe %s %s", [lower(w.kind), w.metadata.name])]),
		"fix": sprintf("Find out why %s creates no pod (its ReplicaSet's events: quota, admission, image, scheduling) and fix that.", [w.metadata.name]),
		"details": {"reason": "no-pods", "consequences": consequences},
	}
}

# CoreDNS runs but its upstream does not answer.
findings contains f if {
	count(loop_lines) == 0
	count(upstream_lines) > 0
	pods := {x.pod | some x in upstream_lines}
	f := {
		"message": sprintf("CoreDNS cannot reach its upstream resolver (%s): %d SERVFAIL line(s) in the logs of %s, e.g. %q. Names outside the cluster fail to resolve.%s", [
			forward_or_resolv, count(upstream_lines), concat(", ", sort(pods)), upstream_lines[0].text, consequence_text,
		]),
		"severity": "high",
		"subjects": [kube.ref(p) | some p in dns_pods; p.metadata.name in pods],
		"evidence": array.concat(
			array.concat([{"file": x.file, "line": x.line, "text": x.text, "note": "CoreDNS's forward fails"} | some x in array.slice(upstream_lines, 0, 5)], corefile_evidence),
			array.slice(suffering_evidence, 0, 5),
		),
		"confirm": array.concat(["kubectl -n kube-system get configmap coredns -o yaml"], confirm_dns),
		"fix": sprintf("Make the forward target (%s) reachable from the pod network, or change the Corefile's `forward` line to a resolver that is; a node's /etc/resolv.conf is what `forward . /etc/resolv.conf` uses.", [forward_or_resolv]),
		"details": {
			"reason": "upstream",
			"forward": forward_or_null,
			"servfail_lines": count(upstream_lines),
			"consequences": pod_consequences,
		},
	}
}

# The kubelet hands pods a nameserver that is not the kube-dns Service.
findings contains f if {
	cluster_ip
	some kc in kubelet_configs
	not dns_ok(kc.dns)
	f := {
		"message": sprintf("The kubelet configuration %s gives pods clusterDNS %s, but the kube-dns Service's ClusterIP is %s: every pod with dnsPolicy ClusterFirst asks an address no DNS server answers on.%s", [
			kc.cm.metadata.name, concat(", ", kc.dns), cluster_ip, consequence_text,
		]),
		"severity": "critical",
		"subjects": [kube.ref(kc.cm), kube.ref(service)],
		"evidence": array.concat([
			kube.at(kc.cm, ["data", "kubelet"], sprintf("clusterDNS: %s", [concat(", ", kc.dns)])),
			kube.at(service, ["spec", "clusterIP"], sprintf("kube-dns ClusterIP %s", [cluster_ip])),
		], array.slice(suffering_evidence, 0, 5)),
		"confirm": [
			"kubectl -n kube-system get service kube-dns -o wide",
			sh.format("kubectl -n kube-system get configmap %s -o yaml", [kc.cm.metadata.name]),
		],
		"fix": sprintf("Set clusterDNS to [%s] in the kubelet configuration (%s and /var/lib/kubelet/config.yaml on each node), restart the kubelets and recreate the pods.", [cluster_ip, kc.cm.metadata.name]),
		"details": {"reason": "cluster-dns", "cluster_dns": kc.dns, "cluster_ip": cluster_ip, "consequences": pod_consequences},
	}
}

# A node's kubelet runs with a clusterDNS no DNS server answers on
# (configz or its configuration file; the cluster-wide ConfigMap above is
# kubeadm's template, which a node may not follow).
findings contains f if {
	cluster_ip
	some x in node_dns
	e := x.entry
	cons := node_pod_consequences(x.node)
	f := {
		"message": sprintf("The kubelet on %s gives pods clusterDNS %s (%s), but the kube-dns Service's ClusterIP is %s: pods with dnsPolicy ClusterFirst on %s ask an address no DNS server answers on.%s", [
			node.display(x.node), concat(", ", x.dns), source_words[e.source], cluster_ip, node.display(x.node), node_consequence_text(cons),
		]),
		"severity": "critical",
		"subjects": array.concat([kube.ref(n) | some n in input.kubernetes.nodes; n.metadata.name == x.node], [kube.ref(service)]),
		"evidence": array.concat([
			{"file": e.file, "line": object.get(e.lines, "clusterDNS", e.line), "note": sprintf("the kubelet on %s: clusterDNS %s", [node.display(x.node), concat(", ", x.dns)])},
			kube.at(service, ["spec", "clusterIP"], sprintf("kube-dns ClusterIP %s", [cluster_ip])),
		], [{"file": l.file, "line": l.line, "text": l.text, "note": sprintf("%s/%s cannot resolve names", [c.namespace, c.name])} |
			some c in array.slice(cons, 0, 5)
			l := dns.failures[[c.namespace, c.name]]
		]),
		"confirm": array.concat(["kubectl -n kube-system get service kube-dns -o wide"], [configz_confirm(x.node) | not startswith(x.node, "unattributed:")]),
		"fix": sprintf("Set clusterDNS to [%s] in the kubelet configuration of %s (/var/lib/kubelet/config.yaml, or the --cluster-dns flag where the kubelet is started with one), restart its kubelet and recreate the pods on it.", [cluster_ip, node.display(x.node)]),
		"details": {"reason": "node-cluster-dns", "node": x.node, "source": e.source, "cluster_dns": x.dns, "cluster_ip": cluster_ip, "consequences": cons},
	}
}

source_words := {"configz": "its configz: what it runs with", "file": "its configuration file"}

node_consequence_text(cons) := "" if count(cons) == 0 else := sprintf(" %d pod(s) there log name resolution failures.", [count(cons)])

# NodeLocal DNSCache: a node whose cache pod is not Ready answers nobody
# on that node (pods ask 169.254.20.10 there).
findings contains f if {
	nl := [p |
		some p in object.get(kube.pods_by_namespace, "kube-system", [])
		kube.labels(p)["k8s-app"] == "node-local-dns"
		shown(p)
		not kube.ready(p)
	]
	count(nl) > 0
	f := {
		"message": sprintf("%d NodeLocal DNSCache pod(s) are not Ready: %s. Pods on %s resolve through a cache that does not answer.", [
			count(nl), pods_text(nl), concat(", ", sort({object.get(p, ["spec", "nodeName"], "?") | some p in nl})),
		]),
		"severity": "high",
		"subjects": [kube.ref(p) | some p in array.slice(nl, 0, 5)],
		"evidence": [pod_evidence(p) | some p in array.slice(nl, 0, 5)],
		"confirm": [
			"kubectl -n kube-system get pods -l k8s-app=node-local-dns -o wide",
			"kubectl -n kube-system logs -l k8s-app=node-local-dns --tail=50",
		],
		"fix": "Read the node-local-dns pods' logs and events and fix what keeps them from becoming Ready (a port 53 already bound on the node, a missing dummy interface).",
		"details": {"reason": "nodelocal-not-ready"},
	}
}
