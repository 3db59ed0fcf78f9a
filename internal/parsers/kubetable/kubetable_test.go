package kubetable

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/parsers/parsertest"
)

// kubectlTable renders rows as kubectl's table printer does: tab-separated
// cells through text/tabwriter with k8s.io/cli-runtime's settings.
func kubectlTable(rows ...[]string) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 6, 4, 3, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(w, strings.Join(r, "\t"))
	}
	w.Flush()
	return b.String()
}

func parse(t *testing.T, name, content string) (*facts.Facts, []string) {
	t.Helper()
	a := parsertest.Write(t, name, content)
	if !(Table{}).Detect(a) {
		t.Fatalf("%s: not detected (head %q)", name, a.Head)
	}
	b := facts.NewBuilder()
	res, err := Table{}.Parse(context.Background(), a, b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b.Build(), res.Warnings
}

func find(t *testing.T, f *facts.Facts, kind, ns, name string) map[string]any {
	t.Helper()
	o, ok := f.Lookup(facts.ObjectKey{Kind: kind, Namespace: ns, Name: name})
	if !ok {
		var have []string
		for _, o := range f.Objects {
			have = append(have, o.Key.String())
		}
		t.Fatalf("%s/%s/%s not read; have %v", kind, ns, name, have)
	}
	return o.Map()
}

// field reads a dotted path, [n] for list elements; a key holding dots
// (ktriage.io/status) is matched whole.
func field(o map[string]any, path string) any {
	var cur any = o
	parts := strings.Split(path, ".")
	for k := 0; k < len(parts); k++ {
		m, _ := cur.(map[string]any)
		p := parts[k]
		for j := len(parts); j > k+1; j-- {
			if _, ok := m[strings.Join(parts[k:j], ".")]; ok {
				p, k = strings.Join(parts[k:j], "."), j-1
				break
			}
		}
		idx := -1
		if i := strings.IndexByte(p, '['); i >= 0 {
			fmt.Sscanf(p[i:], "[%d]", &idx)
			p = p[:i]
		}
		cur = m[p]
		if idx >= 0 {
			l, _ := cur.([]any)
			if idx >= len(l) {
				return nil
			}
			cur = l[idx]
		}
	}
	return cur
}

func check(t *testing.T, o map[string]any, want map[string]any) {
	t.Helper()
	for p, w := range want {
		got := field(o, p)
		if fmt.Sprint(got) != fmt.Sprint(w) {
			js, _ := json.Marshal(o)
			t.Errorf("%s = %v, want %v\nobject: %s", p, got, w, js)
		}
	}
}

func TestRealPodsTranscript(t *testing.T) {
	f, warns := parse(t, "k8s-63873.txt", mustRead(t, "k8s-63873-get-pod-transcript.txt"))
	if len(warns) > 0 {
		t.Errorf("warnings: %v", warns)
	}
	if n := len(f.Objects); n != 14 {
		t.Errorf("%d objects, want 14", n)
	}
	check(t, find(t, f, "Pod", "kube-system", "calico-node-ls4nf"), map[string]any{
		"status.phase":                                   "<nil>", // STATUS is a reason, not a phase
		"status.conditions[0].status":                    "False",
		"metadata.annotations.ktriage.io/status":         "CrashLoopBackOff",
		"metadata.annotations.ktriage.io/restarts":       "12",
		"metadata.annotations.ktriage.io/ready":          "1/2",
		"metadata.annotations.ktriage.io/namespace-from": "command",
		"metadata.annotations.ktriage.io/source":         "kubectl-get",
	})
	check(t, find(t, f, "Pod", "kube-system", "kube-dns-86f4d74b45-tb98s"), map[string]any{
		"status.phase": "Running", "status.conditions[0].status": "True",
	})
	check(t, find(t, f, "Pod", "kube-system", "calico-node-x7nkw"), map[string]any{
		"status.phase": "Running", "status.conditions[0].status": "False",
	})
}

func TestRealOldEventsTranscript(t *testing.T) {
	f, _ := parse(t, "k8s-9207.txt", mustRead(t, "k8s-9207-get-events-1.4-transcript.txt"))
	if len(f.Objects) != 1 {
		t.Fatalf("%d objects, want 1", len(f.Objects))
	}
	e := f.Objects[0].Map()
	check(t, e, map[string]any{
		"kind": "Event", "metadata.namespace": "kube-system", "count": 26052, "type": "Warning",
		"reason": "FailedSync", "involvedObject.kind": "Pod", "involvedObject.name": "kube-dns-2247936740-j6pq1",
		"involvedObject.fieldPath": "<nil>", "source.component": "kubelet", "source.host": "cloud",
		"metadata.annotations.ktriage.io/last-seen": "1s", "metadata.annotations.ktriage.io/first-seen": "16h",
	})
	if !strings.HasPrefix(e["message"].(string), `Error syncing pod, skipping: failed to "SetupNetwork"`) {
		t.Errorf("message %q", e["message"])
	}
}

func TestCurrentEvents(t *testing.T) {
	msg := `Error creating: pods "web-7f8c5d9b4-x2v4k" is forbidden: exceeded quota: compute-quota, requested: limits.cpu=2,limits.memory=2Gi,requests.cpu=2,requests.memory=2Gi, used: limits.cpu=0,limits.memory=0,requests.cpu=0,requests.memory=0, limited: limits.cpu=1,limits.memory=1G,requests.cpu=1,requests.memory=1G`
	plain := kubectlTable(
		[]string{"NAMESPACE", "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"},
		[]string{"quota-demo", "2m5s", "Warning", "FailedCreate", "replicaset/web-7f8c5d9b4", msg},
		[]string{"quota-demo", "12m", "Normal", "ScalingReplicaSet", "deployment/web", "Scaled up replica set web-7f8c5d9b4 to 2"},
	)
	f, _ := parse(t, "events.txt", plain)
	var ev map[string]any
	for _, o := range f.Objects {
		if o.Map()["reason"] == "FailedCreate" {
			ev = o.Map()
		}
	}
	if ev == nil {
		t.Fatalf("FailedCreate not read")
	}
	check(t, ev, map[string]any{
		"message": msg, "involvedObject.kind": "ReplicaSet", "involvedObject.name": "web-7f8c5d9b4",
		"metadata.namespace": "quota-demo", "metadata.annotations.ktriage.io/name-from": "table-row",
		"count": "<nil>",
	})

	wide := kubectlTable(
		[]string{"LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN", "COUNT", "NAME"},
		[]string{"4m53s", "Warning", "BackOff", "pod/mgr-7c8fcd5fff-4fprb", "spec.containers{manager}", "kubelet, cloud-dev", "Back-off restarting failed container manager in pod mgr-7c8fcd5fff-4fprb_xxx(1f2e)", "20m", "72", "mgr-7c8fcd5fff-4fprb.171f2e5b8a1c0d3e"},
	)
	f, _ = parse(t, "events-wide.txt", "$ kubectl -n xxx get events -o wide\n"+wide)
	check(t, find(t, f, "Event", "xxx", "mgr-7c8fcd5fff-4fprb.171f2e5b8a1c0d3e"), map[string]any{
		"count": 72, "involvedObject.fieldPath": "spec.containers{manager}", "source.component": "kubelet",
		"source.host": "cloud-dev", "involvedObject.kind": "Pod",
	})
}

func TestGetAll(t *testing.T) {
	out := kubectlTable(
		[]string{"NAME", "READY", "STATUS", "RESTARTS", "AGE"},
		[]string{"pod/web-7d9c8b6f5-abcde", "0/1", "Running", "5 (3m ago)", "1h"},
	) + "\n" + kubectlTable(
		[]string{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"},
		[]string{"service/kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP", "2d"},
		[]string{"service/web", "LoadBalancer", "10.96.12.7", "<pending>", "80:31234/TCP,443:31443/TCP", "1h"},
	) + "\n" + kubectlTable(
		[]string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"},
		[]string{"deployment.apps/web", "0/1", "1", "0", "1h"},
	) + "\n" + kubectlTable(
		[]string{"NAME", "DESIRED", "CURRENT", "READY", "AGE"},
		[]string{"replicaset.apps/web-7d9c8b6f5", "1", "1", "0", "1h"},
	)
	f, _ := parse(t, "all.txt", "$ kubectl get all -n shop\n"+out)
	check(t, find(t, f, "Pod", "shop", "web-7d9c8b6f5-abcde"), map[string]any{
		"metadata.annotations.ktriage.io/restarts": "5 (3m ago)", "status.conditions[0].status": "False",
	})
	check(t, find(t, f, "Service", "shop", "web"), map[string]any{
		"spec.type": "LoadBalancer", "spec.ports[1].port": 443, "spec.ports[1].nodePort": 31443,
		"spec.ports[1].protocol": "TCP", "spec.selector": "<nil>", "status.loadBalancer": "<nil>",
	})
	check(t, find(t, f, "Deployment", "shop", "web"), map[string]any{
		"spec.replicas": 1, "status.readyReplicas": 0, "status.availableReplicas": 0, "apiVersion": "apps/v1",
	})
	check(t, find(t, f, "ReplicaSet", "shop", "web-7d9c8b6f5"), map[string]any{"spec.replicas": 1, "status.readyReplicas": 0})
}

func TestLabelsSelectorsNodesTop(t *testing.T) {
	pods := kubectlTable(
		[]string{"NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES", "LABELS"},
		[]string{"invoices-7d9c8b6f5-abcde", "1/1", "Running", "0", "3d", "10.244.1.17", "worker-1", "<none>", "<none>", "app=invoices,pod-template-hash=7d9c8b6f5,tier=backend"},
		[]string{"pending-x", "0/1", "Pending", "0", "3d", "<none>", "<none>", "<none>", "<none>", "<none>"},
	)
	f, _ := parse(t, "pods.txt", "$ kubectl get pods -n shop -o wide --show-labels\n"+pods)
	check(t, find(t, f, "Pod", "shop", "invoices-7d9c8b6f5-abcde"), map[string]any{
		"metadata.labels.app": "invoices", "metadata.labels.tier": "backend", "spec.nodeName": "worker-1",
		"status.podIP": "10.244.1.17", "status.conditions[0].status": "True",
	})
	check(t, find(t, f, "Pod", "shop", "pending-x"), map[string]any{
		"metadata.labels": "map[]", "spec.nodeName": "<nil>", "status.phase": "Pending",
	})
	svc := kubectlTable(
		[]string{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"},
		[]string{"invoice", "ClusterIP", "10.96.40.2", "<none>", "8080/TCP", "3d", "app=invoice,tier=backend"},
		[]string{"headless", "ClusterIP", "None", "<none>", "53/UDP", "3d", "<none>"},
	)
	f, _ = parse(t, "svc.txt", svc)
	check(t, find(t, f, "Service", "default", "invoice"), map[string]any{
		"spec.selector.app": "invoice", "spec.ports[0].port": 8080, "spec.ports[0].targetPort": "<nil>",
		"metadata.annotations.ktriage.io/namespace-from": "assumed-default",
	})
	nodes := kubectlTable(
		[]string{"NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"},
		[]string{"cp-1", "Ready,SchedulingDisabled", "control-plane", "20d", "v1.29.2", "10.0.0.10", "<none>", "Ubuntu 22.04.3 LTS", "5.15.0-91-generic", "containerd://1.7.2"},
		[]string{"worker-1", "NotReady", "<none>", "20d", "v1.29.2", "10.0.0.11", "<none>", "Ubuntu 22.04.3 LTS", "5.15.0-91-generic", "containerd://1.7.2"},
	)
	f, _ = parse(t, "nodes.txt", nodes)
	check(t, find(t, f, "Node", "", "cp-1"), map[string]any{
		"spec.unschedulable": true, "status.conditions[0].status": "True", "status.addresses[0].address": "10.0.0.10",
		"status.nodeInfo.kubeletVersion": "v1.29.2", "metadata.labels.node-role.kubernetes.io/control-plane": "",
	})
	check(t, find(t, f, "Node", "", "worker-1"), map[string]any{"status.conditions[0].status": "False", "metadata.labels": "<nil>"})
	top := kubectlTable(
		[]string{"NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"},
		[]string{"worker-1", "250m", "12%", "1830Mi", "48%"},
	)
	f, _ = parse(t, "top.txt", top)
	check(t, find(t, f, "NodeMetrics", "", "worker-1"), map[string]any{"usage.cpu": "250m", "usage.memory": "1830Mi", "metadata.annotations.ktriage.io/source": "kubectl-top"})
	pvc := kubectlTable(
		[]string{"NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"},
		[]string{"data-db-0", "Pending", "", "", "", "standard", "<unset>", "5m"},
	)
	f, _ = parse(t, "pvc.txt", pvc)
	check(t, find(t, f, "PersistentVolumeClaim", "default", "data-db-0"), map[string]any{"status.phase": "Pending", "spec.storageClassName": "standard", "spec.volumeName": "<nil>"})
}

// Columns are cut where the header's names start, so blank cells and
// cells with single spaces stay in their column; a row pasted with its
// padding collapsed to two spaces is split at runs of spaces.
func TestCells(t *testing.T) {
	hdr := "LAST SEEN   FIRST SEEN   COUNT   NAME    KIND   SUBOBJECT   TYPE      REASON   SOURCE           MESSAGE"
	cols := headerColumns(hdr)
	if len(cols) != 10 || cols[0].name != "LAST SEEN" || cols[5].name != "SUBOBJECT" {
		t.Fatalf("header: %+v", cols)
	}
	row := "1m          1h           3       web-1   Pod                Warning   Failed   kubelet, node-1  Error: ErrImagePull  now"
	got := cells(row, cols)
	want := []string{"1m", "1h", "3", "web-1", "Pod", "", "Warning", "Failed", "kubelet, node-1", "Error: ErrImagePull  now"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("cells = %q\nwant    %q", got, want)
	}
	collapsed := "1m  1h  3  web-1  Pod  Warning  Failed  kubelet  Error: ErrImagePull"
	got = cells(collapsed, headerColumns("NAME   A"))
	if len(got) != 2 || got[0] != "1m" {
		t.Errorf("collapsed: %q", got)
	}
}

func TestNotATable(t *testing.T) {
	for name, content := range map[string]string{
		"prose":        "NAME is a word; this file is a letter.\n",
		"lower case":   "NAME   ready   status\nx   1/1   Running\n",
		"unknown kind": "NAME   SECRETS   AGE\ndefault   1   3d\n",
		"ps output":    "  PID TTY          TIME CMD\n    1 ?        00:00:01 systemd\n",
	} {
		a := parsertest.Write(t, "x.txt", content)
		if (Table{}).Detect(a) {
			t.Errorf("%s: detected as a kubectl table", name)
		}
	}
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
