# METADATA
# title: NetworkPolicy blocks DNS or isolates pods from every source
# description: >-
#   Evaluates the NetworkPolicies of each namespace whose policies the
#   bundle holds, with Kubernetes' semantics: policyTypes default to Ingress
#   (plus Egress when the policy has egress rules), an empty podSelector
#   selects every pod of the namespace, policies selecting a pod add up, a
#   port without protocol is TCP, absent `ports` allow every port, absent
#   `to`/`from` allow every peer, endPort widens a port to a range. High:
#   pods isolated for egress by policies none of which allows UDP port 53
#   to the cluster DNS pods (kube-system, the kube-dns pods, or anywhere):
#   every lookup they make times out; the pods whose logs show resolution
#   failures are listed as consequences. Medium: the same for TCP 53 only
#   (answers longer than 512 bytes fail); pods that back a Service isolated
#   for ingress by policies with no ingress rule at all (nothing reaches
#   them); a namespaceSelector whose matchLabels no collected Namespace
#   carries (the common `name: x` where namespaces carry
#   `kubernetes.io/metadata.name: x`), judged only when Namespaces were
#   collected. Info: a policy whose podSelector selects no pod of its
#   namespace (pods collected). A namespace whose egress policies allow
#   port 53 stays silent.
# custom:
#   id: network-policy
#   category: network-policy
#   severity: high
#   needs: [kubernetes.networkpolicies]
#   remediation: >-
#     Policies add up: give the isolated pods a policy that allows what they
#     need rather than editing a default-deny. For DNS, an egress rule to
#     namespaceSelector `kubernetes.io/metadata.name: kube-system` with
#     podSelector `k8s-app: kube-dns` on UDP and TCP port 53. Select
#     namespaces by `kubernetes.io/metadata.name`, which the API server sets
#     on every namespace (1.21+), unless you label them yourself.
#   references:
#     - https://kubernetes.io/docs/concepts/services-networking/network-policies/
#     - https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/
#     - https://kubernetes.io/docs/tasks/administer-cluster/dns-debugging-resolution/
package ktriage.rules.network["network-policy"]

import data.ktriage.lib.dns
import data.ktriage.lib.kube
import data.ktriage.lib.netranges
import data.ktriage.lib.sh

# ------------------------------------------------------------ selectors

# matches applies a LabelSelector (matchLabels and matchExpressions; an
# empty or null selector selects everything).
matches(sel, lbls) if {
	every k, v in kube.map(sel, "matchLabels") {
		lbls[k] == v
	}
	every e in kube.array(sel, "matchExpressions") {
		expression(e, lbls)
	}
}

expression(e, lbls) if {
	e.operator == "In"
	lbls[e.key] in kube.array(e, "values")
}

expression(e, lbls) if {
	e.operator == "NotIn"
	not lbls[e.key] in kube.array(e, "values")
}

expression(e, lbls) if {
	e.operator == "Exists"
	lbls[e.key]
}

expression(e, lbls) if {
	e.operator == "DoesNotExist"
	not has_key(lbls, e.key)
}

has_key(o, k) if _ = o[k]

# --------------------------------------------------------- the policies

policies := [p |
	some p in input.kubernetes.networkpolicies
	input.kubernetes.listed.networkpolicies[kube.namespace(p)]
]

# Over the set of namespaces, each once: an object comprehension that
# produces the same key again (once per policy) is quadratic in OPA. The
# comprehensions are assigned to a variable so OPA indexes them (one pass,
# then lookups) instead of scanning every policy or pod per namespace.
policies_in := {ns: ps |
	some ns in {kube.namespace(q) | some q in policies}
	ps := [p | some p in policies; kube.namespace(p) == ns]
}

# policy_types: as the API server defaults them.
policy_types(p) := {t | some t in p.spec.policyTypes} if {
	count(kube.array(p, ["spec", "policyTypes"])) > 0
} else := {"Ingress", "Egress"} if {
	is_array(p.spec.egress)
} else := {"Ingress"}

# Only namespaces with policies are indexed: a large bundle's other pods
# are never looked at twice.
pods_by_ns := {ns: ps |
	some ns, _ in policies_in
	ps := [p | some p in input.kubernetes.pods; kube.namespace(p) == ns]
}

pods_in(ns) := object.get(pods_by_ns, ns, [])

pods_listed(ns) if input.kubernetes.listed.pods[ns]

selects(pol, pod) if {
	kube.namespace(pod) == kube.namespace(pol)
	matches(kube.map(pol, ["spec", "podSelector"]), kube.labels(pod))
}

# Running pods only: a finished Job's pod needs nothing.
live(pod) if not object.get(pod, ["status", "phase"], "Running") in {"Succeeded", "Failed"}

# ----------------------------------------------------------- namespaces

namespaces_known if count(input.kubernetes.namespaces) > 0

# A namespace's labels: the collected ones, and the name label the API
# server sets on every namespace since 1.21 (also when not collected).
ns_labels(name) := object.union(l, {"kubernetes.io/metadata.name": name}) if {
	some n in input.kubernetes.namespaces
	n.metadata.name == name
	l := kube.labels(n)
} else := {"kubernetes.io/metadata.name": name}

# -------------------------------------------------------------- DNS pods

# The labels and addresses of the DNS pods; without them in the bundle,
# the labels every distribution gives CoreDNS.
dns_targets := [{"labels": kube.labels(p), "ip": object.get(p, ["status", "podIP"], ""), "ports": [c | some ct in kube.containers(p.spec); some c in kube.array(ct, "ports")]} | some p in dns.pods] if {
	count(dns.pods) > 0
} else := [{"labels": {"k8s-app": "kube-dns"}, "ip": "", "ports": [
	{"name": "dns", "containerPort": 53, "protocol": "UDP"},
	{"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
]}]

dns_cluster_ips := [ip |
	some s in input.kubernetes.services
	kube.namespace(s) == "kube-system"
	s.metadata.name == "kube-dns"
	ip := s.spec.clusterIP
	is_string(ip)
	ip != "None"
]

# peer_reaches_dns: an egress peer that admits a DNS pod.
peer_reaches_dns(peer, pol_ns, t) if {
	not peer.ipBlock
	is_object(peer.namespaceSelector)
	matches(peer.namespaceSelector, ns_labels("kube-system"))
	matches(kube.map(peer, "podSelector"), t.labels)
}

peer_reaches_dns(peer, "kube-system", t) if {
	not peer.ipBlock
	not peer.namespaceSelector
	is_object(peer.podSelector)
	matches(peer.podSelector, t.labels)
}

peer_reaches_dns(peer, _, t) if {
	netranges.valid_cidr(peer.ipBlock.cidr)
	some ip in block_targets(t)
	net.cidr_contains(peer.ipBlock.cidr, ip)
	not excepted(peer.ipBlock, ip)
}

# Without a DNS address in the bundle, only "anywhere" is known to admit it.
peer_reaches_dns(peer, _, t) if {
	count(block_targets(t)) == 0
	netranges.valid_cidr(peer.ipBlock.cidr)
	endswith(peer.ipBlock.cidr, "/0")
	count(kube.array(peer.ipBlock, "except")) == 0
}

# An ipBlock whose cidr is not one (the API server refuses it; a hand-made
# or damaged file may hold it) is not judged: taken as admitting DNS, so
# that no finding rests on what cannot be read.
peer_reaches_dns(peer, _, _) if {
	_ = peer.ipBlock.cidr
	not netranges.valid_cidr(peer.ipBlock.cidr)
}

# A CNI may see a pod's packet to the ClusterIP before or after the DNAT:
# either address admitted counts.
block_targets(t) := [x | some x in array.concat([t.ip], dns_cluster_ips); netranges.valid_ip(x)]

# An except entry that is not a CIDR excepts nothing here: the peer then
# counts as admitting DNS, again no finding on what cannot be read.
excepted(block, ip) if {
	some c in kube.array(block, "except")
	netranges.valid_cidr(c)
	net.cidr_contains(c, ip)
}

# port_allows: a NetworkPolicyPort that admits port 53 of proto on the
# DNS pod t (a named port is the pod's container port of that name).
port_allows(p, proto, _) if {
	object.get(p, "protocol", "TCP") == proto
	not p.port
}

port_allows(p, proto, _) if {
	object.get(p, "protocol", "TCP") == proto
	is_number(p.port)
	p.port <= 53
	53 <= object.get(p, "endPort", p.port)
}

port_allows(p, proto, t) if {
	object.get(p, "protocol", "TCP") == proto
	is_string(p.port)
	some c in t.ports
	c.name == p.port
	object.get(c, "protocol", "TCP") == proto
	c.containerPort == 53
}

rule_ports_allow(r, proto, t) if count(kube.array(r, "ports")) == 0

rule_ports_allow(r, proto, t) if {
	some p in kube.array(r, "ports")
	port_allows(p, proto, t)
}

rule_peers_allow(r, _, _) if count(kube.array(r, "to")) == 0

rule_peers_allow(r, pol_ns, t) if {
	some peer in kube.array(r, "to")
	peer_reaches_dns(peer, pol_ns, t)
}

# dns_allowed: one rule of one policy admits proto 53 to some DNS pod.
dns_allowed(pols, proto) if {
	some pol in pols
	some r in kube.array(pol, ["spec", "egress"])
	some t in dns_targets
	rule_ports_allow(r, proto, t)
	rule_peers_allow(r, kube.namespace(pol), t)
}

# ------------------------------------------------------------- egress

egress_policies(pod) := [pol |
	some pol in policies_in[kube.namespace(pod)]
	"Egress" in policy_types(pol)
	selects(pol, pod)
]

# Pods isolated for egress without UDP (TCP) 53: [namespace, pod, the
# names of the policies isolating it].
blocked_pods("UDP") := blocked_udp

blocked_pods("TCP") := blocked_tcp

blocked_udp contains [kube.namespace(pod), pod.metadata.name, names] if {
	some pod in input.kubernetes.pods
	live(pod)
	pols := egress_policies(pod)
	count(pols) > 0
	not dns_allowed(pols, "UDP")
	names := sort({pol.metadata.name | some pol in pols})
}

blocked_tcp contains [kube.namespace(pod), pod.metadata.name, names] if {
	some pod in input.kubernetes.pods
	live(pod)
	pols := egress_policies(pod)
	count(pols) > 0
	not dns_allowed(pols, "TCP")
	names := sort({pol.metadata.name | some pol in pols})
}

# blocked groups them by namespace: one finding each, naming every policy
# that isolates one of its pods.
blocked(proto) := {ns: {"pods": sort({pod | some [ns2, pod, _] in blocked_pods(proto); ns2 == ns}), "names": sort({n | some [ns2, _, names] in blocked_pods(proto); ns2 == ns; some n in names})} |
	some [ns, _, _] in blocked_pods(proto)
}

policy_named(ns, name) := [p | some p in policies; kube.namespace(p) == ns; p.metadata.name == name][0]

# rules_text says in words what a policy's egress allows.
rules_text(pol) := "no egress rule (denies all egress)" if {
	count(kube.array(pol, ["spec", "egress"])) == 0
} else := concat("; ", [rule_text(r) | some r in kube.array(pol, ["spec", "egress"])])

rule_text(r) := sprintf("to %s on %s", [peers_text(kube.array(r, "to")), ports_text(kube.array(r, "ports"))])

peers_text(ps) := "anywhere" if count(ps) == 0 else := concat(", ", [peer_text(p) | some p in ps])

peer_text(p) := sprintf("ipBlock %s", [p.ipBlock.cidr]) if p.ipBlock else := concat(" ", [x |
	some x in [
		ns_part(p),
		pod_part(p),
	]
	x != ""
])

ns_part(p) := sprintf("namespaces %s", [selector_text(p.namespaceSelector)]) if is_object(p.namespaceSelector) else := ""

pod_part(p) := sprintf("pods %s", [selector_text(p.podSelector)]) if is_object(p.podSelector) else := ""

selector_text(s) := "(all)" if {
	count(kube.map(s, "matchLabels")) == 0
	count(kube.array(s, "matchExpressions")) == 0
} else := concat(",", array.concat(
	[sprintf("%s=%s", [k, v]) | some k, v in kube.map(s, "matchLabels")],
	[sprintf("%s %s %v", [e.key, e.operator, object.get(e, "values", [])]) | some e in kube.array(s, "matchExpressions")],
))

ports_text(ps) := "all ports" if count(ps) == 0 else := concat(", ", [port_text(p) | some p in ps])

port_text(p) := sprintf("%s %v-%v", [object.get(p, "protocol", "TCP"), p.port, p.endPort]) if p.endPort else := sprintf("%s %v", [object.get(p, "protocol", "TCP"), object.get(p, "port", "all")])

dns_consequences(ns, pods) := [{"kind": "Pod", "namespace": ns, "name": name, "note": sprintf("logs a name resolution failure: %s", [dns.failures[[ns, name]].text])} |
	some name in pods
	dns.failures[[ns, name]]
]

dns_evidence(ns, pods) := [{"file": x.file, "line": x.line, "text": x.text, "note": sprintf("%s/%s cannot resolve names", [ns, name])} |
	some name in array.slice(pods, 0, 5)
	x := dns.failures[[ns, name]]
]

pods_words(pods) := sprintf("%d pod(s) (%s%s)", [count(pods), concat(", ", array.slice(pods, 0, 5)), more(pods, 5)])

more(l, n) := "" if count(l) <= n else := sprintf(" and %d more", [count(l) - n])

findings contains f if {
	some ns, b in blocked("UDP")
	pods := b.pods
	names := b.names
	pols := [policy_named(ns, n) | some n in names]
	cons := dns_consequences(ns, pods)
	f := {
		"message": sprintf("%s in namespace %s isolate %s for egress and allow no UDP port 53 to cluster DNS: every name lookup from them times out. Egress allowed: %s.%s", [
			policy_words(names), ns, pods_words(pods), concat(" | ", [sprintf("%s: %s", [p.metadata.name, rules_text(p)]) | some p in pols]), cons_text(cons),
		]),
		"severity": "high",
		"subjects": array.concat([kube.ref(p) | some p in pols], [{"kind": "Pod", "namespace": ns, "name": n} | some n in array.slice(pods, 0, 5)]),
		"evidence": array.concat([egress_evidence(p) | some p in pols], dns_evidence(ns, pods)),
		"confirm": array.concat(
			[sh.format("kubectl -n %s get networkpolicy %s -o yaml", [ns, n]) | some n in array.slice(names, 0, 2)],
			[sh.format("kubectl -n %s exec %s -- nslookup kubernetes.default", [ns, pods[0]])],
		),
		"fix": sprintf("Add to namespace %s a NetworkPolicy selecting these pods with an egress rule to namespaceSelector kubernetes.io/metadata.name=kube-system, podSelector k8s-app=kube-dns, ports UDP 53 and TCP 53 (policies add up; %s keeps its other effects).", [ns, concat(", ", names)]),
		"details": {
			"reason": "egress-blocks-dns",
			"group": ns,
			"policies": names,
			"pods": pods,
			"consequences": cons,
		},
	}
}

policy_words(names) := sprintf("NetworkPolicy %s", [names[0]]) if count(names) == 1 else := sprintf("NetworkPolicies %s", [concat(", ", names)])

cons_text(cons) := "" if count(cons) == 0 else := sprintf(" %d of them log name resolution failures.", [count(cons)])

egress_evidence(p) := kube.at(p, ["spec", "egress"], sprintf("egress rules: %s", [rules_text(p)])) if {
	is_array(p.spec.egress)
} else := kube.at(p, ["spec", "policyTypes"], "policyTypes includes Egress and the policy has no egress rule")

# UDP 53 allowed, TCP 53 not: answers too long for UDP are truncated and
# the retry over TCP is dropped.
findings contains f if {
	some ns, b in blocked("TCP")
	pods := [p | some p in b.pods; not p in object.get(blocked("UDP"), [ns, "pods"], [])]
	count(pods) > 0
	names := b.names
	pols := [policy_named(ns, n) | some n in names]
	f := {
		"message": sprintf("%s in namespace %s allow %s UDP port 53 to cluster DNS but not TCP port 53: answers longer than 512 bytes (many records, DNSSEC) are truncated and the retry over TCP is dropped.", [
			policy_words(names), ns, pods_words(pods),
		]),
		"severity": "medium",
		"subjects": [kube.ref(p) | some p in pols],
		"evidence": [egress_evidence(p) | some p in pols],
		"confirm": [sh.format("kubectl -n %s get networkpolicy %s -o yaml", [ns, n]) | some n in array.slice(names, 0, 2)],
		"fix": "Add TCP port 53 next to UDP port 53 in the egress rule to cluster DNS.",
		"details": {"reason": "egress-blocks-dns-tcp", "group": ns, "policies": names, "pods": pods},
	}
}

# ------------------------------------------------------------ ingress

ingress_policies(pod) := [pol |
	some pol in policies_in[kube.namespace(pod)]
	"Ingress" in policy_types(pol)
	selects(pol, pod)
]

findings contains f if {
	some svc in input.kubernetes.services
	ns := kube.namespace(svc)
	policies_in[ns]
	sel := kube.map(svc, ["spec", "selector"])
	count(sel) > 0
	backends := [p | some p in pods_in(ns); live(p); kube.selects(sel, kube.labels(p))]
	count(backends) > 0
	every p in backends {
		count(ingress_policies(p)) > 0
		every pol in ingress_policies(p) {
			count(kube.array(pol, ["spec", "ingress"])) == 0
		}
	}
	pols := {pol.metadata.name: pol | some p in backends; some pol in ingress_policies(p)}
	names := sort(object.keys(pols))
	f := {
		"message": sprintf("Service %s/%s has %d backend pod(s), and NetworkPolicy %s isolates them for ingress with no ingress rule: no source, not even pods of the same namespace, can reach them.", [
			ns, svc.metadata.name, count(backends), concat(", ", names),
		]),
		"severity": "medium",
		"subjects": array.concat([kube.ref(svc)], [kube.ref(pols[n]) | some n in names]),
		"evidence": array.concat(
			[kube.at(svc, ["spec", "selector"], sprintf("selects %d pod(s)", [count(backends)]))],
			[kube.at(pols[n], ["spec", "podSelector"], "selects the Service's pods for ingress, admits nothing") | some n in names],
		),
		"confirm": array.concat([sh.format("kubectl -n %s get networkpolicy -o yaml", [ns])], [sh.format("kubectl -n %s get endpoints %s", [ns, svc.metadata.name])]),
		"fix": sprintf("Add a NetworkPolicy in %s that selects the Service's pods and allows ingress from its clients (policies add up; keep the deny-all as the default).", [ns]),
		"details": {"reason": "ingress-admits-nothing", "policies": names, "pods": sort({p.metadata.name | some p in backends})},
	}
}

# -------------------------------------------------- namespace selectors

peers(pol) := [peer |
	some dir in ["ingress", "egress"]
	some r in kube.array(pol, ["spec", dir])
	some side in ["from", "to"]
	some peer in kube.array(r, side)
]

findings contains f if {
	namespaces_known
	some pol in policies
	some peer in peers(pol)
	nsel := peer.namespaceSelector
	is_object(nsel)
	count(kube.map(nsel, "matchLabels")) > 0
	not some_namespace_matches(nsel)
	labels := kube.map(nsel, "matchLabels")
	f := {
		"message": sprintf("NetworkPolicy %s/%s selects namespaces by %s, which no namespace carries: the rule admits nothing.%s", [
			kube.namespace(pol), pol.metadata.name, selector_text(nsel), hint(labels),
		]),
		"severity": "medium",
		"subjects": [kube.ref(pol)],
		"evidence": [kube.cite(pol, sprintf("namespaceSelector %s", [selector_text(nsel)]))],
		"confirm": [
			sh.format("kubectl -n %s get networkpolicy %s -o yaml", [kube.namespace(pol), pol.metadata.name]),
			"kubectl get namespaces --show-labels",
		],
		"fix": sprintf("Select the namespace by a label it has%s.", [fix_hint(labels)]),
		"details": {"reason": "namespace-selector-matches-nothing", "selector": nsel},
	}
}

some_namespace_matches(nsel) if {
	some n in input.kubernetes.namespaces
	matches(nsel, ns_labels(n.metadata.name))
}

# The common mistake: name: x where namespaces carry
# kubernetes.io/metadata.name: x.
hint(labels) := sprintf(" Namespace %s exists: its name label is kubernetes.io/metadata.name=%s.", [v, v]) if {
	some k, v in labels
	k != "kubernetes.io/metadata.name"
	some n in input.kubernetes.namespaces
	n.metadata.name == v
} else := ""

fix_hint(labels) := sprintf(" (kubernetes.io/metadata.name: %s)", [v]) if {
	some k, v in labels
	k != "kubernetes.io/metadata.name"
	some n in input.kubernetes.namespaces
	n.metadata.name == v
} else := ""

# ------------------------------------------------ podSelector matches none

findings contains f if {
	some pol in policies
	ns := kube.namespace(pol)
	pods_listed(ns)
	sel := kube.map(pol, ["spec", "podSelector"])
	count(kube.map(sel, "matchLabels")) + count(kube.array(sel, "matchExpressions")) > 0
	count([p | some p in pods_in(ns); selects(pol, p)]) == 0
	f := {
		"message": sprintf("NetworkPolicy %s/%s selects pods by %s and no pod of namespace %s matches: it has no effect.", [ns, pol.metadata.name, selector_text(sel), ns]),
		"severity": "info",
		"subjects": [kube.ref(pol)],
		"evidence": [kube.at(pol, ["spec", "podSelector"], sprintf("podSelector %s", [selector_text(sel)]))],
		"confirm": [sh.format("kubectl -n %s get pods --show-labels", [ns])],
		"fix": "Fix the podSelector to the labels the pods carry, or delete the policy if its workload is gone.",
		"details": {"reason": "selects-no-pod"},
	}
}
