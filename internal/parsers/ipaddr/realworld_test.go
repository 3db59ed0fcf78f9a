package ipaddr

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRealWorld reads the public samples in testdata/realworld/ip-addr (see
// PROVENANCE.md there) and checks concrete values from each.
func TestRealWorld(t *testing.T) {
	cases := []struct {
		file  string
		order string // interface names in file order
		check func(t *testing.T, g got)
	}{
		{
			file:  "insights-core-ovs-bond-gre-geneve-ip-s-d-link.txt",
			order: "lo,eth0,eth1,eth0_1,eth0_2,ovs-system,vxlan_sys_4789,br-tun,br-int,gre0,gretap0,gre1,geneve0,geneve1",
			check: func(t *testing.T, g got) {
				slave := g.iface(t, "eth0_1")
				eq(t, "eth0_1 mtu", slave.MTU, 9000)
				eq(t, "eth0_1 master", slave.Master, "bond0")
				eq(t, "eth0_1 kind", slave.Kind, "") // a NIC: no kind
				detail(t, slave, "slave_kind", "bond")
				slaveDetail(t, slave, "bond_slave", "state", "ACTIVE")
				slaveDetail(t, slave, "bond_slave", "mii_status", "UP")
				slaveDetail(t, slave, "bond_slave", "perm_hwaddr", "00:90:fa:8d:36:1e")
				detail(t, slave, "numtxqueues", 32)
				detail(t, slave, "gso_max_size", 65513)
				rx(t, slave, "rx", "dropped", 117902)
				rx(t, slave, "rx", "mcast", 863246747)
				rx(t, slave, "tx", "bytes", 35867456371871)

				vx := g.iface(t, "vxlan_sys_4789")
				eq(t, "vxlan_sys mtu", vx.MTU, 65520)
				eq(t, "vxlan_sys master", vx.Master, "ovs-system")
				kind(t, vx, "vxlan", "details")
				detail(t, vx, "id", 0)
				detail(t, vx, "dstport", 4789)
				detail(t, vx, "external", true)
				detail(t, vx, "learning", false)
				detail(t, vx, "udpcsum", true)
				detail(t, vx, "udp6zerocsumtx", false)
				detail(t, vx, "srcport", []any{0, 0})
				detail(t, vx, "slave_kind", "openvswitch")

				kind(t, g.iface(t, "ovs-system"), "openvswitch", "details")
				brint := g.iface(t, "br-int")
				eq(t, "br-int mtu", brint.MTU, 8950)
				rx(t, brint, "rx", "dropped", 101259804)

				gre0 := g.iface(t, "gre0")
				eq(t, "gre0 peer", gre0.Peer, "NONE")
				eq(t, "gre0 link_type", gre0.LinkType, "gre")
				eq(t, "gre0 mtu", gre0.MTU, 1476)
				eq(t, "gre0 group", gre0.Group, "") // this header has no group
				kind(t, gre0, "gre", "details")
				detail(t, gre0, "pmtudisc", false)
				detail(t, gre0, "remote", "any")
				detail(t, gre0, "ttl", "inherit")
				kind(t, g.iface(t, "gretap0"), "gretap", "details")
				eq(t, "gretap0 mtu", g.iface(t, "gretap0").MTU, 1462)

				gre1 := g.iface(t, "gre1")
				detail(t, gre1, "remote", "172.168.10.25")
				detail(t, gre1, "local", "10.211.47.217")
				detail(t, gre1, "ttl", 255)
				detail(t, gre1, "pmtudisc", true) // gre prints only nopmtudisc
				detail(t, gre1, "link_peer", "172.168.10.25")
				rx(t, gre1, "tx", "packets", 3)

				gen := g.iface(t, "geneve0")
				kind(t, gen, "geneve", "details")
				detail(t, gen, "id", 10)
				detail(t, gen, "remote", "192.168.43.254")
				detail(t, gen, "dstport", 6081)
				detail(t, gen, "udpcsum", false)
				detail(t, g.iface(t, "geneve1"), "id", 11)
				rx(t, g.iface(t, "geneve1"), "rx", "errors", 8)
			},
		},
		{
			file:  "insights-core-ovs-node-ip-s-d-link-vxlan_sys-mtu9000.txt",
			order: "lo,eno1,eno2,ovs-system,br-ex,vxlan_sys_4789",
			check: func(t *testing.T, g got) {
				vx := g.iface(t, "vxlan_sys_4789")
				eq(t, "mtu", vx.MTU, 65000)
				kind(t, vx, "vxlan", "details")
				detail(t, vx, "udpcsum", false)
				rx(t, vx, "tx", "dropped", 87515)
				eno1 := g.iface(t, "eno1")
				eq(t, "eno1 mtu", eno1.MTU, 9000)
				eq(t, "eno1 master", eno1.Master, "ovs-system")
				eq(t, "eno1 qdisc", eno1.Qdisc, "mq")
				detail(t, eno1, "slave_kind", "openvswitch")
				rx(t, g.iface(t, "eno2"), "rx", "dropped", 38367215)
				rx(t, g.iface(t, "eno2"), "rx", "bytes", 169323904323594)
				eq(t, "lo link_type", g.iface(t, "lo").LinkType, "loopback")
			},
		},
		{
			file:  "kops-kubenet-node-eth0-1500-cbr0-9001-reinvent2018-net410.txt",
			order: "eth0,cbr0,veth7a165ca7",
			check: func(t *testing.T, g got) {
				eth0 := g.iface(t, "eth0")
				eq(t, "eth0 mtu", eth0.MTU, 1500)
				eq(t, "eth0 index", eth0.Index, 2)
				eq(t, "eth0 qdisc", eth0.Qdisc, "pfifo_fast")
				a := addr(t, eth0, "10.1.1.71")
				eq(t, "prefix", a.Prefix, 24)
				eq(t, "broadcast", a.Broadcast, "10.1.1.255")
				eq(t, "scope", a.Scope, "global")
				eq(t, "label", a.Label, "eth0")
				eq(t, "valid_lft", a.ValidLft, "forever")
				eq(t, "v6 scope", addr(t, eth0, "fe80::486:27ff:fe48:2f14").Scope, "link")
				cbr0 := g.iface(t, "cbr0")
				eq(t, "cbr0 mtu", cbr0.MTU, 9001)
				eq(t, "cbr0 PROMISC", hasFlag(cbr0.Flags, "PROMISC"), true)
				eq(t, "cbr0 kind", cbr0.Kind, "") // a bridge, but nothing here says so
				v := g.iface(t, "veth7a165ca7")
				eq(t, "veth peer", v.Peer, "docker0")
				eq(t, "veth master", v.Master, "cbr0")
				eq(t, "veth mtu", v.MTU, 9001)
				kind(t, v, "veth", "inferred")
				eq(t, "addresses", g.addresses, []string{"10.1.1.71", "fe80::486:27ff:fe48:2f14", "100.65.130.1", "fe80::2ccb:feff:fe4e:f4af", "fe80::14df:41ff:fe52:70dc"})
			},
		},
		{
			file:  "kops-kubenet-pod-eth0-9001-reinvent2018-net410.txt",
			order: "lo,eth0",
			check: func(t *testing.T, g got) {
				eth0 := g.iface(t, "eth0")
				eq(t, "peer", eth0.Peer, "if6")
				eq(t, "mtu", eth0.MTU, 9001)
				eq(t, "state", eth0.State, "") // busybox prints no state
				eq(t, "M-DOWN", hasFlag(eth0.Flags, "M-DOWN"), true)
				kind(t, eth0, "veth", "inferred")
				eq(t, "prefix", addr(t, eth0, "100.65.129.3").Prefix, 24)
				lo := g.iface(t, "lo")
				detail(t, lo, "qlen", 1)
				eq(t, "lo v6", addr(t, lo, "::1").Prefix, 128)
			},
		},
		{
			file:  "rhcos-ocp4-master-sosreport-ip-d-address.txt",
			order: "lo,eth0",
			check: func(t *testing.T, g got) {
				eth0 := g.iface(t, "eth0")
				eq(t, "mtu", eth0.MTU, 1500)
				detail(t, eth0, "gso_max_size", 62780)
				detail(t, eth0, "numtxqueues", 64)
				detail(t, eth0, "promiscuity", 0)
				a := addr(t, eth0, "172.16.1.10")
				eq(t, "flags", a.Flags, []string{"dynamic", "noprefixroute"})
				eq(t, "valid_lft", a.ValidLft, "41096sec")
				eq(t, "v6 flags", addr(t, eth0, "fe80::6f03:6200:832a:7582").Flags, []string{"noprefixroute"})
			},
		},
		{
			file:  "rhcos-ocp4-master-sosreport-ip-o-addr.txt",
			order: "lo,eth0",
			check: func(t *testing.T, g got) {
				eth0 := g.iface(t, "eth0")
				eq(t, "index", eth0.Index, 2)
				eq(t, "mtu unknown", eth0.MTU, 0)
				netnsid(t, eth0, nil) // ip -o addr cannot show it
				eq(t, "addresses", len(eth0.Addresses), 2)
				a := addr(t, eth0, "172.16.1.10")
				eq(t, "label", a.Label, "eth0")
				eq(t, "valid_lft", a.ValidLft, "41097sec")
				eq(t, "lo", len(g.iface(t, "lo").Addresses), 2)
			},
		},
		{
			file:  "rhcos-ocp4-master-sosreport-ip-s-d-link.txt",
			order: "lo,eth0",
			check: func(t *testing.T, g got) {
				eth0 := g.iface(t, "eth0")
				rx(t, eth0, "rx", "bytes", 281235503)
				rx(t, eth0, "rx", "mcast", 3425)
				rx(t, eth0, "tx", "packets", 175205)
				detail(t, eth0, "addrgenmode", "none")
				netnsid(t, eth0, intp(-1))
			},
		},
		{
			file:  "tkng-kind-calico-cali-veth-and-pod-eth0-mtu1410.txt",
			order: "calic8441ae7134,eth0",
			check: func(t *testing.T, g got) {
				cali := g.iface(t, "calic8441ae7134")
				eq(t, "peer", cali.Peer, "if3")
				eq(t, "mtu", cali.MTU, 1410)
				eq(t, "mac", cali.MAC, "ee:ee:ee:ee:ee:ee")
				detail(t, cali, "link_netns", "cni-262ff521-1b00-b1c9-f0d5-0943a48a2ddc")
				netnsid(t, cali, nil) // a name, not an id
				kind(t, cali, "veth", "inferred")
				pod := g.iface(t, "eth0")
				eq(t, "pod peer", pod.Peer, "if14")
				eq(t, "pod mtu", pod.MTU, 1410)
				netnsid(t, pod, intp(0))
				kind(t, pod, "veth", "inferred")
			},
		},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			path := filepath.Join(realDir, c.file)
			content := readFile(t, path)
			if !(Addr{}).Detect(artifact(t, content)) {
				t.Fatal("Addr does not detect it")
			}
			if (Route{}).Detect(artifact(t, content)) {
				t.Error("Route detects it too")
			}
			g := scanText(t, content)
			noWarnings(t, g)
			eq(t, "interfaces", names(g.order), c.order)
			for _, it := range g.order {
				if it.Line <= 0 || it.Text == "" || it.File == "" {
					t.Errorf("%s: line %d text %q file %q", it.Name, it.Line, it.Text, it.File)
				}
			}
			c.check(t, g)
			res, err, _ := parseContent(t, Addr{}, c.file, content)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(res.Detail, strings.Split(names(g.order), ",")[0]) && !strings.Contains(res.Detail, "interface") {
				t.Errorf("detail %q", res.Detail)
			}
		})
	}
}

func TestDetailLine(t *testing.T) {
	content := readFile(t, filepath.Join(realDir, "insights-core-ovs-bond-gre-geneve-ip-s-d-link.txt"))
	res, err, _ := parseContent(t, Addr{}, "x.txt", content)
	if err != nil {
		t.Fatal(err)
	}
	want := "14 interfaces: lo 65536, eth0 1500, eth1 1500, eth0_1 9000, eth0_2 9000, ovs-system 1500 (openvswitch), vxlan_sys_4789 65520 (vxlan), br-tun 1500 (openvswitch), …"
	eq(t, "detail", res.Detail, want)
	eq(t, "summary", res.Summary["interfaces"], any(14))
}
