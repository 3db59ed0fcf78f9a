package describe

import (
	"strings"
	"unicode/utf8"
)

// line is one line of describe output. kubectl writes it through a
// tabwriter that pads with spaces, so a field is "Key:" then spaces up to
// the value column; nesting is by indentation (two spaces a level, one
// more for container and volume names inside a pod template).
type line struct {
	num    int    // 1-based line number in the file
	indent int    // leading spaces
	text   string // without the indentation and trailing space
	raw    string // the whole line, tabs expanded, for tables cut by column
	key    string // "Restart Count" for "Restart Count:  3"; "" when not a field
	value  string // "3"
	hasKey bool
}

// maxLine bounds a kept line: describe lines are short, and a pasted
// megabyte of one line must not be copied around.
const maxLine = 16 << 10

func newLine(num int, s string) line {
	s = strings.TrimRight(s, "\r")
	if len(s) > maxLine {
		s = s[:maxLine]
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, '\t') >= 0 {
		s = expandTabs(s)
	}
	s = strings.TrimRight(s, " ")
	t := strings.TrimLeft(s, " ")
	l := line{num: num, indent: len(s) - len(t), text: t, raw: s}
	l.key, l.value, l.hasKey = splitField(t)
	return l
}

func expandTabs(s string) string {
	var sb strings.Builder
	col := 0
	for _, r := range s {
		if r == '\t' {
			n := 8 - col%8
			sb.WriteString(strings.Repeat(" ", n))
			col += n
			continue
		}
		sb.WriteRune(r)
		col++
	}
	return sb.String()
}

// splitField splits "Key:   value" at the first colon followed by a space
// or the end of the line. Keys are words with single spaces ("Last
// State", "Priority Class Name"); two spaces in a row mean a table row.
func splitField(t string) (key, value string, ok bool) {
	for i := 0; i < len(t); i++ {
		if t[i] != ':' {
			continue
		}
		if i+1 < len(t) && t[i+1] != ' ' {
			continue
		}
		k := t[:i]
		if k == "" || strings.Contains(k, "  ") {
			return "", "", false
		}
		return k, strings.TrimSpace(t[i+1:]), true
	}
	return "", "", false
}

// node is a line with the lines indented below it.
type node struct {
	line
	children []*node
}

// tree builds the indentation tree of lines (blank lines dropped).
func tree(lines []line) []*node {
	var roots []*node
	var stack []*node
	for _, l := range lines {
		if l.text == "" {
			continue
		}
		n := &node{line: l}
		for len(stack) > 0 && stack[len(stack)-1].indent >= l.indent {
			stack = stack[:len(stack)-1]
		}
		if len(stack) == 0 {
			roots = append(roots, n)
		} else {
			p := stack[len(stack)-1]
			p.children = append(p.children, n)
		}
		stack = append(stack, n)
	}
	return roots
}

// find returns the first node among ns with the key.
func find(ns []*node, key string) *node {
	for _, n := range ns {
		if n.hasKey && n.key == key {
			return n
		}
	}
	return nil
}

// values returns a multi-line field's entries: its value and each line
// below it ("Labels:  a=b" then "         c=d").
func (n *node) values() []*node {
	out := make([]*node, 0, 1+len(n.children))
	if n.value != "" {
		out = append(out, &node{line: line{num: n.num, text: n.value}})
	}
	return append(out, n.children...)
}

// flat lists a node's descendants in order.
func flat(ns []*node) []*node {
	var out []*node
	for _, n := range ns {
		out = append(out, n)
		out = append(out, flat(n.children)...)
	}
	return out
}

// none reports kubectl's markers for an empty or unknown value.
func none(v string) bool {
	switch v {
	case "", "<none>", "<unset>", "<unknown>", "<invalid>", "<nil>":
		return true
	}
	return false
}

// table cuts rows into cells. kubectl prints a header, usually an
// underline of dashes, then rows, all through one tabwriter block, so
// every cell of a column starts where its underline does. Pasted output
// sometimes loses that alignment: then cells are split at runs of two or
// more spaces, which no header or value kubectl prints contains inside a
// cell except messages (the last column, which takes the rest).
type table struct {
	header []string
	starts []int
	rows   []row
}

type row struct {
	num   int
	cells []string
}

// readTable reads a table from lines: the header first, an optional
// underline, then rows until a line that is not a row (stop decides).
func readTable(ls []line) table {
	var t table
	if len(ls) == 0 {
		return t
	}
	head := ls[0]
	rest := ls[1:]
	if len(rest) > 0 && isUnderline(rest[0].text) {
		t.starts = runStarts(rest[0].raw)
		rest = rest[1:]
	} else {
		t.starts = headerStarts(head.raw)
	}
	t.header = cut(head.raw, t.starts)
	for _, l := range rest {
		if l.text == "" {
			continue
		}
		t.rows = append(t.rows, row{num: l.num, cells: cutRow(l.raw, t.starts)})
	}
	return t
}

func isUnderline(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && strings.Trim(s, "- ") == "" && strings.Contains(s, "--")
}

// runStarts returns where each run of dashes starts.
func runStarts(s string) []int {
	var out []int
	for i := 0; i < len(s); i++ {
		if s[i] == '-' && (i == 0 || s[i-1] == ' ') {
			out = append(out, i)
		}
	}
	return out
}

// headerStarts returns where each header word group starts: headers
// without an underline ("Type  Status") hold no double spaces.
func headerStarts(s string) []int {
	var out []int
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' && (i == 0 || (s[i-1] == ' ' && (i < 2 || s[i-2] == ' '))) {
			out = append(out, i)
		}
	}
	return out
}

func cut(s string, starts []int) []string {
	out := make([]string, len(starts))
	for i, st := range starts {
		if st >= len(s) {
			break
		}
		end := len(s)
		if i+1 < len(starts) && starts[i+1] < len(s) {
			end = starts[i+1]
		}
		if end < st {
			end = st
		}
		out[i] = strings.TrimSpace(s[st:end])
	}
	return out
}

// cutRow cuts by column when the row agrees with the columns (a space
// before every column start it reaches), else at runs of spaces.
func cutRow(s string, starts []int) []string {
	aligned := len(starts) > 0
	for i, st := range starts {
		if st >= len(s) {
			break
		}
		if i > 0 && s[st-1] != ' ' {
			aligned = false
			break
		}
		if i == 0 && strings.TrimSpace(s[:st]) != "" {
			aligned = false
			break
		}
	}
	if aligned {
		return cut(s, starts)
	}
	return splitSpaces(strings.TrimSpace(s), len(starts))
}

// splitSpaces splits at runs of two or more spaces into at most n cells,
// the last taking the rest.
func splitSpaces(s string, n int) []string {
	var out []string
	for len(s) > 0 {
		if n > 0 && len(out) == n-1 {
			out = append(out, s)
			break
		}
		i := strings.Index(s, "  ")
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i])
		s = strings.TrimLeft(s[i:], " ")
	}
	for len(out) < n {
		out = append(out, "")
	}
	return out
}

// col returns the cell under a header name (case-insensitive), or "".
func (t table) col(r row, name string) string {
	for i, h := range t.header {
		if strings.EqualFold(h, name) && i < len(r.cells) {
			return r.cells[i]
		}
	}
	return ""
}

// nodeLines lists the lines of nodes in order, for tables.
func nodeLines(ns []*node) []line {
	var out []line
	for _, n := range flat(ns) {
		out = append(out, n.line)
	}
	return out
}
