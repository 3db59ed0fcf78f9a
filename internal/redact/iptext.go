package redact

import (
	"net/netip"
	"regexp"
	"sort"
	"strings"
)

// ipToken is an address found in text.
type ipToken struct {
	start, end int // the span the token covers, suffix included
	addr       netip.Addr
	// bits is the prefix length of a CIDR suffix ("/24" or
	// "/255.255.255.0"), -1 without one; suffix is that text as written.
	bits   int
	suffix string
	// dashed is "ip-" as written for the EC2 hostname form ip-10-1-0-11,
	// empty for dotted and colon forms.
	dashed string
}

var (
	reV4     = regexp.MustCompile(`\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}`)
	reDashed = regexp.MustCompile(`(?i)\bip-\d{1,3}-\d{1,3}-\d{1,3}-\d{1,3}`)
	// Four numbers after one of these words are a version, not an address;
	// "version" also ends keys ("agentVersion": "1.10.0.1").
	reVersionBefore = regexp.MustCompile(`(?i)(?:version|\bver|\brelease|\bkernel|\boid|\brev|\bbuild)[\\"']*\s*[:=]?\s*[\\"']*$`)
	reMaskBefore    = regexp.MustCompile(`(?i)(?:netmask|mask|genmask)\s*[:=]?\s*$`)
	reDigits        = regexp.MustCompile(`^\d{1,3}`)
)

// findIPs returns the addresses in s, in order, not overlapping.
//
// Dotted quads are addresses unless they read as part of something else: a
// fifth number (1.3.6.1.4.1 is an OID), a letter or digit glued to either
// end (v1.2.3.4, 1.2.3.4b), or a version word before them ("kernel
// 5.4.0.1"). A bare four-part version such as 1.28.3.4 cannot be told from
// an address and is mapped: leaking a real address costs more than
// misprinting a version. Leading zeros (010.0.0.1) are not addresses
// (net/netip rejects them, as modern resolvers do).
func findIPs(s string) []ipToken {
	var toks []ipToken
	for i := 0; i < len(s); {
		if !isV6Char(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isV6Char(s[j]) {
			j++
		}
		if t, ok := v6Token(s, i, j); ok {
			toks = append(toks, t)
		}
		i = j
	}
	n6 := len(toks)
	overlaps6 := func(a, b int) bool {
		for _, t := range toks[:n6] {
			if a < t.end && t.start < b {
				return true
			}
		}
		return false
	}
	for _, m := range reV4.FindAllStringIndex(s, -1) {
		a, b := m[0], m[1]
		if overlaps6(a, b) || !v4Boundaries(s, a, b) {
			continue
		}
		addr, err := netip.ParseAddr(s[a:b])
		if err != nil {
			continue
		}
		t := ipToken{start: a, end: b, addr: addr, bits: -1}
		t.suffix, t.bits = cidrSuffix(s[b:], 32)
		t.end += len(t.suffix)
		toks = append(toks, t)
	}
	for _, m := range reDashed.FindAllStringIndex(s, -1) {
		a, b := m[0], m[1]
		if b < len(s) && (isDigit(s[b]) || s[b] == '.' && b+1 < len(s) && isDigit(s[b+1])) {
			continue
		}
		addr, err := netip.ParseAddr(strings.ReplaceAll(s[a+3:b], "-", "."))
		if err != nil {
			continue
		}
		toks = append(toks, ipToken{start: a, end: b, addr: addr, bits: -1, dashed: s[a : a+3]})
	}
	sort.Slice(toks, func(i, j int) bool { return toks[i].start < toks[j].start })
	// A netmask suffix ("/255.255.0.0") is part of its address's token.
	out := toks[:0]
	for _, t := range toks {
		if len(out) > 0 && t.start < out[len(out)-1].end {
			continue
		}
		out = append(out, t)
	}
	return out
}

func v4Boundaries(s string, a, b int) bool {
	if a > 0 {
		if c := s[a-1]; isAlnum(c) || c == '_' || c == '.' {
			return false
		}
	}
	if b < len(s) {
		c := s[b]
		if isAlnum(c) || c == '_' {
			return false
		}
		if c == '.' && b+1 < len(s) && isDigit(s[b+1]) {
			return false
		}
	}
	return !reVersionBefore.MatchString(s[max(0, a-24):a])
}

// v6Token reads the run s[i:j] of hex digits, colons and dots as an IPv6
// address if it is one. Words glued on either side (std::max, Vec::new) and
// colon-separated byte strings (MAC addresses, EUI-64s) are not.
func v6Token(s string, i, j int) (ipToken, bool) {
	run := s[i:j]
	if strings.Count(run, ":") < 2 {
		return ipToken{}, false
	}
	// A single leading colon separates a key ("addr:fe80::1"); otherwise
	// a word glued on either side makes the run part of that word.
	keyed := strings.HasPrefix(run, ":") && !strings.HasPrefix(run, "::")
	if i > 0 && isIdent(s[i-1]) && !keyed || j < len(s) && isIdent(s[j]) {
		return ipToken{}, false
	}
	if keyed {
		run, i = run[1:], i+1
	}
	for strings.HasSuffix(run, ".") {
		run = run[:len(run)-1]
	}
	addr, err := netip.ParseAddr(run)
	if err != nil && strings.HasSuffix(run, ":") {
		// "fe80::1:" before a word, netstat's ":::*".
		if a, err2 := netip.ParseAddr(run[:len(run)-1]); err2 == nil {
			addr, err, run = a, nil, run[:len(run)-1]
		}
	}
	if err != nil {
		// netstat's ":::22" and other unbracketed address:port forms.
		k := strings.LastIndexByte(run, ':')
		if k < 0 || k == len(run)-1 || len(run)-k-1 > 5 || !allDigits(run[k+1:]) {
			return ipToken{}, false
		}
		if addr, err = netip.ParseAddr(run[:k]); err != nil {
			return ipToken{}, false
		}
		run = run[:k]
	}
	if !addr.Is6() || byteString(run) {
		return ipToken{}, false
	}
	t := ipToken{start: i, end: i + len(run), addr: addr, bits: -1}
	if t.end == j || s[t.end] == '/' {
		t.suffix, t.bits = cidrSuffix(s[t.end:], 128)
		t.end += len(t.suffix)
	}
	return t, true
}

// byteString reports eight groups of exactly two hex digits: bytes (an
// EUI-64, a hardware address) rather than an address anyone writes.
func byteString(s string) bool {
	g := strings.Split(s, ":")
	if len(g) != 8 {
		return false
	}
	for _, x := range g {
		if len(x) != 2 {
			return false
		}
	}
	return true
}

// cidrSuffix reads "/n" or, for IPv4, "/255.255.255.0" at the start of s.
func cidrSuffix(s string, width int) (string, int) {
	if len(s) < 2 || s[0] != '/' {
		return "", -1
	}
	d := reDigits.FindString(s[1:])
	if d == "" {
		return "", -1
	}
	rest := s[1+len(d):]
	if width == 32 {
		if m := reV4.FindStringIndex(s[1:]); m != nil && m[0] == 0 {
			mask, err := netip.ParseAddr(s[1 : 1+m[1]])
			tail := s[1+m[1]:]
			if n, ok := maskBits(mask); err == nil && ok && (tail == "" || !isAlnum(tail[0]) && tail[0] != '.') {
				return s[:1+m[1]], n
			}
			return "", -1
		}
	}
	if rest != "" && (isDigit(rest[0]) || rest[0] == '.' && len(rest) > 1 && isDigit(rest[1])) {
		return "", -1
	}
	n := 0
	for _, c := range d {
		n = n*10 + int(c-'0')
	}
	if n > width || len(d) > 1 && d[0] == '0' {
		return "", -1
	}
	return s[:1+len(d)], n
}

// maskBits returns the prefix length of a contiguous IPv4 netmask.
func maskBits(a netip.Addr) (int, bool) {
	if !a.Is4() {
		return 0, false
	}
	b := a.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for n < 32 && v&(1<<(31-n)) != 0 {
		n++
	}
	if v<<n != 0 {
		return 0, false
	}
	return n, true
}

// anchorsIn returns the networks s shows with their prefix length: CIDRs
// ("10.1.0.0/24", "inet 10.1.0.11/24") and ifconfig's address followed by
// "netmask 255.255.255.0" or "Mask:255.255.255.0" on the same line.
func anchorsIn(s string) []netip.Prefix {
	var out []netip.Prefix
	toks := findIPs(s)
	for k, t := range toks {
		if t.dashed != "" {
			continue
		}
		if t.bits >= 0 {
			out = append(out, netip.PrefixFrom(t.addr, t.bits))
			continue
		}
		n, ok := maskBits(t.addr)
		if !ok || !reMaskBefore.MatchString(s[max(0, t.start-16):t.start]) {
			continue
		}
		for p := k - 1; p >= 0; p-- {
			prev := toks[p]
			if strings.Contains(s[prev.end:t.start], "\n") {
				break
			}
			if _, isMask := maskBits(prev.addr); prev.addr.Is4() && !isMask && prev.bits < 0 {
				out = append(out, netip.PrefixFrom(prev.addr, n))
				break
			}
		}
	}
	return out
}

// mapIPs rewrites every address in s with its pseudonym.
func (m *ipMapper) mapIPs(s string) string {
	toks := findIPs(s)
	if len(toks) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, t := range toks {
		b.WriteString(s[last:t.start])
		b.WriteString(m.format(t))
		last = t.end
	}
	b.WriteString(s[last:])
	return b.String()
}

func (m *ipMapper) format(t ipToken) string {
	r := m.mapAddr(t.addr)
	if t.dashed != "" {
		return t.dashed + strings.ReplaceAll(r.String(), ".", "-")
	}
	if t.bits >= 0 {
		// A network written as such stays a network even when it was not
		// anchored (shorter than /16): its image's host bits are cleared.
		if p := netip.PrefixFrom(t.addr, t.bits); p.Masked().Addr() == t.addr {
			r = netip.PrefixFrom(r, t.bits).Masked().Addr()
		}
		return r.String() + t.suffix
	}
	return r.String()
}

func isV6Char(c byte) bool { return isHex(c) || c == ':' || c == '.' }
func isHex(c byte) bool    { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isAlpha(c byte) bool  { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isAlnum(c byte) bool  { return isDigit(c) || isAlpha(c) }

// isIdent is a character that glues a run of hex digits into a word.
func isIdent(c byte) bool { return isAlpha(c) && !isHex(c) || c == '_' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
