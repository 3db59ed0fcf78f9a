package hostile_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ktriage/ktriage/internal/analyze"
	"github.com/ktriage/ktriage/internal/engine"
	"github.com/ktriage/ktriage/internal/hostile"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/report"
	"github.com/ktriage/ktriage/internal/report/gfmcheck"
	"github.com/ktriage/ktriage/internal/testbin"
	"github.com/ktriage/ktriage/rules"
)

// place is one case's private corner of the disk. Escaping names aim at
// canary, which sits two levels above the loader's private temp area
// (root/tmp/ktriage-XXX/../../canary); the bundle is written under work.
type place struct {
	root, work, canary, tmp, cwd string
}

func newPlace(t *testing.T) place {
	t.Helper()
	root := t.TempDir()
	p := place{root: root, work: filepath.Join(root, "work"), canary: filepath.Join(root, "canary"),
		tmp: filepath.Join(root, "tmp"), cwd: filepath.Join(root, "cwd")}
	for _, d := range []string{p.work, p.canary, p.tmp, p.cwd} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func build(t *testing.T, c hostile.Case, p place, bomb int64) *hostile.Bundle {
	t.Helper()
	b, err := c.Build(hostile.Env{Dir: p.work, Canary: p.canary, BombSize: bomb})
	if err != nil {
		if strings.Contains(err.Error(), "symlink") {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	return b
}

// tree describes every file under dir (type, size, mode, link target) so a
// later call shows whether anything was added, removed or changed.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			out[p] = "error: " + err.Error()
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		desc := fmt.Sprintf("%v %d %d", info.Mode(), info.Size(), info.ModTime().UnixNano())
		if info.Mode()&fs.ModeSymlink != 0 {
			target, _ := os.Readlink(p)
			desc += " -> " + target
		}
		out[p] = desc
		return nil
	})
	return out
}

func sameTree(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for p, d := range after {
		if b, ok := before[p]; !ok {
			t.Errorf("%s: %s appeared (%s)", what, p, d)
		} else if b != d {
			t.Errorf("%s: %s changed: %s -> %s", what, p, b, d)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("%s: %s disappeared", what, p)
		}
	}
}

// untouched snapshots everything a hostile bundle could write to besides
// the private temp area: the canary, the bundle's own directory, the
// place's root and the current directory (the package directory, for the
// in-process runs). The returned func checks nothing changed.
func untouched(t *testing.T, p place) func() {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	canary, work, cwd, own := tree(t, p.canary), tree(t, p.work), tree(t, p.cwd), tree(t, wd)
	rootList := names(t, p.root)
	return func() {
		t.Helper()
		sameTree(t, "canary", canary, tree(t, p.canary))
		sameTree(t, "bundle directory", work, tree(t, p.work))
		sameTree(t, "current directory", cwd, tree(t, p.cwd))
		sameTree(t, "package directory", own, tree(t, wd))
		if got := names(t, p.root); got != rootList {
			t.Errorf("root of the test area now holds %s, was %s", got, rootList)
		}
		if left := names(t, p.tmp); left != "" {
			t.Errorf("temp parent not empty after the analysis: %s", left)
		}
	}
}

func names(t *testing.T, dir string) string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return strings.Join(out, ",")
}

func limits(c hostile.Caps) loader.Limits {
	return loader.Limits{MaxEntries: c.MaxEntries, MaxFileSize: c.MaxFileSize, MaxTotalSize: c.MaxTotalSize, MaxDepth: c.MaxDepth}
}

var (
	engOnce sync.Once
	eng     *engine.Engine
	engErr  error
)

func rulesEngine(t testing.TB) *engine.Engine {
	t.Helper()
	engOnce.Do(func() { eng, engErr = engine.New(context.Background(), engine.Options{Builtin: rules.FS}) })
	if engErr != nil {
		t.Fatal(engErr)
	}
	return eng
}

// TestHostile runs every hostile bundle through the whole pipeline in
// process, under the case's small caps, and checks (a) a report comes out
// and renders, (b) nothing is written outside the private temp area, which
// is gone after Close, (c) every entry written is accounted for, (d) the
// healthy part's finding survives, and (e) the caps a bomb hits are named.
func TestHostile(t *testing.T) {
	e := rulesEngine(t)
	for _, c := range hostile.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			p := newPlace(t)
			b := build(t, c, p, 0)
			check := untouched(t, p)
			ctx := context.Background()
			opts := analyze.Options{Inputs: b.Inputs, Limits: limits(c.Caps), TempDir: p.tmp}
			parsed, err := analyze.Parse(ctx, opts)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if dir := parsed.Bundle.TempDir(); filepath.Dir(dir) != p.tmp {
				t.Errorf("private temp area %s is not under %s", dir, p.tmp)
			}
			r, err := analyze.Evaluate(ctx, parsed, e, opts)
			if err != nil {
				parsed.Close()
				t.Fatalf("evaluate: %v", err)
			}
			rendered(t, r)
			if err := parsed.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
			check()
			accounted(t, b, r)
			healthySurvives(t, b, r)
			capsNamed(t, c, r)
			if testing.Verbose() {
				summarize(t, r)
			}
		})
	}
}

// summarize logs what became of the bundle (go test -v): the statuses,
// the limits, and the reasons given, once each.
func summarize(t *testing.T, r *report.Report) {
	t.Helper()
	statuses := map[string]int{}
	reasons := map[string]bool{}
	for _, in := range r.Inputs {
		statuses[in.Status]++
		for _, w := range append([]string{in.Error}, in.Warnings...) {
			if w != "" && len(reasons) < 12 {
				reasons[w] = true
			}
		}
	}
	var rs []string
	for w := range reasons {
		rs = append(rs, w)
	}
	sort.Strings(rs)
	t.Logf("%d inputs %v; limits %q; reasons:\n  %s", len(r.Inputs), statuses, r.Limits, strings.Join(rs, "\n  "))
}

// rendered checks both report formats write, and that what they write is
// valid UTF-8 with no terminal escapes, whatever the names inside.
func rendered(t *testing.T, r *report.Report) {
	t.Helper()
	for _, f := range []string{"json", "md"} {
		var buf bytes.Buffer
		if err := analyze.WriteReport(&buf, r, f); err != nil {
			t.Errorf("write %s report: %v", f, err)
			continue
		}
		if !utf8.Valid(buf.Bytes()) {
			t.Errorf("%s report is not valid UTF-8", f)
		}
		if bytes.IndexByte(buf.Bytes(), 0x1b) >= 0 {
			t.Errorf("%s report carries a raw terminal escape", f)
		}
		if f == "json" && !json.Valid(buf.Bytes()) {
			t.Errorf("JSON report does not parse")
		}
	}
}

// accounted checks the inventory against what the generator wrote: each
// entry has its own line, or is an archive whose members have lines, or
// (past a cap or damage) is covered by a limit or by a note on an archive
// that encloses it; and no line names anything the generator did not
// write (a followed link would).
func accounted(t *testing.T, b *hostile.Bundle, r *report.Report) {
	t.Helper()
	lines := map[string]report.Input{}
	for _, in := range r.Inputs {
		if _, dup := lines[in.File]; dup {
			t.Errorf("two inventory lines for %q", in.File)
		}
		lines[in.File] = in
		switch in.Status {
		case report.StatusParsed, report.StatusPartial:
		case report.StatusFailed, report.StatusUnrecognized, report.StatusSkipped:
			if in.Error == "" {
				t.Errorf("%q is %s without a reason", in.File, in.Status)
			}
		default:
			t.Errorf("%q has status %q", in.File, in.Status)
		}
	}
	written := map[string]bool{}
	for _, e := range b.Entries {
		written[e.Path] = true
	}
	for f := range lines {
		if !written[f] {
			t.Errorf("inventory line for %q, which the bundle does not hold", f)
		}
	}
	for _, e := range b.Entries {
		if _, ok := lines[e.Path]; ok {
			continue
		}
		if e.Container && hasLineUnder(lines, e.Path) {
			continue
		}
		if e.MayBeLost && (len(r.Limits) > 0 || noteAbove(lines, e.Path)) {
			continue
		}
		t.Errorf("entry %q is not accounted for", e.Path)
	}
	if t.Failed() && len(r.Inputs) < 200 {
		t.Logf("inventory:\n%s", strings.Join(sortedPaths(r.Inputs), "\n"))
	}
}

func hasLineUnder(lines map[string]report.Input, container string) bool {
	for f := range lines {
		if strings.HasPrefix(f, container+"!/") {
			return true
		}
	}
	return false
}

// noteAbove reports whether an archive enclosing p has a line of its own
// (damaged, too deep, cut at a cap).
func noteAbove(lines map[string]report.Input, p string) bool {
	for i := strings.LastIndex(p, "!/"); i > 0; i = strings.LastIndex(p[:i], "!/") {
		if in, ok := lines[p[:i]]; ok && (in.Error != "" || len(in.Warnings) > 0) {
			return true
		}
	}
	return false
}

var healthyLines = func() map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(hostile.HealthyYAML, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			m[l] = true
		}
	}
	return m
}()

func healthySurvives(t *testing.T, b *hostile.Bundle, r *report.Report) {
	t.Helper()
	want := b.Healthy
	for _, f := range r.Findings {
		if f.Rule != want.Rule {
			continue
		}
		subjects := map[string]bool{}
		for _, s := range f.Subjects {
			subjects[s.Kind+"/"+s.Namespace+"/"+s.Name] = true
		}
		all := true
		for _, s := range want.Subjects {
			all = all && subjects[s]
		}
		if !all {
			continue
		}
		cited := false
		for _, ev := range f.Evidence {
			if ev.File != want.File {
				continue
			}
			cited = true
			// The quoted line must come from the healthy copy, not from
			// another file that shares its name.
			if ev.Line > 0 && !healthyLines[ev.Text] {
				t.Errorf("evidence %s:%d quotes %q, not a line of the healthy part", ev.File, ev.Line, ev.Text)
			}
		}
		if !cited {
			t.Errorf("finding %s cites no line of %s: %+v", want.Rule, want.File, f.Evidence)
		}
		return
	}
	var got []string
	for _, f := range r.Findings {
		got = append(got, f.Rule)
	}
	t.Errorf("healthy finding %s %v missing; findings: %v", want.Rule, want.Subjects, got)
}

func capsNamed(t *testing.T, c hostile.Case, r *report.Report) {
	t.Helper()
	all := strings.Join(r.Limits, "\n")
	for _, w := range c.Limits {
		if !strings.Contains(all, w) {
			t.Errorf("limits %q do not mention %q", r.Limits, w)
		}
	}
	for _, l := range r.Limits {
		ok := false
		for _, w := range c.Limits {
			ok = ok || strings.Contains(l, w)
		}
		if !ok {
			t.Errorf("unexpected limit: %s", l)
		}
	}
}

// binaryCases run through the built binary as well: exit status, stderr,
// and writes as seen from outside the process.
var binaryCases = []string{"escaping-names-tar", "links-tar", "links-dir", "gzip-bomb", "zip-overlap", "deep-nesting", "truncated-gzip", "billion-laughs"}

func TestHostileBinary(t *testing.T) {
	bin := binary(t)
	byName := map[string]hostile.Case{}
	for _, c := range hostile.Cases() {
		byName[c.Name] = c
	}
	for _, name := range binaryCases {
		c, ok := byName[name]
		if !ok {
			t.Fatalf("no case %s", name)
		}
		t.Run(name, func(t *testing.T) {
			p := newPlace(t)
			b := build(t, c, p, 0)
			check := untouched(t, p)
			args := append([]string{"analyze", "--format", "json", "--tmp-dir", p.tmp}, capFlags(c.Caps)...)
			cmd := exec.Command(bin, append(args, b.Inputs...)...)
			cmd.Dir = p.cwd
			cmd.Env = append(os.Environ(), "TMPDIR="+p.tmp)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			// The healthy part's finding is high: exit 1, nothing on stderr.
			if code != 1 || stderr.Len() > 0 {
				t.Errorf("exit %d, stderr %q; want exit 1 and no stderr", code, stderr.String())
			}
			var r report.Report
			if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
				t.Fatalf("report is not JSON: %v", err)
			}
			check()
			healthySurvives(t, b, &r)
			capsNamed(t, c, &r)
		})
	}
}

func capFlags(c hostile.Caps) []string {
	var out []string
	if c.MaxEntries > 0 {
		out = append(out, fmt.Sprintf("--max-entries=%d", c.MaxEntries))
	}
	if c.MaxFileSize > 0 {
		out = append(out, fmt.Sprintf("--max-file-size=%d", c.MaxFileSize))
	}
	if c.MaxTotalSize > 0 {
		out = append(out, fmt.Sprintf("--max-total-size=%d", c.MaxTotalSize))
	}
	if c.MaxDepth > 0 {
		out = append(out, fmt.Sprintf("--max-depth=%d", c.MaxDepth))
	}
	return out
}

// binary is $KTRIAGE_BIN (set by make test) or a build made once per run.
func binary(t testing.TB) string { return testbin.Path(t) }

func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Cleanup()
	os.Exit(code)
}

// sortedPaths is for failure messages.
func sortedPaths(ins []report.Input) []string {
	var out []string
	for _, in := range ins {
		out = append(out, in.File+" ["+in.Status+"] "+in.Error)
	}
	sort.Strings(out)
	return out
}

// TestInterruptedBinaryLeavesNothing: SIGINT while a bomb is being
// unpacked (up to 8 GiB at the default caps) stops ktriage within a read,
// removes everything it spooled and exits 130. SIGKILL would leave the
// temp area behind; nothing can help that, which is why the area has a
// recognisable name (ktriage-*) under --tmp-dir.
func TestInterruptedBinaryLeavesNothing(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT to send on windows")
	}
	bin := binary(t)
	var bomb hostile.Case
	for _, c := range hostile.Cases() {
		if c.Name == "gzip-bomb" {
			bomb = c
		}
	}
	p := newPlace(t)
	b := build(t, bomb, p, 64<<30) // far more than anything spools before the signal
	cmd := exec.Command(bin, append([]string{"analyze", "--tmp-dir", p.tmp}, b.Inputs...)...)
	cmd.Dir = p.cwd
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Wait until spooling has begun: the private area holds a file.
	deadline := time.Now().Add(2 * time.Minute)
	for spooled(p.tmp) == 0 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("nothing was spooled within two minutes")
		}
		select {
		case err := <-done:
			t.Fatalf("ktriage finished before it could be interrupted: %v\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("ktriage did not stop within two minutes of SIGINT")
	}
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 130 {
		t.Errorf("exit %v, want 130; stderr %q", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("stderr %q does not say it was interrupted", stderr.String())
	}
	if left, _ := os.ReadDir(p.tmp); len(left) != 0 {
		t.Errorf("temp area left behind after SIGINT: %v", left)
	}
}

// TestKilledRunIsSweptByTheNext: SIGKILL cannot be caught, so a run
// killed while unpacking leaves its temp area (customer data). The next run
// with the same --tmp-dir removes it: the area's lock, held by the dead
// run, was released by the kernel (issue 10, D9).
func TestKilledRunIsSweptByTheNext(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no flock on windows")
	}
	bin := binary(t)
	p := newPlace(t)
	b := build(t, caseNamed(t, "gzip-bomb"), p, 64<<30)
	cmd := exec.Command(bin, append([]string{"analyze", "--tmp-dir", p.tmp}, b.Inputs...)...)
	cmd.Dir = p.cwd
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for spooled(p.tmp) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if spooled(p.tmp) == 0 {
		t.Fatal("nothing was spooled before the kill")
	}
	// A small bundle a rule can judge, so the next run exits 0 or 1 (an
	// empty List is "nothing could be judged", exit 3).
	healthy := filepath.Join(p.work, "healthy.yaml")
	if err := os.WriteFile(healthy, []byte("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  ports:\n  - port: 80\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	next := exec.Command(bin, "analyze", "--tmp-dir", p.tmp, healthy)
	next.Dir = p.cwd
	if out, err := next.CombinedOutput(); err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 0 && ee.ExitCode() != 1 {
			t.Fatalf("next run: %v\n%s", err, out)
		}
	}
	if left, _ := os.ReadDir(p.tmp); len(left) != 0 {
		t.Errorf("the killed run's temp area is still there after the next run: %v", left)
	}
}

// spooled counts the files in the private temp areas under dir.
func spooled(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		// The area's lock file is there from the start; spooled data is not.
		if err == nil && d.Type().IsRegular() && !strings.HasPrefix(d.Name(), loader.LockName) {
			n++
		}
		return nil
	})
	return n
}

// TestReaderGoneLeavesNothing: `ktriage analyze bundle.tgz | head` kills
// ktriage with SIGPIPE while it writes the report; the temp area holding
// the bundle's unpacked files must be gone by then.
func TestReaderGoneLeavesNothing(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGPIPE on windows")
	}
	bin := binary(t)
	c := caseNamed(t, "gzip-bomb")
	p := newPlace(t)
	b := build(t, c, p, 0)
	for _, cmdName := range []string{"analyze", "facts"} {
		t.Run(cmdName, func(t *testing.T) {
			args := append([]string{cmdName, "--tmp-dir", p.tmp}, capFlags(c.Caps)...)
			if cmdName == "facts" {
				args = []string{"facts", "--tmp-dir", p.tmp} // facts reads with the default caps
			}
			cmd := exec.Command(bin, append(args, b.Inputs...)...)
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			r.Close() // the reader is gone before anything is written
			cmd.Stdout = w
			err = cmd.Run()
			w.Close()
			if err == nil {
				t.Fatal("ktriage wrote its output to a pipe nobody reads and succeeded")
			}
			if left, _ := os.ReadDir(p.tmp); len(left) != 0 {
				t.Errorf("temp area left behind: %v (%v)", left, err)
			}
		})
	}
}

// TestMarkdownInjection renders the markdown-injection bundle's report with
// cmark-gfm: no element may come from the bundle, and the report must have
// the same shape (the same elements in the same order: no extra heading,
// code block, table column or link) as the same report with every payload
// replaced by a plain word.
func TestMarkdownInjection(t *testing.T) {
	var c hostile.Case
	for _, x := range hostile.Cases() {
		if x.Name == "markdown-injection" {
			c = x
		}
	}
	p := newPlace(t)
	b := build(t, c, p, 0)
	ctx := context.Background()
	opts := analyze.Options{Inputs: b.Inputs, Limits: limits(c.Caps), TempDir: p.tmp}
	parsed, err := analyze.Parse(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer parsed.Close()
	r, err := analyze.Evaluate(ctx, parsed, rulesEngine(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	// The payloads must reach the report, or this test checks nothing.
	reached := false
	for _, f := range r.Findings {
		for _, s := range f.Subjects {
			reached = reached || strings.Contains(s.Namespace, "<script>")
		}
	}
	nodeNamed := false
	for _, n := range r.Bundle.Nodes {
		nodeNamed = nodeNamed || strings.Contains(n, "<img")
	}
	if !reached || !nodeNamed {
		t.Fatalf("payloads did not reach the report (finding %v, node %v): nodes %q", reached, nodeNamed, r.Bundle.Nodes)
	}

	html := markdownHTML(t, r)
	if bad := gfmcheck.Foreign(html); len(bad) > 0 {
		t.Errorf("elements from the bundle: %v", bad)
	}
	plain := markdownHTML(t, neutral(t, r))
	got, want := gfmcheck.Tags(html), gfmcheck.Tags(plain)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("the payloads change the report's structure:\n got  %v\n want %v", got, want)
	}
}

func markdownHTML(t *testing.T, r *report.Report) string {
	t.Helper()
	var md bytes.Buffer
	if err := report.WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	return gfmcheck.Render(t, md.Bytes())
}

// neutral is r with every payload replaced by a plain word, wherever it
// stands (JSON keeps map keys such as node names, and escapes the same
// way on both sides of the replacement).
func neutral(t *testing.T, r *report.Report) *report.Report {
	t.Helper()
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	for _, p := range hostile.MarkdownPayloads {
		q, _ := json.Marshal(p)
		s = strings.ReplaceAll(s, string(q[1:len(q)-1]), "word")
	}
	var out report.Report
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatal(err)
	}
	return &out
}
