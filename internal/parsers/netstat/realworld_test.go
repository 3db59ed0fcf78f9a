package netstat

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/parsers/parsertest"
	"github.com/ktriage/ktriage/internal/source"
)

// want is one counter a sample must yield: the value and the line that
// states it (0: any line), and words the quoted text must contain.
type want struct {
	name  string
	value string
	line  int
	text  string
}

type snapWant struct {
	line     int    // first line of the snapshot (0: not checked)
	time     string // "" means null
	elapsed  float64
	timed    bool
	command  string
	counters []want
	absent   []string
}

// TestRealWorld checks concrete values in every real sample (see
// testdata/realworld/PROVENANCE.md for where each comes from).
func TestRealWorld(t *testing.T) {
	cases := []struct {
		file     string
		kind     string // inventory kind after Result.Kind
		source   string
		ncounter int // counters in the last snapshot
		detail   string
		snaps    []snapWant
	}{
		{
			// A busy production host whose accept queues overflowed.
			file: "zperf-tcpmon-prod-host-netstat-s-listen-overflows.txt", kind: "netstat-s", source: "netstat-s",
			ncounter: 125, detail: "netstat -s: 125 counters; ListenOverflows 981, ListenDrops 981",
			snaps: []snapWant{{line: 1, counters: []want{
				{"TcpExtListenOverflows", "981", 67, "981 times the listen queue of a socket overflowed"},
				{"TcpExtListenDrops", "981", 68, "981 SYNs to LISTEN sockets dropped"},
				{"TcpRetransSegs", "48107538", 45, "segments retransmited"},
				{"TcpOutSegs", "31113950007", 44, "segments send out"},
				{"TcpActiveOpens", "49845605", 38, "active connections openings"},
				{"UdpRcvbufErrors", "68957158", 53, "receive buffer errors"},
				{"UdpIgnoredMulti", "4363047", 55, "IgnoredMulti: 4363047"},
				{"TcpExtTCPSynRetrans", "23366", 113, "TCPSynRetrans: 23366"},
				{"TcpExtTCPTimeouts", "27969", 84, "other TCP timeouts"},
				{"TcpExtDelayedACKLost", "9998003", 66, "Quick ack mode was activated 9998003 times"},
				{"TcpExtTCPSACKReorder", "3544733", 73, "Detected reordering 3544733 times using SACK"},
				{"TcpExtPAWSEstab", "125745", 63, "packets rejects in established"},
				{"TcpExtTCPLostRetransmit", "883886", 79, ""},
				{"IcmpInDestUnreachs", "48182", 19, "destination unreachable: 48182"},
				{"IcmpOutDestUnreachs", "48265", 26, "destination unreachable: 48265"},
				{"IcmpInEchos", "70633563", 21, "echo requests"},
				{"IcmpOutEchos", "69499898", 27, "echo request: 69499898"},
				{"IcmpMsgInType5", "77", 32, ""},
				{"IpInHdrErrors", "2", 3, ""},
				{"IpOutNoRoutes", "776", 10, ""},
				{"IpFragOKs", "184", 13, "fragments received ok"},
				{"IpExtInOctets", "84129285172077", 131, ""},
				{"TcpExtTCPDelivered", "27689076642", 127, ""},
			}}},
		},
		{
			// Two grep-filtered runs a second apart, with prompts and dates.
			file: "plantegg-netstat-s-egrep-listen-two-snapshots.txt", kind: "netstat-s", source: "netstat-s",
			ncounter: 2, detail: "netstat -s: 2 snapshots, 2 counters in the last; ListenOverflows 1641685 → 1641906, ListenDrops 1641685 → 1641906",
			snaps: []snapWant{
				{line: 1, time: "Fri May  5 15:39:58 CST 2017", timed: true, elapsed: 0, command: `date; netstat -s | egrep "listen|LISTEN"`,
					counters: []want{
						{"TcpExtListenOverflows", "1641685", 3, "times the listen queue of a socket overflowed"},
						{"TcpExtListenDrops", "1641685", 4, "SYNs to LISTEN sockets ignored"},
					}},
				{line: 6, time: "Fri May  5 15:39:59 CST 2017", timed: true, elapsed: 1, command: `date; netstat -s | egrep "listen|LISTEN"`,
					counters: []want{
						{"TcpExtListenOverflows", "1641906", 8, ""},
						{"TcpExtListenDrops", "1641906", 9, ""},
					}},
			},
		},
		{
			// Old net-tools wording; zero-valued optional lines absent.
			file: "insights-core-rhel-netstat-s.txt", kind: "netstat-s", source: "netstat-s", ncounter: 78,
			detail: "netstat -s: 78 counters; RetransSegs 428",
			snaps: []snapWant{{line: 2, counters: []want{
				{"TcpRetransSegs", "428", 39, "428 segments retransmited"},
				{"TcpOutSegs", "2890303", 38, "segments send out"},
				{"TcpInErrs", "0", 40, "bad segments received."},
				{"IpOutDiscards", "456", 8, "outgoing packets dropped"},
				{"IpFragCreates", "8", 10, ""},
				{"IcmpInErrors", "0", 13, "input ICMP message failed."},
				{"IcmpOutEchos", "3", 22, "echo request: 3"},
				{"UdpNoPorts", "107", 44, "packets to unknown port received."},
				{"TcpExtTCPPrequeued", "999263", 0, "recvmsg prequeue."},
				{"TcpExtTCPDirectCopyFromBacklog", "8266", 0, "bytes directly in process context from backlog"},
				{"TcpExtTCPDirectCopyFromPrequeue", "104052505", 0, ""},
				{"TcpExtTCPHPHitsToUser", "339500", 0, "packets header predicted and directly queued to user"},
				{"TcpExtTCPDeferAcceptDrop", "537", 0, "TCPDeferAcceptDrop: 537"},
				{"TcpExtTCPTimeouts", "54", 0, "other TCP timeouts"},
				{"TcpExtTCPAbortOnTimeout", "53", 0, ""},
				{"IpExtInNoRoutes", "9", 0, "InNoRoutes: 9"},
			}, absent: []string{"TcpExtListenOverflows", "TcpExtListenDrops", "IpForwarding"}}},
		},
		{
			// RHCOS 4 master (sosreport): generic "Forwarding: 1".
			file: "rhcos-ocp4-master-sosreport-netstat-s.txt", kind: "netstat-s", source: "netstat-s", ncounter: 63,
			detail: "netstat -s: 63 counters; RetransSegs 441, IpForwarding 1",
			snaps: []snapWant{{line: 1, counters: []want{
				{"IpForwarding", "1", 2, "Forwarding: 1"},
				{"IpInAddrErrors", "4", 4, ""},
				{"IpOutNoRoutes", "4165", 9, "dropped because of missing route"},
				{"IcmpInErrors", "423", 12, "423 input ICMP message failed"},
				{"IcmpInDestUnreachs", "714", 14, ""},
				{"IcmpOutDestUnreachs", "714", 18, ""},
				{"IcmpMsgOutType3", "714", 21, ""},
				{"TcpActiveOpens", "54035", 23, "active connection openings"},
				{"TcpAttemptFails", "53223", 25, "failed connection attempts"},
				{"TcpOutSegs", "286045", 29, "segments sent out"},
				{"TcpRetransSegs", "441", 30, "segments retransmitted"},
				{"UdpIgnoredMulti", "15", 0, ""},
				{"TcpExtTCPSynRetrans", "439", 0, "TCPSynRetrans: 439"},
				{"TcpExtTCPTimeouts", "668", 0, "TCPTimeouts: 668"},
				{"TcpExtTCPAbortOnData", "322", 0, "connections reset due to unexpected data"},
				{"IpExtInNoRoutes", "2", 0, ""},
			}, absent: []string{"TcpExtListenOverflows"}}},
		},
		{
			// The same master's raw /proc/<pid>/net/netstat.
			file: "rhcos-ocp4-master-sosreport-proc-net-netstat.txt", kind: "proc-net-netstat", source: "proc", ncounter: 133,
			detail: "/proc/net/netstat: 133 counters; ListenOverflows 0, ListenDrops 0",
			snaps: []snapWant{{line: 1, counters: []want{
				{"TcpExtListenOverflows", "0", 2, "TcpExt ListenOverflows 0 (field 19; names on line 1)"},
				{"TcpExtTCPTimeouts", "668", 2, "field 40"},
				{"TcpExtTCPSynRetrans", "439", 2, "field 96"},
				{"TcpExtDelayedACKs", "20901", 2, ""},
				{"TcpExtTCPWqueueTooBig", "0", 2, ""},
				{"IpExtInOctets", "282603325", 4, "IpExt InOctets 282603325 (field 7; names on line 3)"},
			}}},
		},
		{
			file: "proc-net-netstat-node_exporter-fixture.txt", kind: "proc-net-netstat", source: "proc", ncounter: 96,
			detail: "/proc/net/netstat: 96 counters; ListenOverflows 0, ListenDrops 0",
			snaps: []snapWant{{line: 1, counters: []want{
				{"TcpExtTW", "388812", 2, "field 11"},
				{"TcpExtSyncookiesFailed", "2", 2, ""},
				{"TcpExtDelayedACKs", "102471", 2, "field 17"},
				{"TcpExtListenOverflows", "0", 2, "field 20"},
				{"TcpExtTCPTimeouts", "115", 2, ""},
				{"TcpExtTCPRcvQDrop", "131", 2, ""},
				{"IpExtInOctets", "6286396970", 4, ""},
			}}},
		},
		{
			file: "proc-net-snmp-node_exporter-fixture.txt", kind: "proc-net-snmp", source: "proc", ncounter: 77,
			detail: "/proc/net/snmp: 77 counters; RetransSegs 227, IpForwarding 1",
			snaps: []snapWant{{line: 1, counters: []want{
				{"IpForwarding", "1", 2, "Ip Forwarding 1 (field 1; names on line 1)"},
				{"IpForwDatagrams", "397750", 2, ""},
				{"IcmpInDestUnreachs", "104", 4, ""},
				{"IcmpOutDestUnreachs", "120", 4, ""},
				{"IcmpMsgInType3", "104", 6, ""},
				{"IcmpMsgOutType3", "120", 6, ""},
				{"TcpMaxConn", "-1", 8, ""},
				{"TcpRetransSegs", "227", 8, ""},
				{"TcpActiveOpens", "3556", 8, ""},
				{"UdpRcvbufErrors", "9", 10, ""},
				{"UdpLiteInDatagrams", "0", 12, ""},
			}}},
		},
		{
			// A 5.x kernel with MPTcpExt.
			file: "proc-net-netstat-jc-linux-proc.txt", kind: "proc-net-netstat", source: "proc", ncounter: 152,
			detail: "/proc/net/netstat: 152 counters; ListenOverflows 0, ListenDrops 0",
			snaps: []snapWant{{line: 1, counters: []want{
				{"TcpExtTW", "3", 2, ""},
				{"TcpExtDelayedACKs", "10", 2, ""},
				{"TcpExtTcpTimeoutRehash", "0", 2, "field 120"},
				{"IpExtInOctets", "57734503", 4, ""},
				{"MPTcpExtMPCapableSYNRX", "0", 6, "field 1"},
				{"MPTcpExtInfiniteMapRx", "0", 6, "field 13"},
			}}},
		},
		{
			file: "zperf-tcpmon-proc-net-netstat-mptcp.txt", kind: "proc-net-netstat", source: "proc", ncounter: 201,
			detail: "/proc/net/netstat: 201 counters; ListenOverflows 0, ListenDrops 0",
			snaps: []snapWant{{line: 1, counters: []want{
				{"TcpExtTCPTimeouts", "1173", 2, ""},
				{"TcpExtTCPLossProbes", "387", 2, ""},
				{"TcpExtTCPSynRetrans", "1031", 2, "field 97"},
				{"TcpExtTcpTimeoutRehash", "1137", 2, ""},
				{"TcpExtTCPPLBRehash", "0", 2, "field 126"},
				{"IpExtInOctets", "371835805", 4, ""},
				{"MPTcpExtRcvWndConflict", "0", 6, "field 57"},
			}}},
		},
		{
			file: "zperf-tcpmon-proc-net-snmp.txt", kind: "proc-net-snmp", source: "proc", ncounter: 83,
			detail: "/proc/net/snmp: 83 counters; RetransSegs 1232, IpForwarding 1",
			snaps: []snapWant{{line: 1, counters: []want{
				{"IpForwarding", "1", 2, ""},
				{"IcmpInDestUnreachs", "2956", 4, ""},
				{"IcmpOutRateLimitGlobal", "0", 4, ""},
				{"TcpRetransSegs", "1232", 8, ""},
				{"TcpCurrEstab", "22", 8, ""},
				{"UdpIgnoredMulti", "790", 10, ""},
				{"UdpMemErrors", "0", 10, ""},
			}}},
		},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		seen[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			a := parsertest.Load(t, filepath.Join(realworld, "netstat-s", tc.file))
			p := parseArtifact(t, a)
			if p.err != nil {
				t.Fatalf("Parse: %v", p.err)
			}
			kind := p.res.Kind
			if kind == "" {
				kind = Stats{}.Kind()
			}
			if kind != tc.kind {
				t.Errorf("kind = %q, want %q", kind, tc.kind)
			}
			if p.res.Detail != tc.detail {
				t.Errorf("detail = %q\nwant     %q", p.res.Detail, tc.detail)
			}
			if len(p.res.Warnings) != 0 {
				t.Errorf("warnings: %q", p.res.Warnings)
			}
			if len(p.snaps) != len(tc.snaps) {
				t.Fatalf("%d snapshots, want %d", len(p.snaps), len(tc.snaps))
			}
			if got := len(p.snaps[len(p.snaps)-1].Counters); got != tc.ncounter {
				t.Errorf("%d counters, want %d", got, tc.ncounter)
			}
			for i, sw := range tc.snaps {
				s := p.snaps[i]
				checkSnapshot(t, s, a.Path, tc.source, sw)
			}
		})
	}
	// Every sample in the directory has a row here.
	all, _ := filepath.Glob(filepath.Join(realworld, "netstat-s", "*.txt"))
	for _, f := range all {
		if !seen[filepath.Base(f)] {
			t.Errorf("sample %s has no test row", filepath.Base(f))
		}
	}
}

func checkSnapshot(t *testing.T, s doc, file, source string, sw snapWant) {
	t.Helper()
	if s.File != file {
		t.Errorf("file = %q, want %q", s.File, file)
	}
	if s.Source != source {
		t.Errorf("source = %q, want %q", s.Source, source)
	}
	if sw.line != 0 && s.Line != sw.line {
		t.Errorf("snapshot line = %d, want %d", s.Line, sw.line)
	}
	switch {
	case sw.time == "" && s.Time != nil:
		t.Errorf("time = %q, want null", *s.Time)
	case sw.time != "" && (s.Time == nil || *s.Time != sw.time):
		t.Errorf("time = %v, want %q", s.Time, sw.time)
	}
	switch {
	case !sw.timed && s.Elapsed != nil:
		t.Errorf("elapsed = %v, want null", *s.Elapsed)
	case sw.timed && (s.Elapsed == nil || *s.Elapsed != sw.elapsed):
		t.Errorf("elapsed = %v, want %v", s.Elapsed, sw.elapsed)
	}
	if s.Command != sw.command {
		t.Errorf("command = %q, want %q", s.Command, sw.command)
	}
	if len(s.Unknown) != 0 {
		t.Errorf("unknown lines: %v", s.Unknown)
	}
	for _, w := range sw.counters {
		c, ok := s.Counters[w.name]
		if !ok {
			t.Errorf("no counter %s", w.name)
			continue
		}
		if c.Value.String() != w.value {
			t.Errorf("%s = %s, want %s", w.name, c.Value, w.value)
		}
		if w.line != 0 && c.Line != w.line {
			t.Errorf("%s on line %d, want %d", w.name, c.Line, w.line)
		}
		if !strings.Contains(c.Text, w.text) {
			t.Errorf("%s text %q lacks %q", w.name, c.Text, w.text)
		}
		if c.Text == "" || len(c.Text) > maxQuote {
			t.Errorf("%s text %q: empty or longer than %d", w.name, c.Text, maxQuote)
		}
	}
	for _, n := range sw.absent {
		if _, ok := s.Counters[n]; ok {
			t.Errorf("counter %s present, want absent", n)
		}
	}
}

// TestProcMatchesIndependentDecode compares every value read from the
// /proc samples with a minimal decoder written here: header line names,
// next line values, section prefix + name (snmp6: name, value).
func TestProcMatchesIndependentDecode(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(realworld, "netstat-s", "proc-net-*.txt"))
	more, _ := filepath.Glob(filepath.Join(realworld, "netstat-s", "*-proc-net-*.txt"))
	gen, _ := filepath.Glob("testdata/generated/proc-net-*.txt")
	files = append(append(files, more...), gen...)
	if len(files) < 7 {
		t.Fatalf("only %d /proc samples found", len(files))
	}
	for _, f := range files {
		want := map[string]string{}
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		var names []string
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) == 0 {
				continue
			}
			if strings.Contains(f, "snmp6") { // name and value per line
				want[fields[0]] = fields[1]
				continue
			}
			if names == nil {
				names = fields
				continue
			}
			sec := strings.TrimSuffix(names[0], ":")
			for i := 1; i < len(names) && i < len(fields); i++ {
				want[sec+names[i]] = fields[i]
			}
			names = nil
		}
		fh.Close()
		p := parseArtifact(t, parsertest.Load(t, f))
		if len(p.snaps) != 1 {
			t.Fatalf("%s: %d snapshots", f, len(p.snaps))
		}
		got := p.snaps[0].Counters
		if len(got) != len(want) {
			t.Errorf("%s: %d counters, independent decode has %d", f, len(got), len(want))
		}
		for n, v := range want {
			if got[n].Value.String() != v {
				t.Errorf("%s: %s = %q, want %q", f, n, got[n].Value, v)
			}
		}
	}
}

// TestNetstatNamesAreKernelNames: every name netstat -s text was mapped to
// must be a name the kernel itself uses, i.e. appear in some /proc or nstat
// sample (IcmpMsg types aside: each host has its own).
func TestNetstatNamesAreKernelNames(t *testing.T) {
	var files []string
	for _, g := range []string{filepath.Join(realworld, "netstat-s", "*.txt"), "testdata/generated/*.txt"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	kernel := map[string]bool{}
	var texts []doc
	for _, f := range files {
		for _, s := range parseArtifact(t, parsertest.Load(t, f)).snaps {
			if s.Source == "netstat-s" {
				texts = append(texts, s)
				continue
			}
			for n := range s.Counters {
				kernel[n] = true
			}
		}
	}
	if len(texts) < 6 || len(kernel) < 300 {
		t.Fatalf("%d netstat -s snapshots, %d kernel names", len(texts), len(kernel))
	}
	for _, s := range texts {
		for n, c := range s.Counters {
			if !kernel[n] && !reIcmpMsgField.MatchString(strings.TrimPrefix(n, "IcmpMsg")) {
				t.Errorf("%s:%d: %q gave %s, which no kernel sample names", s.File, c.Line, c.Text, n)
			}
		}
	}
}

// maxQuote is source.MaxExcerpt, for tests whose variable named source
// hides the package.
const maxQuote = source.MaxExcerpt
