package cli

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/report"
)

// TestNoNodeFromAFileName runs analyze on a bundle without a cluster dump
// where only a per-node folder names a node: files named after it join it,
// a file whose name is all that suggests "vm-4" is listed once as not
// attributed, and no header, message or confirm command treats a file
// name as a node.
func TestNoNodeFromAFileName(t *testing.T) {
	code, out, errs := run(t, "analyze", "--format", "json", "../../testdata/dumps/node-named-by-file-only/bundle")
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d: %s", code, ExitFindings, errs)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if want := []string{"vm-5"}; !reflect.DeepEqual(r.Bundle.Nodes, want) {
		t.Errorf("bundle.nodes %v, want %v", r.Bundle.Nodes, want)
	}
	if want := []string{"tickets/vm-4-ip-d-addr.txt"}; !reflect.DeepEqual(r.Bundle.Unattributed, want) {
		t.Errorf("bundle.unattributed_files %v, want %v", r.Bundle.Unattributed, want)
	}
	for n := range r.Bundle.NodeFiles {
		if n != "vm-5" {
			t.Errorf("node_files has %q", n)
		}
	}
	var texts []string
	for _, f := range r.Findings {
		texts = append(append(texts, f.Message), f.Confirm...)
	}
	for _, s := range r.Skipped {
		texts = append(texts, s.Reason)
	}
	for _, s := range texts {
		for _, bad := range []string{"unattributed:", "on vm-4", "vm-5-tunl0 ", "vm-5-eth0 "} {
			if strings.Contains(s, bad) {
				t.Errorf("%q names a file as a node (%q)", s, bad)
			}
		}
	}
}
