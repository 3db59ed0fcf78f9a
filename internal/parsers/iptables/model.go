package iptables

// The document shapes this package produces. Field names are a contract the
// Rego rules depend on (see doc.go); change them only with the rules.

// Ruleset is one iptables-save dump (or one address family of an
// `nft list ruleset`): Sections["iptables"] holds a list of them.
type Ruleset struct {
	File      string `json:"file"`
	Family    string `json:"family"`
	Generator string `json:"generator"`
	Variant   string `json:"variant"`
	// VariantFrom says what decided Variant: "content" (the generator
	// line, the legacy-tables warning), "file name" (iptables 1.8 legacy
	// prints a plain "iptables-save v1.8.x", so a collector's file name,
	// iptables-legacy-save.txt, is the only witness), or "" when unknown.
	VariantFrom string `json:"variant_from"`
	// LegacyTablesPresent is set by iptables-nft's line "# Warning:
	// iptables-legacy tables present, …": the host has rules in both back
	// ends, and this dump shows only the nf_tables ones.
	LegacyTablesPresent bool `json:"legacy_tables_present"`
	WarningLine         int  `json:"warning_line"`
	// Partial marks a dump that is not a whole iptables-save run: rules
	// outside a *table section, a table without COMMIT, shell prompts.
	Partial bool `json:"partial"`
	// Counters is set when the dump carries [packets:bytes] on its rules
	// (iptables-save -c), so zero counts mean "not hit", not "not shown".
	Counters          bool              `json:"counters"`
	Tables            map[string]*Table `json:"tables"`
	UndeclaredTargets []Undeclared      `json:"undeclared_targets"`
	// RulesOmitted counts rules past the memory caps (not kept, still
	// checked for undeclared targets).
	RulesOmitted int `json:"rules_omitted,omitempty"`
}

// Table is one *table section.
type Table struct {
	Line      int               `json:"line"`
	Committed bool              `json:"committed"`
	Chains    map[string]*Chain `json:"chains"`

	order []string // chain names in order of first appearance
}

// Chain is a chain declared (":NAME POLICY [p:b]") or only appended to.
type Chain struct {
	Declared bool   `json:"declared"`
	Builtin  bool   `json:"builtin"`
	Policy   string `json:"policy"`
	Packets  uint64 `json:"packets"`
	Bytes    uint64 `json:"bytes"`
	Line     int    `json:"line"`
	Rules    []Rule `json:"rules"`

	seen map[uint64]bool // rule texts already kept, in shell transcripts only
}

// Rule is one "-A CHAIN …" line. Optional match fields are omitted when the
// rule does not set them, which keeps a 50,000-rule document small.
type Rule struct {
	Line          int      `json:"line"`
	Text          string   `json:"text"`
	Target        string   `json:"target"`
	Goto          bool     `json:"goto"`
	Matches       []string `json:"matches,omitempty"`
	Comment       string   `json:"comment,omitempty"`
	Source        string   `json:"source,omitempty"`
	Destination   string   `json:"destination,omitempty"`
	Protocol      string   `json:"protocol,omitempty"`
	InInterface   string   `json:"in_interface,omitempty"`
	OutInterface  string   `json:"out_interface,omitempty"`
	Dport         string   `json:"dport,omitempty"`
	ToDestination string   `json:"to_destination,omitempty"`
	SetXmark      string   `json:"set_xmark,omitempty"`
	SetMark       string   `json:"set_mark,omitempty"`
	MatchSet      string   `json:"match_set,omitempty"`
	Negations     []string `json:"negations,omitempty"`
	Packets       uint64   `json:"packets"`
	Bytes         uint64   `json:"bytes"`

	// refs are the chains the rule may continue in (its -j/-g target; for
	// nft also every jump/goto inside a verdict map). A target followed by
	// its own options is a target extension, not a chain, and is left out.
	refs []string
}

// Undeclared is a jump or goto to a chain the table does not declare.
type Undeclared struct {
	Table string `json:"table"`
	Chain string `json:"chain"`
	Line  int    `json:"line"`
	Text  string `json:"text"`
	// HasRules is set when the dump appends rules to that chain without
	// declaring it (typical of fragments, impossible in a whole dump).
	HasRules bool `json:"has_rules"`
}

// IPVSTable is one `ipvsadm -Ln` (or `ipvsadm -S -n`) output:
// Sections["ipvs"] holds a list of them.
type IPVSTable struct {
	File     string    `json:"file"`
	Line     int       `json:"line"`
	Version  string    `json:"version"`
	Services []Service `json:"services"`
}

// Service is an IPVS virtual service.
type Service struct {
	Protocol string `json:"protocol"` // TCP, UDP, SCTP, FWM
	Address  string `json:"address"`  // no brackets for IPv6; "" for FWM
	Port     int    `json:"port"`
	// PortName is set instead of Port when ipvsadm ran without -n and
	// printed a service name ("https").
	PortName  string        `json:"port_name,omitempty"`
	FWMark    int           `json:"fwmark,omitempty"`
	IPv6      bool          `json:"ipv6,omitempty"`
	Scheduler string        `json:"scheduler"`
	Flags     string        `json:"flags"` // "persistent 10800", "ops", …
	Line      int           `json:"line"`
	Text      string        `json:"text"`
	Stats     IPVSStats     `json:"stats,omitempty"`
	Dests     []Destination `json:"destinations"`
}

// Destination is a real server of a virtual service.
type Destination struct {
	Address  string    `json:"address"`
	Port     int       `json:"port"`
	PortName string    `json:"port_name,omitempty"`
	Forward  string    `json:"forward"` // Masq, Route, Tunnel, Local
	Weight   int       `json:"weight"`
	Active   int64     `json:"active"`
	Inactive int64     `json:"inactive"`
	Line     int       `json:"line"`
	Stats    IPVSStats `json:"stats,omitempty"`
}

// IPVSStats holds the columns of `ipvsadm -Ln --stats` or `--rate`, named
// as ipvsadm's header names them, in lower case. ipvsadm prints large
// numbers with K/M/G/T suffixes (powers of 1000); they are multiplied out.
type IPVSStats map[string]int64
