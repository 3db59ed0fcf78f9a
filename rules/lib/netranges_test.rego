package ktriage.lib.netranges_test

import data.ktriage.lib.netranges

test_valid_cidr if {
	netranges.valid_cidr("10.244.0.0/16")
	netranges.valid_cidr("fd00::/64")
	not netranges.valid_cidr("10.244.0.0")
	not netranges.valid_cidr("not-a-cidr")
	not netranges.valid_cidr("")
	not netranges.valid_cidr(24)
	not netranges.valid_cidr(null)
}

test_valid_ip if {
	netranges.valid_ip("10.244.1.5")
	netranges.valid_ip("fd00::1")
	not netranges.valid_ip("10.244.1.0/24")
	not netranges.valid_ip("zz")
	not netranges.valid_ip("")
	not netranges.valid_ip(7)
}

kubeadm_config(conf) := {"kind": "ConfigMap", "metadata": {"namespace": "kube-system", "name": "kubeadm-config"}, "data": {"ClusterConfiguration": conf}}

test_kubeadm_ranges if {
	conf := "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nnetworking:\n  dnsDomain: cluster.local\n  podSubnet: 10.244.0.0/16\n  serviceSubnet: 10.96.0.0/12\n"
	{r.cidr | some r in netranges.service_ranges} == {"10.96.0.0/12"} with input.kubernetes.configmaps as [kubeadm_config(conf)]
	{r.cidr | some r in netranges.pod_networks} == {"10.244.0.0/16"} with input.kubernetes.configmaps as [kubeadm_config(conf)]
}

# A ClusterConfiguration cut short (a truncated bundle) is no YAML: it
# states no range, where yaml.unmarshal failed every rule that reads one.
test_kubeadm_config_that_is_no_yaml_states_no_range if {
	cut := "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nnetworking:\n  podSubnet: [10.244.0.0/16\n"
	count(netranges.service_ranges) == 0 with input.kubernetes.configmaps as [kubeadm_config(cut)]
	count(netranges.pod_networks) == 0 with input.kubernetes.configmaps as [kubeadm_config(cut)]
}
