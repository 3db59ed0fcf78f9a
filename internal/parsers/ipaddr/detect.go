package ipaddr

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/ktriage/ktriage/internal/loader"
)

// Detection looks only at the artifact's first bytes and by content:
// customers name these files anything (ip.txt, network, node1-net.log).

var (
	detHeader   = regexp.MustCompile(`^\d+:\s+[^\s:]+:\s+<[A-Z0-9_,-]*>\s+mtu\s+\d+`)
	detOneLine  = regexp.MustCompile(`^\d+:\s+[^\s:]+\s+inet6?\s+[0-9a-fA-F.:]+/\d+\s`)
	detIfcNew   = regexp.MustCompile(`^[^\s:]+(?::[^\s:]+)?:\s+flags=\d+<[A-Z0-9_,-]*>\s+mtu\s+\d+`)
	detIfcOld   = regexp.MustCompile(`^\S+\s+Link encap:\S`)
	detLink     = regexp.MustCompile(`^link/(?:ether|loopback|none|ipip|gre|sit|tunnel6|void|infiniband|ieee802\.11|can|ppp)\b`)
	detInet     = regexp.MustCompile(`^inet6?\s+[0-9a-fA-F.:]+/\d+\s.*\bscope\s`)
	detTable    = regexp.MustCompile(`^(?:Kernel IP(?:v6)? routing table|Destination\s+(?:Gateway|Next Hop)\s+\S)`)
	detJSONLink = regexp.MustCompile(`^\[\s*\{\s*"(?:ifindex|ifname|link_index)"\s*:`)
	detJSONObj  = regexp.MustCompile(`^\{\s*"ifindex"\s*:\s*\d+\s*,\s*"(?:ifname|link_index|link)"`)
	detJSONRt   = regexp.MustCompile(`^\[\s*\{\s*"(?:type|dst|gateway|dev|table|protocol|nhid)"\s*:`)
)

// headLines returns the lines of head, without a last line that the 8 KiB
// cut may have split.
func headLines(head []byte) []string {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if len(head) >= loader.HeadSize {
		if i := bytes.LastIndexByte(head, '\n'); i > 0 {
			head = head[:i]
		}
	}
	return strings.Split(stripANSI(string(head)), "\n")
}

func isKubeJSON(head []byte) bool {
	return bytes.Contains(head, []byte(`"apiVersion"`)) || bytes.Contains(head, []byte(`"kind"`))
}

// looksLikeAddr reports whether head is ip addr / ip link (any variant),
// ip -j link/addr, or ifconfig output.
func looksLikeAddr(head []byte) bool {
	h := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(h) > 0 && (h[0] == '[' || h[0] == '{') {
		if isKubeJSON(head) {
			return false
		}
		if detJSONLink.Match(h) {
			return true
		}
		if detJSONObj.Match(h) {
			return true // one element of ip -j, cut out of its array
		}
	}
	links, inets, briefStrong, briefWeak, significant := 0, 0, 0, 0, 0
	for _, l := range headLines(head) {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		switch {
		case detHeader.MatchString(t), detOneLine.MatchString(t), detIfcNew.MatchString(t), detIfcOld.MatchString(t):
			return true
		case detLink.MatchString(t):
			links++
		case detInet.MatchString(t):
			inets++
		}
		if !rePrompt.MatchString(t) && !reBanner.MatchString(t) {
			significant++
			switch briefShape(t) {
			case 2:
				briefStrong++
			case 1:
				briefWeak++
			}
		}
	}
	if links > 0 && inets > 0 {
		return true
	}
	return briefStrong > 0 && (briefStrong+briefWeak)*10 >= significant*6
}

// briefShape rates a line as `ip -br` output: 2 with addresses or flags,
// 1 for a name and a state alone, 0 otherwise.
func briefShape(t string) int {
	tok := strings.Fields(t)
	if len(tok) < 2 || !briefStates[tok[1]] {
		return 0
	}
	name, _ := splitPeer(tok[0])
	if !validIfName(name) {
		return 0
	}
	rest := tok[2:]
	if len(rest) == 0 {
		return 1
	}
	last := rest[len(rest)-1]
	if strings.HasPrefix(last, "<") && strings.HasSuffix(last, ">") {
		if len(rest) <= 2 {
			return 2
		}
		return 0
	}
	for _, r := range rest {
		if _, _, ok := parseAddrPrefix(r); !ok {
			return 0
		}
	}
	return 2
}

// looksLikeRoute reports whether head is ip route (text or JSON), route -n
// or netstat -rn output.
func looksLikeRoute(head []byte) bool {
	h := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(h) > 0 && h[0] == '[' {
		return !isKubeJSON(head) && detJSONRt.Match(h)
	}
	routes, significant := 0, 0
	for _, l := range headLines(head) {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "nexthop ") || rePrompt.MatchString(t) || reBanner.MatchString(t) {
			continue
		}
		if detTable.MatchString(t) {
			return true
		}
		significant++
		if _, _, ok := routeShape(strings.Fields(t)); ok {
			routes++
		}
	}
	return routes > 0 && routes*2 >= significant
}
