package ipaddr

import (
	"regexp"
	"strings"
)

// Without -d or -j the output does not say what kind a device is. Only
// what is nearly certain is inferred: tunnel link types, the names CNI
// plugins and OVS give their tunnel devices, and veth pairs (a peer in
// another namespace). Anything else stays "" so that a rule never acts on a
// guess.
var (
	reFlannel = regexp.MustCompile(`^flannel\.\d+$`)
	reOVSVxl  = regexp.MustCompile(`^vxlan_sys_\d+$`)
	reOVSGnv  = regexp.MustCompile(`^genev_sys_\d+$`)
	rePeerIf  = regexp.MustCompile(`^if\d+$`)
)

// inferKind returns the kind an interface almost certainly is, or "".
func inferKind(it *Interface) string {
	name := it.Name
	switch it.LinkType {
	case "ipip":
		if strings.HasPrefix(name, "ip_vti") {
			return "vti" // ip_vti0 is the vti fallback device, also link/ipip
		}
		return "ipip"
	case "gre":
		return "gre"
	case "gre6":
		return "ip6gre"
	case "sit":
		return "sit"
	case "tunnel6":
		if strings.HasPrefix(name, "ip6_vti") {
			return "vti6"
		}
		return "ip6tnl"
	}
	switch {
	case reFlannel.MatchString(name), name == "vxlan.calico", name == "vxlan-v6.calico",
		reOVSVxl.MatchString(name), name == "cilium_vxlan":
		return "vxlan"
	case reOVSGnv.MatchString(name), name == "cilium_geneve":
		return "geneve"
	case it.Peer == "NONE" && name == "gretap0":
		return "gretap" // the gre module's fallback devices
	case it.Peer == "NONE" && name == "erspan0":
		return "erspan"
	case strings.HasPrefix(name, "wg") && it.LinkType == "none":
		return "wireguard"
	case name == "kube-ipvs0" || name == "nodelocaldns":
		return "dummy" // made by kube-proxy (IPVS mode) and node-local-dns
	case rePeerIf.MatchString(it.Peer):
		return "veth"
	case it.LinkNetnsID != nil && *it.LinkNetnsID >= 0, it.Details["link_netns"] != nil:
		return "veth"
	case strings.HasPrefix(name, "cali") || strings.HasPrefix(name, "veth"):
		return "veth"
	}
	return ""
}
