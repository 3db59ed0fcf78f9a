package pcap

import "encoding/binary"

// ICMP errors that explain connection failures: fragmentation needed /
// packet too big (path MTU), and destination unreachable ("No route to
// host" for a pod IP that no longer exists is an ICMP host unreachable).

// quoted is what an ICMP error quotes of the packet that caused it.
type quoted struct {
	ok           bool
	v6           bool
	proto        uint8
	src, dst     addr
	sport, dport uint16
	hasPorts     bool
}

// parseQuoted reads the IP header (and transport ports, when quoted) inside
// an ICMP error. RFC 792 guarantees only the header and 8 bytes.
func parseQuoted(b []byte) (q quoted) {
	if len(b) < 1 {
		return q
	}
	var l4 []byte
	switch b[0] >> 4 {
	case 4:
		ihl := int(b[0]&0x0f) * 4
		if len(b) < 20 || ihl < 20 {
			return q
		}
		q = quoted{ok: true, proto: b[9], src: addr4(b[12:16]), dst: addr4(b[16:20])}
		if ihl <= len(b) {
			l4 = b[ihl:]
		}
	case 6:
		if len(b) < 40 {
			return q
		}
		q = quoted{ok: true, v6: true, proto: b[6], src: addr16(b[8:24]), dst: addr16(b[24:40])}
		l4 = b[40:]
	default:
		return q
	}
	if (q.proto == 6 || q.proto == 17 || q.proto == 132) && len(l4) >= 4 {
		q.sport, q.dport, q.hasPorts = binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:]), true
	}
	return q
}

// icmpEvent is one ICMP error kept as evidence.
type icmpEvent struct {
	frame uint32
	ts    int64
	from  addr // who sent the error
	to    addr // whom it was sent to
	v6    bool
	typ   uint8
	code  uint8
	mtu   uint32
	inner quoted
}

// maxFragEvents and the unreachable bounds keep evidence small; the
// counters in the summary stay exact.
const (
	maxFragEvents        = 100
	maxUnreachDsts       = 1_000
	maxUnreachPerDst     = 5
	maxUnreachDocEntries = 200
)

type unreachAgg struct {
	count  uint32
	n      uint8
	events [maxUnreachPerDst]icmpEvent
}

// answerAttempt marks the connection attempt an ICMP destination unreachable
// quotes, so a SYN refused that way is not reported as unanswered.
func (a *analyzer) answerAttempt(q quoted) {
	if !q.ok || q.proto != 6 || !q.hasPorts {
		return
	}
	k, d := makeKey(q.src, q.dst, q.sport, q.dport, 6)
	if f := a.flows.lookup(k); f != nil && f.syn.active && int(f.syn.client) == d && !f.syn.synack {
		f.syn.icmp = true
	}
}

// icmpMessage records an ICMP error of the analysed packet.
func (a *analyzer) icmpMessage(p *packet) {
	m := p.icmp
	if len(m) < 8 {
		return
	}
	typ, code := m[0], m[1]
	ev := icmpEvent{frame: p.frame, ts: p.ts, from: p.ip.src, to: p.ip.dst, v6: p.l4 == 58, typ: typ, code: code}
	c := a.c
	if !ev.v6 {
		switch typ {
		case 3:
			ev.inner = parseQuoted(m[8:])
			if code == 4 {
				ev.mtu = uint32(binary.BigEndian.Uint16(m[6:8]))
				c.icmp4FragNeeded++
				a.fragNeeded(ev)
				return
			}
			c.icmpUnreachable++
			a.unreachable(ev)
		case 11:
			c.icmpTimeExceeded++
		}
		return
	}
	switch typ {
	case 1:
		ev.inner = parseQuoted(m[8:])
		c.icmpUnreachable++
		a.unreachable(ev)
	case 2:
		ev.inner = parseQuoted(m[8:])
		ev.mtu = binary.BigEndian.Uint32(m[4:8])
		c.icmp6PacketTooBig++
		a.fragNeeded(ev)
	case 3:
		c.icmpTimeExceeded++
	}
}

func (a *analyzer) fragNeeded(ev icmpEvent) {
	if c := a.c; c.minPMTU == 0 || (ev.mtu != 0 && ev.mtu < c.minPMTU) {
		c.minPMTU = ev.mtu
	}
	if len(a.ev.frag) < maxFragEvents {
		a.ev.frag = append(a.ev.frag, ev)
	}
}

func (a *analyzer) unreachable(ev icmpEvent) {
	a.answerAttempt(ev.inner)
	// Group by the address that could not be reached: the quoted
	// destination, or the error's target when nothing was quoted.
	dst := ev.to
	if ev.inner.ok {
		dst = ev.inner.dst
	}
	u, ok := a.ev.unreach[dst]
	if !ok && len(a.ev.unreach) >= maxUnreachDsts {
		return
	}
	u.count++
	if int(u.n) < len(u.events) {
		u.events[u.n] = ev
		u.n++
	}
	a.ev.unreach[dst] = u
}

var icmp4UnreachCodes = [...]string{
	0: "net unreachable", 1: "host unreachable", 2: "protocol unreachable", 3: "port unreachable",
	4: "fragmentation needed", 5: "source route failed", 6: "destination network unknown",
	7: "destination host unknown", 8: "source host isolated", 9: "network administratively prohibited",
	10: "host administratively prohibited", 11: "network unreachable for TOS", 12: "host unreachable for TOS",
	13: "communication administratively prohibited", 14: "host precedence violation", 15: "precedence cutoff in effect",
}

var icmp6UnreachCodes = [...]string{
	0: "no route to destination", 1: "communication administratively prohibited", 2: "beyond scope of source address",
	3: "address unreachable", 4: "port unreachable", 5: "source address failed ingress/egress policy",
	6: "reject route to destination", 7: "error in source routing header",
}

func unreachCodeName(v6 bool, code uint8) string {
	names := icmp4UnreachCodes[:]
	if v6 {
		names = icmp6UnreachCodes[:]
	}
	if int(code) < len(names) {
		return names[code]
	}
	return "code " + itoa(int64(code))
}
