package report

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// WriteMarkdown writes the incident report a support engineer reads first:
// what is broken, the proof with file:line, how to confirm it on the live
// cluster, how to fix it; then what could not be checked and which files
// were not understood.
func WriteMarkdown(out io.Writer, r *Report) error {
	bw := bufio.NewWriter(out)
	w := safeText{bw}
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }

	p("# ktriage incident report\n\n")
	p("| | |\n|---|---|\n")
	p("| Bundle | %s |\n", cell(strings.Join(r.Bundle.Paths, ", ")))
	p("| Nodes | %s |\n", cell(listOrNone(r.Bundle.Nodes, 12)))
	if len(r.Bundle.Unattributed) > 0 {
		p("| Not attributed to a node | %s |\n", cell(listOrNone(r.Bundle.Unattributed, 12)))
	}
	p("| Namespaces | %s |\n", cell(listOrNone(r.Bundle.Namespaces, 20)))
	p("| Files by kind | %s |\n", cell(kindsText(r.Bundle.FilesByKind)))
	if r.Redaction != "" {
		p("| Redacted | %s |\n", cell(r.Redaction))
	}
	p("| ktriage | %s |\n\n", cell(r.Tool.Version))

	if len(r.Bundle.NodeFiles) > 0 {
		p("| Node | Node-level files | Missing |\n|---|---|---|\n")
		names := make([]string, 0, len(r.Bundle.NodeFiles))
		for n := range r.Bundle.NodeFiles {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			nf := r.Bundle.NodeFiles[n]
			p("| %s | %s | %s |\n", cell(n), cell(listOrDash(nf.Present)), cell(listOrDash(nf.Missing)))
		}
		p("\n")
	}

	if len(r.Limits) > 0 {
		p("> **The bundle was not read completely:**\n")
		for _, l := range r.Limits {
			p("> - %s\n", l)
		}
		p("\n")
	}

	p("## Summary\n\n")
	if len(r.Findings) == 0 {
		p("No findings: none of the %d rules that ran found a problem.\n\n", r.RulesRun)
	} else {
		p("| Severity | Findings |\n|---|---|\n")
		for _, s := range Severities {
			if n := r.Summary[s]; n > 0 {
				p("| %s | %d |\n", s, n)
			}
		}
		p("\n")
		p("| # | Severity | Rule | What |\n|---|---|---|---|\n")
		for i, f := range r.Findings {
			p("| %d | %s | %s | %s |\n", i+1, f.Severity, f.Rule, cell(oneLine(f.Message, 160)))
		}
		p("\n")
	}

	for i, f := range r.Findings {
		p("## %d. %s — %s\n\n", i+1, strings.ToUpper(f.Severity), f.Title)
		p("%s\n\n", f.Message)
		p("- **Rule:** `%s` (category `%s`)\n", f.Rule, f.Category)
		if len(f.Subjects) > 0 {
			subs := make([]string, len(f.Subjects))
			for j, s := range f.Subjects {
				subs[j] = "`" + s.String() + "`"
			}
			p("- **Objects:** %s\n", strings.Join(subs, ", "))
		}
		p("\n")
		if len(f.Evidence) > 0 {
			p("### Evidence\n\n")
			for _, e := range f.Evidence {
				writeEvidence(w, e)
			}
			p("\n")
		}
		if len(f.Confirm) > 0 {
			p("### Confirm on the live cluster\n\n```sh\n")
			for _, c := range f.Confirm {
				p("%s\n", c)
			}
			p("```\n\n")
		}
		if f.Remediation != "" {
			p("### Fix\n\n%s\n\n", f.Remediation)
		}
		if len(f.References) > 0 {
			p("### References\n\n")
			for _, ref := range f.References {
				p("- %s\n", ref)
			}
			p("\n")
		}
	}

	p("## Checks not run\n\n")
	if len(r.Skipped) == 0 {
		p("Every rule ran on complete input.\n\n")
	} else {
		p("| Rule | Why |\n|---|---|\n")
		for _, s := range r.Skipped {
			p("| %s | %s |\n", s.Rule, cell(s.Reason))
		}
		p("\n")
	}

	p("## Files not understood\n\n")
	var odd []Input
	for _, in := range r.Inputs {
		if in.Status != StatusParsed {
			odd = append(odd, in)
		}
	}
	if len(odd) == 0 {
		p("Every file was read.\n\n")
	} else {
		p("| File | Status | Why |\n|---|---|---|\n")
		for _, in := range odd {
			why := in.Error
			if why == "" {
				why = strings.Join(in.Warnings, "; ")
			}
			if why == "" {
				why = in.Detail
			}
			p("| `%s` | %s | %s |\n", cellCode(in.File), in.Status, cell(oneLine(why, 300)))
		}
		p("\n")
	}

	p("<details><summary>All %d input files</summary>\n\n", len(r.Inputs))
	p("| File | Kind | Node | Status | Content |\n|---|---|---|---|---|\n")
	for _, in := range r.Inputs {
		p("| `%s` | %s | %s | %s | %s |\n", cellCode(in.File), in.Kind, cell(in.Node), in.Status, cell(oneLine(in.Detail, 160)))
	}
	p("\n</details>\n")
	return bw.Flush()
}

// safeText escapes, in everything written through it, what a Markdown
// report read in a terminal or a browser must not carry raw: bytes that are
// not UTF-8, control characters other than newline and tab (an ESC
// sequence quoted from a log would drive the reader's terminal) and
// bidirectional overrides (which make "evil\u202etxt.exe" read as
// "evilexe.txt"). Evidence quotes customer files verbatim, so this is
// done once for the whole report instead of at each quoting site. Every
// write is a whole formatted line or cell, so no rune is split between
// writes.
type safeText struct{ w io.Writer }

func (s safeText) Write(b []byte) (int, error) {
	if clean(b) {
		return s.w.Write(b)
	}
	var out []byte
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = fmt.Appendf(out, "\\x%02x", b[i])
		case unsafeRune(r):
			q := strconv.QuoteRuneToASCII(r)
			out = append(out, q[1:len(q)-1]...)
		default:
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	if _, err := s.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

func clean(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\t' || c >= 0x7f {
			return false // slow path decides for DEL and all non-ASCII
		}
	}
	return true
}

func unsafeRune(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || r >= 0x7f && r < 0xa0:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

func writeEvidence(w io.Writer, e Evidence) {
	loc := e.File
	switch {
	case e.Line > 0:
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	case e.Frame > 0:
		loc = fmt.Sprintf("%s frame %d", e.File, e.Frame)
	}
	switch {
	case loc != "" && e.Note != "":
		fmt.Fprintf(w, "- `%s` — %s\n", cellCode(loc), e.Note)
	case loc != "":
		fmt.Fprintf(w, "- `%s`\n", cellCode(loc))
	default:
		fmt.Fprintf(w, "- %s\n", e.Note)
	}
	if e.Text != "" {
		fmt.Fprintf(w, "  ```\n  %s\n  ```\n", strings.ReplaceAll(e.Text, "```", "``\u200b`"))
	}
}

func kindsText(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func listOrNone(l []string, max int) string {
	if len(l) == 0 {
		return "none in the bundle"
	}
	if len(l) > max {
		return strings.Join(l[:max], ", ") + fmt.Sprintf(" and %d more", len(l)-max)
	}
	return strings.Join(l, ", ")
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.ReplaceAll(s, "\n", " ")
}

func cellCode(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "`", "'"), "|", "\\|")
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		cut := max
		for cut > 0 && (s[cut]&0xC0) == 0x80 {
			cut--
		}
		return s[:cut] + "…"
	}
	return s
}

func listOrDash(l []string) string {
	if len(l) == 0 {
		return "—"
	}
	return strings.Join(l, ", ")
}
