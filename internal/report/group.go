package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Group is one cause seen on several nodes or objects: findings of one
// rule, at one severity, whose rule gave the same `details.group`, or,
// without one, the same `details.reason` (the variant a rule names, such
// as no-pod-matches), or, without either, whose messages are the same once
// the names of their subjects are taken out ("… on vm-1: …" and "… on
// vm-2: …"). Members index Report.Findings, in report order.
type Group struct {
	ID      string
	Members []int
}

// groupKey is what findings of one cause share (docs/report-json.md).
// names are the subjects' names of all the rule's findings: a message may
// name another finding's node ("on vm-4: … the captures on vm-5 agree").
func groupKey(f Finding, names []string) string {
	cause := ""
	if g, ok := f.Details["group"].(string); ok && g != "" {
		cause = "group:" + g
	} else if r, ok := f.Details["reason"].(string); ok && r != "" {
		cause = "reason:" + r
	} else {
		cause = "message:" + abstract(f.Message, names).key()
	}
	// one cause is never grouped across clusters
	return strings.Join([]string{f.Rule, f.Severity, f.Title, cause, strconv.Itoa(f.Cluster)}, "\x00")
}

// Groups returns the report's causes in the order of their first finding,
// so they keep the findings' severity order. IDs are `<rule>#<n>`, n
// counting that rule's groups from 1.
func (r *Report) Groups() []Group {
	var out []Group
	at := map[string]int{}
	perRule := map[string]int{}
	names := map[string][]string{}
	for _, f := range r.Findings {
		names[f.Rule] = append(names[f.Rule], subjectNames(f)...)
	}
	for i, f := range r.Findings {
		k := groupKey(f, names[f.Rule])
		if j, ok := at[k]; ok {
			out[j].Members = append(out[j].Members, i)
			continue
		}
		perRule[f.Rule]++
		at[k] = len(out)
		out = append(out, Group{ID: fmt.Sprintf("%s#%d", f.Rule, perRule[f.Rule]), Members: []int{i}})
	}
	return out
}

// subjectNames are the names a message may carry for its subjects: a
// node's name, an object's name and namespace/name.
func subjectNames(f Finding) []string {
	var names []string
	for _, s := range f.Subjects {
		if s.Name != "" {
			names = append(names, s.Name)
		}
		if s.Namespace != "" && s.Name != "" {
			names = append(names, s.Namespace+"/"+s.Name)
		}
	}
	return names
}

// template is a text cut where names stood: text[i] comes before vals[i].
type template struct {
	text []string
	vals []string
}

func (t template) key() string { return strings.Join(t.text, "\x01") }

// abstract cuts the names out of s, the longest first, each only where it
// stands as a whole word (vm-1 is not taken out of vm-10).
func abstract(s string, names []string) template {
	names = append([]string(nil), names...)
	sort.SliceStable(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	var t template
	last := 0
	for i := 0; i < len(s); {
		if i > 0 && nameByte(s[i-1]) {
			i++
			continue
		}
		matched := ""
		for _, n := range names {
			if n != "" && strings.HasPrefix(s[i:], n) && (i+len(n) == len(s) || !nameByte(s[i+len(n)])) {
				matched = n
				break
			}
		}
		if matched == "" {
			i++
			continue
		}
		t.text = append(t.text, s[last:i])
		t.vals = append(t.vals, matched)
		i += len(matched)
		last = i
	}
	t.text = append(t.text, s[last:])
	return t
}

func nameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c >= 0x80
}

// merge writes the members' texts as one when they differ only in the
// names cut out ("on vm-1 and vm-2"); ok is false when they differ in
// more, and the caller lists them one by one.
func merge(texts []string, names []string) (string, bool) {
	if len(texts) == 0 {
		return "", true
	}
	ts := make([]template, len(texts))
	for i := range texts {
		ts[i] = abstract(texts[i], names)
		if ts[i].key() != ts[0].key() {
			return "", false
		}
	}
	var b strings.Builder
	for k, part := range ts[0].text {
		b.WriteString(part)
		if k == len(ts[0].vals) {
			break
		}
		var vals []string
		for _, t := range ts {
			if !contains(vals, t.vals[k]) {
				vals = append(vals, t.vals[k])
			}
		}
		b.WriteString(andList(vals, 6))
	}
	return b.String(), true
}

// andList joins "a", "a and b", "a, b and c", "a, b, … and 4 more".
func andList(l []string, max int) string {
	switch {
	case len(l) == 0:
		return ""
	case len(l) == 1:
		return l[0]
	case len(l) > max:
		return strings.Join(l[:max], ", ") + fmt.Sprintf(" and %d more", len(l)-max)
	}
	return strings.Join(l[:len(l)-1], ", ") + " and " + l[len(l)-1]
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
