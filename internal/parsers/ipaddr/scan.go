package ipaddr

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"strings"
	"unicode/utf8"
)

const (
	maxWarnings = 20
	// Caps that keep a hostile file from growing the document without
	// bound; real nodes have a few thousand interfaces (kube-ipvs0 may hold
	// one address per Service) and routes.
	maxInterfaces = 100_000
	maxAddresses  = 200_000
	maxRoutes     = 200_000
	maxTextLen    = 240
)

// format says which output an interface block comes from; continuation
// lines are read by that format's rules.
type format int

const (
	fmtNone format = iota
	fmtIP
	fmtIfconfig
)

// scanner reads one file, of any mix of the supported outputs.
type scanner struct {
	ctx  context.Context
	file string
	lr   *lineReader

	ifaces []*Interface
	byName map[string]int // name -> position in ifaces of its latest block
	routes []RouteEntry
	naddr  int

	// The interface block being read.
	cur       *Interface
	curFmt    format
	curIndent int
	curLink   bool   // the block had its link/ line (ip) or hardware line
	curAddr   int    // position in cur.Addresses of the last address, or -1
	ifcLabel  string // ifconfig block name (eth0:1 for an alias)
	stats     statsPending

	curRoute int // position in routes of the last ip route line, or -1
	table    *routeTable

	family   string // family named by the last echoed command (ip -6 route)
	sawBrief bool
	linkLns  int // ip blocks that had a link/ line

	understood int
	readErr    error // a read error met while decoding JSON
	warnings   []string
	more       int
	hostnames  []string
	capped     map[string]bool
}

func newScanner(ctx context.Context, file string, r io.Reader) *scanner {
	return &scanner{ctx: ctx, file: file, lr: newLineReader(r), byName: map[string]int{}, curRoute: -1, curAddr: -1, capped: map[string]bool{}}
}

func (s *scanner) warn(line int, format string, args ...any) {
	if len(s.warnings) >= maxWarnings {
		s.more++
		return
	}
	msg := fmt.Sprintf(format, args...)
	if line > 0 {
		msg = fmt.Sprintf("line %d: %s", line, msg)
	}
	s.warnings = append(s.warnings, msg)
}

// capOnce warns the first time a cap is reached.
func (s *scanner) capOnce(line int, what string) {
	if !s.capped[what] {
		s.capped[what] = true
		s.warn(line, "more than the cap of %s; the rest were not kept", what)
	}
}

func (s *scanner) allWarnings() []string {
	out := append([]string(nil), s.warnings...)
	if s.more > 0 {
		out = append(out, fmt.Sprintf("%d more problems not listed", s.more))
	}
	return out
}

// run reads the whole input. It returns the first read error or context
// cancellation; what was read before stays in the scanner.
func (s *scanner) run() error {
	for {
		if s.lr.line%1024 == 0 {
			if err := s.ctx.Err(); err != nil {
				return err
			}
		}
		if s.lr.jsonAhead() {
			s.endBlock()
			if stop := s.readJSON(); stop {
				if s.readErr != nil {
					return s.readErr
				}
				return s.ctx.Err()
			}
			continue
		}
		text, cutFrom, ok, err := s.lr.next()
		if !ok {
			s.finish()
			return err
		}
		n := s.lr.line
		if cutFrom > 0 {
			s.warn(n, "line is %d bytes long; only its first %d bytes were read", cutFrom, maxLine)
		}
		s.handle(text, n)
		if err != nil {
			s.finish()
			return err
		}
	}
}

// finish checks the end of the input for signs of truncation.
func (s *scanner) finish() {
	if s.cur != nil && s.curFmt == fmtIP && !s.curLink && s.linkLns > 0 {
		s.warn(s.cur.Line, "interface %s has no link/ line: the file looks cut off here", s.cur.Name)
	}
	if s.stats.dir != "" {
		s.warn(s.stats.line, "statistics header without its values: the file looks cut off here")
	}
	if !s.lr.terminated {
		// Commands end their output with a newline; a file that does not
		// was cut (or pasted by hand), and its last line may be partial.
		s.warn(s.lr.line, "the last line has no line ending: the file may be cut off there")
	}
	s.endBlock()
}

// endBlock closes the current interface block.
func (s *scanner) endBlock() {
	if s.cur != nil && s.curFmt == fmtIP && s.curLink {
		s.linkLns++
	}
	s.cur, s.curFmt, s.curLink, s.curAddr = nil, fmtNone, false, -1
	s.stats = statsPending{}
}

var (
	// "2: eth0@if14: <BROADCAST,...> mtu 1500 ..." (ip addr, ip link, busybox)
	reIPHeader = regexp.MustCompile(`^(\d+):\s+([^\s:]+):\s+<([^>]*)>\s*(.*)$`)
	// "2: eth0    inet 10.0.0.1/24 ..." (ip -o addr; old versions also "link/…")
	reIPOneLine = regexp.MustCompile(`^(\d+):\s+([^\s:]+)\s+((?:inet6?|link/\S+)\s.*)$`)
	// A shell prompt echoing the command that made the output.
	rePrompt = regexp.MustCompile(`^(?:\[?([A-Za-z0-9_.-]+)@([A-Za-z0-9_.-]+)[^\]#$]*\]?\s*[#$%>]\s*|[#$%>]\s+|\+\s+)?(?:sudo\s+)?(?:/\S*/)?(ip|ifconfig|route|netstat|busybox)(\s+.*)?$`)
)

// reANSI matches the color codes of `ip -c` (a terminal capture keeps them).
var reANSI = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)

func stripANSI(s string) string {
	if strings.IndexByte(s, 0x1b) < 0 {
		return s
	}
	return reANSI.ReplaceAllString(s, "")
}

func indentOf(line string) int {
	n := 0
	for n < len(line) && (line[n] == ' ' || line[n] == '\t') {
		n++
	}
	return n
}

// handle dispatches one line.
func (s *scanner) handle(line string, n int) {
	line = stripANSI(strings.TrimPrefix(line, "\xef\xbb\xbf"))
	t := strings.TrimSpace(line)
	if t == "" {
		if s.curFmt == fmtIfconfig {
			s.endBlock()
		}
		s.table = nil
		return
	}
	indent := indentOf(line)
	digit := t[0] >= '0' && t[0] <= '9' // headers start with the index

	// ip -o prints each item on one line with "\" where the line breaks
	// would be; split it back.
	if digit {
		parts := strings.Split(t, "\\")
		head := strings.TrimSpace(parts[0])
		switch {
		case reIPHeader.MatchString(head):
			s.understood++
			s.ipHeader(head, n, indent)
			s.oneLineParts(parts[1:], n)
			return
		case reIPOneLine.MatchString(head):
			s.understood++
			s.ipOneLine(head, n, indent)
			s.oneLineParts(parts[1:], n)
			return
		}
	}
	if s.ifconfigHeader(t, n, indent) {
		s.understood++
		return
	}
	if s.cur != nil && indent > s.curIndent && s.continuation(line, n, indent) {
		return
	}
	if s.stats.dir != "" {
		s.warn(s.stats.line, "statistics header without its values")
		s.stats = statsPending{}
	}
	if s.tableHeader(t) {
		s.endBlock()
		s.understood++
		return
	}
	if s.table != nil {
		if s.tableRow(t, n) {
			s.understood++
			return
		}
		s.table = nil
	}
	if s.curRoute >= 0 && indent > 0 && s.routeContinuation(t, n) {
		s.understood++
		return
	}
	if s.routeLine(t, n) {
		s.endBlock()
		s.understood++
		return
	}
	s.curRoute = -1
	if s.briefLine(t, n) {
		s.endBlock()
		s.understood++
		return
	}
	if s.commandEcho(t) || s.banner(t) {
		s.endBlock()
		return
	}
	s.endBlock()
	s.warn(n, "not understood: %s", clip(t, 120))
}

// oneLineParts reads the pieces of an `ip -o` line after its first
// backslash.
func (s *scanner) oneLineParts(parts []string, n int) {
	for _, p := range parts {
		if strings.TrimSpace(p) == "" {
			continue
		}
		if !s.continuation(p, n, s.curIndent+1) {
			s.warn(n, "not understood: %s", clip(strings.TrimSpace(p), 120))
		}
	}
}

// continuation reads an indented line of the current interface block.
func (s *scanner) continuation(line string, n, indent int) bool {
	if s.cur == nil {
		return false
	}
	t := strings.TrimSpace(line)
	var ok bool
	switch s.curFmt {
	case fmtIP:
		ok = s.ipContinuation(t, n)
	case fmtIfconfig:
		ok = s.ifconfigContinuation(t, n)
	}
	if ok {
		s.understood++
	}
	return ok
}

// commandEcho recognises a prompt or command line that introduces an
// output ("[root@node-1 ~]# ip -6 route"): it is understood, tells the
// family of routes that follow, and may name the host.
func (s *scanner) commandEcho(t string) bool {
	m := rePrompt.FindStringSubmatch(t)
	if m == nil || !commandArgs(m[3], strings.Fields(m[4])) {
		return false
	}
	if m[2] != "" && m[2] != "localhost" {
		s.addHostname(m[2])
	}
	args := " " + m[4] + " "
	switch {
	case strings.Contains(args, " -6 ") || strings.Contains(args, " -f inet6 ") || strings.Contains(args, " -A inet6 "):
		s.family = "inet6"
	case strings.Contains(args, " -4 ") || strings.Contains(args, " -f inet "):
		s.family = "inet"
	default:
		s.family = ""
	}
	return true
}

// ipObjects are the ip subcommands (and their abbreviations) whose output
// a bundle holds.
var ipObjects = wordSet(`a ad addr address l li lin link r ro rou rout route n ne nei neigh neighbour
	ru rul rule -4 -6 -d -s -o -j -p -br -c -h`)

// commandArgs tells a command line ("ip -d addr", "route -n", "ifconfig
// eth0") from prose that starts with the same word ("route to 10.0.0.0 is
// down").
func commandArgs(cmd string, args []string) bool {
	if len(args) == 0 {
		return true
	}
	a := args[0]
	switch cmd {
	case "ip":
		return ipObjects[a] || strings.HasPrefix(a, "-")
	case "ifconfig":
		return strings.HasPrefix(a, "-") || validIfName(a) && len(args) == 1
	case "busybox":
		return a == "ip" || a == "ifconfig" || a == "route"
	}
	return strings.HasPrefix(a, "-")
}

// reBanner matches separator lines that scripts print between outputs
// ("==> ip-a.txt <==", "### ip -d link ###", "-----").
var reBanner = regexp.MustCompile(`^(?:[=#*-]{3,}|==>)\s*(.*?)\s*(?:[=#*-]{3,}|<==)?$`)

func (s *scanner) banner(t string) bool {
	m := reBanner.FindStringSubmatch(t)
	if m == nil {
		return false
	}
	s.commandEcho(m[1])
	return true
}

func (s *scanner) addHostname(h string) {
	for _, x := range s.hostnames {
		if x == h {
			return
		}
	}
	if len(s.hostnames) < 8 {
		s.hostnames = append(s.hostnames, h)
	}
}

// iface returns the interface block to fill for a header naming index and
// name: the earlier block of the same interface when the file holds several
// outputs of one host (ip addr followed by ip -d link), a new one otherwise.
func (s *scanner) iface(index int, name string, n int, text string) *Interface {
	if i, ok := s.byName[name]; ok {
		it := s.ifaces[i]
		if index == 0 || it.Index == 0 || it.Index == index {
			if it.Index == 0 {
				it.Index = index
			}
			return it
		}
		s.warn(n, "interface %s appears again with index %d (was %d at line %d): the file holds output of more than one host or namespace", name, index, it.Index, it.Line)
	}
	if len(s.ifaces) >= maxInterfaces {
		s.capOnce(n, fmt.Sprintf("%d interfaces", maxInterfaces))
		return &Interface{Name: name, Details: map[string]any{}} // read and dropped
	}
	it := &Interface{Index: index, Name: name, File: s.file, Line: n, Text: clip(text, maxTextLen), Details: map[string]any{}, Addresses: []Address{}}
	s.byName[name] = len(s.ifaces)
	s.ifaces = append(s.ifaces, it)
	return it
}

// addAddress appends an address unless the interface already has it (the
// same output read twice, or ip addr merged with ip -o addr).
func (s *scanner) addAddress(it *Interface, a Address, n int) int {
	for i, x := range it.Addresses {
		if x.Family == a.Family && x.Address == a.Address && x.Prefix == a.Prefix {
			return i
		}
	}
	if s.naddr >= maxAddresses {
		s.capOnce(n, fmt.Sprintf("%d addresses", maxAddresses))
		return -1
	}
	s.naddr++
	it.Addresses = append(it.Addresses, a)
	return len(it.Addresses) - 1
}

func (s *scanner) addRoute(r RouteEntry, n int) int {
	if len(s.routes) >= maxRoutes {
		s.capOnce(n, fmt.Sprintf("%d routes", maxRoutes))
		return -1
	}
	r.File, r.Line = s.file, n
	s.routes = append(s.routes, r)
	return len(s.routes) - 1
}

// addresses lists every configured address once, for node attribution.
func (s *scanner) addresses() []string {
	var out []string
	seen := map[string]bool{}
	for _, it := range s.ifaces {
		for _, a := range it.Addresses {
			if ip, err := netip.ParseAddr(a.Address); err == nil {
				k := ip.String()
				if !seen[k] {
					seen[k] = true
					out = append(out, k)
				}
			}
		}
	}
	return out
}

// clip shortens s to at most max bytes on a rune boundary.
func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
