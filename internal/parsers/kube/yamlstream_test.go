package kube

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
)

// parseBoth reads content with Lists streamed item by item and with every
// document decoded whole, and returns both.
func parseBoth(t testing.TB, content string) (stream, whole *facts.Facts, sp *yamlParser, sres, wres parsers.Result, serr, werr error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.yaml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := loader.FromFile(p, "in.yaml", "in.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sb, wb := facts.NewBuilder(), facts.NewBuilder()
	sp = &yamlParser{a: a, b: sb, counts: map[string]int{}}
	sres, serr = sp.parse(context.Background())
	wp := &yamlParser{a: a, b: wb, counts: map[string]int{}, whole: true}
	wres, werr = wp.parse(context.Background())
	return sb.Build(), wb.Build(), sp, sres, wres, serr, werr
}

// sameObjects compares what the two readings produced: keys, bodies and
// the line each object is cited at.
func sameObjects(t testing.TB, stream, whole *facts.Facts) {
	t.Helper()
	if len(stream.Objects) != len(whole.Objects) {
		t.Fatalf("streamed %d objects %v, whole %d %v", len(stream.Objects), keys(stream), len(whole.Objects), keys(whole))
	}
	for i, s := range stream.Objects {
		w := whole.Objects[i]
		if s.Key != w.Key {
			t.Fatalf("object %d: streamed %v, whole %v", i, s.Key, w.Key)
		}
		if !reflect.DeepEqual(s.Map(), w.Map()) {
			t.Errorf("%v: streamed body %v, whole %v", s.Key, s.Map(), w.Map())
		}
		if s.Sources[0].Line != w.Sources[0].Line {
			t.Errorf("%v: streamed at line %d, whole at line %d", s.Key, s.Sources[0].Line, w.Sources[0].Line)
		}
	}
}

func pod(name string) string {
	return "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: " + name + "\n    namespace: shop\n  spec:\n    containers:\n    - name: c\n      image: nginx\n"
}

// TestYAMLStreamMatchesWhole: on YAML's variety, reading a List item by
// item gives exactly what decoding the document whole gives, and the
// line scan takes the layouts it can split (streamed) and hands the others
// back (anchors across items, flow style, quoted scalars that continue at
// the items' column).
func TestYAMLStreamMatchesWhole(t *testing.T) {
	kubectl := "apiVersion: v1\nitems:\n" + pod("a") + pod("b") + "kind: List\nmetadata:\n  resourceVersion: \"\"\n"
	cases := []struct {
		name, in string
		streamed int
		objects  int
	}{
		{"kubectl layout, kind after items", kubectl, 1, 2},
		{"CRLF line endings", strings.ReplaceAll(kubectl, "\n", "\r\n"), 1, 2},
		{"byte order mark", "\xef\xbb\xbf" + kubectl, 1, 2},
		{"items indented under their key",
			"apiVersion: v1\nkind: PodList\nitems:\n  - metadata:\n      name: a\n      namespace: shop\n  - metadata:\n      name: b\n      namespace: shop\n", 1, 2},
		{"comments at every column, blank lines, a trailing comment on items",
			"# header\napiVersion: v1\nitems: # the pods\n# between\n- metadata:\n    name: a\n# a column-0 comment inside an item\n    namespace: shop\n\n\n   # odd column\n- metadata: {name: b, namespace: shop}\nkind: PodList\n# end\n", 1, 2},
		{"entry node on the line after the dash",
			"kind: PodList\nitems:\n-\n  metadata:\n    name: a\n    namespace: shop\n- # comment\n  metadata:\n    name: b\n    namespace: shop\n", 1, 2},
		{"block scalars holding lines that look like entries and keys",
			"kind: ConfigMapList\nitems:\n- metadata:\n    name: a\n    namespace: shop\n  data:\n    script: |\n      - not an item\n      items:\n      kind: Secret\n    other: >-\n      folded\n\n      - still folded\n- metadata:\n    name: b\n    namespace: shop\n", 1, 2},
		{"multi-line plain scalars",
			"kind: ConfigMapList\nitems:\n- metadata:\n    name: a\n    namespace: shop\n  data:\n    k: first\n      second\n- metadata:\n    name: b\n    namespace: shop\n", 1, 2},
		// (A ConfigMap's data must be strings: the facts would leave such
		// a ConfigMap out, so the scalars sit in a kind of no such type.)
		{"YAML 1.1 scalars as kubectl reads them",
			"kind: WidgetList\nitems:\n- metadata:\n    name: a\n    namespace: shop\n  data:\n    on: yes\n    n: 0x1F\n    f: 1e3\n    nil: ~\n", 1, 1},
		{"several Lists separated by ---",
			"---\n" + kubectl + "---\n" + strings.ReplaceAll(kubectl, "name: a", "name: c") + "...\n", 2, 3},
		{"bare sequence", pod("a") + pod("b"), 1, 2},
		{"bare sequence, indented", "  - kind: Addon\n    metadata:\n      name: x\n  - kind: Addon\n    metadata:\n      name: z\n", 1, 2},
		{"nested sequences at the items' column",
			"kind: PodList\nitems:\n- metadata:\n    name: a\n    namespace: shop\n  spec:\n    containers:\n    - name: c\n      args:\n      - - x\n        - y\n", 1, 1},
		{"null and scalar items are skipped", "kind: PodList\nitems:\n-\n- 3\n- metadata:\n    name: a\n    namespace: shop\n", 1, 1},
		{"anchor in one item, alias in the next: decoded whole",
			"kind: PodList\nitems:\n- metadata:\n    name: a\n    namespace: shop\n    labels: &l {app: x}\n- metadata:\n    name: b\n    namespace: shop\n    labels: *l\n", 0, 2},
		{"anchor in the List, alias in an item: decoded whole",
			"kind: PodList\nmetadata: &m {resourceVersion: \"1\"}\nitems:\n- metadata:\n    name: a\n    namespace: shop\n  x: *m\n", 0, 1},
		{"quoted scalar continuing at the items' column: decoded whole",
			"kind: ConfigMapList\nitems:\n- metadata:\n    name: a\n    namespace: shop\n  data:\n    k: \"one\n- two\"\n- metadata:\n    name: b\n    namespace: shop\n", 0, 2},
		{"flow items: decoded whole", "kind: PodList\nitems: [{metadata: {name: a, namespace: shop}}, {metadata: {name: b,\n namespace: shop}}]\n", 0, 2},
		{"empty flow items", "apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: \"\"\n", 0, 0},
		{"items null", "apiVersion: v1\nitems:\nkind: PodList\n", 0, 0},
		{"items twice: decoded whole",
			"kind: PodList\nitems:\n- metadata:\n    name: a\n    namespace: shop\nitems:\n- metadata:\n    name: b\n    namespace: shop\n", 0, -1},
		{"quoted items key", "kind: PodList\n\"items\":\n- metadata:\n    name: a\n    namespace: shop\n", 1, 1},
		{"tag on the items value: decoded whole", "kind: PodList\nitems: !!seq\n- metadata:\n    name: a\n    namespace: shop\n", 0, 1},
		{"tab-indented garbage inside an item", "kind: PodList\nitems:\n- metadata:\n    name: a\n\tnamespace: shop\n", 0, -1},
		{"a top-level key indented less than the items ends them",
			"kind: PodList\nitems:\n  - metadata:\n      name: a\n      namespace: shop\nmetadata:\n  resourceVersion: \"7\"\n", 1, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, w, sp, sres, wres, serr, werr := parseBoth(t, c.in)
			if (serr == nil) != (werr == nil) || !reflect.DeepEqual(sres.Warnings, wres.Warnings) || sres.Detail != wres.Detail {
				t.Errorf("streamed %+v %v, whole %+v %v", sres, serr, wres, werr)
			}
			sameObjects(t, s, w)
			if sp.streamed != c.streamed {
				t.Errorf("%d Lists streamed, want %d", sp.streamed, c.streamed)
			}
			if c.objects >= 0 && len(s.Objects) != c.objects {
				t.Errorf("%d objects %v, want %d", len(s.Objects), keys(s), c.objects)
			}
		})
	}
}

// TestYAMLStreamLocate: evidence inside a streamed item points at the
// field's line of the file.
func TestYAMLStreamLocate(t *testing.T) {
	in := "apiVersion: v1\nitems:\n" + pod("a") + pod("b") + "kind: List\n"
	for _, eol := range []string{"\n", "\r\n"} {
		s, _, sp, _, _, _, _ := parseBoth(t, strings.ReplaceAll(in, "\n", eol))
		if sp.streamed != 1 {
			t.Fatalf("not streamed")
		}
		p := filepath.Join(t.TempDir(), "in.yaml")
		os.WriteFile(p, []byte(strings.ReplaceAll(in, "\n", eol)), 0o644)
		f := mustOpen(t, p)
		for _, o := range s.Objects {
			if o.Key.Name != "b" {
				continue
			}
			src := o.Sources[0]
			if src.Line != 12 {
				t.Errorf("item b at line %d, want 12", src.Line)
			}
			if l, exact := Locate(f, src, []any{"spec", "containers", 0, "image"}, ""); l != 20 || !exact {
				t.Errorf("image of b at line %d (exact %v), want 20", l, exact)
			}
		}
	}
}

// TestYAMLStreamCapsPieces: in a List too large to decode whole, an item
// over the per-object cap is skipped with a warning naming its line, an
// item that does not decode alone is skipped, and the others are kept.
func TestYAMLStreamCapsPieces(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("apiVersion: v1\nitems:\n")
	sb.WriteString(pod("first"))
	sb.WriteString("- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: huge\n    namespace: shop\n  data:\n")
	line := "    k%07d: " + strings.Repeat("x", 100) + "\n"
	for i := 0; sb.Len() < maxYAMLObject+1<<20; i++ {
		fmt.Fprintf(&sb, line, i)
	}
	sb.WriteString("- metadata:\n    name: aliased\n    namespace: shop\n  x: *nowhere\n")
	sb.WriteString(pod("last"))
	sb.WriteString("kind: List\n")
	s, _, sp, res, _, err, _ := parseBoth(t, sb.String())
	if err != nil || sp.streamed != 1 {
		t.Fatalf("err %v, streamed %d", err, sp.streamed)
	}
	if got := strings.Join(keys(s), " "); got != "Pod/shop/first Pod/shop/last" {
		t.Errorf("objects %s", got)
	}
	all := strings.Join(res.Warnings, "\n")
	for _, w := range []string{"line 12: List item of", "larger than the 8388608-byte cap", "unknown anchor", "(List item skipped)"} {
		if !strings.Contains(all, w) {
			t.Errorf("warnings %q lack %q", res.Warnings, w)
		}
	}
}

func FuzzYAMLStream(f *testing.F) {
	addSeeds(f, "../../../testdata/dumps/*/bundle/*.yaml", "../../../testdata/dumps/*/bundle/*/*.yaml")
	f.Add([]byte("apiVersion: v1\nitems:\n" + pod("a") + pod("b") + "kind: List\n"))
	f.Add([]byte("kind: PodList\nitems:\n  - metadata:\n      name: a\n  - &x {metadata: {name: b}}\n  - *x\n"))
	f.Add([]byte("- kind: Addon\n  metadata:\n    name: x\n- |\n  - y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, w, _, _, _, serr, werr := parseBoth(t, string(data))
		if (serr == nil) != (werr == nil) {
			t.Fatalf("streamed error %v, whole error %v", serr, werr)
		}
		if len(s.Objects) != len(w.Objects) {
			t.Fatalf("streamed %v, whole %v", keys(s), keys(w))
		}
		for i, o := range s.Objects {
			if o.Key != w.Objects[i].Key || !reflect.DeepEqual(o.Map(), w.Objects[i].Map()) {
				t.Fatalf("streamed %v %v, whole %v %v", o.Key, o.Map(), w.Objects[i].Key, w.Objects[i].Map())
			}
		}
	})
}
