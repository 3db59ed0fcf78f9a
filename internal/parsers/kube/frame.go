package kube

import (
	"bytes"
	"errors"
	"io"
	"sync"
)

// framer cuts a JSON text read from a file into values without building
// them: it finds where each value ends (brackets counted outside strings)
// and hands its bytes to jsonast, which checks the syntax as it builds. It
// replaces encoding/json's Decoder for List items, which scanned every
// item twice (once to find its end, once more to copy it into a
// RawMessage): 10 % of the CPU of a 20,000-pod dump. Memory stays
// proportional to the largest value, as with the Decoder.
type framer struct {
	ra    io.ReaderAt
	off   int64 // file offset of buf[0]
	end   int64 // end of the readable range
	buf   []byte
	i, n  int // next unread byte; bytes valid in buf
	atEOF bool
	// line is the line number at file offset lineOff: items are placed on
	// their lines from the bytes read here, not by reading the file again.
	line    int
	lineOff int64
}

// errFrame marks text that is not JSON where the framer looked; the caller
// reads the same value again with encoding/json for its exact error.
var errFrame = errors.New("not JSON here")

// framerBufs holds read windows between files: a dump has thousands of
// small files, and a fresh zeroed window for each cost more than reading.
var framerBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// newFramer reads the range [from, end) of ra; line is the line number at
// from.
func newFramer(ra io.ReaderAt, from, end int64, line int) *framer {
	return &framer{ra: ra, off: from, end: end, buf: *framerBufs.Get().(*[]byte), line: line, lineOff: from}
}

// lineAt returns the line number at file offset pos, an offset at or after
// the last one asked for and not before the window.
func (f *framer) lineAt(pos int64) int {
	if pos > f.lineOff {
		f.line += bytes.Count(f.buf[f.lineOff-f.off:pos-f.off], newline)
		f.lineOff = pos
	}
	return f.line
}

var newline = []byte{'\n'}

// release returns the window (unless a large value grew it) for reuse.
func (f *framer) release() {
	if len(f.buf) == 64<<10 {
		b := f.buf
		framerBufs.Put(&b)
	}
	f.buf = nil
}

// pos is the file offset of the next unread byte.
func (f *framer) pos() int64 { return f.off + int64(f.i) }

// fill reads more of the file, keeping buf[keep:]; it reports false at the
// end of the range. keep moves to 0.
func (f *framer) fill(keep int) bool {
	if f.atEOF {
		return false
	}
	if keep > 0 {
		// Count the lines of what is dropped first.
		if drop := f.off + int64(keep); f.lineOff < drop {
			f.lineAt(drop)
		}
		copy(f.buf, f.buf[keep:f.n])
		f.n -= keep
		f.i -= keep
		f.off += int64(keep)
	}
	if f.n == len(f.buf) {
		nb := make([]byte, 2*len(f.buf))
		copy(nb, f.buf[:f.n])
		f.buf = nb
	}
	want := int64(len(f.buf) - f.n)
	if rem := f.end - (f.off + int64(f.n)); rem < want {
		want = rem
	}
	if want <= 0 {
		f.atEOF = true
		return false
	}
	m, err := f.ra.ReadAt(f.buf[f.n:f.n+int(want)], f.off+int64(f.n))
	f.n += m
	if m == 0 || (err != nil && err != io.EOF) {
		f.atEOF = true
		return m > 0
	}
	return true
}

// peek skips white space and returns the next byte, unread; false at the end.
func (f *framer) peek() (byte, bool) {
	for {
		for f.i < f.n {
			switch c := f.buf[f.i]; c {
			case ' ', '\t', '\r', '\n':
				f.i++
			default:
				return c, true
			}
		}
		if !f.fill(f.i) {
			return 0, false
		}
	}
}

// expect consumes the next byte (after white space) when it is c.
func (f *framer) expect(c byte) error {
	got, ok := f.peek()
	if !ok {
		return io.ErrUnexpectedEOF
	}
	if got != c {
		return errFrame
	}
	f.i++
	return nil
}

// value returns the bytes of the next value (after white space). The slice
// is valid until the next call.
func (f *framer) value() ([]byte, error) {
	c, ok := f.peek()
	if !ok {
		return nil, io.ErrUnexpectedEOF
	}
	start := f.i
	j := start // next byte to look at
	depth := 0
	inString, escaped := false, false
	for {
		for ; j < f.n; j++ {
			b := f.buf[j]
			if inString {
				switch {
				case escaped:
					escaped = false
				case b == '\\':
					escaped = true
				case b == '"':
					inString = false
					if depth == 0 {
						f.i = j + 1
						return f.buf[start:f.i], nil
					}
				}
				continue
			}
			switch b {
			case '"':
				inString = true
			case '{', '[':
				depth++
			case '}', ']':
				if depth == 0 { // the end of a number or literal
					if j == start {
						return nil, errFrame // no value where one must be
					}
					f.i = j
					return f.buf[start:j], nil
				}
				depth--
				if depth == 0 {
					f.i = j + 1
					return f.buf[start:f.i], nil
				}
			case ' ', '\t', '\r', '\n', ',', ':':
				if depth == 0 {
					if j == start {
						return nil, errFrame // "{," and the like
					}
					f.i = j
					return f.buf[start:j], nil
				}
			}
		}
		// The value goes on past the window: keep it and read more.
		if !f.fill(start) {
			if depth == 0 && !inString && c != '"' && j > start {
				f.i = j // a number or literal ending the text
				return f.buf[start:j], nil
			}
			return nil, io.ErrUnexpectedEOF
		}
		j -= start
		start = 0
	}
}
