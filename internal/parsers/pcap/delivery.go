package pcap

import (
	"encoding/binary"

	"github.com/gopacket/gopacket/layers"
)

// delivery tracks, for one direction of a flow, which segment sizes the peer
// acknowledged and which were retransmitted: the path-MTU signature is large
// segments retransmitted and never delivered while small ones pass.
//
// It is bounded: a segment is remembered only while it could raise
// maxDelivered (it is larger than anything delivered so far), at most
// len(pending) at a time, oldest replaced first. Once a full-sized segment
// has been acknowledged, which in a healthy flow is the first round trip,
// nothing more is remembered. Retransmitted sizes are kept in a small table
// of distinct sizes; when it overflows the two closest sizes merge under the
// smaller one, so a count of "larger than max delivered" can only err low.
type delivery struct {
	maxDelivered uint32
	minRetrans   uint32
	nPending     uint8
	nextReplace  uint8
	nSizes       uint8
	pending      [8]segRange
	sizes        [6]retransSize
}

type segRange struct{ seq, end uint32 }

type retransSize struct {
	size  uint32
	count uint32
	end   uint32 // end of the latest retransmitted segment of this size
	live  bool   // end is in the current connection's sequence space
	acked bool   // the peer acknowledged a retransmitted range of this size
}

// sent records a data segment of this direction.
func (d *delivery) sent(seq, seglen uint32, retransmitted bool) {
	end := seq + seglen
	if retransmitted {
		if d.minRetrans == 0 || seglen < d.minRetrans {
			d.minRetrans = seglen
		}
		d.addSize(seglen, end)
		// A larger segment whose bytes are re-sent in a smaller one (the
		// sender re-segmented after a frag-needed) can no longer be credited
		// when its range is acknowledged: the smaller copy may be what
		// arrived.
		for i := 0; i < int(d.nPending); {
			p := d.pending[i]
			if seqLT(p.seq, end) && seqLT(seq, p.end) && p.end-p.seq > seglen {
				d.nPending--
				d.pending[i] = d.pending[d.nPending]
				continue
			}
			i++
		}
		if d.nextReplace >= d.nPending {
			d.nextReplace = 0
		}
	}
	if seglen <= d.maxDelivered {
		return
	}
	for i := range d.pending[:d.nPending] {
		if d.pending[i].end == end && d.pending[i].seq == seq {
			return
		}
	}
	if int(d.nPending) < len(d.pending) {
		d.pending[d.nPending] = segRange{seq, end}
		d.nPending++
		return
	}
	d.pending[d.nextReplace] = segRange{seq, end}
	d.nextReplace = (d.nextReplace + 1) % uint8(len(d.pending))
}

// acked applies an acknowledgment (cumulative ack plus SACK blocks) from the
// peer to this direction's segments.
func (d *delivery) acked(ack uint32, opts []layers.TCPOption) {
	for i := 0; i < int(d.nPending); {
		r := d.pending[i]
		if seqLE(r.end, ack) || sacked(opts, r) {
			if n := r.end - r.seq; n > d.maxDelivered {
				d.maxDelivered = n
			}
			d.nPending--
			d.pending[i] = d.pending[d.nPending]
			continue
		}
		i++
	}
	// What is no longer larger than the largest delivered cannot matter.
	for i := 0; i < int(d.nPending); {
		if d.pending[i].end-d.pending[i].seq <= d.maxDelivered {
			d.nPending--
			d.pending[i] = d.pending[d.nPending]
			continue
		}
		i++
	}
	if d.nextReplace >= d.nPending {
		d.nextReplace = 0
	}
	for i := range d.sizes[:d.nSizes] {
		s := &d.sizes[i]
		if !s.acked && s.live && (seqLE(s.end, ack) || sacked(opts, segRange{s.end - s.size, s.end})) {
			s.acked = true
		}
	}
}

// sacked reports whether a SACK block of opts covers r.
func sacked(opts []layers.TCPOption, r segRange) bool {
	for _, o := range opts {
		if o.OptionType != layers.TCPOptionKindSACK {
			continue
		}
		for b := o.OptionData; len(b) >= 8; b = b[8:] {
			left, right := binary.BigEndian.Uint32(b), binary.BigEndian.Uint32(b[4:])
			if seqLE(left, r.seq) && seqLE(r.end, right) {
				return true
			}
		}
	}
	return false
}

func (d *delivery) addSize(size, end uint32) {
	for i := range d.sizes[:d.nSizes] {
		if d.sizes[i].size == size {
			d.sizes[i].count++
			d.sizes[i].end, d.sizes[i].live = end, true
			return
		}
	}
	if int(d.nSizes) == len(d.sizes) {
		d.mergeClosestSizes()
	}
	d.sizes[d.nSizes] = retransSize{size: size, count: 1, end: end, live: true}
	d.nSizes++
}

func (d *delivery) mergeClosestSizes() {
	bi, bj, best := 0, 1, ^uint32(0)
	for i := 0; i < int(d.nSizes); i++ {
		for j := i + 1; j < int(d.nSizes); j++ {
			a, b := d.sizes[i].size, d.sizes[j].size
			diff := max(a, b) - min(a, b)
			if diff < best {
				bi, bj, best = i, j, diff
			}
		}
	}
	si, sj := &d.sizes[bi], &d.sizes[bj]
	if sj.size < si.size {
		si.size, si.end, si.live = sj.size, sj.end, sj.live
	}
	si.count += sj.count
	si.acked = si.acked || sj.acked
	d.nSizes--
	d.sizes[bj] = d.sizes[d.nSizes]
}

// newConversation forgets sequence-number state when the ports are reused
// by a new connection; what was learnt about sizes stays.
func (d *delivery) newConversation() {
	d.nPending, d.nextReplace = 0, 0
	for i := range d.sizes[:d.nSizes] {
		d.sizes[i].live = false
	}
}

// large returns how many retransmissions were of segments larger than
// anything delivered, and whether any such range was acknowledged after all.
func (d *delivery) large() (count uint32, acked bool) {
	for _, s := range d.sizes[:d.nSizes] {
		if s.size > d.maxDelivered {
			count += s.count
			acked = acked || s.acked
		}
	}
	return count, acked
}
