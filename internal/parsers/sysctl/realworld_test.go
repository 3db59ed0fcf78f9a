package sysctl

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers/parsertest"
)

type kv struct {
	key, value string
	line       int
	rawKey     string
}

func TestRealWorld(t *testing.T) {
	cases := []struct {
		file     string
		keys     int
		host     string // attributed node ("" when the host name is a placeholder)
		detail   string
		warnings int
		want     []kv
	}{
		{
			file: "centos-7.7-sysctl-a-jc.txt", keys: 895,
			detail: "895 keys; net.core.somaxconn = 128, net.ipv4.ip_forward = 1, net.bridge.bridge-nf-call-iptables = 0",
			want: []kv{
				{"net.core.somaxconn", "128", 241, ""},
				{"net.bridge.bridge-nf-call-iptables", "0", 220, ""},
				{"net.ipv4.ip_forward", "1", 412, ""},
				{"net.ipv4.conf.all.rp_filter", "1", 275, ""},
				{"net.ipv4.tcp_max_syn_backlog", "128", 519, ""},
				{"net.ipv4.tcp_rmem", "4096\t87380\t6291456", 534, ""},
				{"kernel.hostname", "localhost.localdomain", 115, ""},
				{"kernel.domainname", "(none)", 110, ""},
			},
		},
		{
			file: "ubuntu-18.04-sysctl-a-jc.txt", keys: 855, host: "kbrazil-ubuntu",
			detail: "855 keys; net.core.somaxconn = 128, net.ipv4.ip_forward = 0; host kbrazil-ubuntu",
			want: []kv{
				{"net.core.somaxconn", "128", 238, ""},
				{"net.ipv4.ip_forward", "0", 396, ""},
				{"net.ipv4.conf.default.rp_filter", "1", 307, ""},
				{"kernel.hostname", "kbrazil-ubuntu", 108, ""},
			},
		},
		{
			file: "rhcos-ocp4-master-sosreport-sysctl-a.txt", keys: 975, warnings: 1,
			detail: "975 keys; net.core.somaxconn = 128, net.ipv4.ip_forward = 1",
			want: []kv{
				{"net.core.somaxconn", "128", 273, ""},
				{"net.ipv4.tcp_max_syn_backlog", "256", 538, ""},
				{"net.ipv4.ip_forward", "1", 431, ""},
				{"net.ipv4.conf.default.rp_filter", "0", 342, ""},
				{"fs.protected_hardlinks", "1", 68, ""},
			},
		},
		{
			// troubleshoot's host collector: /proc/sys paths, flannel.1.
			file: "troubleshoot-baseline-primary-node-proc-sys-format.txt", keys: 800,
			detail: "800 keys; net.ipv4.ip_forward = 1, net.bridge.bridge-nf-call-iptables = 1",
			want: []kv{
				{"net.ipv4.ip_forward", "1", 450, "/proc/sys/net/ipv4/ip_forward"},
				{"net.bridge.bridge-nf-call-iptables", "1", 746, "/proc/sys/net/bridge/bridge-nf-call-iptables"},
				{"net.ipv4.conf.all.rp_filter", "2", 28, "/proc/sys/net/ipv4/conf/all/rp_filter"},
				{"net.ipv4.tcp_max_syn_backlog", "1024", 690, "/proc/sys/net/ipv4/tcp_max_syn_backlog"},
				{"net.ipv4.conf.flannel/1.rp_filter", "2", 160, "/proc/sys/net/ipv4/conf/flannel.1/rp_filter"},
				{"net.ipv4.neigh.flannel/1.gc_stale_time", "60", 0, "/proc/sys/net/ipv4/neigh/flannel.1/gc_stale_time"},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			a := parsertest.Load(t, filepath.Join(realworld, "sysctl", tc.file))
			if !(Sysctl{}).Detect(a) {
				t.Fatal("not detected")
			}
			p := parseArtifact(t, a)
			if p.err != nil {
				t.Fatal(p.err)
			}
			if len(p.settings) != tc.keys {
				t.Errorf("%d keys, want %d", len(p.settings), tc.keys)
			}
			if p.res.Detail != tc.detail {
				t.Errorf("detail %q\nwant   %q", p.res.Detail, tc.detail)
			}
			if len(p.res.Warnings) != tc.warnings {
				t.Errorf("warnings %q", p.res.Warnings)
			}
			for _, w := range tc.want {
				s, ok := p.settings[w.key]
				if !ok {
					t.Errorf("no key %s", w.key)
					continue
				}
				if s.Value != w.value || (w.line != 0 && s.Line != w.line) || s.RawKey != w.rawKey || s.File != a.Path {
					t.Errorf("%s = %+v, want %q on line %d raw %q", w.key, s, w.value, w.line, w.rawKey)
				}
			}
			switch {
			case tc.host != "" && (p.att.Method != "hostname" || p.att.Node != tc.host):
				t.Errorf("attribution %+v, want host %s", p.att, tc.host)
			case tc.host == "" && p.att.Method == "hostname":
				t.Errorf("a placeholder host name attributed the file: %+v", p.att)
			}
		})
	}
}

// TestMatchesIndependentDecode compares every single-line key of the
// dotted samples with a split on " = " done here.
func TestMatchesIndependentDecode(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(realworld, "sysctl", "*-sysctl-a*.txt"))
	files = append(files, "testdata/generated/sysctl-a-netns.txt")
	if len(files) != 4 {
		t.Fatalf("files %v", files)
	}
	for _, f := range files {
		want := map[string]string{}
		count := map[string]int{}
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			k, v, ok := strings.Cut(sc.Text(), " = ")
			if !ok {
				k, ok = strings.CutSuffix(sc.Text(), " =")
			}
			if !ok {
				continue
			}
			want[k] = v
			count[k]++
		}
		fh.Close()
		p := parseArtifact(t, parsertest.Load(t, f))
		if len(p.settings) != len(want) {
			t.Errorf("%s: %d keys, independent decode %d", f, len(p.settings), len(want))
		}
		for k, v := range want {
			if count[k] == 1 && p.settings[k].Value != v {
				t.Errorf("%s: %s = %q, want %q", f, k, p.settings[k].Value, v)
			}
		}
	}
}

// The dev.cdrom.info block: one key, its lines joined, cited at the first.
func TestMultiLineValue(t *testing.T) {
	p := parseArtifact(t, parsertest.Load(t, filepath.Join(realworld, "sysctl", "centos-7.7-sysctl-a-jc.txt")))
	s := p.settings["dev.cdrom.info"]
	lines := strings.Split(s.Value, "\n")
	if s.Line != 10 || len(lines) != 24 || lines[0] != "CD-ROM information, Id: cdrom.c 3.20 2003/12/17" || lines[2] != "drive name:\t\tsr0" {
		t.Errorf("dev.cdrom.info line %d, %d lines: %q", s.Line, len(lines), lines[:3])
	}
}

func TestGenerated(t *testing.T) {
	a := parsertest.Load(t, "testdata/generated/sysctl-a-netns.txt")
	if !(Sysctl{}).Detect(a) {
		t.Fatal("not detected")
	}
	p := parseArtifact(t, a)
	if p.err != nil || len(p.res.Warnings) != 0 {
		t.Fatalf("err %v warnings %q", p.err, p.res.Warnings)
	}
	// make.sh set somaxconn in the namespace and a host name in a UTS
	// namespace; both must come back.
	if v := p.settings["net.core.somaxconn"].Value; v != "4" {
		t.Errorf("somaxconn %q, want 4", v)
	}
	if p.att.Method != "hostname" || p.att.Node != "ktriage-lq-node" {
		t.Errorf("attribution %+v", p.att)
	}
	if len(p.settings) < 500 {
		t.Errorf("only %d keys", len(p.settings))
	}
}

// The troubleshoot bundle holds the path-form sample as sysctl/primary-node:
// read through the loader from the .tar.gz, it must parse the same.
func TestInsideSupportBundle(t *testing.T) {
	b, err := loader.Load([]string{filepath.Join(realworld, "bundles", "troubleshoot-ci-baseline-supportbundle.tar.gz")}, loader.Limits{}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	n := 0
	for _, a := range b.Artifacts {
		if !(Sysctl{}).Detect(a) {
			continue
		}
		n++
		if !strings.HasSuffix(a.Inner, "supportbundle/sysctl/primary-node") {
			t.Errorf("claimed %s", a.Path)
		}
		p := parseArtifact(t, a)
		if p.err != nil || len(p.settings) != 800 || p.settings["net.ipv4.ip_forward"].Value != "1" {
			t.Errorf("err %v keys %d", p.err, len(p.settings))
		}
	}
	if n != 1 {
		t.Errorf("%d artifacts claimed, want 1", n)
	}
}
