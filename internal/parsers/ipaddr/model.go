package ipaddr

// Interface is one network interface as the node document holds it
// (Sections["interfaces"], merged across files by name).
//
// Fields a source format cannot state are left out of the document rather
// than zeroed (index and mtu of `ip -br`, link_netnsid of ifconfig), so that
// the per-node merge, which keeps the first non-empty value, lets a later
// file that does state them fill them in, and a rule never mistakes "not
// shown" for 0.
type Interface struct {
	Index int    `json:"index,omitempty"`
	Name  string `json:"name"`
	Peer  string `json:"peer"`
	// LinkNetnsID is -1 when the format could show link-netnsid and the
	// interface has none; nil when the format cannot show it.
	LinkNetnsID *int           `json:"link_netnsid,omitempty"`
	Flags       []string       `json:"flags,omitempty"`
	MTU         int            `json:"mtu,omitempty"`
	Qdisc       string         `json:"qdisc"`
	State       string         `json:"state"`
	Master      string         `json:"master"`
	Group       string         `json:"group"`
	LinkType    string         `json:"link_type"`
	MAC         string         `json:"mac"`
	Kind        string         `json:"kind"`
	KindSource  string         `json:"kind_source"`
	Details     map[string]any `json:"details"`
	Addresses   []Address      `json:"addresses"`
	Stats       *Stats         `json:"stats,omitempty"`
	File        string         `json:"file"`
	Line        int            `json:"line"`
	Text        string         `json:"text"`
}

// Address is one configured IP address.
type Address struct {
	Family    string   `json:"family"` // inet, inet6
	Address   string   `json:"address"`
	Prefix    int      `json:"prefix"`
	Scope     string   `json:"scope"`
	Broadcast string   `json:"broadcast"`
	Label     string   `json:"label"`
	Peer      string   `json:"peer,omitempty"`  // point-to-point far end
	Flags     []string `json:"flags,omitempty"` // secondary, dynamic, noprefixroute, tentative, …
	Metric    int      `json:"metric,omitempty"`
	Proto     string   `json:"proto,omitempty"`
	ValidLft  string   `json:"valid_lft,omitempty"`
	PrefLft   string   `json:"preferred_lft,omitempty"`
	Line      int      `json:"line"`
}

// Stats holds the counters of `ip -s link`, `ip -s -j link` and ifconfig,
// keyed by normalized column names (bytes, packets, errors, dropped,
// overrun, missed, mcast, carrier, collisions, …_errors).
type Stats struct {
	RX map[string]uint64 `json:"rx,omitempty"`
	TX map[string]uint64 `json:"tx,omitempty"`
	// Approximate is set when the counters were printed human-readable
	// (`ip -s -h link`: 1.2M) and so were rounded by the tool.
	Approximate bool `json:"approximate,omitempty"`
}

// RouteEntry is one route of `ip route`, `ip -j route`, `route -n` or
// `netstat -rn` (Sections["routes"], appended across files).
type RouteEntry struct {
	Family string `json:"family"`
	Table  string `json:"table"`
	Type   string `json:"type"`
	Dst    string `json:"dst"`
	Via    string `json:"via"`
	Dev    string `json:"dev"`
	Src    string `json:"src"`
	Proto  string `json:"proto"`
	Scope  string `json:"scope"`
	Metric int64  `json:"metric"`
	MTU    int    `json:"mtu"`
	// MTULock is set for `mtu lock N`: path MTU discovery may not lower it.
	MTULock bool `json:"mtu_lock,omitempty"`
	AdvMSS  int  `json:"advmss"`
	Onlink  bool `json:"onlink"`
	// Flags are the other bare route flags (linkdown, dead, offload, …).
	Flags    []string `json:"flags,omitempty"`
	Pref     string   `json:"pref,omitempty"`
	Nexthops []Hop    `json:"nexthops,omitempty"`
	// Extra holds the remaining attributes (expires, hoplimit, initcwnd,
	// error, encap, …) as printed.
	Extra map[string]any `json:"extra,omitempty"`
	File  string         `json:"file"`
	Line  int            `json:"line"`
	Text  string         `json:"text"`
}

// Hop is one path of a multipath route.
type Hop struct {
	Via    string   `json:"via"`
	Dev    string   `json:"dev"`
	Weight int      `json:"weight,omitempty"`
	Flags  []string `json:"flags,omitempty"`
}
