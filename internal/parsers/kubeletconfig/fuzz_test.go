package kubeletconfig

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzKubeletConfig: no input makes Read panic; every configuration read
// is a mapping with a known source, and its lines lie in the input.
func FuzzKubeletConfig(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("kind: KubeletConfiguration\nclusterDNS: &a [x, *a]\n---\n{\"kubeletconfig\": {\"resolvConf\": \"\"}}\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		_ = detect(in)
		es, _, err := Read(bytes.NewReader(in), "fuzz")
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		lines := bytes.Count(in, []byte("\n")) + 1
		for _, e := range es {
			if e.Config == nil || (e.Source != "file" && e.Source != "configz") {
				t.Fatalf("bad entry %+v", e)
			}
			if e.Line < 1 || e.Line > lines {
				t.Fatalf("line %d of %d", e.Line, lines)
			}
			for k, l := range e.Lines {
				if l < 1 || l > lines {
					t.Fatalf("%s at line %d of %d", k, l, lines)
				}
			}
		}
		_ = Summarize(es)
	})
}
