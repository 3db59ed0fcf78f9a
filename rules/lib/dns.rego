# What cluster DNS looks like to rules: its Service, its pods, and how an
# application's log says a lookup failed.
package ktriage.lib.dns

import data.ktriage.lib.kube

# DNS server pods: k8s-app=kube-dns (kubeadm, kops, EKS, AKS and GKE label
# CoreDNS so) or k8s-app=coredns (some Helm charts), in kube-system.
apps := {"kube-dns", "coredns"}

# kube-system's pods from the pods grouped by namespace (lib/kube), not a
# test of every pod of the cluster.
pods := [p |
	some p in object.get(kube.pods_by_namespace, "kube-system", [])
	kube.labels(p)["k8s-app"] in apps
]

pod_names := {p.metadata.name | some p in pods}

# Resolution failures as applications print them: glibc's gai_strerror
# (EAI_AGAIN "Temporary failure in name resolution"), Node's `getaddrinfo
# EAI_AGAIN`, Go's resolver ("lookup X on 10.96.0.10:53: no such host",
# "server misbehaving", "dial udp …:53: i/o timeout").
resolution_failure(s) if regex.match(`EAI_AGAIN|Temporary failure in name resolution|server misbehaving|lookup \S+ on \S+:53: no such host|:53: (i/o timeout|read: connection refused)`, s)

# failures is, per application pod [namespace, pod], the first kept line
# of its logs that says a lookup failed, with where it is. A pod has a log
# per container, and a previous one: the first by file name and line.
failures := {key: {"file": file, "line": line, "text": text} |
	some [key, _, _, _] in failing_lines
	[_, file, line, text] := min({x | some x in failing_lines; x[0] == key})
}

# failing_lines holds each application log's first failing line.
failing_lines := {[[l.namespace, l.pod], l.file, k.line, k.text] |
	some l in input.kubernetes.logs
	l.pod != ""
	not l.pod in pod_names
	k := [x | some x in l.kept; resolution_failure(x.text)][0]
}

# The loop plugin's fatal line. CoreDNS >= 1.2.2 (plugin/loop/loop.go):
#   [FATAL] plugin/loop: Loop (127.0.0.1:59298 -> :53) detected for zone ".", see https://coredns.io/plugins/loop#troubleshooting. Query: "HINFO 4547991504243258144.3688648895315093531."
# 1.2.1 wrote `Seen "HINFO IN …" more than twice, loop detected`. Searched
# in every log: a log without a pod is CoreDNS's when its lines say so.
# The dns rule reports the loop as the cause; crashloop and
# selector-mismatch point at it for what it explains.
loop_lines := [{"file": l.file, "line": k.line, "text": k.text, "pod": l.pod} |
	some l in input.kubernetes.logs
	some k in l.kept
	regex.match(`plugin/loop: (Loop \(.*\) detected for zone|Seen .* loop detected)`, k.text)
]

# loop_pods are the DNS pods whose own logs hold the loop line.
loop_pods := {x.pod | some x in loop_lines; x.pod in pod_names}

# explained_by_loop: what the dns rule's loop finding explains about a pod
# (its cause, pointed at by crashloop and selector-mismatch): a DNS pod
# that exits on the loop line, or, while the loop halts CoreDNS, a pod
# whose log shows its lookups failing (listed among that finding's
# consequences).
explained_by_loop(p) if {
	kube.namespace(p) == "kube-system"
	p.metadata.name in loop_pods
}

explained_by_loop(p) if {
	count(loop_lines) > 0
	failures[[kube.namespace(p), p.metadata.name]]
}
