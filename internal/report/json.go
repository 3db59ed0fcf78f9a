package report

import (
	"encoding/json"
	"io"
)

// WriteJSON writes the report as indented JSON (docs/report-json.md).
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r.normalized())
}

// normalized returns a copy whose lists are never null, so consumers can
// iterate without checks.
func (r *Report) normalized() *Report {
	c := *r
	if c.Findings == nil {
		c.Findings = []Finding{}
	}
	for i := range c.Findings {
		f := &c.Findings[i]
		if f.Subjects == nil {
			f.Subjects = []Subject{}
		}
		if f.Evidence == nil {
			f.Evidence = []Evidence{}
		}
		if f.Confirm == nil {
			f.Confirm = []string{}
		}
		if f.References == nil {
			f.References = []string{}
		}
	}
	if c.Rules == nil {
		c.Rules = []Rule{}
	}
	for i := range c.Rules {
		if c.Rules[i].References == nil {
			c.Rules[i].References = []string{}
		}
	}
	if c.Inputs == nil {
		c.Inputs = []Input{}
	}
	if c.Skipped == nil {
		c.Skipped = []Skipped{}
	}
	if c.Limits == nil {
		c.Limits = []string{}
	}
	if c.Bundle.Paths == nil {
		c.Bundle.Paths = []string{}
	}
	if c.Bundle.Nodes == nil {
		c.Bundle.Nodes = []string{}
	}
	if c.Bundle.Unattributed == nil {
		c.Bundle.Unattributed = []string{}
	}
	if c.Bundle.Namespaces == nil {
		c.Bundle.Namespaces = []string{}
	}
	if c.Bundle.FilesByKind == nil {
		c.Bundle.FilesByKind = map[string]int{}
	}
	if c.Bundle.NodeFiles == nil {
		c.Bundle.NodeFiles = map[string]NodeFiles{}
	}
	return &c
}
