// Package pcap analyses packet captures (pcap and pcapng) offline and turns
// each into one capture document of evidence for the rules: TCP
// retransmissions classified as Wireshark classifies them, the sizes that
// got through and the sizes that did not (path MTU), MSS options, ICMP
// fragmentation-needed / packet-too-big, destination unreachable, SYNs
// retransmitted without an answer (listen-queue overflow), SYNs refused by
// RST, zero windows, and the largest don't-fragment packets.
//
// # Reading
//
// Detection is by magic number only (pcap micro/nanosecond in either byte
// order, pcapng). pcapng frames are read with gopacket's pcapgo reader
// through ZeroCopyReadPacketData; classic pcap records by source.nextRecord,
// which keeps at most MaxFrameBytes (256 KiB) of a record and skips the
// rest as it streams by (pcapgo buffered a 1 GiB record whole, 4.2 GB).
// Frames are decoded by one preallocated
// gopacket.DecodingLayerParser per link type (Ethernet with 802.1Q/QinQ,
// Linux cooked SLL and SLL2, raw IP 101/12/14/228/229, null/loopback); a
// pcapng file's interfaces each keep their link type. Tunnels are opened by
// hand and the inner flow is the one analysed: IPIP, IPv6-in-IPv4 (and the
// IPv6-carried variants), GRE (IP, transparent Ethernet bridging, ERSPAN
// II/III, PPP), VXLAN on UDP 4789 and 8472 (the Linux/flannel default),
// Geneve on 6081. The outer packet's size and endpoints are kept per flow.
// Nothing is allocated per frame. Flows live in a bounded table (Capture.
// MaxFlows, default 200,000): a TCP connection leaves it 10 s of capture
// time after it closed (RST, or FIN both ways acknowledged), an open one
// after 5 minutes without a packet, a UDP or other datagram flow after one
// minute, and when the table is full anyway the least recently seen flow is
// evicted (closed ones first). A flow that leaves is added to the evidence
// first, so memory grows with the flows live at once, never with the size
// of the capture.
//
// A capture that ends inside a frame, or turns corrupt, keeps everything
// read before that point; the result carries a warning naming the frame
// and byte offset where reading stopped, and summary.truncated is true.
//
// # Frame numbers and times
//
// Frames are numbered from 1 in file order as Wireshark numbers them
// (pcapng: packet blocks only). Every evidence item gives "time", RFC 3339
// with nanoseconds in UTC, and "rel_s" (or first_rel_s), seconds since the
// capture's earliest frame rounded to the microsecond.
//
// # Retransmissions
//
// The TCP sequence analysis is Wireshark 4.0's (retrans.go lists the checks
// in order); "retransmissions" counts exactly the frames that
// `tshark -Y tcp.analysis.retransmission` lists: plain, fast and spurious
// retransmissions, not out-of-order segments. Like Wireshark, a TCP segment
// inside an IP fragment, inside an ICMP error, or shorter than its own header
// is not analysed, and conversations are keyed by addresses and ports only,
// whatever tunnel or VLAN they came through. Known, deliberate differences
// from Wireshark: IP fragments are not reassembled (Wireshark analyses a
// fragmented segment in the frame that completes it), a SYN or FIN always
// counts one sequence number (Wireshark stops counting it once a direction
// has 10,000 unacknowledged segments), VXLAN is also decoded on UDP 8472
// (tshark leaves 8472 undecoded, so it cannot analyse TCP inside it unless
// told "-d udp.port==8472,vxlan"), and a flow that left the table (see
// above) starts afresh if it is seen again.
//
// # Result.Summary and the document's "summary" (a stable contract)
//
// Counts are exact totals over the whole capture.
//
//	format                    "pcap" or "pcapng"
//	link_types                link types seen, by name ("Ethernet", "Linux cooked v2 (SLL2)", …)
//	packets, bytes            frames and their on-the-wire bytes
//	first, last, duration_s   RFC 3339 of the earliest and latest frame, and the span in seconds
//	flows                     flow-table entries created (TCP/UDP 5-tuples; other IP by address pair and protocol);
//	                          a flow that left the table and came back counts again
//	flows_evicted             flows evicted early because the table was full
//	flows_retired             flows that left the table closed or idle
//	flows_live_max            the most flows live at once
//	tcp_packets, udp_packets, icmp_packets, other_ip_packets, non_ip_packets
//	unsupported_link_packets  frames on a link type ktriage does not decode
//	ip_fragments              IPv4 fragments and IPv6 packets with a fragment header
//	retransmissions           as tshark's tcp.analysis.retransmission counts them
//	fast_retransmissions, spurious_retransmissions   the subsets of retransmissions
//	out_of_order, duplicate_acks, keep_alives, zero_windows (zero-window advertisements)
//	ports_reused              SYNs that started a new connection on a used 4-tuple
//	syn_attempts              connection attempts (first SYN of each)
//	syn_retransmissions       SYNs sent again within an attempt
//	syn_unanswered            targets (client, server, server port) with an attempt whose SYN was retransmitted and never got a SYN-ACK or RST
//	syn_unanswered_attempts   such attempts
//	syn_answered_late         attempts answered only after a SYN retransmission (the 1 s / 3 s connect)
//	syn_rst                   attempts refused with RST (closed port)
//	syn_icmp_unreachable      attempts answered by an ICMP destination unreachable quoting them
//	icmp_frag_needed          ICMPv4 type 3 code 4 plus ICMPv6 packet too big
//	icmp4_frag_needed, icmp6_packet_too_big, icmp_min_mtu (smallest MTU they reported; 0: none)
//	icmp_unreachable          ICMPv4 type 3 (except code 4) and ICMPv6 type 1
//	icmp_time_exceeded
//	encapsulated              packets per tunnel kind: ipip, ip6in4, ip4in6, ip6in6, gre, vxlan, geneve
//	encapsulated_packets      their sum
//	max_ip_size               largest IP packet on the captured link
//	df_max_size, df_max_frame the largest DF-set IPv4 packet on the captured link and its frame
//	truncated                 reading stopped early (see the warning)
//	evidence_truncated        a bounded evidence table filled up (totals stay exact)
//
// # The capture document (node section "captures", one element per file)
//
//	file, format, link_types, interfaces (pcapng interface names), summary (as above)
//	addresses        top 20 addresses by packets: {address, packets, bytes}
//	flows            top 50 by retransmissions, then zero windows, then bytes. src is the
//	                 initiator (SYN sender, else first sender). Fields: proto, src, dst
//	                 (ip:port), src_ip, src_port, dst_ip, dst_port, packets, bytes (frame
//	                 bytes on the wire, tunnel headers included),
//	                 retransmissions, zero_windows, data_sender ("src"/"dst": the side the
//	                 next four describe, the one that retransmitted more),
//	                 max_delivered_payload (largest payload the peer acknowledged, SACK
//	                 included), min_retransmitted_payload, large_retransmitted
//	                 (retransmissions larger than max_delivered_payload: "large lost, small
//	                 pass"), large_retransmitted_acked (a retransmitted range of such a size
//	                 was acknowledged after all), mss {src, dst} (SYN and SYN-ACK options),
//	                 encapsulation {kind, outer_src, outer_dst, outer_size_max} or null,
//	                 first_frame, first_time, first_rel_s, last_frame, ports_reused,
//	                 retransmitted_frames (first 20), and src_to_dst / dst_to_src with the
//	                 per-direction counts (packets, bytes, retransmissions,
//	                 fast_retransmissions, spurious_retransmissions, out_of_order,
//	                 zero_windows, first_zero_window_frame, max_ip_size, df_max_size,
//	                 df_max_frame, and the delivery fields above).
//	syn_unanswered   top 50 targets by SYN retransmissions: client, server, port, attempts,
//	                 unanswered_attempts, answered_attempts, answered_after_retransmission,
//	                 refused_attempts, icmp_unreachable_attempts, syns, syn_retransmissions,
//	                 syn_frames and intervals_s (the SYNs of the longest unanswered attempt
//	                 and the gaps between them: the back-off, 1, 2, 4 …),
//	                 synack_seen, rst_seen, first_frame, first_time, first_rel_s,
//	                 last_attempt_frame
//	syn_rst          top 50 closed ports: server, port, attempts, first_client, first_frame,
//	                 rst_frame, first_time, first_rel_s
//	icmp_frag_needed first 100: frame, time, rel_s, ip_version, type ("fragmentation-needed"
//	                 or "packet-too-big"), from (the router), to, mtu, inner_src, inner_dst,
//	                 inner_proto, inner_sport, inner_dport (the quoted packet)
//	icmp_unreachable up to 5 per unreachable address, 1,000 addresses, 200 entries, most
//	                 reported address first: frame, time, rel_s, ip_version, from, to, code,
//	                 code_name, unreachable_dst (the quoted destination), unreachable_dst_count,
//	                 proto, port (quoted destination port), src_port
//	df_max           top 50 flow directions by largest DF-set packet: proto, src, dst, size,
//	                 frame, time, rel_s, encapsulation, outer_size_max
//	size_histogram   IP packet sizes on the captured link: {bucket, min, max (0: none),
//	                 packets, df_packets} for 0-576, 577-1280, 1281-1400, 1401-1440,
//	                 1441-1450, 1451-1480, 1481-1500, 1501-9000, 9001+
//
// Lists are never null. The capture's node is attributed elsewhere (by path
// or by the addresses the rest of the bundle gives the node); this package
// states no hostnames or addresses of its own.
package pcap
