# The cluster's address ranges as the bundle states them, each with where
# it says so: the Service range (kube-apiserver's and the controller
# manager's --service-cluster-ip-range, kubeadm's serviceSubnet,
# OpenShift's serviceNetwork) and the cluster-wide pod network (kubeadm's
# podSubnet, --cluster-cidr, kube-proxy's clusterCIDR, Calico IPPools,
# OpenShift's clusterNetwork). Node podCIDRs are the Nodes' own and are
# not repeated here.
package ktriage.lib.netranges

import data.ktriage.lib.kube

# valid_cidr and valid_ip: what OPA's net builtins read as a CIDR or an
# address. A bundle may hold anything there (a typo, "<none>", a number);
# a rule leaves such a value unjudged, where the builtin's error would
# stop the whole rule.
valid_cidr(c) if {
	is_string(c)
	net.cidr_is_valid(c)
}

valid_ip(ip) if {
	is_string(ip)
	not contains(ip, "/")
	net.cidr_is_valid(concat("", [ip, "/32"]))
}

# Where a workload kind keeps its pod spec.
spec_paths := {"daemonsets": [["spec", "template", "spec"]], "pods": [["spec"]]}

range_flags := ["--cluster-cidr", "--service-cluster-ip-range"]

# The control plane and kube-proxy run in kube-system (OpenShift: its
# openshift-* namespaces); application pods, which are nearly all of a
# large cluster's, are not searched for flags.
control_plane_namespace(ns) if ns == "kube-system"

control_plane_namespace(ns) if startswith(ns, "openshift-")

flag_holders contains ["daemonsets", w] if some w in kube.array(input.kubernetes, "daemonsets")

# The control-plane namespaces' pods, from the pods grouped by namespace
# (lib/kube), not a test of every pod of the cluster.
flag_holders contains ["pods", p] if {
	some ns, ps in kube.pods_by_namespace
	control_plane_namespace(ns)
	some p in ps
}

# [object, path, flag, value, container] for every range flag of a
# control-plane pod's or a DaemonSet's containers (command or args), lists
# split at commas.
flag_values contains [w, path, flag, trim_space(v), ct.name] if {
	some [kind, w] in flag_holders
	some base in spec_paths[kind]
	some ci, ct in kube.array(w, array.concat(base, ["containers"]))
	some field in ["command", "args"]
	some ai, a in kube.array(ct, field)
	is_string(a)
	some flag in range_flags
	startswith(a, concat("", [flag, "="]))
	some v in split(substring(a, count(flag) + 1, -1), ",")
	trim_space(v) != ""
	path := array.concat(base, ["containers", ci, field, ai])
}

service_ranges contains {"cidr": v, "source": sprintf("%s --service-cluster-ip-range", [name]), "evidence": kube.at(w, path, sprintf("%s=%s", [flag, v]))} if {
	some [w, path, flag, v, name] in flag_values
	flag == "--service-cluster-ip-range"
}

pod_networks contains {"cidr": v, "source": sprintf("%s --cluster-cidr", [name]), "evidence": kube.at(w, path, sprintf("%s=%s", [flag, v]))} if {
	some [w, path, flag, v, name] in flag_values
	flag == "--cluster-cidr"
}

# kubeadm's ClusterConfiguration (ConfigMap kube-system/kubeadm-config):
# networking.serviceSubnet and networking.podSubnet, comma-separated for
# dual-stack.
kubeadm := [{"cm": cm, "net": net} |
	some cm in input.kubernetes.configmaps
	kube.namespace(cm) == "kube-system"
	cm.metadata.name == "kubeadm-config"
	is_string(cm.data.ClusterConfiguration)

	# A cut or damaged one would fail yaml.unmarshal, and the rule with it.
	yaml.is_valid(cm.data.ClusterConfiguration)
	conf := yaml.unmarshal(cm.data.ClusterConfiguration)
	is_object(conf)
	net := object.get(conf, "networking", {})
	is_object(net)
]

service_ranges contains {"cidr": trim_space(c), "source": "kubeadm-config serviceSubnet", "evidence": kube.at(k.cm, ["data", "ClusterConfiguration"], sprintf("serviceSubnet: %s", [k.net.serviceSubnet]))} if {
	some k in kubeadm
	is_string(k.net.serviceSubnet)
	some c in split(k.net.serviceSubnet, ",")
	trim_space(c) != ""
}

pod_networks contains {"cidr": trim_space(c), "source": "kubeadm-config podSubnet", "evidence": kube.at(k.cm, ["data", "ClusterConfiguration"], sprintf("podSubnet: %s", [k.net.podSubnet]))} if {
	some k in kubeadm
	is_string(k.net.podSubnet)
	some c in split(k.net.podSubnet, ",")
	trim_space(c) != ""
}

# kube-proxy's own view (its ConfigMap's config.conf clusterCIDR).
pod_networks contains {"cidr": trim_space(c), "source": "kube-proxy clusterCIDR", "evidence": kube.at(cm, ["data", k], sprintf("clusterCIDR: %s", [m[1]]))} if {
	some cm in kube.array(input.kubernetes, "configmaps")
	cm.metadata.name == "kube-proxy"
	some k, conf in cm.data
	endswith(k, ".conf")
	some m in regex.find_all_string_submatch_n(`(?m)^\s*clusterCIDR:\s*"?([0-9a-fA-F.:/, ]+)"?\s*$`, conf, -1)
	some c in split(m[1], ",")
	trim_space(c) != ""
}

pod_networks contains {"cidr": p.spec.cidr, "source": sprintf("Calico IPPool %s", [p.metadata.name]), "evidence": kube.at(p, ["spec", "cidr"], sprintf("cidr %s", [p.spec.cidr]))} if {
	some p in kube.array(input.kubernetes, "ippools")
	is_string(p.spec.cidr)
	not p.spec.disabled
}

# OpenShift: the cluster Network config (config.openshift.io, must-gather's
# cluster-scoped-resources/config.openshift.io/networks.yaml, the Insights
# archive's config/network.json) and the network operator's own Network
# (operator.openshift.io): clusterNetwork[].cidr and serviceNetwork[], in
# spec and, as applied, in status.
openshift_groups := ["config.openshift.io/", "operator.openshift.io/"]

openshift_networks := [n |
	some n in kube.array(input.kubernetes, "networks")
	some group in openshift_groups
	startswith(object.get(n, "apiVersion", ""), group)
]

pod_networks contains {"cidr": c.cidr, "source": sprintf("OpenShift Network %s %s.clusterNetwork", [n.metadata.name, part]), "evidence": kube.at(n, [part, "clusterNetwork", i, "cidr"], sprintf("clusterNetwork cidr %s", [c.cidr]))} if {
	some n in openshift_networks
	some part in ["spec", "status"]
	some i, c in kube.array(object.get(n, part, {}), "clusterNetwork")
	is_string(c.cidr)
}

service_ranges contains {"cidr": c, "source": sprintf("OpenShift Network %s %s.serviceNetwork", [n.metadata.name, part]), "evidence": kube.at(n, [part, "serviceNetwork", i], sprintf("serviceNetwork %s", [c]))} if {
	some n in openshift_networks
	some part in ["spec", "status"]
	some i, c in kube.array(object.get(n, part, {}), "serviceNetwork")
	is_string(c)
}
