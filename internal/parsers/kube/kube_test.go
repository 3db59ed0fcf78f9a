package kube

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
	"github.com/open-policy-agent/opa/v1/ast"
)

// parse writes content to a file named inner and runs the first of our
// parsers that detects it.
func parse(t testing.TB, inner, content string) (*facts.Facts, parsers.Result, error, parsers.Parser) {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, filepath.FromSlash(inner))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := loader.FromFile(p, inner, inner)
	if err != nil {
		t.Fatal(err)
	}
	b := facts.NewBuilder()
	for _, pr := range []parsers.Parser{Stream{}, YAML{}, Log{}} {
		if pr.Detect(a) {
			res, err := pr.Parse(context.Background(), a, b)
			return b.Build(), res, err, pr
		}
	}
	return b.Build(), parsers.Result{}, nil, nil
}

func keys(f *facts.Facts) []string {
	var out []string
	for _, o := range f.Objects {
		out = append(out, o.Key.String())
	}
	sort.Strings(out)
	return out
}

func TestStream(t *testing.T) {
	cases := []struct {
		name, inner, in string
		objects         []string
		logs            int
		warn            string // substring of some warning
		kind            string // Result.Kind override
		errIs           error
	}{
		{
			name: "single object", inner: "svc.json",
			in:      `{"kind":"Service","apiVersion":"v1","metadata":{"name":"web","namespace":"shop"},"spec":{"selector":{"app":"web"}}}`,
			objects: []string{"Service/shop/web"},
		},
		{
			name: "list items take the list's kind", inner: "x.json",
			in:      `{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"a","namespace":"n"}},{"metadata":{"name":"b","namespace":"n"}}]}`,
			objects: []string{"Pod/n/a", "Pod/n/b"},
		},
		{
			// No API server emits these; a hand-made or damaged file can,
			// and one such pod stopped whole rules for the bundle.
			name: "identity fields of the wrong type leave the object out", inner: "x.json",
			in:      `{"kind":"PodList","apiVersion":"v1","items":[{"metadata":{"name":"a","namespace":5}},{"metadata":{"name":"b","namespace":null}},{"metadata":{"name":["c"],"namespace":"n"}},{"metadata":{"name":"d","namespace":"n"}}]}`,
			objects: []string{"Pod/n/d"},
			warn:    "line 1: object left out: metadata.namespace is number, not a string",
		},
		{
			name: "items before kind", inner: "x.json",
			in:      `{"items":[{"metadata":{"name":"a","namespace":"n"}}],"kind":"ServiceList","apiVersion":"v1"}`,
			objects: []string{"Service/n/a"},
		},
		{
			name: "generic List keeps item kinds", inner: "x.json",
			in:      `{"kind":"List","apiVersion":"v1","items":[{"kind":"ResourceQuota","metadata":{"name":"q","namespace":"n"}},{"kind":"LimitRange","metadata":{"name":"l","namespace":"n"}}]}`,
			objects: []string{"LimitRange/n/l", "ResourceQuota/n/q"},
		},
		{
			name: "stdout dump with log blocks and trailer", inner: "dump.txt",
			in: `{"kind":"NodeList","items":[{"metadata":{"name":"vm-5"}}]}
{"kind":"PodList","items":[{"metadata":{"name":"p","namespace":"kube-system"}}]}
==== START logs for container kube-proxy of pod kube-system/p ====
I0101 00:00:00.000000       1 server_others.go:206] Using ipvs Proxier.
{"not": "an object but a log line"}
E0101 00:00:01.000000       1 proxier.go:1500] Failed to execute iptables-restore: exit status 1
==== END logs for container kube-proxy of pod kube-system/p ====
Cluster info dumped to standard output
`,
			objects: []string{"Node/vm-5", "Pod/kube-system/p"},
			logs:    1,
		},
		{
			name: "hand-edited wrapper and trailing garbage (as in a real EKS dump)", inner: "eks.txt",
			in:      "{\n    {\n    \"kind\": \"NodeList\",\n    \"apiVersion\": \"v1\",\n    \"items\": [{\"metadata\": {\"name\": \"ip-1\"}}]\n}, //changed\n{\n    \"kind\": \"PodList\",\n    \"items\": [{\"metadata\": {\"name\": \"p\", \"namespace\": \"default\"}}]\n}\n}\n",
			objects: []string{"Node/ip-1", "Pod/default/p"},
			warn:    "invalid JSON",
		},
		{
			name: "list cut mid-object keeps the complete items", inner: "cut.json",
			in:      `{"kind":"PodList","items":[{"metadata":{"name":"a","namespace":"n"}},{"metadata":{"name":"b","namespace":"n"}},{"metadata":{"name":"c","nam`,
			objects: []string{"Pod/n/a", "Pod/n/b"},
			warn:    "cut off",
		},
		{
			name: "corrupt item in the middle: the rest is recovered", inner: "mid.json",
			in:      "{\n    \"kind\": \"PodList\",\n    \"items\": [\n        {\n            \"metadata\": {\"name\": \"a\", \"namespace\": \"n\"}\n        },\n        {\n            \"metadata\": {\"name\": \"b\" \"namespace\": \"n\"}\n        },\n        {\n            \"metadata\": {\"name\": \"c\", \"namespace\": \"n\"}\n        }\n    ]\n}\n",
			objects: []string{"Pod/n/a", "Pod/n/c"},
			warn:    "invalid JSON",
		},
		{
			name: "internal unversioned form (old kubectl, Items)", inner: "default/services.json",
			in:      `{"selfLink":"/api/v1/namespaces/default/services","Items":[{"name":"web","namespace":"default","labels":{"App":"Web"},"Spec":{"Selector":{"App":"Web"},"Ports":[{"Port":80,"TargetPort":8080}]}}]}`,
			objects: []string{"Service/default/web"},
		},
		{
			name: "bare array of objects", inner: "custom-resources/addons.k3s.cattle.io/kube-system.json",
			in:      `[{"apiVersion":"k3s.cattle.io/v1","kind":"Addon","metadata":{"name":"ccm","namespace":"kube-system"}}]`,
			objects: []string{"Addon/kube-system/ccm"},
		},
		{
			name: "BOM and CRLF", inner: "x.json",
			in:      "\xef\xbb\xbf{\r\n\"kind\": \"Namespace\",\r\n\"metadata\": {\"name\": \"shop\"}\r\n}\r\n",
			objects: []string{"Namespace/shop"},
		},
		{
			name: "logs.txt of the directory form", inner: "kube-system/kube-proxy-abc/logs.txt",
			in:   "==== START logs for container kube-proxy of pod kube-system/kube-proxy-abc ====\nI0101 Using iptables Proxier.\n==== END logs for container kube-proxy of pod kube-system/kube-proxy-abc ====\n",
			logs: 1, kind: "pod-log",
		},
		{
			name: "log block without END", inner: "dump.txt",
			in:   "==== START logs for container c of pod ns/p ====\nline one\nline two\n",
			logs: 1, warn: "no END line", kind: "pod-log",
		},
		{
			name: "JSON without objects is not ours", inner: "resources.json",
			in:    `[{"groupVersion":"v1","resources":[{"name":"pods","kind":"Pod"}]}]`,
			errIs: parsers.ErrNotApplicable,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, res, err, p := parse(t, tc.inner, tc.in)
			if p == nil {
				t.Fatal("no parser detected the content")
			}
			if tc.errIs != nil {
				if !errors.Is(err, tc.errIs) {
					t.Fatalf("err %v, want %v", err, tc.errIs)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := strings.Join(keys(f), ","); got != strings.Join(tc.objects, ",") {
				t.Errorf("objects %s, want %s", got, strings.Join(tc.objects, ","))
			}
			if len(f.Logs) != tc.logs {
				t.Errorf("%d logs, want %d", len(f.Logs), tc.logs)
			}
			if tc.warn != "" && !strings.Contains(strings.Join(res.Warnings, "\n"), tc.warn) {
				t.Errorf("warnings %q lack %q", res.Warnings, tc.warn)
			}
			if tc.warn == "" && len(res.Warnings) > 0 {
				t.Errorf("unexpected warnings %q", res.Warnings)
			}
			if res.Kind != tc.kind {
				t.Errorf("result kind %q, want %q", res.Kind, tc.kind)
			}
		})
	}
}

func TestStreamDetails(t *testing.T) {
	t.Run("internal form is mapped to v1 field names", func(t *testing.T) {
		f, _, _, _ := parse(t, "default/services.json",
			`{"Items":[{"name":"web","namespace":"default","labels":{"App":"Web"},"Spec":{"Selector":{"App":"Web"},"ClusterIP":"10.96.0.10","Ports":[{"Port":80,"TargetPort":8080}]}}]}`)
		o, ok := f.Lookup(facts.ObjectKey{Kind: "Service", Namespace: "default", Name: "web"})
		if !ok {
			t.Fatal("service missing")
		}
		spec := o.Map()["spec"].(map[string]any)
		if spec["clusterIP"] != "10.96.0.10" {
			t.Errorf("clusterIP: %v", spec)
		}
		// label keys and values are data: never re-cased
		if sel := spec["selector"].(map[string]any); sel["App"] != "Web" {
			t.Errorf("selector re-cased: %v", sel)
		}
		if p := spec["ports"].([]any)[0].(map[string]any); p["targetPort"] == nil {
			t.Errorf("ports: %v", p)
		}
	})
	t.Run("managedFields and last-applied copies are dropped, secrets redacted", func(t *testing.T) {
		f, _, _, _ := parse(t, "x.json", `{"kind":"List","items":[
			{"kind":"Pod","metadata":{"name":"p","namespace":"n","managedFields":[{"manager":"x"}],"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{...}","keep":"me"}}},
			{"kind":"Secret","metadata":{"name":"s","namespace":"n"},"data":{"password":"aHVudGVyMg=="}}]}`)
		p, _ := f.Lookup(facts.ObjectKey{Kind: "Pod", Namespace: "n", Name: "p"})
		md := p.Map()["metadata"].(map[string]any)
		if _, ok := md["managedFields"]; ok {
			t.Error("managedFields kept")
		}
		if ann := md["annotations"].(map[string]any); len(ann) != 1 || ann["keep"] != "me" {
			t.Errorf("annotations %v", ann)
		}
		s, _ := f.Lookup(facts.ObjectKey{Kind: "Secret", Namespace: "n", Name: "s"})
		if s.Map()["data"].(map[string]any)["password"] != "<redacted>" {
			t.Error("secret value kept")
		}
	})
	t.Run("line of each list item", func(t *testing.T) {
		f, _, _, _ := parse(t, "x.json", "{\n  \"kind\": \"PodList\",\n  \"items\": [\n    {\n      \"metadata\": {\"name\": \"a\", \"namespace\": \"n\"}\n    },\n    {\n      \"metadata\": {\"name\": \"b\", \"namespace\": \"n\"}\n    }\n  ]\n}\n")
		b, _ := f.Lookup(facts.ObjectKey{Kind: "Pod", Namespace: "n", Name: "b"})
		if b.Sources[0].Line != 7 {
			t.Errorf("line %d, want 7", b.Sources[0].Line)
		}
	})
	t.Run("empty list in a stdout dump marks the namespace collected", func(t *testing.T) {
		f, _, _, _ := parse(t, "dump.txt", `{"kind":"ServiceList","items":[{"metadata":{"name":"s","namespace":"quota-demo"}}]}
{"kind":"PodList","items":[]}`)
		if !f.Listed["pods"]["quota-demo"] {
			t.Errorf("listed %v", f.Listed)
		}
	})
	t.Run("an empty list of a cluster-scoped kind belongs to no namespace", func(t *testing.T) {
		f, _, _, _ := parse(t, "cluster-info/nodes.json", `{"kind":"NodeList","items":[]}`)
		if len(f.Listed["nodes"]) != 0 || !f.Collected["kubernetes.nodes"] {
			t.Errorf("listed %v, collected %v", f.Listed, f.Collected)
		}
		f, _, _, _ = parse(t, "cluster-info/shop/pods.json", `{"kind":"PodList","items":[]}`)
		if !f.Listed["pods"]["shop"] {
			t.Errorf("listed %v", f.Listed)
		}
	})
	t.Run("duplicates keep the newer resourceVersion and both sources", func(t *testing.T) {
		f, _, _, _ := parse(t, "x.json", `{"kind":"List","items":[
			{"kind":"Pod","metadata":{"name":"p","namespace":"n","resourceVersion":"9","labels":{"v":"new"}}},
			{"kind":"Pod","metadata":{"name":"p","namespace":"n","resourceVersion":"5","labels":{"v":"old"}}}]}`)
		p, _ := f.Lookup(facts.ObjectKey{Kind: "Pod", Namespace: "n", Name: "p"})
		if p.Map()["metadata"].(map[string]any)["labels"].(map[string]any)["v"] != "new" || len(p.Sources) != 2 {
			t.Errorf("kept %v with %d sources", p.Map()["metadata"], len(p.Sources))
		}
	})
	t.Run("log lines kept: head, notable and tail", func(t *testing.T) {
		var sb strings.Builder
		sb.WriteString("==== START logs for container kube-proxy of pod kube-system/kp ====\n")
		for i := 0; i < 500; i++ {
			sb.WriteString("I0101 routine line\n")
		}
		sb.WriteString("E0101 12:00:00.000000 1 proxier.go:1500] Failed to execute iptables-restore: exit status 1 (iptables-restore: line 7 failed)\n")
		sb.WriteString("==== END logs for container kube-proxy of pod kube-system/kp ====\n")
		f, _, _, _ := parse(t, "dump.txt", sb.String())
		l := f.Logs[0]
		// head, then the last keepTail lines (the notable one among them)
		if l.Lines != 501 || len(l.Kept) != keepHead+keepTail {
			t.Fatalf("lines %d kept %d", l.Lines, len(l.Kept))
		}
		if l.Kept[keepHead].Line != 502-keepTail+1 {
			t.Errorf("tail starts at %d", l.Kept[keepHead].Line)
		}
		last := l.Kept[len(l.Kept)-1]
		if last.Line != 502 || !strings.Contains(last.Text, "iptables-restore") {
			t.Errorf("last kept %+v", last)
		}
	})
}

func TestYAML(t *testing.T) {
	cases := []struct {
		name, in string
		objects  []string
		warn     string
		err      string
	}{
		{
			name: "multi-document with comments and an empty document",
			// (an unquoted "n" would be YAML 1.1's false, as kubectl reads it too)
			in:      "# collected 2024-03-11\n---\napiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: q\n  namespace: shop\nspec:\n  hard:\n    limits.cpu: \"1\"\n---\n---\napiVersion: v1\nkind: LimitRange\nmetadata:\n  name: l\n  namespace: shop\n...\n",
			objects: []string{"LimitRange/shop/l", "ResourceQuota/shop/q"},
		},
		{
			name:    "kubectl get -o yaml List",
			in:      "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Endpoints\n  metadata:\n    name: web\n    namespace: shop\n- apiVersion: v1\n  kind: Endpoints\n  metadata:\n    name: api\n    namespace: shop\nkind: List\nmetadata:\n  resourceVersion: \"\"\n",
			objects: []string{"Endpoints/shop/api", "Endpoints/shop/web"},
		},
		{
			name:    "a kind that is not a string leaves the object out",
			in:      "apiVersion: v1\nkind: 7\nmetadata:\n  name: q\n  namespace: shop\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: true\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n  namespace: shop\n",
			objects: []string{"ConfigMap/shop/ok"},
			warn:    "object left out: metadata.namespace is boolean, not a string",
		},
		{
			name:    "bare sequence",
			in:      "- apiVersion: k3s.cattle.io/v1\n  kind: Addon\n  metadata:\n    name: ccm\n    namespace: kube-system\n",
			objects: []string{"Addon/kube-system/ccm"},
		},
		{
			name:    "a broken document does not lose the others",
			in:      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\n  namespace: shop\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n data: [unclosed\n",
			objects: []string{"ConfigMap/shop/good"},
			// the YAML library names the line of the mapping the bad key breaks
			warn: "line 10: invalid YAML",
		},
		{
			name: "alias explosion is refused, not expanded",
			in: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n" +
				"  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n",
			err: "aliasing",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, res, err, p := parse(t, "objects.yaml", tc.in)
			if _, ok := p.(YAML); !ok {
				t.Fatalf("detected by %T", p)
			}
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(keys(f), ","); got != strings.Join(tc.objects, ",") {
				t.Errorf("objects %s, want %s", got, strings.Join(tc.objects, ","))
			}
			if tc.warn != "" && !strings.Contains(strings.Join(res.Warnings, "\n"), tc.warn) {
				t.Errorf("warnings %q lack %q", res.Warnings, tc.warn)
			}
		})
	}
}

func TestLogLayouts(t *testing.T) {
	for _, tc := range []struct{ inner, ns, pod, container string }{
		{"support-bundle/cluster-resources/pods/logs/kube-system/kube-proxy-x/kube-proxy-previous.log", "kube-system", "kube-proxy-x", "kube-proxy"},
		{"must-gather/namespaces/openshift-sdn/pods/sdn-abc/sdn/sdn/logs/current.log", "openshift-sdn", "sdn-abc", "sdn"},
		{"nodes/vm-5/kube-proxy.log", "", "", "kube-proxy"},
	} {
		f, _, err, p := parse(t, tc.inner, "I0101 00:00:00 started\n")
		if _, ok := p.(Log); !ok || err != nil {
			t.Fatalf("%s: parser %T err %v", tc.inner, p, err)
		}
		l := f.Logs[0]
		if l.Namespace != tc.ns || l.Pod != tc.pod || l.Container != tc.container {
			t.Errorf("%s: got %s/%s/%s", tc.inner, l.Namespace, l.Pod, l.Container)
		}
	}
}

// Every cluster dump and bundle under testdata/realworld loads without a
// failed file, and a few values per dump are checked.
func TestRealWorldDumps(t *testing.T) {
	root := filepath.Join("..", "..", "..", "testdata", "realworld", "cluster-info-dump")
	want := map[string]struct{ nodes, pods int }{
		"kind-v1.24.6-kindnet-clineberry.txt":                 {1, 8},
		"eks-stdout-ahmadshaaban1-cloud-native-ecommerce.txt": {2, 6},
		"docker-desktop-v1.14.7-ciprian-multi-k8s.txt":        {1, 0},
		"kubeadm-v1.20.5-notready-no-cni-3c97-cka.txt":        {3, 0},
		"kubeadm-v1.21.0-calico-3c97-cka.txt":                 {3, 0},
	}
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			a, err := loader.FromFile(filepath.Join(root, name), name, name)
			if err != nil {
				t.Fatal(err)
			}
			b := facts.NewBuilder()
			if !(Stream{}).Detect(a) {
				t.Fatal("not detected")
			}
			if _, err := (Stream{}).Parse(context.Background(), a, b); err != nil {
				t.Fatal(err)
			}
			f := b.Build()
			nodes, pods := 0, 0
			for _, o := range f.Objects {
				switch o.Key.Kind {
				case "Node":
					nodes++
				case "Pod":
					pods++
				}
			}
			if nodes != w.nodes || (w.pods > 0 && pods != w.pods) || pods == 0 {
				t.Errorf("nodes %d pods %d, want %d nodes and %d pods", nodes, pods, w.nodes, w.pods)
			}
			if len(f.Logs) == 0 {
				t.Error("no log blocks")
			}
		})
	}
}

// addSeeds adds the heads of real and fixture files matching the globs
// (relative to this package): small seeds mutate faster.
func addSeeds(f *testing.F, globs ...string) {
	for _, g := range globs {
		files, _ := filepath.Glob(g)
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			if len(b) > 4096 {
				b = b[:4096]
			}
			f.Add(b)
		}
	}
}

// streamAt runs the stream parser on data as a file at inner.
func streamAt(t *testing.T, data []byte, inner string) *facts.Facts {
	p := filepath.Join(t.TempDir(), "in.json")
	os.WriteFile(p, data, 0o644)
	a, err := loader.FromFile(p, "in.json", inner)
	if err != nil {
		t.Fatal(err)
	}
	b := facts.NewBuilder()
	Stream{}.Parse(context.Background(), a, b)
	return b.Build()
}

func FuzzStream(f *testing.F) {
	addSeeds(f, "../../../testdata/realworld/cluster-info-dump/*.txt", "../../../testdata/dumps/*/bundle/*.txt",
		"../../../testdata/dumps/*/bundle/cluster-info/*/*.json", "../../../../shared/realworld/cluster-info-dump/*.txt")
	for _, s := range []string{
		`{"kind":"PodList","items":[{"metadata":{"name":"a","namespace":"n"}}]}`,
		"{\n{\n\"kind\":\"NodeList\",\"items\":[]}, //x\n==== START logs for container c of pod n/p ====\nx\n",
		`[{"kind":"Addon","metadata":{"name":"x"}}]`,
		`{"Items":[{"name":"w","Spec":{"Ports":[{"Port":1}]}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, o := range streamAt(t, data, "ns/pods.json").Objects {
			if o.Key.Kind == "" || o.Key.Name == "" || o.Sources[0].Line < 1 {
				t.Fatalf("object without kind, name or line: %+v", o.Key)
			}
		}
	})
}

func FuzzYAML(f *testing.F) {
	addSeeds(f, "../../../testdata/dumps/*/bundle/*.yaml", "../../../testdata/dumps/*/bundle/*/*.yaml")
	f.Add([]byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n---\n- kind: X\n  metadata:\n    name: b\n"))
	f.Add([]byte("apiVersion: v1\nitems:\n- kind: Service\n  metadata:\n    name: a\nkind: List\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "in.yaml")
		os.WriteFile(p, data, 0o644)
		a, err := loader.FromFile(p, "in.yaml", "in.yaml")
		if err != nil {
			t.Fatal(err)
		}
		b := facts.NewBuilder()
		YAML{}.Parse(context.Background(), a, b)
		f := b.Build()
		for _, o := range f.Objects {
			if o.Key.Kind == "" || o.Key.Name == "" {
				t.Fatalf("object without kind or name: %+v", o.Key)
			}
			Locate(mustOpen(t, p), o.Sources[0], []any{"metadata", "name"}, "")
		}
	})
}

func mustOpen(t *testing.T, p string) *os.File {
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestLowerFirst(t *testing.T) {
	for in, want := range map[string]string{
		"Spec": "spec", "ClusterIP": "clusterIP", "PodIP": "podIP", "TargetPort": "targetPort",
		"HTTPGet": "httpGet", "TCPSocket": "tcpSocket", "TTY": "tty", "IP": "ip", "SELinuxOptions": "seLinuxOptions",
		"FSGroup": "fsGroup", "UID": "uid", "DNSPolicy": "dnsPolicy", "PodIPs": "podIPs", "OSImage": "osImage",
		"ContainerID": "containerID", "name": "name", "": "", "X": "x",
	} {
		if got := lowerFirst(in); got != want {
			t.Errorf("lowerFirst(%q) = %q, want %q", in, got, want)
		}
	}
}

// The real minikube --output-directory dump (kubectl of early 2019) holds
// internal, unversioned objects: "Items", ObjectMeta fields at the top,
// Go-cased keys. It must be read as v1 objects, not as 0 objects.
func TestRealWorldInternalFormDump(t *testing.T) {
	root := filepath.Join("..", "..", "..", "testdata", "realworld", "cluster-info-dump", "minikube-output-directory-erwee402-multi-k8s")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("%s: %v", root, err)
	}
	b := facts.NewBuilder()
	for _, inner := range []string{"nodes.json", "kube-system/pods.json", "kube-system/services.json", "kube-system/deployments.json"} {
		a, err := loader.FromFile(filepath.Join(root, filepath.FromSlash(inner)), inner, inner)
		if err != nil {
			t.Fatal(err)
		}
		if !(Stream{}).Detect(a) {
			t.Fatalf("%s not detected", inner)
		}
		if _, err := (Stream{}).Parse(context.Background(), a, b); err != nil {
			t.Fatalf("%s: %v", inner, err)
		}
	}
	f := b.Build()
	count := map[string]int{}
	var dns, coredns map[string]any
	for _, o := range f.Objects {
		count[o.Key.Kind]++
		switch o.Key.String() {
		case "Service/kube-system/kube-dns":
			dns = o.Map()
		case "Pod/kube-system/coredns-86c58d9df4-mnjkg":
			coredns = o.Map()
		}
	}
	if count["Node"] != 1 || count["Pod"] != 11 || count["Service"] != 2 || count["Deployment"] != 3 {
		t.Fatalf("objects by kind %v, want 1 Node, 11 Pods, 2 Services, 3 Deployments", count)
	}
	if dns == nil || coredns == nil {
		t.Fatal("kube-dns Service or coredns pod missing")
	}
	sel, _ := dns["spec"].(map[string]any)["selector"].(map[string]any)
	if sel["k8s-app"] != "kube-dns" {
		t.Errorf("kube-dns selector %v", sel)
	}
	md := coredns["metadata"].(map[string]any)
	if md["labels"].(map[string]any)["k8s-app"] != "kube-dns" || md["namespace"] != "kube-system" {
		t.Errorf("coredns metadata %v", md)
	}
	ready := false
	for _, c := range coredns["status"].(map[string]any)["conditions"].([]any) {
		c := c.(map[string]any)
		ready = ready || (c["type"] == "Ready" && c["status"] == "True")
	}
	if !ready {
		t.Error("coredns pod: no Ready=True condition")
	}
	probe := coredns["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)["livenessProbe"].(map[string]any)
	if _, ok := probe["httpGet"]; !ok {
		t.Errorf("livenessProbe keys %v, want httpGet", probe)
	}
}

// Resolution failures as Go's resolver and getaddrinfo print them carry no
// "error" word; the dns and network-policy rules list the pods that log
// them, so they must survive past the head of a long log.
func TestResolutionFailuresAreKept(t *testing.T) {
	lc := newLogCollector()
	for i := 0; i < keepHead; i++ {
		lc.add(i+1, "GET /healthz 200")
	}
	for _, l := range []string{
		"dial tcp: lookup payments.orders.svc.cluster.local on 10.96.0.10:53: server misbehaving",
		"dial tcp: lookup payments on 10.96.0.10:53: no such host",
		"getaddrinfo EAI_AGAIN payments",
		"curl: (6) Could not resolve host: payments; Temporary failure in name resolution",
	} {
		lc.add(lc.total+1, l)
	}
	if got := len(lc.log().Kept); got != keepHead+4 {
		t.Errorf("kept %d lines, want %d: %+v", got, keepHead+4, lc.log().Kept[keepHead:])
	}
}

// FuzzStreamMatchesEncodingJSON holds the List reader (framer + jsonast)
// to what encoding/json and Normalize make of the same valid List: the
// same objects, field for field.
func FuzzStreamMatchesEncodingJSON(f *testing.F) {
	addSeeds(f, "../../../testdata/dumps/*/bundle/cluster-info/*/*.json")
	for _, s := range []string{
		`{"kind":"PodList","items":[{"metadata":{"name":"a","namespace":"n","managedFields":[{"x":1}]}}]}`,
		`{"items":[{"kind":"Secret","metadata":{"name":"s","namespace":"n"},"data":{"k":"dg=="}}],"kind":"List"}`,
		`{"kind":"ConfigMapList","items":[{"metadata":{"name":"c","namespace":"n","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}","a":"b"}},"data":{"k":"v\u00e9"}}, 5, "x", {}]}`,
		`{"kind":"LimitRangeList","items":[{"metadata":{"name":"l","namespace":"n"},"spec":{"limits":[{"default":{"cpu":"2","memory":"2Gi"},"max":["3"]}],"hard":{"cpu":"1"}}}]}`,
		`{"Items":[{"name":"p","Spec":{"Containers":[{"Resources":{"Limits":{"cpu":"250m"}}}]}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var top map[string]json.RawMessage
		var items []json.RawMessage
		var listKind, apiVersion string
		if !json.Valid(data) || json.Unmarshal(data, &top) != nil || json.Unmarshal(top["items"], &items) != nil ||
			len(items) == 0 || bytes.Count(data, []byte(`"items"`)) > 1 || bytes.Contains(data, []byte(`"Items"`)) {
			return
		}
		json.Unmarshal(top["kind"], &listKind)
		json.Unmarshal(top["apiVersion"], &apiVersion)
		// The item kind as the parser derives it (itemKind), for a file at
		// ns/pods.json: the List's kind, or the layout's when it names none.
		itemKind := ""
		switch {
		case strings.HasSuffix(listKind, "List") && listKind != "List":
			itemKind = strings.TrimSuffix(listKind, "List")
		case listKind == "":
			itemKind = "Pod"
		}
		want := map[facts.ObjectKey]ast.Value{}
		dup := map[facts.ObjectKey]bool{}
		wantQ := map[string]bool{}
		for _, raw := range items {
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			var m map[string]any
			if dec.Decode(&m) != nil || len(m) == 0 {
				continue
			}
			obj, ok := Normalize(m, itemKind, apiVersion, itemKind)
			if !ok {
				continue
			}
			v, err := ast.InterfaceToValue(obj)
			if err != nil {
				return // beyond OPA's numbers: left out, with a warning
			}
			if _, err := ast.InterfaceToValue(m); err != nil {
				return
			}
			if facts.NewBuilder().AddValue(v.(ast.Object), facts.Source{}) != nil {
				continue // typed as no API server writes it: left out, with a warning
			}
			facts.CollectQuantities(obj, wantQ)
			k := facts.KeyOf(obj)
			if _, seen := want[k]; seen {
				dup[k] = true
			}
			want[k] = v
		}
		read := streamAt(t, data, "ns/pods.json")
		got := read.Objects
		// The quantities table: the same strings, gathered while reading.
		gotQ, _ := read.Document(facts.BundleInfo{})["quantities"].(map[string]any)
		for q := range wantQ {
			if _, ok := facts.MilliValue(q); ok && gotQ[q] == nil {
				t.Fatalf("quantity %q not gathered", q)
			}
		}
		for q := range gotQ {
			if !wantQ[q] {
				t.Fatalf("quantity %q gathered, not where quantities stand", q)
			}
		}
		for _, o := range got {
			w, ok := want[o.Key]
			if o.Key.Kind == "" || o.Key.Name == "" {
				continue
			}
			if !ok {
				t.Fatalf("object %v read, not in the List", o.Key)
			}
			if !dup[o.Key] && ast.Compare(o.Value, w) != 0 {
				t.Fatalf("object %v:\n got %v\nwant %v", o.Key, o.Value, w)
			}
			src := o.Sources[0]
			if want := 1 + bytes.Count(data[:src.Start], []byte("\n")); src.Line != want {
				t.Fatalf("object %v placed on line %d, starts on line %d", o.Key, src.Line, want)
			}
		}
		n := 0
		for k := range want {
			if k.Kind != "" && k.Name != "" {
				n++
			}
		}
		if len(got) != n {
			t.Fatalf("%d objects read, the List holds %d", len(got), n)
		}
	})
}

// Quantity strings are gathered while a List is read; an item in the old
// internal form has its keys capitalised until Normalize renames them, and
// its quantities must still be found.
func TestQuantitiesGatheredWhileReading(t *testing.T) {
	for name, in := range map[string]string{
		"v1":       `{"kind":"PodList","items":[{"metadata":{"name":"p","namespace":"n"},"spec":{"containers":[{"resources":{"limits":{"cpu":"250m"},"requests":{"memory":"64Mi"}},"ports":[{"name":"not-a-quantity"}]}]}}]}`,
		"internal": `{"Items":[{"name":"p","namespace":"n","Spec":{"Containers":[{"Resources":{"Limits":{"cpu":"250m"},"Requests":{"memory":"64Mi"}},"Ports":[{"Name":"not-a-quantity"}]}]}}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			q, _ := streamAt(t, []byte(in), "n/pods.json").Document(facts.BundleInfo{})["quantities"].(map[string]any)
			if q["250m"] != json.Number("250") || q["64Mi"] != json.Number("67108864000") || len(q) != 2 {
				t.Errorf("quantities %v", q)
			}
		})
	}
}

// A List larger than the framer's read window (64 KiB) and items larger
// than it: every item still starts on its own line, and reads whole.
func TestLargeListAcrossReadWindows(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("{\n  \"kind\": \"ConfigMapList\",\n  \"items\": [\n")
	starts := map[string]int{}
	line := 4
	for i := 0; i < 60; i++ {
		if i > 0 {
			sb.WriteString(",\n")
			line++
		}
		name := fmt.Sprintf("cm-%03d", i)
		starts[name] = line
		big := strings.Repeat("x", (i%7)*30000) // some items span windows
		fmt.Fprintf(&sb, "    {\n      \"metadata\": {\"name\": %q, \"namespace\": \"n\"},\n      \"data\": {\"k\": %q}\n    }", name, big)
		line += 3
	}
	sb.WriteString("\n  ]\n}\n")
	f := streamAt(t, []byte(sb.String()), "n/configmaps.json")
	if len(f.Objects) != 60 {
		t.Fatalf("%d objects read, want 60", len(f.Objects))
	}
	for _, o := range f.Objects {
		if got, want := o.Sources[0].Line, starts[o.Key.Name]; got != want {
			t.Errorf("%s on line %d, want %d", o.Key.Name, got, want)
		}
		var n int
		fmt.Sscanf(o.Key.Name, "cm-%d", &n)
		if v, _ := o.Map()["data"].(map[string]any)["k"].(string); len(v) != (n%7)*30000 {
			t.Errorf("%s: data read %d bytes long", o.Key.Name, len(v))
		}
	}
}
