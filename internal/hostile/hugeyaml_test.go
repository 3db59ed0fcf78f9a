package hostile_test

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/hostile"
	"github.com/ktriage/ktriage/internal/report"
)

// TestHugeYAMLDocumentBinary: the 200 MB one-document List is read by the
// binary within a small fraction of its size in memory (decoded whole it
// took 8 GB and crashed), its healthy items give their finding, and the
// report says which item was skipped and why.
func TestHugeYAMLDocumentBinary(t *testing.T) {
	bin := binary(t)
	p := newPlace(t)
	b := build(t, caseNamed(t, "huge-yaml-document"), p, 0)
	check := untouched(t, p)
	cmd := exec.Command(bin, append([]string{"analyze", "--format", "json", "--stats", "--tmp-dir", p.tmp}, b.Inputs...)...)
	cmd.Dir = p.cwd
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit %v, want 1 (the healthy finding); stderr %s", err, stderr.String())
	}
	var r report.Report
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	check()
	healthySurvives(t, b, &r)
	m := rePeak.FindSubmatch(stderr.Bytes())
	if m == nil {
		t.Fatalf("--stats printed no peak memory: %s", stderr.String())
	}
	peak, _ := strconv.ParseInt(string(m[1]), 10, 64)
	t.Logf("peak memory %d MB", peak)
	// A fraction of the 200 MB document, however it grows: the binary
	// alone starts at about 45 MB.
	if peak > hostile.HugeYAMLSize>>20/2 {
		t.Errorf("peak memory %d MB reading a %d MB YAML document", peak, hostile.HugeYAMLSize>>20)
	}
	said := false
	for _, in := range r.Inputs {
		for _, w := range in.Warnings {
			said = said || (in.Status == report.StatusPartial && strings.Contains(w, "List item of") && strings.Contains(w, "skipped"))
		}
	}
	if !said {
		t.Errorf("no partial input saying the huge item was skipped: %+v", r.Inputs)
	}
}

func caseNamed(t *testing.T, name string) hostile.Case {
	t.Helper()
	for _, c := range hostile.Cases() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no hostile case %s", name)
	return hostile.Case{}
}
