package engine

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/ktriage/ktriage/rules"
)

// The compiled road builds comprehension indices only for the rules the
// compiled set names (compilePrecompiled). Evaluation must meet the same
// indices as after a compile from source: the same terms indexed, by the
// same keys, in every built-in module.
func TestPrecompiledComprehensionIndicesMatchSource(t *testing.T) {
	ctx := context.Background()
	e, err := New(ctx, Options{Builtin: rules.FS, Compiled: rules.Compiled()})
	if err != nil {
		t.Fatal(err)
	}
	if e.compiled == nil {
		t.Fatalf("compiled set not used: %v", e.compiledErr)
	}
	mods, err := e.decodeFor(e.rules, nil)
	if err != nil {
		t.Fatal(err)
	}
	pre, err := compilePrecompiled(mods, e.compiled.RewrittenVars(), e.indexed)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := Parse(e.mods)
	if err != nil {
		t.Fatal(err)
	}
	src, err := compileModules(parsed)
	if err != nil {
		t.Fatal(err)
	}
	indexed := 0
	for name, m := range pre.Modules {
		if m != mods[name] {
			t.Fatalf("%s: the compiler holds another module than the decoded one", name)
		}
		a, b := termsOf(m), termsOf(src.Modules[name])
		if len(a) != len(b) {
			t.Fatalf("%s: %d terms compiled, %d from source", name, len(a), len(b))
		}
		for i := range a {
			x, y := pre.ComprehensionIndex(a[i]), src.ComprehensionIndex(b[i])
			if (x == nil) != (y == nil) || x != nil && x.String() != y.String() {
				t.Errorf("%s: %v at %v: compiled index %v, from source %v", name, a[i], a[i].Location, x, y)
			}
			if x != nil {
				indexed++
			}
		}
	}
	if indexed == 0 {
		t.Fatal("no comprehension index at all: the comparison proves nothing")
	}
	t.Logf("%d comprehension indices, all as from source", indexed)
}

func termsOf(m *ast.Module) []*ast.Term {
	var out []*ast.Term
	ast.WalkTerms(m, func(t *ast.Term) bool {
		out = append(out, t)
		return false
	})
	return out
}
