package kube

import (
	"bufio"
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

// Log bodies are not handed to rules whole (a bundle can hold gigabytes of
// them): the first lines, which carry start-up banners such as "Using ipvs
// Proxier", the lines that look like warnings or errors, and the last lines,
// which say why a container exited (an application's last words rarely
// match an error pattern: "Traceback", a stack frame, "exiting") are kept.
const (
	keepHead    = 50
	keepNotable = 1000
	keepTail    = 50
)

var notable = regexp.MustCompile(`(?i)error|fail|fatal|panic|refused|denied|timeout|timed out|unable|cannot|can't|couldn't|invalid|exceeded|forbidden|KUBE-|iptables|nftables|ipvs|\bmtu\b|overflow|dropp?ed|unreachable|^[WEF]\d{4} |level=(warn|warning|error|fatal)|"level":"(warn|error|fatal)"`)

type logCollector struct {
	total     int
	kept      []facts.LogLine
	truncated bool
	// tail is a ring of the last keepTail lines not kept otherwise.
	tail     []facts.LogLine
	next     int
	lastLine int
}

func newLogCollector() *logCollector { return &logCollector{} }

func (c *logCollector) add(line int, text string) {
	c.total++
	c.lastLine = line
	if c.total <= keepHead || notable.MatchString(text) {
		if len(c.kept) < keepHead+keepNotable {
			c.kept = append(c.kept, facts.LogLine{Line: line, Text: source.Clip(text)})
			return
		}
		c.truncated = true
	}
	l := facts.LogLine{Line: line, Text: source.Clip(text)}
	if len(c.tail) < keepTail {
		c.tail = append(c.tail, l)
		return
	}
	c.tail[c.next] = l
	c.next = (c.next + 1) % keepTail
}

// log merges the tail into the kept lines, in line order, so the last
// keepTail entries of Kept are always the log's last keepTail lines.
func (c *logCollector) log() facts.Log {
	tail := append(append([]facts.LogLine{}, c.tail[c.next:]...), c.tail[:c.next]...)
	// The ring holds the last lines not kept otherwise, which can reach
	// further back than the last keepTail lines of the log: drop those.
	var last []facts.LogLine
	for _, l := range tail {
		if l.Line > c.lastLine-keepTail {
			last = append(last, l)
		}
	}
	kept := make([]facts.LogLine, 0, len(c.kept)+len(last))
	i, j := 0, 0
	for i < len(c.kept) || j < len(last) {
		if j == len(last) || (i < len(c.kept) && c.kept[i].Line < last[j].Line) {
			kept = append(kept, c.kept[i])
			i++
		} else {
			kept = append(kept, last[j])
			j++
		}
	}
	return facts.Log{Lines: c.total, Kept: kept, Truncated: c.truncated}
}

// Log reads a container log stored as a plain file, attributed to its pod by
// the layouts support tools write.
type Log struct{}

func (Log) Kind() string { return "pod-log" }

// Detect accepts files whose path follows a known log layout.
func (Log) Detect(a *loader.Artifact) bool {
	_, ok := logPlace(a.Inner)
	return ok
}

type logRef struct {
	ns, pod, container string
	previous           bool
}

var (
	// kubectl cluster-info dump --output-directory: <ns>/<pod>/logs.txt
	reDumpLog = regexp.MustCompile(`(?:^|/)([^/]+)/([^/]+)/logs\.txt$`)
	// troubleshoot: cluster-resources/pods/logs/<ns>/<pod>/<container>[-previous].log
	reTroubleshootLog = regexp.MustCompile(`(?:^|/)pods/logs/([^/]+)/([^/]+)/([^/]+?)(-previous)?\.log$`)
	// must-gather: namespaces/<ns>/pods/<pod>/<container>/<container>/logs/{current,previous}.log
	reMustGatherLog = regexp.MustCompile(`(?:^|/)namespaces/([^/]+)/pods/([^/]+)/([^/]+)/[^/]+/logs/(current|previous)\.log$`)
	// anything else called *.log: a node-level log (kube-proxy.log, kubelet.log)
	reAnyLog = regexp.MustCompile(`(?:^|/)([^/]+)\.log$`)
)

func logPlace(inner string) (logRef, bool) {
	if m := reTroubleshootLog.FindStringSubmatch(inner); m != nil {
		return logRef{m[1], m[2], m[3], m[4] != ""}, true
	}
	if m := reMustGatherLog.FindStringSubmatch(inner); m != nil {
		return logRef{m[1], m[2], m[3], m[4] == "previous"}, true
	}
	if m := reDumpLog.FindStringSubmatch(inner); m != nil {
		return logRef{ns: m[1], pod: m[2]}, true
	}
	if m := reAnyLog.FindStringSubmatch(inner); m != nil {
		return logRef{container: m[1]}, true
	}
	return logRef{}, false
}

// Parse keeps the notable lines of the log.
func (Log) Parse(ctx context.Context, a *loader.Artifact, b *facts.Builder) (parsers.Result, error) {
	ref, _ := logPlace(a.Inner)
	f, err := a.Open()
	if err != nil {
		return parsers.Result{}, err
	}
	defer f.Close()
	lc := newLogCollector()
	br := bufio.NewReaderSize(f, 64<<10)
	for {
		line, n, err := readBoundedLine(br)
		if n == 0 {
			break
		}
		lc.add(lc.total+1, line)
		if err != nil {
			break
		}
	}
	l := lc.log()
	l.Namespace, l.Pod, l.Container, l.Previous = ref.ns, ref.pod, ref.container, ref.previous
	l.File, l.Line = a.Path, 1
	b.AddLog(l)
	who := ref.container
	if ref.pod != "" {
		who = fmt.Sprintf("pod %s/%s", ref.ns, ref.pod)
		if ref.container != "" {
			who += " container " + ref.container
		}
	} else if who == "" {
		who = path.Base(a.Inner)
	}
	detail := fmt.Sprintf("log of %s, %d lines", strings.TrimSpace(who), lc.total)
	if ref.previous {
		detail += " (previous container)"
	}
	return parsers.Result{Detail: detail}, nil
}
