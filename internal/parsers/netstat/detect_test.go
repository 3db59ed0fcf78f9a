package netstat

import (
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/loader"
)

// TestDetectCorpus runs Detect over every real artifact in the repository's
// corpus (cluster dumps, logs, ip addr, iptables-save, sysctl, pcaps, the
// support bundles' members): it must claim the netstat samples and nothing
// else.
func TestDetectCorpus(t *testing.T) {
	claimed := 0
	for _, in := range []struct {
		dir  string
		want func(inner string) bool
	}{
		{realworld, func(inner string) bool {
			return strings.HasPrefix(inner, "netstat-s/") && strings.HasSuffix(inner, ".txt")
		}},
		{"testdata/generated", func(inner string) bool { return strings.HasSuffix(inner, ".txt") }},
		{"../ss/testdata/generated", func(string) bool { return false }},
		{"../sysctl/testdata/generated", func(string) bool { return false }},
	} {
		b, err := loader.Load([]string{in.dir}, loader.Limits{}, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range b.Artifacts {
			want := in.want(a.Inner)
			if got := (Stats{}).Detect(a); got != want {
				t.Errorf("Detect(%s/%s) = %v, want %v", in.dir, a.Path, got, want)
			}
			if want {
				claimed++
			}
		}
		b.Close()
	}
	if claimed != 17 { // 10 real samples, 7 generated
		t.Errorf("%d samples claimed, want 17", claimed)
	}
}

func TestDetectSnippets(t *testing.T) {
	yes := map[string]string{
		"grep one line after a prompt": "$ netstat -s | grep overflow\n    12 times the listen queue of a socket overflowed\n",
		"nstat":                        "#kernel\nTcpExtListenOverflows  12  0.0\n",
		"nstat headless":               "TcpExtListenOverflows 1 0.0\nTcpExtListenDrops 1 0.0\nIpInReceives 5 0.0\n",
		"snmp6":                        "Ip6InReceives                   \t1\nIp6InHdrErrors                  \t0\nIp6InTooBigErrors               \t0\n",
		"proc pair":                    "TcpExt: SyncookiesSent ListenOverflows\nTcpExt: 0 3\n",
		"headers and generic lines":    "Ip:\n    Forwarding: 1\nTcpExt:\n    TCPTimeouts: 3\n",
	}
	no := map[string]string{
		"one phrase without a prompt": "12 times the listen queue of a socket overflowed\n",
		"klog":                        "I0111 10:30:01.123456       1 server.go:123] 12 times the listen queue of a socket overflowed\nE0111 10:30:02.000000       1 x.go:1] 13 SYNs to LISTEN sockets dropped\n",
		"json":                        `{"kernel":{"TcpExtListenOverflows":12}}`,
		"yaml":                        "Ip:\n  Forwarding: 1\nTcp:\n  mode: x\n",
		"sysctl":                      "net.core.somaxconn = 128\nnet.ipv4.tcp_max_syn_backlog = 256\n",
		"ss":                          "State  Recv-Q Send-Q Local Address:Port Peer Address:Port\nLISTEN 129    128    0.0.0.0:80 0.0.0.0:*\n",
		"ip -s link":                  "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500\n    RX: bytes  packets  errors  dropped overrun mcast\n    123 4 0 0 0 0\n",
		"ping":                        "5 packets transmitted, 5 received, 0% packet loss, time 4005ms\n",
		"header line only":            "TcpExt: SyncookiesSent ListenOverflows\n",
	}
	for name, in := range yes {
		if !detect([]byte(in)) {
			t.Errorf("%s: not detected", name)
		}
	}
	for name, in := range no {
		if detect([]byte(in)) {
			t.Errorf("%s: detected", name)
		}
	}
}
