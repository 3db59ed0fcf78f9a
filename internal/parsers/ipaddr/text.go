package ipaddr

import (
	"net/netip"
	"strconv"
	"strings"
)

// ipHeader starts an interface block of ip addr / ip link output:
// "2: eth0@if14: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue
// master cni0 state UP mode DEFAULT group default qlen 1000". Busybox omits
// state, mode and group.
func (s *scanner) ipHeader(t string, n, indent int) {
	m := reIPHeader.FindStringSubmatch(t)
	s.endBlock()
	index, err := strconv.Atoi(m[1])
	if err != nil || index <= 0 {
		s.warn(n, "interface index %q is not a number", clip(m[1], 20))
		index = 0
	}
	name, peer := splitPeer(m[2])
	it := s.iface(index, name, n, t)
	s.cur, s.curFmt, s.curIndent = it, fmtIP, indent
	if it.Peer == "" {
		it.Peer = peer
	}
	if it.Flags == nil {
		it.Flags = splitFlags(m[3])
	}
	if it.LinkNetnsID == nil {
		none := -1 // this format prints link-netnsid when there is one
		it.LinkNetnsID = &none
	}
	tok := strings.Fields(m[4])
	for i := 0; i < len(tok); i += 2 {
		k := tok[i]
		if i+1 >= len(tok) {
			s.warn(n, "header ends with %q and no value", clip(k, 40))
			break
		}
		v := tok[i+1]
		switch k {
		case "mtu":
			mtu, err := strconv.Atoi(v)
			if err != nil || mtu < 0 {
				s.warn(n, "mtu %q is not a number", clip(v, 20))
				continue
			}
			s.setMTU(it, mtu, n)
		case "qdisc":
			setStr(&it.Qdisc, v)
		case "master":
			setStr(&it.Master, v)
		case "state":
			setStr(&it.State, v)
		case "group":
			setStr(&it.Group, v)
		case "mode":
			setDetail(it.Details, "linkmode", v)
		default:
			setDetail(it.Details, k, typed(v))
		}
	}
}

func (s *scanner) setMTU(it *Interface, mtu, n int) {
	if it.MTU != 0 && it.MTU != mtu {
		s.warn(n, "interface %s has mtu %d here but %d at line %d; kept %d", it.Name, mtu, it.MTU, it.Line, it.MTU)
		return
	}
	it.MTU = mtu
}

// ipOneLine reads a line of `ip -o addr`: "2: eth0    inet 10.0.0.1/24 brd
// 10.0.0.255 scope global eth0\       valid_lft forever …".
func (s *scanner) ipOneLine(t string, n, indent int) {
	m := reIPOneLine.FindStringSubmatch(t)
	s.endBlock()
	index, err := strconv.Atoi(m[1])
	if err != nil || index <= 0 {
		s.warn(n, "interface index %q is not a number", clip(m[1], 20))
		index = 0
	}
	name, peer := splitPeer(m[2])
	it := s.iface(index, name, n, t)
	if it.Peer == "" {
		it.Peer = peer
	}
	// The line is complete by itself: no link/ line is to be expected.
	s.cur, s.curFmt, s.curIndent, s.curLink = it, fmtIP, indent, true
	if !s.ipContinuation(strings.TrimSpace(m[3]), n) {
		s.warn(n, "not understood: %s", clip(m[3], 120))
	}
}

// ipContinuation reads one indented line of an ip block.
func (s *scanner) ipContinuation(t string, n int) bool {
	it := s.cur
	first, rest, _ := strings.Cut(t, " ")
	if s.stats.dir != "" {
		if s.statsRow(t, n) {
			return true
		}
		s.warn(s.stats.line, "statistics header without its values")
		s.stats = statsPending{}
	}
	switch {
	case strings.HasPrefix(first, "link/"):
		s.linkLine(t, n)
		s.curLink = true
		return true
	case first == "inet" || first == "inet6":
		s.addrLine(t, n)
		return true
	case first == "valid_lft":
		if s.curAddr >= 0 && s.curAddr < len(it.Addresses) {
			a := &it.Addresses[s.curAddr]
			f := strings.Fields(t)
			for i := 0; i+1 < len(f); i += 2 {
				switch f[i] {
				case "valid_lft":
					a.ValidLft = f[i+1]
				case "preferred_lft":
					a.PrefLft = f[i+1]
				}
			}
		}
		return true
	case first == "altname":
		for _, a := range strings.Fields(rest) {
			addListDetail(it.Details, "altnames", a)
		}
		return true
	case strings.HasPrefix(t, "RX:") || strings.HasPrefix(t, "TX:") ||
		strings.HasPrefix(t, "RX errors:") || strings.HasPrefix(t, "TX errors:"):
		s.statsHeader(t, n)
		return true
	case first == "vf":
		// SR-IOV virtual functions: one line each, kept as printed.
		addListDetail(it.Details, "vf", clip(t, maxTextLen))
		return true
	case first == "alias":
		setDetail(it.Details, "alias", strings.TrimSpace(rest))
		return true
	case strings.HasPrefix(first, "prog/") || first == "xdp" || first == "xdpgeneric" || first == "xdpdrv" || first == "xdpoffload":
		addListDetail(it.Details, "xdp", clip(t, maxTextLen))
		return true
	}
	return s.detailLine(t, n)
}

// linkLine reads "link/ether 0a:58:… brd ff:… link-netnsid 0 promiscuity 0
// minmtu 68 …": the link type, hardware address, the peer namespace and,
// under -d, the generic details printed on the same line.
func (s *scanner) linkLine(t string, n int) {
	it := s.cur
	tok := strings.Fields(t)
	setStr(&it.LinkType, strings.TrimPrefix(tok[0], "link/"))
	i := 1
	if i < len(tok) && !linkKeys[tok[i]] && !genericKeys[tok[i]] {
		addr := tok[i]
		i++
		if isMAC(addr) {
			setStr(&it.MAC, strings.ToLower(addr))
		} else {
			// Tunnels print their endpoints here (link/gre 10.0.0.1 peer 10.0.0.2).
			setDetail(it.Details, "link_addr", addr)
		}
	}
	for i < len(tok) {
		k := tok[i]
		if !linkKeys[k] {
			break
		}
		if i+1 >= len(tok) {
			s.warn(n, "%q without a value", k)
			i++
			break
		}
		v := tok[i+1]
		switch k {
		case "brd":
		case "peer":
			setDetail(it.Details, "link_peer", v)
		case "permaddr":
			setDetail(it.Details, "permaddr", strings.ToLower(v))
		case "link-netnsid":
			id, err := strconv.Atoi(v)
			if err != nil {
				s.warn(n, "link-netnsid %q is not a number", clip(v, 20))
				break
			}
			if it.LinkNetnsID == nil || *it.LinkNetnsID < 0 {
				it.LinkNetnsID = &id
			}
		case "link-netns":
			// A named namespace is printed instead of its id: the id is
			// unknown, not absent.
			setDetail(it.Details, "link_netns", v)
			if it.LinkNetnsID != nil && *it.LinkNetnsID < 0 {
				it.LinkNetnsID = nil
			}
		}
		i += 2
	}
	if i < len(tok) {
		parseDetailTokens(tok[i:], "", it.Details, it.Details)
	}
}

var linkKeys = map[string]bool{"brd": true, "peer": true, "permaddr": true, "link-netnsid": true, "link-netns": true}

// addrLine reads "inet 10.0.0.1/24 brd 10.0.0.255 scope global secondary
// eth0:1" or "inet6 fe80::1/64 scope link noprefixroute"; point-to-point
// addresses read "inet 10.8.0.1 peer 10.8.0.2/32 scope global tun0".
func (s *scanner) addrLine(t string, n int) {
	it := s.cur
	tok := strings.Fields(t)
	if len(tok) < 2 {
		s.warn(n, "address line without an address")
		return
	}
	a := Address{Family: tok[0], Line: n, Prefix: -1}
	ip, bits, ok := parseAddrPrefix(tok[1])
	if !ok {
		s.warn(n, "address %q is not an IP address", clip(tok[1], 60))
		return
	}
	a.Address = ip.String()
	a.Prefix = bits
	scope := false
	for i := 2; i < len(tok); i++ {
		k := tok[i]
		if addrValueKeys[k] && i+1 < len(tok) {
			v := tok[i+1]
			i++
			switch k {
			case "brd":
				a.Broadcast = v
			case "peer":
				pip, pbits, ok := parseAddrPrefix(v)
				if ok {
					a.Peer = pip.String()
					if a.Prefix < 0 {
						a.Prefix = pbits
					}
				} else {
					a.Peer = v
				}
			case "scope":
				a.Scope, scope = v, true
			case "metric":
				a.Metric, _ = strconv.Atoi(v)
			case "proto":
				a.Proto = v
			case "label":
				a.Label = v
			}
			continue
		}
		if !addrFlags[k] && a.Family == "inet" && i == len(tok)-1 {
			a.Label = k // ip prints the IPv4 label last
			continue
		}
		a.Flags = append(a.Flags, k)
	}
	if a.Prefix < 0 {
		a.Prefix = ip.BitLen()
	}
	if ip.Is4() != (a.Family == "inet") {
		s.warn(n, "%s address %s has the wrong family", a.Family, a.Address)
	}
	if !scope {
		// ip and busybox always print the scope; a line without it was cut.
		s.warn(n, "address line without a scope: the line looks cut off")
	}
	s.curAddr = s.addAddress(it, a, n)
}

var addrValueKeys = map[string]bool{"brd": true, "peer": true, "scope": true, "metric": true, "proto": true, "label": true}

var addrFlags = map[string]bool{
	"secondary": true, "temporary": true, "nodad": true, "optimistic": true,
	"dadfailed": true, "home": true, "deprecated": true, "tentative": true,
	"permanent": true, "mngtmpaddr": true, "noprefixroute": true,
	"autojoin": true, "stable-privacy": true, "dynamic": true, "primary": true,
}

// parseAddrPrefix reads "10.0.0.1/24", "fe80::1/64" or a bare address
// (prefix -1).
func parseAddrPrefix(v string) (netip.Addr, int, bool) {
	addr, pfx, has := strings.Cut(v, "/")
	ip, err := netip.ParseAddr(addr)
	if err != nil || ip.Zone() != "" {
		return netip.Addr{}, 0, false
	}
	ip = ip.Unmap()
	if !has {
		return ip, -1, true
	}
	bits, err := strconv.Atoi(pfx)
	if err != nil || bits < 0 || bits > ip.BitLen() {
		return netip.Addr{}, 0, false
	}
	return ip, bits, true
}

// splitPeer splits "eth0@if14" into the name and the link it is printed
// against.
func splitPeer(s string) (string, string) {
	if i := strings.LastIndexByte(s, '@'); i > 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

func splitFlags(s string) []string {
	out := []string{}
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// isMAC reports whether v is a colon-separated hardware address (Ethernet,
// InfiniBand, …).
func isMAC(v string) bool {
	parts := strings.Split(v, ":")
	if len(parts) < 6 || len(parts) > 20 {
		return false
	}
	for _, p := range parts {
		if len(p) == 0 || len(p) > 2 {
			return false
		}
		for _, c := range p {
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}

func setStr(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// setDetail keeps the first value of a key: the block may be read twice
// when the file holds two outputs of one host.
func setDetail(d map[string]any, k string, v any) {
	if _, ok := d[k]; !ok {
		d[k] = v
	}
}

const maxListDetail = 256

func addListDetail(d map[string]any, k, v string) {
	l, _ := d[k].([]string)
	for _, x := range l {
		if x == v {
			return
		}
	}
	if len(l) < maxListDetail {
		d[k] = append(l, v)
	}
}
