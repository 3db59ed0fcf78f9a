//go:build !unix

package engine

import "os"

// openNoFollow: without O_NOFOLLOW here, readRuleFile's stat before and
// after the open (os.SameFile) is what refuses a swapped file.
func openNoFollow(p string, _ bool) (*os.File, error) { return os.Open(p) }
