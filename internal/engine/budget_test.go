package engine

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestEachRuleHasItsOwnBudget: a slow user rule that sorts first uses up
// its own budget only; the built-in rule after it still runs and reports,
// and the slow rule is named as the one that ran out.
func TestEachRuleHasItsOwnBudget(t *testing.T) {
	slow := strings.NewReplacer(`id: named`, `id: aaa-slow`, `["named"]`, `["aaa-slow"]`,
		`notices contains "a notice" if true`, `notices contains "n" if {
	some i in numbers.range(1, 5000)
	some j in numbers.range(1, 5000)
	i * j == -1
}`).Replace(okRule)
	// The built-in rule does some work too: OPA notices an expired
	// deadline between evaluation steps, so a rule of one step may slip
	// through a spent budget where a real rule would not.
	working := strings.Replace(okRule, `notices contains "a notice" if true`, `notices contains "counted" if count([x | some x in numbers.range(1, 20000)]) > 0`, 1)
	dir := userDir(t, map[string]string{"slow.rego": slow})
	e, err := New(context.Background(), Options{Builtin: builtin(map[string]string{"test/named/named.rego": working}), UserDirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	if ids := []string{e.Rules()[0].ID, e.Rules()[1].ID}; ids[0] != "aaa-slow" || ids[1] != "named" {
		t.Fatalf("rules run in the order %v; the test needs the slow one first", ids)
	}
	res := e.Eval(context.Background(), input(t, `{"kubernetes": {"pods": [{"metadata": {"name": "a"}}]}}`), map[string]bool{"kubernetes.pods": true}, 500*time.Millisecond)
	if !res[0].Skipped || !strings.Contains(res[0].Reason, "time limit reached: this rule ran past its own budget of 500ms") {
		t.Errorf("slow rule: %+v", res[0])
	}
	if res[1].Skipped || len(res[1].Findings) != 1 || len(res[1].Notices) != 1 {
		t.Errorf("the built-in rule after the slow one: %+v", res[1])
	}
}
