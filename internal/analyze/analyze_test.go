package analyze

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/engine"
	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
	"github.com/ktriage/ktriage/internal/report"
	"github.com/ktriage/ktriage/rules"
)

type panicky struct{}

func (panicky) Kind() string                 { return "boom" }
func (panicky) Detect(*loader.Artifact) bool { return true }
func (panicky) Parse(context.Context, *loader.Artifact, *facts.Builder) (parsers.Result, error) {
	var m map[string]int
	m["x"]++ // a nil map write: the kind of bug a hostile file finds
	return parsers.Result{}, nil
}

type failing struct{ res parsers.Result }

func (failing) Kind() string                 { return "thing" }
func (failing) Detect(*loader.Artifact) bool { return true }
func (f failing) Parse(context.Context, *loader.Artifact, *facts.Builder) (parsers.Result, error) {
	return f.res, errors.New("line 3: broken")
}

func artifact(t *testing.T) *loader.Artifact {
	p := filepath.Join(t.TempDir(), "x.txt")
	os.WriteFile(p, []byte("data\n"), 0o644)
	a, err := loader.FromFile(p, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestParserPanicBecomesAFailedInput(t *testing.T) {
	in := parseOne(context.Background(), artifact(t), facts.NewBuilder(), panicky{})
	if in.Status != report.StatusFailed || !strings.Contains(in.Error, "parser crashed") {
		t.Fatalf("%+v", in)
	}
}

func TestStatuses(t *testing.T) {
	a := artifact(t)
	if in := parseOne(context.Background(), a, facts.NewBuilder(), failing{}); in.Status != report.StatusFailed || in.Error != "line 3: broken" {
		t.Errorf("failed: %+v", in)
	}
	if in := parseOne(context.Background(), a, facts.NewBuilder(), failing{parsers.Result{Detail: "2 pods"}}); in.Status != report.StatusPartial {
		t.Errorf("partial: %+v", in)
	}
	if in := parseOne(context.Background(), a, facts.NewBuilder(), nil); in.Status != report.StatusUnrecognized {
		t.Errorf("unrecognized: %+v", in)
	}
}

// Every real dump and bundle in testdata/realworld loads; no Kubernetes
// file fails, and the analysis runs to a report.
func TestRealWorldBundles(t *testing.T) {
	eng, err := engine.New(context.Background(), engine.Options{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	roots, _ := filepath.Glob("../../testdata/realworld/cluster-info-dump/*")
	bundles, _ := filepath.Glob("../../testdata/realworld/bundles/*")
	for _, in := range append(roots, bundles...) {
		t.Run(filepath.Base(in), func(t *testing.T) {
			p, err := Parse(context.Background(), Options{Inputs: []string{in}, TempDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			objects := 0
			for _, i := range p.Inputs {
				if i.Kind == "kubernetes" && i.Status == report.StatusFailed {
					t.Errorf("%s failed: %s", i.File, i.Error)
				}
			}
			objects = len(p.Facts.Objects)
			if objects == 0 {
				t.Error("no objects")
			}
			r, err := Evaluate(context.Background(), p, eng, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range r.Skipped {
				if strings.HasPrefix(s.Reason, "rule failed") {
					t.Errorf("rule %s failed: %s", s.Rule, s.Reason)
				}
			}
		})
	}
}
