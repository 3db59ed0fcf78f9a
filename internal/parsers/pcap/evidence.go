package pcap

// Bounded evidence: the top flows, the largest DF packets per flow
// direction, connection targets, closed ports, ICMP errors and top talkers.
// Each list is capped; the counters in the summary are exact.

// collector gathers evidence as flows finish (on eviction or at the end).
type collector struct {
	flows          topK[flowSnap]
	df             topK[dfSnap]
	targets        map[synKey]synAgg
	refused        map[rstKey]rstAgg
	targetsDropped uint64
	addrs          map[addr]addrAgg
	addrsDropped   uint64
	frag           []icmpEvent
	unreach        map[addr]unreachAgg
}

type addrAgg struct{ packets, bytes uint64 }

// maxAddrs bounds the top-talker table; addresses first seen after it is
// full are not ranked (their packets still count in the totals).
const maxAddrs = 65_536

func newCollector(topN int) *collector {
	return &collector{
		flows:   topK[flowSnap]{n: topN},
		df:      topK[dfSnap]{n: topN},
		targets: map[synKey]synAgg{},
		refused: map[rstKey]rstAgg{},
		addrs:   map[addr]addrAgg{},
		unreach: map[addr]unreachAgg{},
	}
}

// flowSnap is a finished flow kept for the report.
type flowSnap struct {
	f      flow
	e      flowExt
	hasExt bool
}

// dfSnap is the largest DF-set packet of one flow direction.
type dfSnap struct {
	key      flowKey
	dir      uint8
	size     uint32
	frame    uint32
	ts       int64
	encap    encKind
	outerMax uint32
}

// finishFlow adds a flow that is leaving the table to the evidence.
func (a *analyzer) finishFlow(f *flow) {
	a.finishAttempt(f)
	e := a.flows.peekExt(f)
	pk := uint64(f.dirs[0].packets) + uint64(f.dirs[1].packets)
	by := f.dirs[0].bytes + f.dirs[1].bytes
	a.ev.addAddr(f.key.a, pk, by)
	if f.key.b != f.key.a {
		a.ev.addAddr(f.key.b, pk, by)
	}
	r := rank{
		uint64(f.dirs[0].retrans) + uint64(f.dirs[1].retrans),
		uint64(f.dirs[0].zeroWin) + uint64(f.dirs[1].zeroWin),
		by,
		^uint64(f.firstFrame), // earlier first
	}
	a.ev.flows.offer(r, func(s *flowSnap) {
		s.f, s.hasExt = *f, e != nil
		if e != nil {
			s.e = *e
		}
	})
	for d := range f.dirs {
		ds := &f.dirs[d]
		if ds.dfMax == 0 {
			continue
		}
		a.ev.df.offer(rank{uint64(ds.dfMax), 0, 0, ^uint64(ds.dfFrame)}, func(s *dfSnap) {
			*s = dfSnap{key: f.key, dir: uint8(d), size: ds.dfMax, frame: ds.dfFrame, ts: ds.dfTS}
			if e != nil {
				s.encap, s.outerMax = e.encap, e.outerMax
			}
		})
	}
}

func (c *collector) addAddr(a addr, packets, bytes uint64) {
	v, ok := c.addrs[a]
	if !ok && len(c.addrs) >= maxAddrs {
		c.addrsDropped++
		return
	}
	v.packets += packets
	v.bytes += bytes
	c.addrs[a] = v
}

// rank orders evidence: higher fields first, compared in order.
type rank [4]uint64

func (x rank) below(y rank) bool {
	for i := range x {
		if x[i] != y[i] {
			return x[i] < y[i]
		}
	}
	return false
}

// topK keeps the n best-ranked items in a min-heap: the worst kept item is
// at the root, so a newcomer is compared with one item and usually dropped
// without being built.
type topK[T any] struct {
	n     int
	ranks []rank
	items []T
}

// offer adds an item of rank r; fill builds it only when it is kept.
func (t *topK[T]) offer(r rank, fill func(*T)) {
	if t.n <= 0 {
		return
	}
	if len(t.ranks) < t.n {
		var v T
		fill(&v)
		t.ranks = append(t.ranks, r)
		t.items = append(t.items, v)
		t.up(len(t.ranks) - 1)
		return
	}
	if !t.ranks[0].below(r) {
		return
	}
	t.ranks[0] = r
	fill(&t.items[0])
	t.down(0)
}

func (t *topK[T]) swap(i, j int) {
	t.ranks[i], t.ranks[j] = t.ranks[j], t.ranks[i]
	t.items[i], t.items[j] = t.items[j], t.items[i]
}

func (t *topK[T]) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !t.ranks[i].below(t.ranks[p]) {
			return
		}
		t.swap(i, p)
		i = p
	}
}

func (t *topK[T]) down(i int) {
	for {
		l, m := 2*i+1, i
		if l < len(t.ranks) && t.ranks[l].below(t.ranks[m]) {
			m = l
		}
		if r := l + 1; r < len(t.ranks) && t.ranks[r].below(t.ranks[m]) {
			m = r
		}
		if m == i {
			return
		}
		t.swap(i, m)
		i = m
	}
}

// best returns the kept items, best first. It empties the heap.
func (t *topK[T]) best() []T {
	out := make([]T, len(t.ranks))
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = t.items[0]
		last := len(t.ranks) - 1
		t.swap(0, last)
		t.ranks, t.items = t.ranks[:last], t.items[:last]
		t.down(0)
	}
	return out
}
