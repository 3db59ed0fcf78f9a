package all

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
)

// seedDirs hold real and fixture artifacts of every kind; ../shared is
// only there on the development machines, testdata/ everywhere.
var seedDirs = []string{
	"../../../testdata/dumps",
	"../../../testdata/realworld",
	"../../../testdata/scenarios",
	"../../../../shared/realworld",
}

// seedHead bounds a seed's size: mutation works on small inputs far faster,
// and the first few KB are what detection looks at.
const seedHead = 4096

// FuzzRegistry feeds any name and content through detection as the
// analysis does, then through every parser, not only the one that claims
// it: a parser must not panic even on content detection would have sent
// elsewhere (names lie, and detection rules change). Parsers are also run
// by FuzzXxx targets in their own packages with stronger checks; this one
// covers the dispatch and the parsers without a target of their own (pod
// logs).
func FuzzRegistry(f *testing.F) {
	n := 0
	for _, dir := range seedDirs {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() || strings.HasSuffix(p, ".golden") {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			if len(b) > seedHead {
				b = b[:seedHead]
			}
			rel, _ := filepath.Rel(dir, p)
			f.Add(filepath.ToSlash(rel), b)
			n++
			return nil
		})
	}
	if n == 0 {
		f.Fatal("no seeds: testdata moved?")
	}
	f.Add("ns/pod/logs.txt", []byte("I1123 10:00:00.000000       1 proxier.go:1 \"msg\"\n\xff\xfe"))
	f.Add("nodes/vm-5/ip-a.txt", []byte("1: lo: <LOOPBACK,UP> mtu 65536\n"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		name = strings.Trim(filepath.ToSlash(filepath.Clean("/"+name)), "/")
		if name == "" {
			name = "input"
		}
		p := filepath.Join(t.TempDir(), "artifact")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		a, err := loader.FromFile(p, name, name)
		if err != nil {
			t.Fatal(err)
		}
		_ = Detect(a)
		for _, parser := range Registry {
			b := facts.NewBuilder()
			res, err := parser.Parse(context.Background(), a, b)
			if err == nil && res.Kind == "" && parser.Kind() == "" {
				t.Fatalf("%T parsed without naming a kind", parser)
			}
			fx := b.Build()
			for _, o := range fx.Objects {
				if o.Key.Kind == "" || o.Key.Name == "" {
					t.Fatalf("%T: object without kind or name: %+v", parser, o.Key)
				}
			}
		}
	})
}
