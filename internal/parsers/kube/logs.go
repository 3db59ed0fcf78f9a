package kube

import (
	"bufio"
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

// notableWords are the lower-case words that make a log line notable,
// name resolution failures among them (EAI_AGAIN, "no such host", "server
// misbehaving", "Temporary failure in name resolution": Go's resolver
// prints them without an "error" word, and the dns and network-policy
// rules read them),
// wherever they appear, in any case. A line is also notable when it
// starts like a klog warning, error or fatal line ("W0311 ", "E0311 "),
// says level=warn… in logfmt or "level":"warn… in JSON (error and fatal
// levels hold a word above), or has the word mtu.
//
// This was one case-insensitive regexp; Go's regexp backtracks through its
// 25 alternatives with Unicode case folding at every byte of every line,
// which made logs most of a must-gather's intake time (docs/performance.md).
// A lower-cased copy searched for each word is ~20× cheaper, with the same
// answers on ASCII (TestNotableMatchesTheRegexp).
var notableWords = []string{
	"error", "fail", "fatal", "panic", "refused", "denied", "timeout", "timed out",
	"unable", "cannot", "can't", "couldn't", "invalid", "exceeded", "forbidden",
	"kube-", "iptables", "nftables", "ipvs", "overflow", "droped", "dropped",
	"unreachable", "level=warn", `"level":"warn`,
	"eai_again", "no such host", "server misbehaving", "name resolution",
}

type logCollector struct {
	total     int
	kept      []facts.LogLine
	truncated bool
	// tail is a ring of the last keepTail lines not kept otherwise.
	tail     []facts.LogLine
	next     int
	lastLine int
	lower    []byte // reused lower-case copy of the line being tested
}

// notable reports whether a line is worth keeping beyond the first ones.
func (c *logCollector) notable(text string) bool {
	if len(text) >= 6 && strings.IndexByte("WEFwef", text[0]) >= 0 && isDigits(text[1:5]) && text[5] == ' ' {
		return true
	}
	c.lower = c.lower[:0]
	for i := 0; i < len(text); i++ {
		b := text[i]
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		c.lower = append(c.lower, b)
	}
	for _, w := range notableWords {
		if bytes.Contains(c.lower, []byte(w)) {
			return true
		}
	}
	// mtu as a word (regexp's \b: between an ASCII word character and not).
	for rest, off := c.lower, 0; ; {
		i := bytes.Index(rest, []byte("mtu"))
		if i < 0 {
			return false
		}
		at := off + i
		if (at == 0 || !isWordByte(c.lower[at-1])) && (at+3 == len(c.lower) || !isWordByte(c.lower[at+3])) {
			return true
		}
		rest, off = rest[i+1:], at+1
	}
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isWordByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

func newLogCollector() *logCollector { return &logCollector{} }

func (c *logCollector) add(line int, text string) {
	c.total++
	c.lastLine = line
	if c.total <= keepHead || c.notable(text) {
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
	if c.total == 1 && len(kept) == 1 && strings.HasPrefix(kept[0].Text, requestLogError) {
		return facts.Log{Lines: c.total, NotCollected: kept[0].Text}
	}
	return facts.Log{Lines: c.total, Kept: kept, Truncated: c.truncated}
}

// requestLogError starts what `kubectl cluster-info dump` writes instead of
// a container's log when the API server would not give it
// (k8s.io/kubectl/pkg/cmd/clusterinfo/clusterinfo_dump.go: "Request log
// error: %s\n"): no line of it comes from the container.
const requestLogError = "Request log error: "

// Log reads a container log stored as a plain file, attributed to its pod by
// the layouts support tools write.
type Log struct{}

func (Log) Kind() string { return "pod-log" }

// Detect accepts files whose path follows a known log layout, the output
// of a `kubectl logs` a transcript shows, and files whose first lines read
// as log lines (klog, logfmt, CoreDNS, JSON lines): bare `kubectl logs`
// output saved under any name. Other parsers are tried first.
func (Log) Detect(a *loader.Artifact) bool {
	if _, ok := logPlace(a.Inner); ok {
		return true
	}
	if _, ok := commandLog(a.Command); ok {
		return true
	}
	return looksLog(a.Head)
}

// commandLog attributes the output of `kubectl [-n NS] logs POD [-c C]
// [--previous]`: kubectl's default namespace is the context's, almost
// always "default". A name with a resource prefix other than pod/
// (deployment/web) picks one pod kubectl does not name: no pod then.
func commandLog(cmd string) (logRef, bool) {
	if cmd == "" {
		return logRef{}, false
	}
	call, ok := loader.ParseKubectl(cmd)
	if !ok || call.Verb != "logs" || len(call.Args) == 0 {
		return logRef{}, false
	}
	ref := logRef{ns: call.Namespace, container: call.Container, previous: call.Previous}
	if ref.ns == "" {
		ref.ns = "default"
	}
	name := call.Args[0]
	if k, n, ok := strings.Cut(name, "/"); ok {
		if k != "pod" && k != "pods" && k != "po" {
			return ref, true
		}
		name = n
	}
	ref.pod = name
	if ref.container == "" && len(call.Args) > 1 {
		ref.container = call.Args[1] // kubectl logs POD CONTAINER (old form)
	}
	return ref, true
}

var (
	// Log line shapes: klog (I0312 09:14:51.512310), RFC 3339 or syslog
	// timestamps, logfmt level=, CoreDNS's [INFO], JSON lines with a level
	// or msg key.
	reLogLine = regexp.MustCompile(`^(?:[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+|\d{4}[-/]\d\d[-/]\d\d[T ]\d\d:\d\d:\d\d|\[(?:INFO|WARNING|ERROR|DEBUG|FATAL)\] |time="?\d{4}-|level=\w+ |\{"(?:level|ts|time|msg|severity|timestamp)":|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d )`)
)

// looksLog reports whether at least half of the first non-blank lines
// (three or more) are log lines: CoreDNS prints its banner (".:53",
// "CoreDNS-1.2.2") between timestamped lines. kube.Log is tried last, so
// this only takes files no other parser claims.
func looksLog(head []byte) bool {
	if len(head) == 0 || strings.IndexByte(string(head), 0) >= 0 {
		return false
	}
	lines := strings.Split(string(head), "\n")
	if len(lines) > 1 {
		lines = lines[:len(lines)-1] // the last may be cut mid-line
	}
	n, hits := 0, 0
	for _, l := range lines {
		l = strings.TrimRight(l, "\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		n++
		if reLogLine.MatchString(l) {
			hits++
		}
		if n == 20 {
			break
		}
	}
	return n >= 3 && hits >= 2 && hits*2 >= n
}

type logRef struct {
	ns, pod, container string
	previous           bool
	node               string // a node's own log (not a pod's)
}

var (
	// kubectl cluster-info dump --output-directory: <ns>/<pod>/logs.txt
	reDumpLog = regexp.MustCompile(`(?:^|/)([^/]+)/([^/]+)/logs\.txt$`)
	// troubleshoot: cluster-resources/pods/logs/<ns>/<pod>/<container>[-previous].log
	reTroubleshootLog = regexp.MustCompile(`(?:^|/)pods/logs/([^/]+)/([^/]+)/([^/]+?)(-previous)?\.log$`)
	// must-gather: namespaces/<ns>/pods/<pod>/<container>/<container>/logs/{current,previous}.log
	reMustGatherLog = regexp.MustCompile(`(?:^|/)namespaces/([^/]+)/pods/([^/]+)/([^/]+)/[^/]+/logs/(current|previous)\.log$`)
	// OpenShift Insights archive: config/node/logs/<node>.log, the node's
	// kubelet journal lines the insights-operator gathers
	reInsightsNodeLog = regexp.MustCompile(`(?:^|/)config/node/logs/([^/]+)\.log$`)
	// anything else called *.log: a node-level log (kube-proxy.log, kubelet.log)
	reAnyLog = regexp.MustCompile(`(?:^|/)([^/]+)\.log$`)
	// A pod name as controllers generate it: a 5-character suffix from
	// the alphabet k8s.io/apimachinery/pkg/util/rand uses
	// ("bcdfghjklmnpqrstvwxz2456789"), after a ReplicaSet hash or not.
	// Saved as <pod>.log, <pod>_<container>.log, <pod>-previous.log.
	rePodLogName = regexp.MustCompile(`^([a-z0-9](?:[-a-z0-9]*[a-z0-9])?-[bcdfghjklmnpqrstvwxz2456789]{5})(?:_([a-z0-9](?:[-a-z0-9]*[a-z0-9])?))?([-_.]previous)?$`)
)

func logPlace(inner string) (logRef, bool) {
	if m := reTroubleshootLog.FindStringSubmatch(inner); m != nil {
		return logRef{ns: m[1], pod: m[2], container: m[3], previous: m[4] != ""}, true
	}
	if m := reMustGatherLog.FindStringSubmatch(inner); m != nil {
		return logRef{ns: m[1], pod: m[2], container: m[3], previous: m[4] == "previous"}, true
	}
	if m := reInsightsNodeLog.FindStringSubmatch(inner); m != nil {
		return logRef{node: m[1]}, true
	}
	if m := reDumpLog.FindStringSubmatch(inner); m != nil {
		return logRef{ns: m[1], pod: m[2]}, true
	}
	if m := reAnyLog.FindStringSubmatch(inner); m != nil {
		if p := rePodLogName.FindStringSubmatch(m[1]); p != nil {
			return logRef{pod: p[1], container: p[2], previous: p[3] != ""}, true
		}
		return logRef{container: m[1]}, true
	}
	return logRef{}, false
}

// Parse keeps the notable lines of the log.
func (Log) Parse(ctx context.Context, a *loader.Artifact, b *facts.Builder) (parsers.Result, error) {
	ref, ok := commandLog(a.Command)
	if !ok {
		ref, _ = logPlace(a.Inner)
	}
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
		who = "pod " + ref.pod
		if ref.ns != "" {
			who = fmt.Sprintf("pod %s/%s", ref.ns, ref.pod)
		}
		if ref.container != "" {
			who += " container " + ref.container
		}
	} else if ref.node != "" {
		who = "node " + ref.node
	} else if who == "" {
		who = path.Base(a.Inner) + " (not attributed to a pod)"
	}
	detail := fmt.Sprintf("log of %s, %d lines", strings.TrimSpace(who), lc.total)
	if ref.previous {
		detail += " (previous container)"
	}
	return parsers.Result{Detail: detail, Node: ref.node}, nil
}
