package analyze

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/ktriage/ktriage/internal/engine"
	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/verify"
	"github.com/ktriage/ktriage/rules"
)

// TestIndexMatchesRego runs every rule on every fixture twice: with the
// lookups ktriage builds in Go (input.index) and without them, where the
// rules' libraries group the objects in Rego, as under `opa eval`. The
// findings must be the same: the index is a shortcut, never a second
// opinion.
func TestIndexMatchesRego(t *testing.T) {
	ctx := context.Background()
	e, err := engine.New(ctx, engine.Options{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	lib := newLibEval(t)
	eachFixture(t, func(name string, part *Parsed, v ast.Value) {
		// Each grouping itself, not only the findings: a rule may
		// reach the same answer by another road (a Deployment
		// inferred from its ReplicaSet's name when the controller
		// lookup misses), which would hide a wrong grouping.
		for _, q := range indexedGroupings {
			if a, b := lib.eval(t, q, v), lib.eval(t, q, withoutIndex(v)); ast.Compare(a, b) != 0 {
				t.Errorf("%s: %s differs with and without input.index\nwith:    %v\nwithout: %v", name, q, a, b)
			}
		}
		with := findingsJSON(t, e.Eval(ctx, v, part.Facts.Collected, 0))
		without := findingsJSON(t, e.Eval(ctx, withoutIndex(v), part.Facts.Collected, 0))
		if with != without {
			t.Errorf("%s: findings differ with and without input.index\nwith:    %s\nwithout: %s", name, with, without)
		}
	})
}

// TestPrecompiledMatchesSource runs every rule on every fixture compiled
// both ways: from the compiled set made at build time (what ktriage
// runs) and from source. The compiled set skips OPA's rewriting stages,
// so a stage it should have kept, or a module it lost, shows here.
func TestPrecompiledMatchesSource(t *testing.T) {
	ctx := context.Background()
	pre, err := engine.New(ctx, engine.Options{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	if err := pre.PrecompiledError(); err != nil {
		t.Fatalf("compiled rules not used: %v", err)
	}
	src, err := engine.New(ctx, engine.Options{Builtin: rules.FS, FromSource: true})
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	eachFixture(t, func(name string, part *Parsed, v ast.Value) {
		rs := pre.Eval(ctx, v, part.Facts.Collected, 0)
		a, b := findingsJSON(t, rs), findingsJSON(t, src.Eval(ctx, v, part.Facts.Collected, 0))
		if a != b {
			t.Errorf("%s: findings differ\nprecompiled: %s\nfrom source: %s", name, a, b)
		}
		for _, r := range rs {
			if len(r.Findings) > 0 {
				found++
				break
			}
		}
	})
	if found < 50 {
		t.Fatalf("only %d fixtures gave findings", found)
	}
}

// eachFixture calls fn on every fixture's parsed bundle (each cluster
// of a multi-cluster one) and its OPA input.
func eachFixture(t *testing.T, fn func(name string, part *Parsed, v ast.Value)) {
	t.Helper()
	dirs, err := verify.Find(filepath.Join("..", "..", "testdata", "dumps"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	judged := 0
	for _, dir := range dirs {
		fx, err := verify.Load(dir)
		if err != nil || fx.Expect.Refused() || fx.MissingShared() != "" {
			continue
		}
		var inputs []string
		for _, in := range fx.Expect.Inputs {
			inputs = append(inputs, filepath.Join(dir, in))
		}
		p, err := Parse(ctx, Options{Inputs: inputs})
		if err != nil {
			continue
		}
		parts := []*Parsed{p}
		if len(p.Clusters) > 0 {
			parts = parts[:0]
			for _, c := range p.Clusters {
				parts = append(parts, c.Parsed)
			}
		}
		for _, part := range parts {
			v, err := part.Facts.Value(part.info)
			if err != nil {
				t.Fatalf("%s: %v", dir, err)
			}
			fn(filepath.Base(dir), part, v)
			judged++
		}
		p.Close()
	}
	if judged < 50 {
		t.Fatalf("only %d fixtures judged", judged)
	}
}

// indexedGroupings are the library rules input.index stands in for.
var indexedGroupings = []string{
	"data.ktriage.lib.workload.events_by_object",
	"data.ktriage.lib.workload.controllers",
	"data.ktriage.lib.workload.objects",
	"data.ktriage.lib.kube.pods_by_namespace",
	"data.ktriage.lib.kube.pods_by_node",
	"data.ktriage.lib.kube.pods_waiting",
}

type libEval struct{ c *ast.Compiler }

func newLibEval(t *testing.T) libEval {
	mods, err := engine.LoadModules(rules.FS, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := engine.Parse(mods)
	if err != nil {
		t.Fatal(err)
	}
	c := engine.NewCompiler()
	if c.Compile(parsed); c.Failed() {
		t.Fatal(c.Errors)
	}
	return libEval{c}
}

func (l libEval) eval(t *testing.T, query string, input ast.Value) ast.Value {
	t.Helper()
	ctx := context.Background()
	q, err := rego.New(rego.Compiler(l.c), rego.Query(query)).PrepareForEval(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := q.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if len(rs) == 0 {
		return ast.Null{}
	}
	v, err := ast.InterfaceToValue(rs[0].Expressions[0].Value)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func withoutIndex(v ast.Value) ast.Value {
	out := ast.NewObject()
	v.(ast.Object).Foreach(func(k, x *ast.Term) {
		if k.Value.Compare(ast.String(facts.IndexKey)) != 0 {
			out.Insert(k, x)
		}
	})
	return out
}

func findingsJSON(t *testing.T, rs []engine.Result) string {
	t.Helper()
	type r struct {
		ID       string
		Skipped  string
		Findings []engine.RawFinding
	}
	var all []r
	for _, x := range rs {
		all = append(all, r{x.Rule.ID, x.Reason, x.Findings})
	}
	raw, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// The fixtures hold few odd pod statuses: pods_waiting's Go and Rego forms
// are compared here on each case the Rego test names, and more.
func TestPodsWaitingMatchesRego(t *testing.T) {
	up := map[string]any{"name": "c", "ready": true, "state": map[string]any{"running": map[string]any{}}}
	pod := func(name string, status map[string]any) map[string]any {
		return map[string]any{"kind": "Pod", "apiVersion": "v1", "metadata": map[string]any{"namespace": "a", "name": name}, "status": status}
	}
	pods := []map[string]any{
		pod("healthy", map[string]any{"phase": "Running", "containerStatuses": []any{up}}),
		pod("pending", map[string]any{"phase": "Pending", "containerStatuses": []any{up}}),
		pod("pulling", map[string]any{"phase": "Running", "containerStatuses": []any{up, map[string]any{"name": "d", "state": map[string]any{"waiting": map[string]any{"reason": "ErrImagePull"}}}}}),
		pod("init-waiting", map[string]any{"phase": "Pending", "containerStatuses": []any{up}, "initContainerStatuses": []any{map[string]any{"state": map[string]any{"waiting": map[string]any{}}}}}),
		pod("init-waiting-running", map[string]any{"phase": "Running", "containerStatuses": []any{up}, "initContainerStatuses": []any{map[string]any{"state": map[string]any{"waiting": nil}}}}),
		pod("from-a-table", map[string]any{"phase": "Running"}),
		pod("no-status", nil),
		pod("statuses-null", map[string]any{"phase": "Running", "containerStatuses": nil}),
		pod("init-not-a-list", map[string]any{"phase": "Running", "containerStatuses": []any{up}, "initContainerStatuses": "x"}),
		pod("init-null", map[string]any{"phase": "Running", "containerStatuses": []any{up}, "initContainerStatuses": nil}),
		pod("waiting-false", map[string]any{"phase": "Running", "containerStatuses": []any{map[string]any{"state": map[string]any{"waiting": false}}}}),
		pod("state-not-an-object", map[string]any{"phase": "Running", "containerStatuses": []any{map[string]any{"state": "waiting"}, "x"}}),
		pod("succeeded", map[string]any{"phase": "Succeeded", "containerStatuses": []any{}}),
	}
	b := facts.NewBuilder()
	for i, p := range pods {
		b.AddObject(p, facts.Source{File: "pods.json", Line: i + 1})
	}
	v, err := b.Build().Value(facts.BundleInfo{})
	if err != nil {
		t.Fatal(err)
	}
	lib := newLibEval(t)
	q := "[p.metadata.name | some p in data.ktriage.lib.kube.pods_waiting]"
	with, without := lib.eval(t, q, v), lib.eval(t, q, withoutIndex(v))
	if ast.Compare(with, without) != 0 {
		t.Fatalf("with the index %v, without %v", with, without)
	}
	// The facts hold pods in name order.
	want := ast.MustParseTerm(`["from-a-table", "init-not-a-list", "init-waiting", "init-waiting-running", "no-status", "pending", "pulling", "statuses-null"]`).Value
	if ast.Compare(with, want) != 0 {
		t.Fatalf("got %v, want %v", with, want)
	}
}
