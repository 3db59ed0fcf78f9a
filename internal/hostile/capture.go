package hostile

import "encoding/binary"

// frames is a TCP handshake and a few data segments between two pod
// addresses, as Ethernet frames: enough for the capture parser to find a
// flow before the damage.
func frames() [][]byte {
	a, b := [4]byte{10, 244, 1, 5}, [4]byte{10, 244, 2, 7}
	type seg struct {
		from, to     [4]byte
		sport, dport uint16
		seq, ack     uint32
		flags        byte
		payload      int
	}
	segs := []seg{
		{a, b, 40000, 8080, 1000, 0, 0x02, 0},
		{b, a, 8080, 40000, 5000, 1001, 0x12, 0},
		{a, b, 40000, 8080, 1001, 5001, 0x10, 0},
		{a, b, 40000, 8080, 1001, 5001, 0x18, 100},
		{b, a, 8080, 40000, 5001, 1101, 0x18, 200},
		{a, b, 40000, 8080, 1101, 5201, 0x10, 0},
	}
	var out [][]byte
	for _, s := range segs {
		f := []byte{0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00}
		ipLen := 20 + 20 + s.payload
		ip := []byte{0x45, 0, byte(ipLen >> 8), byte(ipLen), 0, 1, 0x40, 0, 64, 6, 0, 0}
		ip = append(append(ip, s.from[:]...), s.to[:]...)
		binary.BigEndian.PutUint16(ip[10:], ipChecksum(ip))
		f = append(f, ip...)
		tcp := binary.BigEndian.AppendUint16(nil, s.sport)
		tcp = binary.BigEndian.AppendUint16(tcp, s.dport)
		tcp = binary.BigEndian.AppendUint32(tcp, s.seq)
		tcp = binary.BigEndian.AppendUint32(tcp, s.ack)
		tcp = append(tcp, 0x50, s.flags, 0xfa, 0xf0, 0, 0, 0, 0)
		f = append(f, tcp...)
		f = append(f, make([]byte, s.payload)...)
		out = append(out, f)
	}
	return out
}

func ipChecksum(h []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		sum += uint32(h[i])<<8 | uint32(h[i+1])
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// pcapFile is a little-endian microsecond pcap of the frames; snaplen is
// the header's (0: 65535). recordAt returns where each record starts.
func pcapFile(snaplen uint32) (file []byte, recordAt []int) {
	if snaplen == 0 {
		snaplen = 65535
	}
	le := binary.LittleEndian
	out := le.AppendUint32(nil, 0xa1b2c3d4)
	out = le.AppendUint16(out, 2)
	out = le.AppendUint16(out, 4)
	out = le.AppendUint32(out, 0)
	out = le.AppendUint32(out, 0)
	out = le.AppendUint32(out, snaplen)
	out = le.AppendUint32(out, 1) // Ethernet
	for i, f := range frames() {
		recordAt = append(recordAt, len(out))
		out = le.AppendUint32(out, 1710148440+uint32(i))
		out = le.AppendUint32(out, uint32(i*1000))
		out = le.AppendUint32(out, uint32(len(f)))
		out = le.AppendUint32(out, uint32(len(f)))
		out = append(out, f...)
	}
	return out, recordAt
}

// pcapngFile is a pcapng of the frames: section header, one interface,
// one enhanced packet block per frame. blockAt returns where each packet
// block starts.
func pcapngFile() (file []byte, blockAt []int) {
	le := binary.LittleEndian
	out := le.AppendUint32(nil, 0x0a0d0d0a)
	out = le.AppendUint32(out, 28)
	out = le.AppendUint32(out, 0x1a2b3c4d)
	out = le.AppendUint16(out, 1)
	out = le.AppendUint16(out, 0)
	out = le.AppendUint64(out, ^uint64(0)) // section length unknown
	out = le.AppendUint32(out, 28)
	out = le.AppendUint32(out, 1) // interface description
	out = le.AppendUint32(out, 20)
	out = le.AppendUint16(out, 1) // Ethernet
	out = le.AppendUint16(out, 0)
	out = le.AppendUint32(out, 65535)
	out = le.AppendUint32(out, 20)
	for i, f := range frames() {
		blockAt = append(blockAt, len(out))
		pad := (4 - len(f)%4) % 4
		total := uint32(32 + len(f) + pad)
		ts := uint64(1710148440+i) * 1e6
		out = le.AppendUint32(out, 6) // enhanced packet
		out = le.AppendUint32(out, total)
		out = le.AppendUint32(out, 0)
		out = le.AppendUint32(out, uint32(ts>>32))
		out = le.AppendUint32(out, uint32(ts))
		out = le.AppendUint32(out, uint32(len(f)))
		out = le.AppendUint32(out, uint32(len(f)))
		out = append(out, f...)
		out = append(out, make([]byte, pad)...)
		out = le.AppendUint32(out, total)
	}
	return out, blockAt
}
