package kube

import (
	"bufio"
	"bytes"
	"io"
)

// Streaming a YAML List. No Go YAML library decodes a document piece by
// piece: sigs.k8s.io/yaml and go.yaml.in/yaml/v3 both build the whole
// document in memory first, at about 55 times its size, so a 200 MB List
// needed 8 GB. kubectl writes a List in block style with every item at one
// indentation ("items:" at column 0, then "- apiVersion: …" blocks), and in
// that layout the items can be found from the lines alone: an item runs
// from a line whose first non-space character is a "-" entry indicator at
// the sequence's column to the next such line, or to the first line less
// indented, or at that column and not an entry. Blank lines and comments
// never end an item; block scalars, multi-line plain scalars and nested
// collections are always indented deeper than the entry that holds them.
//
// What the lines cannot show (a quoted scalar or flow collection whose
// continuation lines start at the entry's column, an alias to an anchor in
// another item) makes the piece cut out invalid YAML on its own, so every
// piece is decoded alone and any failure sends the document back to the
// whole-document decoder when it is small enough: correctness never rests
// on the cut being right, only on a wrong cut failing to decode.

// yamlLayout is where a document's List items are.
type yamlLayout struct {
	// bare: the document is a sequence (support bundles' custom
	// resources); otherwise a mapping with a block "items:" sequence.
	bare bool
	// head and tail are the byte ranges of the mapping around the
	// "items:" key (empty for a bare sequence): decoded together they are
	// the List without its items.
	head, tail [2]int64
	// seq is the range of the sequence's entries; col their column.
	seq [2]int64
	// seqLine is the line of the first entry.
	seqLine int
	col     int
}

// yamlLine is one line as the layout scan sees it.
type yamlLine struct {
	off, end int64 // the line's range, line ending included
	num      int
	col      int  // leading spaces
	blank    bool // nothing but white space or a comment
	entry    bool // a "-" entry indicator at col
	// entryEmpty: the entry's node starts on a later line ("-" alone,
	// or followed by a comment).
	entryEmpty bool
	itemsKey   bool // "items:" at column 0 with nothing after it
}

// lineScanner reads lines without keeping them: only the first buffer's
// worth of a line is looked at, which is all the classification needs.
type lineScanner struct {
	br   *bufio.Reader
	off  int64
	num  int
	bom  bool // strip a byte order mark from the first line
	done bool
}

func newLineScanner(r io.ReaderAt, start, end int64, firstLine int) *lineScanner {
	return &lineScanner{br: bufio.NewReaderSize(io.NewSectionReader(r, start, end-start), 64<<10),
		off: start, num: firstLine - 1, bom: start == 0}
}

func (s *lineScanner) next() (yamlLine, bool) {
	if s.done {
		return yamlLine{}, false
	}
	frag, err := s.br.ReadSlice('\n')
	n := int64(len(frag))
	head := frag
	for err == bufio.ErrBufferFull {
		var more []byte
		more, err = s.br.ReadSlice('\n')
		n += int64(len(more))
	}
	if err != nil {
		s.done = true
		if n == 0 {
			return yamlLine{}, false
		}
	}
	s.num++
	l := yamlLine{off: s.off, end: s.off + n, num: s.num}
	s.off += n
	if s.bom {
		head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
		s.bom = false
	}
	classify(&l, head)
	return l, true
}

// classify looks at a line's first bytes. It runs on every line of files
// of hundreds of megabytes, hence the loops by hand.
func classify(l *yamlLine, b []byte) {
	i := 0
	for i < len(b) && b[i] == ' ' {
		i++
	}
	l.col = i
	j := i
	for j < len(b) && b[j] == '\t' {
		j++
	}
	if j == len(b) || b[j] == '#' || b[j] == '\n' || (b[j] == '\r' && isSpaceRest(b[j:])) || isSpaceRest(b[j:]) {
		l.blank = true
		return
	}
	if j > i {
		// A line starting with a tab is never structure YAML accepts at
		// this column: count it as content, so it never ends an item.
		l.col++
		return
	}
	rest := b[i:]
	if rest[0] == '-' && (len(rest) == 1 || isSpace(rest[1])) {
		l.entry = true
		k := 1
		for k < len(rest) && (rest[k] == ' ' || rest[k] == '\t') {
			k++
		}
		l.entryEmpty = isSpaceRest(rest[k:]) || rest[k] == '#'
		return
	}
	if i == 0 && (rest[0] == 'i' || rest[0] == '"' || rest[0] == '\'') {
		for _, k := range []string{"items:", `"items":`, `'items':`} {
			if after, ok := bytes.CutPrefix(rest, []byte(k)); ok {
				k := 0
				for k < len(after) && (after[k] == ' ' || after[k] == '\t') {
					k++
				}
				l.itemsKey = isSpaceRest(after[k:]) || (k > 0 && after[k] == '#')
			}
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// isSpaceRest reports whether b holds only white space (or nothing).
func isSpaceRest(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

// scanLayout finds the items of the document [start, end) beginning at
// line firstLine. It reports false when the document is not a List in
// block layout, or is one the line scan cannot split with confidence.
func scanLayout(r io.ReaderAt, start, end int64, firstLine int) (yamlLayout, bool) {
	s := newLineScanner(r, start, end, firstLine)
	var lay yamlLayout
	// The first significant line says which kind of document this is.
	var first yamlLine
	for {
		l, ok := s.next()
		if !ok {
			return lay, false
		}
		if !l.blank {
			first = l
			break
		}
	}
	var seqStart yamlLine
	if first.entry {
		lay.bare, seqStart = true, first
	} else {
		if first.col != 0 {
			return lay, false
		}
		l := first
		for !l.itemsKey {
			var ok bool
			if l, ok = s.next(); !ok {
				return lay, false
			}
			if !l.blank && l.col == 0 && l.entry {
				// a sequence at column 0 in a mapping: not the layout
				return lay, false
			}
		}
		lay.head = [2]int64{start, l.off}
		for {
			var ok bool
			if seqStart, ok = s.next(); !ok {
				return lay, false // "items:" with nothing: null
			}
			if !seqStart.blank {
				break
			}
		}
		if !seqStart.entry {
			return lay, false
		}
	}
	lay.col, lay.seqLine = seqStart.col, seqStart.num
	lay.seq = [2]int64{seqStart.off, end}
	lay.tail = [2]int64{end, end}
	for {
		l, ok := s.next()
		if !ok {
			break
		}
		if l.blank || l.col > lay.col || (l.col == lay.col && l.entry) {
			continue
		}
		// The sequence has ended: what follows is the rest of the mapping.
		if lay.bare {
			return lay, false
		}
		lay.seq[1] = l.off
		lay.tail = [2]int64{l.off, end}
		break
	}
	return lay, true
}

// yamlChunk is one entry of the items sequence.
type yamlChunk struct {
	start, end int64
	line       int // where the entry's node starts, as a YAML parser counts
}

// eachChunk calls fn for every entry of lay's sequence, in order, without
// holding more than one line in memory; fn returning false stops it.
func eachChunk(r io.ReaderAt, lay yamlLayout, fn func(yamlChunk) bool) {
	s := newLineScanner(r, lay.seq[0], lay.seq[1], lay.seqLine)
	s.bom = lay.bare && lay.seq[0] == 0
	var cur yamlChunk
	open, waitLine := false, false
	for {
		l, ok := s.next()
		if !ok {
			break
		}
		if l.entry && l.col == lay.col {
			if open {
				cur.end = l.off
				if !fn(cur) {
					return
				}
			}
			cur, open = yamlChunk{start: l.off, line: l.num}, true
			waitLine = l.entryEmpty
			continue
		}
		if waitLine && !l.blank {
			cur.line, waitLine = l.num, false
		}
	}
	if open {
		cur.end = lay.seq[1]
		fn(cur)
	}
}
