#!/usr/bin/env python3
"""Regenerate the describe-text twins of workload fixtures under
testdata/dumps/: the text `kubectl describe` prints for the objects of a
JSON fixture (its twin), rendered by kubectl's own describers through
tools/describetext, so the findings can be compared with the twin's.

Run from the repository root:  python3 scripts/make-describe-fixtures.py
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workload_common import CRASH_MUST, kf, unauthorized_must  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
# The moment the support engineer ran kubectl describe: a few minutes
# after the twin's newest event (2024-03-11T09:31:40Z).
NOW = "2024-03-11T09:35:00Z"


def describe(tool, twin_files, refs):
    out = subprocess.run([tool, "-now", NOW] + [a for f in twin_files for a in ("-f", f)] + refs,
                         check=True, capture_output=True, text=True).stdout
    return out


def as_json(path, tmp):
    """A YAML List beside the twin's dump, as JSON for describetext."""
    import yaml
    out = os.path.join(tmp, os.path.basename(path) + ".json")
    with open(out, "w") as f:
        json.dump(yaml.safe_load(open(path)), f)
    return out


def items(path):
    return [i["metadata"]["name"] for i in json.load(open(path))["items"]]


def refs(kind, ns, path):
    """kind/ns/name of every object of a twin's list (ns None: cluster-scoped)."""
    return [f"{kind}/{ns}/{n}" if ns else f"{kind}/{n}" for n in items(path)]


def twin_bundle(tool, name, files, texts):
    """A fresh fixture whose bundle holds, per file name, the describe text
    of the objects listed for it."""
    d = kf.fresh(name)
    b = os.path.join(d, "bundle")
    os.makedirs(b)
    for fname, objs in texts.items():
        with open(os.path.join(b, fname), "w") as f:
            f.write(describe(tool, files, objs))
    return d, b


def build_scheduling(tool):
    twin = os.path.join(kf.DUMPS, "scheduling-insufficient-cpu", "bundle", "cluster-info")
    files = [os.path.join(twin, f) for f in ("nodes.json", "analytics/pods.json", "shop/pods.json", "analytics/events.json", "shop/events.json")]
    # what an engineer pastes: the Pending pods and every node
    d, _ = twin_bundle(tool, "scheduling-describe-text", files, {
        "kubectl-describe-pods.txt": refs("pod", "analytics", os.path.join(twin, "analytics/pods.json")),
        "kubectl-describe-nodes.txt": refs("node", None, os.path.join(twin, "nodes.json")),
    })
    kf.expect(d, """
description: >-
  The scheduling-insufficient-cpu incident as pasted text: `kubectl describe
  pods -n analytics` (the three Pending etl pods, with their
  FailedScheduling events) and `kubectl describe nodes`, rendered by
  kubectl's describers from the twin's objects (tools/describetext). The
  running pods are not described: the nodes' "Allocated resources" carry
  what they request. The findings must be the twin's; the pods' affinity,
  which describe does not print, is said to be not recomputed.
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
      - "kubectl describe does not print the pod's affinity"
    evidence_files: [kubectl-describe-pods.txt, kubectl-describe-nodes.txt]
    count: 1
must_not: [quota-limitrange, selector-mismatch]
""")


def build_crashloop(tool):
    twin = os.path.join(kf.DUMPS, "crashloop-incident", "bundle")
    ci = os.path.join(twin, "cluster-info")
    files = [os.path.join(ci, f) for f in ("nodes.json", "shop/pods.json", "shop/events.json", "shop/deployments.json", "shop/replicasets.json")]
    files.append(os.path.join(twin, "jobs.json"))
    d, b = twin_bundle(tool, "crashloop-describe-text", files, {
        "kubectl-describe-pods.txt": refs("pod", "shop", os.path.join(ci, "shop/pods.json")),
        "kubectl-describe-deployments.txt": refs("deployment", "shop", os.path.join(ci, "shop/deployments.json")),
        "kubectl-describe-job.txt": refs("job", "shop", os.path.join(twin, "jobs.json")),
    })
    # the logs the twin's dump holds, as `kubectl logs P > P.log` files
    for pod in sorted(os.listdir(os.path.join(ci, "shop"))):
        src = os.path.join(ci, "shop", pod, "logs.txt")
        if os.path.isfile(src):
            shutil.copyfile(src, os.path.join(b, pod + ".log"))
    kf.expect(d, """
description: >-
  The crashloop-incident as pasted text: `kubectl describe pods -n shop`,
  `kubectl describe deployments -n shop`, `kubectl describe job
  ledger-migrate` (kubectl's describers over the twin's objects,
  tools/describetext) and the pods' `kubectl logs` saved as <pod>.log. The
  findings must be the twin's. Describe prints no waiting message, no
  condition message of a Deployment and no Job conditions: the rule takes
  them from the events the text holds and says what is not shown.
inputs: [bundle]
exit: 1
must:""" + CRASH_MUST + """  - rule: volume-mount
    subjects: [Deployment/shop/ledger]
    message_contains:
      - "ConfigMap ledger-config is not found"
must_not: [scheduling, quota-limitrange]
""")


def build_image_pull(tool, tmp):
    twin = os.path.join(kf.DUMPS, "image-pull-unauthorized", "bundle")
    ci = os.path.join(twin, "cluster-info")
    files = [os.path.join(ci, f) for f in ("nodes.json", "shop/pods.json", "shop/events.json")] + [as_json(os.path.join(twin, "serviceaccounts.yaml"), tmp)]
    d, b = twin_bundle(tool, "image-pull-describe-text", files, {"kubectl-describe-pods.txt": refs("pod", "shop", os.path.join(ci, "shop/pods.json"))})
    # ServiceAccounts have no reader for describe text: the twin's YAML
    shutil.copyfile(os.path.join(twin, "serviceaccounts.yaml"), os.path.join(b, "serviceaccounts.yaml"))
    kf.expect(d, """
description: >-
  The image-pull-unauthorized incident as pasted text: `kubectl describe
  pods -n shop` (with the kubelet's Failed events that carry containerd's
  401), rendered by kubectl's describers from the twin's objects
  (tools/describetext), and the twin's serviceaccounts.yaml. Describe
  prints no waiting message and no imagePullSecrets of a pod: the events
  give the runtime's words, and the pod's secrets are said to be not
  shown.
inputs: [bundle]
exit: 1
must:""" + unauthorized_must("kubectl describe does not print the pod's imagePullSecrets; its ServiceAccount default names imagePullSecrets harbor-robot.",
                           "kubectl-describe-pods.txt, serviceaccounts.yaml") + """must_not: [selector-mismatch, crashloop, volume-mount, probe]
""")


def build_volume(tool, tmp):
    twin = os.path.join(kf.DUMPS, "volume-configmap-missing", "bundle")
    ci = os.path.join(twin, "cluster-info")
    cms = as_json(os.path.join(twin, "configmaps.yaml"), tmp)
    files = [os.path.join(ci, f) for f in ("nodes.json", "reports/pods.json", "reports/events.json")] + [cms]
    d, _ = twin_bundle(tool, "volume-describe-text", files, {
        "kubectl-describe-pods.txt": refs("pod", "reports", os.path.join(ci, "reports/pods.json")),
        "kubectl-describe-configmaps.txt": refs("configmap", "reports", cms),
    })
    kf.expect(d, """
description: >-
  The volume-configmap-missing incident as pasted text: `kubectl describe
  pods -n reports` (FailedMount events) and `kubectl describe configmaps -n
  reports`, rendered by kubectl's describers from the twin's objects
  (tools/describetext). The findings must be the twin's.
inputs: [bundle]
exit: 1
must:
  - rule: volume-mount
    severity: critical
    subjects: [Deployment/reports/reporter, Pod/reports/reporter-7c9d8f6b4-q7w2x]
    message_contains:
      - "2 of 2 pods of Deployment reports/reporter cannot start"
      - "ConfigMap reporter-config, read by volume config, is not in namespace reports; the closest name it holds is reporter-conf"
    evidence_files: [kubectl-describe-pods.txt, kubectl-describe-configmaps.txt]
    count: 1
must_not: [selector-mismatch, image-pull, probe, crashloop]
""")


def build_probe(tool, tmp):
    twin = os.path.join(kf.DUMPS, "probe-port-mismatch", "bundle")
    ci = os.path.join(twin, "cluster-info")
    files = [os.path.join(ci, f) for f in ("nodes.json", "shop/pods.json", "shop/events.json", "shop/services.json")] + [os.path.join(twin, "endpoints.json")]
    d, _ = twin_bundle(tool, "probe-describe-text", files, {
        "kubectl-describe-pods.txt": refs("pod", "shop", os.path.join(ci, "shop/pods.json")),
        "kubectl-describe-svc.txt": refs("service", "shop", os.path.join(ci, "shop/services.json")),
    })
    kf.expect(d, """
description: >-
  The probe-port-mismatch incident as pasted text: `kubectl describe pods
  -n shop` (Unhealthy and Killing events) and `kubectl describe svc -n
  shop`, rendered by kubectl's describers from the twin's objects
  (tools/describetext). Describe prints port numbers without their names;
  the probe's port is a number, so it is still judged.
inputs: [bundle]
exit: 1
must:
  - rule: probe
    severity: critical
    subjects: [Deployment/shop/api, Pod/shop/api-5d7f9c8b6-h6t9r]
    message_contains:
      - "2 of 2 pods of Deployment shop/api fail their probes"
      - "its liveness probe uses port 8081, but the container declares 8080"
      - "Liveness failed 18 times, Readiness failed 19 times"
      - "Service api has no ready endpoint (see selector-mismatch)"
    evidence_files: [kubectl-describe-pods.txt]
    count: 1
must_not: [image-pull, volume-mount]
""")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        tool = os.path.join(tmp, "describetext")
        subprocess.run(["go", "build", "-o", tool, "."], cwd=os.path.join(ROOT, "tools", "describetext"), check=True)
        build_scheduling(tool)
        build_crashloop(tool)
        build_image_pull(tool, tmp)
        build_volume(tool, tmp)
        build_probe(tool, tmp)
