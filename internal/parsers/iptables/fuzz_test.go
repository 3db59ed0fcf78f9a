package iptables

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
)

func addSeeds(f *testing.F, extra ...string) {
	for _, dir := range []string{realDir, genDir} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// FuzzSave: never panics or hangs; every rule has a chain and a line; the
// document marshals.
func FuzzSave(f *testing.F) {
	addSeeds(f, smallDump, "", "\r\r\n\r", "*nat\n-A\n", "[1:2]", "-A X \"", ":X - [1:",
		"table ip x {\nchain y {\nip saddr != { 1.2.3.4, 5.6.7.8 } jump z\n}\n}\n", "table inet t {\n set s {\n", ipvsKubeProxy)
	f.Fuzz(func(t *testing.T, data []byte) {
		a := &loader.Artifact{Head: headOf(data)}
		_ = Save{}.Detect(a)
		out, err := parseFile(context.Background(), bytes.NewReader(data), "fuzz", headLines(a))
		if err != nil {
			t.Fatalf("error on in-memory input: %v", err)
		}
		checkParsed(t, out)
	})
}

func checkParsed(t *testing.T, out *parsed) {
	if len(out.warnings) > maxWarnings {
		t.Fatalf("%d warnings", len(out.warnings))
	}
	for _, rs := range out.rulesets {
		if rs.Tables == nil || rs.UndeclaredTargets == nil {
			t.Fatal("nil tables or undeclared list")
		}
		for tn, tb := range rs.Tables {
			if tn == "" || tb == nil || tb.Chains == nil {
				t.Fatalf("bad table %q", tn)
			}
			for cn, c := range tb.Chains {
				if cn == "" || c == nil {
					t.Fatalf("table %s: chain with no name", tn)
				}
				for _, r := range c.Rules {
					if r.Line <= 0 || len(r.Text) > maxText || len(r.Comment) > maxText || len(r.Target) > maxText {
						t.Fatalf("%s/%s: bad rule %+v", tn, cn, r)
					}
				}
			}
		}
		for _, u := range rs.UndeclaredTargets {
			if u.Line <= 0 || u.Chain == "" || rs.Tables[u.Table] == nil {
				t.Fatalf("bad undeclared %+v", u)
			}
		}
	}
	if out.found && facts.ToDoc(out.rulesets) == nil {
		t.Fatal("document does not marshal")
	}
	_ = out.result()
}

// FuzzIPVS: never panics or hangs; services and real servers have lines.
func FuzzIPVS(f *testing.F) {
	addSeeds(f, ipvsKubeProxy, "-A -t 1:2 -s rr\n-a -t 1:2 -r [::1]:3 -m -w x\n", "FWM\nTCP\n->\nProt LocalAddress:Port Conns\nTCP 1:1 9999999999999999999K\n",
		"TCP  [fd00::1 rr\n  -> [::\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		a := &loader.Artifact{Head: headOf(data)}
		_ = IPVS{}.Detect(a)
		out, err := parseIPVS(context.Background(), bytes.NewReader(data), "fuzz")
		if err != nil {
			t.Fatalf("error on in-memory input: %v", err)
		}
		if len(out.warnings) > maxWarnings {
			t.Fatalf("%d warnings", len(out.warnings))
		}
		for _, tb := range out.tables {
			for _, s := range tb.Services {
				if s.Line <= 0 || len(s.Text) > maxText || len(s.Flags) > maxText || s.Dests == nil {
					t.Fatalf("bad service %+v", s)
				}
				for _, d := range s.Dests {
					if d.Line <= s.Line && !isSaveForm(s.Text) {
						t.Fatalf("real server line %d before its service's %d", d.Line, s.Line)
					}
				}
			}
		}
		if out.found && facts.ToDoc(out.tables) == nil {
			t.Fatal("document does not marshal")
		}
		_ = out.result()
	})
}

func isSaveForm(text string) bool { return len(text) > 0 && text[0] == '-' }
