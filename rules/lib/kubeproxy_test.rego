package ktriage.lib.kubeproxy_test

import data.ktriage.lib.kubeproxy

ds(command) := {
	"kind": "DaemonSet", "metadata": {"namespace": "kube-system", "name": "kube-proxy"},
	"spec": {"template": {"spec": {"containers": [{"name": "kube-proxy", "image": "registry.k8s.io/kube-proxy:v1.13.3", "command": command}]}}},
}

test_mode_from_the_daemonsets_flag if {
	kubeproxy.mode("vm-1") == "ipvs" with input.kubernetes.daemonsets as [ds(["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf", "--proxy-mode=ipvs"])]
}

# A command entry that is no string (a damaged object) is passed over:
# trim_prefix failed kube-mark-drop and kube-proxy-rules-absent on it.
test_mode_passes_over_a_command_entry_that_is_no_string if {
	kubeproxy.mode("vm-1") == "ipvs" with input.kubernetes.daemonsets as [ds(["/usr/local/bin/kube-proxy", 7, "--proxy-mode=ipvs"])]
}
