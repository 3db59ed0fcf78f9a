// Package sysctl reads kernel settings as bundles hold them: `sysctl -a`
// ("key = value"), `sysctl key` lines, "key=value" and sysctl.conf /
// sysctl.d files with comments, troubleshoot's "/proc/sys/a/b = value" and
// `grep . /proc/sys/...` ("/proc/sys/a/b:value") output. Keys are stored in
// sysctl's dotted form (see keys.go for paths and dotted interface names).
package sysctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
	"github.com/ktriage/ktriage/internal/source"
)

// maxLineKeep bounds what is kept of one line: the longest sysctl values
// (dev.cdrom.info rows, fs.dentry-state, kernel.sched_domain lists) are
// well under 1 KiB.
const maxLineKeep = 16 << 10

// Section is the node section the settings go to.
const Section = "sysctl"

// maxKeys bounds one file; a host has about 1,000-3,000 keys (more with
// many interfaces), so this leaves room for hundreds of interfaces.
const maxKeys = 200_000

// Sysctl parses sysctl listings and configuration files.
type Sysctl struct{}

// Kind is the inventory name.
func (Sysctl) Kind() string { return "sysctl" }

// Detect claims a file whose head has several sysctl lines rooted in
// /proc/sys's top levels (see detect).
func (Sysctl) Detect(a *loader.Artifact) bool { return detect(a.Head) }

// Setting is one key of a node's "sysctl" section.
type Setting struct {
	// Value is the text after the separator with surrounding blanks
	// removed; inner tabs stay (sysctl -a writes "4096\t87380\t6291456").
	// A key sysctl -a prints on several lines (dev.cdrom.info) has them
	// joined with "\n"; a key repeated with numbers only is a duplicate
	// (see continues).
	Value string `json:"value"`
	File  string `json:"file"`
	Line  int    `json:"line"`
	// RawKey is the key as written when it differs from the dotted key
	// ("/proc/sys/net/ipv4/conf/flannel.1/rp_filter").
	RawKey string `json:"raw_key,omitempty"`
}

// Parsed is what Read finds in one file.
type Parsed struct {
	Settings map[string]Setting
	// Order lists keys in file order, for stable summaries.
	Order []string
	// Hostname is kernel.hostname when it names a machine.
	Hostname string
	// Unreadable lists keys (or /proc/sys directories) sysctl reported it
	// could not read, so a rule can tell "not set" from "not collected".
	Unreadable []string
	Warnings   []string
}

// reSysctlError matches sysctl's complaints on stderr, which collectors
// often capture with 2>&1.
var reSysctlError = regexp.MustCompile(`^sysctl: (?:permission denied on key|reading key|cannot stat|cannot open|error reading key|setting key|unknown key|unable to open directory)\s*['"]?([^'":]*)`)

// rePrompt matches a shell prompt running the commands that print these
// files ("[root@node ~]# sysctl -a | grep net.core"), kept in transcripts.
var rePrompt = regexp.MustCompile(`^(?:\[[^\]]{0,120}\]|[\w.@:~/()-]{1,120})?\s?[$%#]\s*(?:sudo\s+)?(?:sysctl|cat|grep|egrep|find|for|while|kubectl|oc|crictl|nsenter|ssh|date)\b`)

// Read parses sysctl text from r; name is the file the settings cite.
func Read(ctx context.Context, r io.Reader, name string) (*Parsed, error) {
	rd := &settings{p: &Parsed{Settings: map[string]Setting{}}, name: name}
	err := source.EachLine(ctx, r, maxLineKeep, func(i, n int, raw string, cut bool) {
		if cut {
			rd.cut++
			return
		}
		rd.line(i, n, raw)
	})
	p := rd.p
	if h, ok := p.Settings["kernel.hostname"]; ok && !placeholderHosts[strings.ToLower(h.Value)] {
		p.Hostname = h.Value
	}
	if n := len(p.Unreadable); n > 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("sysctl could not read %d keys or directories (first: %s)", n, p.Unreadable[0]))
	}
	if rd.ignored > 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("%d lines are not key = value settings and were skipped (first, %s)", rd.ignored, rd.firstIgnored))
	}
	if rd.dups > 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("%d keys are set more than once; the last setting is kept (first, %s)", rd.dups, rd.firstDup))
	}
	if rd.cut > 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("%d lines longer than %d bytes were skipped", rd.cut, maxLineKeep))
	}
	if rd.dropped > 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("only the first %d keys were kept; %d more were dropped", maxKeys, rd.dropped))
	}
	if err != nil {
		return p, fmt.Errorf("read %s: %w", name, err)
	}
	return p, nil
}

// settings is Read's state between lines.
type settings struct {
	p                           *Parsed
	name                        string
	ignored, cut, dups, dropped int
	firstIgnored, firstDup      string
	// The key of the last setting and its position in the read order (not
	// its line number: a bare-CR file holds many lines on one numbered
	// line), to join the lines of a multi-line value.
	lastKey string
	lastSeq int
}

// line takes the seq-th line read, numbered n.
func (rd *settings) line(seq, n int, raw string) {
	p := rd.p
	t := strings.TrimSpace(raw)
	// Each pattern is tried only on lines holding what it cannot match
	// without (a prompt character, the "sysctl: " prefix): on the
	// thousands of plain settings of a sysctl -a the regular expressions
	// were most of the parse.
	if t == "" || t[0] == '#' || t[0] == ';' || strings.HasPrefix(t, "* Applying ") || (strings.ContainsAny(t, "$%#") && rePrompt.MatchString(t)) {
		return
	}
	if strings.HasPrefix(t, "sysctl: ") {
		if m := reSysctlError.FindStringSubmatch(t); m != nil && len(p.Unreadable) < 100 {
			p.Unreadable = append(p.Unreadable, strings.TrimSpace(m[1]))
		}
		return // other diagnostics: no setting to record
	}
	rawKey, value, ok := splitLine(t)
	var key string
	if ok {
		key, ok = normalizeKey(rawKey)
	}
	if !ok {
		if rd.ignored == 0 {
			rd.firstIgnored = fmt.Sprintf("line %d: %q", n, source.Quote(t))
		}
		rd.ignored++
		return
	}
	cur, seen := p.Settings[key]
	switch {
	case seen && key == rd.lastKey && rd.lastSeq == seq-1 && continues(cur, value):
		// sysctl -a repeats the key for each line of a multi-line value;
		// the first line is the one cited.
		cur.Value += "\n" + value
		p.Settings[key] = cur
	case seen:
		// A later assignment wins, as when sysctl -p applies the file.
		if rd.dups == 0 {
			rd.firstDup = fmt.Sprintf("%s on lines %d and %d", key, cur.Line, n)
		}
		rd.dups++
		p.Settings[key] = setting(value, rd.name, n, rawKey, key)
	case len(p.Settings) >= maxKeys:
		rd.dropped++
		return
	default:
		p.Settings[key] = setting(value, rd.name, n, rawKey, key)
		p.Order = append(p.Order, key)
	}
	rd.lastKey, rd.lastSeq = key, seq
}

// continues tells whether value, on the line after cur's, is one more line
// of cur's value: sysctl -a prints a multi-line /proc/sys file as one
// "key = line" per line (dev.cdrom.info, sunrpc.transports,
// kernel.core_modes), never numbers only. A key repeated with numbers is
// set twice ("net.ipv4.ip_forward = 1" then "= 0" from sysctl -p or runs
// pasted together): the last wins as for any duplicate, instead of a value
// "1\n0" no rule can read.
func continues(cur Setting, value string) bool {
	return strings.Contains(cur.Value, "\n") || !numbers(cur.Value) || !numbers(value)
}

// numbers reports a value made only of integers (a vector like
// "32768\t60999" included).
func numbers(v string) bool {
	f := strings.Fields(v)
	if len(f) == 0 {
		return false
	}
	for _, x := range f {
		if _, err := strconv.ParseInt(x, 10, 64); err != nil {
			return false
		}
	}
	return true
}

func setting(value, file string, line int, rawKey, key string) Setting {
	s := Setting{Value: value, File: file, Line: line}
	if rawKey != key {
		s.RawKey = rawKey
	}
	return s
}

// Parse reads the settings and adds them to the node, with kernel.hostname
// as a hint for which node it is.
func (Sysctl) Parse(ctx context.Context, a *loader.Artifact, b *facts.Builder) (parsers.Result, error) {
	f, err := a.Open()
	if err != nil {
		return parsers.Result{}, fmt.Errorf("open %s: %w", a.Path, err)
	}
	defer f.Close()
	p, rerr := Read(ctx, f, a.Path)
	res := Summarize(p)
	if len(p.Settings) > 0 {
		nf := facts.NodeFacts{
			File: a.Path, Inner: a.Inner, Containers: a.Containers, Kind: Sysctl{}.Kind(),
			Sections: map[string]any{Section: facts.ToDoc(p.Settings)},
		}
		if p.Hostname != "" {
			nf.Hostnames = []string{p.Hostname}
		}
		b.AddNode(nf)
	}
	if rerr != nil {
		if errors.Is(rerr, context.Canceled) || errors.Is(rerr, context.DeadlineExceeded) {
			return res, rerr
		}
		return res, &parsers.ParseError{File: a.Path, Err: rerr}
	}
	if len(p.Settings) == 0 {
		return res, parsers.NotApplicable("no key = value settings found")
	}
	return res, nil
}

// highlighted are the keys the inventory line names when present.
var highlighted = []string{"net.core.somaxconn", "net.ipv4.ip_forward", "net.bridge.bridge-nf-call-iptables"}

// Summarize describes a parse for the inventory.
func Summarize(p *Parsed) parsers.Result {
	res := parsers.Result{Warnings: p.Warnings}
	var b strings.Builder
	fmt.Fprintf(&b, "%d keys", len(p.Settings))
	var shown []string
	for _, k := range highlighted {
		if s, ok := p.Settings[k]; ok {
			shown = append(shown, fmt.Sprintf("%s = %s", k, s.Value))
		}
	}
	if len(shown) > 0 {
		b.WriteString("; " + strings.Join(shown, ", "))
	}
	if p.Hostname != "" {
		fmt.Fprintf(&b, "; host %s", p.Hostname)
	}
	res.Detail = b.String()
	res.Summary = map[string]any{"keys": len(p.Settings), "unreadable_keys": len(p.Unreadable)}
	return res
}

var (
	// A dotted key under one of /proc/sys's roots, "key = value" or
	// "key=value" (a leading "-" is sysctl.d's ignore-errors mark).
	reDetectDotted = regexp.MustCompile(`^-?(?:abi|crypto|debug|dev|fs|kernel|net|sunrpc|user|vm)[./][^\s=]+\s*=`)
	reDetectPath   = regexp.MustCompile(`^/proc/sys/[^\s=:]+\s*[=:]`)
)

// detect needs three sysctl lines in the head making up most of it, or two
// when nothing else is there but comments: one "a.b.c = v" line is too
// little to tell a sysctl file from anything that mentions a setting.
func detect(head []byte) bool {
	// JSON and XML never start with a sysctl line; a leading "[" may be a
	// prompt ("[root@node ~]# sysctl -a").
	h := strings.TrimLeft(string(head), " \t\r\n\xef\xbb\xbf")
	if h == "" || h[0] == '{' || h[0] == '<' {
		return false
	}
	matches, others := 0, 0
	for _, raw := range source.HeadLines(head, loader.HeadSize) {
		t := strings.TrimSpace(raw)
		switch {
		case t == "", t[0] == '#', t[0] == ';', strings.HasPrefix(t, "sysctl: "), strings.HasPrefix(t, "* Applying "), rePrompt.MatchString(t):
			continue
		case reDetectDotted.MatchString(t), reDetectPath.MatchString(t):
			matches++
		default:
			others++
		}
	}
	return matches >= 3 && matches >= others || matches >= 2 && others == 0
}
