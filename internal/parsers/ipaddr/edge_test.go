package ipaddr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/parsers"
)

// Hand-written rows follow the iproute2 / busybox / net-tools print code;
// they cover shapes the captures in testdata cannot (kinds the capture
// kernel lacked, damage, odd spacing).

const calicoNode = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00 promiscuity 0 minmtu 0 maxmtu 0 addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc mq state UP mode DEFAULT group default qlen 1000
    link/ether 42:01:0a:80:00:02 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 9216 addrgenmode none numtxqueues 2 numrxqueues 2 gso_max_size 65536 gso_max_segs 65535
    altname enp0s4
    altname ens4
4: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1440 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/ipip 0.0.0.0 brd 0.0.0.0 promiscuity 0 minmtu 0 maxmtu 0
    ipip any remote any local any ttl inherit nopmtudisc addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535
5: ipip1@NONE: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1480 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/ipip 198.51.100.10 peer 203.0.113.20 promiscuity 0
    ipip ipip remote 203.0.113.20 local 198.51.100.10 ttl 64 pmtudisc
6: wg0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1420 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/none  promiscuity 0 minmtu 0 maxmtu 2147483552
    wireguard addrgenmode none numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535
7: eth0.100@eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP mode DEFAULT group default qlen 1000
    link/ether 42:01:0a:80:00:02 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 0 maxmtu 65535
    vlan protocol 802.1Q id 100 <REORDER_HDR> addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535
8: vxlan0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/ether 1e:5b:4a:00:00:01 brd ff:ff:ff:ff:ff:ff promiscuity 0
    vxlan id 42 group 239.1.1.1 dev eth0 srcport 0 0 dstport 4789 ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx
9: cali0ef24b1@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1440 qdisc noqueue state UP mode DEFAULT group default
    link/ether ee:ee:ee:ee:ee:ee brd ff:ff:ff:ff:ff:ff link-netnsid 2 promiscuity 0
    veth addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535
10: ip6tnl0@NONE: <NOARP> mtu 1452 qdisc noop state DOWN mode DEFAULT group default qlen 1000
    link/tunnel6 :: brd :: promiscuity 0
    ip6tnl ip6ip6 remote :: local :: encaplimit 0 hoplimit 0 tclass 0x00 flowlabel 0x00000 (flowinfo 0x00000000) addrgenmode eui64
`

func TestEdgeCases(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		warn  []string // substrings, each of some warning; nil: none at all
		check func(t *testing.T, g got)
	}{
		{
			name: "calico tunl0, ipip, wireguard, vlan, vxlan learning, ip6tnl (ip -d link)",
			in:   calicoNode,
			check: func(t *testing.T, g got) {
				tunl0 := g.iface(t, "tunl0")
				kind(t, tunl0, "ipip", "details")
				eq(t, "mtu", tunl0.MTU, 1440)
				eq(t, "peer", tunl0.Peer, "NONE")
				eq(t, "link_type", tunl0.LinkType, "ipip")
				eq(t, "mac", tunl0.MAC, "")
				detail(t, tunl0, "pmtudisc", false)
				detail(t, tunl0, "proto", "any")
				detail(t, tunl0, "remote", "any")
				detail(t, tunl0, "ttl", "inherit")
				detail(t, tunl0, "link_addr", "0.0.0.0")
				ipip1 := g.iface(t, "ipip1")
				detail(t, ipip1, "proto", "ipip")
				detail(t, ipip1, "pmtudisc", true)
				detail(t, ipip1, "ttl", 64)
				detail(t, ipip1, "remote", "203.0.113.20")
				detail(t, ipip1, "link_peer", "203.0.113.20")
				wg := g.iface(t, "wg0")
				kind(t, wg, "wireguard", "details")
				eq(t, "wg link_type", wg.LinkType, "none")
				detail(t, wg, "maxmtu", 2147483552)
				vlan := g.iface(t, "eth0.100")
				kind(t, vlan, "vlan", "details")
				eq(t, "vlan peer", vlan.Peer, "eth0")
				detail(t, vlan, "id", 100)
				detail(t, vlan, "protocol", "802.1Q")
				detail(t, vlan, "flags", []string{"REORDER_HDR"})
				vx := g.iface(t, "vxlan0")
				detail(t, vx, "learning", true) // vxlan prints only "nolearning"
				detail(t, vx, "group", "239.1.1.1")
				detail(t, vx, "ttl", "auto")
				cali := g.iface(t, "cali0ef24b1")
				netnsid(t, cali, intp(2))
				kind(t, cali, "veth", "details")
				eq(t, "group", cali.Group, "default")
				eth0 := g.iface(t, "eth0")
				detail(t, eth0, "altnames", []string{"enp0s4", "ens4"})
				detail(t, eth0, "maxmtu", 9216)
				eq(t, "eth0 kind", eth0.Kind, "")
				t6 := g.iface(t, "ip6tnl0")
				kind(t, t6, "ip6tnl", "details")
				detail(t, t6, "proto", "ip6ip6")
				detail(t, t6, "flowinfo", "0x00000000")
				detail(t, t6, "tclass", "0x00")
			},
		},
		{
			name: "kinds inferred without details",
			in: `3: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1440 qdisc noqueue state UNKNOWN group default qlen 1000
    link/ipip 0.0.0.0 brd 0.0.0.0
    inet 10.244.7.1/32 scope global tunl0
       valid_lft forever preferred_lft forever
4: wg0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1420 qdisc noqueue state UNKNOWN group default qlen 1000
    link/none 
5: genev_sys_6081: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 65000 qdisc noqueue master ovs-system state UNKNOWN group default qlen 1000
    link/ether 2a:7e:00:00:00:01 brd ff:ff:ff:ff:ff:ff
6: gre0@NONE: <NOARP> mtu 1476 qdisc noop state DOWN group default qlen 1000
    link/gre 0.0.0.0 brd 0.0.0.0
7: ip_vti0@NONE: <NOARP> mtu 1480 qdisc noop state DOWN group default qlen 1000
    link/ipip 0.0.0.0 brd 0.0.0.0
8: kube-ipvs0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN group default
    link/ether 6e:13:0c:1f:00:02 brd ff:ff:ff:ff:ff:ff
    inet 10.96.0.1/32 scope global kube-ipvs0
       valid_lft forever preferred_lft forever
9: docker0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN group default
    link/ether 02:42:5b:00:00:01 brd ff:ff:ff:ff:ff:ff
10: lxc12ab@if11: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000
    link/ether 2e:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff link-netnsid 1
11: cilium_vxlan: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN group default qlen 1000
    link/ether 5a:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff
12: sit0@NONE: <NOARP> mtu 1480 qdisc noop state DOWN group default qlen 1000
    link/sit 0.0.0.0 brd 0.0.0.0
`,
			check: func(t *testing.T, g got) {
				kind(t, g.iface(t, "tunl0"), "ipip", "inferred")
				eq(t, "tunl0 mtu", g.iface(t, "tunl0").MTU, 1440)
				kind(t, g.iface(t, "wg0"), "wireguard", "inferred")
				kind(t, g.iface(t, "genev_sys_6081"), "geneve", "inferred")
				kind(t, g.iface(t, "gre0"), "gre", "inferred")
				kind(t, g.iface(t, "ip_vti0"), "vti", "inferred")
				kind(t, g.iface(t, "kube-ipvs0"), "dummy", "inferred")
				eq(t, "docker0 kind", g.iface(t, "docker0").Kind, "")
				eq(t, "docker0 NO-CARRIER", hasFlag(g.iface(t, "docker0").Flags, "NO-CARRIER"), true)
				kind(t, g.iface(t, "lxc12ab"), "veth", "inferred")
				kind(t, g.iface(t, "cilium_vxlan"), "vxlan", "inferred")
				kind(t, g.iface(t, "sit0"), "sit", "inferred")
				eq(t, "master", g.iface(t, "genev_sys_6081").Master, "ovs-system")
			},
		},
		{
			name: "CRLF line endings and trailing spaces",
			in: "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000 \r\n" +
				"    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00 \r\n" +
				"    inet 127.0.0.1/8 scope host lo\r\n" +
				"       valid_lft forever preferred_lft forever  \r\n" +
				"2: eth0@if9: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue master cni0 state UP group default \r\n" +
				"    link/ether 0a:58:0a:f4:01:05 brd ff:ff:ff:ff:ff:ff link-netnsid 0\r\n" +
				"    inet 10.244.1.5/24 brd 10.244.1.255 scope global eth0\r\n" +
				"       valid_lft forever preferred_lft forever\r\n",
			check: func(t *testing.T, g got) {
				eth0 := g.iface(t, "eth0")
				eq(t, "mtu", eth0.MTU, 1450)
				eq(t, "master", eth0.Master, "cni0")
				eq(t, "group", eth0.Group, "default")
				eq(t, "mac", eth0.MAC, "0a:58:0a:f4:01:05")
				netnsid(t, eth0, intp(0))
				a := addr(t, eth0, "10.244.1.5")
				eq(t, "label", a.Label, "eth0")
				eq(t, "preferred_lft", a.PrefLft, "forever")
				eq(t, "lo label", addr(t, g.iface(t, "lo"), "127.0.0.1").Label, "lo")
				eq(t, "text", eth0.Text, "2: eth0@if9: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue master cni0 state UP group default")
			},
		},
		{
			name: "leading spaces on every line",
			in: "   3: eth0@if14: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1410 qdisc noqueue state UP group default\n" +
				"       link/ether b2:24:13:ec:77:42 brd ff:ff:ff:ff:ff:ff link-netnsid 0\n" +
				"       inet 10.244.2.9/32 scope global eth0\n" +
				"          valid_lft forever preferred_lft forever\n" +
				"       inet6 fe80::b024:13ff:feec:7742/64 scope link\n" +
				"          valid_lft forever preferred_lft forever\n" +
				"   default via 169.254.1.1 dev eth0\n",
			check: func(t *testing.T, g got) {
				eth0 := g.iface(t, "eth0")
				eq(t, "mtu", eth0.MTU, 1410)
				eq(t, "peer", eth0.Peer, "if14")
				eq(t, "v6 scope link", addr(t, eth0, "fe80::b024:13ff:feec:7742").Scope, "link")
				eq(t, "route", g.route(t, "main", "default").Via, "169.254.1.1")
			},
		},
		{
			name: "inet6 scope link, point-to-point, secondary, metric, deprecated",
			in: `5: tun0: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UNKNOWN group default qlen 500
    link/none 
    inet 10.8.0.1 peer 10.8.0.2/32 scope global tun0
       valid_lft forever preferred_lft forever
2: ens5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP group default qlen 1000
    link/ether 0a:1b:2c:3d:4e:5f brd ff:ff:ff:ff:ff:ff
    inet 172.31.5.10/20 metric 100 brd 172.31.15.255 scope global dynamic ens5
       valid_lft 3091sec preferred_lft 3091sec
    inet 172.31.5.11/20 brd 172.31.15.255 scope global secondary ens5:1
       valid_lft forever preferred_lft forever
    inet6 2600:1f18::5/128 scope global dynamic noprefixroute deprecated
       valid_lft 432sec preferred_lft 0sec
    inet6 fe80::81b:2cff:fe3d:4e5f/64 scope link
       valid_lft forever preferred_lft forever
`,
			check: func(t *testing.T, g got) {
				p := addr(t, g.iface(t, "tun0"), "10.8.0.1")
				eq(t, "peer", p.Peer, "10.8.0.2")
				eq(t, "prefix", p.Prefix, 32)
				ens5 := g.iface(t, "ens5")
				a := addr(t, ens5, "172.31.5.10")
				eq(t, "metric", a.Metric, 100)
				eq(t, "prefix", a.Prefix, 20)
				eq(t, "flags", a.Flags, []string{"dynamic"})
				eq(t, "valid_lft", a.ValidLft, "3091sec")
				eq(t, "label", addr(t, ens5, "172.31.5.11").Label, "ens5:1")
				v6 := addr(t, ens5, "2600:1f18::5")
				eq(t, "v6 flags", v6.Flags, []string{"dynamic", "noprefixroute", "deprecated"})
				eq(t, "v6 label", v6.Label, "")
				eq(t, "link scope", addr(t, ens5, "fe80::81b:2cff:fe3d:4e5f").Scope, "link")
				eq(t, "addresses", g.addresses, []string{"10.8.0.1", "172.31.5.10", "172.31.5.11", "2600:1f18::5", "fe80::81b:2cff:fe3d:4e5f"})
			},
		},
		{
			name: "file cut in the middle of an interface",
			in: `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000
`,
			warn: []string{"line 5: interface eth0 has no link/ line"},
			check: func(t *testing.T, g got) {
				eq(t, "kept", names(g.order), "lo,eth0")
				eq(t, "mtu", g.iface(t, "eth0").MTU, 1500)
			},
		},
		{
			name: "file cut in the middle of a line",
			in: `2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000
    link/ether 0a:1b:2c:3d:4e:5f brd ff:ff:ff:ff:ff:ff
    inet 10.0.0.5/2`,
			warn: []string{"line 3: address line without a scope", "line 3: the last line has no line ending"},
			check: func(t *testing.T, g got) {
				eq(t, "mtu", g.iface(t, "eth0").MTU, 1500)
			},
		},
		{
			name: "statistics cut after their header",
			in: `2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP mode DEFAULT group default qlen 1000
    link/ether 0a:1b:2c:3d:4e:5f brd ff:ff:ff:ff:ff:ff
    RX: bytes  packets  errors  dropped overrun mcast
`,
			warn: []string{"line 3: statistics header without its values"},
		},
		{
			name: "two outputs of one host: ip addr then ip -d link, merged",
			in: readFile(t, filepath.Join(genDir, "ip-a.txt")) + "\n" +
				"[root@node-a ~]# ip -d link\n" + readFile(t, filepath.Join(genDir, "ip-d-link.txt")),
			check: func(t *testing.T, g got) {
				eq(t, "interfaces", len(g.order), 12)
				f := g.iface(t, "flannel.1")
				kind(t, f, "vxlan", "details") // the stated kind replaces the guess
				detail(t, f, "dstport", 8472)
				eq(t, "addresses kept", len(f.Addresses), 2)
				first := strings.Index(readFile(t, filepath.Join(genDir, "ip-a.txt")), "\n3: flannel.1:")
				eq(t, "line of the first header", f.Line, strings.Count(readFile(t, filepath.Join(genDir, "ip-a.txt"))[:first+1], "\n")+1)
				kind(t, g.iface(t, "cni0"), "bridge", "details")
				eq(t, "vip", addr(t, g.iface(t, "eth0"), "10.0.0.200").Label, "eth0:vip")
				eq(t, "hostname from the prompt", g.hostnames, []string{"node-a"})
			},
		},
		{
			name: "two hosts concatenated",
			in:   readFile(t, filepath.Join(realDir, "kops-kubenet-pod-eth0-9001-reinvent2018-net410.txt")) + readFile(t, filepath.Join(realDir, "kops-kubenet-node-eth0-1500-cbr0-9001-reinvent2018-net410.txt")),
			warn: []string{"interface eth0 appears again with index 2 (was 3 at line 7)"},
			check: func(t *testing.T, g got) {
				eq(t, "both kept", names(g.order), "lo,eth0,eth0,cbr0,veth7a165ca7")
				eq(t, "pod eth0", g.order[1].MTU, 9001)
				eq(t, "node eth0", g.order[2].MTU, 1500)
			},
		},
		{
			name: "busybox ifconfig (old layout) with an alias",
			in: `eth0      Link encap:Ethernet  HWaddr 0A:58:0A:F4:01:05  
          inet addr:10.244.1.5  Bcast:10.244.1.255  Mask:255.255.255.0
          inet6 addr: fe80::858:aff:fef4:105/64 Scope:Link
          UP BROADCAST RUNNING MULTICAST  MTU:1450  Metric:1
          RX packets:1024 errors:0 dropped:7 overruns:0 frame:0
          TX packets:980 errors:0 dropped:0 overruns:0 carrier:0
          collisions:0 txqueuelen:0 
          RX bytes:123456 (120.5 KiB)  TX bytes:654321 (638.9 KiB)

eth0:1    Link encap:Ethernet  HWaddr 0A:58:0A:F4:01:05  
          inet addr:10.244.1.50  Bcast:10.244.1.255  Mask:255.255.255.0
          UP BROADCAST RUNNING MULTICAST  MTU:1450  Metric:1

lo        Link encap:Local Loopback  
          inet addr:127.0.0.1  Mask:255.0.0.0
          inet6 addr: ::1/128 Scope:Host
          UP LOOPBACK RUNNING  MTU:65536  Metric:1
          RX packets:0 errors:0 dropped:0 overruns:0 frame:0
          TX packets:0 errors:0 dropped:0 overruns:0 carrier:0
          collisions:0 txqueuelen:1000 
          RX bytes:0 (0.0 B)  TX bytes:0 (0.0 B)

tunl0     Link encap:IPIP Tunnel  HWaddr   
          inet addr:10.244.7.1  Mask:255.255.255.255
          UP RUNNING NOARP  MTU:1440  Metric:1
`,
			check: func(t *testing.T, g got) {
				eq(t, "interfaces", names(g.order), "eth0,lo,tunl0")
				eth0 := g.iface(t, "eth0")
				eq(t, "mtu", eth0.MTU, 1450)
				eq(t, "mac", eth0.MAC, "0a:58:0a:f4:01:05")
				eq(t, "link_type", eth0.LinkType, "ether")
				eq(t, "flags", eth0.Flags, []string{"UP", "BROADCAST", "RUNNING", "MULTICAST"})
				a := addr(t, eth0, "10.244.1.5")
				eq(t, "prefix", a.Prefix, 24)
				eq(t, "brd", a.Broadcast, "10.244.1.255")
				eq(t, "v6", addr(t, eth0, "fe80::858:aff:fef4:105").Scope, "link")
				eq(t, "alias", addr(t, eth0, "10.244.1.50").Label, "eth0:1")
				rx(t, eth0, "rx", "dropped", 7)
				rx(t, eth0, "rx", "bytes", 123456)
				rx(t, eth0, "tx", "bytes", 654321)
				rx(t, eth0, "tx", "collisions", 0)
				detail(t, eth0, "qlen", 0)
				lo := g.iface(t, "lo")
				eq(t, "lo type", lo.LinkType, "loopback")
				eq(t, "lo v6 scope", addr(t, lo, "::1").Scope, "host")
				tunl0 := g.iface(t, "tunl0")
				eq(t, "tunl0 mtu", tunl0.MTU, 1440)
				kind(t, tunl0, "ipip", "inferred")
				eq(t, "tunl0 prefix", addr(t, tunl0, "10.244.7.1").Prefix, 32)
			},
		},
		{
			name: "human-readable statistics (ip -s -h link)",
			in: `2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP mode DEFAULT group default qlen 1000
    link/ether 0a:1b:2c:3d:4e:5f brd ff:ff:ff:ff:ff:ff
    RX:  bytes packets errors dropped  missed   mcast           
         1.20G   3.40M      0    152k       0   1.5Ki
    TX:  bytes packets errors dropped carrier collsns           
          987M    2.1M      0       0       0       0 
`,
			check: func(t *testing.T, g got) {
				eth0 := g.iface(t, "eth0")
				eq(t, "approximate", eth0.Stats.Approximate, true)
				rx(t, eth0, "rx", "bytes", 1_200_000_000)
				rx(t, eth0, "rx", "dropped", 152_000)
				rx(t, eth0, "rx", "mcast", 1536)
				rx(t, eth0, "tx", "bytes", 987_000_000)
			},
		},
		{
			name: "ip -j and ip -j route concatenated, with prompts",
			in: "$ ip -j addr\n" + readFile(t, filepath.Join(genDir, "ip-j-addr.json")) +
				"$ ip -j route\n" + readFile(t, filepath.Join(genDir, "ip-j-route.json")) +
				"$ ip -j -6 route\n" + `[{"dst":"default","gateway":"fd00:10::1","dev":"eth0","metric":1024,"flags":[],"pref":"medium"},{"dst":"default","dev":"wg0","metric":1024,"flags":[]}]` + "\n",
			check: func(t *testing.T, g got) {
				eq(t, "interfaces", len(g.order), 12)
				eq(t, "routes", len(g.routes), 15)
				last := g.routes[len(g.routes)-1]
				eq(t, "family from the command", last.Family, "inet6")
				eq(t, "dev", last.Dev, "wg0")
				eq(t, "json line", last.Line, 6)
			},
		},
		{
			name: "pretty JSON cut off",
			in:   readFile(t, filepath.Join(genDir, "ip-j-p-addr.json"))[:3000],
			warn: []string{"JSON cut off at end of file; kept the 2 elements before it"},
			check: func(t *testing.T, g got) {
				eq(t, "kept", names(g.order), "lo,eth0")
			},
		},
		{
			name: "JSON with an invalid element, then text",
			in: `[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK"],"mtu":65536},{"ifindex":2,"ifname":"eth0","mtu":1500,}]
3: eth1: <BROADCAST,MULTICAST> mtu 9000 qdisc noop state DOWN group default qlen 1000
    link/ether 0a:1b:2c:3d:4e:60 brd ff:ff:ff:ff:ff:ff
`,
			warn: []string{"line 1: invalid JSON"},
			check: func(t *testing.T, g got) {
				eq(t, "mtu", g.iface(t, "lo").MTU, 65536)
				eq(t, "eth1 after the damage", g.iface(t, "eth1").MTU, 9000)
			},
		},
		{
			name: "route text: IPv4 via IPv6, multipath, lock, expires, cut line",
			in: `default via inet6 fe80::1 dev eth0 proto bird metric 32 onlink
10.1.0.0/16 proto bird metric 20 
	nexthop via 192.168.1.1 dev eth0 weight 1 
	nexthop via 192.168.1.2 dev eth1 weight 1 linkdown
2001:db8::/64 dev eth0 proto ra metric 100 expires 1789sec hoplimit 64 pref medium
10.2.0.0/16 via 10.0.0.1 dev eth0 mtu lock 1400 initcwnd 10 congctl lock cubic
172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1 linkdown
default via
`,
			warn: []string{`line 8: route ends with "via" and no value`},
			check: func(t *testing.T, g got) {
				d := g.routes[0]
				eq(t, "family", d.Family, "inet")
				eq(t, "via", d.Via, "fe80::1")
				eq(t, "onlink", d.Onlink, true)
				mp := g.route(t, "main", "10.1.0.0/16")
				eq(t, "hops", mp.Nexthops, []Hop{{Via: "192.168.1.1", Dev: "eth0", Weight: 1}, {Via: "192.168.1.2", Dev: "eth1", Weight: 1, Flags: []string{"linkdown"}}})
				v6 := g.route(t, "main", "2001:db8::/64")
				eq(t, "v6 extra", fmt.Sprint(v6.Extra), "map[expires:1789sec hoplimit:64]")
				l := g.route(t, "main", "10.2.0.0/16")
				eq(t, "lock", l.MTULock, true)
				eq(t, "mtu", l.MTU, 1400)
				eq(t, "extra", fmt.Sprint(l.Extra), "map[congctl:cubic initcwnd:10]")
				eq(t, "linkdown", g.route(t, "main", "172.17.0.0/16").Flags, []string{"linkdown"})
			},
		},
		{
			name: "ip -6 route after a prompt: default dev wg0 is IPv6",
			in: `# ip -6 route
default dev wg0 metric 1024
# ip route
default dev wg0 scope link
`,
			check: func(t *testing.T, g got) {
				eq(t, "v6", g.routes[0].Family, "inet6")
				eq(t, "v4", g.routes[1].Family, "inet")
			},
		},
		{
			name: "lines that are not ip output are reported with their numbers",
			in: "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000\n" +
				"    link/ether 0a:1b:2c:3d:4e:5f brd ff:ff:ff:ff:ff:ff\n" +
				"    some words nobody prints\n" +
				"Tue Jan  2 03:04:05 UTC 2024\n" +
				"==> ip-route.txt <==\n" +
				"default via 10.0.0.1 dev eth0\n" +
				"route to 10.9.0.0 is down\n" +
				"$ /sbin/route -n\n",
			warn: []string{"line 3: not understood: some words nobody prints", "line 4: not understood: Tue Jan", "line 7: not understood: route to"},
			check: func(t *testing.T, g got) {
				eq(t, "routes", len(g.routes), 1)
				eq(t, "warnings (the banner and the command are understood)", len(g.warnings), 3)
			},
		},
		{
			name: "many bad lines: warnings are capped",
			in:   strings.Repeat("garbage here\n", 100) + "default via 10.0.0.1 dev eth0\n",
			warn: []string{"line 1: not understood", "line 20: not understood", "80 more problems not listed"},
		},
		{
			name: "ip -o -d link with details after backslashes",
			in: `4: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1440 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\    link/ipip 0.0.0.0 brd 0.0.0.0 promiscuity 0 minmtu 0 maxmtu 0 \    ipip any remote any local any ttl inherit nopmtudisc addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 
`,
			check: func(t *testing.T, g got) {
				tunl0 := g.iface(t, "tunl0")
				kind(t, tunl0, "ipip", "details")
				detail(t, tunl0, "pmtudisc", false)
				eq(t, "mtu", tunl0.MTU, 1440)
			},
		},
		{
			name: "ip -c colors",
			in:   "2: \x1b[36meth0: \x1b[0m<BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state \x1b[32mUP \x1b[0mgroup default qlen 1000\n    link/ether \x1b[33m0a:1b:2c:3d:4e:5f\x1b[0m brd \x1b[33mff:ff:ff:ff:ff:ff\x1b[0m\n    inet \x1b[35m10.0.0.5\x1b[0m/24 brd \x1b[35m10.0.0.255 \x1b[0mscope global eth0\n",
			check: func(t *testing.T, g got) {
				eth0 := g.iface(t, "eth0")
				eq(t, "state", eth0.State, "UP")
				eq(t, "mac", eth0.MAC, "0a:1b:2c:3d:4e:5f")
				eq(t, "prefix", addr(t, eth0, "10.0.0.5").Prefix, 24)
			},
		},
		{
			name: "ip route get, with its cache line",
			in:   "10.0.0.5 via 10.0.0.1 dev eth0 src 10.0.0.2 uid 0 \n    cache expires 300sec mtu 1400 \n",
			check: func(t *testing.T, g got) {
				r := g.route(t, "main", "10.0.0.5")
				eq(t, "extra", fmt.Sprint(r.Extra), "map[cache:expires 300sec mtu 1400 uid:0]")
			},
		},
		{
			name: "ip neigh is not a routing table",
			in:   "default via 10.0.0.1 dev eth0\n10.0.0.1 dev eth0 lladdr 52:54:00:12:35:02 REACHABLE\n",
			warn: []string{"line 2: not understood: 10.0.0.1 dev eth0 lladdr"},
		},
		{
			// Found by FuzzAddr: the ip -o split left a header that no longer
			// matched and ipHeader indexed a nil match.
			name: "fuzz: a backslash inside the flags",
			in:   "0: 0: <\\>",
			warn: []string{"line 1: not understood"},
		},
		{
			// Found by FuzzAddr: a JSON route whose dst is not a string gave
			// a route without a destination.
			name: "fuzz: JSON route with a non-string dst",
			in:   ` {"dst":[] }`,
			warn: []string{"line 1: route destination [] is not an address"},
			check: func(t *testing.T, g got) {
				eq(t, "routes", len(g.routes), 0)
			},
		},
		{
			name: "empty file",
			in:   "",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := scanText(t, c.in)
			if g.err != nil {
				t.Fatal(g.err)
			}
			if c.warn == nil {
				noWarnings(t, g)
			}
			for _, w := range c.warn {
				warned(t, g.warnings, w)
			}
			for _, it := range g.order {
				if it.Name == "" {
					t.Error("an interface without a name")
				}
			}
			if c.check != nil {
				c.check(t, g)
			}
		})
	}
}

func TestNotApplicable(t *testing.T) {
	for name, in := range map[string]string{
		"empty file":                            "",
		"no ip, ifconfig or route output found": "hello\nworld\n",
	} {
		_, err, f := parseContent(t, Addr{}, "x.txt", in)
		if !errors.Is(err, parsers.ErrNotApplicable) || !strings.Contains(err.Error(), name) {
			t.Errorf("%q: err = %v", name, err)
		}
		if len(f.Nodes) != 0 {
			t.Errorf("%q: node facts added: %v", name, f.Nodes)
		}
	}
}

// TestHugeLine reads a 20 MB line without holding it: the line reader
// keeps a bounded prefix.
func TestHugeLine(t *testing.T) {
	for _, c := range []struct {
		name string
		fill byte
	}{{"text", 'x'}, {"spaces", ' '}} {
		t.Run(c.name, func(t *testing.T) {
			r := io.MultiReader(strings.NewReader("2: eth0: <UP> mtu 1500\n    link/none\n"), &repeatReader{b: c.fill, n: 20 << 20}, strings.NewReader("\ndefault via 10.0.0.1 dev eth0\n"))
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			s := newScanner(context.Background(), "big.txt", r)
			if err := s.run(); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
				t.Errorf("allocated %d bytes for a 20 MB line", alloc)
			}
			ifs, routes := s.result()
			if len(ifs) != 1 || len(routes) != 1 {
				t.Errorf("got %d interfaces, %d routes", len(ifs), len(routes))
			}
			if c.fill == 'x' {
				warned(t, s.warnings, "line 3: line is 20971520 bytes long; only its first 65536 bytes were read")
			}
		})
	}
}

type repeatReader struct {
	b byte
	n int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	if len(p) > r.n {
		p = p[:r.n]
	}
	for i := range p {
		p[i] = r.b
	}
	r.n -= len(p)
	return len(p), nil
}

// TestHugeJSONElement stops at an element over the bound instead of
// buffering it.
func TestHugeJSONElement(t *testing.T) {
	r := io.MultiReader(strings.NewReader(`[{"ifindex":1,"ifname":"lo","mtu":65536},{"ifindex":2,"ifname":"`), &repeatReader{b: 'a', n: 40 << 20}, strings.NewReader(`"}]`))
	s := newScanner(context.Background(), "big.json", r)
	if err := s.run(); err != nil {
		t.Fatal(err)
	}
	ifs, _ := s.result()
	eq(t, "kept", names(ifs), "lo")
	warned(t, s.warnings, "JSON element larger than 16 MiB")
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := newScanner(ctx, "x", strings.NewReader(calicoNode))
	if err := s.run(); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}
