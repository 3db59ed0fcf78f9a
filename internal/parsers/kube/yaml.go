package kube

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	return reYAMLKey.Match(a.Head)
}

// maxYAMLDoc bounds one document: YAML is decoded whole, and the extra
// objects bundles carry this way are small.
const maxYAMLDoc = 256 << 20

type yamlDoc struct {
	start, end int64
	line       int
}

// Parse reads every document; a broken document is reported and skipped.
func (YAML) Parse(ctx context.Context, a *loader.Artifact, b *facts.Builder) (parsers.Result, error) {
	f, err := a.Open()
	if err != nil {
		return parsers.Result{}, err
	}
	defer f.Close()
	docs, err := splitYAML(f)
	if err != nil {
		return parsers.Result{}, err
	}
	counts := map[string]int{}
	var warnings []string
	lists := 0
	for _, d := range docs {
		if err := ctx.Err(); err != nil {
			return parsers.Result{}, err
		}
		if d.end-d.start > maxYAMLDoc {
			warnings = append(warnings, fmt.Sprintf("line %d: document larger than %d bytes skipped", d.line, maxYAMLDoc))
			continue
		}
		raw := make([]byte, d.end-d.start)
		if _, err := f.ReadAt(raw, d.start); err != nil && !errors.Is(err, io.EOF) {
			return parsers.Result{}, err
		}
		if len(bytes.TrimSpace(stripComments(raw))) == 0 {
			continue
		}
		js, err := yaml.YAMLToJSON(raw)
		if err != nil {
			warnings = append(warnings, yamlErrAt(err, d.line))
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(js))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			warnings = append(warnings, fmt.Sprintf("line %d: %v", d.line, err))
			continue
		}
		src := facts.Source{File: a.Path, Line: d.line, Start: d.start, End: d.end, Format: facts.FormatYAML}
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
			continue
		}
		if !isList {
			if obj, ok := Normalize(top, "", "", ""); ok {
				counts[obj["kind"].(string)]++
				b.AddObject(obj, src)
			}
			continue
		}
		lists++
		listKind, _ := top["kind"].(string)
		apiVersion, _ := top["apiVersion"].(string)
		itemKind := ""
		if strings.HasSuffix(listKind, "List") && listKind != "List" {
			itemKind = strings.TrimSuffix(listKind, "List")
			b.MarkCollected(facts.Plural(itemKind))
		}
		lines := itemLines(raw, len(items), len(prefix) == 0)
		for i, it := range items {
			m, ok := it.(map[string]any)
			if !ok {
				continue
			}
			obj, ok := Normalize(m, itemKind, apiVersion, "")
			if !ok {
				continue
			}
			s := src
			s.Prefix = append(append([]any{}, prefix...), i)
			if i < len(lines) && lines[i] > 0 {
				s.Line = d.line + lines[i] - 1
			}
			counts[obj["kind"].(string)]++
			b.AddObject(obj, s)
		}
	}
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var parts []string
	for _, k := range kinds {
		parts = append(parts, countOf(counts[k], k))
	}
	res := parsers.Result{Detail: strings.Join(parts, ", "), Warnings: warnings}
	if len(parts) == 0 {
		if lists > 0 {
			res.Detail = "empty lists"
			return res, nil
		}
		if len(warnings) > 0 {
			res.Warnings = warnings[1:]
			return res, errors.New(warnings[0])
		}
		return res, parsers.NotApplicable("YAML without Kubernetes objects (nothing with kind and metadata.name)")
	}
	return res, nil
}

// splitYAML finds the documents of a YAML stream: a line starting with
// "---" at column 0 separates them (block scalars are indented, so such a
// line is always a separator). Each document's start line is kept.
func splitYAML(r io.Reader) ([]yamlDoc, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var docs []yamlDoc
	cur := yamlDoc{line: 1}
	var off int64
	line := 0
	for {
		text, n, err := readBoundedLine(br)
		if n == 0 {
			break
		}
		line++
		if isDocSeparator(text) {
			cur.end = off
			if cur.end > cur.start {
				docs = append(docs, cur)
			}
			cur = yamlDoc{start: off + n, line: line + 1}
			// "--- {inline}" or "--- value" carries content on the same line
			if rest := strings.TrimSpace(text[3:]); rest != "" && !strings.HasPrefix(rest, "#") && !strings.HasPrefix(rest, "!") {
				cur.start, cur.line = off+3, line
			}
		} else if text == "..." {
			cur.end = off
			if cur.end > cur.start {
				docs = append(docs, cur)
			}
			cur = yamlDoc{start: off + n, line: line + 1}
		}
		off += n
		if err != nil {
			break
		}
	}
	cur.end = off
	if cur.end > cur.start {
		docs = append(docs, cur)
	}
	return docs, nil
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
