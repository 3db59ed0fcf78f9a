package ss

import (
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/ktriage/ktriage/internal/parsers/parsertest"
)

// The generated samples are real ss and netstat output from a network
// namespace where make.sh (netstat/testdata/generated/make.sh) set
// net.core.somaxconn to 4 and left two listeners' accept queues full:
// 127.0.0.1:8080 asked for listen(511), 127.0.0.1:8081 for listen(2).

func somaxconn(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("../sysctl/testdata/generated/sysctl-a-netns.txt")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^net\.core\.somaxconn = ([0-9]+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no somaxconn in the generated sysctl -a")
	}
	v, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return v
}

func TestGeneratedSS(t *testing.T) {
	max := somaxconn(t)
	for _, file := range []string{"ss-lnt.txt", "ss-tlnp.txt", "ss-lntu.txt"} {
		t.Run(file, func(t *testing.T) {
			a := parsertest.Load(t, "testdata/generated/"+file)
			if !(Listen{}).Detect(a) {
				t.Fatal("not detected")
			}
			p := parseArtifact(t, a)
			if p.err != nil || len(p.res.Warnings) > 0 {
				t.Fatalf("err %v warnings %q", p.err, p.res.Warnings)
			}
			want := 3
			if file == "ss-lntu.txt" {
				want = 4
			}
			if len(p.rows) != want {
				t.Fatalf("%d rows, want %d", len(p.rows), want)
			}
			// What the kernel shows for a full accept queue: Recv-Q is one
			// more than Send-Q (the queue is full only past the backlog).
			capped := p.byLocal(t, "127.0.0.1:8080")
			if capped.SendQ != max {
				t.Errorf("8080 Send-Q %d: listen(511) must be capped to somaxconn %d", capped.SendQ, max)
			}
			if capped.RecvQ != capped.SendQ+1 {
				t.Errorf("8080 Recv-Q %d, want Send-Q+1 = %d", capped.RecvQ, capped.SendQ+1)
			}
			small := p.byLocal(t, "127.0.0.1:8081")
			if small.SendQ != 2 || small.RecvQ != 3 {
				t.Errorf("8081 Recv-Q/Send-Q %d/%d, want 3/2", small.RecvQ, small.SendQ)
			}
			idle := p.byLocal(t, "*:8443")
			if idle.RecvQ != 0 || idle.SendQ != max || idle.Address != "*" || idle.Port != 8443 {
				t.Errorf("idle v6 listener %+v", idle)
			}
			for _, l := range p.rows {
				if l.Tool != "ss" || l.File != a.Path || l.Line < 2 || l.Text == "" {
					t.Errorf("row %+v", l)
				}
				if l.Port != 5353 && (l.State != "LISTEN" || l.Address == "") {
					t.Errorf("row %+v", l)
				}
			}
			if p.res.Detail != "3 listeners; 127.0.0.1:8080 Recv-Q 5 / Send-Q 4" && file != "ss-lntu.txt" {
				t.Errorf("detail %q", p.res.Detail)
			}
			switch file {
			case "ss-tlnp.txt":
				if capped.Process != "python3" || capped.PID <= 0 || small.PID != capped.PID {
					t.Errorf("process %q pid %d/%d", capped.Process, capped.PID, small.PID)
				}
			case "ss-lntu.txt":
				u := p.byLocal(t, "0.0.0.0:5353")
				if u.Netid != "udp" || u.State != "UNCONN" || u.Port != 5353 {
					t.Errorf("udp row %+v", u)
				}
				if capped.Netid != "tcp" {
					t.Errorf("tcp row netid %q", capped.Netid)
				}
			default:
				if capped.Netid != "" || capped.Process != "" || capped.PID != 0 {
					t.Errorf("ss -lnt shows no netid or process: %+v", capped)
				}
			}
		})
	}
}

func TestGeneratedNetstat(t *testing.T) {
	ssPID := 0
	ss := parseArtifact(t, parsertest.Load(t, "testdata/generated/ss-tlnp.txt"))
	ssPID = ss.byLocal(t, "127.0.0.1:8080").PID
	for _, file := range []string{"netstat-lnt.txt", "netstat-tlnp.txt"} {
		t.Run(file, func(t *testing.T) {
			a := parsertest.Load(t, "testdata/generated/"+file)
			if !(Listen{}).Detect(a) {
				t.Fatal("not detected")
			}
			p := parseArtifact(t, a)
			if p.err != nil || len(p.res.Warnings) > 0 || len(p.rows) != 3 {
				t.Fatalf("err %v warnings %q rows %d", p.err, p.res.Warnings, len(p.rows))
			}
			if p.res.Kind != "netstat-listen" || p.res.Detail != "3 listeners; 127.0.0.1:8080 Recv-Q 5 / Send-Q 0" {
				t.Errorf("kind %q detail %q", p.res.Kind, p.res.Detail)
			}
			// netstat reads /proc/net/tcp: the listener's Recv-Q is the same
			// accept queue length ss shows, but Send-Q is 0, not the backlog.
			l := p.byLocal(t, "127.0.0.1:8080")
			if l.RecvQ != 5 || l.SendQ != 0 || l.Tool != "netstat" || l.Netid != "tcp" || l.State != "LISTEN" {
				t.Errorf("8080 %+v", l)
			}
			v6 := p.byLocal(t, ":::8443")
			if v6.Address != "::" || v6.Port != 8443 || v6.Netid != "tcp" {
				t.Errorf("tcp6 row %+v", v6)
			}
			if file == "netstat-tlnp.txt" && (l.Process != "python3" || l.PID != ssPID) {
				t.Errorf("process %q pid %d, ss said pid %d", l.Process, l.PID, ssPID)
			}
		})
	}
}
