//go:build unix

package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRulesDirReadsOnlyRegularFiles: in a --rules directory a *.rego that
// is a symbolic link (to a host secret, to /dev/zero), a FIFO or an
// oversized file is refused without being read, and nothing from it is
// quoted (issue 10, D11).
func TestRulesDirReadsOnlyRegularFiles(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "environ")
	if err := os.WriteFile(secret, []byte("AWS_SECRET=canary-9d1e not rego at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		make func(p string) error
		want string
	}{
		"link to a secret":  {func(p string) error { return os.Symlink(secret, p) }, "symbolic link"},
		"link to /dev/zero": {func(p string) error { return os.Symlink("/dev/zero", p) }, "symbolic link"},
		"fifo":              {func(p string) error { return syscall.Mkfifo(p, 0o644) }, "not a regular file"},
		"oversized": {func(p string) error {
			return os.WriteFile(p, []byte("package canary_9d1e\n"+strings.Repeat("#", MaxRuleFileSize)), 0o644)
		}, "larger than"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := tc.make(filepath.Join(dir, "evil.rego")); err != nil {
				t.Skip(err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := New(context.Background(), Options{Builtin: builtin(map[string]string{"test/named/named.rego": okRule}), UserDirs: []string{dir}})
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil {
					t.Fatal("accepted")
				}
				if !strings.Contains(err.Error(), "evil.rego") || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("message %q, want it to name the file and say %q", err, tc.want)
				}
				if strings.Contains(err.Error(), "canary") {
					t.Errorf("the message quotes the file: %q", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("hangs")
			}
		})
	}
}
