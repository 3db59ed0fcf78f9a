package kubeletconfig_test

import (
	"context"
	"os"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/parsers/all"
	"github.com/ktriage/ktriage/internal/parsers/kubeletconfig"
	"github.com/ktriage/ktriage/internal/parsers/parsertest"
)

// TestRegistry: in detection order, both forms reach this parser and go to
// the node their folder names; `kubectl describe configmap kubelet-config`
// (the same YAML at column 0 under a header) stays the describe parser's.
func TestRegistry(t *testing.T) {
	for _, name := range []string{"kubeadm-config.yaml", "configz.json"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		a := parsertest.Write(t, name, b)
		a.Inner = "nodes/worker-2/" + name
		if p := all.Detect(a); p == nil || p.Kind() != "kubelet-config" {
			t.Fatalf("%s detected as %v", name, p)
		}
		fb := facts.NewBuilder()
		if _, err := (kubeletconfig.Config{}).Parse(context.Background(), a, fb); err != nil {
			t.Fatal(err)
		}
		f := fb.Build()
		list, _ := f.Nodes["worker-2"][kubeletconfig.Section].([]any)
		if len(list) != 1 {
			t.Fatalf("%s: node worker-2 has %v", name, f.Nodes)
		}
	}
	describe := "Name:         kubelet-config\nNamespace:    kube-system\nLabels:       <none>\nAnnotations:  kubeadm.kubernetes.io/component-config.hash: sha256:0f\n\nData\n====\nkubelet:\n----\napiVersion: kubelet.config.k8s.io/v1beta1\nclusterDNS:\n- 10.96.0.10\nkind: KubeletConfiguration\n\n\nBinaryData\n====\n\nEvents:  <none>\n"
	a := parsertest.Write(t, "describe-cm.txt", describe)
	if p := all.Detect(a); p == nil || p.Kind() == "kubelet-config" {
		t.Fatalf("describe output detected as %v", p)
	}
}
