// Package parallel holds the one worker pool the analysis uses: parsers,
// evidence, log terms, rule parsing and rule evaluation all run their
// independent items on every core through it.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Each calls fn(0) … fn(n-1) on GOMAXPROCS goroutines and returns when all
// have returned. Items start in index order (a caller that puts its
// longest item first has it started first); a shared counter hands them
// out, which costs nanoseconds per item where a channel cost a hundred.
func Each(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				fn(i)
			}
		}()
	}
	wg.Wait()
}
