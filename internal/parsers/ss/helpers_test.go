package ss

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
)

const realworld = "../../../testdata/realworld"

type parsed struct {
	res  parsers.Result
	err  error
	rows []Listener // decoded back from the facts document
	has  bool       // the node got a "listeners" section
}

func parseArtifact(t testing.TB, a *loader.Artifact) parsed {
	t.Helper()
	b := facts.NewBuilder()
	res, err := Listen{}.Parse(context.Background(), a, b)
	out := parsed{res: res, err: err}
	for _, n := range b.Build().Nodes {
		list, ok := n[Section].([]any)
		if !ok {
			continue
		}
		out.has = true
		raw, err := json.Marshal(list)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &out.rows); err != nil {
			t.Fatalf("listeners do not decode: %v\n%s", err, raw)
		}
	}
	return out
}

// byLocal finds a row by its local address as printed.
func (p parsed) byLocal(t testing.TB, local string) Listener {
	t.Helper()
	for _, l := range p.rows {
		if l.Local == local {
			return l
		}
	}
	t.Fatalf("no listener %s in %+v", local, p.rows)
	return Listener{}
}
