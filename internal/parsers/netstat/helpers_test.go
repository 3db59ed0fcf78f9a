package netstat

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
)

const realworld = "../../../testdata/realworld"

// parsed is a parse through the public Parser API, with the document the
// builder made of it.
type parsed struct {
	res   parsers.Result
	err   error
	snaps []doc // the node's "netstat" list as rules see it
}

// doc is a snapshot decoded back from the facts document.
type doc struct {
	File     string                `json:"file"`
	Line     int                   `json:"line"`
	Time     *string               `json:"time"`
	Elapsed  *float64              `json:"elapsed"`
	Source   string                `json:"source"`
	Command  string                `json:"command"`
	Counters map[string]docCounter `json:"counters"`
	Unknown  []map[string]any      `json:"unknown"`
}

type docCounter struct {
	Value json.Number `json:"value"`
	Line  int         `json:"line"`
	Text  string      `json:"text"`
}

func parseArtifact(t testing.TB, a *loader.Artifact) parsed {
	t.Helper()
	if !(Stats{}).Detect(a) {
		t.Fatalf("%s: Detect = false", a.Path)
	}
	b := facts.NewBuilder()
	res, err := Stats{}.Parse(context.Background(), a, b)
	out := parsed{res: res, err: err}
	f := b.Build()
	for _, n := range f.Nodes {
		list, _ := n[Section].([]any)
		for _, s := range list {
			raw, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			var d doc
			if err := json.Unmarshal(raw, &d); err != nil {
				t.Fatalf("snapshot does not decode: %v\n%s", err, raw)
			}
			out.snaps = append(out.snaps, d)
		}
	}
	return out
}

// counter fetches one counter or fails.
func (d doc) counter(t testing.TB, name string) docCounter {
	t.Helper()
	c, ok := d.Counters[name]
	if !ok {
		t.Fatalf("%s line %d: no counter %s", d.File, d.Line, name)
	}
	return c
}

func readString(t testing.TB, s string) *Parsed {
	t.Helper()
	p, err := Read(context.Background(), strings.NewReader(s), "mem.txt")
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return p
}
