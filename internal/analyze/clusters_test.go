package analyze

import (
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
)

func ns(name, uid string) map[string]any {
	return map[string]any{"kind": "Namespace", "metadata": map[string]any{"name": name, "uid": uid}}
}

func apiSvc(uid, ip string) map[string]any {
	return map[string]any{"kind": "Service", "metadata": map[string]any{"name": "kubernetes", "namespace": "default", "uid": uid}, "spec": map[string]any{"clusterIP": ip}}
}

func node(name, uid, ip string) map[string]any {
	return map[string]any{"kind": "Node", "metadata": map[string]any{"name": name, "uid": uid},
		"status": map[string]any{"addresses": []any{map[string]any{"type": "InternalIP", "address": ip}}}}
}

func svc(namespace, name string) map[string]any {
	return map[string]any{"kind": "Service", "metadata": map[string]any{"name": name, "namespace": namespace}}
}

type obj struct {
	file string
	body map[string]any
}

func split(objs []obj, nodeFiles map[string]string) *ClustersError {
	b := facts.NewBuilder()
	var paths []string
	for _, o := range objs {
		b.AddObject(o.body, facts.Source{File: o.file, Line: 1})
		paths = append(paths, o.file)
	}
	for file, host := range nodeFiles {
		b.SetFileHost(file, host, "prompt")
		b.AddNode(facts.NodeFacts{File: file, Inner: file, Kind: "ip-addr", Hostnames: []string{host}, Sections: map[string]any{"ip_addr": map[string]any{"interfaces": []any{}}}})
		paths = append(paths, file)
	}
	return splitClusters(b.Build(), paths)
}

func TestOneClusterIsNotSplit(t *testing.T) {
	cases := map[string][]obj{
		// one dump: its files agree, and identity-less files join it
		"one dump and a describe": {
			{"a/cluster-info/nodes.json", node("w1", "u1", "10.0.0.1")},
			{"a/cluster-info/default/services.json", apiSvc("s1", "10.96.0.1")},
			{"a/cluster-resources/namespaces.json", ns("kube-system", "k1")},
			{"describe-svc.txt", svc("shop", "web")},
		},
		// two dumps of one cluster (taken twice): shared uids
		"the same cluster twice": {
			{"monday/cluster-resources/namespaces.json", ns("kube-system", "k1")},
			{"tuesday/cluster-resources/namespaces.json", ns("kube-system", "k1")},
			{"tuesday/cluster-info/default/services.json", apiSvc("s1", "10.96.0.1")},
		},
		// disjoint node sets, nothing else: no positive evidence
		"disjoint nodes": {
			{"a/nodes.yaml", node("w1", "u1", "10.0.0.1")},
			{"b/nodes.yaml", node("w2", "u2", "10.0.0.2")},
		},
		// a node of the same name without uid or address in one of them
		"same node, one without uid": {
			{"a/nodes.yaml", node("w1", "u1", "10.0.0.1")},
			{"b/nodes.yaml", node("w1", "", "")},
		},
	}
	for name, objs := range cases {
		if e := split(objs, nil); e != nil {
			t.Errorf("%s: split into clusters:\n%v", name, e)
		}
	}
}

func TestTwoClustersAreToldApart(t *testing.T) {
	cases := []struct {
		name   string
		objs   []obj
		nodes  map[string]string
		differ string
		inputs [][]string
		unass  []string
	}{
		{"kube-system uid",
			[]obj{
				{"a/cluster-resources/namespaces.json", ns("kube-system", "k1")},
				{"a/cluster-info/shop/services.json", svc("shop", "web")},
				{"b/cluster-resources/namespaces.json", ns("kube-system", "k2")},
				{"b/cluster-info/shop/services.json", svc("shop", "web")},
				// names an object both clusters hold: stays unassigned
				{"describe-web.txt", svc("shop", "web")},
				// names only b's object: goes with b
				{"describe-api.txt", svc("shop", "api")},
				{"b/cluster-info/shop/more.json", svc("shop", "api")},
			}, nil,
			"kube-system namespace uid k1 vs k2",
			[][]string{{"a/ (2 files)"}, {"b/ (3 files)", "describe-api.txt"}},
			[]string{"describe-web.txt"}},
		{"api service ClusterIP, stdout dumps",
			[]obj{
				{"one.txt", apiSvc("", "10.96.0.1")},
				{"two.txt", apiSvc("", "10.100.0.1")},
			}, nil,
			"Service default/kubernetes ClusterIP 10.96.0.1 vs 10.100.0.1",
			[][]string{{"one.txt"}, {"two.txt"}}, nil},
		{"same node name, other address; node files follow their node",
			[]obj{
				{"a/cluster-info/nodes.json", node("w1", "", "10.0.0.1")},
				{"b/cluster-info/nodes.json", node("w1", "", "10.9.0.1")},
				{"b/cluster-info/nodes.json", node("w2", "", "10.9.0.2")},
			},
			map[string]string{"w2-ip-addr.txt": "w2", "w1-ip-addr.txt": "w1"},
			"node w1 InternalIP 10.0.0.1 vs 10.9.0.1",
			[][]string{{"a/cluster-info/ (1 file)"}, {"b/cluster-info/ (1 file)", "w2-ip-addr.txt"}},
			[]string{"w1-ip-addr.txt"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := split(c.objs, c.nodes)
			if e == nil {
				t.Fatal("not split")
			}
			if len(e.Clusters) != len(c.inputs) {
				t.Fatalf("%d clusters, want %d:\n%v", len(e.Clusters), len(c.inputs), e)
			}
			for i, want := range c.inputs {
				if got := strings.Join(e.Clusters[i].Inputs, "|"); got != strings.Join(want, "|") {
					t.Errorf("cluster %d inputs %q, want %q", i+1, got, strings.Join(want, "|"))
				}
			}
			if got := strings.Join(e.Unassigned, "|"); got != strings.Join(c.unass, "|") {
				t.Errorf("unassigned %q, want %q", got, strings.Join(c.unass, "|"))
			}
			if !strings.Contains(e.Error(), "told apart by: "+c.differ) {
				t.Errorf("message does not give the evidence %q:\n%v", c.differ, e)
			}
		})
	}
}
