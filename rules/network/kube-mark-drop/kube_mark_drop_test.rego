package ktriage.rules.network["kube-mark-drop_test"]

import data.ktriage.rules.network["kube-mark-drop"] as rule

# ------------------------------------------------------------ builders

chain(declared, line, rules) := {"declared": declared, "builtin": false, "policy": "-", "line": line, "rules": rules}

mark_rule := {"line": 12, "text": "-A KUBE-MARK-DROP -j MARK --set-xmark 0x8000/0x8000", "target": "MARK", "set_xmark": "0x8000/0x8000"}

jump(line, from) := {"line": line, "text": sprintf("-A %s -j KUBE-MARK-DROP", [from]), "target": "KUBE-MARK-DROP"}

view(variant, generator, nat_chains, extra) := object.union({
	"file": sprintf("nodes/vm-8/iptables-%s-save.txt", [variant]),
	"family": "ipv4", "generator": generator, "variant": variant,
	"legacy_tables_present": false, "warning_line": 0, "partial": false,
	"tables": {"nat": {"line": 3, "committed": true, "chains": nat_chains}},
	"undeclared_targets": [],
}, extra)

# kubelet's chains, created in nf_tables on an EL8 host
nft_view := view("nft", "iptables-nft-save v1.8.4", {
	"KUBE-MARK-DROP": chain(true, 5, [mark_rule]),
	"KUBE-MARK-MASQ": chain(true, 6, []),
	"KUBE-POSTROUTING": chain(true, 7, []),
}, {"legacy_tables_present": true, "warning_line": 1})

# kube-proxy 1.13's own chains, written with legacy iptables
legacy_view := view("legacy", "iptables-save v1.6.1", {
	"KUBE-SERVICES": chain(true, 4, []),
	"KUBE-FIREWALL": chain(true, 5, []),
	"KUBE-NODE-PORT": chain(true, 6, []),
}, {})

kube_proxy_ds(tag, mode) := {
	"kind": "DaemonSet", "metadata": {"namespace": "kube-system", "name": "kube-proxy"},
	"spec": {"template": {"spec": {"containers": [{
		"name": "kube-proxy", "image": sprintf("k8s.gcr.io/kube-proxy:%s", [tag]),
		"command": ["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf", sprintf("--proxy-mode=%s", [mode])],
	}]}}},
}

el8_node := {
	"kind": "Node", "metadata": {"name": "vm-8"},
	"status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.8"}], "nodeInfo": {"osImage": "CentOS Linux 8 (Core)", "kernelVersion": "4.18.0-80.el8.x86_64", "kubeProxyVersion": "v1.13.3"}},
}

# the DaemonSet's pod on vm-8 runs the DaemonSet's image
kp_pods(dss) := [{"kind": "Pod", "metadata": {"namespace": "kube-system", "name": "kube-proxy-x7k2p"}, "spec": {"nodeName": "vm-8", "containers": ds.spec.template.spec.containers}} | some ds in dss]

restore_error := "E0312 09:15:02.123456       1 proxier.go:1583] Failed to execute iptables-restore: exit status 2 (iptables-restore v1.6.0: Couldn't load target `KUBE-MARK-DROP':No such file or directory"

kp_log(lines) := {"namespace": "kube-system", "pod": "kube-proxy-x7k2p", "container": "kube-proxy", "file": "dump.txt", "line": 100, "lines": count(lines), "kept": [{"line": 100 + i, "text": t} | some i, t in lines]}

cluster(views, dss, logs) := {
	"nodes": {"vm-8": {"iptables": views}},
	"kubernetes": {"nodes": [el8_node], "daemonsets": dss, "pods": kp_pods(dss), "configmaps": [], "logs": logs},
}

only(set) := x if {
	count(set) == 1
	some x in set
}

# ------------------------------------------------------------- tests

test_fires_on_the_incident_with_logs if {
	f := only(rule.findings) with input as cluster([nft_view, legacy_view], [kube_proxy_ds("v1.13.3", "ipvs")], [kp_log(["I0312 server_others.go:189] Using ipvs Proxier.", restore_error, replace(restore_error, "09:15:02", "09:15:32")])])
	f.severity == "critical"
	startswith(f.message, "On vm-8, kube-proxy 1.13.3 (ipvs mode) uses legacy iptables (its image predates 1.17) while the host's iptables is nf_tables (iptables-nft-save v1.8.4): KUBE-MARK-DROP exists only in the nf_tables view, so its iptables-restore fails")
	contains(f.message, "kube-proxy logged it 2 times: \"iptables-restore v1.6.0: Couldn't load target `KUBE-MARK-DROP'\"")
	f.details.problems == ["log", "missing-in-legacy"]
	f.details.two_backends == true
	notes := {e.note | some e in f.evidence}
	"the nf_tables view warns that legacy tables are present too: two backends in use" in notes
	"KUBE-MARK-DROP lives in the nft view" in notes
	"kube-proxy's legacy nat table has no KUBE-MARK-DROP" in notes
}

test_known_bad_combination_without_logs_or_node_files if {
	inp := {
		"nodes": {"vm-8": {}},
		"kubernetes": {"nodes": [el8_node], "daemonsets": [kube_proxy_ds("v1.13.3", "ipvs")], "pods": kp_pods([kube_proxy_ds("v1.13.3", "ipvs")]), "configmaps": [], "logs": []},
	}
	f := only(rule.findings) with input as inp
	f.severity == "high"
	contains(f.message, "every iptables-restore it runs will fail")
}

test_fires_on_undeclared_reference_in_any_version if {
	v := view("legacy", "iptables-save v1.8.7 (legacy)", {"KUBE-SERVICES": chain(true, 3, []), "KUBE-FIREWALL": chain(true, 4, [jump(9, "KUBE-FIREWALL")])}, {"undeclared_targets": [{"table": "nat", "chain": "KUBE-MARK-DROP", "line": 9, "text": "-A KUBE-FIREWALL -j KUBE-MARK-DROP"}]})
	f := only(rule.findings) with input as cluster([v], [kube_proxy_ds("v1.22.4", "iptables")], [])
	f.severity == "critical"
	f.details.problems == ["undeclared"]
}

test_empty_chain_is_medium if {
	v := view("legacy", "iptables-save v1.8.7 (legacy)", {"KUBE-SERVICES": chain(true, 4, []), "KUBE-MARK-DROP": chain(true, 5, []), "KUBE-FIREWALL": chain(true, 6, [jump(10, "KUBE-FIREWALL")])}, {})
	f := only(rule.findings) with input as cluster([v], [kube_proxy_ds("v1.20.1", "ipvs")], [])
	f.severity == "medium"
	contains(f.message, "KUBE-MARK-DROP is declared but has no MARK rule, while 1 rule(s) jump to it")
}

test_silent_on_modern_cluster_without_the_chain if {
	v := view("nft", "iptables-nft-save v1.8.9 (nf_tables)", {"KUBE-SERVICES": chain(true, 4, []), "KUBE-MARK-MASQ": chain(true, 5, [])}, {})
	count(rule.findings) == 0 with input as cluster([v], [kube_proxy_ds("v1.29.2", "iptables")], [kp_log(["I0101 server.go:484] Using iptables Proxier"])])
}

test_silent_on_consistent_legacy_host if {
	ubuntu := json.patch(el8_node, [{"op": "replace", "path": "/status/nodeInfo/osImage", "value": "Ubuntu 18.04.6 LTS"}])
	v := view("legacy", "iptables-save v1.6.1", {"KUBE-MARK-DROP": chain(true, 5, [mark_rule]), "KUBE-SERVICES": chain(true, 4, [])}, {})
	inp := {
		"nodes": {"vm-8": {"iptables": [v]}},
		"kubernetes": {"nodes": [ubuntu], "daemonsets": [kube_proxy_ds("v1.13.3", "ipvs")], "pods": kp_pods([kube_proxy_ds("v1.13.3", "ipvs")]), "configmaps": [], "logs": []},
	}
	count(rule.findings) == 0 with input as inp
}

# Debian 10 switched to iptables-legacy, as kubeadm's docs once said:
# the OS name suggests nf_tables, the node's only view (legacy) declares
# and marks KUBE-MARK-DROP. The files win over the OS name.
test_silent_when_the_views_contradict_the_os_name if {
	debian := json.patch(el8_node, [{"op": "replace", "path": "/status/nodeInfo/osImage", "value": "Debian GNU/Linux 10 (buster)"}])
	v := view("legacy", "iptables-save v1.8.2 (legacy)", {"KUBE-MARK-DROP": chain(true, 5, [mark_rule]), "KUBE-SERVICES": chain(true, 4, [])}, {})
	inp := {
		"nodes": {"vm-8": {"iptables": [v]}},
		"kubernetes": {"nodes": [debian], "daemonsets": [kube_proxy_ds("v1.16.15", "ipvs")], "pods": kp_pods([kube_proxy_ds("v1.16.15", "ipvs")]), "configmaps": [], "logs": []},
	}
	count(rule.findings) == 0 with input as inp
}

test_silent_when_1_17_follows_the_host if {
	nft := view("nft", "iptables-nft-save v1.8.4", {"KUBE-MARK-DROP": chain(true, 5, [mark_rule]), "KUBE-SERVICES": chain(true, 4, [])}, {})
	count(rule.findings) == 0 with input as cluster([nft], [kube_proxy_ds("v1.18.20", "ipvs")], [])
}

test_oldest_kube_proxy_version_during_a_rollout if {
	dss := [kube_proxy_ds("v1.18.1", "ipvs"), kube_proxy_ds("v1.13.3", "ipvs")]
	f := only(rule.findings) with input as cluster([nft_view, legacy_view], dss, [])
	f.details.kube_proxy_version == "1.13.3"
}

test_mode_from_configmap_and_log if {
	ds := json.patch(kube_proxy_ds("v1.13.3", "x"), [{"op": "replace", "path": "/spec/template/spec/containers/0/command", "value": ["kube-proxy", "--config=/var/lib/kube-proxy/config.conf"]}])
	cm := {"kind": "ConfigMap", "metadata": {"namespace": "kube-system", "name": "kube-proxy"}, "data": {"config.conf": "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: \"ipvs\"\n"}}
	inp := json.patch(cluster([], [ds], []), [{"op": "add", "path": "/kubernetes/configmaps", "value": [cm]}])
	f := only(rule.findings) with input as inp
	f.details.mode == "ipvs"
}

test_partial_fragments_are_a_notice_not_a_finding if {
	v := object.union(legacy_view, {"partial": true})
	count(rule.findings) == 0 with input as cluster([v], [kube_proxy_ds("v1.13.3", "iptables")], [])
	count(rule.notices) == 1 with input as cluster([v], [kube_proxy_ds("v1.13.3", "iptables")], [])
}

# ------------------------------------------- fragments and flushed tables

# A healthy IPVS node's *nat rules pasted in a ticket: -A lines only, no
# chain declaration, no COMMIT (shared/realworld/iptables-save/
# ipvs-mode-nat-fragment-healthy-node-lijiaocn.txt). The parser lists the
# jump as undeclared; only a whole dump may say the chain is missing.
fragment := {
	"file": "ipvs-fragment.txt", "family": "ipv4", "generator": "", "variant": "unknown",
	"legacy_tables_present": false, "warning_line": 0, "partial": true,
	"tables": {"nat": {"line": 1, "committed": false, "chains": {
		"KUBE-FIREWALL": chain(false, 0, [jump(5, "KUBE-FIREWALL")]),
		"KUBE-SERVICES": chain(false, 0, []),
	}}},
	"undeclared_targets": [{"table": "nat", "chain": "KUBE-MARK-DROP", "line": 5, "text": "-A KUBE-FIREWALL -j KUBE-MARK-DROP", "has_rules": false}],
}

test_silent_on_an_undeclared_jump_in_a_fragment if {
	inp := {"nodes": {"unattributed:ipvs-fragment.txt": {"iptables": [fragment]}}, "kubernetes": {}}
	count(rule.findings) == 0 with input as inp
	count(rule.notices) == 1 with input as inp
}

# The same jump with COMMIT seen but no declaration at all (a hand-edited
# table) is no whole dump either.
test_silent_on_an_undeclared_jump_in_a_table_that_declares_nothing if {
	v := object.union(fragment, {"partial": false})
	count(rule.findings) == 0 with input as {"nodes": {"vm-8": {"iptables": [v]}}, "kubernetes": {}}
}

# A whole nat table with no kube-proxy chain at all (flushed) while
# kube-proxy 1.13 runs there: kube-proxy's rules are absent, a finding of
# kube-proxy-rules-absent. This rule must not call it a backend mismatch
# ("missing-in-legacy", "every iptables-restore will fail").
test_silent_on_a_flushed_nat_table if {
	flushed := view("legacy", "iptables-save v1.8.7 (legacy)", {}, {"tables": {
		"nat": {"line": 3, "committed": true, "chains": {"PREROUTING": object.union(chain(true, 4, []), {"builtin": true, "policy": "ACCEPT"})}},
		"filter": {"line": 10, "committed": true, "chains": {"KUBE-FIREWALL": chain(true, 11, []), "KUBE-SERVICES": chain(true, 12, [])}},
	}})
	count(rule.findings) == 0 with input as cluster([flushed], [kube_proxy_ds("v1.13.3", "iptables")], [])
	count(rule.findings) == 0 with input as cluster([flushed], [kube_proxy_ds("v1.13.3", "ipvs")], [])
}

# A dump that does not say which backend wrote it is "this nat table",
# not "this unknown nat table".
test_variant_words_leave_out_unknown if {
	rule.variant_words("unknown") == ""
	rule.variant_words("nft") == "nft "
}

# ------------------------------------------------------------ confirm

test_confirm_names_the_nodes_kube_proxy_pod_and_debugs_the_node if {
	f := only(rule.findings) with input as cluster([nft_view, legacy_view], [kube_proxy_ds("v1.13.3", "ipvs")], [kp_log([restore_error])])
	"kubectl -n kube-system logs kube-proxy-x7k2p | grep -i iptables-restore" in f.confirm
	"kubectl debug node/vm-8 -it --image=docker.io/library/busybox:1.36 --profile=sysadmin -- chroot /host iptables-nft-save -t nat | grep -n KUBE-MARK-DROP" in f.confirm

	# kubectl logs has no --field-selector: "unknown flag" on a live cluster
	every c in f.confirm {
		not contains(c, "logs --selector")
		not contains(c, "# on ")
	}
}
