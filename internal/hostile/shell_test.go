package hostile_test

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/confirmsh"
	"github.com/ktriage/ktriage/internal/hostile"
	"github.com/ktriage/ktriage/internal/report"
)

// TestShellMetacharacters runs the binary on a bundle whose namespaces,
// names, label values and node name are shell injections, and sources
// every confirm command of its JSON report and every sh block of its
// Markdown report with sh, kubectl and the node tools stubbed: nothing may
// run but the stubs, and the stubs must receive each hostile value as one
// whole argument (issue 10, D2).
func TestShellMetacharacters(t *testing.T) {
	bin := binary(t)
	c := caseNamed(t, "shell-metacharacters")
	p := newPlace(t)
	b := build(t, c, p, 0)
	analyze := func(format string) []byte {
		cmd := exec.Command(bin, append([]string{"analyze", "--format", format, "--tmp-dir", p.tmp}, b.Inputs...)...)
		cmd.Dir = p.cwd
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
				t.Fatalf("analyze --format %s: %v: %s", format, err, stderr.String())
			}
		}
		return stdout.Bytes()
	}

	var r report.Report
	if err := json.Unmarshal(analyze("json"), &r); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	var fromJSON []string
	for _, f := range r.Findings {
		fromJSON = append(fromJSON, f.Confirm...)
	}
	blocks := confirmsh.ShBlocks(string(analyze("md")))

	tmp := t.TempDir()
	var calls []confirmsh.Call
	run := func(what, script string) {
		res, err := confirmsh.Source(tmp, script)
		if err != nil {
			t.Fatal(err)
		}
		for _, problem := range res.Check() {
			t.Errorf("%s: %s\n%s", what, problem, script)
		}
		calls = append(calls, res.Calls...)
	}
	for _, cmd := range fromJSON {
		run("JSON confirm command", cmd+"\n")
	}
	jsonCalls := len(calls)
	for _, block := range blocks {
		run("Markdown sh block", block)
	}
	if jsonCalls == 0 || len(calls) != 2*jsonCalls {
		t.Errorf("%d stub calls from the JSON report, %d from the Markdown one; want the same, more than 0", jsonCalls, len(calls)-jsonCalls)
	}

	// Every hostile value reached a stub whole, where it belongs.
	n := hostile.ShellNames
	want := map[string]string{"node/" + n.Node: "kubectl debug's target"}
	for _, ns := range n.Namespaces {
		want[ns] = "kubectl's -n"
	}
	want[n.Service] = "the Service name"
	want["app="+n.Label] = "the label selector"
	want["kubernetes.io/service-name="+n.Service] = "the EndpointSlice selector"
	seen := map[string]bool{}
	for _, call := range calls {
		for i, a := range call {
			if _, ok := want[a]; ok {
				seen[a] = true
			}
			if a == "-n" && i+1 < len(call) {
				if _, ok := want[call[i+1]]; !ok && call[i+1] != "hostile" {
					t.Errorf("kubectl -n %q: not a namespace of the bundle (split or mangled?) in %q", call[i+1], call)
				}
			}
		}
	}
	for v, what := range want {
		if !seen[v] {
			t.Errorf("%s %q never reached a stub as one argument", what, v)
		}
	}
	if t.Failed() {
		t.Logf("confirm commands:\n%s", strings.Join(fromJSON, "\n"))
	}
}
