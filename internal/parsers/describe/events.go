package describe

import (
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"
)

// events turns the Events table into Event objects about o.
func (res *Result) events(o *obj, ev *node, file string) {
	if ev.value != "" || len(ev.children) == 0 {
		return
	}
	t := readTable(nodeLines(ev.children))
	kind, _ := o.body["kind"].(string)
	ns := o.namespace()
	if ns == "" {
		// Events about cluster-scoped objects live in "default".
		ns = "default"
	}
	for _, r := range t.rows {
		e := newObj("Event", "v1", r.num)
		h := fnv.New32a()
		fmt.Fprintf(h, "%s:%d", file, r.num)
		// The file hash keeps names apart across files, the line orders them.
		e.set(r.num, fmt.Sprintf("%s.describe-%08x-%06d", o.name(), h.Sum32(), r.num), "metadata", "name")
		e.set(r.num, ns, "metadata", "namespace")
		ref := map[string]any{"kind": kind, "name": o.name(), "apiVersion": o.body["apiVersion"]}
		if on := o.namespace(); on != "" {
			ref["namespace"] = on
		}
		e.set(r.num, ref, "involvedObject")
		typ, reason, msg := t.col(r, "Type"), t.col(r, "Reason"), t.col(r, "Message")
		e.set(r.num, typ, "type")
		e.set(r.num, reason, "reason")
		// kubectl 1.30+ (DescribeEvents) prints "<fieldPath>: <message>"
		if m := reFieldPathMessage.FindStringSubmatch(msg); m != nil {
			ref["fieldPath"], msg = m[1], m[2]
		}
		e.set(r.num, msg, "message")
		count := num(1)
		age := t.col(r, "Age")
		if m := reCount.FindStringSubmatch(age); m != nil {
			count, _ = intValue(m[1])
		} else if c, ok := intValue(t.col(r, "Count")); ok {
			// kubectl before 1.10: FirstSeen LastSeen Count From SubObjectPath Type Reason Message
			count = c
			age = t.col(r, "LastSeen")
		}
		e.set(r.num, count, "count")
		from := t.col(r, "From")
		if from != "" {
			comp, host, _ := strings.Cut(from, ", ")
			src := map[string]any{"component": comp}
			if host != "" {
				src["host"] = host
			}
			e.set(r.num, src, "source")
		}
		if age != "" {
			e.set(r.num, map[string]any{"age": age}, "ktriage")
		}
		if sub := t.col(r, "SubObjectPath"); sub != "" {
			ref["fieldPath"] = sub
		}
		if (typ != "Normal" && typ != "Warning") || reason == "" {
			// The API accepts no other event type: anything else is a
			// line pasted into the table (a comment, the next prompt).
			continue
		}
		res.emit(e, eventNotShown)
	}
}

var reFieldPathMessage = regexp.MustCompile(`^(spec\.(?:initContainers|containers|ephemeralContainers)\{[^}]+\}): (.*)$`)

var reCount = regexp.MustCompile(`\(x(\d+) over ([^)]*)\)`)

var eventNotShown = []string{"metadata.name", "firstTimestamp", "lastTimestamp", "eventTime", "involvedObject.uid", "involvedObject.fieldPath", "reportingComponent"}
