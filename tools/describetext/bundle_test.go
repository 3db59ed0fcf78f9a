package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
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

// sameLines: the same text once the rows of each LimitRange table are
// sorted. kubectl's LimitRange describer (pkg/describe
// describeLimitRangeSpec) prints those rows in Go map order, which changes
// from run to run; any other line out of place is a difference.
func sameLines(a, b string) bool {
	return limitRangeRowsSorted(a) == limitRangeRowsSorted(b)
}

// limitRangeRowsSorted sorts the rows under every LimitRange table header
// ("Type  Resource  Min  Max …" and its dashes), up to the first line
// that is not a row of it (blank, or one that does not start with a
// limit type).
func limitRangeRowsSorted(text string) string {
	lines := strings.Split(text, "\n")
	for i := 0; i+1 < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "Type ") || !strings.Contains(lines[i], "Max Limit/Request Ratio") || !strings.HasPrefix(lines[i+1], "----") {
			continue
		}
		start := i + 2
		end := start
		for end < len(lines) && limitRow(lines[end]) {
			end++
		}
		sort.Strings(lines[start:end])
		i = end - 1
	}
	return strings.Join(lines, "\n")
}

// limitRow: a row of the table, which starts with its limit type.
func limitRow(line string) bool {
	for _, t := range []string{"Container ", "Pod ", "PersistentVolumeClaim "} {
		if strings.HasPrefix(line, t) {
			return true
		}
	}
	return false
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

// Only a LimitRange table's rows may come in another order.
func TestSameLines(t *testing.T) {
	table := "Name:       d\nNamespace:  a\nType        Resource  Min   Max\n----        --------  ---   ---\n"
	for _, c := range []struct {
		name string
		a, b string
		same bool
	}{
		{"identical", table + "Container   cpu  1  2\n", table + "Container   cpu  1  2\n", true},
		{"rows swapped", table + "Container   memory  1  2\nContainer   cpu  1  2\n\nEvents: <none>\n", table + "Container   cpu  1  2\nContainer   memory  1  2\n\nEvents: <none>\n", true},
		{"a row changed", table + "Container   cpu  1  2\n", table + "Container   cpu  1  3\n", false},
		{"other lines swapped", "Name:  x\nNamespace:  y\n", "Namespace:  y\nName:  x\n", false},
		{"a row moved out of its table", table + "Container   cpu  1  2\n\nPod   cpu  1  2\n", table + "Pod   cpu  1  2\nContainer   cpu  1  2\n\n", false},
		{"a table without its header", "Container   memory  1  2\nContainer   cpu  1  2\n", "Container   cpu  1  2\nContainer   memory  1  2\n", false},
	} {
		c.a = strings.Replace(c.a, "Max\n", "Max  Default Request  Default Limit  Max Limit/Request Ratio\n", 1)
		c.b = strings.Replace(c.b, "Max\n", "Max  Default Request  Default Limit  Max Limit/Request Ratio\n", 1)
		if got := sameLines(c.a, c.b); got != c.same {
			t.Errorf("%s: sameLines %v, want %v", c.name, got, c.same)
		}
	}
}
