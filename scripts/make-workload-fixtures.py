#!/usr/bin/env python3
"""Regenerate the fixtures of the workloads rules (scheduling, crashloop)
under testdata/dumps/.

Objects come from the constructors of make-kube-fixtures.py (same shapes,
same deterministic output). Every message a Kubernetes component writes is
the string that component emits; the source of each is quoted beside it.

Run from the repository root:  python3 scripts/make-workload-fixtures.py
"""
import copy
import hashlib
import importlib.util
import io
import os
import shutil
import tarfile

_spec = importlib.util.spec_from_file_location("kf", os.path.join(os.path.dirname(os.path.abspath(__file__)), "make-kube-fixtures.py"))
kf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kf)

T0 = kf.T0
T_LATER = "2024-03-11T09:31:40Z"
kf.NODE_IPS.update({"cp-1": "10.0.1.10", "worker-3": "10.0.1.13"})

# ---------------------------------------------------------------- messages
#
# kube-scheduler, pkg/scheduler/framework/types.go (FitError.Error):
#   reasonMsg := fmt.Sprintf(NoNodeAvailableMsg+":", f.NumAllNodes)   // "0/%v nodes are available"
#   ... histogram sorted by reason, each "%v %v" (count, reason), joined ", ", then "."
#   postFilterMsg (preemption) appended as " preemption: ..."
# Reasons, pkg/scheduler/framework/plugins:
#   tainttoleration/taint_toleration.go: fmt.Sprintf("node(s) had untolerated taint {%s: %s}", taint.Key, taint.Value)
#   noderesources/fit.go:                fmt.Sprintf("Insufficient %v", resourceName)
#   nodeaffinity/node_affinity.go:       ErrReasonPod = "node(s) didn't match Pod's node affinity/selector"
#   nodeunschedulable:                   ErrReasonUnschedulable = "node(s) were unschedulable"
# Preemption, pkg/scheduler/framework/preemption/preemption.go and
# plugins/defaultpreemption: "Preemption is not helpful for scheduling",
#   "No preemption victims found for incoming pod".
SCHED_CPU = ("0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
             "2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
             "2 No preemption victims found for incoming pod.")
SCHED_SELECTOR = ("0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
                  "2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: "
                  "3 Preemption is not helpful for scheduling.")


def nodes3():
    cp = kf.node("cp-1", kf.NODE_IPS["cp-1"])
    cp["metadata"]["labels"]["node-role.kubernetes.io/control-plane"] = ""
    cp["spec"]["taints"] = [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
    out = [cp]
    for name in ("worker-1", "worker-2"):
        n = kf.node(name, kf.NODE_IPS[name])
        n["metadata"]["labels"]["disktype"] = "hdd"
        n["status"]["capacity"].update(cpu="4", memory="16393220Ki")
        n["status"]["allocatable"].update(cpu="4", memory="16290820Ki")
        out.append(n)
    return out


def with_requests(c, cpu, memory):
    c = copy.deepcopy(c)
    c["resources"] = {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": memory}}
    return c


def running_load():
    """What already runs on the workers: 580m on worker-1, 1500m on worker-2."""
    ns = "shop"
    web = kf.deployment(ns, "web", {"app": "web"}, [with_requests(kf.container("web", "nginx:1.25.3", [{"name": "http", "containerPort": 80}]), "580m", "256Mi")], replicas=1)
    web_rs = kf.replicaset(web, "6f9d8c7b5")
    cache = kf.deployment(ns, "cache", {"app": "cache"}, [with_requests(kf.container("redis", "redis:7.2.4", [{"name": "redis", "containerPort": 6379}]), "1500m", "2Gi")], replicas=1)
    cache_rs = kf.replicaset(cache, "84c6b7d9f")
    pods = [kf.pod(web_rs, "k2j4m", "worker-1", "10.244.1.20"), kf.pod(cache_rs, "x8w2p", "worker-2", "10.244.2.21")]
    return ns, [web, web_rs, cache, cache_rs, *pods]


def pending_pod(rs, suffix, message):
    ns = rs["metadata"]["namespace"]
    p = kf.pod(rs, suffix, "worker-1", "10.244.1.99")
    del p["spec"]["nodeName"]
    p["status"] = {"phase": "Pending", "qosClass": "Burstable", "conditions": [
        # kube-scheduler sets this condition (pkg/scheduler/schedule_one.go,
        # handleSchedulingFailure): Type PodScheduled, Status False, Reason
        # v1.PodReasonUnschedulable ("Unschedulable"), Message the FitError.
        {"type": "PodScheduled", "status": "False", "lastProbeTime": None, "lastTransitionTime": T0,
         "reason": "Unschedulable", "message": message}]}
    return p


def etl(ns="analytics", cpu="6", selector=None, replicas=3, bound=False):
    c = with_requests(kf.container("etl", "ghcr.io/acme/etl:2.4.1"), cpu, "4Gi")
    dep = kf.deployment(ns, "etl", {"app": "etl"}, [c], replicas=replicas, available=replicas if bound else 0)
    if selector:
        dep["spec"]["template"]["spec"]["nodeSelector"] = dict(selector)
    if not bound:
        # a Deployment whose pods never schedule: Available False, no ReplicaFailure
        dep["status"]["conditions"] = [x for x in dep["status"]["conditions"] if x["type"] != "ReplicaFailure"]
    rs = kf.replicaset(dep, "5c8f7d6b9", available=replicas if bound else 0)
    rs["status"].pop("conditions", None)
    rs["status"]["replicas"] = replicas
    return dep, rs


def sched_events(ns, pods, message):
    # FailedScheduling, source default-scheduler (schedule_one.go:
    # fwk.EventRecorder().Eventf(pod, nil, v1.EventTypeWarning, "FailedScheduling", "Scheduling", msg))
    return [kf.event(ns, p, "FailedScheduling", message, count=4, source="default-scheduler") for p in pods]


def cpu_incident(with_events=True):
    ns = "analytics"
    dep, rs = etl(ns)
    pods = [pending_pod(rs, s, SCHED_CPU) for s in ("7xk2p", "b9m4q", "tq8zn")]
    objs = [dep, rs, *pods] + (sched_events(ns, pods, SCHED_CPU) if with_events else [])
    lns, load = running_load()
    return [(ns, objs), (lns, load)]


def build_scheduling_cpu():
    d = kf.fresh("scheduling-insufficient-cpu")
    kf.dir_dump(os.path.join(d, "bundle", "cluster-info"), nodes3(), cpu_incident())
    kf.expect(d, """
description: >-
  Deployment analytics/etl asks 6 CPU per pod; the workers have 4 allocatable,
  of which 580m and 1500m are already requested, and the control plane is
  tainted. All 3 pods stay Pending; the scheduler says "0/3 nodes are
  available: 1 node(s) had untolerated taint ..., 2 Insufficient cpu". The
  --output-directory form of cluster-info dump, with the events.
inputs: [bundle]
exit: 1
must:
  - rule: scheduling
    subjects: [Deployment/analytics/etl, Pod/analytics/etl-5c8f7d6b9-7xk2p]
    message_contains:
      - "3 of 3 pods of Deployment analytics/etl Pending"
      - "2 Insufficient cpu"
      - "Needs cpu 6; the most free otherwise eligible node (worker-1) has 3.42."
      - "Untolerated taint node-role.kubernetes.io/control-plane:NoSchedule on cp-1."
    evidence_files: [cluster-info/analytics/pods.json, cluster-info/nodes.json]
    count: 1
must_not: [quota-limitrange, selector-mismatch]
""")


def build_scheduling_cpu_no_events():
    """The same incident a day later: every event expired. Stdout form of the
    dump in a .tgz, itself inside the support archive (nested)."""
    d = kf.fresh("scheduling-insufficient-cpu-no-events-nested")
    stage = os.path.join(d, "_stage")
    kf.stdout_dump(os.path.join(stage, "cluster-info-dump.txt"), nodes3(), cpu_incident(with_events=False))
    inner = os.path.join(d, "_inner.tgz")
    kf.tar_dir(stage, inner, "cluster-info")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        kf.add_file(t, "case-01234/cluster-info.tgz", open(inner, "rb").read())
        kf.add_file(t, "case-01234/README.txt", b"collected with kubectl cluster-info dump --all-namespaces\n")
    with open(os.path.join(d, "support.tar.gz"), "wb") as f:
        f.write(kf.gzip_bytes(buf.getvalue()))
    shutil.rmtree(stage)
    os.remove(inner)
    kf.expect(d, """
description: >-
  The analytics/etl incident with every event removed (expired), as the
  stdout form of cluster-info dump in a .tgz nested in the support archive:
  the PodScheduled=False condition and the Node objects still say why.
inputs: [support.tar.gz]
exit: 1
must:
  - rule: scheduling
    subjects: [Deployment/analytics/etl]
    message_contains:
      - "3 of 3 pods of Deployment analytics/etl Pending"
      - "The scheduler says (PodScheduled=False)"
      - "Needs cpu 6; the most free otherwise eligible node (worker-1) has 3.42."
    count: 1
must_not: [quota-limitrange, selector-mismatch]
""")


def build_scheduling_fits():
    """Near-miss twin: the same Deployment asks 3 CPU, which worker-1 has;
    its pod is bound and Running."""
    d = kf.fresh("scheduling-fits")
    ns = "analytics"
    dep, rs = etl(ns, cpu="3", replicas=1, bound=True)
    pods = [kf.pod(rs, "7xk2p", "worker-1", "10.244.1.30")]
    pods[0]["spec"]["containers"] = dep["spec"]["template"]["spec"]["containers"]
    lns, load = running_load()
    kf.dir_dump(os.path.join(d, "bundle", "cluster-info"), nodes3(), [(ns, [dep, rs, *pods]), (lns, load)])
    kf.expect(d, """
description: >-
  Healthy twin of scheduling-insufficient-cpu: etl asks 3 CPU, worker-1 has
  3.42 free, the pod is bound and Running. Nothing is Pending.
inputs: [bundle]
exit: 0
must: []
must_not: [scheduling, crashloop]
""")


def build_scheduling_selector():
    """nodeSelector disktype=ssd; every worker has disktype=hdd. Stdout form of
    cluster-info dump, with the events."""
    d = kf.fresh("scheduling-node-selector-stdout")
    ns = "analytics"
    dep, rs = etl(ns, cpu="500m", selector={"disktype": "ssd"}, replicas=2)
    pods = [pending_pod(rs, s, SCHED_SELECTOR) for s in ("p4k8d", "w2n7c")]
    for p in pods:
        p["spec"]["nodeSelector"] = {"disktype": "ssd"}
    lns, load = running_load()
    kf.stdout_dump(os.path.join(d, "bundle", "cluster-info-dump.txt"), nodes3(),
                   [(ns, [dep, rs, *pods, *sched_events(ns, pods, SCHED_SELECTOR)]), (lns, load)])
    kf.expect(d, """
description: >-
  Deployment analytics/etl selects nodes with disktype=ssd; both workers are
  labelled disktype=hdd and the control plane is tainted. Stdout form of
  cluster-info dump with the FailedScheduling events.
inputs: [bundle]
exit: 1
must:
  - rule: scheduling
    subjects: [Deployment/analytics/etl]
    message_contains:
      - "2 of 2 pods of Deployment analytics/etl Pending"
      - "2 node(s) didn't match Pod's node affinity/selector"
      - "Pod wants disktype=ssd; worker-1, worker-2 have disktype=hdd; cp-1 lacks disktype; no node has ssd."
    count: 1
must_not: [quota-limitrange, selector-mismatch]
""")


if __name__ == "__main__":
    for fn in [build_scheduling_cpu, build_scheduling_cpu_no_events, build_scheduling_fits, build_scheduling_selector]:
        fn()
        print("wrote", fn.__name__.replace("build_", ""))
