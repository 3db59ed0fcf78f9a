// Package facts holds the normalized facts parsed from a bundle and builds
// the single input document the Rego rules evaluate (schema: docs/facts.md).
//
// Kubernetes objects keep their API shape, as Gatekeeper policies expect;
// where each object came from (file, line, byte range) is kept beside the
// document, not inside the objects, so rules see clean objects and findings
// can still cite file:line.
package facts

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// SchemaVersion changes when a field rules rely on changes meaning.
const SchemaVersion = 1

// Format says how a source's bytes are encoded, for locating fields later.
type Format string

const (
	FormatJSON Format = "json"
	FormatYAML Format = "yaml"
	FormatText Format = "text"
)

// Source is where a fact was read: a file (the artifact's display path), the
// 1-based line it starts on, and for objects the byte range it spans.
type Source struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Start  int64  `json:"-"`
	End    int64  `json:"-"`
	Format Format `json:"-"`
	// Prefix is the path from the start of the range to the object, for
	// objects that cannot be cut out on their own (an item of a YAML List).
	Prefix []any `json:"-"`
	// FieldLines maps field paths (PathKey) to the line each was read
	// from, for text whose bytes cannot be read back as the object
	// (kubectl describe): its parser records them as it reads.
	FieldLines map[string]int `json:"-"`
}

// PathKey is the FieldLines key of a path of map keys and list indexes.
func PathKey(path []any) string {
	var sb strings.Builder
	for i, p := range path {
		if i > 0 {
			sb.WriteByte(0)
		}
		switch t := p.(type) {
		case string:
			sb.WriteString(t)
		case int:
			sb.WriteString(strconv.Itoa(t))
		default:
			sb.WriteString(fmt.Sprint(t))
		}
	}
	return sb.String()
}

// FieldLine returns the line recorded for path, or for its longest
// recorded prefix (exact false), or the object's own line.
func (s Source) FieldLine(path []any) (line int, exact bool) {
	for n := len(path); n > 0; n-- {
		if l, ok := s.FieldLines[PathKey(path[:n])]; ok {
			return l, n == len(path)
		}
	}
	return s.Line, len(path) == 0
}

// ObjectKey names a Kubernetes object uniquely within a bundle.
type ObjectKey struct {
	Kind, Namespace, Name string
}

func (k ObjectKey) String() string {
	if k.Namespace == "" {
		return k.Kind + "/" + k.Name
	}
	return k.Kind + "/" + k.Namespace + "/" + k.Name
}

// Object is a Kubernetes object and every place the bundle holds it. The
// body is kept in OPA's form only: it is what the rules read, and a large
// dump is mostly its objects, so a second (Go) copy would double the
// memory and the work (docs/performance.md).
type Object struct {
	Key     ObjectKey
	Value   ast.Object
	Sources []Source
}

// Map returns the object as plain Go values (maps, slices, strings,
// json.Number, bool), for `ktriage facts` and tests.
func (o *Object) Map() map[string]any {
	v, err := ast.JSON(o.Value)
	if err != nil {
		return nil
	}
	m, _ := v.(map[string]any)
	return m
}

// LogLine is a line kept from a container log.
type LogLine struct {
	Line int    `json:"line"`
	Text string `json:"text"`
}

// Log is one container's log as found in the bundle. Bodies are not kept
// whole: the first lines (start-up banners carry versions and modes) and the
// lines that look like warnings or errors are, within caps.
type Log struct {
	Namespace string    `json:"namespace"`
	Pod       string    `json:"pod"`
	Container string    `json:"container"`
	Previous  bool      `json:"previous"`
	File      string    `json:"file"`
	Line      int       `json:"line"`
	Lines     int       `json:"lines"`
	Kept      []LogLine `json:"kept"`
	Truncated bool      `json:"truncated"`
	// NotCollected holds kubectl's own message when the body is not the
	// container's log but kubectl's failure to fetch it (cluster-info dump
	// writes "Request log error: …" in its place); Kept is then empty.
	NotCollected string `json:"not_collected,omitempty"`
}

// Builder collects facts from parsers. It is safe for concurrent use.
type Builder struct {
	mu        sync.Mutex
	objects   map[ObjectKey]*Object
	collected map[string]bool
	listed    map[string]map[string]bool
	logs      []Log
	nodeFacts []NodeFacts
	hosts     map[string]HostHint // by file: SetFileHost (nodes.go)
	extra     map[string]any
	// by file: which cluster its objects say it is from (cluster.go)
	idents   map[string]*Identity
	fileKeys map[string][]ObjectKey
	// strings read where quantities stand (AddQuantities)
	quantityStrings map[string]bool
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	return &Builder{objects: map[ObjectKey]*Object{}, collected: map[string]bool{}, listed: map[string]map[string]bool{}, extra: map[string]any{}}
}

// MarkListed records that the bundle holds the list of a kind for one
// namespace, so "no pod in namespace shop" can be told from "the pods of
// shop were not collected".
func (b *Builder) MarkListed(plural, namespace string) {
	if namespace == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	m := b.listed[plural]
	if m == nil {
		m = map[string]bool{}
		b.listed[plural] = m
	}
	m[namespace] = true
}

// MarkCollected records that the bundle holds a collection of this kind
// (plural resource name, e.g. "limitranges"), even an empty one: rules tell
// "no LimitRange exists" from "LimitRanges were not collected" with it.
func (b *Builder) MarkCollected(plural string) {
	b.mu.Lock()
	b.collected["kubernetes."+plural] = true
	b.mu.Unlock()
}

// MarkAvailable records that facts of some non-Kubernetes kind are present
// (e.g. "node.ipaddr"); rules name these in their METADATA `needs`.
func (b *Builder) MarkAvailable(name string) {
	b.mu.Lock()
	b.collected[name] = true
	b.mu.Unlock()
}

// AddObject adds a normalized object (kind and metadata.name set) given as
// plain Go values; see AddValue.
func (b *Builder) AddObject(body map[string]any, src Source) error {
	v, err := ast.InterfaceToValue(body)
	if err != nil {
		return nil
	}
	o, ok := v.(ast.Object)
	if !ok {
		return nil
	}
	if err := b.AddValue(o, src); err != nil {
		return err
	}
	qs := map[string]bool{}
	CollectQuantities(body, qs)
	b.AddQuantities(qs)
	return nil
}

// AddQuantities records strings that stand where Kubernetes keeps resource
// quantities (QuantityAt), for the document's quantities table. A parser
// that builds objects in OPA's form (AddValue) gathers them as it reads.
func (b *Builder) AddQuantities(qs map[string]bool) {
	if len(qs) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.quantityStrings == nil {
		b.quantityStrings = map[string]bool{}
	}
	for q := range qs {
		b.quantityStrings[q] = true
	}
}

// AddValue adds a normalized object (kind and metadata.name set); its
// quantity strings are the caller's to report (AddQuantities). When the
// bundle holds the same object twice, the copy with the higher
// resourceVersion wins, and on a tie the copy whose file (then line) sorts
// first, whatever order parsers deliver them in; every place is
// remembered as a source.
func (b *Builder) AddValue(body ast.Object, src Source) error {
	if err := apiTypes(body); err != nil {
		return err
	}
	key := KeyOfValue(body)
	if key.Kind == "" || key.Name == "" {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.noteIdentity(body, key, src.File)
	b.collected["kubernetes."+Plural(key.Kind)] = true
	if key.Namespace != "" {
		p := Plural(key.Kind)
		if b.listed[p] == nil {
			b.listed[p] = map[string]bool{}
		}
		b.listed[p][key.Namespace] = true
	}
	if o, ok := b.objects[key]; ok {
		c := compareVersions(body, o.Value)
		if c == 0 {
			c = compareWhole(body, o.Value)
		}
		if c > 0 || (c == 0 && sourceLess(src, o.Sources[0])) {
			o.Value = body
			o.Sources = append([]Source{src}, o.Sources...)
		} else {
			o.Sources = append(o.Sources, src)
		}
		return nil
	}
	b.objects[key] = &Object{Key: key, Value: body, Sources: []Source{src}}
	return nil
}

// apiTypes says why an object cannot be taken when a field the rules read
// is there but not of the type the API gives it (a number for a string,
// null, a list for an object): identity (kind, apiVersion, name,
// namespace), labels and annotations, owner references, conditions,
// containers, a Pod's node and status, a ConfigMap's data, a Service's
// selector, an Event's text, count, object and times. No API server writes
// such an object (kubectl apply refuses it), and the rules compare, match,
// parse and print these fields as the API types them: one pod with
// "namespace": 5 made a whole rule fail for the bundle (cni: "startswith:
// operand 1 must be string but got number"), one Event with "message":
// null another (quota-limitrange: regex.match). docs/facts.md lists the
// checks.
func apiTypes(body ast.Object) error {
	if err := typed(body, "", identityFields); err != nil {
		return err
	}
	if md, ok := fieldOf(body, keyMetadata).(ast.Object); ok {
		if err := typed(md, "metadata.", metadataFields); err != nil {
			return err
		}
		// map[string]string in the API: selectors match them, reports print them.
		if err := stringValues(md, keyLabels, "metadata.labels"); err != nil {
			return err
		}
		if err := stringValues(md, keyAnnotations, "metadata.annotations"); err != nil {
			return err
		}
		if refs, ok := fieldOf(md, keyOwnerReferences).(*ast.Array); ok {
			if err := entries(refs, "metadata.ownerReferences", ownerFields); err != nil {
				return err
			}
		}
	}
	// Conditions are quoted as evidence and matched by type and status.
	if st, ok := fieldOf(body, keyStatus).(ast.Object); ok {
		if conds, ok := fieldOf(st, keyConditions).(*ast.Array); ok {
			if err := entries(conds, "status.conditions", conditionFields); err != nil {
				return err
			}
		}
	}
	k, _ := fieldOf(body, keyKind).(ast.String)
	if spec, ok := fieldOf(body, keySpec).(ast.Object); ok {
		// A workload's pod template labels are matched and printed as
		// the pods' own are.
		if tpl, ok := fieldOf(spec, keyTemplate).(ast.Object); ok {
			if md, ok := fieldOf(tpl, keyMetadata).(ast.Object); ok {
				if err := stringValues(md, keyLabels, "spec.template.metadata.labels"); err != nil {
					return err
				}
			}
			if ps, ok := fieldOf(tpl, keySpec).(ast.Object); ok {
				if err := containerTypes(ps, "spec.template.spec."); err != nil {
					return err
				}
			}
		}
		if k == "Pod" {
			if err := typed(spec, "spec.", podSpecFields); err != nil {
				return err
			}
			if err := containerTypes(spec, "spec."); err != nil {
				return err
			}
		}
	}
	switch k {
	case "Pod":
		if st, ok := fieldOf(body, keyStatus).(ast.Object); ok {
			return typed(st, "status.", podStatusFields)
		}
		return nil
	case "ConfigMap":
		return stringValues(body, keyData, "data")
	case "Service":
		if spec, ok := fieldOf(body, keySpec).(ast.Object); ok {
			return stringValues(spec, keySelector, "spec.selector")
		}
		return nil
	case "Event":
	default:
		return nil
	}
	if err := typed(body, "", eventFields); err != nil {
		return err
	}
	// Rules order events by these (time.parse_rfc3339_ns, which fails
	// the rule on what it cannot parse); null is what events.k8s.io
	// events have there.
	for _, ts := range []*ast.Term{keyFirstTimestamp, keyLastTimestamp} {
		if v, ok := fieldOf(body, ts).(ast.String); ok {
			if _, err := time.Parse(time.RFC3339, string(v)); err != nil {
				return fmt.Errorf("%s %q is not an RFC 3339 time", string(ts.Value.(ast.String)), string(v))
			}
		}
	}
	if io, ok := fieldOf(body, keyInvolvedObject).(ast.Object); ok {
		return typed(io, "involvedObject.", involvedFields)
	}
	return nil
}

// typedField is a key and the OPA type name (ast.ValueName) its value
// must have. The keys are terms made once: apiTypes runs on every
// object of a bundle, and a term made per call was garbage enough to
// raise a 20,000-pod bundle's peak memory by a tenth.
type typedField struct {
	key  *ast.Term
	want string
}

func fields(want string, keys ...string) []typedField {
	out := make([]typedField, len(keys))
	for i, k := range keys {
		out[i] = typedField{ast.StringTerm(k), want}
	}
	return out
}

var (
	keyKind, keyMetadata, keyLabels, keyAnnotations = ast.StringTerm("kind"), ast.StringTerm("metadata"), ast.StringTerm("labels"), ast.StringTerm("annotations")
	keyOwnerReferences, keyStatus, keyConditions    = ast.StringTerm("ownerReferences"), ast.StringTerm("status"), ast.StringTerm("conditions")
	keySpec, keyTemplate, keyData, keySelector      = ast.StringTerm("spec"), ast.StringTerm("template"), ast.StringTerm("data"), ast.StringTerm("selector")
	keyFirstTimestamp, keyLastTimestamp             = ast.StringTerm("firstTimestamp"), ast.StringTerm("lastTimestamp")
	keyInvolvedObject                               = ast.StringTerm("involvedObject")
	containerLists                                  = []*ast.Term{ast.StringTerm("containers"), ast.StringTerm("initContainers"), ast.StringTerm("ephemeralContainers")}

	identityFields  = fields("string", "kind", "apiVersion")
	metadataFields  = fields("string", "name", "namespace")
	ownerFields     = fields("string", "kind", "name")
	conditionFields = fields("string", "type", "status", "reason", "message")
	podSpecFields   = fields("string", "nodeName")
	podStatusFields = fields("string", "phase", "reason", "message")
	containerFields = fields("string", "name", "image")
	eventFields     = append(fields("string", "reason", "message", "type"), fields("number", "count")...)
	involvedFields  = fields("string", "kind", "name", "namespace", "fieldPath")
)

// typed says which field of o, if any, is there with another type.
func typed(o ast.Object, prefix string, fs []typedField) error {
	for _, f := range fs {
		v := fieldOf(o, f.key)
		if v != nil && ast.ValueName(v) != f.want {
			return fmt.Errorf("%s%s is %s, not a %s", prefix, string(f.key.Value.(ast.String)), ast.ValueName(v), f.want)
		}
	}
	return nil
}

// entries says which entry of list is no object, or has a field of
// another type than fs says.
func entries(list *ast.Array, path string, fs []typedField) error {
	for i := range list.Len() {
		e, ok := list.Elem(i).Value.(ast.Object)
		if !ok {
			return fmt.Errorf("%s[%d] is %s, not an object", path, i, ast.ValueName(list.Elem(i).Value))
		}
		for _, f := range fs {
			if v := fieldOf(e, f.key); v != nil && ast.ValueName(v) != f.want {
				return fmt.Errorf("%s[%d].%s is %s, not a %s", path, i, string(f.key.Value.(ast.String)), ast.ValueName(v), f.want)
			}
		}
	}
	return nil
}

// containerTypes says which container of a pod spec is no object, or has
// a name or image that is not a string: rules parse images (registry,
// tag) and name containers in what they print.
func containerTypes(spec ast.Object, prefix string) error {
	for _, list := range containerLists {
		if cs, ok := fieldOf(spec, list).(*ast.Array); ok {
			if err := entries(cs, prefix+string(list.Value.(ast.String)), containerFields); err != nil {
				return err
			}
		}
	}
	return nil
}

// stringValues says which value of the map o holds at key (absent or null
// is no map) is not a string; path names it in the message.
func stringValues(o ast.Object, key *ast.Term, path string) error {
	m, ok := fieldOf(o, key).(ast.Object)
	if !ok {
		return nil
	}
	var err error
	m.Until(func(k, v *ast.Term) bool {
		if _, ok := v.Value.(ast.String); !ok {
			err = fmt.Errorf("%s[%s] is %s, not a string", path, k, ast.ValueName(v.Value))
		}
		return err != nil
	})
	return err
}

func fieldOf(o ast.Object, key *ast.Term) ast.Value {
	if t := o.Get(key); t != nil {
		return t.Value
	}
	return nil
}

func sourceLess(a, b Source) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	return a.Line < b.Line
}

// AddLog adds a container log.
func (b *Builder) AddLog(l Log) {
	b.mu.Lock()
	b.logs = append(b.logs, l)
	b.collected["kubernetes.logs"] = true
	b.mu.Unlock()
}

// SetExtra sets a top-level section of the document owned by another
// artifact family (node network facts, captures).
func (b *Builder) SetExtra(key string, v any) {
	b.mu.Lock()
	b.extra[key] = v
	b.mu.Unlock()
}

// KeyOf reads kind, namespace and name from an object.
func KeyOf(body map[string]any) ObjectKey {
	k, _ := body["kind"].(string)
	md, _ := body["metadata"].(map[string]any)
	ns, _ := md["namespace"].(string)
	name, _ := md["name"].(string)
	return ObjectKey{Kind: k, Namespace: ns, Name: name}
}

// KeyOfValue reads kind, namespace and name from an object.
func KeyOfValue(body ast.Object) ObjectKey {
	return ObjectKey{Kind: stringAt(body, "kind"), Namespace: stringAt(body, "metadata", "namespace"), Name: stringAt(body, "metadata", "name")}
}

// compareVersions orders two copies by resourceVersion when both are
// numbers (etcd revisions); 0 when equal or not comparable.
func compareVersions(a, b ast.Object) int {
	ra, rb := resourceVersion(a), resourceVersion(b)
	ia, ea := strconv.ParseUint(ra, 10, 64)
	ib, eb := strconv.ParseUint(rb, 10, 64)
	switch {
	case ea != nil || eb != nil || ia == ib:
		return 0
	case ia > ib:
		return 1
	}
	return -1
}

// compareWhole prefers an object read whole to a partial one (read from
// kubectl describe text, marked by the ktriage.io/source annotation), which
// carries no resourceVersion to compare: 1 when a is whole and b partial.
func compareWhole(a, b ast.Object) int {
	pa, pb := partial(a), partial(b)
	switch {
	case pa == pb:
		return 0
	case pb:
		return 1
	}
	return -1
}

func partial(o ast.Value) bool {
	return valueAt(o, "metadata", "annotations", "ktriage.io/source") != nil
}

func resourceVersion(o ast.Value) string {
	return stringAt(o, "metadata", "resourceVersion")
}

// irregular plurals of kinds that matter; everything else is kind+"s".
var plurals = map[string]string{
	"Endpoints":                      "endpoints",
	"NetworkPolicy":                  "networkpolicies",
	"Ingress":                        "ingresses",
	"IngressClass":                   "ingressclasses",
	"PodSecurityPolicy":              "podsecuritypolicies",
	"StorageClass":                   "storageclasses",
	"PriorityClass":                  "priorityclasses",
	"RuntimeClass":                   "runtimeclasses",
	"Policy":                         "policies",
	"NetworkAttachmentDefinition":    "networkattachmentdefinitions",
	"IPAddress":                      "ipaddresses",
	"PodNetworkConnectivityCheck":    "podnetworkconnectivitychecks",
	"ValidatingAdmissionPolicy":      "validatingadmissionpolicies",
	"MutatingWebhookConfiguration":   "mutatingwebhookconfigurations",
	"ValidatingWebhookConfiguration": "validatingwebhookconfigurations",
}

// Plural maps a Kind to the key its objects are listed under.
func Plural(kind string) string {
	if p, ok := plurals[kind]; ok {
		return p
	}
	l := strings.ToLower(kind)
	switch {
	case strings.HasSuffix(l, "s"), strings.HasSuffix(l, "x"), strings.HasSuffix(l, "ch"), strings.HasSuffix(l, "sh"):
		return l + "es"
	case strings.HasSuffix(l, "y") && len(l) > 1 && !strings.ContainsRune("aeiou", rune(l[len(l)-2])):
		return l[:len(l)-1] + "ies"
	}
	return l + "s"
}

// Facts is the finished, read-only result of a Builder.
type Facts struct {
	Objects   []*Object // sorted by kind, namespace, name
	Logs      []Log
	Collected map[string]bool
	Listed    map[string]map[string]bool
	Extra     map[string]any
	// Nodes holds node-level facts by node name (or an unattributed key).
	Nodes map[string]map[string]any
	// NodeAttribution says, per node artifact file, which node it went to.
	NodeAttribution map[string]Attribution
	index           map[ObjectKey]*Object
	idents          map[string]*Identity
	fileKeys        map[string][]ObjectKey
	quantityStrings map[string]bool
}

// Build freezes the builder's content into Facts with a stable order.
func (b *Builder) Build() *Facts {
	b.mu.Lock()
	defer b.mu.Unlock()
	f := &Facts{Collected: map[string]bool{}, Listed: map[string]map[string]bool{}, Extra: map[string]any{}, index: map[ObjectKey]*Object{}}
	dropDuplicateEvents(b.objects)
	for k, o := range b.objects {
		// the winner stays first; the other places in a stable order
		rest := o.Sources[1:]
		sort.SliceStable(rest, func(i, j int) bool { return sourceLess(rest[i], rest[j]) })
		f.Objects = append(f.Objects, o)
		f.index[k] = o
	}
	sort.Slice(f.Objects, func(i, j int) bool {
		a, c := f.Objects[i].Key, f.Objects[j].Key
		if a.Kind != c.Kind {
			return a.Kind < c.Kind
		}
		if a.Namespace != c.Namespace {
			return a.Namespace < c.Namespace
		}
		return a.Name < c.Name
	})
	f.Logs = append(f.Logs, b.logs...)
	sort.SliceStable(f.Logs, func(i, j int) bool {
		a, c := f.Logs[i], f.Logs[j]
		if a.Namespace != c.Namespace {
			return a.Namespace < c.Namespace
		}
		if a.Pod != c.Pod {
			return a.Pod < c.Pod
		}
		if a.Container != c.Container {
			return a.Container < c.Container
		}
		if a.Previous != c.Previous {
			return !a.Previous
		}
		return a.File < c.File
	})
	for k, v := range b.collected {
		f.Collected[k] = v
	}
	for k, v := range b.extra {
		f.Extra[k] = v
	}
	for p, m := range b.listed {
		f.Listed[p] = map[string]bool{}
		for ns := range m {
			f.Listed[p][ns] = true
		}
	}
	nfs := append([]NodeFacts(nil), b.nodeFacts...)
	sort.SliceStable(nfs, func(i, j int) bool { return nfs[i].File < nfs[j].File })
	f.buildNodes(nfs, b.hosts)
	f.idents, f.fileKeys, f.quantityStrings = b.idents, b.fileKeys, b.quantityStrings
	return f
}

// Lookup finds an object by key.
func (f *Facts) Lookup(k ObjectKey) (*Object, bool) {
	o, ok := f.index[k]
	return o, ok
}

// Namespaces lists the namespaces that hold objects, sorted.
func (f *Facts) Namespaces() []string {
	seen := map[string]bool{}
	for _, o := range f.Objects {
		if o.Key.Namespace != "" {
			seen[o.Key.Namespace] = true
		}
		if o.Key.Kind == "Namespace" {
			seen[o.Key.Name] = true
		}
	}
	return sortedKeys(seen)
}

// NodeNames lists the nodes: Node objects and nodes that node artifacts
// were attributed to, sorted.
func (f *Facts) NodeNames() []string {
	seen := map[string]bool{}
	for _, o := range f.Objects {
		if o.Key.Kind == "Node" {
			seen[o.Key.Name] = true
		}
	}
	for n := range f.Nodes {
		if !strings.HasPrefix(n, UnattributedPrefix) {
			seen[n] = true
		}
	}
	return sortedKeys(seen)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
