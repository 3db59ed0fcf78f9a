package pcapgen

import (
	"container/heap"
	"slices"
)

type flowKind uint8

const (
	kindBulk flowKind = iota
	kindUnanswered
	kindRefused
	kindFragNeeded
	kindUDP
)

type encap uint8

const (
	encNone encap = iota
	encIPIP
	encVXLAN4789
	encVXLAN8472
)

// step is one packet of a flow's script.
type step struct {
	at    int64 // ns since the flow started (while scripting)
	delay int64 // ns since the flow's previous packet (once sorted)
	seq   uint32
	ack   uint32
	plen  uint16
	mss   uint16
	mtu   uint16
	dir   uint8 // 0: client to server, 1: server to client
	proto uint8 // 6, 17, or 1 (ICMP frag-needed from the router to the server)
	flags uint8
	df    bool
	mark  uint8 // what Stats counts when the step is written
}

// Marks on planted steps.
const (
	markRetrans = 1 << iota
	markFast
	markSYNRetrans
	markFragNeeded
	markFirst // the flow's first packet
)

const (
	fFIN = 0x01
	fSYN = 0x02
	fRST = 0x04
	fPSH = 0x08
	fACK = 0x10
)

type flow struct {
	id       uint32
	next     int64
	pos      int
	script   []step
	kind     flowKind
	encap    encap
	cli, srv [4]byte
	ocli     [4]byte // tunnel endpoints (the nodes)
	osrv     [4]byte
	cport    uint16
	sport    uint16
	udpSport uint16 // VXLAN source port (a hash of the inner flow)
	ipid     uint16
}

const (
	mss      = 1448 // payload per full segment (1500-byte packets with timestamps-free headers)
	mssOpt   = 1460
	cliWin   = 1002
	srvWin   = 502
	segGap   = 12_000 // ns between back-to-back segments
	ms       = 1_000_000
	rtoDelay = 204 * ms
)

// startFlow scripts a new flow starting at t and schedules it.
func (g *gen) startFlow(t int64) {
	var f *flow
	if n := len(g.free); n > 0 {
		f, g.free = g.free[n-1], g.free[:n-1]
	} else {
		f = &flow{}
	}
	g.nextID++
	id := g.nextID
	*f = flow{id: id, script: f.script[:0]}
	f.cli = [4]byte{10, 1, byte(id >> 8), byte(id)}
	f.srv = [4]byte{10, 2, 0, byte(1 + id%50)}
	f.cport = uint16(1024 + (id>>16)%60000)
	f.sport = [...]uint16{80, 443, 8080, 5432, 6379}[id%5]
	f.ocli = [4]byte{192, 168, 10, byte(1 + id%20)}
	f.osrv = [4]byte{192, 168, 20, byte(1 + id%50)}
	f.udpSport = uint16(49152 + id%16000)

	r := g.rng.IntN(1000)
	switch {
	case r < 20:
		f.kind = kindUnanswered
		g.scriptUnanswered(f)
	case r < 50:
		f.kind = kindRefused
		g.scriptRefused(f)
	case r < 60:
		f.kind = kindFragNeeded
		g.scriptFragNeeded(f)
	case r < 450:
		f.kind, f.sport = kindUDP, 53
		g.scriptUDP(f)
	default:
		f.kind = kindBulk
		switch e := g.rng.IntN(10); {
		case e == 0:
			f.encap = encIPIP
		case e == 1:
			f.encap = encVXLAN4789
		case e == 2:
			f.encap = encVXLAN8472
		}
		g.scriptBulk(f)
	}
	slices.SortStableFunc(f.script, func(a, b step) int {
		switch {
		case a.at < b.at:
			return -1
		case a.at > b.at:
			return 1
		}
		return 0
	})
	f.script[0].mark |= markFirst
	prev := int64(0)
	for i := range f.script {
		f.script[i].delay = f.script[i].at - prev
		prev = f.script[i].at
	}
	f.next = t
	heap.Push(&g.events, f)
}

// rtt is a round-trip time between 0.2 and 40 ms.
func (g *gen) rtt() int64 { return int64(200_000 + g.rng.IntN(40_000_000)) }

func (f *flow) add(s step) { f.script = append(f.script, s) }

// handshake scripts SYN, SYN-ACK and ACK; it returns when the client can
// send and both next sequence numbers.
func (g *gen) handshake(f *flow, rtt int64) (t int64, cseq, sseq uint32) {
	cisn, sisn := g.rng.Uint32(), g.rng.Uint32()
	f.add(step{at: 0, dir: 0, proto: 6, flags: fSYN, seq: cisn, mss: mssOpt, df: true})
	f.add(step{at: rtt, dir: 1, proto: 6, flags: fSYN | fACK, seq: sisn, ack: cisn + 1, mss: mssOpt, df: true})
	f.add(step{at: rtt + 20_000, dir: 0, proto: 6, flags: fACK, seq: cisn + 1, ack: sisn + 1, df: true})
	return rtt + 40_000, cisn + 1, sisn + 1
}

// request scripts a client request; the server answers one RTT later.
func (g *gen) request(f *flow, t, rtt int64, cseq, sseq uint32) (int64, uint32) {
	req := uint16(80 + g.rng.IntN(400))
	f.add(step{at: t, dir: 0, proto: 6, flags: fACK | fPSH, seq: cseq, ack: sseq, plen: req, df: true})
	return t + rtt, cseq + uint32(req)
}

// scriptBulk: a keep-alive connection with a few request/response
// transactions and think time between them. A response is sent a window per
// round trip and the client acknowledges every second segment; some
// responses lose a segment in mid-transfer (recovered by fast retransmission
// after three duplicate ACKs) or their last segment (recovered by RTO).
func (g *gen) scriptBulk(f *flow) {
	rtt := g.rtt()
	t, cseq, sseq := g.handshake(f, rtt)
	for tx := 1 + g.rng.IntN(4); tx > 0; tx-- {
		t, cseq = g.request(f, t, rtt, cseq, sseq)
		t, sseq = g.response(f, t, rtt, cseq, sseq)
		if tx > 1 {
			t += int64(500*ms + g.rng.IntN(7500*ms)) // think time
		}
	}
	g.close(f, t, rtt, cseq, sseq)
}

func (g *gen) response(f *flow, t, rtt int64, cseq, sseq uint32) (int64, uint32) {
	var n int
	switch r := g.rng.IntN(100); {
	case r < 70:
		n = 1 + g.rng.IntN(15)
	case r < 96:
		n = 16 + g.rng.IntN(100)
	default:
		n = 200 + g.rng.IntN(600)
	}
	n = min(n, g.cfg.MaxResponse)
	fastRound := -1
	if n >= 16 && g.rng.IntN(6) == 0 {
		fastRound = 1 + g.rng.IntN(n/10)
	}
	tailLoss := g.rng.IntN(30) == 0
	lastLen := uint16(1 + g.rng.IntN(mss))
	const window = 10
	ackAt := func(at int64, ack uint32) {
		f.add(step{at: at, dir: 0, proto: 6, flags: fACK, seq: cseq, ack: ack, df: true})
	}
	for round, sent := 0, 0; sent < n; round++ {
		k := min(window, n-sent)
		fast := round == fastRound && k >= 5
		start := sseq
		var roundEnd int64
		for j := 0; j < k; j++ {
			plen := uint16(mss)
			last := sent+j == n-1
			if last {
				plen = lastLen
			}
			at := t + int64(j)*segGap
			f.add(step{at: at, dir: 1, proto: 6, flags: fACK, seq: sseq, ack: cseq, plen: plen, df: true})
			end := sseq + uint32(plen)
			switch {
			case fast && j >= 1:
				ackAt(at+rtt, start) // duplicate ACK: the first segment is missing
			case last && tailLoss:
				// Lost at the tail: no duplicate ACKs come, the sender waits for its RTO.
				f.add(step{at: at + rtoDelay, dir: 1, proto: 6, flags: fACK | fPSH, seq: sseq, ack: cseq, plen: plen, df: true, mark: markRetrans})
				ackAt(at+rtoDelay+rtt, end)
				roundEnd = at + rtoDelay + rtt
			case !fast && (j%2 == 1 || last):
				ackAt(at+rtt, end)
			}
			sseq = end
			roundEnd = max(roundEnd, at+rtt)
		}
		if fast {
			// The third duplicate ACK arrives at the sender; it re-sends at once.
			re := t + 3*segGap + rtt + 30_000
			f.add(step{at: re, dir: 1, proto: 6, flags: fACK, seq: start, ack: cseq, plen: mss, df: true, mark: markRetrans | markFast})
			ackAt(re+rtt, sseq)
			roundEnd = re + rtt
		}
		sent += k
		t = roundEnd + 20_000
	}
	return t, sseq
}

func (g *gen) close(f *flow, t, rtt int64, cseq, sseq uint32) {
	f.add(step{at: t, dir: 1, proto: 6, flags: fFIN | fACK, seq: sseq, ack: cseq, df: true})
	f.add(step{at: t + rtt, dir: 0, proto: 6, flags: fFIN | fACK, seq: cseq, ack: sseq + 1, df: true})
	f.add(step{at: t + rtt + 20_000, dir: 1, proto: 6, flags: fACK, seq: sseq + 1, ack: cseq + 1, df: true})
}

// scriptUnanswered: a SYN to a listener whose queue is full, retransmitted
// with the kernel's back-off (1 s, 2 s, 4 s, 8 s) and never answered.
func (g *gen) scriptUnanswered(f *flow) {
	isn := g.rng.Uint32()
	at := int64(0)
	for i := 0; i < 5; i++ {
		var mark uint8
		if i > 0 {
			mark = markRetrans | markSYNRetrans
		}
		f.add(step{at: at, dir: 0, proto: 6, flags: fSYN, seq: isn, mss: mssOpt, df: true, mark: mark})
		at += int64(1000*ms) << i
	}
}

// scriptRefused: a SYN to a closed port, answered by RST.
func (g *gen) scriptRefused(f *flow) {
	isn := g.rng.Uint32()
	f.add(step{at: 0, dir: 0, proto: 6, flags: fSYN, seq: isn, mss: mssOpt, df: true})
	f.add(step{at: g.rtt(), dir: 1, proto: 6, flags: fRST | fACK, ack: isn + 1, df: true})
}

// scriptFragNeeded: a full-sized DF segment meets a smaller MTU; the router
// answers with ICMP fragmentation needed (MTU 1400) and the sender re-sends
// the same bytes in two smaller segments, then carries on at the new size.
func (g *gen) scriptFragNeeded(f *flow) {
	rtt := g.rtt()
	t, cseq, sseq := g.handshake(f, rtt)
	t, cseq = g.request(f, t, rtt, cseq, sseq)
	const newMSS = 1348
	f.add(step{at: t, dir: 1, proto: 6, flags: fACK, seq: sseq, ack: cseq, plen: mss, df: true})
	f.add(step{at: t + rtt/4, dir: 1, proto: 1, mtu: 1400, seq: sseq, ack: cseq, mark: markFragNeeded})
	re := t + 2*rtt + 50_000
	f.add(step{at: re, dir: 1, proto: 6, flags: fACK, seq: sseq, ack: cseq, plen: newMSS, df: true, mark: markRetrans})
	f.add(step{at: re + segGap, dir: 1, proto: 6, flags: fACK | fPSH, seq: sseq + newMSS, ack: cseq, plen: mss - newMSS, df: true, mark: markRetrans})
	sseq += mss
	f.add(step{at: re + segGap + rtt, dir: 0, proto: 6, flags: fACK, seq: cseq, ack: sseq, df: true})
	t = re + segGap + rtt + 20_000
	for i := 0; i < 2+g.rng.IntN(6); i++ {
		f.add(step{at: t, dir: 1, proto: 6, flags: fACK, seq: sseq, ack: cseq, plen: newMSS, df: true})
		sseq += newMSS
		f.add(step{at: t + rtt, dir: 0, proto: 6, flags: fACK, seq: cseq, ack: sseq, df: true})
		t += rtt + 20_000
	}
	g.close(f, t, rtt, cseq, sseq)
}

// scriptUDP: a few DNS-sized request/response pairs.
func (g *gen) scriptUDP(f *flow) {
	at := int64(0)
	for i := 0; i < 1+g.rng.IntN(3); i++ {
		f.add(step{at: at, dir: 0, proto: 17, plen: uint16(30 + g.rng.IntN(40))})
		at += g.rtt()
		f.add(step{at: at, dir: 1, proto: 17, plen: uint16(60 + g.rng.IntN(400))})
		at += int64(g.rng.IntN(20 * ms))
	}
}
