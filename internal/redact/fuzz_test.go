package redact

import (
	"encoding/json"
	"net/netip"
	"testing"

	"github.com/ktriage/ktriage/internal/report"
)

// FuzzRedact: any text in any field redacts without a panic, and with
// address redaction on no address of the input is left in the output
// unless it is kept on purpose (loopback, link-local, multicast, netmasks…)
// or is the pseudonym of another input address.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		"inet 10.0.0.4/24 brd 10.0.0.255 scope global eth0",
		"10.244.5.0/24 via 10.0.0.5 dev tunl0 onlink",
		"inet addr:10.0.0.4  Bcast:10.0.0.255  Mask:255.255.255.0",
		"LISTEN 0 4096 [::ffff:10.0.0.4]:8080 [::]:* :::22",
		"inet6 fe80::902c:79ff:fe8d:b60d/64 scope link 2600:1f18::5/128 64:ff9b::1.2.3.4",
		"ip-10-1-0-11.ec2.internal IP-172-16-0-1 ip-10-01-0-1",
		"v1.2.3.4 1.3.6.1.4.1 kernel 5.4.0.1 1.28.3.4 256.1.1.1",
		"DB_PASSWORD=hunter2 --token abc Authorization: Bearer abcdefghijklmnop",
		`{"name":"API_KEY","value":"10.0.0.4"} postgres://u:p@10.0.0.9:5432/db`,
		"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
		"password: |\n  10.1.2.3\nkind: Secret\ndata:\n  x: MTAuMS4yLjM=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := &report.Report{
			Bundle: report.Bundle{Nodes: []string{s}, NodeFiles: map[string]report.NodeFiles{s: {}}},
			Findings: []report.Finding{{
				Message:  s,
				Subjects: []report.Subject{{Kind: "Node", Name: s}},
				Evidence: []report.Evidence{{File: s, Line: 1, Text: s, Note: s}, {File: s, Line: 2, Text: s}},
				Details:  map[string]any{"k": s, s: []any{s, map[string]any{"name": s, "value": s}}},
			}},
			Inputs: []report.Input{{File: s, Warnings: []string{s}}},
		}
		if err := Report(r, Options{Secrets: true, IPs: true, Key: testKey}); err != nil {
			t.Fatal(err)
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
		// The mapping as Report built it: anchors from s, in every field.
		m := newIPMapper(testKey)
		for _, p := range anchorsIn(s) {
			m.anchor(p)
		}
		in := map[netip.Addr]bool{}
		images := map[netip.Addr]bool{}
		for _, tok := range findIPs(s) {
			a := tok.addr.WithZone("")
			if !m.identity(a) && !(a.Is4In6() && m.identity(a.Unmap())) {
				in[a] = true
				img := m.mapAddr(a)
				if tok.bits >= 0 {
					// A network written as one prints its image's network.
					images[netip.PrefixFrom(img, tok.bits).Masked().Addr()] = true
				}
				images[img] = true
				images[img.Unmap()] = true
			}
		}
		for _, out := range []string{r.Findings[0].Message, r.Findings[0].Evidence[0].Text, r.Findings[0].Evidence[0].Note, r.Inputs[0].Warnings[0]} {
			for _, tok := range findIPs(out) {
				a := tok.addr.WithZone("")
				if (in[a] || in[a.Unmap()]) && !images[a] && !images[a.Unmap()] {
					t.Fatalf("%v survived:\n in: %q\nout: %q", a, s, out)
				}
			}
		}
	})
}
