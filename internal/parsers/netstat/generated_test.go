package netstat

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ktriage/ktriage/internal/parsers/parsertest"
)

// The generated samples are real tool output from a network namespace in
// which make.sh overflowed two accept queues (see testdata/generated).

func mustInt(t *testing.T, c docCounter) int64 {
	t.Helper()
	v, err := strconv.ParseInt(c.Value.String(), 10, 64)
	if err != nil {
		t.Fatalf("value %q: %v", c.Value, err)
	}
	return v
}

func TestGeneratedOverflow(t *testing.T) {
	get := func(file string) parsed {
		t.Helper()
		p := parseArtifact(t, parsertest.Load(t, "testdata/generated/"+file))
		if p.err != nil {
			t.Fatalf("%s: %v", file, p.err)
		}
		if len(p.res.Warnings) > 0 {
			t.Errorf("%s: warnings %q", file, p.res.Warnings)
		}
		for _, s := range p.snaps {
			if len(s.Unknown) > 0 {
				t.Errorf("%s: unknown lines %v", file, s.Unknown)
			}
		}
		return p
	}

	one := get("netstat-s.txt")
	if len(one.snaps) != 1 || one.res.Kind != "" {
		t.Fatalf("netstat-s.txt: %d snapshots, kind %q", len(one.snaps), one.res.Kind)
	}
	s := one.snaps[0]
	over := mustInt(t, s.counter(t, "TcpExtListenOverflows"))
	drops := mustInt(t, s.counter(t, "TcpExtListenDrops"))
	if over <= 0 {
		t.Fatalf("TcpExtListenOverflows = %d; make.sh overflows the queue, so it must be > 0", over)
	}
	// The kernel counts every overflow as a listen drop too.
	if drops < over {
		t.Errorf("ListenDrops %d < ListenOverflows %d", drops, over)
	}
	if !strings.Contains(s.counter(t, "TcpExtListenOverflows").Text, "times the listen queue of a socket overflowed") {
		t.Errorf("text %q", s.counter(t, "TcpExtListenOverflows").Text)
	}
	// net-tools 2.10 wording and its mis-sorted table's generic Forwarding.
	if v := s.counter(t, "IpForwarding").Value; v != "2" {
		t.Errorf("IpForwarding = %s, want 2 (a fresh namespace does not forward)", v)
	}
	if !strings.Contains(s.counter(t, "TcpRetransSegs").Text, "segments retransmitted") {
		t.Errorf("TcpRetransSegs text %q", s.counter(t, "TcpRetransSegs").Text)
	}
	if mustInt(t, s.counter(t, "TcpExtTCPSynRetrans")) <= 0 {
		t.Error("TCPSynRetrans: the clients' SYNs to the full queue were retransmitted")
	}

	two := get("netstat-s-two-snapshots-with-date.txt")
	if len(two.snaps) != 2 {
		t.Fatalf("two snapshots expected, got %d", len(two.snaps))
	}
	raw, err := os.ReadFile("testdata/generated/netstat-s-two-snapshots-with-date.txt")
	if err != nil {
		t.Fatal(err)
	}
	var dateLines []int
	for i, l := range strings.Split(string(raw), "\n") {
		if _, err := time.Parse("Mon Jan _2 15:04:05 MST 2006", l); err == nil {
			dateLines = append(dateLines, i+1)
		}
	}
	if len(dateLines) != 2 {
		t.Fatalf("date lines %v", dateLines)
	}
	var times [2]time.Time
	for i, s := range two.snaps {
		if s.Line != dateLines[i] {
			t.Errorf("snapshot %d starts on line %d, want its date line %d", i, s.Line, dateLines[i])
		}
		if s.Time == nil {
			t.Fatalf("snapshot %d has no time", i)
		}
		// date in the C locale and UTC: the instant is known, so RFC 3339.
		times[i], err = time.Parse(time.RFC3339, *s.Time)
		if err != nil {
			t.Fatalf("time %q is not RFC 3339: %v", *s.Time, err)
		}
	}
	if d := times[1].Sub(times[0]).Seconds(); two.snaps[1].Elapsed == nil || *two.snaps[1].Elapsed != d || d < 1 {
		t.Errorf("elapsed = %v, want %v (≥ 1, make.sh sleeps 1 s)", two.snaps[1].Elapsed, d)
	}
	if e := two.snaps[0].Elapsed; e == nil || *e != 0 {
		t.Errorf("first elapsed = %v, want 0", e)
	}

	nstat := get("nstat-az.txt")
	if nstat.res.Kind != "nstat" || nstat.snaps[0].Source != "nstat" {
		t.Errorf("nstat kind %q source %q", nstat.res.Kind, nstat.snaps[0].Source)
	}
	nraw, _ := os.ReadFile("testdata/generated/nstat-az.txt")
	lines := 0
	for _, l := range strings.Split(string(nraw), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			lines++
		}
	}
	if got := len(nstat.snaps[0].Counters); got != lines {
		t.Errorf("nstat: %d counters from %d lines", got, lines)
	}
	c := nstat.snaps[0].counter(t, "TcpExtListenOverflows")
	if !strings.HasPrefix(c.Text, "TcpExtListenOverflows ") || c.Line < 2 {
		t.Errorf("nstat counter %+v", c)
	}

	procNS := get("proc-net-netstat.txt")
	procSNMP := get("proc-net-snmp.txt")
	if procNS.res.Kind != "proc-net-netstat" || procSNMP.res.Kind != "proc-net-snmp" {
		t.Errorf("kinds %q %q", procNS.res.Kind, procSNMP.res.Kind)
	}
	if v := procSNMP.snaps[0].counter(t, "IpForwarding").Value; v != "2" {
		t.Errorf("/proc/net/snmp Forwarding = %s", v)
	}

	// netstat -s -6 names the IPv6 sections' fields as /proc/net/snmp6
	// does, and still prints the (shared) Tcp section.
	six := get("netstat-s-6.txt")
	snmp6 := get("proc-net-snmp6.txt")
	if snmp6.res.Kind != "proc-net-snmp6" || snmp6.snaps[0].Source != "proc" {
		t.Errorf("snmp6 kind %q source %q", snmp6.res.Kind, snmp6.snaps[0].Source)
	}
	for _, n := range []string{"Ip6InReceives", "Ip6InDiscards", "Ip6InDelivers", "Ip6OutForwDatagrams", "Ip6OutRequests",
		"Icmp6InMsgs", "Icmp6InErrors", "Icmp6OutMsgs", "Udp6InDatagrams", "Udp6NoPorts", "Udp6InErrors", "Udp6OutDatagrams"} {
		six.snaps[0].counter(t, n)
		snmp6.snaps[0].counter(t, n)
	}
	if mustInt(t, six.snaps[0].counter(t, "TcpActiveOpens")) < 30 {
		t.Error("netstat -s -6: TcpActiveOpens below the 30 connections make.sh opened")
	}

	// make.sh captured in this order and counters only grow: every form
	// must have read the same counter, just later.
	chain := []struct {
		what string
		v    int64
	}{
		{"netstat-s.txt", over},
		{"two-snapshots #1", mustInt(t, two.snaps[0].counter(t, "TcpExtListenOverflows"))},
		{"two-snapshots #2", mustInt(t, two.snaps[1].counter(t, "TcpExtListenOverflows"))},
		{"nstat-az.txt", mustInt(t, c)},
		{"proc-net-netstat.txt", mustInt(t, procNS.snaps[0].counter(t, "TcpExtListenOverflows"))},
	}
	for i := 1; i < len(chain); i++ {
		if chain[i].v < chain[i-1].v {
			t.Errorf("ListenOverflows went down from %s (%d) to %s (%d)", chain[i-1].what, chain[i-1].v, chain[i].what, chain[i].v)
		}
	}
}
