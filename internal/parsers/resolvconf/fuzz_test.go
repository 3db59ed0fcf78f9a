package resolvconf

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

// FuzzResolvConf: no input makes Read panic; every nameserver kept is an
// address at a line of the input, loopback as netip says, at most 3 in
// use; detection runs on any head.
func FuzzResolvConf(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.conf")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("nameserver ::ffff:127.0.0.1\nsearch a b\rdomain c\noptions ndots:5 # x\nnameserver 10.0.0.1;x\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		_ = detect(in)
		c, _, err := Read(context.Background(), bytes.NewReader(in), "fuzz.conf")
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		lines := bytes.Count(in, []byte("\n")) + bytes.Count(in, []byte("\r")) + 1
		used := 0
		for _, ns := range c.Nameservers {
			ip, err := netip.ParseAddr(ns.Address)
			if err != nil {
				t.Fatalf("nameserver %q is no address", ns.Address)
			}
			if ns.Loopback != ip.Unmap().IsLoopback() {
				t.Fatalf("%q loopback %v", ns.Address, ns.Loopback)
			}
			if ns.Line < 1 || ns.Line > lines {
				t.Fatalf("line %d of %d", ns.Line, lines)
			}
			if !ns.Ignored {
				used++
			}
		}
		if used > maxNS {
			t.Fatalf("%d nameservers in use", used)
		}
		_ = Summarize(c)
	})
}
