# What cluster DNS looks like to rules: its Service, its pods, and how an
# application's log says a lookup failed.
package ktriage.lib.dns

import data.ktriage.lib.kube

# DNS server pods: k8s-app=kube-dns (kubeadm, kops, EKS, AKS and GKE label
# CoreDNS so) or k8s-app=coredns (some Helm charts), in kube-system.
apps := {"kube-dns", "coredns"}

pods := [p |
	some p in input.kubernetes.pods
	kube.namespace(p) == "kube-system"
	kube.labels(p)["k8s-app"] in apps
]

pod_names := {p.metadata.name | some p in pods}

# Resolution failures as applications print them: glibc's gai_strerror
# (EAI_AGAIN "Temporary failure in name resolution"), Node's `getaddrinfo
# EAI_AGAIN`, Go's resolver ("lookup X on 10.96.0.10:53: no such host",
# "server misbehaving", "dial udp …:53: i/o timeout").
resolution_failure(s) if regex.match(`EAI_AGAIN|Temporary failure in name resolution|server misbehaving|lookup \S+ on \S+:53: no such host|:53: (i/o timeout|read: connection refused)`, s)

# failures is, per application pod [namespace, pod], the first kept line
# of its logs that says a lookup failed, with where it is.
failures := {[l.namespace, l.pod]: {"file": l.file, "line": k.line, "text": k.text} |
	some l in input.kubernetes.logs
	l.pod != ""
	not l.pod in pod_names
	k := [x | some x in l.kept; resolution_failure(x.text)][0]
}
