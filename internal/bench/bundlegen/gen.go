// Package bundlegen writes large synthetic bundles for benchmarks: a
// `kubectl cluster-info dump --output-directory` tree with pods shaped like
// the API server returns them (managedFields, status, conditions), Services
// in proportion (one per ten pods, a tenth of them with a selector that
// matches nothing), Deployments, ReplicaSets and events, plus a
// ResourceQuota and LimitRange per namespace. The same seed and size give
// the same bytes.
package bundlegen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
)

// Size says how big a bundle to make.
type Size struct {
	Pods          int
	PodsPerNS     int // default 40
	PodsPerDeploy int // default 4
	// FailingPercent of the pods (whole Deployments) fail the ways the
	// workload and plumbing rules judge (failing.go), and two nodes are
	// NotReady; 0 makes a healthy bundle.
	FailingPercent int
	// PodLogs writes every pod's logs.txt beside the Lists, as
	// cluster-info dump does: a file per pod, for the many-files bench.
	PodLogs bool
}

// Stats describes what Generate wrote.
type Stats struct {
	Namespaces, Pods, Services, Deployments, Events int
	Bytes                                           int64
	BrokenServices                                  int
	FailingPods, FailingDeployments, NotReadyNodes  int
}

// Generate writes the bundle under dir (which it creates).
func Generate(dir string, size Size, seed int64) (Stats, error) {
	if size.PodsPerNS <= 0 {
		size.PodsPerNS = 40
	}
	if size.PodsPerDeploy <= 0 {
		size.PodsPerDeploy = 4
	}
	r := rand.New(rand.NewSource(seed))
	var st Stats
	nss := (size.Pods + size.PodsPerNS - 1) / size.PodsPerNS
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return st, err
	}
	nodes := []any{}
	for i := 0; i < 20; i++ {
		n := node(i)
		if size.FailingPercent > 0 && i >= 20-notReadyNodes {
			notReady(n)
			st.NotReadyNodes++
		}
		nodes = append(nodes, n)
	}
	n, err := writeList(filepath.Join(dir, "nodes.json"), "NodeList", nodes)
	if err != nil {
		return st, err
	}
	st.Bytes += n
	podsLeft := size.Pods
	var configmaps []any
	for ns := 0; ns < nss; ns++ {
		name := fmt.Sprintf("team-%04d", ns)
		var pods, deps, rss, svcs, events []any
		var logs []dumpLog
		count := size.PodsPerNS
		if podsLeft < count {
			count = podsLeft
		}
		podsLeft -= count
		for d := 0; d*size.PodsPerDeploy < count; d++ {
			app := fmt.Sprintf("app-%03d", d)
			hash := fmt.Sprintf("%08x", r.Uint32())[:9-1]
			replicas := size.PodsPerDeploy
			if rem := count - d*size.PodsPerDeploy; rem < replicas {
				replicas = rem
			}
			// Whole Deployments fail, as many as keep the failing pods at
			// FailingPercent of the pods made so far; the ways rotate.
			var fail failure = healthy
			if size.FailingPercent > 0 && (st.FailingPods+replicas)*100 <= (st.Pods+replicas)*size.FailingPercent {
				fail = failure(1 + st.FailingDeployments%numFailures)
				st.FailingDeployments++
				st.FailingPods += replicas
			}
			dep := deployment(name, app, replicas)
			rs := replicaset(name, app, hash, replicas)
			var failed []map[string]any
			for p := 0; p < replicas; p++ {
				// the pod's index in its namespace: its address is unique
				pd := pod(r, name, app, hash, ns, d*size.PodsPerDeploy+p)
				if size.PodLogs && fail == healthy {
					logs = append(logs, dumpLog{pd["metadata"].(map[string]any)["name"].(string), appLog(app)})
				}
				if fail != healthy {
					failed = append(failed, pd)
				}
				pods = append(pods, pd)
				st.Pods++
			}
			if fail != healthy {
				events = append(events, breakWorkload(fail, dep, rs, failed, &logs)...)
			}
			deps = append(deps, dep)
			rss = append(rss, rs)
			// One Service per ten pods: the first four Deployments of each
			// namespace of forty pods get one.
			if d < 4 {
				sel := app
				if r.Intn(10) == 0 {
					sel = app + "s" // a near miss
					st.BrokenServices++
				}
				svcs = append(svcs, service(name, app, sel))
				st.Services++
			}
			for e := 0; e < 3; e++ {
				events = append(events, event(name, app, hash, e))
				st.Events++
			}
			st.Deployments++
		}
		if size.FailingPercent > 0 {
			// what `kubectl get configmaps -A -o json` adds to the dump:
			// the root CA every namespace gets and the apps' settings
			configmaps = append(configmaps, configMap(name, "kube-root-ca.crt"), configMap(name, "app-settings"))
		}
		for _, l := range logs {
			n, err := writeFile(filepath.Join(dir, name, l.pod, "logs.txt"), l.text)
			if err != nil {
				return st, err
			}
			st.Bytes += n
		}
		for _, f := range []struct {
			file, kind string
			items      []any
		}{
			{"pods.json", "PodList", pods}, {"services.json", "ServiceList", svcs},
			{"deployments.json", "DeploymentList", deps}, {"replicasets.json", "ReplicaSetList", rss},
			{"events.json", "EventList", events}, {"daemonsets.json", "DaemonSetList", nil},
			{"replication-controllers.json", "ReplicationControllerList", nil},
		} {
			n, err := writeList(filepath.Join(dir, name, f.file), f.kind, f.items)
			if err != nil {
				return st, err
			}
			st.Bytes += n
		}
		st.Namespaces++
	}
	if configmaps != nil {
		n, err := writeList(filepath.Join(dir, "configmaps.json"), "List", configmaps)
		if err != nil {
			return st, err
		}
		st.Bytes += n
	}
	return st, nil
}

func writeFile(path, text string) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return 0, err
	}
	return int64(len(text)), os.WriteFile(path, []byte(text), 0o644)
}

func writeList(path, kind string, items []any) (int64, error) {
	if items == nil {
		items = []any{}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return 0, err
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "    ")
	if err := enc.Encode(map[string]any{"kind": kind, "apiVersion": "v1", "metadata": map[string]any{"resourceVersion": "123456"}, "items": items}); err != nil {
		return 0, err
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

const t0 = "2024-03-11T09:14:02Z"

// appLog is a healthy app's few lines of log.
func appLog(app string) string {
	return fmt.Sprintf("2024-03-11T09:14:05.101Z INFO  %s starting, version 1.0.0\n"+
		"2024-03-11T09:14:05.388Z INFO  listening on :8080\n"+
		"2024-03-11T09:15:05.002Z INFO  GET /ready 200 0.4ms\n", app)
}

func managed(manager string) []any {
	return []any{map[string]any{
		"manager": manager, "operation": "Update", "apiVersion": "v1", "time": t0, "fieldsType": "FieldsV1",
		"fieldsV1": map[string]any{"f:metadata": map[string]any{"f:labels": map[string]any{".": map[string]any{}, "f:app": map[string]any{}, "f:pod-template-hash": map[string]any{}}},
			"f:status": map[string]any{"f:conditions": map[string]any{"k:{\"type\":\"Ready\"}": map[string]any{".": map[string]any{}, "f:lastProbeTime": map[string]any{}, "f:status": map[string]any{}, "f:type": map[string]any{}}}}},
	}}
}

func node(i int) map[string]any {
	name := fmt.Sprintf("node-%02d", i)
	return map[string]any{
		"metadata": map[string]any{"name": name, "labels": map[string]any{"kubernetes.io/hostname": name}, "managedFields": managed("kubelet")},
		"status": map[string]any{
			"addresses":   []any{map[string]any{"type": "InternalIP", "address": fmt.Sprintf("10.0.%d.%d", i/200, 10+i%200)}},
			"capacity":    map[string]any{"cpu": "8", "memory": "32Gi", "pods": "110"},
			"allocatable": map[string]any{"cpu": "7800m", "memory": "31Gi", "pods": "110"},
			"conditions":  []any{map[string]any{"type": "Ready", "status": "True", "reason": "KubeletReady"}},
			"nodeInfo":    map[string]any{"kubeletVersion": "v1.29.4", "kubeProxyVersion": "v1.29.4", "kernelVersion": "6.1.0", "osImage": "Debian GNU/Linux 12"},
		},
	}
}

func labels(app, hash string) map[string]any {
	return map[string]any{"app": app, "pod-template-hash": hash, "app.kubernetes.io/part-of": "bench", "tier": "backend"}
}

func containerSpec(app string) []any {
	return []any{map[string]any{
		"name": app, "image": "ghcr.io/acme/" + app + ":1.0.0", "imagePullPolicy": "IfNotPresent",
		"ports":          []any{map[string]any{"name": "http", "containerPort": 8080, "protocol": "TCP"}},
		"resources":      map[string]any{"requests": map[string]any{"cpu": "100m", "memory": "128Mi"}, "limits": map[string]any{"cpu": "500m", "memory": "512Mi"}},
		"readinessProbe": map[string]any{"httpGet": map[string]any{"path": "/ready", "port": "http"}, "periodSeconds": 10},
		"env":            []any{map[string]any{"name": "APP", "value": app}, map[string]any{"name": "LOG_LEVEL", "value": "info"}},
		"volumeMounts":   []any{map[string]any{"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}},
	}}
}

func pod(r *rand.Rand, ns, app, hash string, nsIndex, i int) map[string]any {
	name := fmt.Sprintf("%s-%s-%05x", app, hash, r.Intn(1<<20))
	ready := "True"
	if r.Intn(50) == 0 {
		ready = "False"
	}
	return map[string]any{
		"metadata": map[string]any{
			"name": name, "namespace": ns, "generateName": app + "-" + hash + "-", "uid": fmt.Sprintf("%08x-0000-4000-8000-%012x", nsIndex, r.Int63()&0xffffffffffff),
			"resourceVersion": fmt.Sprint(100000 + r.Intn(900000)), "creationTimestamp": t0, "labels": labels(app, hash),
			"ownerReferences": []any{map[string]any{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": app + "-" + hash, "controller": true}},
			"managedFields":   managed("kube-controller-manager"),
		},
		"spec": map[string]any{"containers": containerSpec(app), "nodeName": fmt.Sprintf("node-%02d", r.Intn(20)), "serviceAccountName": "default",
			"volumes": []any{map[string]any{"name": "kube-api-access", "projected": map[string]any{"defaultMode": 420}}}},
		"status": map[string]any{
			"phase": "Running", "podIP": fmt.Sprintf("10.%d.%d.%d", 100+nsIndex/250, nsIndex%250, 10+i), "hostIP": "10.0.0.10", "startTime": t0, "qosClass": "Burstable",
			"conditions": []any{
				map[string]any{"type": "Initialized", "status": "True", "lastTransitionTime": t0},
				map[string]any{"type": "Ready", "status": ready, "lastTransitionTime": t0},
				map[string]any{"type": "ContainersReady", "status": ready, "lastTransitionTime": t0},
				map[string]any{"type": "PodScheduled", "status": "True", "lastTransitionTime": t0},
			},
			"containerStatuses": []any{map[string]any{"name": app, "ready": ready == "True", "restartCount": 0, "image": "ghcr.io/acme/" + app + ":1.0.0",
				"state": map[string]any{"running": map[string]any{"startedAt": t0}}}},
		},
	}
}

func deployment(ns, app string, replicas int) map[string]any {
	return map[string]any{
		"metadata": map[string]any{"name": app, "namespace": ns, "generation": 1, "managedFields": managed("kubectl")},
		"spec": map[string]any{"replicas": replicas, "selector": map[string]any{"matchLabels": map[string]any{"app": app}},
			"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": app, "tier": "backend", "app.kubernetes.io/part-of": "bench"}}, "spec": map[string]any{"containers": containerSpec(app)}}},
		"status": map[string]any{"replicas": replicas, "availableReplicas": replicas, "readyReplicas": replicas},
	}
}

func replicaset(ns, app, hash string, replicas int) map[string]any {
	return map[string]any{
		"metadata": map[string]any{"name": app + "-" + hash, "namespace": ns, "labels": labels(app, hash),
			"ownerReferences": []any{map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": app, "controller": true}}},
		"spec":   map[string]any{"replicas": replicas, "selector": map[string]any{"matchLabels": map[string]any{"app": app, "pod-template-hash": hash}}},
		"status": map[string]any{"replicas": replicas, "availableReplicas": replicas},
	}
}

func service(ns, app, selector string) map[string]any {
	return map[string]any{
		"metadata": map[string]any{"name": app, "namespace": ns, "labels": map[string]any{"app": app}},
		"spec": map[string]any{"selector": map[string]any{"app": selector}, "type": "ClusterIP", "clusterIP": "10.96.0.1",
			"ports": []any{map[string]any{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}}},
	}
}

func event(ns, app, hash string, i int) map[string]any {
	return map[string]any{
		"metadata":       map[string]any{"name": fmt.Sprintf("%s-%s.%x", app, hash, i), "namespace": ns},
		"involvedObject": map[string]any{"kind": "ReplicaSet", "namespace": ns, "name": app + "-" + hash},
		"reason":         "SuccessfulCreate", "type": "Normal", "count": 1,
		"message": fmt.Sprintf("Created pod: %s-%s-%d", app, hash, i), "firstTimestamp": t0, "lastTimestamp": t0,
	}
}
