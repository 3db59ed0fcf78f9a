// Package rules embeds ktriage's Rego rules: one folder per rule under
// rules/<family>/<rule-id>/ with the rule and its _test.rego, and shared
// helpers under rules/lib/.
package rules

import (
	"embed"
	"unsafe"
)

// FS holds every .rego file of this tree, tests included; the engine skips
// _test.rego files when it loads rules for analysis. It also holds
// compiled.bin, the rules compiled when ktriage is built (`make
// precompile`; the engine compiles from source when it is stale).
//
//go:embed lib/*.rego */*/*.rego compiled.bin
var FS embed.FS

//go:embed compiled.bin
var compiled string

// Compiled is compiled.bin as the binary holds it, read-only: reading it
// from FS copies its 1.2 MB into fresh memory on every run (4 % of a
// small dump's CPU, page faults included). The caller must not write to
// it; a write faults.
func Compiled() []byte {
	return unsafe.Slice(unsafe.StringData(compiled), len(compiled))
}
