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
from workload_common import CRASH_MUST, kf  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
# The moment the support engineer ran kubectl describe: a few minutes
# after the twin's newest event (2024-03-11T09:31:40Z).
NOW = "2024-03-11T09:35:00Z"


def describe(tool, twin_files, refs):
    out = subprocess.run([tool, "-now", NOW] + [a for f in twin_files for a in ("-f", f)] + refs,
                         check=True, capture_output=True, text=True).stdout
    return out


def items(path):
    return [i["metadata"]["name"] for i in json.load(open(path))["items"]]


def build_scheduling(tool):
    twin = os.path.join(kf.DUMPS, "scheduling-insufficient-cpu", "bundle", "cluster-info")
    files = [os.path.join(twin, f) for f in ("nodes.json", "analytics/pods.json", "shop/pods.json", "analytics/events.json", "shop/events.json")]
    d = kf.fresh("scheduling-describe-text")
    b = os.path.join(d, "bundle")
    os.makedirs(b)
    # what an engineer pastes: the Pending pods and every node
    pods = ["pod/analytics/" + n for n in items(os.path.join(twin, "analytics/pods.json"))]
    nodes = ["node/" + n for n in items(os.path.join(twin, "nodes.json"))]
    with open(os.path.join(b, "kubectl-describe-pods.txt"), "w") as f:
        f.write(describe(tool, files, pods))
    with open(os.path.join(b, "kubectl-describe-nodes.txt"), "w") as f:
        f.write(describe(tool, files, nodes))
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
    d = kf.fresh("crashloop-describe-text")
    b = os.path.join(d, "bundle")
    os.makedirs(b)
    pods = ["pod/shop/" + n for n in items(os.path.join(ci, "shop/pods.json"))]
    with open(os.path.join(b, "kubectl-describe-pods.txt"), "w") as f:
        f.write(describe(tool, files, pods))
    deps = ["deployment/shop/" + n for n in items(os.path.join(ci, "shop/deployments.json"))]
    with open(os.path.join(b, "kubectl-describe-deployments.txt"), "w") as f:
        f.write(describe(tool, files, deps))
    with open(os.path.join(b, "kubectl-describe-job.txt"), "w") as f:
        f.write(describe(tool, files, ["job/shop/" + n for n in items(os.path.join(twin, "jobs.json"))]))
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


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        tool = os.path.join(tmp, "describetext")
        subprocess.run(["go", "build", "-o", tool, "."], cwd=os.path.join(ROOT, "tools", "describetext"), check=True)
        build_scheduling(tool)
        build_crashloop(tool)
