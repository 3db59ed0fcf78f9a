package sysctl

import (
	"bufio"
	"bytes"
	"io"
	"strings"

	"github.com/ktriage/ktriage/internal/loader"
)

// maxLineKeep bounds what is kept of one line: the longest sysctl values
// (dev.cdrom.info rows, fs.dentry-state, kernel.sched_domain lists) are
// well under 1 KiB, and a 20 MB single-line file must not cost 20 MB.
const maxLineKeep = 16 << 10

// lineReader yields the lines of a file, keeping at most maxLineKeep bytes
// of each. A line ends at "\n", "\r\n" or a bare "\r" (files that went
// through an old Mac tool or a Windows clipboard), but line numbers count
// "\n" only, as the project's line index (internal/source) does, so a
// citation points where an editor and the report's excerpt look.
type lineReader struct {
	br   *bufio.Reader
	buf  []byte // the fragment being split, copied out of br
	pos  int
	line int // the '\n'-counted number of the next line returned
	n    int // the number of the line last returned
	eof  bool
	err  error
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10), line: 1}
}

// next returns the next line without its ending, whether it was cut to
// maxLineKeep, and false at the end of the input (err then says why, if
// not EOF).
func (l *lineReader) next() (text string, cut, ok bool, err error) {
	var sb strings.Builder
	started := false
	keep := func(b []byte) {
		if room := maxLineKeep - sb.Len(); room < len(b) {
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

func (l *lineReader) done(sb *strings.Builder, cut, newline bool) (string, bool, bool, error) {
	l.n = l.line
	if newline {
		l.line++
	}
	return sb.String(), cut, true, nil
}

// maxText bounds text quoted in warnings.
const maxText = 240

func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= maxText {
		return s
	}
	cut := maxText - len("…")
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// headLines splits the head into lines, dropping a last line the head cut.
func headLines(head []byte) []string {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if len(head) >= loader.HeadSize {
		if i := bytes.LastIndexByte(head, '\n'); i >= 0 {
			head = head[:i]
		}
	}
	return strings.FieldsFunc(string(head), func(r rune) bool { return r == '\n' || r == '\r' })
}
