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
from workload_common import dir_bundle, unauthorized_must, kf, kubelet_event, nest, nested_bundle, pending_pod, waiting_pod, write_yaml  # noqa: E402

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
must:""" + unauthorized_must("The pod names imagePullSecrets regcred-2023; its ServiceAccount default names imagePullSecrets harbor-robot.",
                           "cluster-info/shop/pods.json, cluster-info/shop/events.json, serviceaccounts.yaml") + """must_not: [selector-mismatch, crashloop, volume-mount, probe]
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


# ----------------------------------------------------- claims left Pending
#
# kube-scheduler, volumebinding plugin (volume_binding.go PreFilter):
#   status.AppendReason("pod has unbound immediate PersistentVolumeClaims")
# as a PreFilter message FitError.Error() writes after "0/%v nodes are
# available:" with SeparatorFormat " %v.", then the preemption post-filter's
# "preemption: 0/%v nodes are available: %v Preemption is not helpful for
# scheduling." (defaultpreemption).
# kube-controller-manager, pkg/controller/volume/persistentvolume/pv_controller.go:
#   provisionClaimOperation: ctrl.eventRecorder.Event(claim, v1.EventTypeWarning,
#     events.ProvisioningFailed, err.Error()) with the class lister's NotFound error,
#     `storageclass.storage.k8s.io "fast-ssd" not found`;
#   syncUnboundClaim, class "": ctrl.eventRecorder.Event(claim, v1.EventTypeNormal,
#     events.FailedBinding, "no persistent volumes available for this claim and no storage class is set").
UNBOUND = ("0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: "
           "2 Preemption is not helpful for scheduling.")
CLASS_NOT_FOUND = 'storageclass.storage.k8s.io "fast-ssd" not found'
NO_CLASS = "no persistent volumes available for this claim and no storage class is set"


def pvc(ns, name, size, modes, cls=None, phase="Pending", volume=None):
    spec = {"accessModes": list(modes), "resources": {"requests": {"storage": size}}, "volumeMode": "Filesystem"}
    if cls is not None:
        spec["storageClassName"] = cls
    if volume:
        spec["volumeName"] = volume
    st = {"phase": phase}
    if phase == "Bound":
        st.update(accessModes=list(modes), capacity={"storage": size})
    return {"kind": "PersistentVolumeClaim", "apiVersion": "v1", "metadata": kf.meta("PersistentVolumeClaim", ns, name), "spec": spec, "status": st}


def storage_class(name, provisioner, default=False):
    ann = {"storageclass.kubernetes.io/is-default-class": "true"} if default else None
    return {"kind": "StorageClass", "apiVersion": "storage.k8s.io/v1", "metadata": kf.meta("StorageClass", None, name, annotations=ann),
            "provisioner": provisioner, "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate", "allowVolumeExpansion": True}


def with_claim(dep, rs, volume, claim, mount):
    for o in (dep, rs):
        spec = o["spec"]["template"]["spec"]
        spec["volumes"] = [{"name": volume, "persistentVolumeClaim": {"claimName": claim}}]
        spec["containers"][0]["volumeMounts"] = [{"name": volume, "mountPath": mount}]


def claims_incident(with_events=True):
    ns = "orders"
    db = kf.deployment(ns, "db", {"app": "db"}, [kf.container("postgres", "postgres:16.2", [{"name": "pg", "containerPort": 5432}])], replicas=1, available=0)
    db["spec"]["strategy"] = {"type": "Recreate"}
    db_rs = kf.replicaset(db, "7f6d5c4b3", available=0)
    with_claim(db, db_rs, "data", "db-data", "/var/lib/postgresql/data")
    cache = kf.deployment(ns, "cache", {"app": "cache"}, [kf.container("redis", "redis:7.2.4", [{"name": "redis", "containerPort": 6379}])], replicas=1, available=0)
    cache_rs = kf.replicaset(cache, "5b4c3d2e1", available=0)
    with_claim(cache, cache_rs, "data", "cache-data", "/data")
    pods = [with_volumes(pending_pod(db_rs, "m2k8v", UNBOUND, qos="BestEffort"), db_rs), with_volumes(pending_pod(cache_rs, "t6r1z", UNBOUND, qos="BestEffort"), cache_rs)]
    claims = [pvc(ns, "db-data", "20Gi", ["ReadWriteOnce"], cls="fast-ssd"), pvc(ns, "cache-data", "5Gi", ["ReadWriteOnce"])]
    evs = []
    if with_events:
        evs += [kf.event(ns, p, "FailedScheduling", UNBOUND, count=6, source="default-scheduler") for p in pods]
        evs += [kf.event(ns, claims[0], "ProvisioningFailed", CLASS_NOT_FOUND, count=14, source="persistentvolume-controller"),
                kf.event(ns, claims[1], "FailedBinding", NO_CLASS, count=41, type_="Normal", source="persistentvolume-controller")]
    # gp2 was the default until the cluster moved to gp3, whose class was
    # created without the default annotation
    classes = [storage_class("gp2", "kubernetes.io/aws-ebs"), storage_class("gp3", "ebs.csi.aws.com")]
    return [(ns, [db, db_rs, cache, cache_rs, *pods] + evs)], claims, classes


CLAIMS_MUST = """
  - rule: volume-mount
    subjects: [Deployment/orders/db]
    message_contains:
      - "1 of 1 pods of Deployment orders/db cannot start"
      - "PersistentVolumeClaim db-data is Pending: it asks for StorageClass fast-ssd, which does not exist (the cluster has gp2, gp3)"
    severity: critical
  - rule: volume-mount
    subjects: [Deployment/orders/cache]
    message_contains:
      - "PersistentVolumeClaim cache-data is Pending: it names no StorageClass and none is marked default"
    severity: critical
    count: 2
  - rule: scheduling
    subjects: [Deployment/orders/db]
    message_contains:
      - "pod has unbound immediate PersistentVolumeClaims"
      - "reported (with why the claim is Pending) by the volume-mount finding"
    severity: info
"""


def build_claims_incident():
    d = kf.fresh("volume-claim-pending")
    namespaces, claims, classes = claims_incident()
    # PersistentVolumeClaim events sit with the namespace's other events
    dir_bundle(d, kf.base_nodes(), namespaces, {"pvc.yaml": claims, "storageclasses.yaml": classes})
    kf.expect(d, """
description: >-
  Two workloads of namespace orders stay Pending on their claims: db-data
  asks for StorageClass fast-ssd, which does not exist (the cluster has gp2
  and gp3), and cache-data names no class while no StorageClass is marked
  default. The scheduler says "pod has unbound immediate
  PersistentVolumeClaims"; the PV controller's ProvisioningFailed and
  FailedBinding events say why. volume-mount names each cause; scheduling
  points there (info). --output-directory form with `kubectl get
  pvc -A -o yaml` and `kubectl get storageclass -o yaml` beside it.
inputs: [bundle]
exit: 1
must:""" + CLAIMS_MUST + """must_not: [image-pull, probe, crashloop]
""")


def build_claims_no_events():
    d = kf.fresh("volume-claim-pending-no-events-nested")
    namespaces, claims, classes = claims_incident(with_events=False)
    nested_bundle(d, kf.base_nodes(), namespaces, {"pvc.yaml": claims, "storageclasses.yaml": classes}, "dump", "case-06231/orders-dump.tgz")
    kf.expect(d, """
description: >-
  The orders claims incident with every event expired: stdout form of
  cluster-info dump with the claims and StorageClasses, in a .tgz nested in
  the support archive. The claims' storageClassName and the classes alone
  say why.
inputs: [support.tar.gz]
exit: 1
must:""" + CLAIMS_MUST + """must_not: [image-pull, probe, crashloop]
""")


# ------------------------------------------------------------- Multi-Attach
#
# kube-controller-manager, pkg/controller/volume/attachdetach/reconciler/reconciler.go
# (reportMultiAttachError), for pods that use the volume on other nodes:
#   msg = fmt.Sprintf("Volume is already used by pod(s) %s", strings.Join(localPodNames, ", "))
#   simpleMsg, _ := volumeToAttach.GenerateMsg("Multi-Attach error", msg)
#   rc.recorder.Eventf(scheduledPod, v1.EventTypeWarning, kevents.FailedAttachVolume, simpleMsg)
# GenerateMsg (operationexecutor): fmt.Sprintf("%v for volume %q %v", prefixMsg, volumeName, suffixMsg),
# the volume's spec name being the PV's name. Then the kubelet's FailedMount
# after two minutes (volume_manager.go WaitForAttachAndMount), as above.
PV_NAME = "pvc-3f8a1c2e-5b7d-4e9f-a1c3-0d2e4f6a8b9c"


def multi_attach_incident(with_events=True):
    ns = "cms"
    c = kf.container("wordpress", "wordpress:6.4.3-apache", [{"name": "http", "containerPort": 80}])
    dep = kf.deployment(ns, "wordpress", {"app": "wordpress"}, [c], replicas=1, available=1)
    old_rs = kf.replicaset(dep, "5b8c6d4a7", available=1)
    with_claim(dep, old_rs, "content", "wp-content", "/var/www/html")
    # the rollout of a new image: its ReplicaSet's pod lands on the other node
    new_c = copy.deepcopy(c)
    new_c["image"] = "wordpress:6.5.0-apache"
    new_c["volumeMounts"] = [{"name": "content", "mountPath": "/var/www/html"}]
    dep["spec"]["template"]["spec"]["containers"] = [new_c]
    new_rs = kf.replicaset(dep, "6c9d7f5b8", available=0)
    new_rs["status"].pop("conditions", None)
    old = with_volumes(kf.pod(old_rs, "p9qrt", "worker-1", "10.244.1.51"), old_rs)
    new = with_volumes(creating_pod(new_rs, "k2xwm", "worker-2"), new_rs)
    claim = pvc(ns, "wp-content", "10Gi", ["ReadWriteOnce"], cls="gp3", phase="Bound", volume=PV_NAME)
    evs = []
    if with_events:
        evs += [kf.event(ns, new, "FailedAttachVolume",
                         'Multi-Attach error for volume "%s" Volume is already used by pod(s) %s' % (PV_NAME, old["metadata"]["name"]),
                         count=1, source="attachdetach-controller"),
                kubelet_event(ns, new, "FailedMount",
                              "Unable to attach or mount volumes: unmounted volumes=[content], unattached volumes=[content kube-api-access-7x2lq]: "
                              "timed out waiting for the condition", count=4)]
    return [(ns, [dep, old_rs, new_rs, old, new] + evs)], [claim], [storage_class("gp3", "ebs.csi.aws.com", default=True)]


MULTI_MUST = """
  - rule: volume-mount
    subjects: [Deployment/cms/wordpress, Pod/cms/wordpress-6c9d7f5b8-k2xwm]
    message_contains:
      - "1 of 2 pods of Deployment cms/wordpress cannot start"
      - "wp-content"
    severity: high
    count: 1
"""


def build_multi_attach():
    d = kf.fresh("volume-multi-attach")
    namespaces, claims, classes = multi_attach_incident()
    dir_bundle(d, kf.base_nodes(), namespaces, {"pvc.yaml": claims, "storageclasses.yaml": classes})
    kf.expect(d, """
description: >-
  Deployment cms/wordpress rolls out a new image (RollingUpdate): the new
  pod lands on worker-2 while the old one still runs on worker-1 with the
  ReadWriteOnce claim wp-content attached there. The attach/detach
  controller's FailedAttachVolume says "Multi-Attach error ... Volume is
  already used by pod(s) wordpress-5b8c6d4a7-p9qrt"; the kubelet then times
  out mounting. --output-directory form with the claims beside it.
inputs: [bundle]
exit: 1
must:""" + MULTI_MUST.replace('      - "wp-content"\n', '      - "wp-content"\n      - "Multi-Attach error for volume"\n      - "the ReadWriteOnce volume of PersistentVolumeClaim wp-content is still attached to another node"\n') + """must_not: [image-pull, probe, crashloop, scheduling]
""")


def build_multi_attach_no_events():
    d = kf.fresh("volume-multi-attach-no-events-nested")
    namespaces, claims, _ = multi_attach_incident(with_events=False)
    nested_bundle(d, kf.base_nodes(), namespaces, {"pvc.yaml": claims}, "dump", "case-06240/cms.tgz")
    kf.expect(d, """
description: >-
  The cms/wordpress Multi-Attach incident with every event expired: stdout
  form of cluster-info dump and the claims, in a .tgz nested in the support
  archive. The claim's ReadWriteOnce access mode and the old pod running on
  the other node with the same claim still say why.
inputs: [support.tar.gz]
exit: 1
must:""" + MULTI_MUST.replace('      - "wp-content"\n', '      - "wp-content"\n      - "wordpress-5b8c6d4a7-p9qrt"\n') + """must_not: [image-pull, probe, crashloop, scheduling]
""")


# -------------------------------------------------------- ConfigMap key
#
# kubelet, pkg/kubelet/kubelet_pods.go (makeEnvironmentVariables):
#   return result, fmt.Errorf("couldn't find key %v in ConfigMap %v/%v", key, pod.Namespace, name)
# which kuberuntime (kuberuntime_container.go startContainer) turns into the
# waiting reason CreateContainerConfigError with that message and the event
#   Failed, "Error: " + the message (events.FailedToCreateContainer).
KEY_MISSING = "couldn't find key DB_HOST in ConfigMap billing/invoicer-config"


def invoicer(available):
    c = kf.container("invoicer", "ghcr.io/acme/invoicer:3.2.0", [{"name": "http", "containerPort": 8080}])
    c["env"] = [{"name": "DB_HOST", "valueFrom": {"configMapKeyRef": {"name": "invoicer-config", "key": "DB_HOST"}}},
                {"name": "DB_PORT", "valueFrom": {"configMapKeyRef": {"name": "invoicer-config", "key": "db_port"}}}]
    dep = kf.deployment("billing", "invoicer", {"app": "invoicer"}, [c], replicas=2, available=available)
    rs = kf.replicaset(dep, "84d7c9b6f", available=available)
    return dep, rs


def invoicer_configmaps():
    # the keys were renamed to lower case in the last config change
    return [configmap("billing", "invoicer-config", {"db_host": "postgres.billing.svc", "db_port": "5432"}),
            configmap("billing", "kube-root-ca.crt", {"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIC/jCCAeagAwIBAgIBADANBgkqhkiG9w0BAQsFADAV\n-----END CERTIFICATE-----\n"})]


def key_incident(with_events=True):
    ns = "billing"
    dep, rs = invoicer(0)
    pods = [waiting_pod(rs, "w3n7d", "worker-1", "CreateContainerConfigError", KEY_MISSING),
            waiting_pod(rs, "h5c2q", "worker-2", "CreateContainerConfigError", KEY_MISSING)]
    evs = []
    if with_events:
        evs = [kubelet_event(ns, p, "Failed", "Error: " + KEY_MISSING, count=9, container="invoicer") for p in pods]
    return [(ns, [dep, rs, *pods] + evs)]


KEY_MUST = """
  - rule: volume-mount
    subjects: [Deployment/billing/invoicer, Pod/billing/invoicer-84d7c9b6f-h5c2q]
    message_contains:
      - "2 of 2 pods of Deployment billing/invoicer cannot start"
      - "env DB_HOST of container invoicer reads key DB_HOST of ConfigMap invoicer-config, which has only db_host, db_port"
    severity: critical
    count: 1
  - rule: crashloop
    subjects: [Deployment/billing/invoicer]
    message_contains:
      - "CreateContainerConfigError: couldn't find key DB_HOST in ConfigMap billing/invoicer-config: see the volume-mount finding"
    severity: info
"""


def build_key_incident():
    d = kf.fresh("volume-configmap-key-missing")
    dir_bundle(d, kf.base_nodes(), key_incident(), {"configmaps.yaml": invoicer_configmaps()})
    kf.expect(d, """
description: >-
  Deployment billing/invoicer reads env DB_HOST from key DB_HOST of ConfigMap
  invoicer-config, whose keys are db_host and db_port. Both pods wait in
  CreateContainerConfigError ("couldn't find key DB_HOST in ConfigMap
  billing/invoicer-config"). --output-directory form with the kubelet's
  events and the namespace's ConfigMaps. volume-mount names the keys there
  are; crashloop, which sees the same CreateContainerConfigError, points
  there (info).
inputs: [bundle]
exit: 1
must:""" + KEY_MUST + """must_not: [image-pull, probe, scheduling]
""")


def build_key_no_events():
    d = kf.fresh("volume-configmap-key-missing-no-events-nested")
    nested_bundle(d, kf.base_nodes(), key_incident(with_events=False), {"configmaps.yaml": invoicer_configmaps()}, "dump", "case-06252/billing.tgz")
    kf.expect(d, """
description: >-
  The billing/invoicer key incident with every event expired, stdout form in
  a .tgz nested in the support archive: the env reference and the
  ConfigMap's keys alone show the missing key.
inputs: [support.tar.gz]
exit: 1
must:""" + KEY_MUST + """must_not: [image-pull, probe, scheduling]
""")


# ------------------------------------------------------ image not found
#
# containerd 1.7, remotes/docker/resolver.go (Resolve): when no host has the
# reference, fmt.Errorf("%s: %w", ref, errdefs.ErrNotFound) ("<ref>: not
# found"), wrapped by client/pull.go ("failed to resolve reference %q: %w")
# and pkg/cri/server/image_pull.go ("failed to pull and unpack image %q:
# %w"); errdefs.ToGRPC maps ErrNotFound to codes.NotFound, so the kubelet
# sees "rpc error: code = NotFound desc = ...". The kubelet's
# events/waiting message as for image-pull-unauthorized above.
IMG_MISSING = "registry.example.com/shop/web:1.4.3"
PULL_404 = ('rpc error: code = NotFound desc = failed to pull and unpack image "' + IMG_MISSING + '": failed to resolve reference "'
            + IMG_MISSING + '": ' + IMG_MISSING + ': not found')


def not_found_incident(with_events=True):
    ns = "shop"
    dep, rs = web(IMG_MISSING, 0)
    a = waiting_pod(rs, "r7t2b", "worker-1", "ImagePullBackOff", 'Back-off pulling image "' + IMG_MISSING + '"')
    b = waiting_pod(rs, "v4m9k", "worker-2", "ErrImagePull", PULL_404)
    for p in (a, b):
        p["spec"]["imagePullSecrets"] = [{"name": "regcred-2023"}]
    evs = []
    if with_events:
        for p in (a, b):
            evs += [kubelet_event(ns, p, "Failed", 'Failed to pull image "%s": %s' % (IMG_MISSING, PULL_404), count=5, container="web"),
                    kubelet_event(ns, p, "Failed", "Error: ErrImagePull", count=5, container="web"),
                    kubelet_event(ns, p, "BackOff", 'Back-off pulling image "' + IMG_MISSING + '"', count=61, type_="Normal", container="web")]
    return [(ns, [dep, rs, a, b] + evs)]


NOT_FOUND_MUST = """
  - rule: image-pull
    subjects: [Deployment/shop/web]
    message_contains:
      - "2 of 2 pods of Deployment shop/web cannot pull their image"
      - "registry.example.com/shop/web:1.4.3"
      - "not found"
    severity: critical
    count: 1
"""


def build_not_found_incident():
    d = kf.fresh("image-pull-not-found")
    dir_bundle(d, kf.base_nodes(), not_found_incident(), {})
    kf.expect(d, """
description: >-
  Deployment shop/web was set to tag 1.4.3, which registry.example.com does
  not have: containerd answers "registry.example.com/shop/web:1.4.3: not
  found" (rpc code NotFound). One pod in ErrImagePull, one in
  ImagePullBackOff; --output-directory form with the kubelet's events.
inputs: [bundle]
exit: 1
must:""" + NOT_FOUND_MUST + """must_not: [volume-mount, probe, crashloop]
""")


def build_not_found_no_events():
    d = kf.fresh("image-pull-not-found-no-events-nested")
    nested_bundle(d, kf.base_nodes(), not_found_incident(with_events=False), {}, "cluster-info", "case-06260/cluster-info.tgz")
    kf.expect(d, """
description: >-
  The shop/web missing-tag incident with every event expired, stdout form in
  a .tgz nested in the support archive: the ErrImagePull pod's waiting
  message still holds containerd's "not found".
inputs: [support.tar.gz]
exit: 1
must:""" + NOT_FOUND_MUST + """must_not: [volume-mount, probe, crashloop]
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
    # appended last: the generator's resourceVersion counter is shared, so
    # the fixtures above stay byte-identical
    for fn in (build_claims_incident, build_claims_no_events, build_multi_attach, build_multi_attach_no_events,
               build_key_incident, build_key_no_events, build_not_found_incident, build_not_found_no_events):
        fn()
