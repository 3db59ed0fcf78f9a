package report

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/report/gfmcheck"
)

func goldenReports(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "dumps", "*", "report.md.golden"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden reports: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(filepath.Dir(f))] = b
	}
	return out
}

// Every golden report, rendered by cmark-gfm, has as many tables as it
// has table header rows, no pipe outside a table or code (a table that
// did not parse), and no HTML element the report's Markdown does not make.
func TestGoldenReportsRenderAsGFM(t *testing.T) {
	for name, md := range goldenReports(t) {
		t.Run(name, func(t *testing.T) {
			html := gfmcheck.Render(t, md)
			want := len(reDelimRow.FindAll(md, -1))
			if got := strings.Count(html, "<table>"); got != want {
				t.Errorf("%d tables rendered, %d header rows written", got, want)
			}
			for _, l := range gfmcheck.StrayPipes(html) {
				t.Errorf("pipe outside a table: %s", l)
			}
			if bad := gfmcheck.Foreign(html); len(bad) > 0 {
				t.Errorf("elements the report does not make: %v", bad)
			}
			if !strings.HasPrefix(html, "<h1>") {
				t.Errorf("the report does not open with its title")
			}
		})
	}
}

var reDelimRow = regexp.MustCompile(`(?m)^\|(?:---\|)+$`)

// reBareKey matches a quoted line that only opens a value ("status": {,
// containers:, - ports:) or is only punctuation: it proves nothing.
var (
	reBareKey     = regexp.MustCompile(`^(?:- )?"?[A-Za-z0-9_.\-/]+"?\s*:\s*[\[{]?\s*$`)
	rePunctuation = regexp.MustCompile(`^[\s{}\[\](),:;"'\-]*$`)
)

// No evidence of any golden report quotes a line that is only
// punctuation or a bare key: evidence cites the value that proves the
// point.
func TestGoldenEvidenceQuotesValues(t *testing.T) {
	for name, md := range goldenReports(t) {
		lines := strings.Split(string(md), "\n")
		inEvidence := false
		for i := 0; i < len(lines); i++ {
			l := lines[i]
			switch {
			case strings.HasPrefix(l, "### "):
				inEvidence = l == "### Evidence"
				continue
			case strings.HasPrefix(l, "## "):
				inEvidence = false
				continue
			}
			if !inEvidence || !strings.HasPrefix(l, "  ```") {
				continue
			}
			fence := strings.TrimSpace(l)
			for i++; i < len(lines) && strings.TrimSpace(lines[i]) != fence; i++ {
				q := strings.TrimSpace(lines[i])
				if rePunctuation.MatchString(q) || reBareKey.MatchString(q) {
					t.Errorf("%s: evidence quotes %q (line %d of the report)", name, q, i+1)
				}
			}
		}
	}
}

// The checks themselves: they catch what they are meant to catch.
func TestEvidenceCheckCatchesBareKeys(t *testing.T) {
	for _, q := range []string{`{`, `"status": {`, `"containers": [`, `status:`, `- ports:`, `},`} {
		if !rePunctuation.MatchString(q) && !reBareKey.MatchString(q) {
			t.Errorf("%q passes", q)
		}
	}
	for _, q := range []string{`"reason": "OOMKilled"`, `app: ledger`, `- type: Ready`, `:KUBE-MARK-DROP - [0:0]`, `*nat`} {
		if rePunctuation.MatchString(q) || reBareKey.MatchString(q) {
			t.Errorf("%q is caught", q)
		}
	}
}
