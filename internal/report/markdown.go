package report

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// WriteMarkdown writes the incident report a support engineer reads first.
// The first screen answers: one headline per most severe cause, then the
// summary of causes. Then each cause once (findings with one cause on
// several nodes or objects are grouped, see Groups), with its proof
// (file:line and the quoted line), how to confirm it on the live cluster
// and its specific fix; then the checks that could not run and what to
// collect for them, the files not understood, and an appendix: each rule's
// general remediation, which node-level files each node has, and the
// inventory of inputs. Every value from the bundle is escaped for where it
// lands (escape.go).
func WriteMarkdown(out io.Writer, r *Report) error {
	if len(r.Clusters) > 0 {
		return writeClusters(out, r)
	}
	bw := bufio.NewWriter(out)
	m := &mdWriter{w: safeText{bw}, r: r, rules: map[string]Rule{}}
	for _, rule := range r.Rules {
		m.rules[rule.ID] = rule
	}
	for _, g := range r.Groups() {
		m.causes = append(m.causes, m.cause(g))
	}
	m.p("# ktriage incident report\n\n")
	m.unjudged()
	m.headlines()
	m.limits()
	m.summary()
	m.bundle()
	for i, c := range m.causes {
		m.writeCause(i+1, c)
	}
	m.checksNotRun()
	m.filesNotUnderstood()
	m.appendix()
	return bw.Flush()
}

type mdWriter struct {
	w      io.Writer
	r      *Report
	rules  map[string]Rule
	causes []cause
	// causeAt maps a finding's group to its cause's section number.
	causeAt map[string]int
}

func (m *mdWriter) p(format string, args ...any) { fmt.Fprintf(m.w, format, args...) }

// cause is one group of findings as the report shows it.
type cause struct {
	Finding           // the first member: rule, severity, title
	members []Finding // all of them, the first included
	message string    // the members' message merged, or "" when they differ
	fixes   []string  // specific fixes, merged where they can be
}

// subjects are the members' subjects, each once, in order.
func (c cause) subjects() []string {
	var subs []string
	for _, f := range c.members {
		for _, s := range f.Subjects {
			if t := s.String(); !contains(subs, t) {
				subs = append(subs, t)
			}
		}
	}
	return subs
}

func (m *mdWriter) cause(g Group) cause {
	c := cause{Finding: m.r.Findings[g.Members[0]]}
	var msgs, specs, names []string
	for _, i := range g.Members {
		f := m.r.Findings[i]
		c.members = append(c.members, f)
		msgs = append(msgs, f.Message)
		names = append(names, subjectNames(f)...)
		if s := m.specificFix(f); s != "" {
			specs = append(specs, s)
		}
	}
	if msg, ok := merge(msgs, names); ok {
		c.message = msg
	}
	if fix, ok := merge(specs, names); ok && fix != "" {
		c.fixes = []string{fix}
	} else if !ok {
		for _, s := range specs {
			if !contains(c.fixes, s) {
				c.fixes = append(c.fixes, s)
			}
		}
	}
	return c
}

// specificFix is a finding's own advice: its remediation without the
// rule's general one, which the appendix gives once per rule.
func (m *mdWriter) specificFix(f Finding) string {
	gen := strings.TrimSpace(m.rules[f.Rule].Remediation)
	rem := strings.TrimSpace(f.Remediation)
	if gen == "" {
		return rem
	}
	return strings.TrimSpace(strings.TrimSuffix(rem, gen))
}

// headlines names the most severe causes before anything else.
// unjudged comes before the headlines: a report that judged nothing, or
// whose collector never reached the API server, must not first read as
// "no findings".
func (m *mdWriter) unjudged() {
	if m.r.Unreachable != "" {
		m.p("**The API server was unreachable when the bundle was collected:** %s\n\n", mdText(m.r.Unreachable))
	}
	if m.r.Unjudged != "" {
		m.p("**Nothing could be judged:** %s\n\n", mdText(m.r.Unjudged))
	}
}

func (m *mdWriter) headlines() {
	if m.r.Unjudged != "" && len(m.causes) == 0 {
		return
	}
	if len(m.causes) == 0 {
		m.p("**No findings:** none of the %d rules that ran found a problem.\n\n", m.r.RulesRun)
		return
	}
	top := m.causes[0].Severity
	n := 0
	for _, c := range m.causes {
		if c.Severity != top {
			break
		}
		if n == 5 {
			m.p("\n(and more %s causes below)\n", top)
			break
		}
		msg, more := c.message, ""
		if msg == "" {
			msg = c.members[0].Message
			more = fmt.Sprintf(" (and %d more like it)", len(c.members)-1)
		}
		m.p("**%s: %s** — %s%s\n\n", strings.ToUpper(mdText(c.Severity)), mdText(c.Title), mdText(cutWords(firstSentence(msg), 180)), more)
		n++
	}
}

// firstSentence is s up to its first full stop followed by a space.
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i > 0 {
		return s[:i+1]
	}
	return s
}

func (m *mdWriter) limits() {
	if len(m.r.Limits) == 0 {
		return
	}
	m.p("> **The bundle was not read completely:**\n")
	for _, l := range m.r.Limits {
		m.p("> - %s\n", mdText(l))
	}
	m.p("\n")
}

func (m *mdWriter) summary() {
	m.p("## Summary\n\n")
	if len(m.causes) == 0 {
		m.p("No findings.\n\n")
		return
	}
	var counts []string
	for _, s := range Severities {
		if n := m.r.Summary[s]; n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, s))
		}
	}
	m.p("%s, from %s.\n\n", plural(len(m.r.Findings), "finding", "findings"), plural(len(m.causes), "cause", "causes"))
	m.p("| # | Severity | Rule | Cause | Findings |\n|---|---|---|---|---|\n")
	for i, c := range m.causes {
		msg := c.message
		if msg == "" {
			// one cause in several words: the title and what it touches
			msg = c.Title + ": " + strings.Join(c.subjects(), ", ")
		}
		m.p("| %d | %s | %s | %s | %d |\n", i+1, mdText(c.Severity), mdCode(c.Rule), mdText(cutWords(msg, 160)), len(c.members))
	}
	m.p("\nBy severity: %s.\n\n", strings.Join(counts, ", "))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func (m *mdWriter) bundle() {
	r := m.r
	m.p("## Bundle\n\n")
	m.p("| Item | Value |\n|---|---|\n")
	m.p("| Bundle | %s |\n", mdText(strings.Join(r.Bundle.Paths, ", ")))
	m.p("| Nodes | %s |\n", mdText(listOrNone(r.Bundle.Nodes, 12)))
	if len(r.Bundle.Unattributed) > 0 {
		m.p("| Not attributed to a node | %s |\n", mdText(listOrNone(r.Bundle.Unattributed, 12)))
	}
	m.p("| Namespaces | %s |\n", mdText(listOrNone(r.Bundle.Namespaces, 20)))
	m.p("| Files by kind | %s |\n", mdText(kindsText(r.Bundle.FilesByKind)))
	read := 0
	for _, in := range r.Inputs {
		if in.Status == StatusParsed {
			read++
		}
	}
	m.p("| Files read | %d of %d |\n", read, len(r.Inputs))
	if r.Redaction != "" {
		m.p("| Redacted | %s |\n", mdText(r.Redaction))
	}
	m.p("| ktriage | %s |\n\n", mdText(r.Tool.Version))
}

func (m *mdWriter) writeCause(n int, c cause) {
	m.p("## %d. %s — %s\n\n", n, strings.ToUpper(mdText(c.Severity)), mdText(c.Title))
	if c.message != "" {
		m.p("%s\n\n", mdText(c.message))
	} else {
		m.p("The same cause, %d times:\n\n", len(c.members))
		for _, f := range c.members {
			m.p("- %s\n", mdText(f.Message))
		}
		m.p("\n")
	}
	m.consequences(c)
	m.p("- **Rule:** %s (category %s)\n", mdCodeInline(c.Rule), mdCodeInline(c.Category))
	if subs := c.subjects(); len(subs) > 0 {
		shown := subs
		if len(shown) > 20 {
			shown = shown[:20]
		}
		parts := make([]string, len(shown))
		for i, s := range shown {
			parts[i] = mdCodeInline(s)
		}
		more := ""
		if len(subs) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(subs)-len(shown))
		}
		m.p("- **Objects:** %s%s\n", strings.Join(parts, ", "), more)
	}
	m.p("\n")
	var ev []Evidence
	seen := map[string]bool{}
	for _, f := range c.members {
		for _, e := range f.Evidence {
			k := fmt.Sprintf("%s\x00%d\x00%d\x00%s", e.File, e.Line, e.Frame, e.Note)
			if !seen[k] {
				seen[k] = true
				ev = append(ev, e)
			}
		}
	}
	if len(ev) > 0 {
		m.p("### Evidence\n\n")
		for _, run := range repeats(ev) {
			m.writeEvidence(run)
		}
		m.p("\n")
	}
	var cmds []string
	for _, f := range c.members {
		for _, cmd := range f.Confirm {
			if !contains(cmds, cmd) {
				cmds = append(cmds, cmd)
			}
		}
	}
	if len(cmds) > 0 {
		all := strings.Join(cmds, "\n")
		fence := mdFence(all)
		m.p("### Confirm on the live cluster\n\n%ssh\n%s\n%s\n\n", fence, all, fence)
	}
	m.p("### Fix\n\n")
	switch len(c.fixes) {
	case 0:
	case 1:
		m.p("%s\n\n", mdText(c.fixes[0]))
	default:
		for _, f := range c.fixes {
			m.p("- %s\n", mdText(f))
		}
		m.p("\n")
	}
	if strings.TrimSpace(m.rules[c.Rule].Remediation) != "" {
		m.p("In general: see *%s* in the appendix.\n\n", mdText(fixHeading(c.Rule)))
	}
}

// consequences lists, under a cause's message, the objects it makes
// suffer; one that is another finding's subject points at that finding's
// section instead of repeating it.
func (m *mdWriter) consequences(c cause) {
	var list []Consequence
	seen := map[Consequence]bool{}
	for _, f := range c.members {
		for _, q := range f.Consequences {
			if !seen[q] {
				seen[q] = true
				list = append(list, q)
			}
		}
	}
	if len(list) == 0 {
		return
	}
	m.p("Consequences:\n\n")
	for _, q := range list {
		line := mdCodeInline(q.subject().String())
		if q.Note != "" {
			line += " — " + mdText(q.Note)
		}
		if n := m.causeNumber(q.Group); n > 0 {
			line += fmt.Sprintf(" (→ see finding %d)", n)
		}
		m.p("- %s\n", line)
	}
	m.p("\n")
}

// causeNumber is the section number of the cause whose group is g, or 0.
func (m *mdWriter) causeNumber(g string) int {
	if m.causeAt == nil {
		m.causeAt = map[string]int{}
		for i, c := range m.causes {
			for _, f := range c.members {
				m.causeAt[f.Group] = i + 1
			}
		}
	}
	return m.causeAt[g]
}

func fixHeading(rule string) string { return "How to fix: " + rule }

// repeats groups evidence lines that say the same thing from one file
// with only numbers changing (a log line repeated with new timestamps),
// keeping the order of first appearance.
func repeats(ev []Evidence) [][]Evidence {
	var out [][]Evidence
	at := map[string]int{}
	for _, e := range ev {
		if e.Line <= 0 || e.Text == "" {
			out = append(out, []Evidence{e})
			continue
		}
		k := e.File + "\x00" + e.Note + "\x00" + reDigits.ReplaceAllString(e.Text, "0")
		if i, ok := at[k]; ok {
			out[i] = append(out[i], e)
			continue
		}
		at[k] = len(out)
		out = append(out, []Evidence{e})
	}
	return out
}

var reDigits = regexp.MustCompile(`[0-9]+`)

func (m *mdWriter) writeEvidence(run []Evidence) {
	e := run[0]
	loc := func(e Evidence) string {
		switch {
		case e.Line > 0:
			return fmt.Sprintf("%s:%d", e.File, e.Line)
		case e.Frame > 0:
			return fmt.Sprintf("%s frame %d", e.File, e.Frame)
		}
		return e.File
	}
	where := mdCodeInline(loc(e))
	texts := []string{e.Text}
	if len(run) > 1 {
		last := run[len(run)-1]
		where = fmt.Sprintf("%s … %s", where, mdCodeInline(fmt.Sprintf("%s:%d", path.Base(last.File), last.Line)))
		texts = append(texts, last.Text)
	}
	note := mdText(e.Note)
	if len(run) > 1 {
		note = strings.TrimSpace(note + fmt.Sprintf(" (%d times, first and last shown)", len(run)))
	}
	switch {
	case where != "" && note != "":
		m.p("- %s — %s\n", where, note)
	case where != "":
		m.p("- %s\n", where)
	default:
		m.p("- %s\n", note)
	}
	if e.Text == "" {
		return
	}
	body := strings.Join(texts, "\n")
	fence := mdFence(body)
	m.p("  %s\n%s\n  %s\n", fence, mdBlockLines(body, "  "), fence)
}

// needWords says, for each key of the facts' `available` map a rule may
// need, what a user would call that input and how to collect it. Node
// inputs come from the collector script (docs/collecting.md), which runs
// the named command on every node; a key not listed here is named as it
// is. Keys: docs/facts.md, `available`.
var needWords = map[string]struct{ what, collect string }{
	"node.sysctl":         {"no `sysctl -a` from any node", collectNodes},
	"node.interfaces":     {"no `ip -d addr` from any node", collectNodes},
	"node.routes":         {"no `ip route` from any node", collectNodes},
	"node.iptables":       {"no `iptables-save` from any node", collectNodes},
	"node.netstat":        {"no `netstat -s` or `nstat` counters from any node", collectNodes},
	"node.listeners":      {"no `ss -lnt` from any node", collectNodes},
	"node.captures":       {"no packet capture from any node", collectNodes + " --capture 20"},
	"node.resolv_conf":    {"no `/etc/resolv.conf` from any node", collectNodes},
	"node.kubelet_config": {"no kubelet configuration (configz or /var/lib/kubelet/config.yaml) from any node", collectNodes},
	"kubernetes.logs":     {"no container logs", "kubectl cluster-info dump --all-namespaces --output-directory=cluster-info"},
	"kubernetes.pods":     {"no Pods", "kubectl get pods -A -o yaml > pods.yaml"},
	"kubernetes.nodes":    {"no Nodes", "kubectl get nodes -o yaml > nodes.yaml"},
}

const collectNodes = "ktriage collect-script > ktriage-collect.sh && sh ktriage-collect.sh"

// missingNeeds reads back the needs the engine said were missing ("the
// bundle has no a, b or c").
func missingNeeds(reason string) ([][]string, bool) {
	rest, ok := strings.CutPrefix(reason, "the bundle has no ")
	if !ok {
		return nil, false
	}
	var out [][]string
	for _, part := range strings.Split(rest, ", ") {
		out = append(out, strings.Split(part, " or "))
	}
	return out, true
}

func needText(key string) (what, collect string) {
	if w, ok := needWords[key]; ok {
		return w.what, w.collect
	}
	if plural, ok := strings.CutPrefix(key, "kubernetes."); ok {
		return "no " + plural, "kubectl get " + plural + " -A -o yaml > " + plural + ".yaml"
	}
	if section, ok := strings.CutPrefix(key, "node."); ok {
		return "no node " + section + " files", collectNodes
	}
	return "no " + key, ""
}

// checksNotRun lists the rules that did not run, with what is missing in
// a user's words and the command that collects it; then the notices of
// rules that ran on part of their input.
func (m *mdWriter) checksNotRun() {
	skipped := map[string]bool{}
	for _, rule := range m.r.Rules {
		if rule.Status == "skipped" {
			skipped[rule.ID] = true
		}
	}
	var notRun, partial []Skipped
	for _, s := range m.r.Skipped {
		if skipped[s.Rule] || len(m.r.Rules) == 0 {
			notRun = append(notRun, s)
		} else {
			partial = append(partial, s)
		}
	}
	m.p("## Checks not run\n\n")
	if len(notRun) == 0 {
		m.p("Every rule ran.\n\n")
	} else {
		m.p("| Check | Why it did not run | How to collect what it needs |\n|---|---|---|\n")
		for _, s := range notRun {
			why, collect := mdText(s.Reason), ""
			if groups, ok := missingNeeds(s.Reason); ok {
				var whys, cmds []string
				for _, alts := range groups {
					var ws []string
					for _, k := range alts {
						w, c := needText(strings.TrimSpace(k))
						ws = append(ws, w)
						if c != "" && !contains(cmds, c) {
							cmds = append(cmds, c)
						}
					}
					whys = append(whys, strings.Join(ws, " and "))
				}
				why = mdInline(strings.Join(whys, "; "))
				for i, c := range cmds {
					cmds[i] = mdCode(c)
				}
				collect = strings.Join(cmds, "; ")
			}
			m.p("| %s %s | %s | %s |\n", mdCode(s.Rule), mdText(m.rules[s.Rule].Title), why, collect)
		}
		m.p("\n")
	}
	if len(partial) > 0 {
		m.p("Checks that ran on part of their input:\n\n")
		for _, s := range partial {
			m.p("- %s: %s\n", mdCodeInline(s.Rule), mdText(s.Reason))
		}
		m.p("\n")
	}
}

// mdInline is for ktriage's own words that carry `code` spans (needWords):
// the spans are kept, nothing from the bundle is in them.
func mdInline(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// toolFiles are files a support-bundle collector writes about itself
// (troubleshoot's version.yaml, analysis.json, execution data, RBAC
// checks, API discovery): they say nothing a rule reads, so the report
// names them in one line instead of one row each.
var toolFiles = regexp.MustCompile(`(^|/)(version\.yaml|analysis\.json|execution-data/[^/]+|cluster-info/cluster_version\.json|cluster-resources/(auth-cani-list/[^/]+|groups\.json|resources\.json))$`)

var reLinkTo = regexp.MustCompile(`^symbolic link to "(.*)", not followed$`)

// maxInventory bounds the rows of one inventory table: a bundle of a
// million files must not give a report of a million lines (the JSON
// report lists them all).
const maxInventory = 500

func (m *mdWriter) filesNotUnderstood() {
	read := map[string]bool{}
	for _, in := range m.r.Inputs {
		if in.Status == StatusParsed || in.Status == StatusPartial {
			read[in.File] = true
		}
	}
	var odd, tool []Input
	links := 0
	for _, in := range m.r.Inputs {
		if in.Status == StatusParsed {
			continue
		}
		if mm := reLinkTo.FindStringSubmatch(in.Error); mm != nil && !path.IsAbs(mm[1]) && read[path.Join(path.Dir(in.File), mm[1])] {
			links++
			continue
		}
		if in.Status == StatusUnrecognized && toolFiles.MatchString(in.File) {
			tool = append(tool, in)
			continue
		}
		odd = append(odd, in)
	}
	if len(odd) == 0 && len(tool) == 0 {
		return
	}
	m.p("## Files not understood\n\n")
	if len(odd) > 0 {
		m.p("| File | Status | Why |\n|---|---|---|\n")
		for i, in := range odd {
			if i == maxInventory {
				m.p("| %d more | | see the JSON report (`--format json`) |\n", len(odd)-i)
				break
			}
			why := in.Error
			if why == "" {
				why = strings.Join(in.Warnings, "; ")
			}
			if why == "" {
				why = in.Detail
			}
			m.p("| %s | %s | %s |\n", mdCode(in.File), mdText(in.Status), mdText(cutWords(why, 300)))
		}
		m.p("\n")
	}
	if len(tool) > 0 {
		var names []string
		for _, in := range tool {
			if b := path.Base(in.File); !contains(names, b) {
				names = append(names, b)
			}
		}
		for i, n := range names {
			names[i] = mdCodeInline(n)
		}
		verb := "are"
		if len(tool) == 1 {
			verb = "is"
		}
		m.p("%s %s the collector's records about itself (%s), not the cluster's: not read.\n\n",
			plural(len(tool), "file", "files"), verb, andList(names, 6))
	}
	if links > 0 {
		m.p("Left out: %s whose target was read.\n\n", plural(links, "symbolic link", "symbolic links"))
	}
}

func (m *mdWriter) appendix() {
	m.p("## Appendix\n\n")
	var ruleIDs []string
	for _, c := range m.causes {
		if !contains(ruleIDs, c.Rule) {
			ruleIDs = append(ruleIDs, c.Rule)
		}
	}
	for _, id := range ruleIDs {
		rule, ok := m.rules[id]
		if !ok || strings.TrimSpace(rule.Remediation) == "" {
			continue
		}
		// Rule METADATA is the rule author's Markdown, not the bundle's.
		m.p("### %s\n\n%s\n\n", mdText(fixHeading(id)), strings.TrimSpace(rule.Remediation))
		if len(rule.References) > 0 {
			for _, ref := range rule.References {
				m.p("- %s\n", ref)
			}
			m.p("\n")
		}
	}
	if len(m.r.Bundle.NodeFiles) > 0 {
		m.p("### Node-level files\n\n")
		m.p("| Node | Node-level files | Missing |\n|---|---|---|\n")
		names := make([]string, 0, len(m.r.Bundle.NodeFiles))
		for n := range m.r.Bundle.NodeFiles {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			nf := m.r.Bundle.NodeFiles[n]
			m.p("| %s | %s | %s |\n", mdText(n), mdText(listOrDash(nf.Present)), mdText(listOrDash(nf.Missing)))
		}
		m.p("\n")
	}
	m.p("### Inputs\n\n")
	if len(m.r.Inputs) == 0 {
		m.p("None.\n")
		return
	}
	m.p("| File | Kind | Node | Status | Content |\n|---|---|---|---|---|\n")
	for i, in := range m.r.Inputs {
		if i == maxInventory {
			m.p("| %d more | | | | see the JSON report (`--format json`) |\n", len(m.r.Inputs)-i)
			break
		}
		m.p("| %s | %s | %s | %s | %s |\n", mdCode(in.File), mdText(in.Kind), mdText(in.Node), mdText(in.Status), mdText(cutWords(in.Detail, 160)))
	}
	m.p("\n")
}

// safeText escapes, in everything written through it, what a Markdown
// report read in a terminal or a browser must not carry raw: bytes that are
// not UTF-8, control characters other than newline and tab (an ESC
// sequence quoted from a log would drive the reader's terminal) and
// bidirectional overrides (which make "evil\u202etxt.exe" read as
// "evilexe.txt"). Evidence quotes customer files verbatim, so this is
// done once for the whole report instead of at each quoting site. Every
// write is a whole formatted line or cell, so no rune is split between
// writes.
type safeText struct{ w io.Writer }

func (s safeText) Write(b []byte) (int, error) {
	if clean(b) {
		return s.w.Write(b)
	}
	var out []byte
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = fmt.Appendf(out, "\\x%02x", b[i])
		case unsafeRune(r):
			q := strconv.QuoteRuneToASCII(r)
			out = append(out, q[1:len(q)-1]...)
		default:
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	if _, err := s.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

func clean(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\t' || c >= 0x7f {
			return false // slow path decides for DEL and all non-ASCII
		}
	}
	return true
}

func unsafeRune(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || r >= 0x7f && r < 0xa0:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

func kindsText(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func listOrNone(l []string, max int) string {
	if len(l) == 0 {
		return "none in the bundle"
	}
	if len(l) > max {
		return strings.Join(l[:max], ", ") + fmt.Sprintf(" and %d more", len(l)-max)
	}
	return strings.Join(l, ", ")
}

func listOrDash(l []string) string {
	if len(l) == 0 {
		return "—"
	}
	return strings.Join(l, ", ")
}
