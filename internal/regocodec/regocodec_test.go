package regocodec_test

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/ktriage/ktriage/internal/regocodec"
	"github.com/ktriage/ktriage/rules"
)

// compiledRules compiles ktriage's built-in rules: the largest body of
// Rego at hand, and the one the codec exists for.
func compiledRules(t testing.TB) (map[string]*ast.Module, map[string][]byte, *ast.Compiler) {
	t.Helper()
	mods := map[string]*ast.Module{}
	srcs := map[string][]byte{}
	err := fs.WalkDir(rules.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") || strings.HasSuffix(p, "_test.rego") {
			return err
		}
		src, err := fs.ReadFile(rules.FS, p)
		if err != nil {
			return err
		}
		m, err := ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
		if err != nil {
			return err
		}
		mods[p], srcs[p] = m, src
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c := ast.NewCompiler().WithEnablePrintStatements(true)
	c.Compile(mods)
	if c.Failed() {
		t.Fatal(c.Errors)
	}
	return c.Modules, srcs, c
}

// locations lists every location in the module, in walk order.
func locations(m *ast.Module) []string {
	var out []string
	add := func(kind string, l *ast.Location) {
		if l == nil {
			out = append(out, kind+" -")
			return
		}
		out = append(out, fmt.Sprintf("%s %s:%d:%d@%d %q %v", kind, l.File, l.Row, l.Col, l.Offset, l.Text, l.Tabs))
	}
	ast.WalkNodes(m, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Term:
			add("term", n.Location)
		case *ast.Expr:
			add("expr", n.Location)
		case *ast.Rule:
			add("rule", n.Location)
		case *ast.Head:
			add("head", n.Location)
		case *ast.With:
			add("with", n.Location)
		case *ast.SomeDecl:
			add("some", n.Location)
		case *ast.Every:
			add("every", n.Location)
		case *ast.Package:
			add("package", n.Location)
		}
		return false
	})
	return out
}

// Every compiled module comes back equal, printing the same, with every
// location and every rule's module pointer.
func TestRoundTrip(t *testing.T) {
	mods, srcs, c := compiledRules(t)
	set := regocodec.Set{Digest: "d1", RewrittenVars: c.RewrittenVars}
	for name, m := range mods {
		set.Modules = append(set.Modules, regocodec.Module{Name: name, Deps: []string{"b", "a"}, Module: m})
	}
	data, err := regocodec.Encode(set, srcs)
	if err != nil {
		t.Fatal(err)
	}
	again, err := regocodec.Encode(set, srcs)
	if err != nil || string(again) != string(data) {
		t.Fatalf("encoding is not deterministic (err %v)", err)
	}
	b, err := regocodec.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	if b.Digest() != "d1" {
		t.Errorf("digest %q", b.Digest())
	}
	if len(b.RewrittenVars()) != len(c.RewrittenVars) || len(c.RewrittenVars) == 0 {
		t.Errorf("rewritten vars: %d, compiler had %d", len(b.RewrittenVars()), len(c.RewrittenVars))
	}
	for k, v := range c.RewrittenVars {
		if b.RewrittenVars()[k] != v {
			t.Errorf("rewritten %v: %v, want %v", k, b.RewrittenVars()[k], v)
		}
	}
	for name, m := range mods {
		got, err := b.Module(name, srcs[name])
		if err != nil {
			t.Fatal(err)
		}
		// Annotations and comments are not kept: the compiler has
		// already turned rego.metadata calls into values.
		bare := m.Copy()
		bare.Annotations, bare.Comments = nil, nil
		for _, r := range bare.Rules {
			r.Annotations = nil
		}
		if !got.Equal(bare) {
			t.Errorf("%s: decoded module differs", name)
		}
		if got.String() != bare.String() {
			t.Errorf("%s: prints differently:\n%s\nwant:\n%s", name, got, bare)
		}
		if got.RegoVersionSpan() != m.RegoVersionSpan() {
			t.Errorf("%s: rego version %v, want %v", name, got.RegoVersionSpan(), m.RegoVersionSpan())
		}
		gl, wl := locations(got), locations(m)
		if strings.Join(gl, "\n") != strings.Join(wl, "\n") {
			for i := range min(len(gl), len(wl)) {
				if gl[i] != wl[i] {
					t.Errorf("%s: location %d: %s, want %s", name, i, gl[i], wl[i])
					break
				}
			}
			t.Errorf("%s: %d locations, want %d", name, len(gl), len(wl))
		}
		for _, r := range got.Rules {
			for e := r; e != nil; e = e.Else {
				if e.Module != got {
					t.Fatalf("%s: rule %v does not point at its module", name, r.Head.Ref())
				}
			}
		}
		if d := b.Deps(name); len(d) != 2 || d[0] != "a" || d[1] != "b" {
			t.Errorf("%s: deps %v", name, d)
		}
	}
}

// A module still holding imports or a value the codec does not know is
// refused, not half written.
func TestEncodeRefusesUncompiled(t *testing.T) {
	m := ast.MustParseModuleWithOpts("package p\nimport data.q\nx := q.y\n", ast.ParserOptions{RegoVersion: ast.RegoV1})
	if _, err := regocodec.Encode(regocodec.Set{Modules: []regocodec.Module{{Name: "p.rego", Module: m}}}, nil); err == nil {
		t.Fatal("a module with imports was encoded")
	}
	m = ast.MustParseModuleWithOpts("package p\nx := $\"a{1}\"\n", ast.ParserOptions{RegoVersion: ast.RegoV1})
	if _, err := regocodec.Encode(regocodec.Set{Modules: []regocodec.Module{{Name: "p.rego", Module: m}}}, nil); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("a template string was encoded (err %v)", err)
	}
}

// Damaged data is an error from Open or Module, never a panic: every
// cut of a real blob, and every byte of it changed.
func TestDamagedData(t *testing.T) {
	mods, srcs, _ := compiledRules(t)
	name := "lib/text.rego"
	set := regocodec.Set{Digest: "d", Modules: []regocodec.Module{{Name: name, Module: mods[name]}}}
	data, err := regocodec.Encode(set, srcs)
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(data); n++ {
		if _, err := regocodec.Open(data[:n]); err == nil {
			t.Fatalf("cut at %d of %d: no error", n, len(data))
		}
	}
	for i := range data {
		bad := append([]byte(nil), data...)
		bad[i] ^= 0xff
		decodeAll(bad, srcs)
	}
}

func decodeAll(data []byte, srcs map[string][]byte) {
	b, err := regocodec.Open(data)
	if err != nil {
		return
	}
	for name := range srcs {
		if b.Has(name) {
			_, _ = b.Module(name, srcs[name])
		}
	}
	_, _ = b.Module("lib/text.rego", nil)
}

func FuzzOpen(f *testing.F) {
	mods, srcs, _ := compiledRules(f)
	for _, name := range []string{"lib/text.rego", "lib/run.rego"} {
		data, err := regocodec.Encode(regocodec.Set{Digest: "d", Modules: []regocodec.Module{{Name: name, Module: mods[name]}}}, srcs)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeAll(data, srcs)
	})
}

// BenchmarkDecode decodes every built-in module from the embedded
// compiled set, as a run calling for every rule would.
func BenchmarkDecode(b *testing.B) {
	data := rules.Compiled()
	blob, err := regocodec.Open(data)
	if err != nil {
		b.Fatal(err)
	}
	srcs := map[string][]byte{}
	for _, name := range blob.Names() {
		if srcs[name], err = fs.ReadFile(rules.FS, strings.TrimPrefix(name, "rules/")); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		for name, src := range srcs {
			if _, err := blob.Module(name, src); err != nil {
				b.Fatal(err)
			}
		}
	}
}
