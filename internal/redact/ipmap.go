package redact

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"net/netip"
)

// ipMapper pseudonymises addresses so that two addresses sharing a k-bit
// prefix map to two addresses sharing exactly a k-bit prefix (Crypto-PAn's
// construction): output bit i is input bit i, flipped when a keyed
// function of the first i input bits says so (AES-128 of the prefix, one
// key per address family derived from the user's key). Every map of that
// shape is a bijection, and every prefix-preserving bijection has that
// shape, so constraints can only be expressed as "never flip at this
// prefix" — which is how the kept ranges and the anchored networks below
// work.
type ipMapper struct {
	prf4, prf6 cipher.Block
	in, out    [16]byte
	// fixed holds the prefixes (tree nodes) where the next bit is never
	// flipped: the paths to kept ranges, so nothing maps into or out of
	// them, and the all-zeros/all-ones paths under anchored networks.
	fixed map[node]bool
	cache map[netip.Addr]netip.Addr
}

// node is a prefix of an address: its first depth bits, the rest zero.
type node struct {
	v6    bool
	depth uint8
	bits  [16]byte
}

// identity4/identity6 map to themselves: they say nothing about the
// customer (loopback, link-local, multicast, reserved, "this network")
// and evidence reads better with them as they are. 224.0.0.0/3 holds
// 255.255.255.255 and every netmask from /3 to /32. The /1 and /2 masks
// (128.0.0.0, 192.0.0.0) are not kept: keeping one address fixes every
// bit of the path to it, which would keep most of 128.0/16 and 192.0/16
// readable for masks nobody uses.
var identity4 = prefixes("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4")

// keptPrefix4/keptPrefix6 stay recognisable: their prefix is kept and
// the rest pseudonymised (10.1.0.11 stays in 10/8).
var keptPrefix4 = prefixes("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")

var identity6 = prefixes("::/128", "::1/128", "ff00::/8")

// fe80::/64 as well as fe80::/10: link-local addresses have zeros in bits
// 10–63, and keeping them keeps the familiar fe80::<interface id> shape.
// The documentation prefix 2001:db8::/32 is not kept: its path would keep
// up to 32 bits of every address in 2001::/16, where real networks are.
var keptPrefix6 = prefixes("fe80::/10", "fe80::/64", "fc00::/8", "fd00::/8")

// Addresses that embed an IPv4 address map it with the IPv4 mapping, so
// ::ffff:10.0.0.4 and 10.0.0.4 stay the same host.
var (
	mapped4in6 = netip.MustParsePrefix("::ffff:0:0/96")
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
)

// Anchoring a network keeps its network and broadcast addresses such. Short
// prefixes are not anchored: the cost of anchoring (below) grows with the
// host part, and their broadcast addresses are not evidence anyone reads.
const (
	minAnchor4 = 16
	minAnchor6 = 48
)

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

func newIPMapper(key []byte) *ipMapper {
	m := &ipMapper{
		prf4:  prf(key, "ktriage-redact-ipv4-v1"),
		prf6:  prf(key, "ktriage-redact-ipv6-v1"),
		fixed: map[node]bool{},
		cache: map[netip.Addr]netip.Addr{},
	}
	for _, ps := range [][]netip.Prefix{identity4, keptPrefix4, identity6, keptPrefix6, {mapped4in6, nat64}} {
		for _, p := range ps {
			m.fixPath(p)
		}
	}
	return m
}

// fixPath stops every bit above p's own from flipping, so addresses in p
// keep p's prefix and addresses outside p never map into it.
func (m *ipMapper) fixPath(p netip.Prefix) {
	a := addrBits(p.Addr())
	for i := 0; i < p.Bits(); i++ {
		m.fixed[nodeAt(p.Addr().Is6(), a, i)] = true
	}
}

// anchor makes the network address of p (host bits all zero) and its
// broadcast address (all one) map to the network and broadcast addresses
// of p's image, wherever they appear. That fixes the bits along both paths
// below p, so it has a price: a host whose number starts with a run of
// zeros or ones keeps that run (.1 stays .1, .4–.7 stay in .4–.7, .254
// stays .254). It must be called before the first mapAddr.
func (m *ipMapper) anchor(p netip.Prefix) {
	p = p.Masked()
	a, w, n := p.Addr(), p.Addr().BitLen(), p.Bits()
	if a.Is4() && (n < minAnchor4 || n > w-2) || a.Is6() && (n < minAnchor6 || n > w-2) {
		return
	}
	if m.identity(a) || a.Is4In6() || nat64.Contains(a) {
		return
	}
	zero, ones := addrBits(a), addrBits(a)
	for i := n; i < w; i++ {
		setBit(&ones, i, 1)
	}
	for i := n; i < w; i++ {
		m.fixed[nodeAt(a.Is6(), zero, i)] = true
		m.fixed[nodeAt(a.Is6(), ones, i)] = true
	}
	clear(m.cache)
}

func (m *ipMapper) identity(a netip.Addr) bool {
	list := identity4
	if a.Is6() {
		list = identity6
	}
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// mapAddr returns a's pseudonym.
func (m *ipMapper) mapAddr(a netip.Addr) netip.Addr {
	zone := a.Zone()
	a = a.WithZone("")
	if r, ok := m.cache[a]; ok {
		return r.WithZone(zone)
	}
	var r netip.Addr
	switch {
	case m.identity(a):
		r = a
	case a.Is4In6():
		r = netip.AddrFrom16(m.mapAddr(a.Unmap()).As16())
	case nat64.Contains(a):
		b := a.As16()
		v4 := m.mapAddr(netip.AddrFrom4([4]byte(b[12:])))
		v := v4.As4()
		copy(b[12:], v[:])
		r = netip.AddrFrom16(b)
	default:
		in := addrBits(a)
		var out [16]byte
		pre := node{v6: a.Is6()}
		for i := 0; i < a.BitLen(); i++ {
			pre.depth = uint8(i)
			bit := getBit(in, i)
			if m.flip(pre) {
				bit ^= 1
			}
			setBit(&out, i, bit)
			setBit(&pre.bits, i, getBit(in, i))
		}
		if a.Is4() {
			r = netip.AddrFrom4([4]byte(out[:4]))
		} else {
			r = netip.AddrFrom16(out)
		}
	}
	m.cache[a] = r
	return r.WithZone(zone)
}

// prf derives the AES key of one address family. The label names the
// scheme's version: changing the scheme must change it, so pseudonyms of
// two versions never look comparable.
func prf(key []byte, label string) cipher.Block {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(label))
	b, err := aes.NewCipher(mac.Sum(nil)[:16])
	if err != nil {
		panic(err) // a 16-byte key is always valid
	}
	return b
}

func (m *ipMapper) flip(n node) bool {
	if m.fixed[n] {
		return false
	}
	// The prefix followed by a 1 bit and zeros: one block, different for
	// every prefix of every length below 128.
	m.in = n.bits
	setBit(&m.in, int(n.depth), 1)
	b := m.prf4
	if n.v6 {
		b = m.prf6
	}
	b.Encrypt(m.out[:], m.in[:])
	return m.out[0]&1 == 1
}

// addrBits returns a's bits, IPv4 in the first four bytes.
func addrBits(a netip.Addr) [16]byte {
	var b [16]byte
	if a.Is4() {
		v := a.As4()
		copy(b[:], v[:])
		return b
	}
	return a.As16()
}

// nodeAt is the prefix of b of length depth.
func nodeAt(v6 bool, b [16]byte, depth int) node {
	n := node{v6: v6, depth: uint8(depth)}
	for i := 0; i < depth; i++ {
		setBit(&n.bits, i, getBit(b, i))
	}
	return n
}

func getBit(b [16]byte, i int) byte { return b[i/8] >> (7 - i%8) & 1 }

func setBit(b *[16]byte, i int, v byte) {
	mask := byte(1) << (7 - i%8)
	if v == 1 {
		b[i/8] |= mask
	} else {
		b[i/8] &^= mask
	}
}
