package pcap

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"
)

// pcapRecordOffsets returns where each record of a pcap file starts.
func pcapRecordOffsets(t *testing.T, data []byte) []int {
	t.Helper()
	var offs []int
	for off := 24; off+16 <= len(data); {
		offs = append(offs, off)
		off += 16 + int(binary.LittleEndian.Uint32(data[off+8:]))
	}
	return offs
}

func TestTruncatedCaptureKeepsWhatWasRead(t *testing.T) {
	data, err := os.ReadFile(realworld("zeek-http-m57-retransmissions.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	offs := pcapRecordOffsets(t, data)
	// Cut inside frame 101's data, and inside frame 150's record header.
	for _, c := range []struct {
		cut   int
		frame int
	}{{offs[100] + 30, 101}, {offs[149] + 5, 150}} {
		r := analyzeBytes(t, data[:c.cut], "cut.pcap", Capture{})
		if r.err != nil {
			t.Fatalf("cut at %d: %v", c.cut, r.err)
		}
		s := r.doc.Summary
		if num(t, s, "packets") != int64(c.frame-1) || s["truncated"] != true {
			t.Errorf("cut at %d: packets %v truncated %v", c.cut, s["packets"], s["truncated"])
		}
		want := "capture unreadable from frame " + itoa(int64(c.frame)) + " (byte offset " + itoa(int64(offs[c.frame-1])) + "): unexpected EOF"
		if len(r.res.Warnings) != 1 || !strings.HasPrefix(r.res.Warnings[0], want) {
			t.Errorf("cut at %d: warnings %q, want prefix %q", c.cut, r.res.Warnings, want)
		}
		if len(r.doc.Flows) == 0 || num(t, s, "retransmissions") == 0 {
			t.Errorf("cut at %d: evidence before the cut was lost: %v", c.cut, s)
		}
	}
	// A file cut inside its own header cannot be read at all.
	if r := analyzeBytes(t, data[:20], "hdr.pcap", Capture{}); r.err == nil || r.an != nil {
		t.Errorf("header cut: %v", r.err)
	}
}

func TestCorruptRecordStopsWithAWarning(t *testing.T) {
	data, err := os.ReadFile(realworld("zeek-tcp-ssh-dups-retransmissions.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	offs := pcapRecordOffsets(t, data)
	bad := bytes.Clone(data)
	binary.LittleEndian.PutUint32(bad[offs[10]+8:], 0x7fffffff) // captured length of frame 11
	r := analyzeBytes(t, bad, "bad.pcap", Capture{})
	if r.err != nil || num(t, r.doc.Summary, "packets") != 10 || len(r.res.Warnings) != 1 ||
		!strings.Contains(r.res.Warnings[0], "frame 11 (byte offset "+itoa(int64(offs[10]))+")") {
		t.Errorf("err %v packets %v warnings %q", r.err, r.doc.Summary["packets"], r.res.Warnings)
	}
}

func TestTruncatedPcapng(t *testing.T) {
	data, err := os.ReadFile(generated("listen-ok.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	r := analyzeBytes(t, data[:len(data)-40], "cut.pcapng", Capture{})
	if r.err != nil || r.doc.Summary["truncated"] != true || len(r.res.Warnings) != 1 || num(t, r.doc.Summary, "packets") == 0 {
		t.Errorf("err %v summary %v warnings %q", r.err, r.doc.Summary, r.res.Warnings)
	}
}

// A bounded flow table evicts the least recently seen flows; totals stay
// exact and the evicted flows' evidence is kept.
func TestFlowEviction(t *testing.T) {
	full := analyzeFile(t, realworld("ndpi-synscan-1994-syns.pcap"), Capture{})
	small := analyzeFile(t, realworld("ndpi-synscan-1994-syns.pcap"), Capture{MaxFlows: 64, TopN: 5})
	for _, k := range []string{"packets", "bytes", "syn_attempts", "syn_rst", "tcp_packets"} {
		if a, b := num(t, full.doc.Summary, k), num(t, small.doc.Summary, k); a != b {
			t.Errorf("%s: %d with room, %d with 64 flows", k, a, b)
		}
	}
	if n := num(t, small.doc.Summary, "flows_evicted"); n < 1900 {
		t.Errorf("flows_evicted %d", n)
	}
	if len(small.doc.Flows) != 5 || len(small.doc.SynRST) != 4 || len(small.res.Warnings) != 1 {
		t.Errorf("flows %d syn_rst %d warnings %q", len(small.doc.Flows), len(small.doc.SynRST), small.res.Warnings)
	}
	if small.an.flows.live() > 64 {
		t.Errorf("%d flows live", small.an.flows.live())
	}
}

func TestCancelledContext(t *testing.T) {
	data, err := os.ReadFile(realworld("zeek-http-m57-retransmissions.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	an, _, _, err := Capture{}.analyze(ctx, bytes.NewReader(data), int64(len(data)), formatPcap, "m57.pcap")
	if !errors.Is(err, context.Canceled) || an == nil {
		t.Errorf("err %v", err)
	}
}
