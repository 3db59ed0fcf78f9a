package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// TestSignalWhileWritingLeavesNoReport: a signal while the report is
// written used to be ignored (the full report was renamed into place, exit
// 1) and a second one left the hidden .ktriage-report-* file, customer
// data, beside it. Now the write stops, the partial file is removed, no
// report appears and the run exits 130 (issue 10, D16).
func TestSignalWhileWritingLeavesNoReport(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "report.md")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &cobra.Command{}
	c.SetContext(ctx)
	err := writeOutput(c, out, func(w io.Writer) error {
		for i := 0; i < 100; i++ {
			if i == 10 {
				cancel() // the signal arrives mid-report
			}
			if _, err := w.Write([]byte(strings.Repeat("customer-data ", 100) + "\n")); err != nil {
				return err
			}
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || ExitCode(err) != ExitInterrupted {
		t.Errorf("error %v (exit %d), want the interruption (exit %d)", err, ExitCode(err), ExitInterrupted)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Errorf("left in the output directory: %v", left)
	}
}

// TestInterruptsAlwaysEnd: after the first signal the run is cancelled;
// if it has not ended Grace later, or at a second signal, the temp areas
// and partial reports are removed and the process exits 130 anyway: no
// phase can ignore SIGTERM (issue 10, D9).
func TestInterruptsAlwaysEnd(t *testing.T) {
	for _, second := range []bool{false, true} {
		sigs := make(chan os.Signal, 2)
		var code atomic.Int32
		exited := make(chan struct{})
		var stderr bytes.Buffer
		part := filepath.Join(t.TempDir(), ".ktriage-report-1")
		os.WriteFile(part, []byte("customer data"), 0o600)
		partial.Store(part, true)
		grace := time.Hour
		if !second {
			grace = 100 * time.Millisecond
		}
		ctx, cancel := Interrupts(context.Background(), sigs, grace, &stderr, func(c int) { code.Store(int32(c)); close(exited) })
		sigs <- syscall.SIGTERM
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("the first signal did not cancel the run")
		}
		if second {
			sigs <- syscall.SIGTERM
		}
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			t.Fatalf("second=%v: a run stuck after the signal was not ended", second)
		}
		if code.Load() != ExitInterrupted {
			t.Errorf("exit %d", code.Load())
		}
		if _, err := os.Stat(part); !os.IsNotExist(err) {
			t.Errorf("second=%v: the partial report is still there", second)
		}
		if !strings.Contains(stderr.String(), "interrupted") {
			t.Errorf("stderr %q", stderr.String())
		}
		cancel()
	}
}
