package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/ktriage/ktriage/internal/loader"
)

// Grace is how long a run has, after the first SIGINT or SIGTERM, to stop
// by itself (every phase checks its context: loading within a read,
// parsing within an item, evaluation within OPA's cancellation, writing
// before the rename). Past it, or at a second signal, Abort removes what
// the run wrote and the process exits 130 anyway: a phase stuck where no
// cancellation reaches (a blocking system call) cannot keep the customer's
// data on disk or the process alive.
const Grace = 5 * time.Second

// partial are report files being written (-o's hidden sibling), removed by
// Abort so an interrupted run leaves no half report of customer data.
var partial sync.Map

// Abort removes every temp area and partial report this process has.
func Abort() {
	loader.RemoveLive()
	partial.Range(func(k, _ any) bool {
		os.Remove(k.(string))
		partial.Delete(k)
		return true
	})
}

// Interrupts turns the first signal on sigs into a cancelled context. If
// the run is still going Grace later, or at a second signal, it calls
// Abort, says so on stderr and calls exit(ExitInterrupted).
func Interrupts(parent context.Context, sigs <-chan os.Signal, grace time.Duration, stderr io.Writer, exit func(int)) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	go func() {
		select {
		case <-sigs:
		case <-ctx.Done():
			return
		}
		cancel()
		why := "a second signal"
		select {
		case <-sigs:
		case <-time.After(grace):
			why = fmt.Sprintf("it had not stopped %v after the signal", grace)
		}
		Abort()
		fmt.Fprintf(stderr, "ktriage: interrupted; stopped at once (%s); the temp area and any partial report were removed\n", why)
		exit(ExitInterrupted)
	}()
	return ctx, cancel
}

// ctxWriter stops a report being written once ctx is done: a report of
// tens of MB is not finished after the signal.
type ctxWriter struct {
	w   io.Writer
	ctx context.Context
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}
