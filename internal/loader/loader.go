// Package loader turns the paths a user names (directories, tar, tar.gz,
// zip, gzip, nested in any mix) into artifacts: regular files with a display
// path, a size and their first bytes for content detection.
//
// Customer bundles are untrusted. The loader reads archives as streams, never
// uses an entry name as a filesystem path (spooled copies get generated names
// inside a private temp directory), ignores links and device entries, and
// enforces caps on entry count, per-file size, total decompressed size and
// nesting depth. Every entry it meets is accounted for: it becomes an artifact
// or a Skipped record that says why.
package loader

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// HeadSize is how many leading bytes of each artifact detection may look at.
const HeadSize = 8192

// Limits bounds what a bundle may cost. Zero fields take the defaults.
type Limits struct {
	MaxEntries  int   // archive entries and files, all levels together
	MaxFileSize int64 // bytes kept of one artifact; the rest is cut
	// MaxTotalSize bounds the bytes that come out of decompressors, zip
	// entries and sparse tar holes, all artifacts together. Members of a
	// plain tar are not charged: they cannot expand, so the input's own
	// size bounds them, and inside a tgz the gzip layer has already
	// counted them.
	MaxTotalSize int64
	MaxDepth     int // archives inside archives (compression layers count)
	// MinFreeSpace is what spooling leaves free on the temp area's file
	// system: a bomb below the total cap must not fill the disk the
	// support engineer works on.
	MinFreeSpace int64
}

// DefaultLimits are generous for real support bundles (a cluster dump of
// 50,000 pods is under 2 GiB) and small enough that a bomb stops early.
var DefaultLimits = Limits{
	MaxEntries:   100_000,
	MaxFileSize:  2 << 30,
	MaxTotalSize: 8 << 30,
	MaxDepth:     8,
	MinFreeSpace: 512 << 20,
}

func (l Limits) withDefaults() Limits {
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultLimits.MaxEntries
	}
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = DefaultLimits.MaxFileSize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = DefaultLimits.MaxTotalSize
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if l.MinFreeSpace <= 0 {
		l.MinFreeSpace = DefaultLimits.MinFreeSpace
	}
	return l
}

// Artifact is one regular file found in the input.
type Artifact struct {
	// Path is what reports show: relative to the input, with the members of
	// archives joined by "!/" (bundle.tgz!/nodes/vm-5.tar!/ip-a.txt).
	Path string
	// Inner is the slash-separated path inside the input with archive
	// boundaries flattened (nodes/vm-5/ip-a.txt): what layout patterns match.
	Inner string
	// Containers are the archive member names that enclose the artifact,
	// outermost first; a per-node tarball names its node here.
	Containers []string
	Size       int64
	// Truncated is set when the artifact was cut at Limits.MaxFileSize.
	Truncated bool
	// Head holds the first HeadSize bytes (fewer for short files).
	Head []byte
	// Origin is set on a command's output cut out of a terminal
	// transcript: where its lines are in the transcript (transcript.go).
	Origin *Origin
	// Command is the command line that printed the artifact, when a
	// transcript's prompt shows it ("kubectl -n shop logs web-1").
	Command string
	// Host is the machine the artifact describes when the container says
	// so (a transcript prompt's host, a sosreport's hostname file);
	// HostFrom says which ("prompt", "sosreport").
	Host, HostFrom string

	// Streamed is set on an artifact a Streamer read straight from the
	// archive or decompressor it came out of: it has no backing file.
	Streamed bool

	file string // backing file: the user's own file or a spooled copy
}

// errStreamed is Open's error for an artifact that was never on disk.
var errStreamed = errors.New("read once from its archive's stream, not kept")

// Open returns the artifact's content from its start.
func (a *Artifact) Open() (*os.File, error) {
	if a.Streamed {
		return nil, fmt.Errorf("%s: %w", a.Path, errStreamed)
	}
	return os.Open(a.file)
}

// Streamer reads artifacts straight from the stream they come out of (a
// member of a compressed tar, a .gz, a zip entry) where they would
// otherwise be spooled to the temp area and read back: a capture needs
// only a forward stream, and spooling a 1 GB one wrote 1 GB to disk.
type Streamer interface {
	// Wants says, from the artifact's names and Head (its size is not
	// known yet), whether Stream reads it.
	Wants(a *Artifact) bool
	// Stream reads the artifact from r. r ends (io.EOF) where the spooled
	// copy would have ended: at the entry's end, at the per-file cap or
	// where the stream broke, with Size and Truncated set as for a spooled
	// copy by then. Stream must read r to its end; the loader reads
	// whatever it leaves, so Size is the whole entry's.
	Stream(a *Artifact, r io.Reader)
}

// Skipped records an entry that did not become an artifact.
type Skipped struct {
	Path   string
	Reason string
}

// Bundle is everything the loader found.
type Bundle struct {
	Inputs    []string
	Artifacts []*Artifact
	Skipped   []Skipped
	// CapsHit says which limits cut the input short, in words for the report.
	CapsHit []string

	tmp string
}

// Close removes the private temp area.
func (b *Bundle) Close() error {
	if b.tmp == "" {
		return nil
	}
	return closeArea(b.tmp)
}

// TempDir is the private directory spooled copies live in (for tests that
// assert nothing is written elsewhere).
func (b *Bundle) TempDir() string { return b.tmp }

// ErrUnreadable is returned when an input cannot be read at all.
var ErrUnreadable = errors.New("unreadable input")

// Load reads every input. tmpParent is where the private temp area is made
// ("" for the system default). An input that cannot be opened is an error;
// damage inside an input is recorded in the Bundle and loading goes on.
func Load(inputs []string, lim Limits, tmpParent string) (*Bundle, error) {
	return LoadContext(context.Background(), inputs, lim, tmpParent)
}

// LoadContext is Load that stops when ctx is done (an interrupted run):
// within one read or write of the current entry, with the temp area
// removed and ctx's error returned.
func LoadContext(ctx context.Context, inputs []string, lim Limits, tmpParent string) (*Bundle, error) {
	return LoadStreaming(ctx, inputs, lim, tmpParent, nil)
}

// LoadStreaming is LoadContext that hands the entries s wants to s as
// they come out of their archive, instead of spooling them. s runs on
// the loader's goroutine, one entry at a time.
func LoadStreaming(ctx context.Context, inputs []string, lim Limits, tmpParent string, s Streamer) (*Bundle, error) {
	lim = lim.withDefaults()
	tmp, err := newArea(tmpParent)
	if err != nil {
		return nil, fmt.Errorf("create temp area: %w", err)
	}
	w := &walker{ctx: ctx, lim: lim, b: &Bundle{tmp: tmp}, caps: map[string]bool{}, shown: map[string]bool{}, next: map[string]int{}, stream: s}
	b, err := w.load(inputs)
	if ctx.Err() != nil {
		err = ctx.Err() // whatever it broke on the way out
	}
	if err != nil {
		w.b.Close()
		return nil, err
	}
	return b, nil
}

func (w *walker) load(inputs []string) (*Bundle, error) {
	for _, in := range inputs {
		if w.ctx.Err() != nil {
			break
		}
		st, err := os.Stat(in)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
		}
		prefix := ""
		if len(inputs) > 1 {
			// Two inputs may share a base name (a/bundle b/bundle). A
			// directory's prefix is no entry of its own: renaming it
			// needs no note, the report lists the inputs in full.
			prefix = printable(filepath.Base(filepath.Clean(in)))
			if st.IsDir() {
				prefix = w.rename(prefix)
			} else {
				prefix = w.unique(prefix)
			}
		}
		w.b.Inputs = append(w.b.Inputs, in)
		if st.IsDir() {
			// A path the user names is followed (once, to the end of its
			// chain of links): WalkDir would otherwise see the link itself
			// and skip it, an empty analysis. Links inside the directory
			// stay unfollowed.
			root, err := filepath.EvalSymlinks(in)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
			}
			if err := w.walkDir(root, prefix); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
			}
			continue
		}
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("%w: %s is not a regular file or directory", ErrUnreadable, in)
		}
		name := printable(filepath.Base(in))
		display := prefix
		if display == "" {
			display = w.unique(name)
		}
		if err := w.addFile(in, display, name, nil, true); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
		}
	}
	w.b.Skipped = append(w.b.Skipped, w.renamed...)
	w.markSosreports()
	sort.SliceStable(w.b.Artifacts, func(i, j int) bool { return w.b.Artifacts[i].Path < w.b.Artifacts[j].Path })
	return w.b, nil
}

type walker struct {
	ctx     context.Context
	lim     Limits
	b       *Bundle
	entries int
	total   int64
	spooled int
	caps    map[string]bool
	// shown holds every display path handed out: reports, evidence and
	// the parsed artifacts are keyed by it, so two entries must never
	// share one (a tar may hold the same name twice, and a member named
	// "a.tar!/b" looks like member b of a.tar).
	shown   map[string]bool
	next    map[string]int
	renamed []Skipped
	copyBuf []byte
	// diskLow is set once the temp area's file system runs short; no more
	// is spooled after that.
	diskLow bool
	stream  Streamer // nil: everything is spooled
}

// unique returns p, or p with " (2)", " (3)", … when an earlier entry was
// already shown under p. The renamed entry's note is added once loading is
// done, after whatever else is said about the entry (a link, a cut).
func (w *walker) unique(p string) string {
	q := w.rename(p)
	if q != p {
		w.renamed = append(w.renamed, Skipped{Path: q, Reason: "another entry is also named " + quoteTrunc(p) + "; this one is listed as " + quoteTrunc(q)})
	}
	return q
}

// rename is unique without the note. next remembers where each name's
// numbering got to: trying " (2)" onwards afresh for each copy made a tar
// of 100,000 entries of one name quadratic.
func (w *walker) rename(p string) string {
	q := p
	n := max(w.next[p], 2)
	for ; w.shown[q]; n++ {
		q = fmt.Sprintf("%s (%d)", p, n)
	}
	w.next[p] = n
	w.shown[q] = true
	return q
}

func (w *walker) capHit(msg string) {
	if !w.caps[msg] {
		w.caps[msg] = true
		w.b.CapsHit = append(w.b.CapsHit, msg)
	}
}

func (w *walker) skip(p, reason string) {
	w.b.Skipped = append(w.b.Skipped, Skipped{Path: p, Reason: reason})
}

// countEntry returns false once the entry cap is reached.
func (w *walker) countEntry(p string) bool {
	w.entries++
	if w.entries > w.lim.MaxEntries {
		w.capHit(fmt.Sprintf("entry cap reached: only the first %d files and archive entries were read", w.lim.MaxEntries))
		w.skip(p, "entry cap reached")
		return false
	}
	return true
}

func (w *walker) walkDir(root, prefix string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if w.ctx.Err() != nil {
			return fs.SkipAll
		}
		rel, _ := filepath.Rel(root, p)
		rel = printable(filepath.ToSlash(rel))
		display := joinDisplay(prefix, rel)
		if err != nil {
			if p == root {
				return err
			}
			w.skip(display, "unreadable: "+err.Error())
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		display = w.unique(display)
		if d.Type()&fs.ModeSymlink != 0 {
			// Name the target, as for a tar member: a link into the
			// input whose target was read is left out of the report
			// (troubleshoot's all-logs/ once extracted).
			if target, err := os.Readlink(p); err == nil {
				w.skip(display, linkNote(target))
			} else {
				w.skip(display, "symbolic link, not followed")
			}
			return nil
		}
		if !d.Type().IsRegular() {
			w.skip(display, "not a regular file ("+d.Type().String()+")")
			return nil
		}
		if !w.countEntry(display) {
			return fs.SkipAll
		}
		if err := w.addFile(p, display, rel, nil, false); err != nil {
			w.skip(display, "unreadable: "+err.Error())
		}
		return nil
	})
}

func joinDisplay(prefix, rel string) string {
	if prefix == "" || rel == "." {
		if rel == "." {
			return prefix
		}
		return rel
	}
	return prefix + "/" + rel
}

// addFile reads one of the user's own files: archives are opened as streams,
// anything else is referenced in place (no copy).
func (w *walker) addFile(p, display, inner string, containers []string, top bool) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	br := bufio.NewReaderSize(f, 64<<10)
	head, _ := br.Peek(HeadSize)
	if sniffContainer(head) == containerNone {
		if st.Size() > w.lim.MaxFileSize {
			// Spool the first MaxFileSize bytes so parsers see a bounded
			// file. The copy takes temp space like a decompressed one, so
			// it counts against the total cap: four sparse 100 GB files
			// (a few KB on disk) put 4 GiB in the temp area under a 1 GiB
			// cap.
			return w.spool(display, inner, containers, &budgetReader{r: br, w: w})
		}
		w.addArtifact(&Artifact{
			Path: display, Inner: inner, Containers: containers,
			Size: st.Size(), Head: bytes.Clone(head), file: p,
		})
		return nil
	}
	if top {
		// An archive named on the command line: its members are the layout.
		inner = ""
	}
	if sniffContainer(head) == containerZip {
		w.readZipAt(f, st.Size(), display, inner, containers, 1)
		return nil
	}
	var src io.Reader = br
	if sniffContainer(head) == containerTar {
		// An uncompressed tar's members are spooled as they are: no
		// decompressor below counts them, so the tar itself is counted.
		src = &budgetReader{r: br, w: w}
	}
	w.readStream(src, head, display, inner, containers, 1)
	return nil
}

// readStream dispatches a stream whose first bytes are head.
func (w *walker) readStream(r io.Reader, head []byte, display, inner string, containers []string, depth int) {
	kind := sniffContainer(head)
	if kind != containerNone && depth > w.lim.MaxDepth {
		w.capHit(fmt.Sprintf("nesting cap reached: archives deeper than %d levels were not opened", w.lim.MaxDepth))
		w.skip(display, fmt.Sprintf("archive nested deeper than %d levels", w.lim.MaxDepth))
		return
	}
	switch kind {
	case containerGzip, containerBzip2, containerXZ, containerZstd:
		dr, err := decompressor(kind, r)
		if err != nil {
			w.skip(display, "corrupt compressed stream: "+err.Error())
			return
		}
		if c, ok := dr.(io.Closer); ok {
			defer c.Close()
		}
		br := bufio.NewReaderSize(&budgetReader{r: dr, w: w}, 64<<10)
		h, err := br.Peek(HeadSize)
		if len(h) == 0 && err != nil && !errors.Is(err, io.EOF) {
			w.skip(display, "corrupt compressed stream: "+err.Error())
			return
		}
		w.readStream(br, h, display, stripCompressionExt(inner), containers, depth+1)
	case containerTar:
		w.readTar(r, display, inner, containers, depth)
	case containerZip:
		// zip needs random access: spool the archive itself, then read it.
		a := w.spoolRaw(display, r)
		if a == nil {
			return
		}
		f, err := os.Open(a.file)
		if err != nil {
			w.skip(display, "unreadable: "+err.Error())
			return
		}
		defer f.Close()
		w.readZipAt(f, a.Size, display, inner, containers, depth)
	case containerUnsupported:
		w.skip(display, "compressed with lz4, a format ktriage does not read: decompress it first (lz4 -d)")
	default:
		if w.streamed(display, inner, containers, r, head) {
			return
		}
		if err := w.spool(display, inner, containers, r); err != nil {
			w.skip(display, "unreadable: "+err.Error())
		}
	}
}

// streamed hands the entry to the Streamer if it wants it, and records it
// as spool would have: the same size, cut, notes and artifact.
func (w *walker) streamed(display, inner string, containers []string, r io.Reader, head []byte) bool {
	if w.stream == nil {
		return false
	}
	a := &Artifact{Path: display, Inner: inner, Containers: containers, Head: bytes.Clone(head), Streamed: true}
	if !w.stream.Wants(a) {
		return false
	}
	er := &entryReader{w: w, a: a, r: r, left: w.lim.MaxFileSize}
	w.stream.Stream(a, er)
	if w.copyBuf == nil {
		w.copyBuf = make([]byte, 64<<10)
	}
	io.CopyBuffer(io.Discard, er, w.copyBuf)
	switch {
	case er.err == nil:
	case errors.Is(er.err, errBudget):
		w.skip(display, "not read completely: "+stopReason(er.err))
	default:
		w.skip(display, fmt.Sprintf("read only %d bytes: %v", er.errAt, er.err))
	}
	if a.Size == 0 {
		return true // as spool: nothing arrived, nothing to list
	}
	w.addArtifact(a)
	return true
}

// entryReader is the stream a Streamer reads: the entry cut at
// MaxFileSize, its errors turned into the end of the entry (a spooled copy
// just ends there) and kept for the loader's note.
type entryReader struct {
	w     *walker
	a     *Artifact
	r     io.Reader
	left  int64
	err   error
	errAt int64
	done  bool
}

func (e *entryReader) Read(p []byte) (int, error) {
	if e.done {
		return 0, io.EOF
	}
	if e.left == 0 {
		e.done = true
		// Probe one byte past the cap to tell "exactly at cap" from "cut".
		var one [1]byte
		if m, _ := e.r.Read(one[:]); m > 0 {
			e.a.Truncated = true
			e.w.capHit(fmt.Sprintf("per-file cap reached: files were cut at %d bytes", e.w.lim.MaxFileSize))
		}
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	e.a.Size += int64(n)
	if err != nil {
		e.done = true
		if err != io.EOF {
			e.err, e.errAt = err, e.a.Size
			e.a.Truncated = e.a.Size > 0
		}
		return n, io.EOF
	}
	return n, nil
}

// memberPath cleans an archive entry name into a relative slash path. The
// name is only ever shown and pattern-matched, never used to create a file,
// so "../" and absolute names cannot escape; they are still normalised so the
// report does not show a misleading path.
//
// A name longer than MaxNameLen is cut (see shortName); cut says so.
func memberPath(name string) (shown string, escaped, cut bool) {
	n := strings.ReplaceAll(name, "\\", "/")
	clean := strings.TrimPrefix(path.Clean("/"+n), "/")
	escaped = strings.HasPrefix(n, "/") || strings.Contains("/"+n+"/", "/../")
	full := printable(clean)
	shown = shortName(full, name)
	return shown, escaped, len(shown) != len(full)
}

// MaxNameLen bounds an entry name as ktriage shows and matches it. Real
// paths stay far below (PATH_MAX is 4096); a tar's PAX records can carry
// 1 MiB names, and 100 of them in a 104 KB tgz used to cost 15 s, 422 MB
// and a 200 MB report, every name being copied into display paths,
// layout patterns and every line that cites the file.
const MaxNameLen = 4 << 10

// shortName keeps the first MaxNameLen bytes of a shown name (at a rune
// boundary) and replaces the rest with its length and a hash of the whole
// raw name, so two long names that share their first 4 KiB stay apart:
// "a/aaa…(name cut: 1048576 bytes, sha256 9f86d081884c7d65)".
func shortName(shown, raw string) string {
	if len(shown) <= MaxNameLen {
		return shown
	}
	cut := MaxNameLen
	for cut > 0 && !utf8.RuneStart(shown[cut]) {
		cut--
	}
	sum := sha256.Sum256([]byte(raw))
	return fmt.Sprintf("%s…(name cut: %d bytes, sha256 %x)", shown[:cut], len(raw), sum[:8])
}

// printable returns s with what a report must not carry written as Go
// escapes (\xff, \x1b, \n, \u202e): bytes that are not UTF-8, control
// characters (a name holding ESC sequences would drive the terminal the
// Markdown report is read in) and other non-printing runes such as
// bidirectional overrides, which make "evil\u202etxt.exe" read as
// "evilexe.txt". Names from real bundles pass through unchanged.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case !unicode.IsPrint(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

func nestedNames(display, inner, member string, containers []string) (string, string, []string) {
	d := display + "!/" + member
	// A bundle archive's own name does not belong in layout patterns, but
	// the directory it stood in does (nodes/vm-5.tar.gz!/ip-a -> nodes/vm-5/ip-a).
	base := stripArchiveExt(inner)
	if base == "" {
		// The top-level input itself: its name is the bundle's, not a layout part.
		return d, member, containers
	}
	cs := append(append([]string(nil), containers...), path.Base(base))
	return d, base + "/" + member, cs
}

var archiveExts = []string{".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".tzst", ".tar", ".zip", ".gz", ".bz2", ".xz", ".zst"}

func stripArchiveExt(p string) string {
	lp := strings.ToLower(p)
	for _, e := range archiveExts {
		if strings.HasSuffix(lp, e) {
			return p[:len(p)-len(e)]
		}
	}
	return p
}

func stripCompressionExt(p string) string {
	lp := strings.ToLower(p)
	switch {
	case strings.HasSuffix(lp, ".tgz"):
		return p[:len(p)-4] + ".tar"
	case strings.HasSuffix(lp, ".tbz2"):
		return p[:len(p)-5] + ".tar"
	case strings.HasSuffix(lp, ".txz"):
		return p[:len(p)-4] + ".tar"
	case strings.HasSuffix(lp, ".xz"):
		return p[:len(p)-3]
	case strings.HasSuffix(lp, ".tzst"):
		return p[:len(p)-5] + ".tar"
	case strings.HasSuffix(lp, ".zst"):
		return p[:len(p)-4]
	case strings.HasSuffix(lp, ".gz"):
		return p[:len(p)-3]
	case strings.HasSuffix(lp, ".bz2"):
		return p[:len(p)-4]
	}
	return p
}

// spool copies a stream into the temp area, cut at MaxFileSize, and records
// it as an artifact.
func (w *walker) spool(display, inner string, containers []string, r io.Reader) error {
	a := w.spoolRaw(display, r)
	if a == nil {
		return nil
	}
	a.Inner, a.Containers = inner, containers
	f, err := os.Open(a.file)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, HeadSize)
	n, _ := io.ReadFull(f, head)
	a.Head = head[:n]
	w.addArtifact(a)
	return nil
}

func (w *walker) spoolRaw(display string, r io.Reader) *Artifact {
	w.spooled++
	name := filepath.Join(w.b.tmp, fmt.Sprintf("%07d", w.spooled))
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		w.skip(display, "cannot spool to temp area: "+err.Error())
		return nil
	}
	defer f.Close()
	// One copy buffer for every spool (io.Copy into a file makes a new
	// one each call).
	if w.copyBuf == nil {
		w.copyBuf = make([]byte, 64<<10)
	}
	n, err := io.CopyBuffer(&diskGuard{w: w, f: f}, io.LimitReader(r, w.lim.MaxFileSize), w.copyBuf)
	a := &Artifact{Path: display, Size: n, file: name}
	if err != nil {
		if errors.Is(err, errBudget) {
			w.skip(display, "not read completely: "+stopReason(err))
			return a.keepIfAny(w)
		}
		// A truncated or corrupt stream: keep what arrived, say so.
		w.skip(display, fmt.Sprintf("read only %d bytes: %v", n, err))
		return a.keepIfAny(w)
	}
	// Probe one byte past the cap to tell "exactly at cap" from "cut".
	var one [1]byte
	if n == w.lim.MaxFileSize {
		if m, _ := r.Read(one[:]); m > 0 {
			a.Truncated = true
			w.capHit(fmt.Sprintf("per-file cap reached: files were cut at %d bytes", w.lim.MaxFileSize))
		}
	}
	return a
}

func (a *Artifact) keepIfAny(w *walker) *Artifact {
	if a.Size == 0 {
		return nil
	}
	a.Truncated = true
	return a
}

type containerKind int

const (
	containerNone containerKind = iota
	containerGzip
	containerBzip2
	containerTar
	containerZip
	containerUnsupported
)

func sniffContainer(head []byte) containerKind {
	switch {
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		return containerGzip
	case len(head) >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h':
		return containerBzip2
	case len(head) >= 4 && bytes.Equal(head[:4], []byte("PK\x03\x04")),
		len(head) >= 4 && bytes.Equal(head[:4], []byte("PK\x05\x06")):
		return containerZip
	case len(head) >= 262 && bytes.Equal(head[257:262], []byte("ustar")):
		return containerTar
	case isXZ(head):
		return containerXZ
	case isZstd(head):
		return containerZstd
	case len(head) >= 4 && bytes.Equal(head[:4], []byte{0x04, 0x22, 0x4d, 0x18}):
		return containerUnsupported
	}
	return containerNone
}

var errBudget = errors.New("total size cap reached")

// errDiskLow stops reading as the total cap does (it wraps errBudget, so
// every place that stops at the cap stops here too).
var errDiskLow = fmt.Errorf("temp area's disk nearly full: %w", errBudget)

// cancelled is ctx's error as the walker's loops see it: it is errBudget
// too, so every loop that stops at the total cap stops here as well.
type cancelled struct{ err error }

func (c *cancelled) Error() string        { return "interrupted: " + c.err.Error() }
func (c *cancelled) Is(target error) bool { return target == errBudget }
func (c *cancelled) Unwrap() error        { return c.err }

// stopReason says in words which cap stopped reading.
func stopReason(err error) string {
	if errors.Is(err, errDiskLow) {
		return "the temp area's disk is nearly full"
	}
	return "total size cap reached"
}

// statFree is freeBytes, replaced in tests.
var statFree = freeBytes

// diskCheckEvery is how many spooled bytes may pass between two looks at
// the free space: often enough that MinFreeSpace holds within a few
// percent, rarely enough to cost nothing.
const diskCheckEvery = 16 << 20

// diskGuard is the spool's writer: it stops spooling, for good, once less
// than MinFreeSpace would stay free on the temp area's file system. It
// looks when a spool starts and every diskCheckEvery bytes. As a plain
// Writer it also keeps io.CopyBuffer from bypassing the shared buffer
// through the file's ReadFrom.
type diskGuard struct {
	w       *walker
	f       io.Writer
	started bool
	since   int64
}

func (g *diskGuard) Write(p []byte) (int, error) {
	if err := g.w.ctx.Err(); err != nil {
		return 0, &cancelled{err}
	}
	if !g.started || g.since >= diskCheckEvery {
		g.started, g.since = true, 0
		if g.w.diskLow {
			return 0, errDiskLow
		}
		if free, ok := statFree(g.w.b.tmp); ok && free-int64(len(p)) < g.w.lim.MinFreeSpace {
			g.w.diskLow = true
			g.w.capHit(fmt.Sprintf("temp space cap reached: reading stopped with %d MiB free where the temp area is (--min-free-space %d MiB)", free>>20, g.w.lim.MinFreeSpace>>20))
			return 0, errDiskLow
		}
	}
	n, err := g.f.Write(p)
	g.since += int64(n)
	return n, err
}

// budgetReader charges every byte that comes out of a decompressor or an
// archive against MaxTotalSize, so a bomb stops at the cap even while the
// tar reader is only skipping an entry.
type budgetReader struct {
	r io.Reader
	w *walker
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if err := b.w.ctx.Err(); err != nil {
		return 0, &cancelled{err}
	}
	if b.w.diskLow {
		return 0, errDiskLow
	}
	if b.w.total >= b.w.lim.MaxTotalSize {
		b.w.capHit(fmt.Sprintf("total size cap reached: reading stopped after %d decompressed bytes", b.w.lim.MaxTotalSize))
		return 0, errBudget
	}
	if rem := b.w.lim.MaxTotalSize - b.w.total; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := b.r.Read(p)
	b.w.total += int64(n)
	return n, err
}

// FromFile makes an artifact of one local regular file, for tests, fuzzing
// and benchmarks of a single parser. display and inner default to the
// file's base name.
func FromFile(p, display, inner string) (*Artifact, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", p)
	}
	head := make([]byte, HeadSize)
	n, _ := io.ReadFull(f, head)
	if display == "" {
		display = filepath.Base(p)
	}
	if inner == "" {
		inner = filepath.Base(p)
	}
	return &Artifact{Path: display, Inner: inner, Size: st.Size(), Head: head[:n], file: p}, nil
}
