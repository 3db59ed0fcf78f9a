package sysctl

import (
	"encoding/json"
	"reflect"

	"bytes"
	"context"
	"github.com/ktriage/ktriage/internal/facts"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzSysctl: no input makes Read panic or hang; every setting has a
// dotted key rooted like a sysctl key, a line within the input and the
// file's name; detection runs on any head.
func FuzzSysctl(f *testing.F) {
	for _, g := range []string{filepath.Join(realworld, "sysctl", "*.txt"), "testdata/generated/*.txt"} {
		files, _ := filepath.Glob(g)
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
			// Small seeds mutate much faster than whole 40 KB listings.
			if len(b) > 1024 {
				f.Add(b[:1024])
			}
		}
	}
	f.Add([]byte("/proc/sys/net/ipv4/conf/eth0.100/rp_filter:1\r\n-net/ipv4/ip_forward=1\nsysctl: reading key \"x.y\"\n"))
	// Invalid UTF-8 in a value and in a raw key: the document must match
	// the JSON round trip byte for byte.
	f.Add([]byte("net.core.x = a\xffb\xe2\x82\n/proc/sys/net/ipv4/conf/e\xfe/rp_filter = 1\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		_ = detect(in)
		p, err := Read(context.Background(), bytes.NewReader(in), "fuzz.txt")
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		lines := bytes.Count(in, []byte("\n")) + 1
		if len(p.Order) != len(p.Settings) {
			t.Fatalf("%d keys in order, %d settings", len(p.Order), len(p.Settings))
		}
		for k, s := range p.Settings {
			if k == "" || strings.ContainsAny(k, " \t=") || !strings.Contains(k, ".") {
				t.Fatalf("bad key %q", k)
			}
			if again, ok := normalizeKey(k); !ok || again != k {
				t.Fatalf("key %q is not in normal form (%q)", k, again)
			}
			if s.Line < 1 || s.Line > lines || s.File != "fuzz.txt" {
				t.Fatalf("bad place %+v", s)
			}
		}
		_ = Summarize(p)
		// The settings' document is what encoding/json's round trip
		// makes of them (facts.ToDoc walks them instead).
		raw, err := json.Marshal(p.Settings)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var want any
		if err := dec.Decode(&want); err != nil {
			t.Fatal(err)
		}
		if got := facts.ToDoc(p.Settings); !reflect.DeepEqual(got, want) {
			t.Fatalf("document differs from the JSON round trip:\n%v\n%v", got, want)
		}
	})
}
