package sysctl

import (
	"regexp"
	"strings"
)

// Keys are stored in the dotted form `sysctl -a` prints, whatever form the
// file used, so that one rule finds net.core.somaxconn in every file.
//
// A /proc/sys path maps to that form the way procps' sysctl does it: the
// path's "/" become "." and any "." inside one path element becomes "/".
// The interface flannel.1 thus gives
//
//	/proc/sys/net/ipv4/conf/flannel.1/rp_filter → net.ipv4.conf.flannel/1.rp_filter
//
// which is exactly the key `sysctl -a` prints for it, so path-form files
// (troubleshoot's host collector) and sysctl -a files of the same node
// agree. Naively turning every "/" into "." would give
// net.ipv4.conf.flannel.1.rp_filter, which no sysctl -a output contains and
// which is ambiguous (is "1" a key?). sysctl.conf also accepts keys written
// with "/" (net/ipv4/ip_forward); procps swaps "." and "/" when the first
// separator is a "/", and so does this.

// topLevels are the roots of Linux's /proc/sys tree. Detection insists on
// them so that a file of other a.b.c = v lines (Java properties, INI) is not
// taken for sysctl output; parsing accepts any root.
var topLevels = map[string]bool{
	"abi": true, "crypto": true, "debug": true, "dev": true, "fs": true, "kernel": true,
	"net": true, "sunrpc": true, "user": true, "vm": true,
}

var reRoot = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// normalizeKey returns the dotted key for a key as written, or false when
// the text cannot be a sysctl key.
func normalizeKey(raw string) (string, bool) {
	k := strings.TrimPrefix(raw, "-") // sysctl.d: "-" means "ignore if missing"
	if k == "" || strings.ContainsAny(k, " \t=") {
		return "", false
	}
	var parts []string
	switch {
	case strings.HasPrefix(k, "/proc/sys/"):
		parts = pathParts(strings.TrimPrefix(k, "/proc/sys/"))
	case strings.IndexAny(k, "./") >= 0 && k[strings.IndexAny(k, "./")] == '/':
		parts = pathParts(k)
	default:
		parts = strings.Split(k, ".")
	}
	if len(parts) < 2 || !reRoot.MatchString(parts[0]) {
		return "", false
	}
	for _, p := range parts {
		if p == "" {
			return "", false
		}
	}
	return strings.Join(parts, "."), true
}

// pathParts splits a /proc/sys-relative path into dotted-key parts, a "."
// inside an element becoming "/" (procps' convention for interface names).
func pathParts(p string) []string {
	var out []string
	for _, e := range strings.Split(strings.Trim(p, "/"), "/") {
		out = append(out, strings.ReplaceAll(e, ".", "/"))
	}
	return out
}

// splitLine splits "key = value", "key=value", "/proc/sys/a/b = value" and
// grep's "/proc/sys/a/b:value". The value keeps inner tabs and blanks
// (sysctl -a separates the fields of multi-value keys with tabs).
func splitLine(t string) (key, value string, ok bool) {
	if strings.HasPrefix(t, "/proc/sys/") {
		i := strings.IndexAny(t, " \t=:")
		if i < 0 {
			return "", "", false
		}
		key = t[:i]
		rest := strings.TrimLeft(t[i:], " \t")
		if rest == "" || (rest[0] != '=' && rest[0] != ':') {
			return "", "", false
		}
		return key, strings.Trim(rest[1:], " \t"), true
	}
	i := strings.IndexByte(t, '=')
	if i <= 0 {
		return "", "", false
	}
	return strings.TrimRight(t[:i], " \t"), strings.Trim(t[i+1:], " \t"), true
}

// placeholderHosts are host names that name no machine.
var placeholderHosts = map[string]bool{"": true, "localhost": true, "localhost.localdomain": true, "(none)": true, "localhost6": true, "localhost6.localdomain6": true}
