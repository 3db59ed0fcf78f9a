package ktriage.lib.dns_test

import data.ktriage.lib.dns

log(pod, container, file, lines) := {
	"namespace": "shop", "pod": pod, "container": container, "previous": false, "file": file, "line": 1,
	"lines": count(lines), "truncated": false,
	"kept": [{"line": i + 2, "text": t} | some i, t in lines],
}

failing := "getaddrinfo EAI_AGAIN db.shop.svc.cluster.local"

test_failures_keep_a_pods_first_failing_line if {
	logs := [log("api-1", "api", "logs/api-1.log", ["starting", failing, "lookup db on 10.96.0.10:53: server misbehaving"])]
	dns.failures == {["shop", "api-1"]: {"file": "logs/api-1.log", "line": 3, "text": failing}} with input.kubernetes.logs as logs
}

# A pod has one log per container, and a current and a previous one: each
# may say a lookup failed, and the pod is still one entry.
test_failures_are_one_per_pod_whatever_its_logs if {
	logs := [
		log("api-1", "api", "logs/api-1/api.log", ["x", "lookup db on 10.96.0.10:53: server misbehaving"]),
		log("api-1", "sidecar", "logs/api-1/sidecar.log", [failing]),
		log("api-1", "api", "logs/api-1/api-previous.log", ["y", "z", failing]),
	]
	dns.failures == {["shop", "api-1"]: {"file": "logs/api-1/api-previous.log", "line": 4, "text": failing}} with input.kubernetes.logs as logs
}

test_failures_leave_out_dns_pods_and_logs_of_no_pod if {
	logs := [log("", "", "coredns.log", [failing]), log("coredns-1", "coredns", "c.log", [failing])]
	count(dns.failures) == 0 with input.kubernetes.logs as logs
		with input.kubernetes.pods as [{"metadata": {"namespace": "kube-system", "name": "coredns-1", "labels": {"k8s-app": "kube-dns"}}}]
}
