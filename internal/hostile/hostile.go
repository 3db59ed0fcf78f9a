// Package hostile writes hostile support bundles for tests and benchmarks:
// entry names that climb out of the archive, links that point out of it,
// devices, bombs, truncated and corrupt streams, files that lie about what
// they are. Every bundle also holds a healthy part with a known finding, so
// a test can check that the finding survives the damage, and Build returns
// every entry it wrote, so a test can check that each one is accounted for.
//
// Bundles are made at test time in a directory the caller owns: nothing
// large is checked in, and a bomb is cheap to make (compressed zeros are
// written once and repeated). The package uses the standard library only,
// so the loader's own tests and fuzz seeds can use it without a cycle.
package hostile

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Env says where a case writes and what escaping names aim at.
type Env struct {
	// Dir is an empty directory the case writes its bundle into.
	Dir string
	// Canary is a directory that escaping entry names and links aim at:
	// absolute names spell its path, relative ones climb one to six levels
	// and then name its base. Tests make it a sibling of the loader's temp
	// parent, so "../../canary/x" seen from the private temp area lands
	// in it, and assert it is unchanged afterwards.
	Canary string
	// BombSize is how many bytes each bomb expands to (default 1 GiB).
	// Make it larger than the total cap under test.
	BombSize int64
}

// Caps mirrors loader.Limits (the loader's tests import this package, so
// it cannot import the loader). Zero fields mean the loader's defaults.
type Caps struct {
	MaxEntries   int
	MaxFileSize  int64
	MaxTotalSize int64
	MaxDepth     int
}

// Case is one hostile bundle.
type Case struct {
	Name string
	// About says what the case attacks and what ktriage does with it.
	About string
	// Caps are the small limits tests run the case with, so bombs stop
	// within a second; benchmarks use the defaults.
	Caps Caps
	// Limits holds words that must each appear in a line of the report's
	// limits when the case runs under Caps.
	Limits []string
	build  func(g *gen) error
}

// Bundle is what Build wrote.
type Bundle struct {
	// Inputs are the paths to hand to ktriage, in order.
	Inputs []string
	// Entries is every file, link, device and archive member written, by
	// the path the loader displays for it.
	Entries []Entry
	// Healthy is the finding the healthy part produces.
	Healthy Finding
}

// Entry is one thing the case wrote.
type Entry struct {
	// Path is the display path: relative to the input, archive members
	// joined with "!/", names cleaned as the loader cleans them.
	Path string
	// MayBeLost marks an entry past a cap or past damage: the loader may
	// never reach it, and then a line of the report's limits or a note on
	// an enclosing archive must cover it.
	MayBeLost bool
	// Container marks an archive; when opened it has no line of its own,
	// its members do.
	Container bool
}

// Finding is the healthy part's expected finding.
type Finding struct {
	Rule string
	// Subjects are "Kind/namespace/name".
	Subjects []string
	// File is the display path of the file its evidence cites.
	File string
}

// HealthyYAML is the healthy part: a LimitRange whose defaults exceed a
// ResourceQuota, which the quota-limitrange rule reports. It is small and
// self-contained so it can sit inside any damaged archive.
const HealthyYAML = `# the healthy part of a hostile bundle: its finding must survive the damage
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ResourceQuota
  metadata:
    name: compute-quota
    namespace: hostile
  spec:
    hard:
      limits.cpu: "1"
      limits.memory: 1G
- apiVersion: v1
  kind: LimitRange
  metadata:
    name: cpu-mem-defaults
    namespace: hostile
  spec:
    limits:
    - type: Container
      default:
        cpu: "2"
        memory: 2Gi
`

var healthyFinding = Finding{
	Rule:     "quota-limitrange",
	Subjects: []string{"ResourceQuota/hostile/compute-quota", "LimitRange/hostile/cpu-mem-defaults"},
}

// Build writes the case's bundle under env.Dir.
func (c Case) Build(env Env) (*Bundle, error) {
	if env.BombSize <= 0 {
		env.BombSize = 1 << 30
	}
	if env.Canary == "" {
		return nil, fmt.Errorf("hostile: Env.Canary is required")
	}
	g := &gen{env: env, b: &Bundle{Healthy: healthyFinding}}
	if err := c.build(g); err != nil {
		return nil, fmt.Errorf("hostile case %s: %w", c.Name, err)
	}
	if len(g.b.Inputs) == 0 {
		g.b.Inputs = []string{g.bundleDir()}
	}
	return g.b, nil
}

// gen accumulates one bundle. Cases write into the bundle directory (the
// input) unless they name an archive as the input itself.
type gen struct {
	env Env
	b   *Bundle
}

func (g *gen) bundleDir() string { return filepath.Join(g.env.Dir, "bundle") }

// file writes a file under the bundle directory and records it.
func (g *gen) file(rel string, body []byte) error {
	g.record(Entry{Path: rel})
	return g.put(filepath.Join(g.bundleDir(), filepath.FromSlash(rel)), body)
}

// archive writes an archive under the bundle directory (its members were
// recorded when it was built).
func (g *gen) archive(rel string, body []byte, lost bool) error {
	g.record(Entry{Path: rel, Container: true, MayBeLost: lost})
	return g.put(filepath.Join(g.bundleDir(), filepath.FromSlash(rel)), body)
}

// inputArchive writes an archive next to the bundle directory and makes it
// the only input: its display path is its base name.
func (g *gen) inputArchive(name string, body []byte) error {
	p := filepath.Join(g.env.Dir, name)
	g.b.Inputs = []string{p}
	g.record(Entry{Path: name, Container: true})
	return g.put(p, body)
}

func (g *gen) put(p string, body []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, body, 0o644)
}

func (g *gen) record(e Entry) { g.b.Entries = append(g.b.Entries, e) }

// healthyAt says where the healthy part's evidence lives.
func (g *gen) healthyAt(display string) { g.b.Healthy.File = display }

// member joins an archive's display path and a member name as the loader
// does: "!/" between them, the name cleaned of "..", leading "/" and "\".
func member(at, name string) string {
	n := strings.ReplaceAll(name, "\\", "/")
	return at + "!/" + strings.TrimPrefix(path.Clean("/"+n), "/")
}

// escapes are entry names that climb out of wherever they are extracted,
// each aiming at the canary: relative at every depth from one to six, and
// absolute.
func (g *gen) escapes(tag string) []string {
	base := filepath.Base(g.env.Canary)
	var out []string
	for d := 1; d <= 6; d++ {
		out = append(out, strings.Repeat("../", d)+base+fmt.Sprintf("/pwned-%s-up%d", tag, d))
	}
	return append(out,
		filepath.ToSlash(filepath.Join(g.env.Canary, "pwned-"+tag+"-abs")),
		"inside/../../"+base+"/pwned-"+tag+"-mid",
		strings.ReplaceAll("../../"+base+"/pwned-"+tag+"-backslash", "/", "\\"),
		"./../"+base+"/pwned-"+tag+"-dot",
	)
}
