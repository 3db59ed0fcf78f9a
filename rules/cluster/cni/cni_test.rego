package ktriage.rules.cluster["cni_test"]

import data.ktriage.rules.cluster.cni as rule

# Kubelet/containerd text, verbatim (containerd CRI plugin's NetworkReady
# reason as the kubelet's Ready condition quotes it).
not_ready_msg := "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"

node(name, cidr, ready, msg) := {
	"kind": "Node",
	"metadata": {"name": name, "labels": {"kubernetes.io/os": "linux"}},
	"spec": node_spec(cidr),
	"status": {
		"addresses": [{"type": "InternalIP", "address": sprintf("192.168.56.%d", [count(name)])}],
		"conditions": [{"type": "Ready", "status": ready, "reason": "KubeletNotReady", "message": msg, "lastTransitionTime": "2024-05-02T10:00:00Z"}],
	},
}

node_spec("") := {}

node_spec(cidr) := {"podCIDR": cidr} if cidr != ""

good_node(name, cidr) := node(name, cidr, "True", "kubelet is posting ready status")

pod(ns, name, on, phase, ip) := {
	"kind": "Pod",
	"metadata": {"namespace": ns, "name": name},
	"spec": {"nodeName": on},
	"status": {"phase": phase, "podIP": ip, "hostIP": "192.168.56.9", "conditions": [{"type": "Ready", "status": ready_of(phase)}]},
}

ready_of("Running") := "True"

ready_of(p) := "False" if p != "Running"

creating(ns, name, on) := object.union(pod(ns, name, on, "Pending", ""), {"status": {"containerStatuses": [{"name": "app", "state": {"waiting": {"reason": "ContainerCreating"}}}]}})

agent_pod(name, on, ready) := object.union(pod("kube-flannel", name, on, phase, ""), {"metadata": {"ownerReferences": [{"kind": "DaemonSet", "name": "kube-flannel-ds"}]}, "spec": {"hostNetwork": true}}) if {
	phase := {true: "Running", false: "Pending"}[ready]
}

flannel_ds(ready, desired) := {
	"kind": "DaemonSet",
	"metadata": {"namespace": "kube-flannel", "name": "kube-flannel-ds"},
	"spec": {"selector": {"matchLabels": {"app": "flannel"}}, "template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"}}}},
	"status": {"numberReady": ready, "desiredNumberScheduled": desired},
}

calico_ds := object.union(flannel_ds(2, 2), {"metadata": {"namespace": "kube-system", "name": "calico-node"}})

cluster(nodes, pods, dss, events) := {"kubernetes": {
	"nodes": nodes, "pods": pods, "daemonsets": dss, "events": events, "logs": [],
}}

only(s) := x if {
	count(s) == 1
	some x in s
}

reasons(fs) := {f.details.reason | some f in fs}

test_fires_when_network_plugin_not_ready_without_agent if {
	f := only(rule.findings) with input as cluster(
		[node("w1", "10.244.1.0/24", "False", not_ready_msg), good_node("w2", "10.244.2.0/24")],
		[creating("shop", "web-1", "w1"), pod("shop", "web-2", "w2", "Running", "10.244.2.5")],
		[{"kind": "DaemonSet", "metadata": {"namespace": "kube-system", "name": "kube-proxy"}}],
		[],
	)
	f.details.reason == "network-plugin-not-ready"
	f.details.nodes == ["w1"]
	contains(f.message, "Node w1 is NotReady because the pod network is not ready")
	contains(f.message, "cni plugin not initialized")
	contains(f.message, "no pod network is installed")
	f.details.consequences == [{"kind": "Pod", "namespace": "shop", "name": "web-1", "note": "ContainerCreating on w1: no pod network"}]
}

test_silent_when_nodes_ready if {
	count(rule.findings) == 0 with input as cluster(
		[good_node("w1", "10.244.1.0/24"), good_node("w2", "10.244.2.0/24")],
		[pod("shop", "web-1", "w1", "Running", "10.244.1.5"), agent_pod("f1", "w1", true), agent_pod("f2", "w2", true)],
		[flannel_ds(2, 2)],
		[],
	)
}

test_not_ready_for_another_reason_is_not_cni if {
	count(rule.findings) == 0 with input as cluster(
		[node("w1", "10.244.1.0/24", "Unknown", "Kubelet stopped posting node status.")],
		[],
		[],
		[],
	)
}

test_fires_when_agent_missing_and_not_ready_on_nodes if {
	f := only(rule.findings) with input as cluster(
		[good_node("w1", "10.244.1.0/24"), good_node("w2", "10.244.2.0/24"), good_node("w3", "10.244.3.0/24")],
		[agent_pod("f1", "w1", true), agent_pod("f2", "w2", false), creating("shop", "web-1", "w2")],
		[flannel_ds(1, 3)],
		[],
	)
	f.details.reason == "agent-not-ready"
	f.details.nodes == ["w2", "w3"]
	contains(f.message, "not Ready on 2 of 3 nodes (w2: f2 Pending; w3: no agent pod; status: 1 of 3 desired Ready)")
	count(f.details.consequences) == 1
}

sandbox_event(ns, podname, msg) := {
	"kind": "Event", "metadata": {"namespace": ns, "name": concat(".", [podname, "1"])},
	"reason": "FailedCreatePodSandBox", "message": msg,
	"involvedObject": {"kind": "Pod", "namespace": ns, "name": podname},
	"source": {"component": "kubelet", "host": "w2"},
}

test_classifies_sandbox_failures if {
	fs := rule.findings with input as cluster(
		[good_node("w1", "10.244.1.0/24"), good_node("w2", "10.244.2.0/24")],
		[creating("shop", "web-1", "w2"), creating("shop", "web-2", "w2"), creating("shop", "db-0", "w1")],
		[],
		[
			sandbox_event("shop", "web-1", `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "4d99": plugin type="flannel" failed (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory`),
			sandbox_event("shop", "web-2", `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "5e01": plugin type="flannel" failed (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory`),
			sandbox_event("shop", "db-0", `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "b47b": plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized`),
		],
	)
	count(fs) == 2
	some f in fs
	f.details.class == "flannel-subnet-env"
	f.details.node == "w2"
	contains(f.message, "On w2 pod sandboxes fail: flannel has not written /run/flannel/subnet.env")
	count(f.details.consequences) == 2
	some g in fs
	g.details.class == "calico-unauthorized"
	g.details.node == "w1"
}

test_unclassified_sandbox_failure_is_silent if {
	count(rule.findings) == 0 with input as cluster(
		[good_node("w1", "10.244.1.0/24")],
		[creating("shop", "web-1", "w1")],
		[],
		[sandbox_event("shop", "web-1", `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to pull image "registry.k8s.io/pause:3.9"`)],
	)
}

flannel_log := {"namespace": "kube-flannel", "pod": "kube-flannel-ds-x", "file": "dump.txt", "line": 100, "kept": [{"line": 140, "text": `E0304 04:04:44.958281       1 main.go:292] Error registering network: failed to acquire lease: node "w2" pod cidr not assigned`}]}

test_fires_when_flannel_node_has_no_pod_cidr if {
	f := only(rule.findings) with input as object.union(cluster(
		[good_node("w1", "10.244.1.0/24"), good_node("w2", "")],
		[agent_pod("f1", "w1", true), agent_pod("f2", "w2", true)],
		[flannel_ds(2, 2)],
		[],
	), {"kubernetes": {"logs": [flannel_log]}})
	f.details.reason == "no-pod-cidr"
	f.details.node == "w2"
	contains(f.message, `flannel logs: E0304 04:04:44.958281       1 main.go:292] Error registering network: failed to acquire lease: node "w2" pod cidr not assigned.`)
}

test_near_miss_every_flannel_node_has_pod_cidr if {
	count(rule.findings) == 0 with input as cluster(
		[good_node("w1", "10.244.1.0/24"), good_node("w2", "10.244.2.0/24")],
		[agent_pod("f1", "w1", true), agent_pod("f2", "w2", true)],
		[flannel_ds(2, 2)],
		[],
	)
}

test_calico_needs_no_pod_cidr if {
	count(rule.findings) == 0 with input as cluster(
		[good_node("w1", ""), good_node("w2", "")],
		[pod("shop", "web-1", "w1", "Running", "172.16.9.3")],
		[calico_ds],
		[],
	)
}

test_fires_on_duplicate_pod_ip if {
	fs := rule.findings with input as cluster(
		[good_node("w1", ""), good_node("w2", "")],
		[pod("shop", "a", "w1", "Running", "10.1.0.7"), pod("shop", "b", "w2", "Running", "10.1.0.7"), pod("shop", "c", "w2", "Running", "10.1.0.8")],
		[calico_ds],
		[],
	)
	reasons(fs) == {"duplicate-pod-ip"}
	f := only(fs)
	contains(f.message, "2 running pods have the same IP 10.1.0.7 (shop/a on w1, shop/b on w2)")
}

# One finding per cause, not per address: the addresses one node handed
# out twice are one finding for that node, those shared across nodes one
# for the cluster, each listing its pods.
test_duplicate_pod_ips_one_finding_per_cause if {
	same_node := [pod("shop", sprintf("a%d", [i]), "w1", "Running", sprintf("10.1.0.%d", [i])) | some i in numbers.range(1, 5)]
	twins := [pod("shop", sprintf("b%d", [i]), "w1", "Running", sprintf("10.1.0.%d", [i])) | some i in numbers.range(1, 5)]
	across := [pod("shop", "c", "w1", "Running", "10.1.9.9"), pod("shop", "d", "w2", "Running", "10.1.9.9")]
	fs := rule.findings with input as cluster(
		[good_node("w1", ""), good_node("w2", "")],
		array.concat(array.concat(same_node, twins), array.concat(across, [pod("shop", "e", "w2", "Running", "10.1.0.8")])),
		[calico_ds],
		[],
	)
	count(fs) == 2
	some f in fs
	f.details.node == "w1"
	f.details.addresses == 5
	startswith(f.message, "On w1 10 running pods share 5 addresses: 10.1.0.1 (shop/a1, shop/b1); 10.1.0.2 (shop/a2, shop/b2); 10.1.0.3 (shop/a3, shop/b3) and 2 more: w1's IPAM handed out addresses it had already given")
	{"kind": "Node", "name": "w1"} in f.subjects
	count(f.details.consequences) == 10
	{"kind": "Pod", "namespace": "shop", "name": "a4", "note": "shares 10.1.0.4 with shop/b4"} in f.details.consequences
	some g in fs
	g.details.node == ""
	startswith(g.message, "2 running pods have the same IP 10.1.9.9 (shop/c on w1, shop/d on w2): two nodes hand out the same addresses")
}

test_fires_on_pod_ip_outside_flannel_pod_cidr if {
	fs := rule.findings with input as cluster(
		[good_node("w1", "10.244.1.0/24")],
		[agent_pod("f1", "w1", true), pod("shop", "a", "w1", "Running", "10.244.7.3")],
		[flannel_ds(1, 1)],
		[],
	)
	f := only(fs)
	f.details.reason == "pod-ip-outside-podcidr"
	contains(f.message, "shop/a 10.244.7.3")
}

test_fires_on_pod_cidr_overlapping_node_address if {
	fs := rule.findings with input as cluster(
		[good_node("w1", "192.168.56.0/24")],
		[],
		[calico_ds],
		[],
	)
	f := only(fs)
	f.details.reason == "pod-cidr-overlap"
	contains(f.message, "node w1's address 192.168.56.2")
}

iface(name, file) := {"name": name, "kind": "vxlan", "mtu": 1450, "file": file, "line": 3}

test_fires_when_overlay_interface_missing_on_a_node if {
	f := only(rule.findings) with input as object.union(cluster([], [], [], []), {"nodes": {
		"w1": {"name": "w1", "interfaces": [iface("eth0", "w1.txt"), iface("flannel.1", "w1.txt")]},
		"w2": {"name": "w2", "interfaces": [iface("eth0", "w2.txt")]},
	}})
	f.details.reason == "overlay-interface-missing"
	f.details.nodes == ["w2"]
	contains(f.message, "flannel.1 exists on w1 but not on w2")
}

test_silent_when_overlay_interface_everywhere if {
	count(rule.findings) == 0 with input as object.union(cluster([], [], [], []), {"nodes": {
		"w1": {"name": "w1", "interfaces": [iface("eth0", "w1.txt"), iface("flannel.1", "w1.txt")]},
		"w2": {"name": "w2", "interfaces": [iface("eth0", "w2.txt"), iface("flannel.1", "w2.txt")]},
	}})
}

test_missing_pod_cidr_explains_agent_crash_and_sandbox_failures if {
	f := only(rule.findings) with input as object.union(cluster(
		[good_node("w1", "10.244.1.0/24"), good_node("w2", "")],
		[agent_pod("f1", "w1", true), agent_pod("f2", "w2", false), creating("shop", "web-1", "w2")],
		[flannel_ds(1, 2)],
		[sandbox_event("shop", "web-1", `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "4d99": plugin type="flannel" failed (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory`)],
	), {"kubernetes": {"logs": [flannel_log]}})
	f.details.reason == "no-pod-cidr"
	contains(f.message, "Its CNI agent pod f2 is Pending.")
	f.details.consequences == [{"kind": "Pod", "namespace": "shop", "name": "web-1", "note": "ContainerCreating on w2: the CNI has no range to give it an address from"}]
}

test_agent_gap_explains_subnet_env_sandbox_failures if {
	f := only(rule.findings) with input as cluster(
		[good_node("w1", "10.244.1.0/24"), good_node("w2", "10.244.2.0/24")],
		[agent_pod("f1", "w1", true), agent_pod("f2", "w2", false), creating("shop", "web-1", "w2")],
		[flannel_ds(1, 2)],
		[sandbox_event("shop", "web-1", `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "4d99": plugin type="flannel" failed (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory`)],
	)
	f.details.reason == "agent-not-ready"
}

test_silent_when_daemonset_has_every_pod_it_wants if {
	count(rule.findings) == 0 with input as cluster(
		[good_node("w1", "10.244.1.0/24"), good_node("w2", "10.244.2.0/24")],
		[agent_pod("f1", "w1", true)],
		[flannel_ds(1, 1)],
		[],
	)
}

# host-local's exhausted range, as flannel's delegate (bridge + host-local)
# passes it up: allocator.go "no IP addresses available in range set: %s",
# host-local main.go "failed to allocate for range %d: %v", flannel
# "failed to delegate add: %w", containerd "plugin type=%q failed (add)".
ipam_msg(sandbox) := sprintf(`Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "%s": plugin type="flannel" failed (add): failed to delegate add: failed to allocate for range 0: no IP addresses available in range set: 10.244.2.1-10.244.2.254`, [sandbox])

test_ipam_exhausted_names_the_range_and_the_pods if {
	fs := rule.findings with input as cluster(
		[good_node("w1", "10.244.1.0/24"), good_node("w2", "10.244.2.0/24")],
		[agent_pod("f1", "w1", true), agent_pod("f2", "w2", true), creating("shop", "web-1", "w2"), creating("shop", "web-2", "w2")],
		[flannel_ds(2, 2)],
		[
			sandbox_event("shop", "web-1", ipam_msg("0d1f7a")),
			sandbox_event("shop", "web-2", ipam_msg("9c2e44")),
		],
	)
	f := only(fs)
	f.details.reason == "sandbox-failed"
	f.details.class == "ipam-exhausted"
	f.details.node == "w2"
	contains(f.message, "On w2 pod sandboxes fail: the node's IP range is exhausted (host-local IPAM: no IP addresses available in range set): every address of 10.244.2.1-10.244.2.254 is leased. 2 pods: shop/web-1, shop/web-2.")
	{c.name | some c in f.details.consequences} == {"web-1", "web-2"}
	contains(f.fix, "/var/lib/cni/networks")
}

# An exhausted range is not the agent's absence: it is reported even where
# the agent is not Ready on that node (the agent finding does not explain
# a full range).
test_ipam_exhausted_is_not_folded_into_agent_gap if {
	fs := rule.findings with input as cluster(
		[good_node("w1", "10.244.1.0/24"), good_node("w2", "10.244.2.0/24")],
		[agent_pod("f1", "w1", true), agent_pod("f2", "w2", false), creating("shop", "web-1", "w2")],
		[flannel_ds(1, 2)],
		[sandbox_event("shop", "web-1", ipam_msg("0d1f7a"))],
	)
	reasons(fs) == {"agent-not-ready", "sandbox-failed"}
}

# cilium-cni when the agent's socket is not there. 1.15+ (plugins/cilium-cni
# /cmd/cmd.go) says "Cilium agent"; earlier releases "Cilium daemon".
# pkg/client adds the timeout and client.Hint the question.
cilium_agent_msg := `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "92af7c41c8a6": plugin type="cilium-cni" name="cilium" failed (add): unable to connect to Cilium agent: failed to create cilium agent client after 30.000000 seconds timeout: Get "http:///var/run/cilium/cilium.sock/v1/config": dial unix /var/run/cilium/cilium.sock: connect: no such file or directory
Is the agent running?`

cilium_daemon_msg := `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "2870857bad22": plugin type="cilium-cni" failed (add): unable to connect to Cilium daemon: failed to create cilium agent client after 30.000000 seconds timeout: Get "http:///var/run/cilium/cilium.sock/v1/config": dial unix /var/run/cilium/cilium.sock: connect: no such file or directory
Is the agent running?`

cilium_ds(ready, desired) := object.union(flannel_ds(ready, desired), {"metadata": {"namespace": "kube-system", "name": "cilium"}})

cilium_pod(name, on, ready) := json.patch(agent_pod(name, on, ready), [
	{"op": "replace", "path": "/metadata/namespace", "value": "kube-system"},
	{"op": "replace", "path": "/metadata/ownerReferences", "value": [{"kind": "DaemonSet", "name": "cilium"}]},
])

test_cilium_unreachable_names_the_node_and_pods if {
	fs := rule.findings with input as cluster(
		[good_node("w1", ""), good_node("w2", "")],
		[cilium_pod("cilium-a", "w1", true), cilium_pod("cilium-b", "w2", true), creating("shop", "web-1", "w2")],
		[cilium_ds(2, 2)],
		[sandbox_event("shop", "web-1", cilium_agent_msg)],
	)
	f := only(fs)
	f.details.class == "cilium-unreachable"
	f.details.node == "w2"
	contains(f.message, "On w2 pod sandboxes fail: cilium-cni cannot reach the Cilium agent on this node. 1 pod: shop/web-1.")
	contains(f.fix, "/var/run/cilium/cilium.sock")
}

# Both wordings are the same class (the finding's text is the class's).
test_cilium_unreachable_both_wordings if {
	count([m | some m in [cilium_agent_msg, cilium_daemon_msg]; rule.class_of(m).class == "cilium-unreachable"]) == 2
}

# Where the cilium agent pod on the node is not Ready, the agent finding is
# the cause and the sandbox failures are its consequence, not a second
# finding.
test_cilium_unreachable_folds_into_agent_gap if {
	fs := rule.findings with input as cluster(
		[good_node("w1", ""), good_node("w2", "")],
		[cilium_pod("cilium-a", "w1", true), cilium_pod("cilium-b", "w2", false), creating("shop", "web-1", "w2")],
		[cilium_ds(1, 2)],
		[sandbox_event("shop", "web-1", cilium_agent_msg)],
	)
	f := only(fs)
	f.details.reason == "agent-not-ready"
	f.details.nodes == ["w2"]
	[c.name | some c in f.details.consequences] == ["web-1"]
}

# ------------------------------------------------------------ pod network vs Service range

control_plane(component, flags) := {
	"kind": "Pod",
	"metadata": {"namespace": "kube-system", "name": sprintf("%s-cp-1", [component]), "labels": {"component": component, "tier": "control-plane"}},
	"spec": {"nodeName": "cp-1", "hostNetwork": true, "containers": [{"name": component, "command": array.concat([component], flags)}]},
	"status": {"phase": "Running", "podIP": "192.168.56.10", "hostIP": "192.168.56.10"},
}

kubeadm_config(pod_subnet, service_subnet) := {
	"kind": "ConfigMap",
	"metadata": {"namespace": "kube-system", "name": "kubeadm-config"},
	"data": {"ClusterConfiguration": sprintf("apiServer: {}\napiVersion: kubeadm.k8s.io/v1beta3\nclusterName: kubernetes\nkind: ClusterConfiguration\nkubernetesVersion: v1.28.4\nnetworking:\n  dnsDomain: cluster.local\n  podSubnet: %s\n  serviceSubnet: %s\nscheduler: {}\n", [pod_subnet, service_subnet])},
}

svc(ns, name, ip) := {"kind": "Service", "metadata": {"namespace": ns, "name": name}, "spec": {"clusterIP": ip}}

with_objects(inp, extra) := object.union(inp, {"kubernetes": extra})

# kubeadm init --pod-network-cidr=10.96.0.0/16 on the default Service CIDR:
# one finding for the cluster's ranges (the nodes' podCIDRs follow it and
# are not reported again), the Service whose ClusterIP a pod already holds
# as its consequence.
test_pod_network_overlapping_service_range if {
	inp := with_objects(cluster(
		[good_node("w1", "10.96.1.0/24"), good_node("w2", "10.96.2.0/24")],
		[
			control_plane("kube-apiserver", ["--advertise-address=192.168.56.10", "--service-cluster-ip-range=10.96.0.0/12"]),
			pod("kube-system", "coredns-a", "w1", "Running", "10.96.1.2"),
			pod("shop", "web-1", "w2", "Running", "10.96.2.9"),
		],
		[calico_ds],
		[],
	), {"configmaps": [kubeadm_config("10.96.0.0/16", "10.96.0.0/12")], "services": [svc("kube-system", "kube-dns", "10.96.0.10"), svc("shop", "web", "10.96.2.9")]})
	f := only(rule.findings) with input as inp
	f.details.reason == "pod-network-overlap"
	f.details.pod_network == "10.96.0.0/16"
	f.details.service_range == "10.96.0.0/12"
	contains(f.message, "The pod network 10.96.0.0/16 (kubeadm-config podSubnet) overlaps the Service range 10.96.0.0/12 (kube-apiserver --service-cluster-ip-range, kubeadm-config serviceSubnet)")
	contains(f.message, "Nodes w1, w2 have podCIDRs inside the Service range.")
	contains(f.message, "Already 1 Service ClusterIP(s) equal a pod's address (shop/web 10.96.2.9).")
	f.details.nodes == ["w1", "w2"]
	f.details.pods_in_service_range == 2
	some c in f.details.consequences
	c == {"kind": "Service", "namespace": "shop", "name": "web", "note": "ClusterIP 10.96.2.9 is also the address of pod shop/web-1"}
	some e in f.evidence
	e.path == ["spec", "containers", 0, "command", 2]
}

# The controller manager's flags alone, dual-stack lists split.
test_pod_network_overlap_from_controller_manager_flags if {
	inp := cluster(
		[good_node("w1", "")],
		[control_plane("kube-controller-manager", ["--allocate-node-cidrs=true", "--cluster-cidr=10.0.0.0/16,fd00:10::/56", "--service-cluster-ip-range=10.0.128.0/20,fd00:20::/108"])],
		[calico_ds],
		[],
	)
	f := only(rule.findings) with input as inp
	f.details.pod_network == "10.0.0.0/16"
	f.details.service_range == "10.0.128.0/20"
	contains(f.message, "(kube-controller-manager --cluster-cidr) overlaps the Service range 10.0.128.0/20 (kube-controller-manager --service-cluster-ip-range)")
}

openshift_network(cluster_cidr, service_cidr) := {
	"kind": "Network", "apiVersion": "config.openshift.io/v1", "metadata": {"name": "cluster"},
	"spec": {"clusterNetwork": [{"cidr": cluster_cidr, "hostPrefix": 23}], "networkType": "OVNKubernetes", "serviceNetwork": [service_cidr]},
}

test_openshift_network_overlap if {
	inp := with_objects(cluster([], [], [], []), {"networks": [openshift_network("10.128.0.0/14", "10.128.0.0/16")]})
	f := only(rule.findings) with input as inp
	contains(f.message, "The pod network 10.128.0.0/14 (OpenShift Network cluster spec.clusterNetwork) overlaps the Service range 10.128.0.0/16 (OpenShift Network cluster spec.serviceNetwork)")
}

test_openshift_defaults_are_silent if {
	count(rule.findings) == 0 with input as with_objects(cluster([], [], [], []), {"networks": [openshift_network("10.128.0.0/14", "172.30.0.0/16")]})
}

# Near miss: the pod network starts where the Service range ends
# (10.96.0.0/12 is 10.96.0.0-10.111.255.255), and the nodes' podCIDRs sit
# inside it; nothing overlaps.
test_adjacent_ranges_are_silent if {
	inp := with_objects(cluster(
		[good_node("w1", "10.112.1.0/24"), good_node("w2", "10.112.2.0/24")],
		[control_plane("kube-apiserver", ["--service-cluster-ip-range=10.96.0.0/12"]), pod("shop", "web-1", "w2", "Running", "10.112.2.9")],
		[calico_ds],
		[],
	), {"configmaps": [kubeadm_config("10.112.0.0/12", "10.96.0.0/12")], "services": [svc("shop", "web", "10.96.4.1")]})
	count(rule.findings) == 0 with input as inp
}

# Calico's default pool on a 192.168 host network: the pool holds the
# nodes' addresses. One finding for the pool; no node has a podCIDR.
test_pod_network_holding_node_addresses if {
	pool := {"kind": "IPPool", "apiVersion": "crd.projectcalico.org/v1", "metadata": {"name": "default-ipv4-ippool"}, "spec": {"cidr": "192.168.0.0/16", "ipipMode": "Always"}}
	inp := with_objects(cluster([good_node("w1", ""), good_node("w22", "")], [], [calico_ds], []), {"ippools": [pool]})
	f := only(rule.findings) with input as inp
	f.details.reason == "pod-network-overlap"
	contains(f.message, "The pod network 192.168.0.0/16 (Calico IPPool default-ipv4-ippool) holds the nodes' own addresses (w1 192.168.56.2, w22 192.168.56.3)")
	f.details.nodes == ["w1", "w22"]
}

# A node's podCIDR in the Service range with no cluster range to blame:
# the node's own finding, citing the Service range's flag.
test_node_pod_cidr_in_service_range_without_cluster_range if {
	inp := cluster(
		[good_node("w1", "10.96.5.0/24")],
		[control_plane("kube-apiserver", ["--service-cluster-ip-range=10.96.0.0/12"])],
		[calico_ds],
		[],
	)
	f := only(rule.findings) with input as inp
	f.details.reason == "pod-cidr-overlap"
	contains(f.message, "Node w1's pod CIDR 10.96.5.0/24 overlaps the Service range 10.96.0.0/12")
	count(f.evidence) == 2
}

# ------------------------------------------------------------ Services it leaves without endpoints

web_svc := {"kind": "Service", "metadata": {"namespace": "shop", "name": "web"}, "spec": {"selector": {"app": "web"}}}

labelled(p, labels) := json.patch(p, [{"op": "add", "path": "/metadata/labels", "value": labels}])

with_services(inp, svcs) := json.patch(inp, [{"op": "add", "path": "/kubernetes/services", "value": svcs}])

# Every pod the Service selects waits on a node whose network is down: the
# Service is a consequence, linked to selector-mismatch's finding (which
# points back here at info).
test_lists_the_services_it_leaves_without_endpoints if {
	inp := with_services(cluster(
		[node("w1", "10.244.1.0/24", "False", not_ready_msg), good_node("w2", "10.244.2.0/24")],
		[labelled(creating("shop", "web-1", "w1"), {"app": "web"}), labelled(creating("shop", "web-2", "w1"), {"app": "web"})],
		[],
		[],
	), [web_svc])
	f := only(rule.findings) with input as inp
	contains(f.message, "Service shop/web has no ready pod.")
	{"kind": "Service", "namespace": "shop", "name": "web", "note": "selects 2 pods and none is Ready: no endpoints while they wait on the pod network", "rule": "selector-mismatch"} in f.details.consequences
}

# Near miss: one selected pod is not Ready on a Ready node (its own
# readiness): the Service is not this cause's consequence.
test_service_with_a_pod_failing_elsewhere_is_not_a_consequence if {
	failing := labelled(pod("shop", "web-2", "w2", "Running", "10.244.2.5"), {"app": "web"})
	unready := json.patch(failing, [{"op": "replace", "path": "/status/conditions/0/status", "value": "False"}])
	inp := with_services(cluster(
		[node("w1", "10.244.1.0/24", "False", not_ready_msg), good_node("w2", "10.244.2.0/24")],
		[labelled(creating("shop", "web-1", "w1"), {"app": "web"}), unready],
		[],
		[],
	), [web_svc])
	f := only(rule.findings) with input as inp
	not contains(f.message, "Service shop/web")
	every c in f.details.consequences {
		c.kind == "Pod"
	}
}

# When cluster DNS is among those Services, the pods whose logs show
# lookups failing are consequences too (the dns rule leaves them here).
test_lists_dns_failures_when_kube_dns_waits_on_the_network if {
	coredns := labelled(creating("kube-system", "coredns-1", "w1"), {"k8s-app": "kube-dns"})
	dns_svc := {"kind": "Service", "metadata": {"namespace": "kube-system", "name": "kube-dns"}, "spec": {"selector": {"k8s-app": "kube-dns"}}}
	log := {"namespace": "orders", "pod": "api-1", "container": "app", "file": "orders/api-1/logs.txt", "line": 1, "kept": [{"line": 3, "text": "Error: getaddrinfo EAI_AGAIN payments.orders.svc.cluster.local"}]}
	inp := json.patch(with_services(cluster([node("w1", "10.244.1.0/24", "False", not_ready_msg)], [coredns], [], []), [dns_svc]), [{"op": "replace", "path": "/kubernetes/logs", "value": [log]}])
	f := only(rule.findings) with input as inp
	contains(f.message, "Service kube-system/kube-dns has no ready pod.")
	some c in f.details.consequences
	c.kind == "Pod"
	c.name == "api-1"
	contains(c.note, "EAI_AGAIN")
}

# What the net builtins cannot read (a podCIDR, pod IP or node address
# that is not one: the API server refuses them, a hand-made or damaged
# file may hold them) is left unjudged; before, the builtin's error
# stopped the whole rule for the bundle.
test_unreadable_addresses_are_not_judged if {
	bad_node := json.patch(good_node("w2", "not-a-cidr"), [{"op": "replace", "path": "/status/addresses/0/address", "value": "zz"}])
	fs := rule.findings with input as cluster(
		[good_node("w1", "10.244.1.0/24"), bad_node],
		[agent_pod("f1", "w1", true), agent_pod("f2", "w2", true), pod("shop", "a", "w1", "Running", "10.244.7.3"), pod("shop", "b", "w1", "Running", "x.y"), pod("shop", "c", "w2", "Running", "10.9.9.9")],
		[flannel_ds(2, 2)],
		[],
	)

	# w1's readable range still judges a's address; b's and w2's are not
	# judged, and w2 is not "without a podCIDR": it has one, unreadable.
	f := only(fs)
	f.details.reason == "pod-ip-outside-podcidr"
	f.details.node == "w1"
	contains(f.message, "1 pod has")
}

# A pod's containers may wait for different reasons: the first is named.
test_waiting_reason_of_a_pod_whose_containers_wait_differently if {
	p := {"metadata": {"name": "api-1"}, "status": {"phase": "Pending", "containerStatuses": [
		{"name": "api", "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
		{"name": "proxy", "state": {"waiting": {"reason": "ImagePullBackOff"}}},
	]}}
	rule.waiting_reason(p) == "CrashLoopBackOff"
}
