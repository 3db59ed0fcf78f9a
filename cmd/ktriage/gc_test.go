package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// gcSettings reads GOGC and the memory limit without changing them.
func gcSettings() (percent, limit uint64) {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64()
}

// The collector is off until the first collection, and the usual pacing
// is back after it.
func TestDelayFirstCollection(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	old := debug.SetGCPercent(100)
	oldLimit := debug.SetMemoryLimit(math.MaxInt64)
	defer func() {
		debug.SetGCPercent(old)
		debug.SetMemoryLimit(oldLimit)
	}()
	delayFirstCollection()
	// GOGC off reads as the largest uint64.
	if p, l := gcSettings(); p != math.MaxUint64 || l != firstCollectionAt {
		t.Fatalf("before the first collection: GOGC %d, limit %d; want off and %d", p, l, firstCollectionAt)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		if p, l := gcSettings(); p == 100 && l == math.MaxInt64 {
			break
		}
		if time.Now().After(deadline) {
			p, l := gcSettings()
			t.Fatalf("after collections: GOGC %d, limit %d; want 100 and none", p, l)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
