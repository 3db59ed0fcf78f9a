// Package ipaddr reads what a node's network commands print, offline:
//
//   - Addr ("ip-addr"): iproute2 ip addr / ip link in every text variant
//     (-d details, -s statistics, -o one line per item, -br brief), busybox
//     ip, ip -j / ip -d -j JSON, and net-tools ifconfig in its old ("Link
//     encap") and new ("flags=4163<…>  mtu") layouts;
//   - Route ("ip-route"): ip route / ip -4|-6 route show table all / ip -j
//     route, and the route -n and netstat -rn tables.
//
// A file may hold several outputs one after another, prompts and separator
// lines between them; either parser reads all of it, so a combined
// "ip a; ip r" capture yields interfaces and routes whichever claimed it.
//
// Each file becomes one facts.NodeFacts with Sections["interfaces"] (list
// of Interface documents, merged per node by name) and/or
// Sections["routes"] (list of RouteEntry documents). Result.Summary holds
// the counts "interfaces", "addresses" and "routes".
package ipaddr

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
)

// Addr parses interface listings: ip addr, ip link, ip -j, ifconfig.
type Addr struct{}

// Kind names the artifact kind in the inventory.
func (Addr) Kind() string { return "ip-addr" }

// Detect accepts content that looks like an interface listing.
func (Addr) Detect(a *loader.Artifact) bool { return looksLikeAddr(a.Head) }

// Parse reads the file; see the package documentation.
func (Addr) Parse(ctx context.Context, a *loader.Artifact, b *facts.Builder) (parsers.Result, error) {
	return parse(ctx, a, b, "ip-addr")
}

// Route parses routing tables: ip route, ip -j route, route -n, netstat -rn.
type Route struct{}

// Kind names the artifact kind in the inventory.
func (Route) Kind() string { return "ip-route" }

// Detect accepts content that looks like a routing table and not like an
// interface listing (a file holding both goes to Addr, which reads both).
func (Route) Detect(a *loader.Artifact) bool {
	return looksLikeRoute(a.Head) && !looksLikeAddr(a.Head)
}

// Parse reads the file; see the package documentation.
func (Route) Parse(ctx context.Context, a *loader.Artifact, b *facts.Builder) (parsers.Result, error) {
	return parse(ctx, a, b, "ip-route")
}

func parse(ctx context.Context, a *loader.Artifact, b *facts.Builder, kind string) (parsers.Result, error) {
	f, err := a.Open()
	if err != nil {
		return parsers.Result{}, fmt.Errorf("open %s: %w", a.Path, err)
	}
	defer f.Close()
	s := newScanner(ctx, a.Path, f)
	runErr := s.run()
	if a.Truncated {
		s.warn(0, "the file was cut at the loader's size limit; only its beginning was read")
	}
	ifaces, routes := s.result()
	res := parsers.Result{
		Detail:   summarize(kind, ifaces, routes),
		Warnings: s.allWarnings(),
		Summary:  map[string]any{"interfaces": len(ifaces), "addresses": s.naddr, "routes": len(routes)},
	}
	if len(ifaces) == 0 && len(routes) == 0 && (s.understood == 0 || runErr != nil) {
		if runErr != nil {
			return res, readError(a.Path, s.lr.line, runErr)
		}
		reason := "no ip, ifconfig or route output found"
		if s.lr.line == 0 {
			reason = "empty file"
		} else if len(s.warnings) > 0 {
			reason += " (" + s.warnings[0] + ")"
		}
		return res, parsers.NotApplicable(reason)
	}
	nf := facts.NodeFacts{
		File: a.Path, Inner: a.Inner, Containers: a.Containers, Kind: kind,
		Hostnames: s.hostnames, Addresses: s.addresses(),
		Sections: map[string]any{}, MergeBy: map[string]string{},
	}
	// A section is recorded when it has entries, and the parser's own one
	// also when empty (a routing table with no routes is a fact).
	if len(ifaces) > 0 || kind == "ip-addr" {
		nf.Sections["interfaces"] = facts.ToDoc(ifaces)
		nf.MergeBy["interfaces"] = "name"
	}
	if len(routes) > 0 || kind == "ip-route" {
		nf.Sections["routes"] = facts.ToDoc(routes)
	}
	b.AddNode(nf)
	if runErr != nil {
		return res, readError(a.Path, s.lr.line, runErr)
	}
	return res, nil
}

func readError(path string, line int, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &parsers.ParseError{File: path, Line: line, Err: fmt.Errorf("read: %w", err)}
}

// result returns the interfaces, kinds inferred where none was stated, and
// the routes.
func (s *scanner) result() ([]Interface, []RouteEntry) {
	ifaces := make([]Interface, 0, len(s.ifaces))
	for _, it := range s.ifaces {
		if it.Kind == "" {
			if k := inferKind(it); k != "" {
				it.Kind, it.KindSource = k, "inferred"
			}
		}
		ifaces = append(ifaces, *it)
	}
	return ifaces, s.routes
}

const detailItems = 8

// summarize says in a line what the file held: "6 interfaces: lo 65536, eth0
// 1450, tunl0 1440 (ipip), …" or "12 routes, default via 10.0.0.1 dev eth0".
func summarize(kind string, ifaces []Interface, routes []RouteEntry) string {
	var parts []string
	ifs := ""
	if len(ifaces) > 0 || kind == "ip-addr" {
		var items []string
		for i, it := range ifaces {
			if i == detailItems {
				items = append(items, "…")
				break
			}
			item := it.Name
			if it.MTU > 0 {
				item += fmt.Sprintf(" %d", it.MTU)
			}
			if it.Kind != "" && it.Kind != "veth" {
				item += " (" + it.Kind + ")"
			}
			items = append(items, item)
		}
		ifs = plural(len(ifaces), "interface", "interfaces")
		if len(items) > 0 {
			ifs += ": " + strings.Join(items, ", ")
		}
	}
	rts := ""
	if len(routes) > 0 || kind == "ip-route" {
		rts = plural(len(routes), "route", "routes") + ", " + defaultRoute(routes)
	}
	if kind == "ip-route" {
		parts = append(parts, rts, ifs)
	} else {
		parts = append(parts, ifs, rts)
	}
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "; ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// defaultRoute describes the main table's default route, IPv4 first.
func defaultRoute(routes []RouteEntry) string {
	var best *RouteEntry
	for i := range routes {
		r := &routes[i]
		if r.Dst != "default" || r.Table != "main" || r.Type != "unicast" {
			continue
		}
		if best == nil || best.Family != "inet" && r.Family == "inet" {
			best = r
		}
	}
	if best == nil {
		return "no default route"
	}
	out := "default"
	via, dev := best.Via, best.Dev
	if via == "" && dev == "" && len(best.Nexthops) > 0 {
		via, dev = best.Nexthops[0].Via, best.Nexthops[0].Dev
	}
	if via != "" {
		out += " via " + via
	}
	if dev != "" {
		out += " dev " + dev
	}
	if len(best.Nexthops) > 1 {
		out += fmt.Sprintf(" (%d paths)", len(best.Nexthops))
	}
	return out
}
