// Package verify checks a report against a fixture's expect.yaml: which
// findings it must and must not produce, with which subjects, message
// parts and evidence, the exit status, what became of given inputs and
// which checks it reports as not run. The project's golden tests and
// `ktriage verify` (a support team's own rules and fixtures) share it.
package verify

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/ktriage/ktriage/internal/report"
)

// FileName is the expectation file of a fixture directory.
const FileName = "expect.yaml"

// Expectation is one fixture's expect.yaml (docs/writing-rules.md).
type Expectation struct {
	Description string `json:"description"`
	// Inputs are the paths to analyse, relative to the fixture directory.
	Inputs []string `json:"inputs"`
	// Args are extra analyze flags (e.g. --fail-on, --enable).
	Args []string `json:"args"`
	// Exit is the exit status analyze must return, when given.
	Exit *int   `json:"exit"`
	Must []Must `json:"must"`
	// MustNot lists rules that must not fire, or, as "rule:severity",
	// that must not fire at that severity or above (a symptom that points
	// at another rule's cause stays, at info).
	MustNot         []string          `json:"must_not"`
	InputsStatus    map[string]string `json:"inputs_status"`
	SkippedContains []string          `json:"skipped_contains"`
	// ErrorContains, for a fixture analyze must refuse (exit 2, no
	// report), lists substrings of the error it must print.
	ErrorContains []string `json:"error_contains"`
	// Clusters, when given, is how many clusters the run must tell apart
	// (0: one, no clusters[] in the report).
	Clusters *int `json:"clusters"`
	// MustNotInCluster lists, by cluster ID, rules that must not fire for
	// that cluster of a several-cluster run.
	MustNotInCluster map[int][]string `json:"must_not_in_cluster"`
	// SameFindingsAs names another fixture directory (relative to this
	// one) whose findings this one must give exactly: the same rules,
	// severities and subjects, no more and no fewer. A text twin (the
	// describe/get/logs form of a JSON fixture) says so with it.
	SameFindingsAs string `json:"same_findings_as"`
}

// FindingKeys are a report's findings as "rule severity subjects", sorted:
// what two forms of one bundle must agree on (messages may differ where
// one form shows less).
func FindingKeys(r *report.Report) []string {
	var keys []string
	for _, f := range r.Findings {
		var subs []string
		for _, s := range f.Subjects {
			subs = append(subs, s.Kind+"/"+s.Namespace+"/"+s.Name)
		}
		sort.Strings(subs)
		keys = append(keys, f.Rule+" "+f.Severity+" "+strings.Join(subs, ","))
	}
	sort.Strings(keys)
	return keys
}

// CompareFindings returns how got differs from want (FindingKeys of the
// twin and of the fixture it must agree with).
func CompareFindings(want, got []string, twin string) []string {
	count := map[string]int{}
	for _, k := range want {
		count[k]++
	}
	for _, k := range got {
		count[k]--
	}
	var problems []string
	for _, k := range sortedKeys(count) {
		switch n := count[k]; {
		case n > 0:
			problems = append(problems, fmt.Sprintf("%s gives %q, this form does not", twin, k))
		case n < 0:
			problems = append(problems, fmt.Sprintf("this form gives %q, %s does not", k, twin))
		}
	}
	return problems
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Must describes findings a rule must produce. Every listed part must hold
// for one and the same finding.
type Must struct {
	Rule            string   `json:"rule"`
	Subjects        []string `json:"subjects"`         // Kind/namespace/name or Kind/name
	MessageContains []string `json:"message_contains"` // substrings of the message
	EvidenceFiles   []string `json:"evidence_files"`   // suffixes of cited files
	Severity        string   `json:"severity"`         // the finding's severity, when given
	Count           int      `json:"count"`            // exact number of findings of the rule, when > 0
	// Consequences are objects (Kind/namespace/name) the finding must list
	// as consequences of its cause (docs/report-json.md, Chains).
	Consequences []string `json:"consequences"`
	// Cluster, in a several-cluster run, is the ID of the cluster the
	// finding must be of; Count then counts that cluster's findings.
	Cluster int `json:"cluster"`
}

// Fixture is a directory with an expect.yaml.
type Fixture struct {
	Dir    string
	Expect Expectation
}

// Load reads a fixture directory's expect.yaml, strictly: a misspelt key is
// an error, not an expectation silently dropped.
func Load(dir string) (Fixture, error) {
	raw, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		return Fixture{}, err
	}
	var e Expectation
	if err := yaml.UnmarshalStrict(raw, &e); err != nil {
		return Fixture{}, fmt.Errorf("%s: %w", filepath.Join(dir, FileName), err)
	}
	if len(e.Inputs) == 0 {
		return Fixture{}, fmt.Errorf("%s: no inputs", filepath.Join(dir, FileName))
	}
	for _, entry := range e.MustNot {
		// A misspelt floor would match every severity or none.
		if _, floor, ok := strings.Cut(entry, ":"); ok && !slices.Contains(report.Severities, floor) {
			return Fixture{}, fmt.Errorf("%s: must_not %q: %q is not a severity (%s)", filepath.Join(dir, FileName), entry, floor, strings.Join(report.Severities, ", "))
		}
	}
	return Fixture{Dir: dir, Expect: e}, nil
}

// SharedDir is the directory name of the real public samples kept beside
// the repository (../shared: PROVENANCE.md), which fixtures may read
// through relative inputs.
const SharedDir = "shared"

// MissingShared returns the first input of the fixture that lies under a
// "shared" directory outside the fixture and does not exist, or "". A
// checkout without shared/ beside it cannot run such fixtures; callers
// skip them saying so, instead of failing.
func (f Fixture) MissingShared() string {
	for _, in := range f.Expect.Inputs {
		p := in
		if !filepath.IsAbs(p) {
			p = filepath.Join(f.Dir, in)
		}
		if !strings.HasPrefix(filepath.ToSlash(in), "../") && !filepath.IsAbs(in) {
			continue
		}
		if !strings.Contains("/"+filepath.ToSlash(in)+"/", "/"+SharedDir+"/") {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			return p
		}
	}
	return ""
}

// Find lists fixture directories under root (root itself included), sorted.
func Find(root string) ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == FileName {
			dirs = append(dirs, filepath.Dir(p))
		}
		return nil
	})
	sort.Strings(dirs)
	return dirs, err
}

// Refused reports whether the fixture expects analyze to refuse the input
// (exit 2 and an error instead of a report).
func (e Expectation) Refused() bool { return e.Exit != nil && *e.Exit == 2 }

// CheckRefusal returns every way a refusal (exit status and error text)
// misses the expectation.
func CheckRefusal(e Expectation, exit int, msg string) []string {
	var problems []string
	if e.Exit != nil && exit != *e.Exit {
		problems = append(problems, fmt.Sprintf("exit status %d, want %d (%s)", exit, *e.Exit, strings.TrimSpace(msg)))
	}
	for _, s := range e.ErrorContains {
		if !strings.Contains(msg, s) {
			problems = append(problems, fmt.Sprintf("error does not say %q: %s", s, strings.TrimSpace(msg)))
		}
	}
	return problems
}

// Check returns every way the report and exit status miss the expectation;
// none means the fixture passes.
func Check(e Expectation, r *report.Report, exit int) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if e.Exit != nil && exit != *e.Exit {
		add("exit status %d, want %d", exit, *e.Exit)
	}
	if e.Clusters != nil {
		n := len(r.Clusters)
		if n != *e.Clusters && !(n == 0 && *e.Clusters == 1) {
			add("%d clusters told apart, want %d", n, *e.Clusters)
		}
	}
	byRule := map[string]int{}
	byCluster := map[int]map[string]int{}
	for _, f := range r.Findings {
		byRule[f.Rule]++
		if byCluster[f.Cluster] == nil {
			byCluster[f.Cluster] = map[string]int{}
		}
		byCluster[f.Cluster][f.Rule]++
		for _, ev := range f.Evidence {
			if ev.File != "" && ev.Frame <= 0 && (ev.Line <= 0 || ev.Text == "") {
				add("%s: evidence %s cites no line and quotes nothing", f.Rule, ev.File)
			}
		}
	}
	for _, m := range e.Must {
		if byRule[m.Rule] == 0 {
			add("no finding of rule %s (findings: %s)", m.Rule, summary(r))
			continue
		}
		switch {
		case m.Cluster > 0 && m.Count > 0 && byCluster[m.Cluster][m.Rule] != m.Count:
			add("rule %s: %d findings in cluster %d, want %d", m.Rule, byCluster[m.Cluster][m.Rule], m.Cluster, m.Count)
		case m.Cluster == 0 && m.Count > 0 && byRule[m.Rule] != m.Count:
			add("rule %s: %d findings, want %d", m.Rule, byRule[m.Rule], m.Count)
		}
		var why []string
		matched := false
		for _, f := range r.Findings {
			if f.Rule != m.Rule {
				continue
			}
			miss := mismatch(m, f)
			if len(miss) == 0 {
				matched = true
				break
			}
			why = append(why, strings.Join(miss, "; "))
		}
		if !matched {
			add("no %s finding matches: %s", m.Rule, strings.Join(why, " | "))
		}
	}
	for _, entry := range e.MustNot {
		rule, floor, bySeverity := strings.Cut(entry, ":")
		if !bySeverity {
			if byRule[rule] > 0 {
				add("rule %s must not fire (findings: %s)", rule, summary(r))
			}
			continue
		}
		for _, f := range r.Findings {
			if f.Rule == rule && report.AtOrAbove(f.Severity, floor) {
				add("rule %s must not fire at %s or above (findings: %s)", rule, floor, summary(r))
				break
			}
		}
	}
	for _, id := range sortedInts(e.MustNotInCluster) {
		for _, rule := range e.MustNotInCluster[id] {
			if byCluster[id][rule] > 0 {
				add("rule %s must not fire in cluster %d (findings: %s)", rule, id, summary(r))
			}
		}
	}
	suffixes := make([]string, 0, len(e.InputsStatus))
	for s := range e.InputsStatus {
		suffixes = append(suffixes, s)
	}
	sort.Strings(suffixes)
	for _, suffix := range suffixes {
		want := e.InputsStatus[suffix]
		found := false
		for _, in := range r.Inputs {
			if strings.HasSuffix(in.File, suffix) {
				found = true
				if in.Status != want {
					add("input %s: status %s, want %s", in.File, in.Status, want)
				}
			}
		}
		if !found {
			add("no input ends with %s", suffix)
		}
	}
	for _, rule := range e.SkippedContains {
		found := false
		for _, s := range r.Skipped {
			found = found || s.Rule == rule
		}
		if !found {
			add("rule %s reports no check as not run", rule)
		}
	}
	return problems
}

func sortedInts[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

func mismatch(m Must, f report.Finding) []string {
	var miss []string
	if m.Cluster > 0 && f.Cluster != m.Cluster {
		miss = append(miss, fmt.Sprintf("of cluster %d, want %d", f.Cluster, m.Cluster))
	}
	subs := map[string]bool{}
	for _, s := range f.Subjects {
		if s.Namespace != "" {
			subs[s.Kind+"/"+s.Namespace+"/"+s.Name] = true
		} else {
			subs[s.Kind+"/"+s.Name] = true
		}
	}
	for _, s := range m.Subjects {
		if !subs[s] {
			miss = append(miss, "subject "+s+" missing")
		}
	}
	if m.Severity != "" && !strings.EqualFold(f.Severity, m.Severity) {
		miss = append(miss, fmt.Sprintf("severity %s, want %s", f.Severity, m.Severity))
	}
	for _, c := range m.MessageContains {
		if !strings.Contains(f.Message, c) {
			miss = append(miss, fmt.Sprintf("message lacks %q", c))
		}
	}
	cons := map[string]bool{}
	for _, c := range f.Consequences {
		if c.Namespace != "" {
			cons[c.Kind+"/"+c.Namespace+"/"+c.Name] = true
		} else {
			cons[c.Kind+"/"+c.Name] = true
		}
	}
	for _, c := range m.Consequences {
		if !cons[c] {
			miss = append(miss, "consequence "+c+" missing")
		}
	}
	for _, want := range m.EvidenceFiles {
		ok := false
		for _, ev := range f.Evidence {
			ok = ok || strings.HasSuffix(ev.File, want)
		}
		if !ok {
			miss = append(miss, "no evidence from "+want)
		}
	}
	return miss
}

func summary(r *report.Report) string {
	if len(r.Findings) == 0 {
		return "none"
	}
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Rule+": "+f.Message)
	}
	return strings.Join(out, " / ")
}
