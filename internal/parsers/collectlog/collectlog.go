// Package collectlog reads the log ktriage's own collector script writes
// (ktriage-collect.log, at the top of the bundle and in each node's
// directory), so the inventory says which collection steps failed instead
// of showing the log as a container log.
package collectlog

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
	"github.com/ktriage/ktriage/internal/source"
)

// FileName is the name the collector gives its logs.
const FileName = "ktriage-collect.log"

// Log is the parser.
type Log struct{}

func (Log) Kind() string { return "collect-log" }

// Detect wants both the collector's file name and its signature, so a
// customer's own file of that name is not mistaken for it.
func (Log) Detect(a *loader.Artifact) bool {
	return path.Base(a.Inner) == FileName && bytes.Contains(a.Head, []byte("ktriage-collect"))
}

var (
	// "node side on vm-4 (kubectl-debug mode), ktriage-collect 1", and
	// "local side of node vm-4, ktriage-collect 1" (all a failed node has)
	reNode = regexp.MustCompile(`(?:node side on|local side of node) (\S+?)[ ,]`)
	// What the script writes when a step did not give what it should.
	// What kubectl prints when it cannot reach the API server, through
	// StandardErrorMessage in k8s.io/kubectl/pkg/cmd/util/helpers.go
	// ("The connection to the server %s was refused - did you specify the
	// right host or port?", "Unable to connect to the server: %v"); the
	// script quotes a step's stderr indented under the step.
	reUnreachable = regexp.MustCompile(`The connection to the server \S+ was refused|Unable to connect to the server: `)
	reProblem     = regexp.MustCompile(`FAILED|\bfailed\b|: exit [1-9][0-9]*|stopped at the time limit|\bcannot\b|not a complete tar|no data came back|not found on the node|\brefused\b|may fail`)
)

// maxQuoted bounds the problems quoted in the inventory line; the count
// covers them all.
const maxQuoted = 3

// Parse reads the log and summarises what went wrong: failed steps, tools
// missing on the node, time limits hit.
func (Log) Parse(ctx context.Context, a *loader.Artifact, _ *facts.Builder) (parsers.Result, error) {
	f, err := a.Open()
	if err != nil {
		return parsers.Result{}, err
	}
	defer f.Close()
	var node string
	var problems []string
	unreachable := ""
	lines := 0
	err = source.EachLine(ctx, f, 4<<10, func(_, n int, text string, _ bool) {
		lines++
		if node == "" {
			if m := reNode.FindStringSubmatch(text); m != nil {
				node = m[1]
			}
		}
		if unreachable == "" && reUnreachable.MatchString(text) {
			unreachable = fmt.Sprintf("%s:%d: %s", a.Path, n, source.Quote(strings.TrimPrefix(strings.TrimSpace(stripTime(text)), "stderr: ")))
		}
		// Indented lines quote a command's stderr under the step they
		// belong to: the step's own line already counts.
		if !strings.HasPrefix(text, " ") && reProblem.MatchString(text) {
			problems = append(problems, fmt.Sprintf("line %d: %s", n, source.Quote(stripTime(text))))
		}
	})
	if err != nil {
		return parsers.Result{}, err
	}
	who := "the collector"
	if node != "" {
		who = "the collector on node " + node
	}
	detail := fmt.Sprintf("log of %s, %d lines, no problem noted", who, lines)
	if n := len(problems); n > 0 {
		shown := problems[:min(n, maxQuoted)]
		what := "1 problem"
		if n != 1 {
			what = fmt.Sprintf("%d problems", n)
		}
		detail = fmt.Sprintf("log of %s, %d lines; %s noted: %s", who, lines, what, strings.Join(shown, "; "))
		if n > maxQuoted {
			detail += fmt.Sprintf("; and %d more", n-maxQuoted)
		}
	}
	sum := map[string]any{"problems": len(problems)}
	if unreachable != "" {
		// The report leads with it (report.Report.Unreachable).
		sum["api_unreachable"] = unreachable
	}
	return parsers.Result{Detail: detail, Node: node, Summary: sum}, nil
}

// stripTime drops the leading UTC timestamp the script puts on each line.
func stripTime(s string) string {
	if i := strings.IndexByte(s, ' '); i > 0 && strings.HasSuffix(s[:i], "Z") {
		return s[i+1:]
	}
	return s
}
