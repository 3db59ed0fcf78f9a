package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// writeClusters writes the report of a run that held several clusters:
// which clusters and what tells them apart first, then each cluster's own
// report (as WriteMarkdown writes one, a heading level down), then the
// files that belong to none.
func writeClusters(out io.Writer, r *Report) error {
	bw := bufio.NewWriter(out)
	m := &mdWriter{w: safeText{bw}, r: r}
	m.p("# ktriage incident report\n\n")
	m.p("**The inputs hold %d different Kubernetes clusters.** Each is analysed on its own below; no finding joins files of two clusters.\n\n", len(r.Clusters))
	m.p("| Cluster | Identity | Inputs | Findings |\n|---|---|---|---|\n")
	for _, c := range r.Clusters {
		m.p("| %d | %s | %s | %s |\n", c.ID, mdText(c.Identity), mdText(strings.Join(c.Bundle.Paths, ", ")), mdText(severityCounts(c.Summary)))
	}
	m.p("\n")
	if len(r.ClustersDiffer) > 0 {
		m.p("Told apart by: %s.\n\n", mdText(strings.Join(r.ClustersDiffer, "; ")))
	}
	if len(r.Unclustered) > 0 {
		m.p("Read but judged with no cluster (nothing in them names one cluster): %s.\n\n", mdText(listOrNone(r.Unclustered, 12)))
	}
	m.limits()
	if err := bw.Flush(); err != nil {
		return err
	}
	for _, c := range r.Clusters {
		var buf bytes.Buffer
		if err := WriteMarkdown(&buf, r.clusterReport(c)); err != nil {
			return err
		}
		body := buf.Bytes()
		// the sub-report's own title gives way to the cluster's heading
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			body = bytes.TrimLeft(body[i+1:], "\n")
		}
		if _, err := fmt.Fprintf(out, "## Cluster %d\n\n", c.ID); err != nil {
			return err
		}
		if _, err := out.Write(demoteHeadings(body)); err != nil {
			return err
		}
	}
	rest := &Report{Inputs: r.inputsOf(0)}
	bw = bufio.NewWriter(out)
	m = &mdWriter{w: safeText{bw}, r: rest}
	if len(rest.Inputs) > 0 {
		m.p("## Files of no cluster\n\n")
		m.p("| File | Kind | Status | Content |\n|---|---|---|---|\n")
		for i, in := range rest.Inputs {
			if i == maxInventory {
				m.p("| %d more | | | see the JSON report (`--format json`) |\n", len(rest.Inputs)-i)
				break
			}
			why := in.Detail
			if in.Error != "" {
				why = in.Error
			}
			m.p("| %s | %s | %s | %s |\n", mdCode(in.File), mdText(in.Kind), mdText(in.Status), mdText(cutWords(why, 200)))
		}
		m.p("\n")
	}
	return bw.Flush()
}

// clusterReport is the part of r about one of its clusters, as a report
// of its own.
func (r *Report) clusterReport(c Cluster) *Report {
	sub := &Report{
		SchemaVersion: r.SchemaVersion, Tool: r.Tool, Bundle: c.Bundle,
		RulesRun: c.RulesRun, Rules: r.Rules, Inputs: r.inputsOf(c.ID),
		Redaction: r.Redaction, Unjudged: c.Unjudged, Unreachable: c.Unreachable,
	}
	for _, f := range r.Findings {
		if f.Cluster == c.ID {
			sub.Findings = append(sub.Findings, f)
		}
	}
	for _, s := range r.Skipped {
		if s.Cluster == c.ID {
			sub.Skipped = append(sub.Skipped, s)
		}
	}
	sub.Sort()
	return sub
}

func (r *Report) inputsOf(cluster int) []Input {
	var out []Input
	for _, in := range r.Inputs {
		if in.Cluster == cluster {
			out = append(out, in)
		}
	}
	return out
}

func severityCounts(summary map[string]int) string {
	var counts []string
	for _, s := range Severities {
		if n := summary[s]; n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(counts) == 0 {
		return "none"
	}
	return strings.Join(counts, ", ")
}

// demoteHeadings moves every ATX heading of md one level down, leaving
// fenced code blocks (quoted bundle lines, commands) untouched.
func demoteHeadings(md []byte) []byte {
	var out bytes.Buffer
	fence := ""
	for _, line := range bytes.SplitAfter(md, []byte("\n")) {
		t := strings.TrimSpace(string(line))
		switch {
		case fence != "":
			if strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]) == "" {
				fence = ""
			}
		case strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~"):
			fence = t[:len(t)-len(strings.TrimLeft(t, t[:1]))]
		case len(line) > 0 && line[0] == '#':
			out.WriteByte('#')
		}
		out.Write(line)
	}
	return out.Bytes()
}
