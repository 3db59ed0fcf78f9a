package iptables

import (
	"context"
	"strings"
	"testing"
	"time"
)

// nft list ruleset -a output with the shapes nft prints beyond what
// iptables-nft makes: several families, named sets, a verdict map spread
// over lines, handles, quoted names and comments.
const nftMixed = `table ip nat { # handle 1
	chain PREROUTING { # handle 1
		type nat hook prerouting priority dstnat; policy accept;
		counter packets 5 bytes 300 jump KUBE-SERVICES # handle 4
	}

	chain KUBE-SERVICES { # handle 2
		ip daddr 10.96.0.10 udp dport 53 counter packets 0 bytes 0 jump KUBE-SVC-DNS comment "kube-system/kube-dns:dns cluster IP" # handle 5
		ip daddr . meta l4proto . th dport vmap { 10.96.0.1 . tcp . 443 : goto KUBE-SVC-API,
			     10.96.0.2 . tcp . 80 : jump KUBE-SVC-GONE } # handle 6
	}

	chain KUBE-SVC-DNS {
		meta l4proto udp counter packets 0 bytes 0 dnat ip to 10.244.0.5:53
	}

	chain KUBE-SVC-API {
		iifname != "lo" meta mark set 0x00004000 counter packets 0 bytes 0
	}
}
table ip6 nat {
	chain POSTROUTING {
		type nat hook postrouting priority srcnat; policy drop;
		oifname "eth0" ip6 saddr fd00::/8 masquerade
	}
}
table inet "firewalld" {
	set allowed {
		type ipv4_addr
		elements = { 10.0.0.1, 10.0.0.2 }
	}

	chain filter_INPUT {
		type filter hook input priority filter + 10; policy accept;
		ip saddr @allowed tcp dport != 22 log prefix "in " drop
	}
}
`

func TestNftRuleset(t *testing.T) {
	out := parseData(t, "nft", []byte(nftMixed))
	if out.kind != "nft-ruleset" || len(out.rulesets) != 3 {
		t.Fatalf("kind %s, %d rulesets, warnings %q", out.kind, len(out.rulesets), out.warnings)
	}
	if len(out.warnings) != 0 {
		t.Errorf("warnings %q", out.warnings)
	}
	v4, v6, inet := out.rulesets[0], out.rulesets[1], out.rulesets[2]
	if v4.Family != "ipv4" || v6.Family != "ipv6" || inet.Family != "inet" {
		t.Errorf("families %s %s %s", v4.Family, v6.Family, inet.Family)
	}
	svc := chain(t, v4, "nat", "KUBE-SERVICES")
	if len(svc.Rules) != 2 {
		t.Fatalf("KUBE-SERVICES rules %+v", svc.Rules)
	}
	r := svc.Rules[0]
	if r.Target != "KUBE-SVC-DNS" || r.Comment != "kube-system/kube-dns:dns cluster IP" || r.Destination != "10.96.0.10" || r.Dport != "53" || r.Protocol != "udp" || strings.Contains(r.Text, "handle") {
		t.Errorf("rule 0 = %+v", r)
	}
	vm := svc.Rules[1]
	if vm.Line != 9 || vm.Target != "" || !sameStrings(vm.refs, []string{"KUBE-SVC-API", "KUBE-SVC-GONE"}) {
		t.Errorf("vmap rule = %+v", vm)
	}
	if u := undeclared(v4, "nat", "KUBE-SVC-GONE"); u == nil || u.Line != 9 || len(v4.UndeclaredTargets) != 1 {
		t.Errorf("undeclared %+v", v4.UndeclaredTargets)
	}
	if r := chain(t, v4, "nat", "KUBE-SVC-DNS").Rules[0]; r.ToDestination != "10.244.0.5:53" || r.Target != "DNAT" {
		t.Errorf("dnat = %+v", r)
	}
	if r := chain(t, v4, "nat", "KUBE-SVC-API").Rules[0]; r.SetMark != "0x4000" || r.Target != "MARK" || r.InInterface != "lo" || !sameStrings(r.Negations, []string{"-i"}) {
		t.Errorf("mark = %+v", r)
	}
	if c := chain(t, v4, "nat", "PREROUTING"); c.Line != 2 || c.Rules[0].Packets != 5 {
		t.Errorf("PREROUTING = %+v", *c)
	}
	if c := chain(t, v6, "nat", "POSTROUTING"); c.Policy != "DROP" || c.Rules[0].Target != "MASQUERADE" || c.Rules[0].OutInterface != "eth0" || c.Rules[0].Source != "fd00::/8" {
		t.Errorf("v6 POSTROUTING = %+v", *c)
	}
	fw := table(t, inet, "firewalld")
	if len(fw.Chains) != 1 {
		t.Errorf("set block read as a chain: %v", keys(fw.Chains))
	}
	if r := fw.Chains["filter_INPUT"].Rules[0]; r.Target != "DROP" || r.MatchSet != "allowed" || r.Dport != "22" || !sameStrings(r.Negations, []string{"--dport"}) {
		t.Errorf("inet rule = %+v", r)
	}
}

// A brace that never closes must not make the rest of a big file cost its
// square.
func TestNftUnclosedBrace(t *testing.T) {
	var b strings.Builder
	b.WriteString("table ip nat {\n\tchain X {\n\t\tip daddr { 10.0.0.1,\n")
	for i := 0; i < 200000; i++ {
		b.WriteString("\t\t\t10.0.0.2,\n")
	}
	start := time.Now()
	out, err := parseNft(context.Background(), strings.NewReader(b.String()), "x")
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	if !hasWarning(out.warnings, "line 3: rule with unbalanced braces runs to the end of the file") || !out.rulesets[0].Partial {
		t.Errorf("warnings %q", out.warnings)
	}
	if r := chain(t, out.rulesets[0], "nat", "X").Rules[0]; r.Line != 3 || len(r.Text) > maxText {
		t.Errorf("rule = %+v", r)
	}
}
