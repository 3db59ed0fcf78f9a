package facts

import (
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// One event often reaches a bundle twice: as a row of `kubectl get events`
// and in the Events section of a `kubectl describe` of its object, or in
// the dump's events.json and a pasted describe. Text forms carry no event
// name to match on, so each copy was an Event of its own and a rule
// counting "FailedCreate 17 times" read 34. An event read from text (a
// partial object) is therefore dropped when another file holds the same
// event: the same object, type, reason and message. A whole Event (from
// JSON or YAML) is always kept and preferred; between text copies, the
// one with the higher count, then the first file. Two copies in one file
// are two events (a table lists what the API holds) and are both kept.

type eventKey struct {
	kind, name, typ, reason, message string
}

func eventKeyOf(body ast.Value) (eventKey, bool) {
	k := eventKey{
		kind: stringAt(body, "involvedObject", "kind"), name: stringAt(body, "involvedObject", "name"),
		typ: stringAt(body, "type"), reason: stringAt(body, "reason"),
		message: strings.Join(strings.Fields(stringAt(body, "message")), " "),
	}
	return k, k.kind != "" && k.name != "" && k.reason != "" && k.message != ""
}

func eventCount(body ast.Value) float64 {
	if n, ok := valueAt(body, "count").(ast.Number); ok {
		if f, ok := n.Float64(); ok {
			return f
		}
	}
	return 1
}

// dropDuplicateEvents removes from objects the text copies of events that
// another file holds too; the kept copy lists the dropped one's places
// among its sources.
func dropDuplicateEvents(objects map[ObjectKey]*Object) {
	byEvent := map[eventKey][]*Object{}
	for k, o := range objects {
		if k.Kind != "Event" {
			continue
		}
		if ek, ok := eventKeyOf(o.Value); ok {
			byEvent[ek] = append(byEvent[ek], o)
		}
	}
	for _, copies := range byEvent {
		if len(copies) < 2 {
			continue
		}
		sort.Slice(copies, func(i, j int) bool {
			a, b := copies[i], copies[j]
			if pa, pb := partial(a.Value), partial(b.Value); pa != pb {
				return !pa
			}
			if ca, cb := eventCount(a.Value), eventCount(b.Value); ca != cb {
				return ca > cb
			}
			return sourceLess(a.Sources[0], b.Sources[0])
		})
		// A kept copy stands for one event: once it has absorbed a copy
		// from a file, its sources name that file and no second copy from
		// there is absorbed.
		var kept []*Object
	next:
		for _, o := range copies {
			if partial(o.Value) {
				for _, k := range kept {
					if sameNamespace(k, o) && !sameFile(o, k) {
						k.Sources = append(k.Sources, o.Sources...)
						delete(objects, o.Key)
						continue next
					}
				}
			}
			kept = append(kept, o)
		}
	}
}

// sameNamespace: a `kubectl get events -n X` table shows no namespace, so
// an event without one matches the same event of any namespace.
func sameNamespace(a, b *Object) bool {
	x, y := eventNamespace(a.Value), eventNamespace(b.Value)
	return x == "" || y == "" || x == y
}

func eventNamespace(body ast.Value) string {
	if ns := stringAt(body, "involvedObject", "namespace"); ns != "" {
		return ns
	}
	return stringAt(body, "metadata", "namespace")
}

func sameFile(a, b *Object) bool {
	for _, s := range a.Sources {
		for _, t := range b.Sources {
			if s.File == t.File {
				return true
			}
		}
	}
	return false
}
