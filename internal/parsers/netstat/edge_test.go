package netstat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/parsers"
	"github.com/ktriage/ktriage/internal/parsers/parsertest"
	"github.com/ktriage/ktriage/internal/source"
)

func zperf(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(realworld, "netstat-s", "zperf-tcpmon-prod-host-netstat-s-listen-overflows.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLineEndings(t *testing.T) {
	src := zperf(t)
	base := readString(t, src)
	for name, text := range map[string]string{
		"crlf":    strings.ReplaceAll(src, "\n", "\r\n"),
		"bare cr": strings.ReplaceAll(src, "\n", "\r"),
	} {
		t.Run(name, func(t *testing.T) {
			p := parseArtifact(t, parsertest.Write(t, "netstat-s.txt", text))
			if p.err != nil || len(p.snaps) != 1 {
				t.Fatalf("err %v, %d snapshots", p.err, len(p.snaps))
			}
			got := p.snaps[0]
			if len(got.Counters) != len(base.Snapshots[0].Counters) || len(got.Unknown) != 0 {
				t.Fatalf("%d counters (want %d), unknown %v", len(got.Counters), len(base.Snapshots[0].Counters), got.Unknown)
			}
			for n, c := range base.Snapshots[0].Counters {
				g := got.Counters[n]
				if g.Value != c.Value || strings.ContainsAny(g.Text, "\r\n") {
					t.Errorf("%s = %s %q, want %s", n, g.Value, g.Text, c.Value)
				}
				// With bare CRs the whole file is one line for a line counter.
				if name == "crlf" && g.Line != c.Line {
					t.Errorf("%s on line %d, want %d", n, g.Line, c.Line)
				}
			}
		})
	}
}

func TestUnknownLinesAreKept(t *testing.T) {
	in := "Tcp:\n    12 active connection openings\n    7 widgets frobnicated\nTcpExt:\n    3 times the listen queue of a socket overflowed\n    TCPNewThing: 9\n    something without a number\n"
	p := parseArtifact(t, parsertest.Write(t, "n.txt", in))
	if p.err != nil || len(p.snaps) != 1 {
		t.Fatalf("err %v, %d snapshots", p.err, len(p.snaps))
	}
	s := p.snaps[0]
	if s.counter(t, "TcpActiveOpens").Value != "12" || s.counter(t, "TcpExtListenOverflows").Value != "3" {
		t.Errorf("counters %v", s.Counters)
	}
	// Unknown TcpExt fields are named by the generic fallback rule.
	if c := s.counter(t, "TcpExtTCPNewThing"); c.Value != "9" || c.Line != 6 {
		t.Errorf("TCPNewThing %+v", c)
	}
	want := []map[string]any{{"line": float64(3), "text": "7 widgets frobnicated"}, {"line": float64(7), "text": "something without a number"}}
	if fmt.Sprint(s.Unknown) != fmt.Sprint(want) {
		t.Errorf("unknown = %v, want %v", s.Unknown, want)
	}
	if len(p.res.Warnings) != 1 || !strings.Contains(p.res.Warnings[0], "2 lines named no counter") || !strings.Contains(p.res.Warnings[0], "line 3") {
		t.Errorf("warnings %q", p.res.Warnings)
	}
}

func TestLargeValuesStayExact(t *testing.T) {
	in := "#kernel\n" +
		"TcpExtListenOverflows           9223372036854775807 0.0\n" +
		"IpExtInOctets                   18446744073709551615 0.0\n" +
		"IpExtOutOctets                  18446744073709551616 0.0\n" + // too big for 64 bits
		"TcpExtListenDrops               000042 0.0\n" +
		"TcpMaxConn                      -1 0.0\n"
	p := parseArtifact(t, parsertest.Write(t, "nstat.txt", in))
	s := p.snaps[0]
	for n, v := range map[string]string{
		"TcpExtListenOverflows": "9223372036854775807",
		"IpExtInOctets":         "18446744073709551615",
		"TcpExtListenDrops":     "42",
		"TcpMaxConn":            "-1",
	} {
		if got := s.counter(t, n).Value.String(); got != v {
			t.Errorf("%s = %s, want %s", n, got, v)
		}
	}
	if _, ok := s.Counters["IpExtOutOctets"]; ok || len(s.Unknown) != 1 || s.Unknown[0]["line"] != float64(4) {
		t.Errorf("a value beyond 64 bits must be kept as unknown: %v %v", s.Counters["IpExtOutOctets"], s.Unknown)
	}
	// The document the rules see keeps the digits (json.Number), not a
	// float64 that would round 2^63-1.
	b := facts.NewBuilder()
	a := parsertest.Write(t, "nstat.txt", in)
	if _, err := (Stats{}).Parse(context.Background(), a, b); err != nil {
		t.Fatal(err)
	}
	for _, n := range b.Build().Nodes {
		snaps := n[Section].([]any)
		c := snaps[0].(map[string]any)["counters"].(map[string]any)["TcpExtListenOverflows"].(map[string]any)
		if fmt.Sprintf("%T %v", c["value"], c["value"]) != "json.Number 9223372036854775807" {
			t.Errorf("document value %T %v", c["value"], c["value"])
		}
	}
}

func TestTruncatedFiles(t *testing.T) {
	src := zperf(t)
	cut := strings.Index(src, "981 times the listen queue") + len("981 times the listen qu")
	p := parseArtifact(t, parsertest.Write(t, "cut.txt", src[:cut]))
	if p.err != nil || len(p.snaps) != 1 {
		t.Fatalf("err %v snaps %d", p.err, len(p.snaps))
	}
	s := p.snaps[0]
	if _, ok := s.Counters["TcpExtListenOverflows"]; ok {
		t.Error("a cut phrase must not become a counter")
	}
	if len(s.Unknown) != 1 || s.Unknown[0]["text"] != "981 times the listen qu" {
		t.Errorf("unknown %v", s.Unknown)
	}
	if s.counter(t, "TcpRetransSegs").Value != "48107538" {
		t.Error("counters before the cut are kept")
	}

	// /proc cut inside the value line: the values present are named, the
	// disagreement is reported.
	proc := "TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops\nTcpExt: 0 1 2"
	p = parseArtifact(t, parsertest.Write(t, "proc.txt", proc))
	if p.err != nil || len(p.snaps) != 1 {
		t.Fatalf("err %v snaps %d", p.err, len(p.snaps))
	}
	if s := p.snaps[0]; len(s.Counters) != 3 || s.counter(t, "TcpExtListenOverflows").Value != "2" {
		t.Errorf("counters %v", s.Counters)
	}
	if len(p.res.Warnings) != 1 || !strings.Contains(p.res.Warnings[0], "4 names on line 1 but 3 values") {
		t.Errorf("warnings %q", p.res.Warnings)
	}
	// A header whose value line never came is kept as unknown.
	p = parseArtifact(t, parsertest.Write(t, "proc2.txt", "Ip: Forwarding DefaultTTL\nIp: 1 64\nTcpExt: SyncookiesSent ListenOverflows\n"))
	if s := p.snaps[0]; len(s.Counters) != 2 || len(s.Unknown) != 1 || s.Unknown[0]["line"] != float64(3) {
		t.Errorf("counters %v unknown %v", s.Counters, s.Unknown)
	}
}

// repeatReader yields n bytes of c without holding them.
type repeatReader struct {
	c byte
	n int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	for i := range p {
		p[i] = r.c
	}
	r.n -= int64(len(p))
	return len(p), nil
}

func TestHugeSingleLineIsBounded(t *testing.T) {
	const size = 20 << 20
	head := "TcpExt:\n    5 times the listen queue of a socket overflowed\n"
	in := io.MultiReader(strings.NewReader(head), &repeatReader{'7', size}, strings.NewReader("\n    6 SYNs to LISTEN sockets dropped\n"))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p, err := Read(context.Background(), in, "huge.txt")
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("reading a 20 MB line allocated %d bytes", alloc)
	}
	if len(p.Snapshots) != 1 {
		t.Fatalf("%d snapshots", len(p.Snapshots))
	}
	s := p.Snapshots[0]
	if s.Counters["TcpExtListenOverflows"].Value != "5" || s.Counters["TcpExtListenDrops"].Line != 4 {
		t.Errorf("counters around the long line: %v", s.Counters)
	}
	if len(s.Unknown) != 1 || s.Unknown[0].Line != 3 || len(s.Unknown[0].Text) > source.MaxExcerpt {
		t.Errorf("the long line must be one clipped unknown line: %d %v", len(s.Unknown), s.Unknown)
	}

	// The same through a real file: detection says no to a file that is
	// one huge line, and Parse still ends.
	path := filepath.Join(t.TempDir(), "oneline.txt")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, &repeatReader{'x', size}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	a := parsertest.Load(t, path)
	if (Stats{}).Detect(a) {
		t.Error("Detect claimed a 20 MB line of x")
	}
	if _, err := (Stats{}).Parse(context.Background(), a, facts.NewBuilder()); !errors.Is(err, parsers.ErrNotApplicable) {
		t.Errorf("Parse err = %v, want not applicable", err)
	}
}

func TestEmptyFile(t *testing.T) {
	for _, in := range []string{"", "\n\n", "   \r\n"} {
		a := parsertest.Write(t, "empty.txt", in)
		if (Stats{}).Detect(a) {
			t.Errorf("Detect(%q) = true", in)
		}
		b := facts.NewBuilder()
		res, err := Stats{}.Parse(context.Background(), a, b)
		if !errors.Is(err, parsers.ErrNotApplicable) {
			t.Errorf("Parse(%q) err = %v", in, err)
		}
		if res.Detail != "" || len(b.Build().Nodes) != 0 {
			t.Errorf("Parse(%q) added facts: %q", in, res.Detail)
		}
	}
}

func TestTranscripts(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		times   []string // "" for null
		elapsed []float64
		values  []string // TcpExtListenOverflows per snapshot
		command string
	}{
		{
			name:    "date -Is with offset, nstat grep",
			in:      "user@node-1:~$ date -Is; nstat -az | grep -i listen\n2022-01-11T10:30:01+08:00\nTcpExtListenOverflows           5                  0.0\nTcpExtListenDrops               5                  0.0\nuser@node-1:~$ date -Is; nstat -az | grep -i listen\n2022-01-11T10:30:03+08:00\nTcpExtListenOverflows           9                  0.0\nTcpExtListenDrops               9                  0.0\n",
			times:   []string{"2022-01-11T10:30:01+08:00", "2022-01-11T10:30:03+08:00"},
			elapsed: []float64{0, 2},
			values:  []string{"5", "9"},
			command: "date -Is; nstat -az | grep -i listen",
		},
		{
			name:    "epoch seconds, no prompt",
			in:      "1641868201\n12 times the listen queue of a socket overflowed\n1641868211\n15 times the listen queue of a socket overflowed\n",
			times:   []string{"2022-01-11T02:30:01Z", "2022-01-11T02:30:11Z"},
			elapsed: []float64{0, 10},
			values:  []string{"12", "15"},
		},
		{
			name:   "grep loop without dates: a repeated counter starts a run",
			in:     "1641685 times the listen queue of a socket overflowed\n1641685 SYNs to LISTEN sockets ignored\n1641906 times the listen queue of a socket overflowed\n1641906 SYNs to LISTEN sockets ignored\n",
			times:  []string{"", ""},
			values: []string{"1641685", "1641906"},
		},
		{
			name:    "watch header",
			in:      "Every 1.0s: netstat -s | grep overflowed       node-1: Tue Jan 11 10:30:01 2022\n\n    12 times the listen queue of a socket overflowed\nEvery 1.0s: netstat -s | grep overflowed       node-1: Tue Jan 11 10:30:02 2022\n\n    14 times the listen queue of a socket overflowed\n",
			times:   []string{"Tue Jan 11 10:30:01 2022", "Tue Jan 11 10:30:02 2022"},
			elapsed: []float64{0, 1},
			values:  []string{"12", "14"},
			command: "netstat -s | grep overflowed",
		},
		{
			name:    "non-English date, C-style prompt",
			in:      "# date; netstat -s | grep -i listen\n2017年 05月 05日 星期五 15:39:58 CST\n    10 times the listen queue of a socket overflowed\n# date; netstat -s | grep -i listen\n2017年 05月 05日 星期五 15:40:08 CST\n    20 times the listen queue of a socket overflowed\n",
			times:   []string{"2017年 05月 05日 星期五 15:39:58 CST", "2017年 05月 05日 星期五 15:40:08 CST"},
			elapsed: []float64{0, 10},
			values:  []string{"10", "20"},
			command: "date; netstat -s | grep -i listen",
		},
		{
			name:    "UTC date, cat of /proc twice",
			in:      "$ date; cat /proc/net/netstat\nTue Jan 11 10:30:01 UTC 2022\nTcpExt: ListenOverflows ListenDrops\nTcpExt: 1 1\n$ date; cat /proc/net/netstat\nTue Jan 11 10:31:01 UTC 2022\nTcpExt: ListenOverflows ListenDrops\nTcpExt: 61 61\n",
			times:   []string{"2022-01-11T10:30:01Z", "2022-01-11T10:31:01Z"},
			elapsed: []float64{0, 60},
			values:  []string{"1", "61"},
			command: "date; cat /proc/net/netstat",
		},
		{
			name:   "nstat run twice",
			in:     "#kernel\nTcpExtListenOverflows 3 0.0\n#kernel\nTcpExtListenOverflows 4 0.0\n",
			times:  []string{"", ""},
			values: []string{"3", "4"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := parsertest.Write(t, "t.txt", tc.in)
			p := parseArtifact(t, a)
			if p.err != nil {
				t.Fatal(p.err)
			}
			if len(p.snaps) != len(tc.values) {
				t.Fatalf("%d snapshots, want %d", len(p.snaps), len(tc.values))
			}
			for i, s := range p.snaps {
				if len(s.Unknown) != 0 {
					t.Errorf("snapshot %d unknown %v", i, s.Unknown)
				}
				if got := s.counter(t, "TcpExtListenOverflows").Value.String(); got != tc.values[i] {
					t.Errorf("snapshot %d: %s, want %s", i, got, tc.values[i])
				}
				switch {
				case tc.times[i] == "" && s.Time != nil:
					t.Errorf("snapshot %d time %q, want null", i, *s.Time)
				case tc.times[i] != "" && (s.Time == nil || *s.Time != tc.times[i]):
					t.Errorf("snapshot %d time %v, want %q", i, s.Time, tc.times[i])
				}
				if tc.elapsed != nil && (s.Elapsed == nil || *s.Elapsed != tc.elapsed[i]) {
					t.Errorf("snapshot %d elapsed %v, want %v", i, s.Elapsed, tc.elapsed[i])
				}
				if tc.elapsed == nil && s.Elapsed != nil {
					t.Errorf("snapshot %d elapsed %v, want null", i, *s.Elapsed)
				}
				if s.Command != tc.command {
					t.Errorf("snapshot %d command %q, want %q", i, s.Command, tc.command)
				}
			}
		})
	}
}

func TestSectionlessLines(t *testing.T) {
	in := "$ netstat -s | grep -E 'TCPSynRetrans|InNoRoutes|InCsumErrors|destination|transit|Forwarding'\n" +
		"    TCPSynRetrans: 5\n" + // TcpExt by its name
		"    InNoRoutes: 3\n" + // only IpExt has it
		"    InCsumErrors: 1\n" + // Icmp, Tcp, Udp and IpExt all have it
		"        destination unreachable: 4\n" + // input or output histogram?
		"        timeout in transit: 2\n" + // only the input histogram says this
		"    Forwarding: 1\n" +
		"    Ip6InOctets: 77\n"
	p := parseArtifact(t, parsertest.Write(t, "grep.txt", in))
	s := p.snaps[0]
	for n, v := range map[string]string{"TcpExtTCPSynRetrans": "5", "IpExtInNoRoutes": "3", "IcmpInTimeExcds": "2", "IpForwarding": "1", "Ip6InOctets": "77"} {
		if got := s.counter(t, n).Value.String(); got != v {
			t.Errorf("%s = %s, want %s", n, got, v)
		}
	}
	if len(s.Counters) != 5 || len(s.Unknown) != 2 {
		t.Errorf("ambiguous lines must stay unknown: counters %v unknown %v", s.Counters, s.Unknown)
	}
}

func TestIcmpHistograms(t *testing.T) {
	in := "Icmp:\n    3 ICMP messages received\n    ICMP input histogram:\n        destination unreachable: 1\n        echo requests: 2\n    5 ICMP messages sent\n    ICMP output histogram:\n        destination unreachable: 4\n        echo requests: 1\nIcmpMsg:\n        InType3: 1\n"
	s := readString(t, in).Snapshots[0]
	for n, v := range map[string]string{"IcmpInMsgs": "3", "IcmpInDestUnreachs": "1", "IcmpInEchos": "2", "IcmpOutMsgs": "5", "IcmpOutDestUnreachs": "4", "IcmpOutEchos": "1", "IcmpMsgInType3": "1"} {
		if got := s.Counters[n].Value.String(); got != v {
			t.Errorf("%s = %q, want %s", n, got, v)
		}
	}
}

func TestConcatenatedProcIsOneSnapshot(t *testing.T) {
	snmp, _ := os.ReadFile(filepath.Join(realworld, "netstat-s", "zperf-tcpmon-proc-net-snmp.txt"))
	nets, _ := os.ReadFile(filepath.Join(realworld, "netstat-s", "zperf-tcpmon-proc-net-netstat-mptcp.txt"))
	p := parseArtifact(t, parsertest.Write(t, "cat.txt", string(snmp)+string(nets)))
	if len(p.snaps) != 1 || len(p.snaps[0].Counters) != 83+201 || p.res.Kind != "proc-net-netstat" {
		t.Fatalf("%d snapshots, kind %q", len(p.snaps), p.res.Kind)
	}
	// The same pair twice is two snapshots.
	p = parseArtifact(t, parsertest.Write(t, "cat2.txt", string(snmp)+string(nets)+string(snmp)+string(nets)))
	if len(p.snaps) != 2 || p.snaps[1].Line != 12+6+1 {
		t.Fatalf("%d snapshots; second on line %d", len(p.snaps), p.snaps[1].Line)
	}
}

func TestCaps(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("TcpExt:\n    1 times the listen queue of a socket overflowed\n")
	for i := 0; i < maxUnknown+500; i++ {
		sb.WriteString("noise\n")
	}
	p := readString(t, sb.String())
	if n := len(p.Snapshots[0].Unknown); n != maxUnknown {
		t.Errorf("%d unknown lines kept, want %d", n, maxUnknown)
	}
	if len(p.Warnings) != 2 || !strings.Contains(p.Warnings[1], "500 more") {
		t.Errorf("warnings %q", p.Warnings)
	}

	sb.Reset()
	for i := 0; i < maxSnapshots+10; i++ {
		fmt.Fprintf(&sb, "#kernel\nTcpExtListenOverflows %d 0.0\n", i)
	}
	p = readString(t, sb.String())
	if len(p.Snapshots) != maxSnapshots || len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "10 more") {
		t.Errorf("%d snapshots, warnings %q", len(p.Snapshots), p.Warnings)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Read(ctx, strings.NewReader(zperf(t)), "x")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestStampParsing(t *testing.T) {
	for in, want := range map[string]string{
		"Fri May  5 15:39:58 CST 2017":         "Fri May  5 15:39:58 CST 2017", // abbreviation: raw
		"Tue Jan 11 10:30:01 UTC 2022":         "2022-01-11T10:30:01Z",
		"Tue Jan 11 10:30:01 AM GMT 2022":      "2022-01-11T10:30:01Z",
		"Tue, 11 Jan 2022 10:30:01 +0100":      "2022-01-11T10:30:01+01:00",
		"2022-01-11T10:30:01,123456789+08:00":  "2022-01-11T10:30:01.123456789+08:00",
		"2022-01-11 10:30:01":                  "2022-01-11 10:30:01",
		"=== Tue Jan 11 10:30:01 -05 2022 ===": "2022-01-11T10:30:01-05:00",
		"Tue 11 Jan 2022 10:30:01 AM CST":      "Tue 11 Jan 2022 10:30:01 AM CST",
		"time: 2022-01-11T10:30:01Z":           "2022-01-11T10:30:01Z",
	} {
		st, ok := parseStamp(in)
		if !ok {
			t.Errorf("parseStamp(%q) failed", in)
			continue
		}
		if got := st.rfc3339(); got != want {
			t.Errorf("parseStamp(%q) = %q, want %q", in, got, want)
		}
	}
	for _, in := range []string{"12 times the listen queue", "TcpExt: 1 2", "123", "10:30", "Forwarding: 1", "99999999999"} {
		if _, ok := parseStamp(in); ok {
			t.Errorf("parseStamp(%q) accepted", in)
		}
	}
}

// A long row of numbers once made each number's phrase lookup rebuild the
// whole row: quadratic. It must be read in linear time.
func TestLongNumericRowIsLinear(t *testing.T) {
	row := strings.Repeat("1 ", 30000)
	start := time.Now()
	p := readString(t, "TcpExt:\n"+row+"\n"+row+"\n    3 times the listen queue of a socket overflowed\n")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	if len(p.Snapshots) != 1 || len(p.Snapshots[0].Unknown) != 2 || p.Snapshots[0].Counters["TcpExtListenOverflows"].Value != "3" {
		t.Errorf("%+v", p.Snapshots)
	}
}

// macOS and BSD netstat -s share phrases with Linux ("packets sent") that
// mean other counters: never named, never claimed.
func TestBSDNetstatIsNotLinux(t *testing.T) {
	in := "tcp:\n\t1017936 packets sent\n\t\t500960 data packets (410436495 bytes)\nudp:\n\t311584 datagrams received\n\t12 packets sent\nip:\n\t3025193 total packets received\n"
	if detect([]byte(in)) {
		t.Error("detected")
	}
	p := readString(t, in)
	if len(p.Snapshots) != 0 {
		t.Errorf("named counters: %+v", p.Snapshots)
	}
}

// `uptime` in the same transcript says how long the since-boot counters
// took to build up; it is read, not left as an unknown line.
func TestUptimeInTranscript(t *testing.T) {
	in := "[root@node-1 ~]# date; uptime; netstat -s | egrep -i listen\n" +
		"Tue Mar 12 09:15:02 UTC 2024\n" +
		" 09:15:02 up 47 days,  3:12,  2 users,  load average: 0.10, 0.20, 0.30\n" +
		"    981 times the listen queue of a socket overflowed\n" +
		"    981 SYNs to LISTEN sockets dropped\n"
	p := readString(t, in)
	if len(p.Snapshots) != 1 {
		t.Fatalf("%d snapshots", len(p.Snapshots))
	}
	s := p.Snapshots[0]
	if s.Uptime == nil || *s.Uptime != (Uptime{Text: "47 days, 3:12", Seconds: 47*86400 + 3*3600 + 12*60, Line: 3}) {
		t.Errorf("uptime %+v", s.Uptime)
	}
	if len(s.Unknown) != 0 || len(p.Warnings) != 0 {
		t.Errorf("unknown %v warnings %q", s.Unknown, p.Warnings)
	}
	for _, tc := range []struct {
		line string
		text string
		secs int64
	}{
		{" 10:00:01 up 5 min,  1 user,  load average: 0.00, 0.01, 0.05", "5 min", 300},
		{" 10:00:01 up  3:04,  0 users,  load average: 1.00, 1.00, 1.00", "3:04", 3*3600 + 4*60},
		{" 10:00:01 up 1 day, 20 min,  3 users,  load average: 0.1, 0.1, 0.1", "1 day, 20 min", 86400 + 1200},
		{"10:00:01 up 12 days,  3:04,  load average: 0.00, 0.00, 0.00", "12 days, 3:04", 12*86400 + 3*3600 + 4*60}, // busybox
	} {
		u, ok := parseUptime(tc.line)
		if !ok || u.Text != tc.text || u.Seconds != tc.secs {
			t.Errorf("%q: %+v %v", tc.line, u, ok)
		}
	}
	for _, no := range []string{"load average: 0.1", "up 3 parsecs, load average: 1", "981 times the listen queue of a socket overflowed"} {
		if _, ok := parseUptime(no); ok {
			t.Errorf("%q taken for uptime", no)
		}
	}
}
