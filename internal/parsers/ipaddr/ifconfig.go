package ipaddr

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// net-tools ifconfig, in both of its layouts, and busybox ifconfig (the old
// layout):
//
//	eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500
//	        inet 10.0.0.2  netmask 255.255.255.0  broadcast 10.0.0.255
//	        inet6 fe80::1  prefixlen 64  scopeid 0x20<link>
//	        ether 02:42:ac:11:00:02  txqueuelen 0  (Ethernet)
//	        RX packets 9  bytes 744 (744.0 B)
//
//	eth0      Link encap:Ethernet  HWaddr 00:16:3E:00:00:01
//	          inet addr:10.0.0.2  Bcast:10.0.0.255  Mask:255.255.255.0
//	          inet6 addr: fe80::216:3eff:fe00:1/64 Scope:Link
//	          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1
//	          RX packets:9 errors:0 dropped:0 overruns:0 frame:0
//
// An alias block (eth0:1) is folded into its interface as an address with
// that label, which is what `ip addr` shows for it.
var (
	reIfconfigNew = regexp.MustCompile(`^(\S+?):\s+flags=(\d+)<([^>]*)>\s+mtu\s+(\d+)\s*(.*)$`)
	reIfconfigOld = regexp.MustCompile(`^(\S+)\s+Link encap:\s*(.*?)(?:\s+HWaddr(?:\s+(\S+))?)?(?:\s+Driver\s+\S+)?\s*$`)
)

// Hardware names of ifconfig mapped to ip's link types; names not listed
// (UNSPEC, which ifconfig shows for link/none and others) stay unknown.
var ifconfigHW = map[string]string{
	"ether": "ether", "ethernet": "ether", "loop": "loopback", "local loopback": "loopback",
	"tunnel": "ipip", "ipip tunnel": "ipip", "sit": "sit", "ipv6-in-ipv4": "sit",
	"ppp": "ppp", "point-to-point protocol": "ppp", "infiniband": "infiniband",
	"slip": "slip", "serial line ip": "slip", "fddi": "fddi", "irda": "irda",
}

func (s *scanner) ifconfigHeader(t string, n, indent int) bool {
	if !strings.Contains(t, "flags=") && !strings.Contains(t, "Link encap:") {
		return false
	}
	var name, hw, mac string
	var flags, rest []string
	mtu := 0
	if m := reIfconfigNew.FindStringSubmatch(t); m != nil {
		name, flags, rest = m[1], splitFlags(m[3]), strings.Fields(m[5])
		mtu, _ = strconv.Atoi(m[4])
	} else if m := reIfconfigOld.FindStringSubmatch(t); m != nil {
		name, hw, mac = m[1], strings.ToLower(strings.TrimSpace(m[2])), m[3]
	} else {
		return false
	}
	base, _, alias := strings.Cut(name, ":")
	if !validIfName(base) {
		return false
	}
	s.endBlock()
	it := s.iface(0, base, n, t)
	s.cur, s.curFmt, s.curIndent, s.curLink = it, fmtIfconfig, indent, true
	s.ifcLabel = name
	if alias {
		// The alias shares the interface's flags, mtu and hardware.
		return true
	}
	if it.Flags == nil && flags != nil {
		it.Flags = flags
	}
	if mtu > 0 {
		s.setMTU(it, mtu, n)
	}
	if lt, ok := ifconfigHW[hw]; ok {
		setStr(&it.LinkType, lt)
	}
	if isMAC(mac) {
		setStr(&it.MAC, strings.ToLower(mac))
	}
	for i := 0; i+1 < len(rest); i += 2 {
		setDetail(it.Details, rest[i], typed(rest[i+1]))
	}
	if len(rest)%2 == 1 {
		s.warn(n, "header ends with %q and no value", clip(rest[len(rest)-1], 40))
	}
	return true
}

func (s *scanner) ifconfigContinuation(t string, n int) bool {
	it := s.cur
	tok := strings.Fields(t)
	switch w := tok[0]; {
	case w == "inet" || w == "inet6":
		return s.ifconfigAddr(tok, n)
	case w == "RX" || w == "TX" || strings.HasPrefix(w, "collisions:"):
		return s.ifconfigStats(tok, n)
	case w == "device" || strings.HasPrefix(w, "Interrupt:") || strings.HasPrefix(w, "Memory:") ||
		w == "Base" || strings.HasPrefix(w, "DMA") || strings.HasPrefix(w, "IRQ"):
		setDetail(it.Details, "device", t)
		return true
	case strings.HasSuffix(tok[len(tok)-1], ")") || ifconfigHW[w] != "" || w == "unspec":
		return s.ifconfigHardware(tok, n)
	}
	// Old layout: "UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1".
	flags, ok := []string{}, false
	for _, w := range tok {
		switch {
		case strings.HasPrefix(w, "MTU:"):
			if mtu, err := strconv.Atoi(w[4:]); err == nil {
				s.setMTU(it, mtu, n)
				ok = true
			}
		case strings.HasPrefix(w, "Metric:"):
			setDetail(it.Details, "metric", typed(w[7:]))
		case w == strings.ToUpper(w):
			flags = append(flags, w)
		default:
			return false
		}
	}
	if ok && it.Flags == nil && s.ifcLabel == it.Name {
		it.Flags = flags
	}
	return ok
}

// ifconfigHardware reads "ether 02:42:ac:11:00:02  txqueuelen 0
// (Ethernet)", "loop  txqueuelen 1000  (Local Loopback)", "unspec 00-00-…
// txqueuelen 500  (UNSPEC)".
func (s *scanner) ifconfigHardware(tok []string, n int) bool {
	it := s.cur
	if lt, ok := ifconfigHW[tok[0]]; ok {
		setStr(&it.LinkType, lt)
	} else if open := strings.Index(strings.Join(tok, " "), "("); open >= 0 {
		desc := strings.Trim(strings.Join(tok, " ")[open:], "()")
		if lt, ok := ifconfigHW[strings.ToLower(desc)]; ok {
			setStr(&it.LinkType, lt)
		}
	}
	for i := 1; i < len(tok); i++ {
		switch {
		case isMAC(tok[i]):
			setStr(&it.MAC, strings.ToLower(tok[i]))
		case tok[i] == "txqueuelen" && i+1 < len(tok):
			setDetail(it.Details, "qlen", typed(tok[i+1]))
			i++
		}
	}
	return true
}

// ifconfigAddr reads the inet and inet6 lines of both layouts.
func (s *scanner) ifconfigAddr(tok []string, n int) bool {
	it := s.cur
	a := Address{Family: tok[0], Line: n, Prefix: -1}
	if tok[0] == "inet" {
		a.Label = s.ifcLabel
	}
	// Old layout glues keys to values ("addr:10.0.0.2", "Mask:255.0.0.0");
	// busybox's inet6 line is "inet6 addr: fe80::1/64 Scope:Link".
	var kv [][2]string
	for i := 1; i < len(tok); i++ {
		k, v, glued := strings.Cut(tok[i], ":")
		if tok[0] == "inet6" && !glued {
			k, v = tok[i], ""
		}
		switch {
		case glued && v != "" && !strings.Contains(v, ":") || glued && k == "Scope":
			kv = append(kv, [2]string{strings.ToLower(k), v})
		case glued && v == "" && i+1 < len(tok):
			kv = append(kv, [2]string{strings.ToLower(k), tok[i+1]})
			i++
		case i+1 < len(tok) && ifconfigAddrKeys[tok[i]]:
			kv = append(kv, [2]string{tok[i], tok[i+1]})
			i++
		case i == 1:
			kv = append(kv, [2]string{"addr", tok[i]})
		default:
			kv = append(kv, [2]string{tok[i], ""})
		}
	}
	var mask string
	for _, p := range kv {
		switch k, v := p[0], p[1]; k {
		case "addr":
			ip, bits, ok := parseAddrPrefix(v)
			if !ok {
				s.warn(n, "address %q is not an IP address", clip(v, 60))
				return true
			}
			a.Address, a.Prefix = ip.String(), bits
		case "netmask", "mask":
			mask = v
		case "prefixlen":
			if b, err := strconv.Atoi(v); err == nil {
				a.Prefix = b
			}
		case "broadcast", "bcast":
			a.Broadcast = v
		case "destination", "p-t-p":
			a.Peer = v
		case "scopeid":
			// "0x20<link>": the name is in the brackets.
			if i := strings.IndexByte(v, '<'); i >= 0 {
				a.Scope = strings.Trim(v[i:], "<>")
			}
		case "scope":
			a.Scope = strings.ToLower(v)
		default:
			a.Flags = append(a.Flags, k)
		}
	}
	if a.Address == "" {
		s.warn(n, "address line without an address")
		return true
	}
	if mask != "" {
		bits, ok := maskBits(mask)
		if !ok {
			s.warn(n, "netmask %q is not a contiguous mask", clip(mask, 40))
		} else if a.Prefix < 0 {
			a.Prefix = bits
		}
	}
	if a.Prefix < 0 {
		if ip, err := netip.ParseAddr(a.Address); err == nil {
			a.Prefix = ip.BitLen()
		}
	}
	if a.Scope == "" && a.Family == "inet" {
		a.Scope = ifconfigScope4(a.Address)
	}
	s.curAddr = s.addAddress(it, a, n)
	return true
}

var ifconfigAddrKeys = map[string]bool{"netmask": true, "broadcast": true, "destination": true, "prefixlen": true, "scopeid": true}

// ifconfigScope4 gives IPv4 addresses the scope ip would show for them,
// which ifconfig does not print.
func ifconfigScope4(a string) string {
	ip, err := netip.ParseAddr(a)
	if err != nil {
		return ""
	}
	if ip.IsLoopback() {
		return "host"
	}
	return "global"
}

// maskBits converts a dotted netmask to a prefix length.
func maskBits(mask string) (int, bool) {
	ip, err := netip.ParseAddr(mask)
	if err != nil || !ip.Is4() {
		return 0, false
	}
	b := ip.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	bits := 0
	for v&0x80000000 != 0 {
		bits++
		v <<= 1
	}
	return bits, v == 0
}

// ifconfigStats reads the RX/TX lines of both layouts:
// "RX packets 9  bytes 744 (744.0 B)", "TX errors 0  dropped 0 overruns 0
// carrier 0  collisions 0", "RX packets:9 errors:0 dropped:0 overruns:0
// frame:0", "RX bytes:744 (744.0 B)  TX bytes:590 (590.0 B)",
// "collisions:0 txqueuelen:1000".
func (s *scanner) ifconfigStats(tok []string, n int) bool {
	it := s.cur
	dir := "tx" // collisions:0 belongs to the transmit side
	inParen := false
	var pending string
	found := false
	for _, w := range tok {
		switch {
		case inParen || strings.HasPrefix(w, "("):
			inParen = !strings.HasSuffix(w, ")")
			continue
		case w == "RX" || w == "TX":
			dir = strings.ToLower(w)
			continue
		}
		k, v, glued := strings.Cut(w, ":")
		if !glued {
			if pending != "" {
				k, v = pending, w
				pending = ""
			} else {
				pending = w
				continue
			}
		}
		if k == "txqueuelen" {
			setDetail(it.Details, "qlen", typed(v))
			continue
		}
		x, exact, ok := parseCounter(v)
		if !ok {
			s.warn(n, "counter %s %q is not a number", clip(k, 20), clip(v, 20))
			continue
		}
		st := it.ensureStats()
		st.Approximate = st.Approximate || !exact
		st.set(dir, statName(k), x)
		found = true
	}
	return found
}
