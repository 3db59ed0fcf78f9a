package hostile

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io/fs"
	"sync"
	"time"
)

// item is one member an archive builder writes.
type item struct {
	name string
	body []byte
	typ  byte        // tar type flag; 0 is a regular file
	link string      // link target (tar links; zip symlinks keep it as the body)
	mode fs.FileMode // zip: fs.ModeSymlink makes a symlink entry
	// size is the size the header declares when it lies (0: len(body)).
	// A tar entry that declares more than it holds must be the last.
	size int64
	lost bool // past a cap or damage
	// container marks a member that is itself an archive.
	container bool
	// unlisted marks what the loader never lists (directory entries).
	unlisted bool
	// as is the display path when the loader must rename the member (a
	// second entry of the same name).
	as string
}

var epoch = time.Date(2024, 3, 11, 9, 14, 0, 0, time.UTC)

// tarOf builds a tar of items and records each member under at.
func (g *gen) tarOf(at string, items []item) ([]byte, error) {
	return g.tarFormat(at, items, tar.FormatUnknown)
}

// tarFormat is tarOf in a chosen header format (GNU takes names that are
// not UTF-8, which PAX refuses).
func (g *gen) tarFormat(at string, items []item, format tar.Format) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, it := range items {
		g.recordItem(at, it)
		typ := it.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: it.name, Typeflag: typ, Linkname: it.link, Mode: 0o644, ModTime: epoch, Format: format}
		switch typ {
		case tar.TypeReg:
			h.Size = int64(len(it.body))
			if it.size > 0 {
				h.Size = it.size
			}
		case tar.TypeChar:
			h.Devmajor, h.Devminor = 1, 5
		case tar.TypeBlock:
			h.Devmajor, h.Devminor = 8, 0
		case tar.TypeDir:
			h.Mode = 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if typ == tar.TypeReg {
			if _, err := tw.Write(it.body); err != nil {
				return nil, err
			}
			if it.size > int64(len(it.body)) {
				// The body stops short of what the header declared:
				// the archive ends here, without its end blocks.
				return buf.Bytes(), nil
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// zipOf builds a zip of items and records each member under at.
func (g *gen) zipOf(at string, items []item) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, it := range items {
		g.recordItem(at, it)
		fh := &zip.FileHeader{Name: it.name, Method: zip.Deflate, Modified: epoch}
		mode := fs.FileMode(0o644)
		body := it.body
		if it.mode&fs.ModeSymlink != 0 {
			mode = fs.ModeSymlink | 0o777
			body = []byte(it.link)
		}
		if it.typ == tar.TypeDir {
			mode = fs.ModeDir | 0o755
			fh.Method = zip.Store
		}
		fh.SetMode(mode)
		w, err := zw.CreateHeader(fh)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(body); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (g *gen) recordItem(at string, it item) {
	if it.unlisted {
		return
	}
	p := member(at, it.name)
	if it.as != "" {
		p = it.as
	}
	g.record(Entry{Path: p, MayBeLost: it.lost, Container: it.container})
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// A bomb is made of pieces compressed once: 1 MiB of zeros as a gzip
// member (concatenated members are one stream to a reader) and as a raw
// deflate segment ending in a sync flush (byte-aligned and not final, so
// segments concatenate into one deflate stream).
const chunk = 1 << 20

var pieces struct {
	once       sync.Once
	gzMember   []byte
	deflate    []byte
	deflateEnd []byte
}

func bombPieces() {
	pieces.once.Do(func() {
		zeros := make([]byte, chunk)
		pieces.gzMember = gz(zeros)
		var buf bytes.Buffer
		fw, _ := flate.NewWriter(&buf, flate.BestCompression)
		fw.Write(zeros)
		fw.Flush()
		pieces.deflate = bytes.Clone(buf.Bytes())
		buf.Reset()
		fw, _ = flate.NewWriter(&buf, flate.BestCompression)
		fw.Close()
		pieces.deflateEnd = bytes.Clone(buf.Bytes())
	})
}

// gzZeros appends gzip members that expand to n zero bytes.
func gzZeros(dst []byte, n int64) []byte {
	bombPieces()
	for ; n >= chunk; n -= chunk {
		dst = append(dst, pieces.gzMember...)
	}
	if n > 0 {
		dst = append(dst, gz(make([]byte, n))...)
	}
	return dst
}

// deflateZeros is a raw deflate stream of n zeros (n a multiple of chunk)
// and the CRC-32 of what it expands to.
func deflateZeros(n int64) ([]byte, uint32) {
	bombPieces()
	zeros := make([]byte, chunk)
	out := make([]byte, 0, int(n/chunk)*len(pieces.deflate)+len(pieces.deflateEnd))
	var crc uint32
	for i := int64(0); i < n/chunk; i++ {
		out = append(out, pieces.deflate...)
		crc = crc32.Update(crc, crc32.IEEETable, zeros)
	}
	return append(out, pieces.deflateEnd...), crc
}

// tarGzBomb is a tar.gz whose entries are zeros of the given sizes (each a
// multiple of 512), built from gzip members without ever holding the
// expanded bytes. Entries after the first are marked lost: the total cap
// is meant to stop the reader inside the first one.
func (g *gen) tarGzBomb(at string, names []string, each int64) ([]byte, error) {
	var out []byte
	for i, n := range names {
		g.record(Entry{Path: member(at, n), MayBeLost: i > 0})
		var hb bytes.Buffer
		tw := tar.NewWriter(&hb)
		if err := tw.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeReg, Size: each, Mode: 0o644, ModTime: epoch}); err != nil {
			return nil, err
		}
		out = append(out, gz(hb.Bytes())...)
		out = gzZeros(out, each)
	}
	// The end-of-archive marker: two zero blocks.
	return gzZeros(out, 1024), nil
}

// zipBomb is a zip of deflated zeros, each entry expanding to each bytes.
// Entries after the first are marked lost.
func (g *gen) zipBomb(at string, first []item, names []string, each int64) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, it := range first {
		g.recordItem(at, it)
		w, err := zw.Create(it.name)
		if err != nil {
			return nil, err
		}
		w.Write(it.body)
	}
	data, crc := deflateZeros(each)
	for i, n := range names {
		g.record(Entry{Path: member(at, n), MayBeLost: i > 0})
		w, err := zw.CreateRaw(&zip.FileHeader{Name: n, Method: zip.Deflate, CRC32: crc,
			CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(each), Modified: epoch})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// zipOverlap is a zip whose central directory lists n entries that all
// point at the same local file: one compressed body read n times, the
// "better zip bomb" shape that no size in any header gives away.
func (g *gen) zipOverlap(at string, n int, each int64) []byte {
	data, crc := deflateZeros(each)
	le := binary.LittleEndian
	name := []byte("zeros.bin")
	var out []byte
	out = le.AppendUint32(out, 0x04034b50)
	out = le.AppendUint16(out, 20) // version needed
	out = le.AppendUint16(out, 0)  // flags
	out = le.AppendUint16(out, 8)  // deflate
	out = le.AppendUint32(out, 0)  // time, date
	out = le.AppendUint32(out, crc)
	out = le.AppendUint32(out, uint32(len(data)))
	out = le.AppendUint32(out, uint32(each))
	out = le.AppendUint16(out, uint16(len(name)))
	out = le.AppendUint16(out, 0)
	out = append(out, name...)
	out = append(out, data...)
	cdStart := len(out)
	for i := 0; i < n; i++ {
		nm := []byte(fmt.Sprintf("overlap-%03d.bin", i))
		g.record(Entry{Path: member(at, string(nm)), MayBeLost: i > 0})
		out = le.AppendUint32(out, 0x02014b50)
		out = le.AppendUint16(out, 20) // made by: MS-DOS, so the mode is a plain file
		out = le.AppendUint16(out, 20)
		out = le.AppendUint16(out, 0)
		out = le.AppendUint16(out, 8)
		out = le.AppendUint32(out, 0)
		out = le.AppendUint32(out, crc)
		out = le.AppendUint32(out, uint32(len(data)))
		out = le.AppendUint32(out, uint32(each))
		out = le.AppendUint16(out, uint16(len(nm)))
		out = le.AppendUint16(out, 0) // extra
		out = le.AppendUint16(out, 0) // comment
		out = le.AppendUint16(out, 0) // disk
		out = le.AppendUint16(out, 0) // internal attributes
		out = le.AppendUint32(out, 0) // external attributes
		out = le.AppendUint32(out, 0) // every entry: the same local header
		out = append(out, nm...)
	}
	cdSize := len(out) - cdStart
	out = le.AppendUint32(out, 0x06054b50)
	out = le.AppendUint16(out, 0)
	out = le.AppendUint16(out, 0)
	out = le.AppendUint16(out, uint16(n))
	out = le.AppendUint16(out, uint16(n))
	out = le.AppendUint32(out, uint32(cdSize))
	out = le.AppendUint32(out, uint32(cdStart))
	return le.AppendUint16(out, 0)
}

// sparseTar is a tar of old-GNU sparse members ('S'), each declaring
// realsize bytes and storing none: every byte is a hole a tar reader hands
// out as zeros. No compression is involved, so nothing that counts
// decompressed bytes sees the expansion: 512 bytes per member, any size.
// Go's tar writer cannot write sparse files; the header is built here.
func (g *gen) sparseTar(at string, names []string, realsize int64) ([]byte, error) {
	var out []byte
	for i, n := range names {
		g.record(Entry{Path: member(at, n), MayBeLost: i > 0})
		var hb bytes.Buffer
		tw := tar.NewWriter(&hb)
		if err := tw.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o644, ModTime: epoch, Format: tar.FormatGNU}); err != nil {
			return nil, err
		}
		tw.Flush()
		h := bytes.Clone(hb.Bytes()[:512])
		h[156] = tar.TypeGNUSparse
		// The sparse map (offset 386) stays empty: all hole. The real
		// size (offset 483) in base-256, as GNU tar writes large numbers.
		rs := h[483:495]
		clear(rs)
		rs[0] = 0x80
		binary.BigEndian.PutUint64(rs[4:], uint64(realsize))
		checksum(h)
		out = append(out, h...)
	}
	return append(out, make([]byte, 1024)...), nil
}

// paxSparseTar is sparseTar in the PAX 1.0 form GNU tar writes today: an
// extended header with GNU.sparse.* records, then a member whose data is
// the sparse map (one empty block at the end of the file: all hole).
// Go's tar writer drops GNU.sparse records, so the headers are built here.
func (g *gen) paxSparseTar(at string, names []string, realsize int64) ([]byte, error) {
	var out []byte
	for i, n := range names {
		g.record(Entry{Path: member(at, n), MayBeLost: i > 0})
		var recs []byte
		for _, kv := range [][2]string{{"GNU.sparse.major", "1"}, {"GNU.sparse.minor", "0"},
			{"GNU.sparse.name", n}, {"GNU.sparse.realsize", fmt.Sprint(realsize)}} {
			recs = append(recs, paxRecord(kv[0], kv[1])...)
		}
		xh, err := rawHeader("PaxHeaders/"+n, int64(len(recs)), tar.TypeXHeader)
		if err != nil {
			return nil, err
		}
		out = append(out, xh...)
		out = append(out, pad512(recs)...)
		fh, err := rawHeader("GNUSparseFile.0/"+n, 512, tar.TypeReg)
		if err != nil {
			return nil, err
		}
		out = append(out, fh...)
		out = append(out, pad512([]byte(fmt.Sprintf("1\n%d\n0\n", realsize)))...)
	}
	return append(out, make([]byte, 1024)...), nil
}

// rawHeader is a 512-byte ustar header of any type flag (Go's writer
// refuses to write extended headers by hand).
func rawHeader(name string, size int64, typ byte) ([]byte, error) {
	var hb bytes.Buffer
	tw := tar.NewWriter(&hb)
	if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Size: size, Mode: 0o644, ModTime: epoch, Format: tar.FormatUSTAR}); err != nil {
		return nil, err
	}
	h := bytes.Clone(hb.Bytes()[:512])
	h[156] = typ
	checksum(h)
	return h, nil
}

func checksum(h []byte) {
	for i := 148; i < 156; i++ {
		h[i] = ' '
	}
	var sum int
	for _, c := range h {
		sum += int(c)
	}
	copy(h[148:], fmt.Sprintf("%06o\x00 ", sum))
}

// paxRecord is "LEN key=value\n", LEN counting its own digits.
func paxRecord(k, v string) []byte {
	body := " " + k + "=" + v + "\n"
	n := len(body) + 1
	for len(fmt.Sprint(n))+len(body) != n {
		n++
	}
	return []byte(fmt.Sprint(n) + body)
}

func pad512(b []byte) []byte {
	return append(b, make([]byte, (512-len(b)%512)%512)...)
}

// bz2Zeros256M is bzip2 -9 of 256 MiB of zeros (208 bytes). Go has no
// bzip2 writer; concatenated streams are one stream to a reader, so a
// bomb of any size is this repeated.
var bz2Zeros256M = mustHex("425a68393141592653590e09e2df015f8e4000c0000008200030804d4642a025a90a80973141592653590e09e2df015f8e4000c0000008200030804d4642a025a90a80973141592653590e09e2df015f8e4000c0000008200030804d4642a025a90a80973141592653590e09e2df015f8e4000c0000008200030804d4642a025a90a80973141592653590e09e2df015f8e4000c0000008200030804d4642a025a90a80973141592653591ecee4db012a3fc000c0040008200030cc0529a6aaa8491b002248f1772453850906b17caf00")

// bz2Empty is bzip2 of nothing: a stream header and its end marker.
var bz2Empty = mustHex("425a683917724538509000000000")

func bz2Zeros(n int64) []byte {
	var out []byte
	for ; n > 0; n -= 256 << 20 {
		out = append(out, bz2Zeros256M...)
	}
	return out
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
