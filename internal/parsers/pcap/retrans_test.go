package pcap

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
)

// scenario is a crafted capture and the analysis flags expected per frame.
// Every expectation here was first observed with tshark 4.0.17; the tshark
// test replays these captures through tshark as well.
type scenario struct {
	name  string
	build func(c *craft, cli, srv string)
	want  map[uint32]uint16 // frame -> flags; frames not listed carry none of checkedFlags
}

const checkedFlags = taRetransmission | taFastRetransmission | taSpuriousRetransmission | taOutOfOrder | taKeepAlive | taZeroWindowProbe | taDupAck

// handshake writes SYN (seq 1000), SYN-ACK (seq 5000) and ACK, rtt apart.
func handshake(c *craft, cli, srv string, rtt durationNS) {
	c.tcp(seg{src: cli, dst: srv, flags: tcpSYN, seq: 1000, mss: 1460})
	c.tcp(seg{src: srv, dst: cli, flags: tcpSYN | tcpACK, seq: 5000, ack: 1001, at: rtt})
	c.tcp(seg{src: cli, dst: srv, flags: tcpACK, seq: 1001, ack: 5001, at: rtt / 10})
}

func scenarios() []scenario {
	return []scenario{{
		// Both out-of-order (within the RTT, not a repeat of the highest
		// segment) and spurious (already acknowledged): 4.0 checks spurious first.
		name: "spurious-before-out-of-order",
		build: func(c *craft, cli, srv string) {
			handshake(c, cli, srv, 10*ms)
			c.tcp(seg{src: cli, dst: srv, flags: tcpACK | tcpPSH, seq: 1001, ack: 5001, payload: 100, at: 100 * ms})
			c.tcp(seg{src: cli, dst: srv, flags: tcpACK | tcpPSH, seq: 1101, ack: 5001, payload: 100, at: ms / 10})
			c.tcp(seg{src: srv, dst: cli, flags: tcpACK, seq: 5001, ack: 1201, at: ms / 10})
			c.tcp(seg{src: cli, dst: srv, flags: tcpACK | tcpPSH, seq: 1001, ack: 5001, payload: 100, at: ms / 10})
		},
		want: map[uint32]uint16{7: taSpuriousRetransmission},
	}, {
		name: "fast-retransmission-after-three-dup-acks",
		build: func(c *craft, cli, srv string) {
			handshake(c, cli, srv, ms)
			for i := uint32(0); i < 4; i++ {
				c.tcp(seg{src: srv, dst: cli, flags: tcpACK, seq: 5001 + i*1000, ack: 1001, payload: 1000, at: ms / 10})
			}
			for i := 0; i < 3; i++ { // the first segment was lost
				c.tcp(seg{src: cli, dst: srv, flags: tcpACK, seq: 1001, ack: 5001, at: ms / 10})
			}
			c.tcp(seg{src: srv, dst: cli, flags: tcpACK, seq: 5001, ack: 1001, payload: 1000, at: ms})
			c.tcp(seg{src: cli, dst: srv, flags: tcpACK, seq: 1001, ack: 9001, at: ms})
		},
		want: map[uint32]uint16{8: taDupAck, 9: taDupAck, 10: taDupAck, 11: taFastRetransmission},
	}, {
		name: "out-of-order-within-rtt-is-not-a-retransmission",
		build: func(c *craft, cli, srv string) {
			handshake(c, cli, srv, 20*ms)
			c.tcp(seg{src: srv, dst: cli, flags: tcpACK, seq: 6001, ack: 1001, payload: 1000, at: ms})
			c.tcp(seg{src: srv, dst: cli, flags: tcpACK, seq: 5001, ack: 1001, payload: 1000, at: ms})
		},
		want: map[uint32]uint16{5: taOutOfOrder},
	}, {
		name: "rto-retransmission-keepalive-and-zero-window-probe",
		build: func(c *craft, cli, srv string) {
			handshake(c, cli, srv, ms)
			c.tcp(seg{src: srv, dst: cli, flags: tcpACK, seq: 5001, ack: 1001, payload: 1000, at: ms})
			c.tcp(seg{src: srv, dst: cli, flags: tcpACK, seq: 5001, ack: 1001, payload: 1000, at: 300 * ms}) // RTO
			c.tcp(seg{src: cli, dst: srv, flags: tcpACK, zeroWin: true, seq: 1001, ack: 6001, at: ms})       // zero window
			c.tcp(seg{src: srv, dst: cli, flags: tcpACK, seq: 6001, ack: 1001, payload: 1, at: 200 * ms})    // probe
			c.tcp(seg{src: cli, dst: srv, flags: tcpACK, seq: 1001, ack: 6001, at: ms})                      // window opens
			c.tcp(seg{src: cli, dst: srv, flags: tcpACK, seq: 1000, ack: 6001, payload: 1, at: 10_000 * ms}) // keep-alive
		},
		want: map[uint32]uint16{5: taRetransmission, 7: taZeroWindowProbe, 9: taKeepAlive},
	}, {
		// A RST with an unrelated sequence number, then the same SYN again:
		// Wireshark rewinds nextseq (its issue 17616), so the data after the
		// handshake is not a retransmission.
		name: "syn-again-after-rst-rewinds",
		build: func(c *craft, cli, srv string) {
			c.tcp(seg{src: cli, dst: srv, flags: tcpSYN, seq: 2581219050, mss: 1460})
			c.tcp(seg{src: cli, dst: srv, flags: tcpRST, seq: 154377195, at: 100 * ms})
			c.tcp(seg{src: cli, dst: srv, flags: tcpSYN, seq: 2581219050, mss: 1460, at: 1000 * ms})
			c.tcp(seg{src: cli, dst: srv, flags: tcpACK | tcpPSH, seq: 2581219051, ack: 5001, payload: 10, at: 100 * ms})
		},
		want: map[uint32]uint16{3: taRetransmission},
	}, {
		name: "new-isn-is-a-new-conversation",
		build: func(c *craft, cli, srv string) {
			handshake(c, cli, srv, ms)
			c.tcp(seg{src: cli, dst: srv, flags: tcpACK | tcpPSH, seq: 1001, ack: 5001, payload: 500, at: ms})
			c.tcp(seg{src: cli, dst: srv, flags: tcpSYN, seq: 77, mss: 1460, at: 5000 * ms})
			c.tcp(seg{src: srv, dst: cli, flags: tcpSYN | tcpACK, seq: 9000, ack: 78, at: ms})
			c.tcp(seg{src: cli, dst: srv, flags: tcpACK | tcpPSH, seq: 78, ack: 9001, payload: 10, at: ms})
		},
		want: map[uint32]uint16{},
	}, {
		// After an ACK of data the capture never showed, Wireshark stops
		// counting the acker's peer's duplicate ACKs from before it.
		name: "acked-unseen-resets-dup-acks",
		build: func(c *craft, cli, srv string) {
			handshake(c, cli, srv, ms)
			c.tcp(seg{src: srv, dst: cli, flags: tcpACK, seq: 5001, ack: 1001, payload: 100, at: ms})
			c.tcp(seg{src: cli, dst: srv, flags: tcpACK, seq: 1001, ack: 5201, at: ms})
			c.tcp(seg{src: cli, dst: srv, flags: tcpACK, seq: 1001, ack: 5301, at: ms})
		},
		want: map[uint32]uint16{},
	}}
}

func (s scenario) capture(t testing.TB) []byte {
	c := newCraft(t)
	s.build(c, "10.0.0.1:40000", "10.0.0.2:80")
	return c.buf.Bytes()
}

// allScenarios writes every scenario into one capture, each on its own
// client port and a minute after the previous, so one tshark run checks
// them all.
func allScenarios(t testing.TB) []byte {
	c := newCraft(t)
	for i, s := range scenarios() {
		s.build(c, fmt.Sprintf("10.0.0.1:%d", 40000+i), "10.0.0.2:80")
		c.advance(60_000 * ms)
	}
	return c.buf.Bytes()
}

func TestRetransmissionClassification(t *testing.T) {
	for _, s := range scenarios() {
		got := map[uint32]uint16{}
		data := s.capture(t)
		f, err := os.CreateTemp(t.TempDir(), "s")
		if err != nil {
			t.Fatal(err)
		}
		f.Write(data)
		f.Seek(0, 0)
		src, err := openSource(f, sniffFormat(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		an := newAnalyzer(Capture{})
		an.trace = func(frame uint32, ta uint16) {
			if ta&checkedFlags != 0 {
				got[frame] = ta & checkedFlags
			}
		}
		if err := an.run(context.Background(), src); err != nil {
			t.Fatal(err)
		}
		f.Close()
		frames := func(m map[uint32]uint16) []uint32 {
			var k []uint32
			for f := range m {
				k = append(k, f)
			}
			slices.Sort(k)
			return k
		}
		if !slices.Equal(frames(got), frames(s.want)) {
			t.Errorf("%s: flagged frames %v, want %v", s.name, got, s.want)
			continue
		}
		for fr, w := range s.want {
			if got[fr] != w {
				t.Errorf("%s: frame %d flags %#x, want %#x", s.name, fr, got[fr], w)
			}
		}
	}
}
