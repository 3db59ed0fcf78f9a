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
	if testing.Short() {
		t.Skip("damages every fixture many times")
	}
	ctx := context.Background()
	e, err := engine.New(ctx, engine.Options{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	const perFixture = 60
	rng := rand.New(rand.NewPCG(1, 9))
	inputs := 0
	eachFixture(t, func(name string, part *Parsed, v ast.Value) {
		base := withoutIndex(v).(ast.Object)
		kt := base.Get(ast.StringTerm("kubernetes"))
		if kt == nil {
			return
		}
		kube := kt.Value.(ast.Object)
		var kinds []*ast.Term
		for _, k := range kube.Keys() {
			if a, ok := kube.Get(k).Value.(*ast.Array); ok && a.Len() > 0 && k.Value.Compare(ast.String("logs")) != 0 {
				kinds = append(kinds, k)
			}
		}
		if len(kinds) == 0 {
			return
		}
		for range perFixture {
			k := kinds[rng.IntN(len(kinds))]
			objs := kube.Get(k).Value.(*ast.Array)
			i := rng.IntN(objs.Len())
			path := []string{string(k.Value.(ast.String)), fmt.Sprint(i)}
			damaged := damage(rng, objs.Elem(i), true, &path)
			obj, ok := damaged.Value.(ast.Object)
			if key := facts.KeyOfValue(obj); !ok || key.Kind == "" || key.Name == "" || facts.NewBuilder().AddValue(obj, facts.Source{}) != nil {
				continue // the loader would leave this object out
			}
			list := objs.Copy()
			list.Set(i, damaged)
			nk := kube.Copy()
			nk.Insert(k, ast.NewTerm(list))
			in := base.Copy()
			in.Insert(ast.StringTerm("kubernetes"), ast.NewTerm(nk))
			inputs++
			for _, r := range e.Eval(ctx, in, part.Facts.Collected, 0) {
				if r.Skipped && strings.HasPrefix(r.Reason, "rule failed") {
					t.Errorf("%s with %s damaged: %s %s", name, strings.Join(path, "."), r.Rule.ID, r.Reason)
				}
			}
		}
	})
	if inputs < 1000 {
		t.Fatalf("only %d damaged inputs: the test proves little", inputs)
	}
}

// odd are the values a damaged field gets: each of another JSON type, or
// empty, or text no parser expects.
var odd = []*ast.Term{ast.NullTerm(), ast.StringTerm(""), ast.IntNumberTerm(0), ast.IntNumberTerm(-1), ast.ArrayTerm(), ast.ObjectTerm(), ast.StringTerm("x"), ast.BooleanTerm(true)}

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
