package iptables

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/parsers"
	"github.com/ktriage/ktriage/internal/parsers/parsertest"
)

// The document other code reads: exact key names, through facts.ToDoc and
// the builder's node merge.
func TestSaveDocumentShape(t *testing.T) {
	a := parsertest.Load(t, filepath.Join(genDir, "nft-kube-proxy-counters.txt"))
	sec, res, err := sectionOf(t, Save{}, a, "iptables")
	if err != nil || len(sec) != 1 {
		t.Fatalf("err %v, %d rulesets", err, len(sec))
	}
	rs := sec[0].(map[string]any)
	if got := sortedKeys(rs); got != "counters,family,file,generator,legacy_tables_present,partial,tables,undeclared_targets,variant,variant_from,warning_line" {
		t.Errorf("ruleset keys %s", got)
	}
	nat := rs["tables"].(map[string]any)["nat"].(map[string]any)
	if got := sortedKeys(nat); got != "chains,committed,line" {
		t.Errorf("table keys %s", got)
	}
	md := nat["chains"].(map[string]any)["KUBE-MARK-DROP"].(map[string]any)
	if got := sortedKeys(md); got != "builtin,bytes,declared,line,packets,policy,rules" {
		t.Errorf("chain keys %s", got)
	}
	rule := md["rules"].([]any)[0].(map[string]any)
	if got := sortedKeys(rule); got != "bytes,goto,line,packets,set_xmark,target,text" {
		t.Errorf("rule keys %s", got)
	}
	if rule["set_xmark"] != "0x8000/0x8000" || rule["target"] != "MARK" {
		t.Errorf("rule %v", rule)
	}
	svc := nat["chains"].(map[string]any)["KUBE-SERVICES"].(map[string]any)["rules"].([]any)[0].(map[string]any)
	if got := sortedKeys(svc); got != "bytes,comment,destination,dport,goto,line,matches,negations,packets,protocol,source,target,text" {
		t.Errorf("full rule keys %s", got)
	}
	if res.Detail != "iptables-nft-save v1.8.9 (nf_tables): nat (12 chains, 16 rules), filter (6 chains, 8 rules)" || res.Kind != "" {
		t.Errorf("result %+v", res)
	}
	if res.Summary["rules"] != 24 || res.Summary["chains"] != 18 || res.Summary["rulesets"] != 1 {
		t.Errorf("summary %v", res.Summary)
	}

	// Undeclared targets keep their keys too.
	a = parsertest.Load(t, filepath.Join(realDir, "ipvs-mode-nat-fragment-healthy-node-lijiaocn.txt"))
	sec, _, _ = sectionOf(t, Save{}, a, "iptables")
	u := sec[0].(map[string]any)["undeclared_targets"].([]any)[0].(map[string]any)
	if got := sortedKeys(u); got != "chain,has_rules,line,table,text" {
		t.Errorf("undeclared keys %s", got)
	}
}

func TestSaveParseKinds(t *testing.T) {
	// nft list ruleset: its own kind in the inventory and on the node.
	a := parsertest.Load(t, filepath.Join(realDir, "rhcos-ocp4-master-sosreport-nft-list-ruleset.nft.txt"))
	b := facts.NewBuilder()
	res, err := Save{}.Parse(context.Background(), a, b)
	if err != nil || res.Kind != "nft-ruleset" || res.Detail != "nft list ruleset (ipv4): nat (7 chains, 4 rules), filter (4 chains, 3 rules)" {
		t.Fatalf("err %v result %+v", err, res)
	}
	f := b.Build()
	for _, n := range f.Nodes {
		files := n["files"].([]any)
		if k := files[0].(map[string]any)["kind"]; k != "nft-ruleset" {
			t.Errorf("node file kind %v", k)
		}
	}

	// A grep transcript's prompt names the host: the builder attributes it.
	a = parsertest.Load(t, filepath.Join(realDir, "k3s-metallb-iptables-save-grep-transcript-robric.txt"))
	b = facts.NewBuilder()
	if _, err := (Save{}).Parse(context.Background(), a, b); err != nil {
		t.Fatal(err)
	}
	if att := b.Build().NodeAttribution[a.Path]; att.Node != "vm1" || att.Method != "hostname" {
		t.Errorf("attribution %+v", att)
	}
}

func TestSaveNotApplicable(t *testing.T) {
	// Claimed by nothing, but if asked: prose is not a dump.
	a := parsertest.Write(t, "notes.txt", []byte("some notes\nabout the node\n"))
	_, res, err := sectionOf(t, Save{}, a, "iptables")
	if !errors.Is(err, parsers.ErrNotApplicable) || len(res.Warnings) != 2 {
		t.Fatalf("err %v warnings %q", err, res.Warnings)
	}
	_, _, err = sectionOf(t, IPVS{}, a, "ipvs")
	if !errors.Is(err, parsers.ErrNotApplicable) {
		t.Fatalf("ipvs err %v", err)
	}
}
