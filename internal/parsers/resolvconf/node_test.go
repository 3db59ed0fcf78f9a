package resolvconf_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/parsers/all"
	"github.com/ktriage/ktriage/internal/parsers/parsertest"
	"github.com/ktriage/ktriage/internal/parsers/resolvconf"
)

// TestNode: through the loader and the registry, the file is claimed as
// resolv-conf, goes to the node its folder names, and lands in the node's
// resolv_conf list.
func TestNode(t *testing.T) {
	a := parsertest.Write(t, "resolv.conf", "nameserver 127.0.0.53\noptions edns0 trust-ad\n")
	a.Inner = "nodes/worker-1/resolv.conf"
	if p := all.Detect(a); p == nil || p.Kind() != "resolv-conf" {
		t.Fatalf("detected as %v", p)
	}
	b := facts.NewBuilder()
	res, err := resolvconf.Resolv{}.Parse(context.Background(), a, b)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Detail, "127.0.0.53") || !strings.Contains(res.Detail, "loopback") {
		t.Errorf("detail %q", res.Detail)
	}
	f := b.Build()
	n := f.Nodes["worker-1"]
	if n == nil {
		t.Fatalf("no node worker-1: %v", f.Nodes)
	}
	raw, _ := json.Marshal(n[resolvconf.Section])
	var got []resolvconf.Conf
	if err := json.Unmarshal(raw, &got); err != nil || len(got) != 1 || !got[0].Loopback || got[0].Nameservers[0].Line != 1 {
		t.Fatalf("section %s (%v)", raw, err)
	}
}
