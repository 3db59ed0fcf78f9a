package loader

import (
	"io"
	"strings"
	"unicode"
)

// A sosreport (sos report, formerly sosreport) is one host's snapshot:
// sos_commands/<plugin>/<command line with spaces as _> and copies of
// files at their paths (etc/resolv.conf, proc/net/…). Its `hostname`
// file names the host every file of the report describes. At the
// report's root `hostname` is a symbolic link, which the loader does not
// follow, to sos_commands/host/hostname (sos 3.6 and later) or
// sos_commands/general/hostname (earlier), so those are read too.
var sosHostnameFiles = []string{"hostname", "sos_commands/host/hostname", "sos_commands/general/hostname"}

// maxHostname bounds what is read of a hostname file (a host name is at
// most 253 characters).
const maxHostname = 512

// markSosreports gives every artifact of a sosreport the host its
// hostname file names, unless a transcript prompt already named one.
func (w *walker) markSosreports() {
	// Roots are display paths: an Inner path is relative to its input,
	// and a root of "" there would take in every other input's files.
	roots := map[string]bool{}
	byPath := map[string]*Artifact{}
	for _, a := range w.b.Artifacts {
		byPath[a.Path] = a
		if i := strings.Index("/"+a.Path, "/sos_commands/"); i >= 0 {
			roots[a.Path[:i]] = true
		}
	}
	for root := range roots {
		host, from := "", ""
		for _, f := range sosHostnameFiles {
			if a := byPath[root+f]; a != nil {
				if host = readHostname(a); host != "" {
					from = a.Path
					break
				}
			}
		}
		if host == "" {
			continue
		}
		// The inventory says why this small file matters.
		w.skip(from, "sosreport host name "+quoteTrunc(host)+": every file of this sosreport is attributed to that node")
		for _, a := range w.b.Artifacts {
			if strings.HasPrefix(a.Path, root) && a.Host == "" {
				a.Host, a.HostFrom = host, "sosreport"
			}
		}
	}
}

// readHostname returns the host name a hostname file holds: one line,
// a DNS name; anything else is no host name.
func readHostname(a *Artifact) string {
	f, err := a.Open()
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, maxHostname))
	h := strings.TrimSpace(string(b))
	if h == "" || len(h) > 253 || strings.ContainsAny(h, "\n ") {
		return ""
	}
	for _, r := range h {
		if r != '.' && r != '-' && r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return ""
		}
	}
	if l := strings.ToLower(h); l == "localhost" || l == "localhost.localdomain" {
		return ""
	}
	return h
}
