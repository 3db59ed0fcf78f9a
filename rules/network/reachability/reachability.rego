# METADATA
# title: Traffic sent to pods that no longer exist
# description: >-
#   During a rolling update, clients keep sending to a pod after it is gone:
#   the node answers with ICMP host unreachable ("No route to host") or the
#   connection is reset. It happens when a pod stops before the endpoints
#   that point at it are withdrawn everywhere, because the pod has no
#   readinessProbe (it was never taken out of rotation gracefully) or no
#   preStop hook (it exits before kube-proxy and the load balancers catch
#   up). The rule reads every capture in the bundle for ICMP destination
#   unreachable and RSTs towards pod addresses (inside a Node's podCIDR,
#   kube-proxy's clusterCIDR, the controller manager's --cluster-cidr or a
#   Calico IPPool) that no pod in the cluster dump has, and names the
#   workload whose pods serve that port together with what those pods lack.
# custom:
#   id: reachability
#   category: reachability
#   severity: medium
#   needs: [node.captures, kubernetes.pods]
#   remediation: >-
#     Give the workload a readinessProbe and a preStop hook that sleeps a few
#     seconds (longer than endpoint propagation, typically 5–15 s) so a
#     terminating pod keeps serving while it is removed from endpoints, keep
#     terminationGracePeriodSeconds above that, and have clients retry
#     idempotent requests on connection errors.
#   references:
#     - https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
#     - https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/
#     - https://learnk8s.io/graceful-shutdown
package ktriage.rules.network["reachability"]

import data.ktriage.lib.kube
import data.ktriage.lib.netranges
import data.ktriage.lib.node
import data.ktriage.lib.text
import data.ktriage.lib.sh

# The pod network. Nodes carry a podCIDR only where the controller manager
# allocates them; Calico IPAM, the AWS and Azure VPC CNIs do not, so the
# cluster-wide ranges count too: kube-proxy's clusterCIDR (its ConfigMap or
# --cluster-cidr), the controller manager's --cluster-cidr, Calico IPPools,
# OpenShift's Network config, kubeadm's podSubnet (data.ktriage.lib.netranges).
pod_cidrs := {c |
	some c in node_cidrs | cluster_cidrs
	netranges.valid_cidr(c)
}

node_cidrs := {c |
	some n in input.kubernetes.nodes
	some c in array.concat(kube.array(n, ["spec", "podCIDRs"]), [object.get(n, ["spec", "podCIDR"], "")])
}

cluster_cidrs := {x.cidr | some x in netranges.pod_networks}

notices contains "no pod network range is known (no Node podCIDR, kube-proxy clusterCIDR, --cluster-cidr, Calico IPPool or OpenShift Network config in the bundle): unreachables towards pod addresses were not looked for" if {
	count(pod_cidrs) == 0
	some [_, c] in captures
	count(kube.array(c, "icmp_unreachable")) + count(kube.array(c, "syn_rst")) > 0
}

in_pod_network(ip) if {
	netranges.valid_ip(ip)
	some c in pod_cidrs
	net.cidr_contains(c, ip)
}

current_ips := {ip |
	some p in input.kubernetes.pods
	some ip in array.concat([object.get(p, ["status", "podIP"], "")], [x.ip | some x in kube.array(p, ["status", "podIPs"])])
	ip != ""
}

captures := node.captures

# Unreachables and refused connections towards addresses of the pod network
# that no pod holds, grouped by address and port.
gone := {[ip, port]: events |
	some [ip, port] in {[e.ip, e.port] | some e in events_all}
	events := [e | some e in events_all; e.ip == ip; e.port == port]
}

events_all := array.concat(
	[{"ip": u.unreachable_dst, "port": u.port, "kind": sprintf("ICMP %s", [u.code_name]), "from": u.from, "to": u.to, "frame": u.frame, "rel_s": u.rel_s, "file": c.file, "node": name, "count": u.unreachable_dst_count} |
		some [name, c] in captures
		some u in c.icmp_unreachable
		in_pod_network(u.unreachable_dst)
		not u.unreachable_dst in current_ips
	],
	[{"ip": r.server, "port": r.port, "kind": "TCP RST", "from": r.server, "to": r.first_client, "frame": r.rst_frame, "rel_s": r.first_rel_s, "file": c.file, "node": name, "count": r.attempts} |
		some [name, c] in captures
		some r in c.syn_rst
		in_pod_network(r.server)
		not r.server in current_ips
	],
)

# Workloads whose pods serve a port (containerPort, or a Service's targetPort).
serving(port) := [w |
	some kind in ["deployments", "statefulsets", "daemonsets"]
	some w in input.kubernetes[kind]
	some c in kube.containers(object.get(w, ["spec", "template", "spec"], {}))
	some cp in kube.array(c, "ports")
	cp.containerPort == port
]

lacks(w) := [what |
	some c in kube.containers(object.get(w, ["spec", "template", "spec"], {}))
	some what in missing(c)
	not hidden(w, what)
]

# A workload read from kubectl describe text does not show lifecycle
# hooks: that it has no preStop hook cannot be told from it.
hidden(w, "no preStop hook") if "spec.template.spec.containers[].lifecycle" in kube.not_shown(w)

missing(c) := array.concat(
	["no readinessProbe" | not c.readinessProbe],
	["no preStop hook" | not c.lifecycle.preStop],
)

# Several captures may see the same packets (the client's namespace and
# the node's side of its veth): the most any one capture counted is the
# count, and each capture is cited.
findings contains f if {
	some [ip, port], events in gone
	ws := serving(port)
	first := events[0]
	times := max({e.count | some e in events})
	f := {
		"message": sprintf("%s got %s for %s:%v %s, an address no pod in the bundle has: a pod that was deleted (a rolling update, a scale-down) while clients still sent to it.%s", [
			first.to, first.kind, ip, port, text.times(times), workload_text(port, ws),
		]),
		"subjects": array.concat([node.subject(first.node)], [kube.ref(w) | some w in ws]),
		"evidence": array.concat(
			[{"file": e.file, "frame": e.frame, "note": sprintf("+%v s: %s from %s to %s for %s:%v", [e.rel_s, e.kind, e.from, e.to, ip, port])} |
				some file in {e.file | some e in events}
				some e in array.slice([x | some x in events; x.file == file], 0, 3)
			],
			[kube.at(w, ["spec", "template", "spec", "containers"], concat(", ", lacks(w))) | some w in ws; count(lacks(w)) > 0],
		),
		"confirm": array.concat(
			[
				concat("", [sh.format("kubectl get pods -A -o wide | grep -F %s", [ip]), sh.comment("nothing: the address is gone")]),
				concat("", [sh.format("kubectl get endpointslices -A -o wide | grep -F %s", [ip]), sh.comment("a stale endpoint would still list it")]),
			],
			[sh.format("kubectl -n %s rollout history %s", [kube.namespace(w), concat("/", [lower(w.kind), w.metadata.name])]) | some w in ws],
		),
		"fix": fix(ws),
		"details": {
			"address": ip, "port": port, "events": times,
			"workloads": [kube.ref(w) | some w in ws],
			"lacking": [{"workload": kube.ref(w), "missing": lacks(w)} | some w in ws],
		},
	}
}

workload_text(_, ws) := "" if count(ws) == 0

workload_text(port, ws) := sprintf(" Port %v is served by %s.", [
	port, concat("; ", [sprintf("%s %s/%s%s", [w.kind, kube.namespace(w), w.metadata.name, lack_text(w)]) | some w in ws]),
]) if count(ws) > 0

lack_text(w) := "" if count(lacks(w)) == 0

lack_text(w) := sprintf(", whose pods have %s", [concat(" and ", {x | some x in lacks(w)})]) if count(lacks(w)) > 0

fix(ws) := sprintf("Give %s a readinessProbe and a preStop hook (for example sleep 10) so its pods keep serving until they are out of every endpoint list.", [concat(", ", [sprintf("%s %s/%s", [w.kind, kube.namespace(w), w.metadata.name]) | some w in ws])]) if {
	count(ws) > 0
} else := "Find the workload that owned the address (its Service's targetPort) and give it a readinessProbe and a preStop hook."
