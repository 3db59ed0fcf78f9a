package kube

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
)

// cancelAfter is a context that reports cancellation once Err has been
// asked n times: a deterministic stand-in for a SIGTERM arriving while a
// long List is being read.
type cancelAfter struct {
	context.Context
	n    int64
	done chan struct{}
}

func (c *cancelAfter) Err() error {
	if atomic.AddInt64(&c.n, -1) < 0 {
		return context.Canceled
	}
	return nil
}

// TestStreamListItemsStopOnCancel: a JSON List of 200,000 empty items
// (the shape of a 58 KB gzip that expands to 20 M items) stops when the
// context is cancelled part-way, instead of reading to its end first.
func TestStreamListItemsStopOnCancel(t *testing.T) {
	body := `{"kind":"PodList","apiVersion":"v1","items":[` + strings.Repeat("{},", 200_000) +
		`{"metadata":{"name":"last","namespace":"shop"}}]}`
	p := filepath.Join(t.TempDir(), "pods.json")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := loader.FromFile(p, "pods.json", "pods.json")
	if err != nil {
		t.Fatal(err)
	}
	b := facts.NewBuilder()
	ctx := &cancelAfter{Context: context.Background(), n: 1000}
	_, err = Stream{}.Parse(ctx, a, b)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
	if n := len(b.Build().Objects); n != 0 {
		t.Errorf("%d objects read after the cancellation", n)
	}
	// Without cancellation the empty items are skipped and the last kept.
	b = facts.NewBuilder()
	res, err := Stream{}.Parse(context.Background(), a, b)
	if err != nil || res.Detail != "1 pod" || len(res.Warnings) != 0 {
		t.Errorf("detail %q, warnings %q, err %v", res.Detail, res.Warnings, err)
	}
	if f := b.Build(); len(f.Objects) != 1 || f.Objects[0].Sources[0].Start != int64(len(body)-len(`{"metadata":{"name":"last","namespace":"shop"}}]}`)) {
		t.Errorf("objects %v", keys(f))
	}
}
