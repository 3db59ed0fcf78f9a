package pcapgen

import (
	"bytes"
	"crypto/sha256"
	"testing"
)

func TestDeterministic(t *testing.T) {
	sum := func(seed uint64) ([32]byte, Stats) {
		var b bytes.Buffer
		st, err := Write(&b, Config{Seed: seed, SizeBytes: 1 << 20, Concurrent: 100})
		if err != nil {
			t.Fatal(err)
		}
		if int64(b.Len()) != st.Bytes || st.Bytes < 1<<20 {
			t.Fatalf("wrote %d bytes, stats say %d", b.Len(), st.Bytes)
		}
		return sha256.Sum256(b.Bytes()), st
	}
	a, sa := sum(1)
	b, sb := sum(1)
	c, _ := sum(2)
	if a != b || sa != sb {
		t.Error("the same seed gave different captures")
	}
	if a == c {
		t.Error("different seeds gave the same capture")
	}
}
