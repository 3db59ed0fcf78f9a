package describe

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
)

// Values read from real pasted describe output (testdata/PROVENANCE.md):
// each row is a field a rule could read, with the value the text shows.
func TestRealWorld(t *testing.T) {
	type want struct{ path, value string }
	cases := []struct {
		file   string
		counts map[string]int
		object string
		want   []want
	}{
		{"pod-pending-coredns-untolerated-taint.txt", map[string]int{"Pod": 1, "Event": 1},
			"Pod/kube-system/coredns-5dd5756b68-2zrhr", []want{
				{"status.phase", "Pending"},
				{"spec.priorityClassName", "system-cluster-critical"},
				{"spec.serviceAccountName", "coredns"},
				{"metadata.ownerReferences.0.kind", "ReplicaSet"},
				{"metadata.ownerReferences.0.name", "coredns-5dd5756b68"},
				{"spec.containers.0.ports.1.containerPort", "53"},
				{"spec.containers.0.ports.1.protocol", "TCP"},
				{"spec.containers.0.ports.2.containerPort", "9153"},
				{"spec.containers.0.args.1", "/etc/coredns/Corefile"},
				{"spec.containers.0.resources.limits.memory", "170Mi"},
				{"spec.containers.0.resources.requests.cpu", "100m"},
				{"spec.containers.0.livenessProbe.httpGet.port", "8080"},
				{"spec.containers.0.livenessProbe.httpGet.path", "/health"},
				{"spec.containers.0.livenessProbe.failureThreshold", "5"},
				{"spec.containers.0.readinessProbe.initialDelaySeconds", "0"},
				{"spec.containers.0.volumeMounts.1.name", "kube-api-access-kw8mg"},
				{"spec.containers.0.volumeMounts.1.readOnly", "true"},
				{"spec.volumes.0.configMap.name", "coredns"},
				{"spec.volumes.1.projected.sources.1.configMap.name", "kube-root-ca.crt"},
				{"spec.nodeSelector.[kubernetes.io/os]", "linux"},
				{"spec.tolerations.0.key", "CriticalAddonsOnly"},
				{"spec.tolerations.0.operator", "Exists"},
				{"spec.tolerations.2.effect", "NoExecute"},
				{"spec.tolerations.2.tolerationSeconds", "300"},
				{"status.conditions.0.type", "PodScheduled"},
				{"status.conditions.0.status", "False"},
				{"status.qosClass", "Burstable"},
			}},
		{"pods-kubeadm-2022-flannel-coredns-etcd.txt", map[string]int{"Pod": 3, "Event": 12},
			"Pod/kube-flannel/kube-flannel-ds-ztwt8", []want{
				{"spec.nodeName", "devbox"},
				{"status.hostIP", "192.168.47.128"},
				{"status.startTime", "2022-08-15T14:25:59Z"},
				{"metadata.labels.controller-revision-hash", "5d454f6775"},
				{"metadata.ownerReferences.0.kind", "DaemonSet"},
				{"spec.initContainers.1.name", "install-cni"},
				{"spec.initContainers.0.command.0", "cp"},
				{"status.initContainerStatuses.0.state.terminated.reason", "Completed"},
				{"status.initContainerStatuses.0.state.terminated.exitCode", "0"},
				{"status.containerStatuses.0.state.running.startedAt", "2022-08-15T14:26:20Z"},
				{"status.containerStatuses.0.ready", "true"},
				{"status.containerStatuses.0.restartCount", "0"},
				{"spec.containers.0.resources.limits.cpu", "100m"},
				{"spec.volumes.0.hostPath.path", "/run/flannel"},
				{"spec.volumes.4.hostPath.type", "FileOrCreate"},
				{"spec.tolerations.0.effect", "NoSchedule"},
				{"spec.tolerations.0.operator", "Exists"},
				{"spec.tolerations.7.key", "node.kubernetes.io/unschedulable"},
			}},
		{"pods-kubeadm-2022-flannel-coredns-etcd.txt", nil,
			"Pod/kube-system/etcd-devbox", []want{
				{"metadata.annotations.[kubernetes.io/config.source]", "file"},
				{"metadata.annotations.[kubeadm.kubernetes.io/etcd.advertise-client-urls]", "https://192.168.47.128:2379"},
				{"metadata.ownerReferences.0.kind", "Node"},
				{"spec.containers.0.startupProbe.httpGet.host", "127.0.0.1"},
				{"spec.containers.0.startupProbe.failureThreshold", "24"},
				{"spec.containers.0.command.18", "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt"},
				{"spec.tolerations.0.effect", "NoExecute"},
			}},
		{"node-v1.33-control-plane-kubeadm.txt", map[string]int{"Node": 1},
			"Node/xdlinux", []want{
				{"metadata.labels.[node-role.kubernetes.io/control-plane]", ""},
				{"metadata.annotations.[node.alpha.kubernetes.io/ttl]", "0"},
				{"metadata.creationTimestamp", "2025-07-20T23:47:52Z"},
				{"spec.taints.0.key", "node-role.kubernetes.io/control-plane"},
				{"spec.taints.0.effect", "NoSchedule"},
				{"spec.unschedulable", "false"},
				{"status.conditions.3.type", "Ready"},
				{"status.conditions.3.status", "True"},
				{"status.conditions.3.reason", "KubeletReady"},
				{"status.conditions.3.message", "kubelet is posting ready status"},
				{"status.conditions.3.lastTransitionTime", "2025-07-22T12:08:06Z"},
				{"status.addresses.0.type", "InternalIP"},
				{"status.addresses.0.address", "192.168.1.150"},
				{"status.capacity.memory", "31929508Ki"},
				{"status.allocatable.ephemeral-storage", "53671152756"},
				{"status.nodeInfo.kubeletVersion", "v1.33.3"},
				{"status.nodeInfo.containerRuntimeVersion", "containerd://2.1.3"},
				{"status.nodeInfo.kubeProxyVersion", ""},
				{"status.nodeInfo.osImage", "Rocky Linux 9.5 (Blue Onyx)"},
				{"spec.podCIDRs.0", "10.244.0.0/24"},
				{"ktriage.nonTerminatedPods.3.name", "kube-apiserver-xdlinux"},
				{"ktriage.nonTerminatedPods.3.requests.cpu", "250m"},
				{"ktriage.nonTerminatedPods.0.limits.memory", "170Mi"},
				{"ktriage.allocatedResources.requests.cpu", "850m"},
				{"ktriage.allocatedResources.limits.memory", "340Mi"},
			}},
		// The same Deployment described twice, a comment and a prompt
		// pasted between: the first copy is kept, no event is made of
		// the pasted lines.
		{"deployment-twice-powershell-transcript.txt", map[string]int{"Deployment": 2, "Event": 20},
			"Deployment/default/deployment", []want{
				{"metadata.annotations.[deployment.kubernetes.io/revision]", "2"},
				{"spec.selector.matchLabels.name", "deployment-k8s"},
				{"spec.replicas", "3"},
				{"status.availableReplicas", "3"},
				{"status.unavailableReplicas", "0"},
				{"spec.strategy.rollingUpdate.maxUnavailable", "25%"},
				{"spec.template.spec.containers.0.image", "k8smaestro/web-app:2.0"},
				{"spec.template.spec.containers.0.ports", "[]"},
				{"spec.template.spec.tolerations", "[]"},
				{"status.conditions.0.reason", "MinimumReplicasAvailable"},
				{"ktriage.newReplicaSet", "deployment-5b85bc8649 (3/3 replicas created)"},
			}},
		{"pod-oomkilled-last-state-excerpt.txt", map[string]int{"Pod": 1},
			"Pod/tts-team/jumpserver-reader-589945c95c-d2nzg", []want{
				{"status.containerStatuses.0.state.running.startedAt", "2021-01-18T10:31:57Z"},
				{"status.containerStatuses.0.lastState.terminated.reason", "OOMKilled"},
				{"status.containerStatuses.0.lastState.terminated.exitCode", "137"},
				{"status.containerStatuses.0.lastState.terminated.finishedAt", "2021-01-18T10:31:55Z"},
				{"status.containerStatuses.0.restartCount", "21"},
				{"spec.containers.0.resources.limits.memory", "1Gi"},
				{"spec.containers.0.ports.0.containerPort", "22"},
			}},
	}
	for _, tc := range cases {
		t.Run(tc.file+"/"+tc.object, func(t *testing.T) {
			res := readFile(t, filepath.Join("testdata", "realworld", tc.file))
			if len(res.Warnings) > 0 {
				t.Errorf("warnings: %v", res.Warnings)
			}
			for k, n := range tc.counts {
				if res.Counts[k] != n {
					t.Errorf("%d %s objects, want %d (all: %v)", res.Counts[k], k, n, res.Counts)
				}
			}
			o := object(t, res, tc.object)
			for _, w := range tc.want {
				v, ok := at(o.Body, w.path)
				if !ok {
					t.Errorf("%s: absent", w.path)
					continue
				}
				if str(v) != w.value {
					t.Errorf("%s = %q, want %q", w.path, str(v), w.value)
				}
			}
			ann, _ := at(o.Body, "metadata.annotations")
			if m, _ := ann.(map[string]any); m[AnnotationSource] != Source || !strings.Contains(str(m[AnnotationNotShown]), "metadata.uid") {
				t.Errorf("not marked partial: %v", ann)
			}
		})
	}
}

// Every field read cites the line it came from: the report quotes it.
func TestFieldLines(t *testing.T) {
	res := readFile(t, filepath.Join("testdata", "realworld", "pod-oomkilled-last-state-excerpt.txt"))
	o := object(t, res, "Pod/tts-team/jumpserver-reader-589945c95c-d2nzg")
	src := facts.Source{Line: o.Line, FieldLines: o.Lines}
	for path, want := range map[string]int{
		"metadata.labels.pod-template-hash":         7,
		"status.containerStatuses.0.lastState":      23,
		"status.containerStatuses.0.restartCount":   29,
		"spec.containers.0.resources.limits.memory": 32,
		"spec.containers.0.image":                   17,
		"metadata.ownerReferences.0":                13,
	} {
		if got, exact := src.FieldLine(segs(path)); got != want || !exact {
			t.Errorf("%s: line %d (exact %v), want %d", path, got, exact, want)
		}
	}
	// A field describe does not print cites the closest one it does.
	if got, exact := src.FieldLine(segs("spec.containers.0.securityContext")); got != 15 || exact {
		t.Errorf("absent field: line %d exact %v, want the container's line 15", got, exact)
	}
}
