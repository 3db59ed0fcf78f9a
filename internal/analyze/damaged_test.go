package analyze

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/ktriage/ktriage/internal/engine"
	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/rules"
)

// A rule that fails is a check lost for the whole bundle: one object of a
// hand-made or damaged file (a podCIDR of "<none>", an Event without a
// message string, a container status that is a number) used to do that to
// 16 of the 18 rules. Every fixture, with one field of one object replaced
// by a value of another type, must leave every rule running: what the
// loader would refuse is skipped (facts.Builder.AddValue says so), and so
// are the logs, which ktriage builds itself. The seeds are fixed, so a
// failure names the fixture and the field to reproduce it.
func TestRulesSurviveDamagedObjects(t *testing.T) {
	survive(t, "damaged", rand.NewPCG(1, 9), 60, false, func(rng *rand.Rand, objs *ast.Array, path *[]string) (*ast.Array, bool) {
		i := rng.IntN(objs.Len())
		*path = append(*path, fmt.Sprint(i))
		damaged := damage(rng, objs.Elem(i), true, path)
		obj, ok := damaged.Value.(ast.Object)
		if key := facts.KeyOfValue(obj); !ok || key.Kind == "" || key.Name == "" || facts.NewBuilder().AddValue(obj, facts.Source{}) != nil {
			return nil, false // the loader would leave this object out
		}
		list := objs.Copy()
		list.Set(i, damaged)
		return list, true
	})
}

// survive runs every rule on variants of every fixture and fails on any
// "rule failed": perFixture times, vary changes the list of one kind of
// the fixture's objects (the logs too when withLogs), saying how in path,
// or declines. The seed is fixed, so a failure names the fixture and the
// change to reproduce it.
func survive(t *testing.T, what string, seed rand.Source, perFixture int, withLogs bool, vary func(rng *rand.Rand, list *ast.Array, path *[]string) (*ast.Array, bool)) {
	t.Helper()
	e := ruleEngine(t)
	rng := rand.New(seed)
	inputs := 0
	eachFixture(t, func(name string, part *Parsed, v ast.Value) {
		base, kube, kinds := kubeLists(v, withLogs)
		if len(kinds) == 0 {
			return
		}
		for range perFixture {
			k := kinds[rng.IntN(len(kinds))]
			path := []string{string(k.Value.(ast.String))}
			list, ok := vary(rng, kube.Get(k).Value.(*ast.Array), &path)
			if !ok {
				continue
			}
			in := withList(base, kube, k, ast.NewTerm(list))
			inputs++
			allRun(t, e, in, part, fmt.Sprintf("%s with %s %s", name, strings.Join(path, "."), what))
		}
	})
	if inputs < 1000 {
		t.Fatalf("only %d %s inputs: the test proves little", inputs, what)
	}
}

// ruleEngine is the built-in rules' engine for a test that runs them on
// many variants of every fixture (skipped under -short).
func ruleEngine(t *testing.T) *engine.Engine {
	t.Helper()
	if testing.Short() {
		t.Skip("runs every rule on many variants of every fixture")
	}
	e, err := engine.New(context.Background(), engine.Options{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// kubeLists returns a fixture's input without ktriage's index, its
// kubernetes section and the keys of that section's non-empty lists (the
// logs among them only when withLogs).
func kubeLists(v ast.Value, withLogs bool) (base, kube ast.Object, kinds []*ast.Term) {
	base = withoutIndex(v).(ast.Object)
	kt := base.Get(ast.StringTerm("kubernetes"))
	if kt == nil {
		return base, nil, nil
	}
	kube = kt.Value.(ast.Object)
	for _, k := range kube.Keys() {
		if a, ok := kube.Get(k).Value.(*ast.Array); ok && a.Len() > 0 && (withLogs || k.Value.Compare(ast.String("logs")) != 0) {
			kinds = append(kinds, k)
		}
	}
	return base, kube, kinds
}

// withList is a copy of base whose kubernetes section has list under k.
func withList(base, kube ast.Object, k, list *ast.Term) ast.Object {
	nk := kube.Copy()
	nk.Insert(k, list)
	in := base.Copy()
	in.Insert(ast.StringTerm("kubernetes"), ast.NewTerm(nk))
	return in
}

// allRun evaluates every rule on in and fails the test on any rule that
// failed, naming the input as said.
func allRun(t *testing.T, e *engine.Engine, in ast.Object, part *Parsed, said string) {
	t.Helper()
	for _, r := range e.Eval(context.Background(), in, part.Facts.Collected, 0) {
		if r.Skipped && strings.HasPrefix(r.Reason, "rule failed") {
			t.Errorf("%s: %s %s", said, r.Rule.ID, r.Reason)
		}
	}
}

// The node files are read by ktriage's own parsers, which fix the types;
// the text is the customer's. Every fixture with every string of its node
// facts replaced by one text no parser would expect there (an address
// with a zone, a prefix past /32, a number past int64, no YAML), each
// text in turn, and 10 times with one string replaced: every rule must
// still run.
func TestRulesSurviveOddNodeText(t *testing.T) {
	e := ruleEngine(t)
	rng := rand.New(rand.NewPCG(2, 11))
	inputs := 0
	eachFixture(t, func(name string, part *Parsed, v ast.Value) {
		base := withoutIndex(v).(ast.Object)
		nodes := base.Get(ast.StringTerm("nodes"))
		if nodes == nil {
			return
		}
		strs := paths(nodes, isString)
		if len(strs) == 0 {
			return
		}
		for _, text := range oddTexts {
			in := base.Copy()
			in.Insert(ast.StringTerm("nodes"), everyString(nodes, ast.StringTerm(text), func([]string) bool { return false }, nil))
			inputs++
			allRun(t, e, in, part, fmt.Sprintf("%s with every node string = %q", name, text))
		}
		for range 10 {
			at, text := strs[rng.IntN(len(strs))], oddTexts[rng.IntN(len(oddTexts))]
			in := base.Copy()
			in.Insert(ast.StringTerm("nodes"), replaceAt(nodes, at, func(*ast.Term) *ast.Term { return ast.StringTerm(text) }))
			inputs++
			allRun(t, e, in, part, fmt.Sprintf("%s with nodes.%s = %q", name, strings.Join(at, "."), text))
		}
	})
	if inputs < 500 {
		t.Fatalf("only %d inputs with odd node text: the test proves little", inputs)
	}
}

// oddTexts are strings no parser expects where a rule reads text: an
// address with a zone, prefixes past /32 and /128, a number past int64, a
// hexadecimal one, no YAML, no time.
var oddTexts = []string{"", "x", "{[: 1.5x", "-1", "999999999999999999999", "1.2.3.4/99", "10.0.0.1/33", "fe80::1%eth0", "0x1f"}

// odd are the values a damaged field gets: each of another JSON type, or
// empty, or text no parser expects.
var odd = []*ast.Term{ast.NullTerm(), ast.StringTerm(""), ast.IntNumberTerm(0), ast.IntNumberTerm(-1), ast.ArrayTerm(), ast.ObjectTerm(), ast.StringTerm("x"), ast.BooleanTerm(true), ast.StringTerm("{[: 1.5x")}

// damage returns x with the value at a random path below it replaced by
// an odd one, and appends that path (its keys and indices, then "=").
func damage(rng *rand.Rand, x *ast.Term, top bool, path *[]string) *ast.Term {
	stop := !top && (rng.IntN(4) == 0 || len(*path) > 10)
	switch v := x.Value.(type) {
	case ast.Object:
		if keys := v.Keys(); len(keys) > 0 && !stop {
			k := keys[rng.IntN(len(keys))]
			*path = append(*path, k.String())
			cp := v.Copy()
			cp.Insert(k, damage(rng, v.Get(k), false, path))
			return ast.NewTerm(cp)
		}
	case *ast.Array:
		if v.Len() > 0 && !stop {
			i := rng.IntN(v.Len())
			*path = append(*path, fmt.Sprint(i))
			cp := v.Copy()
			cp.Set(i, damage(rng, v.Elem(i), false, path))
			return ast.NewTerm(cp)
		}
	}
	*path = append(*path, "=")
	return odd[rng.IntN(len(odd))]
}

// The objects' text, every string of one kind's objects at once replaced
// by one odd text, for every kind and text; the identity (kind,
// apiVersion, name, namespace), the labels and an event's involvedObject
// are spared, which the facts check or which tie objects together. Every
// rule must still run.
func TestRulesSurviveOddObjectText(t *testing.T) {
	e := ruleEngine(t)
	spared := func(path []string) bool {
		p := strings.Join(path, ".")
		return p == `"kind"` || p == `"apiVersion"` || p == `"metadata"."name"` || p == `"metadata"."namespace"` ||
			strings.HasPrefix(p, `"metadata"."labels"`) || strings.HasPrefix(p, `"involvedObject"`)
	}
	inputs := 0
	eachFixture(t, func(name string, part *Parsed, v ast.Value) {
		base, kube, kinds := kubeLists(v, false)
		for _, k := range kinds {
			for _, text := range oddTexts {
				in := withList(base, kube, k, everyString(kube.Get(k), ast.StringTerm(text), func(path []string) bool { return spared(path[1:]) }, nil))
				inputs++
				allRun(t, e, in, part, fmt.Sprintf("%s with every string of %s = %q", name, k, text))
			}
		}
	})
	if inputs < 1000 {
		t.Fatalf("only %d inputs with odd object text: the test proves little", inputs)
	}
}

// A list a bundle repeats an entry of, with one value changed, must leave
// every rule running too: a pod's current and --previous logs both showing
// a failed lookup made three rules fail (a table keyed by pod held the key
// twice). Each time one entry of a list inside an object (containers,
// conditions, sysctls, ports, …) or of the logs is repeated, with one of
// its strings changed in the copy; the objects themselves are not, which
// the facts keep unique per kind and name.
func TestRulesSurviveRepeatedEntries(t *testing.T) {
	survive(t, "repeated", rand.NewPCG(5, 7), 30, true, func(rng *rand.Rand, objs *ast.Array, path *[]string) (*ast.Array, bool) {
		if (*path)[0] == "logs" {
			return repeatIn(rng, objs, path), true
		}
		i := rng.IntN(objs.Len())
		*path = append(*path, fmt.Sprint(i))
		obj, ok := repeat(rng, objs.Elem(i), path)
		if !ok {
			return nil, false
		}
		list := objs.Copy()
		list.Set(i, obj)
		return list, true
	})
}

// repeat returns x with one list somewhere below it holding one of its
// entries twice, the copy changed; false if x holds no list.
func repeat(rng *rand.Rand, x *ast.Term, path *[]string) (*ast.Term, bool) {
	lists := paths(x, func(v ast.Value) bool { a, ok := v.(*ast.Array); return ok && a.Len() > 0 })
	if len(lists) == 0 {
		return nil, false
	}
	at := lists[rng.IntN(len(lists))]
	*path = append(*path, at...)
	return replaceAt(x, at, func(t *ast.Term) *ast.Term { return ast.NewTerm(repeatIn(rng, t.Value.(*ast.Array), path)) }), true
}

// repeatIn returns a copy of list with one entry after it again, one of
// the copy's strings changed (or the copy the same, if it holds none).
func repeatIn(rng *rand.Rand, list *ast.Array, path *[]string) *ast.Array {
	i := rng.IntN(list.Len())
	*path = append(*path, fmt.Sprintf("%d×2", i))
	entry := list.Elem(i)
	strs := paths(entry, isString)
	if len(strs) > 0 {
		at := strs[rng.IntN(len(strs))]
		*path = append(*path, at...)
		entry = replaceAt(entry, at, func(t *ast.Term) *ast.Term { return ast.StringTerm(string(t.Value.(ast.String)) + "-2") })
	}
	out := list.Copy()
	return out.Append(entry)
}

// paths lists the paths (object keys as printed, array indices) to the
// values in x that keep says to keep, x itself included.
func paths(x *ast.Term, keep func(ast.Value) bool) [][]string {
	var out [][]string
	var walk func(x *ast.Term, at []string)
	walk = func(x *ast.Term, at []string) {
		if keep(x.Value) {
			out = append(out, at)
		}
		switch v := x.Value.(type) {
		case ast.Object:
			for _, k := range v.Keys() {
				walk(v.Get(k), append(at[:len(at):len(at)], k.String()))
			}
		case *ast.Array:
			for j := range v.Len() {
				walk(v.Elem(j), append(at[:len(at):len(at)], fmt.Sprint(j)))
			}
		}
	}
	walk(x, nil)
	return out
}

func isString(v ast.Value) bool {
	_, ok := v.(ast.String)
	return ok
}

// everyString returns x with every string in it (not object keys)
// replaced by with, except those at a path spared says to spare.
func everyString(x *ast.Term, with *ast.Term, spared func(path []string) bool, path []string) *ast.Term {
	switch v := x.Value.(type) {
	case ast.String:
		if spared(path) {
			return x
		}
		return with
	case ast.Object:
		out := ast.NewObject()
		v.Foreach(func(k, e *ast.Term) {
			out.Insert(k, everyString(e, with, spared, append(path[:len(path):len(path)], k.String())))
		})
		return ast.NewTerm(out)
	case *ast.Array:
		out := make([]*ast.Term, v.Len())
		for i := range out {
			out[i] = everyString(v.Elem(i), with, spared, append(path[:len(path):len(path)], fmt.Sprint(i)))
		}
		return ast.ArrayTerm(out...)
	}
	return x
}

// replaceAt returns x with the value at path (object keys as printed,
// array indices) replaced by with(the old value), copying what it changes.
func replaceAt(x *ast.Term, path []string, with func(*ast.Term) *ast.Term) *ast.Term {
	if len(path) == 0 {
		return with(x)
	}
	switch v := x.Value.(type) {
	case ast.Object:
		for _, k := range v.Keys() {
			if k.String() == path[0] {
				cp := v.Copy()
				cp.Insert(k, replaceAt(v.Get(k), path[1:], with))
				return ast.NewTerm(cp)
			}
		}
	case *ast.Array:
		for j := range v.Len() {
			if fmt.Sprint(j) == path[0] {
				cp := v.Copy()
				cp.Set(j, replaceAt(v.Elem(j), path[1:], with))
				return ast.NewTerm(cp)
			}
		}
	}
	return x
}
