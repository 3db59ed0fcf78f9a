package pcap

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Formats by magic number.
const (
	formatPcap   = "pcap"
	formatPcapng = "pcapng"
)

// sniffFormat recognises a capture by its first bytes only: customers name
// files anything, and gzip was already undone by the loader.
func sniffFormat(head []byte) string {
	if len(head) < 4 {
		return ""
	}
	switch string(head[:4]) {
	case "\xd4\xc3\xb2\xa1", "\xa1\xb2\xc3\xd4", // microseconds, little/big endian
		"\x4d\x3c\xb2\xa1", "\xa1\xb2\x3c\x4d": // nanoseconds
		return formatPcap
	case "\x0a\x0d\x0d\x0a":
		// "\n\r\r\n" can start a text file too; the section header's
		// byte-order magic settles it when the head is long enough.
		if len(head) >= 12 {
			bom := string(head[8:12])
			if bom != "\x4d\x3c\x2b\x1a" && bom != "\x1a\x2b\x3c\x4d" {
				return ""
			}
		}
		return formatPcapng
	}
	return ""
}

// The read buffer is large enough that the reader's small reads (a 16-byte
// record header, then the frame) are served from memory, and at least the
// 4 KiB pcapgo's own bufio.NewReader would make, so that call reuses this
// buffer instead of stacking another on top. Small files get a buffer their
// size: a bundle can hold thousands of tiny captures.
const (
	maxReadBuf = 1 << 20
	minReadBuf = 4096
)

func readBufSize(size int64) int {
	if size <= 0 || size > maxReadBuf {
		return maxReadBuf
	}
	return max(int(size), minReadBuf)
}

// source reads frames from either format and tells where it is in the file.
type source struct {
	format string
	pcap   *pcapgo.Reader
	ng     *pcapgo.NgReader
	link   layers.LinkType // pcap: the file's link type
	count  *countingReader
	buf    *bufio.Reader
	// Classic pcap records are read here, not by pcapgo, which buffers a
	// record whole (4× its size while its buffer grows).
	order   binary.ByteOrder
	nanos   bool
	maxCap  int
	recHdr  [16]byte
	recData []byte
	ahead   *readAhead // nil: r is read directly
}

// MaxFrameBytes is how much of one record the decoders get: the link,
// IP and transport headers and a payload. It is libpcap's own
// MAXIMUM_SNAPLEN, above any real frame (a 64 KiB TSO segment included);
// past it the record is skipped as it streams by, so a record claiming
// 1 GiB costs 256 KiB, where it used to cost 4.2 GB.
const MaxFrameBytes = 262144

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// openSource reads a capture's header; size is the file's size if known
// (0 otherwise) and only sizes the read buffer.
func openSource(r io.Reader, format string, size int64) (*source, error) {
	s := &source{format: format}
	if wantReadAhead(size) {
		s.ahead = newReadAhead(r)
		r = s.ahead
	}
	s.count = &countingReader{r: r}
	s.buf = bufio.NewReaderSize(s.count, readBufSize(size))
	var err error
	switch format {
	case formatPcap:
		if magic, perr := s.buf.Peek(4); perr == nil {
			switch string(magic) {
			case "\xd4\xc3\xb2\xa1", "\x4d\x3c\xb2\xa1":
				s.order = binary.LittleEndian
			default:
				s.order = binary.BigEndian
			}
			s.nanos = magic[0] == 0x4d || magic[3] == 0x4d
		}
		s.pcap, err = pcapgo.NewReader(s.buf)
		if err == nil {
			s.link = s.pcap.LinkType()
			// pcapgo's own bound: the snaplen, but at least libpcap's.
			s.maxCap = max(int(s.pcap.Snaplen()), MaxFrameBytes)
		}
	case formatPcapng:
		// Mixed link types: every interface keeps its own, and no frame is
		// silently dropped for differing from the first interface's.
		s.ng, err = pcapgo.NewNgReader(s.buf, pcapgo.NgReaderOptions{WantMixedLinkType: true, SkipUnknownVersion: true})
	default:
		err = errors.New("not a pcap or pcapng file")
	}
	if err != nil {
		s.close()
		return nil, fmt.Errorf("read %s header: %w", format, errorText(err))
	}
	return s, nil
}

// close stops the read-ahead, if any; the source is not read after it.
func (s *source) close() {
	if s.ahead != nil {
		s.ahead.close()
	}
}

// next returns the next frame; data is valid until the following call.
func (s *source) next() (data []byte, ci gopacket.CaptureInfo, lt layers.LinkType, err error) {
	if s.pcap != nil {
		data, ci, err = s.nextRecord()
		return data, ci, s.link, err
	}
	data, ci, err = s.ng.ZeroCopyReadPacketData()
	if err == nil && len(ci.AncillaryData) > 0 {
		lt, _ = ci.AncillaryData[0].(layers.LinkType)
	}
	return data, ci, lt, err
}

// nextRecord reads one classic pcap record with pcapgo's checks and
// messages, keeping at most MaxFrameBytes of it (ci.CaptureLength says how
// much was kept; ci.Length stays the wire length).
func (s *source) nextRecord() ([]byte, gopacket.CaptureInfo, error) {
	var ci gopacket.CaptureInfo
	if _, err := io.ReadFull(s.buf, s.recHdr[:]); err != nil {
		return nil, ci, err
	}
	h, o := s.recHdr[:], s.order
	frac := int64(o.Uint32(h[4:8]))
	if !s.nanos {
		frac *= 1000
	}
	ci.Timestamp = time.Unix(int64(o.Uint32(h[0:4])), frac).UTC()
	capLen, wire := int64(o.Uint32(h[8:12])), int64(o.Uint32(h[12:16]))
	ci.Length = int(wire)
	if capLen > int64(s.maxCap) {
		return nil, ci, fmt.Errorf("capture length exceeds snap length: %d > %d", capLen, s.pcap.Snaplen())
	}
	if capLen > wire {
		return nil, ci, fmt.Errorf("capture length exceeds original packet length: %d > %d", capLen, wire)
	}
	keep := min(capLen, MaxFrameBytes)
	data, err := s.frameBytes(int(keep))
	if err != nil {
		return nil, ci, err
	}
	// The rest streams by in steps an int holds on every platform.
	for rest := capLen - keep; rest > 0; {
		n, err := s.buf.Discard(int(min(rest, 1<<30)))
		rest -= int64(n)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, ci, err
		}
	}
	ci.CaptureLength = int(keep)
	return data, ci, nil
}

// frameBytes reads the next n bytes as io.ReadFull would (the same
// errors, the same bytes consumed), without copying them out of the read
// buffer when they fit in it: a copy of every frame was a tenth of the
// analysis.
func (s *source) frameBytes(n int) ([]byte, error) {
	if n <= s.buf.Size() {
		data, err := s.buf.Peek(n)
		if len(data) == n {
			s.buf.Discard(n)
			return data, nil
		}
		s.buf.Discard(len(data))
		if len(data) > 0 && err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if cap(s.recData) < n {
		s.recData = make([]byte, n)
	}
	data := s.recData[:n]
	if _, err := io.ReadFull(s.buf, data); err != nil {
		return nil, err
	}
	return data, nil
}

// offset is how many bytes of the file the reader has consumed.
func (s *source) offset() int64 { return s.count.n - int64(s.buf.Buffered()) }

// interfaces lists the pcapng interface names (IDB if_name, or
// if_description, or "#<id>" when the IDB names nothing) of the last
// section; a pcap file has none.
func (s *source) interfaces() (names []string) {
	if s.ng == nil {
		return nil
	}
	for i := 0; i < s.ng.NInterfaces(); i++ {
		intf, err := s.ng.Interface(i)
		if err != nil {
			continue
		}
		name := intf.Name
		if name == "" {
			name = intf.Description
		}
		if name == "" {
			name = "#" + itoa(int64(i))
		}
		names = append(names, name)
	}
	return names
}

// errorText lowercases the first letter of gopacket's capitalised messages
// ("Unknown magic a1b2c3d5") so wrapped errors read as the house style asks.
func errorText(err error) error {
	msg := err.Error()
	if msg == "" || msg[0] < 'A' || msg[0] > 'Z' || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	return errors.New(string(msg[0]+'a'-'A') + msg[1:])
}
