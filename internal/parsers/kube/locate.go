package kube

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/source"
)

// maxLocate bounds the bytes read back to place one citation.
const maxLocate = 16 << 20

// maxLocateDepth bounds the nesting jsonTree follows (encoding/json refuses
// deeper objects, so no object in the facts is deeper).
const maxLocateDepth = 10000

// maxKept bounds the nodes kept under the cited field: the note is matched
// against them, and a huge cited subtree must not cost memory.
const maxKept = 4096

// Locate returns the line that proves what a rule says about the field at
// path (keys and list indexes) inside the object read from src: the line of
// the field's value, never a line that is only punctuation.
//
//   - a scalar: the line of its value;
//   - an object, a map or a list: the line of the scalar inside it that the
//     note names ("selector app=web" cites `app: web`), else its
//     identifying line (`name: x`, `type: Ready`, the object's
//     metadata.name; a list's first element's), else the line of its key;
//   - an empty path: the object's metadata.name line.
//
// When the field is absent it cites the deepest part of the path that
// exists the same way, and exact is false: a finding about a missing
// readinessProbe cites the container's name. A key given twice is the last
// one, as the decoders that built the facts read it.
func Locate(ra io.ReaderAt, src facts.Source, path []any, note string) (line int, exact bool) {
	line, _, exact = LocateAt(ra, src, path, note)
	return line, exact
}

// LocateAt is Locate that also returns the byte offset in the file where
// the cited text starts (the field's key, or the value of a list element),
// -1 when unknown. JSON only: the API server writes lists as one compact
// line, where the line alone cites nothing (kubectl get --raw).
func LocateAt(ra io.ReaderAt, src facts.Source, path []any, note string) (line int, off int64, exact bool) {
	// Text forms (kubectl describe) record each field's line as they parse.
	if src.FieldLines != nil {
		line, exact = src.FieldLine(path)
		return line, -1, exact
	}
	if src.End <= src.Start || src.End-src.Start > maxLocate {
		return src.Line, -1, len(path) == 0
	}
	data := make([]byte, src.End-src.Start)
	n, _ := ra.ReadAt(data, src.Start)
	data = data[:n]
	want := make([]string, 0, len(src.Prefix)+len(path))
	for _, p := range src.Prefix {
		want = append(want, segString(p))
	}
	prefix := len(want)
	for _, p := range path {
		want = append(want, segString(p))
	}
	var root *lnode
	base := src.Line
	switch src.Format {
	case facts.FormatJSON:
		root = jsonTree(data, want)
	case facts.FormatYAML:
		root = yamlTree(data, want)
		base = source.NewLines(ra, src.End).At(src.Start)
	}
	if root == nil {
		return src.Line, -1, false
	}
	obj, depth := root.walk(want[:prefix])
	if depth < prefix {
		return src.Line, -1, false
	}
	t, depth := obj.walk(want[prefix:])
	c := t.pick(note, depth == 0)
	if c.line == 0 {
		return src.Line, -1, false
	}
	off = -1
	if src.Format == facts.FormatJSON && c.off >= 0 {
		off = src.Start + int64(c.off)
	}
	return base + c.line - 1, off, depth == len(path)
}

// cite is a place in the data: its 1-based line and the byte offset where
// the cited text starts (-1 when unknown: YAML).
type cite struct{ line, off int }

// at cites n: at its key inside a map (`"app": "web"` reads better than
// `"web"`), else where its value starts.
func (n *lnode) at() cite {
	if n.key != "" && n.keyOff >= 0 {
		return cite{n.line, n.keyOff}
	}
	return cite{n.line, n.off}
}

func segString(s any) string {
	switch t := s.(type) {
	case string:
		return t
	case int:
		return strconv.Itoa(t)
	case json.Number:
		return t.String()
	case float64:
		return strconv.Itoa(int(t))
	}
	return fmt.Sprint(s)
}

// lnode is a JSON or YAML value with the lines it sits on, so one
// resolution serves both formats.
type lnode struct {
	kind    byte // 'm' map, 's' list, 'v' scalar
	line    int  // where the value starts (1-based, relative to the data)
	keyLine int  // where its key is, inside a map
	off     int  // byte offset of the value in the data (JSON; -1 in YAML)
	keyOff  int  // byte offset of its key (JSON; -1 in YAML)
	key     string
	val     string
	kids    []*lnode
}

// walk follows path as far as it exists and returns the node reached and
// how many segments matched.
func (n *lnode) walk(path []string) (*lnode, int) {
	for d, seg := range path {
		var next *lnode
		switch n.kind {
		case 'm':
			for _, k := range n.kids {
				if k.key == seg {
					next = k // the last of duplicate keys, as decoders keep it
				}
			}
		case 's':
			if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(n.kids) {
				next = n.kids[i]
			}
		}
		if next == nil {
			return n, d
		}
		n = next
	}
	return n, len(path)
}

// pick chooses the line to cite for n (see Locate). whole says n is the
// cited object itself.
func (n *lnode) pick(note string, whole bool) cite {
	if n.kind == 'v' {
		return n.at()
	}
	if c := n.noteLine(note); c.line > 0 {
		return c
	}
	if whole {
		if md, _ := n.walk([]string{"metadata", "name"}); md != n && md.kind == 'v' && md.key == "name" {
			return md.at()
		}
	}
	id := n
	if n.kind == 's' && len(n.kids) > 0 {
		id = n.kids[0]
	}
	if c := id.proof(); c.line > 0 {
		return c
	}
	if c := id.identity(); c.line > 0 {
		return c
	}
	if n.keyLine > 0 {
		return cite{n.keyLine, n.keyOff}
	}
	if len(n.kids) > 0 && n.kind == 's' && n.kids[0].kind == 'v' {
		return n.kids[0].at()
	}
	return cite{n.line, n.off}
}

// identityKeys name the field that tells list elements apart, in the
// order they are tried: containers and ports by name, conditions by type.
var identityKeys = []string{"name", "type", "key", "ip", "containerPort", "port"}

// proofKeys carry the words that explain a status element (a condition,
// an event): its message says more than its type.
var proofKeys = []string{"message", "reason"}

// proof cites n's message or reason; line 0 when it has neither.
func (n *lnode) proof() cite {
	if n.kind != 'm' {
		return cite{}
	}
	for _, k := range proofKeys {
		for _, c := range n.kids {
			if c.key == k && c.kind == 'v' && c.val != "" {
				return c.at()
			}
		}
	}
	return cite{}
}

func (n *lnode) identity() cite {
	if n.kind == 'v' {
		return n.at()
	}
	if n.kind != 'm' {
		return cite{}
	}
	for _, k := range identityKeys {
		for _, c := range n.kids {
			if c.key == k && c.kind == 'v' {
				return c.at()
			}
		}
	}
	return cite{}
}

// noteLine cites the scalar under n that the note names (line 0: none):
// `key=value` or `key: value` first, else a value that appears in the
// note as a whole word, the longest (the most specific) such value, the
// first in document order among equals. kind and apiVersion name the
// object, not what a rule says about it.
func (n *lnode) noteLine(note string) cite {
	if strings.TrimSpace(note) == "" {
		return cite{}
	}
	var best cite
	bestScore, bestLen := 0, 0
	var visit func(c *lnode)
	visit = func(c *lnode) {
		if c.kind == 'v' {
			v := strings.TrimSpace(c.val)
			if v == "" || c.key == "kind" || c.key == "apiVersion" {
				return
			}
			score := 0
			switch {
			case c.key != "" && (strings.Contains(note, c.key+"="+v) || strings.Contains(note, c.key+": "+v)):
				score = 2
			case len(v) <= 200 && containsWord(note, v):
				score = 1
			}
			if score > bestScore || score > 0 && score == bestScore && len(v) > bestLen {
				best, bestScore, bestLen = c.at(), score, len(v)
			}
			return
		}
		for _, k := range c.kids {
			visit(k)
		}
	}
	visit(n)
	return best
}

// containsWord reports whether w occurs in s with no letter or digit
// right before or after it, so "1" does not match inside "10".
func containsWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(w)
		if (j == 0 || !wordByte(s[j-1])) && (end == len(s) || !wordByte(s[end])) {
			return true
		}
		i = j + 1
	}
}

func wordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// treeBuilder keeps only what a citation can use: the nodes along the
// path, and up to maxKept nodes under its end.
type treeBuilder struct {
	want []string
	kept int
}

// keep says whether the child seg of a node at depth d on the path is
// kept: the next step of the path, and what may stand in for a missing
// field (the object's metadata.name, a list element's identifying key).
func (b *treeBuilder) keep(d int, seg string) bool {
	if d < len(b.want) && b.want[d] == seg || seg == "metadata" {
		return true
	}
	for _, k := range identityKeys {
		if seg == k {
			return true
		}
	}
	return false
}

// jsonTree decodes data (one JSON value) into a pruned lnode tree.
func jsonTree(data []byte, want []string) *lnode {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	line, counted := 1, 0
	// lineAt returns where the next token starts: its line and offset.
	lineAt := func() (int, int) {
		off := int(dec.InputOffset())
		off += skipSep(data[min(off, len(data)):])
		if off > len(data) {
			off = len(data)
		}
		if off > counted {
			line += bytes.Count(data[counted:off], []byte{'\n'})
			counted = off
		}
		return line, off
	}
	b := &treeBuilder{want: want}
	// value reads one value; keep says whether to build it, depth is its
	// distance from the root, inside whether it is under the path's end.
	var value func(depth int, keep, inside bool) (*lnode, bool)
	value = func(depth int, keep, inside bool) (*lnode, bool) {
		if depth > maxLocateDepth {
			return nil, false
		}
		l, o := lineAt()
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var n *lnode
		if keep {
			if inside {
				if b.kept >= maxKept {
					keep = false
				} else {
					b.kept++
				}
			}
			if keep {
				n = &lnode{line: l, off: o, keyOff: -1}
			}
		}
		d, isDelim := tok.(json.Delim)
		if !isDelim {
			if n != nil {
				n.kind = 'v'
				n.val = scalarText(tok)
			}
			return n, true
		}
		if d == '{' {
			if n != nil {
				n.kind = 'm'
			}
			for dec.More() {
				kl, ko := lineAt()
				kt, err := dec.Token()
				if err != nil {
					return n, false
				}
				k, _ := kt.(string)
				childOn := keep && (inside || b.keep(depth, k))
				c, ok := value(depth+1, childOn, inside || (childOn && depth+1 >= len(want)))
				if !ok {
					return n, false
				}
				if c != nil && n != nil {
					c.key, c.keyLine, c.keyOff = k, kl, ko
					n.kids = append(n.kids, c)
				}
			}
		} else {
			if n != nil {
				n.kind = 's'
			}
			for i := 0; dec.More(); i++ {
				childOn := keep && (inside || b.keep(depth, strconv.Itoa(i)))
				c, ok := value(depth+1, childOn, inside || (childOn && depth+1 >= len(want)))
				if !ok {
					return n, false
				}
				if n != nil {
					if c == nil {
						// keep the index right for the elements after it
						c = &lnode{kind: 'v', off: -1, keyOff: -1}
					}
					n.kids = append(n.kids, c)
				}
			}
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return n, false
		}
		return n, true
	}
	root, _ := value(0, true, len(want) == 0)
	return root
}

func scalarText(tok json.Token) string {
	switch t := tok.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	case nil:
		return "null"
	}
	return fmt.Sprint(tok)
}

// skipSep skips what json.Decoder leaves before the next token.
func skipSep(b []byte) int {
	for i, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n', ',', ':':
			continue
		}
		return i
	}
	return len(b)
}

// yamlTree converts one YAML document into a pruned lnode tree.
func yamlTree(doc []byte, want []string) *lnode {
	var root yamlv3.Node
	if err := yamlv3.Unmarshal(doc, &root); err != nil || len(root.Content) == 0 {
		return nil
	}
	b := &treeBuilder{want: want}
	var conv func(y *yamlv3.Node, depth int, inside bool) *lnode
	conv = func(y *yamlv3.Node, depth int, inside bool) *lnode {
		if inside {
			if b.kept >= maxKept {
				return nil
			}
			b.kept++
		}
		n := &lnode{line: y.Line, off: -1, keyOff: -1}
		switch y.Kind {
		case yamlv3.MappingNode:
			n.kind = 'm'
			for i := 0; i+1 < len(y.Content); i += 2 {
				k := y.Content[i].Value
				if !inside && !b.keep(depth, k) {
					continue
				}
				c := conv(y.Content[i+1], depth+1, inside || depth+1 >= len(want))
				if c == nil {
					continue
				}
				c.key, c.keyLine = k, y.Content[i].Line
				if c.kind == 'v' && y.Content[i+1].Style&(yamlv3.LiteralStyle|yamlv3.FoldedStyle) != 0 {
					// a block scalar starts on the line after `key: |`
					c.line = y.Content[i].Line + 1
				}
				n.kids = append(n.kids, c)
			}
		case yamlv3.SequenceNode:
			n.kind = 's'
			for i, e := range y.Content {
				var c *lnode
				if inside || b.keep(depth, strconv.Itoa(i)) {
					c = conv(e, depth+1, inside || depth+1 >= len(want))
				}
				if c == nil {
					c = &lnode{kind: 'v', off: -1, keyOff: -1}
				}
				n.kids = append(n.kids, c)
			}
		default:
			n.kind = 'v'
			n.val = y.Value
		}
		return n
	}
	return conv(root.Content[0], 0, len(want) == 0)
}
