// Command describetext prints what `kubectl describe` prints for objects
// read from JSON lists (a fixture's JSON twin), with kubectl's own
// describers (k8s.io/kubectl/pkg/describe) over a fake clientset. It makes
// the describe-text fixtures of testdata/dumps the text kubectl would print
// for the same objects, not a hand-made imitation.
//
//	describetext -now 2024-03-11T09:35:00Z -f pods.json -f nodes.json pod/ns/name node/name ...
//
// kubectl prints ages relative to the clock (the Events table, a node's
// Non-terminated Pods): the events' and pods' timestamps are shifted so
// that -now is the moment of describing, and the text is the same on every
// run.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"time"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/kubernetes/scheme"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/kubectl/pkg/describe"
)

type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(v string) error { *f = append(*f, v); return nil }

func main() {
	var in files
	flag.Var(&in, "f", "a JSON List (or object) of the twin; repeatable")
	nowFlag := flag.String("now", "", "the moment the text is described at (RFC 3339)")
	bundle := flag.String("bundle", "", "write the text twin of this whole fixture bundle (see bundle.go) instead")
	out := flag.String("out", "", "with -bundle: the directory to write the twin into (must not exist)")
	flag.Parse()
	if *bundle != "" {
		if err := writeTwin(*bundle, *out, *nowFlag); err != nil {
			fail(err)
		}
		return
	}
	now, err := time.Parse(time.RFC3339, *nowFlag)
	if err != nil {
		fail(fmt.Errorf("-now: %w", err))
	}
	// half a second ahead: kubectl truncates ages to whole seconds, so the
	// text stays the same for runs of up to half a second
	shift := time.Since(now) - 500*time.Millisecond
	objs, err := load(in, shift)
	if err != nil {
		fail(err)
	}
	api := newClient(objs)
	settings := &describe.DescriberSettings{ShowEvents: true, ChunkSize: 500}
	for i, ref := range flag.Args() {
		parts := strings.Split(ref, "/")
		var d describe.ResourceDescriber
		ns, name := "", parts[len(parts)-1]
		if len(parts) == 3 {
			ns = parts[1]
		}
		switch parts[0] {
		case "pod":
			d = &describe.PodDescriber{Interface: api}
		case "node":
			d = &describe.NodeDescriber{Interface: api}
		case "deployment":
			d = deploymentDescriber(api)
		case "replicaset":
			d = &describe.ReplicaSetDescriber{Interface: api}
		case "job":
			d = &describe.JobDescriber{Interface: api}
		case "serviceaccount":
			d = &describe.ServiceAccountDescriber{Interface: api}
		case "service":
			d = &describe.ServiceDescriber{Interface: api}
		case "configmap":
			d = &describe.ConfigMapDescriber{Interface: api}
		default:
			fail(fmt.Errorf("%s: no describer here", ref))
		}
		s, err := d.Describe(ns, name, *settings)
		if err != nil {
			fail(fmt.Errorf("%s: %w", ref, err))
		}
		if i > 0 {
			// kubectl describe separates objects with a blank line
			fmt.Print("\n\n")
		}
		fmt.Print(s)
	}
}

// newClient is a fake clientset holding objs that answers as the API
// server would where kubectl's describers depend on it. The fake ignores
// field selectors; the describers narrow events to the object and a
// node's pods by them.
func newClient(objs []runtime.Object) clientset.Interface {
	cs := fake.NewSimpleClientset(objs...)
	cs.PrependReactor("list", "*", func(a clienttesting.Action) (bool, runtime.Object, error) {
		la, ok := a.(clienttesting.ListAction)
		if !ok || la.GetListRestrictions().Fields.Empty() {
			return false, nil, nil
		}
		return true, filtered(objs, la), nil
	})
	return client{cs}
}

// deploymentDescriber sets the clientset of kubectl's DeploymentDescriber,
// which (unlike the others) keeps it in an unexported field that only
// DescriberFor fills, from a REST config for a live server.
func deploymentDescriber(c clientset.Interface) *describe.DeploymentDescriber {
	d := &describe.DeploymentDescriber{}
	setClient(d, c)
	return d
}

// setClient fills the unexported client field of a describer (Deployment,
// StatefulSet and CronJob keep it there), so that kubectl's code, not a
// copy of it, prints.
func setClient(d any, c clientset.Interface) {
	f := reflect.ValueOf(d).Elem().FieldByName("client")
	reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Set(reflect.ValueOf(c))
}

// client is the fake clientset with the events client's real
// GetFieldSelector: the fake's selects everything, so every event of the
// namespace would be listed under every object.
type client struct{ *fake.Clientset }

func (c client) CoreV1() corev1client.CoreV1Interface { return coreV1{c.Clientset.CoreV1()} }

type coreV1 struct{ corev1client.CoreV1Interface }

func (c coreV1) Events(ns string) corev1client.EventInterface {
	return events{c.CoreV1Interface.Events(ns)}
}

type events struct{ corev1client.EventInterface }

// GetFieldSelector as client-go's typed events client builds it
// (kubernetes/typed/core/v1/event_expansion.go).
func (events) GetFieldSelector(name, namespace, kind, uid *string) fields.Selector {
	set := fields.Set{}
	for k, v := range map[string]*string{"involvedObject.name": name, "involvedObject.namespace": namespace, "involvedObject.kind": kind, "involvedObject.uid": uid} {
		if v != nil {
			set[k] = *v
		}
	}
	return set.AsSelector()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "describetext:", err)
	os.Exit(2)
}

// load decodes each file's items (cluster-info dump lists carry no kind on
// their items: the list's kind names it) and shifts the timestamps kubectl
// prints as ages.
func load(paths []string, shift time.Duration) ([]runtime.Object, error) {
	var out []runtime.Object
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var list struct {
			Kind  string            `json:"kind"`
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		kind := strings.TrimSuffix(list.Kind, "List")
		for _, item := range list.Items {
			var m map[string]any
			if err := json.Unmarshal(item, &m); err != nil {
				return nil, err
			}
			o, err := decodeObject(m, kind, shift)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			out = append(out, o)
		}
	}
	return out, nil
}

// decodeObject makes a typed object of a List item (kind from the List
// when the item carries none) and shifts the timestamps kubectl prints as
// ages.
func decodeObject(m map[string]any, kind string, shift time.Duration) (runtime.Object, error) {
	if m["kind"] == nil {
		m["kind"] = kind
	}
	if m["apiVersion"] == nil {
		m["apiVersion"] = apiVersion(m["kind"].(string))
	}
	b, _ := json.Marshal(m)
	o, _, err := codecs.UniversalDeserializer().Decode(b, nil, nil)
	if err != nil {
		return nil, err
	}
	switch x := o.(type) {
	case *corev1.Event:
		x.FirstTimestamp = metav1.NewTime(x.FirstTimestamp.Add(shift))
		x.LastTimestamp = metav1.NewTime(x.LastTimestamp.Add(shift))
	case *corev1.Pod:
		x.CreationTimestamp = metav1.NewTime(x.CreationTimestamp.Add(shift))
	}
	return o, nil
}

var codecs = serializer.NewCodecFactory(scheme.Scheme)

func apiVersion(kind string) string {
	switch kind {
	case "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet":
		return "apps/v1"
	case "Job", "CronJob":
		return "batch/v1"
	case "NetworkPolicy":
		return "networking.k8s.io/v1"
	case "StorageClass":
		return "storage.k8s.io/v1"
	}
	return "v1"
}

// filtered answers a list with a field selector the way the API server
// would, for the fields kubectl's describers select on.
func filtered(objs []runtime.Object, la clienttesting.ListAction) runtime.Object {
	sel := la.GetListRestrictions().Fields
	ns := la.GetNamespace()
	switch la.GetResource().Resource {
	case "events":
		l := &corev1.EventList{}
		for _, o := range objs {
			if e, ok := o.(*corev1.Event); ok && (ns == "" || e.Namespace == ns) && sel.Matches(fields.Set{
				"involvedObject.name": e.InvolvedObject.Name, "involvedObject.namespace": e.InvolvedObject.Namespace,
				"involvedObject.kind": e.InvolvedObject.Kind, "involvedObject.uid": string(e.InvolvedObject.UID),
			}) {
				l.Items = append(l.Items, *e)
			}
		}
		return l
	case "pods":
		l := &corev1.PodList{}
		for _, o := range objs {
			if p, ok := o.(*corev1.Pod); ok && (ns == "" || p.Namespace == ns) && sel.Matches(fields.Set{
				"spec.nodeName": p.Spec.NodeName, "status.phase": string(p.Status.Phase),
				"metadata.name": p.Name, "metadata.namespace": p.Namespace,
			}) {
				l.Items = append(l.Items, *p)
			}
		}
		return l
	}
	return nil
}
