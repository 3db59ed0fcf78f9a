package analyze

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/ktriage/ktriage/internal/engine"
	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/verify"
	"github.com/ktriage/ktriage/rules"
)

// TestIndexMatchesRego runs every rule on every fixture twice: with the
// lookups ktriage builds in Go (input.index) and without them, where the
// rules' libraries group the objects in Rego, as under `opa eval`. The
// findings must be the same: the index is a shortcut, never a second
// opinion.
func TestIndexMatchesRego(t *testing.T) {
	dirs, err := verify.Find(filepath.Join("..", "..", "testdata", "dumps"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e, err := engine.New(ctx, engine.Options{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	judged := 0
	for _, dir := range dirs {
		fx, err := verify.Load(dir)
		if err != nil || fx.Expect.Refused() || fx.MissingShared() != "" {
			continue
		}
		var inputs []string
		for _, in := range fx.Expect.Inputs {
			inputs = append(inputs, filepath.Join(dir, in))
		}
		p, err := Parse(ctx, Options{Inputs: inputs})
		if err != nil {
			continue
		}
		parts := []*Parsed{p}
		if len(p.Clusters) > 0 {
			parts = parts[:0]
			for _, c := range p.Clusters {
				parts = append(parts, c.Parsed)
			}
		}
		for _, part := range parts {
			v, err := part.Facts.Value(part.info)
			if err != nil {
				t.Fatalf("%s: %v", dir, err)
			}
			with := findingsJSON(t, e.Eval(ctx, v, part.Facts.Collected, 0))
			without := findingsJSON(t, e.Eval(ctx, withoutIndex(v), part.Facts.Collected, 0))
			if with != without {
				t.Errorf("%s: findings differ with and without input.index\nwith:    %s\nwithout: %s", filepath.Base(dir), with, without)
			}
			judged++
		}
		p.Close()
	}
	if judged < 50 {
		t.Fatalf("only %d fixtures judged", judged)
	}
}

func withoutIndex(v ast.Value) ast.Value {
	out := ast.NewObject()
	v.(ast.Object).Foreach(func(k, x *ast.Term) {
		if k.Value.Compare(ast.String(facts.IndexKey)) != 0 {
			out.Insert(k, x)
		}
	})
	return out
}

func findingsJSON(t *testing.T, rs []engine.Result) string {
	t.Helper()
	type r struct {
		ID       string
		Skipped  string
		Findings []engine.RawFinding
	}
	var all []r
	for _, x := range rs {
		all = append(all, r{x.Rule.ID, x.Reason, x.Findings})
	}
	raw, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
