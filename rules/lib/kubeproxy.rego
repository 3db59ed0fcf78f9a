# Helpers about kube-proxy: which objects are it, its version and mode on a
# node, its logs, and the node's iptables views as it wrote them. Shared by
# the rules that judge kube-proxy's rules on a node.
package ktriage.lib.kubeproxy

import data.ktriage.lib.kube
import data.ktriage.lib.node

is_kube_proxy(obj) if contains(obj.metadata.name, "kube-proxy")

# kube_proxy_pods, picked once per query: the functions below run per node
# (and per log), and scanning every pod of a large cluster in each made
# the rules using them quadratic (20 nodes × 20,000 pods: 7 s).
kube_proxy_pods := [p | some p in input.kubernetes.pods; is_kube_proxy(p)]

containers(spec) := [c | some c in kube.containers(spec); is_string(c.image); contains(c.image, "kube-proxy")]

image_version(image) := m[1] if {
	m := regex.find_all_string_submatch_n(`kube-proxy[^:/@]*:v?(\d+\.\d+(?:\.\d+)?)`, image, 1)[0]
}

# kube-proxy's version on a node: its pod there, the DaemonSet, or what the
# Node reports.
# (During a rollout two kube-proxy pods may run different images: the
# oldest version is the one that can still break things.)
version(name) := oldest(vs) if {
	vs := {v |
		some p in kube_proxy_pods
		p.spec.nodeName == name
		some c in containers(p.spec)
		v := image_version(c.image)
	}
	count(vs) > 0
} else := oldest(vs) if {
	vs := {v |
		some ds in input.kubernetes.daemonsets
		is_kube_proxy(ds)
		some c in containers(ds.spec.template.spec)
		v := image_version(c.image)
	}
	count(vs) > 0
} else := v if {
	v := node.node_object(name).status.nodeInfo.kubeProxyVersion
	v != ""
}

# The proxy mode: a flag, the kube-proxy ConfigMap, the log banner, or IPVS
# virtual services on the node.
mode(name) := m if {
	m := first({x |
		some ds in input.kubernetes.daemonsets
		is_kube_proxy(ds)
		some c in containers(ds.spec.template.spec)
		some a in array.concat(kube.array(c, "command"), kube.array(c, "args"))
		is_string(a)
		x := trim_prefix(a, "--proxy-mode=")
		x != a
	})
} else := m if {
	m := first({x |
		some cm in input.kubernetes.configmaps
		cm.metadata.name == "kube-proxy"
		some k, conf in cm.data
		endswith(k, ".conf")
		x := regex.find_all_string_submatch_n(`(?m)^\s*mode:\s*"?([a-z]+)"?`, conf, 1)[0][1]
		x != ""
	})
} else := m if {
	m := first({x |
		some l in logs(name)
		some k in l.kept
		x := regex.find_all_string_submatch_n(`Using (ipvs|iptables|nftables|userspace) [Pp]roxier`, k.text, 1)[0][1]
	})
} else := "ipvs" if {
	some v in kube.array(input.nodes[name], "ipvs")
	count(v.services) > 0
}

version_or_null(name) := version(name) if {
	version(name)
} else := null

mode_or_null(name) := mode(name) if {
	mode(name)
} else := null

oldest(vs) := [v |
	some v in vs
	every w in vs {
		semver.compare(node.version(v), node.version(w)) <= 0
	}
][0]

# first is the smallest element of a non-empty set, undefined when empty,
# so a chain of else branches falls through.
first(set) := sort(set)[0] if count(set) > 0

logs(name) := [l |
	some l in kube_proxy_logs
	pod_node(l) == name
]

# kube_proxy_logs, picked once per query: a bundle holds a log per pod,
# and reading them all per node made logs() quadratic in files.
kube_proxy_logs := [l | some l in input.kubernetes.logs; contains(l.pod, "kube-proxy")]

# only kube-proxy logs come here, and a pod named like its log is a
# kube-proxy pod: the short list, not every pod, per log and node
pod_node(l) := p.spec.nodeName if {
	some p in kube_proxy_pods
	p.metadata.namespace == l.namespace
	p.metadata.name == l.pod
} else := ""

# ------------------------------------------------------------- node views

# The node's iptables-save / nft views (docs/artifacts.md, iptables[]).
views(name) := kube.array(input.nodes[name], "iptables")

complete(r) if not r.partial

# whole(r, t): a dump whose table t was read whole, chain declarations
# included. Only there does "no :CHAIN line" mean the chain is missing; a
# fragment pasted in a ticket has -A lines only.
whole(r, t) if {
	complete(r)
	some c in r.tables[t].chains
	c.declared
}

# pods_on lists the kube-proxy pods the dump schedules on a node.
pods_on(name) := [p |
	some p in kube_proxy_pods
	p.spec.nodeName == name
]

daemonsets := [ds | some ds in input.kubernetes.daemonsets; is_kube_proxy(ds)]

# kube-proxy in iptables or IPVS mode keeps its Service rules under the nat
# chain KUBE-SERVICES (pkg/proxy/iptables and pkg/proxy/ipvs both create
# it). A whole nat table without it, in every view of the node, means its
# rules are not there at all: flushed, or never synced. kube-proxy's
# nftables mode writes no iptables chain.
rules_absent(name) if {
	some r in views(name)
	whole(r, "nat")
	every v in views(name) {
		not object.get(v, ["tables", "nat", "chains", "KUBE-SERVICES"], false)
	}
	not mode(name) in {"nftables", "userspace", "kernelspace"}
}
