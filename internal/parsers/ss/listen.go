// Package ss reads socket listings: `ss -lnt` and its variants (-ltn,
// -tlnp, -lntu, -H, -e, -i), and net-tools `netstat -lnt` / `-tlnp` /
// `-an`. It keeps the listening sockets with their queue numbers: for a TCP
// listener ss shows the accept queue's length (Recv-Q) beside its size
// (Send-Q), the evidence for an accept queue that overflows.
package ss

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
	"github.com/ktriage/ktriage/internal/source"
)

// maxLineKeep bounds what is kept of one line: a socket row is under 1 KiB
// even with a long users:(...) list.
const maxLineKeep = 16 << 10

// Section is the node section the rows go to.
const Section = "listeners"

// maxListeners bounds what one file adds; a node has hundreds at most.
const maxListeners = 100_000

// Listen parses ss and netstat socket listings.
type Listen struct{}

// Kind is the inventory name; Parse reports "netstat-listen" in
// Result.Kind for net-tools listings.
func (Listen) Kind() string { return "ss" }

// Detect claims a file whose head has an ss or netstat column header, or
// socket rows (headerless `ss -H`, grep output) that no other format has.
func (Listen) Detect(a *loader.Artifact) bool { return detect(a.Head) }

// Parsed is what Read finds in one file.
type Parsed struct {
	Listeners []Listener
	// Other counts socket rows that are not listening (ESTAB, TIME-WAIT…).
	Other int
	// Header is set when a column header was seen, so a listing with no
	// listener is still a listing.
	Header   bool
	Warnings []string
}

// reHeaderSS and reHeaderNetstat match the column headers; ss 6.x glues
// "Peer Address:PortProcess", so only the start is relied on.
var (
	reHeaderSS      = regexp.MustCompile(`^(?:Netid\s+)?(?:State\s+)?Recv-Q\s+Send-Q\s+Local\s+Address`)
	reHeaderNetstat = regexp.MustCompile(`^Proto\s+Recv-Q\s+Send-Q\s+Local\s+Address`)
	rePrompt        = regexp.MustCompile(`^(?:\[[^\]]{0,120}\]|[\w.@:~/()-]{1,120})?\s?[#$%]\s*(?:sudo\s+)?(?:ss|netstat|kubectl|oc|crictl|nsenter|ip|date|watch)\b`)
)

// Read parses the listing in r; name is the file the rows cite.
func Read(ctx context.Context, r io.Reader, name string) (*Parsed, error) {
	rd := &listing{p: &Parsed{}, name: name}
	err := source.EachLine(ctx, r, maxLineKeep, func(_, n int, raw string, cut bool) {
		if cut {
			rd.cut++
			return
		}
		rd.line(n, raw)
	})
	p := rd.p
	if rd.ignored > 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("%d lines are not socket rows and were skipped (first, %s)", rd.ignored, rd.first))
	}
	if rd.cut > 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("%d lines longer than %d bytes were skipped", rd.cut, maxLineKeep))
	}
	if rd.stateless > 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("%d rows have no State column (ss run with a state filter); they are kept with an empty state", rd.stateless))
	}
	if len(p.Listeners) >= maxListeners {
		p.Warnings = append(p.Warnings, fmt.Sprintf("only the first %d listeners were kept", maxListeners))
	}
	if err != nil {
		return p, fmt.Errorf("read %s: %w", name, err)
	}
	return p, nil
}

// listing is Read's state between lines.
type listing struct {
	p    *Parsed
	name string
	// mode is "ss" or "netstat" after their header, "unix" inside
	// netstat's UNIX socket table (whose rows are not host:port).
	mode                    string
	ignored, stateless, cut int
	first                   string
}

func (rd *listing) line(n int, raw string) {
	t := strings.TrimSpace(raw)
	switch {
	case t == "":
		return
	case reHeaderSS.MatchString(t):
		rd.mode, rd.p.Header = "ss", true
		return
	case reHeaderNetstat.MatchString(t):
		rd.mode, rd.p.Header = "netstat", true
		return
	case strings.HasPrefix(t, "Active "):
		// "Active Internet connections (only servers)", then "Active UNIX
		// domain sockets".
		rd.mode = "netstat"
		if strings.Contains(t, "UNIX") {
			rd.mode = "unix"
		}
		return
	case rd.mode == "unix", rePrompt.MatchString(t):
		return
	case raw != t && strings.HasPrefix(raw, "\t"):
		return // ss -i / -m / -e detail lines under a row
	}
	var l Listener
	var ok bool
	if rd.mode == "netstat" {
		l, ok = parseNetstatRow(t)
	}
	if !ok {
		l, ok = parseSSRow(t)
	}
	if !ok && rd.mode != "netstat" {
		l, ok = parseNetstatRow(t)
	}
	switch {
	case !ok:
		if rd.ignored == 0 {
			rd.first = fmt.Sprintf("line %d: %q", n, source.Quote(t))
		}
		rd.ignored++
	case !listening(l):
		rd.p.Other++
	default:
		if l.State == "" && l.Tool == "ss" {
			rd.stateless++
		}
		if len(rd.p.Listeners) < maxListeners {
			l.File, l.Line, l.Text = rd.name, n, source.Quote(t)
			rd.p.Listeners = append(rd.p.Listeners, l)
		}
	}
}

// Parse reads the listing and adds its listeners to the node.
func (Listen) Parse(ctx context.Context, a *loader.Artifact, b *facts.Builder) (parsers.Result, error) {
	f, err := a.Open()
	if err != nil {
		return parsers.Result{}, fmt.Errorf("open %s: %w", a.Path, err)
	}
	defer f.Close()
	p, rerr := Read(ctx, f, a.Path)
	res := Summarize(p)
	if len(p.Listeners) > 0 || p.Header {
		ls := p.Listeners
		if ls == nil {
			ls = []Listener{} // a listing with nothing listening says so
		}
		b.AddNode(facts.NodeFacts{
			File: a.Path, Inner: a.Inner, Containers: a.Containers, Kind: res.Kind,
			Sections: map[string]any{Section: facts.ToDoc(ls)},
		})
	}
	if rerr != nil {
		if errors.Is(rerr, context.Canceled) || errors.Is(rerr, context.DeadlineExceeded) {
			return res, rerr
		}
		return res, &parsers.ParseError{File: a.Path, Err: rerr}
	}
	if len(p.Listeners) == 0 && !p.Header && p.Other == 0 {
		return res, parsers.NotApplicable("no socket listing found (ss -s and other summaries are not read)")
	}
	return res, nil
}

// Summarize describes a parse for the inventory: how many listeners, and
// the fullest accept queue.
func Summarize(p *Parsed) parsers.Result {
	res := parsers.Result{Kind: "ss", Warnings: p.Warnings}
	if len(p.Listeners) > 0 && p.Listeners[0].Tool == "netstat" {
		res.Kind = "netstat-listen"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d listeners", len(p.Listeners))
	if p.Other > 0 {
		fmt.Fprintf(&b, " (%d other sockets skipped)", p.Other)
	}
	best := -1
	for i, l := range p.Listeners {
		if l.RecvQ == 0 {
			continue
		}
		if best < 0 || fuller(l, p.Listeners[best]) {
			best = i
		}
	}
	if best >= 0 {
		l := p.Listeners[best]
		fmt.Fprintf(&b, "; %s Recv-Q %d / Send-Q %d", l.Local, l.RecvQ, l.SendQ)
	}
	res.Detail = b.String()
	res.Summary = map[string]any{"listeners": len(p.Listeners), "other_sockets": p.Other}
	return res
}

// fuller orders listeners by how far the queue is past its size, then by
// its length.
func fuller(a, b Listener) bool {
	if da, db := a.RecvQ-a.SendQ, b.RecvQ-b.SendQ; da != db {
		return da > db
	}
	return a.RecvQ > b.RecvQ
}

// detect needs a column header, or two socket rows (one with a prompt that
// ran ss or netstat) in the head.
func detect(head []byte) bool {
	rows, prompts := 0, 0
	for _, raw := range source.HeadLines(head, loader.HeadSize) {
		t := strings.TrimSpace(raw)
		switch {
		case t == "":
			continue
		case reHeaderSS.MatchString(t), reHeaderNetstat.MatchString(t):
			return true
		case rePrompt.MatchString(t):
			prompts++
			continue
		}
		if _, ok := parseSSRow(t); ok {
			rows++
		} else if _, ok := parseNetstatRow(t); ok {
			rows++
		}
	}
	return rows >= 2 || rows >= 1 && prompts >= 1
}
