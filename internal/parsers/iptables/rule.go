package iptables

import (
	"strconv"
	"strings"
)

// maxText bounds the quoted rule text and every field taken from a rule.
const maxText = 240

type token struct {
	s      string
	quoted bool // came (partly) from a "…" string: never an option name
}

// tokenize splits a rule line the way iptables-restore does: on blanks,
// with "…" strings in which \" and \\ are escapes (iptables-save writes
// comments that way). An unterminated string runs to the end of the line,
// which is what a line cut mid-comment looks like. Plain tokens and plain
// quoted strings are substrings of s; only escapes cost an allocation.
// Tokens are appended to toks, which callers reuse between lines.
func tokenize(toks []token, s string) []token {
	i := 0
	for i < len(s) {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			break
		}
		start := i
		for i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '"' {
			i++
		}
		if i >= len(s) || s[i] != '"' {
			toks = append(toks, token{s: s[start:i]})
			continue
		}
		// "plain quoted string" followed by a blank or the end.
		if i == start {
			if j := strings.IndexByte(s[i+1:], '"'); j >= 0 {
				end := i + 1 + j
				body := s[i+1 : end]
				if !strings.Contains(body, "\\") && (end+1 == len(s) || s[end+1] == ' ' || s[end+1] == '\t') {
					toks = append(toks, token{s: body, quoted: true})
					i = end + 1
					continue
				}
			}
		}
		var sb strings.Builder
		sb.WriteString(s[start:i])
		inQuote := false
		for i < len(s) {
			c := s[i]
			if !inQuote && (c == ' ' || c == '\t') {
				break
			}
			switch {
			case inQuote && c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\'):
				sb.WriteByte(s[i+1])
				i++
			case c == '"':
				inQuote = !inQuote
			default:
				sb.WriteByte(c)
			}
			i++
		}
		toks = append(toks, token{s: sb.String(), quoted: true})
	}
	return toks
}

func isOption(t token) bool {
	if t.quoted || len(t.s) < 2 || t.s[0] != '-' {
		return false
	}
	// "-1" is a value, not an option; no option starts with a digit.
	c := t.s[1]
	return !(c >= '0' && c <= '9') && c != '.'
}

// ruleSpec is what parseRuleSpec reads from the options after "-A CHAIN".
type ruleSpec struct {
	Rule
	counters bool // a "-c pkts bytes" option was present
}

// parseRuleSpec fills the rule's fields from its option tokens. Options it
// does not know are skipped with their arguments (every token up to the
// next option), so new match extensions do not confuse it.
func parseRuleSpec(toks []token) ruleSpec {
	var r ruleSpec
	neg := false
	i := 0
	// value returns the option's argument; a "!" between an option and its
	// value (the pre-1.4.3 syntax "--dport ! 22") negates the option.
	value := func() string {
		if i < len(toks) && toks[i].s == "!" && !toks[i].quoted {
			neg = true
			i++
		}
		if i < len(toks) {
			v := toks[i].s
			i++
			return clipField(v)
		}
		return ""
	}
	for i < len(toks) {
		t := toks[i]
		i++
		if t.s == "!" && !t.quoted {
			neg = true
			continue
		}
		if !isOption(t) {
			// A stray value (an argument of an option skipped below). A
			// "!" before it negated nothing we track.
			neg = false
			continue
		}
		name := t.s
		switch name {
		case "-s", "--source", "--src":
			r.Source = value()
		case "-d", "--destination", "--dst":
			r.Destination = value()
		case "-p", "--protocol":
			r.Protocol = value()
		case "-i", "--in-interface":
			r.InInterface = value()
		case "-o", "--out-interface":
			r.OutInterface = value()
		case "-m", "--match":
			if v := value(); v != "" && len(r.Matches) < 32 {
				r.Matches = append(r.Matches, matchName(v))
			}
		case "--comment":
			if v := value(); r.Comment == "" {
				r.Comment = v
			}
		case "--dport", "--dports", "--destination-port", "--destination-ports":
			if v := value(); r.Dport == "" {
				r.Dport = v
			}
		case "--to-destination":
			if v := value(); r.ToDestination == "" {
				r.ToDestination = v
			}
		case "--set-xmark":
			r.SetXmark = value()
		case "--set-mark":
			r.SetMark = value()
		case "--match-set":
			set := value()
			if i < len(toks) && !isOption(toks[i]) {
				set += " " + clipField(toks[i].s)
				i++
			}
			if r.MatchSet == "" {
				r.MatchSet = set
			}
		case "-c", "--set-counters":
			p, b := value(), value()
			r.Packets, _ = strconv.ParseUint(p, 10, 64)
			r.Bytes, _ = strconv.ParseUint(b, 10, 64)
			r.counters = true
		case "-j", "--jump", "-g", "--goto":
			r.Target = value()
			r.Goto = name == "-g" || name == "--goto"
			// Options after the target belong to a target extension
			// (DNAT --to-destination …); a jump to a chain has none.
			if r.Target != "" && (i >= len(toks) || !isOption(toks[i]) || isMatchOrCoreOption(toks[i].s)) {
				r.refs = []string{r.Target}
			}
			// Keep reading: the target's own options (--set-xmark,
			// --to-destination) are fields too.
		default:
			for i < len(toks) && !isOption(toks[i]) && !(toks[i].s == "!" && !toks[i].quoted) {
				i++
			}
		}
		if neg {
			if len(r.Negations) < 16 {
				r.Negations = append(r.Negations, name)
			}
			neg = false
		}
	}
	return r
}

// commonMatches are "-m NAME" strings shared by every rule that uses them.
var commonMatches = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{"comment", "tcp", "udp", "sctp", "icmp", "icmp6", "statistic", "set", "mark", "connmark",
		"conntrack", "state", "addrtype", "recent", "multiport", "physdev", "owner", "limit", "socket", "rpfilter", "iprange", "pkttype", "mac"} {
		m[n] = "-m " + n
	}
	return m
}()

func matchName(v string) string {
	if s, ok := commonMatches[v]; ok {
		return s
	}
	return "-m " + v
}

// isMatchOrCoreOption tells options that may follow "-j CHAIN" in
// hand-written rules (iptables -A X -j Y -m comment …) from target options.
func isMatchOrCoreOption(s string) bool {
	switch s {
	case "-m", "--match", "-s", "--source", "-d", "--destination", "-p", "--protocol",
		"-i", "--in-interface", "-o", "--out-interface", "-c":
		return true
	}
	return false
}

// clipText cuts a line to at most maxText bytes, on a rune boundary, with
// an ellipsis when cut.
func clipText(s string) string {
	if len(s) <= maxText {
		return s
	}
	cut := maxText - len("…")
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

func clipField(s string) string { return clipText(s) }

// standardTargets are the verdicts and target extensions iptables knows;
// a jump to any other name must be a chain.
var standardTargets = map[string]bool{
	"ACCEPT": true, "DROP": true, "RETURN": true, "QUEUE": true, "REJECT": true,
	"MARK": true, "MASQUERADE": true, "SNAT": true, "DNAT": true, "REDIRECT": true,
	"LOG": true, "CONNMARK": true, "NOTRACK": true, "CT": true, "TPROXY": true,
	"NFQUEUE": true, "TCPMSS": true, "CHECKSUM": true, "DSCP": true, "TOS": true,
	"TTL": true, "HL": true, "HMARK": true, "SET": true, "CLASSIFY": true, "AUDIT": true,
	"ULOG": true, "NFLOG": true, "SECMARK": true, "CONNSECMARK": true, "NETMAP": true,
	"TEE": true, "TRACE": true, "IDLETIMER": true, "LED": true, "RATEEST": true,
	"SYNPROXY": true, "TCPOPTSTRIP": true, "ECN": true, "CLUSTERIP": true,
	"DNPT": true, "SNPT": true, "MIRROR": true, "SAME": true, "FLOWOFFLOAD": true,
	"CONTINUE": true, // nft-ruleset "continue"
}

// isBuiltinChain names the chains netfilter hooks: they exist without a
// declaration line in fragments.
func isBuiltinChain(name string) bool {
	switch name {
	case "PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING":
		return true
	}
	return false
}

// parseCounters reads "[pkts:bytes]".
func parseCounters(s string) (uint64, uint64, bool) {
	if len(s) < 5 || s[0] != '[' || s[len(s)-1] != ']' {
		return 0, 0, false
	}
	p, b, ok := strings.Cut(s[1:len(s)-1], ":")
	if !ok {
		return 0, 0, false
	}
	pn, err1 := strconv.ParseUint(p, 10, 64)
	bn, err2 := strconv.ParseUint(b, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return pn, bn, true
}
