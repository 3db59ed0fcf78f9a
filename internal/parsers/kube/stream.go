// Package kube reads Kubernetes objects and container logs as kubectl
// writes them: `kubectl cluster-info dump` (stdout form: JSON Lists one
// after another with log blocks between them; --output-directory form: one
// List per file and logs.txt per pod), `kubectl get -o json|yaml` (one
// object, a List, multi-document YAML), and raw container log files.
package kube

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"sort"
	"strings"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/jsonast"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
	"github.com/ktriage/ktriage/internal/source"
	"github.com/open-policy-agent/opa/v1/ast"
)

// Stream parses JSON output of kubectl, one value or many, with cluster-info
// dump log blocks between values.
type Stream struct{}

func (Stream) Kind() string { return "kubernetes" }

const logStart = "==== START logs for container "
const logEnd = "==== END logs for container "

// Detect accepts content that starts like kubectl JSON or a log block.
func (Stream) Detect(a *loader.Artifact) bool {
	h := bytes.TrimLeft(bytes.TrimPrefix(a.Head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if bytes.HasPrefix(h, []byte(logStart)) {
		return true
	}
	if len(h) == 0 || (h[0] != '{' && h[0] != '[') {
		return false
	}
	for _, m := range [][]byte{[]byte(`"kind"`), []byte(`"apiVersion"`), []byte(`"items"`), []byte(`"Items"`)} {
		if bytes.Contains(a.Head, m) {
			return true
		}
	}
	// A kind-less object whose place says what it is (objectFromLayout).
	if k, _ := objectFromLayout(a.Inner); k != "" && h[0] == '{' && bytes.Contains(a.Head, []byte(`"metadata"`)) {
		return true
	}
	return false
}

type streamParser struct {
	a     *loader.Artifact
	f     *os.File
	size  int64
	lines *source.Lines
	b     *facts.Builder
	hint  string // kind implied by the file's place in a known layout
	// objKind and objAPI are the kind and apiVersion a single kind-less
	// object has by its file's place (objectFromLayout).
	objKind, objAPI string
	// nodes names the Node objects read: a file holding one Node is that
	// node's file.
	nodes []string

	lastItemKind string
	lastNS       string // namespace of the last List with items, for empty Lists
	lists        int
	objects      map[string]int
	logs         int
	warnings     []string
	garbage      int
	// ctx is polled between List items: a List of millions of items must
	// stop at a signal, not after its last item.
	ctx context.Context
	// jd is reused for every List item; it gathers the quantity strings of
	// the objects it builds into quantities.
	jd *jsonast.Decoder
	// itemQ is where jd gathers the quantity strings of the item it
	// decodes; they join quantities only if the item is kept, so that the
	// table holds the strings of the objects the facts hold, no more.
	itemQ      map[string]bool
	quantities map[string]bool
}

// Parse reads every JSON value and log block; damage is skipped with a
// warning and reading resumes at the next object.
func (Stream) Parse(ctx context.Context, a *loader.Artifact, b *facts.Builder) (parsers.Result, error) {
	f, err := a.Open()
	if err != nil {
		return parsers.Result{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return parsers.Result{}, err
	}
	p := &streamParser{a: a, f: f, size: st.Size(), lines: source.NewLines(f, st.Size()), b: b,
		hint: kindFromLayout(a.Inner), objects: map[string]int{}, quantities: map[string]bool{}}
	p.itemQ = map[string]bool{}
	jd, release := itemDecoder(p.itemQ)
	defer release()
	p.jd = jd
	defer func() { b.AddQuantities(p.quantities) }()
	p.objKind, p.objAPI = objectFromLayout(a.Inner)
	if err := p.run(ctx); err != nil {
		return p.result(), err
	}
	res := p.result()
	if p.lists == 0 && len(p.objects) == 0 && p.logs == 0 {
		reason := "JSON without Kubernetes objects (nothing with kind and metadata.name)"
		if len(p.warnings) > 0 {
			reason += "; " + p.warnings[0]
		}
		return res, parsers.NotApplicable(reason)
	}
	return res, nil
}

func (p *streamParser) result() parsers.Result {
	var parts []string
	kinds := make([]string, 0, len(p.objects))
	for k := range p.objects {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		parts = append(parts, countOf(p.objects[k], k))
	}
	if p.logs == 1 {
		parts = append(parts, "1 log block")
	} else if p.logs > 0 {
		parts = append(parts, fmt.Sprintf("%d log blocks", p.logs))
	}
	detail := strings.Join(parts, ", ")
	if detail == "" && p.lists > 0 {
		detail = "empty lists"
	}
	r := parsers.Result{Detail: detail, Warnings: p.warnings}
	if p.lists == 0 && len(p.objects) == 1 && len(p.nodes) == 1 && p.objects["Node"] == 1 {
		// One Node alone, not in a List (config/node/<node>.json,
		// core/nodes/<node>.json): the file is that node's. A NodeList
		// of one is the cluster's list, whatever its length.
		r.Node = p.nodes[0]
	}
	if len(p.objects) == 0 && p.lists == 0 && p.logs > 0 {
		r.Kind = "pod-log"
	}
	if p.garbage > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d lines outside JSON values and log blocks were skipped", p.garbage))
	}
	return r
}

func (p *streamParser) warn(off int64, format string, args ...any) {
	if len(p.warnings) >= 20 {
		return
	}
	p.warnings = append(p.warnings, fmt.Sprintf("line %d: ", p.lines.At(off))+fmt.Sprintf(format, args...))
}

func (p *streamParser) run(ctx context.Context) error {
	p.ctx = ctx
	off := int64(0)
	for off < p.size {
		if err := ctx.Err(); err != nil {
			return err
		}
		pos, c := p.nextSignificant(off)
		if pos < 0 {
			return nil
		}
		if c == '{' || c == '[' {
			end, err := p.decodeValue(pos)
			if err == nil {
				off = end
				continue
			}
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			at := pos
			var se *json.SyntaxError
			switch {
			case errors.As(err, &se):
				at = pos + se.Offset
				p.warn(at, "invalid JSON (%v); skipped to the next object", se)
			case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
				p.warn(pos, "JSON value cut off at end of file; kept the complete objects before it")
				return nil
			default:
				p.warn(pos, "unreadable JSON value: %v", err)
			}
			off = p.resync(pos, at)
			continue
		}
		line, next := p.lineAt(pos)
		if strings.HasPrefix(line, logStart) {
			off = p.readLogBlock(pos, line, next)
			continue
		}
		if !isTrailer(line) {
			p.garbage++
		}
		off = next
	}
	return nil
}

// isTrailer recognises lines kubectl itself prints around a dump.
func isTrailer(line string) bool {
	return strings.HasPrefix(line, "Cluster info dumped to ")
}

// nextSignificant returns the offset and value of the first byte at or after
// off that is not white space (a BOM counts as space), or -1.
func (p *streamParser) nextSignificant(off int64) (int64, byte) {
	var buf [4096]byte
	for off < p.size {
		n, err := p.f.ReadAt(buf[:], off)
		for i := 0; i < n; i++ {
			switch buf[i] {
			case ' ', '\t', '\r', '\n':
				continue
			case 0xef:
				if i+2 < n && buf[i+1] == 0xbb && buf[i+2] == 0xbf {
					i += 2
					continue
				}
			}
			return off + int64(i), buf[i]
		}
		off += int64(n)
		if n == 0 || (err != nil && err != io.EOF) {
			break
		}
	}
	return -1, 0
}

// lineAt returns the text of the line starting at off (no line ending) and
// the offset of the next line. Very long lines are read without keeping
// more than a bounded prefix.
func (p *streamParser) lineAt(off int64) (string, int64) {
	br := bufio.NewReaderSize(io.NewSectionReader(p.f, off, p.size-off), 4096)
	var sb strings.Builder
	var n int64
	for {
		frag, err := br.ReadSlice('\n')
		n += int64(len(frag))
		if sb.Len() < 4096 {
			sb.Write(frag)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		break
	}
	return strings.TrimRight(sb.String(), "\r\n"), off + n
}

// resync finds where reading can go on after a damaged value that started at
// start and failed at failed: the next line that opens a Kubernetes object
// ("{" alone, followed by "kind", "apiVersion" or "metadata"), a compact
// one-line object, or a log block.
func (p *streamParser) resync(start, failed int64) int64 {
	from := p.lineStartBefore(failed)
	if from <= start {
		from, _ = p.nextLine(start)
	}
	br := bufio.NewReaderSize(io.NewSectionReader(p.f, from, p.size-from), 64<<10)
	off := from
	prevOpen := int64(-1) // a preceding "{" line waiting for its first key
	for {
		line, n, err := readBoundedLine(br)
		if n == 0 {
			return p.size
		}
		lineOff := off
		off += n
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, logStart):
			return lineOff
		case t == "{":
			prevOpen = lineOff
		case prevOpen >= 0 && (strings.HasPrefix(t, `"kind"`) || strings.HasPrefix(t, `"apiVersion"`) || strings.HasPrefix(t, `"metadata"`)):
			return prevOpen
		case strings.HasPrefix(t, `{"kind"`) || strings.HasPrefix(t, `{"apiVersion"`):
			return lineOff + int64(strings.IndexByte(line, '{'))
		case t != "":
			prevOpen = -1
		}
		if err != nil {
			return p.size
		}
	}
}

func (p *streamParser) lineStartBefore(off int64) int64 {
	if off > p.size {
		off = p.size
	}
	var buf [4096]byte
	for off > 0 {
		lo := off - int64(len(buf))
		if lo < 0 {
			lo = 0
		}
		n, _ := p.f.ReadAt(buf[:off-lo], lo)
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return lo + int64(i) + 1
		}
		off = lo
	}
	return 0
}

func (p *streamParser) nextLine(off int64) (int64, bool) {
	_, next := p.lineAt(off)
	return next, next < p.size
}

type pendingItem struct {
	body       ast.Object
	start, end int64
	line       int
	q          map[string]bool // its quantity strings; nil: p.itemQ
}

// decodeValue reads one top-level JSON value starting at pos and emits the
// objects in it. List items are decoded one at a time so memory stays
// proportional to the largest object, not the file. Text that is not JSON
// is read again with encoding/json, whose error (and its offset) the
// warnings quote; what was emitted before the damage stays.
func (p *streamParser) decodeValue(pos int64) (int64, error) {
	end, err := p.frameValue(pos)
	if err == nil || p.ctx.Err() != nil {
		return end, err
	}
	if jerr := jsonError(io.NewSectionReader(p.f, pos, p.size-pos)); jerr != nil {
		return 0, jerr
	}
	return 0, err
}

func (p *streamParser) frameValue(pos int64) (int64, error) {
	f := newFramer(p.f, pos, p.size, p.lines.At(pos))
	defer f.release()
	if c, _ := f.peek(); c == '[' {
		// A bare array of objects (`jq '.items'` output, support bundles'
		// custom resources).
		f.i++
		if err := p.frameElements(f, p.hint, "", nil); err != nil {
			return 0, err
		}
		return f.pos(), nil
	}
	if err := f.expect('{'); err != nil {
		return 0, err
	}
	top := map[string]any{}
	isList := false
	var pending []pendingItem
	for first := true; ; first = false {
		c, ok := f.peek()
		if !ok {
			return 0, io.ErrUnexpectedEOF
		}
		if c == '}' && first {
			f.i++
			break
		}
		raw, err := f.value()
		if err != nil {
			return 0, err
		}
		var key string
		if raw[0] != '"' || json.Unmarshal(raw, &key) != nil {
			return 0, errFrame
		}
		if err := f.expect(':'); err != nil {
			return 0, err
		}
		if key == "items" || key == "Items" {
			isList = true
			listKind, _ := top["kind"].(string)
			apiVersion, _ := top["apiVersion"].(string)
			itemKind := p.itemKind(listKind)
			var buf *[]pendingItem
			if itemKind == "" && listKind == "" {
				// kind may follow items; hold them until the List is read.
				buf = &pending
			}
			if err := p.frameItems(f, itemKind, apiVersion, buf); err != nil {
				return 0, err
			}
		} else {
			raw, err := f.value()
			if err != nil {
				return 0, err
			}
			v, err := decodeAny(raw)
			if err != nil {
				return 0, err
			}
			top[key] = v
		}
		c, ok = f.peek()
		if !ok {
			return 0, io.ErrUnexpectedEOF
		}
		f.i++
		if c == '}' {
			break
		}
		if c != ',' {
			return 0, errFrame
		}
	}
	end := f.pos()
	if isList {
		p.lists++
		listKind, _ := top["kind"].(string)
		itemKind := p.itemKind(listKind)
		if itemKind != "" {
			p.b.MarkCollected(facts.Plural(itemKind))
			p.b.MarkListed(facts.Plural(itemKind), p.emptyListNamespace(itemKind))
		}
		apiVersion, _ := top["apiVersion"].(string)
		for _, it := range pending {
			p.emitValue(it, itemKind, apiVersion)
		}
		return end, nil
	}
	p.emit(top, pos, end, p.objKind, p.objAPI)
	return end, nil
}

// decodeAny decodes a List's own fields (and a single object's) into plain
// values: they are few and small.
func decodeAny(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

func (p *streamParser) frameItems(f *framer, itemKind, apiVersion string, buf *[]pendingItem) error {
	c, ok := f.peek()
	switch {
	case !ok:
		return io.ErrUnexpectedEOF
	case c == 'n': // "items": null
		raw, err := f.value()
		if err != nil || string(raw) != "null" {
			return errFrame
		}
		return nil
	case c != '[':
		return errFrame
	}
	f.i++
	return p.frameElements(f, itemKind, apiVersion, buf)
}

// frameElements reads array elements up to and including the closing "]",
// each built in OPA's form directly, leaving out what no reader wants.
func (p *streamParser) frameElements(f *framer, itemKind, apiVersion string, buf *[]pendingItem) error {
	for first := true; ; first = false {
		if err := p.ctx.Err(); err != nil {
			return err
		}
		c, ok := f.peek()
		if !ok {
			return io.ErrUnexpectedEOF
		}
		if c == ']' && first {
			f.i++
			return nil
		}
		start := f.pos()
		raw, err := f.value()
		if err != nil {
			return err
		}
		if raw[0] == '{' {
			v, err := p.jd.Decode(raw)
			switch {
			case err != nil && !json.Valid(raw):
				return errFrame // encoding/json says where
			case err != nil:
				// JSON, but not a value OPA holds (a number beyond its
				// range): that item alone is left out.
				p.warn(start, "unreadable JSON value: %v", err)
			default:
				// An empty object is nothing to keep.
				if m, ok := v.(ast.Object); ok && m.Len() > 0 {
					it := pendingItem{body: m, start: start, end: f.pos(), line: f.lineAt(start)}
					if buf != nil {
						it.q = maps.Clone(p.itemQ)
						*buf = append(*buf, it)
					} else {
						p.emitValue(it, itemKind, apiVersion)
					}
				}
			}
		}
		clear(p.itemQ)
		c, ok = f.peek()
		if !ok {
			return io.ErrUnexpectedEOF
		}
		f.i++
		if c == ']' {
			return nil
		}
		if c != ',' {
			return errFrame
		}
	}
}

// jsonError reads a top-level value the way encoding/json's Decoder does,
// building nothing, and returns its error: the reason and offset users
// know from every JSON tool.
func jsonError(r io.Reader) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var raw json.RawMessage
	elements := func() error {
		for dec.More() {
			if err := dec.Decode(&raw); err != nil {
				return err
			}
		}
		_, err := dec.Token()
		return err
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('['):
		return elements()
	case json.Delim('{'):
	default:
		return fmt.Errorf("unexpected %v", tok)
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return err
		}
		if key, _ := kt.(string); key == "items" || key == "Items" {
			t, err := dec.Token()
			switch {
			case err != nil:
				return err
			case t == nil:
				continue
			case t != json.Delim('['):
				return fmt.Errorf("items is not an array")
			}
			if err := elements(); err != nil {
				return err
			}
			continue
		}
		if err := dec.Decode(&raw); err != nil {
			return err
		}
	}
	_, err = dec.Token()
	return err
}

func (p *streamParser) itemKind(listKind string) string {
	if strings.HasSuffix(listKind, "List") && listKind != "List" {
		k := strings.TrimSuffix(listKind, "List")
		p.lastItemKind = k
		return k
	}
	if listKind == "" && p.hint != "" {
		p.lastItemKind = p.hint
		return p.hint
	}
	return ""
}

// emptyListNamespace names the namespace a List belongs to when its items
// cannot say: the layout path (<ns>/pods.json, pods/<ns>.json), or in a
// cluster-info dump on stdout, which writes every namespace's Lists in one
// run, the namespace of the List before it.
func (p *streamParser) emptyListNamespace(itemKind string) string {
	if clusterScoped[itemKind] {
		// cluster-info/nodes.json is no list of namespace cluster-info.
		return ""
	}
	if ns := namespaceFromLayout(p.a.Inner); ns != "" {
		return ns
	}
	return p.lastNS
}

func (p *streamParser) emit(body map[string]any, start, end int64, kind, apiVersion string) {
	obj, ok := Normalize(body, kind, apiVersion, p.lastItemKind)
	if !ok {
		return
	}
	v, err := ast.InterfaceToValue(obj)
	if err != nil {
		return
	}
	if o, ok := v.(ast.Object); ok && p.add(o, start, end, p.lines.At(start)) {
		facts.CollectQuantities(obj, p.quantities)
	}
}

func (p *streamParser) emitValue(it pendingItem, kind, apiVersion string) {
	q := it.q
	if q == nil {
		q = p.itemQ
	}
	obj, ok := NormalizeValue(it.body, kind, apiVersion, p.lastItemKind, q)
	if ok && p.add(obj, it.start, it.end, it.line) {
		maps.Copy(p.quantities, q)
	}
}

// add hands obj to the facts and says whether they took it.
func (p *streamParser) add(obj ast.Object, start, end int64, line int) bool {
	if err := p.b.AddValue(obj, facts.Source{File: p.a.Path, Line: line, Start: start, End: end, Format: facts.FormatJSON}); err != nil {
		p.warn(start, "object left out: %v", err)
		return false
	}
	key := facts.KeyOfValue(obj)
	if key.Namespace != "" {
		p.lastNS = key.Namespace
	}
	p.objects[key.Kind]++
	if key.Kind == "Node" && len(p.nodes) < 2 {
		p.nodes = append(p.nodes, key.Name)
	}
	return true
}

// readLogBlock reads one "==== START logs …" block and returns the offset
// after its END line (or the end of the file when it was cut off).
func (p *streamParser) readLogBlock(pos int64, header string, next int64) int64 {
	container, ns, pod := parseLogHeader(header)
	startLine := p.lines.At(pos)
	lc := newLogCollector()
	br := bufio.NewReaderSize(io.NewSectionReader(p.f, next, p.size-next), 64<<10)
	off := next
	ended := false
	for {
		line, n, err := readBoundedLine(br)
		if n == 0 && err != nil {
			break
		}
		off += n
		if strings.HasPrefix(line, logEnd) {
			ended = true
			break
		}
		lc.add(startLine+1+lc.total, line)
		if err != nil {
			break
		}
	}
	p.logs++
	l := lc.log()
	l.Namespace, l.Pod, l.Container, l.File, l.Line = ns, pod, container, p.a.Path, startLine
	if !ended {
		l.Truncated = true
		p.warn(pos, "log block of %s/%s container %s has no END line", ns, pod, container)
	}
	p.b.AddLog(l)
	return off
}

// parseLogHeader splits "==== START logs for container C of pod NS/P ====".
func parseLogHeader(h string) (container, ns, pod string) {
	rest := strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(h, logStart)), "====")
	rest = strings.TrimSpace(rest)
	i := strings.LastIndex(rest, " of pod ")
	if i < 0 {
		return rest, "", ""
	}
	container = rest[:i]
	ref := rest[i+len(" of pod "):]
	if j := strings.IndexByte(ref, '/'); j >= 0 {
		return container, ref[:j], ref[j+1:]
	}
	return container, "", ref
}

// readBoundedLine reads a line of any length but keeps at most 4 KiB of it.
func readBoundedLine(br *bufio.Reader) (string, int64, error) {
	var sb strings.Builder
	var n int64
	for {
		frag, err := br.ReadSlice('\n')
		n += int64(len(frag))
		if sb.Len() < 4096 {
			sb.Write(frag)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return strings.TrimRight(sb.String(), "\r\n"), n, err
	}
}

// countOf says "1 deployment", "3 deployments" for the inventory.
func countOf(n int, kind string) string {
	if n == 1 {
		return "1 " + strings.ToLower(kind)
	}
	return fmt.Sprintf("%d %s", n, facts.Plural(kind))
}
