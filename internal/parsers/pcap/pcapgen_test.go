package pcap

import (
	"bytes"
	"testing"

	"github.com/ktriage/ktriage/internal/parsers/pcap/pcapgen"
)

// testGenConfig makes a small capture dense in planted evidence: many short
// flows rather than a few long ones.
var testGenConfig = pcapgen.Config{Seed: 7, SizeBytes: 4 << 20, Concurrent: 50, MaxResponse: 20}

func generatedCapture(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := pcapgen.Write(&buf, testGenConfig); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The generator's planted evidence is found, exactly.
func TestGeneratedCaptureEvidence(t *testing.T) {
	var buf bytes.Buffer
	st, err := pcapgen.Write(&buf, testGenConfig)
	if err != nil {
		t.Fatal(err)
	}
	r := analyzeBytes(t, buf.Bytes(), "gen.pcap", Capture{})
	s := r.doc.Summary
	checks := []struct {
		key  string
		want int64
	}{
		{"packets", st.Packets},
		{"bytes", st.Bytes - 24 - 16*st.Packets}, // on-the-wire bytes: no file or record headers
		{"retransmissions", st.Retransmissions},
		{"fast_retransmissions", st.FastRetransmissions},
		{"syn_retransmissions", st.SYNRetransmissions},
		{"icmp_frag_needed", st.FragNeeded},
	}
	for _, c := range checks {
		if got := num(t, s, c.key); got != c.want {
			t.Errorf("%s = %d, planted %d", c.key, got, c.want)
		}
	}
	if st.Retransmissions < 10 || st.SYNRetransmissions == 0 || st.FastRetransmissions == 0 {
		t.Errorf("the test capture plants too little: %+v", st)
	}
	enc, _ := s["encapsulated"].(map[string]uint64)
	if (st.IPIPFlows > 0) != (enc["ipip"] > 0) || (st.VXLANFlows > 0) != (enc["vxlan"] > 0) {
		t.Errorf("encapsulated %v, planted %d IPIP and %d VXLAN flows", enc, st.IPIPFlows, st.VXLANFlows)
	}
	if n := num(t, s, "syn_unanswered_attempts"); n == 0 || n > st.UnansweredSYNFlows {
		t.Errorf("unanswered attempts %d, planted %d flows", n, st.UnansweredSYNFlows)
	}
}
