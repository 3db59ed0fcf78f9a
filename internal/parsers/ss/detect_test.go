package ss

import (
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/loader"
)

// TestDetectCorpus: the ss and netstat listings are claimed; nothing in the
// repository's real corpus (dumps, logs, ip addr, iptables-save, netstat -s,
// sysctl, pcaps, bundles) or the other generated samples is.
func TestDetectCorpus(t *testing.T) {
	claimed := 0
	for _, in := range []struct {
		dir  string
		want func(string) bool
	}{
		{realworld, func(string) bool { return false }},
		{"testdata/generated", func(inner string) bool { return strings.HasSuffix(inner, ".txt") }},
		{"../netstat/testdata/generated", func(string) bool { return false }},
		{"../sysctl/testdata/generated", func(string) bool { return false }},
	} {
		b, err := loader.Load([]string{in.dir}, loader.Limits{}, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range b.Artifacts {
			want := in.want(a.Inner)
			if got := (Listen{}).Detect(a); got != want {
				t.Errorf("Detect(%s/%s) = %v, want %v", in.dir, a.Path, got, want)
			}
			if want {
				claimed++
			}
		}
		b.Close()
	}
	if claimed != 5 {
		t.Errorf("%d claimed, want 5", claimed)
	}
}
