// Package redact rewrites an incident report in place so it can be sent to
// a vendor or a colleague: secrets in quoted lines, messages, notes,
// details and input warnings become [REDACTED], and, when asked, IP
// addresses become pseudonyms that are the same everywhere in the report
// and keep the subnet structure the evidence is about. It works on the
// report model, before any writer runs, so every output format gets the
// same redacted content. docs/redaction.md says what is covered, what is
// not, and what the address mapping guarantees.
package redact

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"

	"github.com/ktriage/ktriage/internal/report"
)

// Options choose what is redacted.
type Options struct {
	// Secrets hides passwords, tokens, keys and credentials.
	Secrets bool
	// IPs replaces IP addresses (and hostnames that embed one, such as
	// ip-10-1-0-11) with pseudonyms.
	IPs bool
	// Key seeds the address mapping: the same key maps an address the
	// same way in every report. Empty means a random key, so two runs
	// give different pseudonyms.
	Key []byte
}

// describe says in the report what was redacted, so a reader knows the
// addresses are pseudonyms and which key made them.
func (o Options) describe() string {
	if !o.IPs {
		return "secrets"
	}
	if len(o.Key) == 0 {
		return "secrets and IP addresses (pseudonyms from a random key: they match nothing outside this report)"
	}
	return "secrets and IP addresses (pseudonyms from a given key: the same in every report made with it)"
}

// MinKeyLen is the shortest key accepted. Whoever holds the key can undo
// the mapping by trying every private address, so a guessable key is no
// better than none.
const MinKeyLen = 16

// Report redacts r in place and sorts it again, since subjects and file
// names may have changed.
func Report(r *report.Report, o Options) error {
	run, err := newRun(o)
	if err != nil || run == nil {
		return err
	}
	run.learnReport(r)
	run.start()
	run.rewriteReport(r)
	r.Redaction = o.describe()
	sort.Strings(r.Bundle.Nodes)
	sort.Strings(r.Bundle.Namespaces)
	r.Sort()
	return nil
}

// Document redacts a facts document (plain maps, slices and scalars, as
// `ktriage facts` prints it) in place.
func Document(doc map[string]any, o Options) error {
	run, err := newRun(o)
	if err != nil || run == nil {
		return err
	}
	run.learnValue(doc)
	run.start()
	out := run.value(doc).(map[string]any)
	clear(doc)
	for k, v := range out {
		doc[k] = v
	}
	return nil
}

// run is one report's redaction: what the first pass learnt (secret
// values seen next to their key somewhere, networks seen with their prefix
// length) applies to every string of the second.
type run struct {
	secrets bool
	ips     *ipMapper
	learned map[string]bool
	anchors []netip.Prefix
	// learnedList is learned, longest first, once the first pass is over.
	learnedList []string
}

func newRun(o Options) (*run, error) {
	if !o.Secrets && !o.IPs {
		return nil, nil
	}
	r := &run{secrets: o.Secrets, learned: map[string]bool{}}
	if o.IPs {
		key := o.Key
		if len(key) == 0 {
			key = make([]byte, 32)
			if _, err := rand.Read(key); err != nil {
				return nil, fmt.Errorf("redaction key: %w", err)
			}
		} else if len(key) < MinKeyLen {
			return nil, errors.New("redaction key: shorter than 16 bytes (a short key can be guessed, and with it every address)")
		}
		r.ips = newIPMapper(key)
	}
	return r, nil
}

// start ends the first pass.
func (r *run) start() {
	if r.ips != nil {
		for _, p := range r.anchors {
			r.ips.anchor(p)
		}
	}
	for v := range r.learned {
		r.learnedList = append(r.learnedList, v)
	}
	sort.Slice(r.learnedList, func(i, j int) bool {
		a, b := r.learnedList[i], r.learnedList[j]
		if len(a) != len(b) {
			return len(a) > len(b)
		}
		return a < b
	})
}

// visitReport calls f on every string of r that can hold customer data,
// and v on every free-form map (details, input summaries), and stores what
// they return. Rule metadata (titles, descriptions, references) and fixed
// vocabularies (kinds, statuses, severities) are ktriage's own text.
func visitReport(r *report.Report, f func(string) string, v func(any) any) {
	b := &r.Bundle
	// the collector's quoted kubectl error names the API server's address
	r.Unreachable, r.Unjudged = f(r.Unreachable), f(r.Unjudged)
	strs(b.Paths, f)
	strs(b.Nodes, f)
	strs(b.Unattributed, f)
	strs(b.Namespaces, f)
	if b.NodeFiles != nil {
		nf := make(map[string]report.NodeFiles, len(b.NodeFiles))
		for k, x := range b.NodeFiles {
			nf[f(k)] = x
		}
		b.NodeFiles = nf
	}
	for i := range r.Findings {
		x := &r.Findings[i]
		x.Message = f(x.Message)
		x.Remediation = f(x.Remediation)
		for j := range x.Subjects {
			x.Subjects[j].Namespace = f(x.Subjects[j].Namespace)
			x.Subjects[j].Name = f(x.Subjects[j].Name)
		}
		for j := range x.Evidence {
			e := &x.Evidence[j]
			e.File, e.Text, e.Note = f(e.File), f(e.Text), f(e.Note)
		}
		strs(x.Confirm, f)
		if x.Details != nil {
			x.Details, _ = v(x.Details).(map[string]any)
		}
	}
	for i := range r.Inputs {
		in := &r.Inputs[i]
		in.File, in.Node, in.Detail, in.Error = f(in.File), f(in.Node), f(in.Detail), f(in.Error)
		strs(in.Warnings, f)
		if in.Summary != nil {
			in.Summary, _ = v(in.Summary).(map[string]any)
		}
	}
	for i := range r.Skipped {
		r.Skipped[i].Reason = f(r.Skipped[i].Reason)
	}
	strs(r.Limits, f)
	// a several-cluster run names each cluster by uids, addresses and nodes
	strs(r.ClustersDiffer, f)
	strs(r.Unclustered, f)
	for i := range r.Clusters {
		c := &r.Clusters[i]
		c.Identity, c.Unjudged, c.Unreachable = f(c.Identity), f(c.Unjudged), f(c.Unreachable)
		strs(c.Bundle.Paths, f)
		strs(c.Bundle.Nodes, f)
		strs(c.Bundle.Unattributed, f)
		strs(c.Bundle.Namespaces, f)
		if c.Bundle.NodeFiles != nil {
			nf := make(map[string]report.NodeFiles, len(c.Bundle.NodeFiles))
			for k, x := range c.Bundle.NodeFiles {
				nf[f(k)] = x
			}
			c.Bundle.NodeFiles = nf
		}
	}
}

func strs(ss []string, f func(string) string) {
	for i := range ss {
		ss[i] = f(ss[i])
	}
}

func (r *run) learnReport(rep *report.Report) {
	visitReport(rep, func(s string) string { r.learnString(s); return s },
		func(x any) any { r.learnValue(x); return x })
	// A YAML env entry is two lines, "- name: DB_PASSWORD" and "value: …";
	// a rule that cites both cites consecutive lines of one file.
	byFile := map[string]map[int]string{}
	for _, f := range rep.Findings {
		for _, e := range f.Evidence {
			if e.File == "" || e.Line == 0 || e.Text == "" {
				continue
			}
			if byFile[e.File] == nil {
				byFile[e.File] = map[int]string{}
			}
			byFile[e.File][e.Line] = e.Text
		}
	}
	for _, lines := range byFile {
		for n, text := range lines {
			if next, ok := lines[n+1]; ok {
				r.learnLines([]string{text, next})
			}
		}
	}
}

func (r *run) rewriteReport(rep *report.Report) {
	visitReport(rep, r.rewrite, r.value)
}

// rewrite redacts one string.
func (r *run) rewrite(s string) string {
	if r.secrets {
		s = r.replaceLearned(s)
		s = redactSecrets(s)
	}
	if r.ips != nil {
		s = r.ips.mapIPs(s)
	}
	return s
}

// value redacts a decoded JSON value: strings, map keys and values, list
// elements. Two keys that redact to the same text keep both values, the
// second under "key (2)".
func (r *run) value(v any) any {
	switch t := v.(type) {
	case string:
		return r.rewrite(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for _, k := range sortedKeys(t) {
			nk := r.rewrite(k)
			for i := 2; ; i++ {
				if _, dup := out[nk]; !dup {
					break
				}
				nk = fmt.Sprintf("%s (%d)", r.rewrite(k), i)
			}
			out[nk] = r.value(t[k])
		}
		return out
	case []any:
		for i := range t {
			t[i] = r.value(t[i])
		}
		return t
	case []string:
		for i := range t {
			t[i] = r.rewrite(t[i])
		}
		return t
	case map[string]string:
		out := make(map[string]string, len(t))
		for k, x := range t {
			out[r.rewrite(k)] = r.rewrite(x)
		}
		return out
	}
	return v
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// learnString is the first pass over one string.
func (r *run) learnString(s string) {
	if s == "" {
		return
	}
	if r.secrets {
		keyValueSpans(s, r.learn)
		if strings.Contains(s, "\n") {
			r.learnLines(strings.Split(s, "\n"))
		}
	}
	if r.ips != nil {
		r.anchors = append(r.anchors, anchorsIn(s)...)
	}
}

// learnValue is the first pass over a decoded JSON value. Besides its
// strings it reads two structures: {"name": "DB_PASSWORD", "value": …}
// (an env entry) and {"password": …} (a secret key), and, for the address
// mapping, {"address": "10.1.0.11", "prefix": 24} (an ip addr fact).
func (r *run) learnValue(v any) {
	switch t := v.(type) {
	case string:
		r.learnString(t)
	case []any:
		for _, x := range t {
			r.learnValue(x)
		}
	case []string:
		for _, x := range t {
			r.learnString(x)
		}
	case map[string]string:
		for k, x := range t {
			r.learnString(k)
			r.learnString(x)
			if r.secrets && secretName(k) && redactable(x) {
				r.learn(x)
			}
		}
	case map[string]any:
		if r.secrets {
			if name, _ := t["name"].(string); secretName(name) {
				if val, ok := t["value"].(string); ok && redactable(val) {
					r.learn(val)
				}
			}
			for k, x := range t {
				if s, ok := x.(string); ok && secretName(k) && redactable(s) {
					r.learn(s)
				}
			}
		}
		if r.ips != nil {
			if p, ok := addressFact(t); ok {
				r.anchors = append(r.anchors, p)
			}
		}
		for k, x := range t {
			r.learnString(k)
			r.learnValue(x)
		}
	}
}

func addressFact(m map[string]any) (netip.Prefix, bool) {
	s, _ := m["address"].(string)
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	var n int
	switch x := m["prefix"].(type) {
	case json.Number:
		i, err := x.Int64()
		if err != nil {
			return netip.Prefix{}, false
		}
		n = int(i)
	case float64:
		n = int(x)
	case int:
		n = x
	default:
		return netip.Prefix{}, false
	}
	if n < 0 || n > a.BitLen() {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, n), true
}

var (
	reNameLine  = regexp.MustCompile(`^\s*(?:-\s+)?\\?"?name\\?"?\s*:\s*\\?"?([A-Za-z_][\w.-]*)\\?"?\s*,?\s*$`)
	reValueLine = regexp.MustCompile(`^\s*(?:-\s+)?\\?"?value\\?"?\s*:\s*`)
	reBlockKey  = regexp.MustCompile(`^(\s*)(?:-\s+)?([A-Za-z_][\w.-]*):\s*[|>][-+]?\s*$`)
	reDataKey   = regexp.MustCompile(`^(\s*)(?:data|stringData):\s*$`)
	reDataEntry = regexp.MustCompile(`^\s*[^\s:]+:\s*(.*)$`)
	reKindYAML  = regexp.MustCompile(`(?m)^\s*kind:\s*["']?Secret["']?\s*$`)
	reKindJSON  = regexp.MustCompile(`"kind"\s*:\s*"Secret"`)
	reDataJSON  = regexp.MustCompile(`"(?:data|stringData)"\s*:\s*\{([^{}]*)\}`)
	reJSONPair  = regexp.MustCompile(`"[^"]*"\s*:\s*"((?:[^"\\]|\\.)*)"`)
)

// learnLines reads secrets that take more than one line to recognise: an
// env entry's name line followed by its value line, a secret key followed
// by a YAML block scalar, and the data of a Secret object.
func (r *run) learnLines(lines []string) {
	for i := 0; i+1 < len(lines); i++ {
		if m := reNameLine.FindStringSubmatch(lines[i]); m != nil && secretName(m[1]) {
			if v := reValueLine.FindStringIndex(lines[i+1]); v != nil {
				next := lines[i+1]
				a, b := valueAt(next, v[1], func(byte) bool { return false })
				val := strings.TrimSuffix(strings.TrimSpace(next[a:b]), ",")
				if redactable(val) {
					r.learn(val)
				}
			}
		}
		if m := reBlockKey.FindStringSubmatch(lines[i]); m != nil && secretName(m[2]) {
			for j := i + 1; j < len(lines) && indented(lines[j], len(m[1])); j++ {
				r.learn(strings.TrimSpace(lines[j]))
			}
		}
	}
	text := strings.Join(lines, "\n")
	if reKindYAML.MatchString(text) {
		for i, l := range lines {
			m := reDataKey.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			for j := i + 1; j < len(lines) && indented(lines[j], len(m[1])); j++ {
				if e := reDataEntry.FindStringSubmatch(lines[j]); e != nil && redactable(e[1]) {
					r.learn(strings.Trim(strings.TrimSpace(e[1]), `"'`))
				}
			}
		}
	}
	if reKindJSON.MatchString(text) {
		for _, d := range reDataJSON.FindAllStringSubmatch(text, -1) {
			for _, p := range reJSONPair.FindAllStringSubmatch(d[1], -1) {
				if redactable(p[1]) {
					r.learn(p[1])
				}
			}
		}
	}
}

// indented reports whether line is indented deeper than indent, or blank.
func indented(line string, indent int) bool {
	t := strings.TrimLeft(line, " \t")
	return t == "" || len(line)-len(t) > indent
}

// learn records a secret value so every other place it appears is hidden
// too. Values that are words or short numbers are not learnt: replacing
// "password" (POSTGRES_PASSWORD=password), "Always" or "1234" everywhere
// would hide evidence and prose for little gain; where they sit next to
// their key they are still hidden.
func (r *run) learn(v string) {
	v = strings.TrimSpace(v)
	if !redactable(v) || len(v) < 4 || len(v) < 16 && word(v) {
		return
	}
	if allDigits(v) && len(v) < 8 {
		return
	}
	r.learned[v] = true
}

// word reports letters only, capitalised or not: "password", "Always".
func word(v string) bool {
	for i := 0; i < len(v); i++ {
		if !isAlpha(v[i]) || i > 0 && 'A' <= v[i] && v[i] <= 'Z' {
			return false
		}
	}
	return true
}

// replaceLearned hides every learnt value where it stands as a whole
// token (not inside a longer word or number).
func (r *run) replaceLearned(s string) string {
	if len(r.learnedList) == 0 {
		return s
	}
	var spans []span
	for _, v := range r.learnedList {
		for off := 0; ; {
			k := strings.Index(s[off:], v)
			if k < 0 {
				break
			}
			a, b := off+k, off+k+len(v)
			off = a + 1
			if a > 0 && isAlnum(s[a-1]) || b < len(s) && isAlnum(s[b]) {
				continue
			}
			spans = append(spans, span{a, b, Marker})
		}
	}
	return applySpans(s, spans)
}
