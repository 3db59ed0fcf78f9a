package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ktriage/ktriage/internal/analyze"
	"github.com/ktriage/ktriage/internal/engine"
	"github.com/ktriage/ktriage/internal/report"
	"github.com/ktriage/ktriage/internal/verify"
	"github.com/ktriage/ktriage/rules"
)

// The tests validate against the OASIS schema vendored in testdata (see
// testdata/PROVENANCE.md), then check what the schema cannot: that the log
// says what the report says.

const schemaFile = "testdata/sarif-schema-2.1.0.json"

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		f, err := os.Open(schemaFile)
		if err != nil {
			schemaErr = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			schemaErr = err
			return
		}
		// Registered under its own id, so nothing is fetched; formats
		// (uri, uri-reference) are asserted, which is where a badly
		// encoded archive path would show.
		id, _ := doc.(map[string]any)["id"].(string)
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if schemaErr = c.AddResource(id, doc); schemaErr != nil {
			return
		}
		schema, schemaErr = c.Compile(id)
	})
	if schemaErr != nil {
		t.Fatalf("load %s: %v", schemaFile, schemaErr)
	}
	return schema
}

func validateSARIF(t *testing.T, out []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("SARIF output is not JSON: %v", err)
	}
	return sarifSchema(t).Validate(inst)
}

// fixtureReports analyses every fixture under testdata/dumps in process,
// once for all tests of the package.
var (
	fixturesOnce sync.Once
	fixtureNames []string
	fixtureByDir map[string]*report.Report
	fixturesErr  error
)

func fixtureReports(t *testing.T) ([]string, map[string]*report.Report) {
	t.Helper()
	fixturesOnce.Do(func() { fixtureNames, fixtureByDir, fixturesErr = analyseFixtures() })
	if fixturesErr != nil {
		t.Fatal(fixturesErr)
	}
	return fixtureNames, fixtureByDir
}

func analyseFixtures() ([]string, map[string]*report.Report, error) {
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.Options{Builtin: rules.FS})
	if err != nil {
		return nil, nil, err
	}
	dirs, err := verify.Find(filepath.Join("..", "..", "testdata", "dumps"))
	if err != nil || len(dirs) == 0 {
		return nil, nil, fmt.Errorf("no fixtures (%v)", err)
	}
	var names []string
	out := map[string]*report.Report{}
	for _, dir := range dirs {
		fx, err := verify.Load(dir)
		if err != nil {
			return nil, nil, err
		}
		if len(fx.Expect.Args) > 0 || fx.MissingShared() != "" || fx.Expect.Refused() {
			// flags such as --enable change the rule set (the CLI tests
			// cover them); shared/ may be absent beside the checkout; a
			// refused input has no report
			continue
		}
		var inputs []string
		for _, in := range fx.Expect.Inputs {
			inputs = append(inputs, filepath.Join(dir, in))
		}
		p, err := analyze.Parse(ctx, analyze.Options{Inputs: inputs})
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", dir, err)
		}
		r, err := analyze.Evaluate(ctx, p, eng, analyze.Options{Version: "test"})
		p.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", dir, err)
		}
		name := filepath.Base(dir)
		names = append(names, name)
		out[name] = r
	}
	return names, out, nil
}

// The subset of SARIF the checks read. encoding/json matches names
// without regard to case, so ruleId fills RuleID.
type sarifDoc struct {
	Version string
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string
				Rules []struct {
					ID                   string
					Name                 string
					ShortDescription     *struct{ Text string }
					HelpURI              string
					Help                 *struct{ Text, Markdown string }
					DefaultConfiguration struct{ Level string }
					Properties           map[string]any
				}
				Notifications []struct{ ID string }
			}
		}
		Invocations []struct {
			ExecutionSuccessful        *bool
			ToolExecutionNotifications []struct {
				Level          string
				Message        struct{ Text string }
				Locations      []sarifLoc
				Descriptor     *sarifRef
				AssociatedRule *sarifRef
			}
		}
		OriginalURIBaseIDs map[string]json.RawMessage
		Results            *[]sarifRes
	}
}

type sarifRes struct {
	RuleID              string
	RuleIndex           int
	Level               string
	Message             struct{ Text string }
	Locations           []sarifLoc
	RelatedLocations    []sarifLoc
	PartialFingerprints map[string]string
	Properties          map[string]any
}

type sarifRef struct {
	ID    string
	Index *int
}

type sarifLoc struct {
	ID               int
	PhysicalLocation *struct {
		ArtifactLocation struct{ URI, URIBaseID string }
		Region           *struct {
			StartLine int
			Snippet   *struct{ Text string }
		}
		Properties map[string]any
	}
	LogicalLocations []struct{ Name, FullyQualifiedName, Kind string }
	Message          *struct{ Text string }
}

func writeSARIF(t *testing.T, r *report.Report) ([]byte, sarifDoc) {
	t.Helper()
	var buf bytes.Buffer
	if err := report.WriteSARIF(&buf, r); err != nil {
		t.Fatal(err)
	}
	if err := validateSARIF(t, buf.Bytes()); err != nil {
		t.Fatalf("output does not validate against the SARIF 2.1.0 schema: %v\n%s", err, buf.Bytes())
	}
	var doc sarifDoc
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 {
		t.Fatalf("version %q, %d runs", doc.Version, len(doc.Runs))
	}
	return buf.Bytes(), doc
}

// wantLevel is the severity mapping docs/report-sarif-junit.md promises.
var wantLevel = map[string]string{
	"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note",
}

// checkSARIF holds the log to the report it came from.
func checkSARIF(t *testing.T, r *report.Report, doc sarifDoc) {
	t.Helper()
	run := doc.Runs[0]
	driver := run.Tool.Driver

	// One rule entry per id: every rule considered, then rules only
	// findings name.
	var wantIDs []string
	seen := map[string]bool{}
	sev := map[string]string{}
	for _, rule := range r.Rules {
		if !seen[rule.ID] {
			seen[rule.ID] = true
			wantIDs = append(wantIDs, rule.ID)
			sev[rule.ID] = rule.Severity
		}
	}
	for _, f := range r.Findings {
		if !seen[f.Rule] {
			seen[f.Rule] = true
			wantIDs = append(wantIDs, f.Rule)
			sev[f.Rule] = f.Severity
		}
	}
	if len(driver.Rules) != len(wantIDs) {
		t.Fatalf("driver.rules has %d entries, want %d (%v)", len(driver.Rules), len(wantIDs), wantIDs)
	}
	for i, rule := range driver.Rules {
		if rule.ID != wantIDs[i] {
			t.Errorf("rules[%d].id = %q, want %q", i, rule.ID, wantIDs[i])
		}
		if got, want := rule.DefaultConfiguration.Level, wantLevel[sev[rule.ID]]; got != want {
			t.Errorf("rule %s (%s): default level %q, want %q", rule.ID, sev[rule.ID], got, want)
		}
	}

	if run.Results == nil {
		t.Fatal("results is missing: SARIF reads that as 'not analysed', not 'nothing found'")
	}
	results := *run.Results
	if len(results) != len(r.Findings) {
		t.Fatalf("%d results for %d findings", len(results), len(r.Findings))
	}
	fps := map[string]bool{}
	for i, res := range results {
		f := r.Findings[i]
		if res.RuleID != f.Rule || res.RuleIndex < 0 || res.RuleIndex >= len(driver.Rules) || driver.Rules[res.RuleIndex].ID != f.Rule {
			t.Errorf("result %d: ruleId %q, ruleIndex %d does not point at rule %q", i, res.RuleID, res.RuleIndex, f.Rule)
		}
		if res.Level != wantLevel[f.Severity] {
			t.Errorf("result %d (%s): level %q, want %q", i, f.Severity, res.Level, wantLevel[f.Severity])
		}
		if res.Message.Text != f.Message {
			t.Errorf("result %d: message %q, want %q", i, res.Message.Text, f.Message)
		}
		fp := res.PartialFingerprints["ktriageFinding/v1"]
		if fp == "" || fps[fp] {
			t.Errorf("result %d: fingerprint %q missing or repeated", i, fp)
		}
		fps[fp] = true
		checkSubjects(t, fmt.Sprintf("result %d", i), f.Subjects, &res)
		checkEvidence(t, fmt.Sprintf("result %d", i), f.Evidence, res)
	}

	if len(run.Invocations) != 1 || run.Invocations[0].ExecutionSuccessful == nil || !*run.Invocations[0].ExecutionSuccessful {
		t.Fatalf("want one invocation that succeeded: %+v", run.Invocations)
	}
	notes := run.Invocations[0].ToolExecutionNotifications
	want := len(r.Limits) + len(r.Skipped)
	for _, in := range r.Inputs {
		if in.Status != report.StatusParsed {
			want++
		}
	}
	if len(notes) != want {
		t.Errorf("%d notifications, want %d (limits, checks not run, files not understood)", len(notes), want)
	}
	for _, n := range notes {
		if n.Descriptor == nil || n.Descriptor.Index == nil || driver.Notifications[*n.Descriptor.Index].ID != n.Descriptor.ID {
			t.Errorf("notification %q: descriptor does not point at driver.notifications", n.Message.Text)
		}
		if a := n.AssociatedRule; a != nil && a.Index != nil && driver.Rules[*a.Index].ID != a.ID {
			t.Errorf("notification %q: associatedRule index %d is rule %q", n.Message.Text, *a.Index, driver.Rules[*a.Index].ID)
		}
		for _, l := range n.Locations {
			checkURI(t, l)
		}
	}
}

// checkSubjects: the first location names the finding's subjects as
// logical locations; a finding that cites no file has that location alone
// (viewers drop results without one). It is taken off res so
// checkEvidence sees only what the evidence made.
func checkSubjects(t *testing.T, what string, subjects []report.Subject, res *sarifRes) {
	t.Helper()
	if len(subjects) == 0 {
		for _, l := range res.Locations {
			if len(l.LogicalLocations) > 0 {
				t.Errorf("%s: logical locations without subjects", what)
			}
		}
		return
	}
	if len(res.Locations) == 0 {
		t.Fatalf("%s: no location although the finding has subjects", what)
	}
	got := res.Locations[0].LogicalLocations
	if len(got) != len(subjects) {
		t.Fatalf("%s: %d logical locations for %d subjects", what, len(got), len(subjects))
	}
	for i, s := range subjects {
		want := s.Kind + "/" + s.Name
		if s.Namespace != "" {
			want = s.Namespace + "/" + want
		}
		if got[i].Name != s.Name || got[i].FullyQualifiedName != want {
			t.Errorf("%s: logical location %+v, want %s", what, got[i], want)
		}
	}
	if res.Locations[0].PhysicalLocation == nil && res.Locations[0].Message == nil {
		res.Locations = res.Locations[1:] // the subjects' own location
	} else {
		res.Locations[0].LogicalLocations = nil
	}
}

// checkEvidence: the first evidence with a file is the location, every
// other piece a related location, each at its file, line and frame.
func checkEvidence(t *testing.T, what string, ev []report.Evidence, res sarifRes) {
	t.Helper()
	var want []report.Evidence
	primary := -1
	for _, e := range ev {
		if e.File == "" && e.Note == "" && e.Text == "" {
			continue
		}
		if primary < 0 && e.File != "" {
			primary = len(want)
		}
		want = append(want, e)
	}
	if got := len(res.Locations) + len(res.RelatedLocations); got != len(want) {
		t.Fatalf("%s: %d locations for %d pieces of evidence", what, got, len(want))
	}
	if primary < 0 {
		if len(res.Locations) != 0 {
			t.Errorf("%s: a location although no evidence names a file", what)
		}
	} else if len(res.Locations) != 1 {
		t.Fatalf("%s: %d locations, want the first evidence with a file", what, len(res.Locations))
	}
	related := 0
	for i, e := range want {
		var loc sarifLoc
		if i == primary {
			loc = res.Locations[0]
		} else {
			loc = res.RelatedLocations[related]
			related++
			if loc.ID != related {
				t.Errorf("%s: related location %d has id %d", what, related, loc.ID)
			}
		}
		pl := loc.PhysicalLocation
		if e.File == "" {
			if pl != nil || loc.Message == nil || !strings.Contains(loc.Message.Text, e.Note) {
				t.Errorf("%s: note %q should be a message-only location: %+v", what, e.Note, loc)
			}
			continue
		}
		if pl == nil {
			t.Fatalf("%s: evidence %s has no physical location", what, e.File)
		}
		checkURI(t, loc)
		if got, _ := url.PathUnescape(pl.ArtifactLocation.URI); got != e.File {
			t.Errorf("%s: uri %q decodes to %q, want %q", what, pl.ArtifactLocation.URI, got, e.File)
		}
		switch {
		case e.Line > 0:
			if pl.Region == nil || pl.Region.StartLine != e.Line {
				t.Errorf("%s: %s:%d has region %+v", what, e.File, e.Line, pl.Region)
			} else if e.Text != "" && (pl.Region.Snippet == nil || pl.Region.Snippet.Text != e.Text) {
				t.Errorf("%s: %s:%d snippet %+v, want %q", what, e.File, e.Line, pl.Region.Snippet, e.Text)
			}
		case pl.Region != nil:
			t.Errorf("%s: %s has a region but no line", what, e.File)
		}
		if e.Frame > 0 {
			if got, _ := pl.Properties["frame"].(float64); int(got) != e.Frame {
				t.Errorf("%s: %s frame %d has properties %v", what, e.File, e.Frame, pl.Properties)
			}
			if loc.Message == nil || !strings.Contains(loc.Message.Text, fmt.Sprintf("frame %d", e.Frame)) {
				t.Errorf("%s: %s frame %d: message does not say the frame", what, e.File, e.Frame)
			}
		}
		if e.Note != "" && (loc.Message == nil || !strings.Contains(loc.Message.Text, e.Note)) {
			t.Errorf("%s: %s: message does not carry the note %q", what, e.File, e.Note)
		}
	}
}

func checkURI(t *testing.T, loc sarifLoc) {
	t.Helper()
	if loc.PhysicalLocation == nil {
		return
	}
	al := loc.PhysicalLocation.ArtifactLocation
	u, err := url.Parse(al.URI)
	if err != nil || u.IsAbs() || u.Host != "" || strings.ContainsAny(al.URI, " #?\\") {
		t.Errorf("uri %q is not a relative reference inside the bundle (%v)", al.URI, err)
	}
	if al.URIBaseID != "BUNDLE" {
		t.Errorf("uri %q has uriBaseId %q", al.URI, al.URIBaseID)
	}
}

func TestSARIFFixtures(t *testing.T) {
	names, reports := fixtureReports(t)
	withFindings := 0
	for _, name := range names {
		r := reports[name]
		if len(r.Findings) > 0 {
			withFindings++
		}
		t.Run(name, func(t *testing.T) {
			out, doc := writeSARIF(t, r)
			checkSARIF(t, r, doc)

			again, _ := writeSARIF(t, r)
			if !bytes.Equal(out, again) {
				t.Error("the same report gave different SARIF")
			}
			// A report kept as JSON converts to the same SARIF later.
			var js bytes.Buffer
			if err := report.WriteJSON(&js, r); err != nil {
				t.Fatal(err)
			}
			var back report.Report
			if err := json.Unmarshal(js.Bytes(), &back); err != nil {
				t.Fatal(err)
			}
			if fromJSON, _ := writeSARIF(t, &back); !bytes.Equal(out, fromJSON) {
				t.Error("the report read back from --format json gives different SARIF")
			}
		})
	}
	if withFindings < 5 {
		t.Errorf("only %d fixtures with findings: the checks above prove little", withFindings)
	}
}

func rule(id, severity, status string) report.Rule {
	return report.Rule{
		ID: id, Category: "cat-" + id, Severity: severity, Title: "Title of " + id,
		Description: "What " + id + " checks.", Remediation: "Fix " + id + ".",
		References: []string{"https://example.org/" + id}, File: "rules/x/" + id + "/" + id + ".rego", Status: status,
	}
}

func finding(ruleID, severity, msg string, ev ...report.Evidence) report.Finding {
	return report.Finding{
		Rule: ruleID, Category: "cat-" + ruleID, Severity: severity, Title: "Title of " + ruleID, Message: msg,
		Subjects: []report.Subject{{Kind: "Node", Name: "vm-5"}}, Evidence: ev,
		Confirm: []string{"kubectl get node vm-5"}, Remediation: "Fix it.",
	}
}

func TestSARIFCases(t *testing.T) {
	tests := []struct {
		name  string
		r     report.Report
		check func(t *testing.T, out []byte, doc sarifDoc)
	}{
		{
			name: "no findings",
			r:    report.Report{Rules: []report.Rule{rule("a", "high", "run"), rule("b", "low", "run")}, RulesRun: 2},
			check: func(t *testing.T, out []byte, doc sarifDoc) {
				if !bytes.Contains(out, []byte(`"results": []`)) {
					t.Error(`want "results": [] (analysed, nothing found)`)
				}
				if n := doc.Runs[0].Invocations[0].ToolExecutionNotifications; len(n) != 0 {
					t.Errorf("notifications for a clean run: %+v", n)
				}
				if got := doc.Runs[0].Tool.Driver.Rules[1].DefaultConfiguration.Level; got != "note" {
					t.Errorf("low rule: level %q", got)
				}
			},
		},
		{
			name: "line, frame, file-only and note-only evidence",
			r: report.Report{
				Rules: []report.Rule{rule("listen", "high", "run")},
				Findings: []report.Finding{finding("listen", "high", "queue overflows",
					report.Evidence{File: "nodes/vm-7/nstat.txt", Line: 188, Text: "TcpExtListenOverflows 80", Note: "80 overflows"},
					report.Evidence{File: "nodes/vm-6/capture.pcap", Frame: 388, Note: "SYN, no SYN-ACK"},
					report.Evidence{Note: "the application accepts slowly"},
					report.Evidence{File: "nodes/vm-7/ss.txt"},
				)},
			},
			check: func(t *testing.T, out []byte, doc sarifDoc) {
				res := (*doc.Runs[0].Results)[0]
				pl := res.Locations[0].PhysicalLocation
				if pl.ArtifactLocation.URI != "nodes/vm-7/nstat.txt" || pl.Region.StartLine != 188 || pl.Region.Snippet.Text != "TcpExtListenOverflows 80" {
					t.Errorf("primary location %+v", pl)
				}
				frame := res.RelatedLocations[0]
				if frame.PhysicalLocation.Region != nil || frame.Message.Text != "frame 388: SYN, no SYN-ACK" {
					t.Errorf("frame location %+v %+v", frame.PhysicalLocation, frame.Message)
				}
				if note := res.RelatedLocations[1]; note.PhysicalLocation != nil || note.Message.Text != "the application accepts slowly" {
					t.Errorf("note location %+v", note)
				}
				if bare := res.RelatedLocations[2]; bare.Message != nil || bare.PhysicalLocation.Region != nil {
					t.Errorf("file-only location %+v", bare)
				}
			},
		},
		{
			name: "a note before the first file",
			r: report.Report{Findings: []report.Finding{finding("r", "medium", "m",
				report.Evidence{Note: "context first"},
				report.Evidence{File: "a.txt", Line: 3},
			)}},
			check: func(t *testing.T, out []byte, doc sarifDoc) {
				res := (*doc.Runs[0].Results)[0]
				if res.Locations[0].PhysicalLocation.ArtifactLocation.URI != "a.txt" || res.RelatedLocations[0].Message.Text != "context first" {
					t.Errorf("locations %+v related %+v", res.Locations, res.RelatedLocations)
				}
			},
		},
		{
			name: "no evidence with a file",
			r: report.Report{Findings: []report.Finding{finding("r", "info", "only words",
				report.Evidence{Note: "seen in the events"})}},
			check: func(t *testing.T, out []byte, doc sarifDoc) {
				// The subjects alone make the location.
				res := (*doc.Runs[0].Results)[0]
				if len(res.Locations) != 1 || res.Locations[0].PhysicalLocation != nil || len(res.Locations[0].LogicalLocations) != 1 || len(res.RelatedLocations) != 1 {
					t.Errorf("locations %+v related %+v", res.Locations, res.RelatedLocations)
				}
			},
		},
		{
			name: "members of nested archives and awkward names",
			r: report.Report{Findings: []report.Finding{finding("mtu", "high", "m",
				report.Evidence{File: "bundle.tar.gz!/support/vm-1.tar.gz!/vm-1/ip-d-addr.txt", Line: 14},
				report.Evidence{File: "support bundle.tgz!/nodes/ip a#1?.txt", Line: 1},
				report.Evidence{File: "nœud/ß:50%.txt", Line: 2},
			)}},
			check: func(t *testing.T, out []byte, doc sarifDoc) {
				res := (*doc.Runs[0].Results)[0]
				want := []string{
					"bundle.tar.gz!/support/vm-1.tar.gz!/vm-1/ip-d-addr.txt",
					"support%20bundle.tgz!/nodes/ip%20a%231%3F.txt",
					"n%C5%93ud/%C3%9F%3A50%25.txt",
				}
				got := []string{res.Locations[0].PhysicalLocation.ArtifactLocation.URI}
				for _, l := range res.RelatedLocations {
					got = append(got, l.PhysicalLocation.ArtifactLocation.URI)
				}
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("uris\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			},
		},
		{
			name: "skipped, failed and partially fed rules",
			r: report.Report{
				Rules: []report.Rule{rule("a", "high", "run"), rule("b", "critical", "skipped"), rule("c", "medium", "skipped")},
				Skipped: []report.Skipped{
					{Rule: "a", Reason: "pods of namespace x are not in the bundle"},
					{Rule: "b", Reason: "the bundle has no node.sysctl"},
					{Rule: "c", Reason: "rule failed: eval_conflict_error"},
				},
				RulesRun: 1,
			},
			check: func(t *testing.T, out []byte, doc sarifDoc) {
				notes := doc.Runs[0].Invocations[0].ToolExecutionNotifications
				want := []struct{ level, desc, rule string }{
					{"note", "check-partial-input", "a"},
					{"warning", "check-not-run", "b"},
					{"error", "rule-failed", "c"},
				}
				for i, w := range want {
					n := notes[i]
					if n.Level != w.level || n.Descriptor.ID != w.desc || n.AssociatedRule.ID != w.rule || *n.AssociatedRule.Index != i {
						t.Errorf("notification %d: %s %s %+v, want %+v", i, n.Level, n.Descriptor.ID, n.AssociatedRule, w)
					}
				}
				if got := doc.Runs[0].Tool.Driver.Rules[1].Properties["status"]; got != "skipped" {
					t.Errorf("skipped rule has status %v", got)
				}
			},
		},
		{
			name: "files not understood and caps",
			r: report.Report{
				Inputs: []report.Input{
					{File: "ok.json", Status: report.StatusParsed},
					{File: "broken.yaml", Status: report.StatusFailed, Error: "line 4: invalid YAML"},
					{File: "b.tgz!/more-pods.json", Status: report.StatusPartial, Warnings: []string{"line 1: cut off"}},
					{File: "core.bin", Status: report.StatusUnrecognized, Error: "binary content"},
					{File: "link", Status: report.StatusSkipped, Error: "symbolic link, not followed"},
				},
				Limits: []string{"entry cap reached: only the first 10 files were read"},
			},
			check: func(t *testing.T, out []byte, doc sarifDoc) {
				notes := doc.Runs[0].Invocations[0].ToolExecutionNotifications
				want := []struct{ level, desc, uri string }{
					{"error", "bundle-limit", ""},
					{"error", "input-failed", "broken.yaml"},
					{"warning", "input-partial", "b.tgz!/more-pods.json"},
					{"warning", "input-unrecognized", "core.bin"},
					{"warning", "input-skipped", "link"},
				}
				if len(notes) != len(want) {
					t.Fatalf("%d notifications", len(notes))
				}
				for i, w := range want {
					n := notes[i]
					uri := ""
					if len(n.Locations) > 0 {
						uri = n.Locations[0].PhysicalLocation.ArtifactLocation.URI
					}
					if n.Level != w.level || n.Descriptor.ID != w.desc || uri != w.uri {
						t.Errorf("notification %d: %s %s %q, want %+v", i, n.Level, n.Descriptor.ID, uri, w)
					}
				}
				if !strings.Contains(notes[1].Message.Text, "line 4: invalid YAML") {
					t.Errorf("failed input: %q", notes[1].Message.Text)
				}
			},
		},
		{
			name: "a finding whose rule the report does not list",
			r: report.Report{
				Rules:    []report.Rule{rule("a", "high", "run")},
				Findings: []report.Finding{finding("custom", "low", "from a user's rule", report.Evidence{File: "x", Line: 1})},
			},
			check: func(t *testing.T, out []byte, doc sarifDoc) {
				res := (*doc.Runs[0].Results)[0]
				if res.RuleIndex != 1 || doc.Runs[0].Tool.Driver.Rules[1].ID != "custom" {
					t.Errorf("ruleIndex %d, rules %+v", res.RuleIndex, doc.Runs[0].Tool.Driver.Rules)
				}
			},
		},
		{
			name: "every severity, and a finding more severe than its rule",
			r: report.Report{
				Rules: []report.Rule{rule("r", "high", "run")},
				Findings: []report.Finding{
					finding("r", "critical", "1"), finding("r", "high", "2"), finding("r", "medium", "3"),
					finding("r", "low", "4"), finding("r", "info", "5"),
				},
			},
			check: func(t *testing.T, out []byte, doc sarifDoc) {
				var got []string
				for _, res := range *doc.Runs[0].Results {
					got = append(got, res.Level)
				}
				if strings.Join(got, " ") != "error error warning note note" {
					t.Errorf("levels %v", got)
				}
			},
		},
		{
			name: "help and helpUri",
			r: report.Report{Rules: []report.Rule{{
				ID: "r", Severity: "medium", Title: "T", Remediation: "Do this.",
				References: []string{"the runbook, page 3", "https://example.org/r"}, Status: "run",
			}}},
			check: func(t *testing.T, out []byte, doc sarifDoc) {
				r := doc.Runs[0].Tool.Driver.Rules[0]
				if r.HelpURI != "https://example.org/r" {
					t.Errorf("helpUri %q: want the first reference that is a URL", r.HelpURI)
				}
				if !strings.Contains(r.Help.Text, "Do this.") || !strings.Contains(r.Help.Markdown, "- the runbook, page 3") {
					t.Errorf("help %+v", r.Help)
				}
				if r.ShortDescription.Text != "T" || r.Properties["problem.severity"] != "warning" {
					t.Errorf("rule %+v", r)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, doc := writeSARIF(t, &tc.r)
			checkSARIF(t, &tc.r, doc)
			tc.check(t, out, doc)
		})
	}
}

func TestSARIFFingerprints(t *testing.T) {
	fp := func(fs ...report.Finding) []string {
		_, doc := writeSARIF(t, &report.Report{Findings: fs})
		var out []string
		for _, res := range *doc.Runs[0].Results {
			out = append(out, res.PartialFingerprints["ktriageFinding/v1"])
		}
		return out
	}
	base := report.Finding{
		Rule: "quota", Severity: "high", Message: "1Gi > 1G",
		Subjects: []report.Subject{{Kind: "ResourceQuota", Namespace: "a", Name: "q"}, {Kind: "LimitRange", Namespace: "a", Name: "l"}},
		Evidence: []report.Evidence{{File: "quota.yaml", Line: 3}},
		Details:  map[string]any{"reason": "default-exceeds-quota"},
	}
	next := base // the next bundle: other numbers, other lines, subjects in another order
	next.Message = "2Gi > 1G"
	next.Evidence = []report.Evidence{{File: "bundle.tgz!/quota.yaml", Line: 9}}
	next.Subjects = []report.Subject{base.Subjects[1], base.Subjects[0]}
	if a, b := fp(base), fp(next); a[0] != b[0] {
		t.Error("the same problem in the next bundle got another fingerprint")
	}

	variant := base
	variant.Details = map[string]any{"reason": "quota-without-default"}
	other := base
	other.Subjects = []report.Subject{{Kind: "ResourceQuota", Namespace: "b", Name: "q"}}
	got := fp(base, variant, other, base)
	seen := map[string]bool{}
	for _, g := range got {
		if seen[g] {
			t.Errorf("fingerprints repeat: %v", got)
		}
		seen[g] = true
	}
}

// The validator must be able to say no, or every test above proves nothing.
func TestSARIFSchemaRejectsInvalidLogs(t *testing.T) {
	r := report.Report{
		Rules:    []report.Rule{rule("r", "high", "run")},
		Findings: []report.Finding{finding("r", "high", "m", report.Evidence{File: "a.txt", Line: 2})},
	}
	good, _ := writeSARIF(t, &r)
	breakers := map[string]func(doc map[string]any){
		"unknown level":    func(doc map[string]any) { result(doc)["level"] = "fatal" },
		"line 0":           func(doc map[string]any) { region(doc)["startLine"] = 0 },
		"backslash in uri": func(doc map[string]any) { artifact(doc)["uri"] = `nodes\vm-5\a.txt` },
		"no version":       func(doc map[string]any) { delete(doc, "version") },
		"no message":       func(doc map[string]any) { delete(result(doc), "message") },
		"relative helpUri": func(doc map[string]any) {
			run(doc)["tool"].(map[string]any)["driver"].(map[string]any)["rules"].([]any)[0].(map[string]any)["helpUri"] = "docs/r.md"
		},
	}
	for name, breakIt := range breakers {
		t.Run(name, func(t *testing.T) {
			var doc map[string]any
			json.Unmarshal(good, &doc)
			breakIt(doc)
			bad, _ := json.Marshal(doc)
			if err := validateSARIF(t, bad); err == nil {
				t.Error("the schema accepted it")
			}
		})
	}
}

func run(doc map[string]any) map[string]any { return doc["runs"].([]any)[0].(map[string]any) }
func result(doc map[string]any) map[string]any {
	return run(doc)["results"].([]any)[0].(map[string]any)
}
func physical(doc map[string]any) map[string]any {
	return result(doc)["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
}
func region(doc map[string]any) map[string]any { return physical(doc)["region"].(map[string]any) }
func artifact(doc map[string]any) map[string]any {
	return physical(doc)["artifactLocation"].(map[string]any)
}
