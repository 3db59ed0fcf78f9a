// Command describetwin writes the text twin of a fixture: what `kubectl
// describe` and `kubectl logs` print for the objects and logs of a
// `kubectl cluster-info dump --output-directory` tree (plus any other
// JSON/YAML object files in it), produced by kubectl's own describers
// (k8s.io/kubectl/pkg/describe) over a fake clientset holding exactly
// those objects. The golden tests then require ktriage to give the same
// findings on the twin as on the JSON (issue 11: "every rule gives the
// same findings on a fixture's describe/get/logs text form as on its JSON
// form"). Using kubectl's describers, not a template of ours, keeps the
// text what a customer pastes.
//
//	go run . -in ../../testdata/dumps/crashloop-incident/bundle -out ../../testdata/dumps/crashloop-incident-describe/bundle
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/kubernetes/scheme"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/kubectl/pkg/describe"
)

// kinds are described in this order, each as `kubectl describe <plural>
// [-n NS]` would print them.
var kinds = []struct {
	kind, plural string
	namespaced   bool
}{
	{"Node", "nodes", false},
	{"Namespace", "namespaces", false},
	{"PersistentVolume", "persistentvolumes", false},
	{"StorageClass", "storageclasses", false},
	{"Deployment", "deployments", true},
	{"ReplicaSet", "replicasets", true},
	{"StatefulSet", "statefulsets", true},
	{"DaemonSet", "daemonsets", true},
	{"Job", "jobs", true},
	{"CronJob", "cronjobs", true},
	{"Pod", "pods", true},
	{"Service", "services", true},
	{"Endpoints", "endpoints", true},
	{"PersistentVolumeClaim", "persistentvolumeclaims", true},
	{"ResourceQuota", "resourcequotas", true},
	{"LimitRange", "limitranges", true},
	{"NetworkPolicy", "networkpolicies", true},
	{"ConfigMap", "configmaps", true},
}

func main() {
	in := flag.String("in", "", "fixture bundle directory (cluster-info dump --output-directory tree and object files)")
	out := flag.String("out", "", "directory to write the text twin into (created; must not exist)")
	flag.Parse()
	if *in == "" || *out == "" {
		log.Fatal("usage: describetwin -in DIR -out DIR")
	}
	objs, logs, others, err := read(*in)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := os.Stat(*out); err == nil {
		log.Fatalf("%s exists: remove it first", *out)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	// node files, captures, anything not an object or a pod log: as is
	for _, rel := range others {
		b, err := os.ReadFile(filepath.Join(*in, rel))
		if err != nil {
			log.Fatal(err)
		}
		dst := filepath.Join(*out, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	client := fakeClient(objs)
	describers := describerMap(client)
	haveEndpoints := map[string]bool{}
	for _, o := range objs {
		if o.GetKind() == "Endpoints" || o.GetKind() == "EndpointSlice" {
			haveEndpoints[o.GetNamespace()+"/"+o.GetName()] = true
		}
	}
	for _, k := range kinds {
		byNS := map[string][]*unstructured.Unstructured{}
		for _, o := range objs {
			if k.kind == "Service" && !haveEndpoints[o.GetNamespace()+"/"+o.GetName()] {
				// A live cluster's describe prints a Service's endpoints;
				// from a bundle without them it would print "<none>",
				// which is not what the cluster said: not described.
				log.Printf("no Endpoints of Service %s/%s: not described", o.GetNamespace(), o.GetName())
				continue
			}
			if o.GetKind() == k.kind {
				byNS[o.GetNamespace()] = append(byNS[o.GetNamespace()], o)
			}
		}
		for _, ns := range sortedKeys(byNS) {
			list := byNS[ns]
			sort.Slice(list, func(i, j int) bool { return list[i].GetName() < list[j].GetName() })
			d := describers[k.kind]
			var buf bytes.Buffer
			for i, o := range list {
				s, err := d.Describe(o.GetNamespace(), o.GetName(), describe.DescriberSettings{ShowEvents: true, ChunkSize: 500})
				if err != nil {
					log.Fatalf("describe %s %s/%s: %v", k.kind, o.GetNamespace(), o.GetName(), err)
				}
				// kubectl describe (pkg/cmd/describe/describe.go) separates
				// objects with two blank lines
				if i > 0 {
					buf.WriteString("\n\n")
				}
				buf.WriteString(s)
			}
			name := "describe-" + k.plural + ".txt"
			if k.namespaced {
				name = "describe-" + k.plural + "-" + ns + ".txt"
			}
			if err := os.WriteFile(filepath.Join(*out, name), buf.Bytes(), 0o644); err != nil {
				log.Fatal(err)
			}
		}
	}
	if len(logs) > 0 {
		// a terminal session: each `kubectl logs` command and its output
		var buf bytes.Buffer
		for _, l := range logs {
			fmt.Fprintf(&buf, "$ kubectl -n %s logs %s\n%s", l.ns, l.pod, l.text)
			if !strings.HasSuffix(l.text, "\n") {
				buf.WriteString("\n")
			}
		}
		buf.WriteString("$ \n")
		if err := os.WriteFile(filepath.Join(*out, "kubectl-logs-session.txt"), buf.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

type podLog struct{ ns, pod, text string }

// read collects every object of the JSON/YAML files under dir (Lists
// opened), the dump's <ns>/<pod>/logs.txt files, and the paths of all
// other files.
func read(dir string) ([]*unstructured.Unstructured, []podLog, []string, error) {
	var objs []*unstructured.Unstructured
	var logs []podLog
	var others []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch ext := filepath.Ext(p); {
		case d.Name() == "logs.txt":
			parts := strings.Split(filepath.ToSlash(rel), "/")
			if len(parts) < 3 {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			logs = append(logs, podLog{ns: parts[len(parts)-3], pod: parts[len(parts)-2], text: string(b)})
		case ext == ".json" || ext == ".yaml" || ext == ".yml":
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			dec := utilyaml.NewYAMLOrJSONDecoder(f, 4096)
			for {
				u := &unstructured.Unstructured{}
				if err := dec.Decode(&u.Object); err == io.EOF {
					break
				} else if err != nil {
					return fmt.Errorf("%s: %w", rel, err)
				}
				if u.Object == nil {
					continue
				}
				if u.IsList() {
					l, err := u.ToList()
					if err != nil {
						return fmt.Errorf("%s: %w", rel, err)
					}
					// a dump's List items carry no kind: the List's name says it
					itemKind := strings.TrimSuffix(u.GetKind(), "List")
					for i := range l.Items {
						it := l.Items[i]
						if it.GetKind() == "" {
							it.SetKind(itemKind)
							it.SetAPIVersion(u.GetAPIVersion())
						}
						objs = append(objs, &it)
					}
					continue
				}
				objs = append(objs, u)
			}
		default:
			others = append(others, rel)
		}
		return nil
	})
	sort.Slice(logs, func(i, j int) bool { return logs[i].ns+"/"+logs[i].pod < logs[j].ns+"/"+logs[j].pod })
	return objs, logs, others, err
}

var groupOf = map[string]schema.GroupVersion{
	"Deployment": {Group: "apps", Version: "v1"}, "ReplicaSet": {Group: "apps", Version: "v1"},
	"StatefulSet": {Group: "apps", Version: "v1"}, "DaemonSet": {Group: "apps", Version: "v1"},
	"Job": {Group: "batch", Version: "v1"}, "CronJob": {Group: "batch", Version: "v1"},
	"NetworkPolicy": {Group: "networking.k8s.io", Version: "v1"}, "StorageClass": {Group: "storage.k8s.io", Version: "v1"},
}

// fakeClient holds the objects as typed values. The fake's list ignores
// field selectors, and the describers find an object's events with one
// (involvedObject.name=…, involvedObject.namespace=…, …), so events are
// listed through a reactor that applies it.
func fakeClient(objs []*unstructured.Unstructured) kubernetes.Interface {
	var typed []runtime.Object
	var events []*corev1.Event
	for _, u := range objs {
		gvk := u.GroupVersionKind()
		if gvk.Version == "" {
			gvk = schema.GroupVersionKind{Version: "v1", Kind: u.GetKind()}
		}
		o, err := scheme.Scheme.New(gvk)
		if err != nil {
			// a List written as v1 whose items are of another group
			if gv, ok := groupOf[gvk.Kind]; ok {
				gvk = gv.WithKind(gvk.Kind)
				u.SetAPIVersion(gv.String())
				o, err = scheme.Scheme.New(gvk)
			}
		}
		if err != nil {
			log.Printf("skip %s %s/%s: %v", u.GetKind(), u.GetNamespace(), u.GetName(), err)
			continue
		}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, o); err != nil {
			log.Fatalf("%s %s/%s: %v", u.GetKind(), u.GetNamespace(), u.GetName(), err)
		}
		if e, ok := o.(*corev1.Event); ok {
			events = append(events, e)
		}
		typed = append(typed, o)
	}
	c := fake.NewSimpleClientset(typed...)
	c.PrependReactor("list", "events", func(a k8stesting.Action) (bool, runtime.Object, error) {
		la := a.(k8stesting.ListAction)
		sel := la.GetListRestrictions().Fields
		out := &corev1.EventList{}
		for _, e := range events {
			if ns := la.GetNamespace(); ns != "" && e.Namespace != ns {
				continue
			}
			f := fields.Set{
				"involvedObject.kind": e.InvolvedObject.Kind, "involvedObject.name": e.InvolvedObject.Name,
				"involvedObject.namespace": e.InvolvedObject.Namespace, "involvedObject.uid": string(e.InvolvedObject.UID),
				"involvedObject.apiVersion": e.InvolvedObject.APIVersion, "involvedObject.resourceVersion": e.InvolvedObject.ResourceVersion,
				"involvedObject.fieldPath": e.InvolvedObject.FieldPath,
			}
			if sel == nil || sel.Matches(f) {
				out.Items = append(out.Items, *e)
			}
		}
		return true, out, nil
	})
	return eventSearch{c}
}

// eventSearch gives the fake clientset the real events client's field
// selector (client-go's fake returns "everything", so every object would
// show every event of its namespace).
type eventSearch struct{ *fake.Clientset }

func (c eventSearch) CoreV1() corev1client.CoreV1Interface { return coreV1{c.Clientset.CoreV1()} }

type coreV1 struct{ corev1client.CoreV1Interface }

func (c coreV1) Events(ns string) corev1client.EventInterface {
	return events{c.CoreV1Interface.Events(ns)}
}

type events struct{ corev1client.EventInterface }

// GetFieldSelector is client-go's (kubernetes/typed/core/v1/event_expansion.go).
func (events) GetFieldSelector(name, namespace, kind, uid *string) fields.Selector {
	set := fields.Set{}
	if name != nil {
		set["involvedObject.name"] = *name
	}
	if namespace != nil {
		set["involvedObject.namespace"] = *namespace
	}
	if kind != nil {
		set["involvedObject.kind"] = *kind
	}
	if uid != nil {
		set["involvedObject.uid"] = *uid
	}
	return set.AsSelector()
}

// describerMap is kubectl's own (describe.describerMap), built on a
// clientset instead of a rest.Config. Three describers keep their client
// in an unexported field; it is set through reflection, as a test helper
// may, so that their code, not a copy of it, prints.
func describerMap(c kubernetes.Interface) map[string]describe.ResourceDescriber {
	withClient := func(d any) describe.ResourceDescriber {
		v := reflect.ValueOf(d).Elem().FieldByName("client")
		reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem().Set(reflect.ValueOf(c))
		return d.(describe.ResourceDescriber)
	}
	return map[string]describe.ResourceDescriber{
		"Node":                  &describe.NodeDescriber{Interface: c},
		"Namespace":             &describe.NamespaceDescriber{Interface: c},
		"PersistentVolume":      &describe.PersistentVolumeDescriber{Interface: c},
		"StorageClass":          &describe.StorageClassDescriber{Interface: c},
		"Deployment":            withClient(&describe.DeploymentDescriber{}),
		"ReplicaSet":            &describe.ReplicaSetDescriber{Interface: c},
		"StatefulSet":           withClient(&describe.StatefulSetDescriber{}),
		"DaemonSet":             &describe.DaemonSetDescriber{Interface: c},
		"Job":                   &describe.JobDescriber{Interface: c},
		"CronJob":               withClient(&describe.CronJobDescriber{}),
		"Pod":                   &describe.PodDescriber{Interface: c},
		"Service":               &describe.ServiceDescriber{Interface: c},
		"Endpoints":             &describe.EndpointsDescriber{Interface: c},
		"PersistentVolumeClaim": &describe.PersistentVolumeClaimDescriber{Interface: c},
		"ResourceQuota":         &describe.ResourceQuotaDescriber{Interface: c},
		"LimitRange":            &describe.LimitRangeDescriber{Interface: c},
		"NetworkPolicy":         &describe.NetworkPolicyDescriber{Interface: c},
		"ConfigMap":             &describe.ConfigMapDescriber{Interface: c},
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
