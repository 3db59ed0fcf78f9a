package pcap

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
)

// A capture taken at a pod's interface names the pod's address for node
// attribution: it is in every packet; the peers are not.
func TestLocalAddressesHint(t *testing.T) {
	p := filepath.Join("..", "..", "..", "testdata", "scenarios", "rolling-update-unreachable", "nodes", "vm-9", "pods", "frontend-7b9f6d8c4-m2x7q", "capture-eth0.pcap")
	a, err := loader.FromFile(p, "client.pcap", "client.pcap")
	if err != nil {
		t.Fatal(err)
	}
	b := facts.NewBuilder()
	b.AddObject(map[string]any{"kind": "Node", "metadata": map[string]any{"name": "vm-9"}, "status": map[string]any{"addresses": []any{map[string]any{"type": "InternalIP", "address": "10.0.0.9"}}}}, facts.Source{})
	b.AddObject(map[string]any{"kind": "Node", "metadata": map[string]any{"name": "vm-1"}, "status": map[string]any{}}, facts.Source{})
	b.AddObject(map[string]any{"kind": "Pod", "metadata": map[string]any{"name": "frontend", "namespace": "shop"},
		"spec": map[string]any{"nodeName": "vm-9"}, "status": map[string]any{"podIP": "10.244.9.10"}}, facts.Source{})
	if _, err := (Capture{}).Parse(context.Background(), a, b); err != nil {
		t.Fatal(err)
	}
	att := b.Build().NodeAttribution["client.pcap"]
	if att.Node != "vm-9" || att.Method != "address" {
		t.Errorf("attributed %+v", att)
	}
}
