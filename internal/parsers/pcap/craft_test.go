package pcap

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// craft builds small Ethernet/IPv4 captures for tests: every frame is
// written by hand so each test states exactly what it feeds the analysis.
type craft struct {
	t   testing.TB
	buf bytes.Buffer
	w   *pcapgo.Writer
	now time.Time
}

func newCraft(t testing.TB) *craft {
	c := &craft{t: t, now: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)}
	c.w = pcapgo.NewWriterNanos(&c.buf)
	if err := c.w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	return c
}

// seg describes one TCP segment.
type seg struct {
	src, dst string // "ip:port"
	flags    uint8
	seq, ack uint32
	payload  int
	mss      uint16
	sack     [][2]uint32
	df       bool
	zeroWin  bool       // advertise a zero window (otherwise 502)
	at       durationNS // time since the previous frame, in nanoseconds
}

// durationNS keeps scenario literals short: 100 * ms rather than
// 100 * time.Millisecond.
type durationNS int64

func (c *craft) advance(d durationNS) { c.now = c.now.Add(time.Duration(d)) }

func (c *craft) tcp(s seg) *craft {
	c.advance(s.at)
	src, dst := netip.MustParseAddrPort(s.src), netip.MustParseAddrPort(s.dst)
	var opts []layers.TCPOption
	if s.mss != 0 {
		b := make([]byte, 2)
		binary.BigEndian.PutUint16(b, s.mss)
		opts = append(opts, layers.TCPOption{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: b})
	}
	if len(s.sack) > 0 {
		var b []byte
		for _, r := range s.sack {
			b = binary.BigEndian.AppendUint32(b, r[0])
			b = binary.BigEndian.AppendUint32(b, r[1])
		}
		opts = append(opts, layers.TCPOption{OptionType: layers.TCPOptionKindNop, OptionLength: 1},
			layers.TCPOption{OptionType: layers.TCPOptionKindNop, OptionLength: 1},
			layers.TCPOption{OptionType: layers.TCPOptionKindSACK, OptionLength: uint8(2 + len(b)), OptionData: b})
	}
	win := uint16(502)
	if s.zeroWin {
		win = 0
	}
	t := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: s.seq, Ack: s.ack,
		FIN: s.flags&tcpFIN != 0, SYN: s.flags&tcpSYN != 0, RST: s.flags&tcpRST != 0, PSH: s.flags&tcpPSH != 0,
		ACK: s.flags&tcpACK != 0, Window: win, Options: opts}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
	if s.df {
		ip.Flags = layers.IPv4DontFragment
	}
	t.SetNetworkLayerForChecksum(ip)
	c.write(ip, t, gopacket.Payload(make([]byte, s.payload)))
	return c
}

// write writes layers under an Ethernet header.
func (c *craft) write(ls ...gopacket.SerializableLayer) {
	eth := &layers.Ethernet{SrcMAC: []byte{2, 0, 0, 0, 0, 1}, DstMAC: []byte{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	buf := gopacket.NewSerializeBuffer()
	all := append([]gopacket.SerializableLayer{eth}, ls...)
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, all...); err != nil {
		c.t.Fatal(err)
	}
	data := buf.Bytes()
	if err := c.w.WritePacket(gopacket.CaptureInfo{Timestamp: c.now, CaptureLength: len(data), Length: len(data)}, data); err != nil {
		c.t.Fatal(err)
	}
}
