// Package collect holds the collector a customer runs to make a bundle
// (docs/collecting.md). It is a shell script, not Go: it must run where
// only kubectl is installed, and the same file runs on every node.
package collect

import _ "embed"

// Script is ktriage-collect.sh, as `ktriage collect-script` prints it.
//
//go:embed ktriage-collect.sh
var Script []byte
