package pcap

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
)

var _ parsers.Parser = Capture{}

func TestDetectByMagicOnly(t *testing.T) {
	cases := []struct {
		name string
		head string
		want string
	}{
		{"pcap µs LE", "\xd4\xc3\xb2\xa1\x02\x00\x04\x00", formatPcap},
		{"pcap µs BE", "\xa1\xb2\xc3\xd4\x00\x02\x00\x04", formatPcap},
		{"pcap ns LE", "\x4d\x3c\xb2\xa1\x02\x00\x04\x00", formatPcap},
		{"pcap ns BE", "\xa1\xb2\x3c\x4d\x00\x02\x00\x04", formatPcap},
		{"pcapng LE", "\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x4d\x3c\x2b\x1a", formatPcapng},
		{"pcapng BE", "\x0a\x0d\x0d\x0a\x00\x00\x00\x1c\x1a\x2b\x3c\x4d", formatPcapng},
		{"text starting like pcapng", "\n\r\r\nhello world", ""},
		{"gzip", "\x1f\x8b\x08\x00", ""},
		{"json", `{"kind":"Pod"}`, ""},
		{"short", "\xd4\xc3", ""},
	}
	for _, c := range cases {
		a := &loader.Artifact{Path: "capture.txt", Head: []byte(c.head)}
		if got := sniffFormat(a.Head); got != c.want {
			t.Errorf("%s: format %q, want %q", c.name, got, c.want)
		}
		if got := (Capture{}).Detect(a); got != (c.want != "") {
			t.Errorf("%s: Detect = %v", c.name, got)
		}
	}
}

// TestParseAddsCaptureDocument checks the contract other code relies on:
// one "captures" element per file on the node the file is attributed to,
// and a Summary with the documented keys.
func TestParseAddsCaptureDocument(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(generated("mtu-blackhole-underlay.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	// Named like a text file: detection goes by content.
	if err := os.MkdirAll(filepath.Join(dir, "nodes", "vm-5"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nodes", "vm-5", "eth0.txt"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	bundle, err := loader.Load([]string{dir}, loader.Limits{}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer bundle.Close()
	if len(bundle.Artifacts) != 1 {
		t.Fatalf("%d artifacts", len(bundle.Artifacts))
	}
	a := bundle.Artifacts[0]
	p := Capture{}
	if !p.Detect(a) {
		t.Fatal("not detected")
	}
	b := facts.NewBuilder()
	res, err := p.Parse(context.Background(), a, b)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Detail, "pcap, Ethernet, 53 packets in 4.2 s, 7 flows, 4 retransmissions") {
		t.Errorf("detail %q", res.Detail)
	}
	for _, k := range []string{"packets", "bytes", "flows", "retransmissions", "syn_unanswered", "icmp_frag_needed",
		"icmp_unreachable", "link_types", "first", "last", "duration_s", "encapsulated", "truncated", "flows_evicted"} {
		if _, ok := res.Summary[k]; !ok {
			t.Errorf("summary lacks %q", k)
		}
	}
	if _, err := json.Marshal(res.Summary); err != nil {
		t.Errorf("summary does not marshal: %v", err)
	}
	f := b.Build()
	node := f.Nodes["vm-5"]
	if node == nil {
		t.Fatalf("no node vm-5 in %v", f.Nodes)
	}
	caps, _ := node["captures"].([]any)
	if len(caps) != 1 {
		t.Fatalf("captures = %#v", node["captures"])
	}
	doc := caps[0].(map[string]any)
	if doc["file"] != a.Path || doc["format"] != "pcap" {
		t.Errorf("file/format = %v/%v", doc["file"], doc["format"])
	}
	for _, k := range []string{"link_types", "interfaces", "summary", "addresses", "flows", "syn_unanswered", "syn_rst",
		"icmp_frag_needed", "icmp_unreachable", "df_max", "size_histogram"} {
		if _, ok := doc[k].([]any); !ok && k != "summary" {
			t.Errorf("document %q is %T, want a list", k, doc[k])
		}
	}
	if sum, _ := doc["summary"].(map[string]any); sum["retransmissions"] != json.Number("4") {
		t.Errorf("document summary retransmissions = %#v", sum["retransmissions"])
	}
}

func TestParseRejectsWhatIsNotACapture(t *testing.T) {
	a := &loader.Artifact{Path: "x", Head: []byte("hello")}
	_, err := Capture{}.Parse(context.Background(), a, facts.NewBuilder())
	if err == nil || !strings.Contains(err.Error(), "not this kind") {
		t.Fatalf("err = %v", err)
	}
}

func TestUnreadableHeaderIsAParseError(t *testing.T) {
	// Right magic, unknown version: pcapgo refuses the header.
	data := []byte("\xd4\xc3\xb2\xa1\x09\x00\x09\x00" + strings.Repeat("\x00", 16))
	r := analyzeBytes(t, data, "bad.pcap", Capture{})
	if r.an != nil || r.err == nil || !strings.Contains(r.err.Error(), "read pcap header: unknown major version") {
		t.Fatalf("an=%v err=%v", r.an != nil, r.err)
	}
}
