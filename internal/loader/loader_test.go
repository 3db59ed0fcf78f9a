package loader

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ktriage/ktriage/internal/hostile"
)

type entry struct {
	name     string
	body     string
	typeflag byte
	link     string
}

func tarBytes(t testing.TB, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		tf := e.typeflag
		if tf == 0 {
			tf = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: tf, Linkname: e.link}
		if tf == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if tf == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func zipBytes(t testing.TB, entries map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(entries[n]))
	}
	zw.Close()
	return buf.Bytes()
}

func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func load(t *testing.T, lim Limits, inputs ...string) *Bundle {
	t.Helper()
	tmp := t.TempDir()
	b, err := Load(inputs, lim, tmp)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b.Close()
		// Nothing but the bundle's own private area may ever be created.
		left, _ := os.ReadDir(tmp)
		if len(left) != 0 {
			t.Errorf("temp parent not empty after Close: %v", left)
		}
	})
	return b
}

func paths(b *Bundle) []string {
	var out []string
	for _, a := range b.Artifacts {
		out = append(out, a.Path)
	}
	return out
}

func content(t *testing.T, a *Artifact) string {
	t.Helper()
	f, err := a.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	return string(b)
}

func skipReasons(b *Bundle) map[string]string {
	m := map[string]string{}
	for _, s := range b.Skipped {
		m[s.Path] = s.Reason
	}
	return m
}

func TestNestedArchives(t *testing.T) {
	dir := t.TempDir()
	node := gz(t, tarBytes(t, []entry{{name: "ip-a.txt", body: "1: lo: <LOOPBACK,UP> mtu 65536\n"}}))
	extra := zipBytes(t, map[string]string{"objects/quota.yaml": "apiVersion: v1\nkind: ResourceQuota\n"})
	outer := gz(t, tarBytes(t, []entry{
		{name: "bundle/cluster-info/nodes.json", body: `{"kind":"NodeList","items":[]}`},
		{name: "bundle/nodes/vm-5.tar.gz", body: string(node)},
		{name: "bundle/extra.zip", body: string(extra)},
		{name: "bundle/notes.txt.gz", body: string(gz(t, []byte("hello\n")))},
	}))
	in := writeFile(t, dir, "customer.tgz", outer)
	b := load(t, Limits{}, in)

	want := []string{
		"customer.tgz!/bundle/cluster-info/nodes.json",
		"customer.tgz!/bundle/extra.zip!/objects/quota.yaml",
		"customer.tgz!/bundle/nodes/vm-5.tar.gz!/ip-a.txt",
		"customer.tgz!/bundle/notes.txt.gz",
	}
	if got := paths(b); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("artifacts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	byPath := map[string]*Artifact{}
	for _, a := range b.Artifacts {
		byPath[a.Path] = a
	}
	ipa := byPath["customer.tgz!/bundle/nodes/vm-5.tar.gz!/ip-a.txt"]
	if ipa.Inner != "bundle/nodes/vm-5/ip-a.txt" {
		t.Errorf("inner path %q", ipa.Inner)
	}
	if strings.Join(ipa.Containers, ",") != "vm-5" {
		t.Errorf("containers %v", ipa.Containers)
	}
	if got := content(t, byPath["customer.tgz!/bundle/notes.txt.gz"]); got != "hello\n" {
		t.Errorf("gzip member not decompressed: %q", got)
	}
	if q := byPath["customer.tgz!/bundle/extra.zip!/objects/quota.yaml"]; !bytes.HasPrefix(q.Head, []byte("apiVersion")) {
		t.Errorf("zip member head %q", q.Head)
	}
}

func TestLinksDevicesAndEscapingNames(t *testing.T) {
	dir := t.TempDir()
	arch := tarBytes(t, []entry{
		{name: "ok.txt", body: "fine"},
		{name: "evil-link", typeflag: tar.TypeSymlink, link: "/etc/passwd"},
		{name: "evil-hard", typeflag: tar.TypeLink, link: "../../etc/shadow"},
		{name: "dev", typeflag: tar.TypeChar},
		{name: "fifo", typeflag: tar.TypeFifo},
		{name: "../../escape.txt", body: "up"},
		{name: "/abs/path.txt", body: "abs"},
	})
	in := writeFile(t, dir, "b.tar", arch)
	b := load(t, Limits{}, in)
	got := paths(b)
	want := []string{"b.tar!/abs/path.txt", "b.tar!/escape.txt", "b.tar!/ok.txt"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("artifacts %v, want %v", got, want)
	}
	r := skipReasons(b)
	for p, want := range map[string]string{
		"b.tar!/evil-link":    "symbolic link",
		"b.tar!/evil-hard":    "hard link",
		"b.tar!/dev":          "device",
		"b.tar!/fifo":         "device or fifo",
		"b.tar!/escape.txt":   "points outside the archive",
		"b.tar!/abs/path.txt": "points outside the archive",
	} {
		if !strings.Contains(r[p], want) {
			t.Errorf("%s: skip reason %q, want it to mention %q", p, r[p], want)
		}
	}
	// No file appeared next to the input or its parents.
	for _, n := range []string{filepath.Join(dir, "escape.txt"), filepath.Join(filepath.Dir(dir), "escape.txt")} {
		if _, err := os.Stat(n); err == nil {
			t.Errorf("%s was written", n)
		}
	}
}

func TestDirectorySymlinksAreNotFollowed(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	writeFile(t, outside, "secret.txt", []byte("secret"))
	writeFile(t, dir, "in.txt", []byte("in"))
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(dir, "link.txt")); err != nil {
		t.Skip("symlinks not supported:", err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "linkdir")); err != nil {
		t.Fatal(err)
	}
	b := load(t, Limits{}, dir)
	if got := paths(b); strings.Join(got, ",") != "in.txt" {
		t.Fatalf("artifacts %v", got)
	}
	if r := skipReasons(b); !strings.Contains(r["link.txt"], "symbolic link") || !strings.Contains(r["linkdir"], "symbolic link") {
		t.Errorf("skips %v", r)
	}
}

// TestNamedSymlinkToADirectoryIsFollowedOnce (issue 10, D3): a bundle
// path the user gives that is a link to a directory is read as that
// directory, with or without a trailing slash; the links inside it stay
// unfollowed.
func TestNamedSymlinkToADirectoryIsFollowedOnce(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	writeFile(t, outside, "secret.txt", []byte("secret"))
	writeFile(t, dir, "in.txt", []byte("in"))
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(dir, "link.txt")); err != nil {
		t.Skip("symlinks not supported:", err)
	}
	link := filepath.Join(t.TempDir(), "bundle")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	// a link to a link to the directory is still the user's own path
	link2 := filepath.Join(t.TempDir(), "bundle2")
	if err := os.Symlink(link, link2); err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{link, link + "/", link2} {
		b := load(t, Limits{}, in)
		if got := paths(b); strings.Join(got, ",") != "in.txt" {
			t.Errorf("%s: artifacts %v, want in.txt", in, got)
		}
		r := skipReasons(b)
		if len(r) != 1 || !strings.Contains(r["link.txt"], "symbolic link") {
			t.Errorf("%s: skips %v, want only link.txt as a link not followed", in, r)
		}
	}
	// with two inputs the link's own name is the prefix, as for a directory
	b := load(t, Limits{}, link, dir)
	if got := strings.Join(paths(b), ","); !strings.Contains(got, "bundle/in.txt") {
		t.Errorf("two inputs: artifacts %s", got)
	}
}

func TestCaps(t *testing.T) {
	dir := t.TempDir()
	many := make([]entry, 30)
	for i := range many {
		many[i] = entry{name: filepath.Join("d", string(rune('a'+i%26))+strings.Repeat("x", i/26)+".txt"), body: "x"}
	}
	big := strings.Repeat("0123456789", 1000) // 10,000 bytes
	cases := []struct {
		name    string
		lim     Limits
		input   []byte
		check   func(t *testing.T, b *Bundle)
		capWord string
	}{
		{
			name: "entry cap", lim: Limits{MaxEntries: 10}, input: tarBytes(t, many), capWord: "entry cap",
			check: func(t *testing.T, b *Bundle) {
				if len(b.Artifacts) != 10 {
					t.Errorf("%d artifacts, want 10", len(b.Artifacts))
				}
			},
		},
		{
			name: "per-file cap keeps the head", lim: Limits{MaxFileSize: 1000}, input: tarBytes(t, []entry{{name: "big.txt", body: big}}), capWord: "per-file cap",
			check: func(t *testing.T, b *Bundle) {
				a := b.Artifacts[0]
				if a.Size != 1000 || !a.Truncated || content(t, a) != big[:1000] {
					t.Errorf("size %d truncated %v", a.Size, a.Truncated)
				}
			},
		},
		{
			name: "gzip bomb stops at the total cap", lim: Limits{MaxTotalSize: 64 << 10},
			input: gz(t, tarBytes(t, []entry{{name: "zeros", body: string(make([]byte, 4<<20))}, {name: "after", body: "x"}})), capWord: "total size cap",
			check: func(t *testing.T, b *Bundle) {
				var total int64
				for _, a := range b.Artifacts {
					total += a.Size
				}
				if total > 64<<10 {
					t.Errorf("%d bytes kept past a 64 KiB cap", total)
				}
			},
		},
		{
			name: "nesting cap", lim: Limits{MaxDepth: 3},
			input: func() []byte {
				b := []byte("deep\n")
				name := "leaf.txt"
				for i := 0; i < 6; i++ {
					b = tarBytes(t, []entry{{name: name, body: string(b)}})
					name = "level.tar"
				}
				return b
			}(), capWord: "nesting cap",
			check: func(t *testing.T, b *Bundle) {
				if len(b.Artifacts) != 0 {
					t.Errorf("artifacts %v read below the nesting cap", paths(b))
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := writeFile(t, dir, strings.ReplaceAll(tc.name, " ", "-")+".bin", tc.input)
			b := load(t, tc.lim, in)
			tc.check(t, b)
			if !strings.Contains(strings.Join(b.CapsHit, "\n"), tc.capWord) {
				t.Errorf("caps hit %v, want %q", b.CapsHit, tc.capWord)
			}
		})
	}
}

func TestZipBombIsBoundedByWhatComesOut(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("zeros.txt")
	w.Write(make([]byte, 8<<20))
	zw.Close()
	in := writeFile(t, dir, "bomb.zip", buf.Bytes())
	b := load(t, Limits{MaxTotalSize: 1 << 20}, in)
	for _, a := range b.Artifacts {
		if a.Size > 1<<20 {
			t.Errorf("%s kept %d bytes past the cap", a.Path, a.Size)
		}
	}
	if len(b.CapsHit) == 0 {
		t.Error("no cap reported")
	}
}

func TestTruncatedGzipKeepsWhatArrived(t *testing.T) {
	dir := t.TempDir()
	full := gz(t, tarBytes(t, []entry{{name: "a.txt", body: "first\n"}, {name: "b.txt", body: strings.Repeat("y", 200000)}}))
	in := writeFile(t, dir, "cut.tgz", full[:len(full)/2])
	b := load(t, Limits{}, in)
	if len(b.Artifacts) == 0 || b.Artifacts[0].Path != "cut.tgz!/a.txt" {
		t.Fatalf("artifacts %v", paths(b))
	}
	if len(b.Skipped) == 0 {
		t.Error("the damage is not reported")
	}
}

func TestUnsupportedCompressionIsNamed(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "bundle.tar.xz", append([]byte{0xfd, '7', 'z', 'X', 'Z', 0}, make([]byte, 100)...))
	b := load(t, Limits{}, in)
	if r := skipReasons(b)["bundle.tar.xz"]; !strings.Contains(r, "xz") {
		t.Errorf("reason %q", r)
	}
}

func TestUnreadableInput(t *testing.T) {
	if _, err := Load([]string{filepath.Join(t.TempDir(), "missing.tgz")}, Limits{}, t.TempDir()); err == nil {
		t.Fatal("missing input accepted")
	}
}

func TestMultipleInputsArePrefixed(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "one/x.txt", []byte("1"))
	c := writeFile(t, dir, "two.tar", tarBytes(t, []entry{{name: "y.txt", body: "2"}}))
	b := load(t, Limits{}, filepath.Dir(a), c)
	if got := strings.Join(paths(b), ","); got != "one/x.txt,two.tar!/y.txt" {
		t.Errorf("artifacts %s", got)
	}
}

func TestDuplicateNamesAreKeptApart(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "dup.tar", tarBytes(t, []entry{
		{name: "a.yaml", body: "first"},
		{name: "./a.yaml", body: "second"},
		{name: "l", typeflag: tar.TypeSymlink, link: "/x"},
		{name: "l", typeflag: tar.TypeSymlink, link: "/y"},
	}))
	b := load(t, Limits{}, in)
	byPath := map[string]*Artifact{}
	for _, a := range b.Artifacts {
		byPath[a.Path] = a
	}
	if a, c := byPath["dup.tar!/a.yaml"], byPath["dup.tar!/a.yaml (2)"]; a == nil || c == nil || content(t, a) != "first" || content(t, c) != "second" {
		t.Fatalf("artifacts %v", paths(b))
	}
	// The renamed entry's own reason comes first, the rename after it.
	var second []string
	for _, s := range b.Skipped {
		if s.Path == "dup.tar!/l (2)" {
			second = append(second, s.Reason)
		}
	}
	if len(second) != 2 || !strings.Contains(second[0], `"/y"`) || !strings.Contains(second[1], "also named") {
		t.Errorf("notes for the second link: %q", second)
	}
}

func TestArchivesWithoutFilesAreListed(t *testing.T) {
	dir := t.TempDir()
	var empty bytes.Buffer
	zip.NewWriter(&empty).Close()
	a := writeFile(t, dir, "in/empty.zip", empty.Bytes())
	writeFile(t, dir, "in/dirs.tar", tarBytes(t, []entry{{name: "d/", typeflag: tar.TypeDir}}))
	b := load(t, Limits{}, filepath.Dir(a))
	r := skipReasons(b)
	for _, p := range []string{"empty.zip", "dirs.tar"} {
		if !strings.Contains(r[p], "no files") {
			t.Errorf("%s: %q", p, r[p])
		}
	}
}

// A sparse member's holes are zeros no decompressor counted: without
// charging them, a tar of 512-byte headers filled the disk 2 GiB a member.
func TestSparseMembersCountAgainstTheTotalCap(t *testing.T) {
	for _, c := range hostile.Cases() {
		if c.Name != "sparse-tar-bomb" && c.Name != "sparse-pax-bomb" {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			dir := t.TempDir()
			bundle, err := c.Build(hostile.Env{Dir: dir, Canary: t.TempDir(), BombSize: 64 << 20})
			if err != nil {
				t.Fatal(err)
			}
			b := load(t, Limits{MaxFileSize: 1 << 20, MaxTotalSize: 4 << 20}, bundle.Inputs...)
			var kept int64
			for _, a := range b.Artifacts {
				kept += a.Size
			}
			if kept > 4<<20 || !strings.Contains(strings.Join(b.CapsHit, "\n"), "total size cap") {
				t.Errorf("%d bytes kept, caps hit %q", kept, b.CapsHit)
			}
		})
	}
}

func TestNamesArePrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain/name-ü.yaml":    "plain/name-ü.yaml",
		"bad-\xff.yaml":        `bad-\xff.yaml`,
		"esc-\x1b[2J.txt":      `esc-\x1b[2J.txt`,
		"new\nline":            `new\nline`,
		"rtl-\u202etxt.exe":    `rtl-\u202etxt.exe`,
		"tab\tand space":       `tab\tand space`,
		"replacement-\ufffd.x": "replacement-\ufffd.x",
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
}

// fuzzLimits are small so that the bombs among the seeds, and what the
// mutator makes of them, stop within a millisecond or two.
var fuzzLimits = Limits{MaxEntries: 200, MaxFileSize: 64 << 10, MaxTotalSize: 1 << 20, MaxDepth: 4}

var fuzzSeedCases = map[string]bool{
	"escaping-names-tar": true, "escaping-names-zip": true, "links-tar": true, "links-zip": true,
	"devices-tar": true, "gzip-bomb": true, "zip-bomb": true, "zip-overlap": true, "zip-size-lies": true,
	"bz2-bomb": true, "xz-bomb": true, "xz-dict-bomb": true, "truncated-xz": true, "zstd-bomb": true, "zstd-window-bomb": true, "truncated-zstd": true, "sparse-tar-bomb": true, "sparse-pax-bomb": true, "deep-nesting": true, "truncated-gzip": true, "duplicate-names": true,
	"invalid-utf8": true, "empty-archives": true, "fake-archives": true, "tar-short-body": true,
}

func FuzzLoad(f *testing.F) {
	f.Add(tarBytes(f, []entry{{name: "a.txt", body: "x"}}))
	f.Add(gz(f, tarBytes(f, []entry{{name: "a/b.json", body: "{}"}, {name: "l", typeflag: tar.TypeSymlink, link: "/x"}})))
	f.Add(zipBytes(f, map[string]string{"a.txt": "x", "../b": "y"}))
	f.Add([]byte("plain text"))
	// The archives among the fixtures: real layouts, nested.
	for _, pat := range []string{"*.tgz", "*.tar.gz", "*.tar", "*.zip"} {
		ms, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "dumps", "*", pat))
		for _, m := range ms {
			if b, err := os.ReadFile(m); err == nil && len(b) <= 1<<20 {
				f.Add(b)
			}
		}
	}
	// Hostile archives, with bombs made small: the mutator starts from
	// escaping names, links, overlapping zip entries, lying sizes, cuts.
	for _, c := range hostile.Cases() {
		if !fuzzSeedCases[c.Name] {
			continue
		}
		dir := f.TempDir()
		if _, err := c.Build(hostile.Env{Dir: dir, Canary: f.TempDir(), BombSize: 8 << 20}); err != nil {
			f.Fatal(err)
		}
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				if b, err := os.ReadFile(p); err == nil && len(b) <= 1<<20 {
					f.Add(b)
				}
			}
			return nil
		})
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		in := filepath.Join(dir, "input")
		if err := os.WriteFile(in, data, 0o644); err != nil {
			t.Fatal(err)
		}
		tmp := t.TempDir()
		b, err := Load([]string{in}, fuzzLimits, tmp)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, a := range b.Artifacts {
			if a.Size > fuzzLimits.MaxFileSize {
				t.Fatalf("artifact over the per-file cap: %d", a.Size)
			}
			// Reports and evidence are keyed by the display path.
			if seen[a.Path] {
				t.Fatalf("two artifacts shown as %q", a.Path)
			}
			seen[a.Path] = true
			if printable(a.Path) != a.Path {
				t.Fatalf("display path %q is not printable", a.Path)
			}
		}
		b.Close()
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Fatalf("temp area left behind: %v", left)
		}
	})
}

// A bomb under the total cap must still not fill the disk: spooling stops
// once less than MinFreeSpace would stay free, and says so.
func TestSpoolingStopsBeforeTheDiskFills(t *testing.T) {
	const room = 40 << 20 // what the fake file system has above the reserve
	const reserve = 100 << 20
	// The fake file system's free space shrinks by what the temp area holds.
	old := statFree
	defer func() { statFree = old }()
	statFree = func(dir string) (int64, bool) {
		var used int64
		filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				if info, err := d.Info(); err == nil {
					used += info.Size()
				}
			}
			return nil
		})
		return reserve + room - used, true
	}
	zeros := strings.Repeat("\x00", 16<<20)
	var entries []entry
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		entries = append(entries, entry{name: "bomb/" + n + ".bin", body: zeros})
	}
	entries = append(entries, entry{name: "bomb/z-after.txt", body: "late"})
	in := writeFile(t, t.TempDir(), "bomb.tgz", gz(t, tarBytes(t, entries)))

	b := load(t, Limits{MinFreeSpace: reserve}, in)
	var kept int64
	for _, a := range b.Artifacts {
		kept += a.Size
	}
	// At most one check interval (and one copy buffer) past the room.
	if kept > room+diskCheckEvery+64<<10 {
		t.Errorf("spooled %d MiB with %d MiB of room", kept>>20, room>>20)
	}
	if kept < room-diskCheckEvery {
		t.Errorf("stopped early: %d MiB spooled with %d MiB of room", kept>>20, room>>20)
	}
	if len(b.CapsHit) != 1 || !strings.Contains(b.CapsHit[0], "temp space cap reached") {
		t.Errorf("caps %q", b.CapsHit)
	}
	reasons := strings.Join(func() []string {
		var r []string
		for _, s := range b.Skipped {
			r = append(r, s.Path+": "+s.Reason)
		}
		return r
	}(), "\n")
	if !strings.Contains(reasons, "disk is nearly full") {
		t.Errorf("no entry says why it was not read:\n%s", reasons)
	}
}

// An interrupted load stops within the entry it is on, removes its temp
// area and says it was cancelled. The cancel comes from inside the spool
// (the free-space hook), so the test does not race the loader.
func TestLoadStopsWhenCancelled(t *testing.T) {
	zeros := strings.Repeat("\x00", 4<<20)
	var entries []entry
	for i := 0; i < 16; i++ {
		entries = append(entries, entry{name: fmt.Sprintf("bomb/%02d.bin", i), body: zeros})
	}
	dir := t.TempDir()
	in := writeFile(t, dir, "bomb.tgz", gz(t, tarBytes(t, entries)))
	plain := writeFile(t, dir, "plain.tar", tarBytes(t, entries))
	for _, input := range []string{in, plain, dir} {
		t.Run(filepath.Base(input), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			spools := 0
			old := statFree
			defer func() { statFree = old }()
			statFree = func(string) (int64, bool) {
				spools++
				if spools == 2 {
					cancel()
				}
				return 1 << 40, true
			}
			tmp := t.TempDir()
			b, err := LoadContext(ctx, []string{input}, Limits{}, tmp)
			if !errors.Is(err, context.Canceled) || b != nil {
				t.Fatalf("err %v, bundle %v: want context.Canceled and no bundle", err, b)
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("temp area left behind: %v", left)
			}
			if spools > 3 {
				t.Errorf("%d files spooled after the cancel", spools-2)
			}
		})
	}
}

// TestLongNamesAreCutApart: names over MaxNameLen keep their first 4 KiB
// (never splitting a rune) and a hash that tells them apart; others are
// untouched (issue 10, D5).
func TestLongNamesAreCutApart(t *testing.T) {
	short := "nodes/vm-5/ip-a.txt"
	if got, _, cut := memberPath(short); got != short || cut {
		t.Errorf("memberPath(%q) = %q, cut %v", short, got, cut)
	}
	a := "x" + strings.Repeat("é", MaxNameLen) + "-a" // 2-byte runes after 1 byte: byte 4096 is mid-rune
	b := "x" + strings.Repeat("é", MaxNameLen) + "-b"
	ga, _, cuta := memberPath(a)
	gb, _, _ := memberPath(b)
	if !cuta || ga == gb {
		t.Fatalf("cut %v; %q and %q must differ", cuta, ga[len(ga)-60:], gb[len(gb)-60:])
	}
	i := strings.Index(ga, "…(name cut: ")
	if i < 0 || i > MaxNameLen || !utf8.ValidString(ga) || !strings.HasPrefix(a, ga[:i]) {
		t.Errorf("cut name %q…%q", ga[:20], ga[i:])
	}
	if want := fmt.Sprintf("…(name cut: %d bytes, sha256 ", len(a)); !strings.Contains(ga, want) {
		t.Errorf("%q lacks %q", ga[i:], want)
	}
	// through a real tar: one line each, with the note
	long := "logs/" + strings.Repeat("x", 1<<20-64) + ".log"
	dir := t.TempDir()
	writeFile(t, dir, "names.tar", tarBytes(t, []entry{{name: long, body: "x\n"}, {name: long + "2", body: "y\n"}}))
	bnd := load(t, Limits{}, dir)
	if got := paths(bnd); len(got) != 2 || len(got[0]) > MaxNameLen+200 || got[0] == got[1] {
		t.Errorf("paths %d: %v", len(got), len(got[0]))
	}
	if r := skipReasons(bnd); len(r) != 2 {
		t.Errorf("notes %v", len(r))
	}
}

// troubleshoot.sh writes all-logs/<pod>/<container>.log as links to
// cluster-resources/pods/logs/<ns>/<pod>/<container>.log. The note names
// the whole target, in an archive and in an extracted directory, so the
// report can leave out the links whose target was read (the k3s bundle's
// longest target is 131 bytes, longer than quoteTrunc keeps).
func TestSymlinkNotesNameTheWholeTarget(t *testing.T) {
	target := "../../cluster-resources/pods/logs/kube-system/local-path-provisioner-7b7dc8d6f5-45btl/local-path-provisioner-previous.log"
	want := `symbolic link to "` + target + `", not followed`
	dir := t.TempDir()
	in := writeFile(t, dir, "sb.tar", tarBytes(t, []entry{
		{name: "sb/all-logs/p/c.log", typeflag: tar.TypeSymlink, link: target},
	}))
	if r := skipReasons(load(t, Limits{}, in)); r["sb.tar!/sb/all-logs/p/c.log"] != want {
		t.Errorf("tar: %q, want %q", r["sb.tar!/sb/all-logs/p/c.log"], want)
	}
	tree := t.TempDir()
	if err := os.MkdirAll(filepath.Join(tree, "all-logs", "p"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(tree, "all-logs", "p", "c.log")); err != nil {
		t.Skip("symlinks not supported:", err)
	}
	if r := skipReasons(load(t, Limits{}, tree)); r["all-logs/p/c.log"] != want {
		t.Errorf("directory: %q, want %q", r["all-logs/p/c.log"], want)
	}
}
