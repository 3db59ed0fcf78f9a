package source

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"
)

// LineReader yields the lines of a file, keeping at most a given number of
// bytes of each, so a 20 MB single-line file costs no more than a short one. A line ends at "\n", "\r\n" or a bare "\r" (files that went
// through an old Mac tool or a Windows clipboard), but line numbers count
// "\n" only, as the project's line index (internal/source) does, so a
// citation points where an editor and the report's excerpt look.
type LineReader struct {
	keep int
	br   *bufio.Reader
	buf  []byte // the fragment being split, copied out of br
	pos  int
	line int // the '\n'-counted number of the next line returned
	n    int // the number of the line last returned (Line)
	eof  bool
	err  error
}

// NewLineReader reads r, keeping at most keep bytes of each line.
func NewLineReader(r io.Reader, keep int) *LineReader {
	return &LineReader{keep: keep, br: bufio.NewReaderSize(r, 64<<10), line: 1}
}

// Line is the number of the line Next returned last.
func (l *LineReader) Line() int { return l.n }

// Next returns the next line without its ending, whether it was cut to
// the keep limit, and false at the end of the input (err then says why, if
// not EOF).
func (l *LineReader) Next() (text string, cut, ok bool, err error) {
	var sb strings.Builder
	started := false
	keep := func(b []byte) {
		if room := l.keep - sb.Len(); room < len(b) {
			b, cut = b[:max(room, 0)], true
		}
		sb.Write(b)
	}
	for {
		if l.pos >= len(l.buf) {
			if l.eof {
				if !started {
					return "", false, false, l.err
				}
				break
			}
			frag, e := l.br.ReadSlice('\n')
			l.buf, l.pos = append(l.buf[:0], frag...), 0
			if e != nil && e != bufio.ErrBufferFull {
				l.eof = true
				if e != io.EOF {
					l.err = e
				}
			}
			continue
		}
		started = true
		rest := l.buf[l.pos:]
		i := bytes.IndexAny(rest, "\r\n")
		if i < 0 {
			keep(rest)
			l.pos = len(l.buf)
			continue
		}
		keep(rest[:i])
		l.pos += i + 1
		if rest[i] == '\n' {
			return l.done(&sb, cut, true)
		}
		// "\r": the line ends here; "\r\n" ends the '\n' line too.
		if l.pos < len(l.buf) {
			if l.buf[l.pos] == '\n' {
				l.pos++
				return l.done(&sb, cut, true)
			}
			return l.done(&sb, cut, false)
		}
		if b, e := l.br.Peek(1); e == nil && b[0] == '\n' {
			l.br.Discard(1)
			return l.done(&sb, cut, true)
		}
		return l.done(&sb, cut, false)
	}
	return l.done(&sb, cut, false)
}

func (l *LineReader) done(sb *strings.Builder, cut, newline bool) (string, bool, bool, error) {
	l.n = l.line
	if newline {
		l.line++
	}
	return sb.String(), cut, true, nil
}

// HeadLines splits the first bytes of a file into lines for detection: no
// byte-order mark, "\r\n" and bare "\r" endings both split, and when the
// head is full (headSize bytes: the file goes on) the last line, which the
// head may have cut short, is dropped.
func HeadLines(head []byte, headSize int) []string {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if len(head) >= headSize {
		if i := bytes.LastIndexByte(head, '\n'); i >= 0 {
			head = head[:i]
		}
	}
	return strings.FieldsFunc(string(head), func(r rune) bool { return r == '\n' || r == '\r' })
}

// Quote trims a line for quoting in a fact or a warning: no surrounding
// blanks, at most MaxExcerpt bytes, cut on a rune boundary and marked
// with "…".
func Quote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= MaxExcerpt {
		return s
	}
	cut := MaxExcerpt - len("…")
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// EachLine calls fn with every line of r, as LineReader yields them: the
// line's 0-based index, its '\n'-counted number, its text and whether it
// was cut to keep bytes. It looks at ctx every 4096 lines and returns
// ctx's error or the read error, after the lines read before it.
func EachLine(ctx context.Context, r io.Reader, keep int, fn func(i, n int, text string, cut bool)) error {
	lr := NewLineReader(r, keep)
	for i := 0; ; i++ {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		text, cut, ok, err := lr.Next()
		if !ok {
			return err
		}
		fn(i, lr.Line(), text, cut)
	}
}
