package pcap

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// flowTo finds the document's flow to a destination port.
func flowTo(t *testing.T, doc captureDoc, port uint16, retransmitting bool) flowDoc {
	t.Helper()
	for _, f := range doc.Flows {
		if f.DstPort == port && (!retransmitting || f.Retrans > 0) {
			return f
		}
	}
	t.Fatalf("no flow to port %d in %+v", port, doc.Flows)
	return flowDoc{}
}

// The path-MTU signature on a real black hole: large segments retransmitted
// and never delivered, small ones delivered, on the overlay device and
// (after decapsulation) on the underlay.
func TestMTUBlackHole(t *testing.T) {
	for _, name := range []string{"mtu-blackhole-overlay.pcap", "mtu-blackhole-underlay.pcap"} {
		r := analyzeFile(t, generated(name), Capture{})
		f := flowTo(t, r.doc, 8080, true)
		if f.DataSide != "dst" || f.MaxDeliv != 203 || f.MinRetr != 1398 || f.LargeRetr != 4 || f.LargeAck {
			t.Errorf("%s: data_sender=%s max_delivered=%d min_retransmitted=%d large=%d acked=%v",
				name, f.DataSide, f.MaxDeliv, f.MinRetr, f.LargeRetr, f.LargeAck)
		}
		if f.Retrans != 4 || !slices.Equal(f.RetrFrms, retransFrames(r, 4)) || f.MSS != (mssDoc{1410, 1410}) {
			t.Errorf("%s: retransmissions=%d frames=%v mss=%+v", name, f.Retrans, f.RetrFrms, f.MSS)
		}
		if f.DstToSrc.DFMaxSize != 1450 {
			t.Errorf("%s: DF max %d, want 1450", name, f.DstToSrc.DFMaxSize)
		}
		if strings.Contains(name, "underlay") {
			if f.Encap == nil || *f.Encap != (encDoc{Kind: "vxlan", OuterSrc: "10.99.2.2", OuterDst: "10.99.1.1", OuterSizeMax: 1500}) {
				t.Errorf("%s: encapsulation %+v", name, f.Encap)
			}
			if num(t, r.doc.Summary, "df_max_size") != 1500 {
				t.Errorf("%s: outer DF max %d", name, num(t, r.doc.Summary, "df_max_size"))
			}
		}
	}
	for _, name := range []string{"mtu-ok-overlay.pcap", "mtu-ok-underlay.pcap"} {
		r := analyzeFile(t, generated(name), Capture{})
		if n := num(t, r.doc.Summary, "retransmissions"); n != 0 {
			t.Errorf("%s: %d retransmissions in the healthy twin", name, n)
		}
		var maxDelivered uint32
		for _, f := range r.doc.Flows {
			if f.LargeRetr != 0 {
				t.Errorf("%s: %+v", name, f)
			}
			if f.DstPort == 8080 {
				maxDelivered = max(maxDelivered, f.DstToSrc.MaxDelivered)
			}
		}
		if maxDelivered != 1398 {
			t.Errorf("%s: max delivered %d, want full-sized 1398", name, maxDelivered)
		}
	}
}

// retransFrames are the frames the analysis flagged, in order (at most n).
func retransFrames(r analysis, n int) []uint32 {
	var out []uint32
	for _, f := range r.doc.Flows {
		out = append(out, f.RetrFrms...)
	}
	slices.Sort(out)
	return out[:min(n, len(out))]
}

// A listen queue that overflows: SYNs retransmitted 1 s, 2 s, 4 s apart and
// never answered; the healthy twin (a pcapng from dumpcap) answers all.
func TestListenOverflow(t *testing.T) {
	r := analyzeFile(t, generated("listen-overflow-syn-retrans.pcap"), Capture{})
	s := r.doc.Summary
	if num(t, s, "syn_unanswered") != 1 || num(t, s, "syn_unanswered_attempts") != 4 || num(t, s, "syn_retransmissions") != 12 || num(t, s, "retransmissions") != 12 {
		t.Fatalf("summary %v", s)
	}
	if len(r.doc.SynUnanswered) != 1 {
		t.Fatalf("syn_unanswered %+v", r.doc.SynUnanswered)
	}
	u := r.doc.SynUnanswered[0]
	if u.Server != "10.99.4.2" || u.Port != 9000 || u.Client != "10.99.4.1" || u.Attempts != 6 || u.UnansweredAttempts != 4 || u.AnsweredAttempts != 2 {
		t.Errorf("target %+v", u)
	}
	want := []float64{1, 2, 4}
	if len(u.Intervals) != len(want) || len(u.SYNFrames) != 4 {
		t.Fatalf("intervals %v frames %v", u.Intervals, u.SYNFrames)
	}
	for i, w := range want {
		if math.Abs(u.Intervals[i]-w) > 0.1 {
			t.Errorf("interval %d = %v s, want ≈ %v s", i, u.Intervals[i], w)
		}
	}

	ok := analyzeFile(t, generated("listen-ok.pcapng"), Capture{})
	if ok.doc.Format != "pcapng" || !slices.Equal(ok.doc.Interfaces, []string{"ktp-c0"}) {
		t.Errorf("format %s interfaces %v", ok.doc.Format, ok.doc.Interfaces)
	}
	if num(t, ok.doc.Summary, "syn_attempts") != 6 || num(t, ok.doc.Summary, "syn_unanswered") != 0 || num(t, ok.doc.Summary, "retransmissions") != 0 {
		t.Errorf("healthy listener: %v", ok.doc.Summary)
	}
}

// "No route to host": the router's ICMP host unreachable for an address
// that no longer exists, on a "tcpdump -i any" (SLL2) capture.
func TestHostUnreachable(t *testing.T) {
	r := analyzeFile(t, generated("host-unreachable.pcap"), Capture{})
	s := r.doc.Summary
	if num(t, s, "icmp_unreachable") != 3 || num(t, s, "syn_icmp_unreachable") != 1 || num(t, s, "syn_unanswered") != 0 {
		t.Errorf("summary %v", s)
	}
	if !slices.Equal(r.doc.LinkTypes, []string{"Linux cooked v2 (SLL2)"}) {
		t.Errorf("link types %v", r.doc.LinkTypes)
	}
	if len(r.doc.ICMPUnreachable) != 3 {
		t.Fatalf("%+v", r.doc.ICMPUnreachable)
	}
	u := r.doc.ICMPUnreachable[0]
	if u.Frame != 4 || u.From != "10.99.5.254" || u.To != "10.99.5.1" || u.Code != 1 || u.CodeName != "host unreachable" ||
		u.UnreachableDst != "10.99.6.77" || u.DstCount != 3 || u.Proto != 6 || u.Port != 8080 || u.Version != 4 {
		t.Errorf("%+v", u)
	}
	if !strings.HasPrefix(u.Time, "20") || u.Rel < 3 || u.Rel > 3.2 {
		t.Errorf("time %s rel %v", u.Time, u.Rel)
	}
	ok := analyzeFile(t, generated("host-reachable.pcap"), Capture{})
	if num(t, ok.doc.Summary, "icmp_unreachable") != 0 || num(t, ok.doc.Summary, "retransmissions") != 0 {
		t.Errorf("healthy: %v", ok.doc.Summary)
	}
}

func TestFragNeededMTU1492(t *testing.T) {
	r := analyzeFile(t, realworld("zeek-smtp-icmp-frag-needed-mtu1492.pcap"), Capture{})
	if n := num(t, r.doc.Summary, "icmp_frag_needed"); n != 4 || num(t, r.doc.Summary, "icmp_min_mtu") != 1492 {
		t.Fatalf("summary %v", r.doc.Summary)
	}
	want := []uint32{26, 28, 29, 30}
	for i, f := range r.doc.ICMPFragNeeded {
		if f.Frame != want[i] || f.MTU != 1492 || f.From != "192.168.1.1" || f.Type != "fragmentation-needed" ||
			f.InnerSrc != "10.10.1.4" || f.InnerDst != "74.53.140.153" || f.InnerProto != 6 || f.InnerSport != 1470 || f.InnerDport != 25 {
			t.Errorf("%+v", f)
		}
	}
	// The sender re-segmented to fit: what it retransmitted (1452) is not
	// larger than what got through, so this is PMTU discovery working.
	f := flowTo(t, r.doc, 25, true)
	if f.MaxDeliv != 1452 || f.MinRetr != 1452 || f.LargeRetr != 0 || f.MSS != (mssDoc{1460, 1460}) {
		t.Errorf("%+v", f)
	}
}

func TestPacketTooBig(t *testing.T) {
	r := analyzeFile(t, realworld("zeek-icmp6-packet-too-big-mtu1280.pcap"), Capture{})
	if len(r.doc.ICMPFragNeeded) != 1 {
		t.Fatalf("%+v", r.doc.ICMPFragNeeded)
	}
	f := r.doc.ICMPFragNeeded[0]
	if f.MTU != 1280 || f.Version != 6 || f.Type != "packet-too-big" || f.InnerProto != 17 || !strings.Contains(f.InnerDst, ":") {
		t.Errorf("%+v", f)
	}
	if num(t, r.doc.Summary, "icmp6_packet_too_big") != 1 {
		t.Errorf("%v", r.doc.Summary)
	}
	// Inside a 6in4 tunnel: ICMPv6 packet too big (frame 45) and an
	// address unreachable.
	r = analyzeFile(t, realworld("ndpi-6in4tunnel-icmpv6-too-big.pcap"), Capture{})
	if len(r.doc.ICMPFragNeeded) != 1 || r.doc.ICMPFragNeeded[0].Frame != 45 || num(t, r.doc.Summary, "encapsulated_packets") != 127 {
		t.Errorf("%+v %v", r.doc.ICMPFragNeeded, r.doc.Summary)
	}
}

func TestUnreachableCodes(t *testing.T) {
	// A DNS answer to a client port that had closed: the client's host
	// says port unreachable, quoting the answer.
	cases := []struct {
		file, code, dst string
		port, sport     uint16
	}{
		{"zeek-icmp-destunreach-port-unreachable.pcap", "port unreachable", "192.168.1.102", 59207, 53},
		{"zeek-icmp-destunreach-net-unreachable.pcap", "net unreachable", "", 0, 0},
	}
	for _, c := range cases {
		r := analyzeFile(t, realworld(c.file), Capture{})
		if len(r.doc.ICMPUnreachable) != 1 {
			t.Fatalf("%s: %+v", c.file, r.doc.ICMPUnreachable)
		}
		u := r.doc.ICMPUnreachable[0]
		if u.CodeName != c.code || u.Port != c.port || u.SrcPort != c.sport || (c.dst != "" && u.UnreachableDst != c.dst) {
			t.Errorf("%s: %+v", c.file, u)
		}
	}
	r := analyzeFile(t, realworld("zeek-icmp-time-exceeded.pcap"), Capture{})
	if num(t, r.doc.Summary, "icmp_time_exceeded") != 1 || num(t, r.doc.Summary, "icmp_unreachable") != 0 {
		t.Errorf("%v", r.doc.Summary)
	}
}

// Tunnels are opened and the inner flow analysed.
func TestDecapsulation(t *testing.T) {
	cases := []struct {
		file    string
		kind    string
		packets int64
		inner   string // an inner address that must head a flow
	}{
		{"tcpdump-vxlan-port-8472-flannel-style.pcap", "vxlan", 8, "192.168.203.3"},
		{"tcpdump-vxlan-4789.pcap", "vxlan", 8, "192.168.203.3"},
		{"zeek-tunnels-vxlan-encapsulated-http.pcap", "vxlan", 12, "172.16.11.201"},
		{"ndpi-vxlan.pcap", "vxlan", 127, ""},
		{"tcpdump-geneve.pcap", "geneve", 39, "30.0.0.1"},
		{"zeek-tunnels-gre-sample.pcap", "gre", 40, ""},
		{"zeek-tunnels-4in4-ipip.pcap", "ipip", 1, "10.0.0.1"},
		{"ndpi-4in4tunnel-ipip.pcap", "ipip", 5, "10.10.100.25"},
		{"ndpi-6in4tunnel-icmpv6-too-big.pcap", "ip6in4", 127, ""},
		{"ndpi-gre-multi-interface.pcapng", "gre", 1, ""},
	}
	for _, c := range cases {
		r := analyzeFile(t, realworld(c.file), Capture{})
		enc, _ := r.doc.Summary["encapsulated"].(map[string]uint64)
		if int64(enc[c.kind]) != c.packets {
			t.Errorf("%s: encapsulated %v, want %d %s", c.file, enc, c.packets, c.kind)
		}
		found := c.inner == ""
		for _, f := range r.doc.Flows {
			if f.Encap == nil || f.Encap.Kind != c.kind {
				continue
			}
			if f.SrcIP == c.inner || f.DstIP == c.inner {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no %s flow with inner address %s: %+v", c.file, c.kind, c.inner, r.doc.Flows)
		}
	}
	// Geneve carries SSH between the inner hosts: the TCP flow is analysed.
	r := analyzeFile(t, realworld("tcpdump-geneve.pcap"), Capture{})
	if num(t, r.doc.Summary, "tcp_packets") == 0 {
		t.Errorf("no inner TCP in %v", r.doc.Summary)
	}
}

func TestLinkTypesAndInterfaces(t *testing.T) {
	cases := []struct {
		file   string
		links  []string
		format string
		ifs    int
	}{
		{"zeek-linux-dlt-sll2.pcap", []string{"Linux cooked v2 (SLL2)"}, "pcap", 0},
		{"tcpdump-linux-sll-redis-benchmark.pcap", []string{"Linux cooked (SLL)"}, "pcap", 0},
		{"tcpdump-tcp-handshake-nanosecond.pcap", []string{"Linux cooked (SLL)"}, "pcap", 0},
		{"ndpi-gre-multi-interface.pcapng", []string{"Ethernet"}, "pcapng", 9},
		{"ndpi-conncheck-rto-retransmissions.pcap", []string{"Ethernet"}, "pcapng", 1},
	}
	for _, c := range cases {
		r := analyzeFile(t, realworld(c.file), Capture{})
		if !slices.Equal(r.doc.LinkTypes, c.links) || r.doc.Format != c.format || len(r.doc.Interfaces) != c.ifs {
			t.Errorf("%s: %v %s %v", c.file, r.doc.LinkTypes, r.doc.Format, r.doc.Interfaces)
		}
		if num(t, r.doc.Summary, "unsupported_link_packets") != 0 {
			t.Errorf("%s: %v", c.file, r.doc.Summary)
		}
	}
	// SLL2 carries ICMP and ICMPv6 echo (analysed) and ARP/RARP (not IP).
	r := analyzeFile(t, realworld("zeek-linux-dlt-sll2.pcap"), Capture{})
	if num(t, r.doc.Summary, "icmp_packets") != 4 || num(t, r.doc.Summary, "non_ip_packets") != 2 {
		t.Errorf("%v", r.doc.Summary)
	}
	// Nanosecond timestamps survive into the evidence.
	r = analyzeFile(t, realworld("tcpdump-tcp-handshake-nanosecond.pcap"), Capture{})
	if first, _ := r.doc.Summary["first"].(string); len(first) < len("2006-01-02T15:04:05.000000001Z") {
		t.Errorf("first = %q", first)
	}
	if f := r.doc.Flows[0]; f.MSS != (mssDoc{1360, 1440}) && f.MSS != (mssDoc{1440, 1360}) {
		t.Errorf("mss %+v", f.MSS)
	}
}

func TestClosedPorts(t *testing.T) {
	r := analyzeFile(t, realworld("ndpi-synscan-1994-syns.pcap"), Capture{})
	s := r.doc.Summary
	if num(t, s, "syn_attempts") != 1994 || num(t, s, "syn_rst") != 5 || num(t, s, "syn_unanswered") != 0 {
		t.Errorf("%v", s)
	}
	if len(r.doc.SynRST) != 4 || r.doc.SynRST[0].Port != 113 || r.doc.SynRST[0].Attempts != 2 || r.doc.SynRST[0].Server != "64.13.134.52" {
		t.Errorf("%+v", r.doc.SynRST)
	}
}

func TestZeroWindowAndDF(t *testing.T) {
	c := newCraft(t)
	cl, sv := "10.0.0.1:40000", "10.0.0.2:80"
	c.tcp(seg{src: cl, dst: sv, flags: tcpSYN, seq: 100, mss: 1460, df: true})
	c.tcp(seg{src: sv, dst: cl, flags: tcpSYN | tcpACK, seq: 900, ack: 101, mss: 1400, df: true, at: ms})
	c.tcp(seg{src: cl, dst: sv, flags: tcpACK, seq: 101, ack: 901, df: true, at: ms})
	c.tcp(seg{src: sv, dst: cl, flags: tcpACK, seq: 901, ack: 101, payload: 1360, df: true, at: ms})
	c.tcp(seg{src: cl, dst: sv, flags: tcpACK, zeroWin: true, seq: 101, ack: 2261, df: true, at: ms}) // zero window
	c.tcp(seg{src: sv, dst: cl, flags: tcpACK, seq: 2261, ack: 101, payload: 1, df: true, at: 200 * ms})
	c.tcp(seg{src: cl, dst: sv, flags: tcpACK, zeroWin: true, seq: 101, ack: 2261, df: true, at: ms})
	r := analyzeBytes(t, c.buf.Bytes(), "zw.pcap", Capture{})
	s := r.doc.Summary
	if num(t, s, "zero_windows") != 2 || num(t, s, "retransmissions") != 0 || num(t, s, "df_max_size") != 1400 {
		t.Errorf("%v", s)
	}
	f := r.doc.Flows[0]
	if f.ZeroWins != 2 || f.SrcToDst.ZeroWindowFrame != 5 || f.MSS != (mssDoc{1460, 1400}) || f.DstToSrc.DFMaxSize != 1400 || f.DstToSrc.DFMaxFrame != 4 {
		t.Errorf("%+v", f)
	}
	if len(r.doc.DFMax) != 2 || r.doc.DFMax[0].Size != 1400 || r.doc.DFMax[0].Src != "10.0.0.2:80" {
		t.Errorf("%+v", r.doc.DFMax)
	}
	var hist int64
	for _, b := range r.doc.SizeHistogram {
		hist += int64(b.Packets)
		if b.Bucket == "1281-1400" && (b.Packets != 1 || b.DFPackets != 1) {
			t.Errorf("%+v", b)
		}
	}
	if hist != 7 {
		t.Errorf("histogram holds %d packets", hist)
	}
}

// Delivery counts SACKed segments: the tail of a window can be delivered
// while a hole before it is not.
func TestDeliveryBySACK(t *testing.T) {
	c := newCraft(t)
	cl, sv := "10.0.0.1:40000", "10.0.0.2:80"
	c.tcp(seg{src: cl, dst: sv, flags: tcpSYN, seq: 100})
	c.tcp(seg{src: sv, dst: cl, flags: tcpSYN | tcpACK, seq: 1000, ack: 101, at: ms})
	c.tcp(seg{src: cl, dst: sv, flags: tcpACK, seq: 101, ack: 1001, at: ms})
	c.tcp(seg{src: sv, dst: cl, flags: tcpACK, seq: 1001, ack: 101, payload: 1400, at: ms}) // lost
	c.tcp(seg{src: sv, dst: cl, flags: tcpACK, seq: 2401, ack: 101, payload: 300, at: ms})
	c.tcp(seg{src: cl, dst: sv, flags: tcpACK, seq: 101, ack: 1001, sack: [][2]uint32{{2401, 2701}}, at: ms})
	c.tcp(seg{src: sv, dst: cl, flags: tcpACK, seq: 1001, ack: 101, payload: 1400, at: 300 * ms}) // RTO
	r := analyzeBytes(t, c.buf.Bytes(), "sack.pcap", Capture{})
	f := r.doc.Flows[0]
	if f.Retrans != 1 || f.MaxDeliv != 300 || f.MinRetr != 1400 || f.LargeRetr != 1 || f.LargeAck || f.DataSide != "dst" {
		t.Errorf("%+v", f)
	}
}

const ms durationNS = 1_000_000

// "tcpdump -i any" on a host with an ip_gre tunnel records the tunnel's
// frames as SLL2 with ARPHRD_IPGRE: the payload is the carried IP packet.
func TestSLL2OverIPGRE(t *testing.T) {
	var buf bytes.Buffer
	w := pcapgo.NewWriterNanos(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeLinuxSLL2); err != nil {
		t.Fatal(err)
	}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: []byte{10, 0, 0, 1}, DstIP: []byte{10, 0, 0, 2}}
	tcp := &layers.TCP{SrcPort: 40000, DstPort: 80, Seq: 1, SYN: true, Window: 1000}
	tcp.SetNetworkLayerForChecksum(ip)
	sb := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(sb, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip, tcp); err != nil {
		t.Fatal(err)
	}
	hdr := make([]byte, 20)
	binary.BigEndian.PutUint16(hdr[0:], uint16(layers.EthernetTypeIPv4))
	binary.BigEndian.PutUint32(hdr[4:], 7)
	binary.BigEndian.PutUint16(hdr[8:], uint16(layers.ARPHardwareTypeIPGRE))
	frame := append(hdr, sb.Bytes()...)
	if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: time.Unix(1e9, 0), CaptureLength: len(frame), Length: len(frame)}, frame); err != nil {
		t.Fatal(err)
	}
	r := analyzeBytes(t, buf.Bytes(), "gre-any.pcap", Capture{})
	if num(t, r.doc.Summary, "tcp_packets") != 1 || num(t, r.doc.Summary, "syn_attempts") != 1 {
		t.Errorf("%v", r.doc.Summary)
	}
}
