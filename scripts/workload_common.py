"""Builders shared by the generators of the workloads rules' fixtures
(make-workload-fixtures.py: scheduling, crashloop; make-workload2-fixtures.py:
image-pull, volume-mount, probe). Objects come from the constructors of
make-kube-fixtures.py (same shapes, same deterministic output), loaded
here once as `kf`.
"""
import importlib.util
import io
import os
import shutil
import tarfile

_spec = importlib.util.spec_from_file_location("kf", os.path.join(os.path.dirname(os.path.abspath(__file__)), "make-kube-fixtures.py"))
kf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kf)

T0 = kf.T0


def nest(d, stage, arcroot, inner_name, extra):
    """Pack stage as a .tgz and put it, with extra files, inside
    d/support.tar.gz: an archive nested in the customer's archive."""
    inner = os.path.join(d, "_inner.tgz")
    kf.tar_dir(stage, inner, arcroot)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        kf.add_file(t, inner_name, open(inner, "rb").read())
        for name, data in extra.items():
            kf.add_file(t, name, data)
    with open(os.path.join(d, "support.tar.gz"), "wb") as f:
        f.write(kf.gzip_bytes(buf.getvalue()))
    shutil.rmtree(stage)
    os.remove(inner)


def write_yaml(path, items):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(kf.yaml_list(items))


def waiting_pod(rs, suffix, node, reason, message, ip=None):
    """A pod whose only container waits with reason/message: never started,
    not Ready, as the kubelet leaves it (ContainersNotReady)."""
    p = kf.pod(rs, suffix, node, ip or "10.244.1.%d" % (sum(map(ord, suffix)) % 200 + 20), ready=False)
    p["status"]["phase"] = "Pending"
    for s in p["status"]["containerStatuses"]:
        s["restartCount"] = 0
        s["started"] = False
        s.pop("containerID", None)
        s["imageID"] = ""
        s["state"] = {"waiting": {"reason": reason, "message": message}}
        s.pop("lastState", None)
    return p


def kubelet_event(ns, p, reason, message, count=1, type_="Warning", container=None):
    e = kf.event(ns, p, reason, message, count=count, type_=type_, source="kubelet")
    e["source"]["host"] = p["spec"]["nodeName"]
    if container:
        e["involvedObject"]["fieldPath"] = "spec.containers{%s}" % container
    return e


def pending_pod(rs, suffix, message, qos="Burstable"):
    ns = rs["metadata"]["namespace"]
    p = kf.pod(rs, suffix, "worker-1", "10.244.1.99")
    del p["spec"]["nodeName"]
    p["status"] = {"phase": "Pending", "qosClass": qos, "conditions": [
        # kube-scheduler sets this condition (pkg/scheduler/schedule_one.go,
        # handleSchedulingFailure): Type PodScheduled, Status False, Reason
        # v1.PodReasonUnschedulable ("Unschedulable"), Message the FitError.
        {"type": "PodScheduled", "status": "False", "lastProbeTime": None, "lastTransitionTime": T0,
         "reason": "Unschedulable", "message": message}]}
    return p


def dir_bundle(d, nodes, namespaces, files):
    """d/bundle: the --output-directory form of cluster-info dump under
    cluster-info/, and beside it the YAML lists named in files."""
    root = os.path.join(d, "bundle")
    kf.dir_dump(os.path.join(root, "cluster-info"), nodes, namespaces)
    for name, items in files.items():
        write_yaml(os.path.join(root, name), items)


def nested_bundle(d, nodes, namespaces, files, arcroot, inner_name, extra=None):
    """The stdout form of cluster-info dump and the YAML lists named in
    files, as a .tgz inside d/support.tar.gz."""
    stage = os.path.join(d, "_stage")
    kf.stdout_dump(os.path.join(stage, "cluster-info-dump.txt"), nodes, namespaces)
    for name, items in files.items():
        write_yaml(os.path.join(stage, name), items)
    nest(d, stage, arcroot, inner_name, extra or {})


# What crashloop must say about the shop incident of make-workload-fixtures.py,
# in each of its forms (with and without events, and its describe-text twin).
CRASH_MUST = """
  - rule: crashloop
    subjects: [Deployment/shop/payments]
    message_contains:
      - "2 of 2 pods of Deployment shop/payments failing"
      - "container api (9 restarts, CrashLoopBackOff): OOMKilled (exit 137): the kernel killed it at its memory limit 256Mi"
    severity: critical
  - rule: crashloop
    subjects: [Deployment/shop/worker]
    message_contains:
      - "1 of 2 pods of Deployment shop/worker failing"
      - "application error (exit 1, Error)"
      - "ValueError: could not convert string to float: '10/s'"
    severity: high
  - rule: crashloop
    subjects: [Deployment/shop/ledger]
    message_contains:
      - "CreateContainerConfigError: configmap \\"ledger-config\\" not found"
      - "ProgressDeadlineExceeded"
    severity: info
  - rule: crashloop
    subjects: [Job/shop/ledger-migrate]
    message_contains:
      - "3 of 3 pods of Job shop/ledger-migrate failing"
      - "command not found (exit 127): command [\\"sh\\", \\"-c\\", \\"migrat --up\\"]"
      - "BackoffLimitExceeded"
"""


def unauthorized_must(secrets, evidence_files):
    """What image-pull must say about the shop/web 401 incident of
    make-workload2-fixtures.py, in each of its forms."""
    return """
  - rule: image-pull
    severity: critical
    subjects: [Deployment/shop/web, Pod/shop/web-6f9d8c7b5-k2j4m]
    message_contains:
      - "2 of 2 pods of Deployment shop/web cannot pull their image"
      - "registry.example.com refused the pull: unauthorized or denied"
      - "%s"
      - "401 Unauthorized"
    evidence_files: [%s]
    count: 1
""" % (secrets, evidence_files)
