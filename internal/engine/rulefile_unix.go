//go:build unix

package engine

import (
	"os"
	"syscall"
)

// openNoFollow opens without blocking on a FIFO swapped in after the
// stat, and without following a final symlink unless follow is set.
func openNoFollow(p string, follow bool) (*os.File, error) {
	flags := os.O_RDONLY | syscall.O_NONBLOCK
	if !follow {
		flags |= syscall.O_NOFOLLOW
	}
	return os.OpenFile(p, flags, 0)
}
