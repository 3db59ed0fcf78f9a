package source

import (
	"strings"
	"testing"
)

func TestLinesAt(t *testing.T) {
	var sb strings.Builder
	for i := 1; i <= 5000; i++ {
		sb.WriteString(strings.Repeat("x", i%300))
		sb.WriteByte('\n')
	}
	text := sb.String()
	want := func(off int) int { return strings.Count(text[:off], "\n") + 1 }
	l := NewLines(strings.NewReader(text), int64(len(text)))
	l.every = 4096 // small checkpoints so backward queries use them
	for _, off := range []int{0, 10, 5000, 400000, 300, 700000, len(text)} {
		if off > len(text) {
			continue
		}
		if got := l.At(int64(off)); got != want(off) {
			t.Errorf("At(%d) = %d, want %d", off, got, want(off))
		}
	}
}

func TestReadLines(t *testing.T) {
	text := "one\r\ntwo\nthree " + strings.Repeat("y", 1000) + "\nfour"
	got := ReadLines(strings.NewReader(text), []int{4, 1, 3, 9})
	if got[1] != "one" || got[4] != "four" || len(got[3]) > MaxExcerpt+3 || !strings.HasSuffix(got[3], "…") || got[9] != "" {
		t.Errorf("%v", got)
	}
}

func TestClipKeepsRunes(t *testing.T) {
	s := strings.Repeat("é", MaxExcerpt)
	c := Clip(s)
	if !strings.HasSuffix(c, "…") || !strings.HasPrefix(c, "é") || strings.ContainsRune(c, '\uFFFD') {
		t.Errorf("%q", c)
	}
}

func TestExcerptAt(t *testing.T) {
	long := `{"kind":"EndpointsList","items":[` + strings.Repeat(`{"metadata":{"name":"cart"}},`, 20) +
		`{"metadata":{"name":"invoice"}}]}`
	pretty := "{\n  \"a\": 1,\n  \"message\": \"" + strings.Repeat("m", 300) + "\"\n}\n"
	short := "{\"a\": 1, \"b\": 2}"
	for _, tc := range []struct {
		name, doc, at string
		want          string // "" when the line is to be quoted whole
	}{
		{"compact list: from the field", long, `"name":"invoice"`, `…"name":"invoice"}}]}`},
		{"compact list, cut", long, `{"metadata":{"name":"cart"}},{"metadata"`, "…" + Clip(long[33:])},
		{"long line cited at its start", pretty, `"message"`, ""},
		{"short line", pretty, `"a"`, ""},
		{"short last line without newline", short, `"b"`, ""},
	} {
		r := strings.NewReader(tc.doc)
		got, ok := ExcerptAt(r, int64(strings.Index(tc.doc, tc.at)))
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: ExcerptAt = %q, %v; want %q", tc.name, got, ok, tc.want)
		}
	}
	if _, ok := ExcerptAt(strings.NewReader(long), -1); ok {
		t.Error("offset -1 (unknown) gave an excerpt")
	}
}
