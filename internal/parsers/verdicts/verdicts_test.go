package verdicts

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
)

func artifact(t *testing.T, inner, content string) *loader.Artifact {
	t.Helper()
	p := filepath.Join(t.TempDir(), filepath.FromSlash(inner))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := loader.FromFile(p, inner, inner)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Two entries of the real k3s bundle's analysis.json (PROVENANCE.md:
// replicatedhq/troubleshoot testdata/supportbundle), one passing, one failing.
const k3sAnalysis = `[
    {
        "name": "required.kubernetes.version",
        "labels": {"desiredPosition": "1", "iconKey": "kubernetes_cluster_version"},
        "insight": {
            "name": "required.kubernetes.version",
            "primary": "Required Kubernetes Version",
            "detail": "Your cluster meets the recommended and required versions of Kubernetes.",
            "severity": "debug"
        },
        "severity": "debug",
        "analyzerSpec": ""
    },
    {
        "name": "custom.resource.definition.rook",
        "insight": {
            "name": "custom.resource.definition.rook",
            "primary": "Custom resource definition rook",
            "detail": "The Rook CRD was not found in the cluster.",
            "severity": "error"
        },
        "severity": "error",
        "analyzerSpec": ""
    }
]`

func TestAnalysis(t *testing.T) {
	b := facts.NewBuilder()
	a := artifact(t, "support-bundle/analysis.json", k3sAnalysis)
	if !(Analysis{}).Detect(a) {
		t.Fatal("not detected")
	}
	res, err := Analysis{}.Parse(context.Background(), a, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"the bundle's own analysis", "1 of 2 checks fail", "1 pass", "Custom resource definition rook (The Rook CRD was not found in the cluster.)"} {
		if !strings.Contains(res.Detail, want) {
			t.Errorf("detail %q lacks %q", res.Detail, want)
		}
	}
	if res.Summary["fail"] != 1 || res.Summary["pass"] != 1 {
		t.Errorf("summary %v", res.Summary)
	}
	if f := b.Build(); len(f.Objects) != 0 {
		t.Errorf("facts from another tool's verdicts: %v", f.Objects)
	}
	// The CI baseline bundle's: no analyzer ran.
	res, err = Analysis{}.Parse(context.Background(), artifact(t, "supportbundle/analysis.json", "[]"), b)
	if err != nil || !strings.Contains(res.Detail, "no analyzer ran") {
		t.Errorf("empty: %q %v", res.Detail, err)
	}
	// Another analysis.json is not troubleshoot's.
	if (Analysis{}).Detect(artifact(t, "x/analysis.json", `{"a": 1}`)) {
		t.Error("an object taken for troubleshoot's list")
	}
	if _, err := (Analysis{}).Parse(context.Background(), artifact(t, "analysis.json", `[1, 2]`), b); !errors.Is(err, parsers.ErrNotApplicable) {
		t.Errorf("a list of numbers: %v", err)
	}
}

func TestConnectivityRealInsights(t *testing.T) {
	p := filepath.Join("..", "..", "..", "..", "shared", "realworld", "bundles", "openshift-insights-archive-sample-subset", "config", "podnetworkconnectivitychecks.json")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s: %v", p, err)
	}
	a, err := loader.FromFile(p, "config/podnetworkconnectivitychecks.json", "config/podnetworkconnectivitychecks.json")
	if err != nil {
		t.Fatal(err)
	}
	if !(Connectivity{}).Detect(a) {
		t.Fatal("not detected")
	}
	res, err := Connectivity{}.Parse(context.Background(), a, facts.NewBuilder())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Detail, "DNSError 3; TCPConnectError 21") || res.Summary["TCPConnectError"] != 21 {
		t.Errorf("detail %q summary %v", res.Detail, res.Summary)
	}
}

func FuzzVerdicts(f *testing.F) {
	f.Add(k3sAnalysis)
	f.Add(`{"DNSError": {"x: y": "2021-07-12T23:20:25+02:00"}}`)
	f.Add(`[{"insight": null}]`)
	f.Fuzz(func(t *testing.T, s string) {
		dir := t.TempDir()
		for _, name := range []string{"analysis.json", "podnetworkconnectivitychecks.json"} {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
			a, err := loader.FromFile(p, name, name)
			if err != nil {
				t.Fatal(err)
			}
			Analysis{}.Parse(context.Background(), a, facts.NewBuilder())
			Connectivity{}.Parse(context.Background(), a, facts.NewBuilder())
		}
	})
}
