// Package jsonast reads JSON text straight into OPA's value types.
//
// A large dump is mostly its objects. Decoding them with encoding/json into
// Go maps and converting those with ast.InterfaceToValue built every object
// twice, and both copies were alive together while the rules' input was
// built; this package builds the OPA form once. Its output equals what
// encoding/json (with UseNumber) followed by ast.InterfaceToValue gives for
// the same text, which the package's differential fuzz target checks.
package jsonast

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Skip says whether the member key of the object reached by path (the keys
// from the top value down, an array's elements adding InArray) is dropped
// while decoding, unread. It lets a caller leave out fields no reader
// wants without building them first.
type Skip func(path []string, key string) bool

// InArray stands in a path for the step into an array's elements.
const InArray = "\x00[]"

// Strings, when set, hears every string value with its path (the value's
// own key last): a caller gathers what it needs from the text as it is
// read instead of walking the built value again.
type Strings func(path []string, s string)

// Decoder decodes JSON values into OPA values. Its buffers are reused
// between calls; it is not safe for concurrent use.
type Decoder struct {
	// Skip, when set, is asked about every member of an object at a depth
	// below MaxSkipDepth.
	Skip         Skip
	MaxSkipDepth int
	Strings      Strings

	data   []byte
	pos    int
	path   []string
	tuples [][2]*ast.Term
	elems  []*ast.Term
	slab   []ast.Term
	// shared holds one term per short string seen: object keys and
	// values such as "True", "Running" or a node's name repeat in every
	// object, and a term shared by all (OPA treats input terms as
	// immutable, as its own interned terms are) is memory and work saved.
	shared map[string]*ast.Term
}

// Bounds of the shared terms: strings longer than maxShared are rarely
// repeated, and a hostile file must not grow the table without end.
const (
	maxShared      = 64
	maxSharedTerms = 1 << 16
)

// ErrSyntax is returned for text that is not one JSON value.
var ErrSyntax = errors.New("jsonast: invalid JSON")

// maxDepth bounds nesting as encoding/json does (10000), so hostile text
// cannot exhaust the stack.
const maxDepth = 10000

// Decode parses data, which must hold exactly one JSON value (surrounding
// white space allowed).
func (d *Decoder) Decode(data []byte) (ast.Value, error) {
	d.data, d.pos = data, 0
	// A value that failed half way leaves its members here.
	d.path = d.path[:0]
	clear(d.tuples)
	d.tuples = d.tuples[:0]
	clear(d.elems)
	d.elems = d.elems[:0]
	v, err := d.value(0)
	d.data = nil
	if err != nil {
		return nil, err
	}
	d.data = data
	d.space()
	rest := d.pos
	d.data = nil
	if rest != len(data) {
		return nil, d.errAt(rest, "text after the value")
	}
	return v.Value, nil
}

func (d *Decoder) errAt(at int, what string) error {
	return fmt.Errorf("%w at byte %d: %s", ErrSyntax, at, what)
}

// term hands out a Term from a slab: one allocation for many small terms,
// which all live as long as the value does.
func (d *Decoder) term(v ast.Value) *ast.Term {
	if len(d.slab) == 0 {
		d.slab = make([]ast.Term, 512)
	}
	t := &d.slab[0]
	d.slab = d.slab[1:]
	t.Value = v
	return t
}

func (d *Decoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *Decoder) value(depth int) (*ast.Term, error) {
	if depth > maxDepth {
		return nil, d.errAt(d.pos, "nested too deeply")
	}
	d.space()
	if d.pos >= len(d.data) {
		return nil, d.errAt(d.pos, "unexpected end")
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object(depth)
	case c == '[':
		return d.array(depth)
	case c == '"':
		s, t, err := d.str()
		if err != nil {
			return nil, err
		}
		if d.Strings != nil {
			d.Strings(d.path, s)
		}
		return d.stringTerm(s, t), nil
	case c == 't':
		return d.literal("true", ast.InternedTerm(true))
	case c == 'f':
		return d.literal("false", ast.InternedTerm(false))
	case c == 'n':
		return d.literal("null", ast.InternedNullTerm)
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	}
	return nil, d.errAt(d.pos, "unexpected character")
}

// stringTerm returns the term of s: shared, the one str found, or new.
func (d *Decoder) stringTerm(s string, found *ast.Term) *ast.Term {
	if found != nil {
		return found
	}
	if len(s) > maxShared {
		return d.term(ast.String(s))
	}
	if t, ok := d.shared[s]; ok {
		return t
	}
	t := d.term(ast.InternedValueOr(s, func(s string) ast.Value { return ast.String(s) }))
	if d.shared == nil {
		d.shared = make(map[string]*ast.Term, 1024)
	}
	if len(d.shared) < maxSharedTerms {
		d.shared[s] = t
	}
	return t
}

func (d *Decoder) literal(word string, t *ast.Term) (*ast.Term, error) {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return nil, d.errAt(d.pos, "invalid literal")
	}
	d.pos += len(word)
	return t, nil
}

func (d *Decoder) number() (*ast.Term, error) {
	start := d.pos
	if d.data[d.pos] == '-' {
		d.pos++
	}
	digits := func() int {
		n := 0
		for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
			d.pos++
			n++
		}
		return n
	}
	intStart := d.pos
	if n := digits(); n == 0 || (n > 1 && d.data[intStart] == '0') {
		return nil, d.errAt(start, "invalid number")
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		if digits() == 0 {
			return nil, d.errAt(start, "invalid number")
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if digits() == 0 {
			return nil, d.errAt(start, "invalid number")
		}
	}
	s := string(d.data[start:d.pos])
	if t := ast.InternedIntNumberTermFromString(s); t != nil {
		return t, nil
	}
	n, err := ast.NumberChecked(s)
	if err != nil {
		return nil, err
	}
	return d.term(n), nil
}

// str reads a string at d.pos (its opening quote), with its shared term
// when it has one. Plain strings (no escape, valid UTF-8) are cut out
// directly; the rest go through encoding/json so escapes and invalid bytes
// read exactly as it reads them.
func (d *Decoder) str() (string, *ast.Term, error) {
	start := d.pos
	i := start + 1
	plain := true
	ascii := true
	for ; i < len(d.data); i++ {
		c := d.data[i]
		if c == '"' {
			break
		}
		if c == '\\' {
			plain = false
			i++ // the escaped character cannot end the string
			continue
		}
		if c < 0x20 {
			return "", nil, d.errAt(i, "control character in string")
		}
		if c >= 0x80 {
			ascii = false
		}
	}
	if i >= len(d.data) {
		return "", nil, d.errAt(start, "unterminated string")
	}
	d.pos = i + 1
	body := d.data[start+1 : i]
	if plain && (ascii || utf8.Valid(body)) {
		if t, ok := d.shared[string(body)]; ok { // no allocation for the lookup
			return string(t.Value.(ast.String)), t, nil
		}
		return string(body), nil, nil
	}
	var s string
	if err := json.Unmarshal(d.data[start:i+1], &s); err != nil {
		return "", nil, d.errAt(start, err.Error())
	}
	return s, nil, nil
}

func (d *Decoder) object(depth int) (*ast.Term, error) {
	d.pos++ // {
	mark := len(d.tuples)
	skipping := d.Skip != nil && len(d.path) < d.MaxSkipDepth
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return d.term(ast.NewObject()), nil
	}
	for {
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, d.errAt(d.pos, "object key expected")
		}
		key, keyTerm, err := d.str()
		if err != nil {
			return nil, err
		}
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, d.errAt(d.pos, "':' expected")
		}
		d.pos++
		if skipping && d.Skip(d.path, key) {
			if err := d.skipValue(depth + 1); err != nil {
				return nil, err
			}
		} else {
			d.path = append(d.path, key)
			v, err := d.value(depth + 1)
			d.path = d.path[:len(d.path)-1]
			if err != nil {
				return nil, err
			}
			d.tuples = append(d.tuples, [2]*ast.Term{d.stringTerm(key, keyTerm), v})
		}
		d.space()
		if d.pos >= len(d.data) {
			return nil, d.errAt(d.pos, "unterminated object")
		}
		c := d.data[d.pos]
		d.pos++
		if c == '}' {
			break
		}
		if c != ',' {
			return nil, d.errAt(d.pos-1, "',' or '}' expected")
		}
	}
	kvs := dedupe(d.tuples[mark:])
	obj := ast.NewObject(kvs...)
	clear(d.tuples[mark:])
	d.tuples = d.tuples[:mark]
	return d.term(obj), nil
}

// dedupe keeps the last of members with the same key, as encoding/json
// does; ast.NewObject would keep both.
func dedupe(kvs [][2]*ast.Term) [][2]*ast.Term {
	if len(kvs) < 2 {
		return kvs
	}
	dup := false
	if len(kvs) <= 16 {
	scan:
		for i := range kvs {
			for j := i + 1; j < len(kvs); j++ {
				if kvs[i][0].Value.(ast.String) == kvs[j][0].Value.(ast.String) {
					dup = true
					break scan
				}
			}
		}
	} else {
		seen := make(map[ast.String]struct{}, len(kvs))
		for _, kv := range kvs {
			k := kv[0].Value.(ast.String)
			if _, ok := seen[k]; ok {
				dup = true
				break
			}
			seen[k] = struct{}{}
		}
	}
	if !dup {
		return kvs
	}
	last := make(map[ast.String]int, len(kvs))
	for i, kv := range kvs {
		last[kv[0].Value.(ast.String)] = i
	}
	out := make([][2]*ast.Term, 0, len(last))
	for i, kv := range kvs {
		if last[kv[0].Value.(ast.String)] == i {
			out = append(out, kv)
		}
	}
	return out
}

func (d *Decoder) array(depth int) (*ast.Term, error) {
	d.pos++ // [
	mark := len(d.elems)
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return d.term(ast.NewArray()), nil
	}
	d.path = append(d.path, InArray)
	defer func() { d.path = d.path[:len(d.path)-1] }()
	for {
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		d.elems = append(d.elems, v)
		d.space()
		if d.pos >= len(d.data) {
			return nil, d.errAt(d.pos, "unterminated array")
		}
		c := d.data[d.pos]
		d.pos++
		if c == ']' {
			break
		}
		if c != ',' {
			return nil, d.errAt(d.pos-1, "',' or ']' expected")
		}
	}
	elems := make([]*ast.Term, len(d.elems)-mark)
	copy(elems, d.elems[mark:])
	clear(d.elems[mark:])
	d.elems = d.elems[:mark]
	return d.term(ast.NewArray(elems...)), nil
}

// skipValue passes over a value without building it.
func (d *Decoder) skipValue(depth int) error {
	if depth > maxDepth {
		return d.errAt(d.pos, "nested too deeply")
	}
	d.space()
	if d.pos >= len(d.data) {
		return d.errAt(d.pos, "unexpected end")
	}
	switch c := d.data[d.pos]; {
	case c == '{' || c == '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		d.pos++
		d.space()
		if d.pos < len(d.data) && d.data[d.pos] == closer {
			d.pos++
			return nil
		}
		for {
			if c == '{' {
				d.space()
				if d.pos >= len(d.data) || d.data[d.pos] != '"' {
					return d.errAt(d.pos, "object key expected")
				}
				if _, _, err := d.str(); err != nil {
					return err
				}
				d.space()
				if d.pos >= len(d.data) || d.data[d.pos] != ':' {
					return d.errAt(d.pos, "':' expected")
				}
				d.pos++
			}
			if err := d.skipValue(depth + 1); err != nil {
				return err
			}
			d.space()
			if d.pos >= len(d.data) {
				return d.errAt(d.pos, "unterminated value")
			}
			n := d.data[d.pos]
			d.pos++
			if n == closer {
				return nil
			}
			if n != ',' {
				return d.errAt(d.pos-1, "',' expected")
			}
		}
	case c == '"':
		_, _, err := d.str()
		return err
	default:
		_, err := d.value(depth) // a number or literal: nothing to allocate
		return err
	}
}
