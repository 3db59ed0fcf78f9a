package bench

import (
	"context"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/profiler"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/ktriage/ktriage/internal/analyze"
	"github.com/ktriage/ktriage/internal/engine"
	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/rules"
)

// TestProfileRule times one rule on a bundle and prints OPA's profile of
// its expressions: where a rule spends its time on a large bundle.
//
//	KTRIAGE_PROFILE_BUNDLE=$PWD/testdata/bench/bundle-20000pods \
//	KTRIAGE_PROFILE_RULE='data.ktriage.rules.kubernetes["selector-mismatch"]' \
//	go test -run TestProfileRule -v ./internal/bench/
func TestProfileRule(t *testing.T) {
	dir := os.Getenv("KTRIAGE_PROFILE_BUNDLE")
	if dir == "" {
		t.Skip("set KTRIAGE_PROFILE_BUNDLE (and KTRIAGE_PROFILE_RULE) to profile a rule")
	}
	pkg := os.Getenv("KTRIAGE_PROFILE_RULE")
	if pkg == "" {
		pkg = `data.ktriage.rules.kubernetes["selector-mismatch"]`
	}
	query := pkg + ".findings"
	ctx := context.Background()
	p, err := analyze.Parse(ctx, analyze.Options{Inputs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := p.Facts.Value(facts.BundleInfo{})
	mods, _ := engine.LoadModules(rules.FS, nil, false)
	parsed, _ := engine.Parse(mods)
	c := engine.NewCompiler()
	c.Compile(parsed)
	for i := 0; i < 2; i++ {
		q0, _ := rego.New(rego.Compiler(c), rego.Query(query)).PrepareForEval(ctx)
		t0 := time.Now()
		rs, _ := q0.Eval(ctx, rego.EvalParsedInput(v))
		n := 0
		if len(rs) > 0 {
			n = len(rs[0].Expressions[0].Value.([]any))
		}
		fmt.Printf("eval %s, %d findings\n", time.Since(t0), n)
	}
	prof := profiler.New()
	q, err := rego.New(rego.Compiler(c), rego.Query(query)).PrepareForEval(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Eval(ctx, rego.EvalParsedInput(v), rego.EvalQueryTracer(prof)); err != nil {
		t.Fatal(err)
	}
	stats := prof.ReportTopNResults(15, []string{"total_time_ns"})
	sort.Slice(stats, func(i, j int) bool { return stats[i].ExprTimeNs > stats[j].ExprTimeNs })
	for _, s := range stats {
		fmt.Printf("%8.1fms %8d evals %s:%d\n", float64(s.ExprTimeNs)/1e6, s.NumEval, s.Location.File, s.Location.Row)
	}
}
