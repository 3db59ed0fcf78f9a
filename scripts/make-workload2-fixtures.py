#!/usr/bin/env python3
"""Regenerate the fixtures of the workloads rules image-pull, volume-mount
and probe under testdata/dumps/.

Objects come from the constructors of make-kube-fixtures.py (same shapes,
same deterministic output), builders shared with make-workload-fixtures.py
from workload_common.py. Every message a Kubernetes component or a
container runtime writes is the string that component emits; the source of
each is quoted beside it.

Run from the repository root:  python3 scripts/make-workload2-fixtures.py
"""
import copy
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workload_common import kf, kubelet_event, nest, waiting_pod, write_yaml  # noqa: E402

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


# ------------------------------------------------------------- volume-mount
#
# kubelet, pkg/volume/configmap/configmap.go (SetUpAt) returns the API's
# NotFound error, `configmaps "reporter-config" not found`, which
# pkg/kubelet/volumemanager/reconciler wraps as
#   MountVolume.SetUp failed for volume "config" : configmap "reporter-config" not found
# (operationexecutor: fmt.Sprintf("MountVolume.SetUp failed for volume %q : %v", ...);
# the configmap plugin's getConfigMap error text is `configmap %q not found`),
# reason FailedMount; and after two minutes volume_manager.go WaitForAttachAndMount:
#   Unable to attach or mount volumes: unmounted volumes=[config], unattached volumes=[config kube-api-access-7x2lq]: timed out waiting for the condition
CM_MISSING = 'MountVolume.SetUp failed for volume "config" : configmap "reporter-config" not found'
MOUNT_TIMEOUT = ("Unable to attach or mount volumes: unmounted volumes=[config], unattached volumes=[config kube-api-access-7x2lq]: "
                 "timed out waiting for the condition")


def reporter(cm_name, available):
    c = kf.container("reporter", "ghcr.io/acme/reporter:2.1.0")
    c["volumeMounts"] = [{"name": "config", "mountPath": "/etc/reporter", "readOnly": True}]
    dep = kf.deployment("reports", "reporter", {"app": "reporter"}, [c], replicas=2, available=available)
    dep["spec"]["template"]["spec"]["volumes"] = [{"name": "config", "configMap": {"name": cm_name, "defaultMode": 420}}]
    rs = kf.replicaset(dep, "7c9d8f6b4", available=available)
    return dep, rs


def with_volumes(p, rs):
    # the pod gets the template's volumes and the projected service-account
    # token volume the ServiceAccount admission plugin adds
    p["spec"]["volumes"] = copy.deepcopy(rs["spec"]["template"]["spec"].get("volumes", [])) + [{
        "name": "kube-api-access-7x2lq", "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}}]
    return p


def creating_pod(rs, suffix, node):
    # A pod whose volumes do not mount stays Pending with its container
    # waiting "ContainerCreating" and no message (kubelet_pods.go
    # convertToAPIContainerStatuses: the default waiting reason).
    p = waiting_pod(rs, suffix, node, "ContainerCreating", "")
    for s in p["status"]["containerStatuses"]:
        del s["state"]["waiting"]["message"]
    p["status"].pop("podIP", None)
    p["status"].pop("podIPs", None)
    return with_volumes(p, rs)


def configmap(ns, name, data):
    return {"kind": "ConfigMap", "apiVersion": "v1", "metadata": kf.meta("ConfigMap", ns, name), "data": data}


def reporter_configmaps():
    # kubectl get configmaps -n reports -o yaml: the ConfigMap is there
    # under a shorter name, beside the root CA every namespace gets.
    return [configmap("reports", "kube-root-ca.crt", {"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIC/jCCAeagAwIBAgIBADANBgkqhkiG9w0BAQsFADAVMRMwEQYDVQQDEwprdWJl\n-----END CERTIFICATE-----\n"}),
            configmap("reports", "reporter-conf", {"reporter.yaml": "interval: 5m\noutput: s3://acme-reports/\n"})]


def volume_incident(with_events=True):
    ns = "reports"
    dep, rs = reporter("reporter-config", 0)
    pods = [creating_pod(rs, "q7w2x", "worker-1"), creating_pod(rs, "z4n8c", "worker-2")]
    evs = []
    if with_events:
        for p in pods:
            evs += [kubelet_event(ns, p, "FailedMount", CM_MISSING, count=17),
                    kubelet_event(ns, p, "FailedMount", MOUNT_TIMEOUT, count=3)]
    return [(ns, [dep, rs, *pods] + evs)]


def build_volume_incident():
    d = kf.fresh("volume-configmap-missing")
    root = os.path.join(d, "bundle")
    kf.dir_dump(os.path.join(root, "cluster-info"), kf.base_nodes(), volume_incident())
    write_yaml(os.path.join(root, "configmaps.yaml"), reporter_configmaps())
    kf.expect(d, """
description: >-
  Deployment reports/reporter mounts ConfigMap reporter-config; the namespace
  holds reporter-conf. Both pods stay ContainerCreating; the kubelet's
  FailedMount events say configmap "reporter-config" not found. The
  --output-directory form of cluster-info dump with the namespace's
  ConfigMaps beside it.
inputs: [bundle]
exit: 1
must:
  - rule: volume-mount
    severity: critical
    subjects: [Deployment/reports/reporter, Pod/reports/reporter-7c9d8f6b4-q7w2x]
    message_contains:
      - "2 of 2 pods of Deployment reports/reporter cannot start"
      - "ConfigMap reporter-config, read by volume config, is not in namespace reports; the closest name it holds is reporter-conf"
    evidence_files: [cluster-info/reports/pods.json, configmaps.yaml]
    count: 1
must_not: [selector-mismatch, image-pull, probe, crashloop]
""")


def build_volume_no_events():
    d = kf.fresh("volume-configmap-missing-no-events-nested")
    stage = os.path.join(d, "_stage")
    kf.stdout_dump(os.path.join(stage, "cluster-info-dump.txt"), kf.base_nodes(), volume_incident(with_events=False))
    write_yaml(os.path.join(stage, "configmaps.yaml"), reporter_configmaps())
    nest(d, stage, "must-gather", "case-05120/must-gather.tar.gz",
         {"case-05120/notes.txt": b"pods of reporter stuck in ContainerCreating since the upgrade\n"})
    kf.expect(d, """
description: >-
  The reports/reporter incident with every event expired: the stdout form of
  cluster-info dump and the namespace's ConfigMaps, in a .tar.gz nested in
  the support archive. The pod template and the ConfigMap list alone show
  the near miss.
inputs: [support.tar.gz]
exit: 1
must:
  - rule: volume-mount
    subjects: [Deployment/reports/reporter]
    message_contains:
      - "2 of 2 pods of Deployment reports/reporter cannot start"
      - "the closest name it holds is reporter-conf"
    count: 1
must_not: [selector-mismatch, image-pull, probe, crashloop]
""")


def build_volume_healthy():
    d = kf.fresh("volume-configmap-present")
    ns = "reports"
    dep, rs = reporter("reporter-conf", 2)
    pods = [with_volumes(kf.pod(rs, "q7w2x", "worker-1", "10.244.1.41"), rs), with_volumes(kf.pod(rs, "z4n8c", "worker-2", "10.244.2.41"), rs)]
    root = os.path.join(d, "bundle")
    kf.dir_dump(os.path.join(root, "cluster-info"), kf.base_nodes(), [(ns, [dep, rs, *pods])])
    write_yaml(os.path.join(root, "configmaps.yaml"), reporter_configmaps())
    kf.expect(d, """
description: >-
  Near-miss twin of volume-configmap-missing: the template names
  reporter-conf, which exists; both pods Running and Ready.
inputs: [bundle]
exit: 0
must_not: [volume-mount, image-pull, probe, crashloop]
""")


# -------------------------------------------------------------------- probe
#
# kubelet, pkg/kubelet/prober/prober.go (runProbeWithRetries / recordContainerEvent):
#   reason "Unhealthy", fmt.Sprintf("%s probe failed: %s", probeType, output) with probeType
#   capitalised; the HTTP prober's output for a closed port is Go's net/http error,
#   `Get "http://10.244.1.52:8081/healthz": dial tcp 10.244.1.52:8081: connect: connection refused`.
# pkg/kubelet/kuberuntime/kuberuntime_manager.go (computePodActions):
#   reason "Killing", fmt.Sprintf("Container %s failed %s probe, will be restarted", container.Name, probeType)
# The runtime ends the killed container with SIGKILL after the grace period: exit 137, reason Error.
PROBE_REFUSED = 'Get "http://{ip}:8081/{path}": dial tcp {ip}:8081: connect: connection refused'


def api(probe_port, available):
    c = kf.container("api", "ghcr.io/acme/shop-api:3.8.0", [{"name": "http", "containerPort": 8080}])
    for k, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/ready")):
        c[k] = {"httpGet": {"path": path, "port": probe_port, "scheme": "HTTP"}, "initialDelaySeconds": 5,
                "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
    dep = kf.deployment("shop", "api", {"app": "api"}, [c], replicas=2, available=available)
    rs = kf.replicaset(dep, "5d7f9c8b6", available=available)
    return dep, rs


def killed_pod(rs, suffix, node, ip):
    """Running again after the liveness probe killed it: not Ready, six
    restarts, the last run ended by SIGKILL 35 s after it started
    (initialDelaySeconds 5 + periodSeconds 10 x failureThreshold 3)."""
    p = kf.pod(rs, suffix, node, ip, ready=False)
    for s in p["status"]["containerStatuses"]:
        s["restartCount"] = 6
        s["started"] = True
        s["state"] = {"running": {"startedAt": "2024-03-11T09:30:06Z"}}
        s["lastState"] = {"terminated": {"exitCode": 137, "reason": "Error", "startedAt": "2024-03-11T09:29:31Z",
                                         "finishedAt": "2024-03-11T09:30:06Z", "containerID": s["containerID"]}}
    return p


def api_service(pods, ready):
    svc = kf.service("shop", "api", {"app": "api"}, [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}], "10.96.44.17")
    return svc, kf.endpoints(svc, pods, port_name="http", port=8080)


def probe_incident(with_events=True):
    ns = "shop"
    dep, rs = api(8081, 0)
    pods = [killed_pod(rs, "h6t9r", "worker-1", "10.244.1.52"), killed_pod(rs, "m3v8d", "worker-2", "10.244.2.52")]
    svc, ep = api_service(pods, False)
    evs = []
    if with_events:
        for p in pods:
            ip = p["status"]["podIP"]
            evs += [
                kubelet_event(ns, p, "Unhealthy", "Liveness probe failed: " + PROBE_REFUSED.format(ip=ip, path="healthz"), count=18, container="api"),
                kubelet_event(ns, p, "Unhealthy", "Readiness probe failed: " + PROBE_REFUSED.format(ip=ip, path="ready"), count=19, container="api"),
                kubelet_event(ns, p, "Killing", "Container api failed liveness probe, will be restarted", count=6, type_="Normal", container="api"),
            ]
    return [(ns, [dep, rs, *pods, svc] + evs)], ep


def build_probe_incident():
    d = kf.fresh("probe-port-mismatch")
    root = os.path.join(d, "bundle")
    nss, ep = probe_incident()
    kf.dir_dump(os.path.join(root, "cluster-info"), kf.base_nodes(), nss)
    kf.write_json(os.path.join(root, "endpoints.json"), kf.klist("Endpoints", [ep]))
    kf.expect(d, """
description: >-
  Deployment shop/api's liveness and readiness probes ask port 8081; the
  container declares and serves 8080 (http). The readiness probe keeps both
  pods out of Service shop/api and the liveness probe kills them every 35 s.
  --output-directory form with the kubelet's Unhealthy and Killing events.
inputs: [bundle]
exit: 1
must:
  - rule: probe
    severity: critical
    subjects: [Deployment/shop/api, Pod/shop/api-5d7f9c8b6-h6t9r]
    message_contains:
      - "2 of 2 pods of Deployment shop/api fail their probes"
      - "its liveness probe uses port 8081, but the container declares 8080 (http)"
      - "Liveness failed 18 times, Readiness failed 19 times"
      - "Service api has no ready endpoint (see selector-mismatch)"
    evidence_files: [cluster-info/shop/pods.json, cluster-info/shop/events.json]
    count: 1
must_not: [image-pull, volume-mount]
""")


def build_probe_no_events():
    d = kf.fresh("probe-port-mismatch-no-events-nested")
    stage = os.path.join(d, "_stage")
    nss, ep = probe_incident(with_events=False)
    kf.stdout_dump(os.path.join(stage, "cluster-info-dump.txt"), kf.base_nodes(), nss)
    nest(d, stage, "cluster-info", "case-06021/cluster-info.tgz",
         {"case-06021/README.txt": b"collected with kubectl cluster-info dump --all-namespaces\n"})
    kf.expect(d, """
description: >-
  The shop/api probe incident with every event expired: stdout form of
  cluster-info dump in a .tgz nested in the support archive. The probe's
  port against the declared containerPort, and the last exit 137 after
  35 s, still say why.
inputs: [support.tar.gz]
exit: 1
must:
  - rule: probe
    subjects: [Deployment/shop/api]
    message_contains:
      - "2 of 2 pods of Deployment shop/api fail their probes"
      - "its liveness probe uses port 8081, but the container declares 8080 (http)"
      - "no Killing event is left"
    count: 1
must_not: [image-pull, volume-mount]
""")


def build_probe_healthy():
    d = kf.fresh("probe-port-matches")
    ns = "shop"
    dep, rs = api("http", 2)
    pods = [kf.pod(rs, "h6t9r", "worker-1", "10.244.1.52"), kf.pod(rs, "m3v8d", "worker-2", "10.244.2.52")]
    svc, ep = api_service(pods, True)
    root = os.path.join(d, "bundle")
    kf.dir_dump(os.path.join(root, "cluster-info"), kf.base_nodes(), [(ns, [dep, rs, *pods, svc])])
    kf.write_json(os.path.join(root, "endpoints.json"), kf.klist("Endpoints", [ep]))
    kf.expect(d, """
description: >-
  Near-miss twin of probe-port-mismatch: the probes name port http (8080);
  both pods Ready, the Service has both endpoints.
inputs: [bundle]
exit: 0
must_not: [probe, image-pull, volume-mount, selector-mismatch]
""")


if __name__ == "__main__":
    build_image_pull_incident()
    build_image_pull_no_events()
    build_image_pull_healthy()
    build_volume_incident()
    build_volume_no_events()
    build_volume_healthy()
    build_probe_incident()
    build_probe_no_events()
    build_probe_healthy()
