package verify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/report"
)

func rep() *report.Report {
	return &report.Report{
		Findings: []report.Finding{{
			Rule: "selector-mismatch", Message: "Service shop/invoice selects app=invoice",
			Subjects: []report.Subject{{Kind: "Service", Namespace: "shop", Name: "invoice"}},
			Evidence: []report.Evidence{{File: "bundle/services.json", Line: 12, Text: `"app": "invoice"`}},
		}},
		Inputs:  []report.Input{{File: "bundle/broken.yaml", Status: report.StatusFailed}},
		Skipped: []report.Skipped{{Rule: "quota-limitrange", Reason: "no quota objects"}},
	}
}

func TestCheck(t *testing.T) {
	one := 1
	zero := 0
	cases := []struct {
		name string
		e    Expectation
		exit int
		want []string // substrings of the problems, in order; none: passes
	}{
		{"passes", Expectation{Exit: &one, Must: []Must{{Rule: "selector-mismatch", Subjects: []string{"Service/shop/invoice"}, MessageContains: []string{"app=invoice"}, EvidenceFiles: []string{"services.json"}, Count: 1}},
			MustNot: []string{"mtu"}, InputsStatus: map[string]string{"broken.yaml": "failed"}, SkippedContains: []string{"quota-limitrange"}}, 1, nil},
		{"exit", Expectation{Exit: &zero}, 1, []string{"exit status 1, want 0"}},
		{"missing rule", Expectation{Must: []Must{{Rule: "mtu"}}}, 0, []string{"no finding of rule mtu"}},
		{"wrong subject", Expectation{Must: []Must{{Rule: "selector-mismatch", Subjects: []string{"Service/shop/cart"}}}}, 0, []string{"subject Service/shop/cart missing"}},
		{"message", Expectation{Must: []Must{{Rule: "selector-mismatch", MessageContains: []string{"app=cart"}}}}, 0, []string{`message lacks "app=cart"`}},
		{"evidence", Expectation{Must: []Must{{Rule: "selector-mismatch", EvidenceFiles: []string{"pods.json"}}}}, 0, []string{"no evidence from pods.json"}},
		{"count", Expectation{Must: []Must{{Rule: "selector-mismatch", Count: 2}}}, 0, []string{"1 findings, want 2"}},
		{"must not", Expectation{MustNot: []string{"selector-mismatch"}}, 0, []string{"must not fire"}},
		{"input status", Expectation{InputsStatus: map[string]string{"broken.yaml": "parsed", "gone.txt": "parsed"}}, 0, []string{"status failed, want parsed", "no input ends with gone.txt"}},
		{"skipped", Expectation{SkippedContains: []string{"mtu"}}, 0, []string{"rule mtu reports no check as not run"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Check(tc.e, rep(), tc.exit)
			if len(got) != len(tc.want) {
				t.Fatalf("problems %q, want %d", got, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %q lacks %q", got[i], w)
				}
			}
		})
	}
}

func TestEvidenceMustCiteAPlace(t *testing.T) {
	r := rep()
	r.Findings[0].Evidence = append(r.Findings[0].Evidence, report.Evidence{File: "x.json", Note: "somewhere"})
	if got := Check(Expectation{}, r, 0); len(got) != 1 || !strings.Contains(got[0], "cites no line") {
		t.Errorf("%q", got)
	}
}

func TestMissingOutside(t *testing.T) {
	tmp := t.TempDir()
	root := filepath.Join(tmp, "repo")
	dir := filepath.Join(root, "testdata", "dumps", "fx")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "present.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	fx := Fixture{Dir: dir, Expect: Expectation{Inputs: []string{
		"bundle",                             // inside the repository, missing: not skipped
		"../../../../present.txt",            // outside, present
		"../../../../shared/realworld/x.txt", // outside, missing
	}}}
	got := fx.MissingOutside(root)
	if len(got) != 1 || !strings.HasSuffix(got[0], filepath.Join("shared", "realworld", "x.txt")) {
		t.Fatalf("MissingOutside = %v, want only the shared sample", got)
	}
}
