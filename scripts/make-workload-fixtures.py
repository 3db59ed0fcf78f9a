#!/usr/bin/env python3
"""Regenerate the fixtures of the workloads rules (scheduling, crashloop)
under testdata/dumps/.

Objects come from the constructors of make-kube-fixtures.py (same shapes,
same deterministic output), builders shared with make-workload2-fixtures.py
from workload_common.py. Every message a Kubernetes component writes is
the string that component emits; the source of each is quoted beside it.

Run from the repository root:  python3 scripts/make-workload-fixtures.py
"""
import copy
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workload_common import CRASH_MUST, T0, kf, nest, pending_pod  # noqa: E402

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
    nest(d, stage, "cluster-info", "case-01234/cluster-info.tgz",
         {"case-01234/README.txt": b"collected with kubectl cluster-info dump --all-namespaces\n"})
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


# ---------------------------------------------------------------- crashloop
#
# kubelet strings:
#   pkg/kubelet/kuberuntime/kuberuntime_manager.go (doBackOff):
#     fmt.Sprintf("back-off %s restarting failed container=%s pod=%s", backOff.Get(key), container.Name, format.Pod(pod))
#     event BackOff: "Back-off restarting failed container %s in pod %s"
#   format.Pod: "<name>_<namespace>(<uid>)"
#   CreateContainerConfigError (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables):
#     fmt.Errorf("configmap %q not found", name) when envFrom names a missing ConfigMap
# job controller (pkg/controller/job/job_controller.go): condition Failed,
#   reason "BackoffLimitExceeded", message "Job has reached the specified backoff limit"
# deployment controller (pkg/controller/deployment/util/deployment_util.go):
#   Progressing False, reason "ProgressDeadlineExceeded",
#   message fmt.Sprintf("ReplicaSet %q has timed out progressing.", rs.Name)


def fmt_pod(p):
    return f"{p['metadata']['name']}_{p['metadata']['namespace']}({p['metadata']['uid']})"


def crashing(p, cname, exit_code, reason, restarts=9, waiting="CrashLoopBackOff", waiting_msg=None):
    for s in p["status"]["containerStatuses"]:
        if s["name"] != cname:
            continue
        s.update(ready=False, started=False, restartCount=restarts)
        msg = waiting_msg or f"back-off 5m0s restarting failed container={cname} pod={fmt_pod(p)}"
        s["state"] = {"waiting": {"reason": waiting, "message": msg}}
        if exit_code is not None:
            s["lastState"] = {"terminated": {"exitCode": exit_code, "reason": reason, "startedAt": "2024-03-11T09:25:10Z",
                                             "finishedAt": "2024-03-11T09:25:41Z", "containerID": s["containerID"]}}
        else:
            s.pop("lastState", None)
            s.pop("containerID", None)
    p["status"]["phase"] = "Running"
    for c in p["status"]["conditions"][1:3]:
        c.update(status="False", reason="ContainersNotReady", message=f"containers with unready status: [{cname}]")
    return p


def with_init(dep, rs, pods):
    init = {"name": "wait-db", "image": "busybox:1.36", "command": ["sh", "-c", "until nc -z db 5432; do sleep 1; done"],
            "resources": {}, "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent"}
    for o in (dep, rs):
        o["spec"]["template"]["spec"]["initContainers"] = [init]
    for p in pods:
        p["spec"]["initContainers"] = [init]
        p["status"]["initContainerStatuses"] = [{"name": "wait-db", "image": "docker.io/library/busybox:1.36", "imageID": "", "ready": True, "restartCount": 0,
                                                 "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": T0, "finishedAt": T0}},
                                                 "lastState": {}, "containerID": "containerd://" + hashlib.sha256((p["metadata"]["name"] + "init").encode()).hexdigest()}]


WORKER_LOG = [
    "2024-03-11 09:25:10,114 INFO  worker starting, version 3.2.0",
    "2024-03-11 09:25:10,220 INFO  connecting to queue amqp://rabbitmq.shop.svc:5672",
    "Traceback (most recent call last):",
    '  File "/app/worker.py", line 88, in <module>',
    "    main()",
    '  File "/app/worker.py", line 41, in main',
    '    rate = float(os.environ["RATE_LIMIT"])',
    "ValueError: could not convert string to float: '10/s'",
]


def crash_incident(with_events=True, healthy=False):
    ns = "shop"
    objs, logs = [], []
    # payments: OOMKilled at its 256Mi limit (2 of 2 pods)
    api = kf.container("api", "ghcr.io/acme/payments:4.2.0", [{"name": "http", "containerPort": 8080}])
    api["resources"] = {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "256Mi"}}
    pay = kf.deployment(ns, "payments", {"app": "payments"}, [api], replicas=2, available=2 if healthy else 0)
    pay["status"]["conditions"] = [c for c in pay["status"]["conditions"] if c["type"] != "ReplicaFailure"]
    pay_rs = kf.replicaset(pay, "7d4b9c8f6", available=2 if healthy else 0)
    pay_rs["status"].pop("conditions", None)
    pay_pods = [kf.pod(pay_rs, s, n, ip) for s, n, ip in (("h7k2m", "worker-1", "10.244.1.40"), ("q9r4t", "worker-2", "10.244.2.41"))]
    with_init(pay, pay_rs, pay_pods)
    if healthy:
        # restarted twice long ago, Ready since: not a finding
        pay_pods[0]["status"]["containerStatuses"][0]["restartCount"] = 2
        pay_pods[0]["status"]["containerStatuses"][0]["lastState"] = {"terminated": {"exitCode": 137, "reason": "OOMKilled", "startedAt": T0, "finishedAt": T0}}
    else:
        for p in pay_pods:
            crashing(p, "api", 137, "OOMKilled")
    objs += [pay, pay_rs, *pay_pods]
    # worker: exits 1 with a Python traceback (1 of 2 pods; the other is Ready)
    wk = kf.container("worker", "ghcr.io/acme/worker:3.2.0")
    worker = kf.deployment(ns, "worker", {"app": "worker"}, [wk], replicas=2, available=2 if healthy else 1)
    worker_rs = kf.replicaset(worker, "5f6c8d7b4", available=2 if healthy else 1)
    wpods = [kf.pod(worker_rs, s, n, ip) for s, n, ip in (("b2x8v", "worker-1", "10.244.1.42"), ("m3n7p", "worker-2", "10.244.2.43"))]
    if not healthy:
        crashing(wpods[0], "worker", 1, "Error", restarts=14)
        logs.append((ns, wpods[0]["metadata"]["name"], "worker", WORKER_LOG))
    objs += [worker, worker_rs, *wpods]
    # ledger: envFrom a ConfigMap that does not exist
    led = kf.container("ledger", "ghcr.io/acme/ledger:3.1.0")
    led["envFrom"] = [{"configMapRef": {"name": "ledger-config"}}]
    ledger = kf.deployment(ns, "ledger", {"app": "ledger"}, [led], replicas=1, available=1 if healthy else 0)
    ledger_rs = kf.replicaset(ledger, "6b8d9f7c5", available=1 if healthy else 0)
    ledger_rs["status"].pop("conditions", None)
    lp = kf.pod(ledger_rs, "z5w1q", "worker-1", "10.244.1.44")
    if not healthy:
        ledger["status"]["conditions"] = [
            {"type": "Available", "status": "False", "lastUpdateTime": T0, "lastTransitionTime": T0, "reason": "MinimumReplicasUnavailable", "message": "Deployment does not have minimum availability."},
            {"type": "Progressing", "status": "False", "lastUpdateTime": T_LATER, "lastTransitionTime": T_LATER, "reason": "ProgressDeadlineExceeded",
             "message": 'ReplicaSet "ledger-6b8d9f7c5" has timed out progressing.'}]
        crashing(lp, "ledger", None, None, restarts=0, waiting="CreateContainerConfigError", waiting_msg='configmap "ledger-config" not found')
    objs += [ledger, ledger_rs, lp]
    # a Job whose pods run "migrat" (a typo) through sh: exit 127
    job_pod_spec = {"containers": [{"name": "migrate", "image": "ghcr.io/acme/ledger:3.1.0", "command": ["sh", "-c", "migrat --up"] if not healthy else ["sh", "-c", "migrate --up"],
                                    "resources": {}, "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent"}],
                    "restartPolicy": "Never"}
    job = {"kind": "Job", "apiVersion": "batch/v1", "metadata": kf.meta("Job", ns, "ledger-migrate", {"app": "ledger-migrate"}),
           "spec": {"backoffLimit": 2, "completions": 1, "parallelism": 1, "template": {"metadata": {"labels": {"job-name": "ledger-migrate"}}, "spec": job_pod_spec}},
           "status": {"startTime": T0}}
    if healthy:
        job["status"].update(succeeded=1, completionTime=T_LATER, conditions=[{"type": "Complete", "status": "True", "lastProbeTime": T_LATER, "lastTransitionTime": T_LATER}])
    else:
        job["status"].update(failed=3, conditions=[{"type": "Failed", "status": "True", "lastProbeTime": T_LATER, "lastTransitionTime": T_LATER,
                                                   "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}])
    jpods = []
    for sfx in (("4kq2d",) if healthy else ("4kq2d", "8ptx7", "c6vz9")):
        jp = {"kind": "Pod", "apiVersion": "v1",
              "metadata": kf.meta("Pod", ns, f"ledger-migrate-{sfx}", {"job-name": "ledger-migrate"}) | {"generateName": "ledger-migrate-"},
              "spec": dict(job_pod_spec, nodeName="worker-2", serviceAccountName="default"),
              "status": {"phase": "Succeeded" if healthy else "Failed", "hostIP": kf.NODE_IPS["worker-2"], "startTime": T0, "qosClass": "BestEffort",
                         "conditions": [{"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": T0}],
                         "containerStatuses": [{"name": "migrate", "image": "ghcr.io/acme/ledger:3.1.0", "imageID": "", "ready": False, "restartCount": 0, "started": False,
                                                "state": {"terminated": {"exitCode": 0 if healthy else 127, "reason": "Completed" if healthy else "Error", "startedAt": T0, "finishedAt": T0}},
                                                "lastState": {}}]}}
        jp["metadata"]["ownerReferences"] = [{"apiVersion": "batch/v1", "kind": "Job", "name": "ledger-migrate", "uid": job["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
        jpods.append(jp)
        if not healthy:
            logs.append((ns, jp["metadata"]["name"], "migrate", ["sh: migrat: not found"]))
    objs += [job, *jpods]
    if with_events and not healthy:
        for p in pay_pods:
            objs.append(kf.event(ns, p, "BackOff", f"Back-off restarting failed container api in pod {fmt_pod(p)}", count=41, source="kubelet"))
        objs.append(kf.event(ns, wpods[0], "BackOff", f"Back-off restarting failed container worker in pod {fmt_pod(wpods[0])}", count=60, source="kubelet"))
        # kubelet_pods.go: recorder.Eventf(pod, v1.EventTypeWarning, events.FailedToCreateContainer, "Error: %v", ...)
        objs.append(kf.event(ns, lp, "Failed", 'Error: configmap "ledger-config" not found', count=12, source="kubelet"))
        objs.append(kf.event(ns, job, "BackoffLimitExceeded", "Job has reached the specified backoff limit", source="job-controller"))
    return ns, objs, logs


def write_dir_logs(root, logs):
    # kubectl cluster-info dump --output-directory writes <ns>/<pod>/logs.txt
    for ns, pod_, _cont, lines in logs:
        path = os.path.join(root, ns, pod_, "logs.txt")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("".join(l + "\n" for l in lines))


def dump_with_jobs(root, nodes, ns, objs, logs):
    kf.dir_dump(root, nodes, [(ns, objs)])
    # cluster-info dump does not list Jobs; the collector adds `kubectl get jobs -o json`
    kf.write_json(os.path.join(root, "..", "jobs.json"), kf.klist("Job", [o for o in objs if o["kind"] == "Job"]))
    write_dir_logs(root, logs)



def build_crash_incident():
    d = kf.fresh("crashloop-incident")
    ns, objs, logs = crash_incident()
    dump_with_jobs(os.path.join(d, "bundle", "cluster-info"), nodes3(), ns, objs, logs)
    kf.expect(d, """
description: >-
  Four workloads of namespace shop fail to run: payments is OOMKilled at its
  256Mi limit, worker exits 1 with a Python traceback (its log is in the
  dump), ledger cannot start because ConfigMap ledger-config is missing (its
  rollout timed out; volume-mount reports the ConfigMap, crashloop points
  there), and Job ledger-migrate ran "migrat" (exit 127) until
  its backoff limit. The --output-directory form with events, logs and
  `kubectl get jobs -o json`.
inputs: [bundle]
exit: 1
must:""" + CRASH_MUST + """must_not: [scheduling, quota-limitrange]
""")


def build_crash_no_events():
    d = kf.fresh("crashloop-incident-no-events-nested")
    ns, objs, logs = crash_incident(with_events=False)
    stage = os.path.join(d, "_stage")
    kf.stdout_dump(os.path.join(stage, "cluster-info-dump.txt"), nodes3(), [(ns, [o for o in objs if o["kind"] != "Job"])], logs=logs)
    with open(os.path.join(stage, "jobs.yaml"), "w") as f:
        f.write(kf.yaml_list([o for o in objs if o["kind"] == "Job"]))
    nest(d, stage, "dump", "case-01235/cluster.tgz", {})
    kf.expect(d, """
description: >-
  The shop incident with every event removed, as the stdout form of
  cluster-info dump (logs in its log blocks) plus `kubectl get jobs -o yaml`
  in a .tgz nested in the support archive: container statuses, Job and
  Deployment conditions and the logs still say why.
inputs: [support.tar.gz]
exit: 1
must:""" + CRASH_MUST + """must_not: [scheduling, quota-limitrange]
""")


def build_crash_healthy():
    d = kf.fresh("crashloop-healthy")
    ns, objs, logs = crash_incident(healthy=True)
    dump_with_jobs(os.path.join(d, "bundle", "cluster-info"), nodes3(), ns, objs, logs)
    kf.expect(d, """
description: >-
  Healthy twin of crashloop-incident: init containers finished (exit 0), the
  Job completed (its pod exit 0), a payments pod restarted twice (OOMKilled)
  and is Ready now, the ConfigMap reference resolves. Nothing to report.
inputs: [bundle]
exit: 0
must: []
must_not: [crashloop, scheduling]
""")



def build_realworld():
    """Real cluster-info dumps of shared/realworld (PROVENANCE.md), read in
    place, one cluster per fixture (merged, their nodes and Deployments
    would mix): what the workloads rules say on data nobody shaped for them."""
    rw = "../../../../shared/realworld/cluster-info-dump/"
    d = kf.fresh("realworld-workloads-aks")
    kf.expect(d, f"""
description: >-
  Real AKS dump (--output-directory form): kubernetes-dashboard crash-loops
  with exit 2; coredns-autoscaler restarts 1569 times because its liveness
  probe fails (4688 failures, failureThreshold 3: one kill every 3 failures;
  it exits 2 on the kubelet's SIGTERM), so probe reports it as the cause and
  crashloop only points there (info); tunnelfront was killed by liveness
  probes and runs again.
inputs: [{rw}aks-output-directory-epicapex-k8s-arena]
exit: 1
must:
  - rule: probe
    subjects: [Deployment/kube-system/coredns-autoscaler]
    message_contains: ["its liveness probe restarts it (4688 liveness failures over 1569 restarts, failureThreshold 3", "last exit 2"]
    severity: critical
    count: 1
  - rule: crashloop
    subjects: [Deployment/kube-system/coredns-autoscaler]
    message_contains: ["container autoscaler (1569 restarts, CrashLoopBackOff): restarted by its liveness probe", "see the probe finding"]
    severity: info
  - rule: crashloop
    subjects: [Deployment/kube-system/kubernetes-dashboard]
    message_contains: ["application error (exit 2, Error)", "Its log is not in the bundle"]
    severity: critical
  - rule: crashloop
    subjects: [Deployment/kube-system/tunnelfront]
    message_contains: ["killed by SIGKILL (exit 137) without OOMKilled", "Liveness probe failed"]
must_not: [scheduling]
""")
    d = kf.fresh("realworld-workloads-notready")
    kf.expect(d, f"""
description: >-
  Real kubeadm 1.20 dump without a network plugin: every node keeps the
  not-ready taint and coredns stays Pending behind it. The cause is the
  nodes' pod network (the cni finding, critical, lists the pods as its
  consequences); scheduling says so and points there, as info.
inputs: [{rw}kubeadm-v1.20.5-notready-no-cni-3c97-cka.txt]
exit: 1
must:
  - rule: scheduling
    subjects: [Deployment/kube-system/coredns]
    message_contains: ["2 of 2 pods of Deployment kube-system/coredns Pending", "node(s) had taint {{node.kubernetes.io/not-ready: }}, that the pod didn't tolerate", "the node is NotReady", "reported by the cni finding"]
    severity: info
  - rule: cni
    severity: critical
    message_contains: ["2 pods cannot start until it is"]
must_not: [crashloop]
""")
    d = kf.fresh("realworld-workloads-docker-desktop")
    kf.expect(d, f"""
description: >-
  Real Docker Desktop 1.14 dump: every system pod restarted 10-12 times
  (exit 255: the VM restarted) and runs again. No event dates the restarts,
  so they are info only.
inputs: [{rw}docker-desktop-v1.14.7-ciprian-multi-k8s.txt]
exit: 0
must:
  - rule: crashloop
    subjects: [Pod/kube-system/etcd-docker-desktop]
    message_contains: ["restarted often and are Ready again", "exit 255"]
    severity: info
must_not: [scheduling]
""")


if __name__ == "__main__":
    for fn in [build_scheduling_cpu, build_scheduling_cpu_no_events, build_scheduling_fits, build_scheduling_selector,
               build_crash_incident, build_crash_no_events, build_crash_healthy, build_realworld]:
        fn()
        print("wrote", fn.__name__.replace("build_", ""))
