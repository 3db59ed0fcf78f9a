// Package describe reads `kubectl describe` output, the text support
// engineers most often receive pasted into a ticket, into partial objects
// in API shape, so every rule reads them as it reads `kubectl get -o json`.
//
// The format is kubectl's (k8s.io/kubectl/pkg/describe/describe.go, read
// for 1.20–1.33): "Key:" then spaces to a column a tabwriter aligned,
// nesting by indentation, tables with a dashed underline, "<none>" for an
// empty value. kubectl separates the objects of one command with a blank
// line pair before the next "Name:"; pasted files also use "---" and shell
// prompts. Every object is marked partial (metadata.annotations
// "ktriage.io/source" and "ktriage.io/not-shown", see docs/facts.md), and
// the line of every field read is recorded so findings cite file:line.
package describe

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
)

// Source is the value of the ktriage.io/source annotation on every object
// read from describe text.
const Source = "kubectl-describe"

// Annotation keys that mark an object as partial.
const (
	AnnotationSource   = "ktriage.io/source"
	AnnotationNotShown = "ktriage.io/not-shown"
)

// maxBytes bounds what is read of one file: describe output of a whole
// namespace is a few MB; past this it is not a paste anyone reads.
const maxBytes = 64 << 20

// Describe is the parser of kubectl describe text.
type Describe struct{}

func (Describe) Kind() string { return "kubectl-describe" }

var (
	reName = regexp.MustCompile(`^Name:( +)(\S.*)$`)
	// Second lines kubectl prints right after Name: in the same tabwriter
	// block, so their values start in the same column.
	secondKeys = map[string]bool{
		"Namespace": true, "Labels": true, "Roles": true, "IsDefaultClass": true,
		"Annotations": true, "Value": true, "Selector": true,
	}
)

// Detect accepts text whose first object starts "Name:" at the left
// margin, followed by a second field aligned with it, as kubectl's
// tabwriter prints them. Lines before it (a prompt, the command, another
// command's output) are allowed: the first "Name:" line decides.
func (Describe) Detect(a *loader.Artifact) bool {
	return detect(a.Head)
}

func detect(head []byte) bool {
	s := strings.TrimPrefix(string(head), "\xef\xbb\xbf")
	ls := strings.Split(s, "\n")
	for i := 0; i < len(ls)-1; i++ {
		// Tabs are expanded as a terminal shows them: some pastes
		// turn kubectl's padding back into tabs.
		l := newLine(i+1, ls[i])
		if l.text == "" {
			continue
		}
		m := reName.FindStringSubmatch(l.raw)
		if m == nil {
			continue
		}
		col := len("Name:") + len(m[1])
		next := newLine(i+2, ls[i+1])
		if !next.hasKey || !secondKeys[next.key] || next.value == "" || next.indent > 0 {
			return false
		}
		return strings.Index(next.raw, next.value) == col
	}
	return false
}

// Object is one object read from describe text.
type Object struct {
	Body map[string]any
	Line int
	// Lines maps facts.PathKey(path) to the line of that field.
	Lines map[string]int
}

// Result is what Read found.
type Result struct {
	Objects  []Object
	Counts   map[string]int
	Warnings []string
}

// Read parses describe output. It never fails on content: blocks it does
// not recognise become warnings.
func Read(ctx context.Context, r io.Reader, file string) (*Result, error) {
	res := &Result{Counts: map[string]int{}}
	lr := &io.LimitedReader{R: r, N: maxBytes}
	br := bufio.NewReaderSize(lr, 64<<10)
	var lines []line
	n := 0
	for {
		s, err := readLine(br)
		if s != "" || err == nil {
			n++
			lines = append(lines, newLine(n, s))
		}
		if err != nil {
			if err != io.EOF {
				return res, err
			}
			break
		}
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return res, err
			}
		}
	}
	if lr.N == 0 {
		res.warn(n, "file longer than %d MiB: read up to there", maxBytes>>20)
	}
	for _, blk := range split(lines) {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		res.read(blk, file)
	}
	return res, nil
}

// readLine reads one line of any length, keeping at most maxLine bytes.
func readLine(br *bufio.Reader) (string, error) {
	var sb strings.Builder
	for {
		frag, err := br.ReadSlice('\n')
		if sb.Len() < maxLine {
			sb.Write(frag)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return strings.TrimSuffix(sb.String(), "\n"), err
	}
}

// block is the lines of one described object.
type block struct {
	lines []line
}

// split cuts the file into objects. An object starts at "Name:" at the
// left margin; separators people add ("---", a shell prompt and command)
// end one. Inside a ConfigMap's Data section values are raw text, where a
// "Name:" line is data, until "BinaryData" or "Events:".
func split(lines []line) []block {
	var out []block
	var cur *block
	raw, secret := false, false
	for i, l := range lines {
		if l.indent == 0 && reName.MatchString(l.text) && (!raw || startsObject(lines, i)) {
			out = append(out, block{})
			cur = &out[len(out)-1]
			raw, secret = false, false
		}
		if cur == nil {
			continue
		}
		if l.indent == 0 && !raw && isSeparator(l.text) {
			cur = nil
			continue
		}
		if l.indent == 0 && l.hasKey && l.key == "Type" {
			// A Secret prints "Type:" before its Data, whose lines are
			// "key:  N bytes", never raw values.
			secret = true
		}
		if l.indent == 0 && l.text == "Data" && !secret && i+1 < len(lines) && lines[i+1].text == "====" {
			raw = true
		}
		if raw && l.indent == 0 && (l.text == "BinaryData" || strings.HasPrefix(l.text, "Events:")) {
			raw = false
		}
		cur.lines = append(cur.lines, l)
	}
	return out
}

// startsObject tells, inside a ConfigMap's raw data, a "Name:" line that
// begins the next object: kubectl puts two blank lines before it, and the
// next line is a field aligned with it.
func startsObject(lines []line, i int) bool {
	if i < 2 || lines[i-1].text != "" || lines[i-2].text != "" || i+1 >= len(lines) {
		return false
	}
	return detect([]byte(lines[i].raw + "\n" + lines[i+1].raw + "\n"))
}

func isSeparator(t string) bool {
	return t == "---" || strings.HasPrefix(t, "$ ") || strings.HasPrefix(t, "kubectl ") ||
		strings.HasPrefix(t, "# kubectl ") || strings.Contains(t, "> kubectl ") ||
		(strings.Contains(t, "$ kubectl ") || strings.Contains(t, "# kubectl ")) && !strings.Contains(t, ":  ")
}

// read classifies one block and builds its object(s).
func (res *Result) read(blk block, file string) {
	roots := tree(blk.lines)
	if len(roots) == 0 {
		return
	}
	kind := classify(roots)
	first := blk.lines[0].num
	if kind == "" {
		res.warn(first, "object %q not recognised (a kind ktriage does not read from describe text)", strings.TrimSpace(strings.TrimPrefix(roots[0].text, "Name:")))
		return
	}
	if kind == "Secret" {
		// Secrets are never kept, whatever their form.
		return
	}
	k := kinds[kind]
	o := newObj(kind, k.apiVersion, first)
	o.file, o.res = file, res
	o.common(roots)
	k.build(o, roots, blk.lines)
	res.emit(o, k.notShown)
	if ev := find(roots, "Events"); ev != nil {
		res.events(o, ev, file)
	}
}

func (res *Result) warn(line int, format string, args ...any) {
	if len(res.Warnings) >= 20 {
		return
	}
	res.Warnings = append(res.Warnings, fmt.Sprintf("line %d: ", line)+fmt.Sprintf(format, args...))
}

// emit marks an object partial and keeps it.
func (res *Result) emit(o *obj, notShown []string) {
	if o.name() == "" {
		return
	}
	md := o.meta()
	ann, _ := md["annotations"].(map[string]any)
	if ann == nil {
		ann = map[string]any{}
		md["annotations"] = ann
	}
	ann[AnnotationSource] = Source
	ns := []string{}
	for _, f := range append(append([]string{}, commonNotShown...), notShown...) {
		if !o.shown[f] {
			ns = append(ns, f)
		}
	}
	sort.Strings(ns)
	ann[AnnotationNotShown] = strings.Join(ns, ",")
	res.Objects = append(res.Objects, Object{Body: o.body, Line: o.line, Lines: o.lines})
	res.Counts[o.body["kind"].(string)]++
}

// Parse reads the artifact and adds its objects to the builder.
func (Describe) Parse(ctx context.Context, a *loader.Artifact, b *facts.Builder) (parsers.Result, error) {
	f, err := a.Open()
	if err != nil {
		return parsers.Result{}, err
	}
	defer f.Close()
	res, err := Read(ctx, f, a.Path)
	out := parsers.Result{Warnings: res.Warnings}
	kinds := make([]string, 0, len(res.Counts))
	for k := range res.Counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%d %s", res.Counts[k], facts.Plural(k)))
	}
	out.Detail = strings.Join(parts, ", ") + " (kubectl describe, partial)"
	for _, o := range res.Objects {
		// Objects read from text carry strings where the API has them;
		// one refused would be a reader's bug, so it is said, not hidden.
		if err := b.AddObject(o.Body, facts.Source{File: a.Path, Line: o.Line, Format: facts.FormatText, FieldLines: o.Lines}); err != nil {
			out.Warnings = append(out.Warnings, fmt.Sprintf("line %d: object left out: %v", o.Line, err))
		}
	}
	if err != nil {
		return out, err
	}
	if len(res.Objects) == 0 {
		reason := "kubectl describe text without an object ktriage reads"
		if len(res.Warnings) > 0 {
			reason += "; " + res.Warnings[0]
		}
		return out, parsers.NotApplicable(reason)
	}
	return out, nil
}
