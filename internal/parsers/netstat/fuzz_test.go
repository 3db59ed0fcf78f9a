package netstat

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ktriage/ktriage/internal/source"
)

// FuzzNetstat: no input makes Read panic or hang, every counter has a
// name, a line within the input and a short text, and Detect agrees to run
// on any head.
func FuzzNetstat(f *testing.F) {
	for _, g := range []string{filepath.Join(realworld, "netstat-s", "*.txt"), "testdata/generated/*.txt"} {
		files, _ := filepath.Glob(g)
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
			// Small seeds mutate much faster than whole files.
			if len(b) > 1024 {
				f.Add(b[:1024])
			}
		}
	}
	f.Add([]byte("#kernel\nTcpExtListenOverflows 9223372036854775807 0.0\n"))
	f.Add([]byte("Every 1.0s: netstat -s   h: Tue Jan 11 10:30:01 2022\n\r\r1 times the listen queue of a socket overflowed\r\n"))
	f.Add([]byte("TcpExt: A B C\nTcpExt: 1 2\nTcpExt: 1 2 3 4\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = detect(in)
		p, err := Read(ctx, bytes.NewReader(in), "fuzz.txt")
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		lines := bytes.Count(in, []byte("\n")) + 1
		for _, s := range p.Snapshots {
			if len(s.Counters) == 0 {
				t.Fatal("snapshot without counters")
			}
			if s.Line < 1 || s.Line > lines {
				t.Fatalf("snapshot line %d of %d", s.Line, lines)
			}
			for name, c := range s.Counters {
				if name == "" || c.Line < 1 || c.Line > lines || c.Text == "" || len(c.Text) > source.MaxExcerpt {
					t.Fatalf("bad counter %q %+v", name, c)
				}
				if _, ok := exact(string(c.Value)); !ok {
					t.Fatalf("value %q is not an exact integer", c.Value)
				}
			}
			for _, u := range s.Unknown {
				if u.Line < 1 || u.Line > lines || len(u.Text) > source.MaxExcerpt {
					t.Fatalf("bad unknown line %+v", u)
				}
			}
			if s.Elapsed != nil && s.Time == nil {
				t.Fatal("elapsed without time")
			}
		}
		_ = Summarize(p)
	})
}
