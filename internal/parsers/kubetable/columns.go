// Package kubetable reads the tables `kubectl get` and `kubectl top` print
// (pods, nodes, events, services, PVCs, deployments, replicasets,
// statefulsets, daemonsets, endpoints, `get all` sections) into partial
// Kubernetes objects, so rules that read the JSON form read these too.
//
// kubectl prints tables through text/tabwriter with minwidth 6, tabwidth 4,
// padding 3 and ' ' as the pad character (k8s.io/cli-runtime
// pkg/printers/tabwriter.go): every column but the last is padded to its
// widest cell plus 3 spaces, so a row's cells start where the header's
// names start. Cells hold single spaces ("LAST SEEN", "5 (3m ago)", an
// event's MESSAGE), so columns are cut at the header's positions, not at
// spaces; a row pasted with its spaces collapsed falls back to runs of two
// or more spaces.
package kubetable

import (
	"strings"
	"unicode/utf8"
)

// column is one header name and the rune offset it starts at.
type column struct {
	name  string
	start int
}

// headerColumns splits a header line into column names: names are
// separated by two or more spaces (the header's own single spaces stay,
// "LAST SEEN", "NOMINATED NODE").
func headerColumns(line string) []column {
	var cols []column
	r := []rune(line)
	i := 0
	for i < len(r) {
		for i < len(r) && r[i] == ' ' {
			i++
		}
		if i >= len(r) {
			break
		}
		start := i
		for i < len(r) {
			if r[i] == ' ' && (i+1 >= len(r) || r[i+1] == ' ') {
				break
			}
			if r[i] == '\t' {
				break
			}
			i++
		}
		cols = append(cols, column{name: string(r[start:i]), start: start})
		for i < len(r) && r[i] == '\t' {
			i++
		}
	}
	return cols
}

// cells cuts a row at the header's column starts. A row whose layout does
// not line up with the header (a character other than a space just before
// a column start) is split at runs of two or more spaces instead, the last
// column taking the rest.
func cells(row string, cols []column) []string {
	r := []rune(row)
	aligned := true
	for i, c := range cols[1:] {
		if c.start >= len(r) {
			break
		}
		end := len(r)
		if i+2 < len(cols) && cols[i+2].start < end {
			end = cols[i+2].start
		}
		// A cell starts right after padding; a blank cell (the old
		// events table's SUBOBJECT) is spaces to the next column.
		if r[c.start-1] != ' ' || (r[c.start] == ' ' && strings.TrimSpace(string(r[c.start:end])) != "") {
			aligned = false
			break
		}
	}
	out := make([]string, len(cols))
	if aligned {
		for i, c := range cols {
			if c.start >= len(r) {
				break
			}
			end := len(r)
			if i+1 < len(cols) && cols[i+1].start < end {
				end = cols[i+1].start
			}
			out[i] = strings.TrimSpace(string(r[c.start:end]))
		}
		return out
	}
	parts := splitRuns(row, len(cols))
	copy(out, parts)
	return out
}

// splitRuns splits at runs of two or more spaces (or tabs) into at most n
// parts; the last part keeps its single spaces.
func splitRuns(s string, n int) []string {
	var out []string
	s = strings.TrimSpace(s)
	for len(out) < n-1 && s != "" {
		j := strings.Index(s, "  ")
		if k := strings.IndexByte(s, '\t'); k >= 0 && (j < 0 || k < j) {
			j = k
		}
		if j < 0 {
			break
		}
		out = append(out, s[:j])
		s = strings.TrimLeft(s[j:], " \t")
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// isHeaderLine reports whether a line is a table header: upper-case column
// names, the first NAME, NAMESPACE or LAST SEEN.
func isHeaderLine(line string) bool {
	if !utf8.ValidString(line) {
		return false
	}
	t := strings.TrimSpace(line)
	if !(strings.HasPrefix(t, "NAME ") || strings.HasPrefix(t, "NAMESPACE ") || strings.HasPrefix(t, "LAST SEEN ") ||
		strings.HasPrefix(t, "LASTSEEN ") || strings.HasPrefix(t, "NAME\t") || strings.HasPrefix(t, "NAMESPACE\t")) {
		return false
	}
	for _, c := range t {
		if c >= 'a' && c <= 'z' && !strings.Contains(t, "(cores)") && !strings.Contains(t, "(bytes)") {
			return false
		}
	}
	return len(headerColumns(t)) >= 2
}
