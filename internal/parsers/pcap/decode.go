package pcap

import (
	"encoding/binary"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// addr is an IP address as 16 bytes, IPv4 in its IPv4-mapped form. A fixed
// array keeps flow keys comparable, hashable without pointers, and copyable
// without allocation.
type addr [16]byte

func addr4(b []byte) (a addr) {
	a[10], a[11] = 0xff, 0xff
	copy(a[12:], b)
	return a
}

func addr16(b []byte) (a addr) {
	copy(a[:], b)
	return a
}

// encKind names an encapsulation ktriage looked through.
type encKind uint8

const (
	encNone encKind = iota
	encIPIP
	encIP6in4
	encIP4in6
	encIP6in6
	encGRE
	encVXLAN
	encGeneve
	numEncKinds
)

var encNames = [numEncKinds]string{"", "ipip", "ip6in4", "ip4in6", "ip6in6", "gre", "vxlan", "geneve"}

func (k encKind) String() string { return encNames[k] }

// ipInfo is what one IP header says.
type ipInfo struct {
	ok    bool
	v6    bool
	df    bool
	frag  bool // an IPv4 fragment or an IPv6 packet with a fragment header
	proto uint8
	src   addr
	dst   addr
	// size is the packet's length as its header states it (the size on the
	// wire, whatever snaplen cut from the capture).
	size int
	// end is the frame offset where the packet ends as far as anyone can
	// know: the header's length, bounded by the frame's wire length and by
	// any enclosing packet. Transport lengths are measured against it, as
	// Wireshark measures them against the reported (not captured) length.
	end int
}

// tcpInfo is the part of a TCP header the analysis needs.
type tcpInfo struct {
	seq, ack uint32
	flags    uint8
	win      uint16
	hdrLen   int
	seglen   int // < 0: the segment is shorter than its own header
	mss      uint16
	sack     []layers.TCPOption // aliases the decoder's option slice
}

const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpPSH = 0x08
	tcpACK = 0x10
)

// packet is one decoded frame. The decoder owns and reuses it; slices alias
// the reader's buffer and are valid only until the next frame.
type packet struct {
	frame uint32
	ts    int64 // Unix nanoseconds
	wire  int   // length on the wire

	ip    ipInfo // the analysed (innermost) IP packet
	outer ipInfo // the outermost IP packet when encap != encNone
	encap encKind

	l4           uint8 // 6 TCP, 17 UDP, 1/58 ICMP, 0 none decoded
	sport, dport uint16
	tcp          tcpInfo
	icmp         []byte // ICMP message from its type byte on
}

// decoder turns frames into packets with one preallocated parser per link
// type and two per inner first layer; nothing is allocated per frame.
type decoder struct {
	outer, inner layerSet
	byLink       map[layers.LinkType]*gopacket.DecodingLayerParser
	innerEth     *gopacket.DecodingLayerParser
	innerIP      *gopacket.DecodingLayerParser
	gre          layers.GRE
	decoded      []gopacket.LayerType
	frameCap     int
	frameLen     int
}

func newDecoder() *decoder {
	d := &decoder{byLink: map[layers.LinkType]*gopacket.DecodingLayerParser{}, decoded: make([]gopacket.LayerType, 0, 16)}
	d.innerEth = d.inner.newParser(layers.LayerTypeEthernet, &d.inner.eth)
	d.innerIP = d.inner.newParser(layerTypeRawIP, &d.inner.raw)
	return d
}

// supports reports whether frames of a link type can be decoded, building
// that link type's parser the first time.
func (d *decoder) supports(lt layers.LinkType) bool {
	p, ok := d.byLink[lt]
	if !ok {
		p = d.outer.linkParser(lt)
		d.byLink[lt] = p
	}
	return p != nil
}

// off is the offset of b, a sub-slice of the frame, from the frame start:
// every layer's bytes share the frame's backing array, so the capacity left
// after b tells where b starts.
func (d *decoder) off(b []byte) int { return d.frameCap - cap(b) }

// maxDepth bounds nested tunnels (GRE in GRE, VXLAN in IPIP, …) so a crafted
// frame cannot make decoding loop.
const maxDepth = 4

// decode fills p from one frame. It reports false when nothing at or above
// the network layer could be read (unsupported link type, non-IP frame, or
// a header too damaged to use).
func (d *decoder) decode(lt layers.LinkType, data []byte, p *packet) bool {
	p.ip, p.outer, p.encap = ipInfo{}, ipInfo{}, encNone
	p.clearL4()
	parser := d.byLink[lt]
	if parser == nil {
		return false
	}
	d.frameCap, d.frameLen = cap(data), len(data)
	limit := max(p.wire, len(data))
	err := parser.DecodeLayers(data, &d.decoded)
	inner, first := d.extract(&d.outer, err, limit, p)
	outerKind := p.encap
	for depth := 0; inner != nil && depth < maxDepth; depth++ {
		if depth == 0 {
			p.outer = p.ip
		}
		saved := *p
		parser = d.innerIP
		if first == layers.LayerTypeEthernet {
			parser = d.innerEth
		}
		// The inner packet may not claim bytes past the end of the outer one.
		limit = p.ip.end
		p.ip = ipInfo{}
		p.clearL4()
		err = parser.DecodeLayers(inner, &d.decoded)
		inner, first = d.extract(&d.inner, err, limit, p)
		if !p.ip.ok {
			// Not IP inside (ARP over VXLAN, say): analyse the carrier.
			*p = saved
			if depth == 0 {
				p.outer, outerKind = ipInfo{}, encNone
			}
			inner = nil
		}
		// Whatever is nested, the tunnel on the wire is the outermost one.
		p.encap = outerKind
	}
	return p.ip.ok
}

func (p *packet) clearL4() {
	p.l4, p.sport, p.dport, p.icmp, p.tcp = 0, 0, 0, nil, tcpInfo{}
}

// extract reads the decoded layers of set into p and returns the payload of
// an encapsulated packet found at the end (with the layer it starts with).
func (d *decoder) extract(s *layerSet, err error, limit int, p *packet) ([]byte, gopacket.LayerType) {
	var last gopacket.LayerType
	for _, t := range d.decoded {
		last = t
		switch t {
		case layers.LayerTypeIPv4:
			ip := &s.ip4
			end := d.off(ip.Contents) + int(ip.Length)
			p.ip = ipInfo{ok: true, df: ip.Flags&layers.IPv4DontFragment != 0, frag: ip.isFragment(),
				proto: uint8(ip.Protocol), src: addr4(ip.SrcIP), dst: addr4(ip.DstIP), size: int(ip.Length), end: min(end, limit)}
		case layers.LayerTypeIPv6:
			ip := &s.ip6
			size := 40 + int(ip.Length)
			if ip.Length == 0 && ip.HopByHop != nil {
				size = 40 + len(ip.Payload) + ip.HopByHop.ActualLength // jumbogram
			}
			p.ip = ipInfo{ok: true, v6: true, proto: uint8(ip.proto()), src: addr16(ip.SrcIP), dst: addr16(ip.DstIP),
				size: size, end: min(d.off(ip.Contents)+size, limit)}
		case layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Destination:
			p.ip.proto = uint8(s.ext6.NextHeader)
		case layers.LayerTypeTCP:
			d.takeTCP(&s.tcp, p)
		case layers.LayerTypeUDP:
			p.l4, p.sport, p.dport = 17, uint16(s.udp.SrcPort), uint16(s.udp.DstPort)
		case layers.LayerTypeICMPv4:
			p.l4, p.icmp = 1, d.upTo(s.icmp4.Contents, p.ip.end)
		case layers.LayerTypeICMPv6:
			p.l4, p.icmp = 58, d.upTo(s.icmp6.Contents, p.ip.end)
		}
	}
	if !p.ip.ok {
		return nil, 0
	}
	switch last {
	case layers.LayerTypeIPv4, layers.LayerTypeIPv6, layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Destination:
		var payload []byte
		var next gopacket.LayerType
		switch last {
		case layers.LayerTypeIPv4:
			payload, next = s.ip4.Payload, s.ip4.IPv4.NextLayerType()
		case layers.LayerTypeIPv6:
			payload, next = s.ip6.Payload, s.ip6.IPv6.NextLayerType()
		default:
			payload, next = s.ext6.Payload, s.ext6.IPv6ExtensionSkipper.NextLayerType()
		}
		if next == layers.LayerTypeIPv6Fragment || next == gopacket.LayerTypeFragment {
			p.ip.frag = true
			return nil, 0
		}
		if err != nil && p.ip.proto == 6 {
			// A TCP header cut by the snap length: gopacket filled the fixed
			// fields before failing on the options; Wireshark analyses such
			// a segment, so ktriage does too.
			if s.tcp.DataOffset >= 5 && len(payload) >= 20 {
				d.takeTCP(&s.tcp, p)
			}
			return nil, 0
		}
		if p.ip.frag {
			return nil, 0
		}
		return d.tunnel(p, payload)
	case layers.LayerTypeUDP:
		return d.udpTunnel(p, s.udp.Payload)
	}
	return nil, 0
}

// upTo returns the frame bytes from b's start to end, or to the end of what
// was captured. (cap(b) reaches into the reader's buffer beyond the frame,
// so the captured length bounds it, not the capacity.)
func (d *decoder) upTo(b []byte, end int) []byte {
	start := d.off(b)
	n := min(end, d.frameLen) - start
	return b[:max(n, len(b))]
}

func (d *decoder) takeTCP(t *layers.TCP, p *packet) {
	hdr := int(t.DataOffset) * 4
	var fl uint8
	if t.FIN {
		fl |= tcpFIN
	}
	if t.SYN {
		fl |= tcpSYN
	}
	if t.RST {
		fl |= tcpRST
	}
	if t.PSH {
		fl |= tcpPSH
	}
	if t.ACK {
		fl |= tcpACK
	}
	p.l4, p.sport, p.dport = 6, uint16(t.SrcPort), uint16(t.DstPort)
	p.tcp = tcpInfo{seq: t.Seq, ack: t.Ack, flags: fl, win: t.Window, hdrLen: hdr,
		seglen: p.ip.end - d.off(t.Contents) - hdr, sack: t.Options}
	if t.SYN {
		for _, o := range t.Options {
			if o.OptionType == layers.TCPOptionKindMSS && len(o.OptionData) == 2 {
				p.tcp.mss = binary.BigEndian.Uint16(o.OptionData)
			}
		}
	}
}

// tunnel recognises IP-in-IP and GRE and returns the carried packet.
func (d *decoder) tunnel(p *packet, payload []byte) ([]byte, gopacket.LayerType) {
	switch p.ip.proto {
	case 4:
		p.encap = encIPIP
		if p.ip.v6 {
			p.encap = encIP4in6
		}
		return payload, layerTypeRawIP
	case 41:
		p.encap = encIP6in4
		if p.ip.v6 {
			p.encap = encIP6in6
		}
		return payload, layerTypeRawIP
	case 47:
		return d.greTunnel(p, payload)
	}
	return nil, 0
}

// EtherTypes GRE carries that ktriage looks into.
const (
	etherTEB      = 0x6558 // transparent Ethernet bridging (gretap, NVGRE)
	etherPPP      = 0x880b // enhanced GRE (PPTP)
	etherERSPAN2  = 0x88be
	etherERSPAN3  = 0x22eb
	etherIPv4     = 0x0800
	etherIPv6     = 0x86dd
	pppProtoIPv4  = 0x0021
	pppProtoIPv6  = 0x0057
	vxlanPort     = 4789
	vxlanPortLnx  = 8472 // the Linux kernel's (and flannel's) default
	genevePort    = 6081
	vxlanHdrLen   = 8
	geneveHdrBase = 8
)

func (d *decoder) greTunnel(p *packet, payload []byte) ([]byte, gopacket.LayerType) {
	if d.gre.DecodeFromBytes(payload, gopacket.NilDecodeFeedback) != nil {
		return nil, 0
	}
	in := d.gre.Payload
	switch uint16(d.gre.Protocol) {
	case etherIPv4, etherIPv6:
		p.encap = encGRE
		return in, layerTypeRawIP
	case etherTEB:
		p.encap = encGRE
		return in, layers.LayerTypeEthernet
	case etherERSPAN2:
		// Type I has no ERSPAN header (and no GRE sequence number); type II
		// has an 8-byte one.
		if d.gre.SeqPresent {
			if len(in) < 8 {
				return nil, 0
			}
			in = in[8:]
		}
		p.encap = encGRE
		return in, layers.LayerTypeEthernet
	case etherERSPAN3:
		if len(in) < 12 {
			return nil, 0
		}
		hl := 12
		if in[11]&0x01 != 0 { // O bit: an 8-byte platform subheader follows
			hl += 8
		}
		if len(in) < hl {
			return nil, 0
		}
		p.encap = encGRE
		return in[hl:], layers.LayerTypeEthernet
	case etherPPP:
		if len(in) >= 2 && in[0] == 0xff && in[1] == 0x03 {
			in = in[2:]
		}
		var proto uint16
		switch {
		case len(in) >= 1 && in[0]&1 == 1: // protocol-field compression
			proto, in = uint16(in[0]), in[1:]
		case len(in) >= 2:
			proto, in = binary.BigEndian.Uint16(in), in[2:]
		default:
			return nil, 0
		}
		if proto == pppProtoIPv4 || proto == pppProtoIPv6 {
			p.encap = encGRE
			return in, layerTypeRawIP
		}
	}
	return nil, 0
}

// udpTunnel recognises VXLAN (4789 and the Linux/flannel 8472) and Geneve by
// destination port and a plausible header.
func (d *decoder) udpTunnel(p *packet, payload []byte) ([]byte, gopacket.LayerType) {
	switch p.dport {
	case vxlanPort, vxlanPortLnx:
		// The I flag must be set (a valid VNI); the reserved bits are not
		// checked because VXLAN-GPE and GBP reuse them.
		if len(payload) < vxlanHdrLen+14 || payload[0]&0x08 == 0 {
			return nil, 0
		}
		p.encap = encVXLAN
		return payload[vxlanHdrLen:], layers.LayerTypeEthernet
	case genevePort:
		if len(payload) < geneveHdrBase || payload[0]>>6 != 0 {
			return nil, 0
		}
		hl := geneveHdrBase + int(payload[0]&0x3f)*4
		if len(payload) < hl {
			return nil, 0
		}
		in := payload[hl:]
		switch binary.BigEndian.Uint16(payload[2:4]) {
		case etherTEB:
			p.encap = encGeneve
			return in, layers.LayerTypeEthernet
		case etherIPv4, etherIPv6:
			p.encap = encGeneve
			return in, layerTypeRawIP
		}
	}
	return nil, 0
}
