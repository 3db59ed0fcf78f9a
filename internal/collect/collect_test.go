package collect_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ktriage/ktriage/internal/analyze"
	"github.com/ktriage/ktriage/internal/cli"
	"github.com/ktriage/ktriage/internal/collect"
	"github.com/ktriage/ktriage/internal/engine"
	"github.com/ktriage/ktriage/internal/report"
	"github.com/ktriage/ktriage/rules"
)

// The fake cluster is the mtu-calico-ipip-incident fixture: its cluster-info
// dump, and for vm-4 and vm-5 the node outputs real tools printed there. A
// third node, vm-8, is added to its nodes.json and is unreachable: it hangs
// (FAKE_VM8=hang) or fails at once.
const fixture = "../../testdata/dumps/mtu-calico-ipip-incident/bundle"

// Node artifact groups of the report's node_files inventory.
var allGroups = []string{"ip addr", "ip route", "iptables-save", "netstat -s", "ss -lnt", "sysctl -a"}

// fakeKubectl answers what the script asks. `debug node/X` says on stdout
// that it creates a pod, as kubectl does, then runs the script it is given
// on stdin locally, as the debug container would, with FAKE_NODE telling the
// fake host tools which node they are on.
const fakeKubectl = `#!/bin/sh
printf 'kubectl %s\n' "$*" >>"$FAKE_LOG"
while :; do
	case $1 in --context=* | --kubeconfig=*) shift ;; *) break ;; esac
done
case $1 in
config) echo "arn:aws:eks:eu-west-1:123456789012:cluster/shop-prod" ;;
version) echo "Client Version: v1.31.0-fake" ;;
cluster-info)
	for a in "$@"; do
		case $a in --output-directory=*) d=${a#*=} ;; esac
	done
	mkdir -p "$d" && cp -R "$FAKE_CLUSTER_INFO/." "$d/" && cp "$FAKE_NODES_JSON" "$d/nodes.json" || exit 1
	echo "Cluster info dumped to $d"
	;;
get)
	case $2 in
	--raw)
		case $3 in
		*/networkpolicies)
			echo 'Error from server (Forbidden): networkpolicies.networking.k8s.io is forbidden: User "support" cannot list resource "networkpolicies" in API group "networking.k8s.io" at the cluster scope' >&2
			exit 1
			;;
		/apis/discovery.k8s.io/v1/endpointslices)
			echo 'Error from server (NotFound): the server could not find the requested resource' >&2
			exit 1
			;;
		*/namespaces/kube-system/configmaps) cat "$FAKE_CONFIGMAPS" ;;
		/api/v1/nodes/vm-4/proxy/configz) cat "$FAKE_FILES/vm-4/configz.json" ;;
		/api/v1/nodes/vm-5/proxy/configz)
			echo 'Error from server (Forbidden): nodes "vm-5" is forbidden: User "support" cannot get resource "nodes/proxy" in API group "" at the cluster scope' >&2
			exit 1
			;;
		/api/v1/nodes/vm-8/proxy/configz)
			[ "$FAKE_VM8" = hang ] && exec sleep 120
			echo 'Error from server: error dialing backend: dial tcp 10.0.0.8:10250: connect: no route to host' >&2
			exit 1
			;;
		/apis/crd.projectcalico.org/v1) echo '{"kind":"APIResourceList","groupVersion":"crd.projectcalico.org/v1","resources":[]}' ;;
		/apis/crd.projectcalico.org/v1/ippools)
			echo '{"kind":"IPPoolList","apiVersion":"crd.projectcalico.org/v1","metadata":{},"items":[{"apiVersion":"crd.projectcalico.org/v1","kind":"IPPool","metadata":{"name":"default-ipv4-ippool"},"spec":{"cidr":"10.244.0.0/16","ipipMode":"Always"}}]}'
			;;
		*)
			case $3 in
			*/resourcequotas) kind=ResourceQuota ;;
			*/limitranges) kind=LimitRange ;;
			*/endpoints) kind=Endpoints ;;
			*/endpointslices) kind=EndpointSlice ;;
			*/statefulsets) kind=StatefulSet ;;
			*/jobs) kind=Job ;;
			*/persistentvolumeclaims) kind=PersistentVolumeClaim ;;
			*/storageclasses) kind=StorageClass ;;
			*/persistentvolumes) kind=PersistentVolume ;;
			*/namespaces) kind=Namespace ;;
			*/configmaps) kind=ConfigMap ;;
			*) echo "fake kubectl: unexpected path $3" >&2; exit 1 ;;
			esac
			printf '{"kind":"%sList","apiVersion":"v1","metadata":{"resourceVersion":"4242"},"items":[]}\n' "$kind"
			;;
		esac
		;;
	nodes) printf 'vm-4,linux,10.0.0.4\nvm-5,linux,10.0.0.5 fd00::5\nvm-8,,10.0.0.8\nwin-1,windows,10.0.0.21\n' ;;
	pods) printf 'pod/node-debugger-vm-4-old12\npod/web-7d9c5b6f4-x2k8p\n' ;;
	*) echo "fake kubectl: unexpected get $*" >&2; exit 1 ;;
	esac
	;;
debug)
	if [ "$2" = --help ]; then
		echo '    --profile='"'"'legacy'"'"': Options are "legacy", "general", "baseline", "netadmin", "restricted" or "sysadmin".'
		exit 0
	fi
	node=${2#node/}
	echo "Creating debugging pod node-debugger-$node-x1y2z with container debugger on node $node."
	if [ "$node" = vm-8 ]; then
		[ "$FAKE_VM8" = hang ] && exec sleep 120
		echo "error: unable to upgrade connection: container debugger not found in pod node-debugger-vm-8-x1y2z" >&2
		exit 1
	fi
	while [ "$1" != -- ]; do shift; done
	shift 2 # "--" and the container's "sh"
	FAKE_NODE=$node
	export FAKE_NODE
	exec $FAKE_SH "$@"
	;;
delete) echo "pod \"$3\" deleted" ;;
*) echo "fake kubectl: unexpected $*" >&2; exit 1 ;;
esac
`

// fakeSSH plays sshd and the node's login shell, whose rc file greets on
// stdout.
const fakeSSH = `#!/bin/sh
printf 'ssh %s\n' "$*" >>"$FAKE_LOG"
for a in "$@"; do
	case $a in *@10.0.0.*) target=${a#*@} ;; esac
done
case $target in
10.0.0.4) node=vm-4 ;;
10.0.0.5) node=vm-5 ;;
*)
	[ "$FAKE_VM8" = hang ] && exec sleep 120
	echo "ssh: connect to host $target port 22: No route to host" >&2
	exit 255
	;;
esac
while [ "$1" != sh ]; do shift; done
shift
echo "Welcome to $node (from .bashrc)"
FAKE_NODE=$node
PATH=$FAKE_HOSTS/$node/bin:$FAKE_HOSTS/base
export FAKE_NODE PATH
exec $FAKE_SH "$@"
`

// fakeChroot enters the fake node: only that node's tools are on PATH, so a
// tool it lacks is missing even where the test machine has one.
const fakeChroot = `#!/bin/sh
shift
PATH=$FAKE_HOSTS/$FAKE_NODE/bin
export PATH
exec "$@"
`

// Host tools print what the real ones printed on that node.
var fakeTools = map[string]string{
	"ip": `case "$*" in
"-d addr") exec cat "$D/ip-d-addr.txt" ;;
"-d link") exec grep -v -e '^    inet' -e '^       valid_lft' "$D/ip-d-addr.txt" ;;
"route show table all") exec cat "$D/ip-route.txt" ;;
esac
echo "fake ip: $*" >&2
exit 1`,
	"iptables-save":     `exec cat "$D/iptables-save.txt"`,
	"iptables-nft-save": `exec cat "$D/iptables-save.txt"`,
	"ip6tables-save":    `exit 0`,
	"netstat":           `[ "$1" = -s ] && exec cat "$D/netstat-s.txt"; exit 1`,
	"nstat":             `exec cat "$D/nstat-az.txt"`,
	"ss":                `exec cat "$D/ss-lnt.txt"`,
	"sysctl": `echo "sysctl: permission denied on key 'kernel.cad_pid'" >&2
exec cat "$D/sysctl-a.txt"`,
	// cat reads the fake host's files where the script asks for host paths,
	// and is the real cat for the node side's own work files.
	"cat": `case $1 in
/etc/resolv.conf) f=$FAKE_FILES/$FAKE_NODE/etc-resolv.conf ;;
/run/systemd/resolve/resolv.conf) f=$FAKE_FILES/$FAKE_NODE/run-systemd-resolve-resolv.conf ;;
/var/lib/kubelet/config.yaml) f=$FAKE_FILES/$FAKE_NODE/kubelet-config.yaml ;;
*) exec "$FAKE_CAT" "$@" ;;
esac
if [ ! -f "$f" ]; then
	echo "cat: $1: No such file or directory" >&2
	exit 1
fi
exec "$FAKE_CAT" "$f"`,
	"uname": `case $1 in -n) echo "$FAKE_NODE" ;; -r) echo 6.8.0-ktriage-fake ;; *) echo Linux ;; esac`,
	"tcpdump": `printf 'tcpdump %s\n' "$*" >>"$FAKE_LOG"
echo "tcpdump: listening on $2, link-type LINUX_SLL (Linux cooked v1), snapshot length $4 bytes" >&2
cat "$D/capture-eth0.pcap"
echo "12 packets captured" >&2`,
}

// Tools the fake hosts borrow from the test machine.
var hostUtils = []string{"sh", "grep"}

// What the node side itself needs where it runs on the host (--ssh). id is
// faked: the fake host is one where ssh logs in as root, so the node side
// neither calls sudo nor looks beyond PATH for the tools.
var baseUtils = []string{"mktemp", "mkdir", "rm", "date", "sed", "wc", "tr", "tar", "sleep", "head", "timeout"}

type variant struct {
	name  string
	shell []string
	// noTimeout hides timeout(1), on this machine and on the nodes, so the
	// watchdogs that stand in for it run.
	noTimeout bool
	ssh       bool
	// hang makes vm-8 hang, and collects from it alone with a short time
	// limit: the limit is per node, and a short one would also cut the
	// healthy nodes short on a slow, busy machine.
	hang bool
}

func TestScriptMakesBundleTheAnalyzerReads(t *testing.T) {
	for _, tool := range []string{"sh", "tar"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the collector script cannot run here", tool)
		}
	}
	var variants []variant
	for _, v := range []variant{
		{name: "sh", shell: []string{"sh"}},
		{name: "bash", shell: []string{"bash"}},
		{name: "dash-no-timeout", shell: []string{"dash"}, noTimeout: true},
		// The default debug image is busybox: its sh runs the node side.
		{name: "busybox", shell: []string{"busybox", "sh"}},
		{name: "ssh", shell: []string{"sh"}, ssh: true},
		{name: "hang", shell: []string{"sh"}, hang: true},
		{name: "hang-no-timeout", shell: []string{"sh"}, hang: true, noTimeout: true},
	} {
		p, err := exec.LookPath(v.shell[0])
		if err != nil {
			continue
		}
		// sh is often dash or bash: run each shell once.
		resolved, _ := filepath.EvalSymlinks(p)
		if v.name == "sh" {
			if bash, _ := exec.LookPath("bash"); bash != "" && sameFile(bash, resolved) {
				continue
			}
			if dash, _ := exec.LookPath("dash"); dash != "" && sameFile(dash, resolved) {
				continue
			}
		}
		variants = append(variants, v)
	}

	// The script under test is what customers get: collect-script's output.
	var script, stderr bytes.Buffer
	if code := cli.Execute(context.Background(), []string{"collect-script"}, &script, &stderr, "test"); code != 0 {
		t.Fatalf("collect-script exited %d: %s", code, stderr.String())
	}
	if !bytes.Equal(script.Bytes(), collect.Script) {
		t.Fatal("collect-script does not print the embedded script")
	}

	eng, err := engine.New(context.Background(), engine.Options{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			runVariant(t, v, script.Bytes(), eng)
		})
	}
}

// The script must stay plain POSIX sh: it runs under dash, bash and busybox,
// and on nodes nobody here chose.
func TestScriptPassesShellcheck(t *testing.T) {
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Skip("shellcheck is not installed")
	}
	for _, dialect := range []string{"sh", "dash", "bash"} {
		out, err := exec.Command(sc, "-s", dialect, "ktriage-collect.sh").CombinedOutput()
		if err != nil {
			t.Errorf("shellcheck -s %s: %v\n%s", dialect, err, out)
		}
	}
}

func TestScriptHelp(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("sh is not installed")
	}
	out, err := exec.Command("sh", "ktriage-collect.sh", "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("--help: %v\n%s", err, out)
	}
	for _, flag := range []string{"--output DIR", "--node NAME", "--ssh[=USER@]", "--capture SECONDS", "--snaplen BYTES", "--timeout SECONDS"} {
		if !bytes.Contains(out, []byte(flag)) {
			t.Errorf("--help does not mention %s", flag)
		}
	}
	out, err = exec.Command("sh", "ktriage-collect.sh", "--capture", "soon").CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Errorf("a bad flag value should exit 2, got %v: %s", err, out)
	}
}

func runVariant(t *testing.T, v variant, script []byte, eng *engine.Engine) {
	dir := t.TempDir()
	fixtureAbs, err := filepath.Abs(fixture)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "bin")
	hosts := filepath.Join(dir, "hosts")
	out := filepath.Join(dir, "out")
	logFile := filepath.Join(dir, "fake.log")
	writeExec(t, filepath.Join(bin, "kubectl"), fakeKubectl)
	writeExec(t, filepath.Join(bin, "chroot"), fakeChroot)
	writeExec(t, filepath.Join(bin, "ssh"), fakeSSH)
	if v.noTimeout {
		writeExec(t, filepath.Join(bin, "timeout"), "#!/bin/sh\nexit 125\n")
	}
	for _, u := range baseUtils {
		if p, err := exec.LookPath(u); err == nil {
			symlink(t, p, filepath.Join(hosts, "base", u))
		}
	}
	writeExec(t, filepath.Join(hosts, "base", "id"), "#!/bin/sh\necho 0\n")
	for _, node := range []string{"vm-4", "vm-5"} {
		nb := filepath.Join(hosts, node, "bin")
		for name, body := range fakeTools {
			if node == "vm-5" && name == "ss" {
				continue // the missing tool
			}
			writeExec(t, filepath.Join(nb, name), "#!/bin/sh\nD=$FAKE_DATA/$FAKE_NODE\n"+body+"\n")
		}
		for _, u := range hostUtils {
			p, err := exec.LookPath(u)
			if err != nil {
				t.Fatal(err)
			}
			symlink(t, p, filepath.Join(nb, u))
		}
	}
	nodesJSON := filepath.Join(dir, "nodes.json")
	writeNodesWithVM8(t, filepath.Join(fixtureAbs, "cluster-info", "nodes.json"), nodesJSON)
	configmaps := filepath.Join(dir, "configmaps.json")
	mustWrite(t, configmaps, `{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"4242"},"items":[`+
		`{"metadata":{"name":"calico-config","namespace":"kube-system","resourceVersion":"311"},"data":{"veth_mtu":"1440","calico_backend":"bird"}}]}`+"\n")
	// vm-4 runs systemd-resolved and a kubeadm kubelet; vm-5 has a plain
	// /etc/resolv.conf and no configuration file (flags), and its configz
	// is refused.
	hostDir := filepath.Join(dir, "hostfiles")
	hostFiles := map[string]string{
		"vm-4/etc-resolv.conf":                 "../../internal/parsers/resolvconf/testdata/stub-resolv.conf",
		"vm-4/run-systemd-resolve-resolv.conf": "../../internal/parsers/resolvconf/testdata/uplink-resolv.conf",
		"vm-4/kubelet-config.yaml":             "../../internal/parsers/kubeletconfig/testdata/kubeadm-config.yaml",
		"vm-4/configz.json":                    "../../internal/parsers/kubeletconfig/testdata/configz.json",
	}
	for dst, src := range hostFiles {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, filepath.Join(hostDir, dst), string(b))
	}
	mustWrite(t, filepath.Join(hostDir, "vm-5", "etc-resolv.conf"), "nameserver 10.0.0.2\nsearch eu-west-1.compute.internal\n")
	realCat, err := exec.LookPath("cat")
	if err != nil {
		t.Fatal(err)
	}
	scriptPath := filepath.Join(dir, "ktriage-collect.sh")
	mustWrite(t, scriptPath, string(script))

	args := append(slices.Clone(v.shell), scriptPath, "--output", out, "--capture", "1", "--parallel", "3")
	if v.ssh {
		args = append(args, "--ssh", "admin@")
	}
	if v.hang {
		args = append(args, "--node", "vm-8", "--timeout", "2")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.WaitDelay = 10 * time.Second
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HOME="+dir,
		"KUBECTL=",
		"FAKE_LOG="+logFile,
		"FAKE_CLUSTER_INFO="+filepath.Join(fixtureAbs, "cluster-info"),
		"FAKE_NODES_JSON="+nodesJSON,
		"FAKE_CONFIGMAPS="+configmaps,
		"FAKE_HOSTS="+hosts,
		"FAKE_DATA="+filepath.Join(fixtureAbs, "nodes"),
		"FAKE_SH="+strings.Join(v.shell, " "),
		"FAKE_FILES="+hostDir,
		"FAKE_CAT="+realCat,
		"FAKE_VM8="+map[bool]string{true: "hang", false: "fail"}[v.hang],
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	elapsed := time.Since(start)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("want exit 1 (vm-8 and NetworkPolicies failed), got %v\nstderr:\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "node vm-8 failed") {
		t.Errorf("stderr does not name the failed node:\n%s", stderr.String())
	}
	if v.hang {
		checkHang(t, stdout.String(), logFile, elapsed)
		return
	}

	tgz := strings.TrimSpace(stdout.String())
	if !regexp.MustCompile(`/ktriage-bundle-shop-prod-\d{8}T\d{6}Z\.tgz$`).MatchString(tgz) {
		t.Fatalf("stdout should be the bundle's path, got %q", tgz)
	}
	if left, _ := filepath.Glob(filepath.Join(out, "*")); len(left) != 1 {
		t.Errorf("the output directory should hold only the tarball, has %v", left)
	}
	base := strings.TrimSuffix(filepath.Base(tgz), ".tgz")
	files := readTarball(t, tgz)
	for name, body := range files {
		if !strings.HasPrefix(name, base+"/") {
			t.Errorf("%s is outside %s/", name, base)
		}
		if len(body) == 0 {
			t.Errorf("%s is empty: it would be listed as not understood", name)
		}
	}
	has := func(rel string) bool { _, ok := files[base+"/"+rel]; return ok }
	for _, rel := range []string{
		"ktriage-collect.log",
		"cluster-info/nodes.json", "cluster-info/kube-system/pods.json",
		"cluster-resources/namespaces.json", "cluster-resources/resourcequotas.json",
		"cluster-resources/limitranges.json", "cluster-resources/endpoints.json",
		"cluster-resources/endpointslices.json", "cluster-resources/statefulsets.json",
		"cluster-resources/jobs.json", "cluster-resources/persistentvolumeclaims.json",
		"cluster-resources/storageclasses.json", "cluster-resources/persistentvolumes.json",
		"cluster-resources/configmaps/kube-system.json",
		"cluster-resources/configmaps/kube-flannel.json",
		"cluster-resources/ippools.json",
		"nodes/vm-8/ktriage-collect.log",
	} {
		if !has(rel) {
			t.Errorf("bundle lacks %s", rel)
		}
	}
	nodeFiles := []string{
		"ktriage-collect.log", "ip-d-addr.txt", "ip-d-link.txt", "ip-route.txt",
		"iptables-save.txt", "iptables-nft-save.txt", "netstat-s.txt", "nstat-az.txt",
		"ss-lnt.txt", "sysctl-a.txt", "capture-any.pcap", "etc-resolv.conf",
	}
	vm4Only := []string{"run-systemd-resolve-resolv.conf", "kubelet-config.yaml", "kubelet-configz.json"}
	for _, node := range []string{"vm-4", "vm-5"} {
		var got []string
		for name := range files {
			if rel, ok := strings.CutPrefix(name, base+"/nodes/"+node+"/"); ok {
				got = append(got, rel)
			}
		}
		want := slices.Clone(nodeFiles)
		if node == "vm-5" {
			want = slices.DeleteFunc(want, func(s string) bool { return s == "ss-lnt.txt" })
		} else {
			want = append(want, vm4Only...)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("nodes/%s holds %v, want %v", node, got, want)
		}
	}
	if has("cluster-resources/networkpolicies.json") {
		t.Error("a list kubectl was refused is in the bundle")
	}
	// What came through must be what the node's tools printed, byte for
	// byte: a TTY or a text pipe on the way would have changed the capture.
	for rel, src := range map[string]string{
		"nodes/vm-4/capture-any.pcap":     "nodes/vm-4/capture-eth0.pcap",
		"nodes/vm-5/iptables-save.txt":    "nodes/vm-5/iptables-save.txt",
		"nodes/vm-4/sysctl-a.txt":         "nodes/vm-4/sysctl-a.txt",
		"nodes/vm-4/etc-resolv.conf":      "@vm-4/etc-resolv.conf",
		"nodes/vm-4/kubelet-configz.json": "@vm-4/configz.json",
	} {
		from := filepath.Join(fixtureAbs, src)
		if f, ok := strings.CutPrefix(src, "@"); ok {
			from = filepath.Join(hostDir, f)
		}
		want, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(files[base+"/"+rel], want) {
			t.Errorf("%s differs from what the node printed", rel)
		}
	}
	netstat := string(files[base+"/nodes/vm-4/netstat-s.txt"])
	if n := strings.Count(netstat, "\nIp:\n"); n != 2 {
		t.Errorf("netstat-s.txt should hold two dated snapshots, has %d", n)
	}

	logs := map[string]string{
		"run":  string(files[base+"/ktriage-collect.log"]),
		"vm-4": string(files[base+"/nodes/vm-4/ktriage-collect.log"]),
		"vm-5": string(files[base+"/nodes/vm-5/ktriage-collect.log"]),
		"vm-8": string(files[base+"/nodes/vm-8/ktriage-collect.log"]),
	}
	for who, want := range map[string][]string{
		"run": {"networkpolicies.json: kubectl get --raw /apis/networking.k8s.io/v1/networkpolicies failed",
			"stderr: Error from server (Forbidden)", "/apis/discovery.k8s.io/v1beta1/endpointslices",
			"node win-1: Windows, skipped",
			"node vm-4: collected", "node vm-5: collected", "node vm-8: FAILED"},
		"vm-4": {"host name vm-4, kernel 6.8.0-ktriage-fake",
			"kubelet-configz.json: /api/v1/nodes/vm-4/proxy/configz, ", "etc-resolv.conf: cat /etc/resolv.conf: exit 0", "iptables-legacy-save.txt: iptables-legacy-save not found on the node",
			"ip6tables-save.txt: ip6tables-save: exit 0, no output: not kept", "ipvsadm-Ln.txt:",
			"stderr: sysctl: permission denied on key", "12 packets captured", " done\n"},
		"vm-5": {"ss-lnt.txt: ss not found on the node",
			"run-systemd-resolve-resolv.conf: /run/systemd/resolve/resolv.conf not present on the node",
			"kubelet-config.yaml: /var/lib/kubelet/config.yaml not present on the node",
			"kubelet-configz.json: kubectl get --raw /api/v1/nodes/vm-5/proxy/configz failed (exit 1)",
			`stderr: Error from server (Forbidden): nodes "vm-5" is forbidden`},
		"vm-8": {"no data came back from the node",
			"kubelet-configz.json: kubectl get --raw /api/v1/nodes/vm-8/proxy/configz failed (exit 1)",
			"stderr: Error from server: error dialing backend: dial tcp 10.0.0.8:10250"},
	} {
		for _, w := range want {
			if !strings.Contains(logs[who], w) {
				t.Errorf("the %s log lacks %q:\n%s", who, w, logs[who])
			}
		}
	}
	perMode := map[string][]string{
		"vm-4": {"stdout: Creating debugging pod node-debugger-vm-4-x1y2z", "debug pod node-debugger-vm-4-x1y2z deleted"},
		"vm-5": {"debug pod node-debugger-vm-5-x1y2z deleted"},
		"vm-8": {"stdout: Creating debugging pod node-debugger-vm-8-x1y2z", "debug pod node-debugger-vm-8-x1y2z deleted"},
	}
	if v.ssh {
		perMode = map[string][]string{
			"vm-4": {"ssh admin@10.0.0.4: exit 0", "stdout: Welcome to vm-4 (from .bashrc)", "node side on vm-4 (ssh mode)"},
			"vm-8": {"ssh admin@10.0.0.8: exit 255", "stderr: ssh: connect to host 10.0.0.8 port 22: No route to host"},
		}
	}
	if !v.ssh {
		perMode["vm-8"] = append(perMode["vm-8"], "kubectl debug node/vm-8: exit 1", "stderr: error: unable to upgrade connection")
	}
	for who, want := range perMode {
		for _, w := range want {
			if !strings.Contains(logs[who], w) {
				t.Errorf("the %s log lacks %q:\n%s", who, w, logs[who])
			}
		}
	}

	fake, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if v.ssh {
		checkSSHCalls(t, string(fake))
	} else {
		checkKubectlCalls(t, string(fake))
	}

	checkAnalysis(t, tgz, base, eng)
}

// checkHang: the per-node time limit (--timeout 2 plus --capture 1) ends a
// node that never answers, and its debug pod is still deleted.
func checkHang(t *testing.T, stdout, logFile string, elapsed time.Duration) {
	t.Helper()
	if elapsed > 60*time.Second {
		t.Errorf("the run took %v: the time limit did not stop vm-8 (its fake sleeps 120 s)", elapsed)
	}
	tgz := strings.TrimSpace(stdout)
	files := readTarball(t, tgz)
	base := strings.TrimSuffix(filepath.Base(tgz), ".tgz")
	log := string(files[base+"/nodes/vm-8/ktriage-collect.log"])
	for _, w := range []string{"kubectl debug node/vm-8: stopped at the time limit (3 s)",
		"kubelet-configz.json: kubectl get --raw /api/v1/nodes/vm-8/proxy/configz failed: stopped at the time limit (2 s)",
		"stdout: Creating debugging pod node-debugger-vm-8-x1y2z", "no data came back from the node",
		"debug pod node-debugger-vm-8-x1y2z deleted"} {
		if !strings.Contains(log, w) {
			t.Errorf("the vm-8 log lacks %q:\n%s", w, log)
		}
	}
	calls, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(calls), "node/vm-4") || strings.Contains(string(calls), "node/vm-5") {
		t.Error("--node vm-8 collected other nodes too")
	}
}

// checkKubectlCalls: one debug pod per node, attached without a TTY, run
// privileged; each pod this run made deleted, and no other.
func checkKubectlCalls(t *testing.T, calls string) {
	t.Helper()
	for _, node := range []string{"vm-4", "vm-5", "vm-8"} {
		debug := regexp.MustCompile(`(?m)^kubectl debug node/`+node+` (.*)$`).FindAllStringSubmatch(calls, -1)
		if len(debug) != 1 {
			t.Errorf("want one kubectl debug for %s, got %d", node, len(debug))
			continue
		}
		flags := strings.Fields(strings.SplitN(debug[0][1], " -- ", 2)[0])
		for _, f := range []string{"-i", "--image=docker.io/library/busybox:1.36", "--profile=sysadmin"} {
			if !slices.Contains(flags, f) {
				t.Errorf("kubectl debug for %s lacks %s: %v", node, f, flags)
			}
		}
		for _, f := range flags {
			if f == "-t" || f == "-it" || f == "-ti" || strings.HasPrefix(f, "--tty") {
				t.Errorf("kubectl debug for %s asks for a TTY (%s)", node, f)
			}
		}
		if !strings.Contains(calls, "kubectl delete pod node-debugger-"+node+"-x1y2z ") {
			t.Errorf("the debug pod of %s was not deleted", node)
		}
	}
	if strings.Contains(calls, "win-1") {
		t.Error("a Windows node was sent a Linux debug pod")
	}
	if strings.Contains(calls, "old12") {
		t.Error("a debug pod this run did not make was deleted")
	}
	if !strings.Contains(calls, "tcpdump -i any -s 256 -c 20000 -U -w -") {
		t.Errorf("tcpdump was not bounded by snaplen and count or did not write to stdout:\n%s", calls)
	}
}

// checkSSHCalls: one ssh per node to its InternalIP, no TTY, never a
// password prompt, and no debug pods.
func checkSSHCalls(t *testing.T, calls string) {
	t.Helper()
	for _, addr := range []string{"10.0.0.4", "10.0.0.5", "10.0.0.8"} {
		m := regexp.MustCompile(`(?m)^ssh (.*) admin@`+regexp.QuoteMeta(addr)+` sh -s -- --node-side ssh `).FindAllStringSubmatch(calls, -1)
		if len(m) != 1 {
			t.Errorf("want one ssh to admin@%s, got %d:\n%s", addr, len(m), calls)
			continue
		}
		if flags := strings.Fields(m[0][1]); !slices.Contains(flags, "-T") || !slices.Contains(flags, "BatchMode=yes") {
			t.Errorf("ssh to %s without -T or BatchMode: %v", addr, flags)
		}
	}
	if strings.Contains(calls, "kubectl debug") || strings.Contains(calls, "kubectl delete") {
		t.Error("--ssh made or deleted debug pods")
	}
}

// checkAnalysis reads the tarball as `ktriage analyze` would: every file is
// recognised, node files are attributed to their node by path, and only
// what a node could not give is missing from the inventory.
func checkAnalysis(t *testing.T, tgz, base string, eng *engine.Engine) {
	t.Helper()
	ctx := context.Background()
	parsed, err := analyze.Parse(ctx, analyze.Options{Inputs: []string{tgz}, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer parsed.Close()
	r, err := analyze.Evaluate(ctx, parsed, eng, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	nodeDir := regexp.MustCompile(`(?:^|/)` + regexp.QuoteMeta(base) + `/nodes/([^/]+)/([^/]+)$`)
	for _, in := range r.Inputs {
		if in.Status != report.StatusParsed {
			t.Errorf("%s: %s (%s%s)", in.File, in.Status, in.Error, strings.Join(in.Warnings, "; "))
		}
		if strings.HasSuffix(in.File, "/ktriage-collect.log") && in.Kind != "collect-log" {
			t.Errorf("%s: read as %s, want collect-log", in.File, in.Kind)
		}
		m := nodeDir.FindStringSubmatch(in.File)
		if m == nil || m[2] == "ktriage-collect.log" {
			continue
		}
		if in.Node != m[1] || in.AttributedBy != "path" {
			t.Errorf("%s: attributed to %q by %q, want %s by path", in.File, in.Node, in.AttributedBy, m[1])
		}
	}
	want := map[string][]string{"vm-4": {}, "vm-5": {"ss -lnt"}, "vm-8": allGroups}
	for node, missing := range want {
		nf, ok := r.Bundle.NodeFiles[node]
		if !ok {
			t.Errorf("node_files has no %s: %v", node, r.Bundle.NodeFiles)
			continue
		}
		if !slices.Equal(nf.Missing, missing) {
			t.Errorf("node_files[%s].missing = %v, want %v", node, nf.Missing, missing)
		}
	}
	if len(r.Bundle.NodeFiles) != len(want) {
		t.Errorf("node_files = %v, want only %v", r.Bundle.NodeFiles, want)
	}
	// The bundle shows the fixture's incident as the fixture itself does.
	var mtu []string
	for _, f := range r.Findings {
		if f.Rule == "mtu" {
			mtu = append(mtu, f.Message)
		}
	}
	if len(mtu) != 2 || !strings.Contains(strings.Join(mtu, "\n"), " on vm-4:") || !strings.Contains(strings.Join(mtu, "\n"), " on vm-5:") {
		t.Errorf("want the mtu finding on vm-4 and vm-5, got %q", mtu)
	}
	// Empty typed lists say the kinds were collected: no rule may report
	// them missing.
	for _, s := range r.Skipped {
		if strings.Contains(s.Reason, "has no ResourceQuota") || strings.Contains(s.Reason, "has no Endpoints") {
			t.Errorf("%s: %s", s.Rule, s.Reason)
		}
	}
}

func readTarball(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(h.Name, "./")
		switch h.Typeflag {
		case tar.TypeDir:
		case tar.TypeReg:
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			files[name] = b
		default:
			t.Errorf("%s: tar entry of type %c", name, h.Typeflag)
		}
	}
}

func writeNodesWithVM8(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var list map[string]any
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	items := list["items"].([]any)
	var vm8 map[string]any
	raw, _ := json.Marshal(items[0])
	if err := json.Unmarshal(raw, &vm8); err != nil {
		t.Fatal(err)
	}
	vm8["metadata"].(map[string]any)["name"] = "vm-8"
	vm8["status"].(map[string]any)["addresses"] = []any{
		map[string]any{"type": "InternalIP", "address": "10.0.0.8"},
		map[string]any{"type": "Hostname", "address": "vm-8"},
	}
	list["items"] = append(items, vm8)
	out, err := json.MarshalIndent(list, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, dst, string(out))
}

func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func writeExec(t *testing.T, path, body string) {
	t.Helper()
	mustWrite(t, path, body)
	if err := os.Chmod(path, 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
