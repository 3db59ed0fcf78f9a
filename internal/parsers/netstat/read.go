package netstat

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/ktriage/ktriage/internal/source"
)

// maxLineKeep bounds what is kept of one line. The longest real line is a
// /proc/net/netstat TcpExt header (about 3 KiB on 6.x kernels); anything
// much longer is not one of these formats, and a 20 MB single-line file must
// not cost 20 MB.
const maxLineKeep = 64 << 10

// Caps keep a hostile or endless file (a `watch` loop left running for a
// day) from costing unbounded memory. Real files hold a few snapshots of a
// few hundred counters.
const (
	maxSnapshots = 1000
	maxCounters  = 100_000 // all snapshots of a file together
	maxUnknown   = 1000
)

var (
	// "TCPTimeouts: 668", "InType3: 107", "Forwarding: 1": the generic
	// fallback netstat prints for fields its tables lack. Kernel names
	// start upper-case; histogram lines ("redirects: 77") do not.
	reGeneric = regexp.MustCompile(`^([A-Z][A-Za-z0-9_]*):\s*([-+]?[0-9]+)$`)
	// "TcpExt:", a netstat -s section header.
	reSection = regexp.MustCompile(`^([A-Z][A-Za-z0-9]*):$`)
	// "tcp:", a BSD or macOS netstat -s section header. Their phrases look
	// like Linux ones ("123 packets sent") but mean other counters.
	reForeignSection = regexp.MustCompile(`^([a-z][a-z0-9]*):$`)
	// "TcpExt: SyncookiesSent SyncookiesRecv ..." and "TcpExt: 0 0 ...".
	reProcLine = regexp.MustCompile(`^([A-Z][A-Za-z0-9]*):\s+(\S.*)$`)
	reIdent    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	// "TcpExtListenOverflows   12   0.0" (nstat) and "Ip6InReceives  5"
	// (/proc/net/snmp6).
	reNstat = regexp.MustCompile(`^([A-Z][A-Za-z0-9_]*)\s+([-+]?[0-9]+)(?:\s+([-+]?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?))?$`)
)

// nstatPrefixes are the sections an nstat or snmp6 name starts with,
// longest first so IpExtInOctets is not taken for Ip.
var nstatPrefixes = []string{"MPTcpExt", "UdpLite6", "UdpLite", "IcmpMsg", "TcpExt", "IpExt", "Icmp6", "Icmp", "Udp6", "Sctp", "Ip6", "Udp", "Tcp", "Ip"}

func nstatPrefix(name string) string {
	for _, p := range nstatPrefixes {
		if strings.HasPrefix(name, p) && len(name) > len(p) {
			return p
		}
	}
	return ""
}

type procHeader struct {
	section string
	names   []string
	line    int
	text    string
}

type building struct {
	s        Snapshot
	started  bool
	stamp    *stamp
	sections map[string]bool
	kernel   bool // an nstat "#kernel" header opened it
}

func newBuilding(file string) *building {
	return &building{s: Snapshot{File: file, Counters: map[string]Counter{}, Unknown: []UnknownLine{}}, sections: map[string]bool{}}
}

type reader struct {
	file    string
	out     Parsed
	stamps  []*stamp // parallel to out.Snapshots
	cur     *building
	section string
	hist    histogram
	header  *procHeader

	counters, countersDropped int
	snapsDropped              int
	unknownKept, unknownDrop  int
	firstUnknown              string
	cutLines                  int
	mismatches                []string
}

// Read parses netstat -s, nstat and /proc/net/{netstat,snmp,snmp6} text
// from r. name is the file name the snapshots cite. It returns what it
// read before any error.
func Read(ctx context.Context, r io.Reader, name string) (*Parsed, error) {
	rd := &reader{file: name, cur: newBuilding(name)}
	err := source.EachLine(ctx, r, maxLineKeep, func(_, n int, text string, cut bool) { rd.line(n, text, cut) })
	rd.finish()
	if err != nil {
		return &rd.out, fmt.Errorf("read %s: %w", name, err)
	}
	return &rd.out, nil
}

func (r *reader) line(n int, raw string, cut bool) {
	if cut {
		// Longer than any real line of these formats: not one of them.
		r.cutLines++
		r.flushHeader()
		r.unknown(n, raw)
		return
	}
	r.handle(n, raw)
}

func (r *reader) handle(n int, raw string) {
	t := strings.TrimSpace(raw)
	if t == "" {
		r.flushHeader()
		return
	}
	if r.header != nil {
		if m := reProcLine.FindStringSubmatch(t); m != nil && m[1] == r.header.section {
			if vals, ok := allInts(m[2]); ok {
				r.emitProc(n, vals)
				return
			}
		}
		r.flushHeader()
	}
	if strings.HasPrefix(t, "#kernel") {
		r.boundary(n)
		r.cur.kernel = true
		return
	}
	if cmd, st, ok := watchHeader(t); ok {
		r.boundary(n)
		r.cur.s.Command = cmd
		r.cur.stamp = &st
		return
	}
	if cmd, ok := promptCommand(t); ok {
		r.boundary(n)
		r.cur.s.Command = cmd
		return
	}
	if st, ok := parseStamp(t); ok {
		r.boundary(n)
		r.cur.stamp = &st
		return
	}
	if up, ok := parseUptime(t); ok {
		// Printed beside the counters of this run (date; uptime;
		// netstat -s): it belongs to the snapshot being built.
		up.Line = n
		r.touch(n)
		r.cur.s.Uptime = &up
		return
	}
	// Headers and kernel names start upper-case; testing that first keeps
	// the patterns off the many lines that cannot match them.
	if t[0] >= 'A' && t[0] <= 'Z' {
		if strings.IndexByte(t, ':') > 0 && r.headerLine(n, raw, t) {
			return
		}
		if r.nstatLine(n, t) {
			return
		}
	}
	if raw == t && reForeignSection.MatchString(t) {
		r.touch(n)
		r.section, r.hist = foreignSection, histNone
		r.unknown(n, t)
		return
	}
	switch normTemplate(t) {
	case "icmp input histogram:":
		r.hist = histIn
		return
	case "icmp output histogram:":
		r.hist = histOut
		return
	}
	if r.netstatLine(n, t) {
		return
	}
	r.unknown(n, t)
}

// headerLine takes a /proc names line ("TcpExt: SyncookiesSent ...") or
// a netstat -s section header ("TcpExt:"). A section seen before in the
// snapshot being built starts the next one.
func (r *reader) headerLine(n int, raw, t string) bool {
	section := ""
	var names []string
	if m := reProcLine.FindStringSubmatch(t); m != nil {
		var ok bool
		if names, ok = procNames(m[1], m[2]); !ok {
			return false
		}
		section = m[1]
	} else if m := reSection.FindStringSubmatch(t); m != nil && (knownSections[m[1]] || raw == t) {
		section = m[1]
	} else {
		return false
	}
	if r.cur.sections[section] {
		r.cut()
	}
	r.touch(n)
	r.cur.sections[section] = true
	if names != nil {
		r.header = &procHeader{section: section, names: names, line: n, text: t}
	} else {
		r.section, r.hist = section, histNone
	}
	return true
}

// nstatLine takes "TcpExtListenOverflows  12  0.0" (nstat) and
// "Ip6InReceives  5" (/proc/net/snmp6).
func (r *reader) nstatLine(n int, t string) bool {
	m := reNstat.FindStringSubmatch(t)
	if m == nil || nstatPrefix(m[1]) == "" {
		return false
	}
	src := "proc"
	if m[3] != "" || r.cur.kernel {
		src = "nstat"
	}
	return r.add(n, m[1], m[2], t, src)
}

// netstatLine reads one line of netstat -s output: a phrase from the
// statistics.c tables or the generic "Name: N" fallback.
func (r *reader) netstatLine(n int, t string) bool {
	if r.section == foreignSection {
		return false
	}
	if m := reGeneric.FindStringSubmatch(t); m != nil {
		field := m[1]
		var name string
		switch {
		case r.section != "":
			name = counterName(r.section, field)
		case fullNamePrefix(field) != "":
			name = field
		case guessSection(field) != "":
			name = counterName(guessSection(field), field)
		default:
			return false
		}
		return r.add(n, name, m[2], t, "netstat-s")
	}
	toks := strings.Fields(t)
	if len(toks) > maxPhraseWords {
		return false // and trying each number of a long row would be quadratic
	}
	for i, tok := range toks {
		if !isInt(tok) {
			continue
		}
		saved := toks[i]
		toks[i] = "%"
		tmpl := normTemplate(strings.Join(toks, " "))
		toks[i] = saved
		if tgt, ok := lookupPhrase(r.section, r.hist, tmpl); ok {
			return r.add(n, counterName(tgt.section, tgt.field), tok, t, "netstat-s")
		}
	}
	return false
}

// procNames accepts the names half of a /proc header line. A section the
// parser does not know needs two names at least, so a stray "Note: foo"
// line is not taken for one.
func procNames(section, rest string) ([]string, bool) {
	names := strings.Fields(rest)
	if len(names) == 0 || (!knownSections[section] && len(names) < 2) {
		return nil, false
	}
	for _, w := range names {
		if !reIdent.MatchString(w) {
			return nil, false
		}
	}
	return names, true
}

func allInts(rest string) ([]string, bool) {
	vals := strings.Fields(rest)
	if len(vals) == 0 {
		return nil, false
	}
	for _, v := range vals {
		if !isInt(v) {
			return nil, false
		}
	}
	return vals, true
}

func isInt(s string) bool {
	if s == "" || len(s) > 24 {
		return false
	}
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// exact normalises an integer for JSON: any value int64 or uint64 holds,
// written without sign noise or leading zeros.
func exact(s string) (json.Number, bool) {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return json.Number(strconv.FormatInt(v, 10)), true
	}
	if v, err := strconv.ParseUint(strings.TrimPrefix(s, "+"), 10, 64); err == nil {
		return json.Number(strconv.FormatUint(v, 10)), true
	}
	return "", false
}

func (r *reader) emitProc(n int, vals []string) {
	h := r.header
	r.header = nil
	if len(vals) != len(h.names) && len(r.mismatches) < 5 {
		r.mismatches = append(r.mismatches, fmt.Sprintf("line %d: %s has %d names on line %d but %d values", n, h.section, len(h.names), h.line, len(vals)))
	}
	for i, v := range vals {
		if i >= len(h.names) {
			r.unknown(n, fmt.Sprintf("%s value %d (field %d) has no name on line %d", h.section, i+1, i+1, h.line))
			continue
		}
		text := fmt.Sprintf("%s %s %s (field %d; names on line %d)", h.section, h.names[i], v, i+1, h.line)
		if !r.add(n, counterName(h.section, h.names[i]), v, text, "proc") {
			r.unknown(n, text)
		}
	}
}

// flushHeader gives up on a /proc header line whose value line never came.
func (r *reader) flushHeader() {
	if r.header == nil {
		return
	}
	h := r.header
	r.header = nil
	r.unknown(h.line, h.text)
}

// add records a counter; false when the value is no integer it can hold.
func (r *reader) add(n int, name, value, text, source string) bool {
	v, ok := exact(value)
	if !ok {
		return false
	}
	if _, dup := r.cur.s.Counters[name]; dup {
		// The same counter again: a second run of the command (grep output
		// between which no date or prompt line was kept).
		r.cut()
	}
	r.touch(n)
	if r.cur.s.Source == "" {
		r.cur.s.Source = source
	}
	if r.counters >= maxCounters {
		r.countersDropped++
		return true
	}
	r.counters++
	r.cur.s.Counters[name] = Counter{Value: v, Line: n, Text: quote(text)}
	return true
}

func (r *reader) touch(n int) {
	if !r.cur.started {
		r.cur.started = true
		r.cur.s.Line = n
	}
}

// boundary handles a line that starts a new run (a prompt, a date, nstat's
// "#kernel"): whatever was read so far is one snapshot.
func (r *reader) boundary(n int) {
	r.flushHeader()
	r.cut()
	r.section, r.hist = "", histNone
	r.touch(n)
}

// cut closes the current snapshot if it holds counters; lines that held
// none (a prompt, then a date) stay with the one being built.
func (r *reader) cut() {
	if len(r.cur.s.Counters) == 0 {
		return
	}
	r.push(r.cur)
	r.cur = newBuilding(r.file)
}

func (r *reader) push(b *building) {
	if len(r.out.Snapshots) >= maxSnapshots {
		r.snapsDropped++
		r.counters -= len(b.s.Counters)
		return
	}
	r.out.Snapshots = append(r.out.Snapshots, b.s)
	r.stamps = append(r.stamps, b.stamp)
}

func (r *reader) unknown(n int, t string) {
	if r.unknownKept >= maxUnknown {
		r.unknownDrop++
		return
	}
	t = source.Quote(t)
	if r.unknownKept == 0 {
		r.firstUnknown = fmt.Sprintf("line %d: %q", n, t)
	}
	r.unknownKept++
	r.cur.s.Unknown = append(r.cur.s.Unknown, UnknownLine{Line: n, Text: t})
}

func (r *reader) finish() {
	r.flushHeader()
	if len(r.cur.s.Counters) > 0 {
		r.push(r.cur)
	} else if len(r.cur.s.Unknown) > 0 && len(r.out.Snapshots) > 0 {
		// Lines after the last counters (output of another command) belong
		// to the last snapshot rather than to none.
		last := &r.out.Snapshots[len(r.out.Snapshots)-1]
		last.Unknown = append(last.Unknown, r.cur.s.Unknown...)
	}
	r.times()
	w := &r.out.Warnings
	if r.unknownKept+r.unknownDrop > 0 && len(r.out.Snapshots) > 0 {
		*w = append(*w, fmt.Sprintf("%d lines named no counter and are kept under unknown (first, %s)", r.unknownKept+r.unknownDrop, r.firstUnknown))
	}
	if r.unknownDrop > 0 {
		*w = append(*w, fmt.Sprintf("only the first %d unknown lines were kept; %d more were counted but not kept", maxUnknown, r.unknownDrop))
	}
	if r.cutLines > 0 {
		*w = append(*w, fmt.Sprintf("%d lines longer than %d bytes were cut and kept as unknown", r.cutLines, maxLineKeep))
	}
	*w = append(*w, r.mismatches...)
	if r.snapsDropped > 0 {
		*w = append(*w, fmt.Sprintf("only the first %d snapshots were kept; %d more were dropped", maxSnapshots, r.snapsDropped))
	}
	if r.countersDropped > 0 {
		*w = append(*w, fmt.Sprintf("counter cap of %d reached; %d more values were dropped", maxCounters, r.countersDropped))
	}
}

// times fills Time and Elapsed. Elapsed uses instants when both ends have
// one and clock times as written otherwise (same zone within one file).
func (r *reader) times() {
	var first *stamp
	for i, st := range r.stamps {
		if st == nil {
			continue
		}
		s := &r.out.Snapshots[i]
		txt := st.rfc3339()
		s.Time = &txt
		if first == nil {
			first = st
		}
		var d float64
		if first.known && st.known {
			d = st.abs.Sub(first.abs).Seconds()
		} else {
			d = st.wall.Sub(first.wall).Seconds()
		}
		s.Elapsed = &d
	}
}

// quote is source.Quote, for functions whose parameter named source (the
// counters' origin) hides the package.
var quote = source.Quote
