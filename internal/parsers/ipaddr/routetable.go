package ipaddr

import (
	"net/netip"
	"strconv"
	"strings"
)

// net-tools routing tables:
//
//	Kernel IP routing table
//	Destination     Gateway         Genmask         Flags Metric Ref    Use Iface      (route -n)
//	Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface     (netstat -rn)
//	0.0.0.0         10.0.0.1        0.0.0.0         UG    100    0        0 eth0
//
//	Kernel IPv6 routing table
//	Destination                    Next Hop                   Flag Met Ref  Use If
//	::/0                           fd00:10::1                 UG   1024 1      0 eth0
type routeTable struct {
	family string
	cols   []string
}

func (s *scanner) tableHeader(t string) bool {
	switch {
	case strings.HasPrefix(t, "Kernel IP routing table"):
		s.table = &routeTable{family: "inet"}
		return true
	case strings.HasPrefix(t, "Kernel IPv6 routing table"):
		s.table = &routeTable{family: "inet6"}
		return true
	case strings.HasPrefix(t, "Destination"):
		cols := strings.Fields(strings.Replace(t, "Next Hop", "NextHop", 1))
		has := map[string]bool{}
		for _, c := range cols {
			has[c] = true
		}
		if !(has["Gateway"] || has["NextHop"]) || !(has["Flags"] || has["Flag"]) || !(has["Iface"] || has["If"]) {
			return false
		}
		fam := "inet"
		if s.table != nil && s.table.family != "" {
			fam = s.table.family
		} else if has["NextHop"] {
			fam = "inet6"
		}
		s.table = &routeTable{family: fam, cols: cols}
		return true
	}
	return false
}

// tableRow reads one row; false when the row does not fit the header.
func (s *scanner) tableRow(t string, n int) bool {
	tb := s.table
	f := strings.Fields(t)
	if tb.cols == nil || len(f) != len(tb.cols) {
		return false
	}
	r := RouteEntry{Family: tb.family, Table: "main", Type: "unicast", Text: clip(t, maxTextLen)}
	var dst, mask, flags, iface string
	for i, c := range tb.cols {
		v := f[i]
		switch c {
		case "Destination":
			dst = v
		case "Gateway", "NextHop":
			if v != "0.0.0.0" && v != "::" && v != "*" && v != "-" {
				r.Via = v
			}
		case "Genmask":
			mask = v
		case "Flags", "Flag":
			flags = v
		case "Metric", "Met":
			if m, err := strconv.ParseInt(v, 10, 64); err == nil {
				if m < 0 {
					m += 1 << 32 // /proc/net/ipv6_route's 0xffffffff printed signed
				}
				r.Metric = m
			}
		case "Iface", "If":
			iface = v
			if v != "*" && v != "-" {
				r.Dev = v
			}
		case "MSS":
			// netstat -rn's MSS is the kernel's advmss + 40 (the /proc
			// column fib_route_seq_show fills), 0 when unset.
			if m, err := strconv.Atoi(v); err == nil && m > 40 {
				r.AdvMSS = m - 40
			}
		case "Window", "irtt":
			if m, err := strconv.Atoi(v); err == nil && m != 0 {
				setExtra(&r, strings.ToLower(c), m)
			}
		}
	}
	d, ok := tableDst(dst, mask, tb.family)
	if !ok {
		return false
	}
	r.Dst = d
	switch {
	case strings.Contains(flags, "!"):
		// Reject routes: unreachable and prohibit look the same here.
		r.Type = "unreachable"
	case iface == "*" && r.Via == "" && tb.family == "inet":
		// The kernel prints "*" for a route without a device and flags
		// reject routes "!": what is left is a blackhole route.
		r.Type = "blackhole"
	}
	s.curRoute = s.addRoute(r, n)
	return true
}

// tableDst turns a destination (and IPv4 netmask) into ip's notation:
// "default", a bare address for host routes, CIDR otherwise.
func tableDst(dst, mask, family string) (string, bool) {
	if dst == "default" {
		return "default", true
	}
	if family == "inet6" {
		p, err := netip.ParsePrefix(dst)
		if err != nil {
			ip, err := netip.ParseAddr(dst)
			if err != nil {
				return "", false
			}
			p = netip.PrefixFrom(ip, ip.BitLen())
		}
		switch {
		case p.Bits() == 0:
			return "default", true
		case p.Bits() == p.Addr().BitLen():
			return p.Addr().String(), true
		}
		return p.String(), true
	}
	ip, err := netip.ParseAddr(dst)
	if err != nil {
		// `route` without -n prints names (link-local, a network name).
		if mask != "" && validIfName(dst) {
			return dst, true
		}
		return "", false
	}
	bits := 32
	if mask != "" {
		b, ok := maskBits(mask)
		if !ok {
			return "", false
		}
		bits = b
	}
	switch {
	case bits == 0 && ip.IsUnspecified():
		return "default", true
	case bits == 32:
		return ip.String(), true
	}
	return netip.PrefixFrom(ip, bits).String(), true
}
