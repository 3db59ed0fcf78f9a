package pcap

import (
	"cmp"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"time"
)

// The capture document: one per capture file, under the node section
// "captures". Its shape is a contract (doc.go describes every field); lists
// are always present, empty rather than null, so rules can iterate them.

type captureDoc struct {
	File            string           `json:"file"`
	Format          string           `json:"format"`
	LinkTypes       []string         `json:"link_types"`
	Interfaces      []string         `json:"interfaces"`
	Summary         map[string]any   `json:"summary"`
	Addresses       []addressDoc     `json:"addresses"`
	Flows           []flowDoc        `json:"flows"`
	SynUnanswered   []synTargetDoc   `json:"syn_unanswered"`
	SynRST          []synRSTDoc      `json:"syn_rst"`
	ICMPFragNeeded  []fragNeededDoc  `json:"icmp_frag_needed"`
	ICMPUnreachable []unreachableDoc `json:"icmp_unreachable"`
	DFMax           []dfMaxDoc       `json:"df_max"`
	SizeHistogram   []bucketDoc      `json:"size_histogram"`
}

type addressDoc struct {
	Address string `json:"address"`
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

type flowDoc struct {
	Proto     string   `json:"proto"`
	Src       string   `json:"src"` // initiator ip:port ([v6]:port)
	Dst       string   `json:"dst"`
	SrcIP     string   `json:"src_ip"`
	SrcPort   uint16   `json:"src_port"`
	DstIP     string   `json:"dst_ip"`
	DstPort   uint16   `json:"dst_port"`
	Packets   uint64   `json:"packets"`
	Bytes     uint64   `json:"bytes"`
	Retrans   uint64   `json:"retransmissions"`
	ZeroWins  uint64   `json:"zero_windows"`
	DataSide  string   `json:"data_sender"` // "src" or "dst": the side the delivery fields describe
	MaxDeliv  uint32   `json:"max_delivered_payload"`
	MinRetr   uint32   `json:"min_retransmitted_payload"`
	LargeRetr uint32   `json:"large_retransmitted"`
	LargeAck  bool     `json:"large_retransmitted_acked"`
	MSS       mssDoc   `json:"mss"`
	Encap     *encDoc  `json:"encapsulation"`
	FirstFrm  uint32   `json:"first_frame"`
	FirstTime string   `json:"first_time"`
	FirstRel  float64  `json:"first_rel_s"`
	LastFrm   uint32   `json:"last_frame"`
	Reused    uint16   `json:"ports_reused"`
	RetrFrms  []uint32 `json:"retransmitted_frames"`
	SrcToDst  dirDoc   `json:"src_to_dst"`
	DstToSrc  dirDoc   `json:"dst_to_src"`
}

type mssDoc struct {
	Src uint16 `json:"src"` // in the initiator's SYN; 0: not seen
	Dst uint16 `json:"dst"` // in the SYN-ACK
}

type encDoc struct {
	Kind         string `json:"kind"`
	OuterSrc     string `json:"outer_src"`
	OuterDst     string `json:"outer_dst"`
	OuterSizeMax uint32 `json:"outer_size_max"`
}

type dirDoc struct {
	Packets         uint32 `json:"packets"`
	Bytes           uint64 `json:"bytes"`
	Retrans         uint32 `json:"retransmissions"`
	Fast            uint32 `json:"fast_retransmissions"`
	Spurious        uint32 `json:"spurious_retransmissions"`
	OutOfOrder      uint32 `json:"out_of_order"`
	ZeroWindows     uint32 `json:"zero_windows"`
	ZeroWindowFrame uint32 `json:"first_zero_window_frame"`
	MaxIPSize       uint32 `json:"max_ip_size"`
	DFMaxSize       uint32 `json:"df_max_size"`
	DFMaxFrame      uint32 `json:"df_max_frame"`
	MaxDelivered    uint32 `json:"max_delivered_payload"`
	MinRetrans      uint32 `json:"min_retransmitted_payload"`
	LargeRetrans    uint32 `json:"large_retransmitted"`
	LargeAcked      bool   `json:"large_retransmitted_acked"`
}

type synTargetDoc struct {
	Client             string    `json:"client"`
	Server             string    `json:"server"`
	Port               uint16    `json:"port"`
	Attempts           uint32    `json:"attempts"`
	UnansweredAttempts uint32    `json:"unanswered_attempts"`
	AnsweredAttempts   uint32    `json:"answered_attempts"`
	LateAttempts       uint32    `json:"answered_after_retransmission"`
	RefusedAttempts    uint32    `json:"refused_attempts"`
	ICMPAttempts       uint32    `json:"icmp_unreachable_attempts"`
	SYNs               uint32    `json:"syns"`
	SYNRetransmissions uint32    `json:"syn_retransmissions"`
	SYNFrames          []uint32  `json:"syn_frames"`
	Intervals          []float64 `json:"intervals_s"`
	SynAck             bool      `json:"synack_seen"`
	RST                bool      `json:"rst_seen"`
	FirstFrame         uint32    `json:"first_frame"`
	FirstTime          string    `json:"first_time"`
	FirstRel           float64   `json:"first_rel_s"`
	LastAttemptFrame   uint32    `json:"last_attempt_frame"`
}

type synRSTDoc struct {
	Server     string  `json:"server"`
	Port       uint16  `json:"port"`
	Attempts   uint32  `json:"attempts"`
	Client     string  `json:"first_client"`
	FirstFrame uint32  `json:"first_frame"`
	RSTFrame   uint32  `json:"rst_frame"`
	FirstTime  string  `json:"first_time"`
	FirstRel   float64 `json:"first_rel_s"`
}

type fragNeededDoc struct {
	Frame      uint32  `json:"frame"`
	Time       string  `json:"time"`
	Rel        float64 `json:"rel_s"`
	Version    int     `json:"ip_version"`
	Type       string  `json:"type"` // "fragmentation-needed" or "packet-too-big"
	From       string  `json:"from"`
	To         string  `json:"to"`
	MTU        uint32  `json:"mtu"`
	InnerSrc   string  `json:"inner_src"`
	InnerDst   string  `json:"inner_dst"`
	InnerProto uint8   `json:"inner_proto"`
	InnerSport uint16  `json:"inner_sport"`
	InnerDport uint16  `json:"inner_dport"`
}

type unreachableDoc struct {
	Frame          uint32  `json:"frame"`
	Time           string  `json:"time"`
	Rel            float64 `json:"rel_s"`
	Version        int     `json:"ip_version"`
	From           string  `json:"from"`
	To             string  `json:"to"`
	Code           uint8   `json:"code"`
	CodeName       string  `json:"code_name"`
	UnreachableDst string  `json:"unreachable_dst"`
	DstCount       uint32  `json:"unreachable_dst_count"`
	Proto          uint8   `json:"proto"`
	Port           uint16  `json:"port"`
	SrcPort        uint16  `json:"src_port"`
}

type dfMaxDoc struct {
	Proto     string  `json:"proto"`
	Src       string  `json:"src"`
	Dst       string  `json:"dst"`
	Size      uint32  `json:"size"`
	Frame     uint32  `json:"frame"`
	Time      string  `json:"time"`
	Rel       float64 `json:"rel_s"`
	Encap     string  `json:"encapsulation"`
	OuterSize uint32  `json:"outer_size_max"`
}

type bucketDoc struct {
	Bucket    string `json:"bucket"`
	Min       uint32 `json:"min"`
	Max       uint32 `json:"max"` // 0: no upper bound
	Packets   uint64 `json:"packets"`
	DFPackets uint64 `json:"df_packets"`
}

// Bounds of the evidence lists.
const (
	maxAddressDocs = 20
	maxTargetDocs  = 50
)

// document builds the capture document from finished analysis.
func (a *analyzer) document(file, format string, ifNames []string, summary map[string]any) captureDoc {
	doc := captureDoc{
		File: file, Format: format, LinkTypes: a.linkNames(), Interfaces: ifNames, Summary: summary,
		Addresses: []addressDoc{}, Flows: []flowDoc{}, SynUnanswered: []synTargetDoc{}, SynRST: []synRSTDoc{},
		ICMPFragNeeded: []fragNeededDoc{}, ICMPUnreachable: []unreachableDoc{}, DFMax: []dfMaxDoc{},
	}
	if doc.Interfaces == nil {
		doc.Interfaces = []string{}
	}
	doc.Addresses = a.addressDocs()
	for _, s := range a.ev.flows.best() {
		doc.Flows = append(doc.Flows, a.flowDoc(&s))
	}
	doc.SynUnanswered, doc.SynRST = a.synDocs()
	for _, ev := range a.ev.frag {
		doc.ICMPFragNeeded = append(doc.ICMPFragNeeded, a.fragDoc(ev))
	}
	doc.ICMPUnreachable = a.unreachDocs()
	for _, s := range a.ev.df.best() {
		src, sp := s.key.end(int(s.dir))
		dst, dp := s.key.end(1 - int(s.dir))
		doc.DFMax = append(doc.DFMax, dfMaxDoc{
			Proto: protoName(s.key.proto), Src: hostPort(src, sp, s.key.proto), Dst: hostPort(dst, dp, s.key.proto),
			Size: s.size, Frame: s.frame, Time: a.stamp(s.ts), Rel: a.rel(s.ts), Encap: s.encap.String(), OuterSize: s.outerMax,
		})
	}
	lo := uint32(0)
	for i, hi := range bucketBounds {
		b := bucketDoc{Min: lo, Max: hi, Packets: a.c.hist[i], DFPackets: a.c.histDF[i]}
		if hi == ^uint32(0) {
			b.Max, b.Bucket = 0, itoa(int64(lo))+"+"
		} else {
			b.Bucket = itoa(int64(lo)) + "-" + itoa(int64(hi))
		}
		doc.SizeHistogram = append(doc.SizeHistogram, b)
		lo = hi + 1
	}
	return doc
}

func (a *analyzer) linkNames() []string {
	out := make([]string, 0, len(a.linkSeen))
	for _, lt := range a.linkSeen {
		out = append(out, linkTypeName(lt))
	}
	return out
}

func (a *analyzer) addressDocs() []addressDoc {
	out := make([]addressDoc, 0, len(a.ev.addrs))
	for k, v := range a.ev.addrs {
		out = append(out, addressDoc{Address: ipString(k), Packets: v.packets, Bytes: v.bytes})
	}
	slices.SortFunc(out, func(x, y addressDoc) int {
		if c := cmp.Compare(y.Packets, x.Packets); c != 0 {
			return c
		}
		return cmp.Compare(x.Address, y.Address)
	})
	return out[:min(len(out), maxAddressDocs)]
}

func (a *analyzer) flowDoc(s *flowSnap) flowDoc {
	f := &s.f
	ci := int(f.initiator)
	src, sp := f.key.end(ci)
	dst, dp := f.key.end(1 - ci)
	proto := f.key.proto
	fwd, rev := &f.dirs[ci], &f.dirs[1-ci]
	doc := flowDoc{
		Proto: protoName(proto), Src: hostPort(src, sp, proto), Dst: hostPort(dst, dp, proto),
		SrcIP: ipString(src), SrcPort: sp, DstIP: ipString(dst), DstPort: dp,
		Packets: uint64(fwd.packets) + uint64(rev.packets), Bytes: fwd.bytes + rev.bytes,
		Retrans: uint64(fwd.retrans) + uint64(rev.retrans), ZeroWins: uint64(fwd.zeroWin) + uint64(rev.zeroWin),
		MSS:      mssDoc{Src: fwd.mss, Dst: rev.mss},
		FirstFrm: f.firstFrame, FirstTime: a.stamp(f.firstTS), FirstRel: a.rel(f.firstTS), LastFrm: f.lastFrame,
		Reused: f.reused, RetrFrms: []uint32{},
		SrcToDst: a.dirDoc(fwd, s, ci), DstToSrc: a.dirDoc(rev, s, 1-ci),
	}
	// The delivery fields describe the side that retransmitted more (the
	// data sender in the usual case), the one a path-MTU problem shows on.
	data, side := doc.SrcToDst, "src"
	if rev.retrans > fwd.retrans || (rev.retrans == fwd.retrans && rev.bytes > fwd.bytes) {
		data, side = doc.DstToSrc, "dst"
	}
	doc.DataSide, doc.MaxDeliv, doc.MinRetr, doc.LargeRetr, doc.LargeAck = side, data.MaxDelivered, data.MinRetrans, data.LargeRetrans, data.LargeAcked
	if s.hasExt {
		doc.RetrFrms = append(doc.RetrFrms, s.e.retransFrames[:s.e.nRetransFrames]...)
		if s.e.encap != encNone {
			doc.Encap = &encDoc{Kind: s.e.encap.String(), OuterSrc: ipString(s.e.outer[ci]), OuterDst: ipString(s.e.outer[1-ci]), OuterSizeMax: s.e.outerMax}
		}
	}
	return doc
}

func (a *analyzer) dirDoc(ds *dirStat, s *flowSnap, d int) dirDoc {
	doc := dirDoc{
		Packets: ds.packets, Bytes: ds.bytes, Retrans: ds.retrans, Fast: ds.fast, Spurious: ds.spurious,
		OutOfOrder: ds.ooo, ZeroWindows: ds.zeroWin, ZeroWindowFrame: ds.zeroWinFrame,
		MaxIPSize: ds.maxIP, DFMaxSize: ds.dfMax, DFMaxFrame: ds.dfFrame,
	}
	if s.hasExt {
		dl := &s.e.dirs[d]
		doc.MaxDelivered, doc.MinRetrans = dl.maxDelivered, dl.minRetrans
		doc.LargeRetrans, doc.LargeAcked = dl.large()
	}
	return doc
}

func (a *analyzer) synDocs() ([]synTargetDoc, []synRSTDoc) {
	type target struct {
		k synKey
		v synAgg
	}
	var ts []target
	for k, v := range a.ev.targets {
		if v.unanswered > 0 {
			ts = append(ts, target{k, v})
		}
	}
	slices.SortFunc(ts, func(x, y target) int {
		if c := cmp.Compare(y.v.syns-y.v.attempts, x.v.syns-x.v.attempts); c != 0 {
			return c
		}
		return cmp.Compare(x.v.firstFrame, y.v.firstFrame)
	})
	unanswered := make([]synTargetDoc, 0, min(len(ts), maxTargetDocs))
	for _, t := range ts[:min(len(ts), maxTargetDocs)] {
		v := t.v
		d := synTargetDoc{
			Client: ipString(t.k.client), Server: ipString(t.k.server), Port: t.k.port,
			Attempts: v.attempts, UnansweredAttempts: v.unanswered, AnsweredAttempts: v.answered, LateAttempts: v.late, RefusedAttempts: v.refused, ICMPAttempts: v.icmp,
			SYNs: v.syns, SYNRetransmissions: v.syns - v.attempts, Intervals: []float64{}, SYNFrames: []uint32{},
			SynAck: v.answered > 0, RST: v.refused > 0,
			FirstFrame: v.firstFrame, FirstTime: a.stamp(v.firstTS), FirstRel: a.rel(v.firstTS), LastAttemptFrame: v.lastFrame,
		}
		for _, iv := range v.intervals[:v.nIntervals] {
			d.Intervals = append(d.Intervals, seconds(iv))
		}
		if v.nIntervals > 0 {
			d.SYNFrames = append(d.SYNFrames, v.synFrames[:v.nIntervals+1]...)
		}
		unanswered = append(unanswered, d)
	}

	type closed struct {
		k rstKey
		v rstAgg
	}
	var cs []closed
	for k, v := range a.ev.refused {
		cs = append(cs, closed{k, v})
	}
	slices.SortFunc(cs, func(x, y closed) int {
		if c := cmp.Compare(y.v.attempts, x.v.attempts); c != 0 {
			return c
		}
		return cmp.Compare(x.v.firstFrame, y.v.firstFrame)
	})
	refused := make([]synRSTDoc, 0, min(len(cs), maxTargetDocs))
	for _, c := range cs[:min(len(cs), maxTargetDocs)] {
		refused = append(refused, synRSTDoc{
			Server: ipString(c.k.server), Port: c.k.port, Attempts: c.v.attempts, Client: ipString(c.v.client),
			FirstFrame: c.v.firstFrame, RSTFrame: c.v.answerFrame, FirstTime: a.stamp(c.v.firstTS), FirstRel: a.rel(c.v.firstTS),
		})
	}
	return unanswered, refused
}

func (a *analyzer) fragDoc(ev icmpEvent) fragNeededDoc {
	d := fragNeededDoc{
		Frame: ev.frame, Time: a.stamp(ev.ts), Rel: a.rel(ev.ts), Version: 4, Type: "fragmentation-needed",
		From: ipString(ev.from), To: ipString(ev.to), MTU: ev.mtu,
	}
	if ev.v6 {
		d.Version, d.Type = 6, "packet-too-big"
	}
	if q := ev.inner; q.ok {
		d.InnerSrc, d.InnerDst, d.InnerProto = ipString(q.src), ipString(q.dst), q.proto
		d.InnerSport, d.InnerDport = q.sport, q.dport
	}
	return d
}

func (a *analyzer) unreachDocs() []unreachableDoc {
	type dst struct {
		k addr
		v unreachAgg
	}
	ds := make([]dst, 0, len(a.ev.unreach))
	for k, v := range a.ev.unreach {
		ds = append(ds, dst{k, v})
	}
	slices.SortFunc(ds, func(x, y dst) int {
		if c := cmp.Compare(y.v.count, x.v.count); c != 0 {
			return c
		}
		return cmp.Compare(x.v.events[0].frame, y.v.events[0].frame)
	})
	out := []unreachableDoc{}
	for _, d := range ds {
		for _, ev := range d.v.events[:d.v.n] {
			if len(out) == maxUnreachDocEntries {
				return out
			}
			u := unreachableDoc{
				Frame: ev.frame, Time: a.stamp(ev.ts), Rel: a.rel(ev.ts), Version: 4, From: ipString(ev.from), To: ipString(ev.to),
				Code: ev.code, CodeName: unreachCodeName(ev.v6, ev.code), UnreachableDst: ipString(d.k), DstCount: d.v.count,
			}
			if ev.v6 {
				u.Version = 6
			}
			if q := ev.inner; q.ok {
				u.Proto, u.Port, u.SrcPort = q.proto, q.dport, q.sport
			}
			out = append(out, u)
		}
	}
	return out
}

// Timestamps in evidence are given twice: "time" is RFC 3339 with
// nanoseconds in UTC, "rel_s" is seconds since the capture's first frame
// (Wireshark's "time since first frame" column, rounded to 1 µs).
func (a *analyzer) stamp(ts int64) string { return time.Unix(0, ts).UTC().Format(time.RFC3339Nano) }

func (a *analyzer) rel(ts int64) float64 { return seconds(ts - a.c.firstTS) }

func seconds(ns int64) float64 { return math.Round(float64(ns)/1e3) / 1e6 }

func ipString(a addr) string { return netip.AddrFrom16(a).Unmap().String() }

func hostPort(a addr, port uint16, proto uint8) string {
	if proto != 6 && proto != 17 {
		return ipString(a)
	}
	return netip.AddrPortFrom(netip.AddrFrom16(a).Unmap(), port).String()
}

func protoName(p uint8) string {
	switch p {
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 1:
		return "icmp"
	case 58:
		return "icmpv6"
	case 47:
		return "gre"
	case 132:
		return "sctp"
	}
	return "ip-proto-" + itoa(int64(p))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
