package ipaddr

import (
	"net/netip"
	"strconv"
	"strings"
)

// ip route output: "[TYPE] DST [via [FAMILY] GW] [dev DEV] [table T] [proto
// P] [scope S] [src A] [metric N] [FLAGS] [pref P] [mtu [lock] N] [advmss
// [lock] N] …", with multipath nexthops on indented lines below.

var routeTypes = wordSet(`unicast local broadcast multicast anycast blackhole unreachable prohibit throw nat xresolve`)

// routeValueKeys take one value (metric keys may put "lock" before it).
var routeValueKeys = wordSet(`from tos dsfield via dev oif table proto protocol scope src metric preference
	nhid pref expires mtu advmss rtt rttvar reordering window cwnd initcwnd initrwnd ssthresh
	realms realm hoplimit features quickack congctl fastopen_no_cookie error weight uid
	ttl-propagate rto_min mark iif`)

var routeFlagWords = wordSet(`onlink pervasive linkdown dead offload trap notify rt_offload rt_trap
	rt_offload_failed unresolved cache`)

// lockable are the metrics printed as "NAME lock VALUE" when locked.
var lockable = wordSet(`mtu advmss rtt rttvar reordering window cwnd initcwnd initrwnd ssthresh hoplimit congctl rto_min features quickack fastopen_no_cookie`)

// routeShape checks that tok reads as a route: an optional type, a
// destination, then a route keyword (or nothing after a type such as
// "unreachable"). It returns the type and the position of the destination.
func routeShape(tok []string) (string, int, bool) {
	if len(tok) == 0 {
		return "", 0, false
	}
	i, typ, stated := 0, "unicast", false
	if routeTypes[tok[0]] {
		typ, stated, i = tok[0], true, 1
	}
	if i >= len(tok) || !validDst(tok[i]) {
		return "", 0, false
	}
	if i+1 == len(tok) {
		// An address alone on a line is not a route; "unreachable
		// 10.0.0.0/8" is.
		return typ, i, stated && typ != "unicast"
	}
	k := tok[i+1]
	if !routeValueKeys[k] && !routeFlagWords[k] && k != "nexthop" && k != "encap" {
		return "", 0, false
	}
	// ip neigh prints "10.0.0.1 dev eth0 lladdr 52:54:00:12:35:02 REACHABLE":
	// the same start as a route, but a route never holds lladdr nor ends
	// in a neighbour state.
	for _, w := range tok[i+1:] {
		if w == "lladdr" {
			return "", 0, false
		}
	}
	if last := tok[len(tok)-1]; len(last) >= 4 && strings.Trim(last, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" {
		return "", 0, false
	}
	return typ, i, true
}

// routeLine reads one route line; it returns false, having changed
// nothing, when the line is not a route.
func (s *scanner) routeLine(t string, n int) bool {
	tok := strings.Fields(t)
	typ, i, ok := routeShape(tok)
	if !ok {
		return false
	}
	r := RouteEntry{Type: typ, Table: "main", Dst: tok[i], Text: clip(t, maxTextLen)}
	viaFamily := s.routeAttrs(&r, tok[i+1:], n)
	r.Family = routeFamily(r, viaFamily, s.family)
	s.curRoute = s.addRoute(r, n)
	return true
}

// routeAttrs reads the attributes after the destination; it returns the
// family stated by "via inet6 …", if any.
func (s *scanner) routeAttrs(r *RouteEntry, tok []string, n int) string {
	viaFamily := ""
	for i := 0; i < len(tok); i++ {
		k := tok[i]
		v := ""
		if i+1 < len(tok) {
			v = tok[i+1]
		}
		switch {
		case k == "nexthop":
			// ip -o route prints the nexthops on the route's own line.
			j := i + 1
			for j < len(tok) && tok[j] != "nexthop" {
				j++
			}
			r.Nexthops = append(r.Nexthops, parseHop(tok[i+1:j]))
			i = j - 1
			continue
		case k == "encap":
			// The encapsulation's own words run up to the next route key.
			j := i + 1
			for j < len(tok) && !(routeValueKeys[tok[j]] && tok[j] != "src" && tok[j] != "tos" && tok[j] != "dev") && !routeFlagWords[tok[j]] {
				j++
			}
			setExtra(r, "encap", strings.Join(tok[i+1:j], " "))
			i = j - 1
			continue
		case routeFlagWords[k]:
			if k == "onlink" {
				r.Onlink = true
			} else {
				r.Flags = append(r.Flags, k)
			}
			continue
		case v == "":
			if routeValueKeys[k] {
				s.warn(n, "route ends with %q and no value: the line looks cut off", k)
			} else {
				r.Flags = append(r.Flags, k)
			}
			continue
		}
		i++
		lock := false
		if lockable[k] && v == "lock" && i+1 < len(tok) {
			lock, v = true, tok[i+1]
			i++
		}
		switch k {
		case "via":
			if (v == "inet" || v == "inet6") && i+1 < len(tok) {
				viaFamily, v = v, tok[i+1]
				i++
			}
			r.Via = v
		case "dev", "oif":
			r.Dev = v
		case "table":
			r.Table = v
		case "proto", "protocol":
			r.Proto = v
		case "scope":
			r.Scope = v
		case "src":
			r.Src = v
		case "metric", "preference":
			if m, err := strconv.ParseInt(v, 10, 64); err == nil {
				r.Metric = m
			} else {
				setExtra(r, k, v)
			}
		case "mtu":
			if m, err := strconv.Atoi(v); err == nil {
				r.MTU, r.MTULock = m, lock
			} else {
				setExtra(r, k, v)
			}
		case "advmss":
			if m, err := strconv.Atoi(v); err == nil {
				r.AdvMSS = m
			} else {
				setExtra(r, k, v)
			}
		case "pref":
			r.Pref = v
		default:
			if routeValueKeys[k] || !routeValueKeys[v] && !routeFlagWords[v] {
				setExtra(r, k, typedValue(v))
			} else {
				r.Flags = append(r.Flags, k)
				i--
			}
		}
	}
	return viaFamily
}

func setExtra(r *RouteEntry, k string, v any) {
	if r.Extra == nil {
		r.Extra = map[string]any{}
	}
	if _, ok := r.Extra[k]; !ok {
		r.Extra[k] = v
	}
}

// typedValue is typed without on/off turning into booleans (route values
// such as "quickack 1" are numbers; words stay words).
func typedValue(v string) any {
	if v == "on" || v == "off" {
		return v
	}
	return typed(v)
}

// parseHop reads "via 10.0.0.1 dev eth0 weight 1 onlink".
func parseHop(tok []string) Hop {
	var h Hop
	for i := 0; i < len(tok); i++ {
		k := tok[i]
		if i+1 < len(tok) {
			switch k {
			case "via":
				v := tok[i+1]
				if (v == "inet" || v == "inet6") && i+2 < len(tok) {
					i++
					v = tok[i+1]
				}
				h.Via = v
				i++
				continue
			case "dev":
				h.Dev = tok[i+1]
				i++
				continue
			case "weight":
				h.Weight, _ = strconv.Atoi(tok[i+1])
				i++
				continue
			}
		}
		h.Flags = append(h.Flags, k)
	}
	return h
}

// routeContinuation reads an indented line under a route: a multipath
// "nexthop via … dev … weight N", or the "cache" line of ip route get.
func (s *scanner) routeContinuation(t string, n int) bool {
	if s.curRoute < 0 || s.curRoute >= len(s.routes) {
		return false
	}
	r := &s.routes[s.curRoute]
	tok := strings.Fields(t)
	switch tok[0] {
	case "nexthop":
		r.Nexthops = append(r.Nexthops, parseHop(tok[1:]))
		if r.Family == "" || r.Family == "inet" {
			for _, h := range r.Nexthops {
				if f := addrFamily(h.Via); f != "" {
					r.Family = f
				}
			}
		}
		return true
	case "cache":
		setExtra(r, "cache", strings.Join(tok[1:], " "))
		return true
	}
	return false
}

// validDst accepts what ip prints as a route destination.
func validDst(d string) bool {
	if d == "default" {
		return true
	}
	if _, err := netip.ParsePrefix(d); err == nil {
		return true
	}
	_, err := netip.ParseAddr(d)
	return err == nil
}

// addrFamily returns inet or inet6 for an address or prefix, "" otherwise.
func addrFamily(v string) string {
	a, _, _ := strings.Cut(v, "/")
	ip, err := netip.ParseAddr(a)
	if err != nil {
		return ""
	}
	if ip.Is4() {
		return "inet"
	}
	return "inet6"
}

// routeFamily decides a route's family from its addresses, then from the
// command that printed it, then from IPv6-only attributes.
func routeFamily(r RouteEntry, viaFamily, hint string) string {
	if f := addrFamily(r.Dst); f != "" {
		return f
	}
	if f := addrFamily(r.Src); f != "" {
		return f
	}
	if f := addrFamily(r.Via); f != "" && viaFamily == "" {
		return f
	}
	for _, h := range r.Nexthops {
		if f := addrFamily(h.Via); f != "" {
			return f
		}
	}
	if hint != "" {
		return hint
	}
	if r.Pref != "" {
		return "inet6" // only IPv6 routes have a router preference
	}
	return "inet"
}
