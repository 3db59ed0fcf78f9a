package main_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/report"
	"github.com/ktriage/ktriage/internal/testbin"
	"github.com/ktriage/ktriage/internal/verify"
)

// Golden tests run the built binary over every fixture in testdata/dumps.
// Each fixture's expect.yaml says which findings it must and must not
// produce (checked by internal/verify, as `ktriage verify` does);
// report.md.golden is the whole Markdown report, refreshed with
//
//	go test ./cmd/ktriage -run TestGolden -update
var update = flag.Bool("update", false, "rewrite the report.md.golden files")

func binary(t *testing.T) string { return testbin.Path(t) }

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	testbin.Cleanup()
	os.Exit(code)
}

func run(t *testing.T, bin, dir string, args ...string) ([]byte, int) {
	t.Helper()
	out, _, code := runRefusable(t, bin, dir, args...)
	if code == 2 {
		t.Fatalf("%v exited 2", args)
	}
	return out, code
}

// runRefusable runs the binary and returns stdout, stderr and the exit
// status, whatever it is.
func runRefusable(t *testing.T, bin, dir string, args ...string) ([]byte, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	if code == 2 {
		t.Logf("%v exited 2: %s", args, stderr.String())
	}
	return stdout.Bytes(), stderr.String(), code
}

func TestGolden(t *testing.T) {
	bin := binary(t)
	root := filepath.Join("..", "..", "testdata", "dumps")
	dirs, err := verify.Find(root)
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixtures under %s (%v)", root, err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			fx, err := verify.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if miss := fx.MissingShared(); miss != "" {
				t.Skipf("%s not found: this fixture reads the real samples in shared/ beside the repository (see shared/realworld/PROVENANCE.md)", miss)
			}
			e := fx.Expect
			args := append(append([]string{"analyze", "--format", "json"}, e.Args...), e.Inputs...)
			if e.Refused() {
				// no report to compare: the exit status and the words
				_, msg, code := runRefusable(t, bin, dir, args...)
				for _, p := range verify.CheckRefusal(e, code, msg) {
					t.Error(p)
				}
				return
			}
			out, code := run(t, bin, dir, args...)
			var r report.Report
			if err := json.Unmarshal(out, &r); err != nil {
				t.Fatalf("report is not JSON: %v", err)
			}
			for _, p := range verify.Check(e, &r, code) {
				t.Error(p)
			}
			if e.SameFindingsAs != "" {
				// a text twin: the findings of the fixture it is the twin of
				other := filepath.Join(dir, e.SameFindingsAs)
				ofx, err := verify.Load(other)
				if err != nil {
					t.Fatal(err)
				}
				oout, _ := run(t, bin, other, append(append([]string{"analyze", "--format", "json"}, ofx.Expect.Args...), ofx.Expect.Inputs...)...)
				var or report.Report
				if err := json.Unmarshal(oout, &or); err != nil {
					t.Fatalf("%s: report is not JSON: %v", other, err)
				}
				for _, p := range verify.CompareFindings(verify.FindingKeys(&or), verify.FindingKeys(&r), e.SameFindingsAs) {
					t.Error(p)
				}
			}

			// Determinism: a second run gives the same bytes.
			again, _ := run(t, bin, dir, args...)
			if !bytes.Equal(out, again) {
				t.Error("two runs on the same bundle gave different JSON")
			}

			md, _ := run(t, bin, dir, append(append([]string{"analyze"}, e.Args...), e.Inputs...)...)
			md = normalizeVersion(md)
			golden := filepath.Join(dir, "report.md.golden")
			if *update {
				if err := os.WriteFile(golden, md, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(md, want) {
				t.Errorf("Markdown report differs from %s (run with -update after checking the change):\n%s", golden, firstDiff(want, md))
			}
		})
	}
}

var reVersion = regexp.MustCompile(`(?m)^\| ktriage \| .* \|$`)

func normalizeVersion(md []byte) []byte {
	return reVersion.ReplaceAll(md, []byte("| ktriage | (version) |"))
}

func firstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, x, y)
		}
	}
	return ""
}
