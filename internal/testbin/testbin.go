// Package testbin gives tests and benchmarks that run the ktriage binary
// one way to get it: $KTRIAGE_BIN, which `make test` and `make bench` set
// to the binary they built, or else a build made once per test process,
// so `go test ./...` alone works too.
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

var (
	once sync.Once
	path string
	err  error
)

// Path returns the binary, building it on first use when KTRIAGE_BIN is
// unset. The build goes to a directory Cleanup removes.
func Path(t testing.TB) string {
	t.Helper()
	if b := os.Getenv("KTRIAGE_BIN"); b != "" {
		return b
	}
	once.Do(build)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func build() {
	dir, e := os.MkdirTemp("", "ktriage-testbin-")
	if e != nil {
		err = e
		return
	}
	bin := filepath.Join(dir, "ktriage")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	// The main package by import path: tests run in their own package's
	// directory, wherever that is in the module.
	out, e := exec.Command("go", "build", "-o", bin, "github.com/ktriage/ktriage/cmd/ktriage").CombinedOutput()
	if e != nil {
		err = fmt.Errorf("build ktriage: %v\n%s", e, strings.TrimSpace(string(out)))
		return
	}
	path = bin
}

// Cleanup removes a binary Path built; call it from TestMain after m.Run.
func Cleanup() {
	if path != "" {
		os.RemoveAll(filepath.Dir(path))
	}
}
