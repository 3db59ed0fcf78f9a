package loader

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// zipBefore looks at the bytes in front of the first entry of the archive
// zr read. archive/zip trusts the last end-of-central-directory record and
// treats whatever precedes its archive as a prefix (as for a
// self-extracting stub), so `cat a.zip b.zip` read as b alone and a's
// entries vanished without a word. A local file header at offset 0, or an
// end-of-central-directory record in the prefix, means another zip
// archive is there; its entry count is read from that record when there
// is one. A prefix with neither (a stub) says nothing.
func zipBefore(r io.ReaderAt, size int64, zr *zip.Reader) (prefix int64, entries int, found bool) {
	prefix = size
	for _, f := range zr.File {
		off, err := f.DataOffset()
		if err != nil {
			continue
		}
		if h, ok := localHeader(r, off); ok && h < prefix {
			prefix = h
		}
	}
	if len(zr.File) == 0 {
		prefix = size - 22 // the record itself
	}
	if prefix <= 0 {
		return 0, 0, false
	}
	var sig [4]byte
	if _, err := r.ReadAt(sig[:], 0); err == nil && string(sig[:]) == "PK\x03\x04" {
		found = true
	}
	entries = -1
	buf := make([]byte, 64<<10)
	const eocd = "PK\x05\x06"
	for at := int64(0); at < prefix; at += int64(len(buf) - 3) {
		n, _ := r.ReadAt(buf, at)
		if n <= 0 {
			break
		}
		chunk := buf[:n]
		if rest := prefix - at; int64(len(chunk)) > rest {
			chunk = chunk[:rest]
		}
		for i := bytes.Index(chunk, []byte(eocd)); i >= 0; {
			found = true
			rec := make([]byte, 22)
			if m, _ := r.ReadAt(rec, at+int64(i)); m == 22 {
				entries = int(binary.LittleEndian.Uint16(rec[10:12]))
			}
			j := bytes.Index(chunk[i+1:], []byte(eocd))
			if j < 0 {
				break
			}
			i += 1 + j
		}
		if int64(n) < int64(len(buf)) {
			break
		}
	}
	return prefix, entries, found
}

// zipBeforeNote is the archive's note when zipBefore found another zip.
func zipBeforeNote(prefix int64, entries, read int) string {
	what := "another zip archive"
	if entries >= 0 {
		what = "another zip archive of " + plural(entries, "entry", "entries")
	}
	return fmt.Sprintf("concatenated zip archives: the first %d bytes hold %s, not read; only the last archive (%s) was read", prefix, what, plural(read, "entry", "entries"))
}

// localHeader finds where the local header of the entry whose data starts
// at off begins: the "PK\x03\x04" whose name and extra-field lengths end
// exactly at off (the extra field's length is known only from the header
// itself, at most 64 KiB).
func localHeader(r io.ReaderAt, off int64) (int64, bool) {
	lo := off - 30 - 0xffff - 0xffff
	if lo < 0 {
		lo = 0
	}
	win := make([]byte, off-lo)
	if n, _ := r.ReadAt(win, lo); n < len(win) {
		return 0, false
	}
	for i := len(win) - 30; i >= 0; i-- {
		if win[i] != 'P' || string(win[i:i+4]) != "PK\x03\x04" {
			continue
		}
		n := int(binary.LittleEndian.Uint16(win[i+26:]))
		e := int(binary.LittleEndian.Uint16(win[i+28:]))
		if i+30+n+e == len(win) {
			return lo + int64(i), true
		}
	}
	return 0, false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
