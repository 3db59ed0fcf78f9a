package iptables

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers/parsertest"
)

func TestDetectSamples(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(realDir, "*.txt"))
	gen, _ := filepath.Glob(filepath.Join(genDir, "*.txt"))
	files = append(files, gen...)
	if len(files) < 18 {
		t.Fatalf("only %d sample files", len(files))
	}
	for _, f := range files {
		a := parsertest.Load(t, f)
		want := !strings.Contains(f, "restore-error")
		if got := (Save{}).Detect(a); got != want {
			t.Errorf("%s: Save.Detect = %v, want %v", filepath.Base(f), got, want)
		}
		if (IPVS{}).Detect(a) {
			t.Errorf("%s: IPVS.Detect claims an iptables file", filepath.Base(f))
		}
	}
}

// Nothing else in the repository's real samples and dumps (Kubernetes JSON
// and YAML, ip addr, netstat -s, sysctl, pcaps, support bundles) is claimed.
func TestDetectRejectsOtherArtifacts(t *testing.T) {
	n := 0
	for _, dir := range []string{"../../../testdata/realworld", "../../../testdata/dumps"} {
		b, err := loader.Load([]string{dir}, loader.Limits{}, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range b.Artifacts {
			// iptables dumps themselves: the samples, and node files of the
			// fixtures (nodes/<node>/iptables-*.txt)
			// (nft rulesets are Save's too: a sosreport's nft_list_ruleset)
			if strings.Contains(a.Path, "iptables-save/") || strings.Contains(filepath.Base(a.Path), "iptables") || strings.HasPrefix(filepath.Base(a.Path), "nft_list_ruleset") {
				continue
			}
			n++
			if (Save{}).Detect(a) || (IPVS{}).Detect(a) {
				t.Errorf("%s claimed (save %v, ipvs %v)", a.Path, (Save{}).Detect(a), (IPVS{}).Detect(a))
			}
		}
		b.Close()
	}
	if n < 100 {
		t.Errorf("only %d artifacts checked", n)
	}
}

func TestDetectContent(t *testing.T) {
	for _, tc := range []struct {
		name      string
		content   string
		save, vs  bool
		parseKind string
	}{
		{name: "kube-proxy log quoting a rule", content: "I0523 10:00:00.000000       1 proxier.go:1450] Failed to execute iptables-restore for nat: exit status 1 (-A KUBE-SERVICES -j KUBE-MARK-DROP)\nE0523 10:00:01.000000       1 proxier.go:1451] Failed\n"},
		{name: "kube-proxy log with a raw restore dump", content: "I0523 10:00:00.000000       1 proxier.go:1450] Restoring iptables rules: *filter\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j REJECT\nCOMMIT\n*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j KUBE-MARK-DROP\nCOMMIT\n"},
		{name: "iptables -L", content: "Chain INPUT (policy ACCEPT 0 packets, 0 bytes)\n pkts bytes target     prot opt in     out     source               destination\n    0     0 KUBE-FIREWALL  all  --  *      *       0.0.0.0/0            0.0.0.0/0\n"},
		{name: "JSON", content: `{"kind":"List","items":[{"kind":"Pod","metadata":{"name":"-A KUBE-SERVICES"}}]}` + "\n"},
		{name: "YAML", content: "apiVersion: v1\nkind: ConfigMap\ndata:\n  rules: |\n    -A KUBE-SERVICES -j ACCEPT\n    -A KUBE-SERVICES -j DROP\n"},
		{name: "markdown bullets", content: "*nat is the table*\n* filter\n- A list item\n- another\n"},
		{name: "sysctl", content: "net.ipv4.ip_forward = 1\nnet.core.somaxconn = 4096\n"},
		{name: "ipvsadm-save is not iptables", content: "-A -t 10.96.0.1:443 -s rr\n-a -t 10.96.0.1:443 -r 192.168.0.10:6443 -m -w 1\n", vs: true},
		{name: "single rule line among prose", content: "We saw this rule:\n-A KUBE-SERVICES -j KUBE-MARK-DROP\nand then things broke.\nMore prose here.\n"},
		{name: "grep of two rules", content: "-A KUBE-SERVICES -j KUBE-MARK-DROP\n-A KUBE-MARK-DROP -j MARK --set-xmark 0x8000/0x8000\n", save: true, parseKind: "iptables-save"},
		{name: "counter-prefixed rules", content: "[0:0] -A KUBE-SERVICES -j KUBE-MARK-DROP\n[1:2] -A OUTPUT -j KUBE-SERVICES\n", save: true, parseKind: "iptables-save"},
		{name: "legacy warning only", content: "# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n", save: true, parseKind: "iptables-save"},
		{name: "nft file", content: "#!/usr/sbin/nft -f\nflush ruleset\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\tct state established accept\n\t}\n}\n", save: true, parseKind: "nft-ruleset"},
		{name: "ipvsadm -Ln", content: "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n", vs: true},
		{name: "ipvsadm after a prompt", content: "[root@lb ~]# ipvsadm -ln\nIP Virtual Server version 1.2.1 (size=4096)\n", vs: true},
		{name: "ipvsadm error", content: "Can't initialize ipvs: Protocol not available\nAre you sure that IP Virtual Server is built in the kernel or as module?\n"},
		{name: "dmesg IPVS", content: "[    5.1] IPVS: Registered protocols (TCP, UDP, SCTP, AH, ESP)\n[    5.2] IPVS: ipvs loaded.\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := parsertest.Write(t, "f.txt", []byte(tc.content))
			if got := (Save{}).Detect(a); got != tc.save {
				t.Errorf("Save.Detect = %v, want %v", got, tc.save)
			}
			if got := (IPVS{}).Detect(a); got != tc.vs {
				t.Errorf("IPVS.Detect = %v, want %v", got, tc.vs)
			}
			if tc.parseKind != "" {
				if out := parseData(t, tc.name, []byte(tc.content)); out.kind != tc.parseKind || !out.found {
					t.Errorf("parsed as %q (found %v)", out.kind, out.found)
				}
			}
		})
	}
}

// The loader's head is 8 KiB: a dump whose first 8 KiB are one long
// comment-free rule still counts, and a cut last line is not judged.
func TestDetectLongHead(t *testing.T) {
	long := "*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -m comment --comment \"" + strings.Repeat("y", 20000) + "\" -j ACCEPT\nCOMMIT\n"
	if !(Save{}).Detect(parsertest.Write(t, "long.txt", []byte(long))) {
		t.Error("long first rule: not detected")
	}
	prose := strings.Repeat("free text that is not iptables\n", 300)
	if (Save{}).Detect(parsertest.Write(t, "prose.txt", []byte("-A KUBE-SERVICES -j ACCEPT\n-A X -j Y\n"+prose))) {
		t.Error("two rules then 8 KiB of prose: claimed")
	}
}

// iptables 1.8 legacy prints a plain "iptables-save v1.8.x": the file name a
// collector gave it is then the only witness of the back end.
func TestVariantFromFileName(t *testing.T) {
	for name, want := range map[string]string{
		"nodes/vm-8/iptables-legacy-save.txt": "legacy",
		"nodes/vm-8/iptables-nft-save.txt":    "nft",
		"nodes/vm-8/iptables-save.txt":        "",
	} {
		if got := variantFromName(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}
