package ipaddr

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestDetectOtherArtifacts: no other kind of file in the real-world corpus
// (iptables-save, netstat -s, sysctl, cluster-info dumps, captures,
// bundles) is claimed.
func TestDetectOtherArtifacts(t *testing.T) {
	root := "../../../testdata/realworld"
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, "ip-addr") || strings.HasSuffix(p, ".md") {
			return err
		}
		a := artifact(t, readFile(t, p))
		if (Addr{}).Detect(a) || (Route{}).Detect(a) {
			t.Errorf("%s is claimed (addr %v, route %v)", p, (Addr{}).Detect(a), (Route{}).Detect(a))
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Errorf("only %d files looked at", n)
	}
}

func TestDetect(t *testing.T) {
	cases := []struct {
		name        string
		in          string
		addr, route bool
	}{
		{"kubernetes JSON list", `{"apiVersion":"v1","kind":"List","items":[{"kind":"Pod","metadata":{"name":"a"},"status":{"podIP":"10.244.1.5"}}]}`, false, false},
		{"kubernetes JSON array of nodes", `[{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}]`, false, false},
		{"iptables-save", "*nat\n:PREROUTING ACCEPT [0:0]\n-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment \"default/kubernetes:https\" -j KUBE-SVC-NPX46M4PTMTKRN6Y\nCOMMIT\n", false, false},
		{"netstat -s", "Ip:\n    Forwarding: 1\n    12345 total packets received\nTcp:\n    981 times the listen queue of a socket overflowed\n", false, false},
		{"sysctl", "net.ipv4.ip_forward = 1\nnet.ipv4.conf.eth0.mtu = 1500\nnet.ipv4.route.mtu_expires = 600\n", false, false},
		{"kubelet log", "I0102 03:04:05.000000    1234 kubelet.go:100] default via 10.0.0.1 dev eth0 is the route\nE0102 03:04:06.000000    1234 cni.go:200] eth0: mtu 1450 does not match\n", false, false},
		{"JSON log lines", `{"level":"info","msg":"link eth0 up","ifname":"eth0","mtu":1450}` + "\n", false, false},
		{"ss output", "State  Recv-Q Send-Q Local Address:Port Peer Address:Port\nLISTEN 0 4096 10.0.0.2:10250 0.0.0.0:*\n", false, false},
		{"ip neigh", "10.0.0.1 dev eth0 lladdr 52:54:00:12:35:02 REACHABLE\n10.0.0.7 dev eth0 FAILED\nfe80::1 dev eth0 lladdr 52:54:00:12:35:02 router STALE\n", false, false},
		{"ip route get", "10.0.0.5 via 10.0.0.1 dev eth0 src 10.0.0.2 uid 0 \n    cache \n", false, true},
		{"list of addresses", "10.0.0.1\n10.0.0.2\n10.0.0.3\n", false, false},
		{"a word and UP", "status UP\nnothing else here\nand more\n", false, false},
		{"ip addr", readFile(t, filepath.Join(realDir, "kops-kubenet-pod-eth0-9001-reinvent2018-net410.txt")), true, false},
		{"ip addr after a prompt", "[root@node-1 ~]# ip a\n" + readFile(t, filepath.Join(genDir, "ip-a.txt")), true, false},
		{"ip addr and routes", readFile(t, filepath.Join(genDir, "ip-a.txt")) + readFile(t, filepath.Join(genDir, "ip-route.txt")), true, false},
		{"routes then ip addr", readFile(t, filepath.Join(genDir, "ip-route.txt")) + readFile(t, filepath.Join(genDir, "ip-a.txt")), true, false},
		{"ip -br addr of one interface", "eth0@if14        UP             10.244.1.5/24 fe80::b024:13ff:feec:7742/64 \n", true, false},
		{"indented link and inet lines only", "    link/ether 0a:1b:2c:3d:4e:5f brd ff:ff:ff:ff:ff:ff\n    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0\n", true, false},
		{"ip -j addr single object", `{"ifindex":2,"ifname":"eth0","mtu":1500}`, true, false},
		{"one default route", "default via 172.17.0.1 dev eth0 \n", false, true},
		{"unreachable route", "unreachable 10.0.0.0/8\n", false, true},
		{"route -n without title", "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n0.0.0.0         10.0.0.1        0.0.0.0         UG    100    0        0 eth0\n", false, true},
		{"ip -j route", `[{"type":"blackhole","dst":"10.244.5.0/26","protocol":"bird","flags":[]}]`, false, true},
		{"ip -c addr", "1: \x1b[36mlo: \x1b[0m<LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n", true, false},
		{"empty", "", false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := artifact(t, c.in)
			eq(t, "Addr.Detect", (Addr{}).Detect(a), c.addr)
			eq(t, "Route.Detect", (Route{}).Detect(a), c.route)
		})
	}
}

// TestDetectSeesOnlyTheHead: content is judged from the first 8 KiB.
func TestDetectSeesOnlyTheHead(t *testing.T) {
	in := strings.Repeat("# a comment line that is not output\n", 400) + readFile(t, filepath.Join(genDir, "ip-a.txt"))
	if (Addr{}).Detect(artifact(t, in)) {
		t.Error("detected from beyond the head")
	}
}
