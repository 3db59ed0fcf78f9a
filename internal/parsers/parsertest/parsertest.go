// Package parsertest gives parser tests their input the way the pipeline
// does: through the real loader, so Detect and Parse see the display path
// and head they see in production.
package parsertest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ktriage/ktriage/internal/loader"
)

// Load runs the loader over one file and returns its only artifact; the
// temp area goes with the test.
func Load(t testing.TB, path string) *loader.Artifact {
	t.Helper()
	b, err := loader.Load([]string{path}, loader.Limits{}, t.TempDir())
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	t.Cleanup(func() { b.Close() })
	if len(b.Artifacts) != 1 {
		t.Fatalf("load %s: %d artifacts", path, len(b.Artifacts))
	}
	return b.Artifacts[0]
}

// Write stores content as a file called name in a fresh temp directory
// and loads it.
func Write[T ~string | ~[]byte](t testing.TB, name string, content T) *loader.Artifact {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return Load(t, p)
}
