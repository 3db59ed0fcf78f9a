package report

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
)

// WriteJUnit writes the report as JUnit XML, the dialect Jenkins, GitLab
// and GitHub test reporters read (docs/report-sarif-junit.md). Every rule
// is a test case in a suite named after its category: it fails when it has
// findings, is skipped when the bundle lacks its input, and is an error
// when it crashed. Files that were not understood form one more suite,
// "inputs", rather than a <system-err> block: test reporters list failed
// and skipped cases where people look, and hide system output behind a
// click if they show it at all. Durations are not recorded (time="0"),
// so the same report always gives the same bytes.
func WriteJUnit(out io.Writer, r *Report) error {
	suites := junitRuleSuites(r)
	if in := junitInputSuite(r); len(in.cases) > 0 {
		suites = append(suites, in)
	}
	var total junitCounts
	for _, s := range suites {
		total.add(s.counts())
	}
	w := bufio.NewWriter(out)
	w.WriteString(xml.Header)
	fmt.Fprintf(w, "<testsuites name=\"ktriage\" %s>\n", total.attrs())
	for _, s := range suites {
		fmt.Fprintf(w, "  <testsuite name=\"%s\" %s>\n", xmlAttr(s.name), s.counts().attrs())
		for _, c := range s.cases {
			c.write(w)
		}
		w.WriteString("  </testsuite>\n")
	}
	w.WriteString("</testsuites>\n")
	return w.Flush()
}

// junitClassPrefix makes Jenkins, which splits classname at its last dot,
// show "ktriage" as the package and the category as the class.
const junitClassPrefix = "ktriage."

type junitSuite struct {
	name  string
	cases []junitCase
}

// junitCase has at most one outcome element: readers take the first
// <failure> of a test case and drop the rest (Jenkins), or choke on a list
// (GitLab), so all findings of a rule go into one <failure>.
type junitCase struct {
	classname, name string
	outcome         string // "", "failure", "error" or "skipped"
	message, typ    string
	body            string
	systemOut       string
}

type junitCounts struct{ tests, failures, errors, skipped int }

func (c *junitCounts) add(o junitCounts) {
	c.tests += o.tests
	c.failures += o.failures
	c.errors += o.errors
	c.skipped += o.skipped
}

func (c junitCounts) attrs() string {
	return fmt.Sprintf(`tests="%d" failures="%d" errors="%d" skipped="%d" time="0"`, c.tests, c.failures, c.errors, c.skipped)
}

func (s junitSuite) counts() junitCounts {
	n := junitCounts{tests: len(s.cases)}
	for _, c := range s.cases {
		switch c.outcome {
		case "failure":
			n.failures++
		case "error":
			n.errors++
		case "skipped":
			n.skipped++
		}
	}
	return n
}

func junitRuleSuites(r *Report) []junitSuite {
	findings := map[string][]Finding{}
	for _, f := range r.Findings {
		findings[f.Rule] = append(findings[f.Rule], f)
	}
	reasons := map[string][]string{}
	for _, s := range r.Skipped {
		reasons[s.Rule] = append(reasons[s.Rule], s.Reason)
	}
	byCategory := map[string][]junitCase{}
	for _, rule := range allRules(r) {
		cat := rule.Category
		if cat == "" {
			cat = "uncategorized"
		}
		c := junitCase{classname: junitClassPrefix + cat, name: rule.ID}
		why := reasons[rule.ID]
		switch fs := findings[rule.ID]; {
		case len(fs) > 0:
			c.outcome, c.typ, c.body = "failure", worstSeverity(fs), findingsText(fs)
			c.message = fs[0].Message
			if len(fs) > 1 {
				c.message = fmt.Sprintf("%d findings; the first: %s", len(fs), fs[0].Message)
			}
		case rule.Status == "skipped":
			c.outcome, c.message = "skipped", strings.Join(why, "; ")
			if c.message == "" {
				c.message = "not run"
			}
			// A rule that crashed or ran out of time is the tool's
			// problem, not the bundle's: an error, not a skip.
			for _, s := range why {
				if strings.HasPrefix(s, "rule failed") {
					c.outcome, c.typ = "error", "rule-failed"
				}
			}
			why = nil
		}
		if len(why) > 0 {
			c.systemOut = bulleted("Checked on partial input:", why)
		}
		byCategory[cat] = append(byCategory[cat], c)
	}
	cats := make([]string, 0, len(byCategory))
	for cat := range byCategory {
		cats = append(cats, cat)
	}
	sort.Strings(cats)
	suites := make([]junitSuite, len(cats))
	for i, cat := range cats {
		suites[i] = junitSuite{name: cat, cases: byCategory[cat]}
	}
	return suites
}

// junitInputSuite lists the files that were not read completely, and the
// caps that cut the bundle short. A file that was read is not a test case:
// a bundle holds thousands.
func junitInputSuite(r *Report) junitSuite {
	s := junitSuite{name: "inputs"}
	class := junitClassPrefix + "inputs"
	if len(r.Limits) > 0 {
		s.cases = append(s.cases, junitCase{
			classname: class, name: "bundle read completely", outcome: "error", typ: "limit",
			message: r.Limits[0], body: strings.Join(r.Limits, "\n") + "\n",
		})
	}
	for _, in := range r.Inputs {
		why := in.Error
		if why == "" {
			why = strings.Join(in.Warnings, "; ")
		}
		if why == "" {
			why = in.Detail
		}
		c := junitCase{classname: class, name: in.File, message: why}
		switch in.Status {
		case StatusFailed:
			c.outcome, c.typ = "error", in.Status
			c.body = bulleted("Recognised as "+in.Kind+", but could not be read:", append([]string{in.Error}, in.Warnings...))
		case StatusUnrecognized, StatusSkipped:
			c.outcome = "skipped"
			c.message = joinNote(in.Status, why)
		case StatusPartial:
			// Read, with damage worked around: the file passed, and what
			// was lost is in its output.
			c.message = ""
			c.systemOut = bulleted("Read in part:", append([]string{in.Detail}, in.Warnings...))
		default:
			continue
		}
		s.cases = append(s.cases, c)
	}
	return s
}

// bulleted is a heading and the non-empty items as a list.
func bulleted(heading string, items []string) string {
	var b strings.Builder
	b.WriteString(heading + "\n")
	for _, it := range items {
		if it != "" {
			b.WriteString("- " + it + "\n")
		}
	}
	return b.String()
}

func worstSeverity(fs []Finding) string {
	worst := fs[0].Severity
	for _, f := range fs[1:] {
		if rank(f.Severity) < rank(worst) {
			worst = f.Severity
		}
	}
	return worst
}

// findingsText is the body of a rule's <failure>: for each finding what
// the Markdown report says, as plain text.
func findingsText(fs []Finding) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	for i, f := range fs {
		if i > 0 {
			p("\n")
		}
		if len(fs) > 1 {
			p("Finding %d of %d\n", i+1, len(fs))
		}
		p("%s: %s\n", strings.ToUpper(f.Severity), f.Message)
		if len(f.Subjects) > 0 {
			subs := make([]string, len(f.Subjects))
			for j, s := range f.Subjects {
				subs[j] = s.String()
			}
			p("Objects: %s\n", strings.Join(subs, ", "))
		}
		if len(f.Evidence) > 0 {
			p("Evidence:\n")
			for _, e := range f.Evidence {
				loc := evidencePlace(e)
				switch {
				case loc != "" && e.Note != "":
					p("  %s — %s\n", loc, e.Note)
				case loc != "":
					p("  %s\n", loc)
				default:
					p("  %s\n", e.Note)
				}
				if e.Text != "" {
					p("    %s\n", e.Text)
				}
			}
		}
		if len(f.Confirm) > 0 {
			p("Confirm on the live cluster:\n")
			for _, c := range f.Confirm {
				p("  %s\n", c)
			}
		}
		if f.Remediation != "" {
			p("Fix:\n%s", indent(f.Remediation))
		}
		if len(f.References) > 0 {
			p("References:\n")
			for _, ref := range f.References {
				p("  %s\n", ref)
			}
		}
	}
	return b.String()
}

// indent puts each non-empty line two spaces in.
func indent(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if line != "" {
			b.WriteString("  " + line)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// evidencePlace is file:line, or file and frame for a capture.
func evidencePlace(e Evidence) string {
	switch {
	case e.File == "":
		return ""
	case e.Line > 0:
		return fmt.Sprintf("%s:%d", e.File, e.Line)
	case e.Frame > 0:
		return fmt.Sprintf("%s frame %d", e.File, e.Frame)
	}
	return e.File
}

func (c junitCase) write(w *bufio.Writer) {
	fmt.Fprintf(w, "    <testcase classname=\"%s\" name=\"%s\" time=\"0\"", xmlAttr(c.classname), xmlAttr(c.name))
	if c.outcome == "" && c.systemOut == "" {
		w.WriteString("/>\n")
		return
	}
	w.WriteString(">\n")
	if c.outcome != "" {
		fmt.Fprintf(w, "      <%s message=\"%s\"", c.outcome, xmlAttr(c.message))
		if c.typ != "" {
			fmt.Fprintf(w, " type=\"%s\"", xmlAttr(c.typ))
		}
		if c.body == "" {
			w.WriteString("/>\n")
		} else {
			fmt.Fprintf(w, ">%s</%s>\n", xmlText(c.body), c.outcome)
		}
	}
	if c.systemOut != "" {
		fmt.Fprintf(w, "      <system-out>%s</system-out>\n", xmlText(c.systemOut))
	}
	w.WriteString("    </testcase>\n")
}

// xmlAttr escapes an attribute value; newlines become character
// references so they survive attribute-value normalisation.
func xmlAttr(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) // characters XML cannot hold become U+FFFD
	return b.String()
}

// xmlText escapes element text, keeping newlines, tabs and quotes literal
// so the file stays readable.
func xmlText(s string) string {
	return strings.NewReplacer("&#xA;", "\n", "&#x9;", "\t", "&#34;", `"`, "&#39;", "'").Replace(xmlAttr(s))
}
