package ktriage.rules.network["reachability_test"]

import data.ktriage.rules.network["reachability"] as rule

unreach(dst, port, frame) := {
	"frame": frame, "time": "2026-11-23T11:00:00Z", "rel_s": frame / 10, "ip_version": 4,
	"from": "10.0.0.9", "to": "10.244.9.10", "code": 1, "code_name": "host unreachable",
	"unreachable_dst": dst, "unreachable_dst_count": 2, "proto": "tcp", "port": port, "src_port": 40000 + frame,
}

capture(unreachables, rsts) := {"file": "nodes/vm-9/capture-eth0.pcap", "icmp_unreachable": unreachables, "syn_rst": rsts}

deployment(probe, prestop) := {
	"kind": "Deployment", "metadata": {"namespace": "shop", "name": "api"},
	"spec": {"template": {"spec": {"containers": [object.union(
		{"name": "api", "ports": [{"containerPort": 8080}]},
		object.union({"readinessProbe": {"httpGet": {"port": 8080}} | probe}, {"lifecycle": {"preStop": {"exec": {"command": ["sleep", "10"]}}} | prestop}),
	)]}}},
}

cluster(caps, pods, deps) := {
	"nodes": {"vm-9": {"captures": caps}},
	"kubernetes": {
		"nodes": [{"kind": "Node", "metadata": {"name": "vm-9"}, "spec": {"podCIDR": "10.244.9.0/24"}}],
		"pods": pods, "deployments": deps, "statefulsets": [], "daemonsets": [],
	},
}

client := {"kind": "Pod", "metadata": {"namespace": "shop", "name": "client"}, "status": {"podIP": "10.244.9.10"}}

only(set) := x if {
	count(set) == 1
	some x in set
}

test_fires_on_unreachable_deleted_pod_and_names_what_the_workload_lacks if {
	f := only(rule.findings) with input as cluster([capture([unreach("10.244.9.11", 8080, 40), unreach("10.244.9.11", 8080, 52)], [])], [client], [deployment(false, false)])
	f.message == "10.244.9.10 got ICMP host unreachable for 10.244.9.11:8080 2 times, an address no pod in the bundle has: a pod that was deleted (a rolling update, a scale-down) while clients still sent to it. Port 8080 is served by Deployment shop/api, whose pods have no preStop hook and no readinessProbe."
	[e.frame | some e in f.evidence; e.frame] == [40, 52]
	f.details.lacking[0].missing == ["no readinessProbe", "no preStop hook"]
}

# kubectl describe does not print lifecycle hooks: a described workload is
# not said to lack a preStop hook, only what describe shows it lacks.
test_described_workload_not_said_to_lack_prestop if {
	described := json.patch(deployment(false, false), [{"op": "add", "path": "/metadata/annotations", "value": {
		"ktriage.io/source": "kubectl-describe",
		"ktriage.io/not-shown": "spec.template.spec.containers[].lifecycle,spec.template.spec.containers[].ports[].name",
	}}])
	f := only(rule.findings) with input as cluster([capture([unreach("10.244.9.11", 8080, 40)], [])], [client], [described])
	f.details.lacking[0].missing == ["no readinessProbe"]
	not contains(f.message, "preStop")
}

test_fires_on_rst_from_a_gone_address if {
	rst := {"server": "10.244.9.12", "port": 8080, "attempts": 3, "first_client": "10.244.9.10", "first_frame": 7, "rst_frame": 8, "first_time": "t", "first_rel_s": 0.7}
	f := only(rule.findings) with input as cluster([capture([], [rst])], [client], [deployment(true, true)])
	contains(f.message, "got TCP RST for 10.244.9.12:8080 3 times")
	not contains(f.message, "whose pods have")
}

test_silent_for_addresses_that_still_exist if {
	live := {"kind": "Pod", "metadata": {"namespace": "shop", "name": "api-1"}, "status": {"podIP": "10.244.9.11"}}
	count(rule.findings) == 0 with input as cluster([capture([unreach("10.244.9.11", 8080, 40)], [])], [client, live], [deployment(false, false)])
}

test_silent_outside_the_pod_network if {
	count(rule.findings) == 0 with input as cluster([capture([unreach("192.0.2.7", 443, 40)], [])], [client], [])
}

# Calico IPAM, the AWS and Azure CNIs: Nodes have no podCIDR; the range
# comes from kube-proxy's clusterCIDR, --cluster-cidr or a Calico IPPool.
without_podcidr(inp) := json.patch(inp, [{"op": "remove", "path": "/kubernetes/nodes/0/spec"}])

kube_proxy_cm := {"kind": "ConfigMap", "metadata": {"namespace": "kube-system", "name": "kube-proxy"}, "data": {"config.conf": "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nclusterCIDR: 10.244.0.0/16\nmode: iptables\n"}}

ippool := {"kind": "IPPool", "metadata": {"name": "default-ipv4-ippool"}, "spec": {"cidr": "10.244.0.0/16", "ipipMode": "Always"}}

kcm := {"kind": "Pod", "metadata": {"namespace": "kube-system", "name": "kube-controller-manager-cp"}, "spec": {"containers": [{"name": "kcm", "command": ["kube-controller-manager", "--allocate-node-cidrs=false", "--cluster-cidr=10.244.0.0/16,fd00:10:244::/56"]}]}}

test_pod_network_from_cluster_wide_ranges if {
	base := without_podcidr(cluster([capture([unreach("10.244.9.11", 8080, 40)], [])], [client], [deployment(false, false)]))
	count(rule.findings) == 0 with input as base
	rule.notices == {"no pod network range is known (no Node podCIDR, kube-proxy clusterCIDR, --cluster-cidr, Calico IPPool or OpenShift Network config in the bundle): unreachables towards pod addresses were not looked for"} with input as base
	count(rule.findings) == 1 with input as object.union(base, {"kubernetes": {"configmaps": [kube_proxy_cm]}})
	count(rule.findings) == 1 with input as object.union(base, {"kubernetes": {"ippools": [ippool]}})
	count(rule.findings) == 1 with input as object.union(base, {"kubernetes": {"pods": [client, kcm]}})
	count(rule.notices) == 0 with input as object.union(base, {"kubernetes": {"ippools": [ippool]}})
	count(rule.findings) == 1 with input as object.union(base, {"kubernetes": {"networks": [ocp_network]}})
	count(rule.findings) == 0 with input as object.union(base, {"kubernetes": {"networks": [other_network]}})
}

# As the Insights archive's config/network.json holds it, kind and
# apiVersion filled from its place.
ocp_network := {"kind": "Network", "apiVersion": "config.openshift.io/v1", "metadata": {"name": "cluster"}, "spec": {"clusterNetwork": [{"cidr": "10.244.0.0/16", "hostPrefix": 23}], "serviceNetwork": ["172.30.0.0/16"]}}

# Another group's Network (a CRD of the same name) says nothing of the pod network.
other_network := json.patch(ocp_network, [{"op": "replace", "path": "/apiVersion", "value": "example.com/v1"}])

test_two_vantage_points_are_not_added_up if {
	pod_side := {"file": "nodes/vm-9/pods/client/capture-eth0.pcap", "icmp_unreachable": [unreach("10.244.9.11", 8080, 4), unreach("10.244.9.11", 8080, 6)], "syn_rst": []}
	f := only(rule.findings) with input as cluster([capture([unreach("10.244.9.11", 8080, 40), unreach("10.244.9.11", 8080, 52)], []), pod_side], [client], [deployment(false, false)])
	contains(f.message, "for 10.244.9.11:8080 2 times")
	{e.file | some e in f.evidence; e.frame} == {"nodes/vm-9/capture-eth0.pcap", "nodes/vm-9/pods/client/capture-eth0.pcap"}
}

test_confirm_names_the_serving_workload if {
	f := only(rule.findings) with input as cluster([capture([unreach("10.244.9.11", 8080, 40)], [])], [client], [deployment(false, false)])
	f.confirm == [
		"kubectl get pods -A -o wide | grep -F 10.244.9.11   # nothing: the address is gone",
		"kubectl get endpointslices -A -o wide | grep -F 10.244.9.11   # a stale endpoint would still list it",
		"kubectl -n shop rollout history deployment/api",
	]
}

# A podCIDR that is not one is not a pod network: the rule goes on with
# the readable ranges instead of stopping on net.cidr_contains's error.
test_unreadable_pod_cidr_is_skipped if {
	inp := json.patch(cluster([capture([unreach("10.244.9.11", 8080, 40)], [])], [client], [deployment(false, false)]), [{"op": "add", "path": "/kubernetes/nodes/-", "value": {"kind": "Node", "metadata": {"name": "vm-8"}, "spec": {"podCIDR": "0.bad"}}}])
	f := only(rule.findings) with input as inp
	contains(f.message, "10.244.9.11:8080")
}

test_in_pod_network_only_for_addresses if {
	rule.in_pod_network("10.244.1.7") with rule.pod_cidrs as {"10.244.0.0/16"}
	not rule.in_pod_network("10.244.1.7%eth0") with rule.pod_cidrs as {"10.244.0.0/16"}
	not rule.in_pod_network("") with rule.pod_cidrs as {"10.244.0.0/16"}
}
