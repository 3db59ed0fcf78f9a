# METADATA
# title: kube-proxy's Service rules are absent from a node
# description: >-
#   kube-proxy in iptables or IPVS mode keeps every Service's rules under the
#   nat chain KUBE-SERVICES, which it creates on its first sync and rewrites
#   on every later one. A node whose whole nat table (chain declarations and
#   COMMIT seen, in every iptables view of the node) has no KUBE-SERVICES
#   while kube-proxy runs there does not translate ClusterIPs or NodePorts:
#   the table was flushed (a firewall service restoring its own rule set, a
#   script running iptables -t nat -F) or kube-proxy has not synced. This is
#   not the legacy/nf_tables mismatch the kube-mark-drop rule looks for, and
#   its remedies (removing KUBE-* chains, switching backends) do not apply.
#   The rule judges only nodes where the dump shows a kube-proxy pod (high)
#   or a kube-proxy DaemonSet (medium); kube-proxy's nftables mode and
#   kube-proxy replacements write no such chain.
# custom:
#   id: kube-proxy-rules-absent
#   category: kube-proxy
#   severity: high
#   needs: [node.iptables, "kubernetes.pods|kubernetes.daemonsets"]
#   remediation: >-
#     Find what flushed the nat table (systemctl status firewalld
#     iptables; a configuration manager or script that restores a rule
#     set) and stop it from doing so on Kubernetes nodes, then restart the
#     node's kube-proxy pod so it rewrites its rules at once. Do not delete
#     KUBE-* chains by hand.
#   references:
#     - https://kubernetes.io/docs/reference/networking/virtual-ips/
#     - https://kubernetes.io/blog/2022/09/07/iptables-chains-not-api/
package ktriage.rules.network["kube-proxy-rules-absent"]

import data.ktriage.lib.kube
import data.ktriage.lib.kubeproxy
import data.ktriage.lib.node
import data.ktriage.lib.sh

# What says kube-proxy should have written them here: its pod on the node
# (proof), or only its DaemonSet (the pod may be excluded from the node).
expected(name) := {
	"severity": "high",
	"who": sprintf("kube-proxy pod %s/%s runs on it", [kube.namespace(p), p.metadata.name]),
	"cite": kube.at(p, ["spec", "nodeName"], "kube-proxy runs on this node"),
	"pod": p.metadata.name,
} if {
	p := kubeproxy.pods_on(name)[0]
} else := {
	"severity": "medium",
	"who": sprintf("DaemonSet %s/%s runs kube-proxy (its pod on this node is not in the bundle)", [kube.namespace(ds), ds.metadata.name]),
	"cite": kube.cite(ds, "kube-proxy DaemonSet"),
	"pod": "",
} if {
	ds := kubeproxy.daemonsets[0]
	node.node_object(name)
}

findings contains f if {
	some name, _ in input.nodes
	kubeproxy.rules_absent(name)
	e := expected(name)
	nats := [r | some r in kubeproxy.views(name); kubeproxy.whole(r, "nat")]
	f := {
		"message": sprintf("On %s the nat table has no KUBE-SERVICES chain (%s), although %s: kube-proxy's rules are absent, so Service ClusterIPs and NodePorts are not translated on this node. The table was flushed or kube-proxy has not synced it; KUBE-MARK-DROP and the iptables backend are not in question.", [
			node.display(name), concat(", ", [r.file | some r in nats]), e.who,
		]),
		"severity": e.severity,
		"subjects": array.concat([node.subject(name)], [kube.ref(ds) | some ds in kubeproxy.daemonsets]),
		"evidence": array.concat(
			[{"file": r.file, "line": r.tables.nat.line, "text": "*nat", "note": sprintf("the %s nat table declares no KUBE-SERVICES chain", [r.variant])} | some r in nats],
			[e.cite],
		),
		"confirm": [
			sh.on_node(name, "iptables-save -t nat", " | grep -c KUBE-SERVICES"),
			logs_command(e.pod),
		],
		"fix": sprintf("Find what flushed the nat table on %s, then restart kube-proxy's pod there so it rewrites its rules.", [node.display(name)]),
		"details": {
			"node": name,
			"kube_proxy_version": kubeproxy.version_or_null(name),
			"mode": kubeproxy.mode_or_null(name),
			"evidence_of_kube_proxy": evidence_kind(e),
		},
	}
}

evidence_kind(e) := "pod" if e.pod != ""

evidence_kind(e) := "daemonset" if e.pod == ""

logs_command(pod) := concat("", [sh.format("kubectl -n kube-system logs %s", [pod]), " | grep -iE 'iptables|sync'"]) if pod != ""

logs_command(pod) := "kubectl -n kube-system get pods -l k8s-app=kube-proxy -o wide" if pod == ""
