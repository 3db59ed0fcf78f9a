package hostile

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
)

// Small caps for bombs, so each stops within a second in tests.
var bombCaps = Caps{MaxTotalSize: 256 << 20, MaxFileSize: 64 << 20}

// Cases lists every hostile bundle, in a fixed order.
func Cases() []Case {
	return []Case{
		{Name: "escaping-names-tar", About: "tar members named ../…, /abs/…, a\\..\\b climbing to the canary at every depth", build: escapingNames("tar")},
		{Name: "escaping-names-zip", About: "the same names in a zip", build: escapingNames("zip")},
		{Name: "links-tar", About: "tar symlinks and hard links out of the archive, a member written through a symlinked directory", build: linksTar},
		{Name: "links-zip", About: "zip symlink entries out of the archive and a member written through one", build: linksZip},
		{Name: "links-dir", About: "a directory input with symlinks to files and directories outside it, dangling links, a link loop and a fifo", build: linksDir},
		{Name: "devices-tar", About: "tar character and block devices (dev/zero would never end) and a fifo", build: devicesTar},
		{Name: "gzip-bomb", About: "a tar.gz of zero-filled entries made of concatenated gzip members: about 1,000× expansion", Caps: bombCaps,
			Limits: []string{"per-file cap", "total size cap"}, build: gzipBomb},
		{Name: "gzip-stream-bomb", About: "a plain .gz of zeros, one artifact far over the per-file cap", Caps: bombCaps,
			Limits: []string{"per-file cap"}, build: gzipStreamBomb},
		{Name: "zip-bomb", About: "a zip of deflated zero-filled entries", Caps: bombCaps,
			Limits: []string{"per-file cap", "total size cap"}, build: zipBombCase},
		{Name: "zip-overlap", About: "a zip whose 16 central-directory entries all point at one compressed body", Caps: bombCaps,
			Limits: []string{"total size cap"}, build: zipOverlapCase},
		{Name: "zip-size-lies", About: "zip entries whose headers understate or overstate their size, and a wrong CRC", build: zipSizeLies},
		{Name: "bz2-bomb", About: "concatenated bzip2 streams of zeros: about 1,000,000× expansion", Caps: Caps{MaxTotalSize: 32 << 20, MaxFileSize: 64 << 20},
			Limits: []string{"total size cap"}, build: bz2Bomb},
		{Name: "xz-bomb", About: "concatenated xz streams of zeros: about 6,000× expansion", Caps: Caps{MaxTotalSize: 32 << 20, MaxFileSize: 64 << 20},
			Limits: []string{"total size cap"}, build: xzBomb},
		{Name: "xz-dict-bomb", About: "a 100-byte .xz whose block header declares a 4 GiB dictionary: refused, nothing allocated", build: xzDictBomb},
		{Name: "truncated-xz", About: "a tar.xz input cut in the middle of a member", build: truncatedXZ},
		{Name: "zstd-bomb", About: "concatenated zstd frames of zeros: about 30,000× expansion", Caps: Caps{MaxTotalSize: 32 << 20, MaxFileSize: 64 << 20},
			Limits: []string{"total size cap"}, build: zstdBomb},
		{Name: "zstd-window-bomb", About: "a 9-byte .zst whose frame header declares a 2 GiB window: refused, nothing allocated", build: zstdWindowBomb},
		{Name: "truncated-zstd", About: "a tar.zst input cut in the middle of a member", build: truncatedZstd},
		{Name: "sparse-tar-bomb", About: "a tar of 16 old-GNU sparse members, each a 512-byte header declaring a hole of the bomb's size (nothing is compressed: no decompressor sees the expansion), plain and gzipped", Caps: bombCaps,
			Limits: []string{"per-file cap", "total size cap"}, build: sparseTarBomb},
		{Name: "sparse-pax-bomb", About: "the same in the PAX 1.0 sparse form GNU tar writes (GNU.sparse.* records)", Caps: bombCaps,
			Limits: []string{"per-file cap", "total size cap"}, build: sparsePaxBomb},
		{Name: "many-entries", About: "a tgz of 10,000 tiny files", build: manyEntries(false)},
		{Name: "many-entries-capped", About: "the same tgz under a 1,000-entry cap", Caps: Caps{MaxEntries: 1000},
			Limits: []string{"entry cap"}, build: manyEntries(true)},
		{Name: "many-skipped", About: "a tar of 5,000 symlinks all of the same name and 5,000 members with escaping names: every one gets its own note", build: manySkipped},
		{Name: "deep-nesting", About: "50 levels of zip in tar in tgz in zip …", Limits: []string{"nesting cap"}, build: deepNesting},
		{Name: "truncated-gzip", About: "a tgz input cut in the middle of a member", build: truncatedGzip},
		{Name: "truncated-pcap", About: "pcap and pcapng files cut inside a record, a pcap cut inside its header", build: truncatedPcap},
		{Name: "corrupt-pcap", About: "a pcap record claiming 2 GiB, a pcap with a 4 GiB snaplen, pcapng blocks with impossible lengths", build: corruptPcap},
		{Name: "oversized-pcap-record", About: "a .pcap.gz (0.05 MB) with a 0xffffffff snaplen and one 48 MiB record of zeros between real frames: the reader used to buffer a record whole, 4× its size (a 1 GiB record took 4.2 GB)", build: oversizedPcapRecord},
		{Name: "invalid-utf8", About: "invalid UTF-8 in YAML, JSON and text, and in entry names next to newlines, pipes and terminal escapes", build: invalidUTF8},
		{Name: "long-line", About: "a 20 MB file with no newline at all, and 4 MB single lines of JSON, YAML, a pod log, iptables-save and sysctl", build: longLine},
		{Name: "duplicate-names", About: "the same member name twice with different content, and display paths that collide across archive boundaries", build: duplicateNames},
		{Name: "same-named-inputs", About: "two inputs with the same base name", build: sameNamedInputs},
		{Name: "cut-json", About: "cluster-info dumps cut mid-object (directory and stdout forms)", build: cutJSON},
		{Name: "huge-yaml-document", About: "one 200 MB YAML document (a 0.3 MB .gz): a List holding the healthy items and an item of 20 million sequence entries, which a whole-document decoder needs about 8 GB for", build: hugeYAMLDocument},
		{Name: "billion-laughs", About: "YAML anchors and aliases that expand exponentially, merge keys, 100,000-deep nesting in YAML and JSON", build: billionLaughs},
		{Name: "empty-archives", About: "empty tar, zip, tgz, gz, bz2 and archives holding only directories", build: emptyArchives},
		{Name: "zero-byte", About: "zero-byte files of every kind, named as archives too, and a zero-size tar member", build: zeroByte},
		{Name: "fake-archives", About: "files named like archives that are not, and files with an archive's magic and garbage after it", build: fakeArchives},
		{Name: "markdown-injection", About: "object names, namespaces and node directory names carrying newlines, headings, `<script>`, `<img onerror>`, HTML comments, backticks, code fences, pipes and links", build: markdownInjection},
		{Name: "shell-metacharacters", About: "namespaces, names, label values and a node directory that are shell injections (;, $(), backticks, quotes, a newline, pipes, redirections): every confirm command must carry them as one quoted argument", build: shellMetacharacters},
		{Name: "tar-short-body", About: "a tar member declaring 1 GiB with 100 bytes behind it, plain and gzipped, and a corrupt tar header", build: tarShortBody},
		{Name: "concatenated-zip", About: "two zips concatenated (cat a.zip b.zip): archive/zip reads the last central directory only, so the first archive's entries would vanish without a word", build: concatenatedZip},
		{Name: "sparse-dir", About: "a directory input holding four sparse files of 1 GiB apparent size each (a few KB on disk): cut at the per-file cap, their spooled copies must count against the total cap", Caps: Caps{MaxTotalSize: 64 << 20, MaxFileSize: 32 << 20},
			Limits: []string{"per-file cap", "total size cap"}, build: sparseDir},
		{Name: "long-names", About: "a tgz of 20 members whose PAX names are 1 MiB each, differing only at the end, and a symlink with a 1 MiB name and target", build: longNames},
	}
}

func healthy(name string) item { return item{name: name, body: []byte(HealthyYAML)} }

func escapingNames(kind string) func(g *gen) error {
	return func(g *gen) error {
		items := []item{healthy("quota.yaml")}
		for _, n := range g.escapes(kind) {
			items = append(items, item{name: n, body: []byte("pwned\n")})
		}
		name := "escape." + kind
		var body []byte
		var err error
		if kind == "tar" {
			body, err = g.tarOf(name, items)
		} else {
			body, err = g.zipOf(name, items)
		}
		if err != nil {
			return err
		}
		g.healthyAt(name + "!/quota.yaml")
		return g.archive(name, body, false)
	}
}

func linksTar(g *gen) error {
	base := filepath.Base(g.env.Canary)
	body, err := g.tarOf("links.tar", []item{
		healthy("quota.yaml"),
		{name: "evil", typ: tar.TypeSymlink, link: "../../" + base},
		{name: "evil/pwned-through-link", body: []byte("pwned\n")},
		{name: "up", typ: tar.TypeSymlink, link: ".."},
		{name: "up/up/" + base + "/pwned-through-up", body: []byte("pwned\n")},
		{name: "abs-link", typ: tar.TypeSymlink, link: g.env.Canary},
		{name: "passwd", typ: tar.TypeSymlink, link: "/etc/passwd"},
		{name: "hard-out", typ: tar.TypeLink, link: "../../" + base + "/secret.txt"},
		{name: "hard-abs", typ: tar.TypeLink, link: "/etc/shadow"},
		{name: "hard-in", typ: tar.TypeLink, link: "quota.yaml"},
	})
	if err != nil {
		return err
	}
	g.healthyAt("links.tar!/quota.yaml")
	return g.archive("links.tar", body, false)
}

func linksZip(g *gen) error {
	base := filepath.Base(g.env.Canary)
	body, err := g.zipOf("links.zip", []item{
		healthy("quota.yaml"),
		{name: "evil", mode: fs.ModeSymlink, link: "../../" + base},
		{name: "evil/pwned-through-link", body: []byte("pwned\n")},
		{name: "abs-link", mode: fs.ModeSymlink, link: g.env.Canary},
		{name: "passwd", mode: fs.ModeSymlink, link: "/etc/passwd"},
	})
	if err != nil {
		return err
	}
	g.healthyAt("links.zip!/quota.yaml")
	return g.archive("links.zip", body, false)
}

func linksDir(g *gen) error {
	if err := g.file("quota.yaml", []byte(HealthyYAML)); err != nil {
		return err
	}
	g.healthyAt("quota.yaml")
	secret := filepath.Join(g.env.Canary, "secret.txt")
	if err := os.WriteFile(secret, []byte("secret: must never be read\n"), 0o644); err != nil {
		return err
	}
	dir := g.bundleDir()
	for _, l := range []struct{ name, target string }{
		{"outside-file.yaml", secret},
		{"outside-dir", g.env.Canary},
		{"relative-out.yaml", "../" + filepath.Base(g.env.Canary) + "/secret.txt"},
		{"etc-passwd", "/etc/passwd"},
		{"dangling", filepath.Join(g.env.Canary, "nothing-here")},
		{"loop-a", "loop-b"},
		{"loop-b", "loop-a"},
		{"self", "."},
	} {
		if err := os.Symlink(l.target, filepath.Join(dir, l.name)); err != nil {
			return fmt.Errorf("symlink (unsupported here?): %w", err)
		}
		g.record(Entry{Path: l.name})
	}
	if mkfifo(filepath.Join(dir, "fifo")) == nil {
		g.record(Entry{Path: "fifo"})
	}
	return nil
}

func devicesTar(g *gen) error {
	body, err := g.tarOf("devices.tar", []item{
		healthy("quota.yaml"),
		{name: "dev/", typ: tar.TypeDir, unlisted: true},
		{name: "dev/zero", typ: tar.TypeChar},
		{name: "dev/sda", typ: tar.TypeBlock},
		{name: "dev/fifo", typ: tar.TypeFifo},
		{name: "after.txt", body: []byte("read after the devices\n")},
	})
	if err != nil {
		return err
	}
	g.healthyAt("devices.tar!/quota.yaml")
	return g.archive("devices.tar", body, false)
}

// bombEntries splits the bomb size into n entries of whole MiB.
func bombEntries(size int64, n int) int64 {
	each := size / int64(n) / chunk * chunk
	return max(each, chunk)
}

func gzipBomb(g *gen) error {
	if err := g.file("quota.yaml", []byte(HealthyYAML)); err != nil {
		return err
	}
	g.healthyAt("quota.yaml")
	body, err := g.tarGzBomb("bomb.tar.gz", []string{"zeros-1.bin", "zeros-2.bin", "zeros-3.bin", "zeros-4.bin"}, bombEntries(g.env.BombSize, 4))
	if err != nil {
		return err
	}
	return g.archive("bomb.tar.gz", body, false)
}

func gzipStreamBomb(g *gen) error {
	if err := g.file("quota.yaml", []byte(HealthyYAML)); err != nil {
		return err
	}
	g.healthyAt("quota.yaml")
	return g.file("zeros.gz", gzZeros(nil, g.env.BombSize))
}

func zipBombCase(g *gen) error {
	names := make([]string, 8)
	for i := range names {
		names[i] = fmt.Sprintf("zeros-%d.bin", i+1)
	}
	body, err := g.zipBomb("bomb.zip", []item{healthy("quota.yaml")}, names, bombEntries(g.env.BombSize, 8))
	if err != nil {
		return err
	}
	g.healthyAt("bomb.zip!/quota.yaml")
	return g.archive("bomb.zip", body, false)
}

func zipOverlapCase(g *gen) error {
	if err := g.file("quota.yaml", []byte(HealthyYAML)); err != nil {
		return err
	}
	g.healthyAt("quota.yaml")
	return g.archive("overlap.zip", g.zipOverlap("overlap.zip", 16, bombEntries(g.env.BombSize, 16)), false)
}

func zipSizeLies(g *gen) error {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	raw := func(name string, content []byte, declared uint64, crc uint32) error {
		var c bytes.Buffer
		fw, _ := flate.NewWriter(&c, flate.BestCompression)
		fw.Write(content)
		fw.Close()
		g.record(Entry{Path: member("lies.zip", name)})
		w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc,
			CompressedSize64: uint64(c.Len()), UncompressedSize64: declared, Modified: epoch})
		if err != nil {
			return err
		}
		_, err = w.Write(c.Bytes())
		return err
	}
	q := []byte(HealthyYAML)
	zeros := make([]byte, 16<<20)
	small := []byte("only a hundred bytes or so, while the header says a gibibyte\n")
	for _, e := range []struct {
		name     string
		content  []byte
		declared uint64
		crc      uint32
	}{
		{"quota.yaml", q, uint64(len(q)), crc32.ChecksumIEEE(q)},
		{"says-small.bin", zeros, 100, crc32.ChecksumIEEE(zeros)},
		{"says-huge.txt", small, 1 << 30, crc32.ChecksumIEEE(small)},
		{"bad-crc.txt", small, uint64(len(small)), 0xdeadbeef},
	} {
		if err := raw(e.name, e.content, e.declared, e.crc); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	g.healthyAt("lies.zip!/quota.yaml")
	return g.archive("lies.zip", buf.Bytes(), false)
}

func bz2Bomb(g *gen) error {
	if err := g.file("quota.yaml", []byte(HealthyYAML)); err != nil {
		return err
	}
	g.healthyAt("quota.yaml")
	return g.file("zeros.bz2", bz2Zeros(g.env.BombSize))
}

func sparseTarBomb(g *gen) error {
	if err := withHealthy(g); err != nil {
		return err
	}
	names := make([]string, 16)
	for i := range names {
		names[i] = fmt.Sprintf("hole-%02d.bin", i+1)
	}
	plain, err := g.sparseTar("sparse.tar", names, g.env.BombSize)
	if err != nil {
		return err
	}
	if err := g.archive("sparse.tar", plain, false); err != nil {
		return err
	}
	// The same inside gzip, past the plain one's cap: all lost but the
	// archive itself, which the loader notes as not read.
	zipped, err := g.sparseTar("sparse.tgz", names, g.env.BombSize)
	if err != nil {
		return err
	}
	for i := range g.b.Entries {
		if strings.HasPrefix(g.b.Entries[i].Path, "sparse.tgz!/") {
			g.b.Entries[i].MayBeLost = true
		}
	}
	return g.archive("sparse.tgz", gz(zipped), true)
}

func sparsePaxBomb(g *gen) error {
	if err := withHealthy(g); err != nil {
		return err
	}
	names := make([]string, 16)
	for i := range names {
		names[i] = fmt.Sprintf("hole-%02d.bin", i+1)
	}
	body, err := g.paxSparseTar("sparse-pax.tar", names, g.env.BombSize)
	if err != nil {
		return err
	}
	return g.archive("sparse-pax.tar", body, false)
}

// manyEntries is a tgz of 10,000 tiny files. Under a 1,000-entry cap the
// loader reads the tgz (one entry), quota.yaml and 998 more.
func manyEntries(capped bool) func(g *gen) error {
	return func(g *gen) error {
		bodies := [][]byte{nil, []byte("x"), []byte("{}"), []byte("a: b\n"), {0}}
		items := []item{healthy("quota.yaml")}
		for i := 0; i < 10_000; i++ {
			items = append(items, item{name: fmt.Sprintf("d%02d/f%05d.txt", i%100, i), body: bodies[i%len(bodies)], lost: capped && i >= 998})
		}
		tb, err := g.tarOf("many.tgz", items)
		if err != nil {
			return err
		}
		g.healthyAt("many.tgz!/quota.yaml")
		return g.archive("many.tgz", gz(tb), false)
	}
}

func manySkipped(g *gen) error {
	items := []item{healthy("quota.yaml")}
	for i := 0; i < 5_000; i++ {
		// The links all share one name: the loader lists them as
		// "link", "link (2)", … "link (5000)".
		as := ""
		if i > 0 {
			as = fmt.Sprintf("skips.tar!/link (%d)", i+1)
		}
		items = append(items,
			item{name: "link", typ: tar.TypeSymlink, link: "/etc/passwd", as: as},
			item{name: fmt.Sprintf("../../up/f%05d.txt", i), body: []byte("x")})
	}
	body, err := g.tarOf("skips.tar", items)
	if err != nil {
		return err
	}
	g.healthyAt("skips.tar!/quota.yaml")
	return g.archive("skips.tar", body, false)
}

// deepNesting builds 50 levels from the inside out, cycling through zip,
// tgz and tar. Level 1 is nest.zip in the bundle directory; with the
// default nesting cap of 8 (compression layers count) the loader opens
// levels 1 to 6 and lists level 7 as too deep.
func deepNesting(g *gen) error {
	const levels = 50
	const openable = 6
	kinds := []string{"zip", "tgz", "tar"}
	name := func(l int) string {
		if l == 1 {
			return "nest.zip"
		}
		return fmt.Sprintf("level-%02d.%s", l, kinds[(l-1)%len(kinds)])
	}
	// at[l] is the display path of level l's archive.
	at := make([]string, levels+1)
	at[1] = "nest.zip"
	for l := 2; l <= levels; l++ {
		at[l] = member(at[l-1], name(l))
	}
	var inner []byte
	for l := levels; l >= 1; l-- {
		items := []item{{name: fmt.Sprintf("note-%02d.txt", l), body: []byte(fmt.Sprintf("level %d\n", l)), lost: l > openable}}
		if l == 1 {
			items = append([]item{healthy("quota.yaml")}, items...)
		}
		if inner != nil {
			items = append(items, item{name: name(l + 1), body: inner, container: true, lost: l+1 > openable+1})
		}
		var err error
		switch kinds[(l-1)%len(kinds)] {
		case "zip":
			inner, err = g.zipOf(at[l], items)
		case "tgz":
			inner, err = g.tarOf(at[l], items)
			inner = gz(inner)
		case "tar":
			inner, err = g.tarOf(at[l], items)
		}
		if err != nil {
			return err
		}
	}
	g.healthyAt("nest.zip!/quota.yaml")
	return g.archive("nest.zip", inner, false)
}

// noise is incompressible bytes, the same every run.
func noise(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

func truncatedGzip(g *gen) error {
	tb, err := g.tarOf("cut.tgz", []item{
		healthy("quota.yaml"),
		{name: "noise.bin", body: noise(256<<10, 1)},
		{name: "after.yaml", body: []byte(HealthyYAML), lost: true},
	})
	if err != nil {
		return err
	}
	z := gz(tb)
	g.healthyAt("cut.tgz!/quota.yaml")
	return g.inputArchive("cut.tgz", z[:len(z)*6/10])
}

func withHealthy(g *gen) error {
	if err := g.file("quota.yaml", []byte(HealthyYAML)); err != nil {
		return err
	}
	g.healthyAt("quota.yaml")
	return nil
}

func truncatedPcap(g *gen) error {
	if err := withHealthy(g); err != nil {
		return err
	}
	p, recs := pcapFile(0)
	ng, blocks := pcapngFile()
	for _, f := range []struct {
		name string
		body []byte
	}{
		{"captures/cut-in-frame.pcap", p[:recs[3]+30]},
		{"captures/cut-in-record-header.pcap", p[:recs[4]+5]},
		{"captures/cut-in-file-header.pcap", p[:20]},
		{"captures/cut-in-block.pcapng", ng[:blocks[3]+20]},
	} {
		if err := g.file(f.name, f.body); err != nil {
			return err
		}
	}
	return nil
}

func corruptPcap(g *gen) error {
	if err := withHealthy(g); err != nil {
		return err
	}
	le := func(b []byte, at int, v uint32) []byte {
		b = bytes.Clone(b)
		b[at], b[at+1], b[at+2], b[at+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
		return b
	}
	p, recs := pcapFile(0)
	huge, hrecs := pcapFile(0xffffffff)
	ng, blocks := pcapngFile()
	files := []struct {
		name string
		body []byte
	}{
		{"captures/caplen-2g.pcap", le(p, recs[2]+8, 0x7fffffff)},
		{"captures/snaplen-4g.pcap", le(le(huge, hrecs[2]+8, 0xfffffff0), hrecs[2]+12, 0xfffffff0)},
		{"captures/caplen-over-origlen.pcap", le(p, recs[2]+8, 2000)},
		{"captures/block-4g.pcapng", le(ng, blocks[2]+4, 0xfffffff0)},
		{"captures/block-too-short.pcapng", le(ng, blocks[2]+4, 4)},
		{"captures/caplen-4g.pcapng", le(ng, blocks[2]+20, 0xfffffff0)},
	}
	for _, f := range files {
		if err := g.file(f.name, f.body); err != nil {
			return err
		}
	}
	return nil
}

func invalidUTF8(g *gen) error {
	if err := withHealthy(g); err != nil {
		return err
	}
	files := []struct{ name, body string }{
		{"bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad-utf8\n  namespace: hostile\ndata:\n  k\xc3: \"\xff\xfe\xfd\"\n"},
		{"bad-value-only.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad-value\n  namespace: hostile\ndata:\n  k: v\xff\n"},
		{"bad.json", `{"kind":"PodList","apiVersion":"v1","items":[{"kind":"Pod","metadata":{"name":"bad` + "\xff\xfe" + `name","namespace":"hostile","labels":{"app":"` + "\xc0\x80" + `"}},"spec":{"containers":[{"name":"c","image":"x"}]}}]}` + "\n"},
		{"bad.txt", "line one\n\xff\xfe\xfd\xfc not UTF-8 \xed\xa0\x80 (a surrogate)\n"},
	}
	for _, f := range files {
		if err := g.file(f.name, []byte(f.body)); err != nil {
			return err
		}
	}
	// The loader shows what is not printable UTF-8 as Go escapes.
	body, err := g.tarFormat("names.tar", []item{
		{name: "bad-\xff\xfe-name.yaml", body: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: odd-name, namespace: hostile}\n"), as: `names.tar!/bad-\xff\xfe-name.yaml`},
		{name: "new\nline.txt", body: []byte("x\n"), as: `names.tar!/new\nline.txt`},
		{name: "pipe|and`tick`.txt", body: []byte("x\n")},
		{name: "esc-\x1b[31mred\x1b[0m.txt", body: []byte("x\n"), as: `names.tar!/esc-\x1b[31mred\x1b[0m.txt`},
		{name: "rtl-\u202etxt.exe", body: []byte("x\n"), as: `names.tar!/rtl-\u202etxt.exe`},
	}, tar.FormatGNU)
	if err != nil {
		return err
	}
	return g.archive("names.tar", body, false)
}

// A 20 MB line of text, and 4 MB lines for each parser that claims one:
// enough to show a parser that is quadratic in a line's length, small
// enough that the real objects in the JSON line stay cheap to evaluate.
const (
	longLineSize   = 20 << 20
	parserLineSize = 4 << 20
)

func longLine(g *gen) error {
	if err := withHealthy(g); err != nil {
		return err
	}
	pad := func(prefix string, fill byte, n int) []byte {
		b := bytes.Repeat([]byte{fill}, n)
		copy(b, prefix)
		return b
	}
	// One PodList on one line: real objects, no newline.
	pod := `{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p%07d","namespace":"hostile","labels":{"app":"long"}},"spec":{"containers":[{"name":"c","image":"x"}]}}`
	var js bytes.Buffer
	js.WriteString(`{"kind":"PodList","apiVersion":"v1","items":[`)
	for i := 0; js.Len() < parserLineSize; i++ {
		if i > 0 {
			js.WriteByte(',')
		}
		fmt.Fprintf(&js, pod, i)
	}
	js.WriteString(`]}`)
	for _, f := range []struct {
		name string
		body []byte
	}{
		{"line.txt", pad("", 'a', longLineSize)},
		{"line.json", js.Bytes()},
		{"line.yaml", pad("kind: ", 'k', parserLineSize)},
		{"hostile/line-pod/logs.txt", pad("E0311 09:14:02 error: ", 'e', parserLineSize)},
		{"iptables-save.txt", pad("# Generated by iptables-save v1.8.7 on Mon Mar 11 09:14:02 2024 *filter :INPUT ACCEPT [0:0] -A INPUT -j ", 'X', parserLineSize)},
		{"sysctl.txt", pad("net.ipv4.ip_forward = 1 net.core.somaxconn = ", '4', parserLineSize)},
	} {
		if err := g.file(f.name, f.body); err != nil {
			return err
		}
	}
	return nil
}

// duplicateNames writes the same display path more than once. The loader
// keeps every copy and names the later ones "… (2)", "… (3)", so evidence
// always cites the copy it came from.
func duplicateNames(g *gen) error {
	decoy := []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: decoy\n  namespace: hostile\ndata:\n  note: a second entry with the same name\n")
	sub, err := g.tarOf("dup.tar!/sub.tar", []item{{name: "x.yaml", body: decoy, as: "dup.tar!/sub.tar!/x.yaml (2)"}})
	if err != nil {
		return err
	}
	body, err := g.tarOf("dup.tar", []item{
		healthy("quota.yaml"),
		{name: "quota.yaml", body: decoy, as: "dup.tar!/quota.yaml (2)"},
		{name: "./quota.yaml", body: decoy, as: "dup.tar!/quota.yaml (3)"},
		// A member whose name holds the loader's own separator, then the
		// archive it imitates.
		{name: "sub.tar!/x.yaml", body: decoy},
		{name: "sub.tar", body: sub, container: true},
	})
	if err != nil {
		return err
	}
	if err := g.archive("dup.tar", body, false); err != nil {
		return err
	}
	// A directory named like an archive member path: "x.tar!/y.yaml" on
	// disk next to member y.yaml of x.tar (walked first: "x.tar" < "x.tar!").
	xt, err := g.tarOf("x.tar", []item{{name: "y.yaml", body: decoy}})
	if err != nil {
		return err
	}
	if err := g.archive("x.tar", xt, false); err != nil {
		return err
	}
	if err := g.put(filepath.Join(g.bundleDir(), "x.tar!", "y.yaml"), decoy); err != nil {
		return err
	}
	g.record(Entry{Path: "x.tar!/y.yaml (2)"})
	zb, err := g.zipOf("dup.zip", []item{
		{name: "a.yaml", body: decoy},
		{name: "a.yaml", body: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: decoy-2, namespace: hostile}\n"), as: "dup.zip!/a.yaml (2)"},
	})
	if err != nil {
		return err
	}
	g.healthyAt("dup.tar!/quota.yaml")
	return g.archive("dup.zip", zb, false)
}

func sameNamedInputs(g *gen) error {
	a := filepath.Join(g.env.Dir, "a", "bundle")
	b := filepath.Join(g.env.Dir, "b", "bundle")
	if err := g.put(filepath.Join(a, "quota.yaml"), []byte(HealthyYAML)); err != nil {
		return err
	}
	if err := g.put(filepath.Join(b, "quota.yaml"), []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: decoy, namespace: hostile}\n")); err != nil {
		return err
	}
	g.b.Inputs = []string{a, b}
	g.record(Entry{Path: "bundle/quota.yaml"})
	g.record(Entry{Path: "bundle (2)/quota.yaml"})
	g.healthyAt("bundle/quota.yaml")
	return nil
}

func cutJSON(g *gen) error {
	if err := withHealthy(g); err != nil {
		return err
	}
	pod := func(name string) string {
		return `    {
      "kind": "Pod", "apiVersion": "v1",
      "metadata": {"name": "` + name + `", "namespace": "hostile", "labels": {"app": "web"}},
      "spec": {"containers": [{"name": "web", "image": "nginx"}]},
      "status": {"phase": "Running"}
    }`
	}
	list := "{\n  \"kind\": \"PodList\",\n  \"apiVersion\": \"v1\",\n  \"items\": [\n" + pod("web-1") + ",\n" + pod("web-2") + ",\n" + pod("web-3") + "\n  ]\n}\n"
	cut := list[:strings.Index(list, `"web-3"`)+4]
	stdout := strings.Replace(list, "PodList", "NodeList", 1) + "==== START logs for container web of pod hostile/web-1 ====\nstarted\n==== END logs for container web of pod hostile/web-1 ====\n" + cut
	for _, f := range []struct{ name, body string }{
		{"cluster-info/hostile/pods.json", cut},
		{"cluster-info-dump.txt", stdout},
		{"one-object.json", `{"kind": "Service", "apiVersion": "v1", "metadata": {"name": "web", "namespace": "hos`},
		{"just-a-brace.json", "{"},
	} {
		if err := g.file(f.name, []byte(f.body)); err != nil {
			return err
		}
	}
	return nil
}

func billionLaughs(g *gen) error {
	var lol strings.Builder
	lol.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\n  namespace: hostile\ndata:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	for i, c := range "bcdefghi" {
		prev := string(rune('a' + i))
		refs := strings.TrimSuffix(strings.Repeat("*"+prev+",", 9), ",")
		fmt.Fprintf(&lol, "  %c: &%c [%s]\n", c, c, refs)
	}
	lol.WriteString("  z: *i\n")
	// The healthy part follows in the same file: one bad document must
	// not cost the others.
	laughs := lol.String() + "---\n" + HealthyYAML
	var merge strings.Builder
	merge.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: merge\n  namespace: hostile\ndata:\n  a: &a {k0: lol, k1: lol, k2: lol, k3: lol, k4: lol, k5: lol, k6: lol, k7: lol}\n")
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&merge, "  m%d: &m%d {<<: [*%s, *%s], x%d: y}\n", i, i, prevAnchor(i), prevAnchor(i), i)
	}
	deepYAML := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep, namespace: hostile}\ndata:\n  a: " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "\n"
	deepJSON := `{"kind":"List","apiVersion":"v1","items":` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "}\n"
	for _, f := range []struct{ name, body string }{
		{"laughs.yaml", laughs},
		{"merge-keys.yaml", merge.String()},
		{"deep.yaml", deepYAML},
		{"deep.json", deepJSON},
	} {
		if err := g.file(f.name, []byte(f.body)); err != nil {
			return err
		}
	}
	g.healthyAt("laughs.yaml")
	return nil
}

// HugeYAMLSize is what huge-yaml-document's one document expands to.
const HugeYAMLSize = 200 << 20

// hugeYAMLDocument writes the List as gzip members: the healthy items and
// the start of the huge item once, then one member of 1 MiB of sequence
// entries repeated, so it costs a few milliseconds to make.
func hugeYAMLDocument(g *gen) error {
	head := HealthyYAML + "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: huge\n    namespace: hostile\n  spec:\n    values:\n"
	entry := "    - lol\n"
	block := strings.Repeat(entry, chunk/len(entry))
	member := gz([]byte(block))
	body := gz([]byte(head))
	for n := len(head); n+len(block) <= HugeYAMLSize; n += len(block) {
		body = append(body, member...)
	}
	if err := g.file("huge-list.yaml.gz", body); err != nil {
		return err
	}
	g.healthyAt("huge-list.yaml.gz")
	return nil
}

func prevAnchor(i int) string {
	if i == 1 {
		return "a"
	}
	return fmt.Sprintf("m%d", i-1)
}

func emptyArchives(g *gen) error {
	if err := withHealthy(g); err != nil {
		return err
	}
	emptyTar, err := g.tarOf("empty.tar", nil)
	if err != nil {
		return err
	}
	emptyZip, err := g.zipOf("empty.zip", nil)
	if err != nil {
		return err
	}
	dirsTar, err := g.tarOf("dirs-only.tar", []item{{name: "a/", typ: tar.TypeDir, unlisted: true}, {name: "a/b/", typ: tar.TypeDir, unlisted: true}})
	if err != nil {
		return err
	}
	dirsZip, err := g.zipOf("dirs-only.zip", []item{{name: "a/", typ: tar.TypeDir, unlisted: true}})
	if err != nil {
		return err
	}
	emptyTgz, err := g.tarOf("empty.tgz", nil)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		body []byte
	}{
		{"empty.tar", emptyTar},
		{"empty.zip", emptyZip},
		{"dirs-only.tar", dirsTar},
		{"dirs-only.zip", dirsZip},
		{"empty.tgz", gz(emptyTgz)},
		{"empty.gz", gz(nil)},
		{"empty.bz2", bz2Empty},
	} {
		if err := g.archive(f.name, f.body, false); err != nil {
			return err
		}
	}
	return nil
}

func zeroByte(g *gen) error {
	if err := withHealthy(g); err != nil {
		return err
	}
	for _, n := range []string{"empty.json", "empty.yaml", "empty.pcap", "empty.tgz", "empty.zip", "empty.gz", "hostile/pod/logs.txt", "iptables-save.txt"} {
		if err := g.file(n, nil); err != nil {
			return err
		}
	}
	tb, err := g.tarOf("zero.tar", []item{{name: "zero.yaml"}, {name: "zero.tgz"}})
	if err != nil {
		return err
	}
	return g.archive("zero.tar", tb, false)
}

func fakeArchives(g *gen) error {
	fakeTar := make([]byte, 1024)
	copy(fakeTar, "not a header")
	copy(fakeTar[257:], "ustar\x0000")
	for _, f := range []struct {
		name string
		body []byte
	}{
		{"quota.tgz", []byte(HealthyYAML)},
		{"notes.zip", []byte("just text, named like a zip\n")},
		{"objects.tar.gz", []byte(`{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"plain-json","namespace":"hostile"}}` + "\n")},
		{"garbage.gz", append([]byte{0x1f, 0x8b}, noise(4096, 2)...)},
		{"garbage-after-header.gz", append(gz([]byte("some text"))[:10], noise(4096, 3)...)},
		{"garbage.zip", append([]byte("PK\x03\x04"), noise(4096, 4)...)},
		{"garbage.bz2", append([]byte("BZh9"), noise(4096, 5)...)},
		{"garbage.tar", fakeTar},
		{"bundle.tar.xz", append([]byte{0xfd, '7', 'z', 'X', 'Z', 0}, noise(512, 6)...)},
		{"bundle.tar.zst", append([]byte{0x28, 0xb5, 0x2f, 0xfd}, noise(512, 7)...)},
	} {
		if err := g.file(f.name, f.body); err != nil {
			return err
		}
	}
	g.healthyAt("quota.tgz")
	return nil
}

func tarShortBody(g *gen) error {
	items := func() []item {
		return []item{
			healthy("quota.yaml"),
			{name: "big.bin", body: bytes.Repeat([]byte("x"), 100), size: 1 << 30},
		}
	}
	short, err := g.tarOf("short.tar", items())
	if err != nil {
		return err
	}
	if err := g.archive("short.tar", short, false); err != nil {
		return err
	}
	shortGz, err := g.tarOf("short.tgz", items())
	if err != nil {
		return err
	}
	if err := g.archive("short.tgz", gz(shortGz), false); err != nil {
		return err
	}
	bad, err := g.tarOf("bad-header.tar", []item{{name: "ok.txt", body: []byte("fine\n")}})
	if err != nil {
		return err
	}
	// Replace the end-of-archive blocks with a header whose checksum is wrong.
	hdr := bytes.Clone(bad[:512])
	copy(hdr, "after.txt\x00")
	bad = append(bad[:len(bad)-1024], hdr...)
	bad = append(bad, make([]byte, 1024)...)
	if err := g.archive("bad-header.tar", bad, false); err != nil {
		return err
	}
	g.healthyAt("short.tar!/quota.yaml")
	return nil
}

// MarkdownPayloads are the strings markdown-injection puts into names:
// each would add an element, a heading, a table column, a code block or
// a link to a Markdown report that took it raw.
var MarkdownPayloads = []string{
	"\n# Injected heading\n<script>alert(1)</script>",
	"<img src=x onerror=alert(2)>",
	"a`b``c",
	"\n```\nfenced\n```\n",
	"|pipe|cell|",
	"<!-- comment -->",
	"[link](javascript:alert(3))",
	"*em* _u_ ~~s~~",
}

// markdownInjection writes a ResourceQuota and a LimitRange that conflict
// (so quota-limitrange reports them, names and all) in a namespace and
// under names made of MarkdownPayloads, and node-level files under node
// directories named with them (the directory becomes the node's name).
func markdownInjection(g *gen) error {
	if err := withHealthy(g); err != nil {
		return err
	}
	p := MarkdownPayloads
	ns := "shop" + p[0] + p[1]
	meta := func(name string) map[string]any { return map[string]any{"name": name, "namespace": ns} }
	list := map[string]any{"apiVersion": "v1", "kind": "List", "items": []any{
		map[string]any{"apiVersion": "v1", "kind": "ResourceQuota", "metadata": meta("q" + p[2] + p[3] + p[4]),
			"spec": map[string]any{"hard": map[string]any{"limits.cpu": "1", "limits.memory": "1G"}}},
		map[string]any{"apiVersion": "v1", "kind": "LimitRange", "metadata": meta("lr" + p[5] + p[6] + p[7] + p[1]),
			"spec": map[string]any{"limits": []any{map[string]any{"type": "Container", "default": map[string]any{"cpu": "2", "memory": "2Gi"}}}}},
	}}
	body, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	if err := g.file("injected.json", body); err != nil {
		return err
	}
	// Node directories: no "/" can be in a name, so the payloads without
	// one; the loader shows a newline in a path as \n.
	sysctl := []byte("net.ipv4.ip_forward = 0\nnet.core.somaxconn = 4096\n")
	if err := g.file("nodes/kt"+p[1]+p[2]+p[4]+"/sysctl-a.txt", sysctl); err != nil {
		return err
	}
	raw := "nodes/kt\n# Injected node\n```\n<b onmouseover=alert(4)>x/sysctl-a.txt"
	g.record(Entry{Path: `nodes/kt\n# Injected node\n` + "```" + `\n<b onmouseover=alert(4)>x/sysctl-a.txt`})
	return g.put(filepath.Join(g.bundleDir(), filepath.FromSlash(raw)), sysctl)
}

// concatenatedZip is `cat a.zip b.zip`: a reader that takes the last
// end-of-central-directory record sees only b. The first archive's entries
// are lost, but the archive's line must say so.
func concatenatedZip(g *gen) error {
	a, err := g.zipOf("cat.zip", []item{
		{name: "first/secret-config.yaml", body: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\n"), lost: true},
		{name: "first/notes.txt", body: []byte("from the first archive\n"), lost: true},
	})
	if err != nil {
		return err
	}
	b, err := g.zipOf("cat.zip", []item{healthy("quota.yaml")})
	if err != nil {
		return err
	}
	if err := g.archive("cat.zip", append(a, b...), false); err != nil {
		return err
	}
	g.healthyAt("cat.zip!/quota.yaml")
	return nil
}

// sparseDir writes sparse files into a directory input: a file over the
// per-file cap is spooled (cut) into the temp area, and those copies were
// not charged to the total cap, so four 100 GB sparse files put 4 GiB in
// the temp area under a 1 GiB cap.
func sparseDir(g *gen) error {
	if err := g.file("quota.yaml", []byte(HealthyYAML)); err != nil {
		return err
	}
	for i := 0; i < 4; i++ {
		rel := fmt.Sprintf("nodes/node-%d/dmesg", i)
		if err := g.file(rel, []byte("[    0.000000] Linux version 6.1.0\n")); err != nil {
			return err
		}
		g.b.Entries[len(g.b.Entries)-1].MayBeLost = true
		if err := os.Truncate(filepath.Join(g.bundleDir(), filepath.FromSlash(rel)), 1<<30); err != nil {
			return err
		}
	}
	g.healthyAt("quota.yaml")
	return nil
}

// oversizedPcapRecord is a capture whose second record is 48 MiB long (a
// 4 GiB snaplen allows it), gzipped to almost nothing; the frames around
// it are real.
func oversizedPcapRecord(g *gen) error {
	if err := withHealthy(g); err != nil {
		return err
	}
	const big = 48 << 20
	p, recs := pcapFile(0xffffffff)
	le := binary.LittleEndian
	rec := le.AppendUint32(nil, 1710148440)
	rec = le.AppendUint32(rec, 0)
	rec = le.AppendUint32(rec, big)
	rec = le.AppendUint32(rec, big)
	body := gz(append(bytes.Clone(p[:recs[1]]), rec...))
	body = gzZeros(body, big)
	body = append(body, gz(p[recs[1]:])...)
	return g.file("captures/oversized-record.pcap.gz", body)
}
