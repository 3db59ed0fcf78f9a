package bench

import (
	"context"

	"encoding/json"
	"fmt"
	"github.com/ktriage/ktriage/internal/analyze"
	"github.com/ktriage/ktriage/internal/facts"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ktriage/ktriage/internal/bench/bundlegen"
)

// The plain-read baseline of BenchmarkMustGather, in a child process.
const readEnv = "KTRIAGE_BENCH_READ_DIR"

// readAll reads every file under dir and does nothing with the bytes: what
// the disk and the file system cost for this many files.
func readAll(dir string) error {
	buf := make([]byte, 64<<10)
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.CopyBuffer(io.Discard, f, buf)
		return err
	})
}

// mustGatherDir returns a generated must-gather tree of about mb MB, made
// once and kept under testdata/bench (git-ignored).
func mustGatherDir(b *testing.B, mb int) (string, bundlegen.MustGatherStats) {
	b.Helper()
	dir := filepath.Join("..", "..", "testdata", "bench", fmt.Sprintf("must-gather-%dMB", mb))
	statsFile := dir + ".stats.json"
	var st bundlegen.MustGatherStats
	if raw, err := os.ReadFile(statsFile); err == nil && json.Unmarshal(raw, &st) == nil {
		return dir, st
	}
	os.RemoveAll(dir)
	start := time.Now()
	st, err := bundlegen.GenerateMustGather(dir, int64(mb)<<20, 1)
	if err != nil {
		b.Fatal(err)
	}
	raw, _ := json.Marshal(st)
	os.WriteFile(statsFile, raw, 0o644)
	b.Logf("generated %s (%d files, %d MB) in %s", dir, st.Files, st.Bytes>>20, time.Since(start).Round(time.Millisecond))
	return dir, st
}

// BenchmarkMustGather measures intake of many small files (issue 11, item
// 8: a 95 MB, 3,600-file must-gather took 59 s): ktriage end to end on a
// generated must-gather tree against a plain read of the same files, in
// one run. Size from KTRIAGE_BENCH_MG_MB (default 95).
func BenchmarkMustGather(b *testing.B) {
	mb := 95
	if v, err := strconv.Atoi(os.Getenv("KTRIAGE_BENCH_MG_MB")); err == nil && v > 0 {
		mb = v
	}
	bin := ktriageBinary(b)
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	dir, st := mustGatherDir(b, mb)
	for i := 0; i < b.N; i++ {
		rd := runChild(b, []string{readEnv + "=" + dir}, self, "-test.run=^$")
		kt := runChild(b, nil, bin, "analyze", "--format", "json", "-o", os.DevNull, "--fail-on", "none", "--stats", dir)
		mbs := float64(st.Bytes) / (1 << 20)
		b.ReportMetric(mbs/kt.wall.Seconds(), "ktriage-MB/s")
		b.ReportMetric(mbs/rd.wall.Seconds(), "read-MB/s")
		b.ReportMetric(kt.wall.Seconds()/rd.wall.Seconds(), "ktriage/read")
		fmt.Printf("\nmust-gather: %d files, %d pods, %d namespaces, %.1f MB\n", st.Files, st.Pods, st.Namespaces, mbs)
		fmt.Printf("  %-28s %8s %8s %10s %9s\n", "", "wall", "CPU", "MB/s", "peak RSS")
		fmt.Printf("  %-28s %8s %8s %10.1f %6d MB\n", "plain read", rd.wall.Round(time.Millisecond), rd.cpu.Round(time.Millisecond), mbs/rd.wall.Seconds(), rd.maxRSS>>20)
		fmt.Printf("  %-28s %8s %8s %10.1f %6d MB\n", "ktriage analyze", kt.wall.Round(time.Millisecond), kt.cpu.Round(time.Millisecond), mbs/kt.wall.Seconds(), kt.maxRSS>>20)
		fmt.Printf("  ratio ktriage/read: %.1f× wall, %.1f× CPU\n", kt.wall.Seconds()/rd.wall.Seconds(), kt.cpu.Seconds()/rd.cpu.Seconds())
	}
}

// TestProfileIntake parses a bundle in-process (load, parse, facts, the
// rules' input) for `go test -cpuprofile`:
//
//	KTRIAGE_PROFILE_INTAKE=$PWD/testdata/bench/must-gather-95MB \
//	go test -run TestProfileIntake -cpuprofile cpu.out ./internal/bench/
func TestProfileIntake(t *testing.T) {
	dir := os.Getenv("KTRIAGE_PROFILE_INTAKE")
	if dir == "" {
		t.Skip("KTRIAGE_PROFILE_INTAKE not set")
	}
	start := time.Now()
	p, err := analyze.Parse(context.Background(), analyze.Options{Inputs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	parsed := time.Since(start)
	if _, err := p.Facts.Value(facts.BundleInfo{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("load+parse %s, to OPA value %s", parsed.Round(time.Millisecond), (time.Since(start) - parsed).Round(time.Millisecond))
}
