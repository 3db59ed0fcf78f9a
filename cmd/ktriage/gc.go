package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
)

// firstCollectionAt is the heap size at which the first collection runs.
const firstCollectionAt = 128 << 20

// delayFirstCollection keeps the collector off until the heap reaches
// firstCollectionAt, then hands over to the usual pacing (GOGC=100). A
// small bundle's whole run allocates a few tens of megabytes; with the
// default 4 MB first goal the collector ran two or three times, each
// scanning the binary's 5 MB of globals, about a quarter of the run
// (measured on one sysctl file). A large bundle is collected as before
// once it passes the mark. GOGC or GOMEMLIMIT in the environment are left
// to the runtime.
func delayFirstCollection() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(firstCollectionAt)
	// The memory limit starts the first collection; a cleanup attached
	// to an object that is garbage from the start runs right after it.
	runtime.AddCleanup(new([4]*byte), func(struct{}) {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
	}, struct{}{})
}
