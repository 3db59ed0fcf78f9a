// Package netstat reads the kernel's network counters in the forms support
// bundles hold them: `netstat -s` (net-tools, any version, whole or
// grep-filtered, one run or a transcript of several), `nstat` / `nstat -az`,
// and raw /proc/net/netstat, /proc/net/snmp and /proc/net/snmp6.
//
// Every value is named the way the kernel and nstat name it (section +
// field: TcpExtListenOverflows, TcpRetransSegs, IpForwarding), whatever
// English netstat printed for it, so one rule reads all three forms. Each
// value keeps the line that states it. A file with several runs becomes
// several snapshots, each with the time its date line gave, so a rule can
// tell a counter that grows from one that merely is large.
package netstat

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
)

// Section is the node section the snapshots go to.
const Section = "netstat"

// Stats parses netstat -s, nstat and /proc/net/{netstat,snmp,snmp6}.
type Stats struct{}

// Kind is the inventory name; Parse reports "nstat", "proc-net-netstat",
// "proc-net-snmp" or "proc-net-snmp6" in Result.Kind for those forms.
func (Stats) Kind() string { return "netstat-s" }

// Detect looks at the first bytes only; see detect.
func (Stats) Detect(a *loader.Artifact) bool { return detect(a.Head) }

// Parse reads every snapshot in the file and adds them to the node's
// "netstat" list.
func (Stats) Parse(ctx context.Context, a *loader.Artifact, b *facts.Builder) (parsers.Result, error) {
	f, err := a.Open()
	if err != nil {
		return parsers.Result{}, fmt.Errorf("open %s: %w", a.Path, err)
	}
	defer f.Close()
	p, rerr := Read(ctx, f, a.Path)
	res := Summarize(p)
	if len(p.Snapshots) > 0 {
		kind := res.Kind
		if kind == "" {
			kind = Stats{}.Kind()
		}
		b.AddNode(facts.NodeFacts{
			File: a.Path, Inner: a.Inner, Containers: a.Containers, Kind: kind,
			Sections: map[string]any{Section: facts.ToDoc(p.Snapshots)},
		})
	}
	if rerr != nil {
		if errors.Is(rerr, context.Canceled) || errors.Is(rerr, context.DeadlineExceeded) {
			return res, rerr
		}
		return res, &parsers.ParseError{File: a.Path, Err: rerr}
	}
	if len(p.Snapshots) == 0 {
		return res, parsers.NotApplicable("no kernel network counters found")
	}
	return res, nil
}

// Summarize describes a parse for the inventory.
func Summarize(p *Parsed) parsers.Result {
	res := parsers.Result{Warnings: p.Warnings}
	if len(p.Snapshots) == 0 {
		return res
	}
	first := p.Snapshots[0]
	label := "netstat -s"
	switch first.Source {
	case "nstat":
		res.Kind, label = "nstat", "nstat"
	case "proc":
		res.Kind = procKind(first)
		label = "/proc/net/" + strings.TrimPrefix(res.Kind, "proc-net-")
	}
	last := p.Snapshots[len(p.Snapshots)-1]
	var b strings.Builder
	if len(p.Snapshots) == 1 {
		fmt.Fprintf(&b, "%s: %d counters", label, len(first.Counters))
	} else {
		fmt.Fprintf(&b, "%s: %d snapshots, %d counters in the last", label, len(p.Snapshots), len(last.Counters))
	}
	var shown []string
	for _, name := range highlights(last) {
		short := strings.TrimPrefix(strings.TrimPrefix(name, "TcpExt"), "Tcp")
		if len(p.Snapshots) > 1 {
			if c, ok := first.Counters[name]; ok && c.Value != last.Counters[name].Value {
				shown = append(shown, fmt.Sprintf("%s %s → %s", short, c.Value, last.Counters[name].Value))
				continue
			}
		}
		shown = append(shown, fmt.Sprintf("%s %s", short, last.Counters[name].Value))
	}
	if len(shown) > 0 {
		b.WriteString("; " + strings.Join(shown, ", "))
	}
	res.Detail = b.String()
	unknown := 0
	for _, s := range p.Snapshots {
		unknown += len(s.Unknown)
	}
	res.Summary = map[string]any{"snapshots": len(p.Snapshots), "counters": len(last.Counters), "unknown_lines": unknown}
	return res
}

// highlights picks the counters the inventory line names: the accept-queue
// ones when present, else retransmissions and forwarding.
func highlights(s Snapshot) []string {
	for _, set := range [][]string{
		{"TcpExtListenOverflows", "TcpExtListenDrops"},
		{"TcpRetransSegs", "IpForwarding"},
		{"Ip6InReceives"},
	} {
		var out []string
		for _, n := range set {
			if _, ok := s.Counters[n]; ok {
				out = append(out, n)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	names := make([]string, 0, len(s.Counters))
	for n := range s.Counters {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) > 2 {
		names = names[:2]
	}
	return names
}

// procKind names a raw /proc snapshot by what it holds: netstat's sections
// (TcpExt, IpExt, MPTcpExt) make it /proc/net/netstat even when snmp's were
// concatenated to it; snmp6's names carry a 6.
func procKind(s Snapshot) string {
	netstat, snmp, v6 := false, false, false
	for name := range s.Counters {
		switch p := nstatPrefix(name); {
		case p == "TcpExt" || p == "IpExt" || p == "MPTcpExt":
			netstat = true
		case snmpSections[p]:
			snmp = true
		case strings.HasSuffix(p, "6"):
			v6 = true
		}
	}
	switch {
	case netstat:
		return "proc-net-netstat"
	case snmp:
		return "proc-net-snmp"
	case v6:
		return "proc-net-snmp6"
	}
	return "proc-net-netstat"
}
