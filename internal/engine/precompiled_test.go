package engine_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

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
