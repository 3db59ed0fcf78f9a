package pcap

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"runtime"
	"testing"
)

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestOversizedRecordIsNotBuffered: a record's captured length is the
// file's word, up to the 4 GiB a snaplen of 0xffffffff allows. One 1 GiB
// record (a 1 MB .pcap.gz) took 4.2 GB: the reader buffered the record
// whole, growing its buffer by doubling. Only the bytes the decoders need
// are kept; the rest of the record is skipped as it streams by, and the
// frames after it are still read (issue 10, D6).
func TestOversizedRecordIsNotBuffered(t *testing.T) {
	const big = 256 << 20
	le := binary.LittleEndian
	hdr := make([]byte, 24)
	le.PutUint32(hdr[0:], 0xa1b2c3d4)
	le.PutUint16(hdr[4:], 2)
	le.PutUint16(hdr[6:], 4)
	le.PutUint32(hdr[16:], 0xffffffff) // snaplen
	le.PutUint32(hdr[20:], 1)          // Ethernet
	rec := func(caplen, origlen uint32) []byte {
		b := make([]byte, 16)
		le.PutUint32(b[0:], 1700000000)
		le.PutUint32(b[8:], caplen)
		le.PutUint32(b[12:], origlen)
		return b
	}
	small := bytes.Repeat([]byte{0xff}, 60)
	r := io.MultiReader(bytes.NewReader(hdr), bytes.NewReader(rec(big, big)), io.LimitReader(zeros{}, big),
		bytes.NewReader(rec(60, 60)), bytes.NewReader(small))

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	an, doc, res, err := Capture{}.analyze(context.Background(), r, 0, formatPcap, "big.pcap")
	runtime.ReadMemStats(&after)
	if err != nil || an == nil {
		t.Fatalf("analyze: %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("reading a %d MiB record allocated %d MiB", big>>20, alloc>>20)
	}
	if n := num(t, doc.Summary, "packets"); n != 2 || len(res.Warnings) != 0 {
		t.Errorf("packets %d, warnings %q: the frame after the big record was lost", n, res.Warnings)
	}
	if b := num(t, doc.Summary, "bytes"); b != big+60 {
		t.Errorf("bytes %d, want the wire lengths %d", b, big+60)
	}
}
