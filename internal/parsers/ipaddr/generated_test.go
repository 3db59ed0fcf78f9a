package ipaddr

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/parsers"
)

// The files in testdata/generated are real outputs made by make.sh in
// throwaway namespaces (see the README there). MACs, peer indexes and
// counters change between runs; the checks stay on what the script fixes.

// checkNodeLinks checks what every interface listing of the node namespace
// shows, whatever the variant.
func checkNodeLinks(t *testing.T, g got) {
	t.Helper()
	eth0 := g.iface(t, "eth0")
	eq(t, "eth0 mtu", eth0.MTU, 1450)
	if !strings.HasPrefix(eth0.Peer, "if") {
		t.Errorf("eth0 peer = %q, want if<N>", eth0.Peer)
	}
	eq(t, "flannel.1 mtu", g.iface(t, "flannel.1").MTU, 1400)
	eq(t, "flannel.1 mac", g.iface(t, "flannel.1").MAC, "8e:2f:1c:6a:00:01")
	eq(t, "vxlan.calico mtu", g.iface(t, "vxlan.calico").MTU, 1400)
	eq(t, "cni0 mtu", g.iface(t, "cni0").MTU, 1400)
	v := g.iface(t, "veth1a2b3c4d")
	eq(t, "veth master", v.Master, "cni0")
	eq(t, "veth mtu", v.MTU, 1400)
	c := g.iface(t, "cali1a2b3c4d5e6")
	eq(t, "cali mac", c.MAC, "ee:ee:ee:ee:ee:ee")
	eq(t, "cali mtu", c.MTU, 1410)
	eq(t, "tun0 link_type", g.iface(t, "tun0").LinkType, "none")
	eq(t, "tun0 mtu", g.iface(t, "tun0").MTU, 1380)
	eq(t, "macvlan0 peer", g.iface(t, "macvlan0").Peer, "eth0")
	eq(t, "eth0 state", eth0.State, "UP")
	// Devices the kernel of the run could make: check them when present.
	if tunl0, ok := g.ifs["tunl0"]; ok {
		eq(t, "tunl0 mtu", tunl0.MTU, 1440)
		eq(t, "tunl0 link_type", tunl0.LinkType, "ipip")
		eq(t, "tunl0 kind", tunl0.Kind, "ipip")
		if tunl0.KindSource == "details" || tunl0.KindSource == "json" {
			if _, ok := tunl0.Details["pmtudisc"]; !ok {
				t.Errorf("tunl0: no pmtudisc in %v", tunl0.Details)
			}
		}
	}
}

// checkKinds checks the -d / -j kinds and details.
func checkKinds(t *testing.T, g got, source string) {
	t.Helper()
	f := g.iface(t, "flannel.1")
	kind(t, f, "vxlan", source)
	detail(t, f, "id", 1)
	detail(t, f, "dstport", 8472)
	detail(t, f, "dev", "eth0")
	detail(t, f, "local", "10.0.0.2")
	detail(t, f, "learning", false)
	detail(t, f, "srcport", []any{0, 0})
	detail(t, f, "minmtu", 68)
	vc := g.iface(t, "vxlan.calico")
	kind(t, vc, "vxlan", source)
	detail(t, vc, "id", 4096)
	detail(t, vc, "dstport", 4789)
	kind(t, g.iface(t, "cni0"), "bridge", source)
	detail(t, g.iface(t, "cni0"), "stp_state", 0)
	v := g.iface(t, "veth1a2b3c4d")
	kind(t, v, "veth", source)
	detail(t, v, "slave_kind", "bridge")
	slaveDetail(t, v, "bridge_slave", "state", "forwarding")
	slaveDetail(t, v, "bridge_slave", "learning", true)
	slaveDetail(t, v, "bridge_slave", "hairpin", false)
	kind(t, g.iface(t, "eth0"), "veth", source)
	kind(t, g.iface(t, "tun0"), "tun", source)
	detail(t, g.iface(t, "tun0"), "type", "tun")
	detail(t, g.iface(t, "tap0"), "type", "tap")
	kind(t, g.iface(t, "macvlan0"), "macvlan", source)
	detail(t, g.iface(t, "macvlan0"), "mode", "bridge")
	kind(t, g.iface(t, "ifb0"), "ifb", source)
	eq(t, "lo kind", g.iface(t, "lo").Kind, "")
}

// checkNodeAddrs checks the node's addresses.
func checkNodeAddrs(t *testing.T, g got) {
	t.Helper()
	eth0 := g.iface(t, "eth0")
	a := addr(t, eth0, "10.0.0.2")
	eq(t, "prefix", a.Prefix, 24)
	eq(t, "family", a.Family, "inet")
	vip := addr(t, eth0, "10.0.0.200")
	eq(t, "vip label", vip.Label, "eth0:vip")
	eq(t, "v6 prefix", addr(t, eth0, "fd00:10::2").Prefix, 64)
	eq(t, "v6 family", addr(t, eth0, "fd00:10::2").Family, "inet6")
	eq(t, "flannel addr", addr(t, g.iface(t, "flannel.1"), "10.244.1.0").Prefix, 32)
	eq(t, "cni0 addr", addr(t, g.iface(t, "cni0"), "10.244.1.1").Prefix, 24)
	eq(t, "docker0 addr", addr(t, g.iface(t, "docker0"), "172.17.0.1").Prefix, 16)
	eq(t, "lo", addr(t, g.iface(t, "lo"), "127.0.0.1").Prefix, 8)
}

func checkNodeRoutes(t *testing.T, g got, text bool) {
	t.Helper()
	d := g.route(t, "main", "default")
	eq(t, "default via", d.Via, "10.0.0.1")
	eq(t, "default dev", d.Dev, "eth0")
	eq(t, "default proto", d.Proto, "static")
	eq(t, "default metric", d.Metric, int64(100))
	eq(t, "default family", d.Family, "inet")
	eq(t, "default type", d.Type, "unicast")
	f := g.route(t, "main", "10.244.2.0/24")
	eq(t, "flannel onlink", f.Onlink, true)
	eq(t, "flannel dev", f.Dev, "flannel.1")
	c := g.route(t, "main", "10.244.3.7")
	eq(t, "cali scope", c.Scope, "link")
	eq(t, "cali dev", c.Dev, "cali1a2b3c4d5e6")
	bh := g.route(t, "main", "10.244.5.0/26")
	eq(t, "blackhole", bh.Type, "blackhole")
	eq(t, "blackhole proto", bh.Proto, "bird")
	m := g.route(t, "main", "192.168.50.0/24")
	eq(t, "mtu", m.MTU, 1400)
	eq(t, "mtu lock", m.MTULock, text) // ip -j does not print the lock
	eq(t, "advmss", m.AdvMSS, 1360)
	eq(t, "mtu 1380", g.route(t, "main", "192.168.60.0/24").MTU, 1380)
	mp := g.route(t, "main", "172.16.0.0/16")
	eq(t, "nexthops", mp.Nexthops, []Hop{{Via: "10.0.0.1", Dev: "eth0", Weight: 1}, {Via: "10.0.0.3", Dev: "eth0", Weight: 2}})
	eq(t, "unreachable", g.route(t, "main", "192.168.70.0/24").Type, "unreachable")
	eq(t, "prohibit", g.route(t, "main", "192.168.80.0/24").Type, "prohibit")
	eq(t, "src", g.route(t, "main", "10.250.0.0/16").Src, "10.0.0.2")
	k := g.route(t, "main", "10.0.0.0/24")
	eq(t, "kernel proto", k.Proto, "kernel")
	eq(t, "kernel scope", k.Scope, "link")
}

func TestGenerated(t *testing.T) {
	cases := []struct {
		file   string
		parser parsers.Parser
		ifaces int // -1: not checked
		routes int
		check  func(t *testing.T, g got)
	}{
		{"ip-a.txt", Addr{}, 12, 0, func(t *testing.T, g got) {
			checkNodeLinks(t, g)
			checkNodeAddrs(t, g)
			eth0 := g.iface(t, "eth0")
			detail(t, eth0, "altnames", []string{"enp0s3"})
			kind(t, eth0, "veth", "inferred")
			kind(t, g.iface(t, "flannel.1"), "vxlan", "inferred")
			kind(t, g.iface(t, "vxlan.calico"), "vxlan", "inferred")
			kind(t, g.iface(t, "cali1a2b3c4d5e6"), "veth", "inferred")
			eq(t, "cni0 kind", g.iface(t, "cni0").Kind, "")
			eq(t, "macvlan kind", g.iface(t, "macvlan0").Kind, "") // @eth0 is not a veth sign
			eq(t, "vip secondary", addr(t, eth0, "10.0.0.200").Flags, []string{"secondary"})
			eq(t, "v6 link scope", addr(t, g.iface(t, "cni0"), addr6(g.iface(t, "cni0"))).Scope, "link")
			netnsid(t, eth0, nil) // printed as link-netns NAME here
			detail(t, eth0, "link_netns", g.iface(t, "eth0").Details["link_netns"])
			netnsid(t, g.iface(t, "flannel.1"), intp(-1))
		}},
		{"ip-link.txt", Addr{}, 12, 0, checkNodeLinks},
		{"ip-d-link.txt", Addr{}, 12, 0, func(t *testing.T, g got) {
			checkNodeLinks(t, g)
			checkKinds(t, g, "details")
			detail(t, g.iface(t, "eth0"), "altnames", []string{"enp0s3"})
			detail(t, g.iface(t, "eth0"), "numtxqueues", 2)
			detail(t, g.iface(t, "eth0"), "maxmtu", 65535)
		}},
		{"ip-d-addr.txt", Addr{}, 12, 0, func(t *testing.T, g got) {
			checkNodeLinks(t, g)
			checkKinds(t, g, "details")
			checkNodeAddrs(t, g)
		}},
		{"ip-s-d-link.txt", Addr{}, 12, 0, func(t *testing.T, g got) {
			checkNodeLinks(t, g)
			checkKinds(t, g, "details")
			st := g.iface(t, "eth0").Stats
			if st == nil || st.RX["packets"] == 0 || st.TX["bytes"] == 0 {
				t.Errorf("eth0 stats = %+v", st)
			}
			if _, ok := st.RX["missed"]; !ok {
				t.Errorf("eth0 stats.rx has no missed: %v", st.RX)
			}
		}},
		{"ip-s-s-link.txt", Addr{}, 12, 0, func(t *testing.T, g got) {
			checkNodeLinks(t, g)
			st := g.iface(t, "eth0").Stats
			for _, k := range []string{"length_errors", "crc_errors", "frame_errors", "fifo_errors", "overrun", "missed"} {
				if _, ok := st.RX[k]; !ok {
					t.Errorf("rx.%s missing: %v", k, st.RX)
				}
			}
			for _, k := range []string{"aborted_errors", "window_errors", "heartbeat_errors", "carrier_changes", "collisions"} {
				if _, ok := st.TX[k]; !ok {
					t.Errorf("tx.%s missing: %v", k, st.TX)
				}
			}
		}},
		{"ip-s-h-link.txt", Addr{}, 12, 0, func(t *testing.T, g got) {
			checkNodeLinks(t, g)
			approx := false
			for _, it := range g.order {
				if it.Stats == nil {
					t.Errorf("%s: no stats", it.Name)
				} else if it.Stats.Approximate {
					approx = true
				}
			}
			if approx != strings.Contains(readFile(t, filepath.Join(genDir, "ip-s-h-link.txt")), "k ") {
				t.Errorf("approximate = %v, but the file has rounded counters: %v", approx, !approx)
			}
		}},
		{"ip-o-addr.txt", Addr{}, 8, 0, func(t *testing.T, g got) {
			checkNodeAddrs(t, g)
			eq(t, "mtu unknown", g.iface(t, "eth0").MTU, 0)
			eq(t, "index", g.iface(t, "cni0").Index, 5)
		}},
		{"ip-o-link.txt", Addr{}, 12, 0, checkNodeLinks},
		{"ip-o-d-link.txt", Addr{}, 12, 0, func(t *testing.T, g got) {
			checkNodeLinks(t, g)
			checkKinds(t, g, "details")
		}},
		{"ip-br-addr.txt", Addr{}, 12, 0, func(t *testing.T, g got) {
			eth0 := g.iface(t, "eth0")
			eq(t, "state", eth0.State, "UP")
			eq(t, "index", eth0.Index, 0)
			eq(t, "addresses", len(eth0.Addresses), 4)
			eq(t, "prefix", addr(t, eth0, "10.0.0.200").Prefix, 24)
			eq(t, "docker0", addr(t, g.iface(t, "docker0"), "172.17.0.1").Prefix, 16)
			eq(t, "macvlan0 none", len(g.iface(t, "macvlan0").Addresses), 0)
			eq(t, "macvlan0 state", g.iface(t, "macvlan0").State, "DOWN")
			eq(t, "macvlan0 peer", g.iface(t, "macvlan0").Peer, "eth0")
		}},
		{"ip-br-link.txt", Addr{}, 12, 0, func(t *testing.T, g got) {
			eq(t, "cali mac", g.iface(t, "cali1a2b3c4d5e6").MAC, "ee:ee:ee:ee:ee:ee")
			eq(t, "tun0 flags", g.iface(t, "tun0").Flags, []string{"POINTOPOINT", "MULTICAST", "NOARP"})
			eq(t, "lo mac", g.iface(t, "lo").MAC, "00:00:00:00:00:00")
		}},
		{"ip-j-addr.json", Addr{}, 12, 0, func(t *testing.T, g got) {
			checkNodeLinks(t, g)
			checkNodeAddrs(t, g)
			eth0 := g.iface(t, "eth0")
			netnsid(t, eth0, intp(0))
			eq(t, "vip flags", addr(t, eth0, "10.0.0.200").Flags, []string{"secondary"})
			eq(t, "valid_lft", addr(t, eth0, "10.0.0.2").ValidLft, "forever")
			kind(t, eth0, "veth", "inferred")
			if !strings.HasPrefix(eth0.Text, `{"ifindex":2,`) {
				t.Errorf("text = %q", eth0.Text)
			}
		}},
		{"ip-j-p-addr.json", Addr{}, 12, 0, func(t *testing.T, g got) {
			checkNodeLinks(t, g)
			checkNodeAddrs(t, g)
			if g.iface(t, "tap0").Line < 100 {
				t.Errorf("tap0 line = %d: pretty-printed JSON spans many lines", g.iface(t, "tap0").Line)
			}
		}},
		{"ip-d-j-link.json", Addr{}, 12, 0, func(t *testing.T, g got) {
			checkNodeLinks(t, g)
			checkKinds(t, g, "json")
		}},
		{"ip-s-d-j-link.json", Addr{}, 12, 0, func(t *testing.T, g got) {
			checkNodeLinks(t, g)
			checkKinds(t, g, "json")
			st := g.iface(t, "eth0").Stats
			if st == nil || st.RX["packets"] == 0 {
				t.Errorf("eth0 stats = %+v", st)
			}
			if _, ok := st.RX["overrun"]; !ok {
				t.Errorf("over_errors not mapped to overrun: %v", st.RX)
			}
		}},
		{"pod-ip-a.txt", Addr{}, 2, 0, func(t *testing.T, g got) {
			eth0 := g.iface(t, "eth0")
			netnsid(t, eth0, intp(0))
			kind(t, eth0, "veth", "inferred")
			eq(t, "pod addr", addr(t, eth0, "10.244.1.5").Prefix, 24)
			eq(t, "mtu", eth0.MTU, 1400)
		}},
		{"pod-ip-d-addr.txt", Addr{}, 2, 0, func(t *testing.T, g got) {
			kind(t, g.iface(t, "eth0"), "veth", "details")
		}},
		{"calico-pod-ip-a.txt", Addr{}, 2, 0, func(t *testing.T, g got) {
			eth0 := g.iface(t, "eth0")
			eq(t, "mtu", eth0.MTU, 1410)
			eq(t, "addr", addr(t, eth0, "10.244.3.7").Prefix, 32)
		}},
		{"ifconfig-a.txt", Addr{}, 12, 0, func(t *testing.T, g got) {
			eth0 := g.iface(t, "eth0")
			eq(t, "mtu", eth0.MTU, 1450)
			eq(t, "flags", eth0.Flags, []string{"UP", "BROADCAST", "RUNNING", "MULTICAST"})
			eq(t, "link_type", eth0.LinkType, "ether")
			a := addr(t, eth0, "10.0.0.2")
			eq(t, "prefix", a.Prefix, 24)
			eq(t, "brd", a.Broadcast, "10.0.0.255")
			eq(t, "label", a.Label, "eth0")
			eq(t, "alias", addr(t, eth0, "10.0.0.200").Label, "eth0:vip")
			eq(t, "v6", addr(t, eth0, "fd00:10::2").Scope, "global")
			eq(t, "v6 link", addr(t, eth0, addr6(eth0)).Scope, "link")
			netnsid(t, eth0, nil)
			eq(t, "index", eth0.Index, 0)
			lo := g.iface(t, "lo")
			eq(t, "lo type", lo.LinkType, "loopback")
			eq(t, "lo scope", addr(t, lo, "127.0.0.1").Scope, "host")
			eq(t, "lo v6", addr(t, lo, "::1").Prefix, 128)
			eq(t, "cali mac", g.iface(t, "cali1a2b3c4d5e6").MAC, "ee:ee:ee:ee:ee:ee")
			eq(t, "tun0 type", g.iface(t, "tun0").LinkType, "") // ifconfig says UNSPEC
			eq(t, "tun0 mtu", g.iface(t, "tun0").MTU, 1380)
			kind(t, g.iface(t, "flannel.1"), "vxlan", "inferred")
			if eth0.Stats == nil || eth0.Stats.RX["packets"] == 0 {
				t.Errorf("eth0 stats = %+v", eth0.Stats)
			}
			rx(t, eth0, "tx", "collisions", 0)
			if _, ok := g.ifs["eth0:vip"]; ok {
				t.Error("the alias became an interface")
			}
		}},
		{"ip-route.txt", Route{}, 0, 13, func(t *testing.T, g got) { checkNodeRoutes(t, g, true) }},
		{"ip-d-route.txt", Route{}, 0, 13, func(t *testing.T, g got) {
			checkNodeRoutes(t, g, true)
			eq(t, "scope", g.route(t, "main", "default").Scope, "global")
		}},
		{"ip-j-route.json", Route{}, 0, 13, func(t *testing.T, g got) { checkNodeRoutes(t, g, false) }},
		{"ip-4-route-table-all.txt", Route{}, 0, -1, func(t *testing.T, g got) {
			checkNodeRoutes(t, g, true)
			eq(t, "table 100", g.route(t, "100", "default").Via, "10.0.0.1")
			eq(t, "throw", g.route(t, "100", "10.1.0.0/16").Type, "throw")
			l := g.route(t, "local", "10.0.0.2")
			eq(t, "local type", l.Type, "local")
			eq(t, "local scope", l.Scope, "host")
			eq(t, "broadcast", g.route(t, "local", "10.0.0.255").Type, "broadcast")
		}},
		{"ip-6-route.txt", Route{}, 0, -1, func(t *testing.T, g got) {
			for _, r := range g.routes {
				if r.Family != "inet6" {
					t.Errorf("%s: family %s", r.Dst, r.Family)
				}
			}
			d := g.route(t, "main", "default")
			eq(t, "via", d.Via, "fd00:10::1")
			eq(t, "metric", d.Metric, int64(1024))
			eq(t, "pref", d.Pref, "medium")
			eq(t, "pref high", g.route(t, "main", "fd00:99::/64").Pref, "high")
			eq(t, "blackhole", g.route(t, "main", "fd00:66::/64").Type, "blackhole")
		}},
		{"ip-6-route-table-all.txt", Route{}, 0, -1, func(t *testing.T, g got) {
			eq(t, "multicast", g.route(t, "local", "ff00::/8").Type, "multicast")
			eq(t, "local", g.route(t, "local", "::1").Type, "local")
		}},
		{"route-n.txt", Route{}, 0, -1, func(t *testing.T, g got) {
			d := g.route(t, "main", "default")
			eq(t, "via", d.Via, "10.0.0.1")
			eq(t, "metric", d.Metric, int64(100))
			eq(t, "dev", d.Dev, "eth0")
			eq(t, "host route", g.route(t, "main", "10.244.3.7").Dev, "cali1a2b3c4d5e6")
			eq(t, "blackhole", g.route(t, "main", "10.244.5.0/26").Type, "blackhole")
			eq(t, "reject", g.route(t, "main", "192.168.70.0/24").Type, "unreachable")
			eq(t, "connected", g.route(t, "main", "10.0.0.0/24").Via, "")
		}},
		{"netstat-rn.txt", Route{}, 0, -1, func(t *testing.T, g got) {
			eq(t, "advmss", g.route(t, "main", "192.168.50.0/24").AdvMSS, 1360)
			eq(t, "via", g.route(t, "main", "default").Via, "10.0.0.1")
		}},
		{"route-n-inet6.txt", Route{}, 0, -1, func(t *testing.T, g got) {
			d := g.route(t, "main", "default")
			eq(t, "via", d.Via, "fd00:10::1")
			eq(t, "family", d.Family, "inet6")
			eq(t, "connected", g.route(t, "main", "fd00:10::/64").Via, "")
			var reject bool
			for _, r := range g.routes {
				if r.Dst == "default" && r.Type == "unreachable" && r.Metric == 4294967295 {
					reject = true
				}
			}
			eq(t, "unreachable default with metric -1", reject, true)
		}},
		{"pod-ip-route.txt", Route{}, 0, 2, func(t *testing.T, g got) {
			eq(t, "default", g.route(t, "main", "default").Via, "10.244.1.1")
		}},
		{"calico-pod-ip-route.txt", Route{}, 0, 2, func(t *testing.T, g got) {
			eq(t, "default", g.route(t, "main", "default").Via, "169.254.1.1")
			eq(t, "gw scope", g.route(t, "main", "169.254.1.1").Scope, "link")
		}},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.file] = true
		t.Run(c.file, func(t *testing.T) {
			content := readFile(t, filepath.Join(genDir, c.file))
			a := artifact(t, content)
			other := parsers.Parser(Route{})
			if _, isRoute := c.parser.(Route); isRoute {
				other = Addr{}
			}
			if !c.parser.Detect(a) {
				t.Fatalf("%s does not detect it", c.parser.Kind())
			}
			if other.Detect(a) {
				t.Errorf("%s detects it too", other.Kind())
			}
			g := scanText(t, content)
			noWarnings(t, g)
			if c.ifaces >= 0 && len(g.order) != c.ifaces {
				if _, tunl := g.ifs["tunl0"]; !tunl { // a fuller kernel adds devices
					t.Errorf("%d interfaces (%s), want %d", len(g.order), names(g.order), c.ifaces)
				}
			}
			if c.routes >= 0 && len(g.routes) != c.routes {
				t.Errorf("%d routes, want %d", len(g.routes), c.routes)
			}
			for _, r := range g.routes {
				if r.Dst == "" || r.Family == "" || r.Table == "" || r.Type == "" || r.Line <= 0 || r.Text == "" {
					t.Errorf("incomplete route %+v", r)
				}
			}
			c.check(t, g)
			if _, err, _ := parseContent(t, c.parser, c.file, content); err != nil {
				t.Fatal(err)
			}
		})
	}
	// Every capture is covered by a row.
	entries, err := os.ReadDir(genDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		n := e.Name()
		if (strings.HasSuffix(n, ".txt") || strings.HasSuffix(n, ".json")) && n != "environment.txt" && !seen[n] {
			t.Errorf("%s has no test row", n)
		}
	}
}

func addr6(it Interface) string {
	for _, a := range it.Addresses {
		if strings.HasPrefix(a.Address, "fe80::") {
			return a.Address
		}
	}
	return "fe80::"
}

// TestReadmeHoldsScript keeps the README's copy of the script equal to
// make.sh.
func TestReadmeHoldsScript(t *testing.T) {
	readme := readFile(t, filepath.Join(genDir, "README.md"))
	script := readFile(t, filepath.Join(genDir, "make.sh"))
	if !strings.Contains(readme, "```sh\n"+script+"```") {
		t.Error("README.md does not hold make.sh verbatim")
	}
}

func TestGeneratedRouteDetail(t *testing.T) {
	res, err, _ := parseContent(t, Route{}, "r.txt", readFile(t, filepath.Join(genDir, "ip-route.txt")))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "detail", res.Detail, "13 routes, default via 10.0.0.1 dev eth0")
	eq(t, "summary", res.Summary["routes"], any(13))
}
