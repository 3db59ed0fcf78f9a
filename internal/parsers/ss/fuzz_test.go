package ss

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ktriage/ktriage/internal/source"
)

// FuzzSS: no input makes Read panic or hang; every listener has an
// address, a port in range, non-negative queues and a line within the
// input; detection runs on any head.
func FuzzSS(f *testing.F) {
	files, _ := filepath.Glob("testdata/generated/*.txt")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port\r\ntcp LISTEN 129 128 [::ffff:1.2.3.4]%eth0:80 *:* users:((\"a\\\"b\",pid=1,fd=2))\n"))
	f.Add([]byte("Active Internet connections\nProto Recv-Q Send-Q Local Address Foreign Address State\nudp6 0 0 :::5353 :::* 12/x y\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		_ = detect(in)
		p, err := Read(context.Background(), bytes.NewReader(in), "fuzz.txt")
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		lines := bytes.Count(in, []byte("\n")) + 1
		for _, l := range p.Listeners {
			if l.Address == "" || l.Local == "" || l.Port < 0 || l.Port > 65535 || l.RecvQ < 0 || l.SendQ < 0 || l.PID < 0 {
				t.Fatalf("bad listener %+v", l)
			}
			if l.Line < 1 || l.Line > lines || l.Text == "" || len(l.Text) > source.MaxExcerpt || l.File != "fuzz.txt" {
				t.Fatalf("bad place %+v", l)
			}
			if l.Tool != "ss" && l.Tool != "netstat" {
				t.Fatalf("tool %q", l.Tool)
			}
		}
		_ = Summarize(p)
	})
}
