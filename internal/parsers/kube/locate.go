package kube

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	yamlv3 "go.yaml.in/yaml/v3"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/source"
)

// maxLocate bounds the bytes read back to place one citation.
const maxLocate = 16 << 20

// Locate returns the line of the field at path (keys and list indexes)
// inside the object read from src. When the field is absent it returns the
// line of the deepest part of the path that exists, and exact is false: a
// finding about a missing readinessProbe cites the container instead.
func Locate(ra io.ReaderAt, src facts.Source, path []any) (line int, exact bool) {
	if src.FieldLines != nil {
		return src.FieldLine(path)
	}
	if src.End <= src.Start || src.End-src.Start > maxLocate || len(path) == 0 {
		return src.Line, len(path) == 0
	}
	data := make([]byte, src.End-src.Start)
	n, _ := ra.ReadAt(data, src.Start)
	data = data[:n]
	switch src.Format {
	case facts.FormatJSON:
		return locateJSON(data, src.Line, path)
	case facts.FormatYAML:
		base := source.NewLines(ra, src.End).At(src.Start)
		full := append(append([]any{}, src.Prefix...), path...)
		l, depth := locateYAML(data, full)
		if l == 0 || depth <= len(src.Prefix) {
			return src.Line, false
		}
		return base + l - 1, depth == len(full)
	}
	return src.Line, false
}

func segString(s any) (string, bool) {
	switch t := s.(type) {
	case string:
		return t, false
	case int:
		return strconv.Itoa(t), true
	case json.Number:
		return t.String(), true
	case float64:
		return strconv.Itoa(int(t)), true
	}
	return fmt.Sprint(s), false
}

type jsonFrame struct {
	obj     bool
	key     string
	idx     int
	wantKey bool
}

func locateJSON(data []byte, baseLine int, path []any) (int, bool) {
	want := make([]string, len(path))
	for i, p := range path {
		want[i], _ = segString(p)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []jsonFrame
	lineCursor, counted := baseLine, 0
	lineOf := func(off int) int {
		if off > len(data) {
			off = len(data)
		}
		lineCursor += bytes.Count(data[counted:off], []byte{'\n'})
		counted = off
		return lineCursor
	}
	best, bestDepth := baseLine, 0
	// matches reports how many leading path segments the current position
	// (stack plus an optional last segment) agrees with.
	matches := func(last string, withLast bool) int {
		d := 0
		for i := 1; i < len(stack); i++ { // stack[0] is the object itself
			f := stack[i-1]
			seg := f.key
			if !f.obj {
				seg = strconv.Itoa(f.idx)
			}
			if d >= len(want) || want[d] != seg {
				return -1
			}
			d++
		}
		if withLast {
			if d >= len(want) || want[d] != last {
				return -1
			}
			d++
		}
		return d
	}
	afterValue := func() {
		if len(stack) == 0 {
			return
		}
		top := &stack[len(stack)-1]
		if top.obj {
			top.wantKey = true
		} else {
			top.idx++
		}
	}
	for {
		off := int(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if len(stack) > 0 && !stack[len(stack)-1].obj {
					// an element of a list: the path reaches it by index
					if d := matches(strconv.Itoa(stack[len(stack)-1].idx), true); d > bestDepth {
						best, bestDepth = lineOf(off+skipSpace(data[off:])), d
					}
				}
				stack = append(stack, jsonFrame{obj: t == '{', wantKey: t == '{'})
			default:
				stack = stack[:len(stack)-1]
				afterValue()
			}
		case string:
			top := &stack[len(stack)-1]
			if top.obj && top.wantKey {
				top.key, top.wantKey = t, false
				if d := matches(t, true); d > bestDepth {
					best, bestDepth = lineOf(int(dec.InputOffset())), d
					if d == len(want) {
						return best, true
					}
				}
				continue
			}
			afterValue()
		default:
			afterValue()
		}
		if bestDepth == len(want) {
			return best, true
		}
	}
	return best, bestDepth == len(want)
}

func skipSpace(b []byte) int {
	for i, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n', ',':
			continue
		}
		return i
	}
	return len(b)
}

// locateYAML returns the document-relative line of the deepest node on path
// and how many segments it matched.
func locateYAML(doc []byte, path []any) (int, int) {
	var root yamlv3.Node
	if err := yamlv3.Unmarshal(doc, &root); err != nil || len(root.Content) == 0 {
		return 0, 0
	}
	n := root.Content[0]
	line, depth := n.Line, 0
	for _, p := range path {
		seg, isIdx := segString(p)
		switch n.Kind {
		case yamlv3.MappingNode:
			found := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == seg {
					line, n, found = n.Content[i].Line, n.Content[i+1], true
					break
				}
			}
			if !found {
				return line, depth
			}
		case yamlv3.SequenceNode:
			i, err := strconv.Atoi(seg)
			if !isIdx && err != nil || err != nil || i < 0 || i >= len(n.Content) {
				return line, depth
			}
			n = n.Content[i]
			line = n.Line
		default:
			return line, depth
		}
		depth++
	}
	return line, depth
}
