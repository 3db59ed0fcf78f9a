#!/usr/bin/env python3
"""Regenerate the fixtures of the workloads rules image-pull, volume-mount
and probe under testdata/dumps/.

Objects come from the constructors of make-kube-fixtures.py (same shapes,
same deterministic output). Every message a Kubernetes component or a
container runtime writes is the string that component emits; the source of
each is quoted beside it.

Run from the repository root:  python3 scripts/make-workload2-fixtures.py
"""
import copy
import importlib.util
import io
import os
import shutil
import tarfile

_spec = importlib.util.spec_from_file_location("kf", os.path.join(os.path.dirname(os.path.abspath(__file__)), "make-kube-fixtures.py"))
kf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kf)

T0 = kf.T0

# ---------------------------------------------------------------- messages
#
# kubelet, pkg/kubelet/images/image_manager.go (EnsureImageExists):
#   events.FailedToPullImage ("Failed"): fmt.Sprintf("Failed to pull image %q: %v", image, err)
#   then "Error: ErrImagePull" / "Error: ImagePullBackOff" (Failed, from kuberuntime_container.go startContainer)
#   back-off: msg := fmt.Sprintf("Back-off pulling image %q", image)   (reason ImagePullBackOff, waiting message)
# containerd 1.7, pkg/cri/server/image_pull.go:
#   fmt.Errorf("failed to pull and unpack image %q: %w", ref, err), wrapped by gRPC as
#   "rpc error: code = Unknown desc = ..."; client/pull.go: "failed to resolve reference %q: %w";
#   remotes/docker/authorizer.go: "failed to authorize: %w", "failed to fetch oauth token: %w";
#   remotes/errors: "unexpected status from GET request to %s: %s" (resp.Status, "401 Unauthorized").
IMG = "registry.example.com/shop/web:1.4.2"
PULL_401 = ('rpc error: code = Unknown desc = failed to pull and unpack image "' + IMG + '": failed to resolve reference "'
            + IMG + '": failed to authorize: failed to fetch oauth token: unexpected status from GET request to '
            'https://registry.example.com/service/token?scope=repository%3Ashop%2Fweb%3Apull&service=harbor-registry: 401 Unauthorized')
BACKOFF = 'Back-off pulling image "' + IMG + '"'


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


def service_account(ns, name, pull_secrets=()):
    sa = {"kind": "ServiceAccount", "apiVersion": "v1", "metadata": kf.meta("ServiceAccount", ns, name)}
    if pull_secrets:
        sa["imagePullSecrets"] = [{"name": s} for s in pull_secrets]
    return sa


# --------------------------------------------------------------- image-pull

def web(image, available, pull_secrets=("regcred-2023",)):
    dep = kf.deployment("shop", "web", {"app": "web"}, [kf.container("web", image, [{"name": "http", "containerPort": 8080}])],
                        replicas=2, available=available)
    dep["spec"]["template"]["spec"]["imagePullSecrets"] = [{"name": s} for s in pull_secrets]
    rs = kf.replicaset(dep, "6f9d8c7b5", available=available)
    return dep, rs


def image_pull_incident(with_events=True):
    ns = "shop"
    dep, rs = web(IMG, 0)
    # One pod caught in ErrImagePull (its waiting message is the runtime's
    # error), the other in ImagePullBackOff between retries.
    a = waiting_pod(rs, "k2j4m", "worker-1", "ImagePullBackOff", BACKOFF)
    b = waiting_pod(rs, "x8w2p", "worker-2", "ErrImagePull", PULL_401)
    for p in (a, b):
        p["spec"]["imagePullSecrets"] = [{"name": "regcred-2023"}]
    evs = []
    if with_events:
        for p in (a, b):
            evs += [
                kubelet_event(ns, p, "Pulling", 'Pulling image "%s"' % IMG, count=5, type_="Normal", container="web"),
                kubelet_event(ns, p, "Failed", 'Failed to pull image "%s": %s' % (IMG, PULL_401), count=5, container="web"),
                kubelet_event(ns, p, "Failed", "Error: ErrImagePull", count=5, container="web"),
                kubelet_event(ns, p, "BackOff", BACKOFF, count=21, type_="Normal", container="web"),
                kubelet_event(ns, p, "Failed", "Error: ImagePullBackOff", count=21, container="web"),
            ]
    return [(ns, [dep, rs, a, b] + evs)]


def image_pull_objects():
    # kubectl get serviceaccounts -n shop -o yaml: default names another
    # pull secret than the pods do (what the admission plugin copied in at
    # creation is in the pod's spec already).
    return [service_account("shop", "default", ["harbor-robot"])]


def build_image_pull_incident():
    d = kf.fresh("image-pull-unauthorized")
    root = os.path.join(d, "bundle")
    kf.dir_dump(os.path.join(root, "cluster-info"), kf.base_nodes(), image_pull_incident())
    write_yaml(os.path.join(root, "serviceaccounts.yaml"), image_pull_objects())
    kf.expect(d, """
description: >-
  Deployment shop/web's image registry.example.com/shop/web:1.4.2 is refused
  by the registry (containerd: "failed to fetch oauth token ... 401
  Unauthorized"); the pods name pull secret regcred-2023, the default
  ServiceAccount names harbor-robot. Both pods wait (ErrImagePull,
  ImagePullBackOff). The --output-directory form of cluster-info dump, with
  the kubelet's events, and the namespace's ServiceAccounts.
inputs: [bundle]
exit: 1
must:
  - rule: image-pull
    severity: critical
    subjects: [Deployment/shop/web, Pod/shop/web-6f9d8c7b5-k2j4m]
    message_contains:
      - "2 of 2 pods of Deployment shop/web cannot pull their image"
      - "registry.example.com refused the pull: unauthorized or denied"
      - "The pod names imagePullSecrets regcred-2023; its ServiceAccount default names imagePullSecrets harbor-robot."
      - "401 Unauthorized"
    evidence_files: [cluster-info/shop/pods.json, cluster-info/shop/events.json, serviceaccounts.yaml]
    count: 1
must_not: [selector-mismatch, crashloop, volume-mount, probe]
""")


def build_image_pull_no_events():
    """The same incident with every event expired, as the stdout form of the
    dump in a .tgz nested in the support archive: the ErrImagePull pod's
    waiting message still holds the runtime's error."""
    d = kf.fresh("image-pull-unauthorized-no-events-nested")
    stage = os.path.join(d, "_stage")
    kf.stdout_dump(os.path.join(stage, "cluster-info-dump.txt"), kf.base_nodes(), image_pull_incident(with_events=False))
    nest(d, stage, "cluster-info", "case-04417/cluster-info.tgz",
         {"case-04417/README.txt": b"collected with kubectl cluster-info dump --all-namespaces\n"})
    kf.expect(d, """
description: >-
  The shop/web pull incident a day later: no event is left, the
  ServiceAccounts were not collected. Stdout form of cluster-info dump in a
  .tgz nested in the support archive. The waiting message of the pod in
  ErrImagePull still carries containerd's 401.
inputs: [support.tar.gz]
exit: 1
must:
  - rule: image-pull
    subjects: [Deployment/shop/web]
    message_contains:
      - "2 of 2 pods of Deployment shop/web cannot pull their image"
      - "unauthorized or denied"
      - "its ServiceAccount default was not collected, so its imagePullSecrets are unknown"
    count: 1
must_not: [selector-mismatch, crashloop, volume-mount, probe]
""")


def build_image_pull_healthy():
    """Near-miss twin: the previous tag, pulled with the same secret; both
    pods Running and Ready."""
    d = kf.fresh("image-pull-pulled")
    dep, rs = web("registry.example.com/shop/web:1.4.1", 2)
    pods = [kf.pod(rs, s, n, ip) for s, n, ip in (("k2j4m", "worker-1", "10.244.1.31"), ("x8w2p", "worker-2", "10.244.2.31"))]
    for p in pods:
        p["spec"]["imagePullSecrets"] = [{"name": "regcred-2023"}]
    ns = "shop"
    evs = [kubelet_event(ns, p, "Pulled", 'Successfully pulled image "registry.example.com/shop/web:1.4.1" in 2.144s (2.144s including waiting)',
                         type_="Normal", container="web") for p in pods]
    root = os.path.join(d, "bundle")
    kf.dir_dump(os.path.join(root, "cluster-info"), kf.base_nodes(), [(ns, [dep, rs, *pods] + evs)])
    write_yaml(os.path.join(root, "serviceaccounts.yaml"), image_pull_objects())
    kf.expect(d, """
description: >-
  Near-miss twin of image-pull-unauthorized: tag 1.4.1 pulled with the same
  secret, both pods Running and Ready. Nothing to report.
inputs: [bundle]
exit: 0
must_not: [image-pull, volume-mount, probe, crashloop]
""")


if __name__ == "__main__":
    build_image_pull_incident()
    build_image_pull_no_events()
    build_image_pull_healthy()
