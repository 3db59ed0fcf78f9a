package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestTwinsAreWhatTheToolWrites renders every committed text twin's JSON
// fixture again and compares the result with the twin, file by file: the
// tool's own test (its describers, the fixed clock, the logs session) and
// a check that no twin went stale after its JSON fixture changed (run
// `make describe-twins` when it fails).
func TestTwinsAreWhatTheToolWrites(t *testing.T) {
	dumps := filepath.Join("..", "..", "testdata", "dumps")
	twins, err := filepath.Glob(filepath.Join(dumps, "*-describe-text"))
	if err != nil {
		t.Fatal(err)
	}
	made := regexp.MustCompile(`Text twin of (\S+) \(scripts/make-describe-twins\.sh\)`)
	n := 0
	for _, twin := range twins {
		raw, err := os.ReadFile(filepath.Join(twin, "expect.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		m := made.FindSubmatch(bytes.Join(bytes.Fields(raw), []byte(" ")))
		if m == nil {
			continue // written by hand (scripts/make-describe-fixtures.py)
		}
		n++
		src := filepath.Join(dumps, string(m[1]), "bundle")
		t.Run(filepath.Base(twin), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "bundle")
			if err := writeTwin(src, out, ""); err != nil {
				t.Fatal(err)
			}
			want, got := tree(t, filepath.Join(twin, "bundle")), tree(t, out)
			for name, w := range want {
				g, ok := got[name]
				switch {
				case !ok:
					t.Errorf("%s: not written any more", name)
				case g != w && !sameLines(g, w):
					t.Errorf("%s differs from what the tool writes now:\n%s", name, firstDiff(w, g))
				}
			}
			for name := range got {
				if _, ok := want[name]; !ok {
					t.Errorf("%s: written now, not in the twin", name)
				}
			}
		})
	}
	if n < 30 {
		t.Fatalf("only %d generated twins found", n)
	}
}

func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameLines: the same lines in another order. kubectl's LimitRange
// describer (pkg/describe describeLimitRangeSpec) prints its rows in Go
// map order, which changes from run to run.
func sameLines(a, b string) bool {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	sort.Strings(x)
	sort.Strings(y)
	return slices.Equal(x, y)
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n  twin: " + a + "\n  now:  " + b
		}
	}
	return "(same lines, different bytes)"
}
