package engine_test

import (
	"context"
	"flag"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/ktriage/ktriage/internal/engine"
	"github.com/ktriage/ktriage/rules"
)

var updatePrecompiled = flag.Bool("update-precompiled", false, "write rules/"+engine.CompiledFile+" from the built-in rules")

// The committed compiled rules are what compiling today's rules gives,
// byte for byte: a rule edited without `make precompile` fails here (the
// engine would quietly compile it from source on every run).
func TestPrecompiledIsCurrent(t *testing.T) {
	want, err := engine.Precompile(rules.FS)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "rules", engine.CompiledFile)
	if *updatePrecompiled {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("rules/%s is stale (%d bytes, today's rules give %d): run `make precompile`", engine.CompiledFile, len(got), len(want))
	}
	e, err := engine.New(context.Background(), engine.Options{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.PrecompiledError(); err != nil {
		t.Fatalf("the engine does not use the compiled rules: %v", err)
	}
}

// A compiled set that does not match the rules beside it (a rule edited
// without `make precompile`, or a damaged file) is not used: the engine
// compiles from source and says why.
func TestStaleOrDamagedPrecompiledIsNotUsed(t *testing.T) {
	base := fstest.MapFS{}
	err := fs.WalkDir(rules.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(rules.FS, p)
		base[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	blob := base[engine.CompiledFile].Data
	edited := maps.Clone(base)
	src := string(base["lib/text.rego"].Data)
	edited["lib/text.rego"] = &fstest.MapFile{Data: []byte(src + "\n# edited\n")}
	damaged := maps.Clone(base)
	damaged[engine.CompiledFile] = &fstest.MapFile{Data: blob[:len(blob)/2]}
	missing := maps.Clone(base)
	delete(missing, engine.CompiledFile)
	for name, fsys := range map[string]fs.FS{"rule edited": edited, "file cut": damaged, "file missing": missing} {
		e, err := engine.New(context.Background(), engine.Options{Builtin: fsys})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if e.PrecompiledError() == nil {
			t.Errorf("%s: the compiled set was used", name)
		}
		// One rule compiled from source, and run.
		r := e.Rules()[0]
		avail := map[string]bool{}
		for _, n := range r.Needs {
			for _, alt := range strings.Split(n, "|") {
				avail[strings.TrimSpace(alt)] = true
			}
		}
		if err := e.Prepare(context.Background(), avail); err != nil {
			t.Errorf("%s: compiling from source: %v", name, err)
		}
		if e.CompileTime() == 0 {
			t.Errorf("%s: nothing compiled for %s (needs %v)", name, r.ID, r.Needs)
		}
		for _, res := range e.Eval(context.Background(), ast.NewObject(), avail, 0) {
			if res.Rule.ID == r.ID && res.Skipped {
				t.Errorf("%s: %s did not run: %s", name, r.ID, res.Reason)
			}
		}
	}
	e, err := engine.New(context.Background(), engine.Options{Builtin: base})
	if err != nil || e.PrecompiledError() != nil {
		t.Fatalf("the unchanged tree: %v / %v", err, e.PrecompiledError())
	}
}
