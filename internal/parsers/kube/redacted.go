package kube

import (
	"bytes"
)

// redactMark is what troubleshoot.sh's redactors write in place of a
// secret (replicatedhq/troubleshoot pkg/redact: MASK_TEXT = "***HIDDEN***").
// Its regexp redactors work on lines of text, not on YAML, so a value they
// mask can begin with the mark: `password: ***HIDDEN***`, or
// `dsn: ***HIDDEN***:***HIDDEN***@tcp(...)` from the database
// connection-string redactor. In YAML a plain scalar beginning with "*" is
// an alias, and "**HIDDEN***" names no anchor: the decoder fails the
// whole document. In JSON the mark is always inside a string and harmless.
var redactMark = []byte("***HIDDEN***")

// quoteRedacted quotes, in single quotes, every plain scalar that begins
// with the redaction mark: after "key: ", after "- ", or alone on a line,
// to the end of its line. Lines keep their number, so what is cited stays
// where it was.
func quoteRedacted(raw []byte) []byte {
	if !bytes.Contains(raw, redactMark) {
		return raw
	}
	var out []byte
	rest := raw
	for len(rest) > 0 {
		line := rest
		next := []byte(nil)
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, next = rest[:i+1], rest[i+1:]
		}
		rest = next
		at := scalarStartsWithMark(line)
		if at < 0 {
			out = append(out, line...)
			continue
		}
		body := line[at:]
		end := bytes.TrimRight(body, "\r\n")
		tail := body[len(end):]
		out = append(out, line[:at]...)
		out = append(out, '\'')
		out = append(out, bytes.ReplaceAll(bytes.TrimRight(end, " \t"), []byte("'"), []byte("''"))...)
		out = append(out, '\'')
		out = append(out, tail...)
	}
	return out
}

// scalarStartsWithMark returns where on the line a plain scalar beginning
// with the mark starts, or -1.
func scalarStartsWithMark(line []byte) int {
	i := bytes.Index(line, redactMark)
	if i < 0 {
		return -1
	}
	before := bytes.TrimRight(line[:i], " \t")
	if bytes.ContainsAny(before, `"'#|>`) {
		// Inside a quoted scalar, after a comment, or a block scalar's
		// header: not where a plain scalar begins.
		return -1
	}
	switch {
	case len(bytes.TrimLeft(before, " \t")) == 0: // alone on its line
		return i
	case i > len(before) && (bytes.HasSuffix(before, []byte(":")) || bytes.HasSuffix(before, []byte("-"))):
		// "key: ***HIDDEN***", "- ***HIDDEN***": a space after the
		// indicator, as YAML requires. (A mark inside a quoted or plain
		// scalar that begins otherwise is harmless.)
		return i
	}
	return -1
}
