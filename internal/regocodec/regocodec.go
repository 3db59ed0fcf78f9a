// Package regocodec holds a binary form of compiled OPA modules, so the
// built-in rules can be compiled when ktriage is built instead of on every
// run. OPA has no serialisable compiled form: its compiler state is built
// from the modules, and parsing and rewriting them (0.2–0.4 s of CPU for
// the built-in rules) is most of a small bundle's analysis. What is stored
// here is the modules after every rewriting stage; the engine hands them
// to a compiler that only builds its trees and indices.
//
// The format is private to one build of ktriage: a header names the OPA
// version and a digest of the sources it was made from, and a reader that
// finds another digest is expected to compile from source instead.
package regocodec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/open-policy-agent/opa/v1/ast"
)

// magic starts every blob; the digit is the format's version.
const magic = "ktriage-rego-1\n"

// Module is one compiled module and the modules it reads (by name): what
// must be compiled with it.
type Module struct {
	Name   string
	Deps   []string
	Module *ast.Module
}

// Set is what Encode stores: compiled modules, and the compiler's map
// from rewritten to original variable names (OPA quotes the originals in
// evaluation errors).
type Set struct {
	// Digest identifies the sources and the compiler the set was made
	// from; Open returns it for the reader to compare.
	Digest        string
	Modules       []Module
	RewrittenVars map[ast.Var]ast.Var
	// Meta is stored as given, for the reader's own use (the engine keeps
	// the rules' METADATA there, so a run need not parse any Rego).
	Meta []byte
}

// Value tags.
const (
	tNil byte = iota
	tNull
	tFalse
	tTrue
	tNumber
	tString
	tVar
	tRef
	tArray
	tObject
	tSet
	tArrayCompr
	tObjectCompr
	tSetCompr
	tCall
)

// Expression kinds.
const (
	eTerm byte = iota
	eCall
	eSome
	eEvery
)

// Location text: none, a slice of the module's source, or a string.
const (
	textNone byte = iota
	textSource
	textString
)

// encoder writes one module section; strings go to a table shared by
// every section.
type encoder struct {
	buf     []byte
	strs    map[string]uint64
	strList []string
	src     []byte
	locs    map[locKey]uint64
	locBuf  []byte
	nLocs   uint64
}

type locKey struct {
	text     string
	file     string
	row, col int
	offset   int
	tabs     string
}

func (e *encoder) uint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }
func (e *encoder) int(v int)     { e.buf = binary.AppendVarint(e.buf, int64(v)) }
func (e *encoder) byte(b byte)   { e.buf = append(e.buf, b) }
func (e *encoder) bool(b bool) {
	if b {
		e.byte(1)
	} else {
		e.byte(0)
	}
}

func (e *encoder) strIndex(s string) uint64 {
	if i, ok := e.strs[s]; ok {
		return i
	}
	i := uint64(len(e.strList))
	e.strs[s] = i
	e.strList = append(e.strList, s)
	return i
}

func (e *encoder) str(s string) { e.uint(e.strIndex(s)) }

// loc writes a location as an index into the section's location table
// (0: none). Terms rewritten by the compiler share their original's.
func (e *encoder) loc(l *ast.Location) {
	if l == nil {
		e.uint(0)
		return
	}
	k := locKey{text: string(l.Text), file: l.File, row: l.Row, col: l.Col, offset: l.Offset, tabs: fmt.Sprint(l.Tabs)}
	if i, ok := e.locs[k]; ok {
		e.uint(i)
		return
	}
	e.nLocs++
	e.locs[k] = e.nLocs
	b := e.locBuf
	b = binary.AppendUvarint(b, e.strIndex(l.File))
	b = binary.AppendVarint(b, int64(l.Row))
	b = binary.AppendVarint(b, int64(l.Col))
	b = binary.AppendVarint(b, int64(l.Offset))
	switch {
	case l.Text == nil:
		b = append(b, textNone)
	case l.Offset >= 0 && l.Offset+len(l.Text) <= len(e.src) && bytes.Equal(e.src[l.Offset:l.Offset+len(l.Text)], l.Text):
		b = append(b, textSource)
		b = binary.AppendUvarint(b, uint64(len(l.Text)))
	default:
		b = append(b, textString)
		b = binary.AppendUvarint(b, e.strIndex(string(l.Text)))
	}
	b = binary.AppendUvarint(b, uint64(len(l.Tabs)))
	for _, t := range l.Tabs {
		b = binary.AppendVarint(b, int64(t))
	}
	e.locBuf = b
	e.uint(e.nLocs)
}

func (e *encoder) term(t *ast.Term) error {
	if t == nil {
		e.byte(tNil)
		return nil
	}
	if err := e.value(t.Value); err != nil {
		return err
	}
	e.loc(t.Location)
	return nil
}

func (e *encoder) terms(ts []*ast.Term) error {
	e.uint(uint64(len(ts)))
	for _, t := range ts {
		if err := e.term(t); err != nil {
			return err
		}
	}
	return nil
}

func (e *encoder) value(v ast.Value) error {
	switch v := v.(type) {
	case ast.Null:
		e.byte(tNull)
	case ast.Boolean:
		if v {
			e.byte(tTrue)
		} else {
			e.byte(tFalse)
		}
	case ast.Number:
		e.byte(tNumber)
		e.str(string(v))
	case ast.String:
		e.byte(tString)
		e.str(string(v))
	case ast.Var:
		e.byte(tVar)
		e.str(string(v))
	case ast.Ref:
		e.byte(tRef)
		return e.terms(v)
	case *ast.Array:
		e.byte(tArray)
		e.uint(uint64(v.Len()))
		for i := 0; i < v.Len(); i++ {
			if err := e.term(v.Elem(i)); err != nil {
				return err
			}
		}
	case ast.Object:
		e.byte(tObject)
		e.uint(uint64(v.Len()))
		var err error
		v.Foreach(func(k, val *ast.Term) {
			if err == nil {
				err = e.term(k)
			}
			if err == nil {
				err = e.term(val)
			}
		})
		return err
	case ast.Set:
		e.byte(tSet)
		return e.terms(v.Slice())
	case *ast.ArrayComprehension:
		e.byte(tArrayCompr)
		if err := e.term(v.Term); err != nil {
			return err
		}
		return e.body(v.Body)
	case *ast.ObjectComprehension:
		e.byte(tObjectCompr)
		if err := e.term(v.Key); err != nil {
			return err
		}
		if err := e.term(v.Value); err != nil {
			return err
		}
		return e.body(v.Body)
	case *ast.SetComprehension:
		e.byte(tSetCompr)
		if err := e.term(v.Term); err != nil {
			return err
		}
		return e.body(v.Body)
	case ast.Call:
		e.byte(tCall)
		return e.terms(v)
	default:
		// Template strings, not-bodies and the like are rewritten away by
		// the compiler; meeting one means the compiler changed.
		return fmt.Errorf("regocodec: value of type %T not supported", v)
	}
	return nil
}

func (e *encoder) body(b ast.Body) error {
	e.uint(uint64(len(b)))
	for _, x := range b {
		if err := e.expr(x); err != nil {
			return err
		}
	}
	return nil
}

func (e *encoder) expr(x *ast.Expr) error {
	e.int(x.Index)
	e.bool(x.Generated)
	e.bool(x.Negated)
	e.loc(x.Location)
	e.uint(uint64(len(x.With)))
	for _, w := range x.With {
		if err := e.term(w.Target); err != nil {
			return err
		}
		if err := e.term(w.Value); err != nil {
			return err
		}
		e.loc(w.Location)
	}
	switch t := x.Terms.(type) {
	case *ast.Term:
		e.byte(eTerm)
		return e.term(t)
	case []*ast.Term:
		e.byte(eCall)
		return e.terms(t)
	case *ast.SomeDecl:
		e.byte(eSome)
		e.loc(t.Location)
		return e.terms(t.Symbols)
	case *ast.Every:
		e.byte(eEvery)
		e.loc(t.Location)
		for _, tt := range []*ast.Term{t.Key, t.Value, t.Domain} {
			if err := e.term(tt); err != nil {
				return err
			}
		}
		return e.body(t.Body)
	default:
		return fmt.Errorf("regocodec: expression of type %T not supported", x.Terms)
	}
}

func (e *encoder) rule(r *ast.Rule) error {
	e.loc(r.Location)
	e.bool(r.Default)
	h := r.Head
	e.str(string(h.Name))
	if err := e.terms(h.Reference); err != nil {
		return err
	}
	if err := e.terms(h.Args); err != nil {
		return err
	}
	if err := e.term(h.Key); err != nil {
		return err
	}
	if err := e.term(h.Value); err != nil {
		return err
	}
	e.bool(h.Assign)
	e.loc(h.Location)
	if err := e.body(r.Body); err != nil {
		return err
	}
	e.bool(r.Else != nil)
	if r.Else != nil {
		return e.rule(r.Else)
	}
	return nil
}

func (e *encoder) module(m *ast.Module) error {
	if len(m.Imports) > 0 {
		return errors.New("regocodec: module still has imports: not compiled")
	}
	span := m.RegoVersionSpan()
	e.uint(uint64(span.Min()))
	e.uint(uint64(span.Max()))
	e.loc(m.Package.Location)
	if err := e.terms(m.Package.Path); err != nil {
		return err
	}
	e.uint(uint64(len(m.Rules)))
	for _, r := range m.Rules {
		if err := e.rule(r); err != nil {
			return err
		}
	}
	return nil
}

// Encode writes the set. sources are the modules' source texts, by name:
// locations quote them, and the blob stores only where.
func Encode(set Set, sources map[string][]byte) ([]byte, error) {
	e := &encoder{strs: map[string]uint64{}}
	type section struct {
		name       string
		deps       []string
		pkg        []byte
		locs, body []byte
	}
	var secs []section
	mods := append([]Module(nil), set.Modules...)
	sort.Slice(mods, func(i, j int) bool { return mods[i].Name < mods[j].Name })
	for _, m := range mods {
		e.buf, e.locBuf, e.nLocs, e.locs, e.src = nil, nil, 0, map[locKey]uint64{}, sources[m.Name]
		if err := e.module(m.Module); err != nil {
			return nil, fmt.Errorf("%s: %w", m.Name, err)
		}
		body := e.buf
		deps := append([]string(nil), m.Deps...)
		sort.Strings(deps)
		e.strIndex(m.Name)
		for _, d := range deps {
			e.strIndex(d)
		}
		locs := binary.AppendUvarint(nil, e.nLocs)
		// The package path again, in the index, so a reader learns every
		// module's package without decoding any.
		e.buf = nil
		path := m.Module.Package.Path.Copy()
		for _, t := range path {
			t.Location = nil
		}
		if err := e.terms(path); err != nil {
			return nil, err
		}
		pkg := e.buf
		secs = append(secs, section{name: m.Name, deps: deps, pkg: pkg, locs: append(locs, e.locBuf...), body: body})
	}
	vars := make([]string, 0, len(set.RewrittenVars))
	for k := range set.RewrittenVars {
		vars = append(vars, string(k))
	}
	sort.Strings(vars)
	// Every string is in the table before the table is written.
	var rw []byte
	rw = binary.AppendUvarint(rw, uint64(len(vars)))
	for _, k := range vars {
		rw = binary.AppendUvarint(rw, e.strIndex(k))
		rw = binary.AppendUvarint(rw, e.strIndex(string(set.RewrittenVars[ast.Var(k)])))
	}
	out := []byte(magic)
	out = binary.AppendUvarint(out, uint64(len(set.Digest)))
	out = append(out, set.Digest...)
	out = binary.AppendUvarint(out, uint64(len(set.Meta)))
	out = append(out, set.Meta...)
	out = binary.AppendUvarint(out, uint64(len(e.strList)))
	for _, s := range e.strList {
		out = binary.AppendUvarint(out, uint64(len(s)))
		out = append(out, s...)
	}
	out = append(out, rw...)
	out = binary.AppendUvarint(out, uint64(len(secs)))
	for _, s := range secs {
		out = binary.AppendUvarint(out, e.strIndex(s.name))
		out = binary.AppendUvarint(out, uint64(len(s.deps)))
		for _, d := range s.deps {
			out = binary.AppendUvarint(out, e.strIndex(d))
		}
		out = binary.AppendUvarint(out, uint64(len(s.pkg)))
		out = append(out, s.pkg...)
		out = binary.AppendUvarint(out, uint64(len(s.locs)+len(s.body)))
		out = append(out, s.locs...)
		out = append(out, s.body...)
	}
	return out, nil
}
