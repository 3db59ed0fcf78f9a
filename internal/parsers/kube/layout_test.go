package kube

import (
	"testing"
)

// Kind-less objects are typed by their place in the Insights archive and
// must-gather layouts; the same bytes anywhere else are not objects.
func TestKindFromPlace(t *testing.T) {
	node := `{"metadata": {"name": "worker-0", "uid": "u1"}, "spec": {"podCIDR": "10.128.2.0/23"}, "status": {"nodeInfo": {"kubeletVersion": "v1.21.1"}}}`
	network := `{"metadata": {"name": "cluster"}, "spec": {"clusterNetwork": [{"cidr": "10.128.0.0/14", "hostPrefix": 23}], "serviceNetwork": ["172.30.0.0/16"]}}`
	for _, tc := range []struct {
		inner, content, want, api, node string
	}{
		{"insights/config/node/worker-0.json", node, "Node/worker-0", "v1", "worker-0"},
		{"config/network.json", network, "Network/cluster", "config.openshift.io/v1", ""},
		{"mg/quay-io-x/cluster-scoped-resources/core/nodes/worker-0.json", node, "Node/worker-0", "v1", "worker-0"},
		{"mg/cluster-scoped-resources/config.openshift.io/networks/cluster.json", network, "Network/cluster", "config.openshift.io/v1", ""},
		{"mg/namespaces/shop/core/pods/api-1.json", `{"metadata": {"name": "api-1", "namespace": "shop"}}`, "Pod/shop/api-1", "v1", ""},
		{"mg/namespaces/shop/pods/api-1/api-1.yaml", "metadata:\n  name: api-1\n", "", "", ""}, // YAML without kind: not read (oc writes kind)
	} {
		f, res, err, p := parse(t, tc.inner, tc.content)
		if tc.want == "" {
			if p != nil {
				t.Errorf("%s: taken by %T", tc.inner, p)
			}
			continue
		}
		if err != nil || p == nil {
			t.Fatalf("%s: parser %T err %v", tc.inner, p, err)
		}
		if got := keys(f); len(got) != 1 || got[0] != tc.want {
			t.Fatalf("%s: objects %v, want %s", tc.inner, got, tc.want)
		}
		if api := f.Objects[0].Map()["apiVersion"]; api != tc.api {
			t.Errorf("%s: apiVersion %v, want %s", tc.inner, api, tc.api)
		}
		if res.Node != tc.node {
			t.Errorf("%s: node %q, want %q", tc.inner, res.Node, tc.node)
		}
	}
	// The same kind-less object elsewhere is no object, and a kind the
	// object states wins over its place.
	if _, _, _, p := parse(t, "backup/worker-0.json", node); p != nil {
		t.Errorf("kind-less JSON outside the layouts taken by %T", p)
	}
	f, _, _, _ := parse(t, "config/node/x.json", `{"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "x", "namespace": "a"}}`)
	if got := keys(f); len(got) != 1 || got[0] != "ConfigMap/a/x" {
		t.Errorf("stated kind: %v", got)
	}
}

func TestInsightsNodeLog(t *testing.T) {
	f, res, err, p := parse(t, "config/node/logs/ip-10-0-135-228.us-east-2.compute.internal.log",
		"Nov 10 14:17:41.900439 ci-master-0 kubenswrapper[2296]: E1110 14:17:41.900391    2296 pod_workers.go:1300] \"Error syncing pod, skipping\"\n")
	if _, ok := p.(Log); !ok || err != nil {
		t.Fatalf("parser %T err %v", p, err)
	}
	if res.Node != "ip-10-0-135-228.us-east-2.compute.internal" || f.Logs[0].Container != "" || f.Logs[0].Pod != "" {
		t.Errorf("node %q, log %+v", res.Node, f.Logs[0])
	}
}
