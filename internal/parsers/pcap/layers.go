package pcap

import (
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// The decoding layers below wrap gopacket's so that one DecodingLayerParser
// stops where ktriage takes over by hand: at an encapsulated IP packet (the
// parser would otherwise decode the inner IPv4 into the same struct and lose
// the outer header) and at a fragment (whose transport header is absent or
// whose length is unknown until reassembly).

// layerTypeRawIP is a pseudo layer for link types that carry bare IP: it
// picks IPv4 or IPv6 from the version nibble, so a raw link type still needs
// only one parser. It is never registered with gopacket (registration is a
// global that another package could also claim); the parser only uses the
// number as an index. gopacket's own layer types are 0-300 and 1010, so 999
// is free and keeps the sparse decoder table at a thousand entries.
const layerTypeRawIP = gopacket.LayerType(999)

type rawIP struct {
	version byte
	payload []byte
}

func (r *rawIP) CanDecode() gopacket.LayerClass    { return layerTypeRawIP }
func (r *rawIP) LayerPayload() []byte              { return r.payload }
func (r *rawIP) NextLayerType() gopacket.LayerType { return ipVersionLayer(r.version) }

func (r *rawIP) DecodeFromBytes(data []byte, _ gopacket.DecodeFeedback) error {
	r.payload = data
	r.version = 0
	if len(data) > 0 {
		r.version = data[0] >> 4
	}
	return nil
}

func ipVersionLayer(v byte) gopacket.LayerType {
	switch v {
	case 4:
		return layers.LayerTypeIPv4
	case 6:
		return layers.LayerTypeIPv6
	}
	return gopacket.LayerTypeZero
}

// isTunnelProto reports the IP protocols ktriage decapsulates itself.
func isTunnelProto(p layers.IPProtocol) bool {
	return p == layers.IPProtocolIPv4 || p == layers.IPProtocolIPv6 || p == layers.IPProtocolGRE
}

// ip4Layer stops the parser at fragments and tunnels.
type ip4Layer struct{ layers.IPv4 }

func (i *ip4Layer) isFragment() bool {
	return i.Flags&layers.IPv4MoreFragments != 0 || i.FragOffset != 0
}

func (i *ip4Layer) NextLayerType() gopacket.LayerType {
	if i.isFragment() || isTunnelProto(i.Protocol) {
		return gopacket.LayerTypeZero
	}
	return i.IPv4.NextLayerType()
}

// ip6Layer stops the parser at tunnels; extension headers go to ip6Ext.
type ip6Layer struct{ layers.IPv6 }

// proto is the next header after the hop-by-hop options gopacket folds in.
func (i *ip6Layer) proto() layers.IPProtocol {
	if i.HopByHop != nil {
		return i.HopByHop.NextHeader
	}
	return i.NextHeader
}

func (i *ip6Layer) NextLayerType() gopacket.LayerType {
	if isTunnelProto(i.proto()) {
		return gopacket.LayerTypeZero
	}
	return i.IPv6.NextLayerType()
}

// ip6Ext skips routing and destination-options headers. A fragment header
// is deliberately not decodable: the parser stops there, and the caller sees
// it through NextLayerType of the last decoded layer.
type ip6Ext struct{ layers.IPv6ExtensionSkipper }

var ip6ExtClass = gopacket.NewLayerClass([]gopacket.LayerType{
	layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Destination,
})

func (e *ip6Ext) CanDecode() gopacket.LayerClass { return ip6ExtClass }

func (e *ip6Ext) NextLayerType() gopacket.LayerType {
	if isTunnelProto(e.NextHeader) {
		return gopacket.LayerTypeZero
	}
	return e.IPv6ExtensionSkipper.NextLayerType()
}

// sll2Layer corrects one case of gopacket's LinuxSLL2: on an ip_gre
// device (ARPHRD_IPGRE, what "tcpdump -i any" records for a GRE tunnel)
// the payload is the carried IP packet and the protocol field says which;
// gopacket assumes Ethernet there.
type sll2Layer struct{ layers.LinuxSLL2 }

func (s *sll2Layer) NextLayerType() gopacket.LayerType {
	if s.ARPHardwareType == layers.ARPHardwareTypeIPGRE {
		switch s.ProtocolType {
		case layers.EthernetTypeIPv4, layers.EthernetTypeIPv6:
			return s.ProtocolType.LayerType()
		}
	}
	return s.LinuxSLL2.NextLayerType()
}

// layerSet holds one preallocated instance of every layer ktriage decodes.
// The outer and the inner (decapsulated) packet each get their own set so
// decoding the inner packet cannot overwrite the outer header.
type layerSet struct {
	eth   layers.Ethernet
	vlan  layers.Dot1Q
	sll   layers.LinuxSLL
	sll2  sll2Layer
	loop  layers.Loopback
	raw   rawIP
	ip4   ip4Layer
	ip6   ip6Layer
	ext6  ip6Ext
	tcp   layers.TCP
	udp   layers.UDP
	icmp4 layers.ICMPv4
	icmp6 layers.ICMPv6
}

// newParser builds the one DecodingLayerParser for a first layer. The sparse
// container indexes decoders by layer-type number: a slice load per layer
// instead of a map lookup on the hot path.
func (s *layerSet) newParser(first gopacket.LayerType, link gopacket.DecodingLayer) *gopacket.DecodingLayerParser {
	p := gopacket.NewDecodingLayerParser(first)
	p.SetDecodingLayerContainer(gopacket.DecodingLayerSparse(nil))
	for _, d := range []gopacket.DecodingLayer{link, &s.vlan, &s.raw, &s.ip4, &s.ip6, &s.ext6, &s.tcp, &s.udp, &s.icmp4, &s.icmp6} {
		p.AddDecodingLayer(d)
	}
	p.IgnoreUnsupported = true
	return p
}

// linkParser returns the parser for a capture link type, or nil when
// ktriage does not read that link type.
func (s *layerSet) linkParser(lt layers.LinkType) *gopacket.DecodingLayerParser {
	switch lt {
	case layers.LinkTypeEthernet:
		return s.newParser(layers.LayerTypeEthernet, &s.eth)
	case layers.LinkTypeLinuxSLL:
		return s.newParser(layers.LayerTypeLinuxSLL, &s.sll)
	case layers.LinkTypeLinuxSLL2:
		return s.newParser(layers.LayerTypeLinuxSLL2, &s.sll2)
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return s.newParser(layers.LayerTypeLoopback, &s.loop)
	case layers.LinkTypeRaw, linkTypeRawBSD, linkTypeRawOpenBSD, layers.LinkTypeIPv4, layers.LinkTypeIPv6:
		return s.newParser(layerTypeRawIP, &s.raw)
	}
	return nil
}

// DLT_RAW is 12 on most BSDs and 14 on OpenBSD; pcap files written there
// carry the DLT value rather than LINKTYPE_RAW (101).
const (
	linkTypeRawBSD     layers.LinkType = 12
	linkTypeRawOpenBSD layers.LinkType = 14
)

func linkTypeName(lt layers.LinkType) string {
	switch lt {
	case layers.LinkTypeEthernet:
		return "Ethernet"
	case layers.LinkTypeLinuxSLL:
		return "Linux cooked (SLL)"
	case layers.LinkTypeLinuxSLL2:
		return "Linux cooked v2 (SLL2)"
	case layers.LinkTypeNull:
		return "Null/Loopback"
	case layers.LinkTypeLoop:
		return "OpenBSD loopback"
	case layers.LinkTypeRaw, linkTypeRawBSD, linkTypeRawOpenBSD:
		return "Raw IP"
	case layers.LinkTypeIPv4:
		return "Raw IPv4"
	case layers.LinkTypeIPv6:
		return "Raw IPv6"
	}
	return "linktype " + itoa(int64(lt))
}
