package iptables

import (
	"path/filepath"
	"testing"
)

// tableWant is a table's chain and rule count, its header line and COMMIT.
type tableWant struct {
	chains, rules, line int
	committed           bool
}

type sampleWant struct {
	file      string
	kind      string // "" = iptables-save
	rulesets  int    // 0 = 1
	generator string
	variant   string
	family    string
	partial   bool
	legacy    bool
	counters  bool
	tables    map[string]tableWant
	// KUBE-MARK-DROP in nat: declared, and holding MARK --set-xmark 0x8000/0x8000.
	markDropDeclared, markDropRule bool
	comment                        string   // a comment some rule carries
	undeclared                     []string // "table/chain" that must be listed
	noUndeclared                   bool
	warning                        string // a warning that must be present
	check                          func(t *testing.T, rs *Ruleset)
}

func checkSample(t *testing.T, path string, w sampleWant) {
	t.Helper()
	out := parseData(t, filepath.Base(path), readFile(t, path))
	wantKind := w.kind
	if wantKind == "" {
		wantKind = "iptables-save"
	}
	if out.kind != wantKind {
		t.Errorf("kind = %q, want %q", out.kind, wantKind)
	}
	n := w.rulesets
	if n == 0 {
		n = 1
	}
	if len(out.rulesets) != n {
		t.Fatalf("%d rulesets, want %d", len(out.rulesets), n)
	}
	rs := out.rulesets[0]
	if rs.Generator != w.generator || rs.Variant != w.variant || rs.Family != w.family {
		t.Errorf("generator/variant/family = %q/%q/%q, want %q/%q/%q", rs.Generator, rs.Variant, rs.Family, w.generator, w.variant, w.family)
	}
	if rs.Partial != w.partial || rs.LegacyTablesPresent != w.legacy || rs.Counters != w.counters {
		t.Errorf("partial/legacy/counters = %v/%v/%v, want %v/%v/%v", rs.Partial, rs.LegacyTablesPresent, rs.Counters, w.partial, w.legacy, w.counters)
	}
	if len(rs.Tables) != len(w.tables) {
		t.Errorf("tables %v, want %d tables", keys(rs.Tables), len(w.tables))
	}
	for name, tw := range w.tables {
		tb := table(t, rs, name)
		c, r := counts(tb)
		if c != tw.chains || r != tw.rules || tb.Line != tw.line || tb.Committed != tw.committed {
			t.Errorf("table %s: %d chains, %d rules, line %d, committed %v; want %d, %d, %d, %v",
				name, c, r, tb.Line, tb.Committed, tw.chains, tw.rules, tw.line, tw.committed)
		}
	}
	decl, rule := markDrop(rs)
	if decl != w.markDropDeclared || rule != w.markDropRule {
		t.Errorf("KUBE-MARK-DROP declared/rule = %v/%v, want %v/%v", decl, rule, w.markDropDeclared, w.markDropRule)
	}
	if w.comment != "" && findComment(rs, w.comment) == nil {
		t.Errorf("no rule with comment %q", w.comment)
	}
	for _, u := range w.undeclared {
		tn, cn, _ := cut(u)
		if undeclared(rs, tn, cn) == nil {
			t.Errorf("undeclared target %s not listed (have %+v)", u, rs.UndeclaredTargets)
		}
	}
	if w.noUndeclared && len(rs.UndeclaredTargets) > 0 {
		t.Errorf("unexpected undeclared targets %+v", rs.UndeclaredTargets)
	}
	if w.warning != "" && !hasWarning(out.warnings, w.warning) {
		t.Errorf("no warning containing %q in %q", w.warning, out.warnings)
	}
	// Every rule has a chain and a line; the text is bounded.
	for tn, tb := range rs.Tables {
		for cn, c := range tb.Chains {
			if cn == "" {
				t.Errorf("table %s has a chain with no name", tn)
			}
			for _, r := range c.Rules {
				if r.Line <= 0 || len(r.Text) > maxText {
					t.Errorf("%s/%s: rule line %d, text %d bytes", tn, cn, r.Line, len(r.Text))
				}
			}
		}
	}
	if w.check != nil {
		w.check(t, rs)
	}
}

func cut(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func TestRealWorldSamples(t *testing.T) {
	for _, w := range []sampleWant{
		{
			file: "eks-awsvpccni-1.4.21-reinvent2018-net410.txt", generator: "iptables-save v1.4.21", variant: "legacy", family: "ipv4",
			tables: map[string]tableWant{
				"mangle": {5, 2, 2, true}, "nat": {17, 29, 13, true}, "filter": {7, 7, 63, true},
			},
			markDropDeclared: true, markDropRule: true, comment: "default/kubernetes:https cluster IP", noUndeclared: true,
			check: func(t *testing.T, rs *Ruleset) {
				pre := chain(t, rs, "mangle", "PREROUTING")
				if !pre.Declared || !pre.Builtin || pre.Policy != "ACCEPT" || pre.Packets != 604975 || pre.Bytes != 226116018 || pre.Line != 3 {
					t.Errorf("mangle PREROUTING = %+v", *pre)
				}
				r := findRule(chain(t, rs, "nat", "POSTROUTING"), "AWS, SNAT")
				if r == nil || r.Target != "SNAT" || r.Destination != "192.168.0.0/16" || !sameStrings(r.Negations, []string{"-d", "--dst-type"}) || r.Comment != "AWS, SNAT" {
					t.Errorf("SNAT rule = %+v", r)
				}
				r = findRule(chain(t, rs, "nat", "KUBE-SEP-U7PHXUKERII2F73Z"), "DNAT")
				if r == nil || r.ToDestination != "192.168.119.102:443" || r.Protocol != "tcp" || !sameStrings(r.Matches, []string{"-m comment", "-m recent", "-m tcp"}) {
					t.Errorf("DNAT rule = %+v", r)
				}
				if c := chain(t, rs, "nat", "KUBE-SERVICES"); !c.Declared || c.Builtin || c.Policy != "-" || c.Line != 27 {
					t.Errorf("nat KUBE-SERVICES = %+v", *c)
				}
				r = findRule(chain(t, rs, "mangle", "PREROUTING"), "--set-xmark")
				if r == nil || r.Target != "CONNMARK" || r.SetXmark != "0x80/0x80" || r.InInterface != "eth0" {
					t.Errorf("CONNMARK rule = %+v", r)
				}
			},
		},
		{
			// Lines separated by bare CR and indented by one space.
			file: "aks-azure-npm-kube-proxy-iptables-1.8.4-v1-CR-line-endings.txt", generator: "iptables-save v1.8.4", variant: "unknown", family: "ipv4",
			tables: map[string]tableWant{
				"mangle": {7, 0, 2, true}, "nat": {98, 231, 13, true}, "security": {3, 3, 346, true}, "filter": {20, 48, 356, true},
			},
			markDropDeclared: true, markDropRule: true, comment: "ALLOW-ns-ns:y-AND-pod:b:c-AND-TCP-PORT-80-TO-pod:a-IN-ns-y", noUndeclared: true,
			check: func(t *testing.T, rs *Ruleset) {
				c := chain(t, rs, "nat", "KUBE-MARK-DROP")
				if c.Line != 20 || c.Rules[0].Line != 120 {
					t.Errorf("KUBE-MARK-DROP declared at %d, rule at %d; want 20, 120", c.Line, c.Rules[0].Line)
				}
				// The comment sits past the 240 bytes text keeps.
				r := findComment(rs, "ALLOW-ns-ns:y-AND-pod:b:c-AND-TCP-PORT-80-TO-pod:a-IN-ns-y")
				if r == nil || r.Line != 415 || len(r.Text) != maxText || r.MatchSet != "azure-npm-701675643 src" || r.Dport != "80" || r.SetXmark != "0x2000/0xffffffff" || r.Text[0] != '-' {
					t.Errorf("NPM rule = %+v", r)
				}
			},
		},
		{
			file: "aks-azure-npm-kube-proxy-iptables-1.8.4-v2.txt", generator: "iptables-save v1.8.4", variant: "unknown", family: "ipv4",
			tables: map[string]tableWant{
				"mangle": {7, 0, 2, true}, "nat": {96, 226, 13, true}, "filter": {19, 41, 339, true}, "security": {3, 3, 403, true},
			},
			markDropDeclared: true, markDropRule: true, noUndeclared: true,
			comment: "ip-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom IP-MASQ-AGENT chain",
			check: func(t *testing.T, rs *Ruleset) {
				// Line 408 is in *security (line 403), not *filter.
				r := findRule(chain(t, rs, "security", "OUTPUT"), "--uid-owner 0")
				if r == nil || r.Line != 408 || r.Destination != "168.63.129.16/32" || r.Target != "ACCEPT" {
					t.Errorf("wireserver rule = %+v", r)
				}
			},
		},
		{
			// iptables-save -t filter: no nat, so no KUBE-MARK-DROP at all.
			file: "aks-azure-npm-filter-table-only-2021.txt", generator: "iptables-save v1.8.4", variant: "unknown", family: "ipv4",
			tables:  map[string]tableWant{"filter": {23, 80, 2, true}},
			comment: "DROP-ALL-FROM-app:frontend-IN-ns-testnamespace", noUndeclared: true,
			check: func(t *testing.T, rs *Ruleset) {
				// Unquoted one-word comment.
				if findComment(rs, "RETURN-on-EGRESS-mark-0x1000") == nil {
					t.Error("unquoted comment not read")
				}
			},
		},
		{
			file: "kind-v1.23.5-iptables-1.8.4-ericpuwang.txt", generator: "iptables-save v1.8.4", variant: "unknown", family: "ipv4",
			tables: map[string]tableWant{
				"mangle": {7, 0, 2, true}, "filter": {10, 13, 14, true}, "nat": {29, 58, 42, true},
			},
			markDropDeclared: true, markDropRule: true, noUndeclared: true,
			comment: "kubernetes health check service ports",
			check: func(t *testing.T, rs *Ruleset) {
				r := findRule(chain(t, rs, "filter", "KUBE-FIREWALL"), "block incoming localnet")
				if r == nil || !sameStrings(r.Negations, []string{"-s", "--ctstate"}) || r.Source != "127.0.0.0/8" || r.Destination != "127.0.0.0/8" || r.Target != "DROP" {
					t.Errorf("localnet rule = %+v", r)
				}
				r = findRule(chain(t, rs, "nat", "DOCKER_OUTPUT"), "--dport 53")
				if r == nil || r.ToDestination != "127.0.0.11:42845" {
					t.Errorf("DOCKER_OUTPUT rule = %+v", r)
				}
			},
		},
		{
			// IPVS-mode *nat fragment: no declarations, no COMMIT, and no
			// KUBE-MARK-DROP rule while KUBE-FIREWALL jumps to it.
			file: "ipvs-mode-nat-fragment-healthy-node-lijiaocn.txt", variant: "unknown", family: "ipv4", partial: true,
			tables:     map[string]tableWant{"nat": {9, 12, 1, false}},
			undeclared: []string{"nat/KUBE-MARK-DROP", "nat/KUBE-SERVICES", "nat/KUBE-MARK-MASQ"},
			comment:    "Kubernetes service cluster ip + port for masquerade purpose",
			warning:    "ends without COMMIT",
			check: func(t *testing.T, rs *Ruleset) {
				u := undeclared(rs, "nat", "KUBE-MARK-DROP")
				if u.Line != 5 || u.HasRules || u.Text != "-A KUBE-FIREWALL -j KUBE-MARK-DROP" {
					t.Errorf("KUBE-MARK-DROP undeclared = %+v", *u)
				}
				if u := undeclared(rs, "nat", "KUBE-SERVICES"); !u.HasRules {
					t.Errorf("KUBE-SERVICES has rules here: %+v", *u)
				}
				r := findRule(chain(t, rs, "nat", "KUBE-SERVICES"), "172.16.128.0/17")
				if r == nil || r.Line != 11 || r.MatchSet != "KUBE-CLUSTER-IP dst,dst" || r.Source != "172.16.128.0/17" || !sameStrings(r.Negations, []string{"-s"}) || r.Target != "KUBE-MARK-MASQ" {
					t.Errorf("cluster-ip masquerade rule = %+v", r)
				}
				if c := chain(t, rs, "nat", "KUBE-FIREWALL"); c.Declared || c.Line != 0 || c.Policy != "" {
					t.Errorf("undeclared chain = %+v", *c)
				}
				if c := chain(t, rs, "nat", "POSTROUTING"); c.Declared || !c.Builtin {
					t.Errorf("POSTROUTING = %+v", *c)
				}
			},
		},
		{
			// The broken node: KUBE-MARK-DROP has its rule (undeclared), and
			// the "! -s <podCIDR> … KUBE-CLUSTER-IP" masquerade rule is absent.
			file: "ipvs-mode-nat-fragment-broken-node-missing-cluster-cidr-lijiaocn.txt", variant: "unknown", family: "ipv4", partial: true,
			tables:       map[string]tableWant{"nat": {8, 12, 1, false}},
			markDropRule: true,
			undeclared:   []string{"nat/DOCKER", "nat/KUBE-MARK-MASQ"},
			check: func(t *testing.T, rs *Ruleset) {
				for _, r := range chain(t, rs, "nat", "KUBE-SERVICES").Rules {
					if r.MatchSet == "KUBE-CLUSTER-IP dst,dst" {
						t.Errorf("unexpected cluster-ip rule %q", r.Text)
					}
				}
				if undeclared(rs, "nat", "KUBE-MARK-DROP") != nil {
					t.Error("nothing jumps to KUBE-MARK-DROP here")
				}
				r := findRule(chain(t, rs, "nat", "KUBE-SERVICES"), "KUBE-NODE-PORT-TCP")
				if r == nil || r.MatchSet != "KUBE-NODE-PORT-TCP dst" {
					t.Errorf("nodeport rule = %+v", r)
				}
				r = findRule(chain(t, rs, "nat", "POSTROUTING"), "docker0")
				if r == nil || r.OutInterface != "docker0" || !sameStrings(r.Negations, []string{"-o"}) {
					t.Errorf("docker masquerade = %+v", r)
				}
			},
		},
		{
			file: "pod-netns-sidecar-redirect-no-kube-chains-lijiaocn.txt", generator: "iptables-save v1.6.2", variant: "legacy", family: "ipv4",
			tables: map[string]tableWant{"nat": {5, 4, 2, true}}, noUndeclared: true,
			check: func(t *testing.T, rs *Ruleset) {
				for name := range table(t, rs, "nat").Chains {
					if len(name) > 5 && name[:5] == "KUBE-" {
						t.Errorf("KUBE chain %s in a pod netns dump", name)
					}
				}
				r := findRule(chain(t, rs, "nat", "LOCAL_PROXY"), "8080")
				if r == nil || r.Target != "REDIRECT" || r.Dport != "8080" {
					t.Errorf("redirect = %+v", r)
				}
				if c := chain(t, rs, "nat", "OUTPUT"); c.Packets != 1 || c.Bytes != 60 {
					t.Errorf("OUTPUT counters %d/%d", c.Packets, c.Bytes)
				}
			},
		},
		{
			// grep transcript: prompts skipped, repeated lines kept once, and
			// the headless rules attributed to nat by their chains.
			file: "k3s-metallb-iptables-save-grep-transcript-robric.txt", variant: "unknown", family: "ipv4", partial: true,
			tables:     map[string]tableWant{"nat": {4, 9, 2, false}},
			comment:    "default/nginx-mlb-l2-service -> 10.42.0.25:8080",
			undeclared: []string{"nat/KUBE-MARK-MASQ", "nat/KUBE-SEP-H3SFLVALEZ5LECV3"},
			warning:    "shell prompt line skipped",
			check: func(t *testing.T, rs *Ruleset) {
				c := chain(t, rs, "nat", "KUBE-EXT-W47NQ5DDJKUWFTVY")
				if !c.Declared || c.Line != 4 || len(c.Rules) != 2 {
					t.Errorf("KUBE-EXT chain = %+v", *c)
				}
				if n := len(chain(t, rs, "nat", "KUBE-SVC-W47NQ5DDJKUWFTVY").Rules); n != 4 {
					t.Errorf("KUBE-SVC has %d rules, want 4 (duplicates dropped)", n)
				}
			},
		},
		{
			// nft list ruleset: read into the same shape.
			file: "rhcos-ocp4-master-sosreport-nft-list-ruleset.nft.txt", kind: "nft-ruleset", variant: "nft-ruleset", family: "ipv4", counters: true,
			tables:           map[string]tableWant{"nat": {7, 4, 1, true}, "filter": {4, 3, 31, true}},
			markDropDeclared: true, markDropRule: true, noUndeclared: true,
			check: func(t *testing.T, rs *Ruleset) {
				r := chain(t, rs, "nat", "POSTROUTING").Rules[0]
				if r.Target != "KUBE-POSTROUTING" || r.Packets != 107561 || r.Bytes != 7523145 || r.Line != 12 {
					t.Errorf("POSTROUTING rule = %+v", r)
				}
				if c := chain(t, rs, "nat", "POSTROUTING"); !c.Builtin || c.Policy != "ACCEPT" {
					t.Errorf("POSTROUTING = %+v", *c)
				}
				if c := chain(t, rs, "nat", "KUBE-MARK-MASQ"); c.Builtin || c.Policy != "-" || c.Rules[0].SetXmark != "0x4000/0x4000" {
					t.Errorf("KUBE-MARK-MASQ = %+v", *c)
				}
				if r := chain(t, rs, "filter", "KUBE-FIREWALL").Rules[0]; r.Target != "DROP" {
					t.Errorf("KUBE-FIREWALL rule = %+v", r)
				}
			},
		},
	} {
		t.Run(w.file, func(t *testing.T) { checkSample(t, filepath.Join(realDir, w.file), w) })
	}
}
