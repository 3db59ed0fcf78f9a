package engine

import (
	"context"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/ktriage/ktriage/rules"
)

// The built-in rules are compiled without the compiler's check-only
// stages (checkStages): this is where they still pass every one of them.
func TestBuiltinRulesPassEveryCheck(t *testing.T) {
	compileBuiltin(t)
}

// compileBuiltin compiles every built-in rule with every stage.
func compileBuiltin(t *testing.T) ([]Module, map[string]*ast.Module, *ast.Compiler) {
	t.Helper()
	mods, err := LoadModules(rules.FS, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := Parse(mods)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCompiler()
	c.Compile(parsed)
	if c.Failed() {
		t.Fatal(explainCompileErrors(c.Errors))
	}
	return mods, parsed, c
}

// New reads the built-in rules from their headers alone, or from the
// compiled set; what it learns either way must be what the whole compiled
// modules say.
func TestHeadersGiveTheCompiledMetadata(t *testing.T) {
	mods, parsed, c := compileBuiltin(t)
	builtin := map[string]bool{}
	for _, m := range mods {
		builtin[m.Name] = true
	}
	want, err := discover(c.GetAnnotationSet(), builtin)
	if err != nil {
		t.Fatal(err)
	}
	for _, fromSource := range []bool{true, false} {
		e, err := New(context.Background(), Options{Builtin: rules.FS, FromSource: fromSource})
		if err != nil {
			t.Fatal(err)
		}
		if (e.compiled == nil) != fromSource {
			t.Fatalf("from source %v, but compiled set used: %v (%v)", fromSource, e.compiled != nil, e.compiledErr)
		}
		if !reflect.DeepEqual(e.Rules(), want) {
			t.Fatalf("from source %v:\n%+v\ncompiled:\n%+v", fromSource, e.Rules(), want)
		}
		if len(e.packages) != len(parsed) {
			t.Errorf("from source %v: %d packages, %d modules", fromSource, len(e.packages), len(parsed))
		}
		for name, pm := range parsed {
			if !e.packages[name].Equal(pm.Package.Path) {
				t.Errorf("from source %v: %s: package %v, module package %v", fromSource, name, e.packages[name], pm.Package.Path)
			}
		}
	}
}

// Each rule compiled alone, with only the modules compileFor picks for it
// and every check: a helper module left out would show as an undefined
// function or ref.
func TestEachRuleCompilesAlone(t *testing.T) {
	e, err := New(context.Background(), Options{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range e.Rules() {
		c, err := e.compileFor([]Rule{r})
		if err != nil {
			t.Errorf("%s: %v", r.ID, err)
			continue
		}
		mods := map[string]*ast.Module{}
		for name, m := range c.Modules {
			mods[name] = m
		}
		full := NewCompiler()
		full.Compile(reparse(t, e, mods))
		if full.Failed() {
			t.Errorf("%s with %d modules: %v", r.ID, len(mods), full.Errors)
		}
		if _, ok := mods[r.File]; !ok {
			t.Errorf("%s: its own file %s was not compiled", r.ID, r.File)
		}
	}
}

// reparse parses the named modules afresh (compiled ones are rewritten).
func reparse(t *testing.T, e *Engine, names map[string]*ast.Module) map[string]*ast.Module {
	var mods []Module
	for _, m := range e.mods {
		if _, ok := names[m.Name]; ok {
			mods = append(mods, m)
		}
	}
	parsed, err := Parse(mods)
	if err != nil {
		t.Fatal(err)
	}
	return parsed
}

// A bundle with only captures compiles the rules that read captures and
// their helpers, not the rest.
func TestPrepareCompilesOnlyWhatCanRun(t *testing.T) {
	e, err := New(context.Background(), Options{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Prepare(context.Background(), map[string]bool{"node.captures": true}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for id := range e.queries {
		ids = append(ids, id)
	}
	if !reflect.DeepEqual(ids, []string{"listen-overflow"}) {
		t.Errorf("prepared %v", ids)
	}
	for _, c := range e.compilers {
		if _, ok := c.Modules["rules/kubernetes/selector-mismatch/selector_mismatch.rego"]; ok {
			t.Error("selector-mismatch was compiled for a bundle of captures")
		}
	}
}

// Every rule's needs met: every rule is compiled, in groups on every
// core, and runs.
func TestPrepareEveryRule(t *testing.T) {
	e, err := New(context.Background(), Options{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]bool{}
	for _, r := range e.Rules() {
		for _, n := range r.Needs {
			for _, alt := range strings.Split(n, "|") {
				all[strings.TrimSpace(alt)] = true
			}
		}
	}
	for _, res := range e.Eval(context.Background(), ast.NewObject(), all, 0) {
		if res.Skipped {
			t.Errorf("%s: %s", res.Rule.ID, res.Reason)
		}
	}
	if len(e.queries) != len(e.Rules()) {
		t.Errorf("%d queries for %d rules", len(e.queries), len(e.Rules()))
	}
	if want := min(runtime.GOMAXPROCS(0), len(e.Rules())); len(e.compilers) != want {
		t.Errorf("%d compilers, want %d", len(e.compilers), want)
	}
}
