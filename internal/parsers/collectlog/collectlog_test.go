package collectlog

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
)

func artifact(t testing.TB, inner, content string) *loader.Artifact {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := loader.FromFile(p, inner, inner)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

const nodeLog = `2026-11-23T10:00:00Z node side on vm-5 (kubectl-debug mode), ktriage-collect 1
2026-11-23T10:00:00Z host name vm-5, kernel 5.15.0-91-generic
2026-11-23T10:00:01Z ip-d-addr.txt: ip -d addr, 4242 bytes
2026-11-23T10:00:01Z ss-lnt.txt: ss not found on the node
2026-11-23T10:00:02Z iptables-nft-save.txt: iptables-nft-save: exit 1, no output
    iptables-nft-save: iptables-nft-save failed: Permission denied
2026-11-23T10:00:03Z ipvsadm-Ln.txt: IPVS not loaded (no /proc/net/ip_vs), ipvsadm not run
2026-11-23T10:00:04Z done
`

func TestParse(t *testing.T) {
	cases := []struct {
		name, inner, content string
		detect               bool
		node                 string
		problems             int
		detail               []string
	}{
		{"node log with problems", "bundle/nodes/vm-5/ktriage-collect.log", nodeLog, true, "vm-5", 2,
			[]string{"the collector on node vm-5", "2 problems", "line 4: ss-lnt.txt: ss not found on the node", "line 5: iptables-nft-save.txt"}},
		{"top log, clean", "ktriage-collect.log", "2026-11-23T10:00:00Z ktriage-collect 1: ktriage-bundle-prod-20261123T100000Z\n2026-11-23T10:00:09Z cluster-info: done\n", true, "", 0,
			[]string{"log of the collector, 2 lines, no problem noted"}},
		{"node failed in the top log", "ktriage-collect.log", "x ktriage-collect 1: b\n2026-11-23T10:00:00Z node vm-8: FAILED (see nodes/vm-8/ktriage-collect.log)\n2026-11-23T10:00:00Z debug pod node-debugger-vm-8-x: delete failed; remove it\n", true, "", 2,
			[]string{"node vm-8: FAILED"}},
		{"failed node: only the local side", "nodes/vm-8/ktriage-collect.log", "2026-11-23T10:00:00Z local side of node vm-8, ktriage-collect 1\n2026-11-23T10:00:30Z kubectl debug node/vm-8: stopped at the time limit (30 s)\n2026-11-23T10:00:30Z no data came back from the node\n", true, "vm-8", 2,
			[]string{"on node vm-8", "line 2: kubectl debug node/vm-8: stopped at the time limit"}},
		{"same name, other content", "ktriage-collect.log", "I1123 kubelet started\n", false, "", 0, nil},
		{"other name", "nodes/vm-5/collect.log", nodeLog, false, "", 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := artifact(t, c.inner, c.content)
			if got := (Log{}).Detect(a); got != c.detect {
				t.Fatalf("Detect = %v, want %v", got, c.detect)
			}
			if !c.detect {
				return
			}
			res, err := Log{}.Parse(context.Background(), a, facts.NewBuilder())
			if err != nil {
				t.Fatal(err)
			}
			if res.Node != c.node || res.Summary["problems"] != c.problems {
				t.Errorf("node %q problems %v, want %q %d", res.Node, res.Summary["problems"], c.node, c.problems)
			}
			for _, want := range c.detail {
				if !strings.Contains(res.Detail, want) {
					t.Errorf("detail %q lacks %q", res.Detail, want)
				}
			}
		})
	}
}

func TestManyProblemsAreCounted(t *testing.T) {
	var b strings.Builder
	b.WriteString("2026-11-23T10:00:00Z node side on n1 (ssh mode), ktriage-collect 1\n")
	for i := 0; i < 10; i++ {
		b.WriteString("2026-11-23T10:00:00Z x.txt: x: exit 2, no output\n")
	}
	res, err := Log{}.Parse(context.Background(), artifact(t, "ktriage-collect.log", b.String()), facts.NewBuilder())
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary["problems"] != 10 || !strings.HasSuffix(res.Detail, "; and 7 more") {
		t.Errorf("%v %q", res.Summary, res.Detail)
	}
}

func FuzzLog(f *testing.F) {
	f.Add([]byte(nodeLog))
	f.Add([]byte("ktriage-collect\x00\xff\r\n   FAILED\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a := artifact(t, "ktriage-collect.log", string(data))
		res, err := Log{}.Parse(context.Background(), a, facts.NewBuilder())
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.Summary["problems"].(int); n < 0 || len(res.Detail) > 4*1024 {
			t.Fatalf("%v, detail of %d bytes", res.Summary, len(res.Detail))
		}
	})
}

// The collector quotes kubectl's stderr under the failed step; kubectl's
// words for an unreachable API server are StandardErrorMessage's in
// k8s.io/kubectl/pkg/cmd/util/helpers.go.
func TestAPIUnreachable(t *testing.T) {
	for _, c := range []struct{ name, line, want string }{
		{"refused", "    stderr: The connection to the server 10.0.0.1:6443 was refused - did you specify the right host or port?",
			"ktriage-collect.log:3: The connection to the server 10.0.0.1:6443 was refused - did you specify the right host or port?"},
		{"timeout", "    stderr: Unable to connect to the server: dial tcp 10.0.0.1:6443: i/o timeout",
			"ktriage-collect.log:3: Unable to connect to the server: dial tcp 10.0.0.1:6443: i/o timeout"},
		{"reachable", "    stderr: Error from server (Forbidden): nodes is forbidden", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			log := "2026-11-23T10:00:00Z ktriage-collect 1: b\n2026-11-23T10:00:30Z cluster-info: kubectl cluster-info dump failed\n" + c.line + "\n"
			res, err := (Log{}).Parse(context.Background(), artifact(t, "ktriage-collect.log", log), facts.NewBuilder())
			if err != nil {
				t.Fatal(err)
			}
			got, _ := res.Summary["api_unreachable"].(string)
			if got != c.want {
				t.Errorf("api_unreachable = %q, want %q", got, c.want)
			}
		})
	}
}
