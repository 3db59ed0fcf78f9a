package netstat

import (
	"regexp"
	"strings"
)

// Counter names follow nstat and the kernel's /proc/net/{snmp,netstat}
// headers: section + field (TcpExtListenOverflows, IpForwarding). The IPv6
// and SCTP sections' fields already start with their section
// (Ip6InReceives, SctpCurrEstab), so they are used as they are.
func counterName(section, field string) string {
	switch section {
	case "Ip6", "Icmp6", "Udp6", "UdpLite6", "Sctp":
		if strings.HasPrefix(field, section) {
			return field
		}
	}
	return section + field
}

// The kernel's TcpExt fields that do not start with "TCP" (those that do are
// TcpExt by that alone). The list is the union of the /proc/net/netstat
// headers of kernels 3.10 to 6.18 (the samples under testdata/realworld and
// the machine the generated samples were made on). It lets a generic
// "Name: N" line that grep separated from its section header still be named.
var tcpExtFields = setOf(`ArpFilter BeyondWindow BusyPollRxPackets DelayedACKLocked DelayedACKLost
	DelayedACKs EmbryonicRsts IPReversePathFilter ListenDrops ListenOverflows LockDroppedIcmps
	OfoPruned OutOfWindowIcmps PAWSActive PAWSEstab PAWSOldAck PAWSPassive PAWSTimewait
	PFMemallocDrop PruneCalled RcvPruned SyncookiesFailed SyncookiesRecv SyncookiesSent
	TSEcrRejected TW TWKilled TWRecycled TcpDuplicateDataRehash TcpTimeoutRehash SockMallocOOM`)

// IpExt fields, less InCsumErrors, which Icmp, Tcp and Udp have too.
var ipExtFields = setOf(`InBcastOctets InBcastPkts InCEPkts InECT0Pkts InECT1Pkts InMcastOctets
	InMcastPkts InNoECTPkts InNoRoutes InOctets InTruncatedPkts OutBcastOctets OutBcastPkts
	OutMcastOctets OutMcastPkts OutOctets ReasmOverlaps`)

// Fields only one /proc/net/snmp section has.
var soleSection = map[string]string{
	"Forwarding":         "Ip",
	"OutTransmits":       "Ip",
	"OutRateLimitGlobal": "Icmp",
	"OutRateLimitHost":   "Icmp",
}

var reIcmpMsgField = regexp.MustCompile(`^(?:In|Out)Type[0-9]+$`)

// guessSection names the section of a generic "Name: N" line that has no
// header above it, or returns "" when the name could belong to several.
func guessSection(field string) string {
	switch {
	case strings.HasPrefix(field, "TCP") || tcpExtFields[field]:
		return "TcpExt"
	case ipExtFields[field]:
		return "IpExt"
	case reIcmpMsgField.MatchString(field):
		return "IcmpMsg"
	case strings.HasPrefix(field, "Ip6") || strings.HasPrefix(field, "Icmp6") ||
		strings.HasPrefix(field, "Udp6") || strings.HasPrefix(field, "UdpLite6") ||
		strings.HasPrefix(field, "Sctp"):
		return "" // counterName keeps these whole; see fullNamePrefix
	}
	return soleSection[field]
}

// fullNamePrefix is the section a self-describing field name starts with
// (Ip6InReceives), for generic lines without a header.
func fullNamePrefix(field string) string {
	for _, p := range []string{"UdpLite6", "Icmp6", "Ip6", "Udp6", "Sctp"} {
		if strings.HasPrefix(field, p) && len(field) > len(p) {
			return p
		}
	}
	return ""
}

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// Sections a /proc/net/snmp or /proc/net/netstat line may start with, and
// headers `netstat -s` prints. Unknown future sections are accepted by
// shape; these decide detection, which must stay strict.
var knownSections = setOf(`Ip Icmp IcmpMsg Tcp Udp UdpLite TcpExt IpExt MPTcpExt Ip6 Icmp6 Udp6 UdpLite6 Sctp`)

// foreignSection is the reader's section under a header no Linux netstat
// prints (BSD's "tcp:"): nothing there is named.
const foreignSection = "?"

// snmpSections are the /proc/net/snmp ones; the rest are /proc/net/netstat's.
var snmpSections = setOf(`Ip Icmp IcmpMsg Tcp Udp UdpLite`)
