package loader

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"
)

func xzWith(t *testing.T, c xz.WriterConfig, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := c.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Every check type, several blocks and concatenated streams read back
// exactly; a flipped byte is caught by the check, not read as data.
func TestXZReader(t *testing.T) {
	body := []byte(strings.Repeat("net.ipv4.ip_forward = 1\nnet.core.somaxconn = 4096\n", 20000))
	for name, c := range map[string]xz.WriterConfig{
		"crc64":  {},
		"crc32":  {CheckSum: xz.CRC32},
		"sha256": {CheckSum: xz.SHA256},
		"none":   {NoCheckSum: true},
		"blocks": {BlockSize: 64 << 10},
	} {
		z := xzWith(t, c, body)
		for label, in := range map[string][]byte{"": z, " concatenated": append(append(append([]byte{}, z...), 0, 0, 0, 0), z...)} {
			r, err := newXZReader(bytes.NewReader(in))
			if err != nil {
				t.Fatalf("%s%s: %v", name, label, err)
			}
			got, err := io.ReadAll(r)
			want := body
			if label != "" {
				want = append(append([]byte{}, body...), body...)
			}
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s%s: %d bytes, err %v; want %d bytes", name, label, len(got), err, len(want))
			}
		}
	}
	z := xzWith(t, xz.WriterConfig{}, body)
	bad := append([]byte{}, z...)
	bad[len(bad)/2] ^= 0x55
	r, err := newXZReader(bytes.NewReader(bad))
	if err == nil {
		_, err = io.ReadAll(r)
	}
	if err == nil {
		t.Errorf("a damaged stream read without error")
	}
}

func TestXZContainer(t *testing.T) {
	tb := tarBytes(t, []entry{{name: "sosreport-h/sos_commands/kernel/sysctl_-a", body: "net.ipv4.ip_forward = 1\n"}, {name: "sosreport-h/sos_commands/host/hostname", body: "node-7.example.com\n"}})
	b := loadOne(t, "sosreport-h.tar.xz", string(xzWith(t, xz.WriterConfig{}, tb)))
	if len(b.Artifacts) != 2 {
		t.Fatalf("%d artifacts, skipped %v", len(b.Artifacts), b.Skipped)
	}
	for _, a := range b.Artifacts {
		if !strings.HasPrefix(a.Path, "sosreport-h.tar.xz!/sosreport-h/sos_commands/") || a.Host != "node-7.example.com" || a.HostFrom != "sosreport" {
			t.Errorf("%s: host %q from %q", a.Path, a.Host, a.HostFrom)
		}
	}
	// a plain .xz is one file, as a plain .gz is
	b = loadOne(t, "iptables-save.txt.xz", string(xzWith(t, xz.WriterConfig{}, []byte("*nat\nCOMMIT\n"))))
	if len(b.Artifacts) != 1 || b.Artifacts[0].Path != "iptables-save.txt.xz" || !bytes.HasPrefix(b.Artifacts[0].Head, []byte("*nat")) {
		t.Errorf("plain xz: %+v", b.Artifacts)
	}
}

// Two inputs: a sosreport's host names its own files only.
func TestSosreportHostScopedToItsInput(t *testing.T) {
	dir := t.TempDir()
	sos := tarBytes(t, []entry{{name: "sos_commands/kernel/sysctl_-a", body: "a = 1\n"}, {name: "hostname", body: "node-7\n"}})
	p1 := writeFile(t, dir, "sos.tar", sos)
	p2 := writeFile(t, dir, "other.txt", []byte("net.ipv4.ip_forward = 0\n"))
	b, err := Load([]string{p1, p2}, Limits{}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, a := range b.Artifacts {
		want := ""
		if strings.HasPrefix(a.Path, "sos.tar") {
			want = "node-7"
		}
		if a.Host != want {
			t.Errorf("%s: host %q, want %q", a.Path, a.Host, want)
		}
	}
}
