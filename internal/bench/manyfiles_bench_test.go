package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/ktriage/ktriage/internal/bench/bundlegen"
)

var reStatsPhases = regexp.MustCompile(`read and parse ([^,]+), evaluate ([^ ]+) `)

// BenchmarkManyFiles is issue 14 goal 5: evaluation linear in the number
// of files, 100,000 files at most 10× the time of 10,000. The bundles are
// container logs alone (a cluster-info dump's <namespace>/<pod>/logs.txt,
// three lines each), so files, not objects or bytes, are what grows. The
// phases come from ktriage's own --stats line. Sizes from
// KTRIAGE_BENCH_FILES (default 10000,100000); the first is the base.
func BenchmarkManyFiles(b *testing.B) {
	bin := ktriageBinary(b)
	ns := sizes("KTRIAGE_BENCH_FILES", 10000, 100000)
	var base time.Duration
	for _, n := range ns {
		dir := filepath.Join("..", "..", "testdata", "bench", fmt.Sprintf("logs-%dfiles", n))
		if _, err := os.Stat(dir); err != nil {
			if _, err := bundlegen.GenerateLogFiles(dir, n); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				kt := runChild(b, nil, bin, "analyze", "--format", "json", "-o", os.DevNull, "--fail-on", "none", "--stats", dir)
				m := reStatsPhases.FindStringSubmatch(kt.out)
				if m == nil {
					b.Fatalf("no phases in --stats output:\n%s", kt.out)
				}
				eval, _ := time.ParseDuration(m[2])
				fmt.Printf("\nmany files: %d logs of 3 lines\n  ktriage end to end %s wall, %s CPU; read and parse %s, evaluate %s; peak %d MB\n",
					n, kt.wall.Round(time.Millisecond), kt.cpu.Round(time.Millisecond), m[1], eval.Round(time.Millisecond), kt.maxRSS>>20)
				b.ReportMetric(eval.Seconds(), "evaluate-s")
				if base == 0 {
					base = eval
					continue
				}
				verdict(fmt.Sprintf("evaluate at %d / at %d files", n, ns[0]), eval.Seconds()/base.Seconds(), float64(n)/float64(ns[0]))
			}
		})
	}
}
