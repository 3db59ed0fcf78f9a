package pcap

import (
	"bytes"
	"context"
	"os"
	"testing"
)

// FuzzCapture feeds arbitrary bytes behind a pcap or pcapng magic number
// to the whole analysis. It must never panic or hang, and what it reports
// must hang together. Seeds: every capture in the test data (the larger
// ones cut to their first 16 KiB, which keeps mutation fast), each also
// truncated and bit-flipped.
func FuzzCapture(f *testing.F) {
	for _, dir := range []string{realworldDir, generatedDir} {
		for _, p := range captureFiles(f, dir) {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			data = data[:min(len(data), 16<<10)]
			f.Add(data)
			f.Add(data[:len(data)*2/3])
			flipped := bytes.Clone(data)
			for i := 24; i < len(flipped); i += 97 {
				flipped[i] ^= 0x5a
			}
			f.Add(flipped)
		}
	}
	f.Add(allScenarios(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		format := sniffFormat(data)
		if format == "" {
			return
		}
		an, doc, res, err := Capture{MaxFlows: 256, TopN: 8}.analyze(context.Background(), bytes.NewReader(data), int64(len(data)), format, "fuzz")
		if an == nil {
			if err == nil {
				t.Fatal("no analysis and no error")
			}
			return
		}
		if err != nil {
			t.Fatalf("error after the header: %v", err)
		}
		c := an.c
		if c.fast+c.spurious > c.retrans {
			t.Fatalf("retransmission counts %d/%d/%d", c.retrans, c.fast, c.spurious)
		}
		if doc.Flows == nil || doc.SynUnanswered == nil || doc.ICMPUnreachable == nil || doc.DFMax == nil || res.Summary == nil {
			t.Fatal("a list is nil")
		}
		if len(doc.Flows) > 8 || an.flows.live() > 256 {
			t.Fatalf("bounds exceeded: %d flows kept, %d live", len(doc.Flows), an.flows.live())
		}
		var hist uint64
		for _, b := range doc.SizeHistogram {
			hist += b.Packets
		}
		if hist+c.nonIP+c.unsupported != c.frames {
			t.Fatalf("histogram %d + non-IP %d + unsupported %d != frames %d", hist, c.nonIP, c.unsupported, c.frames)
		}
	})
}
