package iptables

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// `nft list ruleset` is not iptables-save, but on an iptables-nft host it
// shows the same tables and chains (sosreport collects it beside, or
// instead of, iptables-save). It is read into the same shape, one Ruleset
// per address family, with variant "nft-ruleset" and no generator. Rules
// keep their nft text; the fields rules test are translated where nft's
// rendering of an iptables rule is unambiguous ("meta mark set mark or
// 0x8000" is MARK --set-xmark 0x8000/0x8000).

var (
	reNftTableOpen = regexp.MustCompile(`^table +(ip|ip6|inet|arp|bridge|netdev) +("[^"]*"|\S+) +\{`)
	reNftChainOpen = regexp.MustCompile(`^chain +("[^"]*"|\S+) +\{`)
	reNftBlockOpen = regexp.MustCompile(`^(?:set|map|flowtable|counter|quota|limit|secmark|synproxy|ct +(?:helper|timeout|expectation)) +("[^"]*"|\S+) +\{`)
	reNftHandle    = regexp.MustCompile(`\s+# handle \d+$`)
	reNftPolicy    = regexp.MustCompile(`\bpolicy +(\w+)`)
)

type nftParser struct {
	path string
	out  *parsed
	w    warnings

	byFamily map[string]*rsBuilder
	all      []*rsBuilder

	rs        *rsBuilder
	table     *Table
	chain     *Chain
	chainName string
	skip      int // brace depth of a block being skipped (set, map, …)

	pending      strings.Builder // a rule spread over lines (long anonymous sets)
	pendingLine  int
	pendingDepth int // braces still open in pending

	rules, chains int
	kept          int64
}

func parseNft(ctx context.Context, r io.Reader, path string) (*parsed, error) {
	p := &nftParser{path: path, out: &parsed{kind: "nft-ruleset"}, byFamily: map[string]*rsBuilder{}}
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
		return p.out, fmt.Errorf("read nft ruleset: %w", lr.err)
	}
	return p.out, nil
}

// braces returns the count of "{" minus "}" outside quoted strings.
func braces(s string) int {
	n, q := 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			q = !q
		case '{':
			if !q {
				n++
			}
		case '}':
			if !q {
				n--
			}
		}
	}
	return n
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

func (p *nftParser) line(n int, s string) {
	if n == 1 {
		s = strings.TrimPrefix(s, "\xef\xbb\xbf")
	}
	s = strings.TrimSpace(reNftHandle.ReplaceAllString(s, ""))
	if s == "" {
		return
	}
	if p.skip > 0 {
		p.skip += braces(s)
		return
	}
	if p.pending.Len() > 0 {
		if p.pending.Len() < maxLine {
			p.pending.WriteByte(' ')
			p.pending.WriteString(s)
		}
		// Counted per line, never by rescanning what was kept: a brace
		// left open at the top of a huge file must not cost its square.
		p.pendingDepth += braces(s)
		if p.pendingDepth <= 0 {
			p.rule(p.pendingLine, p.pending.String())
			p.pending.Reset()
		}
		return
	}
	switch {
	case p.table == nil:
		p.topLevel(n, s)
	case p.chain == nil:
		p.inTable(n, s)
	default:
		p.inChain(n, s)
	}
}

func (p *nftParser) topLevel(n int, s string) {
	if m := reNftTableOpen.FindStringSubmatch(s); m != nil {
		p.out.found = true
		fam, name := m[1], unquote(m[2])
		rs := p.byFamily[fam]
		if rs == nil {
			family := fam
			switch fam {
			case "ip":
				family = "ipv4"
			case "ip6":
				family = "ipv6"
			}
			rs = &rsBuilder{rs: &Ruleset{File: p.path, Family: family, Variant: "nft-ruleset",
				Tables: map[string]*Table{}, UndeclaredTargets: []Undeclared{}}}
			p.byFamily[fam] = rs
			p.all = append(p.all, rs)
		}
		t, ok := rs.rs.Tables[name]
		switch {
		case ok:
			p.w.add(n, "table %s %s appears again; merged into the one at line %d", fam, name, t.Line)
		case len(rs.rs.Tables) >= maxTables:
			p.w.add(n, "more than %d tables; table %s %s skipped", maxTables, fam, name)
			p.skip = braces(s)
			return
		default:
			// nft applies a ruleset atomically: what it lists is whole.
			t = &Table{Line: n, Committed: true, Chains: map[string]*Chain{}}
			rs.rs.Tables[name] = t
			rs.order = append(rs.order, name)
		}
		p.rs, p.table = rs, t
		if braces(s) <= 0 { // "table ip x { }" on one line
			p.table = nil
		}
		return
	}
	switch {
	case s == "flush ruleset", strings.HasPrefix(s, "#!"):
	case strings.HasPrefix(s, "# Warning: table ") && strings.Contains(s, "managed by iptables-nft"):
		// nft ≥ 1.0 says so for tables iptables-nft made; that is
		// what we expect here.
	default:
		p.w.add(n, "not nft ruleset syntax, skipped: %s", clipText(s))
	}
}

func (p *nftParser) inTable(n int, s string) {
	switch {
	case s == "}":
		p.table = nil
	case reNftChainOpen.MatchString(s):
		name := unquote(reNftChainOpen.FindStringSubmatch(s)[1])
		c, ok := p.table.Chains[name]
		if !ok {
			if p.chains >= maxChains {
				p.w.add(n, "more than %d chains; chain %s skipped", maxChains, name)
				p.skip = braces(s)
				return
			}
			p.chains++
			c = &Chain{Rules: []Rule{}}
			p.table.Chains[name] = c
			p.table.order = append(p.table.order, name)
		}
		c.Declared, c.Line, c.Policy = true, n, "-"
		p.chain, p.chainName = c, name
		if braces(s) <= 0 {
			p.chain = nil
		}
	case reNftBlockOpen.MatchString(s):
		p.skip = braces(s)
	case strings.HasPrefix(s, "flags "), strings.HasPrefix(s, "comment "):
	default:
		p.w.add(n, "not understood inside a table, skipped: %s", clipText(s))
		if b := braces(s); b > 0 {
			p.skip = b
		}
	}
}

func (p *nftParser) inChain(n int, s string) {
	switch {
	case s == "}":
		p.chain = nil
	case strings.HasPrefix(s, "type ") && strings.Contains(s, " hook "):
		p.chain.Builtin = true
		p.chain.Policy = "ACCEPT" // nft's default policy
		if m := reNftPolicy.FindStringSubmatch(s); m != nil {
			p.chain.Policy = strings.ToUpper(m[1])
		}
	case strings.HasPrefix(s, "policy "):
		if m := reNftPolicy.FindStringSubmatch(s); m != nil {
			p.chain.Policy = strings.ToUpper(m[1])
		}
	case strings.HasPrefix(s, "comment "), strings.HasPrefix(s, "devices "):
	default:
		if d := braces(s); d > 0 {
			p.pending.WriteString(s)
			p.pendingLine, p.pendingDepth = n, d
			return
		}
		p.rule(n, s)
	}
}

func (p *nftParser) rule(n int, s string) {
	if p.chain == nil {
		return
	}
	r := nftRule(s)
	r.Line, r.Text = n, clipText(s)
	if r.Packets > 0 || strings.Contains(s, "counter packets") {
		p.rs.rs.Counters = true
	}
	cost := int64(len(s)) + 128
	if p.rules >= maxRules || p.kept+cost > maxKeptBytes {
		p.rs.rs.RulesOmitted++
		return
	}
	if len(s) > 4096 {
		r = cloneRule(r)
	}
	p.rules++
	p.kept += cost
	p.chain.Rules = append(p.chain.Rules, r)
}

// nftRule reads the fields of one nft rule.
func nftRule(s string) Rule {
	var r Rule
	toks := tokenize(nil, s)
	word := func(i int) string {
		if i < len(toks) {
			return strings.TrimRight(toks[i].s, ",;")
		}
		return ""
	}
	depth := 0
	hasLog, markSet := false, false
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if !t.quoted {
			depth += braces(t.s)
		}
		w := word(i)
		if w == "jump" || w == "goto" {
			if c := word(i + 1); c != "" && len(r.refs) < 64 {
				r.refs = append(r.refs, clipField(c))
				if depth == 0 && r.Target == "" {
					r.Target, r.Goto = clipField(c), w == "goto"
				}
			}
			i++
			continue
		}
		if depth != 0 || t.quoted {
			continue
		}
		// value after an optional "!=" operator
		val := func(j int) (string, bool, int) {
			if word(j) == "!=" {
				return clipField(word(j + 1)), true, j + 1
			}
			return clipField(word(j)), false, j
		}
		switch w {
		case "counter":
			if word(i+1) == "packets" && word(i+3) == "bytes" {
				r.Packets, _ = strconv.ParseUint(word(i+2), 10, 64)
				r.Bytes, _ = strconv.ParseUint(word(i+4), 10, 64)
				i += 4
			}
		case "accept", "drop", "reject", "return", "queue", "masquerade", "snat", "dnat", "redirect", "continue":
			if w == "dnat" {
				j := i + 1
				if word(j) == "ip" || word(j) == "ip6" {
					j++
				}
				if word(j) == "to" {
					r.ToDestination = clipField(word(j + 1))
				}
			}
			if r.Target == "" {
				r.Target = strings.ToUpper(w)
			}
		case "log":
			hasLog = true
		case "ip", "ip6":
			switch word(i + 1) {
			case "saddr", "daddr":
				v, neg, j := val(i + 2)
				if strings.HasPrefix(v, "{") || strings.HasPrefix(v, "@") {
					break
				}
				opt := "-s"
				if word(i+1) == "saddr" {
					r.Source = v
				} else {
					opt, r.Destination = "-d", v
				}
				if neg {
					r.Negations = append(r.Negations, opt)
				}
				i = j
			case "protocol", "nexthdr":
				v, neg, j := val(i + 2)
				r.Protocol = v
				if neg {
					r.Negations = append(r.Negations, "-p")
				}
				i = j
			}
		case "meta":
			switch word(i + 1) {
			case "l4proto":
				v, neg, j := val(i + 2)
				r.Protocol = v
				if neg {
					r.Negations = append(r.Negations, "-p")
				}
				i = j
			case "mark":
				if word(i+2) == "set" {
					markSet = true
					i += nftMarkSet(&r, toks, i+3, word)
				}
			case "iifname", "oifname", "iif", "oif":
				continue // read when the loop reaches the keyword itself
			}
		case "mark":
			if word(i+1) == "set" {
				markSet = true
				// nftMarkSet counts from "meta"; there is no "meta" here.
				i += nftMarkSet(&r, toks, i+2, word) - 1
			}
		case "tcp", "udp", "sctp", "th", "dccp", "udplite":
			if word(i+1) == "dport" {
				v, neg, j := val(i + 2)
				if r.Dport == "" {
					r.Dport = v
				}
				if r.Protocol == "" && w != "th" {
					r.Protocol = w
				}
				if neg {
					r.Negations = append(r.Negations, "--dport")
				}
				i = j
			}
		case "iifname", "iif", "oifname", "oif":
			v, neg, j := val(i + 1)
			v = unquote(v)
			opt := "-i"
			if w[0] == 'i' {
				r.InInterface = v
			} else {
				opt, r.OutInterface = "-o", v
			}
			if neg {
				r.Negations = append(r.Negations, opt)
			}
			i = j
		case "comment":
			if r.Comment == "" && i+1 < len(toks) {
				r.Comment = clipField(toks[i+1].s)
			}
			i++
		case "xt":
			kind, name := word(i+1), unquote(word(i+2))
			switch kind {
			case "match":
				if len(r.Matches) < 32 {
					r.Matches = append(r.Matches, matchName(clipField(name)))
				}
			case "target":
				if r.Target == "" {
					r.Target = clipField(name)
				}
			}
			i += 2
		default:
			if strings.HasPrefix(w, "@") && r.MatchSet == "" {
				r.MatchSet = clipField(w[1:])
			}
		}
	}
	if r.Target == "" && markSet {
		r.Target = "MARK"
	}
	if r.Target == "" && hasLog {
		r.Target = "LOG"
	}
	return r
}

// nftMarkSet reads what follows "mark set": "mark or 0x8000" (set bits:
// MARK --set-xmark 0x8000/0x8000) or a plain value (--set-mark). It
// returns how many tokens it used.
func nftMarkSet(r *Rule, toks []token, j int, word func(int) string) int {
	if word(j) == "mark" && word(j+1) == "or" {
		v := hexNorm(word(j + 2))
		r.SetXmark = v + "/" + v
		return 3 + 2
	}
	if v := word(j); v != "" {
		r.SetMark = hexNorm(v)
		return 1 + 2
	}
	return 2
}

// hexNorm writes 0x00008000 as 0x8000, the way iptables-save does.
func hexNorm(s string) string {
	if strings.HasPrefix(s, "0x") {
		if v, err := strconv.ParseUint(s[2:], 16, 64); err == nil {
			return "0x" + strconv.FormatUint(v, 16)
		}
	}
	return clipField(s)
}

func (p *nftParser) finish(lines int) {
	p.out.lines = lines
	if p.pending.Len() > 0 {
		p.w.add(p.pendingLine, "rule with unbalanced braces runs to the end of the file")
		p.rule(p.pendingLine, p.pending.String())
		p.pending.Reset()
	}
	if p.table != nil {
		p.w.add(lines, "a table block is not closed (file cut short?)")
		for _, rs := range p.all {
			rs.rs.Partial = true
		}
	}
	for _, rs := range p.all {
		computeUndeclared(rs, &p.w)
		if rs.rs.RulesOmitted > 0 {
			p.w.add(0, "%d rules past the memory cap were not kept", rs.rs.RulesOmitted)
		}
		p.out.rulesets = append(p.out.rulesets, rs.rs)
	}
	p.out.warnings = p.w.list()
}
