package pcap

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ktriage/ktriage/internal/parsers"
)

// Test inputs: real-world samples (testdata/realworld/pcap, see its
// PROVENANCE.md) and captures made here (testdata/generated, see README.md).
const (
	realworldDir = "../../../testdata/realworld/pcap"
	generatedDir = "testdata/generated"
)

func realworld(name string) string { return filepath.Join(realworldDir, name) }
func generated(name string) string { return filepath.Join(generatedDir, name) }

// captureFiles lists every capture in a directory.
func captureFiles(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{"*.pcap", "*.pcapng"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	if len(out) == 0 {
		t.Fatalf("no captures in %s", dir)
	}
	return out
}

// analysis is one file's complete result.
type analysis struct {
	an  *analyzer
	doc captureDoc
	res parsers.Result
	err error
}

// analyzeFile runs the analysis the way Parse does, without a builder.
func analyzeFile(t testing.TB, path string, c Capture) analysis {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return analyzeBytes(t, data, path, c)
}

func analyzeBytes(t testing.TB, data []byte, name string, c Capture) analysis {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "cap")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	an, doc, res, err := c.analyze(context.Background(), f, int64(len(data)), sniffFormat(data), name)
	return analysis{an, doc, res, err}
}

// num reads a summary number whatever its integer type.
func num(t testing.TB, s map[string]any, key string) int64 {
	t.Helper()
	switch v := s[key].(type) {
	case uint64:
		return int64(v)
	case uint32:
		return int64(v)
	case int64:
		return v
	case int:
		return int64(v)
	}
	t.Fatalf("summary[%q] = %#v, not an integer", key, s[key])
	return 0
}
