package ipaddr

import (
	"strings"
)

var briefStates = wordSet(`UP DOWN UNKNOWN LOWERLAYERDOWN DORMANT NOTPRESENT TESTING`)

// briefLine reads `ip -br addr` ("eth0@if14  UP  10.244.1.5/24 fe80::…/64")
// and `ip -br link` ("eth0  UP  0a:58:…  <BROADCAST,MULTICAST,UP,LOWER_UP>").
// The shape is checked strictly (a name, an operstate, then only addresses,
// or an optional hardware address and flags) because two words can look
// like anything.
func (s *scanner) briefLine(t string, n int) bool {
	tok := strings.Fields(t)
	if len(tok) < 2 || !briefStates[tok[1]] {
		return false
	}
	name, peer := splitPeer(tok[0])
	if !validIfName(name) {
		return false
	}
	rest := tok[2:]
	var addrs []Address
	var flags []string
	hw := ""
	switch {
	case len(rest) == 0:
		// Only believable among other brief lines.
		if !s.sawBrief {
			return false
		}
	case strings.HasPrefix(rest[len(rest)-1], "<") && strings.HasSuffix(rest[len(rest)-1], ">"):
		if len(rest) > 2 {
			return false
		}
		flags = splitFlags(strings.Trim(rest[len(rest)-1], "<>"))
		if len(rest) == 2 {
			hw = rest[0]
		}
	default:
		for _, r := range rest {
			ip, bits, ok := parseAddrPrefix(r)
			if !ok {
				return false
			}
			if bits < 0 {
				bits = ip.BitLen()
			}
			fam := "inet"
			if !ip.Is4() {
				fam = "inet6"
			}
			addrs = append(addrs, Address{Family: fam, Address: ip.String(), Prefix: bits, Line: n})
		}
	}
	s.sawBrief = true
	s.endBlock()
	it := s.iface(0, name, n, t)
	if it.Peer == "" {
		it.Peer = peer
	}
	setStr(&it.State, tok[1])
	if it.Flags == nil && flags != nil {
		it.Flags = flags
	}
	if hw != "" {
		if isMAC(hw) {
			setStr(&it.MAC, strings.ToLower(hw))
		} else {
			setDetail(it.Details, "link_addr", hw)
		}
	}
	for _, a := range addrs {
		s.addAddress(it, a, n)
	}
	return true
}

// validIfName checks what Linux allows in an interface name: at most 15
// bytes, no "/", ":" or white space.
func validIfName(name string) bool {
	if name == "" || len(name) > 15 || name == "." || name == ".." {
		return false
	}
	for _, c := range name {
		if c <= ' ' || c == '/' || c == ':' || c == 0x7f {
			return false
		}
	}
	return true
}
