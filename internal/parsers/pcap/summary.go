package pcap

import (
	"strconv"
	"strings"
	"time"
)

// summary is Result.Summary and the document's "summary": a documented,
// stable set of keys (doc.go lists them). Numbers are exact totals.
func (a *analyzer) summary(format string) map[string]any {
	c := a.c
	encap := map[string]uint64{}
	var encapTotal uint64
	for k := encKind(1); k < numEncKinds; k++ {
		if c.encap[k] > 0 {
			encap[k.String()] = c.encap[k]
			encapTotal += c.encap[k]
		}
	}
	s := map[string]any{
		"format":                   format,
		"link_types":               a.linkNames(),
		"packets":                  c.frames,
		"bytes":                    c.bytes,
		"flows":                    a.flows.created,
		"flows_evicted":            a.flows.evicted,
		"flows_retired":            a.flows.retired,
		"flows_live_max":           a.flows.peak,
		"tcp_packets":              c.tcp,
		"udp_packets":              c.udp,
		"icmp_packets":             c.icmp,
		"other_ip_packets":         c.otherIP,
		"non_ip_packets":           c.nonIP,
		"unsupported_link_packets": c.unsupported,
		"ip_fragments":             c.fragments,
		"retransmissions":          c.retrans,
		"fast_retransmissions":     c.fast,
		"spurious_retransmissions": c.spurious,
		"out_of_order":             c.ooo,
		"duplicate_acks":           c.dupAcks,
		"keep_alives":              c.keepAlives,
		"zero_windows":             c.zeroWin,
		"ports_reused":             c.reused,
		"syn_attempts":             c.synAttempts,
		"syn_retransmissions":      c.synRetransmissions,
		"syn_unanswered":           a.unansweredTargets(),
		"syn_unanswered_attempts":  c.synUnansweredAttempts,
		"syn_rst":                  c.synRefused,
		"syn_answered_late":        c.synAnsweredLate,
		"syn_icmp_unreachable":     c.synICMPUnreachable,
		"icmp_frag_needed":         c.icmp4FragNeeded + c.icmp6PacketTooBig,
		"icmp4_frag_needed":        c.icmp4FragNeeded,
		"icmp6_packet_too_big":     c.icmp6PacketTooBig,
		"icmp_min_mtu":             c.minPMTU,
		"icmp_unreachable":         c.icmpUnreachable,
		"icmp_time_exceeded":       c.icmpTimeExceeded,
		"encapsulated":             encap,
		"encapsulated_packets":     encapTotal,
		"max_ip_size":              c.maxIP,
		"df_max_size":              c.dfMax,
		"df_max_frame":             c.dfFrame,
		"truncated":                c.stoppedFrame != 0,
		"evidence_truncated":       a.ev.targetsDropped > 0 || a.ev.addrsDropped > 0,
	}
	if c.frames > 0 {
		s["first"] = a.stamp(c.firstTS)
		s["last"] = a.stamp(c.lastTS)
		s["duration_s"] = seconds(c.lastTS - c.firstTS)
	} else {
		s["first"], s["last"], s["duration_s"] = "", "", 0.0
	}
	return s
}

// unansweredTargets counts targets (client, server, port) with at least one
// attempt whose SYN was retransmitted and never answered.
func (a *analyzer) unansweredTargets() uint64 {
	var n uint64
	for _, t := range a.ev.targets {
		if t.unanswered > 0 {
			n++
		}
	}
	return n
}

// detail is the inventory line, e.g. "pcap, Ethernet, 12,345 packets in
// 31.2 s, 412 flows, 47 retransmissions, 2 ICMP frag-needed".
func (a *analyzer) detail(format string) string {
	c := a.c
	parts := []string{format}
	if names := a.linkNames(); len(names) > 0 {
		parts = append(parts, strings.Join(names, "+"))
	}
	dur := time.Duration(c.lastTS - c.firstTS)
	parts = append(parts,
		group(c.frames)+" packets in "+strconv.FormatFloat(dur.Seconds(), 'f', 1, 64)+" s",
		group(a.flows.created)+" flows",
		group(c.retrans)+" retransmissions")
	if n := c.icmp4FragNeeded + c.icmp6PacketTooBig; n > 0 {
		parts = append(parts, group(n)+" ICMP frag-needed")
	}
	if n := c.icmpUnreachable; n > 0 {
		parts = append(parts, group(n)+" ICMP unreachable")
	}
	if n := a.unansweredTargets(); n > 0 {
		parts = append(parts, group(n)+" unanswered SYN targets")
	}
	var tunnels []string
	for k := encKind(1); k < numEncKinds; k++ {
		if c.encap[k] > 0 {
			tunnels = append(tunnels, k.String())
		}
	}
	if len(tunnels) > 0 {
		parts = append(parts, "tunnels: "+strings.Join(tunnels, ", "))
	}
	return strings.Join(parts, ", ")
}

// group writes n with thousands separators.
func group(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
