package kube

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
)

// YAML parses `kubectl get -o yaml` output: one object, a List, or many
// documents separated by "---".
type YAML struct{}

func (YAML) Kind() string { return "kubernetes" }

var reYAMLKey = regexp.MustCompile(`(?m)^(- )?(apiVersion|kind):[ \t]*\S`)

// Detect accepts text whose top-level keys include apiVersion or kind.
func (YAML) Detect(a *loader.Artifact) bool {
	h := bytes.TrimLeft(bytes.TrimPrefix(a.Head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(h) == 0 || h[0] == '{' || h[0] == '[' {
		return false
	}
	// Every file not taken before is tried here (logs by the thousand in
	// a must-gather): a plain search rules most out before the regexp.
	if !bytes.Contains(a.Head, []byte("apiVersion:")) && !bytes.Contains(a.Head, []byte("kind:")) {
		return false
	}
	return reYAMLKey.Match(a.Head)
}

// maxYAMLObject bounds what is decoded in one piece: one List item, the
// List around its items, or a document the line scan cannot split. YAML
// decoders hold a document at about 55 times its size, so this is what
// one piece may cost (an object the API server stores is at most 1.5 MiB
// by default: etcd's request limit). Anything larger is skipped with a
// warning.
const maxYAMLObject = 8 << 20

type yamlDoc struct {
	start, end int64
	line       int
}

// yamlParser holds one file's running totals.
type yamlParser struct {
	a        *loader.Artifact
	f        *os.File
	b        *facts.Builder
	counts   map[string]int
	warnings []string
	lists    int
	node     string // the first Node's name
	// whole turns the streaming of Lists off (tests compare both);
	// streamed counts the Lists read one item at a time.
	whole    bool
	streamed int
}

// Parse reads every document; a broken document is reported and skipped.
func (YAML) Parse(ctx context.Context, a *loader.Artifact, b *facts.Builder) (parsers.Result, error) {
	p := &yamlParser{a: a, b: b, counts: map[string]int{}}
	return p.parse(ctx)
}

func (p *yamlParser) parse(ctx context.Context) (parsers.Result, error) {
	f, err := p.a.Open()
	if err != nil {
		return parsers.Result{}, err
	}
	defer f.Close()
	p.f = f
	err = splitYAML(f, func(d yamlDoc) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !p.whole {
			if lay, ok := scanLayout(f, d.start, d.end, d.line); ok {
				done, err := p.streamList(ctx, d, lay)
				if err != nil || done {
					return err
				}
			}
		}
		return p.wholeDoc(d)
	})
	if err != nil {
		return parsers.Result{}, err
	}
	return p.result()
}

func (p *yamlParser) warn(format string, args ...any) {
	if len(p.warnings) < 20 {
		p.warnings = append(p.warnings, fmt.Sprintf(format, args...))
	}
}

func (p *yamlParser) result() (parsers.Result, error) {
	kinds := make([]string, 0, len(p.counts))
	for k := range p.counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var parts []string
	for _, k := range kinds {
		parts = append(parts, countOf(p.counts[k], k))
	}
	res := parsers.Result{Detail: strings.Join(parts, ", "), Warnings: p.warnings}
	if p.lists == 0 && len(p.counts) == 1 && p.counts["Node"] == 1 {
		// One Node alone, not in a List (must-gather's
		// core/nodes/<node>.yaml): the file is that node's.
		res.Node = p.node
	}
	if len(parts) == 0 {
		if p.lists > 0 {
			res.Detail = "empty lists"
			return res, nil
		}
		if len(p.warnings) > 0 {
			res.Warnings = p.warnings[1:]
			return res, errors.New(p.warnings[0])
		}
		return res, parsers.NotApplicable("YAML without Kubernetes objects (nothing with kind and metadata.name)")
	}
	return res, nil
}

// decodeYAML decodes one piece of YAML the way the whole project reads
// YAML: sigs.k8s.io/yaml's conversion (YAML 1.1 scalars, as kubectl
// reads them), numbers kept as written.
func decodeYAML(raw []byte) (any, error) {
	js, err := yaml.YAMLToJSON(quoteRedacted(raw))
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var v any
	err = dec.Decode(&v)
	return v, err
}

func (p *yamlParser) read(start, end int64) ([]byte, error) {
	raw := make([]byte, end-start)
	if _, err := p.f.ReadAt(raw, start); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return raw, nil
}

// wholeDoc decodes a document in one piece: single objects, and Lists the
// line scan could not split.
func (p *yamlParser) wholeDoc(d yamlDoc) error {
	if d.end-d.start > maxYAMLObject {
		p.warn("line %d: document of %d bytes skipped: larger than the %d-byte cap for one object, and not a List whose items can be read one at a time", d.line, d.end-d.start, maxYAMLObject)
		return nil
	}
	raw, err := p.read(d.start, d.end)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(stripComments(raw))) == 0 {
		return nil
	}
	v, err := decodeYAML(raw)
	if err != nil {
		p.warn("%s", yamlErrAt(err, d.line))
		return nil
	}
	src := facts.Source{File: p.a.Path, Line: d.line, Start: d.start, End: d.end, Format: facts.FormatYAML}
	top, ok := v.(map[string]any)
	var items []any
	isList := false
	var prefix []any
	switch {
	case ok:
		items, isList = top["items"].([]any)
		if _, nullItems := top["items"]; nullItems && top["items"] == nil {
			isList = true
		}
		prefix = []any{"items"}
	default:
		// A bare sequence of objects, as support bundles write them.
		items, isList = v.([]any)
		top = map[string]any{}
	}
	if !ok && !isList {
		return nil
	}
	if !isList {
		p.add(top, "", "", src)
		return nil
	}
	itemKind, apiVersion := p.openList(top)
	lines := itemLines(raw, len(items), len(prefix) == 0)
	for i, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		s := src
		s.Prefix = append(append([]any{}, prefix...), i)
		if i < len(lines) && lines[i] > 0 {
			s.Line = d.line + lines[i] - 1
		}
		p.add(m, itemKind, apiVersion, s)
	}
	return nil
}

// openList counts a List and returns the kind and apiVersion its items
// inherit.
func (p *yamlParser) openList(top map[string]any) (itemKind, apiVersion string) {
	p.lists++
	listKind, _ := top["kind"].(string)
	apiVersion, _ = top["apiVersion"].(string)
	if strings.HasSuffix(listKind, "List") && listKind != "List" {
		itemKind = strings.TrimSuffix(listKind, "List")
		p.b.MarkCollected(facts.Plural(itemKind))
	}
	return itemKind, apiVersion
}

func (p *yamlParser) add(m map[string]any, itemKind, apiVersion string, src facts.Source) {
	obj, ok := Normalize(m, itemKind, apiVersion, "")
	if !ok {
		return
	}
	if err := p.b.AddObject(obj, src); err != nil {
		p.warn("line %d: object left out: %v", src.Line, err)
		return
	}
	p.counts[obj["kind"].(string)]++
	if obj["kind"] == "Node" && p.node == "" {
		p.node = facts.KeyOf(obj).Name
	}
}

// streamList reads a List whose layout scanLayout found, one item at a
// time. It reports false, having added nothing, when the document must be
// decoded whole instead: a piece failed to decode and the document is
// small enough. A large document is never decoded whole: a piece that
// fails is skipped with a warning and the others are kept.
func (p *yamlParser) streamList(ctx context.Context, d yamlDoc, lay yamlLayout) (bool, error) {
	small := d.end-d.start <= maxYAMLObject
	top := map[string]any{}
	if !lay.bare {
		n := (lay.head[1] - lay.head[0]) + (lay.tail[1] - lay.tail[0])
		if n > maxYAMLObject {
			if small {
				return false, nil
			}
			p.warn("line %d: List of %d bytes skipped: its fields besides items take %d bytes, more than the %d-byte cap for one object", d.line, d.end-d.start, n, maxYAMLObject)
			return true, nil
		}
		head, err := p.read(lay.head[0], lay.head[1])
		if err != nil {
			return false, err
		}
		tail, err := p.read(lay.tail[0], lay.tail[1])
		if err != nil {
			return false, err
		}
		v, err := decodeYAML(append(head, tail...))
		m, isMap := v.(map[string]any)
		_, twice := m["items"]
		if err != nil || (v != nil && !isMap) || twice {
			if small {
				return false, nil
			}
			if err == nil {
				err = errors.New("not a List around its items")
			}
			p.warn("%s", yamlErrAt(err, d.line))
			return true, nil
		}
		if m != nil {
			top = m
		}
	}
	// Decode every item before adding any when the document is small: a
	// failure then falls back to the whole-document decoder with nothing
	// added twice. A large document's items are added as they come.
	type decoded struct {
		m     map[string]any
		chunk yamlChunk
	}
	var held []decoded
	var itemKind, apiVersion string
	if !small {
		itemKind, apiVersion = p.openList(top)
	}
	fallback := false
	var ioErr error
	eachChunk(p.f, lay, func(c yamlChunk) bool {
		if ioErr = ctx.Err(); ioErr != nil {
			return false
		}
		if c.end-c.start > maxYAMLObject {
			p.warn("line %d: List item of %d bytes skipped: larger than the %d-byte cap for one object", c.line, c.end-c.start, maxYAMLObject)
			return true
		}
		raw, err := p.read(c.start, c.end)
		if err != nil {
			ioErr = err
			return false
		}
		v, err := decodeYAML(raw)
		seq, ok := v.([]any)
		if err != nil || !ok || len(seq) != 1 {
			if small {
				fallback = true
				return false
			}
			if err == nil {
				err = errors.New("not one List item")
			}
			p.warn("%s (List item skipped)", yamlErrAt(err, c.line))
			return true
		}
		m, ok := seq[0].(map[string]any)
		if !ok {
			return true
		}
		if small {
			held = append(held, decoded{m, c})
			return true
		}
		p.add(m, itemKind, apiVersion, p.itemSource(c))
		return true
	})
	if ioErr != nil {
		return false, ioErr
	}
	if fallback {
		return false, nil
	}
	if small {
		itemKind, apiVersion = p.openList(top)
		for _, h := range held {
			p.add(h.m, itemKind, apiVersion, p.itemSource(h.chunk))
		}
	}
	p.streamed++
	return true, nil
}

// itemSource cites an item by its own range: the piece is a sequence of
// one entry, so evidence finds fields under index 0 of it.
func (p *yamlParser) itemSource(c yamlChunk) facts.Source {
	return facts.Source{File: p.a.Path, Line: c.line, Start: c.start, End: c.end, Format: facts.FormatYAML, Prefix: []any{0}}
}

// splitYAML calls fn with each document of a YAML stream, in order: a
// line starting with "---" at column 0 separates them (block scalars are
// indented, so such a line is always a separator). Each document's start
// line is kept. Lines are looked at, never kept: a stream of millions of
// lines or documents costs no memory.
func splitYAML(r io.Reader, fn func(yamlDoc) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	cur := yamlDoc{line: 1}
	var off int64
	line := 0
	emit := func(end int64) error {
		cur.end = end
		if cur.end > cur.start {
			return fn(cur)
		}
		return nil
	}
	for {
		frag, err := br.ReadSlice('\n')
		n := int64(len(frag))
		var text string
		if bytes.HasPrefix(frag, []byte("---")) || bytes.HasPrefix(frag, []byte("...")) {
			text = strings.TrimRight(string(frag[:min(len(frag), 4096)]), "\r\n")
		}
		for err == bufio.ErrBufferFull {
			var more []byte
			more, err = br.ReadSlice('\n')
			n += int64(len(more))
		}
		if n == 0 {
			break
		}
		line++
		if isDocSeparator(text) {
			if e := emit(off); e != nil {
				return e
			}
			cur = yamlDoc{start: off + n, line: line + 1}
			// "--- {inline}" or "--- value" carries content on the same line
			if rest := strings.TrimSpace(text[3:]); rest != "" && !strings.HasPrefix(rest, "#") && !strings.HasPrefix(rest, "!") {
				cur.start, cur.line = off+3, line
			}
		} else if text == "..." {
			if e := emit(off); e != nil {
				return e
			}
			cur = yamlDoc{start: off + n, line: line + 1}
		}
		off += n
		if err != nil {
			break
		}
	}
	return emit(off)
}

func isDocSeparator(s string) bool {
	return strings.HasPrefix(s, "---") && (len(s) == 3 || s[3] == ' ' || s[3] == '\t')
}

func stripComments(b []byte) []byte {
	var out []byte
	for _, l := range bytes.Split(b, []byte("\n")) {
		if t := bytes.TrimSpace(l); len(t) > 0 && t[0] != '#' {
			out = append(out, l...)
			out = append(out, '\n')
		}
	}
	return out
}

// itemLines returns the 1-based line (within the document) of each element
// of the top-level "items" sequence, or of the document itself when it is a
// bare sequence.
func itemLines(doc []byte, n int, bare bool) []int {
	if n == 0 {
		return nil
	}
	var root yamlv3.Node
	if err := yamlv3.Unmarshal(doc, &root); err != nil || len(root.Content) == 0 {
		return nil
	}
	m := root.Content[0]
	if bare && m.Kind == yamlv3.SequenceNode {
		out := make([]int, 0, n)
		for _, it := range m.Content {
			out = append(out, it.Line)
		}
		return out
	}
	if m.Kind != yamlv3.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "items" && m.Content[i+1].Kind == yamlv3.SequenceNode {
			out := make([]int, 0, n)
			for _, it := range m.Content[i+1].Content {
				out = append(out, it.Line)
			}
			return out
		}
	}
	return nil
}

var reYAMLErrLine = regexp.MustCompile(`^(?:error converting YAML to JSON: )?yaml: line (\d+): `)

// yamlErrAt rewrites the YAML library's document-relative "line N" into a
// line of the file.
func yamlErrAt(err error, docLine int) string {
	s := err.Error()
	if m := reYAMLErrLine.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		return fmt.Sprintf("line %d: invalid YAML: %s", docLine+n-1, s[len(m[0]):])
	}
	s = strings.TrimPrefix(s, "error converting YAML to JSON: ")
	return fmt.Sprintf("line %d: invalid YAML: %s", docLine, strings.TrimPrefix(s, "yaml: "))
}
