package loader

import (
	"bytes"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func zstdBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := zstd.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestZstdContainer(t *testing.T) {
	tb := tarBytes(t, []entry{{name: "sosreport-h/sos_commands/kernel/sysctl_-a", body: "net.ipv4.ip_forward = 1\n"}, {name: "sosreport-h/sos_commands/host/hostname", body: "node-7.example.com\n"}})
	for _, name := range []string{"sosreport-h.tar.zst", "sosreport-h.tzst"} {
		b := loadOne(t, name, string(zstdBytes(t, tb)))
		if len(b.Artifacts) != 2 {
			t.Fatalf("%s: %d artifacts, skipped %v", name, len(b.Artifacts), b.Skipped)
		}
		for _, a := range b.Artifacts {
			if !strings.HasPrefix(a.Path, name+"!/sosreport-h/sos_commands/") || a.Host != "node-7.example.com" {
				t.Errorf("%s: host %q", a.Path, a.Host)
			}
		}
	}
	// a plain .zst is one file; concatenated frames (zstd a b > c) are one stream
	z := append(zstdBytes(t, []byte("*nat\n")), zstdBytes(t, []byte("COMMIT\n"))...)
	b := loadOne(t, "iptables-save.txt.zst", string(z))
	if len(b.Artifacts) != 1 || b.Artifacts[0].Path != "iptables-save.txt.zst" || string(b.Artifacts[0].Head) != "*nat\nCOMMIT\n" {
		t.Errorf("plain zstd: %+v", b.Artifacts)
	}
	// lz4 is still named, not read
	b = loadOne(t, "x.lz4", "\x04\x22\x4d\x18rest")
	if len(b.Skipped) != 1 || !strings.Contains(b.Skipped[0].Reason, "lz4") {
		t.Errorf("lz4: %+v", b.Skipped)
	}
}
