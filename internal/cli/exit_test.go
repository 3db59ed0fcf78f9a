package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/report"
)

// severityRules writes one always-firing user rule per severity, so a test
// can choose which severities a run produces with --enable.
func severityRules(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, sev := range report.Severities {
		src := fmt.Sprintf(`# METADATA
# title: always %[1]s
# description: Fires once, at severity %[1]s, whatever the bundle holds.
# custom:
#   id: always-%[1]s
#   category: exit-test
#   severity: %[1]s
#   remediation: none
package ktriage.rules.exittest["always-%[1]s"]

findings contains {"message": "a %[1]s finding"}
`, sev)
		if err := os.WriteFile(filepath.Join(dir, "always_"+sev+".rego"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Execute(context.Background(), args, &out, &errb, "test")
	return code, out.String(), errb.String()
}

const healthyBundle = "../../testdata/dumps/healthy-cluster/bundle"

// TestFailOnEveryLevel checks the --fail-on contract for every threshold
// against runs whose findings have known severities: exit 1 exactly when a
// finding is at or above the threshold, "none" never fails, and the
// default is high.
func TestFailOnEveryLevel(t *testing.T) {
	rules := severityRules(t)
	present := [][]string{
		{},
		{"info"},
		{"low"},
		{"medium"},
		{"high"},
		{"critical"},
		{"low", "medium"},
		{"info", "critical"},
	}
	thresholds := append(append([]string{}, report.Severities...), "none", "")
	for _, sevs := range present {
		// selector-mismatch is quiet on the healthy bundle: a run with no finding.
		enable := []string{"selector-mismatch"}
		if len(sevs) > 0 {
			enable = nil
			for _, s := range sevs {
				enable = append(enable, "always-"+s)
			}
		}
		for _, th := range thresholds {
			name := fmt.Sprintf("findings=%v/fail-on=%q", sevs, th)
			t.Run(name, func(t *testing.T) {
				args := []string{"analyze", "--format", "json", "--rules", rules, "--enable", strings.Join(enable, ",")}
				if th != "" {
					args = append(args, "--fail-on", th)
				}
				code, stdout, stderr := run(t, append(args, healthyBundle)...)
				effective := th
				if effective == "" {
					effective = "high"
				}
				want := ExitOK
				for _, s := range sevs {
					if effective != "none" && report.AtOrAbove(s, effective) {
						want = ExitFindings
					}
				}
				if code != want {
					t.Fatalf("exit %d, want %d; stderr: %s", code, want, stderr)
				}
				// The report is written whatever the exit status.
				var r report.Report
				if err := json.Unmarshal([]byte(stdout), &r); err != nil {
					t.Fatalf("report: %v", err)
				}
				if len(r.Findings) != len(sevs) {
					t.Fatalf("report has %d findings, want %d", len(r.Findings), len(sevs))
				}
			})
		}
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	cases := [][]string{
		{"analyze"},
		{"analyze", "--fail-on", "severe", healthyBundle},
		{"analyze", "--format", "pdf", healthyBundle},
		{"analyze", "--no-such-flag", healthyBundle},
		{"analyze", "--max-file-size", "lots", healthyBundle},
		{"analyze", "/nonexistent/bundle.tgz"},
		{"analyze", "--rules", "/nonexistent/rules", healthyBundle},
		{"rules", "explain", "no-such-rule"},
		{"verify"},
	}
	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, _, stderr := run(t, args...)
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d", code, ExitUsage)
			}
			if !strings.HasPrefix(stderr, "ktriage: ") {
				t.Fatalf("stderr does not say what is wrong: %q", stderr)
			}
		})
	}
}

func TestBrokenUserRuleExitsTwoWithTheReason(t *testing.T) {
	dir := t.TempDir()
	src := `# METADATA
# title: calls out
# custom:
#   id: calls-out
#   severity: high
package ktriage.rules.bad["calls-out"]

findings contains {"message": r.body} if {
	r := http.send({"method": "GET", "url": "http://example.com"})
}
`
	if err := os.WriteFile(filepath.Join(dir, "calls_out.rego"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, "analyze", "--rules", dir, healthyBundle)
	if code != ExitUsage || !strings.Contains(stderr, "http.send") {
		t.Fatalf("exit %d, stderr %q: want exit 2 naming http.send", code, stderr)
	}
}

// TestVerifyCommand runs `ktriage verify` as a rule author would: over
// project fixtures (pass) and over a fixture whose expectation is wrong
// (fail, exit 1, saying what differed).
func TestVerifyCommand(t *testing.T) {
	code, out, stderr := run(t, "verify", "../../testdata/dumps/healthy-cluster", "../../testdata/dumps/quota-limitrange-incident")
	if code != ExitOK {
		t.Fatalf("verify of project fixtures: exit %d\n%s%s", code, out, stderr)
	}

	bad := t.TempDir()
	expect := `description: expects a finding the healthy bundle cannot give
inputs: [` + mustAbs(t, healthyBundle) + `]
exit: 1
must:
  - rule: quota-limitrange
must_not: []
`
	if err := os.WriteFile(filepath.Join(bad, "expect.yaml"), []byte(expect), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = run(t, "verify", bad)
	if code != ExitFindings || !strings.Contains(out, "FAIL") || !strings.Contains(out, "quota-limitrange") {
		t.Fatalf("verify of a wrong expectation: exit %d, output:\n%s", code, out)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// A run that judged nothing exits 3 whatever --fail-on says, and its
// report's first line after the title says why; a collector log saying the
// API server was unreachable comes before even that.
func TestNothingJudged(t *testing.T) {
	cases := []struct{ bundle, first string }{
		{"../../testdata/dumps/nothing-understood/bundle", "**Nothing could be judged:** none of the 3 files read"},
		{"../../testdata/dumps/collector-api-unreachable/bundle", "**The API server was unreachable when the bundle was collected:** ktriage-bundle-prod-20261123T100000Z/ktriage-collect.log:6: The connection to the server 10.0.0.1:6443 was refused"},
	}
	for _, c := range cases {
		for _, failOn := range []string{"high", "none"} {
			code, out, errs := run(t, "analyze", "--fail-on", failOn, c.bundle)
			if code != ExitUnjudged {
				t.Errorf("%s --fail-on %s: exit %d, want %d (%s)", c.bundle, failOn, code, ExitUnjudged, errs)
			}
			lines := strings.SplitN(out, "\n", 4)
			if len(lines) < 3 || !strings.HasPrefix(lines[2], c.first) {
				t.Errorf("%s: first line %q, want it to start %q", c.bundle, lines, c.first)
			}
		}
	}
	if code, _, _ := run(t, "analyze", healthyBundle); code != ExitOK {
		t.Errorf("healthy bundle: exit %d, want 0", code)
	}
	// the quoted kubectl error names the API server: --redact-ips hides it
	_, out, _ := run(t, "analyze", "--redact-ips", "--format", "json", cases[1].bundle)
	if strings.Contains(out, "10.0.0.1") || !strings.Contains(out, `"api_unreachable": "`) {
		t.Errorf("--redact-ips: the API server's address is not hidden:\n%s", out)
	}
}
