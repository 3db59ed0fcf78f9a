package describe

import (
	"strings"
)

// buildQuota reads describeQuota. It prints status.hard, which the quota
// controller copies from spec.hard: both are set from it.
func buildQuota(o *obj, roots []*node, lines []line) {
	if n := top(roots, "Scopes"); n != nil {
		o.set(n.num, strList(n.value, ","), "spec", "scopes")
	}
	for i, l := range lines {
		if l.indent == 0 && strings.Join(strings.Fields(l.text), " ") == "Resource Used Hard" {
			quotaTable(o, lines[i:], 0)
			return
		}
	}
}

// quotaTable reads "Resource Used Hard" rows at indent.
func quotaTable(o *obj, ls []line, indent int) {
	var rows []line
	for j, l := range ls {
		if j > 0 && (l.indent != indent || l.text == "" || (l.hasKey && l.value != "" && j > 1)) {
			break
		}
		rows = append(rows, l)
	}
	t := readTable(rows)
	hard, used := map[string]any{}, map[string]any{}
	for _, r := range t.rows {
		res := t.col(r, "Resource")
		if res == "" {
			continue
		}
		hard[res] = t.col(r, "Hard")
		used[res] = t.col(r, "Used")
	}
	if len(rows) > 0 {
		o.set(rows[0].num, hard, "spec", "hard")
		o.set(rows[0].num, map[string]any{"hard": hard, "used": used}, "status")
	}
	for _, r := range t.rows {
		if res := t.col(r, "Resource"); res != "" {
			o.mark(r.num, "spec", "hard", res)
			o.mark(r.num, "status", "hard", res)
			o.mark(r.num, "status", "used", res)
		}
	}
}

// buildLimitRange reads describeLimitRange: one row per type and
// resource; consecutive rows of one type are one item of spec.limits.
func buildLimitRange(o *obj, _ []*node, lines []line) {
	for i, l := range lines {
		if l.indent == 0 && strings.HasPrefix(strings.Join(strings.Fields(l.text), " "), "Type Resource Min Max") {
			limitTable(o, lines[i:], []any{"spec", "limits"})
			return
		}
	}
}

func limitTable(o *obj, ls []line, p []any) {
	var rows []line
	for _, l := range ls {
		if l.text == "" || (l.hasKey && l.indent == 0) {
			break
		}
		rows = append(rows, l)
	}
	t := readTable(rows)
	items := []any{}
	var cur map[string]any
	for _, r := range t.rows {
		typ, res := t.col(r, "Type"), t.col(r, "Resource")
		if typ == "" || res == "" {
			continue
		}
		if cur == nil || cur["type"] != typ {
			cur = map[string]any{"type": typ}
			items = append(items, cur)
			// An item is cited at its first row.
			o.mark(r.num, path(p, len(items)-1)...)
		}
		i := len(items) - 1
		for _, c := range []struct{ header, field string }{
			{"Min", "min"}, {"Max", "max"}, {"Default Request", "defaultRequest"},
			{"Default Limit", "default"}, {"Max Limit/Request Ratio", "maxLimitRequestRatio"},
		} {
			v := t.col(r, c.header)
			if v == "" || v == "-" {
				continue
			}
			m, _ := cur[c.field].(map[string]any)
			if m == nil {
				m = map[string]any{}
				cur[c.field] = m
			}
			m[res] = v
			o.mark(r.num, path(p, i, c.field, res)...)
			o.mark(r.num, path(p, i, c.field)...)
		}
	}
	if len(rows) > 0 {
		o.set(rows[0].num, items, p...)
	}
}

// buildNamespace reads describeNamespace; the quotas it lists by name
// become partial ResourceQuota objects too.
func buildNamespace(o *obj, roots []*node, lines []line) {
	if n := top(roots, "Status"); n != nil {
		o.set(n.num, n.value, "status", "phase")
	}
	o.conditions(top(roots, "Conditions"), "status", "conditions")
	for i, l := range lines {
		if l.indent == 1 && l.hasKey && l.key == "Name" || (l.indent == 2 && l.hasKey && l.key == "Name") {
			q := newObj("ResourceQuota", "v1", l.num)
			q.file, q.res = o.file, o.res
			q.set(l.num, l.value, "metadata", "name")
			q.set(l.num, o.name(), "metadata", "namespace")
			for j := i + 1; j < len(lines) && j < i+4; j++ {
				if lines[j].hasKey && lines[j].key == "Scopes" {
					q.set(lines[j].num, strList(lines[j].value, ","), "spec", "scopes")
				}
				if strings.Join(strings.Fields(lines[j].text), " ") == "Resource Used Hard" {
					quotaTable(q, lines[j:], lines[j].indent)
					break
				}
			}
			o.res.emit(q, kinds["ResourceQuota"].notShown)
		}
	}
}
