package iptables

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
)

const (
	realDir = "../../../testdata/realworld/iptables-save"
	genDir  = "testdata/generated"
)

func headOf(b []byte) []byte {
	if len(b) > loader.HeadSize {
		return b[:loader.HeadSize]
	}
	return b
}

// parseData runs the save/nft parser on bytes, as Parse would.
func parseData(t testing.TB, name string, data []byte) *parsed {
	t.Helper()
	lines := splitHead(bytes.TrimPrefix(headOf(data), []byte("\xef\xbb\xbf")), len(data) < loader.HeadSize)
	out, err := parseFile(context.Background(), bytes.NewReader(data), name, lines)
	if err != nil {
		t.Fatalf("%s: parse: %v", name, err)
	}
	return out
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sectionOf runs a parser through a facts.Builder and returns the section
// the document holds, the NodeFacts kind, and the parse result.
func sectionOf(t testing.TB, p parsers.Parser, a *loader.Artifact, section string) ([]any, parsers.Result, error) {
	t.Helper()
	b := facts.NewBuilder()
	res, err := p.Parse(context.Background(), a, b)
	f := b.Build()
	var out []any
	for _, n := range f.Nodes {
		if l, ok := n[section].([]any); ok {
			out = append(out, l...)
		}
	}
	return out, res, err
}

func table(t testing.TB, rs *Ruleset, name string) *Table {
	t.Helper()
	tb := rs.Tables[name]
	if tb == nil {
		t.Fatalf("%s: no table %s (have %v)", rs.File, name, keys(rs.Tables))
	}
	return tb
}

func chain(t testing.TB, rs *Ruleset, tname, cname string) *Chain {
	t.Helper()
	c := table(t, rs, tname).Chains[cname]
	if c == nil {
		t.Fatalf("%s: table %s has no chain %s", rs.File, tname, cname)
	}
	return c
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func counts(tb *Table) (chains, rules int) {
	for _, c := range tb.Chains {
		rules += len(c.Rules)
	}
	return len(tb.Chains), rules
}

// findRule returns the first rule of the chain whose text contains sub.
func findRule(c *Chain, sub string) *Rule {
	for i := range c.Rules {
		if strings.Contains(c.Rules[i].Text, sub) {
			return &c.Rules[i]
		}
	}
	return nil
}

func findComment(rs *Ruleset, comment string) *Rule {
	for _, tb := range rs.Tables {
		for _, c := range tb.Chains {
			for i := range c.Rules {
				if c.Rules[i].Comment == comment {
					return &c.Rules[i]
				}
			}
		}
	}
	return nil
}

func undeclared(rs *Ruleset, tname, cname string) *Undeclared {
	for i, u := range rs.UndeclaredTargets {
		if u.Table == tname && u.Chain == cname {
			return &rs.UndeclaredTargets[i]
		}
	}
	return nil
}

// markDrop reports whether nat declares KUBE-MARK-DROP and whether it holds
// kube-proxy's MARK rule: the two facts the split-backend rule tests.
func markDrop(rs *Ruleset) (declared, rule bool) {
	nat := rs.Tables["nat"]
	if nat == nil {
		return false, false
	}
	c := nat.Chains["KUBE-MARK-DROP"]
	if c == nil {
		return false, false
	}
	for _, r := range c.Rules {
		if r.Target == "MARK" && r.SetXmark == "0x8000/0x8000" {
			rule = true
		}
	}
	return c.Declared, rule
}

func hasWarning(ws []string, sub string) bool {
	for _, w := range ws {
		if strings.Contains(w, sub) {
			return true
		}
	}
	return false
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
