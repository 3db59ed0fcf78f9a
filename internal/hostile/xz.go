package hostile

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"

	"github.com/ulikunitz/xz"
)

// xzZeros8M is `xz -6` of 8 MiB of zeros (1,356 bytes). Concatenated xz
// streams are legal and read as one, so a bomb of any size is this
// repeated.
var xzZeros8M = mustHex("fd377a585a000004e6d6b4460200210116000000742fe5a3ffff11016c5d00006ffdffffa3b7ff473e481572396151b89228e6a38607f9eee41e82d32fc53a3c014bb17ec98a8a4d2fa30dd97fa6e38c231153e05918c5758ae277f8b6947f0c6ac0de744964e2e95c53b204d8f7440cab5f0d6d46e9e5c37688b79657acb64de1691d6ffb4b88106c42cb883f5c008fd04eaf262894711f3d8f24e1709ea7235fec28cb85d195988a7e2a91f22775f719c006984d98fdd8afd5900fc42553f8f591363105a5b0ee6fc1704d470cd19111aaad601dbaceb127185c5986e9665258bee976ac59e4e55b0508f9c7daadfcfb522b74cd1e5b2042f9dd533df82964093b80cb2a6cdfb53bf0c4bd2e5faa0f3e4b664290130eff1093f8717859f80bcdff9528460fa9fc7cdefb9a302e56c08f85f38381c065c42553f8f591363105a5b0ee6fc1704d470cd19111aaad601dbaceb127185c5986e9665258bee976ac59e4e55b0508f9c7daadfcfb522b74cd1e5b2042f9dd533df82964093b80cb2a6cdfb53bf0c4bc4827e6589fff10012b00ec7353a7fdbeae7c311a9fb78d316e709ea7235fec28cb85d195988a7e2a91f22775f719c006984d98fdd8afd5900fc42553f8f591363105a5b0ee6fc1704d470cd19111aaad601dbaceb127185c5986e9665258bee976ac59e4e55b0508f9c7daadfcfb522b74cd1e5b2042f9dd533df82964093b80cb2a6cdfb53bf0c4bd2e5faa0f3e4b664290130eff1093f8717859f80bcdff9528460fa9fc7cdefb9a302e56c08f85f38381c065c42553f8f591363105a5b0ee6fc1704d470cd19111aaad601dbaceb127185c5986e9665258bee976ac59e4e55b0508f9c7daadfcfb522b74cd1e5b2042f9dd533df82964093b80cb2a6cdfb53bf0c4bd2e5faa0f3e4b664290130eff1093f8717859f80bcdff9528460fa9fc7cdefb9a302e56c08f85f38381c065c425510f3fb29fff10012b00ec7353a7fdbeae7c311a9fb78d316e709ea7235fec28cb85d195988a7e2a91f22775f719c006984d98fdd8afd5900fc42553f8f591363105a5b0ee6fc1704d470cd19111aaad601dbaceb127185c5986e9665258bee976ac59e4e55b0508f9c7daadfcfb522b74cd1e5b2042f9dd533df82964093b80cb2a6cdfb53bf0c4bd2e5faa0f3e4b664290130eff1093f8717859f80bcdff9528460fa9fc7cdefb9a302e56c08f85f38381c065c42553f8f591363105a5b0ee6fc1704d470cd19111aaad601dbaceb127185c5986e9665258bee976ac59e4e55b0508f9c7daadfcfb522b74cd1e5b2042f9dd533df82964093b80cb2a6cdfb53bf0c4bd2e5faa0f3e4b664290130eff1093f8717859f80bcdff9528460fa9fc7cdefb9a302e56c08f85f38381c065c425510f3fb29fff10012b00ec7353a7fdbeae7c311a9fb78d316e709ea7235fec28cb85d195988a7e2a91f22775f719c006984d98fdd8afd5900fc42553f8f591363105a5b0ee6fc1704d470cd19111aaad601dbaceb127185c5986e9665258bee976ac59e4e55b0508f9c7daadfcfb522b74cd1e5b2042f9dd533df82964093b80cb2a6cdfb53bf0c4bd2e5faa0f3e4b664290130eff1093f8717859f80bcdff9528460fa9fc7cdefb9a302e56c08f85f38381c065c42553f8f591363105a5b0ee6fc1704d470cd19111aaad601dbaceb127185c5986e9665258bee976ac59e4e55b0508f9c7daadfcfb522b74cd1e5b2042f9dd533df82964093b80cb2a6cdfb53bf0c4bd2e5faa0f3e4b664290130eff1093f8717859f80bcdff9528460fa9fc7cdefb9a302e56c08f85f38381c065c425510f3fb28003ba0005007b61f7ef000000002d2be0ce3a4f18d30001a60a8080800466cf2276b1c467fb020000000004595a")

func xzZeros(n int64) []byte {
	var out []byte
	for ; n > 0; n -= 8 << 20 {
		out = append(out, xzZeros8M...)
	}
	return out
}

func xzOf(b []byte) ([]byte, error) {
	return compressed(b, func(w io.Writer) (io.WriteCloser, error) { return xz.NewWriter(w) })
}

// compressed is b written through the compressor open makes.
func compressed(b []byte, open func(io.Writer) (io.WriteCloser, error)) ([]byte, error) {
	var buf bytes.Buffer
	w, err := open(&buf)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func xzBomb(g *gen) error {
	if err := withHealthy(g); err != nil {
		return err
	}
	return g.file("zeros.xz", xzZeros(g.env.BombSize))
}

// xzDictBomb is a 100-byte xz file whose block header declares a 4 GiB
// LZMA2 dictionary: a reader that allocates what the header says runs
// out of memory before one byte comes out.
func xzDictBomb(g *gen) error {
	if err := withHealthy(g); err != nil {
		return err
	}
	b, err := xzOf([]byte("x"))
	if err != nil {
		return err
	}
	// Stream header (12 bytes), then the block header: size byte, flags,
	// [sizes], filter ID 0x21, properties size 1, dictionary byte, padding,
	// CRC32 of the header.
	size := (int(b[12]) + 1) * 4
	hdr := b[12 : 12+size]
	i := bytes.Index(hdr[2:], []byte{0x21, 0x01})
	if i < 0 {
		return errNoFilter
	}
	hdr[2+i+2] = 40 // 4 GiB - 1
	binary.LittleEndian.PutUint32(hdr[size-4:], crc32.ChecksumIEEE(hdr[:size-4]))
	return g.file("huge-dict.xz", b)
}

type hostileErr string

func (e hostileErr) Error() string { return string(e) }

const errNoFilter = hostileErr("xz writer made no LZMA2 filter header")

func truncatedXZ(g *gen) error {
	tb, err := g.tarOf("cut.tar.xz", []item{
		healthy("quota.yaml"),
		{name: "noise.bin", body: noise(256<<10, 1)},
		{name: "after.yaml", body: []byte(HealthyYAML), lost: true},
	})
	if err != nil {
		return err
	}
	z, err := xzOf(tb)
	if err != nil {
		return err
	}
	g.healthyAt("cut.tar.xz!/quota.yaml")
	return g.inputArchive("cut.tar.xz", z[:len(z)*6/10])
}
