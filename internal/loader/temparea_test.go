//go:build unix

package loader

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestAbandonedTempAreasAreSwept: SIGKILL cannot be caught, so a killed
// run leaves its temp area (customer data, up to --max-total-size). The
// next run removes every ktriage-* area whose lock nobody holds, and
// leaves alone a live run's area and anything without a lock file
// (issue 10, D9).
func TestAbandonedTempAreasAreSwept(t *testing.T) {
	parent := t.TempDir()
	mk := func(name string, lock bool) string {
		dir := filepath.Join(parent, name)
		if err := os.MkdirAll(filepath.Join(dir, "spool"), 0o700); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "spool", "secret.yaml"), []byte("kind: Secret\n"), 0o600)
		if lock {
			os.WriteFile(filepath.Join(dir, LockName), []byte("999999\n"), 0o600)
		}
		return dir
	}
	dead := mk("ktriage-111", true)
	unlocked := mk("ktriage-222", false)
	other := mk("unrelated-333", true)
	// A live run: this process holds the lock through its own descriptor.
	alive := mk("ktriage-444", true)
	f, err := os.Open(filepath.Join(alive, LockName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}

	b, err := Load([]string{writeFile(t, t.TempDir(), "x.yaml", []byte("a: 1\n"))}, Limits{}, parent)
	if err != nil {
		t.Fatal(err)
	}
	own := b.TempDir()
	if _, err := os.Stat(filepath.Join(own, LockName)); err != nil {
		t.Errorf("the run's own area has no lock file: %v", err)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the abandoned area %s is still there (%v)", dead, err)
	}
	for _, keep := range []string{unlocked, other, alive} {
		if _, err := os.Stat(keep); err != nil {
			t.Errorf("%s was removed: %v", keep, err)
		}
	}
	// A second run does not take the first one's area for abandoned.
	b2, err := Load([]string{writeFile(t, t.TempDir(), "y.yaml", []byte("a: 1\n"))}, Limits{}, parent)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(own); err != nil {
		t.Errorf("a live run's area was swept: %v", err)
	}
	b2.Close()
	b.Close()
	if _, err := os.Stat(own); !os.IsNotExist(err) {
		t.Errorf("Close left %s", own)
	}
}
