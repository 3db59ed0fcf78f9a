package pcap

import "encoding/binary"

// flowKey identifies a conversation the way Wireshark does (addresses,
// ports, protocol; not the tunnel or VLAN it came through). The endpoint
// that sorts lower is side a, so both directions find the same entry.
type flowKey struct {
	a, b   addr
	pa, pb uint16
	proto  uint8
}

// makeKey returns the key of a packet's conversation and the direction the
// packet travels in (0: a to b, 1: b to a).
func makeKey(src, dst addr, sport, dport uint16, proto uint8) (flowKey, int) {
	if endpointLess(dst, dport, src, sport) {
		return flowKey{a: dst, b: src, pa: dport, pb: sport, proto: proto}, 1
	}
	return flowKey{a: src, b: dst, pa: sport, pb: dport, proto: proto}, 0
}

func endpointLess(a addr, pa uint16, b addr, pb uint16) bool {
	if x, y := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(b[:8]); x != y {
		return x < y
	}
	if x, y := binary.BigEndian.Uint64(a[8:]), binary.BigEndian.Uint64(b[8:]); x != y {
		return x < y
	}
	return pa < pb
}

// end returns side d's address and port.
func (k *flowKey) end(d int) (addr, uint16) {
	if d == 0 {
		return k.a, k.pa
	}
	return k.b, k.pb
}

// dirStat is what one direction of a flow sent.
type dirStat struct {
	bytes        uint64
	packets      uint32
	retrans      uint32 // as tcp.analysis.retransmission counts
	fast         uint32
	spurious     uint32
	ooo          uint32
	zeroWin      uint32
	zeroWinFrame uint32 // first zero-window advertisement
	maxIP        uint32
	dfMax        uint32 // largest DF-set IPv4 packet
	dfFrame      uint32
	dfTS         int64
	mss          uint16 // MSS option of this side's SYN or SYN-ACK
}

// flow is one conversation. It holds no pointers, so the chunks of flows are
// never scanned by the garbage collector however many there are.
type flow struct {
	key        flowKey
	prev, next int32 // LRU list, most recently seen at the head
	ext        int32 // index+1 into the extension chunks; 0: none
	firstFrame uint32
	lastFrame  uint32
	firstTS    int64
	lastTS     int64
	initiator  uint8 // direction of the first SYN, else of the first packet
	inUse      bool
	list       uint8 // listOpen, listClosed or listDatagram
	fins       uint8 // bit d: a FIN was seen in direction d
	finEnd     [2]uint32
	reused     uint16
	dirs       [2]dirStat
	tcp        [2]tcpDir
	conv       tcpConv
	syn        synState
}

// flowExt holds what only some flows need: data-delivery tracking, the
// frames cited as evidence, SYN times, tunnel endpoints.
type flowExt struct {
	dirs           [2]delivery
	retransFrames  [maxRetransFrames]uint32
	nRetransFrames uint8
	nSynTimes      uint8
	encap          encKind
	synTimes       [maxSynTimes]int64
	synFrames      [maxSynTimes]uint32
	outer          [2]addr // tunnel endpoint on side a's and side b's end
	outerMax       uint32
}

const (
	maxRetransFrames = 20
	maxSynTimes      = 8
)

// Flows leave the table, their evidence kept, when they can no longer
// matter: a TCP connection closed (RST, or FIN both ways and the last one
// acknowledged) lingers 10 s of capture time for stray duplicates; an open
// one goes after 5 minutes without a packet, longer than TCP's largest
// retransmission back-off (120 s); UDP and other datagram flows, which carry
// no sequence state, after a minute. When the table is full anyway, the
// least recently seen flow is evicted: closed ones first, then datagrams.
const sweepEvery = 1_000_000_000 // look for flows to retire once a second of capture time

const (
	listOpen = iota
	listClosed
	listDatagram
	numLists
)

var listTimeout = [numLists]int64{
	listOpen:     300_000_000_000,
	listClosed:   10_000_000_000,
	listDatagram: 60_000_000_000,
}

// chunkBits sizes the chunks flows live in: chunks are never moved, so a
// growing table neither copies flows nor leaves old arrays behind for the
// collector, and pointers to flows stay valid.
const (
	chunkBits = 12
	chunkSize = 1 << chunkBits
)

type lru struct{ head, tail int32 }

// flowTable is a bounded map of live flows. The map holds slot indexes
// only, so memory is the live flows and nothing else.
type flowTable struct {
	index   map[flowKey]int32
	chunks  [][]flow
	slots   int32 // slots handed out so far
	free    []int32
	lists   [numLists]lru
	max     int
	peak    int
	created uint64
	evicted uint64 // removed because the table was full
	retired uint64 // removed because closed or idle
	onEvict func(*flow)
	// The last flow looked up: consecutive frames of one flow are common and
	// skip the map.
	lastKey flowKey
	lastIdx int32

	exts     [][]flowExt
	extSlots int32
	extFree  []int32
}

func newFlowTable(max int, onEvict func(*flow)) *flowTable {
	return &flowTable{
		index: make(map[flowKey]int32, 1024), lists: [numLists]lru{{-1, -1}, {-1, -1}, {-1, -1}},
		lastIdx: -1, max: max, onEvict: onEvict,
	}
}

func (t *flowTable) at(i int32) *flow { return &t.chunks[i>>chunkBits][i&(chunkSize-1)] }

// live is the number of flows in the table.
func (t *flowTable) live() int { return int(t.slots) - len(t.free) }

// get returns the flow for k, creating it (and evicting the least recently
// seen flow when the table is full). The flow becomes the most recent.
func (t *flowTable) get(k flowKey) (*flow, bool) {
	if t.lastIdx >= 0 && t.lastKey == k {
		t.toFront(t.lastIdx)
		return t.at(t.lastIdx), false
	}
	if i, ok := t.index[k]; ok {
		t.toFront(i)
		t.lastKey, t.lastIdx = k, i
		return t.at(i), false
	}
	i := t.alloc()
	f := t.at(i)
	*f = flow{key: k, prev: -1, next: -1, inUse: true}
	if k.proto != 6 {
		f.list = listDatagram
	}
	f.tcp[0].reset()
	f.tcp[1].reset()
	t.index[k] = i
	t.pushFront(i)
	t.created++
	t.peak = max(t.peak, t.live())
	t.lastKey, t.lastIdx = k, i
	return f, true
}

func (t *flowTable) alloc() int32 {
	if n := len(t.free); n > 0 {
		i := t.free[n-1]
		t.free = t.free[:n-1]
		return i
	}
	if int(t.slots) < t.max {
		if int(t.slots)>>chunkBits == len(t.chunks) {
			t.chunks = append(t.chunks, make([]flow, chunkSize))
		}
		t.slots++
		return t.slots - 1
	}
	victim := int32(-1)
	for _, l := range [...]int{listClosed, listDatagram, listOpen} {
		if victim = t.lists[l].tail; victim >= 0 {
			break
		}
	}
	t.remove(victim)
	t.evicted++
	return t.alloc()
}

// remove hands a flow to onEvict and frees its slot.
func (t *flowTable) remove(i int32) {
	f := t.at(i)
	t.onEvict(f)
	t.releaseExt(f)
	delete(t.index, f.key)
	t.unlink(i)
	f.inUse = false
	t.free = append(t.free, i)
	if t.lastIdx == i {
		t.lastIdx = -1
	}
}

// retire removes the flows that can no longer matter at capture time now.
// Every list is in last-seen order, so only flows that go are visited.
func (t *flowTable) retire(now int64) {
	for l, after := range listTimeout {
		for i := t.lists[l].tail; i >= 0 && now-t.at(i).lastTS > after; i = t.lists[l].tail {
			t.remove(i)
			t.retired++
		}
	}
}

// setClosed moves a flow between the open and closed lists.
func (t *flowTable) setClosed(f *flow, closed bool) {
	want := uint8(listOpen)
	if closed {
		want = listClosed
	}
	if f.list == want {
		return
	}
	i := t.index[f.key]
	t.unlink(i)
	f.list = want
	t.pushFront(i)
}

func (t *flowTable) toFront(i int32) {
	if t.lists[t.at(i).list].head == i {
		return
	}
	t.unlink(i)
	t.pushFront(i)
}

func (t *flowTable) unlink(i int32) {
	f := t.at(i)
	l := &t.lists[f.list]
	if f.prev >= 0 {
		t.at(f.prev).next = f.next
	} else {
		l.head = f.next
	}
	if f.next >= 0 {
		t.at(f.next).prev = f.prev
	} else {
		l.tail = f.prev
	}
	f.prev, f.next = -1, -1
}

func (t *flowTable) pushFront(i int32) {
	f := t.at(i)
	l := &t.lists[f.list]
	f.prev, f.next = -1, l.head
	if l.head >= 0 {
		t.at(l.head).prev = i
	}
	l.head = i
	if l.tail < 0 {
		l.tail = i
	}
}

// lookup returns the live flow for k without creating it or changing its
// place in the eviction order.
func (t *flowTable) lookup(k flowKey) *flow {
	if i, ok := t.index[k]; ok {
		return t.at(i)
	}
	return nil
}

func (t *flowTable) extAt(i int32) *flowExt { return &t.exts[i>>chunkBits][i&(chunkSize-1)] }

// extOf returns f's extension, allocating one on first use.
func (t *flowTable) extOf(f *flow) *flowExt {
	if f.ext == 0 {
		var i int32
		if n := len(t.extFree); n > 0 {
			i, t.extFree = t.extFree[n-1], t.extFree[:n-1]
		} else {
			if int(t.extSlots)>>chunkBits == len(t.exts) {
				t.exts = append(t.exts, make([]flowExt, chunkSize))
			}
			i = t.extSlots
			t.extSlots++
		}
		*t.extAt(i) = flowExt{}
		f.ext = i + 1
	}
	return t.extAt(f.ext - 1)
}

// peekExt returns f's extension or nil without allocating.
func (t *flowTable) peekExt(f *flow) *flowExt {
	if f.ext == 0 {
		return nil
	}
	return t.extAt(f.ext - 1)
}

func (t *flowTable) releaseExt(f *flow) {
	if f.ext != 0 {
		t.extFree = append(t.extFree, f.ext-1)
		f.ext = 0
	}
}

// each calls fn for every live flow.
func (t *flowTable) each(fn func(*flow)) {
	for i := int32(0); i < t.slots; i++ {
		if f := t.at(i); f.inUse {
			fn(f)
		}
	}
}
