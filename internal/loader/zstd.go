package loader

import (
	"bytes"
	"errors"
	"io"

	"github.com/klauspost/compress/zstd"
)

// zstd (.zst, .tar.zst: newer sosreports and must-gathers can be zstd) is
// read with github.com/klauspost/compress/zstd, pure Go and already in the
// build through OPA. A frame declares its window size, which the decoder
// allocates: maxZstdWindow refuses what no ordinary compression level asks
// for (zstd -19 uses 8 MiB, --ultra -22 and --long=27 128 MiB), so a
// hostile header cannot make ktriage allocate gigabytes. Output bytes are
// charged to the total cap by the caller, as for gzip and xz.
const maxZstdWindow = 128 << 20

const containerZstd containerKind = 101

var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

func isZstd(head []byte) bool { return bytes.HasPrefix(head, zstdMagic) }

// zstdReader releases the decoder's buffers when the stream is done.
type zstdReader struct{ *zstd.Decoder }

func (z zstdReader) Close() error { z.Decoder.Close(); return nil }

func (z zstdReader) Read(p []byte) (int, error) {
	n, err := z.Decoder.Read(p)
	if err != nil && err != io.EOF {
		err = zstdErr(err)
	}
	return n, err
}

func newZstdReader(r io.Reader) (io.Reader, error) {
	// One decoding goroutine: a bundle is read one stream at a time, and
	// a concurrent decoder's read-ahead would hold more memory per stream.
	d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxZstdWindow), zstd.WithDecoderLowmem(true))
	if err != nil {
		return nil, err
	}
	return zstdReader{d}, nil
}

// zstdErr makes the decoder's window refusal read as the cap it is.
func zstdErr(err error) error {
	if errors.Is(err, zstd.ErrWindowSizeExceeded) {
		return errors.New("zstd frame asks for a window over 128 MiB: refused (ktriage's cap on a frame's memory)")
	}
	return err
}
