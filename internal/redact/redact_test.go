package redact

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/analyze"
	"github.com/ktriage/ktriage/internal/engine"
	"github.com/ktriage/ktriage/internal/report"
	"github.com/ktriage/ktriage/rules"
)

func jsonOf(t *testing.T, r *report.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A report whose node is named after its address: every field that names
// the address shows the same pseudonym, dotted or dashed.
func TestConsistentAcrossFields(t *testing.T) {
	const node = "ip-10-1-0-11.ec2.internal"
	r := &report.Report{
		Bundle: report.Bundle{
			Paths:     []string{"/tmp/case-10.1.0.11/bundle.tgz"},
			Nodes:     []string{node},
			NodeFiles: map[string]report.NodeFiles{node: {Present: []string{"ip addr"}}},
			// a file no node was found for, named after an address
			Unattributed: []string{"captures/10.1.0.11-eth0.pcap"},
		},
		Findings: []report.Finding{{
			Rule: "mtu", Severity: "high",
			Message:  "eth0 on " + node + " (10.1.0.11) has MTU 1450",
			Subjects: []report.Subject{{Kind: "Node", Name: node}},
			Evidence: []report.Evidence{
				{File: "nodes/" + node + "/ip-addr.txt", Line: 7, Text: "inet 10.1.0.11/24 brd 10.1.0.255 scope global eth0", Note: "eth0 holds the node's InternalIP 10.1.0.11"},
				{File: "nodes/" + node + "/ip-route.txt", Line: 2, Text: "10.1.0.0/24 dev eth0 proto kernel scope link src 10.1.0.11"},
			},
			Confirm: []string{"ping -M do -s 1402 10.1.0.12   # on " + node},
			Details: map[string]any{
				"node": node, "address": "10.1.0.11", "underlay_mtu": json.Number("1450"),
				"peers": []any{"10.1.0.12", map[string]any{"10.1.0.11": "self"}},
			},
		}},
		Inputs: []report.Input{{
			File: "nodes/" + node + "/ip-addr.txt", Node: node, Kind: "ip-addr", Status: "parsed",
			Detail: "2 interfaces: eth0 1450 (10.1.0.11/24)", Warnings: []string{"line 9: address 10.1.0.11 seen twice"},
			Summary: map[string]any{"addresses": json.Number("2")},
		}},
		Skipped: []report.Skipped{{Rule: "listen-overflow", Reason: "no ss -lnt for node " + node}},
	}
	if err := Report(r, Options{IPs: true, Key: testKey}); err != nil {
		t.Fatal(err)
	}
	out := jsonOf(t, r)
	if strings.Contains(out, "10.1.0.11") || strings.Contains(out, "10-1-0-11") || strings.Contains(out, "10.1.0.12") {
		t.Fatalf("an original address survived:\n%s", out)
	}
	m := newIPMapper(testKey)
	m.anchor(netip.MustParsePrefix("10.1.0.0/24"))
	host := m.mapAddr(mustAddr("10.1.0.11"))
	dotted, dashed := host.String(), "ip-"+strings.ReplaceAll(host.String(), ".", "-")
	net24 := netip.PrefixFrom(host, 24).Masked()
	brd := m.mapAddr(mustAddr("10.1.0.255"))
	f := r.Findings[0]
	checks := map[string]string{
		"bundle path":     r.Bundle.Paths[0],
		"node":            r.Bundle.Nodes[0],
		"unattributed":    r.Bundle.Unattributed[0],
		"message":         f.Message,
		"subject":         f.Subjects[0].Name,
		"evidence file":   f.Evidence[0].File,
		"evidence note":   f.Evidence[0].Note,
		"confirm":         f.Confirm[0],
		"details node":    f.Details["node"].(string),
		"details address": f.Details["address"].(string),
		"input file":      r.Inputs[0].File,
		"input node":      r.Inputs[0].Node,
		"input detail":    r.Inputs[0].Detail,
		"input warning":   r.Inputs[0].Warnings[0],
		"skipped":         r.Skipped[0].Reason,
	}
	for what, s := range checks {
		if !strings.Contains(s, dotted) && !strings.Contains(s, dashed) {
			t.Errorf("%s: %q names neither %s nor %s", what, s, dotted, dashed)
		}
	}
	if _, ok := r.Bundle.NodeFiles[dashed+".ec2.internal"]; !ok {
		t.Errorf("node_files keys: %v", r.Bundle.NodeFiles)
	}
	if _, ok := f.Details["peers"].([]any)[1].(map[string]any)[dotted]; !ok {
		t.Errorf("details map key not mapped: %v", f.Details["peers"])
	}
	wantText := "inet " + dotted + "/24 brd " + brd.String() + " scope global eth0"
	if f.Evidence[0].Text != wantText {
		t.Errorf("evidence %q, want %q", f.Evidence[0].Text, wantText)
	}
	if !strings.HasSuffix(brd.String(), ".255") || !net24.Contains(brd) {
		t.Errorf("brd %v is not the broadcast of %v", brd, net24)
	}
	if want := net24.String() + " dev eth0 proto kernel scope link src " + dotted; f.Evidence[1].Text != want {
		t.Errorf("route %q, want %q", f.Evidence[1].Text, want)
	}
	if !strings.Contains(f.Message, "MTU 1450") || f.Details["underlay_mtu"] != json.Number("1450") {
		t.Error("numbers changed")
	}
}

func TestDeterministicWithKey(t *testing.T) {
	mk := func() *report.Report {
		return &report.Report{Findings: []report.Finding{{
			Message:  "from 10.244.5.10:8080 to 10.244.4.10 and 2600:1f18::5, DB_PASSWORD=hunter2",
			Evidence: []report.Evidence{{Text: "inet 10.244.4.1/32 scope global tunl0"}},
		}}}
	}
	a, b, c := mk(), mk(), mk()
	for _, r := range []*report.Report{a, b} {
		if err := Report(r, Options{Secrets: true, IPs: true, Key: testKey}); err != nil {
			t.Fatal(err)
		}
	}
	if jsonOf(t, a) != jsonOf(t, b) {
		t.Error("the same key gave two reports")
	}
	if err := Report(c, Options{Secrets: true, IPs: true}); err != nil {
		t.Fatal(err)
	}
	if jsonOf(t, a) == jsonOf(t, c) {
		t.Error("a random key gave the fixed key's report")
	}
	if err := Report(mk(), Options{IPs: true, Key: []byte("short")}); err == nil {
		t.Error("a short key was accepted")
	}
}

// Secrets as they reach a report: quoted lines of several file formats,
// notes and details that name the variable, input warnings.
func TestSecretsInReport(t *testing.T) {
	secrets := []string{
		"hunter2", "s3cr3t-db-pass", "abcdef0123456789token", "AKIAIOSFODNN7EXAMPLE",
		"dXNlcjpwYXNzd29yZA==", "MIIEowIBAAKCAQEAv8", "pa55w0rd!",
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJl",
	}
	r := &report.Report{
		Findings: []report.Finding{{
			Rule: "user-rule", Severity: "medium",
			Message: "container api sets DB_PASSWORD=hunter2 in plain text",
			Evidence: []report.Evidence{
				{File: "deploy.yaml", Line: 30, Text: "- name: DB_PASSWORD"},
				{File: "deploy.yaml", Line: 31, Text: "value: hunter2", Note: "DB_PASSWORD is set from a literal"},
				{File: "deploy.yaml", Line: 40, Text: "- name: REDIS_PASSWORD"},
				{File: "deploy.yaml", Line: 41, Text: "value: s3cr3t-db-pass"},
				{File: "pods.json", Line: 12, Text: `{"name":"API_TOKEN","value":"abcdef0123456789token"}`},
				{File: "kubeconfig", Line: 18, Text: "client-key-data: MIIEowIBAAKCAQEAv8"},
				{File: "app.log", Line: 3, Text: `GET /x Authorization: Basic dXNlcjpwYXNzd29yZA== from AKIAIOSFODNN7EXAMPLE`},
				{File: "app.log", Line: 9, Text: "jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJl"},
			},
			Details: map[string]any{
				"env": []any{map[string]any{"name": "ADMIN_PASSWORD", "value": "pa55w0rd!"}},
			},
		}},
		Inputs: []report.Input{{File: "app.log", Warnings: []string{"line 7: cannot parse 'mysql://root:pa55w0rd!@db:3306'"}}},
	}
	if err := Report(r, Options{Secrets: true}); err != nil {
		t.Fatal(err)
	}
	out := jsonOf(t, r)
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("%q survived", s)
		}
	}
	for _, keep := range []string{"DB_PASSWORD", "REDIS_PASSWORD", "API_TOKEN", "client-key-data", "ADMIN_PASSWORD", "mysql://root:", "Authorization: Basic", "deploy.yaml"} {
		if !strings.Contains(out, keep) {
			t.Errorf("%q was lost", keep)
		}
	}
	if got := r.Findings[0].Evidence[1].Text; got != "value: [REDACTED]" {
		t.Errorf("value line: %q", got)
	}
	// Running again changes nothing.
	again := jsonOf(t, r)
	if err := Report(r, Options{Secrets: true}); err != nil {
		t.Fatal(err)
	}
	if jsonOf(t, r) != again {
		t.Error("secret redaction is not idempotent")
	}
}

func TestDocument(t *testing.T) {
	doc := map[string]any{
		"nodes": map[string]any{"ip-10-0-0-4": map[string]any{
			"addresses": []any{map[string]any{"address": "10.0.0.4", "prefix": json.Number("24"), "broadcast": "10.0.0.255"}},
		}},
		"kubernetes": map[string]any{"pods": []any{map[string]any{
			"status": map[string]any{"podIP": "10.244.1.5"},
			"spec": map[string]any{"containers": []any{map[string]any{"env": []any{
				map[string]any{"name": "DB_PASSWORD", "value": "hunter2"},
				map[string]any{"name": "MODE", "value": "fast"},
			}}}},
		}}},
	}
	if err := Document(doc, Options{Secrets: true, IPs: true, Key: testKey}); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(doc)
	out := string(b)
	for _, s := range []string{"10.0.0.4", "10-0-0-4", "10.244.1.5", "hunter2"} {
		if strings.Contains(out, s) {
			t.Errorf("%q survived: %s", s, out)
		}
	}
	if !strings.Contains(out, `"fast"`) || !strings.Contains(out, `"DB_PASSWORD"`) {
		t.Errorf("too much redacted: %s", out)
	}
	for _, n := range doc["nodes"].(map[string]any) {
		a := n.(map[string]any)["addresses"].([]any)[0].(map[string]any)
		if !strings.HasSuffix(a["broadcast"].(string), ".255") {
			t.Errorf("broadcast not kept: %v", a)
		}
	}
}

var reV4Token = regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`)

// End to end: the MTU incident fixture, analysed and redacted. No address
// of the bundle's ip addr and ip route files is left in the JSON, while the
// finding and its MTU arithmetic are.
func TestFixtureEndToEnd(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "dumps", "mtu-calico-ipip-incident", "bundle")
	eng, err := engine.New(context.Background(), engine.Options{Builtin: rules.FS})
	if err != nil {
		t.Fatal(err)
	}
	opts := analyze.Options{Inputs: []string{dir}, TempDir: t.TempDir()}
	parsed, err := analyze.Parse(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer parsed.Close()
	r, err := analyze.Evaluate(context.Background(), parsed, eng, opts)
	if err != nil {
		t.Fatal(err)
	}
	plain := jsonOf(t, r)
	if err := Report(r, Options{Secrets: true, IPs: true, Key: testKey}); err != nil {
		t.Fatal(err)
	}
	out := jsonOf(t, r)
	var md bytes.Buffer
	if err := report.WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}

	originals := map[string]bool{}
	files, _ := filepath.Glob(filepath.Join(dir, "nodes", "*", "ip-*.txt"))
	more, _ := filepath.Glob(filepath.Join(dir, "nodes", "*", "pods", "*", "ip-*.txt"))
	m := newIPMapper(testKey)
	for _, f := range append(files, more...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range findIPs(string(b)) {
			if !m.identity(tok.addr) {
				originals[tok.addr.String()] = true
			}
		}
	}
	if len(originals) < 5 {
		t.Fatalf("found only %v in the fixture", originals)
	}
	seenInPlain := 0
	for a := range originals {
		re := regexp.MustCompile(`(^|[^\d.])` + regexp.QuoteMeta(a) + `($|[^\d])`)
		if re.MatchString(plain) {
			seenInPlain++
		}
		if re.MatchString(out) || re.MatchString(md.String()) {
			t.Errorf("%s survived redaction", a)
		}
	}
	if seenInPlain == 0 {
		t.Fatal("the unredacted report quotes no address: the test proves nothing")
	}
	for _, keep := range []string{"tunl0 1440 + 20 (IPIP) = 1460 > eth0 1450", "inner packets over 1430 bytes", `"rule": "mtu"`, "veth_mtu", "vm-4", "vm-5", "169.254.1.1"} {
		if !strings.Contains(out, keep) && !strings.Contains(md.String(), keep) {
			t.Errorf("%q lost", keep)
		}
	}
	var before, after report.Report
	json.Unmarshal([]byte(plain), &before)
	json.Unmarshal([]byte(out), &after)
	if len(before.Findings) != len(after.Findings) || len(before.Inputs) != len(after.Inputs) {
		t.Errorf("findings %d → %d, inputs %d → %d", len(before.Findings), len(after.Findings), len(before.Inputs), len(after.Inputs))
	}
	// Every address left in the report is a pseudonym in 10/8 or a kept one.
	for _, a := range reV4Token.FindAllString(out, -1) {
		addr, err := netip.ParseAddr(a)
		if err != nil {
			continue
		}
		if !m.identity(addr) && !netip.MustParsePrefix("10.0.0.0/8").Contains(addr) {
			t.Errorf("%s left the private range", a)
		}
	}
}
