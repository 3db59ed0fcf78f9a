package iptables

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/ktriage/ktriage/internal/parsers"
	"github.com/ktriage/ktriage/internal/parsers/parsertest"
)

// Outputs made on a real host by testdata/generated/make.sh (see its
// README): iptables 1.8.9, both back ends, in throwaway network namespaces.

// kubeProxyChecks asserts what make.sh's kube_rules put in every back end.
func kubeProxyChecks(t *testing.T, rs *Ruleset) {
	t.Helper()
	svc := chain(t, rs, "nat", "KUBE-SERVICES")
	r := findComment(rs, `team "blue" svc`)
	if r == nil || !r.Goto || r.Target != "KUBE-SVC-NPX46M4PTMTKRN6Y" || r.Dport != "8080" {
		t.Errorf("goto rule with escaped-quote comment = %+v", r)
	}
	r = findRule(svc, "! -s 10.244.0.0/16")
	if r == nil || r.Source != "10.244.0.0/16" || r.Destination != "10.96.0.1/32" || !sameStrings(r.Negations, []string{"-s"}) ||
		r.Comment != "default/kubernetes:https cluster IP" || r.Target != "KUBE-MARK-MASQ" {
		t.Errorf("masquerade rule = %+v", r)
	}
	r = findRule(chain(t, rs, "filter", "KUBE-FORWARD"), "! --dport 22")
	if r == nil || r.Dport != "22" || !sameStrings(r.Negations, []string{"--dport"}) || r.Protocol != "tcp" {
		t.Errorf("! --dport rule = %+v", r)
	}
	r = findRule(chain(t, rs, "filter", "KUBE-SERVICES"), "REJECT")
	if r == nil || r.Target != "REJECT" || len(r.refs) != 0 {
		t.Errorf("REJECT rule = %+v (a target with options is not a chain)", r)
	}
	r = findRule(chain(t, rs, "nat", "KUBE-SEP-QRSTUVWXYZ234567"), "DNAT")
	if r == nil || r.ToDestination != "192.168.0.11:6443" {
		t.Errorf("DNAT rule = %+v", r)
	}
	if c := chain(t, rs, "nat", "KUBE-POSTROUTING"); !c.Declared || c.Builtin || c.Policy != "-" {
		t.Errorf("KUBE-POSTROUTING = %+v", *c)
	}
}

var kubeTables = map[string]tableWant{"filter": {6, 8, 2, true}, "nat": {12, 16, 20, true}}

func TestGeneratedSamples(t *testing.T) {
	for _, w := range []sampleWant{
		{
			file: "nft-kube-proxy.txt", generator: "iptables-nft-save v1.8.9 (nf_tables)", variant: "nft", family: "ipv4",
			tables: kubeTables, markDropDeclared: true, markDropRule: true, noUndeclared: true,
			comment: "kubernetes firewall for dropping marked packets", check: kubeProxyChecks,
		},
		{
			// iptables-nft-save -c: counters on chain lines and rule prefixes.
			file: "nft-kube-proxy-counters.txt", generator: "iptables-nft-save v1.8.9 (nf_tables)", variant: "nft", family: "ipv4", counters: true,
			tables: kubeTables, markDropDeclared: true, markDropRule: true, noUndeclared: true,
			check: func(t *testing.T, rs *Ruleset) {
				kubeProxyChecks(t, rs)
				if c := chain(t, rs, "filter", "INPUT"); c.Packets != 6 || c.Bytes != 300 || c.Policy != "ACCEPT" {
					t.Errorf("filter INPUT = %+v", *c)
				}
				svc := chain(t, rs, "nat", "KUBE-SVC-NPX46M4PTMTKRN6Y")
				if r := svc.Rules[0]; r.Packets != 2 || r.Bytes != 120 || r.Line != 47 {
					t.Errorf("first KUBE-SVC rule = %+v", r)
				}
				if r := chain(t, rs, "nat", "KUBE-MARK-DROP").Rules[0]; r.Packets != 0 || r.Text != "[0:0] -A KUBE-MARK-DROP -j MARK --set-xmark 0x8000/0x8000" {
					t.Errorf("KUBE-MARK-DROP rule = %+v", r)
				}
			},
		},
		{
			// iptables 1.8 legacy writes plain "iptables-save v1.8.9": the
			// back end cannot be told from the text.
			file: "legacy-kube-proxy.txt", generator: "iptables-save v1.8.9", variant: "unknown", family: "ipv4",
			tables: kubeTables, markDropDeclared: true, markDropRule: true, noUndeclared: true, check: kubeProxyChecks,
		},
		{
			file: "legacy-kube-proxy-counters.txt", generator: "iptables-save v1.8.9", variant: "unknown", family: "ipv4", counters: true,
			tables: kubeTables, markDropDeclared: true, markDropRule: true, noUndeclared: true,
			check: func(t *testing.T, rs *Ruleset) {
				kubeProxyChecks(t, rs)
				if r := findRule(chain(t, rs, "nat", "KUBE-SEP-ABCDEFGHIJKLMNOP"), "DNAT"); r.Packets != 3 || r.Bytes != 180 {
					t.Errorf("DNAT counters = %d/%d", r.Packets, r.Bytes)
				}
			},
		},
		{
			// The CentOS 8 split, nft side: kubelet's KUBE-MARK-DROP is
			// here, and iptables-nft says legacy tables exist too.
			file: "split-backend-nft-save.txt", generator: "iptables-nft-save v1.8.9 (nf_tables)", variant: "nft", family: "ipv4", legacy: true,
			tables:           map[string]tableWant{"filter": {4, 3, 3, true}, "nat": {7, 4, 14, true}},
			markDropDeclared: true, markDropRule: true, noUndeclared: true,
			check: func(t *testing.T, rs *Ruleset) {
				if rs.WarningLine != 1 {
					t.Errorf("warning_line = %d", rs.WarningLine)
				}
			},
		},
		{
			// The legacy side: kube-proxy's chains, no KUBE-MARK-DROP (its
			// restore failed: split-backend-legacy-restore-error.txt).
			file: "split-backend-legacy-save.txt", generator: "iptables-save v1.8.9", variant: "unknown", family: "ipv4",
			tables: map[string]tableWant{"nat": {10, 3, 2, true}}, noUndeclared: true,
			check: func(t *testing.T, rs *Ruleset) {
				for _, c := range []string{"KUBE-SERVICES", "KUBE-FIREWALL", "KUBE-MARK-MASQ", "KUBE-NODE-PORT"} {
					if !chain(t, rs, "nat", c).Declared {
						t.Errorf("%s not declared", c)
					}
				}
				if rs.Tables["nat"].Chains["KUBE-MARK-DROP"] != nil {
					t.Error("legacy view has KUBE-MARK-DROP")
				}
			},
		},
		{
			// Both saves concatenated, as a collection script writes them.
			file: "split-backend-both.txt", rulesets: 2, generator: "iptables-nft-save v1.8.9 (nf_tables)", variant: "nft", family: "ipv4", legacy: true,
			tables:           map[string]tableWant{"filter": {4, 3, 3, true}, "nat": {7, 4, 14, true}},
			markDropDeclared: true, markDropRule: true, noUndeclared: true,
			warning: "line 29: table nat appears again: a second dump starts here; kept as ruleset 2",
		},
		{
			file: "ip6tables-nft-kube-proxy.txt", generator: "ip6tables-nft-save v1.8.9 (nf_tables)", variant: "nft", family: "ipv6",
			tables: map[string]tableWant{"nat": {9, 9, 2, true}}, markDropDeclared: true, markDropRule: true, noUndeclared: true,
			comment: "kube-system/kube-dns:dns cluster IP",
			check: func(t *testing.T, rs *Ruleset) {
				r := findRule(chain(t, rs, "nat", "KUBE-SVC-DNS6AAAAAAAAAAAA"), "DNAT")
				if r == nil || r.ToDestination != "[fd00:10:244::5]:53" || r.Protocol != "udp" {
					t.Errorf("DNAT = %+v", r)
				}
			},
		},
		{
			// nft's own view of the iptables-nft rules of nft-kube-proxy.txt.
			file: "nft-list-ruleset-kube-proxy.txt", kind: "nft-ruleset", variant: "nft-ruleset", family: "ipv4", counters: true,
			tables:           map[string]tableWant{"nat": {12, 16, 1, true}, "filter": {6, 8, 58, true}},
			markDropDeclared: true, markDropRule: true, noUndeclared: true,
			check: func(t *testing.T, rs *Ruleset) {
				svc := chain(t, rs, "nat", "KUBE-SERVICES")
				r := findRule(svc, "saddr != 10.244.0.0/16")
				if r == nil || r.Source != "10.244.0.0/16" || !sameStrings(r.Negations, []string{"-s"}) || r.Destination != "10.96.0.1" ||
					r.Protocol != "tcp" || r.Dport != "443" || r.Target != "KUBE-MARK-MASQ" || r.Packets != 3 || r.Bytes != 180 {
					t.Errorf("masquerade rule = %+v", r)
				}
				r = findRule(svc, "goto")
				if r == nil || !r.Goto || r.Target != "KUBE-SVC-NPX46M4PTMTKRN6Y" {
					t.Errorf("goto rule = %+v", r)
				}
				r = findRule(chain(t, rs, "filter", "KUBE-FORWARD"), "dport != 22")
				if r == nil || r.Dport != "22" || !sameStrings(r.Negations, []string{"--dport"}) || r.Target != "ACCEPT" {
					t.Errorf("dport != 22 rule = %+v", r)
				}
				if r := findRule(chain(t, rs, "nat", "KUBE-SEP-ABCDEFGHIJKLMNOP"), "dnat"); r == nil || r.ToDestination != "192.168.0.10:6443" || r.Target != "DNAT" {
					t.Errorf("dnat rule = %+v", r)
				}
			},
		},
	} {
		t.Run(w.file, func(t *testing.T) { checkSample(t, filepath.Join(genDir, w.file), w) })
	}
}

// TestSplitBackendIncident reads the CentOS 8 situation the way the rule
// will: the nft dump says legacy tables exist and declares KUBE-MARK-DROP
// with its MARK rule; the legacy dump of the same host has kube-proxy's
// chains and no KUBE-MARK-DROP.
func TestSplitBackendIncident(t *testing.T) {
	out := parseData(t, "both", readFile(t, filepath.Join(genDir, "split-backend-both.txt")))
	if len(out.rulesets) != 2 {
		t.Fatalf("%d rulesets", len(out.rulesets))
	}
	nft, legacy := out.rulesets[0], out.rulesets[1]
	if !nft.LegacyTablesPresent || nft.Variant != "nft" {
		t.Errorf("nft ruleset: legacy=%v variant=%s", nft.LegacyTablesPresent, nft.Variant)
	}
	if d, r := markDrop(nft); !d || !r {
		t.Errorf("nft view: KUBE-MARK-DROP declared=%v rule=%v", d, r)
	}
	if legacy.Generator != "iptables-save v1.8.9" || legacy.LegacyTablesPresent {
		t.Errorf("legacy ruleset = %q legacy=%v", legacy.Generator, legacy.LegacyTablesPresent)
	}
	if d, _ := markDrop(legacy); d {
		t.Error("legacy view declares KUBE-MARK-DROP")
	}
	if !chain(t, legacy, "nat", "KUBE-SERVICES").Declared || table(t, legacy, "nat").Line != 29 {
		t.Errorf("legacy nat table = %+v", *table(t, legacy, "nat"))
	}
	if r := out.result(); r.Detail != "iptables-nft-save v1.8.9 (nf_tables): nat (7 chains, 4 rules), filter (4 chains, 3 rules); legacy tables also present | iptables-save v1.8.9: nat (10 chains, 3 rules)" {
		t.Errorf("detail = %q", r.Detail)
	}
}

// The failed restore's message is not a dump: not claimed, and Parse says
// so if asked.
func TestRestoreErrorIsNotASave(t *testing.T) {
	a := parsertest.Load(t, filepath.Join(genDir, "split-backend-legacy-restore-error.txt"))
	if (Save{}).Detect(a) || (IPVS{}).Detect(a) {
		t.Fatal("restore error output claimed")
	}
	_, _, err := sectionOf(t, Save{}, a, "iptables")
	if !errors.Is(err, parsers.ErrNotApplicable) {
		t.Fatalf("err = %v, want NotApplicable", err)
	}
}
