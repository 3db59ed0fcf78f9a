package hostile_test

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ktriage/ktriage/internal/hostile"
)

// BenchmarkHostile runs the built binary over every hostile bundle at the
// default caps (so bombs expand to 2 GiB per file and 8 GiB in all) and
// reports, per case, the wall time, the child's peak memory (its own
// VmHWM, printed by --stats: a parent's rusage would carry the parent's),
// the most temp disk its private area held, and the bundle's size.
//
//	go test -run '^$' -bench Hostile -benchtime 1x ./internal/hostile/
//
// Bombs expand to KTRIAGE_HOSTILE_BOMB bytes (default 16 GiB, past the
// total cap); their temp files need up to 8 GiB free under $TMPDIR.
func BenchmarkHostile(b *testing.B) {
	bin := binary(b)
	bomb := int64(16 << 30)
	if s := os.Getenv("KTRIAGE_HOSTILE_BOMB"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			b.Fatalf("KTRIAGE_HOSTILE_BOMB: %v", err)
		}
		bomb = n
	}
	for _, c := range hostile.Cases() {
		b.Run(c.Name, func(b *testing.B) {
			root := b.TempDir()
			p := place{work: filepath.Join(root, "work"), canary: filepath.Join(root, "canary"), tmp: filepath.Join(root, "tmp")}
			for _, d := range []string{p.work, p.canary, p.tmp} {
				if err := os.Mkdir(d, 0o755); err != nil {
					b.Fatal(err)
				}
			}
			bundle, err := c.Build(hostile.Env{Dir: p.work, Canary: p.canary, BombSize: bomb})
			if err != nil {
				b.Skip(err)
			}
			size := diskUse(p.work)
			b.ResetTimer()
			var last childStats
			for i := 0; i < b.N; i++ {
				last = runAnalyze(b, bin, p.tmp, bundle.Inputs)
			}
			b.StopTimer()
			b.ReportMetric(float64(last.peak)/1e6, "peak-MB")
			b.ReportMetric(float64(last.tmp)/1e6, "tmp-MB")
			b.ReportMetric(float64(size)/1e6, "bundle-MB")
			b.Logf("%s: %.1f MB bundle, %.2f s, peak memory %.0f MB, temp disk %.0f MB, limits %s",
				c.Name, float64(size)/1e6, last.wall.Seconds(), float64(last.peak)/1e6, float64(last.tmp)/1e6, last.limits)
		})
	}
}

type childStats struct {
	wall   time.Duration
	peak   int64 // bytes
	tmp    int64 // bytes, the most the temp parent held
	limits string
}

var (
	rePeak   = regexp.MustCompile(`peak memory (\d+) MB`)
	reLimits = regexp.MustCompile(`"limits": (\[[^\]]*\]|null)`)
)

func runAnalyze(b *testing.B, bin, tmp string, inputs []string) childStats {
	b.Helper()
	cmd := exec.Command(bin, append([]string{"analyze", "--format", "json", "--stats", "--fail-on", "none", "--tmp-dir", tmp}, inputs...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan struct{})
	var wg sync.WaitGroup
	var most int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				most = max(most, diskUse(tmp))
			}
		}
	}()
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	close(done)
	wg.Wait()
	if err != nil {
		b.Fatalf("analyze: %v\n%s", err, stderr.Bytes())
	}
	st := childStats{wall: wall, tmp: most}
	if m := rePeak.FindSubmatch(stderr.Bytes()); m != nil {
		mb, _ := strconv.ParseInt(string(m[1]), 10, 64)
		st.peak = mb << 20
	}
	if m := reLimits.FindSubmatch(stdout.Bytes()); m != nil {
		st.limits = string(bytes.Join(bytes.Fields(m[1]), []byte(" ")))
	}
	return st
}

// diskUse is the bytes of regular files under dir (0 once it is gone).
func diskUse(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
