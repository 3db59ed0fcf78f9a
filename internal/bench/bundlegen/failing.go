package bundlegen

import (
	"fmt"
	"strings"
)

// Failing workloads for the benchmark of the workload and plumbing rules
// (scheduling, crashloop, image-pull, volume-mount, probe, node-health):
// the object state and events each failure leaves, with the strings the
// components write. The sources of each string are quoted beside it, as in
// scripts/make-workload-fixtures.py and scripts/make-workload2-fixtures.py,
// whose fixtures the rules are tested on.

type failure int

const (
	healthy failure = iota
	pendingCPU
	crashOOM
	crashExit1
	imageNotFound
	configMapMissing
	probeRefused
	numFailures = iota - 1
)

// notReadyNodes is how many of the 20 nodes stopped posting status.
const notReadyNodes = 2

type dumpLog struct{ pod, text string }

const tLater = "2024-03-11T09:31:40Z"

// kube-scheduler, pkg/scheduler/framework/types.go (FitError.Error):
// "0/%v nodes are available" + ": " + the "<count> <reason>" strings sorted
// and joined by ", " + "."; then the PostFilter (preemption) message. The
// reasons are the plugins' ErrReason strings: tainttoleration
// "node(s) had untolerated taint {%s: %s}", noderesources "Insufficient %v";
// defaultpreemption "Preemption is not helpful for scheduling" and
// "No preemption victims found for incoming pod".
var schedCPU = fmt.Sprintf("0/20 nodes are available: %d Insufficient cpu, %d node(s) had untolerated taint {node.kubernetes.io/unreachable: }. "+
	"preemption: 0/20 nodes are available: %d No preemption victims found for incoming pod, %d Preemption is not helpful for scheduling.",
	20-notReadyNodes, notReadyNodes, 20-notReadyNodes, notReadyNodes)

// notReady makes a node that stopped posting its status: the node
// lifecycle controller (pkg/controller/nodelifecycle/node_lifecycle_controller.go)
// sets every condition Unknown, reason "NodeStatusUnknown", message
// "Kubelet stopped posting node status.", and taints it
// node.kubernetes.io/unreachable NoSchedule and NoExecute.
func notReady(n map[string]any) {
	st := n["status"].(map[string]any)
	var conds []any
	for _, t := range []string{"MemoryPressure", "DiskPressure", "PIDPressure", "Ready"} {
		conds = append(conds, map[string]any{"type": t, "status": "Unknown", "reason": "NodeStatusUnknown",
			"message": "Kubelet stopped posting node status.", "lastHeartbeatTime": t0, "lastTransitionTime": tLater})
	}
	st["conditions"] = conds
	n["spec"] = map[string]any{"taints": []any{
		map[string]any{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule", "timeAdded": tLater},
		map[string]any{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": tLater},
	}}
}

func configMap(ns, name string) map[string]any {
	return map[string]any{"kind": "ConfigMap", "apiVersion": "v1",
		"metadata": map[string]any{"name": name, "namespace": ns, "creationTimestamp": t0},
		"data":     map[string]any{"settings.yaml": "interval: 5m\n"}}
}

// breakWorkload turns a healthy Deployment, its ReplicaSet and pods into a
// failing one of kind f and returns the events the failure left.
func breakWorkload(f failure, dep, rs map[string]any, pods []map[string]any, logs *[]dumpLog) []any {
	for _, o := range []map[string]any{dep, rs} {
		st := o["status"].(map[string]any)
		st["availableReplicas"], st["readyReplicas"] = 0, 0
	}
	container := func(p map[string]any) map[string]any {
		return p["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
	}
	status := func(p map[string]any) map[string]any {
		return p["status"].(map[string]any)["containerStatuses"].([]any)[0].(map[string]any)
	}
	var events []any
	for _, p := range pods {
		meta := p["metadata"].(map[string]any)
		name, ns := meta["name"].(string), meta["namespace"].(string)
		cname := container(p)["name"].(string)
		notReadyPod(p, cname)
		cs := status(p)
		switch f {
		case pendingCPU:
			// asks more cpu than any node has: Pending, not bound; the
			// scheduler's condition (schedule_one.go handleSchedulingFailure)
			container(p)["resources"] = map[string]any{"requests": map[string]any{"cpu": "12", "memory": "4Gi"}}
			spec := p["spec"].(map[string]any)
			delete(spec, "nodeName")
			p["status"] = map[string]any{"phase": "Pending", "qosClass": "Burstable", "conditions": []any{
				map[string]any{"type": "PodScheduled", "status": "False", "lastTransitionTime": t0, "reason": "Unschedulable", "message": schedCPU}}}
			events = append(events, podEvent(p, "FailedScheduling", "Warning", "default-scheduler", schedCPU, 12))
		case crashOOM, crashExit1:
			// kuberuntime_manager.go doBackOff: the waiting message and the
			// BackOff event; format.Pod is "<name>_<namespace>(<uid>)".
			pod := fmt.Sprintf("%s_%s(%s)", name, ns, meta["uid"])
			code, reason := 137, "OOMKilled"
			if f == crashExit1 {
				code, reason = 1, "Error"
				*logs = append(*logs, dumpLog{name, crashLog})
			}
			cs["restartCount"] = 9
			cs["state"] = map[string]any{"waiting": map[string]any{"reason": "CrashLoopBackOff",
				"message": fmt.Sprintf("back-off 5m0s restarting failed container=%s pod=%s", cname, pod)}}
			cs["lastState"] = map[string]any{"terminated": map[string]any{"exitCode": code, "reason": reason,
				"startedAt": "2024-03-11T09:25:10Z", "finishedAt": "2024-03-11T09:25:41Z"}}
			events = append(events, podEvent(p, "BackOff", "Warning", "kubelet",
				fmt.Sprintf("Back-off restarting failed container %s in pod %s", cname, pod), 40))
		case imageNotFound:
			// kubelet image_manager.go: "Back-off pulling image %q" (waiting)
			// and "Failed to pull image %q: %v" (event) with containerd's
			// error (pkg/cri/server/image_pull.go "failed to pull and unpack
			// image %q: %w", client/pull.go "failed to resolve reference
			// %q: %w", errdefs "%s: not found").
			img := strings.Replace(container(p)["image"].(string), ":1.0.0", ":1.0.1", 1)
			container(p)["image"], cs["image"] = img, img
			cs["imageID"] = ""
			cs["state"] = map[string]any{"waiting": map[string]any{"reason": "ImagePullBackOff", "message": fmt.Sprintf("Back-off pulling image %q", img)}}
			pull := fmt.Sprintf("rpc error: code = NotFound desc = failed to pull and unpack image %q: failed to resolve reference %q: %s: not found", img, img, img)
			events = append(events,
				podEvent(p, "Failed", "Warning", "kubelet", fmt.Sprintf("Failed to pull image %q: %s", img, pull), 5),
				podEvent(p, "Failed", "Warning", "kubelet", "Error: ImagePullBackOff", 60))
		case configMapMissing:
			// The volume names a ConfigMap the namespace does not hold
			// (it holds app-settings). kubelet: "MountVolume.SetUp failed for
			// volume %q : %v" around the configmap plugin's `configmap %q
			// not found`; the pod stays Pending, its container waiting
			// ContainerCreating without a message.
			spec := p["spec"].(map[string]any)
			spec["volumes"] = append(spec["volumes"].([]any), map[string]any{"name": "config", "configMap": map[string]any{"name": "app-setting", "defaultMode": 420}})
			container(p)["volumeMounts"] = append(container(p)["volumeMounts"].([]any), map[string]any{"name": "config", "mountPath": "/etc/app", "readOnly": true})
			st := p["status"].(map[string]any)
			st["phase"] = "Pending"
			delete(st, "podIP")
			cs["state"] = map[string]any{"waiting": map[string]any{"reason": "ContainerCreating"}}
			events = append(events, podEvent(p, "FailedMount", "Warning", "kubelet",
				`MountVolume.SetUp failed for volume "config" : configmap "app-setting" not found`, 17))
		case probeRefused:
			// The probes ask port 8081; the container listens on 8080.
			// kubelet prober.go: "%s probe failed: %s" with net/http's
			// error; kuberuntime_manager.go: "Container %s failed %s probe,
			// will be restarted"; the kill ends the run with exit 137.
			c := container(p)
			for _, k := range []string{"livenessProbe", "readinessProbe"} {
				c[k] = map[string]any{"httpGet": map[string]any{"path": "/healthz", "port": 8081, "scheme": "HTTP"},
					"initialDelaySeconds": 5, "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
			}
			cs["restartCount"] = 6
			cs["lastState"] = map[string]any{"terminated": map[string]any{"exitCode": 137, "reason": "Error",
				"startedAt": "2024-03-11T09:29:31Z", "finishedAt": "2024-03-11T09:30:06Z"}}
			ip := p["status"].(map[string]any)["podIP"]
			refused := fmt.Sprintf(`Get "http://%s:8081/healthz": dial tcp %s:8081: connect: connection refused`, ip, ip)
			events = append(events,
				podEvent(p, "Unhealthy", "Warning", "kubelet", "Liveness probe failed: "+refused, 18),
				podEvent(p, "Unhealthy", "Warning", "kubelet", "Readiness probe failed: "+refused, 19),
				podEvent(p, "Killing", "Normal", "kubelet", fmt.Sprintf("Container %s failed liveness probe, will be restarted", cname), 6))
		}
	}
	return events
}

// notReadyPod marks a pod's Ready and ContainersReady conditions False the
// way the kubelet does (status_manager: reason ContainersNotReady).
func notReadyPod(p map[string]any, cname string) {
	st := p["status"].(map[string]any)
	for _, c := range st["conditions"].([]any) {
		c := c.(map[string]any)
		if c["type"] == "Ready" || c["type"] == "ContainersReady" {
			c["status"], c["reason"] = "False", "ContainersNotReady"
			c["message"] = fmt.Sprintf("containers with unready status: [%s]", cname)
		}
	}
	cs := st["containerStatuses"].([]any)[0].(map[string]any)
	cs["ready"], cs["started"] = false, false
}

func podEvent(p map[string]any, reason, typ, component, message string, count int) map[string]any {
	meta := p["metadata"].(map[string]any)
	name, ns := meta["name"].(string), meta["namespace"].(string)
	src := map[string]any{"component": component}
	if n, ok := p["spec"].(map[string]any)["nodeName"]; ok && component == "kubelet" {
		src["host"] = n
	}
	return map[string]any{
		"metadata":       map[string]any{"name": fmt.Sprintf("%s.%s%d", name, strings.ToLower(reason), count), "namespace": ns},
		"involvedObject": map[string]any{"kind": "Pod", "namespace": ns, "name": name, "uid": meta["uid"]},
		"reason":         reason, "type": typ, "count": count, "source": src,
		"message": message, "firstTimestamp": t0, "lastTimestamp": tLater,
	}
}

// A Python worker's last words, as crashloop quotes them from the log.
const crashLog = `2024-03-11 09:25:10,114 INFO  worker starting, version 3.2.0
2024-03-11 09:25:10,220 INFO  connecting to queue amqp://rabbitmq:5672
Traceback (most recent call last):
  File "/app/worker.py", line 88, in <module>
    main()
  File "/app/worker.py", line 41, in main
    rate = float(os.environ["RATE_LIMIT"])
ValueError: could not convert string to float: '10/s'
`
