package iptables

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// maxLine is how much of one line is kept. Real rules are under 1 KiB; a
// longer line is read to its end without keeping more than this.
const maxLine = 64 << 10

// lineReader splits a stream into lines at LF, CRLF or a bare CR. Bare CR
// matters: a real AKS sample separates its lines with CR alone, and a
// reader that only knows LF sees one 40 KB line. Line numbers count those
// line ends, which is what an editor that honours CR shows.
type lineReader struct {
	br    *bufio.Reader
	buf   []byte
	num   int   // number of the line last returned
	size  int64 // full length of that line, ending excluded
	cut   bool  // the line was longer than maxLine
	err   error // first read error other than io.EOF
	atEOF bool
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 16<<10), buf: make([]byte, 0, 512)}
}

// next returns the next line without its ending; the slice is valid until
// the following call. It returns false at the end of input or on an error.
func (lr *lineReader) next() ([]byte, bool) {
	if lr.atEOF {
		return nil, false
	}
	lr.buf, lr.size, lr.cut = lr.buf[:0], 0, false
	started := false
	for {
		b, err := lr.br.Peek(1)
		if len(b) == 0 {
			lr.atEOF = true
			if err != nil && !errors.Is(err, io.EOF) {
				lr.err = err
			}
			if started {
				lr.num++
				return lr.buf, true
			}
			return nil, false
		}
		started = true
		b, _ = lr.br.Peek(lr.br.Buffered())
		end := bytes.IndexByte(b, '\n')
		lim := end
		if lim < 0 {
			lim = len(b)
		}
		if cr := bytes.IndexByte(b[:lim], '\r'); cr >= 0 {
			end = cr
		}
		if end < 0 {
			lr.keep(b)
			_, _ = lr.br.Discard(len(b))
			continue
		}
		lr.keep(b[:end])
		isCR := b[end] == '\r'
		_, _ = lr.br.Discard(end + 1)
		if isCR {
			if nb, _ := lr.br.Peek(1); len(nb) == 1 && nb[0] == '\n' {
				_, _ = lr.br.Discard(1)
			}
		}
		lr.num++
		return lr.buf, true
	}
}

func (lr *lineReader) keep(b []byte) {
	lr.size += int64(len(b))
	if room := maxLine - len(lr.buf); room > 0 {
		if len(b) > room {
			b = b[:room]
			lr.cut = true
		}
		lr.buf = append(lr.buf, b...)
	} else if len(b) > 0 {
		lr.cut = true
	}
}

// splitHead splits detection bytes into lines the same way, dropping the
// last line when the head may have cut it.
func splitHead(head []byte, complete bool) []string {
	var out []string
	for len(head) > 0 {
		i := bytes.IndexAny(head, "\r\n")
		if i < 0 {
			if complete {
				out = append(out, string(head))
			}
			break
		}
		out = append(out, string(head[:i]))
		if head[i] == '\r' && i+1 < len(head) && head[i+1] == '\n' {
			i++
		}
		head = head[i+1:]
	}
	return out
}
