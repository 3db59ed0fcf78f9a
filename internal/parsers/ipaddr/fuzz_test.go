package ipaddr

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ktriage/ktriage/internal/facts"
)

// seeds adds every sample and every hand-written row to the corpus.
func seeds(f *testing.F) {
	for _, dir := range []string{realDir, genDir} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			f.Fatal(err)
		}
		for _, e := range entries {
			if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil && !e.IsDir() {
				f.Add(b)
			}
		}
	}
	for _, s := range []string{
		calicoNode,
		"1: lo: <> mtu\n",
		"2: a@: <,,> mtu -1 qdisc\n    link/\n    inet /\n    inet6 ::/129 scope\n    RX:\n    1 2 3\n",
		"[{\"ifname\":\"x\",\"addr_info\":[{\"family\":\"inet\",\"local\":\"1.2.3.4\",\"prefixlen\":99}],\"linkinfo\":{\"info_kind\":\"vxlan\",\"info_data\":{\"port_range\":7}}}]",
		"[{\"dst\":\"default\",\"nexthops\":[1,{\"via\":3}],\"metrics\":[null]}]",
		"[[[[\n{\"a\"\n[{]\n",
		"Kernel IP routing table\nDestination Gateway Genmask Flags Metric Ref Use Iface\n1.2.3.4 * 255.0.255.0 U 0 0 0 *\n",
		"eth0: flags=1<UP>  mtu 1\n        inet6 :: prefixlen x scopeid <\n        RX packets (\n",
		"x Link encap:IPIP Tunnel  HWaddr\n  inet addr: Mask:\n  MTU:\n",
		"default via inet6\n\tnexthop via inet dev\nunreachable default encap mpls 1/2 dev\n",
		"lo UNKNOWN 127.0.0.1/8\nx UP\n",
	} {
		f.Add([]byte(s))
	}
}

// check runs the whole path a file takes and states what must hold for
// any input: no panic, a bounded time, named interfaces, routes with a
// destination, and documents that marshal.
func check(t *testing.T, data []byte, kind string, detect func([]byte) bool) {
	// A hang must fail the run, with the input: the fuzzing engine itself
	// waits for a stuck worker until -fuzztime ends and reports PASS.
	watchdog := time.AfterFunc(30*time.Second, func() {
		panic(fmt.Sprintf("no result after 30s for input %q", data))
	})
	defer watchdog.Stop()
	detect(data)
	s := newScanner(context.Background(), "fuzz", bytes.NewReader(data))
	start := time.Now()
	if err := s.run(); err != nil {
		t.Fatalf("run: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
	ifs, routes := s.result()
	for _, it := range ifs {
		if it.Name == "" {
			t.Fatalf("interface without a name: %+v", it)
		}
		if it.Details == nil || it.Addresses == nil {
			t.Fatalf("%s: nil details or addresses", it.Name)
		}
	}
	for _, r := range routes {
		if r.Dst == "" || r.Family == "" || r.Type == "" || r.Table == "" {
			t.Fatalf("incomplete route: %+v", r)
		}
	}
	if len(ifs) > 0 && facts.ToDoc(ifs) == nil {
		t.Fatal("interfaces do not marshal")
	}
	if len(routes) > 0 && facts.ToDoc(routes) == nil {
		t.Fatal("routes do not marshal")
	}
	if summarize(kind, ifs, routes) == "" {
		t.Fatal("empty summary")
	}
	if len(s.warnings) > maxWarnings {
		t.Fatalf("%d warnings", len(s.warnings))
	}
}

func FuzzAddr(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) { check(t, data, "ip-addr", looksLikeAddr) })
}

func FuzzRoute(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) { check(t, data, "ip-route", looksLikeRoute) })
}
