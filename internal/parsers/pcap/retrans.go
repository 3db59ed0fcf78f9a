package pcap

// TCP sequence analysis, following Wireshark 4.0's tcp_analyze_sequence_number
// and the conversation handling in dissect_tcp (epan/dissectors/packet-tcp.c)
// check by check, so that a frame ktriage calls a retransmission is one
// `tshark -Y tcp.analysis.retransmission` lists. The order is Wireshark's:
//
//  1. zero-window probe (1 byte at the next sequence number while the peer
//     advertises a zero window) skips the ACK checks;
//  2. keep-alive (0 or 1 byte one below the next sequence number) is never
//     a retransmission;
//  3. spurious: the peer had already acknowledged all of it;
//  4. fast retransmission: the peer sent ≥ 2 duplicate ACKs for exactly this
//     sequence number and its last ACK is < 20 ms old;
//  5. out-of-order: < the handshake RTT (3 ms when unknown) since the
//     highest sequence number was seen, and not an exact repeat of it;
//  6. otherwise, if the sequence number did not advance: retransmission.
//
// (Wireshark 3.x checked spurious last; 4.0 checks it first, and tshark 4.0
// on this machine confirms it with a segment that is both.)
// tcp.analysis.retransmission matches 3, 4 and 6 (Wireshark adds the
// retransmission expert item for fast and spurious retransmissions too),
// never 5. Like Wireshark, sequence numbers are the raw 32-bit values,
// compared modulo 2^32, with 0 meaning "not seen yet"; windows are the raw
// (unscaled) header value; time differences are unsigned nanoseconds, so a
// timestamp that goes backwards reads as a very long delay.

// Analysis flags of one segment (Wireshark's TCP_A_*).
const (
	taRetransmission uint16 = 1 << iota
	taFastRetransmission
	taSpuriousRetransmission
	taOutOfOrder
	taKeepAlive
	taKeepAliveAck
	taZeroWindow
	taZeroWindowProbe
	taZeroWindowProbeAck
	taDupAck
	taReusedPorts
)

// taRetransFilter is what tcp.analysis.retransmission matches.
const taRetransFilter = taRetransmission | taFastRetransmission | taSpuriousRetransmission

const (
	fastRetransWindow = 20_000_000 // 20 ms
	defaultOOOThresh  = 3_000_000  // 3 ms
)

// tcpDir is Wireshark's per-direction analysis state (tcp_flow_t plus
// tcp_analyze_seq_flow_info_t), reduced to what the flags depend on.
type tcpDir struct {
	nextseq      uint32 // highest sequence number seen + 1 (SYN/FIN count one)
	maxToBeAcked uint32 // end of the contiguous data seen ("max seq to be acked")
	lastack      uint32 // ACK field of this direction's last segment
	window       uint32 // raw window of the last segment; ^0 before any
	baseSeq      uint32
	dupacks      int32 // -1 after an ACK of unseen data ("neutralised")
	nextseqTime  int64
	lastackTime  int64
	baseSet      bool
	lastFlags    uint16 // analysis flags of this direction's last segment
}

func (t *tcpDir) reset() { *t = tcpDir{window: ^uint32(0)} }

// tcpConv is the part of Wireshark's tcp_analysis shared by both directions.
type tcpConv struct {
	mruSyn   int64 // time of the most recent SYN
	firstRTT int64 // SYN to first pure ACK; 0 until known
}

func seqLT(a, b uint32) bool { return int32(a-b) < 0 }
func seqLE(a, b uint32) bool { return int32(a-b) <= 0 }
func seqGT(a, b uint32) bool { return int32(a-b) > 0 }

// since is now-then as Wireshark computes it: a guint64, so a negative
// difference is enormous.
func since(now, then int64) uint64 { return uint64(now - then) }

// analyzeSeq classifies one segment of the fwd direction and updates state.
func analyzeSeq(c *tcpConv, fwd, rev *tcpDir, t *tcpInfo, now int64) (ta uint16) {
	seq, ack, flags := t.seq, t.ack, t.flags
	seglen := uint32(t.seglen)
	win := uint32(t.win)
	noSFR := flags&(tcpSYN|tcpFIN|tcpRST) == 0

	if !fwd.baseSet {
		fwd.baseSeq = seq - 1
		if flags&tcpSYN != 0 {
			fwd.baseSeq = seq
		}
		fwd.baseSet = true
	}
	if !rev.baseSet && flags&tcpACK != 0 {
		rev.baseSeq, rev.baseSet = ack-1, true
	}

	if seglen == 1 && seq == fwd.nextseq && rev.window == 0 {
		ta |= taZeroWindowProbe
	} else {
		if win == 0 && noSFR {
			ta |= taZeroWindow
		}
		if (seglen == 0 || seglen == 1) && seq == fwd.nextseq-1 && noSFR {
			ta |= taKeepAlive
		}
		same := seglen == 0 && win == fwd.window && seq == fwd.nextseq && ack == fwd.lastack && noSFR
		switch {
		case same && win != 0 && rev.lastFlags&taKeepAlive != 0:
			ta |= taKeepAliveAck
		case same && win == 0 && rev.lastFlags&taZeroWindowProbe != 0:
			ta |= taZeroWindowProbeAck
		case same && win != 0:
			if fwd.dupacks == -1 {
				fwd.dupacks = 1
			} else {
				fwd.dupacks++
			}
			ta |= taDupAck
		}
	}
	if ack != fwd.lastack {
		fwd.dupacks = 0
	}
	// An ACK of data this capture never showed: Wireshark stops counting
	// the peer's duplicate ACKs from before it.
	if rev.maxToBeAcked != 0 && seqGT(ack, rev.maxToBeAcked) && flags&tcpACK != 0 {
		if rev.maxToBeAcked > rev.nextseq {
			rev.maxToBeAcked = rev.nextseq
		} else {
			rev.dupacks = -1
		}
	}

	if (seglen > 0 || flags&(tcpSYN|tcpFIN) != 0) && ta&taKeepAlive == 0 {
		notAdvanced := fwd.nextseq != 0 && seqLT(seq, fwd.nextseq)
		// More than one byte starting just below nextseq follows a
		// possible zero-window probe: new data, not a repeat.
		if seglen > 1 && fwd.nextseq-1 == seq {
			notAdvanced = false
		}
		ooo := uint64(defaultOOOThresh)
		if c.firstRTT != 0 {
			ooo = uint64(c.firstRTT)
		}
		var synfin uint32
		if flags&(tcpSYN|tcpFIN) != 0 {
			synfin = 1
		}
		switch {
		case seglen > 0 && rev.lastack != 0 && seqLE(seq+seglen, rev.lastack):
			ta |= taSpuriousRetransmission
		case notAdvanced && rev.dupacks >= 2 && rev.lastack == seq && since(now, rev.lastackTime) < fastRetransWindow:
			ta |= taFastRetransmission
		case notAdvanced && since(now, fwd.nextseqTime) < ooo && fwd.nextseq != seq+seglen+synfin:
			ta |= taOutOfOrder
		case notAdvanced:
			ta |= taRetransmission
		}
	}

	// Wireshark adds one for SYN/FIN only while it keeps fewer than 10,000
	// unacknowledged segments of this direction; ktriage does not keep the
	// list and always adds it (see doc.go).
	nextseq := seq + seglen
	if flags&(tcpSYN|tcpFIN) != 0 {
		nextseq++
	}
	probe := ta&taZeroWindowProbe != 0
	if (seqGT(nextseq, fwd.nextseq) || fwd.nextseq == 0) && !probe {
		fwd.nextseq, fwd.nextseqTime = nextseq, now
	}
	if (seq == fwd.maxToBeAcked || fwd.maxToBeAcked == 0) && !probe {
		fwd.maxToBeAcked = fwd.nextseq
	}
	fwd.window, fwd.lastack, fwd.lastackTime = win, ack, now
	fwd.lastFlags = ta
	return ta
}

// noteHandshake keeps the times the out-of-order threshold comes from, in
// the order dissect_tcp updates them after the analysis.
func (c *tcpConv) noteHandshake(flags uint8, now int64) {
	if flags&(tcpSYN|tcpACK) == tcpSYN {
		c.mruSyn = now
	}
	if flags&(tcpSYN|tcpACK) == tcpACK && c.mruSyn != 0 && c.firstRTT == 0 {
		c.firstRTT = now - c.mruSyn
	}
}
