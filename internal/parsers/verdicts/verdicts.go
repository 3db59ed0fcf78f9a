// Package verdicts reads what a collector concluded about the cluster
// itself, as the collector wrote it: troubleshoot.sh's analysis.json (its
// analyzers' results) and the OpenShift Insights archive's
// config/podnetworkconnectivitychecks.json (the connectivity checks'
// failures). They are summarised in the inventory ("the bundle's own
// analysis says …") and never become ktriage findings: they are another
// tool's verdicts on checks ktriage does not know, not evidence a rule
// reads.
package verdicts

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
)

// maxRead bounds what is decoded: analysis.json of hundreds of analyzers
// is well under a megabyte.
const maxRead = 16 << 20

// maxNamed bounds the checks named in the detail.
const maxNamed = 5

// Analysis reads troubleshoot.sh's analysis.json.
type Analysis struct{}

// Kind names the artifact kind in the inventory.
func (Analysis) Kind() string { return "bundle-analysis" }

func trimmed(head []byte) []byte {
	return bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
}

// Detect accepts a JSON array named analysis.json: troubleshoot writes
// its analyzers' results there, `[]` when none ran.
func (Analysis) Detect(a *loader.Artifact) bool {
	h := trimmed(a.Head)
	return path.Base(a.Inner) == "analysis.json" && len(h) > 0 && h[0] == '['
}

// analyzerResult is one entry of analysis.json as troubleshoot's
// pkg/convert writes it: the insight's primary line is the check's title,
// detail its message, severity "debug" for a pass, "warn" or "error".
type analyzerResult struct {
	Name     string `json:"name"`
	Severity string `json:"severity"`
	Insight  struct {
		Primary  string `json:"primary"`
		Detail   string `json:"detail"`
		Severity string `json:"severity"`
	} `json:"insight"`
}

// Parse summarises the results: how many passed, warned and failed, and
// which checks failed or warned, by title and message.
func (Analysis) Parse(ctx context.Context, a *loader.Artifact, _ *facts.Builder) (parsers.Result, error) {
	f, err := a.Open()
	if err != nil {
		return parsers.Result{}, err
	}
	defer f.Close()
	var results []analyzerResult
	if err := json.NewDecoder(io.LimitReader(f, maxRead)).Decode(&results); err != nil {
		return parsers.Result{}, parsers.NotApplicable("analysis.json that is not a list of troubleshoot analyzer results: " + err.Error())
	}
	counts := map[string]int{}
	var failed, warned []string
	for _, r := range results {
		sev := r.Severity
		if sev == "" {
			sev = r.Insight.Severity
		}
		title := r.Insight.Primary
		if title == "" {
			title = r.Name
		}
		what := clip(title)
		if d := strings.TrimSpace(r.Insight.Detail); d != "" {
			what += " (" + clip(d) + ")"
		}
		switch sev {
		case "error":
			counts["fail"]++
			failed = append(failed, what)
		case "warn":
			counts["warn"]++
			warned = append(warned, what)
		default:
			counts["pass"]++
		}
	}
	res := parsers.Result{Summary: map[string]any{"pass": counts["pass"], "warn": counts["warn"], "fail": counts["fail"]}}
	if len(results) == 0 {
		res.Detail = "the bundle's own analysis (troubleshoot.sh analysis.json): no analyzer ran"
		return res, nil
	}
	parts := []string{fmt.Sprintf("%d of %d checks fail", counts["fail"], len(results))}
	if counts["warn"] > 0 {
		parts = append(parts, fmt.Sprintf("%d warn", counts["warn"]))
	}
	parts = append(parts, fmt.Sprintf("%d pass", counts["pass"]))
	res.Detail = "the bundle's own analysis (troubleshoot.sh analysis.json, not a ktriage finding) says: " + strings.Join(parts, ", ")
	if named := append(failed, warned...); len(named) > 0 {
		res.Detail += "; " + listSome(named)
	}
	return res, nil
}

// Connectivity reads the Insights archive's summary of
// PodNetworkConnectivityCheck failures.
type Connectivity struct{}

// Kind names the artifact kind in the inventory.
func (Connectivity) Kind() string { return "connectivity-checks" }

// Detect accepts a JSON object named podnetworkconnectivitychecks.json
// (insights-operator's GatherPNCC writes it under config/).
func (Connectivity) Detect(a *loader.Artifact) bool {
	h := trimmed(a.Head)
	return path.Base(a.Inner) == "podnetworkconnectivitychecks.json" && len(h) > 0 && h[0] == '{'
}

// Parse counts the failures by reason ("DNSError", "TCPConnectError"):
// the file maps each reason to the failures' messages, each with the time
// it was last seen.
func (Connectivity) Parse(ctx context.Context, a *loader.Artifact, _ *facts.Builder) (parsers.Result, error) {
	f, err := a.Open()
	if err != nil {
		return parsers.Result{}, err
	}
	defer f.Close()
	var byReason map[string]map[string]string
	if err := json.NewDecoder(io.LimitReader(f, maxRead)).Decode(&byReason); err != nil {
		return parsers.Result{}, parsers.NotApplicable("podnetworkconnectivitychecks.json that is not Insights' failures by reason: " + err.Error())
	}
	reasons := make([]string, 0, len(byReason))
	for r := range byReason {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	summary := map[string]any{}
	var parts []string
	for _, r := range reasons {
		summary[r] = len(byReason[r])
		parts = append(parts, fmt.Sprintf("%s %d", clip(r), len(byReason[r])))
	}
	detail := "the cluster's own connectivity checks (Insights' PodNetworkConnectivityCheck summary, not a ktriage finding): "
	if len(parts) == 0 {
		detail += "no failures"
	} else {
		detail += "failures by reason: " + listSome(parts)
	}
	return parsers.Result{Detail: detail, Summary: summary}, nil
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 120 {
		return string(r[:120]) + "…"
	}
	return s
}

func listSome(items []string) string {
	if len(items) <= maxNamed {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:maxNamed], "; ") + fmt.Sprintf("; and %d more", len(items)-maxNamed)
}
