package kube

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
)

const locateJSONDoc = `{
  "kind": "Pod",
  "metadata": {
    "name": "web-1",
    "labels": {
      "app.kubernetes.io/name": "web",
      "tier": "backend"
    }
  },
  "spec": {
    "containers": [
      {
        "name": "sidecar",
        "image": "envoy"
      },
      {
        "name": "app",
        "ports": [
          {"containerPort": 8080, "protocol": "TCP"}
        ]
      }
    ],
    "selector": {"app": "web"}
  },
  "status": {
    "conditions": [
      {
        "type": "Ready",
        "status": "False",
        "message": "containers with unready status: [app]"
      }
    ],
    "containerStatuses": [
      {
        "name": "app",
        "lastState": {
          "terminated": {
            "exitCode": 137,
            "reason": "OOMKilled"
          }
        }
      }
    ]
  }
}
`

// The same Pod as the second item of a YAML List, with a duplicate key.
const locateYAMLDoc = `apiVersion: v1
kind: List
items:
- kind: Service
  metadata:
    name: other
- kind: Pod
  metadata:
    name: web-1
    labels:
      tier: frontend
      tier: backend
  spec:
    containers:
    - name: sidecar
      image: envoy
    - name: app
      ports:
      - containerPort: 8080
  status:
    conditions:
    - type: Ready
      status: "False"
      message: |
        containers with unready status: [app]
    containerStatuses:
    - name: app
      lastState:
        terminated:
          reason: OOMKilled
`

func TestLocate(t *testing.T) {
	dir := t.TempDir()
	jp := filepath.Join(dir, "a.json")
	yp := filepath.Join(dir, "a.yaml")
	os.WriteFile(jp, []byte(locateJSONDoc), 0o644)
	os.WriteFile(yp, []byte(locateYAMLDoc), 0o644)
	jf, yf := mustOpen(t, jp), mustOpen(t, yp)
	js := facts.Source{Line: 1, Start: 0, End: int64(len(locateJSONDoc)), Format: facts.FormatJSON}
	ys := facts.Source{Line: 7, Start: 0, End: int64(len(locateYAMLDoc)), Format: facts.FormatYAML, Prefix: []any{"items", 1}}
	for _, tc := range []struct {
		name  string
		src   facts.Source
		f     *os.File
		path  []any
		note  string
		want  string // the cited line, trimmed
		exact bool
	}{
		{"json label value", js, jf, []any{"metadata", "labels", "app.kubernetes.io/name"}, "", `"app.kubernetes.io/name": "web",`, true},
		{"json whole object cites its name", js, jf, nil, "", `"name": "web-1",`, true},
		{"json list element cites its name", js, jf, []any{"spec", "containers", 1}, "", `"name": "app",`, true},
		{"json list cites its first element's name", js, jf, []any{"spec", "containers"}, "no readinessProbe", `"name": "sidecar",`, true},
		{"json list element by index, scalar", js, jf, []any{"spec", "containers", 1, "ports", 0, "containerPort"}, "", `{"containerPort": 8080, "protocol": "TCP"}`, true},
		{"json condition message", js, jf, []any{"status", "conditions", 0, "message"}, "", `"message": "containers with unready status: [app]"`, true},
		{"json condition element by its message", js, jf, []any{"status", "conditions", 0}, "", `"message": "containers with unready status: [app]"`, true},
		{"json condition, the value the note names", js, jf, []any{"status", "conditions", 0}, "the condition is False", `"status": "False",`, true},
		{"json whole object: kind is not proof", js, jf, nil, "Pod is not ready", `"name": "web-1",`, true},
		{"json terminated reason", js, jf, []any{"status", "containerStatuses", 0, "lastState", "terminated", "reason"}, "", `"reason": "OOMKilled"`, true},
		{"json map value cites the scalar the note names", js, jf, []any{"metadata", "labels"}, "labels tier=backend", `"tier": "backend"`, true},
		{"json map cites a value named in the note", js, jf, []any{"status"}, "the container was OOMKilled", `"reason": "OOMKilled"`, true},
		{"json map with nothing named cites its key", js, jf, []any{"spec", "selector"}, "unrelated", `"selector": {"app": "web"}`, true},
		{"json missing field cites the element", js, jf, []any{"spec", "containers", 1, "readinessProbe"}, "", `"name": "app",`, false},
		{"json missing field under a map cites its key", js, jf, []any{"spec", "nothing"}, "", `"spec": {`, false},
		{"json missing at root cites the name", js, jf, []any{"nothing"}, "", `"name": "web-1",`, false},
		{"yaml whole item cites its name", ys, yf, nil, "", "name: web-1", true},
		{"yaml duplicate key: the last one", ys, yf, []any{"metadata", "labels", "tier"}, "", "tier: backend", true},
		{"yaml list element", ys, yf, []any{"spec", "containers", 1}, "", "- name: app", true},
		{"yaml port", ys, yf, []any{"spec", "containers", 1, "ports", 0, "containerPort"}, "", "- containerPort: 8080", true},
		{"yaml block scalar message", ys, yf, []any{"status", "conditions", 0, "message"}, "", "containers with unready status: [app]", true},
		{"yaml condition by its message", ys, yf, []any{"status", "conditions", 0}, "", "containers with unready status: [app]", true},
		{"yaml terminated reason", ys, yf, []any{"status", "containerStatuses", 0, "lastState", "terminated", "reason"}, "", "reason: OOMKilled", true},
		{"yaml note names a nested value", ys, yf, []any{"status"}, "OOMKilled", "reason: OOMKilled", true},
		{"yaml missing field cites the element", ys, yf, []any{"spec", "containers", 0, "readinessProbe"}, "", "- name: sidecar", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			line, exact := Locate(tc.f, tc.src, tc.path, tc.note)
			doc := locateJSONDoc
			if tc.src.Format == facts.FormatYAML {
				doc = locateYAMLDoc
			}
			lines := strings.Split(doc, "\n")
			got := ""
			if line >= 1 && line <= len(lines) {
				got = strings.TrimSpace(lines[line-1])
			}
			if got != tc.want || exact != tc.exact {
				t.Errorf("line %d %q exact %v, want %q %v", line, got, exact, tc.want, tc.exact)
			}
		})
	}
}

// A JSON object cut out of a larger file: lines count from the source's.
func TestLocateOffset(t *testing.T) {
	doc := "[\n" + locateJSONDoc + "]\n"
	p := filepath.Join(t.TempDir(), "a.json")
	os.WriteFile(p, []byte(doc), 0o644)
	src := facts.Source{Line: 2, Start: 2, End: int64(2 + len(locateJSONDoc)), Format: facts.FormatJSON}
	line, exact := Locate(mustOpen(t, p), src, []any{"status", "containerStatuses", 0, "lastState", "terminated", "reason"}, "")
	if got := strings.TrimSpace(strings.Split(doc, "\n")[line-1]); got != `"reason": "OOMKilled"` || !exact {
		t.Errorf("line %d %q exact %v", line, got, exact)
	}
}

// The inventory says "1 deployment", not "1 deployments".
func TestCountOf(t *testing.T) {
	for _, tc := range []struct {
		n    int
		kind string
		want string
	}{{1, "Deployment", "1 deployment"}, {3, "Deployment", "3 deployments"}, {1, "ConfigMap", "1 configmap"}, {2, "Endpoints", "2 endpoints"}} {
		if got := countOf(tc.n, tc.kind); got != tc.want {
			t.Errorf("countOf(%d, %s) = %q, want %q", tc.n, tc.kind, got, tc.want)
		}
	}
}

// Damaged or odd objects never crash Locate; it falls back to the
// object's own line.
func TestLocateDamaged(t *testing.T) {
	dir := t.TempDir()
	for i, doc := range []string{
		`{"metadata": {"name": "a"`, `{"spec": [1, 2, {"x": }]}`, `{]`, `null`, `"x"`, `{"a": [[[[[[]]]]]]}`,
		strings.Repeat("[", 20000) + strings.Repeat("]", 20000),
		`{"spec": {"containers": null}, "metadata": {"name": null}}`,
	} {
		p := filepath.Join(dir, "d.json")
		os.WriteFile(p, []byte(doc), 0o644)
		src := facts.Source{Line: 3, Start: 0, End: int64(len(doc)), Format: facts.FormatJSON}
		for _, path := range [][]any{nil, {"spec", "containers", 0}, {"metadata", "name"}, {"a", 0, 0}} {
			if line, _ := Locate(mustOpen(t, p), src, path, "note a"); line < 3 {
				t.Errorf("doc %d path %v: line %d", i, path, line)
			}
		}
	}
	for i, doc := range []string{"a: [\n", "- &x [*x]\n", "items:\n- 1\n- {b: *nope}\n", ": : :\n", "a: |\n"} {
		p := filepath.Join(dir, "d.yaml")
		os.WriteFile(p, []byte(doc), 0o644)
		src := facts.Source{Line: 1, Start: 0, End: int64(len(doc)), Format: facts.FormatYAML, Prefix: []any{"items", 0}}
		if line, _ := Locate(mustOpen(t, p), src, []any{"a"}, ""); line < 1 {
			t.Errorf("yaml doc %d: line %d", i, line)
		}
	}
}

// The API server's lists (kubectl get --raw) are one line: the offset, not
// the line, says which field is cited, and it points at the field's key.
func TestLocateAtCompactJSON(t *testing.T) {
	doc := `{"kind":"ServiceList","items":[` +
		`{"metadata":{"name":"cart"},"spec":{"selector":{"app":"cart"}}},` +
		`{"metadata":{"name":"invoice"},"spec":{"selector":{"app":"invoice","tier":"backend"}}}]}`
	p := filepath.Join(t.TempDir(), "services.json")
	os.WriteFile(p, []byte(doc), 0o644)
	src := facts.Source{Line: 1, Start: 0, End: int64(len(doc)), Format: facts.FormatJSON, Prefix: []any{"items", 1}}
	for _, tc := range []struct {
		path []any
		note string
		want string
	}{
		{[]any{"spec", "selector"}, "selector tier=backend", `"tier":"backend"}`},
		{[]any{"spec", "selector", "app"}, "", `"app":"invoice",`},
		{nil, "", `"name":"invoice"}`},
	} {
		line, off, exact := LocateAt(mustOpen(t, p), src, tc.path, tc.note)
		if line != 1 || !exact || off < 0 || !strings.HasPrefix(doc[off:], tc.want) {
			t.Errorf("LocateAt(%v, %q) = line %d, offset %d (%q), exact %v; want line 1 at %q",
				tc.path, tc.note, line, off, doc[max(off, 0):], exact, tc.want)
		}
	}
	// YAML has no offsets.
	yp := filepath.Join(t.TempDir(), "a.yaml")
	os.WriteFile(yp, []byte(locateYAMLDoc), 0o644)
	ys := facts.Source{Line: 7, Start: 0, End: int64(len(locateYAMLDoc)), Format: facts.FormatYAML, Prefix: []any{"items", 1}}
	if _, off, _ := LocateAt(mustOpen(t, yp), ys, []any{"metadata", "labels", "tier"}, ""); off != -1 {
		t.Errorf("YAML offset %d, want -1", off)
	}
}
