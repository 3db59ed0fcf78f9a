package pcapgen

import (
	"encoding/binary"
	"fmt"
)

// zeros is every payload: its bytes add nothing to a checksum, so only the
// headers are summed and the payload is written straight from here.
var zeros [65536]byte

var router = [4]byte{10, 255, 255, 1}

// emit serialises one step of f as an Ethernet frame and writes its record.
func (g *gen) emit(f *flow, s *step) error {
	b := g.frame[:0]
	b = append(b, 0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00) // Ethernet, IPv4
	src, dst := f.cli, f.srv
	sp, dp := f.cport, f.sport
	if s.dir == 1 {
		src, dst, sp, dp = dst, src, dp, sp
	}
	inner := g.innerLen(s)
	switch f.encap {
	case encIPIP:
		osrc, odst := f.ocli, f.osrv
		if s.dir == 1 {
			osrc, odst = odst, osrc
		}
		b = ipv4(b, osrc, odst, 4, 20+inner, f.nextID(), s.df)
	case encVXLAN4789, encVXLAN8472:
		osrc, odst := f.ocli, f.osrv
		if s.dir == 1 {
			osrc, odst = odst, osrc
		}
		port := uint16(8472)
		if f.encap == encVXLAN4789 {
			port = 4789
		}
		udpLen := 8 + 8 + 14 + inner
		b = ipv4(b, osrc, odst, 17, 20+udpLen, f.nextID(), false)
		b = binary.BigEndian.AppendUint16(b, f.udpSport)
		b = binary.BigEndian.AppendUint16(b, port)
		b = binary.BigEndian.AppendUint16(b, uint16(udpLen))
		b = append(b, 0, 0)                         // no UDP checksum (allowed over IPv4)
		b = append(b, 0x08, 0, 0, 0, 0, 0, 0x01, 0) // VXLAN, VNI 1
		b = append(b, 0x0a, 0x58, 0, 0, 0, 2, 0x0a, 0x58, 0, 0, 0, 1, 0x08, 0x00)
	}
	switch s.proto {
	case 6:
		b = g.tcp(b, f, s, src, dst, sp, dp)
	case 17:
		b = ipv4(b, src, dst, 17, 20+8+int(s.plen), f.nextID(), false)
		b = binary.BigEndian.AppendUint16(b, sp)
		b = binary.BigEndian.AppendUint16(b, dp)
		b = binary.BigEndian.AppendUint16(b, 8+s.plen)
		b = append(b, 0, 0)
	case 1:
		b = g.fragNeeded(b, f, s)
	default:
		return fmt.Errorf("step with protocol %d", s.proto)
	}
	g.count(f, s)
	return g.record(b, int(s.plen))
}

// count adds what a written step planted to the stats, so they describe the
// file even when it ends with flows still open.
func (g *gen) count(f *flow, s *step) {
	st := &g.st
	if s.mark&markFirst != 0 {
		st.Flows++
		switch f.kind {
		case kindUnanswered:
			st.UnansweredSYNFlows++
		case kindRefused:
			st.RefusedFlows++
		case kindUDP:
			st.UDPFlows++
		}
		switch f.encap {
		case encIPIP:
			st.IPIPFlows++
		case encVXLAN4789, encVXLAN8472:
			st.VXLANFlows++
		}
	}
	if s.mark&markRetrans != 0 {
		st.Retransmissions++
	}
	if s.mark&markFast != 0 {
		st.FastRetransmissions++
	}
	if s.mark&markSYNRetrans != 0 {
		st.SYNRetransmissions++
	}
	if s.mark&markFragNeeded != 0 {
		st.FragNeeded++
	}
}

// innerLen is the IP length of the packet a step describes.
func (g *gen) innerLen(s *step) int {
	switch s.proto {
	case 6:
		n := 20 + 20 + int(s.plen)
		if s.mss != 0 {
			n += 4
		}
		return n
	case 17:
		return 20 + 8 + int(s.plen)
	}
	return 20 + 8 + 28
}

func (f *flow) nextID() uint16 { f.ipid++; return f.ipid }

func (g *gen) tcp(b []byte, f *flow, s *step, src, dst [4]byte, sp, dp uint16) []byte {
	hl := 20
	if s.mss != 0 {
		hl += 4
	}
	b = ipv4(b, src, dst, 6, 20+hl+int(s.plen), f.nextID(), s.df)
	start := len(b)
	win := uint16(cliWin)
	if s.dir == 1 {
		win = srvWin
	}
	b = binary.BigEndian.AppendUint16(b, sp)
	b = binary.BigEndian.AppendUint16(b, dp)
	b = binary.BigEndian.AppendUint32(b, s.seq)
	b = binary.BigEndian.AppendUint32(b, s.ack)
	b = append(b, byte(hl/4)<<4, s.flags)
	b = binary.BigEndian.AppendUint16(b, win)
	b = append(b, 0, 0, 0, 0) // checksum, urgent pointer
	if s.mss != 0 {
		b = append(b, 2, 4)
		b = binary.BigEndian.AppendUint16(b, s.mss)
	}
	// Pseudo-header plus header; the zero payload adds nothing.
	sum := sum16(src[:]) + sum16(dst[:]) + 6 + uint32(hl+int(s.plen)) + sum16(b[start:])
	binary.BigEndian.PutUint16(b[start+16:], ^fold(sum))
	return b
}

// fragNeeded is ICMP type 3 code 4 from the router to the server, quoting
// the server's full-sized segment.
func (g *gen) fragNeeded(b []byte, f *flow, s *step) []byte {
	b = ipv4(b, router, f.srv, 1, 20+8+28, f.nextID(), false)
	start := len(b)
	b = append(b, 3, 4, 0, 0, 0, 0)
	b = binary.BigEndian.AppendUint16(b, s.mtu)
	b = ipv4(b, f.srv, f.cli, 6, 20+20+mss, f.ipid, true)
	b = binary.BigEndian.AppendUint16(b, f.sport)
	b = binary.BigEndian.AppendUint16(b, f.cport)
	b = binary.BigEndian.AppendUint32(b, s.seq)
	binary.BigEndian.PutUint16(b[start+2:], ^fold(sum16(b[start:])))
	return b
}

func ipv4(b []byte, src, dst [4]byte, proto uint8, total int, id uint16, df bool) []byte {
	start := len(b)
	var flags byte
	if df {
		flags = 0x40
	}
	b = append(b, 0x45, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(total))
	b = binary.BigEndian.AppendUint16(b, id)
	b = append(b, flags, 0, 64, proto, 0, 0)
	b = append(b, src[:]...)
	b = append(b, dst[:]...)
	binary.BigEndian.PutUint16(b[start+10:], ^fold(sum16(b[start:])))
	return b
}

func sum16(b []byte) uint32 {
	var s uint32
	for len(b) >= 2 {
		s += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	return s
}

func fold(s uint32) uint16 {
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

// record writes the pcap record header, the headers and the zero payload.
func (g *gen) record(hdr []byte, payload int) error {
	n := len(hdr) + payload
	var rh [16]byte
	binary.LittleEndian.PutUint32(rh[0:], uint32(g.now/1e9))
	binary.LittleEndian.PutUint32(rh[4:], uint32(g.now%1e9))
	binary.LittleEndian.PutUint32(rh[8:], uint32(n))
	binary.LittleEndian.PutUint32(rh[12:], uint32(n))
	g.w.Write(rh[:])
	g.w.Write(hdr)
	if _, err := g.w.Write(zeros[:payload]); err != nil {
		return fmt.Errorf("write capture: %w", err)
	}
	g.st.Packets++
	g.st.Bytes += int64(16 + n)
	return nil
}
