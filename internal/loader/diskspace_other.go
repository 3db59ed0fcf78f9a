//go:build !unix

package loader

// freeBytes cannot tell free space here; the write errors of a full disk
// still end a spool cleanly.
func freeBytes(string) (int64, bool) { return 0, false }
