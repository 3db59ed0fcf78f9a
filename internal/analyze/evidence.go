package analyze

import (
	"strings"
	"sync"

	"github.com/ktriage/ktriage/internal/engine"
	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/parallel"
	"github.com/ktriage/ktriage/internal/parsers/kube"
	"github.com/ktriage/ktriage/internal/report"
	"github.com/ktriage/ktriage/internal/source"
)

// resolver turns rule evidence into file:line citations with the quoted
// line. Objects are cited where the bundle first holds them; the field path
// a rule names is located by reading that object back from its file.
type resolver struct {
	p    *Parsed
	mu   sync.Mutex // findings are resolved concurrently
	want map[string]map[int]bool
}

func newResolver(p *Parsed) *resolver { return &resolver{p: p, want: map[string]map[int]bool{}} }

func (rs *resolver) need(file string, line int) {
	if file == "" || line <= 0 {
		return
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.want[file] == nil {
		rs.want[file] = map[int]bool{}
	}
	rs.want[file][line] = true
}

func (rs *resolver) evidence(e engine.RawEvidence) report.Evidence {
	if e.Object != nil {
		key := facts.ObjectKey{Kind: e.Object.Kind, Namespace: e.Object.Namespace, Name: e.Object.Name}
		o, ok := rs.p.Facts.Lookup(key)
		if !ok || len(o.Sources) == 0 {
			note := key.String() + " is not in the bundle"
			if e.Note != "" {
				note = e.Note + " (" + note + ")"
			}
			return report.Evidence{Note: note}
		}
		src := o.Sources[0]
		line, text := src.Line, ""
		if a := rs.p.Artifacts[src.File]; a != nil {
			if f, err := a.Open(); err == nil {
				var off int64
				line, off, _ = kube.LocateAt(f, src, e.Path, e.Note)
				// A field on a line too long to quote whole (a compact
				// JSON list) is quoted from where it starts.
				text, _ = source.ExcerptAt(f, off)
				f.Close()
			}
		}
		if text == "" {
			rs.need(src.File, line)
		}
		return report.Evidence{File: src.File, Line: line, Text: text, Note: e.Note}
	}
	ev := report.Evidence{File: e.File, Line: e.Line, Frame: e.Frame, Text: e.Text, Note: e.Note}
	if ev.Text == "" {
		rs.need(ev.File, ev.Line)
	}
	return ev
}

// fillText reads every cited line once per file and quotes it.
func (rs *resolver) fillText(r *report.Report) {
	files := sortedKeys(rs.want)
	read := make([]map[int]string, len(files))
	parallel.Each(len(files), func(i int) {
		a := rs.p.Artifacts[files[i]]
		if a == nil {
			return
		}
		f, err := a.Open()
		if err != nil {
			return
		}
		lines := make([]int, 0, len(rs.want[files[i]]))
		for l := range rs.want[files[i]] {
			lines = append(lines, l)
		}
		read[i] = source.ReadLines(f, lines)
		f.Close()
	})
	texts := make(map[string]map[int]string, len(files))
	for i, file := range files {
		texts[file] = read[i]
	}
	for i := range r.Findings {
		for j := range r.Findings[i].Evidence {
			e := &r.Findings[i].Evidence[j]
			if e.Text == "" {
				e.Text = strings.TrimSpace(texts[e.File][e.Line])
			}
			// A command's output cut out of a transcript is cited in
			// the transcript the user has.
			if a := rs.p.Artifacts[e.File]; a != nil && a.Origin != nil && e.Line > 0 {
				e.File, e.Line = a.Cite(e.Line)
			}
		}
	}
}
