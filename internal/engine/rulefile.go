package engine

import (
	"fmt"
	"io"
	"io/fs"
	"os"
)

// MaxRuleFileSize bounds one user .rego file. The largest built-in rule is
// a few KiB; the cap only stops a file that would cost the parser memory
// before any rule runs.
const MaxRuleFileSize = 4 << 20

// readRuleFile reads a user rule file. Inside a --rules directory
// (follow false) only a regular file is read: a *.rego symlink led to
// /dev/zero (reading until out of memory), to /proc/self/environ (quoted
// by the parse error) or to a FIFO (hanging). A path the user names
// directly (follow true) is followed once, and must then be a regular
// file too. What is refused is never read, so an error quotes nothing
// of it.
func readRuleFile(p string, follow bool) ([]byte, error) {
	stat := os.Lstat
	if follow {
		stat = os.Stat
	}
	before, err := stat(p)
	if err != nil {
		return nil, err
	}
	if err := regular(p, before); err != nil {
		return nil, err
	}
	f, err := openNoFollow(p, follow)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	defer f.Close()
	// The file opened must be the one checked: a swap between the stat and
	// the open (to a FIFO, a device, a link) is refused the same way.
	after, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := regular(p, after); err != nil {
		return nil, err
	}
	if !os.SameFile(before, after) {
		return nil, fmt.Errorf("%s changed while it was opened: not read", p)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxRuleFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if len(b) > MaxRuleFileSize {
		return nil, fmt.Errorf("%s is larger than %d MiB: not read (a rule file is a few KiB)", p, MaxRuleFileSize>>20)
	}
	return b, nil
}

func regular(p string, st fs.FileInfo) error {
	switch {
	case st.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s is a symbolic link: not followed inside a rules directory (only regular files are read; name the target with --rules instead)", p)
	case !st.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file (%s): not read", p, st.Mode().Type())
	case st.Size() > MaxRuleFileSize:
		return fmt.Errorf("%s is larger than %d MiB: not read (a rule file is a few KiB)", p, MaxRuleFileSize>>20)
	}
	return nil
}
