// Package parsers defines what a parser of one artifact kind looks like and
// lists them all, in the order detection tries them. Each kind lives in its
// own package below this one; adding a kind means writing that package and
// adding one line to Registry.
package parsers

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
)

// Parser reads one kind of artifact into facts.
type Parser interface {
	// Kind is the stable name shown in the inventory ("kubernetes", "pod-log", …).
	Kind() string
	// Detect decides from the artifact's path and first bytes whether this
	// parser applies. Content wins over names: customers name files anything.
	Detect(a *loader.Artifact) bool
	// Parse reads the artifact and adds what it finds to the builder. A
	// parser keeps whatever it read before an error, returns the error, and
	// never panics on bad input.
	Parse(ctx context.Context, a *loader.Artifact, b *facts.Builder) (Result, error)
}

// StreamParser is a Parser that reads its artifact front to back, once,
// so it can take it straight from a decompressing stream: the loader then
// writes nothing of it to the temp area (loader.Streamer).
type StreamParser interface {
	Parser
	// ParseStream is Parse reading the content from r instead of opening
	// the artifact. a.Size and a.Truncated are final once r has ended.
	ParseStream(ctx context.Context, a *loader.Artifact, r io.Reader, b *facts.Builder) (Result, error)
}

// Result summarises a parse for the inventory.
type Result struct {
	// Kind overrides the parser's Kind when one parser reads several kinds
	// (the stream parser reads log-only files as well as object dumps).
	Kind string
	// Detail says what was found, in words ("PodList: 12 pods").
	Detail string
	// Node is set when the parser could tell which node the file describes.
	Node string
	// Warnings are problems the parser worked around (a bad line, a
	// truncated object); the artifact still counts as parsed.
	Warnings []string
	// Summary is a small, documented set of numbers about the artifact
	// that the JSON report's inputs entry carries (captures: packets,
	// retransmissions, …). Values must marshal to JSON.
	Summary map[string]any
}

// ErrNotApplicable is returned (wrapped) when a parser that claimed a file
// finds, on reading it, that the content is not its kind after all: JSON
// that holds no Kubernetes objects, say. The inventory lists such a file as
// not understood rather than failed.
var ErrNotApplicable = errors.New("not this kind of artifact")

// NotApplicable wraps a reason in ErrNotApplicable.
func NotApplicable(reason string) error { return fmt.Errorf("%s: %w", reason, ErrNotApplicable) }

// ParseError is a failure at a place in a file.
type ParseError struct {
	File string
	Line int
	Err  error
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }
