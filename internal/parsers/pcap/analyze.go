package pcap

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// counters are the capture's exact totals.
type counters struct {
	frames, bytes           uint64
	unsupported, nonIP      uint64
	fragments               uint64
	tcp, udp, icmp, otherIP uint64
	retrans, fast, spurious uint64
	ooo, zeroWin, dupAcks   uint64
	keepAlives, reused      uint64

	synAttempts, synRetransmissions     uint64
	synUnansweredAttempts, synRefused   uint64
	synAnsweredLate, synICMPUnreachable uint64

	icmp4FragNeeded, icmp6PacketTooBig uint64
	icmpUnreachable, icmpTimeExceeded  uint64
	minPMTU                            uint32

	encap         [numEncKinds]uint64
	hist, histDF  [numBuckets]uint64
	maxIP         uint32
	dfMax         uint32
	dfFrame       uint32
	firstTS       int64
	lastTS        int64
	stoppedFrame  uint64 // frame the reader failed on; 0: read to the end
	stoppedOffset int64
	stopReason    string
}

// Size buckets of IP packets (bytes, upper bounds), chosen around the MTUs
// overlays run at: 1280 (IPv6 minimum), 1400/1440 (Calico IPIP on 1480 or
// 1500), 1450 (VXLAN on 1500), 1480 (IPIP on 1500), 1500, 9000 (jumbo).
var bucketBounds = [...]uint32{576, 1280, 1400, 1440, 1450, 1480, 1500, 9000, ^uint32(0)}

const numBuckets = len(bucketBounds)

// analyzer runs the whole pipeline over one capture.
type analyzer struct {
	opts  Capture
	dec   *decoder
	flows *flowTable
	c     *counters
	ev    *collector
	p     packet

	// The current link type, resolved once per change rather than per frame.
	curLink   layers.LinkType
	curLinkOK bool
	haveLink  bool
	linkSeen  []layers.LinkType

	lastSweep int64

	// trace, when set (by tests), sees every TCP segment's analysis flags.
	trace func(frame uint32, ta uint16)
}

func newAnalyzer(opts Capture) *analyzer {
	opts = opts.withDefaults()
	a := &analyzer{opts: opts, dec: newDecoder(), c: &counters{}, ev: newCollector(opts.TopN)}
	a.flows = newFlowTable(opts.MaxFlows, a.finishFlow)
	return a
}

// run reads frames until the end of the capture, a read error (kept as the
// stop reason: everything before it is analysed) or cancellation.
func (a *analyzer) run(ctx context.Context, src *source) error {
	for {
		if a.c.frames&0xffff == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		off := src.offset()
		data, ci, lt, err := src.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			a.c.stoppedFrame, a.c.stoppedOffset, a.c.stopReason = a.c.frames+1, off, errorText(err).Error()
			return nil
		}
		a.frame(data, ci, lt)
	}
}

func (a *analyzer) frame(data []byte, ci gopacket.CaptureInfo, lt layers.LinkType) {
	c, p := a.c, &a.p
	c.frames++
	p.frame, p.ts, p.wire = uint32(c.frames), ci.Timestamp.UnixNano(), ci.Length
	if c.frames == 1 || p.ts < c.firstTS {
		c.firstTS = p.ts
	}
	c.lastTS = max(c.lastTS, p.ts)
	c.bytes += uint64(ci.Length)
	if c.lastTS-a.lastSweep >= sweepEvery {
		if a.lastSweep != 0 {
			a.flows.retire(c.lastTS)
		}
		a.lastSweep = c.lastTS
	}
	if !a.haveLink || lt != a.curLink {
		a.setLink(lt)
	}
	if !a.curLinkOK {
		c.unsupported++
		return
	}
	if !a.dec.decode(lt, data, p) {
		c.nonIP++
		return
	}

	wire := &p.ip
	if p.encap != encNone {
		wire = &p.outer
		c.encap[p.encap]++
	}
	a.sizes(wire, p.frame)
	if p.ip.frag {
		c.fragments++
	}
	var sport, dport uint16
	switch p.ip.proto {
	case 6:
		c.tcp++
	case 17:
		c.udp++
	case 1, 58:
		c.icmp++
	default:
		c.otherIP++
	}
	if p.l4 == 6 || p.l4 == 17 {
		sport, dport = p.sport, p.dport
	}

	key, d := makeKey(p.ip.src, p.ip.dst, sport, dport, p.ip.proto)
	f, created := a.flows.get(key)
	if created {
		f.firstFrame, f.firstTS, f.initiator = p.frame, p.ts, uint8(d)
	}
	f.lastFrame, f.lastTS = p.frame, p.ts
	ds := &f.dirs[d]
	ds.packets++
	ds.bytes += uint64(p.wire)
	size := uint32(p.ip.size)
	ds.maxIP = max(ds.maxIP, size)
	if p.ip.df && !p.ip.v6 && size > ds.dfMax {
		ds.dfMax, ds.dfFrame, ds.dfTS = size, p.frame, p.ts
	}
	if p.encap != encNone {
		e := a.flows.extOf(f)
		if e.encap == encNone {
			e.encap = p.encap
			e.outer[d], e.outer[1-d] = p.outer.src, p.outer.dst
		}
		e.outerMax = max(e.outerMax, uint32(p.outer.size))
	}
	switch p.l4 {
	case 6:
		a.tcpSegment(f, d, p)
	case 1, 58:
		a.icmpMessage(p)
	}
}

func (a *analyzer) setLink(lt layers.LinkType) {
	a.curLink, a.haveLink = lt, true
	a.curLinkOK = a.dec.supports(lt)
	for _, s := range a.linkSeen {
		if s == lt {
			return
		}
	}
	a.linkSeen = append(a.linkSeen, lt)
}

// sizes counts the packet as it travelled on the captured link.
func (a *analyzer) sizes(ip *ipInfo, frame uint32) {
	c := a.c
	size := uint32(ip.size)
	b := 0
	for size > bucketBounds[b] {
		b++
	}
	c.hist[b]++
	if ip.df && !ip.v6 {
		c.histDF[b]++
		if size > c.dfMax {
			c.dfMax, c.dfFrame = size, frame
		}
	}
	c.maxIP = max(c.maxIP, size)
}

// tcpSegment runs the sequence analysis and the evidence built on it.
func (a *analyzer) tcpSegment(f *flow, d int, p *packet) {
	t := &p.tcp
	if t.seglen < 0 {
		// Shorter than its own header: Wireshark skips the analysis too.
		return
	}
	c := a.c
	fwd, rev := &f.tcp[d], &f.tcp[1-d]
	var ta uint16
	switch {
	case t.flags&(tcpSYN|tcpACK) == tcpSYN && fwd.baseSet && t.seq != fwd.baseSeq:
		// A SYN with a new initial sequence number: the ports were reused by
		// a new connection, and Wireshark starts a new conversation.
		a.finishAttempt(f)
		f.tcp[0].reset()
		f.tcp[1].reset()
		f.conv = tcpConv{}
		f.reused++
		c.reused++
		if e := a.flows.peekExt(f); e != nil {
			e.dirs[0].newConversation()
			e.dirs[1].newConversation()
			e.nSynTimes = 0
		}
		ta = taReusedPorts
	case t.flags&(tcpSYN|tcpACK) == tcpSYN && fwd.baseSet:
		// The same SYN again. Wireshark rewinds nextseq to the end of the
		// contiguous data, undoing a RST sent with an unrelated sequence
		// number (its issue 17616).
		fwd.nextseq = fwd.maxToBeAcked
	case t.flags&(tcpSYN|tcpACK) == tcpSYN|tcpACK && fwd.baseSet && t.seq != fwd.baseSeq:
		fwd.baseSeq = t.seq // Wireshark issue 16944
	}
	ta |= analyzeSeq(&f.conv, fwd, rev, t, p.ts)
	f.conv.noteHandshake(t.flags, p.ts)
	if a.trace != nil {
		a.trace(p.frame, ta)
	}

	ds := &f.dirs[d]
	if ta&taRetransFilter != 0 {
		c.retrans++
		ds.retrans++
		e := a.flows.extOf(f)
		if int(e.nRetransFrames) < len(e.retransFrames) {
			e.retransFrames[e.nRetransFrames] = p.frame
			e.nRetransFrames++
		}
		if ta&taFastRetransmission != 0 {
			c.fast++
			ds.fast++
		}
		if ta&taSpuriousRetransmission != 0 {
			c.spurious++
			ds.spurious++
		}
	}
	if ta&taOutOfOrder != 0 {
		c.ooo++
		ds.ooo++
	}
	if ta&taDupAck != 0 {
		c.dupAcks++
	}
	if ta&taKeepAlive != 0 {
		c.keepAlives++
	}
	if ta&taZeroWindow != 0 {
		c.zeroWin++
		if ds.zeroWin == 0 {
			ds.zeroWinFrame = p.frame
		}
		ds.zeroWin++
	}
	if t.flags&tcpSYN != 0 && t.mss != 0 {
		ds.mss = t.mss
	}
	if t.seglen > 0 {
		a.flows.extOf(f).dirs[d].sent(t.seq, uint32(t.seglen), ta&taRetransFilter != 0)
	}
	if t.flags&tcpACK != 0 {
		if e := a.flows.peekExt(f); e != nil && (e.dirs[1-d].nPending > 0 || e.dirs[1-d].nSizes > 0) {
			e.dirs[1-d].acked(t.ack, t.sack)
		}
	}
	a.trackSyn(f, d, p)
	a.trackClose(f, d, t)
}

// trackClose moves a connection to the closed list once it is over: a RST,
// or FIN both ways with the second one acknowledged. A new SYN reopens it.
func (a *analyzer) trackClose(f *flow, d int, t *tcpInfo) {
	switch {
	case t.flags&tcpSYN != 0:
		f.fins = 0
		a.flows.setClosed(f, false)
	case t.flags&tcpRST != 0:
		a.flows.setClosed(f, true)
	case t.flags&tcpFIN != 0:
		f.fins |= 1 << d
		f.finEnd[d] = t.seq + uint32(t.seglen) + 1
	case f.fins == 3 && t.flags&tcpACK != 0 && t.ack == f.finEnd[1-d]:
		a.flows.setClosed(f, true)
	}
}

// finish closes every live flow; after it the evidence is complete.
func (a *analyzer) finish() {
	a.flows.each(a.finishFlow)
}

// describeStop says where reading stopped early, for the warning.
func (c *counters) describeStop() string {
	if c.stoppedFrame == 0 {
		return ""
	}
	return fmt.Sprintf("capture unreadable from frame %d (byte offset %d): %s; the %d frames before it were analysed",
		c.stoppedFrame, c.stoppedOffset, c.stopReason, c.stoppedFrame-1)
}
