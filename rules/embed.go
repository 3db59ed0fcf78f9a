// Package rules embeds ktriage's Rego rules: one folder per rule under
// rules/<family>/<rule-id>/ with the rule and its _test.rego, and shared
// helpers under rules/lib/.
package rules

import "embed"

// FS holds every .rego file of this tree, tests included; the engine skips
// _test.rego files when it loads rules for analysis. It also holds
// compiled.bin, the rules compiled when ktriage is built (`make
// precompile`; the engine compiles from source when it is stale).
//
//go:embed lib/*.rego */*/*.rego compiled.bin
var FS embed.FS
