package main

// Whole-bundle twins (-bundle DIR -out DIR): every object of a fixture's
// bundle as `kubectl describe <kind> -n <ns>` prints it, one file per kind
// and namespace, its pod logs as a saved session of `kubectl logs`
// commands, and its other files (node files, captures) as they are. The
// golden tests require the twin to give the fixture's findings
// (expect.yaml same_findings_as); scripts/make-describe-twins.sh writes
// them.

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/kubectl/pkg/describe"
)

// kinds are described in this order, each as `kubectl describe <plural>
// [-n NS]` prints them.
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

func describers(c clientset.Interface) map[string]describe.ResourceDescriber {
	sts, cron := &describe.StatefulSetDescriber{}, &describe.CronJobDescriber{}
	setClient(sts, c)
	setClient(cron, c)
	return map[string]describe.ResourceDescriber{
		"Node": &describe.NodeDescriber{Interface: c}, "Namespace": &describe.NamespaceDescriber{Interface: c},
		"PersistentVolume": &describe.PersistentVolumeDescriber{Interface: c}, "StorageClass": &describe.StorageClassDescriber{Interface: c},
		"Deployment": deploymentDescriber(c), "ReplicaSet": &describe.ReplicaSetDescriber{Interface: c},
		"StatefulSet": sts, "DaemonSet": &describe.DaemonSetDescriber{Interface: c},
		"Job": &describe.JobDescriber{Interface: c}, "CronJob": cron,
		"Pod": &describe.PodDescriber{Interface: c}, "Service": &describe.ServiceDescriber{Interface: c},
		"Endpoints": &describe.EndpointsDescriber{Interface: c}, "PersistentVolumeClaim": &describe.PersistentVolumeClaimDescriber{Interface: c},
		"ResourceQuota": &describe.ResourceQuotaDescriber{Interface: c}, "LimitRange": &describe.LimitRangeDescriber{Interface: c},
		"NetworkPolicy": &describe.NetworkPolicyDescriber{Interface: c}, "ConfigMap": &describe.ConfigMapDescriber{Interface: c},
	}
}

type item struct {
	kind, namespace, name string
	body                  map[string]any
}

type podLog struct{ ns, pod, text string }

func writeTwin(in, out, nowFlag string) error {
	if out == "" {
		return fmt.Errorf("-bundle needs -out")
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%s exists: remove it first", out)
	}
	items, logs, others, err := readBundle(in)
	if err != nil {
		return err
	}
	// Ages are printed against the clock: describe at a fixed moment (the
	// bundle's last event or pod creation, or -now) so the text is the
	// same on every run.
	now := latest(items)
	if nowFlag != "" {
		if now, err = time.Parse(time.RFC3339, nowFlag); err != nil {
			return fmt.Errorf("-now: %w", err)
		}
	}
	shift := time.Since(now) - 500*time.Millisecond
	var objs []runtime.Object
	endpoints := map[string]bool{}
	for _, it := range items {
		o, err := decodeObject(it.body, it.kind, shift)
		if err != nil {
			return fmt.Errorf("%s %s/%s: %w", it.kind, it.namespace, it.name, err)
		}
		objs = append(objs, o)
		if it.kind == "Endpoints" || it.kind == "EndpointSlice" {
			endpoints[it.namespace+"/"+it.name] = true
		}
	}
	ds := describers(newClient(objs))
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, k := range kinds {
		byNS := map[string][]item{}
		for _, it := range items {
			if it.kind != k.kind {
				continue
			}
			if k.kind == "Service" && !endpoints[it.namespace+"/"+it.name] {
				// A live cluster's describe prints a Service's endpoints;
				// from a bundle without them it would print "<none>",
				// which is not what the cluster said: not described.
				continue
			}
			byNS[it.namespace] = append(byNS[it.namespace], it)
		}
		for _, ns := range sortedKeys(byNS) {
			list := byNS[ns]
			sort.Slice(list, func(i, j int) bool { return list[i].name < list[j].name })
			var buf bytes.Buffer
			for i, it := range list {
				s, err := ds[k.kind].Describe(it.namespace, it.name, describe.DescriberSettings{ShowEvents: true, ChunkSize: 500})
				if err != nil {
					return fmt.Errorf("describe %s %s/%s: %w", k.kind, it.namespace, it.name, err)
				}
				if i > 0 {
					// kubectl describe (pkg/cmd/describe) separates objects so
					buf.WriteString("\n\n")
				}
				buf.WriteString(s)
			}
			name := "describe-" + k.plural + ".txt"
			if k.namespaced {
				name = "describe-" + k.plural + "-" + ns + ".txt"
			}
			if err := os.WriteFile(filepath.Join(out, name), buf.Bytes(), 0o644); err != nil {
				return err
			}
		}
	}
	if len(logs) > 0 {
		var buf bytes.Buffer
		for _, l := range logs {
			fmt.Fprintf(&buf, "$ kubectl -n %s logs %s\n%s", l.ns, l.pod, l.text)
			if !strings.HasSuffix(l.text, "\n") {
				buf.WriteString("\n")
			}
		}
		buf.WriteString("$ \n") // the session's closing prompt
		if err := os.WriteFile(filepath.Join(out, "kubectl-logs-session.txt"), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	for _, rel := range others {
		b, err := os.ReadFile(filepath.Join(in, rel))
		if err != nil {
			return err
		}
		dst := filepath.Join(out, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// readBundle collects the objects of every JSON/YAML file under dir
// (Lists opened), the dump's <ns>/<pod>/logs.txt files, and the paths of
// all other files.
func readBundle(dir string) ([]item, []podLog, []string, error) {
	var items []item
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
				if !u.IsList() {
					items = append(items, item{u.GetKind(), u.GetNamespace(), u.GetName(), u.Object})
					continue
				}
				l, err := u.ToList()
				if err != nil {
					return fmt.Errorf("%s: %w", rel, err)
				}
				// a dump's List items carry no kind: the List's name says it
				itemKind := strings.TrimSuffix(u.GetKind(), "List")
				for _, it := range l.Items {
					kind := it.GetKind()
					if kind == "" {
						kind = itemKind
					}
					items = append(items, item{kind, it.GetNamespace(), it.GetName(), it.Object})
				}
			}
		default:
			others = append(others, rel)
		}
		return nil
	})
	sort.Slice(logs, func(i, j int) bool { return logs[i].ns+"/"+logs[i].pod < logs[j].ns+"/"+logs[j].pod })
	return items, logs, others, err
}

// latest is the last event or pod creation of the bundle, a minute on: the
// moment a support engineer would have run kubectl describe.
func latest(items []item) time.Time {
	var t time.Time
	for _, it := range items {
		for _, path := range [][]string{{"lastTimestamp"}, {"metadata", "creationTimestamp"}} {
			if it.kind != "Event" && path[0] == "lastTimestamp" {
				continue
			}
			s, _, _ := unstructured.NestedString(it.body, path...)
			if x, err := time.Parse(time.RFC3339, s); err == nil && x.After(t) {
				t = x
			}
		}
	}
	return t.Add(time.Minute)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
