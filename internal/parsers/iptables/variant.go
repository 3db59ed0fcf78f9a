package iptables

import (
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

var reVersion = regexp.MustCompile(`v(\d+)\.(\d+)(?:\.(\d+))?`)

// variantOf tells which back end wrote a dump, from its generator line:
//
//   - "nft" when the generator says nf_tables or nft ("iptables-nft-save
//     v1.8.4", "iptables-save v1.8.7 (nf_tables)"), or, with no such word,
//     when the dump holds a line only iptables-nft writes (the "legacy
//     tables present" warning, "# Table `x' is incompatible");
//   - "legacy" when it says legacy, or its version is older than 1.8, the
//     first release with an nf_tables back end;
//   - "unknown" otherwise: plain "iptables-save v1.8.x" is written by both
//     back ends (iptables 1.8 legacy omits the suffix).
func variantOf(gen string, nftHint bool) string {
	g := strings.ToLower(gen)
	switch {
	case strings.Contains(g, "nf_tables") || strings.Contains(g, "-nft") || strings.Contains(g, "nft-"):
		return "nft"
	case strings.Contains(g, "legacy"):
		return "legacy"
	}
	if m := reVersion.FindStringSubmatch(g); m != nil {
		major, _ := strconv.Atoi(m[1])
		minor, _ := strconv.Atoi(m[2])
		if major < 1 || (major == 1 && minor < 8) {
			return "legacy"
		}
	}
	if nftHint {
		return "nft"
	}
	return "unknown"
}

// familyOf reads the family from the generator (ip6tables-save writes
// "ip6tables"), else from the addresses the rules hold; IPv4 by default.
func familyOf(gen string, v4, v6 int) string {
	g := strings.ToLower(gen)
	switch {
	case strings.Contains(g, "ip6tables"):
		return "ipv6"
	case strings.Contains(g, "iptables"):
		return "ipv4"
	case v6 > v4:
		return "ipv6"
	}
	return "ipv4"
}

func sortUndeclared(u []Undeclared) {
	sort.SliceStable(u, func(i, j int) bool { return u[i].Line < u[j].Line })
}

// variantFromName reads the back end from the file's name when a collector
// ran the back-end-specific command (iptables-legacy-save, iptables-nft-save)
// and named the file after it.
func variantFromName(inner string) string {
	base := strings.ToLower(path.Base(inner))
	switch {
	case strings.Contains(base, "legacy"):
		return "legacy"
	case strings.Contains(base, "nft"):
		return "nft"
	}
	return ""
}
