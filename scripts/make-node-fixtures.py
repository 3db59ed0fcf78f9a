#!/usr/bin/env python3
"""Regenerate the node-network fixtures under testdata/dumps/.

Each fixture joins a cluster dump (Nodes whose names and InternalIPs match,
the CNI's and kube-proxy's DaemonSets, pods, logs) with the real node
artifacts of a scenario reproduced in network namespaces
(testdata/scenarios/<scenario>/nodes/...). Node files are copied verbatim,
with one documented exception: this machine's kernel cannot create IPIP
devices, so in the Calico IPIP fixtures tunl0's header, link and detail
lines are replaced with what iproute2 prints for Calico's tunl0 on a real
node (see ADAPTED below); every other byte, captures included, is the
scenario's.

Run from the repository root:  python3 scripts/make-node-fixtures.py
"""
import importlib.util
import json
import os
import re
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("kubefx", os.path.join(HERE, "make-kube-fixtures.py"))
K = importlib.util.module_from_spec(spec)
spec.loader.exec_module(K)

ROOT = K.ROOT
SCEN = os.path.join(ROOT, "testdata", "scenarios")

# What iproute2 prints for Calico's tunl0 (kernel ipip device, "any" ends,
# nopmtudisc), from public `ip -d addr` outputs of Calico nodes.
ADAPTED = {
    "header": "{idx}: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu {mtu} qdisc noqueue state UNKNOWN group default qlen 1000",
    "link": "    link/ipip 0.0.0.0 brd 0.0.0.0 promiscuity 0  allmulti 0 minmtu 0 maxmtu 0 ",
    "detail": "    ipip any remote any local any ttl inherit nopmtudisc numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 ",
}


def adapt_tunl0(text):
    """Replace the TUN stand-in's three lines for tunl0 with a real ipip
    device's; addresses and everything else stay."""
    out, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        m = re.match(r"^(\d+): tunl0: <[^>]*> mtu (\d+) ", lines[i])
        if m:
            out.append(ADAPTED["header"].format(idx=m.group(1), mtu=m.group(2)))
            i += 1
            while i < len(lines) and lines[i].startswith("    ") and not lines[i].startswith("    inet"):
                i += 1  # drop link/none and the tun detail line
            out.append(ADAPTED["link"])
            out.append(ADAPTED["detail"])
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def node(name, ip, os_image="Ubuntu 22.04.4 LTS", kernel="5.15.0-1061-aws", version="v1.27.3", proxy=None):
    n = K.node(name, ip, version)
    n["status"]["nodeInfo"].update(osImage=os_image, kernelVersion=kernel, kubeProxyVersion=proxy or version)
    n["spec"]["podCIDR"] = "10.244.%s.0/24" % ip.split(".")[-1]
    return n


def copy_nodes(scenario, dst, nodes=None, adapt=False, exclude=()):
    src = os.path.join(SCEN, scenario, "nodes")
    for n in sorted(os.listdir(src)):
        if nodes and n not in nodes:
            continue
        for dp, dns, fns in os.walk(os.path.join(src, n)):
            dns.sort()
            for fn in sorted(fns):
                if fn in exclude:
                    continue
                s = os.path.join(dp, fn)
                d = os.path.join(dst, n, os.path.relpath(s, os.path.join(src, n)))
                os.makedirs(os.path.dirname(d), exist_ok=True)
                if adapt and fn == "ip-d-addr.txt":
                    with open(s) as f, open(d, "w") as g:
                        g.write(adapt_tunl0(f.read()))
                else:
                    shutil.copyfile(s, d)


def daemonset(ns, name, containers, labels):
    return {
        "kind": "DaemonSet", "apiVersion": "apps/v1",
        "metadata": K.meta("DaemonSet", ns, name, labels, gen=1),
        "spec": {"selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": {"containers": containers, "hostNetwork": True}}},
        "status": {"desiredNumberScheduled": 2, "numberAvailable": 2, "numberReady": 2, "currentNumberScheduled": 2},
    }


def ds_pod(ds, suffix, node_name, ip):
    p = {
        "kind": "Pod", "apiVersion": "v1",
        "metadata": K.meta("Pod", ds["metadata"]["namespace"], ds["metadata"]["name"] + "-" + suffix, ds["spec"]["template"]["metadata"]["labels"],
                           owner=("DaemonSet", ds["metadata"]["name"])),
        "spec": {"containers": ds["spec"]["template"]["spec"]["containers"], "nodeName": node_name, "hostNetwork": True},
        "status": {"phase": "Running", "hostIP": ip, "podIP": ip,
                   "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": None, "lastTransitionTime": K.T0}]},
    }
    p["metadata"]["ownerReferences"][0]["apiVersion"] = "apps/v1"
    return p


def configmap(ns, name, data):
    return {"kind": "ConfigMap", "apiVersion": "v1", "metadata": K.meta("ConfigMap", ns, name), "data": data}


def web_pods(node_ips):
    """A small app with a Service, one pod per node, all Ready."""
    dep = K.deployment("default", "web", {"app": "web"}, [K.container("web", "nginx:1.25.3", [{"name": "http", "containerPort": 8080}])], replicas=len(node_ips))
    rs = K.replicaset(dep, "7c9d8f6b5")
    pods = []
    for i, (n, ip) in enumerate(node_ips):
        K.NODE_IPS[n] = ip
        pods.append(K.pod(rs, "x%dq7" % i, n, "10.244.%s.%d" % (ip.split(".")[-1], 10 + i)))
    svc = K.service("default", "web", {"app": "web"}, [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}], "10.96.20.10")
    return [dep, rs, *pods, svc]


# ----------------------------------------------------------------- fixtures

def calico(mtu_env="1440"):
    cm = configmap("kube-system", "calico-config", {"veth_mtu": mtu_env, "calico_backend": "bird",
                                                    "cni_network_config": '{"name": "k8s-pod-network", "cniVersion": "0.3.1", "plugins": [{"type": "calico", "mtu": __CNI_MTU__}]}'})
    env = [{"name": "DATASTORE_TYPE", "value": "kubernetes"}, {"name": "CALICO_NETWORKING_BACKEND", "valueFrom": {"configMapKeyRef": {"name": "calico-config", "key": "calico_backend"}}},
           {"name": "CALICO_IPV4POOL_IPIP", "value": "Always"}, {"name": "CALICO_IPV4POOL_VXLAN", "value": "Never"},
           {"name": "FELIX_IPINIPMTU", "valueFrom": {"configMapKeyRef": {"name": "calico-config", "key": "veth_mtu"}}},
           {"name": "CALICO_IPV4POOL_CIDR", "value": "10.244.0.0/16"}]
    ds = daemonset("kube-system", "calico-node", [K.container("calico-node", "docker.io/calico/node:v3.26.1") | {"env": env}], {"k8s-app": "calico-node"})
    return ds, cm


def build_mtu_calico(name, scenario, mtu_env, expect):
    d = K.fresh(name)
    b = os.path.join(d, "bundle")
    nodes = [node("vm-4", "10.0.0.4"), node("vm-5", "10.0.0.5")]
    ds, cm = calico(mtu_env)
    kube_sys = [ds, ds_pod(ds, "b8x2k", "vm-4", "10.0.0.4"), ds_pod(ds, "q9m4t", "vm-5", "10.0.0.5")]
    K.dir_dump(os.path.join(b, "cluster-info"), nodes, [("kube-system", kube_sys), ("default", web_pods([("vm-4", "10.0.0.4"), ("vm-5", "10.0.0.5")]))])
    with open(os.path.join(b, "configmaps.yaml"), "w") as f:
        f.write(K.yaml_list([cm]))
    copy_nodes(scenario, os.path.join(b, "nodes"), adapt=True)
    K.expect(d, expect)


def build_mtu_flannel(name, scenario, flannel_mtu_note, expect):
    d = K.fresh(name)
    stage = os.path.join(d, "_stage")
    nodes = [node("vm-1", "10.0.0.11"), node("vm-2", "10.0.0.12")]
    cm = configmap("kube-flannel", "kube-flannel-cfg", {"net-conf.json": '{\n  "Network": "10.244.0.0/16",\n  "Backend": {\n    "Type": "vxlan"\n  }\n}\n',
                                                        "cni-conf.json": '{"name": "cbr0", "cniVersion": "0.3.1", "plugins": [{"type": "flannel", "delegate": {"hairpinMode": true, "isDefaultGateway": true}}]}'})
    ds = daemonset("kube-flannel", "kube-flannel-ds", [K.container("kube-flannel", "docker.io/flannel/flannel:v0.24.2") | {"args": ["--ip-masq", "--kube-subnet-mgr"]}], {"app": "flannel"})
    K.stdout_dump(os.path.join(stage, "cluster-info-dump.txt"), nodes,
                  [("kube-flannel", [ds, ds_pod(ds, "4kz8w", "vm-1", "10.0.0.11"), ds_pod(ds, "7tq2n", "vm-2", "10.0.0.12")]),
                   ("default", web_pods([("vm-1", "10.0.0.11"), ("vm-2", "10.0.0.12")]))])
    with open(os.path.join(stage, "kube-flannel-cfg.yaml"), "w") as f:
        f.write(K.to_yaml(cm))
    # one tarball per node, as a collector run on each node would leave them
    for n in ("vm-1", "vm-2"):
        tmp = os.path.join(d, "_node_" + n)
        copy_nodes(scenario, tmp, nodes=[n])
        K.tar_dir(os.path.join(tmp, n), os.path.join(stage, n + ".tar.gz"), n)
        shutil.rmtree(tmp)
    K.tar_dir(stage, os.path.join(d, "bundle.tar.gz"), "support")
    shutil.rmtree(stage)
    K.expect(d, expect)


def kube_proxy(tag, mode, image="k8s.gcr.io/kube-proxy"):
    c = K.container("kube-proxy", "%s:%s" % (image, tag)) | {
        "command": ["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf", "--hostname-override=$(NODE_NAME)"]}
    ds = daemonset("kube-system", "kube-proxy", [c], {"k8s-app": "kube-proxy"})
    cm = configmap("kube-system", "kube-proxy", {"config.conf": "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nclusterCIDR: 10.244.0.0/16\nmode: \"%s\"\n" % mode})
    return ds, cm


def read_error(scenario):
    return open(os.path.join(SCEN, scenario, "nodes", "vm-8", "iptables-restore-error.txt")).read()


def build_kube_mark_drop_incident():
    d = K.fresh("kube-mark-drop-incident")
    b = os.path.join(d, "bundle")
    nodes = [node("vm-8", "10.0.0.8", "CentOS Linux 8 (Core)", "4.18.0-80.11.2.el8_0.x86_64", "v1.13.3")]
    ds, cm = kube_proxy("v1.13.3", "ipvs")
    pod = ds_pod(ds, "x7k2p", "vm-8", "10.0.0.8")
    # kube-proxy 1.13's IPVS proxier logs its iptables-restore failures as one
    # klog line holding the command's output; the output text is the one
    # iptables-restore printed in the reproduction (testdata/scenarios).
    err = read_error("kube-mark-drop-missing").strip().replace("\n", "\\n")
    err = err.replace("v1.8.9 (legacy)", "v1.6.0")  # the iptables the 1.13 image ships
    lines = [
        "I0312 09:14:51.318006       1 server_others.go:189] Using ipvs Proxier.",
        "W0312 09:14:51.318399       1 proxier.go:365] clusterCIDR not specified, unable to distinguish between internal and external traffic",
        "I0312 09:14:51.319153       1 server.go:464] Version: v1.13.3",
        "I0312 09:14:51.327734       1 conntrack.go:52] Setting nf_conntrack_max to 131072",
        "I0312 09:14:51.328431       1 config.go:202] Starting service config controller",
        "E0312 09:14:51.512310       1 proxier.go:1435] Failed to execute iptables-restore: exit status 2 (%s\\n)" % err,
        "E0312 09:15:21.604987       1 proxier.go:1435] Failed to execute iptables-restore: exit status 2 (%s\\n)" % err,
    ]
    K.stdout_dump(os.path.join(b, "cluster-info-dump.txt"), nodes, [("kube-system", [ds, pod]), ("default", web_pods([("vm-8", "10.0.0.8")]))],
                  logs=[("kube-system", pod["metadata"]["name"], "kube-proxy", lines)])
    with open(os.path.join(b, "kube-proxy-configmap.yaml"), "w") as f:
        f.write(K.to_yaml(cm))
    copy_nodes("kube-mark-drop-missing", os.path.join(b, "nodes"), exclude=("iptables-restore-error.txt",))
    K.expect(d, """
description: >-
  kube-proxy v1.13.3 in IPVS mode on a CentOS 8 host: kubelet created
  KUBE-MARK-DROP with nf_tables, kube-proxy's image writes legacy iptables,
  its legacy view lacks the chain and every iptables-restore fails. Node
  files are real (testdata/scenarios/kube-mark-drop-missing); the
  kube-proxy log quotes the error iptables-restore printed there.
inputs: [bundle]
exit: 1
must:
  - rule: kube-mark-drop
    subjects: [Node/vm-8]
    message_contains:
      - "On vm-8, kube-proxy 1.13.3 (ipvs mode) uses legacy iptables"
      - "nf_tables (iptables-nft-save v1.8.9 (nf_tables))"
      - "kube-proxy logged it 2 time(s)"
      - "Couldn't load target `KUBE-MARK-DROP'"
    evidence_files: [cluster-info-dump.txt, nodes/vm-8/iptables-save.txt, nodes/vm-8/iptables-legacy-save.txt]
must_not: [mtu, listen-overflow, ip-forward, selector-mismatch, quota-limitrange]
""")


def build_kube_mark_drop_modern():
    d = K.fresh("kube-mark-drop-modern")
    b = os.path.join(d, "bundle")
    nodes = [node("vm-8", "10.0.0.8", "Rocky Linux 9.3 (Blue Onyx)", "5.14.0-362.8.1.el9_3.x86_64", "v1.29.2")]
    ds, cm = kube_proxy("v1.29.2", "iptables", "registry.k8s.io/kube-proxy")
    pod = ds_pod(ds, "m2v9c", "vm-8", "10.0.0.8")
    lines = ['I0312 09:14:51.318006       1 server_others.go:72] "Using iptables proxy"', 'I0312 09:14:51.319153       1 server.go:652] "Version info" version="v1.29.2"']
    K.stdout_dump(os.path.join(b, "cluster-info-dump.txt"), nodes, [("kube-system", [ds, pod]), ("default", web_pods([("vm-8", "10.0.0.8")]))],
                  logs=[("kube-system", pod["metadata"]["name"], "kube-proxy", lines)])
    with open(os.path.join(b, "kube-proxy-configmap.yaml"), "w") as f:
        f.write(K.to_yaml(cm))
    copy_nodes("kube-mark-drop-modern", os.path.join(b, "nodes"))
    K.expect(d, """
description: >-
  Healthy twin: Kubernetes 1.29 on Rocky Linux 9, one nf_tables backend,
  kube-proxy in iptables mode; nothing creates or references KUBE-MARK-DROP
  any more, and that is healthy.
inputs: [bundle]
exit: 0
must: []
must_not: [kube-mark-drop, mtu, listen-overflow, ip-forward, selector-mismatch, quota-limitrange]
""")


def build_listen(name, scenario, expect):
    d = K.fresh(name)
    b = os.path.join(d, "bundle")
    nodes = [node("vm-7", "10.0.0.7", "Debian GNU/Linux 10 (buster)", "4.19.0-24-cloud-amd64", "v1.24.17"),
             node("vm-6", "10.0.0.6", "Debian GNU/Linux 10 (buster)", "4.19.0-24-cloud-amd64", "v1.24.17")]
    K.NODE_IPS["vm-7"] = "10.0.0.7"
    dep = K.deployment("shop", "api", {"app": "api"}, [K.container("nginx", "nginx:1.25.3", [{"name": "http", "containerPort": 80}])])
    rs = K.replicaset(dep, "6f7d8c9b5")
    p = K.pod(rs, "h7k2m", "vm-7", "10.244.7.10")
    svc = K.service("shop", "api", {"app": "api"}, [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}], "10.96.30.7")
    K.dir_dump(os.path.join(b, "cluster-info"), nodes, [("shop", [dep, rs, p, svc])])
    copy_nodes(scenario, os.path.join(b, "nodes"))
    K.expect(d, expect)


def build_ip_forward(name, scenario, expect):
    d = K.fresh(name)
    b = os.path.join(d, "bundle")
    nodes = [node("vm-3", "10.0.0.3")]
    K.NODE_IPS["vm-3"] = "10.0.0.3"
    dep = K.deployment("team-b", "worker", {"app": "worker"}, [K.container("worker", "ghcr.io/acme/worker:2.1.0")], replicas=2)
    rs = K.replicaset(dep, "5d6c7b8a9")
    pods = [K.pod(rs, "a1b2c", "vm-3", "10.244.3.10"), K.pod(rs, "d3e4f", "vm-3", "10.244.3.11")]
    K.stdout_dump(os.path.join(b, "cluster-info-dump.txt"), nodes, [("team-b", [dep, rs, *pods])])
    copy_nodes(scenario, os.path.join(b, "nodes"))
    K.expect(d, expect)


def build_rolling_update(name, scenario, healthy, expect):
    """A frontend pod keeps calling backend pod 10.244.9.11:8080; in the
    incident that pod was deleted by a rollout (its replacement has another
    address) and the backend Deployment has no readinessProbe or preStop
    hook; in the twin the pod is alive and the Deployment has both."""
    d = K.fresh(name)
    b = os.path.join(d, "bundle")
    nodes = [node("vm-9", "10.0.0.9")]
    K.NODE_IPS["vm-9"] = "10.0.0.9"
    probe = {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 5} if healthy else None
    be = K.container("backend", "ghcr.io/acme/backend:2.4.0", [{"name": "http", "containerPort": 8080}], ready_probe=probe)
    if healthy:
        be["lifecycle"] = {"preStop": {"exec": {"command": ["sleep", "10"]}}}
    bdep = K.deployment("shop", "backend", {"app": "backend"}, [be])
    brs = K.replicaset(bdep, "5d8f7c6b9" if healthy else "6c9d7f8b5")
    bpod = K.pod(brs, "k4p2w" if healthy else "x8q2r", "vm-9", "10.244.9.11" if healthy else "10.244.9.12")
    fdep = K.deployment("shop", "frontend", {"app": "frontend"}, [K.container("frontend", "ghcr.io/acme/frontend:1.9.3", [{"name": "http", "containerPort": 3000}])])
    frs = K.replicaset(fdep, "7b9f6d8c4")
    fpod = K.pod(frs, "m2x7q", "vm-9", "10.244.9.10")
    svc = K.service("shop", "backend", {"app": "backend"}, [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}], "10.96.40.9")
    objs = [bdep, brs, bpod, fdep, frs, fpod, svc]
    if not healthy:
        old = K.replicaset(bdep, "5d8f7c6b9", available=0)
        old["spec"]["replicas"] = 0
        objs.append(old)
        objs.append(K.event("shop", bdep, "ScalingReplicaSet", "Scaled down replica set backend-5d8f7c6b9 to 0 from 1", type_="Normal", source="deployment-controller"))
    K.dir_dump(os.path.join(b, "cluster-info"), nodes, [("shop", objs)])
    copy_nodes(scenario, os.path.join(b, "nodes"))
    K.expect(d, expect)


if __name__ == "__main__":
    build_mtu_calico("mtu-calico-ipip-incident", "mtu-ipip-blackhole", "1440", """
description: >-
  The incident: Calico IPIP, tunl0 MTU 1440 over eth0 MTU 1450 on both
  nodes (1440 + 20 = 1460 > 1450); calico-node sets CALICO_IPV4POOL_IPIP
  Always and takes its MTU from calico-config's veth_mtu. Node files are the
  real outputs of testdata/scenarios/mtu-ipip-blackhole, with tunl0's lines
  adapted to a real ipip device (that kernel has no IPIP; see
  scripts/make-node-fixtures.py).
inputs: [bundle]
exit: 1
must:
  - rule: mtu
    subjects: [Node/vm-5]
    message_contains: ["tunl0 1440 + 20 (IPIP) = 1460 > eth0 1450 on vm-5: inner packets over 1430 bytes are dropped between tunl0 and eth0"]
    evidence_files: [nodes/vm-5/ip-d-addr.txt, configmaps.yaml, cluster-info/kube-system/daemonsets.json]
  - rule: mtu
    subjects: [Node/vm-4]
must_not: [kube-mark-drop, listen-overflow, ip-forward, selector-mismatch, quota-limitrange]
""")
    build_mtu_calico("mtu-calico-ipip-fits", "mtu-ipip-fits", "1430", """
description: >-
  Healthy twin: tunl0 and pod MTU 1430 over eth0 1450 (1430 + 20 fits).
inputs: [bundle]
exit: 0
must: []
must_not: [mtu, kube-mark-drop, listen-overflow, ip-forward, selector-mismatch, quota-limitrange]
""")
    build_mtu_flannel("mtu-flannel-vxlan", "mtu-flannel-vxlan", "1450", """
description: >-
  Flannel VXLAN with every device real: flannel.1 1450 + 50 = 1500 > eth0
  1450 on both nodes. Each node's files come in its own tarball inside the
  support tarball; attribution is by the archive's name.
inputs: [bundle.tar.gz]
exit: 1
must:
  - rule: mtu
    subjects: [Node/vm-1]
    message_contains: ["flannel.1 1450 + 50 (VXLAN) = 1500 > eth0 1450 on vm-1: inner packets over 1400 bytes"]
    evidence_files: ["bundle.tar.gz!/support/vm-1.tar.gz!/vm-1/ip-d-addr.txt", "kube-flannel-cfg.yaml"]
  - rule: mtu
    subjects: [Node/vm-2]
must_not: [kube-mark-drop, listen-overflow, ip-forward, selector-mismatch, quota-limitrange]
""")
    build_mtu_flannel("mtu-flannel-vxlan-fits", "mtu-flannel-vxlan-fits", "1400", """
description: >-
  Healthy twin: flannel.1 MTU 1400 over eth0 1450.
inputs: [bundle.tar.gz]
exit: 0
must: []
must_not: [mtu, kube-mark-drop, listen-overflow, ip-forward, selector-mismatch, quota-limitrange]
""")
    build_kube_mark_drop_incident()
    build_kube_mark_drop_modern()
    build_listen("listen-overflow-incident", "listen-overflow", """
description: >-
  An nginx-like pod (shop/api on vm-7) whose listener never accepts: in its
  network namespace netstat -s counts listen-queue overflows and dropped
  SYNs (20, then 60, between two timed snapshots), ss -lnt shows Recv-Q 129
  at the backlog of 128, and net.core.somaxconn is 128. Real outputs of
  testdata/scenarios/listen-overflow.
inputs: [bundle]
exit: 1
must:
  - rule: listen-overflow
    subjects: [Node/vm-7, Pod/shop/api-6f7d8c9b5-h7k2m]
    message_contains: ["pod network namespace api-6f7d8c9b5-h7k2m", "has Recv-Q 129 at its backlog of 128", "net.core.somaxconn = 128"]
    evidence_files: [nodes/vm-7/pods/api-6f7d8c9b5-h7k2m/ss-lnt.txt]
must_not: [mtu, kube-mark-drop, ip-forward, selector-mismatch, quota-limitrange]
""")
    build_listen("listen-ok", "listen-ok", """
description: >-
  Healthy twin: somaxconn 4096, a listener that accepts promptly, zero
  overflow counters.
inputs: [bundle]
exit: 0
must: []
must_not: [listen-overflow, mtu, kube-mark-drop, ip-forward, selector-mismatch, quota-limitrange]
""")
    build_ip_forward("ip-forward-off", "ip-forward-off", """
description: >-
  Node vm-3 runs two pods on a bridge CNI with net.ipv4.ip_forward = 0 and
  net.bridge.bridge-nf-call-iptables = 0 (real sysctl -a of the scenario).
inputs: [bundle]
exit: 1
must:
  - rule: ip-forward
    subjects: [Node/vm-3]
    message_contains: ["On vm-3 net.ipv4.ip_forward = 0, yet the node runs pods"]
    evidence_files: [nodes/vm-3/sysctl-a.txt]
  - rule: ip-forward
    message_contains: ["pods hang off bridge cni0, but net.bridge.bridge-nf-call-iptables = 0"]
must_not: [mtu, kube-mark-drop, listen-overflow, selector-mismatch, quota-limitrange]
""")
    build_ip_forward("ip-forward-on", "ip-forward-on", """
description: >-
  Healthy twin: forwarding and bridge-nf-call-iptables on.
inputs: [bundle]
exit: 0
must: []
must_not: [ip-forward, mtu, kube-mark-drop, listen-overflow, selector-mismatch, quota-limitrange]
""")
    build_rolling_update("rolling-update-unreachable", "rolling-update-unreachable", False, """
description: >-
  A rollout replaced backend pod 10.244.9.11 with one at 10.244.9.12 while
  the frontend pod kept calling the old address; the node answered with
  ICMP host unreachable (the client-side capture is real, from
  testdata/scenarios/rolling-update-unreachable). The backend Deployment
  has no readinessProbe and no preStop hook.
inputs: [bundle]
exit: 0
must:
  - rule: reachability
    subjects: [Deployment/shop/backend]
    message_contains:
      - "10.244.9.10 got ICMP host unreachable for 10.244.9.11:8080"
      - "Deployment shop/backend, whose pods have no preStop hook and no readinessProbe"
    evidence_files: [nodes/vm-9/pods/frontend-7b9f6d8c4-m2x7q/capture-eth0.pcap, cluster-info/shop/deployments.json]
must_not: [mtu, kube-mark-drop, listen-overflow, ip-forward, selector-mismatch, quota-limitrange]
""")
    build_rolling_update("rolling-update-ok", "rolling-update-ok", True, """
description: >-
  Healthy twin: the frontend calls a live backend pod; the Deployment has a
  readinessProbe and a preStop hook.
inputs: [bundle]
exit: 0
must: []
must_not: [reachability, mtu, kube-mark-drop, listen-overflow, ip-forward, selector-mismatch, quota-limitrange]
""")
    print("node fixtures written")
