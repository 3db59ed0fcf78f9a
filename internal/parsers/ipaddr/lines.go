package ipaddr

import (
	"bufio"
	"errors"
	"io"
	"strings"
)

const (
	// maxLine is how much of one text line is kept. Real ip and ifconfig
	// lines are short (a bridge's -d line is about 1.5 KiB); anything far
	// longer is damage, and keeping it whole would let one line cost
	// gigabytes.
	maxLine = 64 << 10
	// maxJSONValue bounds one element of an `ip -j` array (one interface or
	// route, a few KiB in practice), so a hostile file cannot make the
	// decoder buffer the whole of it.
	maxJSONValue = 16 << 20
	readBuf      = 64 << 10
)

var errValueTooLarge = errors.New("json value larger than 16 MiB")

// lineReader reads text lines with a bounded prefix kept per line, and hands
// its input to a JSON decoder when a line opens an `ip -j` document.
type lineReader struct {
	br   *bufio.Reader
	src  *prefixReader // what br reads: bytes handed back after JSON, then the file
	line int           // number of the line last returned (1-based)
	// terminated says whether the last line returned ended with a newline;
	// a last line without one may have been cut.
	terminated bool
}

func newLineReader(r io.Reader) *lineReader {
	src := &prefixReader{r: r}
	return &lineReader{br: bufio.NewReaderSize(src, readBuf), src: src, terminated: true}
}

// prefixReader returns prefix, then reads r. After a JSON document the bytes
// the decoder and the line buffer read ahead go back into prefix, so the
// readers never nest however many documents a file holds.
type prefixReader struct {
	prefix []byte
	r      io.Reader
}

func (p *prefixReader) Read(b []byte) (int, error) {
	if len(p.prefix) > 0 {
		n := copy(b, p.prefix)
		p.prefix = p.prefix[n:]
		return n, nil
	}
	return p.r.Read(b)
}

// next returns the next line without its line ending, and the line's full
// length in bytes when only a prefix of it was kept (0 otherwise). ok is
// false at the end of input; err is set for read errors other than EOF.
func (r *lineReader) next() (text string, cutFrom int, ok bool, err error) {
	var sb strings.Builder
	total := 0
	for {
		frag, e := r.br.ReadSlice('\n')
		total += len(frag)
		if sb.Len() < maxLine {
			if room := maxLine - sb.Len(); len(frag) > room {
				sb.Write(frag[:room])
			} else {
				sb.Write(frag)
			}
		}
		if e == bufio.ErrBufferFull {
			continue
		}
		if total == 0 {
			if e != nil && e != io.EOF {
				return "", 0, false, e
			}
			return "", 0, false, nil
		}
		r.line++
		r.terminated = e == nil
		if e != nil && e != io.EOF {
			err = e
		}
		s := strings.TrimRight(sb.String(), "\n")
		s = strings.TrimSuffix(s, "\r")
		if total > maxLine {
			cutFrom = total // the length without its newline
			if e == nil {
				cutFrom--
			}
		}
		return s, cutFrom, true, err
	}
}

// jsonAhead reports whether the next line opens a JSON document the way ip
// prints one: "[" then "{" or "]" (possibly on the next line, `ip -j -p`),
// or "{" then a quoted key. A shell prompt such as "[root@node ~]#" does
// not qualify.
func (r *lineReader) jsonAhead() bool {
	for n := 64; n <= 4096; n *= 4 {
		b, err := r.br.Peek(n)
		switch decideJSON(b) {
		case 1:
			return true
		case -1:
			return false
		}
		if err != nil {
			return false
		}
	}
	return false
}

// decideJSON returns 1 (JSON), -1 (not JSON) or 0 (need more bytes).
func decideJSON(b []byte) int {
	i := skipBlank(b, 0, false)
	if i >= len(b) {
		return 0
	}
	var want byte
	switch b[i] {
	case '[':
		want = '{'
	case '{':
		want = '"'
	default:
		return -1
	}
	j := skipBlank(b, i+1, true)
	if j >= len(b) {
		return 0
	}
	if b[j] == want || (want == '{' && b[j] == ']') {
		return 1
	}
	return -1
}

// skipBlank skips spaces, tabs, CRs and byte order marks, and newlines too
// when nl is set.
func skipBlank(b []byte, i int, nl bool) int {
	for i < len(b) {
		switch {
		case b[i] == ' ' || b[i] == '\t' || b[i] == '\r':
			i++
		case nl && b[i] == '\n':
			i++
		case b[i] == 0xef && i+2 < len(b) && b[i+1] == 0xbb && b[i+2] == 0xbf:
			i += 3
		default:
			return i
		}
	}
	return i
}

// countingReader feeds a JSON decoder, remembering where newlines were so
// that decoded elements get line numbers, and refusing to read more than
// budget bytes for one element.
type countingReader struct {
	r      io.Reader
	off    int64   // bytes read so far
	nl     []int64 // offsets of newlines not yet counted
	counts int     // newlines already counted
	budget int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.budget <= 0 {
		return 0, errValueTooLarge
	}
	if int64(len(p)) > c.budget {
		p = p[:c.budget]
	}
	n, err := c.r.Read(p)
	for i := 0; i < n; i++ {
		if p[i] == '\n' {
			c.nl = append(c.nl, c.off+int64(i))
		}
	}
	c.off += int64(n)
	c.budget -= int64(n)
	return n, err
}

// newlinesBefore returns how many newlines precede offset off. Offsets must
// not decrease between calls; counted newlines are forgotten, so memory
// stays bounded by what the decoder has read ahead.
func (c *countingReader) newlinesBefore(off int64) int {
	k := 0
	for k < len(c.nl) && c.nl[k] < off {
		k++
	}
	c.counts += k
	c.nl = c.nl[k:]
	if cap(c.nl) > 1024 && len(c.nl) < cap(c.nl)/4 {
		c.nl = append([]int64(nil), c.nl...)
	}
	return c.counts
}
