package engine

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/ktriage/ktriage/internal/parallel"
)

// checkStages are the compiler stages that only look for mistakes: they
// rewrite nothing evaluation depends on. The built-in rules pass all of
// them (TestBuiltinRulesPassEveryCheck, and the Rego tests compile with
// every stage), so a run that compiles only built-in rules skips them:
// about a quarter of the compile time. User rules are compiled with all of
// them (New). The sandbox's two checks (undefined and unsafe builtins)
// always run: OPA's evaluator would call a denied builtin if the compiler
// let it through.
var checkStages = []ast.StageID{
	ast.StageCheckUnusedImports,
	ast.StageCheckKeywordOverrides,
	ast.StageCheckDuplicateImports,
	ast.StageCheckVoidCalls,
	ast.StageCheckRuleConflicts,
	ast.StageCheckSafetyRuleHeads,
	ast.StageCheckRecursion,
	ast.StageCheckTypes,
	ast.StageCheckDeprecatedBuiltins,
}

// header is a module's source up to the end of its package line: the
// package-scoped METADATA block and the package, which is all New needs
// to know the rule. Parsing the headers of the embedded rules takes a
// millisecond where parsing them whole took 40–150 ms.
func header(src []byte) ([]byte, bool) {
	for off := 0; off < len(src); {
		end := bytes.IndexByte(src[off:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += off + 1
		}
		if bytes.HasPrefix(src[off:], []byte("package ")) || bytes.HasPrefix(src[off:], []byte("package\t")) {
			return src[:end], true
		}
		off = end
	}
	return nil, false
}

// readHeaders parses every module's header and returns the annotations
// found there and each module's package.
func readHeaders(mods []Module) (*ast.AnnotationSet, map[string]ast.Ref, error) {
	heads := make([]Module, 0, len(mods))
	for _, m := range mods {
		h, ok := header(m.Source)
		if !ok {
			// No package line to cut at: let the parser say what is wrong.
			h = m.Source
		}
		heads = append(heads, Module{Name: m.Name, Source: h, Builtin: m.Builtin})
	}
	parsed, err := Parse(heads)
	if err != nil {
		return nil, nil, fmt.Errorf("parse rules: %w", err)
	}
	pkgs := make(map[string]ast.Ref, len(parsed))
	list := make([]*ast.Module, 0, len(parsed))
	for _, m := range heads {
		pkgs[m.Name] = parsed[m.Name].Package.Path
		list = append(list, parsed[m.Name])
	}
	as, errs := ast.BuildAnnotationSet(list)
	if len(errs) > 0 {
		return nil, nil, fmt.Errorf("rule metadata: %v", errs)
	}
	return as, pkgs, nil
}

// compileFor compiles the modules the given rules need, in one compiler.
func (e *Engine) compileFor(rules []Rule) (*ast.Compiler, error) {
	parsed, deps, err := e.parseFor(rules)
	if err != nil {
		return nil, err
	}
	return compileModules(e.closure(rules, parsed, deps))
}

// compileModules compiles built-in modules, without the check-only stages.
func compileModules(mods map[string]*ast.Module) (*ast.Compiler, error) {
	c := NewCompiler().WithSkipStages(checkStages...)
	c.Compile(mods)
	if c.Failed() {
		return nil, fmt.Errorf("compile rules:\n%s", explainCompileErrors(c.Errors))
	}
	return c, nil
}

// ruleFiles are the modules of the rule's package.
func (e *Engine) ruleFiles(r Rule) []string {
	var out []string
	for name, pkg := range e.packages {
		if pkg.String() == r.Package {
			out = append(out, name)
		}
	}
	return out
}

// parseFor parses the modules the given rules need: their own modules
// and, transitively, every module holding a package they import or refer
// to under data. deps says which modules each one needs.
func (e *Engine) parseFor(rules []Rule) (map[string]*ast.Module, map[string][]string, error) {
	byName := make(map[string]Module, len(e.mods))
	for _, m := range e.mods {
		byName[m.Name] = m
	}
	want := map[string]bool{}
	var level []string
	add := func(name string) {
		if !want[name] {
			want[name] = true
			level = append(level, name)
		}
	}
	for _, r := range rules {
		for _, name := range e.ruleFiles(r) {
			add(name)
		}
	}
	parsed := map[string]*ast.Module{}
	deps := map[string][]string{}
	for len(level) > 0 {
		sort.Strings(level)
		mods := make([]Module, len(level))
		for i, name := range level {
			mods[i] = byName[name]
		}
		level = nil
		got, err := parseParallel(mods)
		if err != nil {
			return nil, nil, fmt.Errorf("parse rules: %w", err)
		}
		for name, m := range got {
			parsed[name] = m
			for _, dep := range dataRefs(m) {
				for other, pkg := range e.packages {
					if pkg.HasPrefix(dep) || dep.HasPrefix(pkg) {
						deps[name] = append(deps[name], other)
						add(other)
					}
				}
			}
		}
	}
	return parsed, deps, nil
}

// closure is the parsed modules the rules need, following deps.
func (e *Engine) closure(rules []Rule, parsed map[string]*ast.Module, deps map[string][]string) map[string]*ast.Module {
	out := map[string]*ast.Module{}
	var visit func(string)
	visit = func(name string) {
		if _, ok := out[name]; ok {
			return
		}
		out[name] = parsed[name]
		for _, d := range deps[name] {
			visit(d)
		}
	}
	for _, r := range rules {
		for _, name := range e.ruleFiles(r) {
			visit(name)
		}
	}
	return out
}

// sourceSize is the length of the rule's own source, what its share of
// the compile time roughly follows.
func (e *Engine) sourceSize(r Rule) int {
	n := 0
	for _, m := range e.mods {
		if m.Name == r.File {
			n += len(m.Source)
		}
	}
	return n
}

// partition splits rules into at most k groups of about the same size,
// largest first into the lightest group; each group keeps the rules'
// order.
func partition(rules []Rule, k int, size func(Rule) int) [][]Rule {
	k = max(1, min(k, len(rules)))
	order := make([]int, len(rules))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return size(rules[order[a]]) > size(rules[order[b]]) })
	load := make([]int, k)
	of := make([]int, len(rules))
	for _, i := range order {
		g := 0
		for j := range load {
			if load[j] < load[g] {
				g = j
			}
		}
		of[i] = g
		load[g] += size(rules[i])
	}
	groups := make([][]Rule, k)
	for i, r := range rules {
		groups[of[i]] = append(groups[of[i]], r)
	}
	return groups
}

// dataRefs are the ground prefixes of the refs under data a module makes,
// its imports included: what other modules it may read.
func dataRefs(m *ast.Module) []ast.Ref {
	var out []ast.Ref
	keep := func(r ast.Ref) {
		if len(r) == 0 || !r[0].Equal(ast.DefaultRootDocument) {
			return
		}
		out = append(out, r.GroundPrefix())
	}
	for _, imp := range m.Imports {
		if r, ok := imp.Path.Value.(ast.Ref); ok {
			keep(r)
		}
	}
	ast.WalkRefs(m, func(r ast.Ref) bool {
		keep(r)
		return false
	})
	return out
}

// parseParallel is Parse on every core.
func parseParallel(mods []Module) (map[string]*ast.Module, error) {
	parsed := make([]*ast.Module, len(mods))
	errs := make([]error, len(mods))
	parallel.Each(len(mods), func(i int) {
		var pm map[string]*ast.Module
		if pm, errs[i] = Parse(mods[i : i+1]); errs[i] == nil {
			parsed[i] = pm[mods[i].Name]
		}
	})
	out := make(map[string]*ast.Module, len(mods))
	var msgs []string
	for i, m := range mods {
		if errs[i] != nil {
			msgs = append(msgs, errs[i].Error())
			continue
		}
		out[m.Name] = parsed[i]
	}
	if len(msgs) > 0 {
		sort.Strings(msgs)
		return nil, errors.New(strings.Join(msgs, "\n"))
	}
	return out, nil
}
