package ipaddr

import (
	"regexp"
	"strconv"
	"strings"
)

// The -d detail lines of ip link / ip addr: "vxlan id 1 local 10.0.0.2 dev
// eth0 srcport 0 0 dstport 8472 nolearning ttl auto …", then optionally
// "bridge_slave state forwarding …", with the generic attributes
// ("addrgenmode eui64 numtxqueues 1 …") at the end of the last one, or alone
// on a line, or on the link/ line (older iproute2).

// knownKinds are the link kinds iproute2 has printers for (ip/iplink_*.c,
// ip/link_*.c). A first word outside this list is still taken for a kind
// when generic attributes follow it on the line.
var knownKinds = wordSet(`amt bareudp batadv bond bridge can dsa dummy erspan geneve gre gretap gtp
	hsr ifb ip6erspan ip6gre ip6gretap ip6tnl ipip ipoib ipvlan ipvtap l2tp_eth lowpan macsec
	macvlan macvtap netdevsim netkit nlmon openvswitch ovpn rmnet sit team tun vcan veth
	virt_wifi vlan vrf vti vti6 vxcan vxlan wireguard wwan xfrm`)

// genericKeys are the per-device attributes printed after the kind data.
var genericKeys = wordSet(`promiscuity allmulti minmtu maxmtu addrgenmode numtxqueues numrxqueues
	gso_max_size gso_max_segs tso_max_size tso_max_segs gro_max_size gso_ipv4_max_size
	gro_ipv4_max_size portname portid switchid parentbus parentdev protodown protodown_reason
	netns-immutable`)

// flagWords are bare words meaning true; "no"+word means false (nolearning,
// noudpcsum, nopmtudisc).
var flagWords = wordSet(`learning proxy rsc l2miss l3miss udpcsum udp6zerocsumtx udp6zerocsumrx
	remcsumtx remcsumrx external gbp gpe pmtudisc isatap ignore-df iseq oseq icsum ocsum
	encap-csum encap-udp6-csum encap-remcsum vnifilter localbypass inner_proto_inherit
	multi_queue allow-localremote collect_metadata`)

// valueKeys take one value; knowing them tells a value from the next key
// when the value is itself a word.
var valueKeys = wordSet(`id local remote group dev dstport ttl tos df flowlabel ageing maxaddr mode
	type state priority proto protocol table encap encap-sport encap-dport hoplimit encaplimit
	tclass flowinfo ikey okey key fwmark erspan_ver erspan_index erspan_dir erspan_hwid
	pi vnet_hdr persist user group peer port cost hairpin guard root_block fastleave flood
	mii_status link_failure_count perm_hwaddr queue_id prio ad_aggregator_id miimon updelay
	downdelay xmit_hash_policy lacp_rate ad_select primary primary_reselect fail_over_mac
	arp_interval arp_validate arp_all_targets arp_ip_target bcqueuelen usedbcqueuelen
	flag vlan_protocol`)

// stringKeys hold identifiers that only look numeric at times (a port id
// of all digits, a hex key without 0x); they stay strings so one key has
// one type in every document.
var stringKeys = wordSet(`portid switchid portname parentdev parentbus bridge_id designated_root
	designated_bridge group_fwd_mask_str ikey okey key fwmark tos tclass flowlabel flowinfo
	perm_hwaddr alias`)

// multiKeys take more than one value.
var multiKeys = map[string]int{"srcport": 2}

// Tunnel kinds print their encapsulated protocol as a bare word right after
// the kind ("ipip any remote any …", "ipip ipip remote 203.0.113.20 …").
var (
	tunnelKinds  = wordSet(`ipip sit ip6tnl`)
	tunnelProtos = wordSet(`any ipip ip6ip mplsip ipip6 ip6ip6`)
)

var reKindWord = regexp.MustCompile(`^[a-z][a-z0-9_]{0,23}$`)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// detailLine reads a -d detail line of the current block.
func (s *scanner) detailLine(t string, n int) bool {
	it := s.cur
	tok := strings.Fields(t)
	w := tok[0]
	switch {
	case strings.HasSuffix(w, "_slave") && reKindWord.MatchString(w):
		slave, _ := d2m(it.Details[w])
		if slave == nil {
			slave = map[string]any{}
		}
		parseDetailTokens(tok[1:], w, slave, it.Details)
		it.Details[w] = slave
		setDetail(it.Details, "slave_kind", strings.TrimSuffix(w, "_slave"))
		return true
	case genericKeys[w]:
		parseDetailTokens(tok, "", it.Details, it.Details)
		return true
	case knownKinds[w] || (reKindWord.MatchString(w) && hasGenericKey(tok[1:])):
		s.setKind(it, w, "details", n)
		parseDetailTokens(tok[1:], w, it.Details, it.Details)
		kindDefaults(w, it.Details)
		return true
	}
	return false
}

func hasGenericKey(tok []string) bool {
	for _, t := range tok {
		if genericKeys[t] {
			return true
		}
	}
	return false
}

// setKind records a kind; a stated kind (details, json) replaces an
// inferred one, and two stated kinds that disagree are reported.
func (s *scanner) setKind(it *Interface, kind, source string, n int) {
	switch {
	case it.Kind == "" || it.KindSource == "inferred":
		it.Kind, it.KindSource = kind, source
	case it.Kind != kind:
		s.warn(n, "interface %s is of kind %s here but %s before; kept %s", it.Name, kind, it.Kind, it.Kind)
	}
}

// kindDefaults fills what iproute2 leaves unsaid: vxlan prints only
// "nolearning" (learning is on otherwise), gre prints only "nopmtudisc".
func kindDefaults(kind string, d map[string]any) {
	switch kind {
	case "vxlan":
		setDetail(d, "learning", true)
	case "gre", "gretap", "erspan":
		setDetail(d, "pmtudisc", true)
	}
}

// parseDetailTokens reads key/value pairs and flags into dst; generic
// attributes go to generic (the interface's own details even when dst is a
// slave's map).
func parseDetailTokens(tok []string, kind string, dst, generic map[string]any) {
	for i := 0; i < len(tok); i++ {
		k := strings.Trim(tok[i], "()")
		if k == "" {
			continue
		}
		target := dst
		if genericKeys[k] {
			target = generic
		}
		next := func(j int) string {
			if j < len(tok) {
				return strings.Trim(tok[j], "()")
			}
			return ""
		}
		switch {
		case strings.HasPrefix(k, "<") && strings.HasSuffix(k, ">"):
			setDetail(target, "flags", splitFlags(strings.Trim(k, "<>")))
			continue
		case i == 0 && tunnelKinds[kind] && tunnelProtos[k]:
			setDetail(dst, "proto", k)
			continue
		case next(i+1) == "on" || next(i+1) == "off":
			setDetail(target, k, next(i+1) == "on")
			i++
			continue
		case flagWords[k]:
			setDetail(target, k, true)
			continue
		case strings.HasPrefix(k, "no") && flagWords[k[2:]]:
			setDetail(target, k[2:], false)
			continue
		}
		if c := multiKeys[k]; c > 0 && i+c < len(tok) {
			vals := make([]any, 0, c)
			for j := 1; j <= c; j++ {
				vals = append(vals, typed(next(i+j)))
			}
			setDetail(target, k, vals)
			i += c
			continue
		}
		if next(i+1) == "{" {
			// "ingress-qos-map { 0:1 1:2 }"
			var vals []any
			j := i + 2
			for ; j < len(tok) && tok[j] != "}"; j++ {
				vals = append(vals, typed(tok[j]))
			}
			setDetail(target, k, vals)
			i = j
			continue
		}
		// A value is whatever follows, unless it is itself a key, or the
		// word after it is on/off (then it is the key of that pair); a key
		// known to take a value takes the next word regardless.
		v := next(i + 1)
		isValue := v != "" && !isDetailKeyword(v) && next(i+2) != "on" && next(i+2) != "off"
		if isValue || v != "" && valueKeys[k] {
			if stringKeys[k] {
				setDetail(target, k, v)
			} else {
				setDetail(target, k, typed(v))
			}
			i++
			continue
		}
		setDetail(target, k, true) // a bare flag this table does not know
	}
}

func isDetailKeyword(v string) bool {
	return genericKeys[v] || flagWords[v] || valueKeys[v] || multiKeys[v] > 0 ||
		(strings.HasPrefix(v, "no") && flagWords[v[2:]])
}

// typed turns a printed value into a number or boolean where that is what
// it is; hex, addresses and words stay strings.
func typed(v string) any {
	switch v {
	case "on":
		return true
	case "off":
		return false
	}
	if isInteger(v) {
		if i, err := strconv.ParseInt(v, 10, 64); err == nil {
			return i
		}
		if u, err := strconv.ParseUint(v, 10, 64); err == nil {
			return u
		}
		return v
	}
	if isDecimal(v) {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
	}
	return v
}

func isInteger(v string) bool {
	if strings.HasPrefix(v, "-") {
		v = v[1:]
	}
	if v == "" || len(v) > 20 || (len(v) > 1 && v[0] == '0') {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func isDecimal(v string) bool {
	a, b, ok := strings.Cut(v, ".")
	return ok && isInteger(a) && b != "" && strings.Trim(b, "0123456789") == "" && len(b) <= 6
}

func d2m(v any) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	return m, ok
}
