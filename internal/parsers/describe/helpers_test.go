package describe

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
)

func readFile(t *testing.T, path string) *Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := Read(context.Background(), f, path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return res
}

func readString(t *testing.T, s string) *Result {
	t.Helper()
	res, err := Read(context.Background(), strings.NewReader(s), "test.txt")
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// object finds kind/[namespace/]name among the results.
func object(t *testing.T, res *Result, ref string) Object {
	t.Helper()
	for _, o := range res.Objects {
		k := facts.KeyOf(o.Body)
		if k.String() == ref {
			return o
		}
	}
	var have []string
	for _, o := range res.Objects {
		have = append(have, facts.KeyOf(o.Body).String())
	}
	t.Fatalf("%s not read; have %v", ref, have)
	return Object{}
}

// at follows a dotted path ("spec.containers.0.image") into a body.
func at(body any, p string) (any, bool) {
	cur := body
	for _, seg := range splitPath(p) {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[seg]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// splitPath splits at dots outside brackets: label keys hold dots, so
// they are written in brackets ("metadata.labels.[app.kubernetes.io/name]").
func splitPath(p string) []string {
	var out []string
	var cur strings.Builder
	depth := 0
	for _, r := range p {
		switch {
		case r == '[':
			depth++
		case r == ']':
			depth--
		case r == '.' && depth == 0:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	return append(out, cur.String())
}

func str(v any) string { return fmt.Sprint(v) }

func segs(p string) []any {
	var out []any
	for _, s := range splitPath(p) {
		if i, err := strconv.Atoi(s); err == nil {
			out = append(out, i)
		} else {
			out = append(out, s)
		}
	}
	return out
}
