package hostile

import (
	"io"

	"github.com/klauspost/compress/zstd"
)

func zstdOf(b []byte) ([]byte, error) {
	return compressed(b, func(w io.Writer) (io.WriteCloser, error) {
		return zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithEncoderConcurrency(1))
	})
}

// zstdBomb is concatenated zstd frames of 8 MiB of zeros each (a few
// hundred bytes per frame): the decoder reads frame after frame, so only
// the total cap stops it.
func zstdBomb(g *gen) error {
	if err := withHealthy(g); err != nil {
		return err
	}
	frame, err := zstdOf(make([]byte, 8<<20))
	if err != nil {
		return err
	}
	var out []byte
	for n := int64(0); n < g.env.BombSize; n += 8 << 20 {
		out = append(out, frame...)
	}
	return g.file("zeros.zst", out)
}

// zstdWindowBomb is a 9-byte zstd frame whose header declares a 2 GiB
// window (Window_Descriptor exponent 21): a decoder that allocates what
// the header says runs out of memory before one byte comes out.
func zstdWindowBomb(g *gen) error {
	if err := withHealthy(g); err != nil {
		return err
	}
	b := []byte{0x28, 0xb5, 0x2f, 0xfd, // magic
		0x00,             // descriptor: no single segment, no checksum, no dictionary, no content size
		21 << 3,          // window descriptor: 2^(10+21) bytes
		0x01, 0x00, 0x00, // last block, raw, 0 bytes
	}
	return g.file("huge-window.zst", b)
}

func truncatedZstd(g *gen) error {
	tb, err := g.tarOf("cut.tar.zst", []item{
		healthy("quota.yaml"),
		{name: "noise.bin", body: noise(256<<10, 1)},
		{name: "after.yaml", body: []byte(HealthyYAML), lost: true},
	})
	if err != nil {
		return err
	}
	z, err := zstdOf(tb)
	if err != nil {
		return err
	}
	g.healthyAt("cut.tar.zst!/quota.yaml")
	return g.inputArchive("cut.tar.zst", z[:len(z)*6/10])
}
