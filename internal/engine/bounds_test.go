package engine

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestGeneratorsAreBounded: numbers.range and net.cidr_expand build their
// whole answer before the rule sees it, so numbers.range(1, 2e9) or a /4
// expansion exhausted memory long before the rule's time budget ran out.
// Past a bound they fail at once, the rule is listed as not run with the
// reason, and the other rules run (issue 10, D10).
func TestGeneratorsAreBounded(t *testing.T) {
	for call, want := range map[string]string{
		`count(numbers.range(1, 2000000000))`:         "numbers.range: the range has 2000000000 numbers",
		`count(numbers.range(2000000000, 1))`:         "numbers.range: the range has 2000000000 numbers",
		`count(numbers.range_step(1, 4000000000, 2))`: "numbers.range_step: the range has 2000000000 numbers",
		`count(net.cidr_expand("10.0.0.0/4"))`:        "net.cidr_expand: 10.0.0.0/4 holds 268435456 addresses",
		`count(net.cidr_expand("fd00::/64"))`:         "net.cidr_expand: fd00::/64 holds 2^64 addresses",
	} {
		t.Run(call, func(t *testing.T) {
			src := strings.NewReplacer(`id: named`, `id: greedy`, `["named"]`, `["greedy"]`,
				`notices contains "a notice" if true`, `notices contains sprintf("%v", [`+call+`]) if true`).Replace(okRule)
			dir := userDir(t, map[string]string{"greedy.rego": src})
			e, err := New(context.Background(), Options{Builtin: builtin(map[string]string{"test/named/named.rego": okRule}), UserDirs: []string{dir}})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			res := e.Eval(context.Background(), input(t, `{"kubernetes": {"pods": [{"metadata": {"name": "a"}}]}}`), map[string]bool{"kubernetes.pods": true}, time.Second)
			if el := time.Since(start); el > 500*time.Millisecond {
				t.Errorf("took %v", el)
			}
			for _, r := range res {
				switch r.Rule.ID {
				case "greedy":
					if !r.Skipped || !strings.Contains(r.Reason, want) {
						t.Errorf("greedy: skipped %v, reason %q, want %q", r.Skipped, r.Reason, want)
					}
				case "named":
					if r.Skipped || len(r.Findings) != 1 {
						t.Errorf("the built-in rule: %+v", r)
					}
				}
			}
		})
	}
	// Within the bounds they answer as OPA does.
	src := strings.Replace(okRule, `notices contains "a notice" if true`, `notices contains sprintf("%d %d %d", [count(numbers.range(1, 100000)), count(numbers.range_step(0, 10, 5)), count(net.cidr_expand("10.0.0.0/24"))]) if true`, 1)
	e, err := New(context.Background(), Options{Builtin: builtin(map[string]string{"test/named/named.rego": src})})
	if err != nil {
		t.Fatal(err)
	}
	res := e.Eval(context.Background(), input(t, `{"kubernetes": {"pods": []}}`), map[string]bool{"kubernetes.pods": true}, 0)
	if len(res[0].Notices) != 1 || res[0].Notices[0] != "100000 3 256" {
		t.Fatalf("%+v", res[0])
	}
}
