package describe

import (
	"fmt"
	"strings"

	"github.com/ktriage/ktriage/internal/facts"
)

// obj is an object being built with the line of each field.
type obj struct {
	body  map[string]any
	lines map[string]int
	line  int
	file  string
	res   *Result
	// shown lists fields of the kind's not-shown list that this text does
	// show: kubectl 1.30+ prints a container port's name ("8080/TCP
	// (http)"), older versions do not.
	shown map[string]bool
}

func newObj(kind, apiVersion string, line int) *obj {
	return &obj{body: map[string]any{"kind": kind, "apiVersion": apiVersion, "metadata": map[string]any{}}, lines: map[string]int{}, line: line}
}

// path joins a base path and more segments into a new slice.
func path(base []any, more ...any) []any {
	p := make([]any, 0, len(base)+len(more))
	return append(append(p, base...), more...)
}

// set stores v at p (map keys and indexes of existing lists), creating
// maps on the way, and records the line.
func (o *obj) set(line int, v any, p ...any) {
	var cur any = o.body
	for i, seg := range p {
		last := i == len(p)-1
		switch c := cur.(type) {
		case map[string]any:
			k, _ := seg.(string)
			if last {
				c[k] = v
				break
			}
			next, ok := c[k]
			if !ok || next == nil {
				next = map[string]any{}
				c[k] = next
			}
			cur = next
		case []any:
			idx, ok := seg.(int)
			if !ok || idx < 0 || idx >= len(c) {
				return
			}
			if last {
				c[idx] = v
				break
			}
			cur = c[idx]
		default:
			return
		}
	}
	o.mark(line, p...)
}

func (o *obj) mark(line int, p ...any) {
	if line > 0 {
		o.lines[facts.PathKey(p)] = line
	}
}

func (o *obj) meta() map[string]any { return o.body["metadata"].(map[string]any) }

func (o *obj) name() string {
	s, _ := o.meta()["name"].(string)
	return s
}

func (o *obj) namespace() string {
	s, _ := o.meta()["namespace"].(string)
	return s
}

// commonNotShown lists metadata no describe output shows.
var commonNotShown = []string{"metadata.uid", "metadata.resourceVersion", "metadata.generation", "metadata.managedFields"}

// common reads the fields every describer prints the same way.
func (o *obj) common(roots []*node) {
	for _, n := range roots {
		if !n.hasKey || n.indent != 0 {
			continue
		}
		switch n.key {
		case "Name":
			if _, done := o.meta()["name"]; !done {
				o.set(n.num, n.value, "metadata", "name")
			}
		case "Namespace":
			if !none(n.value) {
				o.set(n.num, n.value, "metadata", "namespace")
			}
		case "Labels":
			m, lines := labelMap(n.values())
			o.set(n.num, m, "metadata", "labels")
			for k, l := range lines {
				o.mark(l, "metadata", "labels", k)
			}
		case "Annotations":
			var m map[string]any
			var lines map[string]int
			if strings.Contains(n.value, "=") && !strings.Contains(n.value, ": ") {
				// StorageClass and PriorityClass print labels.FormatLabels.
				m = plainSelector(n.value)
			} else {
				m, lines = annotationMap(n)
			}
			o.set(n.num, m, "metadata", "annotations")
			for k, l := range lines {
				o.mark(l, "metadata", "annotations", k)
			}
		case "CreationTimestamp":
			o.set(n.num, timestamp(n.value), "metadata", "creationTimestamp")
		case "Controlled By":
			if k, name, ok := strings.Cut(n.value, "/"); ok {
				o.set(n.num, []any{map[string]any{"kind": k, "name": name, "controller": true}}, "metadata", "ownerReferences")
				o.mark(n.num, "metadata", "ownerReferences", 0)
			}
		case "Finalizers":
			v := strings.TrimSuffix(strings.TrimPrefix(n.value, "["), "]")
			fs := []any{}
			for _, f := range strings.Fields(v) {
				fs = append(fs, f)
			}
			o.set(n.num, fs, "metadata", "finalizers")
		}
	}
}

// showField records that this text shows a field its kind's describer did
// not always print: base is the list's path (["spec", "containers"]), rest
// the not-shown entry's tail ("[].ports[].name").
func (o *obj) showField(base []any, rest string) {
	parts := make([]string, 0, len(base))
	for _, b := range base {
		parts = append(parts, fmt.Sprint(b))
	}
	if o.shown == nil {
		o.shown = map[string]bool{}
	}
	o.shown[strings.Join(parts, ".")+rest] = true
}
