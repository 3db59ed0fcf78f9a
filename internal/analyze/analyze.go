// Package analyze runs the whole pipeline: archive → artifacts → facts →
// rules → findings → report.
package analyze

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ktriage/ktriage/internal/engine"
	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parallel"
	"github.com/ktriage/ktriage/internal/parsers"
	"github.com/ktriage/ktriage/internal/parsers/all"
	"github.com/ktriage/ktriage/internal/report"
)

// Options configure one analysis.
type Options struct {
	Inputs  []string
	Limits  loader.Limits
	TempDir string // parent of the private temp area; "" for the system's
	// EvalTimeout bounds the evaluation of each rule.
	EvalTimeout time.Duration
	Version     string
	// Progress, when set, hears how far the analysis is.
	Progress Progress
	// OneCluster makes Parse refuse inputs holding several clusters
	// (ClustersError) instead of splitting them: for callers that need one
	// set of facts (`ktriage facts`).
	OneCluster bool
}

func (o Options) progress() Progress {
	if o.Progress == nil {
		return noProgress{}
	}
	return o.Progress
}

// Parsed is a bundle read into facts, before rules run.
type Parsed struct {
	Bundle    *loader.Bundle
	Facts     *facts.Facts
	Inputs    []report.Input
	Artifacts map[string]*loader.Artifact
	info      facts.BundleInfo
	// Clusters, when the inputs hold files of several clusters, are each
	// cluster's own facts; the rules then run on each alone, and Facts
	// holds everything only for the inventory. Nil for one cluster.
	Clusters []*ClusterPart
	// Differ says, in words, what tells the clusters apart.
	Differ []string
	// streamed are the artifacts parsed while decompressed (captures
	// inside archives): they have no file to read again.
	streamed map[string]bool
}

// Document is the rules' input as plain values (for `ktriage facts`).
func (p *Parsed) Document() map[string]any { return p.Facts.Document(p.info) }

// Close releases the bundle's temp area.
func (p *Parsed) Close() error { return p.Bundle.Close() }

// Parse loads the inputs and parses every artifact. Damaged files become
// inventory lines; only an input that cannot be opened at all is an error.
func Parse(ctx context.Context, opts Options) (*Parsed, error) {
	fb := facts.NewBuilder()
	st := &streamer{ctx: ctx, fb: fb, inputs: map[*loader.Artifact]report.Input{}}
	b, err := loader.LoadStreaming(ctx, opts.Inputs, opts.Limits, opts.TempDir, st)
	if err != nil {
		return nil, err
	}
	p := &Parsed{Bundle: b, Artifacts: map[string]*loader.Artifact{}}
	var total int64
	for _, a := range b.Artifacts {
		total += a.Size
	}
	prog := opts.progress()
	prog.Files(len(b.Artifacts), total)
	for _, a := range b.Artifacts {
		p.Artifacts[a.Path] = a
		fb.SetFileHost(a.Path, a.Host, a.HostFrom)
	}
	// Artifacts are parsed on every core: the builder is safe for
	// concurrent use and everything it keeps is ordered at Build, so the
	// facts do not depend on which parser finishes first.
	p.Inputs = make([]report.Input, len(b.Artifacts))
	parallel.Each(len(b.Artifacts), func(i int) {
		if ctx.Err() != nil {
			return
		}
		a := b.Artifacts[i]
		prog.Parsing(a.Path, a.Size)
		if in, ok := st.inputs[a]; ok {
			p.Inputs[i] = in // parsed as it was read
			return
		}
		p.Inputs[i] = parseOne(ctx, a, fb, all.Detect(a))
	})
	if err := ctx.Err(); err != nil {
		b.Close()
		return nil, err
	}
	at := make(map[string]int, len(p.Inputs))
	for i, in := range p.Inputs {
		at[in.File] = i
	}
	for _, s := range b.Skipped {
		p.Inputs = mergeSkip(p.Inputs, at, s)
	}
	p.Facts = fb.Build()
	paths := make([]string, len(b.Artifacts))
	for i, a := range b.Artifacts {
		paths[i] = a.Path
	}
	p.finish()
	p.streamed = map[string]bool{}
	for a := range st.inputs {
		p.streamed[a.Path] = true
	}
	if e := splitClusters(p.Facts, paths); e != nil {
		if opts.OneCluster {
			b.Close()
			return nil, e
		}
		if err := p.split(ctx, e, dumpRoots(paths)); err != nil {
			b.Close()
			return nil, err
		}
	}
	return p, nil
}

// finish fills what the inventory says of each input once facts are built.
func (p *Parsed) finish() {
	p.info = facts.BundleInfo{Inputs: p.Bundle.Inputs}
	for i := range p.Inputs {
		if a, ok := p.Facts.NodeAttribution[p.Inputs[i].File]; ok {
			p.Inputs[i].Node, p.Inputs[i].AttributedBy = a.Node, a.Method
		}
	}
	p.info.FilesByKind = filesByKind(p.Inputs)
}

// streamer parses the artifacts a stream parser reads (captures) while the
// loader decompresses them, so they never reach the temp area.
type streamer struct {
	ctx    context.Context
	fb     *facts.Builder
	inputs map[*loader.Artifact]report.Input // only the loader's goroutine writes, before Parse reads
}

func (s *streamer) Wants(a *loader.Artifact) bool { return all.DetectStreaming(a) != nil }

func (s *streamer) Stream(a *loader.Artifact, r io.Reader) {
	p := all.DetectStreaming(a)
	s.inputs[a] = parseWith(a, p, func() (parsers.Result, error) {
		// The rest of the entry, which the parser may have left (even by
		// crashing): the inventory gives the entry's whole size and cut,
		// as for a spooled copy.
		defer io.Copy(io.Discard, r)
		return p.ParseStream(s.ctx, a, r, s.fb)
	})
}

// parseOne runs the artifact's parser.
func parseOne(ctx context.Context, a *loader.Artifact, fb *facts.Builder, p parsers.Parser) report.Input {
	if p == nil {
		return report.Input{File: a.Path, Size: a.Size, Kind: "unknown", Status: report.StatusUnrecognized, Error: unrecognizedReason(a)}
	}
	return parseWith(a, p, func() (parsers.Result, error) { return p.Parse(ctx, a, fb) })
}

// parseWith runs parse, p's parse of a, turning a panic into a failed
// input: one hostile file must not end the analysis of the rest.
func parseWith(a *loader.Artifact, p parsers.Parser, parse func() (parsers.Result, error)) (in report.Input) {
	in = report.Input{File: a.Path, Kind: p.Kind(), Status: report.StatusUnrecognized}
	defer func() {
		if r := recover(); r != nil {
			in.Status = report.StatusFailed
			in.Error = fmt.Sprintf("parser crashed (a ktriage bug; please report it with this file): %v", r)
			if os.Getenv("KTRIAGE_DEBUG") != "" {
				in.Error += "\n" + string(debug.Stack())
			}
		}
		in.Size = a.Size // a streamed artifact's is known once read
	}()
	res, err := parse()
	if res.Kind != "" {
		in.Kind = res.Kind
	}
	in.Detail, in.Node, in.Warnings, in.Summary = res.Detail, res.Node, res.Warnings, res.Summary
	switch {
	case errors.Is(err, parsers.ErrNotApplicable):
		in.Status = report.StatusUnrecognized
		in.Error = strings.TrimSuffix(err.Error(), ": "+parsers.ErrNotApplicable.Error())
	case err != nil:
		in.Status = report.StatusFailed
		in.Error = err.Error()
		var pe *parsers.ParseError
		if errors.As(err, &pe) && pe.File == a.Path {
			in.Error = strings.TrimPrefix(err.Error(), a.Path+":")
			in.Error = strings.TrimSpace(in.Error)
		}
		if in.Detail != "" {
			in.Status = report.StatusPartial
		}
	case a.Truncated:
		in.Status = report.StatusPartial
		in.Warnings = append(in.Warnings, fmt.Sprintf("cut at the per-file size cap after %d bytes", a.Size))
	case len(res.Warnings) > 0:
		in.Status = report.StatusPartial
	default:
		in.Status = report.StatusParsed
	}
	return in
}

func unrecognizedReason(a *loader.Artifact) string {
	if a.Size == 0 {
		return "empty file"
	}
	if !looksText(a.Head) {
		return "binary content of a kind ktriage does not read"
	}
	return "content matches no artifact kind ktriage reads (see docs/bundle-layout.md)"
}

func looksText(b []byte) bool {
	for _, c := range b {
		if c == 0 {
			return false
		}
	}
	return true
}

// mergeSkip adds a loader-level skip: an entry that never became an
// artifact gets its own line; a note about an artifact (cut short, name
// cleaned) is attached to that artifact's line. at indexes inputs by file
// and is kept up to date: a bundle of 100,000 links makes as many skips,
// and scanning every line for each took 14 s.
func mergeSkip(inputs []report.Input, at map[string]int, s loader.Skipped) []report.Input {
	if i, ok := at[s.Path]; ok {
		inputs[i].Warnings = append(inputs[i].Warnings, s.Reason)
		if inputs[i].Status == report.StatusParsed {
			inputs[i].Status = report.StatusPartial
		}
		return inputs
	}
	at[s.Path] = len(inputs)
	return append(inputs, report.Input{File: s.Path, Kind: "none", Status: report.StatusSkipped, Error: s.Reason})
}

func filesByKind(inputs []report.Input) map[string]int {
	m := map[string]int{}
	for _, in := range inputs {
		if in.Status == report.StatusParsed || in.Status == report.StatusPartial {
			m[in.Kind]++
		}
	}
	return m
}

// Evaluate runs the rules over parsed facts and builds the report.
func Evaluate(ctx context.Context, p *Parsed, e *engine.Engine, opts Options) (*report.Report, error) {
	if len(p.Clusters) > 0 {
		return evaluateClusters(ctx, p, func(c *Parsed) (*report.Report, error) { return Evaluate(ctx, c, e, opts) }, opts)
	}
	opts.progress().Phase("rules")
	// The rules the bundle's contents call for are compiled while the
	// facts are converted to OPA's form.
	prepared := make(chan error, 1)
	go func() { prepared <- e.Prepare(ctx, p.Facts.Collected) }()
	input, err := p.Facts.Value(p.info)
	if perr := <-prepared; perr != nil {
		return nil, perr
	}
	if err != nil {
		return nil, fmt.Errorf("convert facts: %w", err)
	}
	// Each rule has the whole budget to itself: a slow rule cannot
	// silence the ones after it.
	results := e.Eval(ctx, input, p.Facts.Collected, opts.EvalTimeout)
	// An interrupted run has no report: rules cut short by the signal are
	// not "checks not run" of this bundle.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := &report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          report.Tool{Name: "ktriage", Version: opts.Version},
		Bundle: report.Bundle{
			Paths:        p.Bundle.Inputs,
			Nodes:        p.Facts.NodeNames(),
			Namespaces:   p.Facts.Namespaces(),
			FilesByKind:  filesByKind(p.Inputs),
			NodeFiles:    nodeFiles(p.Facts),
			Unattributed: p.Facts.UnattributedFiles(),
		},
		Inputs: p.Inputs,
		Limits: p.Bundle.CapsHit,
	}
	res := newResolver(p)
	r.RuleTimes = map[string]time.Duration{}
	type raw struct {
		rule engine.Rule
		f    engine.RawFinding
	}
	var raws []raw
	for _, rr := range results {
		r.RuleTimes[rr.Rule.ID] = rr.Elapsed
		r.Rules = append(r.Rules, reportRule(rr.Rule, rr.Skipped))
		if rr.Skipped {
			r.Skipped = append(r.Skipped, report.Skipped{Rule: rr.Rule.ID, Reason: rr.Reason})
			continue
		}
		r.RulesRun++
		for _, n := range rr.Notices {
			r.Skipped = append(r.Skipped, report.Skipped{Rule: rr.Rule.ID, Reason: n})
		}
		for _, f := range rr.Findings {
			raws = append(raws, raw{rr.Rule, f})
		}
	}
	// Citing a field means reading its object's bytes again: hundreds of
	// findings are resolved on every core.
	r.Findings = make([]report.Finding, len(raws))
	parallel.Each(len(raws), func(i int) { r.Findings[i] = res.finding(raws[i].rule, raws[i].f) })
	res.fillText(r)
	r.Unjudged, r.Unreachable = unjudged(r)
	r.Sort()
	return r, nil
}

// unjudged says why the report judged nothing, if it did not: no file
// gave facts (a collector's own log only says how the collection went),
// or no rule could run. It also picks the first collector log line saying
// the API server could not be reached, which the report leads with.
func unjudged(r *report.Report) (why, unreachable string) {
	understood := 0
	for _, in := range r.Inputs {
		if s, _ := in.Summary["api_unreachable"].(string); s != "" && unreachable == "" {
			unreachable = s
		}
		if in.Kind == "collect-log" {
			continue
		}
		if in.Status == report.StatusParsed || in.Status == report.StatusPartial {
			understood++
		}
	}
	switch {
	case understood == 0:
		why = fmt.Sprintf("none of the %s read holds cluster or node data ktriage understands, so no rule had anything to look at; the absence of findings says nothing about the cluster (see Files not understood, and docs/bundle-layout.md for what ktriage reads).", plural(len(r.Inputs), "file", "files"))
	case r.RulesRun == 0:
		why = fmt.Sprintf("%s understood, but no rule could run on what they hold (see Checks not run); the absence of findings says nothing about the cluster.", plural(understood, "file", "files"))
	}
	return why, unreachable
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func reportRule(r engine.Rule, skipped bool) report.Rule {
	status := "run"
	if skipped {
		status = "skipped"
	}
	return report.Rule{
		ID: r.ID, Category: r.Category, Severity: r.Severity, Title: r.Title,
		Description: r.Description, Remediation: r.Remediation,
		References: r.References, File: r.File, Status: status,
	}
}

// nodeArtifacts groups the node-level kinds as a collector produces them:
// any member of a group counts as having it.
var nodeArtifacts = []struct {
	name  string
	kinds []string
}{
	{"ip addr", []string{"ip-addr"}},
	{"ip route", []string{"ip-route"}},
	{"iptables-save", []string{"iptables-save", "nft-ruleset"}},
	{"netstat -s", []string{"netstat-s", "nstat", "proc-net-netstat", "proc-net-snmp"}},
	{"ss -lnt", []string{"ss", "netstat-listen"}},
	{"sysctl -a", []string{"sysctl"}},
}

// optionalNodeArtifacts are listed for a node only when it has them.
var optionalNodeArtifacts = []struct{ kind, name string }{
	{"pcap", "captures"},
	{"resolv-conf", "resolv.conf"},
	{"kubelet-config", "kubelet config"},
}

// nodeFiles says which node artifacts each node has and lacks, when the
// bundle holds any node-level file at all.
func nodeFiles(f *facts.Facts) map[string]report.NodeFiles {
	have := map[string]map[string]bool{}
	seen := false
	for name, n := range f.Nodes {
		if strings.HasPrefix(name, facts.UnattributedPrefix) {
			continue // not a node: Bundle.Unattributed lists the file once
		}
		have[name] = map[string]bool{}
		files, _ := n["files"].([]any)
		for _, x := range files {
			m, _ := x.(map[string]any)
			if k, _ := m["kind"].(string); k != "" {
				have[name][k] = true
				seen = true
			}
		}
	}
	if !seen {
		return nil
	}
	out := map[string]report.NodeFiles{}
	for name, kinds := range have {
		nf := report.NodeFiles{Present: []string{}, Missing: []string{}}
		for _, g := range nodeArtifacts {
			found := false
			for _, k := range g.kinds {
				found = found || kinds[k]
			}
			if found {
				nf.Present = append(nf.Present, g.name)
			} else {
				nf.Missing = append(nf.Missing, g.name)
			}
		}
		// Optional artifacts are named when present, never as missing:
		// most bundles hold none and the DNS rule reads them only to join.
		for _, o := range optionalNodeArtifacts {
			if kinds[o.kind] {
				nf.Present = append(nf.Present, o.name)
			}
		}
		out[name] = nf
	}
	return out
}

func (rs *resolver) finding(rule engine.Rule, f engine.RawFinding) report.Finding {
	sev := rule.Severity
	if f.Severity != "" {
		sev = f.Severity
	}
	out := report.Finding{
		Rule: rule.ID, Category: rule.Category, Severity: sev, Title: rule.Title,
		Message: f.Message, Confirm: f.Confirm, References: rule.References, Details: f.Details,
	}
	for _, c := range f.Consequences {
		out.Consequences = append(out.Consequences, report.Consequence{
			Kind: c.Kind, Namespace: c.Namespace, Name: c.Name, Note: c.Note, Rule: c.Rule,
		})
	}
	switch {
	case f.Fix != "" && rule.Remediation != "":
		out.Remediation = f.Fix + "\n\n" + rule.Remediation
	case f.Fix != "":
		out.Remediation = f.Fix
	default:
		out.Remediation = rule.Remediation
	}
	// A rule may name an object twice (as the cause and as the one that
	// suffers); the report names it once.
	for _, s := range f.Subjects {
		if !slices.Contains(out.Subjects, report.Subject(s)) {
			out.Subjects = append(out.Subjects, report.Subject(s))
		}
	}
	seen := map[string]bool{}
	for _, e := range f.Evidence {
		ev := rs.evidence(e)
		k := fmt.Sprintf("%s:%d:%d:%s", ev.File, ev.Line, ev.Frame, ev.Note)
		if seen[k] {
			continue
		}
		seen[k] = true
		out.Evidence = append(out.Evidence, ev)
	}
	return out
}

// WriteReport renders a report in the named format.
func WriteReport(w io.Writer, r *report.Report, format string) error {
	wr, ok := report.Formats[format]
	if !ok {
		return fmt.Errorf("unknown format %q (want %s)", format, report.FormatNames())
	}
	return wr(w, r)
}

// sortedKeys is shared by the resolver.
func sortedKeys[M ~map[string]V, V any](m M) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
