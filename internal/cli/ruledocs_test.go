package cli

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/engine"
	"github.com/ktriage/ktriage/rules"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite docs/rules from the rules' METADATA")

// TestRuleDocs fails when docs/rules/ drifts from the rules' METADATA:
// every rule has docs/rules/<id>.md equal to `ktriage rules explain <id>`,
// and the index lists every rule. Refresh with
//
//	go test ./internal/cli -run TestRuleDocs -update-docs
func TestRuleDocs(t *testing.T) {
	e, err := engine.New(context.Background(), engine.Options{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "..", "docs", "rules")
	var index strings.Builder
	index.WriteString("# Rules\n\nGenerated from each rule's METADATA by `go test ./internal/cli -run TestRuleDocs -update-docs`; `ktriage rules explain ID` prints the same text.\n\n| ID | Category | Severity | Title |\n|---|---|---|---|\n")
	want := map[string]string{}
	for _, r := range e.Rules() {
		if r.Description == "" || r.Remediation == "" || len(r.References) == 0 {
			t.Errorf("rule %s: METADATA needs a description, custom.remediation and custom.references", r.ID)
		}
		want[r.ID+".md"] = ExplainText(r)
		index.WriteString("| [" + r.ID + "](" + r.ID + ".md) | " + r.Category + " | " + r.Severity + " | " + r.Title + " |\n")
	}
	want["README.md"] = index.String()
	if *updateDocs {
		os.MkdirAll(dir, 0o755)
		old, _ := filepath.Glob(filepath.Join(dir, "*.md"))
		for _, f := range old {
			os.Remove(f)
		}
		for name, text := range want {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	have, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	var extra []string
	for _, f := range have {
		if _, ok := want[filepath.Base(f)]; !ok {
			extra = append(extra, filepath.Base(f))
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("docs/rules has pages for no rule: %v (run with -update-docs)", extra)
	}
	for name, text := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != text {
			t.Errorf("docs/rules/%s is out of date with the rules' METADATA (run: go test ./internal/cli -run TestRuleDocs -update-docs)", name)
		}
	}
}
