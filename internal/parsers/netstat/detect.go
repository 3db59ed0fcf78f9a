package netstat

import (
	"bytes"
	"strings"

	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/source"
)

// detect decides from the head alone whether a file holds kernel network
// counters in a form Read understands. Each form needs evidence a log, a
// manifest or another tool's output does not give: a /proc header line
// directly followed by its value line; nstat's "#kernel" or several
// section-prefixed name/value lines; netstat -s phrases from net-tools'
// tables (two, or one with a prompt that ran netstat), or section headers
// with counters under them (a phrase, or two generic lines with kernel
// field names).
func detect(head []byte) bool {
	h := bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf")
	// JSON, XML and HTML never hold these lines whole; a leading "[" may
	// be a prompt ("[root@server ~]# "), so it proves nothing.
	if len(h) == 0 || h[0] == '{' || h[0] == '<' {
		return false
	}
	lines := source.HeadLines(head, loader.HeadSize)
	var headers, phrases, generic, nstatLines, prompts int
	kernel := false
	for i, raw := range lines {
		t := strings.TrimSpace(raw)
		if t == "" {
			continue
		}
		if strings.HasPrefix(t, "#kernel") {
			kernel = true
			continue
		}
		if cmd, ok := promptCommand(t); ok {
			if strings.Contains(cmd, "netstat") || strings.Contains(cmd, "nstat") || strings.Contains(cmd, "/proc/net/") {
				prompts++
			}
			continue
		}
		if m := reProcLine.FindStringSubmatch(t); m != nil && knownSections[m[1]] {
			if _, ok := procNames(m[1], m[2]); ok && i+1 < len(lines) {
				next := strings.TrimSpace(lines[i+1])
				if n := reProcLine.FindStringSubmatch(next); n != nil && n[1] == m[1] {
					if _, ok := allInts(n[2]); ok {
						return true
					}
				}
			}
			continue
		}
		if m := reSection.FindStringSubmatch(t); m != nil && knownSections[m[1]] {
			headers++
			continue
		}
		if raw == t && reForeignSection.MatchString(t) {
			return false // BSD or macOS netstat -s: other counters, same words
		}
		if m := reNstat.FindStringSubmatch(t); m != nil && nstatPrefix(m[1]) != "" {
			nstatLines++
			continue
		}
		if m := reGeneric.FindStringSubmatch(t); m != nil {
			// Only names the kernel uses count ("TCPTimeouts: 3"), not any
			// "Key: 1" a YAML file has.
			if guessSection(m[1]) != "" || fullNamePrefix(m[1]) != "" {
				generic++
			}
			continue
		}
		if isPhrase(t) {
			phrases++
		}
	}
	switch {
	case kernel && nstatLines >= 1, nstatLines >= 3:
		return true
	case phrases >= 2, phrases >= 1 && prompts >= 1:
		return true
	case headers >= 2 && (phrases >= 1 || generic >= 2):
		return true
	}
	return false
}

// isPhrase says whether a line is one net-tools prints, in any section.
func isPhrase(t string) bool {
	toks := strings.Fields(t)
	if len(toks) < 2 || len(toks) > maxPhraseWords {
		return false
	}
	for i, tok := range toks {
		if !isInt(tok) {
			continue
		}
		saved := toks[i]
		toks[i] = "%"
		ok := templates[normTemplate(strings.Join(toks, " "))]
		toks[i] = saved
		if ok {
			return true
		}
	}
	return false
}
