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
			Rule: "selector-mismatch", Message: "Service shop/invoice selects app=invoice", Severity: "high",
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
		{"passes", Expectation{Exit: &one, Must: []Must{{Rule: "selector-mismatch", Subjects: []string{"Service/shop/invoice"}, MessageContains: []string{"app=invoice"}, EvidenceFiles: []string{"services.json"}, Count: 1, Severity: "high"}},
			MustNot: []string{"mtu"}, InputsStatus: map[string]string{"broken.yaml": "failed"}, SkippedContains: []string{"quota-limitrange"}}, 1, nil},
		{"exit", Expectation{Exit: &zero}, 1, []string{"exit status 1, want 0"}},
		{"missing rule", Expectation{Must: []Must{{Rule: "mtu"}}}, 0, []string{"no finding of rule mtu"}},
		{"wrong subject", Expectation{Must: []Must{{Rule: "selector-mismatch", Subjects: []string{"Service/shop/cart"}}}}, 0, []string{"subject Service/shop/cart missing"}},
		{"message", Expectation{Must: []Must{{Rule: "selector-mismatch", MessageContains: []string{"app=cart"}}}}, 0, []string{`message lacks "app=cart"`}},
		{"evidence", Expectation{Must: []Must{{Rule: "selector-mismatch", EvidenceFiles: []string{"pods.json"}}}}, 0, []string{"no evidence from pods.json"}},
		{"severity", Expectation{Must: []Must{{Rule: "selector-mismatch", Severity: "info"}}}, 0, []string{"severity high, want info"}},
		{"count", Expectation{Must: []Must{{Rule: "selector-mismatch", Count: 2}}}, 0, []string{"1 findings, want 2"}},
		{"must not", Expectation{MustNot: []string{"selector-mismatch"}}, 0, []string{"must not fire"}},
		{"must not at severity", Expectation{MustNot: []string{"selector-mismatch:high", "selector-mismatch:critical", "mtu:info"}}, 0, []string{"must not fire at high or above"}},
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

// A fixture reading ../shared/... is skipped, not failed, where shared/ is
// not beside the checkout; a fixture's own missing input is no such case.
func TestMissingShared(t *testing.T) {
	dir := t.TempDir()
	fx := filepath.Join(dir, "repo", "testdata", "dumps", "x")
	if err := os.MkdirAll(fx, 0o755); err != nil {
		t.Fatal(err)
	}
	in := "../../../../shared/realworld/sysctl/a.txt"
	f := Fixture{Dir: fx, Expect: Expectation{Inputs: []string{"bundle", in}}}
	if got := f.MissingShared(); got != filepath.Join(fx, in) {
		t.Errorf("shared absent: %q", got)
	}
	if err := os.MkdirAll(filepath.Join(dir, "shared", "realworld", "sysctl"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "shared", "realworld", "sysctl", "a.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := f.MissingShared(); got != "" {
		t.Errorf("shared present: %q", got)
	}
	if got := (Fixture{Dir: fx, Expect: Expectation{Inputs: []string{"bundle"}}}).MissingShared(); got != "" {
		t.Errorf("own input: %q", got)
	}
}

func TestCompareFindings(t *testing.T) {
	r := func(fs ...report.Finding) *report.Report { return &report.Report{Findings: fs} }
	f := func(rule, sev string, subs ...report.Subject) report.Finding {
		return report.Finding{Rule: rule, Severity: sev, Subjects: subs}
	}
	pod := report.Subject{Kind: "Pod", Namespace: "shop", Name: "web-1"}
	dep := report.Subject{Kind: "Deployment", Namespace: "shop", Name: "web"}
	want := FindingKeys(r(f("crashloop", "critical", pod, dep), f("probe", "high", dep)))
	if p := CompareFindings(want, FindingKeys(r(f("probe", "high", dep), f("crashloop", "critical", dep, pod))), "../x"); len(p) != 0 {
		t.Errorf("same findings in another order: %v", p)
	}
	p := CompareFindings(want, FindingKeys(r(f("crashloop", "high", pod, dep), f("probe", "high", dep), f("probe", "high", dep))), "../x")
	if len(p) != 3 {
		t.Errorf("a changed severity and a duplicate must be 3 problems: %v", p)
	}
}

func TestLoadRefusesAnUnknownSeverityFloor(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, FileName), []byte("inputs: [bundle]\nmust_not: [\"selector-mismatch:hihg\"]\n"), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), `"hihg" is not a severity`) {
		t.Fatalf("Load: %v", err)
	}
	os.WriteFile(filepath.Join(dir, FileName), []byte("inputs: [bundle]\nmust_not: [\"selector-mismatch:high\", dns]\n"), 0o644)
	if _, err := Load(dir); err != nil {
		t.Fatal(err)
	}
}
