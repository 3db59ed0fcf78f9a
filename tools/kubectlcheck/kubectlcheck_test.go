package kubectlcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// hostTools may run on a node's host (after "chroot /host", or plain when
// the report knows no node) or on kubectl's output (grep).
var hostTools = map[string]bool{
	"grep": true, "sysctl": true, "lsmod": true, "ip": true, "ss": true, "nstat": true,
	"ping": true, "ipvsadm": true, "iptables-save": true, "iptables-legacy-save": true,
	"iptables-nft-save": true, "sh": true,
}

// TestGoldenConfirmCommands checks every command of every sh block of
// every golden report: kubectl commands against kubectl's command tree,
// node commands for the debug-pod form, everything else against the list
// of host tools.
func TestGoldenConfirmCommands(t *testing.T) {
	goldens, err := filepath.Glob(filepath.Join("..", "..", "testdata", "dumps", "*", "report.md.golden"))
	if err != nil || len(goldens) == 0 {
		t.Fatalf("no golden reports (%v)", err)
	}
	checked := 0
	for _, g := range goldens {
		md, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		for i, block := range shBlocks(string(md)) {
			cmds, err := Commands(block)
			if err != nil {
				t.Errorf("%s, block %d: %v in\n%s", g, i+1, err, block)
				continue
			}
			for _, words := range cmds {
				if err := checkCommand(words); err != nil {
					t.Errorf("%s, block %d: %v\n  %q", g, i+1, err, words)
				}
				if words[0] == "kubectl" {
					checked++
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no kubectl command in any golden report")
	}
	t.Logf("%d kubectl commands checked in %d reports", checked, len(goldens))
}

func checkCommand(words []string) error {
	if words[0] != "kubectl" {
		if !hostTools[words[0]] {
			return fmt.Errorf("%q is neither kubectl nor a host tool the report may name", words[0])
		}
		return nil
	}
	if err := Check(words[1:]); err != nil {
		return err
	}
	// Node commands: kubectl debug node/NAME … -- chroot /host TOOL …
	if len(words) > 2 && words[1] == "debug" && strings.HasPrefix(words[2], "node/") {
		dash := -1
		for i, w := range words {
			if w == "--" {
				dash = i
				break
			}
		}
		if dash < 0 || len(words) < dash+4 || words[dash+1] != "chroot" || words[dash+2] != "/host" || !hostTools[words[dash+3]] {
			return fmt.Errorf("a node command must run -- chroot /host TOOL")
		}
	}
	return nil
}

// Commands kubectl refuses, each for the reason named: the check must
// catch every one.
func TestKnownBad(t *testing.T) {
	for _, c := range []struct{ cmd, want string }{
		{"kubectl -n kube-system logs --selector k8s-app=kube-proxy --field-selector spec.nodeName=vm-8", "unknown flag: --field-selector"},
		{"kubectl gett pods", "unknown command"},
		{"kubectl rollout histroy deployment/api", "unknown command"},
		{"kubectl rollout", "unknown command"},
		{"kubectl", "no kubectl subcommand"},
		{"kubectl get pods -Z", "unknown shorthand flag: 'Z'"},
		{"kubectl -n", "flag needs an argument"},
		{"kubectl get pods -n", "flag needs an argument"},
		{"kubectl get --show-labels=maybe pods", "invalid argument"},
		{"kubectl get", "error: arguments"},
		{"kubectl describe", "error: arguments"},
		{"kubectl get nodes --raw /api/v1/nodes/vm-1/proxy/configz", "error: arguments"},
		{"kubectl get --raw /api/v1/nodes/vm-1/proxy/configz -o json", "error: arguments"},
		{"kubectl get --raw api/v1/nodes", "error: arguments"},
		{"kubectl -n shop rollout history", "error: arguments"},
		{"kubectl logs", "error: arguments"},
		{"kubectl logs kube-proxy-x7k2p kube-proxy extra", "error: arguments"},
		{"kubectl logs -l app=x kube-proxy-x7k2p", "error: arguments"},
		{"kubectl exec api -- ", "error: arguments"},
		{"kubectl exec api cat /proc/net/netstat", "error: arguments"},
		{"kubectl exec api web -- cat /proc/net/netstat", "error: arguments"},
		{"kubectl debug node/vm-1 -it -- chroot /host sysctl -a", "error: arguments"},
		{"kubectl debug -it --image=busybox", "error: arguments"},
		{"kubectl get pods -o wid", "unknown output format"},
		{"kubectl debug node/vm-1 -it --image busybox --profile=sysadmin --node vm-1 -- chroot /host ls", "unknown flag: --node"},
		{"kubectl top pods --containers --sort-by cpu --frobnicate", "unknown flag"},
	} {
		words, err := Commands(c.cmd)
		if err != nil {
			t.Fatal(err)
		}
		var args []string
		if len(words) > 0 {
			args = words[0][1:]
		}
		err = Check(args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error with %q", c.cmd, err, c.want)
		}
	}
}

// Commands kubectl takes, in the shapes the rules write: none may be
// refused.
func TestKnownGood(t *testing.T) {
	for _, c := range []string{
		"kubectl -n shop get service invoice -o yaml",
		"kubectl -n 'shop;touch${IFS}/tmp/PWNED;:' get service 'it'\\''s' -o yaml",
		"kubectl -n shop get endpointslices -l kubernetes.io/service-name=invoice",
		"kubectl -n shop get pods -l app=invoice -o wide --show-labels",
		"kubectl -n shop describe deployment web",
		"kubectl -n reports get events --field-selector reason=FailedCreate",
		"kubectl -n reports get deployments,replicasets",
		"kubectl -n kube-system logs kube-proxy-x7k2p",
		"kubectl -n kube-system logs -l k8s-app=kube-proxy --prefix --tail=-1",
		"kubectl -n kube-system get pods -l k8s-app=kube-proxy -o name --field-selector spec.nodeName=vm-8",
		"kubectl -n shop exec api-6f7d8c9b5-h7k2m -- cat /proc/net/netstat",
		"kubectl -n shop rollout history deployment/backend",
		"kubectl get pods -A -o wide",
		"kubectl get --raw /api/v1/nodes/vm-1/proxy/configz",
		"kubectl get pods -A -o wide --field-selector 'spec.nodeName!=vm-5'",
		"kubectl debug node/vm-3 -it --image=docker.io/library/busybox:1.36 --profile=sysadmin -- chroot /host sysctl net.ipv4.ip_forward",
		"kubectl debug node/vm-7 -it --image=docker.io/library/busybox:1.36 --profile=sysadmin -- chroot /host sh -c 'nstat -az; sleep 10; nstat -az'",
	} {
		words, err := Commands(c)
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if err := checkCommand(words[0]); err != nil {
			t.Errorf("%s: %v", c, err)
		}
	}
}

func TestCommands(t *testing.T) {
	got, err := Commands("kubectl -n 'a b\nc' get pods | grep -F 'x'\\''y' # remark 'unclosed\nip link show \"e\\\"th0\"; lsmod && ss -lnt\n")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"kubectl", "-n", "a b\nc", "get", "pods"},
		{"grep", "-F", "x'y"},
		{"ip", "link", "show", `e"th0`},
		{"lsmod"},
		{"ss", "-lnt"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q", got)
	}
	for _, bad := range []string{
		"kubectl -n $(id) get pods",
		"kubectl -n `id` get pods",
		"kubectl -n ${IFS} get pods",
		"kubectl get pods <pod IP on another node>",
		"kubectl get pods > out",
		"kubectl get pods &",
		"kubectl -n 'open get pods",
		"kubectl -n \"$x\" get pods",
		"ls *",
	} {
		if _, err := Commands(bad); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

// shBlocks returns the body of every ```sh block of a Markdown report.
// internal/confirmsh has the same few lines; importing it would put the
// product's module graph into this one and move kubectl's dependencies to
// the product's versions, which this module exists to keep apart.
func shBlocks(md string) []string {
	var out, cur []string
	in := false
	for _, line := range strings.Split(md, "\n") {
		switch {
		case !in && line == "```sh":
			in, cur = true, nil
		case in && line == "```":
			in = false
			out = append(out, strings.Join(cur, "\n"))
		case in:
			cur = append(cur, line)
		}
	}
	return out
}
