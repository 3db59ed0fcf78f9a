package loader

import (
	"os"
	"sync"
)

// LockName is the file in each private temp area that says a run owns it.
// A run holds an exclusive flock on it for the area's lifetime; the kernel
// drops the lock when the process dies, even by SIGKILL, so a later run
// that can take the lock knows the area is abandoned (a pid alone proves
// nothing across pid namespaces sharing /tmp, or after pid reuse).
const LockName = ".ktriage-lock"

// live are the temp areas of this process, for RemoveLive.
var live sync.Map // dir -> *os.File (the held lock, nil where unsupported)

// RemoveLive removes every temp area this process still has: the last
// resort of a run stopped by a signal that did not wind down in time.
func RemoveLive() {
	live.Range(func(k, v any) bool {
		removeArea(k.(string), v)
		return true
	})
}

func removeArea(dir string, lock any) error {
	live.Delete(dir)
	err := os.RemoveAll(dir)
	if f, ok := lock.(*os.File); ok && f != nil {
		f.Close()
	}
	return err
}

// newArea makes a private temp area under parent, after removing the
// abandoned ones a killed run left there.
func newArea(parent string) (string, error) {
	sweepAbandoned(parent)
	dir, err := os.MkdirTemp(parent, "ktriage-")
	if err != nil {
		return "", err
	}
	lock, err := lockArea(dir)
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	live.Store(dir, lock)
	return dir, nil
}

// closeArea removes an area made by newArea.
func closeArea(dir string) error {
	lock, _ := live.Load(dir)
	return removeArea(dir, lock)
}
