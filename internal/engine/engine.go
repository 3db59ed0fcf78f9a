// Package engine compiles the Rego rules (the embedded ones and a user's)
// once, reads each rule's METADATA from the compiled annotations, prepares
// one query per rule, and evaluates them against a facts document.
//
// Rules are discovered, not listed: every package under data.ktriage.rules
// with a package-scoped METADATA block carrying custom.id is a rule.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/ktriage/ktriage/internal/parallel"
	"github.com/ktriage/ktriage/internal/regocodec"
)

// RulesRoot is the package prefix every rule lives under.
const RulesRoot = "data.ktriage.rules"

// Severities in decreasing order.
var Severities = []string{"critical", "high", "medium", "low", "info"}

// SeverityRank orders severities: critical is 0.
func SeverityRank(s string) int {
	for i, v := range Severities {
		if v == s {
			return i
		}
	}
	return len(Severities)
}

// Rule is a rule's static description, read from its METADATA.
type Rule struct {
	ID          string   `json:"id"`
	Category    string   `json:"category"`
	Severity    string   `json:"severity"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Remediation string   `json:"remediation"`
	References  []string `json:"references"`
	Needs       []string `json:"needs"`
	Package     string   `json:"package"`
	File        string   `json:"file"`
	Builtin     bool     `json:"builtin"`
}

// Module is a Rego source file.
type Module struct {
	Name    string // file name shown in errors
	Source  []byte
	Builtin bool
}

// Options configure an Engine.
type Options struct {
	// Builtin is the embedded rule tree (rules/).
	Builtin fs.FS
	// UserDirs are extra rule directories (--rules); *_test.rego is skipped.
	UserDirs []string
	// Enable, when non-empty, keeps only these rule ids; Disable removes ids.
	Enable, Disable []string
	// FromSource compiles the built-in rules from their source even when
	// the tree holds them compiled (CompiledFile): tests compare the two.
	FromSource bool
	// Compiled is Builtin's CompiledFile when the caller holds it already
	// (the binary's read-only copy, rules.Compiled); nil reads it from
	// Builtin.
	Compiled []byte
}

// Engine holds compiled, prepared rules.
type Engine struct {
	mods  []Module
	rules []Rule
	// packages is each built-in module's package, from the compiled set
	// or the module's header; nil when everything was compiled at New.
	packages map[string]ast.Ref
	// compiled is the built-in rules compiled at build time; nil when
	// they are compiled from source (compiledErr says why).
	compiled    *regocodec.Blob
	indexed     map[string][]int // compiledMetadata.Indexed
	compiledErr error

	mu sync.Mutex // guards what Prepare fills in
	// full holds every rule, compiled at New when there are user rules;
	// otherwise compilers holds the groups of built-in rules Prepare
	// compiled.
	full        *ast.Compiler
	compilers   []*ast.Compiler
	store       storage.Store
	queries     map[string]rego.PreparedEvalQuery
	compileTime time.Duration
}

// LoadModules reads the Rego files of the embedded tree and of user
// directories. Test files are included only when tests is set.
func LoadModules(builtin fs.FS, userDirs []string, tests bool) ([]Module, error) {
	var mods []Module
	keep := func(name string) bool {
		return strings.HasSuffix(name, ".rego") && (tests || !strings.HasSuffix(name, "_test.rego"))
	}
	if builtin != nil {
		err := fs.WalkDir(builtin, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !keep(p) {
				return err
			}
			b, err := fs.ReadFile(builtin, p)
			if err != nil {
				return err
			}
			mods = append(mods, Module{Name: "rules/" + p, Source: b, Builtin: true})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read embedded rules: %w", err)
		}
	}
	for _, dir := range userDirs {
		st, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("rules directory: %w", err)
		}
		if !st.IsDir() {
			if !keep(dir) {
				return nil, fmt.Errorf("rules: %s is neither a directory nor a .rego file", dir)
			}
			b, err := readRuleFile(dir, true)
			if err != nil {
				return nil, fmt.Errorf("rules: %w", err)
			}
			mods = append(mods, Module{Name: dir, Source: b})
			continue
		}
		err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !keep(p) {
				return err
			}
			b, err := readRuleFile(p, false)
			if err != nil {
				return err
			}
			mods = append(mods, Module{Name: p, Source: b})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read rules in %s: %w", dir, err)
		}
	}
	sort.SliceStable(mods, func(i, j int) bool { return mods[i].Name < mods[j].Name })
	return mods, nil
}

// Parse parses modules as Rego v1 with annotations.
func Parse(mods []Module) (map[string]*ast.Module, error) {
	out := make(map[string]*ast.Module, len(mods))
	var errs []string
	// Without capabilities the parser builds OPA's whole list again for
	// every module: half of reading the rules' headers at start-up.
	caps := parserCapabilities()
	for _, m := range mods {
		pm, err := ast.ParseModuleWithOpts(m.Name, string(m.Source), ast.ParserOptions{
			RegoVersion: ast.RegoV1, ProcessAnnotation: true, Capabilities: caps,
		})
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		out[m.Name] = pm
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "\n"))
	}
	return out, nil
}

// checkNamespaces refuses user modules whose package is a built-in
// module's package, lies inside one, or lies above one: rules in the same
// package merge, so a user module declaring
// ktriage.rules.kubernetes["quota-limitrange"] added findings the report
// attributed to the built-in rule, and from a package above one a ref head
// (`kubernetes["quota-limitrange"].findings contains …`) does the same.
func checkNamespaces(mods []Module, parsed map[string]*ast.Module) error {
	var builtin []ast.Ref
	for _, m := range mods {
		if pm := parsed[m.Name]; m.Builtin && pm != nil {
			builtin = append(builtin, pm.Package.Path)
		}
	}
	var errs []string
	for _, m := range mods {
		pm := parsed[m.Name]
		if m.Builtin || pm == nil {
			continue
		}
		user := pm.Package.Path
		for _, b := range builtin {
			if b.HasPrefix(user) || user.HasPrefix(b) {
				errs = append(errs, fmt.Sprintf("%s: package %s is in the built-in rules' namespace (%s): give your rule a package of its own, e.g. ktriage.rules.<family>[\"<your-rule-id>\"]",
					m.Name, strings.TrimPrefix(user.String(), "data."), strings.TrimPrefix(b.String(), "data.")))
				break
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("user rules:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}

// NewCompiler returns a compiler restricted to the sandbox's builtins. With
// KTRIAGE_OPA_DEBUG set, OPA's compiler says on stderr which comprehension
// indexes it built and why it refused others: the first thing to read when
// a rule is slow on a large bundle.
func NewCompiler() *ast.Compiler {
	c := ast.NewCompiler().
		WithCapabilities(Capabilities()).
		WithEnablePrintStatements(true).
		WithDefaultRegoVersion(ast.RegoV1)
	if os.Getenv("KTRIAGE_OPA_DEBUG") != "" {
		c = c.WithDebug(os.Stderr)
	}
	return c
}

// New reads the rules and their METADATA. With user rule directories it
// also compiles every rule, the built-in ones included, with every check
// the compiler has, so a user's mistake is reported before any input is
// read. The built-in rules alone come compiled (CompiledFile, with their
// METADATA), or are read only up to their package line when that file is
// stale: either way they are made ready when Prepare learns what the
// bundle holds, and only those whose `needs` it meets (compiling all of
// them from source cost 0.2–0.4 s on every run, most of a small bundle's
// analysis).
func New(ctx context.Context, opts Options) (*Engine, error) {
	mods, err := LoadModules(opts.Builtin, opts.UserDirs, false)
	if err != nil {
		return nil, err
	}
	e := &Engine{mods: mods, queries: map[string]rego.PreparedEvalQuery{}}
	var as *ast.AnnotationSet
	if len(opts.UserDirs) > 0 {
		parsed, err := Parse(mods)
		if err != nil {
			return nil, fmt.Errorf("parse rules: %w", err)
		}
		if err := checkNamespaces(mods, parsed); err != nil {
			return nil, err
		}
		start := time.Now()
		c := NewCompiler()
		c.Compile(parsed)
		if c.Failed() {
			return nil, fmt.Errorf("compile rules:\n%s", explainCompileErrors(c.Errors))
		}
		e.full, e.compileTime = c, time.Since(start)
		as = c.GetAnnotationSet()
	}
	builtinFiles := map[string]bool{}
	for _, m := range mods {
		if m.Builtin {
			builtinFiles[m.Name] = true
		}
	}
	var rules []Rule
	if e.full == nil {
		// Built-in rules alone: their METADATA and packages come with the
		// compiled set, or else from the modules' headers.
		if opts.FromSource {
			e.compiledErr = errors.New("compiling from source as asked")
		} else {
			e.compiled, e.compiledErr = openCompiled(opts.Builtin, opts.Compiled, mods)
		}
		if e.compiled != nil {
			if meta, pkgs, err := compiledMeta(e.compiled); err != nil {
				e.compiled, e.compiledErr = nil, err
			} else {
				rules, e.packages, e.indexed = meta.Rules, pkgs, meta.Indexed
			}
		}
		if e.compiled == nil {
			if as, e.packages, err = readHeaders(mods); err != nil {
				return nil, err
			}
		}
	}
	if as != nil {
		if rules, err = discover(as, builtinFiles); err != nil {
			return nil, err
		}
	}
	if e.rules, err = filterRules(rules, opts.Enable, opts.Disable); err != nil {
		return nil, err
	}
	return e, nil
}

// Prepare compiles what the rules that can run on a bundle holding
// available need, and prepares their queries. Eval calls it; calling it
// earlier, beside other work, takes the compilation off the critical path.
// It may be called again with the same available set.
func (e *Engine) Prepare(ctx context.Context, available map[string]bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	start := time.Now()
	defer func() { e.compileTime += time.Since(start) }()
	var run []Rule
	for _, r := range e.rules {
		if _, ok := e.queries[r.ID]; !ok && len(missingNeeds(r, available)) == 0 {
			run = append(run, r)
		}
	}
	if len(run) == 0 {
		return nil
	}
	if e.store == nil {
		e.store = inmem.NewWithOpts(inmem.OptRoundTripOnWrite(false))
	}
	if e.full != nil {
		qs, err := e.prepareQueries(ctx, e.full, run)
		maps.Copy(e.queries, qs)
		return err
	}
	// The rules are compiled in groups, one per core, each group with
	// the helper modules it needs: rules never read each other, and on a
	// small bundle nothing else is left to run beside the compiler.
	var (
		parsed map[string]*ast.Module
		deps   map[string][]string
		err    error
	)
	if e.compiled == nil {
		if parsed, deps, err = e.parseFor(run); err != nil {
			return err
		}
	}
	cache := &decoded{}
	compile := func(g []Rule) (*ast.Compiler, error) {
		if e.compiled == nil {
			return compileModules(e.closure(g, parsed, deps))
		}
		mods, err := e.decodeFor(g, cache)
		var c *ast.Compiler
		if err == nil {
			c, err = compilePrecompiled(mods, e.compiled.RewrittenVars(), e.indexed)
		}
		if err != nil {
			// The set passed its digest but not its decoding (a codec
			// bug): the group is compiled from source, as without it.
			parsed, deps, perr := e.parseFor(g)
			if perr != nil {
				return nil, perr
			}
			return compileModules(e.closure(g, parsed, deps))
		}
		return c, nil
	}
	groups := partition(run, runtime.GOMAXPROCS(0), e.sourceSize)
	comps := make([]*ast.Compiler, len(groups))
	queries := make([]map[string]rego.PreparedEvalQuery, len(groups))
	errs := make([]error, len(groups))
	var wg sync.WaitGroup
	for i, g := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			comps[i], errs[i] = compile(g)
			if errs[i] == nil {
				queries[i], errs[i] = e.prepareQueries(ctx, comps[i], g)
			}
		}()
	}
	wg.Wait()
	for i := range groups {
		if errs[i] != nil {
			return errs[i]
		}
		e.compilers = append(e.compilers, comps[i])
		maps.Copy(e.queries, queries[i])
	}
	return nil
}

// prepareQueries prepares the rules' queries on compiler c.
func (e *Engine) prepareQueries(ctx context.Context, c *ast.Compiler, rules []Rule) (map[string]rego.PreparedEvalQuery, error) {
	out := make(map[string]rego.PreparedEvalQuery, len(rules))
	for _, r := range rules {
		// One query per rule, binding both sets: helper rules the two share
		// (an index over all Services, say) are evaluated once.
		q, err := rego.New(
			rego.Compiler(c),
			rego.Store(e.store),
			rego.Query(fmt.Sprintf("findings := [f | some f in %s.findings]; notices := [n | some n in %s.notices]", r.Package, r.Package)),
			rego.StrictBuiltinErrors(true),
			rego.EnablePrintStatements(false),
		).PrepareForEval(ctx)
		if err != nil {
			return out, fmt.Errorf("prepare rule %s: %w", r.ID, err)
		}
		out[r.ID] = q
	}
	return out, nil
}

// CompileTime is how long compiling and preparing the rules took so far.
func (e *Engine) CompileTime() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.compileTime
}

// Rules returns the enabled rules, sorted by category then id.
func (e *Engine) Rules() []Rule { return e.rules }

func filterRules(rules []Rule, enable, disable []string) ([]Rule, error) {
	known := map[string]bool{}
	for _, r := range rules {
		known[r.ID] = true
	}
	for _, id := range append(append([]string{}, enable...), disable...) {
		if !known[id] {
			return nil, fmt.Errorf("unknown rule id %q (see `ktriage rules list`)", id)
		}
	}
	en := toSet(enable)
	dis := toSet(disable)
	var out []Rule
	for _, r := range rules {
		if len(en) > 0 && !en[r.ID] {
			continue
		}
		if dis[r.ID] {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

func toSet(ss []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range ss {
		m[s] = true
	}
	return m
}

// discover reads package-scoped METADATA under data.ktriage.rules.
func discover(as *ast.AnnotationSet, builtinFiles map[string]bool) ([]Rule, error) {
	root := ast.MustParseRef(RulesRoot)
	var rules []Rule
	var errs []string
	seen := map[string]string{}
	for _, ar := range as.Flatten() {
		a := ar.Annotations
		if a == nil || a.Scope != "package" || !ar.Path.HasPrefix(root) {
			continue
		}
		file := ""
		if a.Location != nil {
			file = a.Location.File
		}
		r := Rule{
			Package:     ar.Path.String(),
			Title:       a.Title,
			Description: strings.TrimSpace(a.Description),
			File:        file,
			Builtin:     builtinFiles[file],
		}
		r.ID, _ = a.Custom["id"].(string)
		r.Category, _ = a.Custom["category"].(string)
		r.Severity, _ = a.Custom["severity"].(string)
		rem, _ := a.Custom["remediation"].(string)
		r.Remediation = strings.TrimSpace(rem)
		r.References = stringList(a.Custom["references"])
		for _, rr := range a.RelatedResources {
			if rr.Ref.String() != "" {
				r.References = append(r.References, rr.Ref.String())
			}
		}
		r.Needs = stringList(a.Custom["needs"])
		var problems []string
		if r.ID == "" {
			problems = append(problems, "custom.id is missing")
		}
		if r.Title == "" {
			problems = append(problems, "title is missing")
		}
		if r.Category == "" {
			problems = append(problems, "custom.category is missing")
		}
		if SeverityRank(r.Severity) == len(Severities) {
			problems = append(problems, fmt.Sprintf("custom.severity %q is not one of %s", r.Severity, strings.Join(Severities, ", ")))
		}
		if len(problems) > 0 {
			errs = append(errs, fmt.Sprintf("%s (%s): %s", file, r.Package, strings.Join(problems, "; ")))
			continue
		}
		if prev, dup := seen[r.ID]; dup {
			errs = append(errs, fmt.Sprintf("rule id %q is declared twice: %s and %s", r.ID, prev, file))
			continue
		}
		seen[r.ID] = file
		rules = append(rules, r)
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return nil, fmt.Errorf("rule metadata:\n  %s", strings.Join(errs, "\n  "))
	}
	sort.Slice(rules, func(i, j int) bool {
		if rules[i].Category != rules[j].Category {
			return rules[i].Category < rules[j].Category
		}
		return rules[i].ID < rules[j].ID
	})
	return rules, nil
}

func stringList(v any) []string {
	var out []string
	switch t := v.(type) {
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	case string:
		out = append(out, t)
	}
	return out
}

// Subject names what a finding is about.
type Subject struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// RawEvidence is evidence as a rule states it: either a Kubernetes object
// and a path inside it (the report finds the file and line), or a file and
// line directly (node artifacts carry their own).
type RawEvidence struct {
	Object *Subject `json:"object,omitempty"`
	Path   []any    `json:"path,omitempty"`
	File   string   `json:"file,omitempty"`
	Line   int      `json:"line,omitempty"`
	Frame  int      `json:"frame,omitempty"` // captures cite frames, not lines
	Text   string   `json:"text,omitempty"`
	Note   string   `json:"note,omitempty"`
}

// RawFinding is one element of a rule's `findings` set.
type RawFinding struct {
	Message  string         `json:"message"`
	Severity string         `json:"severity,omitempty"`
	Subjects []Subject      `json:"subjects"`
	Evidence []RawEvidence  `json:"evidence"`
	Confirm  []string       `json:"confirm"`
	Fix      string         `json:"fix"`
	Details  map[string]any `json:"details"`
	// Consequences are read from details.consequences (evalRule): what
	// this finding's cause makes other objects suffer.
	Consequences []Consequence `json:"-"`
}

// Consequence is one object a finding's cause makes suffer, as a rule
// states it in details.consequences: {"kind", "namespace"?, "name",
// "note", "rule"?}. Rule, when given, names the rule whose finding has
// this object as its subject (docs/report-json.md, Chains).
type Consequence struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Note      string `json:"note"`
	Rule      string `json:"rule,omitempty"`
}

// maxConsequences bounds one finding's list: a DNS outage in a cluster of
// 20,000 pods must not give a report of 20,000 bullets per finding.
const maxConsequences = 200

// consequences takes details.consequences out of a finding's details and
// checks its shape, so a rule's mistake is an error, not a silent gap.
func consequences(f *RawFinding) error {
	v, ok := f.Details["consequences"]
	if !ok {
		return nil
	}
	delete(f.Details, "consequences")
	l, ok := v.([]any)
	if !ok {
		return fmt.Errorf("details.consequences is not a list")
	}
	for i, x := range l {
		o, ok := x.(map[string]any)
		if !ok {
			return fmt.Errorf("details.consequences[%d] is not an object", i)
		}
		var c Consequence
		for key, dst := range map[string]*string{"kind": &c.Kind, "namespace": &c.Namespace, "name": &c.Name, "note": &c.Note, "rule": &c.Rule} {
			if raw, ok := o[key]; ok {
				s, ok := raw.(string)
				if !ok {
					return fmt.Errorf("details.consequences[%d].%s is not a string", i, key)
				}
				*dst = s
			}
		}
		if c.Kind == "" || c.Name == "" {
			return fmt.Errorf("details.consequences[%d] has no kind or name", i)
		}
		f.Consequences = append(f.Consequences, c)
	}
	sort.SliceStable(f.Consequences, func(i, j int) bool {
		a, b := f.Consequences[i], f.Consequences[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Name < b.Name
	})
	if len(f.Consequences) > maxConsequences {
		f.Consequences = f.Consequences[:maxConsequences]
	}
	return nil
}

// Result is the outcome of one rule.
type Result struct {
	Rule     Rule
	Findings []RawFinding
	// Notices are the rule's own words about checks it could not run.
	Notices []string
	// Skipped is set when the rule did not run; Reason says why.
	Skipped bool
	Reason  string
	Elapsed time.Duration
}

// Eval runs every enabled rule. available lists what the bundle holds
// (facts' "available" section): a rule whose METADATA `needs` are not all
// there is skipped with a reason instead of silently finding nothing.
// perRule, when positive, is each rule's own time budget: one shared
// budget let a slow rule (a user's, sorted first) use it all up, and every
// rule after it was skipped, the built-in ones included. A rule that runs
// out is skipped with a reason naming the budget; cancelling ctx stops
// them all.
//
// Before the first rule, input.rules is set to the rules that run: a rule
// that leaves a symptom to another rule's finding (one cause, one
// critical) asks data.ktriage.lib.run whether that rule runs, so that with
// --disable the symptom keeps its own severity (docs/facts.md).
func (e *Engine) Eval(ctx context.Context, input ast.Value, available map[string]bool, perRule time.Duration) []Result {
	out := make([]Result, len(e.rules))
	if obj, ok := input.(ast.Object); ok {
		obj.Insert(ast.StringTerm("rules"), ast.NewTerm(e.running(available)))
	}
	prepErr := e.Prepare(ctx, available)
	// Rules read the same input and share nothing else, and OPA's prepared
	// queries may be evaluated concurrently: on a large bundle the rules
	// were most of the wall time while one core sat idle. Results keep the
	// rules' order whatever order they finish in.
	//
	// Largest rule first: the longest rule bounds the wall time, and
	// started last it ran alone at the end (selector-mismatch, the
	// largest, took 1.5 s of a 20,000-pod bundle's 2 s of rules, with
	// one core idle for most of that). A rule's source size is a rough
	// but free guess at its cost.
	order := make([]int, len(e.rules))
	size := make([]int, len(e.rules))
	for i, r := range e.rules {
		order[i], size[i] = i, e.sourceSize(r)
	}
	sort.SliceStable(order, func(a, b int) bool { return size[order[a]] > size[order[b]] })
	parallel.Each(len(order), func(k int) {
		i := order[k]
		out[i] = e.evalOne(ctx, e.rules[i], input, available, prepErr, perRule)
	})
	return out
}

func (e *Engine) evalOne(ctx context.Context, r Rule, input ast.Value, available map[string]bool, prepErr error, perRule time.Duration) Result {
	res := Result{Rule: r}
	if missing := missingNeeds(r, available); len(missing) > 0 {
		res.Skipped = true
		res.Reason = "the bundle has no " + strings.Join(missing, ", ")
		return res
	}
	if prepErr != nil {
		res.Skipped = true
		res.Reason = "rule failed: " + prepErr.Error()
		return res
	}
	start := time.Now()
	findings, notices, err := e.evalBudgeted(ctx, r, input, perRule)
	res.Elapsed = time.Since(start)
	if err != nil {
		res.Skipped = true
		res.Reason = "rule failed: " + err.Error()
		return res
	}
	res.Findings, res.Notices = findings, notices
	return res
}

// running is input.rules: {id: true} for every enabled rule whose needs
// the bundle meets.
func (e *Engine) running(available map[string]bool) ast.Object {
	obj := ast.NewObject()
	for _, r := range e.rules {
		if len(missingNeeds(r, available)) == 0 {
			obj.Insert(ast.StringTerm(r.ID), ast.BooleanTerm(true))
		}
	}
	return obj
}

// missingNeeds lists the rule's METADATA `needs` that available lacks;
// "a|b" is satisfied by either.
func missingNeeds(r Rule, available map[string]bool) []string {
	var missing []string
	for _, n := range r.Needs {
		ok := false
		for _, alt := range strings.Split(n, "|") {
			ok = ok || available[strings.TrimSpace(alt)]
		}
		if !ok {
			missing = append(missing, strings.ReplaceAll(n, "|", " or "))
		}
	}
	return missing
}

// evalBudgeted runs one rule under its own deadline.
func (e *Engine) evalBudgeted(ctx context.Context, r Rule, input ast.Value, budget time.Duration) ([]RawFinding, []string, error) {
	rctx := ctx
	if budget > 0 {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(ctx, budget)
		defer cancel()
	}
	f, n, err := e.evalRule(rctx, r, input)
	if err != nil && rctx.Err() != nil {
		if ctx.Err() == nil && budget > 0 {
			return nil, nil, fmt.Errorf("evaluation time limit reached: this rule ran past its own budget of %v (--timeout); the other rules ran", budget)
		}
		return nil, nil, fmt.Errorf("evaluation time limit reached")
	}
	return f, n, err
}

func (e *Engine) evalRule(ctx context.Context, r Rule, input ast.Value) ([]RawFinding, []string, error) {
	e.mu.Lock()
	q, ok := e.queries[r.ID]
	e.mu.Unlock()
	if !ok {
		return nil, nil, fmt.Errorf("not compiled")
	}
	rs, err := q.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return nil, nil, err
	}
	if len(rs) == 0 {
		return nil, nil, nil
	}
	raw, err := json.Marshal(rs[0].Bindings["findings"])
	if err != nil {
		return nil, nil, err
	}
	var fs []RawFinding
	if err := json.Unmarshal(raw, &fs); err != nil {
		return nil, nil, fmt.Errorf("findings do not have the expected shape: %v", err)
	}
	for i := range fs {
		f := &fs[i]
		if err := consequences(f); err != nil {
			return nil, nil, fmt.Errorf("finding %d: %v", i, err)
		}
		if strings.TrimSpace(f.Message) == "" {
			return nil, nil, fmt.Errorf("finding %d has no message", i)
		}
		if f.Severity != "" && SeverityRank(f.Severity) == len(Severities) {
			return nil, nil, fmt.Errorf("finding %d has unknown severity %q", i, f.Severity)
		}
	}
	var notices []string
	if l, ok := rs[0].Bindings["notices"].([]any); ok {
		for _, v := range l {
			if s, ok := v.(string); ok {
				notices = append(notices, s)
			}
		}
	}
	sort.Strings(notices)
	return fs, notices, nil
}
