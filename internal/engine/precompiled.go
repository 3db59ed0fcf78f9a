package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"sort"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/version"

	"github.com/ktriage/ktriage/internal/regocodec"
)

// CompiledFile is where, in the built-in rule tree, the rules compiled at
// build time are kept (`make precompile` writes it; a test fails when it
// is stale). Parsing and compiling the rules a cluster dump calls for
// cost 0.2 s of wall time on every run, four fifths of a small bundle's
// analysis; reading them compiled costs a few milliseconds.
const CompiledFile = "compiled.bin"

// builtStages are the stages a precompiled module still goes through:
// those that build the compiler's own state (trees and indices, keyed by
// the compiler's copies of the modules). Every other stage rewrites or
// checks modules, and the stored modules are their output.
var builtStages = map[ast.StageID]bool{
	ast.StageSetModuleTree:             true,
	ast.StageSetRuleTree:               true,
	ast.StageBuildRuleIndices:          true,
	ast.StageBuildComprehensionIndices: true,
}

// allStages are OPA's compiler stages (v1.22). An OPA upgrade changes the
// digest, so the stored rules are compiled from source until they are
// made again and this list is checked (TestPrecompiledMatchesSource).
var allStages = []ast.StageID{
	ast.StageResolveRefs, ast.StageCheckUnusedImports, ast.StageInitLocalVarGen,
	ast.StageRewriteRuleHeadRefs, ast.StageCheckKeywordOverrides, ast.StageCheckDuplicateImports,
	ast.StageRemoveImports, ast.StageSetModuleTree, ast.StageSetRuleTree, ast.StageRewriteLocalVars,
	ast.StageRewriteTemplateStrings, ast.StageCheckVoidCalls, ast.StageRewritePrintCalls,
	ast.StageRewriteExprTerms, ast.StageParseMetadataBlocks, ast.StageSetAnnotationSet,
	ast.StageRewriteRegoMetadataCalls, ast.StageSetGraph, ast.StageRewriteComprehensionTerms,
	ast.StageRewriteRefsInHead, ast.StageRewriteWithValues, ast.StageCheckRuleConflicts,
	ast.StageCheckUndefinedFuncs, ast.StageCheckSafetyRuleHeads, ast.StageCheckSafetyRuleBodies,
	ast.StageRewriteEquals, ast.StageRewriteDynamicTerms, ast.StageRewriteTestRulesForTracing,
	ast.StageCheckRecursion, ast.StageCheckTypes, ast.StageCheckUnsafeBuiltins,
	ast.StageCheckDeprecatedBuiltins, ast.StageBuildRuleIndices, ast.StageBuildComprehensionIndices,
	ast.StageBuildRequiredCapabilities,
}

// sourceDigest names what a compiled set was made from: the OPA version,
// the sandbox, the stages kept, and every built-in module's name and
// source. A blob with another digest is not used.
func sourceDigest(mods []Module) string {
	h := sha256.New()
	fmt.Fprintf(h, "opa %s\n", version.Version)
	for _, name := range slices.Sorted(maps.Keys(denied)) {
		fmt.Fprintf(h, "denied %s\n", name)
	}
	for _, s := range allStages {
		fmt.Fprintf(h, "stage %s %v\n", s, builtStages[s] || s == installAfter)
	}
	for _, m := range mods {
		if m.Builtin {
			fmt.Fprintf(h, "module %s %d\n", m.Name, len(m.Source))
			h.Write(m.Source)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// openCompiled returns the built-in tree's compiled rules, or why they
// cannot be used (absent, stale, unreadable): the engine then compiles
// from source, which is slower and gives the same results.
func openCompiled(builtin fs.FS, data []byte, mods []Module) (*regocodec.Blob, error) {
	if data == nil {
		if builtin == nil {
			return nil, fmt.Errorf("no built-in rule tree")
		}
		var err error
		if data, err = fs.ReadFile(builtin, CompiledFile); err != nil {
			return nil, err
		}
	}
	b, err := regocodec.Open(data)
	if err != nil {
		return nil, err
	}
	if b.Digest() != sourceDigest(mods) {
		return nil, fmt.Errorf("%s was made from other rules or another OPA: run `make precompile`", CompiledFile)
	}
	for _, m := range mods {
		if m.Builtin && !b.Has(m.Name) {
			return nil, fmt.Errorf("%s lacks %s: run `make precompile`", CompiledFile, m.Name)
		}
	}
	return b, nil
}

// Precompile compiles every built-in rule of the tree and encodes the
// result, with each module's dependencies, for CompiledFile.
func Precompile(builtin fs.FS) ([]byte, error) {
	mods, err := LoadModules(builtin, nil, false)
	if err != nil {
		return nil, err
	}
	parsed, err := Parse(mods)
	if err != nil {
		return nil, err
	}
	pkgs := map[string]ast.Ref{}
	for name, m := range parsed {
		pkgs[name] = m.Package.Path
	}
	c, err := compileModules(parsed)
	if err != nil {
		return nil, err
	}
	files := map[string]bool{}
	for _, m := range mods {
		files[m.Name] = true
	}
	found, err := discover(c.GetAnnotationSet(), files)
	if err != nil {
		return nil, err
	}
	meta, err := json.Marshal(compiledMetadata{Rules: found, Indexed: indexedRules(c)})
	if err != nil {
		return nil, err
	}
	set := regocodec.Set{Digest: sourceDigest(mods), RewrittenVars: c.RewrittenVars, Meta: meta}
	sources := map[string][]byte{}
	for _, m := range mods {
		sources[m.Name] = m.Source
		var deps []string
		for _, dep := range dataRefs(parsed[m.Name]) {
			for other, pkg := range pkgs {
				if other != m.Name && (pkg.HasPrefix(dep) || dep.HasPrefix(pkg)) && !slices.Contains(deps, other) {
					deps = append(deps, other)
				}
			}
		}
		set.Modules = append(set.Modules, regocodec.Module{Name: m.Name, Deps: deps, Module: c.Modules[m.Name]})
	}
	return regocodec.Encode(set, sources)
}

// compilePrecompiled builds a compiler over modules decoded from the
// compiled set: only the stages that build the compiler's state run.
//
// Compile deep-copies every module it is given, a sixth of a small dump's
// CPU, and pointless here: the modules were decoded for this compiler
// alone. So Compile gets stand-ins (the package alone, which set the
// module names the compiler walks), and a stage of ours, run after
// RemoveImports (a no-op on modules without imports, as stored ones are)
// and before the trees are built, puts the decoded modules in their place.
// The decoded modules are not changed: other compilers may share them.
//
// Building the comprehension indices walks every rule body, another sixth
// of the CPU, and finds an index in a few rules only: indexed (from the
// compiled set) says which. While that stage runs, each module shows the
// compiler those rules alone, the same *ast.Rule values, so the indices
// it builds are keyed by the terms evaluation will meet.
func compilePrecompiled(mods map[string]*ast.Module, rewritten map[ast.Var]ast.Var, indexed map[string][]int) (*ast.Compiler, error) {
	var skip []ast.StageID
	for _, s := range allStages {
		if !builtStages[s] && s != installAfter {
			skip = append(skip, s)
		}
	}
	stand := make(map[string]*ast.Module, len(mods))
	narrow := make(map[string]*ast.Module, len(mods))
	for name, m := range mods {
		if len(m.Imports) > 0 {
			return nil, fmt.Errorf("compiled module %s has imports: run `make precompile`", name)
		}
		stand[name] = &ast.Module{Package: m.Package}
		n := &ast.Module{Package: m.Package}
		for _, i := range indexed[name] {
			if i < 0 || i >= len(m.Rules) {
				return nil, fmt.Errorf("compiled module %s has no rule %d: run `make precompile`", name, i)
			}
			n.Rules = append(n.Rules, m.Rules[i])
		}
		narrow[name] = n
	}
	swap := func(name string, to map[string]*ast.Module) ast.CompilerStageDefinition {
		return ast.CompilerStageDefinition{Name: "ktriage." + name, MetricName: "ktriage_" + name, Stage: func(c *ast.Compiler) *ast.Error {
			maps.Copy(c.Modules, to)
			return nil
		}}
	}
	c := NewCompiler().WithSkipStages(skip...).
		WithStageAfter(string(installAfter), swap("install_decoded_modules", mods)).
		WithStageAfter(string(ast.StageBuildRuleIndices), swap("show_indexed_rules", narrow)).
		WithStageAfter(string(ast.StageBuildComprehensionIndices), swap("restore_decoded_modules", mods))
	// Evaluation errors name the variables as the rule's author wrote
	// them; the compiler only reads this map once the modules are built.
	c.RewrittenVars = rewritten
	c.Compile(stand)
	if c.Failed() {
		return nil, fmt.Errorf("compile rules:\n%s", explainCompileErrors(c.Errors))
	}
	return c, nil
}

// installAfter is the stage after which compilePrecompiled's decoded
// modules replace the stand-ins: the last one before the module tree.
const installAfter = ast.StageRemoveImports

// decodeFor decodes the modules the rules need from the compiled set:
// their own and, transitively, what those read. With a cache, each module
// is decoded once for every group of one Prepare: the helper modules most
// rules read are a sixth of what each group decodes.
func (e *Engine) decodeFor(rules []Rule, cache *decoded) (map[string]*ast.Module, error) {
	src := map[string][]byte{}
	for _, m := range e.mods {
		src[m.Name] = m.Source
	}
	out := map[string]*ast.Module{}
	var visit func(string) error
	visit = func(name string) error {
		if _, ok := out[name]; ok {
			return nil
		}
		m, err := cache.module(name, func() (*ast.Module, error) { return e.compiled.Module(name, src[name]) })
		if err != nil {
			return err
		}
		out[name] = m
		for _, d := range e.compiled.Deps(name) {
			if err := visit(d); err != nil {
				return err
			}
		}
		return nil
	}
	var names []string
	for _, r := range rules {
		names = append(names, e.ruleFiles(r)...)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// decoded holds the modules decoded for one Prepare, shared by its
// groups' compilers. Sharing is sound because nothing writes to a
// compiled module: the stages compilePrecompiled runs build the
// compiler's own trees and indices from it, and evaluation only reads it
// (OPA evaluates one compiler's modules from many goroutines at once).
type decoded struct {
	mu   sync.Mutex
	mods map[string]func() (*ast.Module, error)
}

// module decodes the named module once; a nil cache decodes every time.
func (d *decoded) module(name string, decode func() (*ast.Module, error)) (*ast.Module, error) {
	if d == nil {
		return decode()
	}
	d.mu.Lock()
	if d.mods == nil {
		d.mods = map[string]func() (*ast.Module, error){}
	}
	get, ok := d.mods[name]
	if !ok {
		get = sync.OnceValues(decode)
		d.mods[name] = get
	}
	d.mu.Unlock()
	return get()
}

// PrecompiledError says why the engine compiles its built-in rules from
// source, or nil when it reads them compiled.
func (e *Engine) PrecompiledError() error {
	if e.full != nil {
		return errors.New("user rules are compiled with the built-in ones")
	}
	return e.compiledErr
}

// compiledMeta is what New would read from the modules' headers: the
// rules' METADATA and each module's package.
func compiledMeta(b *regocodec.Blob) (compiledMetadata, map[string]ast.Ref, error) {
	var meta compiledMetadata
	if err := json.Unmarshal(b.Meta(), &meta); err != nil {
		return meta, nil, fmt.Errorf("%s: %w", CompiledFile, err)
	}
	if meta.Indexed == nil {
		return meta, nil, fmt.Errorf("%s does not say which rules index comprehensions: run `make precompile`", CompiledFile)
	}
	pkgs := map[string]ast.Ref{}
	for _, name := range b.Names() {
		ref, err := b.Package(name)
		if err != nil {
			return meta, nil, err
		}
		pkgs[name] = ref
	}
	return meta, pkgs, nil
}

// compiledMetadata is what the compiled set holds beside the modules.
type compiledMetadata struct {
	Rules []Rule
	// Indexed lists, per module, the positions of the rules in which the
	// compiler indexed a comprehension (see compilePrecompiled).
	Indexed map[string][]int
}

// indexedRules lists, per module of c, the positions of the rules (else
// branches included) holding a comprehension c indexed.
func indexedRules(c *ast.Compiler) map[string][]int {
	out := map[string][]int{}
	for name, m := range c.Modules {
		out[name] = []int{}
		for i, r := range m.Rules {
			found := false
			ast.WalkTerms(r, func(t *ast.Term) bool {
				found = found || c.ComprehensionIndex(t) != nil
				return found
			})
			if found {
				out[name] = append(out[name], i)
			}
		}
	}
	return out
}
