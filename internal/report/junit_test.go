package report_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/report"
)

// The JUnit output is read back with encoding/xml, as a CI server would,
// and held to the report it came from.

type junitDoc struct {
	XMLName xml.Name `xml:"testsuites"`
	Name    string   `xml:"name,attr"`
	junitCounts
	Suites []junitSuite `xml:"testsuite"`
}

type junitCounts struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Skipped  int `xml:"skipped,attr"`
}

type junitSuite struct {
	Name string `xml:"name,attr"`
	junitCounts
	Cases []junitCase `xml:"testcase"`
}

type junitCase struct {
	Classname string         `xml:"classname,attr"`
	Name      string         `xml:"name,attr"`
	Failures  []junitOutcome `xml:"failure"`
	Errors    []junitOutcome `xml:"error"`
	Skipped   []junitOutcome `xml:"skipped"`
	SystemOut string         `xml:"system-out"`
}

type junitOutcome struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

func writeJUnit(t *testing.T, r *report.Report) ([]byte, junitDoc) {
	t.Helper()
	var buf bytes.Buffer
	if err := report.WriteJUnit(&buf, r); err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, buf.Bytes())
	}
	return buf.Bytes(), doc
}

// checkJUnit: counts add up, each case has at most one outcome, every
// rule is one case that fails exactly when it has findings, and the inputs
// suite lists exactly the files not read completely.
func checkJUnit(t *testing.T, r *report.Report, doc junitDoc) {
	t.Helper()
	var total junitCounts
	cases := map[string]junitCase{}
	var inputs *junitSuite
	for i, s := range doc.Suites {
		var n junitCounts
		n.Tests = len(s.Cases)
		for _, c := range s.Cases {
			if k := len(c.Failures) + len(c.Errors) + len(c.Skipped); k > 1 {
				t.Errorf("%s/%s has %d outcome elements; readers take only the first", s.Name, c.Name, k)
			}
			n.Failures += len(c.Failures)
			n.Errors += len(c.Errors)
			n.Skipped += len(c.Skipped)
			if s.Name != "inputs" {
				if _, dup := cases[c.Name]; dup {
					t.Errorf("rule %s has two test cases", c.Name)
				}
				cases[c.Name] = c
			}
		}
		if n != s.junitCounts {
			t.Errorf("suite %s says %+v, holds %+v", s.Name, s.junitCounts, n)
		}
		total.Tests += n.Tests
		total.Failures += n.Failures
		total.Errors += n.Errors
		total.Skipped += n.Skipped
		if s.Name == "inputs" {
			inputs = &doc.Suites[i]
		}
	}
	if total != doc.junitCounts {
		t.Errorf("testsuites says %+v, the suites hold %+v", doc.junitCounts, total)
	}

	findings := map[string][]report.Finding{}
	for _, f := range r.Findings {
		findings[f.Rule] = append(findings[f.Rule], f)
	}
	ids := map[string]report.Rule{}
	for _, rule := range r.Rules {
		if _, ok := ids[rule.ID]; !ok {
			ids[rule.ID] = rule
		}
	}
	for id := range findings {
		if _, ok := ids[id]; !ok {
			ids[id] = report.Rule{ID: id, Category: findings[id][0].Category, Status: "run"}
		}
	}
	if len(cases) != len(ids) {
		t.Errorf("%d rule test cases for %d rules", len(cases), len(ids))
	}
	for id, rule := range ids {
		c, ok := cases[id]
		if !ok {
			t.Errorf("rule %s has no test case", id)
			continue
		}
		if rule.Category != "" && c.Classname != "ktriage."+rule.Category {
			t.Errorf("rule %s: classname %q", id, c.Classname)
		}
		fs := findings[id]
		switch {
		case len(fs) > 0:
			if len(c.Failures) != 1 {
				t.Errorf("rule %s has %d findings but %d failure elements", id, len(fs), len(c.Failures))
				continue
			}
			fl := c.Failures[0]
			if !strings.Contains(fl.Message, xmlSafe(fs[0].Message)) {
				t.Errorf("rule %s: failure message %q lacks %q", id, fl.Message, fs[0].Message)
			}
			for _, f := range fs {
				if !strings.Contains(fl.Body, xmlSafe(f.Message)) {
					t.Errorf("rule %s: failure body lacks finding %q", id, f.Message)
				}
				for _, e := range f.Evidence {
					if e.File != "" && e.Line > 0 && !strings.Contains(fl.Body, fmt.Sprintf("%s:%d", e.File, e.Line)) {
						t.Errorf("rule %s: failure body lacks %s:%d", id, e.File, e.Line)
					}
				}
			}
		case rule.Status == "skipped":
			if len(c.Skipped)+len(c.Errors) != 1 {
				t.Errorf("skipped rule %s: %+v", id, c)
			}
		default:
			if len(c.Failures)+len(c.Errors)+len(c.Skipped) != 0 {
				t.Errorf("rule %s ran and found nothing, yet: %+v", id, c)
			}
		}
	}

	var odd []string
	if len(r.Limits) > 0 {
		odd = append(odd, "bundle read completely")
	}
	for _, in := range r.Inputs {
		if in.Status != report.StatusParsed {
			odd = append(odd, in.File)
		}
	}
	var got []string
	if inputs != nil {
		for _, c := range inputs.Cases {
			got = append(got, c.Name)
		}
	}
	if strings.Join(got, "\n") != strings.Join(odd, "\n") {
		t.Errorf("inputs suite lists\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(odd, "\n"))
	}
}

// xmlSafe is s as XML can hold it: characters XML 1.0 forbids become
// U+FFFD.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t', r == '\n', r == '\r', 0x20 <= r && r <= 0xD7FF, 0xE000 <= r && r <= 0xFFFD, 0x10000 <= r && r <= 0x10FFFF:
			return r
		}
		return '\uFFFD'
	}, s)
}

func TestJUnitFixtures(t *testing.T) {
	names, reports := fixtureReports(t)
	for _, name := range names {
		r := reports[name]
		t.Run(name, func(t *testing.T) {
			out, doc := writeJUnit(t, r)
			checkJUnit(t, r, doc)
			if again, _ := writeJUnit(t, r); !bytes.Equal(out, again) {
				t.Error("the same report gave different JUnit XML")
			}
		})
	}
}

func TestJUnitCases(t *testing.T) {
	tests := []struct {
		name  string
		r     report.Report
		want  junitCounts // for the whole document
		check func(t *testing.T, doc junitDoc)
	}{
		{
			name: "no findings",
			r:    report.Report{Rules: []report.Rule{rule("a", "high", "run"), rule("b", "low", "run")}},
			want: junitCounts{Tests: 2},
			check: func(t *testing.T, doc junitDoc) {
				if len(doc.Suites) != 2 || doc.Suites[0].Name != "cat-a" || doc.Suites[1].Name != "cat-b" {
					t.Errorf("suites %+v", doc.Suites)
				}
			},
		},
		{
			name: "two findings of one rule, one of another",
			r: report.Report{
				Rules: []report.Rule{rule("mtu", "high", "run"), rule("quota", "high", "run"), rule("quiet", "low", "run")},
				Findings: []report.Finding{
					finding("mtu", "high", "vm-1 MTU 1450 does not fit", report.Evidence{File: "b.tgz!/vm-1/ip-d-addr.txt", Line: 14, Note: "flannel.1", Text: "mtu 1450"}),
					finding("mtu", "medium", "vm-2 MTU 1450 does not fit", report.Evidence{File: "b.tgz!/vm-2/ip-d-addr.txt", Line: 7}),
					finding("quota", "critical", "1Gi > 1G", report.Evidence{File: "cap.pcap", Frame: 12, Note: "SYN"}, report.Evidence{Note: "events only"}),
				},
			},
			want: junitCounts{Tests: 3, Failures: 2},
			check: func(t *testing.T, doc junitDoc) {
				mtu := doc.Suites[0].Cases[0]
				if mtu.Failures[0].Message != "2 findings; the first: vm-1 MTU 1450 does not fit" || mtu.Failures[0].Type != "high" {
					t.Errorf("mtu failure %+v", mtu.Failures[0])
				}
				for _, want := range []string{"Finding 2 of 2", "b.tgz!/vm-1/ip-d-addr.txt:14 — flannel.1", "    mtu 1450", "Objects: Node vm-5", "Fix:\n  Fix it.", "kubectl get node vm-5"} {
					if !strings.Contains(mtu.Failures[0].Body, want) {
						t.Errorf("mtu failure body lacks %q:\n%s", want, mtu.Failures[0].Body)
					}
				}
				quota := doc.Suites[2].Cases[0]
				if quota.Failures[0].Message != "1Gi > 1G" || quota.Failures[0].Type != "critical" ||
					!strings.Contains(quota.Failures[0].Body, "cap.pcap frame 12 — SYN") || !strings.Contains(quota.Failures[0].Body, "  events only") {
					t.Errorf("quota failure %+v", quota.Failures[0])
				}
			},
		},
		{
			name: "skipped, crashed and partially fed rules",
			r: report.Report{
				Rules: []report.Rule{rule("a", "high", "run"), rule("b", "high", "skipped"), rule("c", "high", "skipped")},
				Skipped: []report.Skipped{
					{Rule: "a", Reason: "pods of namespace x are not in the bundle"},
					{Rule: "b", Reason: "the bundle has no node.sysctl"},
					{Rule: "c", Reason: "rule failed: eval_conflict_error"},
				},
			},
			want: junitCounts{Tests: 3, Skipped: 1, Errors: 1},
			check: func(t *testing.T, doc junitDoc) {
				a, b, c := doc.Suites[0].Cases[0], doc.Suites[1].Cases[0], doc.Suites[2].Cases[0]
				if !strings.Contains(a.SystemOut, "pods of namespace x are not in the bundle") {
					t.Errorf("a: %+v", a)
				}
				if b.Skipped[0].Message != "the bundle has no node.sysctl" {
					t.Errorf("b: %+v", b)
				}
				if c.Errors[0].Type != "rule-failed" || c.Errors[0].Message != "rule failed: eval_conflict_error" {
					t.Errorf("c: %+v", c)
				}
			},
		},
		{
			name: "files not understood and caps",
			r: report.Report{
				Inputs: []report.Input{
					{File: "ok.json", Status: report.StatusParsed},
					{File: "broken.yaml", Kind: "kubernetes", Status: report.StatusFailed, Error: "line 4: invalid YAML"},
					{File: "b.tgz!/more-pods.json", Status: report.StatusPartial, Detail: "2 pods", Warnings: []string{"line 1: cut off"}},
					{File: "core.bin", Status: report.StatusUnrecognized, Error: "binary content"},
					{File: "link", Status: report.StatusSkipped, Error: "symbolic link, not followed"},
				},
				Limits: []string{"entry cap reached"},
			},
			want: junitCounts{Tests: 5, Errors: 2, Skipped: 2},
			check: func(t *testing.T, doc junitDoc) {
				in := doc.Suites[len(doc.Suites)-1]
				if in.Name != "inputs" || in.Cases[0].Errors[0].Type != "limit" || in.Cases[1].Errors[0].Message != "line 4: invalid YAML" {
					t.Errorf("inputs %+v", in)
				}
				if !strings.Contains(in.Cases[2].SystemOut, "line 1: cut off") || in.Cases[3].Skipped[0].Message != "unrecognized: binary content" {
					t.Errorf("partial and unrecognized: %+v %+v", in.Cases[2], in.Cases[3])
				}
			},
		},
		{
			name: "text XML cannot hold as is",
			r: report.Report{
				Rules: []report.Rule{rule("r", "high", "run")},
				Findings: []report.Finding{finding("r", "high", "a <b> & \"c\" 'd' ]]> e\x01f\nsecond line",
					report.Evidence{File: "x<y>.txt", Line: 1, Text: "</failure><injected/>"})},
			},
			want: junitCounts{Tests: 1, Failures: 1},
			check: func(t *testing.T, doc junitDoc) {
				f := doc.Suites[0].Cases[0].Failures[0]
				if f.Message != "a <b> & \"c\" 'd' ]]> e\uFFFDf\nsecond line" {
					t.Errorf("message %q", f.Message)
				}
				if !strings.Contains(f.Body, "x<y>.txt:1") || !strings.Contains(f.Body, "</failure><injected/>") {
					t.Errorf("body %q", f.Body)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, doc := writeJUnit(t, &tc.r)
			checkJUnit(t, &tc.r, doc)
			if doc.junitCounts != tc.want {
				t.Errorf("counts %+v, want %+v", doc.junitCounts, tc.want)
			}
			tc.check(t, doc)
		})
	}
}
