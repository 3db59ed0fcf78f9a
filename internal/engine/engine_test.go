package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

const okRule = `# METADATA
# title: Every pod is named
# description: A test rule.
# custom:
#   id: named
#   category: test
#   severity: low
#   needs: [kubernetes.pods]
#   remediation: Name it.
#   references: [https://example.invalid/doc]
package ktriage.rules.test["named"]

findings contains {"message": sprintf("pod %s", [p.metadata.name])} if {
	some p in input.kubernetes.pods
}

notices contains "a notice" if true
`

func builtin(files map[string]string) fstest.MapFS {
	fs := fstest.MapFS{}
	for name, src := range files {
		fs[name] = &fstest.MapFile{Data: []byte(src)}
	}
	return fs
}

func userDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func input(t *testing.T, doc string) ast.Value {
	t.Helper()
	v, err := ast.ValueFromReader(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRulesRunWithMetadataFromAnnotations(t *testing.T) {
	e, err := New(context.Background(), Options{Builtin: builtin(map[string]string{"test/named/named.rego": okRule})})
	if err != nil {
		t.Fatal(err)
	}
	rules := e.Rules()
	if len(rules) != 1 || rules[0].ID != "named" || rules[0].Title != "Every pod is named" || rules[0].Severity != "low" || !rules[0].Builtin {
		t.Fatalf("rules %+v", rules)
	}
	res := e.Eval(context.Background(), input(t, `{"kubernetes": {"pods": [{"metadata": {"name": "a"}}]}}`), map[string]bool{"kubernetes.pods": true}, 0)
	if len(res) != 1 || len(res[0].Findings) != 1 || res[0].Findings[0].Message != "pod a" || len(res[0].Notices) != 1 {
		t.Fatalf("results %+v", res)
	}
}

func TestNeedsSkipsWithAReason(t *testing.T) {
	e, err := New(context.Background(), Options{Builtin: builtin(map[string]string{"test/named/named.rego": okRule})})
	if err != nil {
		t.Fatal(err)
	}
	res := e.Eval(context.Background(), input(t, `{}`), map[string]bool{}, 0)
	if !res[0].Skipped || res[0].Reason != "the bundle has no kubernetes.pods" {
		t.Fatalf("result %+v", res[0])
	}
}

func TestUserRulesAndSelection(t *testing.T) {
	other := strings.NewReplacer(`id: named`, `id: other`, `["named"]`, `["other"]`).Replace(okRule)
	dir := userDir(t, map[string]string{"mine/other.rego": other, "mine/other_test.rego": "package x\ntest_x if true\n"})
	e, err := New(context.Background(), Options{Builtin: builtin(map[string]string{"test/named/named.rego": okRule}), UserDirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Rules()) != 2 || e.Rules()[1].Builtin {
		t.Fatalf("rules %+v", e.Rules())
	}
	e, err = New(context.Background(), Options{Builtin: builtin(map[string]string{"test/named/named.rego": okRule}), UserDirs: []string{dir}, Disable: []string{"named"}})
	if err != nil || len(e.Rules()) != 1 || e.Rules()[0].ID != "other" {
		t.Fatalf("disable: %v %+v", err, e)
	}
	e, err = New(context.Background(), Options{Builtin: builtin(map[string]string{"test/named/named.rego": okRule}), UserDirs: []string{dir}, Enable: []string{"named"}})
	if err != nil || len(e.Rules()) != 1 || e.Rules()[0].ID != "named" {
		t.Fatalf("enable: %v", err)
	}
	if _, err := New(context.Background(), Options{Builtin: builtin(map[string]string{"test/named/named.rego": okRule}), Disable: []string{"nope"}}); err == nil || !strings.Contains(err.Error(), `unknown rule id "nope"`) {
		t.Fatalf("unknown id: %v", err)
	}
}

func TestMetadataIsRequired(t *testing.T) {
	bad := strings.NewReplacer("#   severity: low\n", "#   severity: urgent\n", "#   id: named\n", "").Replace(okRule)
	_, err := New(context.Background(), Options{Builtin: builtin(map[string]string{"test/named/named.rego": bad})})
	if err == nil || !strings.Contains(err.Error(), "custom.id is missing") || !strings.Contains(err.Error(), `custom.severity "urgent"`) {
		t.Fatalf("err %v", err)
	}
}

// The sandbox: rules cannot reach the network, the host, the clock or a
// random source, and say so when they try.
func TestSandboxRefusesSideEffects(t *testing.T) {
	for call, why := range map[string]string{
		`http.send({"method": "get", "url": "https://example.invalid"})`: "reaches the network",
		`net.lookup_ip_addr("example.invalid")`:                          "reaches the network (DNS)",
		`opa.runtime()`:                                                  "reads the host's environment",
		`time.now_ns()`:                                                  "reads the clock",
		`rand.intn("x", 10)`:                                             "is random",
	} {
		t.Run(call, func(t *testing.T) {
			src := strings.Replace(okRule, `notices contains "a notice" if true`, "x := "+call, 1)
			// Built-in rules are compiled once the bundle's contents are
			// known; the sandbox holds for them as for a user's.
			e, err := New(context.Background(), Options{Builtin: builtin(map[string]string{"test/named/named.rego": src})})
			if err == nil {
				err = e.Prepare(context.Background(), map[string]bool{"kubernetes.pods": true})
			}
			if err == nil {
				t.Fatal("compiled")
			}
			user := filepath.Join(t.TempDir(), "named.rego")
			if werr := os.WriteFile(user, []byte(src), 0o644); werr != nil {
				t.Fatal(werr)
			}
			if _, uerr := New(context.Background(), Options{UserDirs: []string{user}}); uerr == nil || !strings.Contains(uerr.Error(), "builtin "+call[:strings.IndexByte(call, '(')]+" is not available") {
				t.Errorf("as a user rule, New said %v", uerr)
			}
			name := call[:strings.IndexByte(call, '(')]
			if !strings.Contains(err.Error(), "builtin "+name+" is not available to ktriage rules: it "+why) || !strings.Contains(err.Error(), "named.rego:") {
				t.Errorf("message %q", err)
			}
		})
	}
}

func TestPureCIDRFunctionsStay(t *testing.T) {
	src := strings.Replace(okRule, `notices contains "a notice" if true`, `notices contains "in" if net.cidr_contains("10.244.0.0/16", "10.244.5.10")`, 1)
	e, err := New(context.Background(), Options{Builtin: builtin(map[string]string{"test/named/named.rego": src})})
	if err != nil {
		t.Fatal(err)
	}
	res := e.Eval(context.Background(), input(t, `{"kubernetes": {"pods": []}}`), map[string]bool{"kubernetes.pods": true}, 0)
	if len(res[0].Notices) != 1 {
		t.Fatalf("%+v", res[0])
	}
}

func TestEvaluationTimeLimit(t *testing.T) {
	slow := strings.Replace(okRule, `notices contains "a notice" if true`, `notices contains "n" if {
	some i in numbers.range(1, 5000)
	some j in numbers.range(1, 5000)
	i * j == -1
}`, 1)
	e, err := New(context.Background(), Options{Builtin: builtin(map[string]string{"test/named/named.rego": slow})})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	res := e.Eval(ctx, input(t, `{"kubernetes": {"pods": []}}`), map[string]bool{"kubernetes.pods": true}, 0)
	if !res[0].Skipped || !strings.Contains(res[0].Reason, "time limit") {
		t.Fatalf("%+v", res[0])
	}
}

func TestFindingShapeIsChecked(t *testing.T) {
	src := strings.Replace(okRule, `{"message": sprintf("pod %s", [p.metadata.name])}`, `{"messag": "typo"}`, 1)
	e, err := New(context.Background(), Options{Builtin: builtin(map[string]string{"test/named/named.rego": src})})
	if err != nil {
		t.Fatal(err)
	}
	res := e.Eval(context.Background(), input(t, `{"kubernetes": {"pods": [{"metadata": {"name": "a"}}]}}`), map[string]bool{"kubernetes.pods": true}, 0)
	if !res[0].Skipped || !strings.Contains(res[0].Reason, "has no message") {
		t.Fatalf("%+v", res[0])
	}
}

// details.consequences is read into the finding (sorted, out of details);
// a malformed one makes the rule fail instead of dropping the chain.
func TestConsequencesAreReadAndChecked(t *testing.T) {
	run := func(cons string) Result {
		src := strings.Replace(okRule, `{"message": sprintf("pod %s", [p.metadata.name])}`,
			`{"message": "m", "details": {"reason": "r", "consequences": `+cons+`}}`, 1)
		e, err := New(context.Background(), Options{Builtin: builtin(map[string]string{"test/named/named.rego": src})})
		if err != nil {
			t.Fatal(err)
		}
		return e.Eval(context.Background(), input(t, `{"kubernetes": {"pods": [{"metadata": {"name": "a"}}]}}`), map[string]bool{"kubernetes.pods": true}, 0)[0]
	}
	res := run(`[{"kind": "Pod", "namespace": "b", "name": "x", "note": "n2"}, {"kind": "Service", "namespace": "a", "name": "y", "note": "n1", "rule": "selector-mismatch"}]`)
	if res.Skipped || len(res.Findings) != 1 {
		t.Fatalf("%+v", res)
	}
	f := res.Findings[0]
	want := []Consequence{{Kind: "Service", Namespace: "a", Name: "y", Note: "n1", Rule: "selector-mismatch"}, {Kind: "Pod", Namespace: "b", Name: "x", Note: "n2"}}
	if len(f.Consequences) != 2 || f.Consequences[0] != want[0] || f.Consequences[1] != want[1] {
		t.Errorf("consequences = %+v", f.Consequences)
	}
	if _, ok := f.Details["consequences"]; ok || f.Details["reason"] != "r" {
		t.Errorf("details = %v", f.Details)
	}
	for _, bad := range []string{`"x"`, `[1]`, `[{"kind": "Pod", "note": "no name"}]`, `[{"kind": "Pod", "name": "x", "note": 3}]`} {
		if res := run(bad); !res.Skipped || !strings.Contains(res.Reason, "consequences") {
			t.Errorf("%s: %+v", bad, res)
		}
	}
}

// input.rules names the rules that run (enabled, their needs met), for
// data.ktriage.lib.run: a symptom defers to another rule's finding only
// when that rule runs.
func TestInputNamesTheRulesThatRun(t *testing.T) {
	seer := strings.NewReplacer(`id: named`, `id: seer`, `["named"]`, `["seer"]`, `needs: [kubernetes.pods]`, `needs: []`,
		`findings contains {"message": sprintf("pod %s", [p.metadata.name])} if {
	some p in input.kubernetes.pods
}`, `findings contains {"message": sprintf("runs %v", [sort(object.keys(input.rules))])} if true`).Replace(okRule)
	other := strings.NewReplacer(`id: named`, `id: other`, `["named"]`, `["other"]`, `needs: [kubernetes.pods]`, `needs: [node.sysctl]`).Replace(okRule)
	files := map[string]string{"test/named/named.rego": okRule, "test/seer/seer.rego": seer, "test/other/other.rego": other}
	for _, tc := range []struct {
		disable []string
		want    string
	}{
		{nil, `runs ["named", "seer"]`}, // other's needs are not met
		{[]string{"named"}, `runs ["seer"]`},
	} {
		e, err := New(context.Background(), Options{Builtin: builtin(files), Disable: tc.disable})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range e.Eval(context.Background(), input(t, `{"kubernetes": {"pods": []}}`), map[string]bool{"kubernetes.pods": true}, 0) {
			if r.Rule.ID == "seer" {
				for _, f := range r.Findings {
					got = append(got, f.Message)
				}
			}
		}
		if len(got) != 1 || got[0] != tc.want {
			t.Errorf("disable %v: seer says %q, want %q", tc.disable, got, tc.want)
		}
	}
}
