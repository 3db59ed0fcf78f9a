package rules_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/engine"
	"github.com/ktriage/ktriage/rules"
)

// TestRego runs every test_* rule of the embedded tree through OPA's tester,
// under the same sandbox analysis uses; each Rego test is a Go subtest.
func TestRego(t *testing.T) {
	results, err := engine.RunTests(context.Background(), rules.FS, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(results) == 0 {
		t.Fatal("no Rego tests found")
	}
	for _, r := range results {
		r := r
		t.Run(strings.TrimPrefix(r.Package, "data.")+"."+r.Name, func(t *testing.T) {
			if len(r.Output) > 0 {
				t.Log(string(r.Output))
			}
			switch {
			case r.Error != nil:
				t.Fatalf("%s: error: %v", r.Location, r.Error)
			case r.Fail:
				t.Fatalf("%s: failed", r.Location)
			case r.Skip:
				t.Skip("todo_ test")
			}
		})
	}
}

// TestEveryRuleHasTests fails when a rule folder lacks its _test.rego or a
// rule has no test that exercises it.
func TestEveryRuleHasTests(t *testing.T) {
	e, err := engine.New(context.Background(), engine.Options{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	results, err := engine.RunTests(context.Background(), rules.FS, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	tested := map[string]int{}
	for _, r := range results {
		// data.a.b["x-y_test"] tests data.a.b["x-y"]; data.a.mtu_test tests data.a.mtu
		pkg := r.Package
		switch {
		case strings.HasSuffix(pkg, "_test\"]"):
			pkg = strings.TrimSuffix(pkg, "_test\"]") + "\"]"
		default:
			pkg = strings.TrimSuffix(pkg, "_test")
		}
		tested[pkg]++
	}
	for _, r := range e.Rules() {
		if tested[r.Package] < 2 {
			t.Errorf("rule %s (%s) has %d Rego tests; want at least one firing and one silent case", r.ID, r.Package, tested[r.Package])
		}
	}
}

// TestCompiledIsTheEmbeddedFile: the engine reads the compiled rules
// through Compiled, the tests and `make precompile` through FS.
func TestCompiledIsTheEmbeddedFile(t *testing.T) {
	want, err := rules.FS.ReadFile("compiled.bin")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rules.Compiled(), want) {
		t.Fatalf("Compiled() is %d bytes, FS's compiled.bin %d", len(rules.Compiled()), len(want))
	}
}
