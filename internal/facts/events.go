package facts

import (
	"sort"
	"strings"
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

func eventKeyOf(body map[string]any) (eventKey, bool) {
	inv, _ := body["involvedObject"].(map[string]any)
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	k := eventKey{
		kind: str(inv, "kind"), name: str(inv, "name"),
		typ: str(body, "type"), reason: str(body, "reason"),
		message: strings.Join(strings.Fields(str(body, "message")), " "),
	}
	return k, k.kind != "" && k.name != "" && k.reason != "" && k.message != ""
}

func eventCount(body map[string]any) float64 {
	switch c := body["count"].(type) {
	case float64:
		return c
	case int64:
		return float64(c)
	case int:
		return float64(c)
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
		if ek, ok := eventKeyOf(o.Body); ok {
			byEvent[ek] = append(byEvent[ek], o)
		}
	}
	for _, copies := range byEvent {
		if len(copies) < 2 {
			continue
		}
		sort.Slice(copies, func(i, j int) bool {
			a, b := copies[i], copies[j]
			if pa, pb := partial(a.Body), partial(b.Body); pa != pb {
				return !pa
			}
			if ca, cb := eventCount(a.Body), eventCount(b.Body); ca != cb {
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
			if partial(o.Body) {
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
	x, y := eventNamespace(a.Body), eventNamespace(b.Body)
	return x == "" || y == "" || x == y
}

func eventNamespace(body map[string]any) string {
	inv, _ := body["involvedObject"].(map[string]any)
	if ns, _ := inv["namespace"].(string); ns != "" {
		return ns
	}
	md, _ := body["metadata"].(map[string]any)
	ns, _ := md["namespace"].(string)
	return ns
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
