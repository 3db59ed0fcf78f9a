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

// A cause lists what it makes suffer under its message; a consequence that
// is another finding's subject points at that finding instead of
// repeating it, in Markdown and in JSON.
func TestConsequencesChainCauseToSymptom(t *testing.T) {
	r := &Report{
		Rules: []Rule{{ID: "dns", Title: "DNS down", Severity: "critical", Status: "run"}, {ID: "sel", Title: "No endpoints", Severity: "high", Status: "run"}},
		Findings: []Finding{
			{Rule: "sel", Severity: "high", Title: "No endpoints", Message: "Service kube-system/kube-dns has no ready pod.",
				Subjects: []Subject{{Kind: "Service", Namespace: "kube-system", Name: "kube-dns"}}},
			{Rule: "dns", Severity: "critical", Title: "DNS down", Message: "CoreDNS is crash-looping.",
				Subjects: []Subject{{Kind: "Deployment", Namespace: "kube-system", Name: "coredns"}},
				Consequences: []Consequence{
					{Kind: "Service", Namespace: "kube-system", Name: "kube-dns", Note: "no ready endpoint", Rule: "sel"},
					{Kind: "Pod", Namespace: "orders", Name: "api-1", Note: "logs `EAI_AGAIN` *twice*"},
				}},
		},
	}
	r.Sort()
	if got := r.Findings[0].Consequences[0].Group; got != "sel#1" {
		t.Errorf("consequence group = %q, want sel#1", got)
	}
	if got := r.Findings[0].Consequences[1].Group; got != "" {
		t.Errorf("a consequence no finding is about got group %q", got)
	}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"CoreDNS is crash-looping.\n\nConsequences:\n\n",
		"- `Service kube-system/kube-dns` — no ready endpoint (→ see finding 2)\n",
		"- `Pod orders/api-1` — logs \\`EAI_AGAIN\\` \\*twice\\*\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"consequences": [`) || !strings.Contains(b.String(), `"group": "sel#1"`) {
		t.Errorf("JSON lacks the chain:\n%s", b.String())
	}
}
