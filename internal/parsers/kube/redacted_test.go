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
	set := f.Objects[0].Body["spec"].(map[string]any)["set"].(map[string]any)
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
