// Package kubeletconfig reads a node's kubelet configuration in the two
// forms a bundle holds it: the KubeletConfiguration file
// (/var/lib/kubelet/config.yaml, YAML or JSON, kind KubeletConfiguration of
// kubelet.config.k8s.io) and the kubelet's own view of the configuration
// in force, `kubectl get --raw /api/v1/nodes/<node>/proxy/configz`
// ({"kubeletconfig": {...}}, flags and defaults applied). The DNS fields
// (clusterDNS, clusterDomain, resolvConf) are what rules read today; the
// whole configuration is kept.
package kubeletconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
)

// Section is the node section the configurations go to: a list, one entry
// per file (a node may have both the file and configz).
const Section = "kubelet_config"

// maxSize bounds what is read: a KubeletConfiguration is 1-4 KiB; a
// configz answer a little more.
const maxSize = 1 << 20

// Kind of the configuration object, its API group, and configz's key
// (pkg/kubelet/kubelet.go: configz.New("kubeletconfig")).
const (
	kindName   = "KubeletConfiguration"
	group      = "kubelet.config.k8s.io/"
	configzKey = "kubeletconfig"
)

// Config parses kubelet configurations.
type Config struct{}

// Kind is the inventory name.
func (Config) Kind() string { return "kubelet-config" }

// Detect claims configz's JSON and KubeletConfiguration YAML/JSON (see
// detect).
func (Config) Detect(a *loader.Artifact) bool { return detect(a.Head) }

// Entry is one configuration read.
type Entry struct {
	File string `json:"file"`
	// Line is where the configuration starts in File.
	Line int `json:"line"`
	// Source is "configz" (the kubelet's running configuration) or "file"
	// (a KubeletConfiguration as written: fields left out take the
	// kubelet's defaults, and command-line flags may override it).
	Source     string `json:"source"`
	APIVersion string `json:"api_version,omitempty"`
	// Config is the configuration as written, in the API's field names
	// (clusterDNS, clusterDomain, resolvConf, evictionHard, …).
	Config map[string]any `json:"config"`
	// Lines gives the line of each top-level field of Config, for
	// evidence.
	Lines map[string]int `json:"lines"`
}

// Read parses one file. It returns the configurations it holds (a
// multi-document file may hold other kinds, which are skipped).
func Read(r io.Reader, name string) ([]Entry, []string, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", name, err)
	}
	var warnings []string
	if len(data) > maxSize {
		return nil, nil, fmt.Errorf("larger than %d bytes: not a kubelet configuration", maxSize)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var out []Entry
	for _, d := range documents(data) {
		e, ok, werr := readDoc(d.text, d.line, name)
		if werr != nil {
			warnings = append(warnings, werr.Error())
			continue
		}
		if ok {
			out = append(out, e)
		}
	}
	return out, warnings, nil
}

type doc struct {
	text []byte
	line int // line of the document's first line in the file
}

var reDocSep = regexp.MustCompile(`^---(?:\s.*)?$`)

// documents splits YAML at its `---` lines; JSON is one document.
func documents(data []byte) []doc {
	var out []doc
	start, startLine := 0, 1
	line := 1
	for i := 0; i < len(data); {
		j := bytes.IndexByte(data[i:], '\n')
		end := len(data)
		if j >= 0 {
			end = i + j
		}
		if reDocSep.Match(bytes.TrimRight(data[i:end], "\r")) {
			out = append(out, doc{text: data[start:i], line: startLine})
			start, startLine = end+1, line+1
			if start > len(data) {
				start = len(data)
			}
		}
		if j < 0 {
			break
		}
		i = end + 1
		line++
	}
	return append(out, doc{text: data[start:], line: startLine})
}

// readDoc reads one document: a KubeletConfiguration, or configz's
// {"kubeletconfig": {...}}. ok is false for anything else.
func readDoc(text []byte, first int, name string) (Entry, bool, error) {
	if len(bytes.TrimSpace(text)) == 0 {
		return Entry{}, false, nil
	}
	js, err := yaml.YAMLToJSON(text)
	if err != nil {
		return Entry{}, false, fmt.Errorf("line %d: %v", first, err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var top map[string]any
	if err := dec.Decode(&top); err != nil {
		return Entry{}, false, nil // not a mapping: not a configuration
	}
	e := Entry{File: name, Line: first, Lines: map[string]int{}}
	var node *yamlv3.Node // the configuration's mapping, for lines
	root := mapping(text)
	switch {
	case isObject(top[configzKey]):
		e.Source = "configz"
		e.Config = top[configzKey].(map[string]any)
		node = child(root, configzKey)
	case top["kind"] == kindName:
		e.Source = "file"
		e.Config = top
		node = root
	default:
		return Entry{}, false, nil
	}
	if v, ok := e.Config["apiVersion"].(string); ok {
		e.APIVersion = v
	}
	if node != nil && node.Kind == yamlv3.MappingNode {
		if node.Line > 0 {
			e.Line = first + node.Line - 1
		}
		for i := 0; i+1 < len(node.Content); i += 2 {
			k := node.Content[i]
			if _, in := e.Config[k.Value]; in {
				e.Lines[k.Value] = first + k.Line - 1
			}
		}
	}
	return e, true, nil
}

func isObject(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

// mapping is the document's top-level mapping node with lines, or nil
// when yaml.v3 reads the document differently (lines are then the
// document's first).
func mapping(text []byte) *yamlv3.Node {
	var n yamlv3.Node
	if err := yamlv3.Unmarshal(text, &n); err != nil || n.Kind != yamlv3.DocumentNode || len(n.Content) == 0 {
		return nil
	}
	return n.Content[0]
}

func child(m *yamlv3.Node, key string) *yamlv3.Node {
	if m == nil || m.Kind != yamlv3.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// Parse reads the configurations into the node's kubelet_config list.
func (Config) Parse(ctx context.Context, a *loader.Artifact, b *facts.Builder) (parsers.Result, error) {
	if err := ctx.Err(); err != nil {
		return parsers.Result{}, err
	}
	f, err := a.Open()
	if err != nil {
		return parsers.Result{}, fmt.Errorf("open %s: %w", a.Path, err)
	}
	defer f.Close()
	entries, warnings, rerr := Read(f, a.Path)
	res := Summarize(entries)
	res.Warnings = warnings
	if len(entries) > 0 {
		list := make([]any, 0, len(entries))
		for _, e := range entries {
			list = append(list, facts.ToDoc(e))
		}
		b.AddNode(facts.NodeFacts{
			File: a.Path, Inner: a.Inner, Containers: a.Containers, Kind: Config{}.Kind(),
			Sections: map[string]any{Section: list},
		})
	}
	if rerr != nil {
		return res, &parsers.ParseError{File: a.Path, Err: rerr}
	}
	if len(entries) == 0 {
		if len(warnings) > 0 {
			return res, &parsers.ParseError{File: a.Path, Err: errors.New(warnings[0])}
		}
		return res, parsers.NotApplicable("no KubeletConfiguration and no configz answer")
	}
	return res, nil
}

// Summarize describes a parse for the inventory.
func Summarize(entries []Entry) parsers.Result {
	var parts []string
	for _, e := range entries {
		s := "KubeletConfiguration"
		if e.Source == "configz" {
			s = "kubelet configz"
		}
		var f []string
		if dns, ok := e.Config["clusterDNS"].([]any); ok {
			var ips []string
			for _, x := range dns {
				ips = append(ips, fmt.Sprint(x))
			}
			f = append(f, "clusterDNS "+strings.Join(ips, ", "))
		}
		if rc, ok := e.Config["resolvConf"].(string); ok {
			f = append(f, "resolvConf "+rc)
		}
		if len(f) > 0 {
			s += ": " + strings.Join(f, ", ")
		}
		parts = append(parts, s)
	}
	return parsers.Result{Detail: strings.Join(parts, "; "), Summary: map[string]any{"configurations": len(entries)}}
}

var (
	// A column-0 kind line: YAML's top level.
	reYAMLKind = regexp.MustCompile(`(?m)^kind:[ \t]*["']?([A-Za-z0-9]+)["']?[ \t]*\r?$`)
	reJSONKind = regexp.MustCompile(`"kind"\s*:\s*"KubeletConfiguration"`)
	reJSONAPI  = regexp.MustCompile(`"apiVersion"\s*:\s*"kubelet\.config\.k8s\.io/`)
)

// detect claims JSON whose first key is configz's "kubeletconfig", JSON
// naming kind KubeletConfiguration of the kubelet's API group, or YAML
// whose top-level kinds are all KubeletConfiguration. `kubectl describe
// configmap kubelet-config` prints the same YAML at column 0 under a
// "Name:" header: the describe parser comes first and takes it.
func detect(head []byte) bool {
	h := bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf")
	if len(h) == 0 {
		return false
	}
	if h[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(h))
		if t, err := dec.Token(); err != nil || t != json.Delim('{') {
			return false
		}
		if t, err := dec.Token(); err == nil && t == configzKey {
			return true
		}
		return reJSONKind.Match(h) && reJSONAPI.Match(h) && !bytes.Contains(h, []byte(`"items"`))
	}
	kinds := reYAMLKind.FindAllSubmatch(h, -1)
	if len(kinds) == 0 {
		return false
	}
	for _, k := range kinds {
		if string(k[1]) != kindName {
			return false
		}
	}
	return true
}
