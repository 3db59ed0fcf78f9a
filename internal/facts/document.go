package facts

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/ktriage/ktriage/internal/jsonast"
	"github.com/ktriage/ktriage/internal/parallel"
	"github.com/open-policy-agent/opa/v1/ast"
	"gopkg.in/inf.v0"
	"k8s.io/apimachinery/pkg/api/resource"
)

// CoreKinds are listed in the document even when the bundle has none, so a
// rule can count them without guarding against an undefined path.
var CoreKinds = []string{
	"nodes", "namespaces", "pods", "services", "endpoints", "endpointslices",
	"deployments", "replicasets", "daemonsets", "statefulsets", "events",
	"resourcequotas", "limitranges", "configmaps", "networkpolicies",
}

// BundleInfo describes the bundle in the document's "bundle" section.
type BundleInfo struct {
	Inputs      []string       `json:"inputs"`
	FilesByKind map[string]int `json:"files_by_kind"`
}

// Document returns the rules' input as plain Go values (maps, slices,
// strings, json.Number, bool), in the shape docs/facts.md describes.
func (f *Facts) Document(info BundleInfo) map[string]any {
	doc := f.document(info)
	kube := doc["kubernetes"].(map[string]any)
	for _, o := range f.Objects {
		p := Plural(o.Key.Kind)
		l, _ := kube[p].([]any)
		kube[p] = append(l, o.Map())
	}
	return doc
}

// document is everything but the objects themselves (and, for Value,
// which builds them in OPA's form directly, but the logs).
func (f *Facts) document(info BundleInfo) map[string]any {
	doc := f.documentWithoutLogs(info)
	logs := make([]any, 0, len(f.Logs))
	for _, l := range f.Logs {
		kept := make([]any, 0, len(l.Kept))
		for _, k := range l.Kept {
			kept = append(kept, map[string]any{"line": json.Number(itoa(k.Line)), "text": k.Text})
		}
		logs = append(logs, map[string]any{
			"namespace": l.Namespace, "pod": l.Pod, "container": l.Container,
			"previous": l.Previous, "file": l.File, "line": json.Number(itoa(l.Line)),
			"lines": json.Number(itoa(l.Lines)), "kept": kept, "truncated": l.Truncated,
		})
	}
	doc["kubernetes"].(map[string]any)["logs"] = logs
	return doc
}

// logKeys are the keys of a log's entry, one term each for every log.
var logKeys = func() map[string]*ast.Term {
	m := map[string]*ast.Term{}
	for _, k := range []string{"namespace", "pod", "container", "previous", "file", "line", "lines", "kept", "truncated", "text"} {
		m[k] = ast.StringTerm(k)
	}
	return m
}()

// logsTerm is the document's logs (see document) built in OPA's form
// directly: a bundle of 100,000 container logs spent most of its
// evaluation converting their Go form.
func (f *Facts) logsTerm() *ast.Term {
	logs := make([]*ast.Term, len(f.Logs))
	parallel.Each(len(logs), func(i int) { logs[i] = logTerm(f.Logs[i]) })
	return ast.ArrayTerm(logs...)
}

func logTerm(l Log) *ast.Term {
	kept := make([]*ast.Term, len(l.Kept))
	for j, k := range l.Kept {
		kept[j] = ast.ObjectTerm(
			ast.Item(logKeys["line"], ast.InternedTerm(k.Line)),
			ast.Item(logKeys["text"], ast.StringTerm(k.Text)),
		)
	}
	return ast.ObjectTerm(
		ast.Item(logKeys["namespace"], ast.StringTerm(l.Namespace)),
		ast.Item(logKeys["pod"], ast.StringTerm(l.Pod)),
		ast.Item(logKeys["container"], ast.StringTerm(l.Container)),
		ast.Item(logKeys["previous"], ast.InternedTerm(l.Previous)),
		ast.Item(logKeys["file"], ast.StringTerm(l.File)),
		ast.Item(logKeys["line"], ast.InternedTerm(l.Line)),
		ast.Item(logKeys["lines"], ast.InternedTerm(l.Lines)),
		ast.Item(logKeys["kept"], ast.ArrayTerm(kept...)),
		ast.Item(logKeys["truncated"], ast.InternedTerm(l.Truncated)),
	)
}

func (f *Facts) documentWithoutLogs(info BundleInfo) map[string]any {
	kube := map[string]any{}
	for _, k := range CoreKinds {
		kube[k] = []any{}
	}
	listed := map[string]any{}
	for p, m := range f.Listed {
		nss := map[string]any{}
		for ns := range m {
			nss[ns] = true
		}
		listed[p] = nss
	}
	kube["listed"] = listed

	avail := map[string]any{}
	for k, v := range f.Collected {
		avail[k] = v
	}
	files := map[string]any{}
	for k, v := range info.FilesByKind {
		files[k] = json.Number(itoa(v))
	}
	inputs := make([]any, 0, len(info.Inputs))
	for _, in := range info.Inputs {
		inputs = append(inputs, in)
	}
	doc := map[string]any{
		"schema_version": json.Number(itoa(SchemaVersion)),
		"bundle":         map[string]any{"inputs": inputs, "files_by_kind": files},
		"available":      avail,
		"kubernetes":     kube,
		"quantities":     f.quantities(),
	}
	nodes := make(map[string]any, len(f.Nodes))
	for k, v := range f.Nodes {
		nodes[k] = v
	}
	doc["nodes"] = nodes
	for k, v := range f.Extra {
		doc[k] = v
	}
	return doc
}

// Value converts the document once into OPA's AST form; every prepared
// query is then evaluated against the same value with no further copying.
func Value(doc map[string]any) (ast.Value, error) {
	return ast.InterfaceToValue(doc)
}

// Value builds the rules' input from the facts. The objects are already
// in OPA's form (Object.Value) and are shared, not copied: the input holds
// the very terms the facts do.
func (f *Facts) Value(info BundleInfo) (ast.Value, error) {
	groups := map[string][]*ast.Term{}
	var order []string
	for _, o := range f.Objects {
		p := Plural(o.Key.Kind)
		if _, ok := groups[p]; !ok {
			order = append(order, p)
		}
		groups[p] = append(groups[p], ast.NewTerm(o.Value))
	}
	// The lookups are built while the rest of the document is converted.
	ix := make(chan ast.Object, 1)
	go func() { ix <- index(groups) }()
	base, err := ast.InterfaceToValue(f.documentWithoutLogs(info))
	lookups := <-ix
	if err != nil {
		return nil, err
	}
	obj, ok := base.(ast.Object)
	if !ok {
		return nil, fmt.Errorf("facts document is not an object")
	}
	kube, ok := obj.Get(ast.StringTerm("kubernetes")).Value.(ast.Object)
	if !ok {
		return nil, fmt.Errorf("facts document has no kubernetes section")
	}
	kube.Insert(ast.StringTerm("logs"), f.logsTerm())
	for _, p := range order {
		kube.Insert(ast.StringTerm(p), ast.ArrayTerm(groups[p]...))
	}
	obj.Insert(ast.StringTerm(IndexKey), ast.NewTerm(lookups))
	return obj, nil
}

// quantityParents are the keys under which Kubernetes keeps maps of
// resource quantities (ResourceQuota hard/used, LimitRange limits,
// container resources, Node capacity).
var quantityParents = map[string]bool{
	"hard": true, "used": true, "default": true, "defaultRequest": true,
	"max": true, "min": true, "maxLimitRequestRatio": true, "limits": true,
	"requests": true, "capacity": true, "allocatable": true,
}

// QuantityAt says whether the string at path (object keys, with
// jsonast.InArray for each step into an array) is one of those places: a
// member of an object that is itself the value of a quantityParents key.
func QuantityAt(path []string) bool {
	n := len(path)
	return n >= 2 && path[n-1] != jsonast.InArray && quantityParents[path[n-2]]
}

// quantities maps every quantity string found in those places to its value
// in milli-units, exactly (apimachinery's parser, no floats): "1G" and "1Gi"
// differ, "500m" is 500. Rules compare through this table so they need no
// custom builtin and still run under plain `opa eval`. The strings were
// gathered as the objects were read (AddObject, AddQuantities).
func (f *Facts) quantities() map[string]any {
	keys := make([]string, 0, len(f.quantityStrings))
	for k := range f.quantityStrings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]any, len(keys))
	for _, s := range keys {
		if m, ok := MilliValue(s); ok {
			out[s] = json.Number(m)
		}
	}
	return out
}

// CollectQuantities adds to seen the quantity strings of an object given
// as plain Go values.
func CollectQuantities(obj map[string]any, seen map[string]bool) { collectQuantities(obj, false, seen) }

func collectQuantities(v any, underParent bool, seen map[string]bool) {
	switch t := v.(type) {
	case map[string]any:
		for k, c := range t {
			if underParent {
				if s, ok := c.(string); ok {
					seen[s] = true
					continue
				}
			}
			collectQuantities(c, quantityParents[k], seen)
		}
	case []any:
		for _, c := range t {
			collectQuantities(c, false, seen)
		}
	}
}

// MilliValue parses a Kubernetes quantity and returns its value times 1000
// as an exact decimal string.
func MilliValue(s string) (string, bool) {
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return "", false
	}
	d := new(inf.Dec).Set(q.AsDec())
	d.SetScale(d.Scale() - 3) // ×1000: same digits, decimal point moved
	if d.Scale() < 0 {
		// Spell out the zeros: OPA numbers are parsed from this text.
		d = new(inf.Dec).Round(d, 0, inf.RoundExact)
	}
	out := d.String()
	if strings.Contains(out, ".") {
		out = strings.TrimRight(strings.TrimRight(out, "0"), ".")
	}
	return out, true
}

func itoa(i int) string { return strconv.Itoa(i) }
