package facts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// NodeFacts is what one node-level artifact (ip addr, iptables-save,
// netstat -s, sysctl -a, ss, a capture) contributes. Parsers fill Sections
// with JSON-shaped values (see ToDoc); the builder attributes the file to a
// node and merges sections of the same node:
//
//   - a list is appended to the node's list of that name, or, when MergeBy
//     names a key field for it, merged element by element (the interfaces
//     of `ip addr` and `ip -d link` become one list);
//   - a map is merged key by key (sysctl keys, counters), first file wins on
//     a clash, which the order of artifacts keeps stable.
type NodeFacts struct {
	File       string   // artifact display path
	Inner      string   // artifact layout path (loader.Artifact.Inner)
	Containers []string // enclosing archive names (loader.Artifact.Containers)
	Kind       string   // artifact kind, as in the inventory

	// Content hints for attribution: a hostname the file states, and
	// addresses configured on the host (ip addr).
	Hostnames []string
	Addresses []string

	Sections map[string]any
	MergeBy  map[string]string
}

// Attribution says which node a file was given to and how.
type Attribution struct {
	Node   string `json:"node"`
	Method string `json:"method"` // path, prompt, sosreport, hostname, address, only-node, none
	Detail string `json:"detail,omitempty"`
	// Netns names the pod or network namespace the file was taken in, when
	// the layout says so (nodes/<node>/pods/<pod>/…, …/netns/<name>/…).
	Netns string `json:"netns,omitempty"`
	// Iface is the interface a capture's name gives (<node>-<iface>.pcap).
	Iface string `json:"iface,omitempty"`
}

// A file taken inside a pod's (or any named) network namespace: its
// interfaces, counters and sysctls are that namespace's, not the node's.
var reNetns = regexp.MustCompile(`(?:^|/)(?:pods|netns|pod-netns)/([^/]+)/[^/]+$`)

func netnsOf(inner string) string {
	if m := reNetns.FindStringSubmatch(inner); m != nil {
		return m[1]
	}
	return ""
}

// AddNode records a node-level artifact's facts.
func (b *Builder) AddNode(nf NodeFacts) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nodeFacts = append(b.nodeFacts, nf)
	for s := range nf.Sections {
		b.collected["node."+s] = true
	}
}

// ToDoc converts a parser's typed result (structs with json tags) into the
// plain values the document holds, numbers kept exact: what encoding/json
// gives after Marshal and a Decode with UseNumber. Most results are
// walked directly (todoc.go): the JSON round trip cost 7–9 ms of a
// capture's or a sysctl file's parse in a fresh process, encoding/json
// setting itself up for each type. What the walk does not handle exactly
// (a type with its own MarshalJSON or MarshalText, []byte, embedded
// structs, ",string" fields, NaN) takes the round trip.
func ToDoc(v any) any {
	out, ok := walkDoc(reflect.ValueOf(v))
	if !ok {
		return toDocJSON(v)
	}
	if toDocCheck {
		if want := toDocJSON(v); !reflect.DeepEqual(out, want) {
			panic(fmt.Sprintf("facts.ToDoc: the walk of a %T differs from encoding/json's round trip:\n%#v\n%#v", v, out, want))
		}
	}
	return out
}

// toDocJSON is ToDoc by encoding/json's round trip.
func toDocJSON(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil
	}
	return out
}

// nodeIndex is what the cluster dump says about nodes.
type nodeIndex struct {
	names     map[string]bool
	byAddress map[string]string // InternalIP/ExternalIP/Hostname address -> node
	byHost    map[string]string // hostname (and its short form) -> node
}

func (f *Facts) nodeIndex() nodeIndex {
	ix := nodeIndex{names: map[string]bool{}, byAddress: map[string]string{}, byHost: map[string]string{}}
	for _, o := range f.Objects {
		if o.Key.Kind != "Node" {
			continue
		}
		name := o.Key.Name
		ix.names[name] = true
		ix.byHost[strings.ToLower(name)] = name
		ix.byHost[shortHost(name)] = name
		for _, a := range arrayAt(o.Value, "status", "addresses") {
			v, t := stringAt(a.Value, "address"), stringAt(a.Value, "type")
			if v == "" {
				continue
			}
			if t == "Hostname" || t == "InternalDNS" {
				ix.byHost[strings.ToLower(v)] = name
				ix.byHost[shortHost(v)] = name
				continue
			}
			if ip, err := netip.ParseAddr(v); err == nil {
				ix.byAddress[ip.String()] = name
			}
		}
	}
	// A pod's address places a file taken at the pod (a capture on its
	// veth) on the pod's node. Host-network pods share the node's address.
	for _, o := range f.Objects {
		if o.Key.Kind != "Pod" {
			continue
		}
		nodeName := stringAt(o.Value, "spec", "nodeName")
		if hn, _ := valueAt(o.Value, "spec", "hostNetwork").(ast.Boolean); bool(hn) || nodeName == "" {
			continue
		}
		if v := stringAt(o.Value, "status", "podIP"); v != "" {
			if ip, err := netip.ParseAddr(v); err == nil {
				if _, taken := ix.byAddress[ip.String()]; !taken {
					ix.byAddress[ip.String()] = nodeName
				}
			}
		}
	}
	return ix
}

func shortHost(h string) string {
	h = strings.ToLower(h)
	if i := strings.IndexByte(h, '.'); i > 0 {
		return h[:i]
	}
	return h
}

// Layout patterns that name a node when the cluster dump cannot confirm it.
var (
	reNodeDir = regexp.MustCompile(`(?:^|/)(?:nodes?|hosts?|machines?)/([^/]+)/`)
	// <node>-ipaddr.txt, <node>_iptables-save, <node>.netstat-s.txt, …
	reNodeFile = regexp.MustCompile(`^(.+?)[-_.](?:ip[-_]?(?:a|addr|address|link|route|d[-_]?addr|d[-_]?link|s[-_]?d[-_]?link|o[-_]?addr|j[-_]?addr)|ipaddr|iproute|ifconfig|iptables(?:[-_](?:legacy|nft))?(?:[-_]save)?|ip6tables(?:[-_](?:legacy|nft))?(?:[-_]save)?|ipvsadm|netstat(?:[-_]s)?|nstat|snmp|proc[-_]net[-_](?:netstat|snmp)|sysctl(?:[-_]a)?|ss(?:[-_]lnt|[-_]ltn|[-_]tln|[-_]s)?|tcpdump|capture|resolv(?:[-_.]conf)?|kubelet[-_]config(?:z)?|configz)(?:\.[a-z0-9]+)*$`)
	// A capture's file name: <stem>.pcap, .pcapng, either gzipped.
	reCaptureFile = regexp.MustCompile(`(?i)^(.+)\.pcap(?:ng)?(?:\.gz)?$`)
	// A Linux interface name (IFNAMSIZ: at most 15 bytes), as tcpdump -i
	// takes it: eth0, ens3, tunl0, vxlan.calico, flannel.1, eth0.100.
	reIfaceName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,14}$`)
)

// knownNode resolves a name to a node of the set: exactly, or by host name
// (case-insensitive, short form) for Node objects.
type knownNode func(name string) (string, bool)

func (ix nodeIndex) known(name string) (string, bool) {
	if ix.names[name] {
		return name, true
	}
	n, ok := ix.byHost[strings.ToLower(name)]
	return n, ok
}

// captureNode splits a capture's file name, <node>-<iface>.pcap (or "_",
// "." between them; .pcapng; gzipped), at the separator after the longest
// prefix that is a known node. Only a known node counts: the prefix of
// "client-eth0.pcap" or "capture-eth0.pcap" is not one.
func captureNode(base string, known knownNode) (node, iface string, ok bool) {
	m := reCaptureFile.FindStringSubmatch(base)
	if m == nil {
		return "", "", false
	}
	stem := m[1]
	if n, found := known(stem); found {
		return n, "", true // <node>.pcap
	}
	for i := len(stem) - 1; i > 0; i-- {
		if c := stem[i]; c != '-' && c != '_' && c != '.' {
			continue
		}
		rest := stem[i+1:]
		if !reIfaceName.MatchString(rest) {
			continue
		}
		if n, found := known(stem[:i]); found {
			return n, rest, true
		}
	}
	return "", "", false
}

// fileNode names the node a file's name starts with ("vm-5-ipaddr.txt",
// "vm-5_eth0.pcap"), when that node is known; iface is the capture's
// interface the name gives.
func fileNode(name string, known knownNode) (node, iface string, ok bool) {
	base := path.Base(name)
	if n, i, found := captureNode(base, known); found {
		return n, i, true
	}
	if m := reNodeFile.FindStringSubmatch(base); m != nil {
		if n, found := known(m[1]); found {
			return n, "", true
		}
	}
	return "", "", false
}

// HostHint is the host a file's container names: the prompt of the
// transcript it was cut from, or the hostname file of its sosreport.
type HostHint struct {
	Host string
	How  string // "prompt" or "sosreport"
}

func (h HostHint) detail() string {
	if h.How == "sosreport" {
		return "its sosreport's hostname file says " + h.Host
	}
	return "the shell prompt it was typed at names host " + h.Host
}

// SetFileHost records the host a file's container names (the loader's
// Artifact.Host), for attributing the file's node facts.
func (b *Builder) SetFileHost(file, host, how string) {
	if host == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.hosts == nil {
		b.hosts = map[string]HostHint{}
	}
	b.hosts[file] = HostHint{Host: host, How: how}
}

// attribute decides which node an artifact describes from what names a
// node for sure: the cluster dump's Nodes (by path, file name, host name or
// address), the host a transcript's prompt or a sosreport names (hint),
// the bundle's per-node folders, and host names the files state. A file
// name alone never makes a node: its prefix counts only when it names a
// node known some other way (see attributeByName).
func attribute(nf NodeFacts, ix nodeIndex, hint HostHint) Attribution {
	segments := append(append([]string{}, nf.Containers...), strings.Split(nf.Inner, "/")...)
	// A path segment or archive name that is a node's name settles it.
	for _, s := range segments {
		base := stripExts(s)
		if ix.names[base] {
			return Attribution{Node: base, Method: "path", Detail: "a path element names the node"}
		}
		if n, ok := ix.byHost[strings.ToLower(base)]; ok {
			return Attribution{Node: n, Method: "path", Detail: "a path element names the node's host"}
		}
		if n, iface, ok := fileNode(s, ix.known); ok {
			return Attribution{Node: n, Iface: iface, Method: "path", Detail: "the file name starts with the node's name"}
		}
	}
	if hint.Host != "" {
		if n, ok := ix.byHost[strings.ToLower(hint.Host)]; ok {
			return Attribution{Node: n, Method: hint.How, Detail: hint.detail()}
		}
		if n, ok := ix.byHost[shortHost(hint.Host)]; ok {
			return Attribution{Node: n, Method: hint.How, Detail: hint.detail()}
		}
	}
	for _, h := range nf.Hostnames {
		if n, ok := ix.byHost[strings.ToLower(h)]; ok {
			return Attribution{Node: n, Method: "hostname", Detail: "the file states host name " + h}
		}
		if n, ok := ix.byHost[shortHost(h)]; ok {
			return Attribution{Node: n, Method: "hostname", Detail: "the file states host name " + h}
		}
	}
	for _, a := range nf.Addresses {
		if ip, err := netip.ParseAddr(a); err == nil {
			if n, ok := ix.byAddress[ip.String()]; ok {
				return Attribution{Node: n, Method: "address", Detail: "the file holds " + ip.String() + ", the node's address"}
			}
		}
	}
	// The host a prompt or sosreport names is the machine's own word,
	// stronger than a layout guess, even when no Node confirms it.
	if hint.Host != "" && len(ix.names) == 0 {
		return Attribution{Node: hint.Host, Method: hint.How, Detail: hint.detail() + " (node not in the cluster dump)"}
	}
	// No cluster dump to confirm: trust the bundle's layout.
	if m := reNodeDir.FindStringSubmatch(nf.Inner + "/"); m != nil && m[1] != "" {
		return Attribution{Node: stripExts(m[1]), Method: "path", Detail: "the file is under a per-node folder (node not in the cluster dump)"}
	}
	for _, h := range nf.Hostnames {
		if h != "" && h != "localhost" {
			return Attribution{Node: h, Method: "hostname", Detail: "the file states host name " + h + " (node not in the cluster dump)"}
		}
	}
	return Attribution{Method: "none"}
}

// attributeByName gives a file no node claimed to the node its name (or an
// enclosing archive's) starts with, when other files made that node known.
func attributeByName(nf NodeFacts, known map[string]bool) (Attribution, bool) {
	lookup := func(name string) (string, bool) {
		if known[name] {
			return name, true
		}
		return "", false
	}
	names := append([]string{nf.Inner}, nf.Containers...)
	for _, s := range names {
		if n, iface, ok := fileNode(s, lookup); ok {
			return Attribution{Node: n, Iface: iface, Method: "path", Detail: "the file name starts with the node's name (a node other files name)"}, true
		}
	}
	return Attribution{}, false
}

func stripExts(s string) string {
	for _, e := range []string{".tar.gz", ".tgz", ".tar", ".zip", ".gz", ".txt", ".log", ".out"} {
		s = strings.TrimSuffix(s, e)
	}
	return s
}

// UnattributedPrefix starts the key of a file no node could be found for;
// such a file is analysed on its own, never merged with another.
const UnattributedPrefix = "unattributed:"

// buildNodes attributes node artifacts and merges their sections.
func (f *Facts) buildNodes(nfs []NodeFacts, hosts map[string]HostHint) {
	ix := f.nodeIndex()
	atts := make([]Attribution, len(nfs))
	for i, nf := range nfs {
		atts[i] = attribute(nf, ix, hosts[nf.File])
	}
	// Nodes the dump or other files name make a file-name prefix count.
	known := map[string]bool{}
	for n := range ix.names {
		known[n] = true
	}
	for _, a := range atts {
		if a.Node != "" {
			known[a.Node] = true
		}
	}
	for i, nf := range nfs {
		if atts[i].Method == "none" {
			if a, ok := attributeByName(nf, known); ok {
				atts[i] = a
			}
		}
		if a := &atts[i]; a.Node != "" && a.Iface == "" {
			// nodes/vm-5/vm-5-eth0.pcap: the folder named the node first
			own := func(name string) (string, bool) {
				n, ok := ix.known(name)
				return a.Node, name == a.Node || ok && n == a.Node
			}
			if _, iface, ok := captureNode(path.Base(nf.Inner), own); ok {
				a.Iface = iface
			}
		}
		atts[i].Netns = netnsOf(nf.Inner)
	}
	// A single-node cluster: files that name no node are that node's.
	if len(ix.names) == 1 {
		var only string
		for n := range ix.names {
			only = n
		}
		for i := range atts {
			if atts[i].Method == "none" {
				atts[i] = Attribution{Node: only, Method: "only-node", Detail: "the cluster has this one node"}
			}
		}
	}
	f.Nodes = map[string]map[string]any{}
	f.NodeAttribution = map[string]Attribution{}
	for i, nf := range nfs {
		a := atts[i]
		key := a.Node
		if key == "" {
			key = UnattributedPrefix + nf.File
		}
		f.NodeAttribution[nf.File] = a
		n := f.Nodes[key]
		if n == nil {
			n = map[string]any{"name": key, "in_cluster": ix.names[key], "attributed": a.Method != "none", "files": []any{}}
			f.Nodes[key] = n
		}
		file := map[string]any{"file": nf.File, "kind": nf.Kind, "attributed_by": a.Method}
		if a.Iface != "" {
			file["interface"] = a.Iface
			setCaptureInterface(nf.Sections, a.Iface)
		}
		target := n
		if a.Netns != "" {
			file["netns"] = a.Netns
			nss, _ := n["netns"].(map[string]any)
			if nss == nil {
				nss = map[string]any{}
				n["netns"] = nss
			}
			ns, _ := nss[a.Netns].(map[string]any)
			if ns == nil {
				ns = map[string]any{"name": a.Netns, "files": []any{}}
				nss[a.Netns] = ns
			}
			ns["files"] = append(ns["files"].([]any), file)
			target = ns
		}
		n["files"] = append(n["files"].([]any), file)
		for _, sec := range sortedSections(nf.Sections) {
			mergeSection(target, sec, nf.Sections[sec], nf.MergeBy[sec])
		}
	}
	// Which node lacks which kind of artifact, for the inventory.
	for name := range ix.names {
		if f.Nodes[name] == nil {
			f.Nodes[name] = map[string]any{"name": name, "in_cluster": true, "attributed": true, "files": []any{}}
		}
	}
}

// setCaptureInterface records on a capture's document the interface its
// file name gives, for rules to name where it was taken (node.capture_iface).
func setCaptureInterface(sections map[string]any, iface string) {
	caps, _ := sections["captures"].([]any)
	for _, c := range caps {
		if m, ok := c.(map[string]any); ok {
			if _, set := m["interface"]; !set {
				m["interface"] = iface
			}
		}
	}
}

func sortedSections(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func mergeSection(node map[string]any, sec string, v any, mergeBy string) {
	switch t := v.(type) {
	case []any:
		cur, _ := node[sec].([]any)
		if mergeBy == "" {
			node[sec] = append(cur, t...)
			return
		}
		pos := map[string]int{}
		for i, e := range cur {
			if m, ok := e.(map[string]any); ok {
				pos[fmt.Sprint(m[mergeBy])] = i
			}
		}
		for _, e := range t {
			m, ok := e.(map[string]any)
			if !ok {
				cur = append(cur, e)
				continue
			}
			k := fmt.Sprint(m[mergeBy])
			if i, ok := pos[k]; ok {
				cur[i] = unionMaps(cur[i].(map[string]any), m)
				continue
			}
			pos[k] = len(cur)
			cur = append(cur, m)
		}
		node[sec] = cur
	case map[string]any:
		cur, _ := node[sec].(map[string]any)
		if cur == nil {
			cur = map[string]any{}
		}
		for k, x := range t {
			if _, ok := cur[k]; !ok {
				cur[k] = x
			}
		}
		node[sec] = cur
	default:
		if _, ok := node[sec]; !ok {
			node[sec] = v
		}
	}
}

// unionMaps merges b into a: a's non-empty values stay, b fills the gaps and
// nested maps merge; lists concatenate when a's is empty.
func unionMaps(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		cur, ok := out[k]
		switch {
		case !ok || isEmpty(cur):
			out[k] = v
		default:
			if ca, ok := cur.(map[string]any); ok {
				if cb, ok := v.(map[string]any); ok {
					out[k] = unionMaps(ca, cb)
				}
			}
		}
	}
	return out
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return t == ""
	case []any:
		return len(t) == 0
	case map[string]any:
		return len(t) == 0
	}
	return false
}

// UnattributedFiles lists, sorted, the node-level files no node could be
// found for. They are analysed alone (under UnattributedPrefix) but are no
// node: a report lists them once, apart from the nodes.
func (f *Facts) UnattributedFiles() []string {
	var out []string
	for file, a := range f.NodeAttribution {
		if a.Node == "" {
			out = append(out, file)
		}
	}
	sort.Strings(out)
	return out
}
