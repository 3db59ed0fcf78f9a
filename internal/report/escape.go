package report

import (
	"regexp"
	"strings"
)

var reEntity = regexp.MustCompile(`^&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});`)

// Every value that comes from the bundle (names, namespaces, paths, node
// names taken from directory names, messages and notes that quote them,
// quoted lines) goes through one of the functions below, chosen for the
// context it lands in, so nothing a customer's cluster holds can add a
// heading, a table column, a code block or an HTML element to the report.
// safeText (markdown.go) additionally neutralises terminal escapes and
// bidi overrides in everything written.

// mdText escapes s for running text: a paragraph, a list item, a heading
// or a table cell. Newlines become spaces (a line break would start a new
// block); characters that open inline constructs (emphasis, code, links,
// HTML, entities, table cells) are backslash-escaped, and so is a line
// start that would open a block (a heading, a quote, a list). Escapes are
// backslashes, not entities, so the Markdown stays readable as text.
func mdText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '<':
			// no tag, comment or autolink can open
			b.WriteString(`\<`)
		case '&':
			// only where it would start an entity (&lt; &#60;)
			if reEntity.MatchString(s[i:]) {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		case '\\', '`', '*', '[', ']', '|', '~':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '_':
			// inside a word (ip_forward) an underscore cannot open
			// emphasis; escaping it there would only clutter the text
			if i == 0 || i == len(s)-1 || !alnum(s[i-1]) || !alnum(s[i+1]) {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		case '-', '+', '=', '#', '>':
			if i == 0 {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		case '.', ')':
			// "1. x" or "1) x" at the start would open an ordered list
			if allDigits(s[:i]) && i > 0 {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func alnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// mdCode writes s as an inline code span: the fence is one backtick longer
// than the longest run inside, padded with a space where s starts or ends
// with a backtick; newlines become spaces and `|` is escaped, which GFM
// requires inside table cells even in code (elsewhere the renderer shows
// the backslash, so mdCode is only for tables; use mdCodeInline outside).
func mdCode(s string) string { return codeSpan(s, true) }

// mdCodeInline is mdCode for code spans outside tables.
func mdCodeInline(s string) string { return codeSpan(s, false) }

func codeSpan(s string, inTable bool) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }), " ")
	if inTable {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	if s == "" {
		return ""
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	pad := ""
	if s[0] == '`' || s[len(s)-1] == '`' || s[0] == ' ' && s[len(s)-1] == ' ' {
		pad = " "
	}
	return fence + pad + s + pad + fence
}

// mdFence returns the fence for a fenced code block holding s: longer than
// any run of backticks in it, so no line of s can close the block.
func mdFence(s string) string {
	return strings.Repeat("`", max(3, longestRun(s, '`')+1))
}

// mdBlockLines prepares s for a fenced block indented by indent: one
// output line per line of s, each indented, so a line of s cannot leave
// the list item the block sits in.
func mdBlockLines(s, indent string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = indent + strings.TrimRight(l, "\r")
	}
	return strings.Join(lines, "\n")
}

func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// cutWords shortens s to at most max bytes at a word boundary, adding "…",
// after making it one line.
func cutWords(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= max {
		return s
	}
	cut := strings.LastIndexByte(s[:max+1], ' ')
	if cut < max/2 {
		// one very long word (a path, a quoted line): cut inside it, on a
		// rune boundary
		cut = max
		for cut > 0 && (s[cut]&0xC0) == 0x80 {
			cut--
		}
	}
	return strings.TrimRight(s[:cut], " ,;:") + "…"
}
