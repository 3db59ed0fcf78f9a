package cli

import (
	"context"
	"errors"
	"fmt"
)

// Exit codes, decided here and nowhere else (docs/exit-codes.md).
const (
	ExitOK       = 0 // analysis ran; no finding at or above --fail-on
	ExitFindings = 1 // analysis ran; a finding is at or above --fail-on
	ExitUsage    = 2 // bad flags or arguments, unreadable bundle, broken user rules
	// ExitUnjudged: the analysis ran but judged nothing (no file understood
	// or no rule able to run). Not 0, so "no findings" cannot pass for
	// healthy; not 1 or 2, so CI can tell it from a finding or a typo.
	ExitUnjudged = 3
	// ExitInterrupted follows the shell's 128+SIGINT: the run was stopped
	// by a signal and left nothing behind.
	ExitInterrupted = 130
)

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// ExitCode maps an error returned by Execute to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if errors.Is(err, context.Canceled) {
		return ExitInterrupted
	}
	return ExitUsage
}
