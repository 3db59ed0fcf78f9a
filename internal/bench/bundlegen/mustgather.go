package bundlegen

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// MustGatherStats describes what GenerateMustGather wrote.
type MustGatherStats struct {
	Files, Pods, Namespaces int
	Bytes                   int64
}

// GenerateMustGather writes an `oc adm must-gather` shaped tree of many
// small files under dir: the layout of openshift/must-gather's
// collection-scripts (oc adm inspect): per namespace
// namespaces/<ns>/<ns>.yaml, core/{pods,services,events,configmaps}.yaml,
// apps/{deployments,replicasets}.yaml Lists, each pod again as
// pods/<pod>/<pod>.yaml and its container log as
// pods/<pod>/<c>/<c>/logs/current.log; cluster-scoped-resources/core/nodes/
// <node>.yaml and config.openshift.io/networks.yaml. Pods are written
// until about targetBytes are on disk. The same seed gives the same bytes.
func GenerateMustGather(dir string, targetBytes int64, seed int64) (MustGatherStats, error) {
	r := rand.New(rand.NewSource(seed))
	var st MustGatherStats
	root := filepath.Join(dir, "quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-0000")
	write := func(rel string, v any) error {
		b, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		return st.put(filepath.Join(root, rel), b)
	}
	for i := 0; i < 20; i++ {
		n := node(i)
		n["kind"], n["apiVersion"] = "Node", "v1"
		if err := write(fmt.Sprintf("cluster-scoped-resources/core/nodes/node-%02d.yaml", i), n); err != nil {
			return st, err
		}
	}
	network := map[string]any{"apiVersion": "config.openshift.io/v1", "kind": "NetworkList", "items": []any{map[string]any{
		"apiVersion": "config.openshift.io/v1", "kind": "Network", "metadata": map[string]any{"name": "cluster"},
		"spec": map[string]any{"clusterNetwork": []any{map[string]any{"cidr": "10.128.0.0/14", "hostPrefix": 23}}, "serviceNetwork": []any{"172.30.0.0/16"}, "networkType": "OVNKubernetes"},
	}}}
	if err := write("cluster-scoped-resources/config.openshift.io/networks.yaml", network); err != nil {
		return st, err
	}
	const podsPerNS = 20
	for ns := 0; st.Bytes < targetBytes; ns++ {
		name := fmt.Sprintf("openshift-team-%03d", ns)
		var pods, deps, rss, svcs, events, cms []any
		for d := 0; d < podsPerNS/4; d++ {
			app := fmt.Sprintf("app-%03d", d)
			hash := fmt.Sprintf("%08x", r.Uint32())[:8]
			deps = append(deps, typed(deployment(name, app, 4), "Deployment", "apps/v1"))
			rss = append(rss, typed(replicaset(name, app, hash, 4), "ReplicaSet", "apps/v1"))
			svcs = append(svcs, typed(service(name, app, app), "Service", "v1"))
			cms = append(cms, typed(map[string]any{"metadata": map[string]any{"name": app + "-config", "namespace": name},
				"data": map[string]any{"config.yaml": strings.Repeat("# generated setting\nkey: value\n", 200)}}, "ConfigMap", "v1"))
			for p := 0; p < 4; p++ {
				pd := typed(pod(r, name, app, hash, ns, d*4+p), "Pod", "v1")
				pods = append(pods, pd)
				st.Pods++
				pname := pd["metadata"].(map[string]any)["name"].(string)
				if err := write(fmt.Sprintf("namespaces/%s/pods/%s/%s.yaml", name, pname, pname), pd); err != nil {
					return st, err
				}
				if err := st.put(filepath.Join(root, "namespaces", name, "pods", pname, app, app, "logs", "current.log"), podLog(r, app)); err != nil {
					return st, err
				}
			}
			for e := 0; e < 3; e++ {
				events = append(events, typed(event(name, app, hash, e), "Event", "v1"))
			}
		}
		for _, f := range []struct {
			rel, kind string
			items     []any
		}{
			{"core/pods.yaml", "PodList", pods}, {"core/services.yaml", "ServiceList", svcs},
			{"core/events.yaml", "EventList", events}, {"core/configmaps.yaml", "ConfigMapList", cms},
			{"apps/deployments.yaml", "DeploymentList", deps}, {"apps/replicasets.yaml", "ReplicaSetList", rss},
		} {
			if err := write("namespaces/"+name+"/"+f.rel, map[string]any{"apiVersion": "v1", "kind": f.kind, "items": f.items}); err != nil {
				return st, err
			}
		}
		nsObj := map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name}, "status": map[string]any{"phase": "Active"}}
		if err := write(fmt.Sprintf("namespaces/%s/%s.yaml", name, name), nsObj); err != nil {
			return st, err
		}
		st.Namespaces++
	}
	return st, nil
}

func (st *MustGatherStats) put(p string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return err
	}
	st.Files++
	st.Bytes += int64(len(b))
	return nil
}

func typed(m map[string]any, kind, apiVersion string) map[string]any {
	m["kind"], m["apiVersion"] = kind, apiVersion
	return m
}

// podLog is a container log in klog's format, as must-gather saves it.
func podLog(r *rand.Rand, app string) []byte {
	var b strings.Builder
	for i := 0; i < 150; i++ {
		fmt.Fprintf(&b, "I0311 09:%02d:%02d.%06d       1 server.go:%d] %s handled request path=/api/v1/items/%d status=200 duration=%dms\n",
			i/60%60, i%60, r.Intn(1000000), 100+r.Intn(400), app, r.Intn(100000), r.Intn(900))
	}
	return []byte(b.String())
}

// GenerateLogFiles writes n small container logs in the layout of
// `kubectl cluster-info dump --output-directory` (<namespace>/<pod>/logs.txt,
// 200 pods a namespace) and nothing else: a bundle whose cost is the number
// of files, not their bytes or objects.
func GenerateLogFiles(dir string, n int) (int64, error) {
	var total int64
	for i := 0; i < n; i++ {
		app := fmt.Sprintf("app-%06d", i)
		w, err := writeFile(filepath.Join(dir, fmt.Sprintf("team-%04d", i/200), app+"-7d4b9c8f6-x2k9q", "logs.txt"), appLog(app))
		if err != nil {
			return total, err
		}
		total += w
	}
	return total, nil
}
