package regocodec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Blob is an opened set: its index read, its modules decoded on demand.
type Blob struct {
	digest   string
	meta     []byte
	strs     []string
	rewrites map[ast.Var]ast.Var
	sections map[string]section
}

type section struct {
	deps []string
	pkg  []byte
	data []byte
}

// errCorrupt stops a decode that runs past its data or meets an unknown
// tag; Open and Module return it wrapped.
var errCorrupt = errors.New("regocodec: corrupt data")

type reader struct {
	data []byte
	pos  int
	strs []string
}

func (r *reader) uint() uint64 {
	v, n := binary.Uvarint(r.data[r.pos:])
	if n <= 0 {
		panic(errCorrupt)
	}
	r.pos += n
	return v
}

// count is a length that must fit in what is left.
func (r *reader) count() int {
	v := r.uint()
	if v > uint64(len(r.data)-r.pos) {
		panic(errCorrupt)
	}
	return int(v)
}

func (r *reader) int() int {
	v, n := binary.Varint(r.data[r.pos:])
	if n <= 0 {
		panic(errCorrupt)
	}
	r.pos += n
	return int(v)
}

func (r *reader) byte() byte {
	if r.pos >= len(r.data) {
		panic(errCorrupt)
	}
	b := r.data[r.pos]
	r.pos++
	return b
}

func (r *reader) bool() bool { return r.byte() != 0 }

func (r *reader) str() string {
	i := r.uint()
	if i >= uint64(len(r.strs)) {
		panic(errCorrupt)
	}
	return r.strs[i]
}

// bytes returns the next n bytes, in place.
func (r *reader) bytes(n int) []byte {
	if n < 0 || n > len(r.data)-r.pos {
		panic(errCorrupt)
	}
	b := r.data[r.pos : r.pos+n : r.pos+n]
	r.pos += n
	return b
}

func catch(err *error) {
	if p := recover(); p != nil {
		if p != errCorrupt {
			panic(p)
		}
		*err = errCorrupt
	}
}

// Open reads data's header and index. data is the blob itself, not a
// copy: strings point into it, so it must not change afterwards (the
// engine's is embedded in the binary).
func Open(data []byte) (b *Blob, err error) {
	defer catch(&err)
	if len(data) < len(magic) || string(data[:len(magic)]) != magic {
		return nil, fmt.Errorf("regocodec: not a compiled rule set of this format")
	}
	r := &reader{data: data, pos: len(magic)}
	b = &Blob{sections: map[string]section{}}
	b.digest = string(r.bytes(r.count()))
	b.meta = r.bytes(r.count())
	n := r.count()
	r.strs = make([]string, n)
	for i := range r.strs {
		s := r.bytes(r.count())
		if len(s) > 0 {
			r.strs[i] = unsafe.String(&s[0], len(s))
		}
	}
	b.strs = r.strs
	nv := r.count()
	b.rewrites = make(map[ast.Var]ast.Var, nv)
	for range nv {
		k := r.str()
		b.rewrites[ast.Var(k)] = ast.Var(r.str())
	}
	ns := r.count()
	for range ns {
		name := r.str()
		deps := make([]string, r.count())
		for i := range deps {
			deps[i] = r.str()
		}
		pkg := r.bytes(r.count())
		b.sections[name] = section{deps: deps, pkg: pkg, data: r.bytes(r.count())}
	}
	if r.pos != len(data) {
		return nil, errCorrupt
	}
	return b, nil
}

// Digest is the digest the set was encoded with.
func (b *Blob) Digest() string { return b.digest }

// Has says whether the blob holds the module.
func (b *Blob) Has(name string) bool {
	_, ok := b.sections[name]
	return ok
}

// Meta is what the set was encoded with as Meta; the caller must not
// change it.
func (b *Blob) Meta() []byte { return b.meta }

// Names are the modules the blob holds, in no order.
func (b *Blob) Names() []string {
	out := make([]string, 0, len(b.sections))
	for name := range b.sections {
		out = append(out, name)
	}
	return out
}

// Package is the named module's package path, read from the index alone.
func (b *Blob) Package(name string) (ref ast.Ref, err error) {
	sec, ok := b.sections[name]
	if !ok {
		return nil, fmt.Errorf("regocodec: no module %q", name)
	}
	defer catch(&err)
	d := &decoder{reader: reader{data: sec.pkg, strs: b.strs}}
	ref = ast.Ref(d.terms())
	if d.pos != len(d.data) || len(ref) == 0 {
		return nil, errCorrupt
	}
	return ref, nil
}

// Deps are the modules the named one reads.
func (b *Blob) Deps(name string) []string { return b.sections[name].deps }

// RewrittenVars is the compiler's map from rewritten to original names,
// for every module of the set. The caller may keep it but not change it.
func (b *Blob) RewrittenVars() map[ast.Var]ast.Var { return b.rewrites }

// Module decodes the named module. src is its source text, which the
// locations quote.
func (b *Blob) Module(name string, src []byte) (m *ast.Module, err error) {
	sec, ok := b.sections[name]
	if !ok {
		return nil, fmt.Errorf("regocodec: no module %q", name)
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("%s: %w", name, err)
		}
	}()
	defer catch(&err)
	d := &decoder{reader: reader{data: sec.data, strs: b.strs}, src: src}
	d.readLocs()
	m = d.module()
	if d.pos != len(d.data) {
		return nil, errCorrupt
	}
	return m, nil
}

type decoder struct {
	reader
	src  []byte
	locs []ast.Location
	// Terms, term lists and expressions are carved from slabs: one
	// allocation per few hundred instead of one each (a decode was 244,000
	// allocations for the built-in rules). A slab lives as long as any of
	// its pieces, which is as long as the module.
	termSlab []ast.Term
	listSlab []*ast.Term
	exprSlab []ast.Expr
}

const slabLen = 256

func (d *decoder) newTerm(v ast.Value, loc *ast.Location) *ast.Term {
	if len(d.termSlab) == 0 {
		d.termSlab = make([]ast.Term, slabLen)
	}
	t := &d.termSlab[0]
	d.termSlab = d.termSlab[1:]
	t.Value, t.Location = v, loc
	return t
}

// termList is a list of n terms; its capacity is n, so that an append by
// its user cannot write over the next list.
func (d *decoder) termList(n int) []*ast.Term {
	if n > slabLen/4 {
		return make([]*ast.Term, n)
	}
	if len(d.listSlab) < n {
		d.listSlab = make([]*ast.Term, slabLen)
	}
	l := d.listSlab[:n:n]
	d.listSlab = d.listSlab[n:]
	return l
}

func (d *decoder) newExpr() *ast.Expr {
	if len(d.exprSlab) == 0 {
		d.exprSlab = make([]ast.Expr, slabLen/4)
	}
	x := &d.exprSlab[0]
	d.exprSlab = d.exprSlab[1:]
	return x
}

func (d *decoder) readLocs() {
	n := d.count()
	d.locs = make([]ast.Location, n)
	var tabs []int
	for i := range d.locs {
		l := &d.locs[i]
		l.File = d.str()
		l.Row, l.Col, l.Offset = d.int(), d.int(), d.int()
		switch d.byte() {
		case textNone:
		case textSource:
			n := d.uint()
			if l.Offset < 0 || uint64(l.Offset)+n > uint64(len(d.src)) {
				panic(errCorrupt)
			}
			l.Text = d.src[l.Offset : l.Offset+int(n) : l.Offset+int(n)]
		case textString:
			l.Text = []byte(d.str())
		default:
			panic(errCorrupt)
		}
		if nt := d.count(); nt > 0 {
			// Most locations have a tab or two before them: one slab for
			// all (a third of a decode's allocations otherwise).
			if len(tabs) < nt {
				tabs = make([]int, max(nt, slabLen))
			}
			l.Tabs, tabs = tabs[:nt:nt], tabs[nt:]
			for j := range l.Tabs {
				l.Tabs[j] = d.int()
			}
		}
	}
}

func (d *decoder) loc() *ast.Location {
	i := d.uint()
	if i == 0 {
		return nil
	}
	if i > uint64(len(d.locs)) {
		panic(errCorrupt)
	}
	return &d.locs[i-1]
}

func (d *decoder) term() *ast.Term {
	v := d.value()
	if v == nil {
		return nil
	}
	return d.newTerm(v, d.loc())
}

func (d *decoder) terms() []*ast.Term {
	n := d.count()
	if n == 0 {
		return nil
	}
	ts := d.termList(n)
	for i := range ts {
		ts[i] = d.term()
	}
	return ts
}

func (d *decoder) value() ast.Value {
	switch d.byte() {
	case tNil:
		return nil
	case tNull:
		return ast.NullValue
	case tFalse:
		return ast.Boolean(false)
	case tTrue:
		return ast.Boolean(true)
	case tNumber:
		return ast.Number(d.str())
	case tString:
		return ast.String(d.str())
	case tVar:
		return ast.Var(d.str())
	case tRef:
		return ast.Ref(d.terms())
	case tArray:
		return ast.NewArray(d.terms()...)
	case tObject:
		n := d.count()
		pairs := make([][2]*ast.Term, n)
		for i := range pairs {
			pairs[i] = [2]*ast.Term{d.term(), d.term()}
		}
		return ast.NewObject(pairs...)
	case tSet:
		return ast.NewSet(d.terms()...)
	case tArrayCompr:
		t := d.term()
		return &ast.ArrayComprehension{Term: t, Body: d.body()}
	case tObjectCompr:
		k, v := d.term(), d.term()
		return &ast.ObjectComprehension{Key: k, Value: v, Body: d.body()}
	case tSetCompr:
		t := d.term()
		return &ast.SetComprehension{Term: t, Body: d.body()}
	case tCall:
		return ast.Call(d.terms())
	}
	panic(errCorrupt)
}

func (d *decoder) body() ast.Body {
	n := d.count()
	b := make(ast.Body, n)
	for i := range b {
		b[i] = d.expr()
	}
	return b
}

func (d *decoder) expr() *ast.Expr {
	x := d.newExpr()
	x.Index, x.Generated, x.Negated, x.Location = d.int(), d.bool(), d.bool(), d.loc()
	if n := d.count(); n > 0 {
		x.With = make([]*ast.With, n)
		for i := range x.With {
			t, v := d.term(), d.term()
			x.With[i] = &ast.With{Target: t, Value: v, Location: d.loc()}
		}
	}
	switch d.byte() {
	case eTerm:
		x.Terms = d.term()
	case eCall:
		x.Terms = d.terms()
	case eSome:
		loc := d.loc()
		x.Terms = &ast.SomeDecl{Location: loc, Symbols: d.terms()}
	case eEvery:
		loc := d.loc()
		k, v, dom := d.term(), d.term(), d.term()
		x.Terms = &ast.Every{Location: loc, Key: k, Value: v, Domain: dom, Body: d.body()}
	default:
		panic(errCorrupt)
	}
	return x
}

func (d *decoder) rule(m *ast.Module) *ast.Rule {
	r := &ast.Rule{Location: d.loc(), Default: d.bool(), Module: m}
	h := &ast.Head{Name: ast.Var(d.str())}
	h.Reference = ast.Ref(d.terms())
	h.Args = ast.Args(d.terms())
	h.Key = d.term()
	h.Value = d.term()
	h.Assign = d.bool()
	h.Location = d.loc()
	r.Head = h
	r.Body = d.body()
	if d.bool() {
		r.Else = d.rule(m)
	}
	return r
}

func (d *decoder) module() *ast.Module {
	lo, hi := ast.RegoVersion(d.uint()), ast.RegoVersion(d.uint())
	m := &ast.Module{}
	span, err := ast.NewRegoVersionSpan(lo, hi)
	if err != nil {
		panic(errCorrupt)
	}
	m.SetRegoVersionSpan(span)
	m.Package = &ast.Package{Location: d.loc()}
	m.Package.Path = ast.Ref(d.terms())
	n := d.count()
	m.Rules = make([]*ast.Rule, n)
	for i := range m.Rules {
		m.Rules[i] = d.rule(m)
	}
	return m
}
