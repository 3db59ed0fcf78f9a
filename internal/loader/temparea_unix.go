//go:build unix

package loader

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// lockArea creates dir's lock file already locked: it is written and
// locked under a temporary name, then renamed into place, so a sweeping
// run never sees the lock file of a live area unlocked.
func lockArea(dir string) (*os.File, error) {
	f, err := os.CreateTemp(dir, ".ktriage-lock-")
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock temp area: %w", err)
	}
	// The pid is for people looking at the area; the lock is the proof.
	f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	if err := os.Rename(f.Name(), filepath.Join(dir, LockName)); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// sweepAbandoned removes the ktriage-* areas under parent whose lock file
// nobody holds: their run was killed (SIGKILL, out of memory, power) before
// it could clean up. Areas without a lock file are left alone (an older
// ktriage, or something else of that name).
func sweepAbandoned(parent string) {
	if parent == "" {
		parent = os.TempDir()
	}
	areas, _ := filepath.Glob(filepath.Join(parent, "ktriage-*"))
	for _, dir := range areas {
		st, err := os.Lstat(dir)
		if err != nil || !st.IsDir() {
			continue
		}
		lp := filepath.Join(dir, LockName)
		if lst, err := os.Lstat(lp); err != nil || !lst.Mode().IsRegular() {
			continue
		}
		f, err := os.OpenFile(lp, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
		if err != nil {
			continue
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			// Holding the lock while removing keeps a second sweeper out.
			os.RemoveAll(dir)
		}
		f.Close()
	}
}
