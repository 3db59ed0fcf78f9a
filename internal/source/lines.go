// Package source maps byte offsets in an artifact to line numbers and reads
// back the text of cited lines, so every fact can carry {file, line} and a
// finding can quote what it cites.
package source

import (
	"bufio"
	"bytes"
	"io"
	"sort"
	"strings"
)

// Lines answers "which line holds byte offset X" for a file read through an
// io.ReaderAt. Queries are cheap when offsets grow (the usual order while a
// parser walks a file); a query behind the cursor restarts from the nearest
// checkpoint, kept every 1 MiB, so memory stays small for any file size.
type Lines struct {
	ra    io.ReaderAt
	size  int64
	off   int64 // cursor: line holds the line number at off
	line  int
	cps   []checkpoint
	buf   []byte
	every int64
}

type checkpoint struct {
	off  int64
	line int
}

// NewLines indexes lines of a file of the given size.
func NewLines(ra io.ReaderAt, size int64) *Lines {
	return &Lines{ra: ra, size: size, line: 1, cps: []checkpoint{{0, 1}}, buf: make([]byte, 64<<10), every: 1 << 20}
}

// At returns the 1-based line number of the byte at off.
func (l *Lines) At(off int64) int {
	if off > l.size {
		off = l.size
	}
	if off < l.off {
		i := sort.Search(len(l.cps), func(i int) bool { return l.cps[i].off > off }) - 1
		l.off, l.line = l.cps[i].off, l.cps[i].line
	}
	for l.off < off {
		n := int64(len(l.buf))
		if rem := off - l.off; rem < n {
			n = rem
		}
		// Stop at the next checkpoint boundary so checkpoints stay exact.
		next := (l.off/l.every + 1) * l.every
		if next-l.off < n {
			n = next - l.off
		}
		m, err := l.ra.ReadAt(l.buf[:n], l.off)
		l.line += bytes.Count(l.buf[:m], []byte{'\n'})
		l.off += int64(m)
		if l.off%l.every == 0 && l.off > l.cps[len(l.cps)-1].off {
			l.cps = append(l.cps, checkpoint{l.off, l.line})
		}
		if m == 0 || (err != nil && err != io.EOF) {
			break
		}
	}
	return l.line
}

// MaxExcerpt bounds the text quoted from one line.
const MaxExcerpt = 240

// ReadLines returns the text of the wanted 1-based line numbers, trimmed of
// the line ending and cut to MaxExcerpt characters.
func ReadLines(r io.Reader, want []int) map[int]string {
	out := make(map[int]string, len(want))
	if len(want) == 0 {
		return out
	}
	need := map[int]bool{}
	last := 0
	for _, w := range want {
		need[w] = true
		if w > last {
			last = w
		}
	}
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 1; n <= last; n++ {
		line, err := readLine(br, need[n])
		if need[n] {
			out[n] = Clip(line)
		}
		if err != nil {
			break
		}
	}
	return out
}

// readLine consumes one line; it only keeps the bytes when keep is set, so
// skipping a 20 MB single-line file costs no memory.
func readLine(br *bufio.Reader, keep bool) (string, error) {
	var sb strings.Builder
	for {
		frag, err := br.ReadSlice('\n')
		if keep && sb.Len() < 4*MaxExcerpt {
			sb.Write(frag)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return sb.String(), err
	}
}

// ExcerptAt returns what to quote for a citation at byte off of a line
// too long to quote from its start (longer than MaxExcerpt): the text from
// off on, cut like Clip, with "…" where the line goes on before it. The API
// server writes whole lists as one line (kubectl get --raw), where the
// line's start is the list's header whatever field is cited. ok is false
// when the line is short enough to quote whole, as ReadLines does.
func ExcerptAt(ra io.ReaderAt, off int64) (text string, ok bool) {
	if off < 0 {
		return "", false
	}
	start := max(off-MaxExcerpt, 0)
	back := make([]byte, off-start)
	n, _ := ra.ReadAt(back, start)
	back = back[:n]
	lineStart := int64(-1) // unknown: before what was read
	if i := bytes.LastIndexByte(back, '\n'); i >= 0 {
		lineStart = start + int64(i) + 1
	} else if start == 0 && int64(n) == off {
		lineStart = 0
	}
	const ahead = 4 * MaxExcerpt // bytes, for MaxExcerpt runes
	fwd := make([]byte, ahead)
	n, _ = ra.ReadAt(fwd, off)
	fwd = fwd[:n]
	rest := fwd
	end := bytes.IndexByte(fwd, '\n')
	if end >= 0 {
		rest = fwd[:end]
	}
	// Only blanks before it: the line's own start is the place to quote
	// from.
	if lineStart >= 0 && len(bytes.TrimSpace(back[lineStart-start:])) == 0 {
		return "", false
	}
	if lineStart >= 0 && end >= 0 && off-lineStart+int64(end) <= MaxExcerpt {
		return "", false
	}
	if lineStart >= 0 && end < 0 && n < ahead && off-lineStart+int64(n) <= MaxExcerpt {
		return "", false // the file's last line, short
	}
	return "…" + Clip(string(rest)), true
}

// Clip trims a line for quoting: no line ending, no trailing blanks, at most
// MaxExcerpt characters (cut on a rune boundary).
func Clip(s string) string {
	s = strings.TrimRight(s, "\r\n \t")
	if len(s) <= MaxExcerpt {
		return s
	}
	cut := MaxExcerpt
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
