package kubetable

import (
	"bufio"
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
)

// Annotations every object read from a table carries, so rules and users
// can tell a table's partial object from the API's full one.
const (
	// SourceAnnotation is "kubectl-get" (or "kubectl-top").
	SourceAnnotation = "ktriage.io/source"
	// ColumnsAnnotation lists the table's columns: a field no column
	// shows is unknown, not empty.
	ColumnsAnnotation = "ktriage.io/columns"
	// AgeAnnotation keeps the AGE (or LAST SEEN) cell as printed.
	AgeAnnotation = "ktriage.io/age"
	// StatusAnnotation keeps a pod's STATUS cell (a phase or a reason
	// such as CrashLoopBackOff) and RestartsAnnotation its RESTARTS cell.
	StatusAnnotation   = "ktriage.io/status"
	RestartsAnnotation = "ktriage.io/restarts"
	// NamespaceAnnotation says how the namespace was known when no
	// NAMESPACE column showed it: "command" (-n on the prompt's command
	// line) or "assumed-default".
	NamespaceAnnotation = "ktriage.io/namespace-from"
	// NameAnnotation marks an Event whose name the table did not show.
	NameAnnotation = "ktriage.io/name-from"
)

// maxLine bounds one table row; longer lines are not rows.
const maxLine = 64 << 10

// Table reads `kubectl get` / `kubectl top` output.
type Table struct{}

func (Table) Kind() string { return "kubectl-get" }

// Detect accepts a file whose first non-blank line is a header kubectl
// prints for a kind this package reads.
func (Table) Detect(a *loader.Artifact) bool {
	sc := bufio.NewScanner(strings.NewReader(strings.TrimPrefix(string(a.Head), "\xef\xbb\xbf")))
	sc.Buffer(nil, loader.HeadSize)
	for i := 0; i < 5 && sc.Scan(); i++ {
		line := strings.TrimRight(sc.Text(), "\r ")
		if strings.TrimSpace(line) == "" || noResources(line) {
			continue
		}
		if !isHeaderLine(line) {
			return false
		}
		_, ok := tableKind(names(headerColumns(strings.TrimSpace(line))))
		return ok
	}
	return false
}

func noResources(line string) bool {
	return strings.HasPrefix(strings.TrimSpace(line), "No resources found")
}

func names(cols []column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.name
	}
	return out
}

// Parse reads every table block of the file.
func (Table) Parse(ctx context.Context, a *loader.Artifact, b *facts.Builder) (parsers.Result, error) {
	f, err := a.Open()
	if err != nil {
		return parsers.Result{}, err
	}
	defer f.Close()
	call, _ := loader.ParseKubectl(a.Command)
	p := &tableParser{a: a, b: b, call: call, counts: map[string]int{}}
	br := bufio.NewReaderSize(f, 64<<10)
	lineNo := 0
	for {
		if lineNo%1024 == 0 && ctx.Err() != nil {
			return p.result(), ctx.Err()
		}
		line, err := br.ReadString('\n')
		if line == "" && err != nil {
			break
		}
		lineNo++
		if len(line) > maxLine {
			p.warn(lineNo, "line too long for a table row")
			p.cols = nil
			continue
		}
		p.line(lineNo, strings.TrimRight(line, "\r\n"))
		if err != nil {
			break
		}
	}
	if p.objects == 0 && p.blocks == 0 {
		return p.result(), parsers.NotApplicable("no kubectl table found")
	}
	return p.result(), nil
}

type tableParser struct {
	a      *loader.Artifact
	b      *facts.Builder
	call   loader.KubectlCall
	cols   []column
	kind   string
	blocks int
	// objects and counts tally what was read, for the inventory line.
	objects  int
	counts   map[string]int
	warnings []string
}

func (p *tableParser) warn(line int, msg string) {
	if len(p.warnings) < 20 {
		p.warnings = append(p.warnings, fmt.Sprintf("line %d: %s", line, msg))
	}
}

func (p *tableParser) line(n int, line string) {
	if strings.TrimSpace(line) == "" {
		p.cols = nil // `kubectl get all` separates its sections by a blank line
		return
	}
	if noResources(line) {
		return
	}
	if isHeaderLine(line) {
		cols := headerColumns(line)
		kind, ok := tableKind(names(cols))
		if !ok {
			p.cols = nil
			p.warn(n, "table of a kind ktriage does not read: "+strings.Join(names(cols), " "))
			return
		}
		p.cols, p.kind = cols, kind
		p.blocks++
		return
	}
	if p.cols == nil {
		return
	}
	row := cells(line, p.cols)
	obj := p.object(n, row)
	if obj == nil {
		p.warn(n, "row not understood")
		return
	}
	if err := p.b.AddObject(obj, facts.Source{File: p.a.Path, Line: n, Format: facts.FormatText}); err != nil {
		p.warn(n, fmt.Sprintf("object left out: %v", err))
		return
	}
	k, _ := obj["kind"].(string)
	p.counts[facts.Plural(k)]++
	p.objects++
}

func (p *tableParser) result() parsers.Result {
	keys := make([]string, 0, len(p.counts))
	for k := range p.counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", p.counts[k], k))
	}
	detail := "kubectl table: " + strings.Join(parts, ", ")
	if len(parts) == 0 {
		detail = "kubectl table: no rows"
	}
	detail += " (partial objects: only the columns shown)"
	return parsers.Result{Detail: detail, Warnings: p.warnings}
}

// tableKind names the kind a header's columns describe. In `kubectl get
// all` a row's name prefix (deployment.apps/x) may refine it.
func tableKind(cols []string) (string, bool) {
	has := map[string]bool{}
	for _, c := range cols {
		has[c] = true
	}
	switch {
	case (has["LAST SEEN"] || has["LASTSEEN"]) && has["REASON"] && has["MESSAGE"]:
		return "Event", true
	case has["CPU(cores)"] && (has["CPU%"] || has["CPU(%)"]):
		return "NodeMetrics", true
	case has["CPU(cores)"] && has["MEMORY(bytes)"]:
		return "PodMetrics", true
	case has["STATUS"] && has["ROLES"] && has["VERSION"]:
		return "Node", true
	case has["READY"] && has["STATUS"] && has["RESTARTS"]:
		return "Pod", true
	case has["TYPE"] && has["CLUSTER-IP"] && has["PORT(S)"]:
		return "Service", true
	case has["STATUS"] && has["VOLUME"] && has["CAPACITY"]:
		return "PersistentVolumeClaim", true
	case has["UP-TO-DATE"] && has["AVAILABLE"] && has["NODE SELECTOR"]:
		return "DaemonSet", true
	case has["UP-TO-DATE"] && has["AVAILABLE"]:
		return "Deployment", true
	case has["DESIRED"] && has["CURRENT"] && has["READY"] && !has["UP-TO-DATE"]:
		return "ReplicaSet", true
	case has["ENDPOINTS"] && len(cols) <= 4:
		return "Endpoints", true
	case has["NAME"] && has["READY"] && has["AGE"] && !has["STATUS"] && !has["DESIRED"]:
		// NAME READY AGE: statefulsets (get all says statefulset.apps/x)
		return "StatefulSet", true
	}
	return "", false
}
