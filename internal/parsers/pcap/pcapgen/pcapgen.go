// Package pcapgen writes large synthetic Ethernet captures for benchmarks
// and tests: many concurrent TCP flows with planted evidence (RTO and fast
// retransmissions, IPIP- and VXLAN-encapsulated flows, SYNs that are never
// answered, closed ports, ICMP fragmentation-needed with the sender's
// re-segmented retransmission) and some UDP. Output is a deterministic
// function of Config: the same seed and size give the same bytes.
//
// Each flow is scripted when it starts (a list of packets with the delay
// before each); an event heap interleaves the flows by time, so the capture
// looks like a busy link rather than one flow after another. Every planted
// retransmission is one tshark 4.0 flags with tcp.analysis.retransmission
// (given "-d udp.port==8472,vxlan", or it cannot see into the flannel-style
// VXLAN flows), and Stats counts them as written, so tests can compare.
package pcapgen

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

// Config says what to write. Zero fields take the defaults.
type Config struct {
	Seed       uint64
	SizeBytes  int64 // stop once the file is at least this large (default 100 MB)
	Concurrent int   // flows open at once (default 1,000)
	// MaxResponse caps a response at this many segments (default 800).
	// Small captures for tests use a low cap: many short flows plant more
	// evidence per megabyte than a few long ones.
	MaxResponse int
	Start       time.Time
}

// Stats counts what was planted.
type Stats struct {
	Packets             int64
	Bytes               int64 // file size
	Flows               int64
	Retransmissions     int64 // all of these match tcp.analysis.retransmission
	FastRetransmissions int64
	SYNRetransmissions  int64
	UnansweredSYNFlows  int64
	RefusedFlows        int64
	FragNeeded          int64
	IPIPFlows           int64
	VXLANFlows          int64
	UDPFlows            int64
}

const (
	defaultSize        = 100 << 20
	defaultConcurrent  = 1_000
	defaultMaxResponse = 800
	snaplen            = 65535
)

// Write writes one capture to w.
func Write(w io.Writer, cfg Config) (Stats, error) {
	if cfg.SizeBytes <= 0 {
		cfg.SizeBytes = defaultSize
	}
	if cfg.Concurrent <= 0 {
		cfg.Concurrent = defaultConcurrent
	}
	if cfg.MaxResponse <= 0 {
		cfg.MaxResponse = defaultMaxResponse
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	}
	g := &gen{
		cfg: cfg,
		rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		w:   bufio.NewWriterSize(w, 1<<20),
		now: cfg.Start.UnixNano(),
	}
	if err := g.header(); err != nil {
		return g.st, err
	}
	for i := 0; i < cfg.Concurrent; i++ {
		g.startFlow(g.now + int64(g.rng.IntN(50_000_000)))
	}
	for g.st.Bytes < cfg.SizeBytes && len(g.events) > 0 {
		f := g.events[0]
		g.now = f.next
		if err := g.emit(f, &f.script[f.pos]); err != nil {
			return g.st, err
		}
		f.pos++
		if f.pos == len(f.script) {
			heap.Pop(&g.events)
			g.free = append(g.free, f)
			g.startFlow(g.now + int64(g.rng.IntN(2_000_000)))
			continue
		}
		f.next += f.script[f.pos].delay
		heap.Fix(&g.events, 0)
	}
	if err := g.w.Flush(); err != nil {
		return g.st, fmt.Errorf("write capture: %w", err)
	}
	return g.st, nil
}

type gen struct {
	cfg    Config
	rng    *rand.Rand
	w      *bufio.Writer
	st     Stats
	now    int64
	events eventHeap
	free   []*flow
	nextID uint32
	frame  [256]byte
}

func (g *gen) header() error {
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xa1b23c4d) // nanosecond pcap
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], snaplen)
	binary.LittleEndian.PutUint32(h[20:], 1) // Ethernet
	_, err := g.w.Write(h[:])
	g.st.Bytes += 24
	return err
}

// eventHeap orders open flows by the time of their next packet (then by
// id, so equal times stay deterministic).
type eventHeap []*flow

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if h[i].next != h[j].next {
		return h[i].next < h[j].next
	}
	return h[i].id < h[j].id
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(*flow)) }
func (h *eventHeap) Pop() any {
	old := *h
	f := old[len(old)-1]
	*h = old[:len(old)-1]
	return f
}
