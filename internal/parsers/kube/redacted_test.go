package kube

import (
	"strings"
	"testing"
)

// Values troubleshoot.sh's redactors masked must not make the YAML
// around them unreadable, and stay masked.
func TestRedactedYAML(t *testing.T) {
	doc := "- apiVersion: helm.cattle.io/v1\n  kind: HelmChart\n  metadata:\n    name: traefik\n    namespace: kube-system\n  spec:\n    set:\n" +
		"      global.database.dsn: ***HIDDEN***:***HIDDEN***@tcp(***HIDDEN***:3306)/***HIDDEN***\n" +
		"      global.auth.password: ***HIDDEN***\n" +
		"      list:\n      - ***HIDDEN***\n" +
		"      quoted: \"a: ***HIDDEN***\"\n" +
		"      url: https://***HIDDEN***:***HIDDEN***@example.com:8443\n"
	f, _, err, _ := parse(t, "support-bundle/cluster-resources/custom-resources/helmcharts.helm.cattle.io/kube-system.yaml", doc)
	if err != nil || len(f.Objects) != 1 {
		t.Fatalf("objects %v, err %v", keys(f), err)
	}
	set := f.Objects[0].Map()["spec"].(map[string]any)["set"].(map[string]any)
	for k, want := range map[string]any{
		"global.database.dsn":  "***HIDDEN***:***HIDDEN***@tcp(***HIDDEN***:3306)/***HIDDEN***",
		"global.auth.password": "***HIDDEN***",
		"quoted":               "a: ***HIDDEN***",
		"url":                  "https://***HIDDEN***:***HIDDEN***@example.com:8443",
	} {
		if set[k] != want {
			t.Errorf("%s = %#v, want %q", k, set[k], want)
		}
	}
	if l, _ := set["list"].([]any); len(l) != 1 || l[0] != "***HIDDEN***" {
		t.Errorf("list = %#v", set["list"])
	}
	// Lines keep their numbers.
	if got := strings.Count(string(quoteRedacted([]byte(doc))), "\n"); got != strings.Count(doc, "\n") {
		t.Errorf("lines %d, want %d", got, strings.Count(doc, "\n"))
	}
}

// Quoting never changes the line count, leaves text without the mark
// alone, and decoding after it never panics.
func FuzzQuoteRedacted(f *testing.F) {
	f.Add("a: ***HIDDEN***\nb:\n- ***HIDDEN***:x@tcp(***HIDDEN***:1)/y\n")
	f.Add("k: 'it''s ***HIDDEN***'\n")
	f.Add("k: |\n  ***HIDDEN***\n")
	f.Fuzz(func(t *testing.T, s string) {
		q := quoteRedacted([]byte(s))
		if strings.Count(string(q), "\n") != strings.Count(s, "\n") {
			t.Fatalf("lines changed: %q → %q", s, q)
		}
		if !strings.Contains(s, "***HIDDEN***") && string(q) != s {
			t.Fatalf("changed without a mark: %q → %q", s, q)
		}
		decodeYAML([]byte(s)) // must not panic
	})
}

// The word search and the regexp it replaced agree on ASCII lines.
func FuzzNotable(f *testing.F) {
	for _, s := range []string{"E0311 x", "mtu", "a_mtu b", "level=WARN", "Dropped", "kube-proxy"} {
		f.Add(s)
	}
	c := newLogCollector()
	f.Fuzz(func(t *testing.T, s string) {
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return
			}
		}
		if got, want := c.notable(s), notableRegexp.MatchString(s); got != want {
			t.Fatalf("%q: notable %v, regexp %v", s, got, want)
		}
	})
}
