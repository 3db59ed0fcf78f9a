package report

import (
	"bytes"
	"strings"
	"testing"
)

func render(t *testing.T, r *Report) string {
	t.Helper()
	r.Sort()
	var b bytes.Buffer
	if err := WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

const mtuGeneral = "Set the overlay MTU to the smallest underlay MTU minus the overhead."

func mtuFinding(node string) Finding {
	return Finding{
		Rule: "mtu", Category: "mtu", Severity: "high", Title: "Overlay MTU does not fit the underlay",
		Message:     "flannel.1 1450 + 50 = 1500 > eth0 1450 on " + node + ": large transfers stall.",
		Subjects:    []Subject{{Kind: "Node", Name: node}},
		Evidence:    []Evidence{{File: "nodes/" + node + "/ip-d-addr.txt", Line: 7, Text: "2: eth0: mtu 1450", Note: "eth0: underlay MTU 1450"}},
		Confirm:     []string{"ip link show eth0   # on " + node},
		Remediation: "Lower the VXLAN MTU on " + node + " to 1400.\n\n" + mtuGeneral,
	}
}

func mtuReport(findings ...Finding) *Report {
	return &Report{
		Rules: []Rule{
			{ID: "mtu", Title: "Overlay MTU does not fit the underlay", Severity: "high", Status: "run", Remediation: mtuGeneral, References: []string{"https://example.org/mtu"}},
			{ID: "ip-forward", Title: "IP forwarding is off on a node", Severity: "critical", Status: "skipped"},
			{ID: "quota-limitrange", Title: "Quota", Severity: "high", Status: "run"},
		},
		Findings: findings,
		Skipped: []Skipped{
			{Rule: "ip-forward", Reason: "the bundle has no node.sysctl"},
			{Rule: "quota-limitrange", Reason: "the bundle has no ResourceQuota objects: only events were checked"},
		},
		RulesRun: 2,
	}
}

// One cause on two nodes is one section that names both, with the
// generic remediation once, in the appendix.
func TestMarkdownGroupsOneCauseAcrossNodes(t *testing.T) {
	r := mtuReport(mtuFinding("vm-1"), mtuFinding("vm-2"))
	out := render(t, r)
	if n := strings.Count(out, "## 1. HIGH"); n != 1 || strings.Contains(out, "## 2.") {
		t.Errorf("want one section, got:\n%s", out)
	}
	if !strings.Contains(out, "on vm-1 and vm-2: large transfers stall") {
		t.Errorf("merged message missing:\n%s", out)
	}
	if !strings.Contains(out, "Lower the VXLAN MTU on vm-1 and vm-2 to 1400.") {
		t.Errorf("merged specific fix missing:\n%s", out)
	}
	if n := strings.Count(out, mtuGeneral); n != 1 {
		t.Errorf("general remediation written %d times, want once", n)
	}
	if i, j := strings.Index(out, mtuGeneral), strings.Index(out, "## Appendix"); i < j {
		t.Errorf("general remediation before the appendix")
	}
	if r.Findings[0].Group != "mtu#1" || r.Findings[1].Group != "mtu#1" {
		t.Errorf("groups %q %q, want mtu#1 for both", r.Findings[0].Group, r.Findings[1].Group)
	}
	// The first screen: the title, then the headline of the worst cause.
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[2], "**HIGH: Overlay MTU does not fit the underlay** — ") {
		t.Errorf("first screen does not lead with the cause: %q", lines[2])
	}
}

// Findings of one rule that differ in more than names stay apart.
func TestMarkdownKeepsDifferentCausesApart(t *testing.T) {
	a, b := mtuFinding("vm-1"), mtuFinding("vm-2")
	b.Message = "tunl0 1440 + 20 = 1460 > eth0 1450 on vm-2: large transfers stall."
	r := mtuReport(a, b)
	out := render(t, r)
	if !strings.Contains(out, "## 2. HIGH") || r.Findings[0].Group == r.Findings[1].Group {
		t.Errorf("two causes merged:\n%s", out)
	}
	// details.reason names a cause: the same reason joins, messages listed.
	a.Details = map[string]any{"reason": "vxlan-too-big"}
	b.Details = map[string]any{"reason": "vxlan-too-big"}
	r = mtuReport(a, b)
	out = render(t, r)
	if strings.Contains(out, "## 2.") || !strings.Contains(out, "(and 1 more like it)") {
		t.Errorf("details.reason not honoured:\n%s", out)
	}
	b.Details = map[string]any{"reason": "ipip-too-big"}
	if r = mtuReport(a, b); render(t, r) == "" || r.Findings[0].Group == r.Findings[1].Group {
		t.Errorf("different reasons grouped")
	}
	// details.group joins what the rule says is one cause, messages listed.
	a.Details = map[string]any{"group": "vxlan"}
	b.Details = map[string]any{"group": "vxlan"}
	r = mtuReport(a, b)
	out = render(t, r)
	if strings.Contains(out, "## 2.") || !strings.Contains(out, "- tunl0 1440") || !strings.Contains(out, "- flannel.1 1450") {
		t.Errorf("details.group not honoured:\n%s", out)
	}
}

// A name is taken out of a message only as a whole word.
func TestAbstractWholeNames(t *testing.T) {
	a := abstract("on vm-1 and vm-10, vm-1.", []string{"vm-1"})
	if a.key() != "on \x01 and vm-10, \x01." || len(a.vals) != 2 {
		t.Errorf("%q %q", a.key(), a.vals)
	}
}

func TestMarkdownRepeatedLogLines(t *testing.T) {
	f := mtuFinding("vm-1")
	f.Evidence = nil
	for i, ts := range []string{"09:14:51.5", "09:15:21.6", "09:15:51.7", "09:16:21.8"} {
		f.Evidence = append(f.Evidence, Evidence{File: "dump.txt", Line: 287 + i, Text: "E0312 " + ts + " 1 proxier.go:1435] Failed", Note: "restore fails"})
	}
	out := render(t, mtuReport(f))
	if !strings.Contains(out, "restore fails (4 times, first and last shown)") ||
		!strings.Contains(out, "09:14:51.5") || !strings.Contains(out, "09:16:21.8") || strings.Contains(out, "09:15:21.6") {
		t.Errorf("repeated lines not folded:\n%s", out)
	}
}

func TestMarkdownChecksNotRun(t *testing.T) {
	out := render(t, mtuReport(mtuFinding("vm-1")))
	sec := out[strings.Index(out, "## Checks not run"):strings.Index(out, "## Appendix")]
	if !strings.Contains(sec, "| `ip-forward` IP forwarding is off on a node | no `sysctl -a` from any node | `"+collectNodes+"` |") {
		t.Errorf("skipped rule not in user words:\n%s", sec)
	}
	table := sec[:strings.Index(sec, "Checks that ran on part of their input")]
	if strings.Contains(table, "quota-limitrange") {
		t.Errorf("a rule that ran is listed as not run:\n%s", sec)
	}
	if !strings.Contains(sec, "- `quota-limitrange`: the bundle has no ResourceQuota objects") {
		t.Errorf("notice missing:\n%s", sec)
	}
}

func TestMarkdownFilesNotUnderstood(t *testing.T) {
	r := mtuReport()
	r.Inputs = []Input{
		{File: "b.tgz!/sb/cluster-resources/pods/logs/ns/p/c.log", Kind: "pod-log", Status: StatusParsed},
		{File: "b.tgz!/sb/all-logs/p/c.log", Kind: "none", Status: StatusSkipped, Error: `symbolic link to "../../cluster-resources/pods/logs/ns/p/c.log", not followed`},
		{File: "b.tgz!/sb/all-logs/p/gone.log", Kind: "none", Status: StatusSkipped, Error: `symbolic link to "../../nowhere.log", not followed`},
		{File: "b.tgz!/sb/version.yaml", Kind: "unknown", Status: StatusUnrecognized, Error: "no parser"},
		{File: "b.tgz!/sb/analysis.json", Kind: "unknown", Status: StatusUnrecognized, Error: "no parser"},
		{File: "b.tgz!/sb/odd.bin", Kind: "unknown", Status: StatusUnrecognized, Error: "binary"},
	}
	out := render(t, r)
	sec := out[strings.Index(out, "## Files not understood"):strings.Index(out, "## Appendix")]
	if strings.Contains(sec, "all-logs/p/c.log") || !strings.Contains(sec, "gone.log") || !strings.Contains(sec, "odd.bin") {
		t.Errorf("links whose target was read must be left out, others kept:\n%s", sec)
	}
	if strings.Contains(sec, "| `b.tgz!/sb/version.yaml`") || !strings.Contains(sec, "2 files are the collector's records about itself (`analysis.json` and `version.yaml`)") {
		t.Errorf("collector records not grouped:\n%s", sec)
	}
	if !strings.Contains(sec, "Left out: 1 symbolic link whose target was read.") {
		t.Errorf("left-out links not counted:\n%s", sec)
	}
	// Every file read: no such section; the inventory is Inputs, after
	// the findings.
	r.Inputs = []Input{{File: "b.tgz!/sb/x.log", Kind: "pod-log", Status: StatusParsed}}
	out = render(t, r)
	if strings.Contains(out, "## Files not understood") || !strings.Contains(out, "### Inputs") {
		t.Errorf("inventory with every file read:\n%s", out)
	}
}

func TestCutWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"kube-proxy cannot restore its rules on vm-8", 20, "kube-proxy cannot…"},
		{"a, b, c, d", 5, "a, b…"},
		{strings.Repeat("x", 30), 10, strings.Repeat("x", 10) + "…"},
		{"日本語日本語日本語", 7, "日本…"},
	} {
		if got := cutWords(tc.in, tc.max); got != tc.want {
			t.Errorf("cutWords(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

// Each escaper keeps its context: text cannot open a block or an
// element, a code span cannot be closed early, a fence is longer than any
// run of backticks inside.
func TestEscapers(t *testing.T) {
	for in, want := range map[string]string{
		"# head":                   `\# head`,
		"a\n# b":                   `a # b`,
		"<img src=x onerror=y>":    `\<img src=x onerror=y>`,
		"> quote":                  `\> quote`,
		"&lt;b&gt; &#60; &#x3c;":   `\&lt;b\&gt; \&#60; \&#x3c;`,
		"a|b `c` *d* [e](f) ~~g~~": "a\\|b \\`c\\` \\*d\\* \\[e\\](f) \\~\\~g\\~\\~",
		"1. item":                  `1\. item`,
		"- item":                   `\- item`,
		"ip_forward _x_":           `ip_forward \_x\_`,
		"AT&T":                     "AT&T",
	} {
		if got := mdText(in); got != want {
			t.Errorf("mdText(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"plain":  "`plain`",
		"a`b":    "``a`b``",
		"`a":     "`` `a ``",
		"x|y":    "`x\\|y`",
		"a\nb":   "`a b`",
		"a``b`c": "```a``b`c```",
	} {
		if got := mdCode(in); got != want {
			t.Errorf("mdCode(%q) = %q, want %q", in, got, want)
		}
	}
	if f := mdFence("x\n```\ny"); f != "````" {
		t.Errorf("fence %q", f)
	}
}

// A message may name another member's node (the proof came from there):
// the names of every member are taken out, and put back per place.
func TestMarkdownMergesNamesFromOtherMembers(t *testing.T) {
	a, b := mtuFinding("vm-4"), mtuFinding("vm-5")
	a.Message = "tunl0 too big on vm-4: stalls. The captures on vm-5 agree."
	b.Message = "tunl0 too big on vm-5: stalls. The captures on vm-5 agree."
	out := render(t, mtuReport(a, b))
	if !strings.Contains(out, "tunl0 too big on vm-4 and vm-5: stalls. The captures on vm-5 agree.") {
		t.Errorf("not merged:\n%s", out)
	}
}
