package source

import (
	"fmt"
	"strings"
	"testing"
)

func TestLineReader(t *testing.T) {
	type seg struct {
		text string
		n    int
	}
	read := func(in string) (out []seg, cuts int) {
		lr := NewLineReader(strings.NewReader(in), 64<<10)
		for {
			s, cut, ok, err := lr.Next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				return out, cuts
			}
			if cut {
				cuts++
			}
			out = append(out, seg{s, lr.Line()})
		}
	}
	got, _ := read("a\r\nb\rc\n\nd")
	want := []seg{{"a", 1}, {"b", 2}, {"c", 2}, {"", 3}, {"d", 4}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// A 400 KB file of bare-CR lines is 100,000 short lines, none cut, all
	// on line 1 as a '\n' counter sees it.
	got, cuts := read(strings.Repeat("abc\r", 100_000))
	if len(got) != 100_000 || cuts != 0 || got[99_999] != (seg{"abc", 1}) {
		t.Errorf("%d lines, %d cut, last %v", len(got), cuts, got[len(got)-1])
	}
	// "\r" at the end of a 64 KiB buffer followed by "\n" is still one break.
	in := strings.Repeat("y", 64<<10-1) + "\r\nz\n"
	got, cuts = read(in)
	if len(got) != 2 || got[1] != (seg{"z", 2}) || cuts != 0 {
		t.Errorf("%d lines, %d cut, %v", len(got), cuts, got[len(got)-1])
	}
}

func TestHeadLinesAndQuote(t *testing.T) {
	if got := HeadLines([]byte("\xef\xbb\xbfa\r\nb\rc\n\nd"), 100); fmt.Sprint(got) != "[a b c d]" {
		t.Errorf("HeadLines: %q", got)
	}
	// A full head drops its last line, which may be cut short.
	if got := HeadLines([]byte("a\nbc"), 4); fmt.Sprint(got) != "[a]" {
		t.Errorf("full head: %q", got)
	}
	long := "  " + strings.Repeat("é", 200) + "  "
	q := Quote(long)
	if len(q) > MaxExcerpt || !strings.HasSuffix(q, "…") || strings.HasPrefix(q, " ") || !strings.HasPrefix(q, "é") {
		t.Errorf("Quote: %d bytes %q", len(q), q)
	}
	if Quote(" short \t") != "short" {
		t.Error("Quote trims")
	}
}
