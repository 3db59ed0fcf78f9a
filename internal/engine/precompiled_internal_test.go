package engine

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/ktriage/ktriage/internal/regocodec"
	"github.com/ktriage/ktriage/rules"
)

// A compiled set that passes its digest but fails to decode (a codec bug)
// costs speed, not the rule: that group is compiled from source.
func TestUndecodableModuleIsCompiledFromSource(t *testing.T) {
	data, err := fs.ReadFile(rules.FS, CompiledFile)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for off := len(data) - 1; off > len(data)-4096; off-- {
		bad := append([]byte(nil), data...)
		bad[off] = 0xff
		b, err := regocodec.Open(bad)
		if err != nil {
			continue
		}
		e, err := New(ctx, Options{Builtin: rules.FS})
		if err != nil {
			t.Fatal(err)
		}
		e.compiled = b
		for _, r := range e.rules {
			if _, err := e.decodeFor([]Rule{r}, nil); err == nil {
				continue
			}
			avail := map[string]bool{}
			for _, n := range r.Needs {
				for _, alt := range strings.Split(n, "|") {
					avail[strings.TrimSpace(alt)] = true
				}
			}
			if err := e.Prepare(ctx, avail); err != nil {
				t.Fatalf("byte %d changed, %s: %v", off, r.ID, err)
			}
			held := false
			for _, c := range e.compilers {
				held = held || c != nil && c.Modules[r.File] != nil
			}
			if !held {
				t.Fatalf("byte %d changed: no compiler holds %s", off, r.File)
			}
			for _, res := range e.Eval(ctx, ast.NewObject(), avail, 0) {
				if res.Rule.ID == r.ID && res.Skipped {
					t.Fatalf("byte %d changed: %s did not run: %s", off, r.ID, res.Reason)
				}
			}
			return
		}
	}
	t.Fatal("no changed byte made a module undecodable")
}
