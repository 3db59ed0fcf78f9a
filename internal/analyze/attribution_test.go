package analyze

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// Every command output of a sosreport goes to the host its hostname file
// names, not to the localhost.localdomain its sysctl states.
func TestSosreportFilesAttributedByHostname(t *testing.T) {
	p, err := Parse(context.Background(), Options{Inputs: []string{filepath.Join("..", "..", "testdata", "dumps", "sosreport-rhcos-master", "sosreport-master-0.tar.xz")}, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	n := 0
	for _, in := range p.Inputs {
		if !strings.Contains(in.File, "/sos_commands/") || strings.HasSuffix(in.File, "/hostname") {
			continue
		}
		n++
		if in.Status != "parsed" && in.Status != "partial" {
			t.Errorf("%s: %s (%s)", in.File, in.Status, in.Error)
		}
		if in.Node != "master-0.openshift4poc.example.local" || in.AttributedBy != "sosreport" {
			t.Errorf("%s: node %q by %q", in.File, in.Node, in.AttributedBy)
		}
	}
	if n != 7 {
		t.Errorf("%d command outputs, want 7", n)
	}
}

// Node files cut out of a transcript go to the node its prompt names.
func TestTranscriptNodeFilesAttributedByPrompt(t *testing.T) {
	p, err := Parse(context.Background(), Options{Inputs: []string{filepath.Join("..", "..", "testdata", "dumps", "kube-mark-drop-transcript", "session.txt")}, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	n := 0
	for _, in := range p.Inputs {
		if in.Kind != "iptables-save" {
			continue
		}
		n++
		if in.Node != "vm-8" || in.AttributedBy != "prompt" {
			t.Errorf("%s: node %q by %q", in.File, in.Node, in.AttributedBy)
		}
	}
	if n != 3 {
		t.Errorf("%d iptables views, want 3", n)
	}
}
