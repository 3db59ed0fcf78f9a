package sysctl

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
	res      parsers.Result
	err      error
	settings map[string]Setting // decoded back from the facts document
	att      facts.Attribution  // which node the builder gave the file to
	nodes    map[string]map[string]any
}

func parseArtifact(t testing.TB, a *loader.Artifact) parsed {
	t.Helper()
	b := facts.NewBuilder()
	res, err := Sysctl{}.Parse(context.Background(), a, b)
	out := parsed{res: res, err: err}
	f := b.Build()
	out.nodes = f.Nodes
	out.att = f.NodeAttribution[a.Path]
	for _, n := range f.Nodes {
		m, ok := n[Section].(map[string]any)
		if !ok {
			continue
		}
		raw, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &out.settings); err != nil {
			t.Fatalf("settings do not decode: %v", err)
		}
	}
	return out
}
