package report

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// Evidence quotes customer files verbatim; the Markdown must not pass on
// terminal escapes, bidi overrides or broken UTF-8 from them.
func TestMarkdownEscapesWhatATerminalWouldObey(t *testing.T) {
	r := &Report{
		Rules: []Rule{{ID: "x", Title: "T", Severity: "high", Status: "run"}},
		Findings: []Finding{{
			Rule: "x", Severity: "high", Title: "T",
			Message:  "pod \x1b[2Jevil\u202etxt.exe restarted",
			Evidence: []Evidence{{File: "logs/a.log", Line: 3, Text: "bad \xff\xfe bytes\r and a ```fence``` and\ttab", Note: "bell\a"}},
		}},
		Inputs: []Input{{File: "x\x1b]0;title\x07.txt", Kind: "unknown", Status: StatusUnrecognized, Error: "no"}},
	}
	r.Sort()
	var b bytes.Buffer
	if err := WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !utf8.ValidString(out) {
		t.Error("output is not UTF-8")
	}
	for _, bad := range []string{"\x1b", "\u202e", "\a", "\r", "\x07"} {
		if strings.Contains(out, bad) {
			t.Errorf("output carries %q", bad)
		}
	}
	for _, want := range []string{`\x1b\[2Jevil\u202etxt.exe`, `bad \xff\xfe bytes\r`, `bell\a`, "and\ttab", "  ````\n  bad"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestSafeTextPassesCleanTextThrough(t *testing.T) {
	in := "| Node | vm-5 — ≥ 1388 bytes, 日本語 |\n\ttab\n"
	var b bytes.Buffer
	if _, err := (safeText{&b}).Write([]byte(in)); err != nil || b.String() != in {
		t.Errorf("%q, %v", b.String(), err)
	}
}
