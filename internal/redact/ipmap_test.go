package redact

import (
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
)

var testKey = []byte("0123456789abcdef-test-key")

func mapper(anchors ...string) *ipMapper {
	m := newIPMapper(testKey)
	for _, a := range anchors {
		m.anchor(netip.MustParsePrefix(a))
	}
	return m
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// commonBits is the length of the longest common prefix of a and b.
func commonBits(a, b netip.Addr) int {
	x, y := addrBits(a), addrBits(b)
	n := 0
	for n < a.BitLen() && getBit(x, n) == getBit(y, n) {
		n++
	}
	return n
}

func randAddr(r *rand.Rand, v6 bool) netip.Addr {
	if v6 {
		var b [16]byte
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return netip.AddrFrom16(b)
	}
	var b [4]byte
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return netip.AddrFrom4(b)
}

// near returns an address sharing a random-length prefix with a, so pairs
// cover every common prefix length rather than mostly 0 or 1.
func near(r *rand.Rand, a netip.Addr) netip.Addr {
	b := addrBits(a)
	for i := r.IntN(a.BitLen()); i < a.BitLen(); i++ {
		setBit(&b, i, byte(r.UintN(2)))
	}
	if a.Is4() {
		return netip.AddrFrom4([4]byte(b[:4]))
	}
	return netip.AddrFrom16(b)
}

// The defining property: for any two addresses, the common prefix length of
// their images equals theirs. It holds with anchored networks too, and in
// the kept ranges.
func TestPrefixPreserved(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, m := range []*ipMapper{mapper(), mapper("10.1.0.0/24", "10.1.0.0/16", "192.168.7.0/26", "2600:1f18:1::/64")} {
		for i := 0; i < 20000; i++ {
			v6 := i%2 == 1
			a := randAddr(r, v6)
			switch i % 8 {
			case 0:
				a = netip.AddrFrom4([4]byte{10, 1, byte(r.UintN(2)), byte(r.Uint32())})
			case 2:
				a = netip.AddrFrom4([4]byte{192, 168, 7, byte(r.Uint32())})
			case 4:
				a = netip.AddrFrom4([4]byte{byte(r.Uint32()), 254, 0, byte(r.Uint32())})
			}
			b := near(r, a)
			fa, fb := m.mapAddr(a), m.mapAddr(b)
			if got, want := commonBits(fa, fb), commonBits(a, b); got != want {
				t.Fatalf("%v, %v share %d bits; their images %v, %v share %d", a, b, want, fa, fb, got)
			}
		}
	}
}

// Injective: no two addresses share a pseudonym.
func TestNoCollisions(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	m := mapper("10.0.0.0/24")
	seen := map[netip.Addr]netip.Addr{}
	for i := 0; i < 50000; i++ {
		a := randAddr(r, i%3 == 0)
		if i%5 == 0 {
			a = netip.AddrFrom4([4]byte{10, 0, 0, byte(i)})
		}
		f := m.mapAddr(a)
		if prev, ok := seen[f]; ok && prev != a {
			t.Fatalf("%v and %v both map to %v", prev, a, f)
		}
		seen[f] = a
	}
}

func TestKeptRanges(t *testing.T) {
	m := mapper()
	same := []string{
		"127.0.0.1", "127.1.2.3", "0.0.0.0", "255.255.255.255", "255.255.255.0", "255.255.0.0",
		"255.0.0.0", "255.255.255.252", "240.0.0.0", "224.0.0.0",
		"169.254.1.1", "169.254.169.254", "224.0.0.251", "239.255.255.250",
		"::", "::1", "ff02::1", "ff02::1:ff00:1", "::ffff:127.0.0.1",
	}
	for _, s := range same {
		if got := m.mapAddr(mustAddr(s)); got != mustAddr(s) {
			t.Errorf("%s mapped to %v, want it unchanged", s, got)
		}
	}
	inside := map[string]string{
		"10.1.0.11":                 "10.0.0.0/8",
		"172.20.3.4":                "172.16.0.0/12",
		"192.168.1.20":              "192.168.0.0/16",
		"100.64.3.9":                "100.64.0.0/10",
		"fe80::902c:79ff:fe8d:b60d": "fe80::/64",
		"fd12:3456:789a::1":         "fd00::/8",
		"2001:db8:5::7":             "2000::/3",
		"2600:1f18::5":              "2000::/3",
		"64:ff9b::10.0.0.4":         "64:ff9b::/96",
	}
	for s, p := range inside {
		a := mustAddr(s)
		got := m.mapAddr(a)
		if !netip.MustParsePrefix(p).Contains(got) {
			t.Errorf("%s mapped to %v, outside %s", s, got, p)
		}
		if got == a {
			t.Errorf("%s unchanged", s)
		}
	}
	// Nothing outside a kept range maps into one.
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 20000; i++ {
		a := randAddr(r, false)
		inKept := false
		for _, p := range append(append([]netip.Prefix{}, identity4...), keptPrefix4...) {
			inKept = inKept || p.Contains(a)
		}
		if inKept {
			continue
		}
		f := m.mapAddr(a)
		for _, p := range append(append([]netip.Prefix{}, identity4...), keptPrefix4...) {
			if p.Contains(f) {
				t.Fatalf("%v mapped to %v, inside kept %v", a, f, p)
			}
		}
	}
	// IPv4-mapped and NAT64 addresses carry the IPv4 mapping.
	v4 := m.mapAddr(mustAddr("10.0.0.4"))
	if got := m.mapAddr(mustAddr("::ffff:10.0.0.4")); got.Unmap() != v4 {
		t.Errorf("::ffff:10.0.0.4 → %v, 10.0.0.4 → %v", got, v4)
	}
	if got := m.mapAddr(mustAddr("64:ff9b::10.0.0.4")).As16(); netip.AddrFrom4([4]byte(got[12:])) != v4 {
		t.Errorf("64:ff9b::10.0.0.4 → %v, 10.0.0.4 → %v", got, v4)
	}
}

// Anchored networks keep their network and broadcast addresses, and every
// address inside maps inside the image network.
func TestAnchoredNetworks(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 2000; i++ {
		v6 := i%4 == 3
		var p netip.Prefix
		if v6 {
			p = netip.PrefixFrom(randAddr(r, true), 48+r.IntN(79)).Masked()
		} else {
			p = netip.PrefixFrom(randAddr(r, false), 16+r.IntN(15)).Masked()
		}
		m := newIPMapper(testKey)
		m.anchor(p)
		if m.identity(p.Addr()) || p.Addr().Is4In6() || nat64.Contains(p.Addr()) {
			continue
		}
		img := netip.PrefixFrom(m.mapAddr(p.Addr()), p.Bits())
		if img.Masked() != img {
			t.Fatalf("network %v mapped to %v: host bits set", p, img.Addr())
		}
		bcast := addrBits(p.Addr())
		for j := p.Bits(); j < p.Addr().BitLen(); j++ {
			setBit(&bcast, j, 1)
		}
		b := fromBits(bcast, v6)
		fb := addrBits(m.mapAddr(b))
		for j := p.Bits(); j < p.Addr().BitLen(); j++ {
			if getBit(fb, j) != 1 {
				t.Fatalf("broadcast %v of %v mapped to %v, not the broadcast of %v", b, p, m.mapAddr(b), img)
			}
		}
		host := addrBits(p.Addr())
		for j := p.Bits(); j < p.Addr().BitLen(); j++ {
			setBit(&host, j, byte(r.UintN(2)))
		}
		if h := m.mapAddr(fromBits(host, v6)); !img.Contains(h) {
			t.Fatalf("host %v of %v mapped to %v, outside %v", fromBits(host, v6), p, h, img)
		}
	}
}

func fromBits(b [16]byte, v6 bool) netip.Addr {
	if v6 {
		return netip.AddrFrom16(b)
	}
	return netip.AddrFrom4([4]byte(b[:4]))
}

func TestKeyDeterminism(t *testing.T) {
	a := mustAddr("10.1.0.11")
	m1, m2 := newIPMapper(testKey), newIPMapper(testKey)
	if m1.mapAddr(a) != m2.mapAddr(a) {
		t.Error("the same key mapped differently")
	}
	m3 := newIPMapper([]byte("another key of sixteen+ bytes"))
	diff := 0
	for i := 0; i < 64; i++ {
		x := netip.AddrFrom4([4]byte{10, 1, 0, byte(i)})
		if m1.mapAddr(x) != m3.mapAddr(x) {
			diff++
		}
	}
	if diff < 32 {
		t.Errorf("two keys agree on %d of 64 addresses", 64-diff)
	}
}

func TestFindIPs(t *testing.T) {
	cases := []struct {
		in   string
		want []string // the tokens' texts
	}{
		{"inet 10.0.0.4/24 brd 10.0.0.255 scope global eth0", []string{"10.0.0.4/24", "10.0.0.255"}},
		{"default via 10.0.0.1 dev eth0 onlink", []string{"10.0.0.1"}},
		{"10.244.5.0/24 via 10.0.0.5 dev tunl0", []string{"10.244.5.0/24", "10.0.0.5"}},
		{"inet addr:10.0.0.4  Bcast:10.0.0.255  Mask:255.255.255.0", []string{"10.0.0.4", "10.0.0.255", "255.255.255.0"}},
		{"route 10.1.0.0/255.255.0.0", []string{"10.1.0.0/255.255.0.0"}},
		{"from 10.244.5.10:8080 to 10.244.4.10:43144.", []string{"10.244.5.10", "10.244.4.10"}},
		{"ip-10-1-0-11.ec2.internal", []string{"ip-10-1-0-11"}},
		{"nodes/IP-10-1-0-11/ip-addr.txt", []string{"IP-10-1-0-11"}},
		{"10.0.0.4.nip.io", []string{"10.0.0.4"}},
		{"inet6 fe80::902c:79ff:fe8d:b60d/64 scope link", []string{"fe80::902c:79ff:fe8d:b60d/64"}},
		{"LISTEN 0 4096 [::ffff:10.0.0.4]:8080 [::]:*", []string{"::ffff:10.0.0.4", "::"}},
		{"tcp6 0 0 :::22 :::* LISTEN", []string{"::", "::"}},
		{"inet6 addr:2600:1f18::5/128 Scope:Global", []string{"2600:1f18::5/128"}},
		{"fe80::1%eth0", []string{"fe80::1"}},
		{"2001:db8::/32.", []string{"2001:db8::/32"}},
		// Look-alikes.
		{"iptables-save v1.8.9 (nf_tables)", nil},
		{"kube-proxy v1.28.3.4", nil},
		{"Kubernetes version 1.28.3.4", nil},
		{"kernel 5.4.0.1", nil},
		{"OID 1.3.6.1", nil},
		{`"agentVersion": "1.10.0.1"`, nil},
		{`\"agentVersion\":\"1.10.0.1\"`, nil},
		{"between 192.168.56.11/.12", []string{"192.168.56.11"}},
		{"-s 10.224.0.13/32 -m comment", []string{"10.224.0.13/32"}},
		{"snmp 1.3.6.1.4.1.2021.10.1.3.1", nil},
		{"1.2.3", nil},
		{"x1.2.3.4 1.2.3.4b", nil},
		{"256.1.1.1 010.1.1.1", nil},
		{"RetransSegs 123456 InSegs 1.5", nil},
		{"link/ether 92:2c:79:8d:b6:0d brd ff:ff:ff:ff:ff:ff", nil},
		{"eui fe:80:00:00:00:00:00:00", nil},
		{"at 2024-01-02T10:20:30.123456Z", nil},
		{"std::max Vec::new", nil},
		{"skip-10-1-0-11", nil},
		{"image nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31", nil},
		{"uid 7c1e2f3a-1b2c-4d5e-8f90-1234567890ab", nil},
		// A bare four-part version cannot be told from an address.
		{"1.28.3.4", []string{"1.28.3.4"}},
	}
	for _, c := range cases {
		var got []string
		for _, tok := range findIPs(c.in) {
			got = append(got, c.in[tok.start:tok.end])
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("findIPs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMapIPsText(t *testing.T) {
	m := newIPMapper(testKey)
	text := []string{
		"inet 10.0.0.4/24 brd 10.0.0.255 scope global eth0",
		"10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.4",
		"inet 192.168.50.7 netmask 255.255.255.0 broadcast 192.168.50.255",
	}
	for _, s := range text {
		for _, p := range anchorsIn(s) {
			m.anchor(p)
		}
	}
	f := func(s string) netip.Addr { return m.mapAddr(mustAddr(s)) }
	net24 := netip.PrefixFrom(f("10.0.0.4"), 24).Masked()
	if f("10.0.0.0") != net24.Addr() {
		t.Errorf("10.0.0.0 → %v, want the network %v", f("10.0.0.0"), net24)
	}
	if b := f("10.0.0.255").As4(); b[3] != 255 || !net24.Contains(f("10.0.0.255")) {
		t.Errorf("brd 10.0.0.255 → %v, want the broadcast of %v", f("10.0.0.255"), net24)
	}
	if b := f("192.168.50.255").As4(); b[3] != 255 {
		t.Errorf("ifconfig broadcast → %v", f("192.168.50.255"))
	}
	got := m.mapIPs(text[0])
	want := "inet " + f("10.0.0.4").String() + "/24 brd " + f("10.0.0.255").String() + " scope global eth0"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	got = m.mapIPs("ip-10-0-0-4.ec2.internal and [::ffff:10.0.0.4]:80")
	d := strings.ReplaceAll(f("10.0.0.4").String(), ".", "-")
	if want := "ip-" + d + ".ec2.internal and [::ffff:" + f("10.0.0.4").String() + "]:80"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// A short network written as one stays a network.
	if got := m.mapIPs("pool 10.0.0.0/8 and 172.16.0.0/12"); got != "pool 10.0.0.0/8 and 172.16.0.0/12" {
		t.Errorf("got %q", got)
	}
	if got := m.mapIPs("cluster 10.96.0.0/12"); !strings.HasSuffix(got, ".0/12") || !strings.HasPrefix(got, "cluster 10.") {
		t.Errorf("got %q", got)
	}
	// Mapped once: a netmask suffix is part of its address's token, not
	// an address of its own, and a 4-in-6 address is one token.
	if got, want := m.mapIPs("route 10.0.0.0/255.255.255.0"), "route "+net24.Addr().String()+"/255.255.255.0"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if m.mapIPs(text[1]) != m.mapIPs(text[1]) {
		t.Error("not deterministic")
	}
}
