package netstat

import "strings"

// The phrase table maps the English lines `netstat -s` prints back to the
// kernel field they were formatted from. It is the union of the `struct
// entry` tables in net-tools' statistics.c across its history, because
// bundles come from every distribution era:
//
//   - statistics.c 1.11 (1999, "%d"), 1.14 (2001, "%u": "SYNs to LISTEN
//     sockets ignored", "packets header predicted", "packets directly
//     received from backlog");
//   - statistics.c 1.23 (2010, "%llu", RHEL/CentOS 6-7 era: "segments send
//     out", "segments retransmited", "active connections openings",
//     "SYNs to LISTEN sockets dropped", "packets rejects in established
//     connections");
//   - net-tools 2.x (sorted tables: "segments sent out", "segments
//     retransmitted", "active connection openings", "packetes rejected",
//     later "packets rejected", "outgoing packets failed fragmentation").
//
// Each phrase is written with "%" where printf put the number. A field
// whose net-tools title was misspelt (TCPLostRetransmits, TCPDSackUndo,
// TCPRenoRecoveryFailed) never matched the kernel's name, so netstat printed
// it with the generic "Name: N" fallback instead; those phrases still map to
// the kernel's real name here in case a patched build printed them.
//
// Sections not in the tables (IcmpMsg, IpExt, UdpLite, MPTcpExt, anything
// newer) only ever appear through that generic fallback, which the reader
// handles without a table.

// maxPhraseWords is more words than any net-tools phrase has (the longest,
// OfoPruned's, has 12 with its number).
const maxPhraseWords = 16

// histogram says which ICMP histogram a line sits under.
type histogram int

const (
	histNone histogram = iota
	histIn
	histOut
)

type phraseEntry struct {
	section string
	field   string
	hist    histogram // for ICMP histogram lines; histNone elsewhere
	phrases []string
}

var phraseEntries = []phraseEntry{
	// Ip (Iptab). Forwarding and DefaultTTL are "static" entries netstat
	// prints only with an internal flag -s never sets; "Forwarding is %s"
	// also inverted its meaning, so it is deliberately not mapped.
	{"Ip", "DefaultTTL", histNone, []string{"Default TTL is %"}},
	{"Ip", "InReceives", histNone, []string{"% total packets received"}},
	{"Ip", "InHdrErrors", histNone, []string{"% with invalid headers"}},
	{"Ip", "InAddrErrors", histNone, []string{"% with invalid addresses"}},
	{"Ip", "ForwDatagrams", histNone, []string{"% forwarded"}},
	{"Ip", "InUnknownProtos", histNone, []string{"% with unknown protocol"}},
	{"Ip", "InDiscards", histNone, []string{"% incoming packets discarded"}},
	{"Ip", "InDelivers", histNone, []string{"% incoming packets delivered"}},
	{"Ip", "OutRequests", histNone, []string{"% requests sent out"}},
	{"Ip", "OutDiscards", histNone, []string{"% outgoing packets dropped"}},
	{"Ip", "OutNoRoutes", histNone, []string{"% dropped because of missing route"}},
	{"Ip", "ReasmTimeout", histNone, []string{"% fragments dropped after timeout"}},
	{"Ip", "ReasmReqds", histNone, []string{"% reassemblies required"}},
	{"Ip", "ReasmOKs", histNone, []string{"% packets reassembled ok"}},
	{"Ip", "ReasmFails", histNone, []string{"% packet reassembles failed", "% packet reassemblies failed"}},
	{"Ip", "FragOKs", histNone, []string{"% fragments received ok", "% outgoing packets fragmented ok"}},
	{"Ip", "FragFails", histNone, []string{"% fragments failed", "% outgoing packets failed fragmentation"}},
	{"Ip", "FragCreates", histNone, []string{"% fragments created"}},

	// Icmp (Icmptab): plain lines, then the two histograms whose lines only
	// say which way through the title above them.
	{"Icmp", "InMsgs", histNone, []string{"% ICMP messages received"}},
	{"Icmp", "InErrors", histNone, []string{"% input ICMP message failed."}},
	{"Icmp", "OutMsgs", histNone, []string{"% ICMP messages sent"}},
	{"Icmp", "OutErrors", histNone, []string{"% ICMP messages failed"}},
	{"Icmp", "InDestUnreachs", histIn, []string{"destination unreachable: %"}},
	{"Icmp", "InTimeExcds", histIn, []string{"timeout in transit: %"}},
	{"Icmp", "InParmProbs", histIn, []string{"wrong parameters: %"}},
	{"Icmp", "InSrcQuenchs", histIn, []string{"source quenchs: %", "source quenches: %"}},
	{"Icmp", "InRedirects", histIn, []string{"redirects: %"}},
	{"Icmp", "InEchos", histIn, []string{"echo requests: %"}},
	{"Icmp", "InEchoReps", histIn, []string{"echo replies: %"}},
	{"Icmp", "InTimestamps", histIn, []string{"timestamp request: %"}},
	{"Icmp", "InTimestampReps", histIn, []string{"timestamp reply: %"}},
	{"Icmp", "InAddrMasks", histIn, []string{"address mask request: %"}},
	{"Icmp", "InAddrMaskReps", histIn, []string{"address mask replies: %"}},
	{"Icmp", "OutDestUnreachs", histOut, []string{"destination unreachable: %"}},
	{"Icmp", "OutTimeExcds", histOut, []string{"time exceeded: %"}},
	{"Icmp", "OutParmProbs", histOut, []string{"wrong parameters: %"}},
	{"Icmp", "OutSrcQuenchs", histOut, []string{"source quench: %"}},
	{"Icmp", "OutRedirects", histOut, []string{"redirect: %"}},
	{"Icmp", "OutEchos", histOut, []string{"echo request: %", "echo requests: %"}},
	{"Icmp", "OutEchoReps", histOut, []string{"echo replies: %"}},
	{"Icmp", "OutTimestamps", histOut, []string{"timestamp requests: %"}},
	{"Icmp", "OutTimestampReps", histOut, []string{"timestamp replies: %"}},
	{"Icmp", "OutAddrMasks", histOut, []string{"address mask requests: %"}},
	{"Icmp", "OutAddrMaskReps", histOut, []string{"address mask replies: %"}},

	// Tcp (Tcptab). RtoAlgorithm/RtoMin/RtoMax/MaxConn print nothing.
	{"Tcp", "ActiveOpens", histNone, []string{"% active opens", "% active connections openings", "% active connection openings"}},
	{"Tcp", "PassiveOpens", histNone, []string{"% passive opens", "% passive connection openings"}},
	{"Tcp", "AttemptFails", histNone, []string{"% failed connection attempts"}},
	{"Tcp", "EstabResets", histNone, []string{"% connection resets received"}},
	{"Tcp", "CurrEstab", histNone, []string{"% connections established"}},
	{"Tcp", "InSegs", histNone, []string{"% segments received"}},
	{"Tcp", "OutSegs", histNone, []string{"% segments send out", "% segments sent out"}},
	{"Tcp", "RetransSegs", histNone, []string{"% segments retransmited", "% segments retransmitted"}},
	{"Tcp", "InErrs", histNone, []string{"% bad segments received."}},
	{"Tcp", "OutRsts", histNone, []string{"% resets sent"}},

	// Udp (Udptab).
	{"Udp", "InDatagrams", histNone, []string{"% packets received"}},
	{"Udp", "NoPorts", histNone, []string{"% packets to unknown port received."}},
	{"Udp", "InErrors", histNone, []string{"% packet receive errors"}},
	{"Udp", "OutDatagrams", histNone, []string{"% packets send", "% packets sent"}},
	{"Udp", "RcvbufErrors", histNone, []string{"% receive buffer errors"}},
	{"Udp", "SndbufErrors", histNone, []string{"% send buffer errors"}},

	// TcpExt (Tcpexttab).
	{"TcpExt", "SyncookiesSent", histNone, []string{"% SYN cookies sent"}},
	{"TcpExt", "SyncookiesRecv", histNone, []string{"% SYN cookies received"}},
	{"TcpExt", "SyncookiesFailed", histNone, []string{"% invalid SYN cookies received"}},
	{"TcpExt", "EmbryonicRsts", histNone, []string{"% resets received for embryonic SYN_RECV sockets"}},
	{"TcpExt", "PruneCalled", histNone, []string{"% packets pruned from receive queue because of socket buffer overrun"}},
	{"TcpExt", "RcvPruned", histNone, []string{"% packets pruned from out-of-order queue", "% packets pruned from receive queue"}},
	{"TcpExt", "OfoPruned", histNone, []string{"% packets dropped from out-of-order queue because of socket buffer overrun"}},
	{"TcpExt", "OutOfWindowIcmps", histNone, []string{"% ICMP packets dropped because they were out-of-window"}},
	{"TcpExt", "LockDroppedIcmps", histNone, []string{"% ICMP packets dropped because socket was locked"}},
	{"TcpExt", "TW", histNone, []string{"% TCP sockets finished time wait in fast timer"}},
	{"TcpExt", "TWRecycled", histNone, []string{"% time wait sockets recycled by time stamp"}},
	{"TcpExt", "TWKilled", histNone, []string{"% TCP sockets finished time wait in slow timer"}},
	{"TcpExt", "PAWSPassive", histNone, []string{"% passive connections rejected because of time stamp"}},
	{"TcpExt", "PAWSActive", histNone, []string{"% active connections rejected because of time stamp"}},
	{"TcpExt", "PAWSEstab", histNone, []string{
		"% packets rejects in established connections because of timestamp",
		"% packetes rejected in established connections because of timestamp",
		"% packets rejected in established connections because of timestamp"}},
	{"TcpExt", "DelayedACKs", histNone, []string{"% delayed acks sent"}},
	{"TcpExt", "DelayedACKLocked", histNone, []string{"% delayed acks further delayed because of locked socket"}},
	{"TcpExt", "DelayedACKLost", histNone, []string{"Quick ack mode was activated % times"}},
	{"TcpExt", "ListenOverflows", histNone, []string{"% times the listen queue of a socket overflowed"}},
	{"TcpExt", "ListenDrops", histNone, []string{"% SYNs to LISTEN sockets ignored", "% SYNs to LISTEN sockets dropped"}},
	{"TcpExt", "TCPPrequeued", histNone, []string{"% packets directly queued to recvmsg prequeue."}},
	{"TcpExt", "TCPDirectCopyFromBacklog", histNone, []string{"% packets directly received from backlog", "% bytes directly in process context from backlog"}},
	{"TcpExt", "TCPDirectCopyFromPrequeue", histNone, []string{"% packets directly received from prequeue", "% bytes directly received in process context from prequeue"}},
	{"TcpExt", "TCPPrequeueDropped", histNone, []string{"% packets dropped from prequeue"}},
	{"TcpExt", "TCPHPHits", histNone, []string{"% packets header predicted", "% packet headers predicted"}},
	{"TcpExt", "TCPHPHitsToUser", histNone, []string{"% packets header predicted and directly queued to user", "% packet headers predicted and directly queued to user"}},
	{"TcpExt", "SockMallocOOM", histNone, []string{"Ran % times out of system memory during packet sending"}},
	{"TcpExt", "TCPPureAcks", histNone, []string{"% acknowledgments not containing data payload received"}},
	{"TcpExt", "TCPHPAcks", histNone, []string{"% predicted acknowledgments"}},
	{"TcpExt", "TCPRenoRecovery", histNone, []string{"% times recovered from packet loss due to fast retransmit"}},
	{"TcpExt", "TCPSackRecovery", histNone, []string{"% times recovered from packet loss by selective acknowledgements"}},
	{"TcpExt", "TCPSACKReneging", histNone, []string{"% bad SACK blocks received"}},
	{"TcpExt", "TCPFACKReorder", histNone, []string{"Detected reordering % times using FACK"}},
	{"TcpExt", "TCPSACKReorder", histNone, []string{"Detected reordering % times using SACK"}},
	{"TcpExt", "TCPTSReorder", histNone, []string{"Detected reordering % times using time stamp"}},
	{"TcpExt", "TCPRenoReorder", histNone, []string{"Detected reordering % times using reno fast retransmit"}},
	{"TcpExt", "TCPFullUndo", histNone, []string{"% congestion windows fully recovered without slow start"}},
	{"TcpExt", "TCPPartialUndo", histNone, []string{"% congestion windows partially recovered using Hoe heuristic"}},
	{"TcpExt", "TCPDSACKUndo", histNone, []string{"% congestion window recovered without slow start using DSACK", "% congestion windows recovered without slow start by DSACK"}},
	{"TcpExt", "TCPLossUndo", histNone, []string{"% congestion windows recovered without slow start after partial ack"}},
	{"TcpExt", "TCPLostRetransmit", histNone, []string{"% retransmits lost"}},
	{"TcpExt", "TCPRenoFailures", histNone, []string{"% timeouts after reno fast retransmit"}},
	{"TcpExt", "TCPSackFailures", histNone, []string{"% timeouts after SACK recovery"}},
	{"TcpExt", "TCPLossFailures", histNone, []string{"% timeouts in loss state"}},
	{"TcpExt", "TCPFastRetrans", histNone, []string{"% fast retransmits"}},
	{"TcpExt", "TCPForwardRetrans", histNone, []string{"% forward retransmits"}},
	{"TcpExt", "TCPSlowStartRetrans", histNone, []string{"% retransmits in slow start"}},
	{"TcpExt", "TCPTimeouts", histNone, []string{"% other TCP timeouts"}},
	{"TcpExt", "TCPRenoRecoveryFail", histNone, []string{"% reno fast retransmits failed", "% classic Reno fast retransmits failed"}},
	{"TcpExt", "TCPSackRecoveryFail", histNone, []string{"% SACK retransmits failed"}},
	{"TcpExt", "TCPSchedulerFailed", histNone, []string{"% times receiver scheduled too late for direct processing"}},
	{"TcpExt", "TCPRcvCollapsed", histNone, []string{"% packets collapsed in receive queue due to low socket buffer"}},
	{"TcpExt", "TCPDSACKOldSent", histNone, []string{"% DSACKs sent for old packets"}},
	{"TcpExt", "TCPDSACKOfoSent", histNone, []string{"% DSACKs sent for out of order packets"}},
	{"TcpExt", "TCPDSACKRecv", histNone, []string{"% DSACKs received"}},
	{"TcpExt", "TCPDSACKOfoRecv", histNone, []string{"% DSACKs for out of order packets received"}},
	{"TcpExt", "TCPAbortOnSyn", histNone, []string{"% connections reset due to unexpected SYN"}},
	{"TcpExt", "TCPAbortOnData", histNone, []string{"% connections reset due to unexpected data"}},
	{"TcpExt", "TCPAbortOnClose", histNone, []string{"% connections reset due to early user close"}},
	{"TcpExt", "TCPAbortOnMemory", histNone, []string{"% connections aborted due to memory pressure"}},
	{"TcpExt", "TCPAbortOnTimeout", histNone, []string{"% connections aborted due to timeout"}},
	{"TcpExt", "TCPAbortOnLinger", histNone, []string{"% connections aborted after user close in linger timeout"}},
	{"TcpExt", "TCPAbortFailed", histNone, []string{"% times unabled to send RST due to no memory", "% times unable to send RST due to no memory"}},
	{"TcpExt", "TCPMemoryPressures", histNone, []string{"TCP ran low on memory % times"}},
	{"TcpExt", "TCPLoss", histNone, []string{"% TCP data loss events"}},

	// `netstat -s -6` (Ip6tab, Icmp6tab, Udp6tab): the kernel's names carry
	// the section already (Ip6InReceives).
	{"Ip6", "Ip6InReceives", histNone, []string{"% total packets received"}},
	{"Ip6", "Ip6InHdrErrors", histNone, []string{"% with invalid headers"}},
	{"Ip6", "Ip6InTooBigErrors", histNone, []string{"% with packets too big"}},
	{"Ip6", "Ip6InNoRoutes", histNone, []string{"% incoming packets with no route"}},
	{"Ip6", "Ip6InAddrErrors", histNone, []string{"% with invalid addresses"}},
	{"Ip6", "Ip6InUnknownProtos", histNone, []string{"% with unknown protocol"}},
	{"Ip6", "Ip6InTruncatedPkts", histNone, []string{"% with truncated packets"}},
	{"Ip6", "Ip6InDiscards", histNone, []string{"% incoming packets discarded"}},
	{"Ip6", "Ip6InDelivers", histNone, []string{"% incoming packets delivered"}},
	{"Ip6", "Ip6OutForwDatagrams", histNone, []string{"% forwarded"}},
	{"Ip6", "Ip6OutRequests", histNone, []string{"% requests sent out"}},
	{"Ip6", "Ip6OutDiscards", histNone, []string{"% outgoing packets dropped"}},
	{"Ip6", "Ip6OutNoRoutes", histNone, []string{"% dropped because of missing route"}},
	{"Ip6", "Ip6ReasmTimeout", histNone, []string{"% fragments dropped after timeout"}},
	{"Ip6", "Ip6ReasmReqds", histNone, []string{"% reassemblies required"}},
	{"Ip6", "Ip6ReasmOKs", histNone, []string{"% packets reassembled ok"}},
	{"Ip6", "Ip6ReasmFails", histNone, []string{"% packet reassembles failed", "% packet reassemblies failed"}},
	{"Ip6", "Ip6FragOKs", histNone, []string{"% fragments received ok", "% outgoing packets fragmented ok"}},
	{"Ip6", "Ip6FragFails", histNone, []string{"% fragments failed", "% outgoing packets failed fragmentation"}},
	{"Ip6", "Ip6FragCreates", histNone, []string{"% fragments created"}},
	{"Ip6", "Ip6InMcastPkts", histNone, []string{"% incoming multicast packets"}},
	{"Ip6", "Ip6OutMcastPkts", histNone, []string{"% outgoing multicast packets"}},
	{"Icmp6", "Icmp6InMsgs", histNone, []string{"% ICMP messages received"}},
	{"Icmp6", "Icmp6InErrors", histNone, []string{"% input ICMP message failed."}},
	{"Icmp6", "Icmp6OutMsgs", histNone, []string{"% ICMP messages sent"}},
	{"Icmp6", "Icmp6InDestUnreachs", histIn, []string{"destination unreachable: %"}},
	{"Icmp6", "Icmp6InPktTooBigs", histIn, []string{"packets too big: %"}},
	{"Icmp6", "Icmp6InTimeExcds", histIn, []string{"received ICMPv6 time exceeded: %"}},
	{"Icmp6", "Icmp6InParmProblems", histIn, []string{"parameter problem: %"}},
	{"Icmp6", "Icmp6InEchos", histIn, []string{"echo requests: %"}},
	{"Icmp6", "Icmp6InEchoReplies", histIn, []string{"echo replies: %"}},
	{"Icmp6", "Icmp6InGroupMembQueries", histIn, []string{"group member queries: %"}},
	{"Icmp6", "Icmp6InGroupMembResponses", histIn, []string{"group member responses: %"}},
	{"Icmp6", "Icmp6InGroupMembReductions", histIn, []string{"group member reductions: %"}},
	{"Icmp6", "Icmp6InRouterSolicits", histIn, []string{"router solicits: %"}},
	{"Icmp6", "Icmp6InRouterAdvertisements", histIn, []string{"router advertisement: %"}},
	{"Icmp6", "Icmp6InNeighborSolicits", histIn, []string{"neighbour solicits: %"}},
	{"Icmp6", "Icmp6InNeighborAdvertisements", histIn, []string{"neighbour advertisement: %"}},
	{"Icmp6", "Icmp6InRedirects", histIn, []string{"redirects: %"}},
	{"Icmp6", "Icmp6OutDestUnreachs", histOut, []string{"destination unreachable: %"}},
	{"Icmp6", "Icmp6OutPktTooBigs", histOut, []string{"packets too big: %"}},
	{"Icmp6", "Icmp6OutTimeExcds", histOut, []string{"sent ICMPv6 time exceeded: %"}},
	{"Icmp6", "Icmp6OutParmProblems", histOut, []string{"parameter problem: %"}},
	{"Icmp6", "Icmp6OutEchos", histOut, []string{"echo requests: %"}},
	{"Icmp6", "Icmp6OutEchoReplies", histOut, []string{"echo replies: %"}},
	{"Icmp6", "Icmp6OutGroupMembQueries", histOut, []string{"group member queries: %"}},
	{"Icmp6", "Icmp6OutGroupMembResponses", histOut, []string{"group member responses: %"}},
	{"Icmp6", "Icmp6OutGroupMembReductions", histOut, []string{"group member reductions: %"}},
	{"Icmp6", "Icmp6OutRouterSolicits", histOut, []string{"router solicits: %"}},
	{"Icmp6", "Icmp6OutRouterAdvertisements", histOut, []string{"router advertisement: %"}},
	{"Icmp6", "Icmp6OutNeighborSolicits", histOut, []string{"neighbor solicits: %"}},
	{"Icmp6", "Icmp6OutNeighborAdvertisements", histOut, []string{"neighbor advertisements: %"}},
	{"Icmp6", "Icmp6OutRedirects", histOut, []string{"redirects: %"}},
	{"Udp6", "Udp6InDatagrams", histNone, []string{"% packets received"}},
	{"Udp6", "Udp6NoPorts", histNone, []string{"% packets to unknown port received."}},
	{"Udp6", "Udp6InErrors", histNone, []string{"% packet receive errors"}},
	{"Udp6", "Udp6OutDatagrams", histNone, []string{"% packets sent"}},

	// Sctp (Sctptab, from /proc/net/sctp/snmp).
	{"Sctp", "SctpCurrEstab", histNone, []string{"% Current Associations"}},
	{"Sctp", "SctpActiveEstabs", histNone, []string{"% Active Associations"}},
	{"Sctp", "SctpPassiveEstabs", histNone, []string{"% Passive Associations"}},
	{"Sctp", "SctpAborteds", histNone, []string{"% Number of Aborteds"}},
	{"Sctp", "SctpShutdowns", histNone, []string{"% Number of Graceful Terminations"}},
	{"Sctp", "SctpOutOfBlues", histNone, []string{"% Number of Out of Blue packets"}},
	{"Sctp", "SctpChecksumErrors", histNone, []string{"% Number of Packets with invalid Checksum"}},
	{"Sctp", "SctpOutCtrlChunks", histNone, []string{"% Number of control chunks sent"}},
	{"Sctp", "SctpOutOrderChunks", histNone, []string{"% Number of ordered chunks sent"}},
	{"Sctp", "SctpOutUnorderChunks", histNone, []string{"% Number of Unordered chunks sent"}},
	{"Sctp", "SctpInCtrlChunks", histNone, []string{"% Number of control chunks received"}},
	{"Sctp", "SctpInOrderChunks", histNone, []string{"% Number of ordered chunks received"}},
	{"Sctp", "SctpInUnorderChunks", histNone, []string{"% Number of Unordered chunks received"}},
	{"Sctp", "SctpFragUsrMsgs", histNone, []string{"% Number of messages fragmented"}},
	{"Sctp", "SctpReasmUsrMsgs", histNone, []string{"% Number of messages reassembled"}},
	{"Sctp", "SctpOutSCTPPacks", histNone, []string{"% Number of SCTP packets sent"}},
	{"Sctp", "SctpInSCTPPacks", histNone, []string{"% Number of SCTP packets received"}},
}

// phraseTarget is where a phrase leads: the section and the kernel field.
type phraseTarget struct {
	section string
	field   string
}

type histKey struct {
	section  string
	hist     histogram
	template string
}

var (
	// bySection finds a phrase within the section whose header came last.
	bySection = map[histKey]phraseTarget{}
	// anySection finds a phrase when no header says where it is (grep
	// output): IPv4 sections first, IPv6 only for phrases IPv4 lacks, and
	// phrases that two sections share with different meanings left out.
	anySection = map[histKey]phraseTarget{}
	// templates holds every known phrase, for detection.
	templates = map[string]bool{}
)

// v6Sections print only with `netstat -s -6`; without a header a phrase is
// taken as the IPv4 one.
var v6Sections = map[string]bool{"Ip6": true, "Icmp6": true, "Udp6": true}

func init() {
	ambiguous := map[histKey]bool{}
	add := func(v6 bool) {
		for _, e := range phraseEntries {
			if v6Sections[e.section] != v6 {
				continue
			}
			for _, p := range e.phrases {
				t := normTemplate(p)
				templates[t] = true
				tgt := phraseTarget{e.section, e.field}
				bySection[histKey{e.section, e.hist, t}] = tgt
				for _, h := range []histogram{e.hist, histNone} {
					k := histKey{"", h, t}
					if ambiguous[k] {
						continue
					}
					if cur, ok := anySection[k]; ok && cur != tgt {
						if v6 {
							continue // IPv4 already owns it
						}
						delete(anySection, k)
						ambiguous[k] = true
						continue
					}
					anySection[k] = tgt
				}
			}
		}
	}
	add(false)
	add(true)
	// The ICMP histograms without their title: a phrase only one direction
	// uses still says which (timeout in transit is always input), which the
	// histNone entry above already captures unless both directions use it.
}

// normTemplate makes a phrase comparable across net-tools versions: case,
// runs of blanks and a trailing period (added and dropped over the years)
// do not matter.
func normTemplate(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.TrimSuffix(s, ".")
	return strings.ToLower(strings.TrimSpace(s))
}

// lookupPhrase finds the field a phrase line stands for. section and hist
// are the reader's current context; either may be unknown ("" / histNone).
func lookupPhrase(section string, hist histogram, template string) (phraseTarget, bool) {
	if section != "" {
		if t, ok := bySection[histKey{section, hist, template}]; ok {
			return t, true
		}
		if hist != histNone {
			// A line after the histograms (IcmpMsg lines are indented like
			// them) or a histogram title lost to grep.
			if t, ok := bySection[histKey{section, histNone, template}]; ok {
				return t, true
			}
		} else {
			for _, h := range []histogram{histIn, histOut} {
				t, ok := bySection[histKey{section, h, template}]
				if !ok {
					continue
				}
				// Only if the other direction does not use the phrase too.
				other := histIn
				if h == histIn {
					other = histOut
				}
				if _, both := bySection[histKey{section, other, template}]; !both {
					return t, true
				}
			}
		}
	}
	if t, ok := anySection[histKey{"", hist, template}]; ok {
		return t, true
	}
	t, ok := anySection[histKey{"", histNone, template}]
	return t, ok
}
