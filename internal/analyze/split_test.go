package analyze

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Two clusters in one run: each cluster's facts hold its own files only,
// a file in a dump goes with the dump's cluster even when it holds no
// object, and a pasted file naming an object both clusters have goes with
// neither.
func TestSeveralClustersAreParsedApart(t *testing.T) {
	dir := t.TempDir()
	src := "../../testdata/dumps/two-clusters-both-incidents/cases"
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	// the collector's own log: no object, but inside prod-us's dump
	os.WriteFile(filepath.Join(dir, "prod-us", "notes.txt"), []byte("collected by support\n"), 0o644)
	// a describe of an object both clusters hold: it names no one cluster
	os.WriteFile(filepath.Join(dir, "describe-svc.txt"), []byte(`Name:              invoice
Namespace:         shop
Labels:            <none>
Annotations:       <none>
Selector:          app=invoice,tier=backend
Type:              ClusterIP
IP:                10.96.14.2
Port:              http  80/TCP
TargetPort:        8080/TCP
Endpoints:         <none>
Session Affinity:  None
Events:            <none>
`), 0o644)
	p, err := Parse(context.Background(), Options{Inputs: []string{dir}, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if len(p.Clusters) != 2 {
		t.Fatalf("%d clusters, want 2", len(p.Clusters))
	}
	for _, c := range p.Clusters {
		want := map[int]string{1: "prod-eu/", 2: "prod-us/"}[c.ID]
		for _, in := range c.Parsed.Inputs {
			if !strings.HasPrefix(in.File, want) {
				t.Errorf("cluster %d holds %s", c.ID, in.File)
			}
		}
		if n := len(c.Parsed.Facts.ObjectFiles()); n != 8 {
			t.Errorf("cluster %d: %d object files, want 8", c.ID, n)
		}
	}
	got := map[string]int{}
	for _, in := range p.Inputs {
		got[in.File] = in.Cluster
	}
	if got["prod-us/notes.txt"] != 2 || got["describe-svc.txt"] != 0 || got["prod-eu/cluster-info/nodes.json"] != 1 {
		t.Errorf("clusters of inputs: %v", got)
	}

	_, err = Parse(context.Background(), Options{Inputs: []string{dir}, TempDir: t.TempDir(), OneCluster: true})
	var ce *ClustersError
	if !errors.As(err, &ce) || len(ce.Clusters) != 2 {
		t.Fatalf("OneCluster: %v", err)
	}
}
