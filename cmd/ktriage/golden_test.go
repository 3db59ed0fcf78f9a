package main_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// Golden tests run the built binary over every fixture in testdata/dumps.
// Each fixture's expect.yaml says which findings it must and must not
// produce; report.md.golden is the whole Markdown report, refreshed with
//
//	go test ./cmd/ktriage -run TestGolden -update
var update = flag.Bool("update", false, "rewrite the report.md.golden files")

type expectation struct {
	Description     string            `json:"description"`
	Inputs          []string          `json:"inputs"`
	Args            []string          `json:"args"`
	Exit            *int              `json:"exit"`
	Must            []mustFinding     `json:"must"`
	MustNot         []string          `json:"must_not"`
	InputsStatus    map[string]string `json:"inputs_status"`
	SkippedContains []string          `json:"skipped_contains"`
}

type mustFinding struct {
	Rule            string   `json:"rule"`
	Subjects        []string `json:"subjects"`
	MessageContains []string `json:"message_contains"`
	EvidenceFiles   []string `json:"evidence_files"`
	Count           int      `json:"count"`
}

type jsonReport struct {
	Findings []struct {
		Rule     string `json:"rule"`
		Severity string `json:"severity"`
		Message  string `json:"message"`
		Subjects []struct {
			Kind, Namespace, Name string
		} `json:"subjects"`
		Evidence []struct {
			File  string `json:"file"`
			Line  int    `json:"line"`
			Frame int    `json:"frame"`
			Text  string `json:"text"`
			Note  string `json:"note"`
		} `json:"evidence"`
	} `json:"findings"`
	Inputs []struct {
		File   string `json:"file"`
		Status string `json:"status"`
	} `json:"inputs"`
	Skipped []struct {
		Rule, Reason string
	} `json:"skipped"`
}

func binary(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("KTRIAGE_BIN"); b != "" {
		return b
	}
	// `go test` alone: build the binary once for this test run.
	dir := t.TempDir()
	bin := filepath.Join(dir, "ktriage")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func run(t *testing.T, bin, dir string, args ...string) ([]byte, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	if code == 2 {
		t.Fatalf("%v exited 2: %s", args, stderr.String())
	}
	return stdout.Bytes(), code
}

func TestGolden(t *testing.T) {
	bin := binary(t)
	root := filepath.Join("..", "..", "testdata", "dumps")
	dirs, err := filepath.Glob(filepath.Join(root, "*", "expect.yaml"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixtures under %s (%v)", root, err)
	}
	for _, exp := range dirs {
		dir := filepath.Dir(exp)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(exp)
			if err != nil {
				t.Fatal(err)
			}
			var e expectation
			if err := yaml.UnmarshalStrict(raw, &e); err != nil {
				t.Fatalf("expect.yaml: %v", err)
			}
			if len(e.Inputs) == 0 {
				t.Fatal("expect.yaml names no inputs")
			}
			args := append(append([]string{"analyze", "--format", "json"}, e.Args...), e.Inputs...)
			out, code := run(t, bin, dir, args...)
			if e.Exit != nil && code != *e.Exit {
				t.Errorf("exit status %d, want %d", code, *e.Exit)
			}
			var r jsonReport
			if err := json.Unmarshal(out, &r); err != nil {
				t.Fatalf("report is not JSON: %v", err)
			}
			checkFindings(t, e, r)

			// Determinism: a second run gives the same bytes.
			again, _ := run(t, bin, dir, args...)
			if !bytes.Equal(out, again) {
				t.Error("two runs on the same bundle gave different JSON")
			}

			md, _ := run(t, bin, dir, append(append([]string{"analyze"}, e.Args...), e.Inputs...)...)
			md = normalizeVersion(md)
			golden := filepath.Join(dir, "report.md.golden")
			if *update {
				if err := os.WriteFile(golden, md, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(md, want) {
				t.Errorf("Markdown report differs from %s (run with -update after checking the change):\n%s", golden, firstDiff(want, md))
			}
		})
	}
}

var reVersion = regexp.MustCompile(`(?m)^\| ktriage \| .* \|$`)

func normalizeVersion(md []byte) []byte {
	return reVersion.ReplaceAll(md, []byte("| ktriage | (version) |"))
}

func checkFindings(t *testing.T, e expectation, r jsonReport) {
	t.Helper()
	byRule := map[string]int{}
	for _, f := range r.Findings {
		byRule[f.Rule]++
		for _, ev := range f.Evidence {
			// Every cited file is cited at a place: a quoted line, or a
			// capture's frame.
			if ev.File != "" && ev.Frame <= 0 && (ev.Line <= 0 || ev.Text == "") {
				t.Errorf("%s: evidence %s cites no line or text (line %d, %q)", f.Rule, ev.File, ev.Line, ev.Text)
			}
		}
	}
	for _, m := range e.Must {
		if byRule[m.Rule] == 0 {
			t.Errorf("missing finding of rule %s; got %v", m.Rule, summary(r))
			continue
		}
		if m.Count > 0 && byRule[m.Rule] != m.Count {
			t.Errorf("rule %s: %d findings, want %d; got %v", m.Rule, byRule[m.Rule], m.Count, summary(r))
		}
		var problems []string
		matched := false
		for _, f := range r.Findings {
			if f.Rule != m.Rule {
				continue
			}
			p := mismatch(m, f.Message, subjects(f.Subjects), evidenceFiles(f.Evidence))
			if p == "" {
				matched = true
				break
			}
			problems = append(problems, p)
		}
		if !matched {
			t.Errorf("no %s finding matches the expectation:\n  %s", m.Rule, strings.Join(problems, "\n  "))
		}
	}
	for _, rule := range e.MustNot {
		if byRule[rule] > 0 {
			t.Errorf("rule %s must not fire, got %v", rule, summary(r))
		}
	}
	for suffix, want := range e.InputsStatus {
		found := false
		for _, in := range r.Inputs {
			if strings.HasSuffix(in.File, suffix) {
				found = true
				if in.Status != want {
					t.Errorf("input %s: status %s, want %s", in.File, in.Status, want)
				}
			}
		}
		if !found {
			t.Errorf("no input ends with %s", suffix)
		}
	}
	for _, rule := range e.SkippedContains {
		found := false
		for _, s := range r.Skipped {
			found = found || s.Rule == rule
		}
		if !found {
			t.Errorf("rule %s should report a check not run", rule)
		}
	}
}

func mismatch(m mustFinding, msg string, subs, files []string) string {
	var p []string
	for _, s := range m.Subjects {
		if !contains(subs, s) {
			p = append(p, fmt.Sprintf("subject %s not in %v", s, subs))
		}
	}
	for _, c := range m.MessageContains {
		if !strings.Contains(msg, c) {
			p = append(p, fmt.Sprintf("message lacks %q: %s", c, msg))
		}
	}
	for _, f := range m.EvidenceFiles {
		ok := false
		for _, g := range files {
			ok = ok || strings.HasSuffix(g, f)
		}
		if !ok {
			p = append(p, fmt.Sprintf("no evidence from %s (have %v)", f, files))
		}
	}
	return strings.Join(p, "; ")
}

func subjects(ss []struct{ Kind, Namespace, Name string }) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s.Namespace != "" {
			out = append(out, s.Kind+"/"+s.Namespace+"/"+s.Name)
		} else {
			out = append(out, s.Kind+"/"+s.Name)
		}
	}
	return out
}

func evidenceFiles(evs []struct {
	File  string `json:"file"`
	Line  int    `json:"line"`
	Frame int    `json:"frame"`
	Text  string `json:"text"`
	Note  string `json:"note"`
}) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.File)
	}
	return out
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func summary(r jsonReport) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Rule+": "+f.Message)
	}
	sort.Strings(out)
	return out
}

func firstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, x, y)
		}
	}
	return ""
}
