package sysctl

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
	"github.com/ktriage/ktriage/internal/parsers/parsertest"
)

func TestForms(t *testing.T) {
	cases := []struct {
		name     string
		in       string
		want     map[string]string // key → value
		lines    map[string]int
		raw      map[string]string
		warnings []string // substrings, one per warning
		unread   int
	}{
		{
			name: "sysctl.conf with comments, no spaces, ignore-errors mark and slashes",
			in: "# Kubernetes networking\n; old-style comment\nnet.bridge.bridge-nf-call-iptables=1\n" +
				"-net.ipv4.conf.all.rp_filter = 2\nnet/ipv4/ip_forward = 1\n\nnet.ipv4.conf.*.rp_filter = 0\n" +
				"net.ipv4.ip_local_port_range = 32768\t60999\nkernel.domainname =\n",
			want: map[string]string{
				"net.bridge.bridge-nf-call-iptables": "1", "net.ipv4.conf.all.rp_filter": "2", "net.ipv4.ip_forward": "1",
				"net.ipv4.conf.*.rp_filter": "0", "net.ipv4.ip_local_port_range": "32768\t60999", "kernel.domainname": "",
			},
			lines: map[string]int{"net.bridge.bridge-nf-call-iptables": 3, "net.ipv4.ip_forward": 5, "kernel.domainname": 9},
			raw:   map[string]string{"net.ipv4.conf.all.rp_filter": "-net.ipv4.conf.all.rp_filter", "net.ipv4.ip_forward": "net/ipv4/ip_forward"},
		},
		{
			name: "grep . /proc/sys/... output and dotted interface names",
			in: "/proc/sys/net/core/somaxconn:128\n/proc/sys/net/ipv4/conf/eth0.100/rp_filter:1\n" +
				"/proc/sys/net/ipv4/tcp_rmem:4096\t131072\t6291456\n/proc/sys/kernel/core_pattern:|/usr/lib/systemd/systemd-coredump %P %u\n",
			want: map[string]string{
				"net.core.somaxconn": "128", "net.ipv4.conf.eth0/100.rp_filter": "1",
				"net.ipv4.tcp_rmem": "4096\t131072\t6291456", "kernel.core_pattern": "|/usr/lib/systemd/systemd-coredump %P %u",
			},
			raw: map[string]string{
				"net.core.somaxconn": "/proc/sys/net/core/somaxconn", "net.ipv4.conf.eth0/100.rp_filter": "/proc/sys/net/ipv4/conf/eth0.100/rp_filter",
				"net.ipv4.tcp_rmem": "/proc/sys/net/ipv4/tcp_rmem", "kernel.core_pattern": "/proc/sys/kernel/core_pattern",
			},
		},
		{
			name: "sysctl -a 2>&1 with errors, sysctl --system banner",
			in: "* Applying /etc/sysctl.d/99-kubernetes.conf ...\nabi.vsyscall32 = 1\n" +
				"sysctl: permission denied on key 'fs.protected_hardlinks'\n" +
				"sysctl: reading key \"net.ipv6.conf.all.stable_secret\"\n" +
				"net.core.somaxconn = 128\nnet.ipv4.conf.eth0/100.rp_filter = 1\n",
			want:     map[string]string{"abi.vsyscall32": "1", "net.core.somaxconn": "128", "net.ipv4.conf.eth0/100.rp_filter": "1"},
			lines:    map[string]int{"net.core.somaxconn": 5},
			warnings: []string{"could not read 2 keys or directories (first: fs.protected_hardlinks)"},
			unread:   2,
		},
		{
			name:     "transcript prompts are skipped quietly",
			in:       "user@node-1:~$ sysctl net.core.somaxconn net.ipv4.tcp_max_syn_backlog\nnet.core.somaxconn = 128\nnet.ipv4.tcp_max_syn_backlog = 256\n[root@node-1 ~]# sudo sysctl -w net.core.somaxconn=1024\nnet.core.somaxconn = 1024\n",
			want:     map[string]string{"net.core.somaxconn": "1024", "net.ipv4.tcp_max_syn_backlog": "256"},
			lines:    map[string]int{"net.core.somaxconn": 5},
			warnings: []string{"1 keys are set more than once"},
		},
		{
			name:     "later assignment wins, as sysctl -p applies it",
			in:       "net.core.somaxconn = 128\nnet.ipv4.ip_forward = 1\nnet.core.somaxconn = 4096\n",
			want:     map[string]string{"net.core.somaxconn": "4096", "net.ipv4.ip_forward": "1"},
			lines:    map[string]int{"net.core.somaxconn": 3},
			warnings: []string{"1 keys are set more than once; the last setting is kept (first, net.core.somaxconn on lines 1 and 3)"},
		},
		{
			// sysctl -p of a file that sets the key twice prints it twice in
			// a row; before, the two were joined into "1\n0" and the node's
			// ip_forward = 0 went unseen.
			name:     "adjacent duplicate of a one-line key: the last wins",
			in:       "net.ipv4.conf.all.forwarding = 1\nnet.ipv4.ip_forward = 1\nnet.ipv4.ip_forward = 0\n",
			want:     map[string]string{"net.ipv4.conf.all.forwarding": "1", "net.ipv4.ip_forward": "0"},
			lines:    map[string]int{"net.ipv4.ip_forward": 3},
			warnings: []string{"1 keys are set more than once; the last setting is kept (first, net.ipv4.ip_forward on lines 2 and 3)"},
		},
		{
			name:  "multi-line values of sysctl -a stay joined",
			in:    "dev.cdrom.autoclose = 1\ndev.cdrom.info = CD-ROM information, Id: cdrom.c 3.20 2003/12/17\ndev.cdrom.info = \ndev.cdrom.info = drive name:\tsr0\nsunrpc.transports = tcp 1048576\nsunrpc.transports = udp 32768\n",
			want:  map[string]string{"dev.cdrom.autoclose": "1", "dev.cdrom.info": "CD-ROM information, Id: cdrom.c 3.20 2003/12/17\n\ndrive name:\tsr0", "sunrpc.transports": "tcp 1048576\nudp 32768"},
			lines: map[string]int{"dev.cdrom.info": 2, "sunrpc.transports": 5},
		},
		{
			name:     "lines that are no setting are counted",
			in:       "net.core.somaxconn = 128\nThis is not a setting\nnet.ipv4.ip_forward = 1\n= 5\nkey with space = 1\n",
			want:     map[string]string{"net.core.somaxconn": "128", "net.ipv4.ip_forward": "1"},
			warnings: []string{`3 lines are not key = value settings and were skipped (first, line 2: "This is not a setting")`},
		},
	}
	for _, tc := range cases {
		for _, eol := range []string{"\n", "\r\n"} {
			t.Run(tc.name+strings.ReplaceAll(eol, "\r", " crlf"), func(t *testing.T) {
				p, err := Read(context.Background(), strings.NewReader(strings.ReplaceAll(tc.in, "\n", eol)), "f")
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Settings) != len(tc.want) {
					t.Errorf("%d keys, want %d: %v", len(p.Settings), len(tc.want), p.Settings)
				}
				for k, v := range tc.want {
					s, ok := p.Settings[k]
					if !ok || s.Value != v {
						t.Errorf("%s = %q (present %v), want %q", k, s.Value, ok, v)
					}
					if l, ok := tc.lines[k]; ok && s.Line != l {
						t.Errorf("%s on line %d, want %d", k, s.Line, l)
					}
					if s.RawKey != tc.raw[k] {
						t.Errorf("%s raw key %q, want %q", k, s.RawKey, tc.raw[k])
					}
				}
				if len(p.Warnings) != len(tc.warnings) {
					t.Fatalf("warnings %q", p.Warnings)
				}
				for i, w := range tc.warnings {
					if !strings.Contains(p.Warnings[i], w) {
						t.Errorf("warning %q lacks %q", p.Warnings[i], w)
					}
				}
				if len(p.Unreadable) != tc.unread {
					t.Errorf("unreadable %q", p.Unreadable)
				}
			})
		}
	}
}

func TestNormalizeKey(t *testing.T) {
	for in, want := range map[string]string{
		"net.core.somaxconn":                           "net.core.somaxconn",
		"/proc/sys/net/core/somaxconn":                 "net.core.somaxconn",
		"/proc/sys/net/ipv4/conf/flannel.1/rp_filter":  "net.ipv4.conf.flannel/1.rp_filter",
		"net/ipv4/conf/eth0.100/rp_filter":             "net.ipv4.conf.eth0/100.rp_filter",
		"net.ipv4.conf.eth0/100.rp_filter":             "net.ipv4.conf.eth0/100.rp_filter", // already sysctl -a form
		"-kernel.yama.ptrace_scope":                    "kernel.yama.ptrace_scope",
		"/proc/sys/net/ipv4/neigh/default/gc_thresh1/": "net.ipv4.neigh.default.gc_thresh1",
	} {
		got, ok := normalizeKey(in)
		if !ok || got != want {
			t.Errorf("normalizeKey(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-", "somaxconn", "Net.core.x", "net..x", "a b.c", "/proc/sys/", "I0102 12:00:00.000000"} {
		if got, ok := normalizeKey(in); ok {
			t.Errorf("normalizeKey(%q) = %q, want rejected", in, got)
		}
	}
}

func TestDetect(t *testing.T) {
	yes := map[string]string{
		"two lines, comments only besides": "# k8s\nnet.bridge.bridge-nf-call-iptables = 1\nnet.ipv4.ip_forward = 1\n",
		"path form":                        "/proc/sys/net/core/somaxconn = 128\n/proc/sys/net/ipv4/ip_forward = 1\n/proc/sys/vm/swappiness = 60\n",
		"grep form":                        "/proc/sys/net/core/somaxconn:128\n/proc/sys/net/ipv4/ip_forward:1\n",
		"grep transcript":                  "[root@node-1 ~]# sysctl -a | grep net.core\nnet.core.somaxconn = 128\nnet.core.netdev_max_backlog = 1000\n",
		"errors first":                     "sysctl: permission denied on key 'fs.protected_hardlinks'\nabi.vsyscall32 = 1\nfs.aio-max-nr = 65536\nkernel.pid_max = 4194304\n",
	}
	no := map[string]string{
		"one line (sysctl net.core.somaxconn)": "net.core.somaxconn = 128\n",
		"klog":                                 "I0102 12:00:00.000000       1 sysctl.go:12] net.core.somaxconn = 128\nI0102 12:00:00.000001       1 sysctl.go:12] net.ipv4.ip_forward = 1\nI0102 12:00:00.000002       1 sysctl.go:12] vm.swappiness = 1\n",
		"java properties":                      "spring.datasource.url=jdbc:x\nspring.datasource.username=a\nserver.port=8080\n",
		"yaml":                                 "sysctls:\n- name: net.core.somaxconn\n  value: \"1024\"\n- name: net.ipv4.ip_forward\n",
		"json":                                 `{"net.core.somaxconn": "128", "net.ipv4.ip_forward": "1", "vm.swappiness": "1"}`,
		"mostly something else":                "net.core.somaxconn = 128\nnet.ipv4.ip_forward = 1\nvm.swappiness = 1\nfoo\nbar\nbaz\nqux\n",
		"iptables-save":                        "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n",
		"shell script":                         "sysctl -w net.core.somaxconn=1024\nsysctl -w net.ipv4.ip_forward=1\nsysctl -w vm.swappiness=1\n",
	}
	for name, in := range yes {
		if !detect([]byte(in)) {
			t.Errorf("%s: not detected", name)
		}
	}
	for name, in := range no {
		if detect([]byte(in)) {
			t.Errorf("%s: detected", name)
		}
	}
}

// TestDetectCorpus: the sysctl samples (and the troubleshoot bundle's copy)
// are claimed, nothing else in the repository's corpus is.
func TestDetectCorpus(t *testing.T) {
	claimed := 0
	for _, in := range []struct {
		dir  string
		want func(string) bool
	}{
		{realworld, func(inner string) bool {
			return strings.HasPrefix(inner, "sysctl/") || strings.HasSuffix(inner, "supportbundle/sysctl/primary-node")
		}},
		{"testdata/generated", func(inner string) bool { return strings.HasSuffix(inner, ".txt") }},
		{"../netstat/testdata/generated", func(string) bool { return false }},
		{"../ss/testdata/generated", func(string) bool { return false }},
	} {
		b, err := loader.Load([]string{in.dir}, loader.Limits{}, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range b.Artifacts {
			want := in.want(a.Inner)
			if got := (Sysctl{}).Detect(a); got != want {
				t.Errorf("Detect(%s/%s) = %v, want %v", in.dir, a.Path, got, want)
			}
			if want {
				claimed++
			}
		}
		b.Close()
	}
	if claimed != 6 {
		t.Errorf("%d claimed, want 6", claimed)
	}
}

type repeatReader struct {
	c byte
	n int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	for i := range p {
		p[i] = r.c
	}
	r.n -= int64(len(p))
	return len(p), nil
}

func TestHugeLineTruncatedAndEmpty(t *testing.T) {
	in := io.MultiReader(strings.NewReader("net.core.somaxconn = 128\nkernel.x = "), &repeatReader{'y', 20 << 20},
		strings.NewReader("\nnet.ipv4.ip_forward = 1\nnet.ipv4.tcp_max_sy"))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p, err := Read(context.Background(), in, "f")
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("allocated %d bytes", alloc)
	}
	if len(p.Settings) != 2 || p.Settings["net.ipv4.ip_forward"].Line != 3 {
		t.Errorf("settings %v", p.Settings)
	}
	// The huge line and the cut last line are reported.
	if len(p.Warnings) != 2 {
		t.Errorf("warnings %q", p.Warnings)
	}

	for _, content := range []string{"", "\n\n", "# only a comment\n"} {
		a := parsertest.Write(t, "s.txt", content)
		if (Sysctl{}).Detect(a) {
			t.Errorf("Detect(%q)", content)
		}
		b := facts.NewBuilder()
		if _, err := (Sysctl{}).Parse(context.Background(), a, b); !errors.Is(err, parsers.ErrNotApplicable) {
			t.Errorf("Parse(%q) err %v", content, err)
		}
		if len(b.Build().Nodes) != 0 {
			t.Errorf("Parse(%q) added a node", content)
		}
	}

	path := filepath.Join(t.TempDir(), "one.txt")
	f, _ := os.Create(path)
	io.Copy(f, &repeatReader{'x', 20 << 20})
	f.Close()
	if (Sysctl{}).Detect(parsertest.Load(t, path)) {
		t.Error("detected a 20 MB line")
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Read(ctx, strings.NewReader("a.b = 1\n"), "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
}

// A bare-CR sysctl -a keeps its multi-line values whole.
func TestBareCR(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(realworld, "sysctl", "centos-7.7-sysctl-a-jc.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lf, _ := Read(context.Background(), strings.NewReader(string(b)), "f")
	cr, _ := Read(context.Background(), strings.NewReader(strings.ReplaceAll(string(b), "\n", "\r")), "f")
	if len(cr.Settings) != len(lf.Settings) || len(cr.Warnings) != 0 {
		t.Fatalf("%d keys (want %d), warnings %q", len(cr.Settings), len(lf.Settings), cr.Warnings)
	}
	for k, s := range lf.Settings {
		if cr.Settings[k].Value != s.Value {
			t.Errorf("%s = %q, want %q", k, cr.Settings[k].Value, s.Value)
		}
	}
}
