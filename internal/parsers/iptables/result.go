package iptables

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ktriage/ktriage/internal/parsers"
)

// maxWarnings bounds Result.Warnings; the rest are counted in a last line.
const maxWarnings = 20

// warnings collects what a parser skipped or worked around, each with its
// line number, so no unknown line is dropped silently.
type warnings struct {
	items []string
	notes []string // summaries, always kept
	more  int
}

func (w *warnings) add(line int, format string, args ...any) {
	if len(w.items) >= maxWarnings-4 {
		w.more++
		return
	}
	msg := fmt.Sprintf(format, args...)
	if line > 0 {
		msg = fmt.Sprintf("line %d: %s", line, msg)
	}
	w.items = append(w.items, msg)
}

func (w *warnings) note(format string, args ...any) {
	if len(w.notes) < 3 {
		w.notes = append(w.notes, fmt.Sprintf(format, args...))
	}
}

func (w *warnings) list() []string {
	out := append([]string{}, w.items...)
	out = append(out, w.notes...)
	if w.more > 0 {
		out = append(out, fmt.Sprintf("… and %d more lines with problems", w.more))
	}
	return out
}

// result summarises a parsed iptables file for the inventory.
func (p *parsed) result() parsers.Result {
	var parts []string
	var tables, chains, rules, undeclared int
	for _, rs := range p.rulesets {
		parts = append(parts, describe(rs))
		tables += len(rs.Tables)
		for _, t := range rs.Tables {
			chains += len(t.Chains)
			for _, c := range t.Chains {
				rules += len(c.Rules)
			}
		}
		undeclared += len(rs.UndeclaredTargets)
	}
	r := parsers.Result{Detail: strings.Join(parts, " | "), Warnings: p.warnings,
		Summary: map[string]any{"rulesets": len(p.rulesets), "tables": tables, "chains": chains, "rules": rules, "undeclared_targets": undeclared}}
	if p.kind != "iptables-save" {
		r.Kind = p.kind
	}
	return r
}

// describe says "iptables-nft-save v1.8.4: nat (42 chains, 180 rules),
// filter (…); legacy tables also present".
func describe(rs *Ruleset) string {
	name := rs.Generator
	switch {
	case rs.Variant == "nft-ruleset":
		name = "nft list ruleset (" + rs.Family + ")"
	case name == "" && rs.Partial:
		name = "iptables-save fragment"
	case name == "":
		name = "iptables-save (no generator line)"
	}
	var ts []string
	for _, tn := range sortedTables(rs) {
		t := rs.Tables[tn]
		n := 0
		for _, c := range t.Chains {
			n += len(c.Rules)
		}
		s := fmt.Sprintf("%s (%d chains, %d rules", tn, len(t.Chains), n)
		if !t.Committed && rs.Variant != "nft-ruleset" {
			s += ", no COMMIT"
		}
		ts = append(ts, s+")")
	}
	out := name + ": " + strings.Join(ts, ", ")
	if len(ts) == 0 {
		out = name + ": no tables"
	}
	if rs.LegacyTablesPresent {
		out += "; legacy tables also present"
	}
	if n := len(rs.UndeclaredTargets); n > 0 {
		out += fmt.Sprintf("; %d jumps to undeclared chains", n)
	}
	return out
}

// sortedTables lists table names in the usual iptables-save order, others
// after them by name.
func sortedTables(rs *Ruleset) []string {
	rank := map[string]int{"raw": 1, "mangle": 2, "nat": 3, "filter": 4, "security": 5}
	names := make([]string, 0, len(rs.Tables))
	for n := range rs.Tables {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		ri, rj := rank[names[i]], rank[names[j]]
		if ri == 0 {
			ri = 99
		}
		if rj == 0 {
			rj = 99
		}
		if ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
	return names
}
