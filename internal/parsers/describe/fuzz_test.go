package describe

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
)

// FuzzDescribe: no input makes Read panic or hang; every object has a
// kind and a name, is marked partial, and cites only lines of the input.
func FuzzDescribe(f *testing.F) {
	for _, g := range []string{"testdata/realworld/*.txt", "../../../testdata/dumps/*-describe-text/bundle/*.txt"} {
		files, _ := filepath.Glob(g)
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
			if len(b) > 2048 {
				f.Add(b[:2048])
			}
		}
	}
	f.Add([]byte(kindsText))
	f.Add([]byte(storageText))
	f.Add([]byte(policyText))
	f.Fuzz(func(t *testing.T, in []byte) {
		_ = detect(in)
		res, err := Read(context.Background(), bytes.NewReader(in), "fuzz.txt")
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		lines := bytes.Count(in, []byte("\n")) + 1
		for _, o := range res.Objects {
			k := facts.KeyOf(o.Body)
			if k.Kind == "" || k.Name == "" {
				t.Fatalf("object without kind or name: %+v", k)
			}
			if k.Kind == "Secret" {
				t.Fatal("a Secret was kept")
			}
			md, _ := o.Body["metadata"].(map[string]any)
			ann, _ := md["annotations"].(map[string]any)
			if ann[AnnotationSource] != Source {
				t.Fatalf("%s not marked partial", k)
			}
			if o.Line < 1 || o.Line > lines {
				t.Fatalf("%s at line %d of %d", k, o.Line, lines)
			}
			for p, l := range o.Lines {
				if l < 1 || l > lines {
					t.Fatalf("%s field %q at line %d of %d", k, p, l, lines)
				}
			}
		}
	})
}
