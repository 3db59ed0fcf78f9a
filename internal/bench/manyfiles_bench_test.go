package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/ktriage/ktriage/internal/analyze"
	"github.com/ktriage/ktriage/internal/bench/bundlegen"
	"github.com/ktriage/ktriage/internal/engine"
	"github.com/ktriage/ktriage/rules"
)

var reStatsPhases = regexp.MustCompile(`read and parse ([^,]+), evaluate ([^ ]+) `)

// BenchmarkManyFiles is issue 14 goal 5: evaluation linear in the number
// of files, 100,000 files at most 10× the time of 10,000. The bundles are
// container logs alone (a cluster-info dump's <namespace>/<pod>/logs.txt,
// three lines each), so files, not objects or bytes, are what grows. The
// phases come from ktriage's own --stats line; the evaluate phase's CPU
// time is measured in-process too (this process's rusage around
// analyze.Evaluate), since on a shared machine the wall time of a phase
// says more about the neighbours than about ktriage. Sizes from
// KTRIAGE_BENCH_FILES (default 10000,100000); the first is the base.
func BenchmarkManyFiles(b *testing.B) {
	bin := ktriageBinary(b)
	ns := sizes("KTRIAGE_BENCH_FILES", 10000, 100000)
	var base, baseCPU time.Duration
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
				cpu := evaluateCPU(b, dir)
				fmt.Printf("  in-process: evaluate %s of CPU\n", cpu.Round(time.Millisecond))
				b.ReportMetric(eval.Seconds(), "evaluate-s")
				b.ReportMetric(cpu.Seconds(), "evaluate-cpu-s")
				if base == 0 {
					base, baseCPU = eval, cpu
					continue
				}
				verdict(fmt.Sprintf("evaluate at %d / at %d files (wall)", n, ns[0]), eval.Seconds()/base.Seconds(), float64(n)/float64(ns[0]))
				verdict(fmt.Sprintf("evaluate at %d / at %d files (CPU)", n, ns[0]), cpu.Seconds()/baseCPU.Seconds(), float64(n)/float64(ns[0]))
			}
		})
	}
}

// evaluateCPU parses dir and returns the CPU time (user + system, every
// thread of this process) analyze.Evaluate took: the rules' input, the
// rules, the report.
func evaluateCPU(b *testing.B, dir string) time.Duration {
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.Options{Builtin: rules.FS})
	if err != nil {
		b.Fatal(err)
	}
	p, err := analyze.Parse(ctx, analyze.Options{Inputs: []string{dir}})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	before := processCPU()
	if _, err := analyze.Evaluate(ctx, p, eng, analyze.Options{}); err != nil {
		b.Fatal(err)
	}
	return processCPU() - before
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
