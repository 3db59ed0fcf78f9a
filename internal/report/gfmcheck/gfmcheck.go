// Package gfmcheck renders Markdown with cmark-gfm, the reference
// GitHub-flavoured Markdown renderer, for tests that check what a reader
// of the report really sees: that tables parse as tables and that nothing
// from a bundle becomes HTML, a heading or a code block. Tests skip when
// cmark-gfm is not installed, except under CI=true (where .ci/run installs
// it), where they fail.
package gfmcheck

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// Render returns the HTML cmark-gfm makes of md, with the table,
// strikethrough and autolink extensions GitHub uses. Raw HTML is passed
// through (--unsafe) and not filtered (no tagfilter), so a test sees any
// that the report lets in.
func Render(t testing.TB, md []byte) string {
	t.Helper()
	bin, err := exec.LookPath("cmark-gfm")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("cmark-gfm is not installed: .ci/run installs it under CI=true (apt-get install cmark-gfm)")
		}
		t.Skip("cmark-gfm is not installed (apt-get install cmark-gfm); Markdown rendering not checked")
	}
	cmd := exec.Command(bin, "--unsafe", "-e", "table", "-e", "strikethrough", "-e", "autolink", "--to", "html")
	cmd.Stdin = bytes.NewReader(md)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("cmark-gfm: %v: %s", err, errb.String())
	}
	return out.String()
}

var reTag = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>`)

// Tags lists the opening tags of html, in order ("h2", "table", "code"…).
func Tags(html string) []string {
	var out []string
	for _, m := range reTag.FindAllStringSubmatch(html, -1) {
		if m[1] == "" {
			out = append(out, strings.ToLower(m[2]))
		}
	}
	return out
}

// Allowed are the elements the Markdown report is made of; any other
// element in the rendering came from the bundle.
var Allowed = map[string]bool{
	"h1": true, "h2": true, "h3": true, "h4": true, "p": true, "strong": true, "em": true,
	"code": true, "pre": true, "ul": true, "ol": true, "li": true, "blockquote": true, "a": true,
	"table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true,
}

// Foreign returns the elements of html that the report's own Markdown
// does not make, and raw-HTML placeholders cmark-gfm writes.
func Foreign(html string) []string {
	var bad []string
	for _, tag := range Tags(html) {
		if !Allowed[tag] {
			bad = append(bad, "<"+tag+">")
		}
	}
	if strings.Contains(html, "<!--") {
		bad = append(bad, "an HTML comment")
	}
	return bad
}

var (
	reTable = regexp.MustCompile(`(?s)<table>.*?</table>`)
	rePre   = regexp.MustCompile(`(?s)<pre>.*?</pre>`)
	reCode  = regexp.MustCompile(`(?s)<code>.*?</code>`)
)

// StrayPipes returns the lines of html, outside tables and code, that
// start or end with a `|`: a table row that did not parse as one.
func StrayPipes(html string) []string {
	s := reTable.ReplaceAllString(html, "")
	s = rePre.ReplaceAllString(s, "")
	s = reCode.ReplaceAllString(s, "")
	var bad []string
	for _, l := range strings.Split(s, "\n") {
		text := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(l, "<p>"), "</p>"))
		if strings.HasPrefix(text, "|") || strings.HasSuffix(text, "|") {
			bad = append(bad, l)
		}
	}
	return bad
}
