package kube

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers/parsertest"
)

func TestCommandLog(t *testing.T) {
	for _, c := range []struct {
		cmd  string
		want logRef
		ok   bool
	}{
		{"kubectl logs coredns-55f86bf584-7sbtj -n kube-system", logRef{ns: "kube-system", pod: "coredns-55f86bf584-7sbtj"}, true},
		{"kubectl -n shop logs web-1 -c app --previous", logRef{ns: "shop", pod: "web-1", container: "app", previous: true}, true},
		{"kubectl logs -p pod/web-1", logRef{ns: "default", pod: "web-1", previous: true}, true},
		{"kubectl logs deployment/web -n shop", logRef{ns: "shop"}, true}, // kubectl picks a pod it does not name
		{"kubectl logs web-1 sidecar", logRef{ns: "default", pod: "web-1", container: "sidecar"}, true},
		{"kubectl get pods", logRef{}, false},
		{"journalctl -u kubelet", logRef{}, false},
	} {
		got, ok := commandLog(c.cmd)
		if ok != c.ok || got != c.want {
			t.Errorf("commandLog(%q) = %+v, %v; want %+v, %v", c.cmd, got, ok, c.want, c.ok)
		}
	}
}

func TestLogPlaceFromFileName(t *testing.T) {
	for _, c := range []struct {
		inner string
		want  logRef
	}{
		{"coredns-55f86bf584-7sbtj.log", logRef{pod: "coredns-55f86bf584-7sbtj"}},
		{"logs/kube-proxy-gfvf8_kube-proxy.log", logRef{pod: "kube-proxy-gfvf8", container: "kube-proxy"}},
		{"web-6d4cf56db6-9rtq4-previous.log", logRef{pod: "web-6d4cf56db6-9rtq4", previous: true}},
		{"kube-proxy.log", logRef{container: "kube-proxy"}}, // a node-level log: no generated suffix
		{"kubelet.log", logRef{container: "kubelet"}},
		{"install-aaaaa.log", logRef{container: "install-aaaaa"}}, // 'a' is not in the generated alphabet
	} {
		got, ok := logPlace(c.inner)
		if !ok || got != c.want {
			t.Errorf("logPlace(%q) = %+v, %v; want %+v", c.inner, got, ok, c.want)
		}
	}
}

func TestLooksLog(t *testing.T) {
	real, err := os.ReadFile(filepath.Join("testdata", "coredns-2087-loop.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, head string
		want       bool
	}{
		{"real CoreDNS loop log (coredns#2087)", string(real), true},
		{"klog", "I0312 09:14:51.512310       1 server.go:1] a\nW0312 09:14:52.000000       1 server.go:2] b\nE0312 09:14:53.000000       1 server.go:3] c\n", true},
		{"JSON lines", "{\"level\":\"info\",\"msg\":\"a\"}\n{\"level\":\"error\",\"msg\":\"b\"}\n{\"level\":\"info\",\"msg\":\"c\"}\n", true},
		{"prose", "Hello,\nthe cluster is down since 2024-03-11.\nRegards\n", false},
		{"two lines", "2024-03-11T09:14:02Z a\n2024-03-11T09:14:03Z b\n", false},
		{"config", "apiVersion: v1\nkind: Config\nclusters: []\n", false},
	} {
		if got := looksLog([]byte(c.head)); got != c.want {
			t.Errorf("%s: looksLog = %v, want %v", c.name, got, c.want)
		}
	}
}

// Bare `kubectl logs` output in a transcript is that pod's log, and its
// kept lines cite the transcript's lines.
func TestTranscriptLogAttributed(t *testing.T) {
	real, err := os.ReadFile(filepath.Join("testdata", "coredns-2087-loop.txt"))
	if err != nil {
		t.Fatal(err)
	}
	a := parsertest.Write(t, "ticket.txt", "$ kubectl logs coredns-55f86bf584-7sbtj -n kube-system\n"+string(real))
	if !(Log{}).Detect(a) {
		t.Fatalf("not detected: %q", a.Path)
	}
	b := facts.NewBuilder()
	if _, err := (Log{}).Parse(context.Background(), a, b); err != nil {
		t.Fatal(err)
	}
	logs := b.Build().Logs
	if len(logs) != 1 || logs[0].Namespace != "kube-system" || logs[0].Pod != "coredns-55f86bf584-7sbtj" {
		t.Fatalf("logs: %+v", logs)
	}
	var fatal facts.LogLine
	for _, k := range logs[0].Kept {
		if strings.Contains(k.Text, "plugin/loop") {
			fatal = k
		}
	}
	if file, line := a.Cite(fatal.Line); file != "ticket.txt" || line != 8 {
		t.Errorf("plugin/loop line cites %s:%d, want ticket.txt:8", file, line)
	}
}

// A log saved under a name that says nothing is still read, unattributed,
// so rules can search its lines.
func TestUnnamedLogReadUnattributed(t *testing.T) {
	a, err := loader.FromFile(filepath.Join("testdata", "coredns-2087-loop.txt"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if !(Log{}).Detect(a) {
		t.Fatal("not detected")
	}
	b := facts.NewBuilder()
	res, _ := (Log{}).Parse(context.Background(), a, b)
	logs := b.Build().Logs
	if len(logs) != 1 || logs[0].Pod != "" || logs[0].Lines != 7 || !strings.Contains(res.Detail, "not attributed") {
		t.Fatalf("logs %+v detail %q", logs, res.Detail)
	}
}
