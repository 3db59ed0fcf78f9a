# METADATA
# title: kube-proxy cannot find KUBE-MARK-DROP
# description: >-
#   Before Kubernetes 1.28, kube-proxy's rules jump to the nat chain
#   KUBE-MARK-DROP, which kubelet creates. kube-proxy images before 1.17
#   carry only legacy iptables; on a host whose iptables runs on nf_tables
#   (CentOS/RHEL 8 and their rebuilds, Debian 10+, Fedora) kubelet creates
#   the chain in nf_tables, kube-proxy's legacy view lacks it, every
#   iptables-restore it runs fails on "Couldn't load target
#   KUBE-MARK-DROP", and Service VIPs stop working. This rule reads each
#   node's iptables-save views (legacy and nft), the warning that legacy
#   tables are present, jumps to chains a table does not declare, kube-proxy's
#   version and mode (image, flags, ConfigMap, "Using ipvs Proxier") and its
#   logs. From Kubernetes 1.28 nothing creates KUBE-MARK-DROP, so its absence
#   alone is healthy there. Jumps to undeclared chains are judged only in a
#   whole dump (chain declarations and COMMIT seen): a pasted fragment
#   declares nothing. A nat table with no KUBE-SERVICES while kube-proxy
#   runs on the node in iptables or IPVS mode is a different finding:
#   kube-proxy's rules are absent (flushed, or never synced), not a
#   backend mismatch.
# custom:
#   id: kube-mark-drop
#   category: kube-mark-drop
#   severity: high
#   needs: ["node.iptables|kubernetes.logs"]
#   remediation: >-
#     Run kube-proxy and kubelet on the same iptables backend: upgrade
#     kube-proxy to 1.17 or later (its image detects the host's backend), or,
#     where the distribution still ships it, switch the host to
#     iptables-legacy (update-alternatives --set iptables
#     /usr/sbin/iptables-legacy). Then remove the other backend's stale
#     KUBE-* tables and restart kube-proxy so it rewrites its rules.
#   references:
#     - https://github.com/kubernetes/kubernetes/issues/71305
#     - https://github.com/kubernetes/kubernetes/pull/82966
#     - https://kubernetes.io/blog/2022/09/07/iptables-chains-not-api/
package ktriage.rules.network["kube-mark-drop"]

import data.ktriage.lib.kube
import data.ktriage.lib.kubeproxy
import data.ktriage.lib.node
import data.ktriage.lib.text
import data.ktriage.lib.sh

# kube-proxy's iptables-restore failing over the chain, in its own words.
failures(name) := [{"file": l.file, "line": k.line, "text": k.text, "note": "kube-proxy's iptables-restore fails on KUBE-MARK-DROP"} |
	some l in kubeproxy.logs(name)
	some k in l.kept
	regex.match(`(?i)iptables-restore|Couldn't load target`, k.text)
	contains(k.text, "KUBE-MARK-DROP")
]

# ------------------------------------------------------------- backends

nat(r) := r.tables.nat

# variant_words names a dump's backend before "table"; a dump that does
# not say which backend wrote it ("unknown") is just "this nat table".
variant_words("unknown") := ""

variant_words(v) := sprintf("%s ", [v]) if v != "unknown"

declares(r) if nat(r).chains["KUBE-MARK-DROP"].declared

marks(r) if {
	some rule in nat(r).chains["KUBE-MARK-DROP"].rules
	regex.match(`0x8000`, concat("", [object.get(rule, "set_xmark", ""), object.get(rule, "set_mark", "")]))
}

kube_chains(r) := [c | some t in r.tables; some c, _ in t.chains; startswith(c, "KUBE-")]

references(r) := [u |
	some u in kube.array(r, "undeclared_targets")
	u.chain == "KUBE-MARK-DROP"
	kubeproxy.whole(r, u.table)
]

jumps_to_mark_drop(r) := [rule |
	some t in r.tables
	some _, ch in t.chains
	some rule in ch.rules
	rule.target == "KUBE-MARK-DROP"
]

nft_host(name) if {
	some r in kubeproxy.views(name)
	r.variant == "nft"
}

# The OS only suggests the backend (Debian 10 and EL8 could be switched to
# iptables-legacy with update-alternatives): it is used only when the
# bundle holds no iptables view of the node to show it.
nft_host(name) if {
	count(kubeproxy.views(name)) == 0
	regex.match(`(?i)centos (linux|stream) [89]|red hat enterprise linux[a-z ]* [89]|rocky linux [89]|almalinux [89]|oracle linux[a-z ]* [89]|fedora|debian gnu/linux (1[0-9])`, node.os_image(name))
}

host_backend(name) := sprintf("nf_tables (%s)", [g]) if {
	g := kubeproxy.first({r.generator | some r in kubeproxy.views(name); r.variant == "nft"; r.generator != ""})
} else := sprintf("nf_tables (%s)", [node.os_image(name)]) if {
	nft_host(name)
} else := "legacy"

two_backends(name) if {
	some r in kubeproxy.views(name)
	r.legacy_tables_present
}

two_backends(name) if {
	some a in kubeproxy.views(name)
	some b in kubeproxy.views(name)
	a.variant == "legacy"
	b.variant == "nft"
	count(kube_chains(a)) > 0
	count(kube_chains(b)) > 0
}

legacy_only(name) if node.below(kubeproxy.version(name), "1.17.0")

modern(name) if not node.below(kubeproxy.version(name), "1.28.0")

# ------------------------------------------------------------- evidence

# Every way a node shows the problem, each a cited fact. The finding below
# needs one of them; the rest add proof.
problems(name) := array.concat(
	array.concat(
		[{"kind": "undeclared", "file": r.file, "line": u.line, "text": u.text, "note": sprintf("jumps to KUBE-MARK-DROP, which this %s%s table does not declare", [variant_words(r.variant), u.table])} |
			some r in kubeproxy.views(name)
			some u in references(r)
		],
		[{"kind": "missing-in-legacy", "file": r.file, "line": nat(r).line, "note": "kube-proxy's legacy nat table has no KUBE-MARK-DROP"} |
			legacy_only(name)
			not modern(name)
			not kubeproxy.rules_absent(name)
			some r in kubeproxy.views(name)
			r.variant == "legacy"
			kubeproxy.complete(r)
			nat(r)
			not declares(r)
			count(kube_chains(r)) > 0
		],
	),
	array.concat(
		[{"kind": "empty", "file": r.file, "line": nat(r).chains["KUBE-MARK-DROP"].line, "note": sprintf("KUBE-MARK-DROP is declared but has no MARK rule, while %d rule(s) jump to it: packets meant to be dropped are not marked", [count(jumps_to_mark_drop(r))])} |
			some r in kubeproxy.views(name)
			kubeproxy.complete(r)
			declares(r)
			not marks(r)
			count(jumps_to_mark_drop(r)) > 0
		],
		[object.union(f, {"kind": "log"}) | some f in failures(name)],
	),
)

supporting(name) := array.concat(
	[{"file": r.file, "line": r.warning_line, "note": "the nf_tables view warns that legacy tables are present too: two backends in use"} |
		some r in kubeproxy.views(name)
		r.legacy_tables_present
	],
	[{"file": r.file, "line": nat(r).chains["KUBE-MARK-DROP"].line, "note": sprintf("KUBE-MARK-DROP lives in the %s view", [r.variant])} |
		some r in kubeproxy.views(name)
		declares(r)
		marks(r)
	],
)

# The known-bad combination, even before it shows in logs. Views that show
# no kube-proxy rule at all say something else (rules_absent).
combination(name) if {
	not kubeproxy.rules_absent(name)
	legacy_only(name)
	kubeproxy.mode(name) == "ipvs"
	nft_host(name)
}

# Nodes that have anything to say.
candidates contains name if some name, _ in input.nodes

candidates contains name if {
	some l in kubeproxy.kube_proxy_logs
	name := kubeproxy.pod_node(l)
	name != ""
}

# ------------------------------------------------------------- findings

findings contains f if {
	some name in candidates
	ps := problems(name)
	trigger(name, ps)
	f := {
		"message": message(name, ps),
		"severity": severity(ps),
		"subjects": array.concat([node.subject(name)], [kube.ref(ds) | some ds in input.kubernetes.daemonsets; kubeproxy.is_kube_proxy(ds)]),
		"evidence": array.concat(array.concat([{"file": p.file, "line": p.line, "text": object.get(p, "text", ""), "note": p.note} | some p in ps], supporting(name)), node_evidence(name)),
		"confirm": confirm(name),
		"fix": fix(name),
		"details": {
			"node": name,
			"kube_proxy_version": kubeproxy.version_or_null(name),
			"mode": kubeproxy.mode_or_null(name),
			"host_backend": host_backend(name),
			"problems": sort({p.kind | some p in ps}),
			"two_backends": two_backends_bool(name),
		},
	}
}

trigger(_, ps) if count(ps) > 0

trigger(name, _) if combination(name)

severity(ps) := "critical" if {
	some p in ps
	p.kind in {"log", "undeclared"}
} else := "medium" if {
	count(ps) > 0
	every p in ps {
		p.kind == "empty"
	}
} else := "high"

two_backends_bool(name) if two_backends(name)

two_backends_bool(name) := false if not two_backends(name)

who(name) := sprintf("kube-proxy %s (%s mode)", [kubeproxy.version(name), kubeproxy.mode(name)]) if {
	kubeproxy.version(name)
	kubeproxy.mode(name)
} else := sprintf("kube-proxy %s", [kubeproxy.version(name)]) if {
	kubeproxy.version(name)
} else := "kube-proxy"

message(name, ps) := sprintf("On %s, %s uses legacy iptables (its image predates 1.17) while the host's iptables is %s: KUBE-MARK-DROP exists only in the nf_tables view, so %s.%s", [
	node.display(name), who(name), host_backend(name), effect(ps), log_text(ps),
]) if {
	legacy_only(name)
	nft_host(name)
} else := sprintf("On %s, %s: %s.%s", [node.display(name), who(name), what(ps), log_text(ps)])

effect(ps) := "its iptables-restore fails and Service VIPs are not programmed" if {
	some p in ps
	p.kind in {"log", "undeclared", "missing-in-legacy"}
} else := "every iptables-restore it runs will fail and Service VIPs will stop working"

what(ps) := concat("; ", sort({p.note | some p in ps; p.kind != "log"})) if {
	count([p | some p in ps; p.kind != "log"]) > 0
} else := "its iptables-restore fails on KUBE-MARK-DROP"

# The log quote is the error itself; the whole line is in the evidence.
log_text(ps) := sprintf(" kube-proxy logged it %s: \"%s\"", [text.times(count(logs)), quote(logs[0].text)]) if {
	logs := [p | some p in ps; p.kind == "log"]
	count(logs) > 0
} else := ""

quote(text) := m[0] if {
	m := regex.find_n(`(iptables-restore v[^:]*: )?Couldn't load target [^:]*`, text, 1)
	count(m) > 0
} else := text

node_evidence(name) := [kube.at(o, ["status", "nodeInfo", "osImage"], sprintf("%s, kernel %s", [o.status.nodeInfo.osImage, o.status.nodeInfo.kernelVersion])) |
	o := node.node_object(name)
	nft_host(name)
]

fix(name) := sprintf("Upgrade kube-proxy on %s from %s to 1.17 or later so it follows the host's nf_tables backend (then delete the stale legacy KUBE-* chains: iptables-legacy-save | grep -v KUBE- | iptables-legacy-restore), or run kubelet on legacy iptables where the distribution still ships it.", [node.display(name), kubeproxy.version(name)]) if {
	legacy_only(name)
} else := "Make kube-proxy and kubelet use the same iptables backend, remove the other backend's KUBE-* rules, and restart kube-proxy."

notices contains msg if {
	some name, _ in input.nodes
	some r in kubeproxy.views(name)
	r.partial
	msg := sprintf("%s%s is a fragment (no COMMIT or chain declarations): missing chains could not be judged from it", [r.file, on_node(name, r.file)])
}

# An unattributed file is named by its path already.
on_node(name, file) := "" if node.display(name) == file

on_node(name, file) := sprintf(" on %s", [node.display(name)]) if node.display(name) != file

# ------------------------------------------------------------- confirm

confirm(name) := array.concat(
	[
		sh.on_node(name, "iptables-legacy-save -t nat", " | grep -n KUBE-MARK-DROP"),
		sh.on_node(name, "iptables-nft-save -t nat", " | grep -n KUBE-MARK-DROP"),
	],
	array.concat(proxy_logs(name), [sh.on_node(name, "ipvsadm -Ln", sh.comment("IPVS mode: are the Service VIPs there?"))]),
)

# kubectl logs takes no field selector: name the node's kube-proxy pod when
# the bundle has it, else list it by node first.
proxy_logs(name) := [concat("", [sh.format("kubectl -n %s logs %s", [kube.namespace(p), p.metadata.name]), " | grep -i iptables-restore"])] if {
	p := proxy_pod(name)
} else := [concat("", [
	sh.format("kubectl -n kube-system get pods -l k8s-app=kube-proxy -o name --field-selector %s", [concat("", ["spec.nodeName=", name])]),
	sh.comment("then: kubectl -n kube-system logs POD | grep -i iptables-restore"),
])] if {
	not startswith(name, "unattributed:")
} else := ["kubectl -n kube-system logs -l k8s-app=kube-proxy --prefix --tail=-1 | grep -i iptables-restore"]

proxy_pod(name) := [p |
	some p in kubeproxy.kube_proxy_pods
	object.get(p, ["spec", "nodeName"], "") == name
][0]
