package ss

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/parsers"
	"github.com/ktriage/ktriage/internal/parsers/parsertest"
)

type row struct {
	local, address, iface, state, process, netid string
	port                                         int
	recv, send                                   int64
	pid                                          int
}

func TestVariants(t *testing.T) {
	cases := []struct {
		name     string
		in       string
		rows     []row
		other    int
		warnings int
		detail   string
	}{
		{
			name: "ss 3.10 (CentOS 7) with old IPv6 form",
			in: "State      Recv-Q Send-Q Local Address:Port               Peer Address:Port              \n" +
				"LISTEN     0      128          *:22                       *:*                  \n" +
				"LISTEN     129    128    10.0.0.5:80                       *:*                   users:((\"nginx\",pid=1000,fd=6))\n" +
				"LISTEN     0      128         :::22                      :::*                  \n" +
				"LISTEN     0      100        ::1:25                      :::*                  \n",
			rows: []row{
				{local: "*:22", address: "*", port: 22, state: "LISTEN", send: 128},
				{local: "10.0.0.5:80", address: "10.0.0.5", port: 80, state: "LISTEN", recv: 129, send: 128, process: "nginx", pid: 1000},
				{local: ":::22", address: "::", port: 22, state: "LISTEN", send: 128},
				{local: "::1:25", address: "::1", port: 25, state: "LISTEN", send: 100},
			},
			detail: "4 listeners; 10.0.0.5:80 Recv-Q 129 / Send-Q 128",
		},
		{
			name: "ss 5.x -tlnp with zones, brackets and several users",
			in: "State    Recv-Q   Send-Q     Local Address:Port     Peer Address:Port  Process\n" +
				"LISTEN   0        4096       127.0.0.53%lo:53            0.0.0.0:*      users:((\"systemd-resolve\",pid=612,fd=13))\n" +
				"LISTEN   0        511              0.0.0.0:80            0.0.0.0:*      users:((\"nginx\",pid=1001,fd=6),(\"nginx\",pid=1000,fd=6))\n" +
				"LISTEN   0        128                 [::]:22               [::]:*      users:((\"sshd\",pid=800,fd=4))\n" +
				"LISTEN   0        128   [fe80::1%eth0]:546                [::]:*\n" +
				"LISTEN   0        128     [::ffff:10.0.0.5]:8080             *:*\n",
			rows: []row{
				{local: "127.0.0.53%lo:53", address: "127.0.0.53", iface: "lo", port: 53, state: "LISTEN", send: 4096, process: "systemd-resolve", pid: 612},
				{local: "0.0.0.0:80", address: "0.0.0.0", port: 80, state: "LISTEN", send: 511, process: "nginx", pid: 1001},
				{local: "[::]:22", address: "::", port: 22, state: "LISTEN", send: 128, process: "sshd", pid: 800},
				{local: "[fe80::1%eth0]:546", address: "fe80::1%eth0", port: 546, state: "LISTEN", send: 128},
				{local: "[::ffff:10.0.0.5]:8080", address: "::ffff:10.0.0.5", port: 8080, state: "LISTEN", send: 128},
			},
			detail: "5 listeners",
		},
		{
			name: "ss -tan: connected sockets are counted, not listed",
			in: "State     Recv-Q Send-Q Local Address:Port  Peer Address:Port Process\n" +
				"LISTEN    129    128          0.0.0.0:80         0.0.0.0:*\n" +
				"ESTAB     0      0         10.0.0.5:80      10.0.0.9:51234\n" +
				"TIME-WAIT 0      0         10.0.0.5:80      10.0.0.9:51200\n" +
				"SYN-RECV  0      0         10.0.0.5:80      10.0.0.9:51300\n",
			rows:   []row{{local: "0.0.0.0:80", address: "0.0.0.0", port: 80, state: "LISTEN", recv: 129, send: 128}},
			other:  3,
			detail: "1 listeners (3 other sockets skipped); 0.0.0.0:80 Recv-Q 129 / Send-Q 128",
		},
		{
			name: "ss -ltnie: extras after the peer, detail lines under rows",
			in: "State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n" +
				"LISTEN 0      128          0.0.0.0:22        0.0.0.0:*    uid:0 ino:20968 sk:1 cgroup:/system.slice/ssh.service <->\n" +
				"\t cubic cwnd:10\n",
			rows: []row{{local: "0.0.0.0:22", address: "0.0.0.0", port: 22, state: "LISTEN", send: 128}},
		},
		{
			name: "ss -H -lntu: no header, Netid column",
			in:   "udp   UNCONN 0      0            0.0.0.0:5353      0.0.0.0:*\ntcp   LISTEN 5      4          127.0.0.1:8080      0.0.0.0:*\n",
			rows: []row{
				{local: "0.0.0.0:5353", address: "0.0.0.0", port: 5353, state: "UNCONN", netid: "udp"},
				{local: "127.0.0.1:8080", address: "127.0.0.1", port: 8080, state: "LISTEN", netid: "tcp", recv: 5, send: 4},
			},
		},
		{
			name: "ss -lt without -n: service names",
			in:   "State  Recv-Q Send-Q Local Address:Port Peer Address:Port\nLISTEN 0      128          0.0.0.0:ssh        0.0.0.0:*\nLISTEN 0      511                *:http             *:*\nLISTEN 0      511                *:frobnitz         *:*\n",
			rows: []row{
				{local: "0.0.0.0:ssh", address: "0.0.0.0", port: 22, state: "LISTEN", send: 128},
				{local: "*:http", address: "*", port: 80, state: "LISTEN", send: 511},
				{local: "*:frobnitz", address: "*", port: 0, state: "LISTEN", send: 511},
			},
		},
		{
			name:     "ss with a state filter hides State",
			in:       "Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n0      4096   127.0.0.53%lo:53   0.0.0.0:*\n",
			rows:     []row{{local: "127.0.0.53%lo:53", address: "127.0.0.53", iface: "lo", port: 53, send: 4096}},
			warnings: 1,
		},
		{
			name: "netstat -anp with the UNIX table after it",
			in: "Active Internet connections (servers and established)\n" +
				"Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name    \n" +
				"tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      812/sshd: /usr/sbin \n" +
				"tcp        0     36 10.0.0.5:22             10.0.0.9:50000          ESTABLISHED 2000/sshd: root@pts \n" +
				"udp        0      0 127.0.0.53:53           0.0.0.0:*                           612/systemd-resolve \n" +
				"udp6       0      0 fe80::1:546             :::*                                700/dhclient\n" +
				"tcp        7      0 0.0.0.0:8080            0.0.0.0:*               LISTEN      -\n" +
				"Active UNIX domain sockets (servers and established)\n" +
				"Proto RefCnt Flags       Type       State         I-Node   PID/Program name     Path\n" +
				"unix  2      [ ACC ]     STREAM     LISTENING     20001    1/systemd            /run/systemd/private\n",
			rows: []row{
				{local: "0.0.0.0:22", address: "0.0.0.0", port: 22, state: "LISTEN", netid: "tcp", process: "sshd: /usr/sbin", pid: 812},
				{local: "127.0.0.53:53", address: "127.0.0.53", port: 53, netid: "udp", process: "systemd-resolve", pid: 612},
				{local: "fe80::1:546", address: "fe80::1", port: 546, netid: "udp", process: "dhclient", pid: 700},
				{local: "0.0.0.0:8080", address: "0.0.0.0", port: 8080, state: "LISTEN", netid: "tcp", recv: 7},
			},
			other:  1,
			detail: "4 listeners (1 other sockets skipped); 0.0.0.0:8080 Recv-Q 7 / Send-Q 0",
		},
		{
			name: "netstat -tlnpe: user and inode before the program",
			in:   "Proto Recv-Q Send-Q Local Address           Foreign Address         State       User       Inode      PID/Program name\ntcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      0          20968      812/sshd\n",
			rows: []row{{local: "0.0.0.0:22", address: "0.0.0.0", port: 22, state: "LISTEN", netid: "tcp", process: "sshd", pid: 812}},
		},
		{
			name:   "grep transcript with prompt",
			in:     "root@node-1:~# ss -lnt | grep :80\nLISTEN 129    128    0.0.0.0:80 0.0.0.0:*\n",
			rows:   []row{{local: "0.0.0.0:80", address: "0.0.0.0", port: 80, state: "LISTEN", recv: 129, send: 128}},
			detail: "1 listeners; 0.0.0.0:80 Recv-Q 129 / Send-Q 128",
		},
		{
			name:     "garbage between rows is skipped with a warning",
			in:       "State Recv-Q Send-Q Local Address:Port Peer Address:Port\nLISTEN 0 128 0.0.0.0:22 0.0.0.0:*\nthis is not a row\nLISTEN 0 128 0.0.0.0:23 0.0.0.0:*\n",
			rows:     []row{{local: "0.0.0.0:22", address: "0.0.0.0", port: 22, state: "LISTEN", send: 128}, {local: "0.0.0.0:23", address: "0.0.0.0", port: 23, state: "LISTEN", send: 128}},
			warnings: 1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, eol := range []string{"\n", "\r\n"} {
				a := parsertest.Write(t, "ss.txt", strings.ReplaceAll(tc.in, "\n", eol))
				if !(Listen{}).Detect(a) {
					t.Fatal("not detected")
				}
				p := parseArtifact(t, a)
				if p.err != nil {
					t.Fatal(p.err)
				}
				if len(p.res.Warnings) != tc.warnings {
					t.Errorf("warnings %q", p.res.Warnings)
				}
				if tc.detail != "" && p.res.Detail != tc.detail {
					t.Errorf("detail %q, want %q", p.res.Detail, tc.detail)
				}
				if got := p.res.Summary["other_sockets"]; got != tc.other {
					t.Errorf("other sockets %v, want %d", got, tc.other)
				}
				if len(p.rows) != len(tc.rows) {
					t.Fatalf("%d rows, want %d: %+v", len(p.rows), len(tc.rows), p.rows)
				}
				for i, w := range tc.rows {
					g := p.rows[i]
					got := row{g.Local, g.Address, g.Interface, g.State, g.Process, g.Netid, g.Port, g.RecvQ, g.SendQ, g.PID}
					if got != w {
						t.Errorf("row %d\n got %+v\nwant %+v", i, got, w)
					}
					if strings.ContainsAny(g.Text, "\r\n") || g.Line < 1 || g.File != a.Path {
						t.Errorf("row %d place %s:%d %q", i, g.File, g.Line, g.Text)
					}
				}
			}
		})
	}
}

func TestNotListings(t *testing.T) {
	ssS := "Total: 186\nTCP:   6 (estab 1, closed 0, orphaned 0, timewait 0)\n\nTransport Total     IP        IPv6\nRAW\t  1         0         1        \nUDP\t  4         3         1        \nTCP\t  6         4         2        \n"
	for name, in := range map[string]string{
		"ss -s":        ssS,
		"empty":        "",
		"blank lines":  "\n\n\r\n",
		"netstat -s":   "Tcp:\n    5 active connection openings\n",
		"sysctl":       "net.core.somaxconn = 128\nnet.ipv4.tcp_max_syn_backlog = 256\nnet.ipv4.ip_forward = 1\n",
		"one row only": "LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n",
		"ip route":     "default via 10.0.0.1 dev eth0 proto dhcp metric 100\n10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5\n",
		"netstat -i":   "Kernel Interface table\nIface      MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\neth0      1500  1234567      0      0 0        765432      0      0      0 BMRU\n",
	} {
		a := parsertest.Write(t, "x.txt", in)
		if (Listen{}).Detect(a) {
			t.Errorf("%s: detected", name)
		}
		p := parseArtifact(t, a)
		if name == "one row only" {
			continue // parses when handed over; detection alone refuses it
		}
		if !errors.Is(p.err, parsers.ErrNotApplicable) || p.has {
			t.Errorf("%s: err %v, section %v", name, p.err, p.has)
		}
	}
}

func TestHeaderOnlyListingIsEmptyList(t *testing.T) {
	p := parseArtifact(t, parsertest.Write(t, "ss.txt", "State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n"))
	if p.err != nil || !p.has || len(p.rows) != 0 || p.res.Detail != "0 listeners" {
		t.Errorf("err %v has %v rows %d detail %q", p.err, p.has, len(p.rows), p.res.Detail)
	}
}

type repeatReader struct {
	c byte
	n int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	for i := range p {
		p[i] = r.c
	}
	r.n -= int64(len(p))
	return len(p), nil
}

func TestHugeLineAndTruncation(t *testing.T) {
	in := io.MultiReader(strings.NewReader("State Recv-Q Send-Q Local Address:Port Peer Address:Port\nLISTEN 1 2 0.0.0.0:22 0.0.0.0:*\n"),
		&repeatReader{'9', 20 << 20}, strings.NewReader("\nLISTEN 0 128 0.0.0.0:23 0.0.0.0:*\nLISTEN 0 128 0.0.0"))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p, err := Read(context.Background(), in, "huge.txt")
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("allocated %d bytes for a 20 MB line", alloc)
	}
	if len(p.Listeners) != 2 || p.Listeners[1].Line != 4 {
		t.Fatalf("listeners %+v", p.Listeners)
	}
	// The cut-off last row and the huge line are reported, not taken.
	if len(p.Warnings) != 2 {
		t.Errorf("warnings %q", p.Warnings)
	}

	path := filepath.Join(t.TempDir(), "one.txt")
	f, _ := os.Create(path)
	io.Copy(f, &repeatReader{'x', 20 << 20})
	f.Close()
	a := parsertest.Load(t, path)
	if (Listen{}).Detect(a) {
		t.Error("detected a 20 MB line")
	}
	if _, err := (Listen{}).Parse(context.Background(), a, facts.NewBuilder()); !errors.Is(err, parsers.ErrNotApplicable) {
		t.Errorf("err %v", err)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Read(ctx, strings.NewReader("LISTEN 0 1 a:1 b:2\n"), "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
}

func TestSplitHostPort(t *testing.T) {
	for in, want := range map[string]struct {
		host  string
		port  int
		iface string
		ok    bool
	}{
		"0.0.0.0:80":         {"0.0.0.0", 80, "", true},
		"*:*":                {"*", 0, "", true},
		"[::]:443":           {"::", 443, "", true},
		":::22":              {"::", 22, "", true},
		"127.0.0.53%lo:53":   {"127.0.0.53", 53, "lo", true},
		"[fe80::1]%eth0:546": {"fe80::1", 546, "eth0", true},
		"*%eth0:67":          {"*", 67, "eth0", true},
		"0.0.0.0:99999":      {"", 0, "", false},
		"noport":             {"", 0, "", false},
		":80":                {"", 0, "", false},
		"1.2.3.4:":           {"", 0, "", false},
		"a:b c":              {"", 0, "", false},
	} {
		h, p, i, ok := splitHostPort(in)
		if h != want.host || p != want.port || i != want.iface || ok != want.ok {
			t.Errorf("splitHostPort(%q) = %q %d %q %v, want %+v", in, h, p, i, ok, want)
		}
	}
}
