package pcap

// Connection attempts. A listen-queue overflow shows as a client's SYN
// retransmitted at 1 s, 2 s, 4 s … with no SYN-ACK; a closed port as a SYN
// answered by RST. ktriage follows each attempt (one client port, one
// initial sequence number) and, when it ends, adds it to its target
// (client, server, server port).

// synState is the attempt a flow is in.
type synState struct {
	active      bool
	synack      bool
	rst         bool
	icmp        bool  // an ICMP destination unreachable quoted this attempt
	client      uint8 // direction the SYN travelled in
	syns        uint16
	firstFrame  uint32
	answerFrame uint32
	firstTS     int64
	lastTS      int64
}

// trackSyn follows the handshake of f's current attempt.
func (a *analyzer) trackSyn(f *flow, d int, p *packet) {
	s := &f.syn
	switch fl := p.tcp.flags; {
	case fl&(tcpSYN|tcpACK) == tcpSYN:
		if !s.active {
			*s = synState{active: true, client: uint8(d), syns: 1, firstFrame: p.frame, firstTS: p.ts, lastTS: p.ts}
			f.initiator = uint8(d)
			a.c.synAttempts++
			return
		}
		if int(s.client) != d {
			return // simultaneous open: not a retransmission
		}
		s.syns++
		s.lastTS = p.ts
		a.c.synRetransmissions++
		e := a.flows.extOf(f)
		if e.nSynTimes == 0 {
			e.synTimes[0], e.synFrames[0], e.nSynTimes = s.firstTS, s.firstFrame, 1
		}
		if int(e.nSynTimes) < len(e.synTimes) {
			e.synTimes[e.nSynTimes], e.synFrames[e.nSynTimes] = p.ts, p.frame
			e.nSynTimes++
		}
	case fl&(tcpSYN|tcpACK) == tcpSYN|tcpACK:
		if s.active && int(s.client) != d && !s.synack {
			s.synack, s.answerFrame = true, p.frame
		}
	case fl&tcpRST != 0:
		if s.active && int(s.client) != d && !s.synack && !s.rst {
			s.rst, s.answerFrame = true, p.frame
		}
	}
}

// synKey is a connection target.
type synKey struct {
	client, server addr
	port           uint16
}

// synAgg sums the attempts on one target.
type synAgg struct {
	attempts     uint32
	unanswered   uint32 // attempts whose SYN was retransmitted with no SYN-ACK or RST
	answered     uint32 // attempts that got a SYN-ACK
	late         uint32 // answered only after the SYN was retransmitted
	refused      uint32 // attempts answered by RST
	icmp         uint32 // attempts answered by ICMP destination unreachable
	syns         uint32
	firstFrame   uint32
	lastFrame    uint32
	firstTS      int64
	nIntervals   uint8
	maxSynsTried uint16
	// The SYN frames of the unanswered attempt with the most SYNs, and the
	// intervals between them: the client's back-off.
	synFrames [maxSynTimes]uint32
	intervals [maxSynTimes - 1]int64
}

// rstKey is a closed port.
type rstKey struct {
	server addr
	port   uint16
}

type rstAgg struct {
	attempts    uint32
	client      addr // the first client refused
	firstFrame  uint32
	answerFrame uint32
	firstTS     int64
}

// maxSynTargets bounds the target maps: a SYN flood from spoofed sources
// has one target per packet. Past the bound, attempts are still counted.
const maxSynTargets = 65_536

// finishAttempt adds f's current attempt, if any, to its target.
func (a *analyzer) finishAttempt(f *flow) {
	s := &f.syn
	if !s.active {
		return
	}
	defer func() { *s = synState{} }()
	client, _ := f.key.end(int(s.client))
	server, port := f.key.end(1 - int(s.client))
	c := a.c
	unanswered := s.syns >= 2 && !s.synack && !s.rst && !s.icmp
	if unanswered {
		c.synUnansweredAttempts++
	}
	if s.rst && !s.synack {
		c.synRefused++
		k := rstKey{server, port}
		r, ok := a.ev.refused[k]
		if ok || len(a.ev.refused) < maxSynTargets {
			if !ok {
				r = rstAgg{client: client, firstFrame: s.firstFrame, answerFrame: s.answerFrame, firstTS: s.firstTS}
			}
			r.attempts++
			a.ev.refused[k] = r
		} else {
			a.ev.targetsDropped++
		}
	}
	k := synKey{client, server, port}
	t, ok := a.ev.targets[k]
	if !ok && len(a.ev.targets) >= maxSynTargets {
		a.ev.targetsDropped++
		return
	}
	if !ok {
		t = synAgg{firstFrame: s.firstFrame, firstTS: s.firstTS}
	}
	t.attempts++
	t.syns += uint32(s.syns)
	t.lastFrame = max(t.lastFrame, s.firstFrame)
	switch {
	case s.synack:
		t.answered++
		if s.syns >= 2 {
			t.late++
			c.synAnsweredLate++
		}
	case s.rst:
		t.refused++
	case s.icmp:
		t.icmp++
		c.synICMPUnreachable++
	case unanswered:
		t.unanswered++
		if s.syns > t.maxSynsTried {
			t.maxSynsTried = s.syns
			t.nIntervals = 0
			if e := a.flows.peekExt(f); e != nil {
				t.synFrames = e.synFrames
				for i := 1; i < int(e.nSynTimes); i++ {
					t.intervals[i-1] = e.synTimes[i] - e.synTimes[i-1]
					t.nIntervals++
				}
			}
		}
	}
	a.ev.targets[k] = t
}
