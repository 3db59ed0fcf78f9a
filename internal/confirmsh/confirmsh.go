// Package confirmsh sources a report's confirm commands with sh, the way a
// user pastes them into a terminal, with every command they call replaced
// by a stub that records its arguments. Tests use it to show that names
// from a bundle reach kubectl as single, intact arguments and that nothing
// else runs: an injected command would create a file in the empty working
// directory, or fail as an unknown command on stderr.
package confirmsh

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Stubbed are the commands confirm commands may call: kubectl and what runs
// on a node's host when no node is known (or on kubectl's output, grep).
// Anything else is looked up on the real PATH, so an injected touch works
// and shows.
var Stubbed = []string{
	"kubectl", "grep",
	"sysctl", "lsmod", "ip", "ss", "nstat", "ping", "ipvsadm",
	"iptables-save", "iptables-legacy-save", "iptables-nft-save",
	"sh",
}

// Call is one stub invocation: the command's name, then its arguments.
type Call []string

// Result is what sourcing one script did.
type Result struct {
	Calls []Call
	// Stderr is sh's and the commands' standard error: a syntax error, an
	// unknown command.
	Stderr string
	// Created lists what appeared in the working directory, which starts
	// empty and which no stub writes to.
	Created []string
	// Err is sh's exit error, if any.
	Err error
}

// Stub records argv length-prefixed ("5:hello"), one invocation a line, so
// arguments holding newlines or colons come back intact; LC_ALL=C makes
// ${#a} count bytes in every sh. One printf per call: the two ends of a
// pipe run at once and must not interleave their records.
const stub = `#!/bin/sh
r=
for a in "${0##*/}" "$@"; do r="$r${#a}:$a"; done
printf '%s\n' "$r" >>"$CONFIRMSH_LOG"
`

// Source runs script with /bin/sh in a fresh directory under tmp (which must
// exist), the stubs first on PATH.
func Source(tmp, script string) (*Result, error) {
	dir, err := os.MkdirTemp(tmp, "confirmsh-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin, work, log := filepath.Join(dir, "bin"), filepath.Join(dir, "work"), filepath.Join(dir, "calls")
	for _, d := range []string{bin, work} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return nil, err
		}
	}
	for _, name := range Stubbed {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(stub), 0o755); err != nil {
			return nil, err
		}
	}
	file := filepath.Join(dir, "confirm.sh")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", file)
	cmd.Dir = work
	cmd.Env = []string{
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + work, "LC_ALL=C", "CONFIRMSH_LOG=" + log,
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	r := &Result{Err: cmd.Run(), Stderr: stderr.String()}
	es, err := os.ReadDir(work)
	if err != nil {
		return nil, err
	}
	for _, e := range es {
		r.Created = append(r.Created, e.Name())
	}
	raw, err := os.ReadFile(log)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	if r.Calls, err = parseCalls(raw); err != nil {
		return nil, err
	}
	return r, nil
}

func parseCalls(raw []byte) ([]Call, error) {
	var calls []Call
	s := string(raw)
	for len(s) > 0 {
		var c Call
		for len(s) > 0 && s[0] != '\n' {
			colon := strings.IndexByte(s, ':')
			if colon < 0 {
				return nil, fmt.Errorf("stub log: no length in %q", s)
			}
			n, err := strconv.Atoi(s[:colon])
			if err != nil || colon+1+n > len(s) {
				return nil, fmt.Errorf("stub log: bad length in %q", s)
			}
			c = append(c, s[colon+1:colon+1+n])
			s = s[colon+1+n:]
		}
		calls = append(calls, c)
		s = strings.TrimPrefix(s, "\n")
	}
	return calls, nil
}

// ShBlocks returns the body of every ```sh fenced block of a Markdown
// report, in order.
func ShBlocks(md string) []string {
	var out []string
	var cur []string
	in := false
	for _, line := range strings.Split(md, "\n") {
		switch {
		case !in && line == "```sh":
			in, cur = true, nil
		case in && line == "```":
			in = false
			out = append(out, strings.Join(cur, "\n")+"\n")
		case in:
			cur = append(cur, line)
		}
	}
	return out
}

// Block is one sh block of a report.
type Block struct {
	File   string
	Index  int // 1 for the file's first block
	Script string
}

// GoldenBlocks returns every sh block of every golden report
// (<root>/*/report.md.golden, root being testdata/dumps), failing when
// there is none: a test over them must not pass by finding nothing.
func GoldenBlocks(root string) ([]Block, error) {
	files, err := filepath.Glob(filepath.Join(root, "*", "report.md.golden"))
	if err != nil {
		return nil, err
	}
	var out []Block
	for _, f := range files {
		md, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for i, s := range ShBlocks(string(md)) {
			out = append(out, Block{File: f, Index: i + 1, Script: s})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no sh block in any golden report under %s", root)
	}
	return out, nil
}

// Check describes what went wrong when script ran: an exit status, stderr,
// a file created. Empty when it ran clean.
func (r *Result) Check() []string {
	var p []string
	if r.Err != nil {
		p = append(p, fmt.Sprintf("sh: %v", r.Err))
	}
	if r.Stderr != "" {
		p = append(p, fmt.Sprintf("stderr: %q", r.Stderr))
	}
	if len(r.Created) > 0 {
		p = append(p, fmt.Sprintf("created in the working directory: %q", r.Created))
	}
	return p
}
