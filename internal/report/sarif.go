package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
)

// SARIF 2.1.0 as published with OASIS errata 01; the same document is
// vendored in testdata/ and the tests validate against it.
const (
	sarifVersion   = "2.1.0"
	sarifSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

	// bundleURIBase is the uriBaseId of every location. The report's paths
	// are relative to a root that only the analyst's machine knows (the
	// input directory, or the directory holding the input archive), so the
	// base is named and described but given no absolute URI.
	bundleURIBase = "BUNDLE"

	// fingerprintKey names the partialFingerprints entry; the /v1 suffix is
	// SARIF's convention for changing how a fingerprint is computed.
	fingerprintKey = "ktriageFinding/v1"
)

// WriteSARIF writes the report as a SARIF 2.1.0 log for code-scanning
// dashboards (docs/report-sarif-junit.md). It holds no timestamps and no
// absolute paths, so the same report always gives the same bytes.
func WriteSARIF(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(buildSARIF(r))
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                        `json:"tool"`
	Invocations        []sarifInvocation                `json:"invocations"`
	OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds"`
	// Results is never omitted: SARIF reads a missing results array as
	// "the tool did not get as far as producing results".
	Results    []sarifResult  `json:"results"`
	Properties map[string]any `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name          string            `json:"name"`
	Version       string            `json:"version,omitempty"`
	Rules         []sarifDescriptor `json:"rules"`
	Notifications []sarifDescriptor `json:"notifications"`
}

type sarifDescriptor struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name,omitempty"`
	ShortDescription     *sarifText     `json:"shortDescription,omitempty"`
	FullDescription      *sarifText     `json:"fullDescription,omitempty"`
	Help                 *sarifText     `json:"help,omitempty"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration *sarifConfig   `json:"defaultConfiguration,omitempty"`
	Properties           map[string]any `json:"properties,omitempty"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level          string          `json:"level"`
	Message        sarifMessage    `json:"message"`
	Locations      []sarifLocation `json:"locations,omitempty"`
	Descriptor     *sarifRef       `json:"descriptor,omitempty"`
	AssociatedRule *sarifRef       `json:"associatedRule,omitempty"`
}

type sarifRef struct {
	ID    string `json:"id,omitempty"`
	Index *int   `json:"index,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifMessage      `json:"message"`
	Locations           []sarifLocation   `json:"locations,omitempty"`
	RelatedLocations    []sarifLocation   `json:"relatedLocations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	ID               int                    `json:"id,omitempty"`
	PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
	Message          *sarifMessage          `json:"message,omitempty"`
}

// sarifLogicalLocation names a Kubernetes object or a node: what a finding
// is about, where a source-code tool would name a function.
type sarifLogicalLocation struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
	Properties       map[string]any        `json:"properties,omitempty"`
}

type sarifArtifactLocation struct {
	URI         string        `json:"uri,omitempty"`
	URIBaseID   string        `json:"uriBaseId,omitempty"`
	Description *sarifMessage `json:"description,omitempty"`
}

type sarifRegion struct {
	StartLine int           `json:"startLine"`
	Snippet   *sarifSnippet `json:"snippet,omitempty"`
}

type sarifSnippet struct {
	Text string `json:"text"`
}

func buildSARIF(r *Report) sarifLog {
	rules := allRules(r)
	index := map[string]int{}
	descs := make([]sarifDescriptor, len(rules))
	for i, rule := range rules {
		index[rule.ID] = i
		descs[i] = ruleDescriptor(rule)
	}
	name := r.Tool.Name
	if name == "" {
		name = "ktriage"
	}
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name: name, Version: r.Tool.Version, Rules: descs, Notifications: notificationDescriptors(),
		}},
		// A report exists only when the analysis ran to the end (ktriage
		// exits 2 without one otherwise), so execution succeeded; what was
		// left incomplete is told by error-level notifications, which SARIF
		// consumers read as "results may be incomplete".
		Invocations: []sarifInvocation{{ExecutionSuccessful: true, ToolExecutionNotifications: notifications(r, index)}},
		OriginalURIBaseIDs: map[string]sarifArtifactLocation{bundleURIBase: {Description: &sarifMessage{
			Text: "The root of the analysed bundle: the input directory itself, or the directory holding the input archives and files. Members of archives are joined with !/ (bundle.tgz!/nodes/vm-5.tar!/ip-a.txt).",
		}}},
		Results: []sarifResult{},
	}
	if len(r.Bundle.Paths) > 0 {
		run.Properties = map[string]any{"bundlePaths": r.Bundle.Paths}
	}
	seen := map[string]int{}
	for _, f := range r.Findings {
		res := findingResult(f, index[f.Rule])
		// Two findings of one rule about the same objects (a rule that
		// reports several variants without details.reason) must still be
		// two alerts; the occurrence number keeps them apart, and the
		// report's order makes it stable.
		fp := findingFingerprint(f)
		seen[fp]++
		if n := seen[fp]; n > 1 {
			fp = fmt.Sprintf("%s:%d", fp, n)
		}
		res.PartialFingerprints = map[string]string{fingerprintKey: fp}
		run.Results = append(run.Results, res)
	}
	return sarifLog{Schema: sarifSchemaURI, Version: sarifVersion, Runs: []sarifRun{run}}
}

// allRules is every rule the report mentions, each id once: Report.Rules,
// then any rule a finding names that Rules lacks (a report written before
// Rules existed, or built by hand), described from the finding. SARIF and
// JUnit both need one entry per rule that findings can point at.
func allRules(r *Report) []Rule {
	var out []Rule
	have := map[string]bool{}
	for _, rule := range r.Rules {
		if !have[rule.ID] {
			have[rule.ID] = true
			out = append(out, rule)
		}
	}
	for _, f := range r.Findings {
		if !have[f.Rule] {
			have[f.Rule] = true
			out = append(out, Rule{
				ID: f.Rule, Category: f.Category, Severity: f.Severity, Title: f.Title,
				References: f.References, Status: "run",
			})
		}
	}
	return out
}

// sarifLevel maps a ktriage severity onto SARIF's three levels. critical
// and high are error because they are what `--fail-on` fails on by default,
// and error is what code-scanning dashboards (GitHub's check runs among
// them) fail on by default: one threshold everywhere. medium is a problem
// worth a look (warning); low and info are remarks (note). A severity
// ktriage does not know gets SARIF's own default, warning.
func sarifLevel(severity string) string {
	switch severity {
	case "critical", "high":
		return "error"
	case "medium":
		return "warning"
	case "low", "info":
		return "note"
	}
	return "warning"
}

// problemSeverity is GitHub's name for the level of a non-security alert.
func problemSeverity(level string) string {
	if level == "note" {
		return "recommendation"
	}
	return level
}

func ruleDescriptor(rule Rule) sarifDescriptor {
	level := sarifLevel(rule.Severity)
	d := sarifDescriptor{
		// Rule ids are already the names users type (--enable, rules
		// explain), so the id doubles as the name.
		ID: rule.ID, Name: rule.ID,
		DefaultConfiguration: &sarifConfig{Level: level},
		Properties: omitEmpty(map[string]any{
			"category": rule.Category, "severity": rule.Severity, "file": rule.File,
			"status": rule.Status, "problem.severity": problemSeverity(level),
		}),
	}
	// No security-severity and no "security" tag: ktriage finds outages,
	// not vulnerabilities, and GitHub files anything tagged security under
	// its security alerts.
	if rule.Category != "" {
		d.Properties["tags"] = []string{rule.Category}
	}
	if rule.Title != "" {
		d.ShortDescription = &sarifText{Text: rule.Title}
	}
	if rule.Description != "" {
		d.FullDescription = &sarifText{Text: rule.Description}
	}
	d.Help = ruleHelp(rule)
	for _, ref := range rule.References {
		// helpUri must be an absolute URI; a user's rule may cite a
		// runbook by name instead, which stays in help only.
		if u, err := url.Parse(ref); err == nil && u.IsAbs() && u.Host != "" && !strings.ContainsAny(ref, " \t\n") {
			d.HelpURI = ref
			break
		}
	}
	return d
}

func ruleHelp(rule Rule) *sarifText {
	if rule.Remediation == "" && len(rule.References) == 0 {
		return nil
	}
	var text, md strings.Builder
	if rule.Remediation != "" {
		text.WriteString(rule.Remediation)
		md.WriteString("**Fix**\n\n" + rule.Remediation)
	}
	if len(rule.References) > 0 {
		if text.Len() > 0 {
			text.WriteString("\n\n")
			md.WriteString("\n\n")
		}
		text.WriteString("References:")
		md.WriteString("**References**\n")
		for _, ref := range rule.References {
			text.WriteString("\n- " + ref)
			md.WriteString("\n- " + ref)
		}
	}
	return &sarifText{Text: text.String(), Markdown: md.String()}
}

func findingResult(f Finding, ruleIndex int) sarifResult {
	msg := f.Message
	if msg == "" {
		msg = f.Title
	}
	if msg == "" {
		msg = f.Rule
	}
	res := sarifResult{
		RuleID: f.Rule, RuleIndex: ruleIndex, Level: sarifLevel(f.Severity),
		Message: sarifMessage{Text: msg},
	}
	// The first evidence with a file is where the result is; the rest
	// (more files, and notes that name no file) are what SARIF calls
	// related locations. GitHub shows only the first location, and a
	// viewer that gets several reads them as "fix it at each of these".
	for _, e := range f.Evidence {
		loc, ok := evidenceLocation(e)
		if !ok {
			continue
		}
		if len(res.Locations) == 0 && e.File != "" {
			res.Locations = []sarifLocation{loc}
			continue
		}
		loc.ID = len(res.RelatedLocations) + 1
		res.RelatedLocations = append(res.RelatedLocations, loc)
	}
	// The objects the finding is about are its logical location. A
	// finding that cites no file (a user rule may not) still gets a
	// location that way, since viewers drop results without one.
	if logical := subjectLocations(f.Subjects); len(logical) > 0 {
		if len(res.Locations) == 0 {
			res.Locations = []sarifLocation{{}}
		}
		res.Locations[0].LogicalLocations = logical
	}
	// The finding's own advice and the objects it is about have no SARIF
	// field of their own; the property bag keeps the result as complete as
	// the JSON report.
	props := omitEmpty(map[string]any{
		"severity": f.Severity, "category": f.Category, "remediation": f.Remediation,
	})
	if len(f.Subjects) > 0 {
		props["subjects"] = f.Subjects
	}
	if len(f.Confirm) > 0 {
		props["confirm"] = f.Confirm
	}
	if len(f.Details) > 0 {
		props["details"] = f.Details
	}
	if f.Cluster > 0 {
		props["cluster"] = f.Cluster // which of several clusters (JSON clusters[])
	}
	res.Properties = props
	return res
}

// evidenceLocation places one piece of evidence. SARIF regions are lines
// and offsets; a packet capture's frame is neither, so it goes in the
// physical location's property bag, and into the message for viewers that
// show no properties.
func evidenceLocation(e Evidence) (sarifLocation, bool) {
	var loc sarifLocation
	msg := e.Note
	if e.File != "" {
		pl := &sarifPhysicalLocation{ArtifactLocation: sarifArtifactLocation{URI: bundleURI(e.File), URIBaseID: bundleURIBase}}
		if e.Line > 0 {
			pl.Region = &sarifRegion{StartLine: e.Line}
			if e.Text != "" {
				pl.Region.Snippet = &sarifSnippet{Text: e.Text}
			}
		} else {
			msg = joinNote(msg, e.Text)
		}
		if e.Frame > 0 {
			pl.Properties = map[string]any{"frame": e.Frame}
			msg = joinNote(fmt.Sprintf("frame %d", e.Frame), msg)
		}
		loc.PhysicalLocation = pl
	} else {
		msg = joinNote(msg, e.Text)
	}
	if msg != "" {
		loc.Message = &sarifMessage{Text: msg}
	}
	return loc, loc.PhysicalLocation != nil || loc.Message != nil
}

func joinNote(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + ": " + b
}

// bundleURI turns a path inside the bundle into the relative URI of a SARIF
// artifactLocation. Archive members keep their "!/" separator, the way
// jar: URLs name a member (app.jar!/META-INF/MANIFEST.MF): "!" is a legal
// path character in a URI (an RFC 3986 sub-delim), so
// bundle.tgz!/nodes/vm-5.tar!/ip-a.txt is a valid reference that reads the
// same as in the JSON and Markdown reports and splits back into archive and
// member at each "!/". SARIF's own nesting (run.artifacts with parentIndex)
// would need every enclosing archive listed as an artifact and is ignored
// by the viewers people use, which show artifactLocation.uri. Every other
// byte outside RFC 3986's unreserved set is percent-encoded, so spaces,
// '#', '?', '%', ':' and non-ASCII names survive: url.PathUnescape gives
// the report's path back.
func bundleURI(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '/', c == '!':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// findingFingerprint identifies a finding across runs: the rule, the
// variant it reports (details.reason) and the objects it is about, in any
// order. Messages, evidence lines and numbers are left out on purpose: the
// next bundle from the same cluster shifts them while the problem stays
// the same.
func findingFingerprint(f Finding) string {
	subjects := make([]string, len(f.Subjects))
	for i, s := range f.Subjects {
		subjects[i] = s.Kind + "\x1f" + s.Namespace + "\x1f" + s.Name
	}
	sort.Strings(subjects)
	reason, _ := f.Details["reason"].(string)
	h := sha256.New()
	io.WriteString(h, f.Rule+"\x00"+reason)
	for _, s := range subjects {
		io.WriteString(h, "\x00"+s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Notification kinds, described once in driver.notifications so a
// consumer can group "checks not run" and "files not understood".
var sarifNotificationKinds = []struct{ id, level, text string }{
	{"bundle-limit", "error", "A cap cut the bundle short: files or entries past it were not read."},
	{"rule-failed", "error", "A rule failed to evaluate (an error or the time limit)."},
	{"check-not-run", "warning", "A rule did not run: the bundle lacks the artifacts it needs."},
	{"check-partial-input", "note", "A rule ran, but part of its input was missing from the bundle."},
	{"input-failed", "error", "A file was recognised but could not be read."},
	{"input-partial", "warning", "A file was read only in part: damage was worked around, or it was cut at a cap."},
	{"input-unrecognized", "warning", "No parser claims the file's content; it was not used."},
	{"input-skipped", "warning", "The file was not read: a link, a device, an entry past a cap, or unreadable."},
}

func notificationDescriptors() []sarifDescriptor {
	out := make([]sarifDescriptor, len(sarifNotificationKinds))
	for i, k := range sarifNotificationKinds {
		out[i] = sarifDescriptor{ID: k.id, ShortDescription: &sarifText{Text: k.text}, DefaultConfiguration: &sarifConfig{Level: k.level}}
	}
	return out
}

// notifications reports what the run could not do. Levels follow SARIF's
// reading of them: error when something ktriage was given could not be
// processed (results may be incomplete), warning when the bundle lacks or
// holds something ktriage cannot use, note for a rule's remark about
// partial input.
func notifications(r *Report, ruleIndex map[string]int) []sarifNotification {
	kind := map[string]int{}
	for i, k := range sarifNotificationKinds {
		kind[k.id] = i
	}
	note := func(id, msg string) sarifNotification {
		i := kind[id]
		return sarifNotification{
			Level: sarifNotificationKinds[i].level, Message: sarifMessage{Text: msg},
			Descriptor: &sarifRef{ID: id, Index: intPtr(i)},
		}
	}
	var out []sarifNotification
	for _, l := range r.Limits {
		out = append(out, note("bundle-limit", l))
	}
	status := map[string]string{}
	for _, rule := range r.Rules {
		if _, ok := status[rule.ID]; !ok {
			status[rule.ID] = rule.Status
		}
	}
	for _, s := range r.Skipped {
		id := "check-partial-input"
		switch {
		case strings.HasPrefix(s.Reason, "rule failed"):
			id = "rule-failed"
		case status[s.Rule] == "skipped":
			id = "check-not-run"
		}
		n := note(id, s.Rule+": "+s.Reason)
		n.AssociatedRule = &sarifRef{ID: s.Rule}
		if i, ok := ruleIndex[s.Rule]; ok {
			n.AssociatedRule.Index = intPtr(i)
		}
		out = append(out, n)
	}
	for _, in := range r.Inputs {
		var id string
		switch in.Status {
		case StatusFailed:
			id = "input-failed"
		case StatusPartial:
			id = "input-partial"
		case StatusUnrecognized:
			id = "input-unrecognized"
		case StatusSkipped:
			id = "input-skipped"
		default:
			continue
		}
		why := in.Error
		if why == "" {
			why = strings.Join(in.Warnings, "; ")
		}
		if why == "" {
			why = in.Detail
		}
		n := note(id, joinNote(in.File+" ("+in.Status+")", why))
		n.Locations = []sarifLocation{{PhysicalLocation: &sarifPhysicalLocation{
			ArtifactLocation: sarifArtifactLocation{URI: bundleURI(in.File), URIBaseID: bundleURIBase},
		}}}
		out = append(out, n)
	}
	return out
}

func intPtr(i int) *int { return &i }

// subjectLocations turns a finding's subjects into logical locations:
// "Service shop/invoice" has name invoice, fully qualified name
// shop/Service/invoice, kind "object" (SARIF's kinds are for code; "object"
// is the closest); a node is kind "node", not in SARIF's list but allowed.
func subjectLocations(subjects []Subject) []sarifLogicalLocation {
	var out []sarifLogicalLocation
	for _, s := range subjects {
		if s.Name == "" {
			continue
		}
		fq := s.Kind + "/" + s.Name
		if s.Namespace != "" {
			fq = s.Namespace + "/" + fq
		}
		kind := "object"
		if s.Kind == "Node" {
			kind = "node"
		}
		out = append(out, sarifLogicalLocation{Name: s.Name, FullyQualifiedName: fq, Kind: kind})
	}
	return out
}

// omitEmpty drops empty strings from a property bag, so absent metadata
// is absent rather than "".
func omitEmpty(m map[string]any) map[string]any {
	for k, v := range m {
		if s, ok := v.(string); ok && s == "" {
			delete(m, k)
		}
	}
	return m
}
