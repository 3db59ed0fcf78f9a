package hostile

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"strings"
)

// longNameBytes is the length of each long member name: about the 1 MiB
// the Go tar reader accepts in a PAX header (less the record's framing).
const longNameBytes = 1<<20 - 64

// longNames writes a tgz of 20 members whose PAX path records are 1 MiB
// each and differ only in their last bytes, next to the healthy part
// (issue 10, D5: 100 such members, 104 KB of tgz, once cost 15 s, 422 MB
// and a 200 MB report; 20 keep the test cheap and show the same). Each
// must be listed once, under its first 4 KiB and a hash of the whole
// name, the documented form (docs/bundle-layout.md).
func longNames(g *gen) error {
	items := []item{healthy("quota.yaml")}
	for i := 0; i < 20; i++ {
		tail := fmt.Sprintf("-%03d.log", i)
		name := "logs/" + strings.Repeat("n", longNameBytes-len("logs/")-len(tail)) + tail
		items = append(items, item{name: name, body: []byte("a line of a log\n"), as: cutName("long-names.tgz!/", name)})
	}
	// a long link target and a long link name: the note quotes the
	// target cut, and the link is listed under its cut name
	// (both in one PAX header, so half as long each)
	link := "l/" + strings.Repeat("k", longNameBytes/2)
	items = append(items, item{name: link, typ: tar.TypeSymlink, link: "/" + strings.Repeat("t", longNameBytes/2), as: cutName("long-names.tgz!/", link)})
	tb, err := g.tarFormat("long-names.tgz", items, tar.FormatPAX)
	if err != nil {
		return err
	}
	g.healthyAt("long-names.tgz!/quota.yaml")
	// BestSpeed: the 20 MB of names compress to about the same size at
	// any level, and the best level takes seconds.
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return err
	}
	if _, err := zw.Write(tb); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return g.archive("long-names.tgz", buf.Bytes(), false)
}

// cutName is the display path the loader gives a member whose name is
// longer than 4 KiB: its first 4,096 bytes, then its length and the first
// 8 bytes of the SHA-256 of the whole name.
func cutName(at, name string) string {
	sum := sha256.Sum256([]byte(name))
	return fmt.Sprintf("%s%s…(name cut: %d bytes, sha256 %x)", at, name[:4096], len(name), sum[:8])
}
