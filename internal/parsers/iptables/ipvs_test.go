package iptables

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/parsers/parsertest"
)

// No ipvsadm output could be made on the test host (no ip_vs in its
// kernel), so these samples are built with ipvsadm's own printf formats
// (ipvsadm.c: print_title, print_service_entry, print_largenum), byte for
// byte, including the trailing blanks of destination lines.

func ipvsTitle() string {
	return "IP Virtual Server version 1.2.1 (size=4096)\n" +
		"Prot LocalAddress:Port Scheduler Flags\n" +
		"  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
}

func ipvsDest(addr, fwd string, weight, active, inactive int) string {
	return fmt.Sprintf("  -> %-28s %-7s %-6d %-10d %-10d\n", addr, fwd, weight, active, inactive)
}

// largenum is ipvsadm's print_largenum without --exact.
func largenum(i uint64) string {
	switch {
	case i < 100000000:
		return fmt.Sprintf("%9d", i)
	case i < 1000000000:
		return fmt.Sprintf("%8dK", i/1000)
	case i < 100000000000:
		return fmt.Sprintf("%8dM", i/1000000)
	case i < 100000000000000:
		return fmt.Sprintf("%8dG", i/1000000000)
	}
	return fmt.Sprintf("%8dT", i/1000000000000)
}

func statsRow(prefix string, width int, n ...uint64) string {
	s := fmt.Sprintf("%-*s", width, prefix)
	for _, v := range n {
		s += largenum(v)
	}
	return s + "\n"
}

var ipvsKubeProxy = ipvsTitle() +
	"TCP  10.96.0.1:443 rr\n" +
	ipvsDest("192.168.0.10:6443", "Masq", 1, 3, 0) +
	ipvsDest("192.168.0.11:6443", "Masq", 1, 0, 5) +
	"TCP  10.96.0.10:53 rr persistent 10800\n" +
	ipvsDest("10.244.0.2:53", "Masq", 1, 0, 0) +
	"UDP  10.96.0.10:53 rr\n" +
	ipvsDest("10.244.0.2:53", "Masq", 1, 0, 12) +
	"TCP  [fd00:10:96::1]:443 rr\n" +
	ipvsDest("[fd00:10:244::5]:6443", "Masq", 1, 0, 0) +
	"FWM  258 rr\n" +
	ipvsDest("10.0.0.10:0", "Route", 2, 0, 0) +
	"FWM  259 IPv6 wrr\n" +
	"TCP  10.96.0.50:80 rr\n"

func parseIPVSData(t testing.TB, data string) *ipvsParsed {
	t.Helper()
	out, err := parseIPVS(context.Background(), strings.NewReader(data), "ipvs.txt")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestIPVSList(t *testing.T) {
	out := parseIPVSData(t, ipvsKubeProxy)
	if len(out.tables) != 1 || len(out.warnings) != 0 {
		t.Fatalf("tables %d warnings %q", len(out.tables), out.warnings)
	}
	tb := out.tables[0]
	if tb.Version != "1.2.1" || tb.Line != 1 || len(tb.Services) != 7 {
		t.Fatalf("table = %+v", *tb)
	}
	s := tb.Services[0]
	if s.Protocol != "TCP" || s.Address != "10.96.0.1" || s.Port != 443 || s.Scheduler != "rr" || s.Flags != "" || s.Line != 4 || s.Text != "TCP  10.96.0.1:443 rr" {
		t.Errorf("service 0 = %+v", s)
	}
	if len(s.Dests) != 2 {
		t.Fatalf("dests = %+v", s.Dests)
	}
	if d := s.Dests[1]; mustJSON(t, d) != mustJSON(t, Destination{Address: "192.168.0.11", Port: 6443, Forward: "Masq", Weight: 1, Active: 0, Inactive: 5, Line: 6}) {
		t.Errorf("dest = %+v", d)
	}
	if s := tb.Services[1]; s.Flags != "persistent 10800" || s.Port != 53 {
		t.Errorf("persistent service = %+v", s)
	}
	if s := tb.Services[2]; s.Protocol != "UDP" || s.Dests[0].Inactive != 12 {
		t.Errorf("udp service = %+v", s)
	}
	if s := tb.Services[3]; s.Address != "fd00:10:96::1" || s.Port != 443 || !s.IPv6 || s.Dests[0].Address != "fd00:10:244::5" || s.Dests[0].Port != 6443 {
		t.Errorf("v6 service = %+v", s)
	}
	if s := tb.Services[4]; s.Protocol != "FWM" || s.FWMark != 258 || s.Address != "" || s.Dests[0].Forward != "Route" || s.Dests[0].Weight != 2 {
		t.Errorf("fwm service = %+v", s)
	}
	if s := tb.Services[5]; s.FWMark != 259 || !s.IPv6 || s.Scheduler != "wrr" || len(s.Dests) != 0 {
		t.Errorf("fwm v6 service = %+v", s)
	}
	if s := tb.Services[6]; s.Port != 80 || len(s.Dests) != 0 {
		t.Errorf("service without endpoints = %+v", s)
	}
	if r := out.result(); r.Detail != "IP Virtual Server version 1.2.1: 7 virtual services (TCP 4, UDP 1, FWM 2), 6 real servers" || r.Summary["services"] != 7 {
		t.Errorf("result = %+v", r)
	}
}

func TestIPVSStatsAndRate(t *testing.T) {
	stats := "IP Virtual Server version 1.2.1 (size=4096)\n" +
		fmt.Sprintf("%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n", "Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts", "InBytes", "OutBytes") +
		statsRow("TCP  10.96.0.1:443", 33, 12, 345, 300, 123456789, 98765) +
		statsRow("  -> 192.168.0.10:6443", 33, 7, 200, 180, 123456789, 50000) +
		statsRow("  -> 192.168.0.11:6443", 33, 5, 145, 120, 1000, 48765)
	rate := "IP Virtual Server version 1.2.1 (size=4096)\n" +
		fmt.Sprintf("%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n", "Prot LocalAddress:Port", "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS") +
		statsRow("UDP  10.96.0.10:53", 33, 1, 2, 3, 400, 500) +
		fmt.Sprintf("  -> %-28s %8d %8d %8d", "10.244.0.2:53", 1, 2, 3) + largenum(400) + largenum(500) + "\n"
	// Two listings in one file (a collector ran both): two tables.
	out := parseIPVSData(t, stats+rate)
	if len(out.tables) != 2 || len(out.warnings) != 0 {
		t.Fatalf("%d tables, warnings %q", len(out.tables), out.warnings)
	}
	s := out.tables[0].Services[0]
	if s.Scheduler != "" || s.Stats["conns"] != 12 || s.Stats["inbytes"] != 123456000 || s.Stats["outbytes"] != 98765 || len(s.Dests) != 2 {
		t.Errorf("stats service = %+v", s)
	}
	if d := s.Dests[0]; d.Address != "192.168.0.10" || d.Stats["inpkts"] != 200 || d.Stats["inbytes"] != 123456000 {
		t.Errorf("stats dest = %+v", d)
	}
	r := out.tables[1].Services[0]
	if r.Protocol != "UDP" || r.Stats["cps"] != 1 || r.Stats["outbps"] != 500 || r.Dests[0].Stats["inbps"] != 400 || out.tables[1].Line != 7 {
		t.Errorf("rate service = %+v (table line %d)", r, out.tables[1].Line)
	}
}

func TestIPVSSaveFormat(t *testing.T) {
	out := parseIPVSData(t, "-A -t 10.96.0.1:443 -s rr\n"+
		"-a -t 10.96.0.1:443 -r 192.168.0.10:6443 -m -w 1\n"+
		"-a -t 10.96.0.1:443 -r 192.168.0.11:6443 -m -w 1\n"+
		"-A -u 10.96.0.10:53 -s rr -p 10800\n"+
		"-a -u 10.96.0.10:53 -r 10.244.0.2:53 -m -w 1\n"+
		"-A -f 258 -s sh -b sh-port\n"+
		"-a -f 258 -r 10.0.0.10:0 -g -w 2\n"+
		"-a -t 10.9.9.9:80 -r 10.0.0.1:80 -i -w 1\n")
	tb := out.tables[0]
	if len(tb.Services) != 3 {
		t.Fatalf("services = %+v", tb.Services)
	}
	if s := tb.Services[0]; s.Address != "10.96.0.1" || s.Port != 443 || s.Scheduler != "rr" || len(s.Dests) != 2 || s.Dests[1].Forward != "Masq" || s.Dests[1].Line != 3 {
		t.Errorf("service 0 = %+v", s)
	}
	if s := tb.Services[1]; s.Protocol != "UDP" || s.Flags != "persistent 10800" {
		t.Errorf("service 1 = %+v", s)
	}
	if s := tb.Services[2]; s.FWMark != 258 || s.Flags != "sched-flags sh-port" || s.Dests[0].Forward != "Route" || s.Dests[0].Weight != 2 {
		t.Errorf("service 2 = %+v", s)
	}
	if !hasWarning(out.warnings, "line 8: real server for TCP 10.9.9.9:80, which no -A line declared") {
		t.Errorf("warnings %q", out.warnings)
	}
}

// Variants it was not written for: names instead of numbers (no -n, cut
// at ipvsadm's column widths), pasted transcripts with prompts and
// indentation, an empty table, stray lines.
func TestIPVSOddInputs(t *testing.T) {
	names := ipvsTitle() +
		"TCP  ip-10-45-0-1.ap-southeast-1. rr\n" +
		ipvsDest("master01:6443", "Masq", 1, 5, 19) +
		"TCP  kubernetes.default:https rr\n" +
		ipvsDest("node2:0", "Masq", 1, 0, 0)
	out := parseIPVSData(t, names)
	s := out.tables[0].Services
	if s[0].Address != "ip-10-45-0-1.ap-southeast-1." || s[0].Port != 0 || s[0].Dests[0].Address != "master01" || s[0].Dests[0].Active != 5 {
		t.Errorf("names = %+v", s[0])
	}
	if s[1].Address != "kubernetes.default" || s[1].PortName != "https" || s[1].Port != 0 {
		t.Errorf("port name = %+v", s[1])
	}

	pasted := "# ipvsadm -ln\n   IP Virtual Server version 1.2.1 (size=4096)\n    Prot LocalAddress:Port Scheduler Flags\n" +
		"      ->  RemoteAddress:Port           Forward  Weight ActiveConn InActConn     \n    TCP  10.102.128.4:80 rr\n" +
		"      ->  10.244.3.6:9376    Masq    1       0          0         \n      ->  10.244.1.7:9376    Masq    1       0          0\n"
	out = parseIPVSData(t, pasted)
	if tb := out.tables[0]; len(tb.Services) != 1 || len(tb.Services[0].Dests) != 2 || tb.Services[0].Dests[1].Port != 9376 || tb.Line != 2 {
		t.Errorf("pasted = %+v", tb)
	}
	if !hasWarning(out.warnings, "line 1: not ipvsadm output, skipped: # ipvsadm -ln") {
		t.Errorf("warnings %q", out.warnings)
	}

	out = parseIPVSData(t, "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n")
	if !out.found || len(out.tables[0].Services) != 0 || out.result().Detail != "IP Virtual Server version 1.2.1: no virtual services" {
		t.Errorf("empty = %+v, %q", out.tables, out.result().Detail)
	}

	out = parseIPVSData(t, ipvsTitle()+"  -> 10.0.0.1:80 Masq 1 0 0\nTCP  10.0.0.2:80 rr\n  -> 10.0.0.3:80 Masq one 0 0\nhello\n")
	for _, w := range []string{"line 4: real server line before any virtual service", "line 6: real server line with missing or odd columns", "line 7: not ipvsadm output, skipped: hello"} {
		if !hasWarning(out.warnings, w) {
			t.Errorf("no warning %q in %q", w, out.warnings)
		}
	}
}

func TestIPVSParseDocument(t *testing.T) {
	a := parsertest.Write(t, "ipvsadm-Ln.txt", []byte(ipvsKubeProxy))
	if !(IPVS{}).Detect(a) || (Save{}).Detect(a) {
		t.Fatal("detection")
	}
	sec, res, err := sectionOf(t, IPVS{}, a, "ipvs")
	if err != nil || len(sec) != 1 {
		t.Fatalf("err %v, section %v", err, sec)
	}
	doc := sec[0].(map[string]any)
	if got := sortedKeys(doc); got != "file,line,services,version" {
		t.Errorf("ipvs keys %s", got)
	}
	svc := doc["services"].([]any)[0].(map[string]any)
	if got := sortedKeys(svc); got != "address,destinations,flags,line,port,protocol,scheduler,text" {
		t.Errorf("service keys %s", got)
	}
	dst := svc["destinations"].([]any)[0].(map[string]any)
	if got := sortedKeys(dst); got != "active,address,forward,inactive,line,port,weight" {
		t.Errorf("destination keys %s", got)
	}
	if res.Summary["destinations"] != 6 || len(res.Warnings) != 0 {
		t.Errorf("result %+v", res)
	}
}

func sortedKeys(m map[string]any) string {
	ks := keys(m)
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && ks[j] < ks[j-1]; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
	return strings.Join(ks, ",")
}

func TestIPVSHugeLine(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(ipvsTitle())
	b.WriteString("TCP  10.0.0.1:80 rr " + strings.Repeat("z", 1<<20) + "\n")
	b.WriteString(ipvsDest("10.0.0.2:80", "Masq", 1, 0, 0))
	out := parseIPVSData(t, b.String())
	s := out.tables[0].Services[0]
	if len(s.Flags) > maxText || len(s.Text) > maxText || len(s.Dests) != 1 {
		t.Errorf("service flags %d text %d dests %d", len(s.Flags), len(s.Text), len(s.Dests))
	}
}
