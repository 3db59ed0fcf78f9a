#!/usr/bin/env python3
"""Regenerate the Kubernetes-object fixtures under testdata/dumps/.

Each fixture is a bundle as a customer would send it: `kubectl cluster-info
dump` output (stdout or --output-directory form) plus extra `kubectl get -o
yaml|json` output, sometimes nested in archives. Objects are shaped like the
API server returns them (uid, resourceVersion, managedFields, status), built
from the same few constructors so every fixture is internally consistent.
The output is deterministic: same script, same bytes (archive mtimes fixed).

The healthy fixture starts from a real dump (testdata/realworld, kind v1.24.6)
so "no finding" is proven on real data, not only on ours.

Run from the repository root:  python3 scripts/make-kube-fixtures.py
"""
import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
import zipfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DUMPS = os.path.join(ROOT, "testdata", "dumps")
T0 = "2024-03-11T09:14:02Z"
MTIME = 1710148442  # fixed archive timestamps


def uid(*parts):
    h = hashlib.sha1("/".join(parts).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


RV = [41000]


def rv():
    RV[0] += 7
    return str(RV[0])


def meta(kind, ns, name, labels=None, owner=None, annotations=None, gen=None):
    m = {"name": name, "uid": uid(kind, ns or "", name), "resourceVersion": rv(), "creationTimestamp": T0}
    if ns:
        m["namespace"] = ns
    if gen is not None:
        m["generation"] = gen
    if labels:
        m["labels"] = dict(labels)
    if annotations:
        m["annotations"] = dict(annotations)
    if owner:
        m["ownerReferences"] = [{
            "apiVersion": "apps/v1", "kind": owner[0], "name": owner[1],
            "uid": uid(owner[0], ns, owner[1]), "controller": True, "blockOwnerDeletion": True,
        }]
    m["managedFields"] = [{
        "manager": "kube-controller-manager" if owner else "kubectl-client-side-apply",
        "operation": "Update", "apiVersion": "v1", "time": T0, "fieldsType": "FieldsV1",
        "fieldsV1": {"f:metadata": {"f:labels": {".": {}}}},
    }]
    return m


def container(name, image, ports=(), resources=None, ready_probe=None):
    c = {"name": name, "image": image, "resources": resources or {},
         "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
         "imagePullPolicy": "IfNotPresent"}
    if ports:
        c["ports"] = [dict(p, protocol=p.get("protocol", "TCP")) for p in ports]
    if ready_probe:
        c["readinessProbe"] = ready_probe
    return c


def deployment(ns, name, labels, containers, replicas=1, available=None):
    available = replicas if available is None else available
    st = {"observedGeneration": 1, "replicas": available, "updatedReplicas": available,
          "conditions": [{"type": "Progressing", "status": "True", "lastUpdateTime": T0,
                          "lastTransitionTime": T0, "reason": "NewReplicaSetAvailable" if available else "ReplicaSetUpdated",
                          "message": f'ReplicaSet "{name}" has successfully progressed.'}]}
    if available:
        st["readyReplicas"] = available
        st["availableReplicas"] = available
        st["conditions"].insert(0, {"type": "Available", "status": "True", "lastUpdateTime": T0, "lastTransitionTime": T0,
                                    "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."})
    else:
        st["unavailableReplicas"] = replicas
        st["conditions"].insert(0, {"type": "Available", "status": "False", "lastUpdateTime": T0, "lastTransitionTime": T0,
                                    "reason": "MinimumReplicasUnavailable", "message": "Deployment does not have minimum availability."})
        st["conditions"].append({"type": "ReplicaFailure", "status": "True", "lastUpdateTime": T0, "lastTransitionTime": T0,
                                 "reason": "FailedCreate", "message": "pods is forbidden: see events"})
    return {
        "kind": "Deployment", "apiVersion": "apps/v1",
        "metadata": meta("Deployment", ns, name, labels, gen=1, annotations={"deployment.kubernetes.io/revision": "1"}),
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"creationTimestamp": None, "labels": labels},
                              "spec": {"containers": containers, "restartPolicy": "Always", "dnsPolicy": "ClusterFirst"}},
                 "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
                 "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600},
        "status": st,
    }


def replicaset(dep, hash_, available=None):
    ns, name = dep["metadata"]["namespace"], dep["metadata"]["name"]
    labels = dict(dep["spec"]["template"]["metadata"]["labels"], **{"pod-template-hash": hash_})
    replicas = dep["spec"]["replicas"]
    available = replicas if available is None else available
    st = {"replicas": available, "observedGeneration": 1}
    if available:
        st.update(fullyLabeledReplicas=available, readyReplicas=available, availableReplicas=available)
    else:
        st["conditions"] = [{"type": "ReplicaFailure", "status": "True", "lastTransitionTime": T0,
                             "reason": "FailedCreate", "message": "pods is forbidden: see events"}]
    return {
        "kind": "ReplicaSet", "apiVersion": "apps/v1",
        "metadata": meta("ReplicaSet", ns, f"{name}-{hash_}", labels, owner=("Deployment", name), gen=1),
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": dep["spec"]["template"]["spec"]}},
        "status": st,
    }


def pod(rs, suffix, node, ip, ready=True, waiting=None, phase="Running"):
    ns = rs["metadata"]["namespace"]
    labels = rs["spec"]["template"]["metadata"]["labels"]
    name = f"{rs['metadata']['name']}-{suffix}"
    containers = rs["spec"]["template"]["spec"]["containers"]
    statuses = []
    for c in containers:
        s = {"name": c["name"], "image": c["image"], "imageID": "docker.io/library/" + c["image"] + "@sha256:" + hashlib.sha256(c["image"].encode()).hexdigest(),
             "ready": ready, "restartCount": 0 if ready else 7, "started": ready,
             "containerID": "containerd://" + hashlib.sha256(name.encode()).hexdigest()}
        if waiting:
            s["state"] = {"waiting": {"reason": waiting, "message": f"back-off 5m0s restarting failed container={c['name']} pod={name}"}}
            s["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": T0, "finishedAt": T0}}
        else:
            s["state"] = {"running": {"startedAt": T0}}
        statuses.append(s)
    rstat = "True" if ready else "False"
    conds = [
        {"type": "Initialized", "status": "True", "lastProbeTime": None, "lastTransitionTime": T0},
        {"type": "Ready", "status": rstat, "lastProbeTime": None, "lastTransitionTime": T0},
        {"type": "ContainersReady", "status": rstat, "lastProbeTime": None, "lastTransitionTime": T0},
        {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": T0},
    ]
    if not ready:
        for c in conds[1:3]:
            c["reason"] = "ContainersNotReady"
            c["message"] = "containers with unready status: [" + " ".join(x["name"] for x in containers) + "]"
    return {
        "kind": "Pod", "apiVersion": "v1",
        "metadata": meta("Pod", ns, name, labels, owner=("ReplicaSet", rs["metadata"]["name"])) | {"generateName": rs["metadata"]["name"] + "-"},
        "spec": {"containers": containers, "nodeName": node, "restartPolicy": "Always", "serviceAccountName": "default",
                 "dnsPolicy": "ClusterFirst", "schedulerName": "default-scheduler", "priority": 0},
        "status": {"phase": phase, "conditions": conds, "hostIP": NODE_IPS[node], "podIP": ip, "podIPs": [{"ip": ip}],
                   "startTime": T0, "containerStatuses": statuses, "qosClass": "BestEffort"},
    }


def service(ns, name, selector, ports, cluster_ip):
    return {
        "kind": "Service", "apiVersion": "v1",
        "metadata": meta("Service", ns, name, {"app": name}),
        "spec": {"ports": ports, "selector": selector, "clusterIP": cluster_ip, "clusterIPs": [cluster_ip],
                 "type": "ClusterIP", "sessionAffinity": "None", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                 "internalTrafficPolicy": "Cluster"},
        "status": {"loadBalancer": {}},
    }


def endpoints(svc, pods, port_name=None, port=None):
    ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
    ep = {"kind": "Endpoints", "apiVersion": "v1", "metadata": meta("Endpoints", ns, name, {"app": name})}
    ready = [p for p in pods if p["status"]["conditions"][1]["status"] == "True"]
    notready = [p for p in pods if p not in ready]
    if ready or notready:
        subset = {"ports": [{"name": port_name, "port": port, "protocol": "TCP"} if port_name else {"port": port, "protocol": "TCP"}]}
        if ready:
            subset["addresses"] = [{"ip": p["status"]["podIP"], "nodeName": p["spec"]["nodeName"],
                                    "targetRef": {"kind": "Pod", "namespace": ns, "name": p["metadata"]["name"], "uid": p["metadata"]["uid"]}} for p in ready]
        if notready:
            subset["notReadyAddresses"] = [{"ip": p["status"]["podIP"], "nodeName": p["spec"]["nodeName"],
                                            "targetRef": {"kind": "Pod", "namespace": ns, "name": p["metadata"]["name"], "uid": p["metadata"]["uid"]}} for p in notready]
        ep["subsets"] = [subset]
    return ep


def event(ns, obj, reason, message, count=1, type_="Warning", source="replicaset-controller"):
    kind, name = obj["kind"], obj["metadata"]["name"]
    return {
        "kind": "Event", "apiVersion": "v1",
        "metadata": meta("Event", ns, f"{name}.17bb{hashlib.sha1((name+reason+message).encode()).hexdigest()[:10]}"),
        "involvedObject": {"kind": kind, "namespace": ns, "name": name, "uid": obj["metadata"]["uid"],
                           "apiVersion": obj["apiVersion"], "resourceVersion": obj["metadata"]["resourceVersion"]},
        "reason": reason, "message": message, "source": {"component": source},
        "firstTimestamp": T0, "lastTimestamp": "2024-03-11T09:31:40Z", "count": count, "type": type_,
        "eventTime": None, "reportingComponent": "", "reportingInstance": "",
    }


def quota(ns, name, hard, used=None):
    return {"kind": "ResourceQuota", "apiVersion": "v1", "metadata": meta("ResourceQuota", ns, name),
            "spec": {"hard": hard}, "status": {"hard": hard, "used": used or {k: "0" for k in hard}}}


def limitrange(ns, name, item):
    return {"kind": "LimitRange", "apiVersion": "v1", "metadata": meta("LimitRange", ns, name),
            "spec": {"limits": [dict({"type": "Container"}, **item)]}}


NODE_IPS = {"kind-control-plane": "172.18.0.2", "worker-1": "10.0.1.11", "worker-2": "10.0.1.12"}


def node(name, ip, version="v1.27.3"):
    return {
        "kind": "Node", "apiVersion": "v1",
        "metadata": meta("Node", None, name, {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                                              "node.kubernetes.io/instance-type": "m5.large"}),
        "spec": {"podCIDR": "10.244.%d.0/24" % (int(ip.split('.')[-1]) % 250), "providerID": "aws:///eu-west-1a/i-0" + hashlib.sha1(name.encode()).hexdigest()[:16]},
        "status": {
            "capacity": {"cpu": "2", "memory": "8025828Ki", "pods": "110", "ephemeral-storage": "81106868Ki"},
            "allocatable": {"cpu": "2", "memory": "7923428Ki", "pods": "110", "ephemeral-storage": "74748277938"},
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status",
                            "lastHeartbeatTime": T0, "lastTransitionTime": T0}],
            "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
            "nodeInfo": {"kernelVersion": "5.15.0-1051-aws", "osImage": "Ubuntu 22.04.3 LTS", "containerRuntimeVersion": "containerd://1.7.2",
                         "kubeletVersion": version, "kubeProxyVersion": version, "operatingSystem": "linux", "architecture": "amd64"},
        },
    }


def klist(kind, items):
    return {"kind": kind + "List", "apiVersion": "v1", "metadata": {"resourceVersion": str(RV[0])}, "items": items}


def strip_kind(items):
    # cluster-info dump prints list items without kind/apiVersion
    out = []
    for o in items:
        o = dict(o)
        o.pop("kind", None)
        o.pop("apiVersion", None)
        out.append(o)
    return out


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=4)
        f.write("\n")


def to_yaml(obj, indent=0):
    """A small YAML emitter in kubectl's style (2-space indent, lists at
    parent indent, quoted strings where YAML would misread them)."""
    sp = "  " * indent
    out = []
    if isinstance(obj, dict):
        if not obj:
            return sp + "{}\n"
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and v:
                out.append(f"{sp}{k}:\n")
                out.append(to_yaml(v, indent + (1 if isinstance(v, dict) else 0)))
            else:
                out.append(f"{sp}{k}: {scalar(v)}\n")
    elif isinstance(obj, list):
        for v in obj:
            if isinstance(v, dict) and v:
                body = to_yaml(v, indent + 1)
                first = body[len(sp) + 2:]
                out.append(f"{sp}- {first}")
            else:
                out.append(f"{sp}- {scalar(v)}\n")
    return "".join(out)


def scalar(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, (dict, list)):
        return "{}" if isinstance(v, dict) else "[]"
    s = str(v)
    if s == "" or s[0] in "{}[]&*!|>'\"%@`#-?:,0123456789" or s.lower() in ("true", "false", "null", "yes", "no", "on", "off", "y", "n", "~") or ": " in s or " #" in s:
        return json.dumps(s)
    return s


def yaml_list(items):
    return to_yaml({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}})


def stdout_dump(path, nodes, namespaces, logs=()):
    """kubectl cluster-info dump (stdout form): NodeList, then per namespace
    EventList, ReplicationControllerList, ServiceList, DaemonSetList,
    DeploymentList, ReplicaSetList, PodList, with log blocks after PodList."""
    parts = [json.dumps(klist("Node", strip_kind(nodes)), indent=4)]
    for ns, objs in namespaces:
        by = lambda k: strip_kind([o for o in objs if o["kind"] == k])
        for k in ("Event", "ReplicationController", "Service", "DaemonSet", "Deployment", "ReplicaSet", "Pod"):
            parts.append(json.dumps(klist(k, by(k)), indent=4))
        for (lns, pod_, cont, lines) in logs:
            if lns == ns:
                parts.append(f"==== START logs for container {cont} of pod {lns}/{pod_} ====\n" + "".join(l + "\n" for l in lines)
                             + f"==== END logs for container {cont} of pod {lns}/{pod_} ====")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(parts) + "\n")


def dir_dump(root, nodes, namespaces):
    """kubectl cluster-info dump --output-directory layout."""
    write_json(os.path.join(root, "nodes.json"), klist("Node", strip_kind(nodes)))
    names = {"Event": "events", "ReplicationController": "replication-controllers", "Service": "services",
             "DaemonSet": "daemonsets", "Deployment": "deployments", "ReplicaSet": "replicasets", "Pod": "pods"}
    for ns, objs in namespaces:
        for k, fn in names.items():
            write_json(os.path.join(root, ns, fn + ".json"), klist(k, strip_kind([o for o in objs if o["kind"] == k])))


def expect(d, text):
    with open(os.path.join(d, "expect.yaml"), "w") as f:
        f.write(text.lstrip())


def tar_dir(src_dir, out_path, arcroot, gz=True):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for dp, dns, fns in sorted(os.walk(src_dir)):
            dns.sort()
            for fn in sorted(fns):
                full = os.path.join(dp, fn)
                rel = os.path.relpath(full, src_dir)
                add_file(t, os.path.join(arcroot, rel), open(full, "rb").read())
    data = buf.getvalue()
    if gz:
        data = gzip_bytes(data)
    with open(out_path, "wb") as f:
        f.write(data)


def add_file(t, name, data):
    ti = tarfile.TarInfo(name)
    ti.size, ti.mtime, ti.mode, ti.uname, ti.gname = len(data), MTIME, 0o644, "support", "support"
    t.addfile(ti, io.BytesIO(data))


def gzip_bytes(data):
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=MTIME) as g:
        g.write(data)
    return out.getvalue()


def fresh(name):
    d = os.path.join(DUMPS, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    return d


# ----------------------------------------------------------------- fixtures

def base_nodes():
    return [node("worker-1", NODE_IPS["worker-1"]), node("worker-2", NODE_IPS["worker-2"])]


def quota_incident():
    """The incident as it happened: quota 1 CPU / 1G, LimitRange default
    2 CPU / 2Gi; the Deployment is created and no pod ever appears."""
    ns = "quota-demo"
    dep = deployment(ns, "web", {"app": "web"}, [container("nginx", "nginx:1.25.3", [{"name": "http", "containerPort": 80}])], replicas=2, available=0)
    rs = replicaset(dep, "7f8c5d9b4", available=0)
    msg = ('Error creating: pods "web-7f8c5d9b4-%s" is forbidden: exceeded quota: compute-quota, '
           'requested: limits.cpu=2,limits.memory=2Gi,requests.cpu=2,requests.memory=2Gi, '
           'used: limits.cpu=0,limits.memory=0,requests.cpu=0,requests.memory=0, '
           'limited: limits.cpu=1,limits.memory=1G,requests.cpu=1,requests.memory=1G')
    evs = [event(ns, rs, "FailedCreate", msg % s, count=c) for s, c in (("x2v4k", 1), ("q7dnm", 1), ("kzx9p", 15))]
    evs.append(event(ns, dep, "ScalingReplicaSet", "Scaled up replica set web-7f8c5d9b4 to 2", type_="Normal", source="deployment-controller"))
    rq = quota(ns, "compute-quota", {"requests.cpu": "1", "requests.memory": "1G", "limits.cpu": "1", "limits.memory": "1G"})
    lr = limitrange(ns, "cpu-mem-limit-range", {"default": {"cpu": "2", "memory": "2Gi"}})
    return ns, [dep, rs] + evs, rq, lr


def build_quota_limitrange_incident():
    d = fresh("quota-limitrange-incident")
    ns, objs, rq, lr = quota_incident()
    dir_dump(os.path.join(d, "bundle", "cluster-info"), base_nodes(), [(ns, objs)])
    with open(os.path.join(d, "bundle", "kubectl-get-quota-limitrange.yaml"), "w") as f:
        f.write(yaml_list([rq, lr]))
    expect(d, """
description: >-
  The incident as it happened: ResourceQuota compute-quota allows 1 CPU / 1G,
  LimitRange cpu-mem-limit-range defaults containers to 2 CPU / 2Gi (no
  defaultRequest, so requests default to 2 / 2Gi too). Deployment web is
  created and no pod ever appears; its ReplicaSet logs FailedCreate
  "exceeded quota". Directory form of cluster-info dump plus the two objects
  as `kubectl get resourcequota,limitrange -o yaml`.
inputs: [bundle]
exit: 1
must:
  - rule: quota-limitrange
    subjects: [ResourceQuota/quota-demo/compute-quota, LimitRange/quota-demo/cpu-mem-limit-range, Deployment/quota-demo/web]
    message_contains:
      - "namespace quota-demo"
      - "limits.cpu: 2 > 1"
      - "limits.memory: 2Gi (2147483648 bytes) > 1G (1000000000 bytes)"
      - "requests.memory: 2Gi (2147483648 bytes) > 1G (1000000000 bytes)"
      - "Deployment web has 0 of 2 replicas available"
    evidence_files: [kubectl-get-quota-limitrange.yaml, cluster-info/quota-demo/events.json]
must_not: [selector-mismatch]
""")


def build_quota_events_only():
    d = fresh("quota-events-only-stdout")
    ns, objs, _, _ = quota_incident()
    stdout_dump(os.path.join(d, "cluster-info-dump.txt"), base_nodes(), [(ns, objs)])
    expect(d, """
description: >-
  The same incident seen through a plain `kubectl cluster-info dump` (stdout
  form), which holds no ResourceQuota or LimitRange: the finding comes from
  the FailedCreate events alone, gives the numbers from the event, and says
  the cause could not be checked.
inputs: [cluster-info-dump.txt]
exit: 1
must:
  - rule: quota-limitrange
    subjects: [ReplicaSet/quota-demo/web-7f8c5d9b4, Deployment/quota-demo/web]
    message_contains:
      - "quota compute-quota is exceeded"
      - "limit limits.cpu=1,limits.memory=1G"
      - "no ResourceQuota or LimitRange objects"
skipped_contains: [quota-limitrange]
must_not: [selector-mismatch]
""")


def build_quota_1gi_vs_1g():
    """A subtle variant: LimitRange default memory 1Gi, quota limits.memory
    1G; people read them as equal. Nested: a tarball holding a zip."""
    d = fresh("quota-1gi-vs-1g-nested")
    ns = "reports"
    dep = deployment(ns, "renderer", {"app": "renderer"}, [container("renderer", "ghcr.io/acme/renderer:4.2", [{"containerPort": 8080}], resources={"limits": {"cpu": "500m"}})], available=0)
    rs = replicaset(dep, "5c6d7f8b9", available=0)
    msg = ('Error creating: pods "renderer-5c6d7f8b9-%s" is forbidden: exceeded quota: mem-quota, requested: limits.memory=1Gi, '
           'used: limits.memory=0, limited: limits.memory=1G')
    evs = [event(ns, rs, "FailedCreate", msg % "t5p2w", count=9)]
    rq = quota(ns, "mem-quota", {"limits.memory": "1G", "limits.cpu": "2"})
    lr = limitrange(ns, "defaults", {"default": {"memory": "1Gi", "cpu": "500m"}, "defaultRequest": {"memory": "256Mi", "cpu": "100m"}})
    stage = os.path.join(d, "_stage")
    dir_dump(os.path.join(stage, "cluster-info"), base_nodes(), [(ns, [dep, rs] + evs)])
    # extra objects as JSON List inside a zip inside the tarball
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
        zi = zipfile.ZipInfo("extra/quota.json", date_time=(2024, 3, 11, 9, 14, 2))
        z.writestr(zi, json.dumps({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [rq, lr]}, indent=4) + "\n")
    os.makedirs(os.path.join(stage, "extras"), exist_ok=True)
    with open(os.path.join(stage, "extras", "kubectl-get.zip"), "wb") as f:
        f.write(zbuf.getvalue())
    tar_dir(stage, os.path.join(d, "support-bundle.tar.gz"), "support-bundle")
    shutil.rmtree(stage)
    expect(d, """
description: >-
  LimitRange default memory 1Gi against a quota of limits.memory 1G: 1Gi is
  2^30 bytes, 1G is 10^9, so every defaulted pod exceeds the quota. The
  bundle is a tar.gz whose extra kubectl output sits in a zip inside it.
inputs: [support-bundle.tar.gz]
exit: 1
must:
  - rule: quota-limitrange
    subjects: [ResourceQuota/reports/mem-quota, LimitRange/reports/defaults]
    message_contains: ["limits.memory: 1Gi (1073741824 bytes) > 1G (1000000000 bytes)"]
    evidence_files: ["support-bundle.tar.gz!/support-bundle/extras/kubectl-get.zip!/extra/quota.json"]
must_not: [selector-mismatch]
""")


def build_quota_missing_default():
    d = fresh("quota-must-specify")
    ns = "batch"
    dep = deployment(ns, "importer", {"app": "importer"}, [container("importer", "ghcr.io/acme/importer:1.9", resources={"requests": {"cpu": "200m", "memory": "256Mi"}})], available=0)
    rs = replicaset(dep, "66b8d4f7c", available=0)
    msg = 'Error creating: pods "importer-66b8d4f7c-8wq2l" is forbidden: failed quota: batch-quota: must specify limits.cpu for: importer; limits.memory for: importer'
    evs = [event(ns, rs, "FailedCreate", msg, count=21)]
    rq = quota(ns, "batch-quota", {"limits.cpu": "8", "limits.memory": "16Gi", "requests.cpu": "4"})
    lr = limitrange(ns, "storage-only", {"default": {"ephemeral-storage": "2Gi"}})
    stdout_dump(os.path.join(d, "bundle", "cluster-info-dump.txt"), base_nodes(), [(ns, [dep, rs] + evs)])
    with open(os.path.join(d, "bundle", "quota.yaml"), "w") as f:
        f.write(to_yaml(rq) + "---\n" + to_yaml(lr))
    expect(d, """
description: >-
  ResourceQuota tracks limits.cpu and limits.memory, the namespace's only
  LimitRange defaults ephemeral-storage, and the Deployment's container
  states requests but no limits: the quota rejects every pod with "must
  specify limits.cpu". Extra objects as multi-document YAML.
inputs: [bundle]
exit: 1
must:
  - rule: quota-limitrange
    subjects: [ResourceQuota/batch/batch-quota, Deployment/batch/importer]
    message_contains: ["tracks limits.cpu, limits.memory", "container importer of Deployment importer"]
must_not: [selector-mismatch]
""")


def shop(ns="shop"):
    """A small shop namespace: invoice, cart and web Deployments."""
    web_dep = deployment(ns, "web", {"app": "web", "tier": "frontend"}, [container("nginx", "nginx:1.25.3", [{"name": "http", "containerPort": 8080}])], replicas=2)
    web_rs = replicaset(web_dep, "6d4cf56db6")
    web_pods = [pod(web_rs, "2xk8p", "worker-1", "10.244.1.17"), pod(web_rs, "9rtq4", "worker-2", "10.244.2.23")]
    cart_dep = deployment(ns, "cart", {"app": "cart"}, [container("cart", "ghcr.io/acme/cart:2.3.1", [{"name": "grpc", "containerPort": 9090}])])
    cart_rs = replicaset(cart_dep, "85f9c7d6b")
    cart_pods = [pod(cart_rs, "lq2zd", "worker-1", "10.244.1.31")]
    inv_dep = deployment(ns, "invoices", {"app": "invoices", "tier": "backend"}, [container("invoices", "ghcr.io/acme/invoices:5.0.2", [{"name": "http", "containerPort": 8080}])], replicas=2)
    inv_rs = replicaset(inv_dep, "7d9c8b6f5")
    inv_pods = [pod(inv_rs, "abcde", "worker-2", "10.244.2.41"), pod(inv_rs, "fghij", "worker-1", "10.244.1.42")]
    return (web_dep, web_rs, web_pods), (cart_dep, cart_rs, cart_pods), (inv_dep, inv_rs, inv_pods)


def build_selector_near_miss():
    d = fresh("selector-near-miss")
    ns = "shop"
    (wd, wr, wp), (cd, cr, cp), (idp, ir, ip) = shop(ns)
    web_svc = service(ns, "web", {"app": "web", "tier": "frontend"}, [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}], "10.96.12.40")
    cart_svc = service(ns, "cart", {"app": "cart"}, [{"name": "grpc", "port": 9090, "targetPort": 9090, "protocol": "TCP"}], "10.96.12.41")
    inv_svc = service(ns, "invoice", {"app": "invoice", "tier": "backend"}, [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}], "10.96.12.42")
    objs = [wd, wr, *wp, cd, cr, *cp, idp, ir, *ip, web_svc, cart_svc, inv_svc]
    dir_dump(os.path.join(d, "bundle", "cluster-info"), base_nodes(), [(ns, objs)])
    eps = [endpoints(web_svc, wp, "http", 8080), endpoints(cart_svc, cp, "grpc", 9090), endpoints(inv_svc, [])]
    write_json(os.path.join(d, "bundle", "endpoints.json"), {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": eps})
    expect(d, """
description: >-
  Service shop/invoice selects app=invoice,tier=backend while the pods (and
  Deployment invoices' template) are labelled app=invoices: a one-letter near
  miss. Endpoints shop/invoice is empty. The other Services are healthy.
inputs: [bundle]
exit: 1
must:
  - rule: selector-mismatch
    subjects: [Service/shop/invoice]
    message_contains:
      - "Service shop/invoice selects app=invoice,tier=backend"
      - "closest: pod invoices-7d9c8b6f5-abcde has app=invoices, not invoice"
    evidence_files: [cluster-info/shop/services.json, cluster-info/shop/pods.json, cluster-info/shop/deployments.json, endpoints.json]
    count: 1
must_not: [quota-limitrange]
""")


def build_selector_named_port():
    d = fresh("selector-named-port-stdout-tgz")
    ns = "shop"
    (wd, wr, wp), (cd, cr, cp), _ = shop(ns)
    web_svc = service(ns, "web", {"app": "web"}, [{"name": "http", "port": 80, "targetPort": "http-web", "protocol": "TCP"}], "10.96.12.40")
    cart_svc = service(ns, "cart", {"app": "cart"}, [{"name": "grpc", "port": 9090, "targetPort": "grpc", "protocol": "TCP"}], "10.96.12.41")
    stage = os.path.join(d, "_stage")
    stdout_dump(os.path.join(stage, "cluster-info-dump.txt"), base_nodes(), [(ns, [wd, wr, *wp, cd, cr, *cp, web_svc, cart_svc])],
                logs=[(ns, wp[0]["metadata"]["name"], "nginx", ['10.244.2.1 - - [11/Mar/2024:09:20:11 +0000] "GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.27"'])])
    tar_dir(stage, os.path.join(d, "bundle.tgz"), "customer-4711")
    shutil.rmtree(stage)
    expect(d, """
description: >-
  Service shop/web targets the named port "http-web" while its pods declare
  the container port "http": the Service has no endpoints for that port.
  Stdout form of cluster-info dump inside a .tgz.
inputs: [bundle.tgz]
exit: 1
must:
  - rule: selector-mismatch
    subjects: [Service/shop/web]
    message_contains: ['targets the port named "http-web"', "they declare http:8080/TCP"]
    count: 1
must_not: [quota-limitrange]
""")


def build_selector_not_ready():
    d = fresh("selector-not-ready-yaml-zip")
    ns = "payments"
    dep = deployment(ns, "ledger", {"app": "ledger"}, [container("ledger", "ghcr.io/acme/ledger:3.1.0", [{"name": "http", "containerPort": 8443}],
                                                                 ready_probe={"httpGet": {"path": "/ready", "port": "http", "scheme": "HTTPS"}, "periodSeconds": 10})], replicas=2, available=0)
    rs = replicaset(dep, "59d7c6b8f4", available=0)
    pods = [pod(rs, "m2x7q", "worker-1", "10.244.1.50", ready=False, waiting="CrashLoopBackOff"),
            pod(rs, "p9z3w", "worker-2", "10.244.2.51", ready=False)]
    svc = service(ns, "ledger", {"app": "ledger"}, [{"name": "https", "port": 443, "targetPort": "http", "protocol": "TCP"}], "10.96.40.7")
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
        def add(name, text):
            z.writestr(zipfile.ZipInfo(name, date_time=(2024, 3, 11, 9, 14, 2)), text)
        add("payments/all.yaml", yaml_list([dep, rs, *pods, svc]))
        add("payments/endpoints.yaml", yaml_list([endpoints(svc, pods, "https", 8443)]))
        add("nodes.yaml", yaml_list(base_nodes()))
    with open(os.path.join(d, "collected.zip"), "wb") as f:
        f.write(zbuf.getvalue())
    expect(d, """
description: >-
  Service payments/ledger matches two pods, neither Ready: one in
  CrashLoopBackOff, one failing its readiness probe; Endpoints list them only
  as notReadyAddresses. Input is kubectl get -o yaml output in a zip.
inputs: [collected.zip]
exit: 1
must:
  - rule: selector-mismatch
    subjects: [Service/payments/ledger]
    message_contains: ["selects 2 pod(s) with app=ledger, but none is Ready", "ledger-59d7c6b8f4-m2x7q (ledger: CrashLoopBackOff)", "ledger-59d7c6b8f4-p9z3w (Ready=False (ContainersNotReady))"]
    evidence_files: ["collected.zip!/payments/all.yaml", "collected.zip!/payments/endpoints.yaml"]
must_not: [quota-limitrange]
""")


def read_real_kind_dump():
    return open(os.path.join(ROOT, "testdata", "realworld", "cluster-info-dump", "kind-v1.24.6-kindnet-clineberry.txt")).read()


def build_healthy():
    d = fresh("healthy-cluster")
    os.makedirs(os.path.join(d, "bundle"))
    with open(os.path.join(d, "bundle", "cluster-info-dump.txt"), "w") as f:
        f.write(read_real_kind_dump())
    # Extra objects a collector adds: Endpoints for the real Services, and a
    # quota with a LimitRange whose defaults fit.
    ns = "team-a"
    dep = deployment(ns, "api", {"app": "api"}, [container("api", "ghcr.io/acme/api:1.0.0", [{"name": "http", "containerPort": 8080}])], replicas=2)
    rs = replicaset(dep, "54c9f6d8b7")
    pods = [pod(rs, "r2d2x", "worker-1", "10.244.1.60"), pod(rs, "c3p0y", "worker-2", "10.244.2.61")]
    svc = service(ns, "api", {"app": "api"}, [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}], "10.96.50.5")
    rq = quota(ns, "team-a-quota", {"requests.cpu": "4", "requests.memory": "8Gi", "limits.cpu": "8", "limits.memory": "16Gi"},
               used={"requests.cpu": "1", "requests.memory": "1Gi", "limits.cpu": "2", "limits.memory": "2Gi"})
    lr = limitrange(ns, "team-a-defaults", {"default": {"cpu": "1", "memory": "1Gi"}, "defaultRequest": {"cpu": "500m", "memory": "512Mi"},
                                            "max": {"cpu": "2", "memory": "4Gi"}, "min": {"cpu": "50m", "memory": "64Mi"}})
    with open(os.path.join(d, "bundle", "team-a.yaml"), "w") as f:
        f.write(yaml_list([dep, rs, *pods, svc, endpoints(svc, pods, "http", 8080), rq, lr]))
    with open(os.path.join(d, "bundle", "nodes-team-a.yaml"), "w") as f:
        f.write(yaml_list(base_nodes()))
    expect(d, """
description: >-
  A healthy cluster: the real kind v1.24.6 cluster-info dump from
  testdata/realworld plus a namespace with a quota and a LimitRange whose
  defaults fit, a Service with ready endpoints. No rule may fire.
inputs: [bundle]
exit: 0
must: []
must_not: [selector-mismatch, quota-limitrange]
""")


def build_corrupt():
    d = fresh("corrupt-files")
    b = os.path.join(d, "bundle")
    os.makedirs(b)
    (wd, wr, wp), _, (idp, ir, ip) = shop("shop")
    inv_svc = service("shop", "invoice", {"app": "invoice"}, [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}], "10.96.12.42")
    dir_dump(os.path.join(b, "cluster-info"), base_nodes(), [("shop", [wd, wr, *wp, idp, ir, *ip, inv_svc])])
    # a pods list cut mid-object, as a transfer that died would leave it
    full = json.dumps(klist("Pod", strip_kind(wp)), indent=4)
    with open(os.path.join(b, "more-pods.json"), "w") as f:
        f.write(full[: int(len(full) * 0.7)])
    with open(os.path.join(b, "core.bin"), "wb") as f:
        f.write(bytes((i * 37 + 11) % 256 for i in range(4096)))
    with open(os.path.join(b, "notes.txt"), "w") as f:
        f.write("customer says: started after the upgrade on Monday\n")
    open(os.path.join(b, "empty.json"), "w").close()
    with open(os.path.join(b, "broken.yaml"), "w") as f:
        f.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n data: [unclosed\n")
    expect(d, """
description: >-
  A bundle with damaged and foreign files next to a healthy dump that still
  holds a selector near miss: a JSON list cut mid-object (the complete items
  before the cut are kept), binary junk, free text, an empty file and broken
  YAML. Every file is listed with what became of it and the finding from the
  healthy part is still reported.
inputs: [bundle]
exit: 1
must:
  - rule: selector-mismatch
    subjects: [Service/shop/invoice]
inputs_status:
  more-pods.json: partial
  core.bin: unrecognized
  notes.txt: unrecognized
  empty.json: unrecognized
  broken.yaml: failed
must_not: [quota-limitrange]
""")



# ------------------------------------------------- selector-mismatch precision
# Each of these was a false alarm (or a finding without its cause) on real
# bundles (issue 9); each fixture fails with the rule as it was.

def ep_list(items):
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}


def ready_endpoints(svc, pods, ports):
    """Endpoints as the controller writes them once the pods are Ready
    (a later collection than the pods')."""
    ns = svc["metadata"]["namespace"]
    ep = {"kind": "Endpoints", "apiVersion": "v1", "metadata": meta("Endpoints", ns, svc["metadata"]["name"], {"app": svc["metadata"]["name"]})}
    ep["subsets"] = [{"addresses": [{"ip": p["status"]["podIP"], "nodeName": p["spec"]["nodeName"],
                                     "targetRef": {"kind": "Pod", "namespace": ns, "name": p["metadata"]["name"], "uid": p["metadata"]["uid"]}} for p in pods],
                      "ports": ports}]
    return ep


def build_selector_numeric_target_undeclared():
    d = fresh("selector-numeric-target-undeclared")
    ns = "shop"
    dep = deployment(ns, "api", {"app": "api"}, [container("api", "ghcr.io/acme/api:4.2.0", [{"name": "metrics", "containerPort": 9102}])], replicas=2)
    rs = replicaset(dep, "6b8d9f7c5d")
    pods = [pod(rs, "k2m4p", "worker-1", "10.244.1.70"), pod(rs, "w8x9z", "worker-2", "10.244.2.71")]
    svc = service(ns, "api", {"app": "api"}, [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}], "10.96.12.60")
    dir_dump(os.path.join(d, "bundle", "cluster-info"), base_nodes(), [(ns, [dep, rs, *pods, svc])])
    write_json(os.path.join(d, "bundle", "endpoints.json"), ep_list([ready_endpoints(svc, pods, [{"name": "http", "port": 8080, "protocol": "TCP"}])]))
    expect(d, """
description: >-
  Service shop/api targets the numeric port 8080, which the pods do not
  declare (they declare only metrics:9102). Kubernetes routes to undeclared
  ports (declaring container ports is informational) and the Endpoints list
  both pods on 8080: at most info, never a finding that fails CI. Was a
  medium "connections are refused".
inputs: [bundle]
args: [--fail-on, low]
exit: 0
must:
  - rule: selector-mismatch
    subjects: [Service/shop/api]
    message_contains: ["port 80/TCP targets port 8080/TCP, which none of the 2 selected pod(s) declares (they declare metrics:9102/TCP)"]
    count: 1
must_not: [quota-limitrange]
""")


def build_selector_port_in_args():
    d = fresh("selector-port-in-args")
    ns = "platform"
    c = container("tunnel", "ghcr.io/acme/apiserver-tunnel:1.4.0", [{"name": "metrics", "containerPort": 9090}])
    c["args"] = ["--bind-address=0.0.0.0", "-port=6443", "--metrics-port=9090"]
    dep = deployment(ns, "apiserver-tunnel", {"app": "apiserver-tunnel"}, [c], replicas=2)
    rs = replicaset(dep, "5c6f8d9b7f")
    pods = [pod(rs, "q7r8s", "worker-1", "10.244.1.80"), pod(rs, "t1u2v", "worker-2", "10.244.2.81")]
    svc = service(ns, "apiserver-tunnel", {"app": "apiserver-tunnel"}, [{"name": "https", "port": 443, "targetPort": 6443, "protocol": "TCP"}], "10.96.30.9")
    dir_dump(os.path.join(d, "bundle", "cluster-info"), base_nodes(), [(ns, [dep, rs, *pods, svc])])
    write_json(os.path.join(d, "bundle", "endpoints.json"), ep_list([ready_endpoints(svc, pods, [{"name": "https", "port": 6443, "protocol": "TCP"}])]))
    expect(d, """
description: >-
  Service platform/apiserver-tunnel targets port 6443, which the container
  does not declare but listens on (args: -port=6443). Valid Kubernetes, the
  Endpoints list both pods: no finding at all. Was a medium.
inputs: [bundle]
exit: 0
must: []
must_not: [selector-mismatch, quota-limitrange]
""")


def build_selector_no_status_export():
    d = fresh("selector-no-status-export")
    ns = "default"
    # Shapes from popeye's own Service fixtures (derailed/popeye
    # internal/lint/testdata/core/svc/1.yaml, core/pod/1.yaml, core/ep/1.yaml
    # @ 941a9db588659574c3b23694e4fdabcb8dec01e0 / 51e10d0c529fdd5331f89784843d6a064c9f4182):
    # svc1 selects app=p1 on 9090, pod p1 declares http:9090 and carries no
    # Ready condition, Endpoints svc1 lists p1.
    c1 = container("c1", "alpine", [{"name": "http", "containerPort": 9090}])
    p1 = {"kind": "Pod", "apiVersion": "v1", "metadata": meta("Pod", ns, "p1", {"app": "p1"}),
          "spec": {"serviceAccountName": "default", "containers": [c1], "nodeName": "worker-1"}}
    c2 = container("c2", "ghcr.io/acme/p2:1.0.0", [{"name": "service", "containerPort": 3000}])
    p2 = {"kind": "Pod", "apiVersion": "v1", "metadata": meta("Pod", ns, "p2", {"app": "p2"}),
          "spec": {"serviceAccountName": "default", "containers": [c2], "nodeName": "worker-2"},
          "status": {"phase": "Running", "podIP": "10.244.2.19", "podIPs": [{"ip": "10.244.2.19"}]}}
    svc1 = service(ns, "svc1", {"app": "p1"}, [{"name": "http", "port": 9090, "targetPort": 9090, "protocol": "TCP"}], "10.96.66.245")
    svc2 = service(ns, "svc2", {"app": "p2"}, [{"name": "service", "port": 80, "targetPort": 3000, "protocol": "TCP"}], "10.96.12.148")
    for s in (svc1, svc2):
        s.pop("status")  # jq 'del(.items[].status)'
    ep1 = {"kind": "Endpoints", "apiVersion": "v1", "metadata": meta("Endpoints", ns, "svc1", {"app": "p1"}),
           "subsets": [{"addresses": [{"ip": "10.244.1.27", "nodeName": "worker-1", "targetRef": {"kind": "Pod", "name": "p1", "namespace": ns}}],
                        "ports": [{"name": "http", "port": 9090, "protocol": "TCP"}]}]}
    b = os.path.join(d, "bundle")
    os.makedirs(b)
    with open(os.path.join(b, "default-export.yaml"), "w") as f:
        f.write(yaml_list([svc1, svc2, p1, p2]))
    with open(os.path.join(b, "endpoints-svc1.yaml"), "w") as f:
        f.write(to_yaml(ep1))
    expect(d, """
description: >-
  An export without status (kubectl get -o yaml | yq 'del(.items[].status)')
  as popeye's Service fixtures are shaped: pod p1 has no status at all and
  Endpoints default/svc1 lists it; pod p2 says only phase Running, no
  conditions, and svc2's Endpoints were not exported. "No status in the
  bundle" is not "not Ready": no finding. Was two highs ("none is Ready, so
  it has no endpoints").
inputs: [bundle]
exit: 0
must: []
must_not: [selector-mismatch, quota-limitrange]
""")


def build_selector_endpoints_ready():
    d = fresh("selector-endpoints-ready-pods-not")
    ns = "payments"
    dep = deployment(ns, "ledger", {"app": "ledger"}, [container("ledger", "ghcr.io/acme/ledger:3.1.0", [{"name": "http", "containerPort": 8443}],
                                                                 ready_probe={"httpGet": {"path": "/ready", "port": "http", "scheme": "HTTPS"}, "periodSeconds": 10})], replicas=2, available=0)
    rs = replicaset(dep, "59d7c6b8f4", available=0)
    pods = [pod(rs, "m2x7q", "worker-1", "10.244.1.50", ready=False), pod(rs, "p9z3w", "worker-2", "10.244.2.51", ready=False)]
    svc = service(ns, "ledger", {"app": "ledger"}, [{"name": "https", "port": 443, "targetPort": "http", "protocol": "TCP"}], "10.96.40.7")
    dir_dump(os.path.join(d, "bundle", "cluster-info"), base_nodes(), [(ns, [dep, rs, *pods, svc])])
    # collected a minute later, once the readiness probes passed
    eps = ready_endpoints(svc, pods, [{"name": "https", "port": 8443, "protocol": "TCP"}])
    write_json(os.path.join(d, "bundle", "endpoints.json"), ep_list([eps]))
    expect(d, """
description: >-
  The dump shows Service payments/ledger's two pods not Ready (readiness
  probe still failing when the pods were listed) while endpoints.json,
  collected later, lists both as ready addresses. "No endpoints" would
  contradict the bundle: report the inconsistency at low. Was a high "none
  is Ready, so it has no endpoints".
inputs: [bundle]
args: [--fail-on, medium]
exit: 0
must:
  - rule: selector-mismatch
    subjects: [Service/payments/ledger]
    message_contains:
      - "none is Ready in the bundle"
      - "yet the bundle's Endpoints/EndpointSlices of the Service list 2 ready address(es)"
    evidence_files: [cluster-info/payments/pods.json, endpoints.json]
    count: 1
must_not: [quota-limitrange]
""")


def build_selector_udp_named_port():
    d = fresh("selector-udp-named-port")
    ns = "kube-system"
    # The UDP port was declared as TCP: a named targetPort resolves only to a
    # container port of the same name and protocol.
    c = container("coredns", "registry.k8s.io/coredns/coredns:v1.10.1",
                  [{"name": "dns", "containerPort": 53, "protocol": "TCP"}, {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
                   {"name": "metrics", "containerPort": 9153, "protocol": "TCP"}])
    c["args"] = ["-conf", "/etc/coredns/Corefile"]
    dep = deployment(ns, "coredns", {"k8s-app": "kube-dns"}, [c], replicas=2)
    rs = replicaset(dep, "5d78c9869d")
    pods = [pod(rs, "7kq2n", "worker-1", "10.244.1.2"), pod(rs, "xw5lp", "worker-2", "10.244.2.3")]
    svc = service(ns, "kube-dns", {"k8s-app": "kube-dns"},
                  [{"name": "dns", "port": 53, "targetPort": "dns", "protocol": "UDP"}, {"name": "dns-tcp", "port": 53, "targetPort": "dns-tcp", "protocol": "TCP"},
                   {"name": "metrics", "port": 9153, "targetPort": 9153, "protocol": "TCP"}], "10.96.0.10")
    dir_dump(os.path.join(d, "bundle", "cluster-info"), base_nodes(), [(ns, [dep, rs, *pods, svc])])
    eps = ready_endpoints(svc, pods, [{"name": "dns-tcp", "port": 53, "protocol": "TCP"}, {"name": "metrics", "port": 9153, "protocol": "TCP"}])
    write_json(os.path.join(d, "bundle", "endpoints.json"), ep_list([eps]))
    expect(d, """
description: >-
  Service kube-system/kube-dns port 53/UDP targets the port named "dns",
  which the pods declare only as TCP: DNS over UDP has no endpoint (the
  Endpoints carry dns-tcp and metrics only). The message names the
  protocol: "port 53/UDP", not "port 53".
inputs: [bundle]
exit: 1
must:
  - rule: selector-mismatch
    subjects: [Service/kube-system/kube-dns]
    message_contains: ['port 53/UDP targets the port named "dns"', "dns:53/TCP"]
    count: 1
must_not: [quota-limitrange]
""")


def build_selector_scaled_to_zero():
    d = fresh("selector-scaled-to-zero")
    ns = "reports"
    dep = deployment(ns, "report-worker", {"app": "report-worker"}, [container("worker", "ghcr.io/acme/report-worker:2.0.1", [{"name": "http", "containerPort": 8080}])], replicas=0)
    # what a Deployment scaled to 0 reports: no replica counts, still Available
    dep["metadata"]["generation"] = 2
    dep["status"] = {"observedGeneration": 2, "conditions": [
        {"type": "Available", "status": "True", "lastUpdateTime": T0, "lastTransitionTime": T0,
         "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."},
        {"type": "Progressing", "status": "True", "lastUpdateTime": T0, "lastTransitionTime": T0,
         "reason": "NewReplicaSetAvailable", "message": 'ReplicaSet "report-worker-7f9d8c6b5" has successfully progressed.'}]}
    rs = replicaset(dep, "7f9d8c6b5")
    rs["status"] = {"replicas": 0, "observedGeneration": 2}
    svc = service(ns, "report-worker", {"app": "report-worker"}, [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}], "10.96.70.3")
    dir_dump(os.path.join(d, "bundle", "cluster-info"), base_nodes(), [(ns, [dep, rs, svc])])
    write_json(os.path.join(d, "bundle", "endpoints.json"), ep_list([endpoints(svc, [])]))
    expect(d, """
description: >-
  Deployment reports/report-worker was scaled to 0 on purpose
  (spec.replicas: 0, Available): its Service has no endpoints by design. At
  most info. Was a high "no such pod exists".
inputs: [bundle]
args: [--fail-on, low]
exit: 0
must:
  - rule: selector-mismatch
    subjects: [Service/reports/report-worker, Deployment/reports/report-worker]
    message_contains: ["scaled to 0 on purpose"]
    count: 1
must_not: [quota-limitrange]
""")


def build_selector_nothing_runs_it():
    d = fresh("selector-nothing-runs-it")
    ns = "monitoring"
    prom = deployment(ns, "prometheus-k8s", {"app.kubernetes.io/name": "prometheus", "prometheus": "k8s"},
                      [container("prometheus", "quay.io/prometheus/prometheus:v2.48.1", [{"name": "web", "containerPort": 9090}])])
    prs = replicaset(prom, "6c9f7d8b4d")
    ppods = [pod(prs, "h4j5k", "worker-1", "10.244.1.90")]
    psvc = service(ns, "prometheus-k8s", {"app.kubernetes.io/name": "prometheus", "prometheus": "k8s"}, [{"name": "web", "port": 9090, "targetPort": "web", "protocol": "TCP"}], "10.96.80.4")
    # The platform ships this Service; the Alertmanager component is disabled.
    asvc = service(ns, "alertmanager-main", {"alertmanager": "main", "app.kubernetes.io/name": "alertmanager"},
                   [{"name": "web", "port": 9093, "targetPort": "web", "protocol": "TCP"}], "10.96.80.5")
    dir_dump(os.path.join(d, "bundle", "cluster-info"), base_nodes(), [(ns, [prom, prs, *ppods, psvc, asvc])])
    write_json(os.path.join(d, "bundle", "endpoints.json"), ep_list([endpoints(psvc, ppods, "web", 9090), endpoints(asvc, [])]))
    expect(d, """
description: >-
  Service monitoring/alertmanager-main selects alertmanager=main, but nothing
  in the namespace resembles it (no pod, no workload template): the
  component is disabled, as platform Services often are in OpenShift
  must-gathers. Low ("nothing in this namespace runs it"), not high.
inputs: [bundle]
args: [--fail-on, medium]
exit: 0
must:
  - rule: selector-mismatch
    subjects: [Service/monitoring/alertmanager-main]
    message_contains: ["nothing in namespace monitoring runs it"]
    count: 1
must_not: [quota-limitrange]
""")


def build_selector_endpoints_not_collected():
    d = fresh("selector-endpoints-not-collected")
    ns = "shop"
    (wd, wr, wp), (cd, cr, cp), _ = shop(ns)
    web_svc = service(ns, "web", {"app": "web", "tier": "frontend"}, [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}], "10.96.12.40")
    cart_svc = service(ns, "cart", {"app": "cart"}, [{"name": "grpc", "port": 9090, "targetPort": "grpc", "protocol": "TCP"}], "10.96.12.41")
    dir_dump(os.path.join(d, "bundle", "cluster-info"), base_nodes(), [(ns, [wd, wr, *wp, cd, cr, *cp, web_svc, cart_svc])])
    # kubectl -n shop get endpoints cart -o json: only the one the ticket was about
    write_json(os.path.join(d, "bundle", "endpoints-cart.json"), endpoints(cart_svc, cp, "grpc", 9090))
    expect(d, """
description: >-
  The bundle holds shop's Endpoints for Service cart only (kubectl get
  endpoints cart): Service web's Endpoints were not collected, which is not
  "no ready endpoint" (only a present, empty Endpoints object says that).
  Its two pods are Ready: no finding. Was a medium.
inputs: [bundle]
exit: 0
must: []
must_not: [selector-mismatch, quota-limitrange]
""")


if __name__ == "__main__":
    for fn in [build_quota_limitrange_incident, build_quota_events_only, build_quota_1gi_vs_1g, build_quota_missing_default,
               build_selector_near_miss, build_selector_named_port, build_selector_not_ready, build_healthy, build_corrupt,
               build_selector_numeric_target_undeclared, build_selector_port_in_args, build_selector_no_status_export,
               build_selector_endpoints_ready, build_selector_udp_named_port, build_selector_scaled_to_zero,
               build_selector_nothing_runs_it, build_selector_endpoints_not_collected]:
        fn()
        print("wrote", fn.__name__.replace("build_", ""))
