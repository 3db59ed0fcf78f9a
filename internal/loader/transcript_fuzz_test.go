package loader

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzTranscript: any file loads without panic; every artifact cut from a
// transcript cites lines of the transcript that exist.
func FuzzTranscript(f *testing.F) {
	for _, rel := range []string{"iptables-save/k3s-metallb-iptables-save-grep-transcript-robric.txt", "netstat-s/plantegg-netstat-s-egrep-listen-two-snapshots.txt"} {
		if b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "realworld", rel)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("$ kubectl get pods\r\nNAME   READY\r\nx   1/1\r\n$ kubectl get pods -o json\r\n{\r\n}\r\nuser@h:~$ \r\n"))
	f.Add([]byte("[root@n ~]# iptables-save\n*nat\nCOMMIT\n[root@n ~]# iptables-save\n*filter\nCOMMIT\n[root@n ~]# ip a\n1: lo\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "t.txt")
		if err := os.WriteFile(p, in, 0o600); err != nil {
			t.Fatal(err)
		}
		b, err := Load([]string{p}, Limits{}, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		lines := bytes.Count(in, []byte("\n")) + 1
		for _, a := range b.Artifacts {
			if a.Origin == nil {
				continue
			}
			got, _ := os.ReadFile(a.file)
			n := bytes.Count(got, []byte("\n"))
			for l := 1; l <= n; l++ {
				if file, line := a.Cite(l); file != "t.txt" || line < 1 || line > lines {
					t.Fatalf("%s line %d cites %s:%d of %d", a.Path, l, file, line, lines)
				}
			}
		}
	})
}
