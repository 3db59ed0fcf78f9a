package loader

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"

	"github.com/ulikunitz/xz/lzma"
)

// xz (.xz, .tar.xz, .txz: sosreports and many must-gathers) is read with
// the LZMA2 decoder of github.com/ulikunitz/xz, a maintained pure-Go
// implementation, behind a container walk of our own. The package's own
// xz.Reader allocates the dictionary each block header declares, up to
// 4 GiB: a 100-byte file could make the loader allocate gigabytes before
// one byte comes out. Here a block whose dictionary is larger than
// maxXZDict is refused (xz -9 uses 64 MiB). Output bytes are charged to
// the total cap by the caller, as for gzip. Checks (CRC32, CRC64,
// SHA-256) are verified, so a damaged stream is reported, not read as
// garbage.

// maxXZDict is the largest LZMA2 dictionary accepted: xz's presets go up
// to 64 MiB (-9, -9e).
const maxXZDict = 64 << 20

const containerXZ containerKind = 100

var xzMagic = []byte{0xfd, '7', 'z', 'X', 'Z', 0}

func isXZ(head []byte) bool { return bytes.HasPrefix(head, xzMagic) }

var errXZ = errors.New("xz")

func xzErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errXZ}, a...)...)
}

// xzReader decompresses an xz file, stream after stream.
type xzReader struct {
	r      *countReader
	check  byte // check type of the current stream
	block  io.Reader
	hash   hash.Hash
	hdrLen int64 // block header size, for the block padding
	start  int64 // input offset where the block's compressed data starts
	err    error
}

type countReader struct {
	r *bufio.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

func newXZReader(r io.Reader) (*xzReader, error) {
	x := &xzReader{r: &countReader{r: bufio.NewReaderSize(r, 64<<10)}}
	if err := x.streamHeader(); err != nil {
		return nil, err
	}
	return x, nil
}

func (x *xzReader) full(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(x.r, b); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return b, nil
}

func (x *xzReader) streamHeader() error {
	h, err := x.full(12)
	if err != nil {
		return err
	}
	if !bytes.Equal(h[:6], xzMagic) {
		return xzErr("not an xz stream")
	}
	if crc32.ChecksumIEEE(h[6:8]) != binary.LittleEndian.Uint32(h[8:12]) {
		return xzErr("stream header damaged")
	}
	if h[6] != 0 || h[7] > 0x0f {
		return xzErr("unsupported stream flags")
	}
	x.check = h[7]
	return nil
}

func checkSize(t byte) int {
	switch {
	case t == 0:
		return 0
	case t <= 3:
		return 4
	case t <= 6:
		return 8
	case t <= 9:
		return 16
	case t <= 12:
		return 32
	}
	return 64
}

func (x *xzReader) newHash() hash.Hash {
	switch x.check {
	case 1:
		return crc32.NewIEEE()
	case 4:
		return crc64.New(crc64.MakeTable(crc64.ECMA))
	case 10:
		return sha256.New()
	}
	return nil
}

func vli(b []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < len(b) && i < 9; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, i + 1, nil
		}
	}
	return 0, 0, xzErr("bad variable-length integer")
}

func (x *xzReader) readVLI() (uint64, error) {
	var v uint64
	for i := 0; i < 9; i++ {
		c, err := x.r.ReadByte()
		if err != nil {
			return 0, io.ErrUnexpectedEOF
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return v, nil
		}
	}
	return 0, xzErr("bad variable-length integer")
}

// lzma2Dict decodes LZMA2's one-byte dictionary size.
func lzma2Dict(p byte) (int64, error) {
	if p > 40 {
		return 0, xzErr("bad LZMA2 dictionary size")
	}
	if p == 40 {
		return 0xffffffff, nil
	}
	return int64(2|p&1) << (p/2 + 11), nil
}

// nextBlock reads a block header and starts its decoder; io.EOF at the
// end of the last stream.
func (x *xzReader) nextBlock() error {
	for {
		b, err := x.r.ReadByte()
		if err != nil {
			return io.ErrUnexpectedEOF
		}
		if b == 0 {
			if err := x.skipIndexAndFooter(); err != nil {
				return err
			}
			// Concatenated streams, after stream padding, are legal.
			more, err := x.skipStreamPadding()
			if err != nil {
				return err
			}
			if !more {
				return io.EOF
			}
			if err := x.streamHeader(); err != nil {
				return err
			}
			continue
		}
		size := (int(b) + 1) * 4
		rest, err := x.full(size - 1)
		if err != nil {
			return err
		}
		hdr := append([]byte{b}, rest...)
		if crc32.ChecksumIEEE(hdr[:size-4]) != binary.LittleEndian.Uint32(hdr[size-4:]) {
			return xzErr("block header damaged")
		}
		flags := hdr[1]
		p := hdr[2 : size-4]
		skip := func() error {
			_, n, err := vli(p)
			if err == nil {
				p = p[n:]
			}
			return err
		}
		if flags&0x40 != 0 {
			if err := skip(); err != nil {
				return err
			}
		}
		if flags&0x80 != 0 {
			if err := skip(); err != nil {
				return err
			}
		}
		if nf := int(flags&3) + 1; nf != 1 {
			return xzErr("block uses %d filters (BCJ or delta before LZMA2): not read", nf)
		}
		id, n, err := vli(p)
		if err != nil {
			return err
		}
		p = p[n:]
		psize, n, err := vli(p)
		if err != nil {
			return err
		}
		p = p[n:]
		if id != 0x21 || psize != 1 || len(p) < 1 {
			return xzErr("filter %#x is not LZMA2: not read", id)
		}
		dict, err := lzma2Dict(p[0])
		if err != nil {
			return err
		}
		if dict > maxXZDict {
			return xzErr("block declares a %d MiB dictionary, over the %d MiB accepted", dict>>20, maxXZDict>>20)
		}
		x.hdrLen = int64(size)
		x.start = x.r.n
		x.hash = x.newHash()
		dc := int(dict)
		if dc < lzma.MinDictCap {
			dc = lzma.MinDictCap
		}
		r2, err := lzma.Reader2Config{DictCap: dc}.NewReader2(x.r)
		if err != nil {
			return err
		}
		x.block = r2
		return nil
	}
}

// endBlock reads the block padding and check.
func (x *xzReader) endBlock() error {
	for (x.r.n-x.start+x.hdrLen)%4 != 0 {
		c, err := x.r.ReadByte()
		if err != nil {
			return io.ErrUnexpectedEOF
		}
		if c != 0 {
			return xzErr("bad block padding")
		}
	}
	sum, err := x.full(checkSize(x.check))
	if err != nil {
		return err
	}
	if x.hash != nil && !bytes.Equal(sum, checksum(x.hash, x.check)) {
		return xzErr("block check does not match: the data is damaged")
	}
	x.block, x.hash = nil, nil
	return nil
}

// checksum returns the hash in the byte order xz stores it.
func checksum(h hash.Hash, check byte) []byte {
	s := h.Sum(nil)
	if check == 1 || check == 4 { // CRC32 and CRC64 are stored little-endian
		for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
			s[i], s[j] = s[j], s[i]
		}
	}
	return s
}

func (x *xzReader) skipIndexAndFooter() error {
	start := x.r.n - 1 // the index indicator byte
	records, err := x.readVLI()
	if err != nil {
		return err
	}
	if records > 1<<32 {
		return xzErr("index too large")
	}
	for i := uint64(0); i < records*2; i++ {
		if _, err := x.readVLI(); err != nil {
			return err
		}
	}
	for (x.r.n-start)%4 != 0 {
		if _, err := x.r.ReadByte(); err != nil {
			return io.ErrUnexpectedEOF
		}
	}
	if _, err := x.full(4 + 12); err != nil { // index CRC32, stream footer
		return err
	}
	return nil
}

// skipStreamPadding skips zero bytes after a stream; more says another
// stream follows.
func (x *xzReader) skipStreamPadding() (bool, error) {
	for {
		b, err := x.r.r.Peek(1)
		if len(b) == 0 {
			if err == io.EOF {
				return false, nil
			}
			return false, err
		}
		if b[0] != 0 {
			return true, nil
		}
		x.r.ReadByte()
	}
}

func (x *xzReader) Read(p []byte) (int, error) {
	for x.err == nil {
		if x.block == nil {
			if err := x.nextBlock(); err != nil {
				x.err = err
				break
			}
		}
		n, err := x.block.Read(p)
		if n > 0 && x.hash != nil {
			x.hash.Write(p[:n])
		}
		if err == io.EOF {
			if err := x.endBlock(); err != nil {
				x.err = err
			}
			if n > 0 {
				return n, nil
			}
			continue
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			x.err = err
		}
		if n > 0 {
			return n, nil
		}
	}
	return 0, x.err
}
