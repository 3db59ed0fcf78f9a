package kube

import (
	"path"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/jsonast"
	"github.com/open-policy-agent/opa/v1/ast"
)

// Normalize turns a decoded object into the API shape rules expect: kind
// and apiVersion set (List items carry neither in cluster-info dumps), the
// internal, unversioned form some old kubectl versions wrote ("Items",
// ObjectMeta inlined, Go-cased "Spec") mapped back to v1, and the fields no
// rule reads but that cost the most dropped (managedFields, the
// last-applied-configuration copy). Secret values are never kept.
// It reports false for values that are not Kubernetes objects.
func Normalize(body map[string]any, kind, apiVersion, fallbackKind string) (map[string]any, bool) {
	if _, hasMeta := body["metadata"]; !hasMeta {
		if _, named := body["name"].(string); named {
			body = fromInternal(body)
		}
	}
	md, ok := body["metadata"].(map[string]any)
	if !ok {
		return nil, false
	}
	if name, _ := md["name"].(string); name == "" {
		return nil, false
	}
	k, _ := body["kind"].(string)
	switch {
	case k != "":
	case kind != "":
		body["kind"] = kind
	case fallbackKind != "":
		body["kind"] = fallbackKind
	default:
		return nil, false
	}
	if _, ok := body["apiVersion"].(string); !ok && apiVersion != "" {
		body["apiVersion"] = apiVersion
	}
	delete(md, "managedFields")
	if ann, ok := md["annotations"].(map[string]any); ok {
		delete(ann, lastApplied)
	}
	if body["kind"] == "Secret" {
		redactSecret(body)
	}
	return body, true
}

// itemDecoder returns a decoder of List items: it leaves out, unread, what
// Normalize drops (managedFields, the last-applied copy), which on a dump
// written by kubectl ≥ 1.18 is a large part of every object, and gathers
// the strings where quantities stand into quantities as they are read
// (facts.QuantityAt). Decoders are pooled across files, so the strings
// they share (object keys, "True", node names) and their term slabs serve
// a whole dump, not one file each; release returns it.
func itemDecoder(quantities map[string]bool) (d *jsonast.Decoder, release func()) {
	d = itemDecoders.Get().(*jsonast.Decoder)
	d.Strings = func(path []string, s string) {
		if facts.QuantityAt(path) {
			quantities[s] = true
		}
	}
	return d, func() {
		d.Strings = nil
		itemDecoders.Put(d)
	}
}

var itemDecoders = sync.Pool{New: func() any {
	return &jsonast.Decoder{MaxSkipDepth: 3, Skip: func(path []string, key string) bool {
		switch len(path) {
		case 1:
			return key == "managedFields" && path[0] == "metadata"
		case 2:
			return key == lastApplied && path[0] == "metadata" && path[1] == "annotations"
		}
		return false
	}}
}}

const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// NormalizeValue is Normalize for an object decoded by itemDecoder
// (which has already left out managedFields and the last-applied copy, and
// gathered its quantity strings). An object in the old internal form is
// renamed through plain values, and its quantity strings, whose keys the
// decoder saw capitalised, are gathered into quantities then.
func NormalizeValue(body ast.Object, kind, apiVersion, fallbackKind string, quantities map[string]bool) (ast.Object, bool) {
	md := body.Get(ast.InternedTerm("metadata"))
	if md == nil {
		if n := body.Get(ast.InternedTerm("name")); n != nil {
			if _, named := n.Value.(ast.String); named {
				return normalizeInternal(body, kind, apiVersion, fallbackKind, quantities)
			}
		}
		return nil, false
	}
	if name, _ := objectString(md.Value, "name"); name == "" {
		return nil, false
	}
	k, _ := objectString(body, "kind")
	switch {
	case k != "":
	case kind != "":
		k = kind
		body.Insert(ast.InternedTerm("kind"), ast.StringTerm(kind))
	case fallbackKind != "":
		k = fallbackKind
		body.Insert(ast.InternedTerm("kind"), ast.StringTerm(fallbackKind))
	default:
		return nil, false
	}
	if _, ok := objectString(body, "apiVersion"); !ok && apiVersion != "" {
		body.Insert(ast.InternedTerm("apiVersion"), ast.StringTerm(apiVersion))
	}
	if k == "Secret" {
		for _, field := range []string{"data", "stringData"} {
			t := body.Get(ast.InternedTerm(field))
			if t == nil {
				continue
			}
			if m, ok := t.Value.(ast.Object); ok {
				red := ast.NewObjectWithCapacity(m.Len())
				m.Foreach(func(k, _ *ast.Term) { red.Insert(k, ast.StringTerm(redacted)) })
				body.Insert(ast.InternedTerm(field), ast.NewTerm(red))
			}
		}
	}
	return body, true
}

// normalizeInternal maps the old internal form (rare: kubectl before 1.x
// wrote it) through plain values, where Normalize knows it.
func normalizeInternal(body ast.Object, kind, apiVersion, fallbackKind string, quantities map[string]bool) (ast.Object, bool) {
	v, err := ast.JSON(body)
	if err != nil {
		return nil, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	out, ok := Normalize(m, kind, apiVersion, fallbackKind)
	if !ok {
		return nil, false
	}
	facts.CollectQuantities(out, quantities)
	o, err := ast.InterfaceToValue(out)
	if err != nil {
		return nil, false
	}
	obj, ok := o.(ast.Object)
	return obj, ok
}

func objectString(v ast.Value, key string) (string, bool) {
	o, ok := v.(ast.Object)
	if !ok {
		return "", false
	}
	t := o.Get(ast.InternedTerm(key))
	if t == nil {
		return "", false
	}
	s, ok := t.Value.(ast.String)
	return string(s), ok
}

const redacted = "<redacted>"

func redactSecret(body map[string]any) {
	for _, field := range []string{"data", "stringData"} {
		if m, ok := body[field].(map[string]any); ok {
			for k := range m {
				m[k] = redacted
			}
		}
	}
}

// objectMetaFields are the ObjectMeta fields the internal form inlines.
var objectMetaFields = []string{
	"name", "generateName", "namespace", "selfLink", "uid", "resourceVersion",
	"generation", "creationTimestamp", "deletionTimestamp",
	"deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences",
	"initializers", "finalizers", "clusterName", "managedFields",
}

// mapFields hold user data keyed by arbitrary strings: their keys are never
// re-cased.
var mapFields = map[string]bool{
	"labels": true, "annotations": true, "selector": true, "nodeSelector": true,
	"matchLabels": true, "data": true, "binaryData": true, "stringData": true,
	"hard": true, "used": true, "capacity": true, "allocatable": true,
	"limits": true, "requests": true, "default": true, "defaultRequest": true,
	"max": true, "min": true, "maxLimitRequestRatio": true, "parameters": true,
}

func fromInternal(body map[string]any) map[string]any {
	md := map[string]any{}
	for _, f := range objectMetaFields {
		if v, ok := body[f]; ok {
			md[f] = v
			delete(body, f)
		}
	}
	out := lowerKeys(body, "").(map[string]any)
	out["metadata"] = md
	return out
}

func lowerKeys(v any, parent string) any {
	switch t := v.(type) {
	case map[string]any:
		if mapFields[parent] {
			// selector in a Deployment is a LabelSelector struct, in a
			// Service a plain map: only re-case the struct's own keys.
			if parent != "selector" || !isStructSelector(t) {
				return t
			}
		}
		out := make(map[string]any, len(t))
		for k, c := range t {
			nk := lowerFirst(k)
			out[nk] = lowerKeys(c, nk)
		}
		return out
	case []any:
		// Elements of a list are structs even when the list's own name is
		// also a map field's (LimitRange spec.limits).
		for i, c := range t {
			t[i] = lowerKeys(c, "")
		}
		return t
	}
	return v
}

func isStructSelector(m map[string]any) bool {
	_, a := m["MatchLabels"]
	_, b := m["MatchExpressions"]
	return a || b
}

// lowerFirst maps Go field names to JSON names as the API types tag them:
// Spec→spec, ClusterIP→clusterIP, PodIP→podIP, and a leading acronym as a
// whole: HTTPGet→httpGet, TCPSocket→tcpSocket, TTY→tty, IP→ip,
// SELinuxOptions→seLinuxOptions (the capital that starts the next word
// stays). Without that a probe's HTTPGet read as "hTTPGet" and an
// address's IP as "iP".
func lowerFirst(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	if !unicode.IsUpper(r) {
		return s
	}
	runes := []rune(s)
	n := 0
	for n < len(runes) && unicode.IsUpper(runes[n]) {
		n++
	}
	if n > 1 && n < len(runes) && unicode.IsLower(runes[n]) {
		n-- // the last capital begins the next word: HTTPGet → http+Get
	}
	for i := 0; i < n; i++ {
		runes[i] = unicode.ToLower(runes[i])
	}
	return string(runes)
}

// layoutKinds maps the file and folder names kubectl cluster-info dump
// --output-directory and support-bundle tools use to the kind they hold.
// The name is only a hint for Lists that carry no kind (the internal form).
var layoutKinds = map[string]string{
	"nodes": "Node", "pods": "Pod", "services": "Service", "events": "Event",
	"deployments": "Deployment", "replicasets": "ReplicaSet",
	"daemonsets": "DaemonSet", "statefulsets": "StatefulSet",
	"replication-controllers": "ReplicationController", "replicationcontrollers": "ReplicationController",
	"endpoints": "Endpoints", "endpointslices": "EndpointSlice",
	"resource-quotas": "ResourceQuota", "resource-quota": "ResourceQuota", "resourcequotas": "ResourceQuota",
	"limitranges": "LimitRange", "limit-ranges": "LimitRange",
	"configmaps": "ConfigMap", "network-policy": "NetworkPolicy", "networkpolicies": "NetworkPolicy",
	"namespaces": "Namespace", "jobs": "Job", "cronjobs": "CronJob",
}

// clusterScoped kinds have no namespace, whatever directory their list
// sits in.
var clusterScoped = map[string]bool{
	"Node": true, "Namespace": true, "PersistentVolume": true, "StorageClass": true,
	"ClusterRole": true, "ClusterRoleBinding": true, "CustomResourceDefinition": true,
	"PriorityClass": true, "IngressClass": true, "CSIDriver": true, "CSINode": true,
	"APIService": true, "MutatingWebhookConfiguration": true, "ValidatingWebhookConfiguration": true,
	"RuntimeClass": true, "VolumeAttachment": true,
}

func kindFromLayout(inner string) string {
	base := strings.TrimSuffix(path.Base(inner), path.Ext(inner))
	if k, ok := layoutKinds[base]; ok {
		return k
	}
	// support bundles: cluster-resources/<kind>/<namespace>.json
	if k, ok := layoutKinds[path.Base(path.Dir(inner))]; ok {
		return k
	}
	return ""
}

// namespaceFromLayout reads the namespace from <ns>/<kind>.json (cluster-info
// dump --output-directory) or <kind>/<ns>.json (support bundles).
func namespaceFromLayout(inner string) string {
	base := strings.TrimSuffix(path.Base(inner), path.Ext(inner))
	dir := path.Base(path.Dir(inner))
	if _, ok := layoutKinds[base]; ok && dir != "." && dir != "/" {
		if _, isKindDir := layoutKinds[dir]; !isKindDir && dir != "cluster-resources" {
			return dir
		}
	}
	if _, ok := layoutKinds[dir]; ok && base != "" {
		return base
	}
	return ""
}

// Single objects whose file's place names their kind. The OpenShift
// Insights archive writes some objects without kind or apiVersion
// (config/node/<node>.json, config/network.json: insights-operator's
// gatherers marshal the typed object, whose TypeMeta is empty). must-gather
// and `oc adm inspect` write one object per file under
// cluster-scoped-resources/<group>/<plural>/<name>.yaml and
// namespaces/<ns>/<group>/<plural>/<name>.yaml ("core" is the core group),
// and a pod as namespaces/<ns>/pods/<pod>/<pod>.yaml; they keep the kind,
// but a hand-made or re-serialised copy may not. The place is only used
// when the object does not say its kind.
var (
	reInsightsNode    = regexp.MustCompile(`(?:^|/)config/node/[^/]+\.json$`)
	reInsightsNetwork = regexp.MustCompile(`(?:^|/)config/network\.json$`)
	reGatherObject    = regexp.MustCompile(`(?:^|/)(?:cluster-scoped-resources|namespaces/[^/]+)/([^/]+)/([^/]+)/[^/]+\.(?:ya?ml|json)$`)
	reInspectPod      = regexp.MustCompile(`(?:^|/)namespaces/[^/]+/pods/([^/]+)/([^/]+)\.ya?ml$`)
)

// groupKinds maps <group>/<plural> of the must-gather layout to the kind
// and apiVersion of what it holds, for the resources rules read. A plural
// not listed gives no kind: a kind guessed from a plural would be wrong
// as often as right (ingresses, endpoints, networkpolicies).
var groupKinds = map[string][2]string{
	"core/nodes": {"Node", "v1"}, "core/pods": {"Pod", "v1"}, "core/services": {"Service", "v1"},
	"core/endpoints": {"Endpoints", "v1"}, "core/events": {"Event", "v1"},
	"core/configmaps": {"ConfigMap", "v1"}, "core/namespaces": {"Namespace", "v1"},
	"core/resourcequotas": {"ResourceQuota", "v1"}, "core/limitranges": {"LimitRange", "v1"},
	"core/persistentvolumes": {"PersistentVolume", "v1"}, "core/persistentvolumeclaims": {"PersistentVolumeClaim", "v1"},
	"core/replicationcontrollers": {"ReplicationController", "v1"},
	"apps/deployments":            {"Deployment", "apps/v1"}, "apps/replicasets": {"ReplicaSet", "apps/v1"},
	"apps/daemonsets": {"DaemonSet", "apps/v1"}, "apps/statefulsets": {"StatefulSet", "apps/v1"},
	"batch/jobs": {"Job", "batch/v1"}, "batch/cronjobs": {"CronJob", "batch/v1"},
	"discovery.k8s.io/endpointslices":             {"EndpointSlice", "discovery.k8s.io/v1"},
	"networking.k8s.io/networkpolicies":           {"NetworkPolicy", "networking.k8s.io/v1"},
	"config.openshift.io/networks":                {"Network", "config.openshift.io/v1"},
	"operator.openshift.io/networks":              {"Network", "operator.openshift.io/v1"},
	"config.openshift.io/clusteroperators":        {"ClusterOperator", "config.openshift.io/v1"},
	"crd.projectcalico.org/ippools":               {"IPPool", "crd.projectcalico.org/v1"},
	"nmstate.io/nodenetworkstates":                {"NodeNetworkState", ""},
	"nmstate.io/nodenetworkconfigurationpolicies": {"NodeNetworkConfigurationPolicy", ""},
}

// objectFromLayout returns the kind and apiVersion a single object must
// have from its file's place, or "" when the place does not say.
func objectFromLayout(inner string) (kind, apiVersion string) {
	switch {
	case reInsightsNode.MatchString(inner):
		return "Node", "v1"
	case reInsightsNetwork.MatchString(inner):
		return "Network", "config.openshift.io/v1"
	}
	if m := reInspectPod.FindStringSubmatch(inner); m != nil && m[1] == m[2] {
		return "Pod", "v1"
	}
	if m := reGatherObject.FindStringSubmatch(inner); m != nil {
		if k, ok := groupKinds[m[1]+"/"+m[2]]; ok {
			return k[0], k[1]
		}
	}
	return "", ""
}
