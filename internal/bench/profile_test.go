package bench

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
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

// TestProfileAnalyze runs the whole analysis of a bundle in-process (parse,
// conversion, every rule) for `go test -cpuprofile`:
//
//	KTRIAGE_PROFILE_ANALYZE=$PWD/testdata/bench/bundle-20000pods-10pct-failing \
//	go test -run TestProfileAnalyze -cpuprofile cpu.out ./internal/bench/
//	go tool pprof -top -cum cpu.out
func TestProfileAnalyze(t *testing.T) {
	dir := os.Getenv("KTRIAGE_PROFILE_ANALYZE")
	if dir == "" {
		t.Skip("set KTRIAGE_PROFILE_ANALYZE to a bundle to profile its analysis")
	}
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.Options{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	t0, c0 := time.Now(), processCPU()
	p, err := analyze.Parse(ctx, analyze.Options{Inputs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	t1, c1 := time.Now(), processCPU()
	v, err := p.Facts.Value(facts.BundleInfo{})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Prepare(ctx, p.Facts.Collected); err != nil {
		t.Fatal(err)
	}
	t2, c2 := time.Now(), processCPU()
	results := eng.Eval(ctx, v, p.Facts.Collected, 0)
	t3, c3 := time.Now(), processCPU()
	n := 0
	var per []string
	for _, r := range results {
		n += len(r.Findings)
		per = append(per, fmt.Sprintf("%s %s", r.Rule.ID, r.Elapsed.Round(time.Millisecond)))
	}
	r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	fmt.Printf("wall / CPU: parse %s / %s, to OPA value and compile %s / %s, rules %s / %s\n(%s), %d findings\n",
		r(t1.Sub(t0)), r(c1-c0), r(t2.Sub(t1)), r(c2-c1), r(t3.Sub(t2)), r(c3-c2), strings.Join(per, ", "), n)
}

// TestProfileEvaluate parses a bundle, then runs analyze.Evaluate (the
// rules' input, the rules, the report) alone under the profiler: what
// `--stats` calls "evaluate", e.g. on a bundle of many small files.
//
//	KTRIAGE_PROFILE_EVALUATE=$PWD/testdata/bench/logs-50000files \
//	KTRIAGE_PROFILE_EVALUATE_OUT=cpu.out \
//	go test -run TestProfileEvaluate ./internal/bench/
func TestProfileEvaluate(t *testing.T) {
	dir := os.Getenv("KTRIAGE_PROFILE_EVALUATE")
	if dir == "" {
		t.Skip("set KTRIAGE_PROFILE_EVALUATE to a bundle to profile its evaluation")
	}
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.Options{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	p, err := analyze.Parse(ctx, analyze.Options{Inputs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// The parse is not what is profiled: with KTRIAGE_PROFILE_EVALUATE_OUT
	// the profile covers Evaluate alone (go test's -cpuprofile would hold
	// the parse too, most of the samples).
	if out := os.Getenv("KTRIAGE_PROFILE_EVALUATE_OUT"); out != "" {
		f, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			t.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	t0, c0 := time.Now(), processCPU()
	if _, err := analyze.Evaluate(ctx, p, eng, analyze.Options{}); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("evaluate %s wall, %s CPU\n", time.Since(t0).Round(time.Millisecond), (processCPU() - c0).Round(time.Millisecond))
}
