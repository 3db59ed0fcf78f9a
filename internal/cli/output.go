package cli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// checkOutput vets -o before any analysis, so a typo costs nothing and a
// report can never replace what it reports on: the directory must exist,
// and the path must be neither an input nor inside a directory input
// (D17: `-o bundle.tgz` used to overwrite the bundle). Errors name the
// path as the user gave it.
func checkOutput(output string, inputs []string) error {
	if output == "" || output == "-" {
		return nil
	}
	st, err := os.Stat(output)
	switch {
	case err == nil && st.IsDir():
		return usageErr("-o %s is a directory: name the report file", output)
	case err == nil && !st.Mode().IsRegular():
		// /dev/null, a fifo: written in place, never renamed over.
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return usageErr("-o %s: %v", output, err)
	}
	dir := filepath.Dir(output)
	if dst, err := os.Stat(dir); err != nil || !dst.IsDir() {
		return usageErr("-o %s: directory %s does not exist", output, dir)
	}
	if err == nil && !st.Mode().IsRegular() {
		return nil
	}
	out, rerr := resolved(output)
	if rerr != nil {
		return usageErr("-o %s: %v", output, rerr)
	}
	for _, in := range inputs {
		ist, err := os.Stat(in)
		if err != nil {
			continue // the loader reports an unreadable input
		}
		if st != nil && os.SameFile(st, ist) {
			return usageErr("-o %s is the input %s: the report would overwrite the bundle", output, in)
		}
		if !ist.IsDir() {
			continue
		}
		root, err := filepath.EvalSymlinks(in)
		if err != nil {
			continue
		}
		if root, err = filepath.Abs(root); err != nil {
			continue
		}
		if within(out, root) {
			return usageErr("-o %s is inside the bundle directory %s: the report would change the bundle (and be read as part of it next time); write it elsewhere", output, in)
		}
	}
	return nil
}

// resolved is p's absolute path with its directory's links resolved: the
// place the report's rename writes to (p itself may not exist yet, and a
// link at p is replaced, not followed).
func resolved(p string) (string, error) {
	dir, err := filepath.EvalSymlinks(filepath.Dir(p))
	if err != nil {
		return "", err
	}
	return filepath.Abs(filepath.Join(dir, filepath.Base(p)))
}

func within(p, root string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
