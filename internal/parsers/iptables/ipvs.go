package iptables

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
)

// IPVS parses `ipvsadm -Ln` (also -L without -n, --stats, --rate,
// --thresholds, --persistent-conn) and `ipvsadm -S -n` output: the virtual
// services kube-proxy programs in IPVS mode and their real servers.
type IPVS struct{}

// Kind names the artifact kind in the inventory.
func (IPVS) Kind() string { return "ipvsadm" }

// Detect accepts the "IP Virtual Server version" or "Prot
// LocalAddress:Port" header, or `ipvsadm -S` lines, at the start of the file.
func (IPVS) Detect(a *loader.Artifact) bool { return detectIPVS(headLines(a)) }

// Parse reads the file and adds one node fact with Sections["ipvs"].
func (IPVS) Parse(ctx context.Context, a *loader.Artifact, b *facts.Builder) (parsers.Result, error) {
	f, err := a.Open()
	if err != nil {
		return parsers.Result{}, fmt.Errorf("open ipvsadm output: %w", err)
	}
	defer f.Close()
	out, perr := parseIPVS(ctx, f, a.Path)
	res := out.result()
	if perr != nil {
		perr = &parsers.ParseError{File: a.Path, Line: out.lines, Err: perr}
	}
	if !out.found {
		if perr != nil {
			return res, perr
		}
		reason := "no ipvsadm listing (no version header, service or real server lines)"
		if len(out.warnings) > 0 {
			reason += "; " + out.warnings[0]
		}
		return res, parsers.NotApplicable(reason)
	}
	b.AddNode(facts.NodeFacts{
		File: a.Path, Inner: a.Inner, Containers: a.Containers, Kind: "ipvsadm",
		Sections: map[string]any{"ipvs": facts.ToDoc(out.tables)},
	})
	return res, perr
}

const (
	maxServices = 100_000
	maxDests    = 500_000
)

type ipvsParsed struct {
	tables   []*IPVSTable
	warnings []string
	lines    int
	found    bool
}

type ipvsParser struct {
	path  string
	out   *ipvsParsed
	w     warnings
	cur   *IPVSTable
	svc   int      // index of the service destinations attach to, -1 if none
	cols  []string // stats/rate column names from the title, nil for the plain list
	mode  string   // "", "stats", "rate", "thresholds", "persistent"
	saved map[string]int
	nsvc  int
	ndest int
}

var reIPVSVersion = regexp.MustCompile(`^IP Virtual Server version (\S+)`)

func parseIPVS(ctx context.Context, r io.Reader, path string) (*ipvsParsed, error) {
	p := &ipvsParser{path: path, out: &ipvsParsed{}, svc: -1}
	lr := newLineReader(r)
	for {
		raw, ok := lr.next()
		if !ok {
			break
		}
		if lr.num%4096 == 0 {
			if err := ctx.Err(); err != nil {
				p.finish(lr.num)
				return p.out, err
			}
		}
		if lr.cut {
			p.w.add(lr.num, "line of %d bytes: only the first %d KiB were read", lr.size, maxLine>>10)
		}
		p.line(lr.num, string(raw))
	}
	p.finish(lr.num)
	if lr.err != nil {
		return p.out, fmt.Errorf("read ipvsadm output: %w", lr.err)
	}
	return p.out, nil
}

func (p *ipvsParser) table(n int) *IPVSTable {
	if p.cur == nil {
		p.cur = &IPVSTable{File: p.path, Services: []Service{}}
		p.out.tables = append(p.out.tables, p.cur)
		p.svc = -1
		p.saved = map[string]int{}
	}
	return p.cur
}

func (p *ipvsParser) line(n int, s string) {
	if n == 1 {
		s = strings.TrimPrefix(s, "\xef\xbb\xbf")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	f := strings.Fields(s)
	switch {
	case reIPVSVersion.MatchString(s):
		// A second listing (ipvsadm -Ln then -Ln --stats) starts a new
		// table rather than doubling the services of the first.
		if p.cur != nil && (len(p.cur.Services) > 0 || p.cur.Line > 0) {
			p.cur = nil
		}
		t := p.table(n)
		t.Line, t.Version = n, reIPVSVersion.FindStringSubmatch(s)[1]
		p.mode, p.cols = "", nil
		p.out.found = true
	case strings.HasPrefix(s, "Prot ") && strings.Contains(s, "LocalAddress"):
		p.title(f)
		p.table(n)
		p.out.found = true
	case strings.HasPrefix(s, "->") && strings.Contains(s, "RemoteAddress"):
		// Second title line.
	case strings.HasPrefix(s, "->"):
		p.dest(n, s, strings.Fields(strings.TrimPrefix(s, "->")))
	case f[0] == "TCP" || f[0] == "UDP" || f[0] == "SCTP" || f[0] == "FWM":
		p.service(n, s, f)
	case (f[0] == "-A" || f[0] == "-E" || f[0] == "-a" || f[0] == "-e") && len(f) > 2:
		p.saveLine(n, s, f)
	case isPrompt(s):
		p.w.add(n, "shell prompt line skipped: %s", clipText(s))
	default:
		p.w.add(n, "not ipvsadm output, skipped: %s", clipText(s))
	}
}

// title reads the column names of "Prot LocalAddress:Port …".
func (p *ipvsParser) title(f []string) {
	p.mode, p.cols = "", nil
	if len(f) < 3 {
		return
	}
	switch f[2] {
	case "Conns":
		p.mode = "stats"
	case "CPS":
		p.mode = "rate"
	case "Uthreshold":
		p.mode = "thresholds"
	case "Weight":
		p.mode = "persistent"
	}
	if p.mode == "" {
		return
	}
	for _, c := range f[2:] {
		p.cols = append(p.cols, strings.ToLower(c))
	}
}

// splitAddrPort reads "10.0.0.1:443", "[fd00::1]:53", "host:https" or a
// name ipvsadm cut short without its port.
func splitAddrPort(s string) (addr string, port int, name string) {
	if strings.HasPrefix(s, "[") {
		if i := strings.Index(s, "]"); i > 0 {
			addr, rest := s[1:i], strings.TrimPrefix(s[i+1:], ":")
			port, name = portOf(rest)
			return addr, port, name
		}
		return clipField(strings.TrimPrefix(s, "[")), 0, ""
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 || strings.Count(s, ":") > 1 {
		return clipField(s), 0, ""
	}
	port, name = portOf(s[i+1:])
	return clipField(s[:i]), port, name
}

func portOf(s string) (int, string) {
	if s == "" {
		return 0, ""
	}
	if v, err := strconv.Atoi(s); err == nil && v >= 0 && v <= 65535 {
		return v, ""
	}
	return 0, clipField(s)
}

// largeNum reads ipvsadm's counters: "123", "12345K", "12M" (powers of 1000).
func largeNum(s string) (int64, bool) {
	mult := int64(1)
	if s != "" {
		switch s[len(s)-1] {
		case 'K':
			mult = 1e3
		case 'M':
			mult = 1e6
		case 'G':
			mult = 1e9
		case 'T':
			mult = 1e12
		}
		if mult > 1 {
			s = s[:len(s)-1]
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, false
	}
	if v > (1<<62)/mult {
		return 1 << 62, true
	}
	return v * mult, true
}

func (p *ipvsParser) service(n int, s string, f []string) {
	t := p.table(n)
	if p.nsvc >= maxServices {
		p.w.add(n, "more than %d virtual services; the rest were not kept", maxServices)
		p.svc = -1
		return
	}
	sv := Service{Protocol: f[0], Line: n, Text: clipText(s), Dests: []Destination{}}
	i := 1
	if sv.Protocol == "FWM" {
		if len(f) < 2 {
			p.w.add(n, "virtual service line without a firewall mark: %s", clipText(s))
			return
		}
		sv.FWMark, _ = strconv.Atoi(f[1])
		i = 2
		if i < len(f) && f[i] == "IPv6" {
			sv.IPv6 = true
			i++
		}
	} else {
		if len(f) < 2 {
			p.w.add(n, "virtual service line without an address: %s", clipText(s))
			return
		}
		sv.Address, sv.Port, sv.PortName = splitAddrPort(f[1])
		sv.IPv6 = strings.HasPrefix(f[1], "[")
		i = 2
	}
	if p.mode == "stats" || p.mode == "rate" {
		sv.Stats = p.stats(n, f[i:])
	} else if i < len(f) {
		sv.Scheduler = clipField(f[i])
		sv.Flags = clipField(strings.Join(f[i+1:], " "))
	}
	p.nsvc++
	p.out.found = true
	t.Services = append(t.Services, sv)
	p.svc = len(t.Services) - 1
}

func (p *ipvsParser) stats(n int, f []string) IPVSStats {
	st := IPVSStats{}
	for j, c := range p.cols {
		if j >= len(f) {
			break
		}
		v, ok := largeNum(f[j])
		if !ok {
			p.w.add(n, "column %s is not a number: %q", c, clipField(f[j]))
			continue
		}
		st[c] = v
	}
	return st
}

func (p *ipvsParser) dest(n int, s string, f []string) {
	t := p.table(n)
	if p.svc < 0 {
		p.w.add(n, "real server line before any virtual service: %s", clipText(s))
		return
	}
	if len(f) == 0 {
		p.w.add(n, "real server line without an address")
		return
	}
	if p.ndest >= maxDests {
		p.w.add(n, "more than %d real servers; the rest were not kept", maxDests)
		return
	}
	d := Destination{Line: n}
	d.Address, d.Port, d.PortName = splitAddrPort(f[0])
	num := func(j int) (int64, bool) {
		if j >= len(f) {
			return 0, false
		}
		return largeNum(f[j])
	}
	bad := false
	switch p.mode {
	case "stats", "rate":
		d.Stats = p.stats(n, f[1:])
	case "thresholds", "persistent":
		st := p.stats(n, f[1:])
		d.Active, d.Inactive = st["activeconn"], st["inactconn"]
		if w, ok := st["weight"]; ok {
			d.Weight = int(w)
		}
		delete(st, "activeconn")
		delete(st, "inactconn")
		delete(st, "weight")
		if len(st) > 0 {
			d.Stats = st
		}
	default:
		if len(f) > 1 {
			d.Forward = clipField(f[1])
		}
		w, ok1 := num(2)
		a, ok2 := num(3)
		in, ok3 := num(4)
		d.Weight, d.Active, d.Inactive = int(w), a, in
		bad = !ok1 || !ok2 || !ok3
	}
	if bad {
		p.w.add(n, "real server line with missing or odd columns: %s", clipText(s))
	}
	p.ndest++
	p.out.found = true
	t.Services[p.svc].Dests = append(t.Services[p.svc].Dests, d)
}

// saveLine reads `ipvsadm -S -n` output:
//
//	-A -t 10.96.0.1:443 -s rr -p 10800
//	-a -t 10.96.0.1:443 -r 192.168.0.10:6443 -m -w 1
func (p *ipvsParser) saveLine(n int, s string, f []string) {
	proto, vaddr := "", ""
	switch f[1] {
	case "-t", "--tcp-service":
		proto = "TCP"
	case "-u", "--udp-service":
		proto = "UDP"
	case "--sctp-service":
		proto = "SCTP"
	case "-f", "--fwmark-service":
		proto = "FWM"
	default:
		p.w.add(n, "not ipvsadm output, skipped: %s", clipText(s))
		return
	}
	vaddr = f[2]
	key := proto + " " + vaddr
	t := p.table(n)
	opts := f[3:]
	if f[0] == "-A" || f[0] == "-E" {
		if p.nsvc >= maxServices {
			p.w.add(n, "more than %d virtual services; the rest were not kept", maxServices)
			return
		}
		sv := Service{Protocol: proto, Line: n, Text: clipText(s), Dests: []Destination{}}
		if proto == "FWM" {
			sv.FWMark, _ = strconv.Atoi(vaddr)
		} else {
			sv.Address, sv.Port, sv.PortName = splitAddrPort(vaddr)
			sv.IPv6 = strings.HasPrefix(vaddr, "[")
		}
		var flags []string
		for i := 0; i < len(opts); i++ {
			switch o := opts[i]; o {
			case "-s", "--scheduler":
				if i+1 < len(opts) {
					sv.Scheduler = clipField(opts[i+1])
					i++
				}
			case "-p", "--persistent":
				fl := "persistent"
				if i+1 < len(opts) && !strings.HasPrefix(opts[i+1], "-") {
					fl += " " + opts[i+1]
					i++
				}
				flags = append(flags, fl)
			case "-M", "--netmask", "pe", "-b", "--sched-flags":
				if i+1 < len(opts) {
					name := map[string]string{"-M": "mask", "--netmask": "mask", "pe": "pe", "-b": "sched-flags", "--sched-flags": "sched-flags"}[o]
					flags = append(flags, name+" "+opts[i+1])
					i++
				}
			case "-6":
				sv.IPv6 = true
			default:
				flags = append(flags, o)
			}
		}
		sv.Flags = clipField(strings.Join(flags, " "))
		p.nsvc++
		p.out.found = true
		t.Services = append(t.Services, sv)
		p.saved[key] = len(t.Services) - 1
		return
	}
	idx, ok := p.saved[key]
	if !ok {
		p.w.add(n, "real server for %s %s, which no -A line declared", proto, clipField(vaddr))
		return
	}
	if p.ndest >= maxDests {
		p.w.add(n, "more than %d real servers; the rest were not kept", maxDests)
		return
	}
	d := Destination{Line: n, Forward: "Route", Weight: 1} // ipvsadm's defaults
	for i := 0; i < len(opts); i++ {
		switch opts[i] {
		case "-r", "--real-server":
			if i+1 < len(opts) {
				d.Address, d.Port, d.PortName = splitAddrPort(opts[i+1])
				i++
			}
		case "-m", "--masquerading":
			d.Forward = "Masq"
		case "-g", "--gatewaying":
			d.Forward = "Route"
		case "-i", "--ipip":
			d.Forward = "Tunnel"
		case "-w", "--weight":
			if i+1 < len(opts) {
				d.Weight, _ = strconv.Atoi(opts[i+1])
				i++
			}
		}
	}
	p.ndest++
	p.out.found = true
	t.Services[idx].Dests = append(t.Services[idx].Dests, d)
}

func (p *ipvsParser) finish(lines int) {
	p.out.lines = lines
	p.out.warnings = p.w.list()
}

func (o *ipvsParsed) result() parsers.Result {
	var parts []string
	svcs, dests := 0, 0
	for _, t := range o.tables {
		byProto := map[string]int{}
		nd := 0
		for _, s := range t.Services {
			byProto[s.Protocol]++
			nd += len(s.Dests)
		}
		svcs += len(t.Services)
		dests += nd
		name := "ipvsadm"
		if t.Version != "" {
			name = "IP Virtual Server version " + t.Version
		}
		if len(t.Services) == 0 {
			parts = append(parts, name+": no virtual services")
			continue
		}
		var ps []string
		for _, pr := range []string{"TCP", "UDP", "SCTP", "FWM"} {
			if byProto[pr] > 0 {
				ps = append(ps, fmt.Sprintf("%s %d", pr, byProto[pr]))
			}
		}
		parts = append(parts, fmt.Sprintf("%s: %d virtual services (%s), %d real servers", name, len(t.Services), strings.Join(ps, ", "), nd))
	}
	return parsers.Result{Detail: strings.Join(parts, " | "), Warnings: o.warnings,
		Summary: map[string]any{"services": svcs, "destinations": dests}}
}
