package bench

// Capture analysis, side by side with tshark and with GNU cat of the
// same file, on a synthetic capture from internal/parsers/pcap/pcapgen.
//
//	go run ./internal/parsers/pcap/pcapgen/cmd/mkpcap -mb 100 -o /tmp/ktriage-bench-100MB.pcap
//	go run ./internal/parsers/pcap/pcapgen/cmd/mkpcap -mb 1024 -o /tmp/ktriage-bench-1024MB.pcap
//	go test -run '^$' -bench Capture -benchtime 1x ./internal/bench/
//
// KTRIAGE_BENCH_PCAP_MB picks the size (default 100; the file is
// $TMPDIR/ktriage-bench-<MB>MB.pcap unless KTRIAGE_BENCH_PCAP names one).
// Benchmarks measure, they never assert: these machines are shared and
// noisy, so read the ratios rather than the absolute numbers.
//
// Peak RSS is the child process's maximum resident set: the analysis runs
// in a child (this test binary re-executed with KTRIAGE_BENCH_CHILD_PCAP
// set) so the parent's own heap does not blur it. The child reads its own
// high-water mark, VmHWM in /proc/self/status, just before it exits. The
// rusage in os.ProcessState (ru_maxrss) is the fallback only: Go starts
// children with a vfork-style clone, and Linux carries the address space's
// high-water mark across exec, so ru_maxrss can never be below the parent's
// RSS at the time (it showed the benchmark parent's 31 MB for an empty
// capture). tshark's peak is its ru_maxrss; it is far above the parent's.
// The child's figure includes the binary's baseline (about 20 MB: it links
// the facts package, OPA included), which BenchmarkCaptureRSSFlat reports.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers/pcap"
)

const childEnv = "KTRIAGE_BENCH_CHILD_PCAP"

func benchPcap(b *testing.B, mb int) string {
	p := os.Getenv("KTRIAGE_BENCH_PCAP")
	if p == "" || mb != benchMB() {
		p = filepath.Join(os.TempDir(), fmt.Sprintf("ktriage-bench-%dMB.pcap", mb))
	}
	if _, err := os.Stat(p); err != nil {
		b.Skipf("no capture at %s: make it with `go run ./internal/parsers/pcap/pcapgen/cmd/mkpcap -mb %d -o %s`", p, mb, p)
	}
	return p
}

func benchMB() int {
	if n, err := strconv.Atoi(os.Getenv("KTRIAGE_BENCH_PCAP_MB")); err == nil && n > 0 {
		return n
	}
	return 100
}

// analyse runs the capture parser the way the pipeline does.
func analyse(path string) (map[string]any, error) {
	bundle, err := loader.Load([]string{path}, loader.Limits{}, "")
	if err != nil {
		return nil, err
	}
	defer bundle.Close()
	if len(bundle.Artifacts) != 1 {
		return nil, fmt.Errorf("%d artifacts in %s", len(bundle.Artifacts), path)
	}
	a := bundle.Artifacts[0]
	p := pcap.Capture{}
	if !p.Detect(a) {
		return nil, fmt.Errorf("%s is not a capture", path)
	}
	res, err := p.Parse(context.Background(), a, facts.NewBuilder())
	return res.Summary, err
}

// TestCaptureBenchChild is the child process of the benchmarks; it does
// nothing in a normal test run.
func TestCaptureBenchChild(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("only runs as the benchmarks' child process")
	}
	start := time.Now()
	sum, err := analyse(path)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(map[string]any{"seconds": time.Since(start).Seconds(), "packets": sum["packets"],
		"retransmissions": sum["retransmissions"], "vmhwm_kb": vmHWM()})
	fmt.Printf("CHILD %s\n", out)
}

// vmHWM is this process's peak resident set in KiB, 0 if unknown.
func vmHWM() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

type childResult struct {
	Seconds         float64 `json:"seconds"`
	Packets         int64   `json:"packets"`
	Retransmissions int64   `json:"retransmissions"`
	VmHWM           int64   `json:"vmhwm_kb"`
	PeakRSS         int64   // bytes
}

// inChild analyses path in a child process and returns its timing and peak RSS.
func inChild(b *testing.B, path string) childResult {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCaptureBenchChild$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("child: %v\n%s", err, out)
	}
	var r childResult
	var line []byte
	for _, l := range splitLines(out) {
		if len(l) > 6 && string(l[:6]) == "CHILD " {
			line = l[6:]
		}
	}
	if err := json.Unmarshal(line, &r); err != nil {
		b.Fatalf("child printed %q: %v", out, err)
	}
	r.PeakRSS = r.VmHWM * 1024
	if r.PeakRSS == 0 {
		r.PeakRSS = maxRSS(cmd.ProcessState)
	}
	return r
}

func splitLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != '\n' {
			i++
		}
		out = append(out, b[:i])
		if i < len(b) {
			i++
		}
		b = b[i:]
	}
	return out
}

// maxRSS is a finished process's peak resident set in bytes (Linux reports
// ru_maxrss in KiB).
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss * 1024
	}
	return 0
}

// BenchmarkCapture measures, in one run on one file: ktriage's capture
// analysis (in-process, b.N times), the same analysis once in a child process
// for its peak RSS, `tshark -r FILE -Y tcp.analysis.retransmission` once (if
// installed), and GNU cat of the file to /dev/null — and reports each
// one's MB/s and packets/s and the ratios ktriage/tshark (how many times
// faster) and ktriage/cat (how many times slower than just reading).
func BenchmarkCapture(b *testing.B) {
	path := benchPcap(b, benchMB())
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	mb := float64(st.Size()) / (1 << 20)

	// GNU cat to /dev/null first, the read floor: it also puts the file
	// in the page cache for all. A real cat, not an io.Copy with its
	// 32 KiB buffer: that is slower than what a user would compare with.
	catSec := fastest(b, 2, true, "cat", path).wall.Seconds()

	b.SetBytes(st.Size())
	b.ResetTimer()
	var sum map[string]any
	for i := 0; i < b.N; i++ {
		if sum, err = analyse(path); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	ktSec := b.Elapsed().Seconds() / float64(b.N)
	packets, _ := sum["packets"].(uint64)

	child := inChild(b, path)
	b.ReportMetric(float64(packets)/ktSec, "ktriage_pkts/s")
	b.ReportMetric(mb/ktSec, "ktriage_MB/s")
	b.ReportMetric(float64(packets)/catSec, "cat_pkts/s")
	b.ReportMetric(mb/catSec, "cat_MB/s")
	b.ReportMetric(ktSec/catSec, "ktriage/cat_time")
	b.ReportMetric(float64(child.PeakRSS)/(1<<20), "ktriage_peakRSS_MB")
	b.ReportMetric(child.Seconds, "child_s")

	tshark, err := exec.LookPath("tshark")
	if err != nil {
		b.Logf("tshark not installed: no tshark comparison")
		return
	}
	cmd := exec.Command(tshark, "-n", "-r", path, "-Y", "tcp.analysis.retransmission", "-T", "fields", "-e", "frame.number")
	var lines int64
	tsSec := timeIt(func() {
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("tshark: %v", err)
		}
		lines = int64(len(splitLines(out)))
	})
	b.ReportMetric(mb/tsSec, "tshark_MB/s")
	b.ReportMetric(float64(packets)/tsSec, "tshark_pkts/s")
	b.ReportMetric(tsSec/ktSec, "ktriage/tshark_speedup")
	b.ReportMetric(float64(maxRSS(cmd.ProcessState))/(1<<20), "tshark_peakRSS_MB")
	if got, _ := sum["retransmissions"].(uint64); int64(got) != lines {
		b.Logf("retransmissions: ktriage %d, tshark %d (tshark leaves VXLAN on 8472 undecoded)", got, lines)
	}
	b.Logf("%s: %.0f MB, %d packets; ktriage %.2fs (child %.2fs, peak RSS %.0f MB), tshark %.2fs, cat %.3fs",
		filepath.Base(path), mb, packets, ktSec, child.Seconds, float64(child.PeakRSS)/(1<<20), tsSec, catSec)
}

// BenchmarkCaptureRSSFlat reports the analysis's peak RSS on a 100 MB and a
// 1 GB capture (KTRIAGE_BENCH_PCAP_MB_LARGE overrides 1024), and on an empty
// capture: the baseline of the child binary itself (it links the whole
// facts package, OPA included). Memory should not grow with the capture; it
// grows with the flows live at once, which the flow table bounds. It
// reports, it does not assert.
func BenchmarkCaptureRSSFlat(b *testing.B) {
	large := 1024
	if n, err := strconv.Atoi(os.Getenv("KTRIAGE_BENCH_PCAP_MB_LARGE")); err == nil && n > 0 {
		large = n
	}
	small := benchPcap(b, 100)
	big := benchPcap(b, large)
	empty := filepath.Join(b.TempDir(), "empty.pcap")
	hdr := []byte("\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00")
	if err := os.WriteFile(empty, hdr, 0o644); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		base, s, l := inChild(b, empty), inChild(b, small), inChild(b, big)
		b.ReportMetric(float64(base.PeakRSS)/(1<<20), "peakRSS_baseline_MB")
		b.ReportMetric(float64(s.PeakRSS)/(1<<20), "peakRSS_100MB_MB")
		b.ReportMetric(float64(l.PeakRSS)/(1<<20), fmt.Sprintf("peakRSS_%dMB_MB", large))
		b.ReportMetric(float64(l.PeakRSS)/float64(s.PeakRSS), "rss_ratio")
		b.ReportMetric(s.Seconds, "s_100MB")
		b.ReportMetric(l.Seconds, fmt.Sprintf("s_%dMB", large))
	}
}

func timeIt(f func()) float64 {
	start := time.Now()
	f()
	return time.Since(start).Seconds()
}
