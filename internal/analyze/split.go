package analyze

import (
	"context"
	"time"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers/all"
	"github.com/ktriage/ktriage/internal/report"
)

// ClusterPart is one cluster of a run that holds several: its files read
// into facts of their own, so no rule ever sees two clusters' objects.
type ClusterPart struct {
	ID       int    // 1-based, in the order the clusters were told apart
	Identity string // what identifies it, in words
	Inputs   []string
	Parsed   *Parsed
}

// split reads each cluster's files again into a builder of their own.
// Reading twice is the price of a rare case (several clusters in one run)
// that keeps the common one (one cluster) a single pass. A file goes with
// a cluster when it told which cluster it is, named one of its objects or
// nodes, or lies in a dump that was joined to it whole; any other file of
// such a run is listed in the inventory and judged with no cluster.
func (p *Parsed) split(ctx context.Context, e *ClustersError, roots map[string]bool) error {
	owner := map[string]int{}
	rootOwner := map[string]int{}
	for i, g := range e.Clusters {
		for _, f := range g.files {
			owner[f] = i + 1
		}
		for _, r := range g.roots {
			rootOwner[r] = i + 1
		}
	}
	for _, a := range p.Bundle.Artifacts {
		if _, ok := owner[a.Path]; ok {
			continue
		}
		if id, ok := rootOwner[rootOf(a.Path, roots)]; ok {
			owner[a.Path] = id
		}
	}
	for i := range p.Inputs {
		in := &p.Inputs[i]
		if p.streamed[in.File] && owner[in.File] != 0 {
			// read once, as it was decompressed: there is no copy to read
			// again into one cluster's facts
			delete(owner, in.File)
			in.Warnings = append(in.Warnings, "read while decompressed, so in a run of several clusters it is listed but judged with none: analyse its cluster's files alone to judge it")
			if in.Status == report.StatusParsed {
				in.Status = report.StatusPartial
			}
		}
		in.Cluster = owner[in.File]
	}
	p.Differ = e.Differ
	for i, g := range e.Clusters {
		id := i + 1
		var arts []*loader.Artifact
		for _, a := range p.Bundle.Artifacts {
			if owner[a.Path] == id {
				arts = append(arts, a)
			}
		}
		sub := &Parsed{Bundle: p.Bundle, Artifacts: p.Artifacts}
		fb := facts.NewBuilder()
		for _, a := range arts {
			fb.SetFileHost(a.Path, a.Host, a.HostFrom)
		}
		for _, a := range arts {
			if err := ctx.Err(); err != nil {
				return err
			}
			in := parseOne(ctx, a, fb, all.Detect(a))
			in.Cluster = id
			sub.Inputs = append(sub.Inputs, in)
		}
		sub.Facts = fb.Build()
		sub.finish()
		p.Clusters = append(p.Clusters, &ClusterPart{ID: id, Identity: describeIdentity(g.Identity), Inputs: g.Inputs, Parsed: sub})
	}
	return nil
}

// evaluateClusters runs the rules on each cluster alone and puts the
// results in one report: every finding, check not run and input carries
// its cluster, and Report.Clusters says what each one is.
func evaluateClusters(ctx context.Context, p *Parsed, run func(*Parsed) (*report.Report, error), opts Options) (*report.Report, error) {
	top := &report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          report.Tool{Name: "ktriage", Version: opts.Version},
		Bundle: report.Bundle{
			Paths:       p.Bundle.Inputs,
			FilesByKind: filesByKind(p.Inputs),
		},
		Inputs:         p.Inputs,
		Limits:         p.Bundle.CapsHit,
		ClustersDiffer: p.Differ,
		RuleTimes:      map[string]time.Duration{},
	}
	nodes, namespaces := map[string]bool{}, map[string]bool{}
	allUnjudged := true
	for _, c := range p.Clusters {
		r, err := run(c.Parsed)
		if err != nil {
			return nil, err
		}
		if top.Rules == nil {
			top.Rules = r.Rules
		}
		for i := range top.Rules {
			if i < len(r.Rules) && r.Rules[i].Status == "run" {
				top.Rules[i].Status = "run"
			}
		}
		top.RulesRun = max(top.RulesRun, r.RulesRun)
		for id, d := range r.RuleTimes {
			top.RuleTimes[id] += d
		}
		for _, f := range r.Findings {
			f.Cluster = c.ID
			top.Findings = append(top.Findings, f)
		}
		for _, s := range r.Skipped {
			s.Cluster = c.ID
			top.Skipped = append(top.Skipped, s)
		}
		if top.Unreachable == "" {
			top.Unreachable = r.Unreachable
		}
		allUnjudged = allUnjudged && r.Unjudged != ""
		b := r.Bundle
		b.Paths = c.Inputs
		for _, n := range b.Nodes {
			nodes[n] = true
		}
		for _, n := range b.Namespaces {
			namespaces[n] = true
		}
		top.Clusters = append(top.Clusters, report.Cluster{
			ID: c.ID, Identity: c.Identity, Bundle: b, RulesRun: r.RulesRun,
			Summary: r.Summary, Unjudged: r.Unjudged, Unreachable: r.Unreachable,
		})
	}
	top.Bundle.Nodes, top.Bundle.Namespaces = sortedKeys(nodes), sortedKeys(namespaces)
	for _, in := range p.Inputs {
		if in.Cluster == 0 && (in.Status == report.StatusParsed || in.Status == report.StatusPartial) {
			top.Unclustered = append(top.Unclustered, in.File)
		}
	}
	if allUnjudged {
		top.Unjudged, _ = unjudged(top)
	}
	top.Sort()
	return top, nil
}
