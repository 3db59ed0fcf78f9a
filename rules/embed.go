// Package rules embeds ktriage's Rego rules: one folder per rule under
// rules/<family>/<rule-id>/ with the rule and its _test.rego, and shared
// helpers under rules/lib/.
package rules

import "embed"

// FS holds every .rego file of this tree, tests included; the engine skips
// _test.rego files when it loads rules for analysis.
//
//go:embed lib/*.rego */*/*.rego
var FS embed.FS
