package ktriage.rules.network["kube-proxy-rules-absent_test"]

import data.ktriage.rules.network["kube-proxy-rules-absent"] as rule

# ------------------------------------------------------------ builders

chain(declared, line, rules) := {"declared": declared, "builtin": false, "policy": "-", "line": line, "rules": rules}

builtin(line) := {"declared": true, "builtin": true, "policy": "ACCEPT", "line": line, "rules": []}

view(variant, nat_chains, extra) := object.union({
	"file": sprintf("nodes/vm-8/iptables-%s-save.txt", [variant]),
	"family": "ipv4", "generator": "iptables-save v1.8.4", "variant": variant,
	"legacy_tables_present": false, "warning_line": 0, "partial": false,
	"tables": {
		"nat": {"line": 20, "committed": true, "chains": nat_chains},
		"filter": {"line": 2, "committed": true, "chains": {"KUBE-FIREWALL": chain(true, 3, []), "KUBE-SERVICES": chain(true, 4, [])}},
	},
	"undeclared_targets": [],
}, extra)

# `iptables -t nat -F; iptables -t nat -X`: the built-in chains only.
flushed := view("legacy", {"PREROUTING": builtin(21), "INPUT": builtin(22), "OUTPUT": builtin(23), "POSTROUTING": builtin(24)}, {})

synced := view("legacy", {"PREROUTING": builtin(21), "KUBE-SERVICES": chain(true, 25, []), "KUBE-MARK-MASQ": chain(true, 26, [])}, {})

kube_proxy_ds(tag, mode) := {
	"kind": "DaemonSet", "metadata": {"namespace": "kube-system", "name": "kube-proxy"},
	"spec": {"template": {"spec": {"containers": [{
		"name": "kube-proxy", "image": sprintf("registry.k8s.io/kube-proxy:%s", [tag]),
		"command": ["/usr/local/bin/kube-proxy", sprintf("--proxy-mode=%s", [mode])],
	}]}}},
}

kp_pod(ds) := {"kind": "Pod", "metadata": {"namespace": "kube-system", "name": "kube-proxy-x7k2p"}, "spec": {"nodeName": "vm-8", "containers": ds.spec.template.spec.containers}}

node_obj := {"kind": "Node", "metadata": {"name": "vm-8"}, "status": {"nodeInfo": {"osImage": "Ubuntu 22.04.4 LTS"}}}

cluster(views, dss, pods) := {
	"nodes": {"vm-8": {"iptables": views}},
	"kubernetes": {"nodes": [node_obj], "daemonsets": dss, "pods": pods, "configmaps": [], "logs": []},
}

only(set) := x if {
	count(set) == 1
	some x in set
}

# ------------------------------------------------------------- tests

test_fires_on_a_flushed_nat_table_where_kube_proxy_runs if {
	ds := kube_proxy_ds("v1.27.3", "iptables")
	f := only(rule.findings) with input as cluster([flushed], [ds], [kp_pod(ds)])
	f.severity == "high"
	f.message == "On vm-8 the nat table has no KUBE-SERVICES chain (nodes/vm-8/iptables-legacy-save.txt), although kube-proxy pod kube-system/kube-proxy-x7k2p runs on it: kube-proxy's rules are absent, so Service ClusterIPs and NodePorts are not translated on this node. The table was flushed or kube-proxy has not synced it; KUBE-MARK-DROP and the iptables backend are not in question."
	[e.note | some e in f.evidence] == ["the legacy nat table declares no KUBE-SERVICES chain", "kube-proxy runs on this node"]
	f.evidence[1].path == ["spec", "nodeName"]
	f.details == {"node": "vm-8", "kube_proxy_version": "1.27.3", "mode": "iptables", "evidence_of_kube_proxy": "pod"}
	f.confirm[0] == "kubectl debug node/vm-8 -it --image=docker.io/library/busybox:1.36 --profile=sysadmin -- chroot /host iptables-save -t nat | grep -c KUBE-SERVICES"
	f.confirm[1] == "kubectl -n kube-system logs kube-proxy-x7k2p | grep -iE 'iptables|sync'"
}

test_only_the_daemonset_is_medium if {
	f := only(rule.findings) with input as cluster([flushed], [kube_proxy_ds("v1.22.4", "ipvs")], [])
	f.severity == "medium"
	contains(f.message, "although DaemonSet kube-system/kube-proxy runs kube-proxy (its pod on this node is not in the bundle)")
}

test_silent_when_kube_services_is_there if {
	ds := kube_proxy_ds("v1.27.3", "iptables")
	count(rule.findings) == 0 with input as cluster([synced], [ds], [kp_pod(ds)])
}

# Two views of one node: the rules live in the other backend's view.
test_silent_when_any_view_has_kube_services if {
	ds := kube_proxy_ds("v1.27.3", "iptables")
	nft := object.union(synced, {"variant": "nft", "file": "nodes/vm-8/iptables-nft-save.txt"})
	count(rule.findings) == 0 with input as cluster([flushed, nft], [ds], [kp_pod(ds)])
}

# A fragment (no declarations, no COMMIT) cannot show a chain is missing.
test_silent_on_a_fragment if {
	ds := kube_proxy_ds("v1.27.3", "iptables")
	frag := object.union(flushed, {"partial": true})
	count(rule.findings) == 0 with input as cluster([frag], [ds], [kp_pod(ds)])
}

# No kube-proxy in the dump (a kube-proxy replacement, a pod's network
# namespace, a host outside Kubernetes), or kube-proxy's nftables mode.
test_silent_without_kube_proxy_or_in_nftables_mode if {
	count(rule.findings) == 0 with input as cluster([flushed], [], [])
	ds := kube_proxy_ds("v1.31.0", "nftables")
	count(rule.findings) == 0 with input as cluster([flushed], [ds], [kp_pod(ds)])
}

test_silent_on_a_filter_only_dump if {
	ds := kube_proxy_ds("v1.27.3", "iptables")
	filter_only := json.remove(flushed, ["tables/nat"])
	count(rule.findings) == 0 with input as cluster([filter_only], [ds], [kp_pod(ds)])
}
