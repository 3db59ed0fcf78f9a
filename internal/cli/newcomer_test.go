package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestFormatAndFailOnAsPeopleWriteThem: --format markdown is md, and
// --format and --fail-on take any case.
func TestFormatAndFailOnAsPeopleWriteThem(t *testing.T) {
	for _, f := range []string{"markdown", "Markdown", "MD", "md"} {
		code, out, errs := run(t, "analyze", "--format", f, "--enable", "selector-mismatch", healthyBundle)
		if code != ExitOK || !strings.HasPrefix(out, "# ktriage incident report") {
			t.Errorf("--format %s: exit %d, stderr %q, report starts %.40q", f, code, errs, out)
		}
	}
	code, out, errs := run(t, "analyze", "--format", "JSON", "--fail-on", "HIGH", "--enable", "selector-mismatch", healthyBundle)
	if code != ExitOK || !json.Valid([]byte(out)) {
		t.Errorf("--format JSON --fail-on HIGH: exit %d, stderr %q", code, errs)
	}
	for _, v := range []string{"None", "Critical", " low "} {
		if code, _, errs := run(t, "analyze", "--fail-on", v, "--enable", "selector-mismatch", healthyBundle); code != ExitOK {
			t.Errorf("--fail-on %q: exit %d, %s", v, code, errs)
		}
	}
}

// TestOutputDirectoryCheckedBeforeAnalysis: -o into a directory that does
// not exist fails at once, exit 2, naming the path as given — before the
// bundle is even opened (the missing bundle would be another error).
func TestOutputDirectoryCheckedBeforeAnalysis(t *testing.T) {
	out := filepath.Join(t.TempDir(), "no-such-dir", "report.md")
	for _, cmd := range []string{"analyze", "facts"} {
		code, _, errs := run(t, cmd, "-o", out, "/nonexistent/bundle.tgz")
		if code != ExitUsage {
			t.Fatalf("%s: exit %d, want %d", cmd, code, ExitUsage)
		}
		if !strings.Contains(errs, out) || !strings.Contains(errs, "does not exist") || strings.Contains(errs, "bundle.tgz") {
			t.Errorf("%s: stderr %q should name %s and nothing about the bundle", cmd, errs, out)
		}
	}
}

// TestOutputNeverOverwritesTheBundle (issue 10, D17): -o naming the input,
// or a place inside a directory input, is refused before the analysis and
// the bundle is left as it was.
func TestOutputNeverOverwritesTheBundle(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "bundle")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(healthyBundle, "team-a.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	inside := filepath.Join(dir, "team-a.yaml")
	single := filepath.Join(tmp, "objects.yaml")
	for _, p := range []string{inside, single} {
		if err := os.WriteFile(p, src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(tmp, "link-to-bundle")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ input, output string }{
		{single, single},                        // the input itself
		{dir, inside},                           // a file of a directory bundle
		{dir, filepath.Join(dir, "report.md")},  // a new file inside it
		{link, filepath.Join(dir, "report.md")}, // the same, through a link
		{dir + "/", filepath.Join(link, "x.md")},
	}
	for _, tc := range cases {
		for _, cmd := range []string{"analyze", "facts"} {
			code, _, errs := run(t, cmd, "-o", tc.output, tc.input)
			if code != ExitUsage || !strings.Contains(errs, tc.output) {
				t.Errorf("%s -o %s %s: exit %d (%q), want %d naming the output", cmd, tc.output, tc.input, code, errs, ExitUsage)
			}
		}
	}
	for _, p := range []string{inside, single} {
		if got, _ := os.ReadFile(p); string(got) != string(src) {
			t.Errorf("%s was changed", p)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "report.md")); err == nil {
		t.Error("a report was written inside the bundle")
	}
	// Beside the bundle is fine.
	if code, _, errs := run(t, "analyze", "--enable", "selector-mismatch", "-o", filepath.Join(tmp, "report.md"), dir); code != ExitOK {
		t.Errorf("report beside the bundle: exit %d, %s", code, errs)
	}
}

// TestSizeFlagsRejectOverflow (issue 10, D21): a size whose byte count
// does not fit in 64 bits is an error, not a wrapped small cap.
func TestSizeFlagsRejectOverflow(t *testing.T) {
	for _, s := range []string{"18014398509481985KiB", "8589934592GiB", "9223372036854775808", "99999999999999999999TB"} {
		if n, err := parseSize(s); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", s, n)
		}
		code, _, errs := run(t, "analyze", "--max-file-size", s, healthyBundle)
		if code != ExitUsage || !strings.Contains(errs, "too large") {
			t.Errorf("--max-file-size %s: exit %d, %q", s, code, errs)
		}
	}
	for s, want := range map[string]int64{"8589934591GiB": 8589934591 << 30, "9223372036854775807": 1<<63 - 1, "2GiB": 2 << 30, "100MB": 100e6} {
		if n, err := parseSize(s); err != nil || n != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", s, n, err, want)
		}
	}
}

// TestVersionOneLine: `ktriage version` and `ktriage --version` agree.
func TestVersionOneLine(t *testing.T) {
	_, a, _ := run(t, "version")
	_, b, _ := run(t, "--version")
	if a != b || a != "ktriage test\n" {
		t.Errorf("version %q, --version %q", a, b)
	}
}

// TestHelpNamesOnlyWhatExists: every flag, subcommand and repository path
// a command's help mentions exists (facts --help once sent people to a
// ktriage-lib/ directory that never did).
func TestHelpNamesOnlyWhatExists(t *testing.T) {
	root := newRoot(&strings.Builder{}, &strings.Builder{}, "test")
	reFlag := regexp.MustCompile(`(?:^|[\s(])--([a-z][a-z0-9-]+)`)
	rePath := regexp.MustCompile(`\b((?:docs|rules)/[A-Za-z0-9_./-]*[A-Za-z0-9_])`)
	// an example line: indented, starting with the binary
	reCmd := regexp.MustCompile(`^[ \t]+ktriage ([a-z][a-z-]*(?: [a-z][a-z-]*)?)`)
	hasFlag := func(c *cobra.Command, name string) bool {
		return name == "help" || c.Flags().Lookup(name) != nil || c.InheritedFlags().Lookup(name) != nil
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		help := c.Long + "\n" + c.Example
		for _, m := range rePath.FindAllStringSubmatch(help, -1) {
			if _, err := os.Stat(filepath.Join("..", "..", m[1])); err != nil {
				t.Errorf("%s --help names %s, which the repository lacks", c.CommandPath(), m[1])
			}
		}
		for _, line := range strings.Split(help, "\n") {
			target := c
			if m := reCmd.FindStringSubmatch(line); m != nil {
				found, _, err := root.Find(strings.Fields(m[1]))
				if err != nil || found == root {
					t.Errorf("%s --help names 'ktriage %s', which is no command", c.CommandPath(), m[1])
					continue
				}
				target = found
			}
			// A path in an example line is the user's when it starts with
			// ./ or ~; any other is the repository's and must exist.
			if strings.HasPrefix(strings.TrimLeft(line, " \t"), "ktriage ") || strings.HasPrefix(strings.TrimLeft(line, " \t"), "opa ") {
				for _, tok := range strings.Fields(line) {
					tok = strings.Trim(tok, "'\"")
					if !strings.Contains(tok, "/") || strings.HasPrefix(tok, "./") || strings.HasPrefix(tok, "~") || strings.HasPrefix(tok, "-") {
						continue
					}
					if _, err := os.Stat(filepath.Join("..", "..", tok)); err != nil {
						t.Errorf("%s --help names %s, which the repository lacks", c.CommandPath(), tok)
					}
				}
			}
			// collect-script's help describes the script's own options
			// (sh ktriage-collect.sh --capture 20, --ssh), not its flags.
			if c.Name() == "collect-script" && target == c {
				continue
			}
			for _, m := range reFlag.FindAllStringSubmatch(line, -1) {
				if !hasFlag(target, m[1]) {
					t.Errorf("%s --help names --%s, which %s does not have", c.CommandPath(), m[1], target.CommandPath())
				}
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// TestReadmeGoVersionAndBinary: the README states the Go version go.mod
// requires, exactly, and its commands call the binary one way (the
// bin/ktriage that make builds).
func TestReadmeGoVersionAndBinary(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	if !strings.Contains(string(readme), "Go "+string(m[1])+" ") {
		t.Errorf("README does not name Go %s, the version go.mod requires", m[1])
	}
	// the binary in command position: first on the line or after ; && |
	reCall := regexp.MustCompile(`(?:^|[;&|]\s*)((?:\S*/)?ktriage)\s`)
	inBlock := false
	for i, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "```") {
			inBlock = !inBlock
			continue
		}
		if !inBlock {
			continue
		}
		for _, f := range reCall.FindAllStringSubmatch(line, -1) {
			if f[1] != "bin/ktriage" {
				t.Errorf("README.md:%d calls the binary %q, elsewhere bin/ktriage: %s", i+1, f[1], line)
			}
		}
	}
}

// TestBundlePathThroughALink (issue 10, D3): a bundle path that links to
// a directory finds the incident the directory holds, as the same path
// with a trailing slash always did.
func TestBundlePathThroughALink(t *testing.T) {
	target, err := filepath.Abs("../../testdata/dumps/quota-limitrange-incident/bundle")
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "bundle")
	if err := os.Symlink(target, link); err != nil {
		t.Skip("symlinks not supported:", err)
	}
	for _, p := range []string{link, link + "/"} {
		code, out, errs := run(t, "analyze", "--format", "json", "--enable", "quota-limitrange", p)
		if code != ExitFindings || !strings.Contains(out, `"rule": "quota-limitrange"`) {
			t.Errorf("%s: exit %d (%s), want the quota-limitrange finding and exit %d", p, code, errs, ExitFindings)
		}
	}
}
