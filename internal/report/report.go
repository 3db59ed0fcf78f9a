// Package report holds the incident report (the JSON contract documented in
// docs/report-json.md) and writes it as Markdown, JSON, SARIF or JUnit XML.
// One file per output format; Formats feeds the --format flag.
package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// SchemaVersion of the JSON report; bumped only on breaking changes.
const SchemaVersion = 1

// Report is everything one analysis produced.
type Report struct {
	SchemaVersion int            `json:"schema_version"`
	Tool          Tool           `json:"tool"`
	Bundle        Bundle         `json:"bundle"`
	Summary       map[string]int `json:"summary"`
	RulesRun      int            `json:"rules_run"`
	// Rules describes every rule that was considered (run or skipped), so
	// a report is self-describing: SARIF and JUnit list rules that found
	// nothing too.
	Rules    []Rule    `json:"rules"`
	Findings []Finding `json:"findings"`
	Inputs   []Input   `json:"inputs"`
	Skipped  []Skipped `json:"skipped"`
	// Limits lists the caps that cut the bundle short, in words.
	Limits []string `json:"limits"`
	// Redaction says what --redact hid ("secrets", "secrets and IP
	// addresses (…)"); absent when nothing was.
	Redaction string `json:"redaction,omitempty"`
	// Unjudged says why nothing in the bundle could be judged (no file
	// understood, or no rule able to run); absent when something was. A
	// report with it exits 3 (docs/exit-codes.md) and says it first.
	Unjudged string `json:"unjudged,omitempty"`
	// Unreachable quotes a collector log saying the API server could not
	// be reached while the bundle was collected ("file:line: text"): the
	// Kubernetes half of the bundle is missing for that reason, and the
	// report says so before anything else.
	Unreachable string `json:"api_unreachable,omitempty"`
	// Clusters, when the inputs held files of several Kubernetes clusters,
	// says what each one is; each was analysed alone, and every finding,
	// input and check not run carries the `cluster` it belongs to.
	// Absent for one cluster.
	Clusters []Cluster `json:"clusters,omitempty"`
	// ClustersDiffer says, in words, what told the clusters apart.
	ClustersDiffer []string `json:"clusters_told_apart_by,omitempty"`
	// Unclustered lists the files of a several-cluster run that name no
	// cluster (or several): read, but judged with none.
	Unclustered []string `json:"unclustered_files,omitempty"`

	// RuleTimes is how long each rule took. It is never written (a report
	// must be the same bytes every run); --stats prints it.
	RuleTimes map[string]time.Duration `json:"-"`
}

// Tool identifies the producer.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Bundle describes what was analysed.
type Bundle struct {
	Paths       []string       `json:"paths"`
	Nodes       []string       `json:"nodes"`
	Namespaces  []string       `json:"namespaces"`
	FilesByKind map[string]int `json:"files_by_kind"`
	// NodeFiles says, for each node, which of the node-level artifacts
	// ktriage reads the bundle holds and which it lacks. Empty when the
	// bundle has no node-level files at all.
	NodeFiles map[string]NodeFiles `json:"node_files"`
	// Unattributed lists the node-level files no node could be found
	// for: they are analysed alone, never shown as nodes.
	Unattributed []string `json:"unattributed_files"`
}

// NodeFiles lists artifact groups ("ip addr", "iptables-save", …) present
// and missing for one node.
type NodeFiles struct {
	Present []string `json:"present"`
	Missing []string `json:"missing"`
}

// Rule is one rule's description, from its METADATA.
type Rule struct {
	ID          string   `json:"id"`
	Category    string   `json:"category"`
	Severity    string   `json:"severity"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Remediation string   `json:"remediation"`
	References  []string `json:"references"`
	// File is the rule's source: rules/<family>/<id>.rego for built-in
	// rules, the path given to --rules for a user's.
	File string `json:"file"`
	// Status is "run" or "skipped" (see skipped[] for why).
	Status string `json:"status"`
}

// Finding is one problem, with its proof.
type Finding struct {
	Rule        string         `json:"rule"`
	Category    string         `json:"category"`
	Severity    string         `json:"severity"`
	Title       string         `json:"title"`
	Message     string         `json:"message"`
	Subjects    []Subject      `json:"subjects"`
	Evidence    []Evidence     `json:"evidence"`
	Confirm     []string       `json:"confirm"`
	Remediation string         `json:"remediation"`
	References  []string       `json:"references"`
	Details     map[string]any `json:"details,omitempty"`
	// Consequences are the objects this finding's cause makes suffer
	// (docs/report-json.md, Chains); absent when it names none.
	Consequences []Consequence `json:"consequences,omitempty"`
	// Group is the same for findings with one cause (see Groups); the
	// Markdown report shows each group once.
	Group string `json:"group"`
	// Cluster is the ID of the cluster (Report.Clusters) the finding is
	// of; 0, and absent, when the run held one cluster.
	Cluster int `json:"cluster,omitempty"`
}

// Cluster is one of several clusters a run held, analysed alone.
type Cluster struct {
	ID int `json:"id"`
	// Identity is what identifies it, in words: kube-system namespace
	// uid, Service default/kubernetes, node names.
	Identity string `json:"identity"`
	// Bundle is what was analysed for it; Bundle.Paths are its dumps
	// ("dir/ (12 files)") and files.
	Bundle      Bundle         `json:"bundle"`
	Summary     map[string]int `json:"summary"`
	RulesRun    int            `json:"rules_run"`
	Unjudged    string         `json:"unjudged,omitempty"`
	Unreachable string         `json:"api_unreachable,omitempty"`
}

// Consequence is one object a cause makes suffer. Group, filled by Sort,
// is the group of the report's finding whose subject this object is (of
// Rule, when the rule named one), so a reader follows the chain instead
// of reading the symptom twice.
type Consequence struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Note      string `json:"note"`
	Rule      string `json:"rule,omitempty"`
	Group     string `json:"group,omitempty"`
}

func (c Consequence) subject() Subject {
	return Subject{Kind: c.Kind, Namespace: c.Namespace, Name: c.Name}
}

// Subject is what a finding is about: a Kubernetes object or a node.
type Subject struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

func (s Subject) String() string {
	if s.Namespace != "" {
		return fmt.Sprintf("%s %s/%s", s.Kind, s.Namespace, s.Name)
	}
	return fmt.Sprintf("%s %s", s.Kind, s.Name)
}

// Evidence is a place in the bundle and what it shows.
type Evidence struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	// Frame is the 1-based frame number (as Wireshark numbers them) when
	// the file is a packet capture.
	Frame int    `json:"frame,omitempty"`
	Text  string `json:"text,omitempty"`
	Note  string `json:"note,omitempty"`
}

// Input is one file of the bundle and what became of it.
type Input struct {
	File string `json:"file"`
	Kind string `json:"kind"`
	Node string `json:"node,omitempty"`
	// AttributedBy says how Node was found: path, hostname, address,
	// only-node, or none (a node-level file no node could be found for).
	AttributedBy string   `json:"attributed_by,omitempty"`
	Status       string   `json:"status"`
	Detail       string   `json:"detail,omitempty"`
	Error        string   `json:"error,omitempty"`
	Warnings     []string `json:"warnings,omitempty"`
	Size         int64    `json:"size"`
	// Summary carries a few documented numbers about the file (captures:
	// packets, bytes, flows, retransmissions, …).
	Summary map[string]any `json:"summary,omitempty"`
	// Cluster is the ID of the cluster the file was analysed with, when
	// the run held several (Report.Clusters); 0 otherwise, or when the
	// file named no cluster.
	Cluster int `json:"cluster,omitempty"`
}

// Input statuses.
const (
	StatusParsed       = "parsed"       // read completely
	StatusPartial      = "partial"      // read, with damage worked around or cut at a cap
	StatusFailed       = "failed"       // recognised, but could not be read
	StatusUnrecognized = "unrecognized" // no parser claims the content
	StatusSkipped      = "skipped"      // not read: a link, a device, a cap
)

// Skipped is a rule that did not run, or ran without part of its input.
type Skipped struct {
	Rule   string `json:"rule"`
	Reason string `json:"reason"`
	// Cluster: as Finding.Cluster.
	Cluster int `json:"cluster,omitempty"`
}

// Sort puts findings, inputs and skipped checks in a stable order, so the
// same bundle always gives byte-identical output.
func (r *Report) Sort() {
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if ra, rb := rank(a.Severity), rank(b.Severity); ra != rb {
			return ra < rb
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Cluster != b.Cluster {
			return a.Cluster < b.Cluster
		}
		if sa, sb := firstSubject(a), firstSubject(b); sa != sb {
			return sa < sb
		}
		return a.Message < b.Message
	})
	sort.SliceStable(r.Inputs, func(i, j int) bool { return r.Inputs[i].File < r.Inputs[j].File })
	sort.SliceStable(r.Rules, func(i, j int) bool { return r.Rules[i].ID < r.Rules[j].ID })
	sort.SliceStable(r.Skipped, func(i, j int) bool {
		if r.Skipped[i].Cluster != r.Skipped[j].Cluster {
			return r.Skipped[i].Cluster < r.Skipped[j].Cluster
		}
		if r.Skipped[i].Rule != r.Skipped[j].Rule {
			return r.Skipped[i].Rule < r.Skipped[j].Rule
		}
		return r.Skipped[i].Reason < r.Skipped[j].Reason
	})
	for _, g := range r.Groups() {
		for _, i := range g.Members {
			r.Findings[i].Group = g.ID
		}
	}
	r.linkConsequences()
	r.Summary = map[string]int{}
	for _, s := range Severities {
		r.Summary[s] = 0
	}
	for _, f := range r.Findings {
		r.Summary[f.Severity]++
	}
}

// linkConsequences points each consequence at the finding, in another
// group, whose subject it is (of the named rule, when one is named).
func (r *Report) linkConsequences() {
	type key struct {
		s       Subject
		rule    string
		cluster int // a cause never explains another cluster's objects
	}
	groups := map[key][]string{} // in report order, so the most severe first
	for _, f := range r.Findings {
		for _, s := range f.Subjects {
			for _, k := range []key{{s, "", f.Cluster}, {s, f.Rule, f.Cluster}} {
				if !contains(groups[k], f.Group) {
					groups[k] = append(groups[k], f.Group)
				}
			}
		}
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		for j := range f.Consequences {
			c := &f.Consequences[j]
			c.Group = ""
			for _, g := range groups[key{c.subject(), c.Rule, f.Cluster}] {
				if g != f.Group {
					c.Group = g
					break
				}
			}
		}
	}
}

// Severities in decreasing order.
var Severities = []string{"critical", "high", "medium", "low", "info"}

func rank(s string) int {
	for i, v := range Severities {
		if v == s {
			return i
		}
	}
	return len(Severities)
}

// AtOrAbove reports whether severity s is at or above threshold t.
func AtOrAbove(s, t string) bool { return rank(s) <= rank(t) }

func firstSubject(f Finding) string {
	if len(f.Subjects) == 0 {
		return ""
	}
	return f.Subjects[0].String()
}

// Writer renders a report in one format.
type Writer func(w io.Writer, r *Report) error

// Formats maps --format names to writers.
var Formats = map[string]Writer{
	"md":    WriteMarkdown,
	"json":  WriteJSON,
	"sarif": WriteSARIF,
	"junit": WriteJUnit,
}

// FormatNames lists the formats for help text.
func FormatNames() string {
	names := make([]string, 0, len(Formats))
	for n := range Formats {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, "|")
}
