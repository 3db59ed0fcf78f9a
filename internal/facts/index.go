package facts

import "github.com/open-policy-agent/opa/v1/ast"

// IndexKey is the input's section of lookups built in Go for the rules'
// libraries (docs/facts.md, "index"). Every rule is its own OPA query, so
// a grouping written in Rego is built again by each rule that reads it: on
// 20,000 pods and 15,000 events the events-by-object and pods-by-namespace
// groupings cost 0.5–1 s in each of five rules. Here they are built once,
// in one pass, from the same terms the rules read (no copies). The Rego
// helpers that read them compute the same grouping themselves when the
// section is absent (`opa eval` over `ktriage facts` output, unit tests);
// TestIndexMatchesRego holds the two to the same answers on every fixture.
const IndexKey = "index"

// index groups the pod and event terms the way rules/lib reads them:
//
//   - events_by_object: "namespace/name" of involvedObject → its events in
//     the bundle's order (workload.events_by_object; events naming no
//     namespace or name as strings are in no group, as there);
//   - pods_by_namespace: metadata.namespace ("" when absent) → its pods
//     (workload.pods_in, kube.namespace's default);
//   - pods_by_node: spec.nodeName → the pods bound to it, terminated ones
//     included (kube.pods_by_node);
//   - pods_by_label: "namespace/key=value" → the namespace's pods carrying
//     that label (kube.selected: a Service's candidates are the pods with
//     one of its selector's pairs, not its whole namespace);
//   - controllers: "namespace/kind/name" of a ReplicaSet or Job → its
//     ownerReference marked controller (workload.controllers);
//   - workloads: "namespace/kind/name" → the Deployment, StatefulSet,
//     DaemonSet, Job, CronJob or ReplicaSet (workload.objects);
//   - pods_waiting: the pods that may be waiting for something, in the
//     bundle's order (kube.pods_waiting, mayWait).
func index(kinds map[string][]*ast.Term) ast.Object {
	pods, events := kinds["pods"], kinds["events"]
	byObject := groups{}
	for _, e := range events {
		ns, name := field(e, "involvedObject", "namespace"), field(e, "involvedObject", "name")
		s1, ok1 := stringOf(ns)
		s2, ok2 := stringOf(name)
		if ok1 && ok2 {
			byObject.add(ast.StringTerm(s1+"/"+s2), e)
		}
	}
	byNamespace, byNode, byLabel := groups{}, groups{}, groups{}
	var waiting []*ast.Term
	for _, p := range pods {
		if mayWait(p) {
			waiting = append(waiting, p)
		}
		ns := field(p, "metadata", "namespace")
		if ns == nil {
			ns = ast.StringTerm("")
		}
		byNamespace.add(ns, p)
		if node := field(p, "spec", "nodeName"); node != nil {
			byNode.add(node, p)
		}
		nsName, ok := stringOf(ns)
		labels, isObj := termValue(field(p, "metadata", "labels")).(ast.Object)
		if !ok || !isObj {
			continue
		}
		labels.Foreach(func(k, v *ast.Term) {
			ks, ok1 := stringOf(k)
			vs, ok2 := stringOf(v)
			if ok1 && ok2 {
				byLabel.add(ast.StringTerm(nsName+"/"+ks+"="+vs), p)
			}
		})
	}
	controllers := ast.NewObject()
	for plural, kind := range map[string]string{"replicasets": "ReplicaSet", "jobs": "Job"} {
		for _, o := range kinds[plural] {
			refs, _ := termValue(field(o, "metadata", "ownerReferences")).(*ast.Array)
			if refs == nil {
				continue
			}
			refs.Foreach(func(r *ast.Term) {
				if c, _ := termValue(field(r, "controller")).(ast.Boolean); c {
					controllers.Insert(workloadKey(o, kind), r)
				}
			})
		}
	}
	workloads := ast.NewObject()
	for plural, kind := range map[string]string{"deployments": "Deployment", "statefulsets": "StatefulSet", "daemonsets": "DaemonSet", "jobs": "Job", "cronjobs": "CronJob", "replicasets": "ReplicaSet"} {
		for _, o := range kinds[plural] {
			workloads.Insert(workloadKey(o, kind), o)
		}
	}
	return ast.NewObject(
		ast.Item(ast.StringTerm("events_by_object"), byObject.term()),
		ast.Item(ast.StringTerm("pods_by_namespace"), byNamespace.term()),
		ast.Item(ast.StringTerm("pods_by_node"), byNode.term()),
		ast.Item(ast.StringTerm("pods_by_label"), byLabel.term()),
		ast.Item(ast.StringTerm("controllers"), ast.NewTerm(controllers)),
		ast.Item(ast.StringTerm("workloads"), ast.NewTerm(workloads)),
		ast.Item(ast.StringTerm("pods_waiting"), ast.ArrayTerm(waiting...)),
	)
}

// mayWait is kube.may_wait: Pending, container statuses not a list, init
// container statuses neither a list nor null, or a container (init or
// not) whose state.waiting is there and not false (Rego's truth).
func mayWait(p *ast.Term) bool {
	if s, ok := stringOf(field(p, "status", "phase")); ok && s == "Pending" {
		return true
	}
	if _, ok := termValue(field(p, "status", "containerStatuses")).(*ast.Array); !ok {
		return true
	}
	init := field(p, "status", "initContainerStatuses")
	if init != nil {
		if _, null := init.Value.(ast.Null); !null {
			if _, ok := init.Value.(*ast.Array); !ok {
				return true
			}
		}
	}
	for _, list := range []string{"containerStatuses", "initContainerStatuses"} {
		arr, _ := termValue(field(p, "status", list)).(*ast.Array)
		if arr == nil {
			continue
		}
		found := false
		arr.Until(func(s *ast.Term) bool {
			w := field(s, "state", "waiting")
			if w == nil {
				return false
			}
			if b, ok := w.Value.(ast.Boolean); ok && !bool(b) {
				return false
			}
			found = true
			return true
		})
		if found {
			return true
		}
	}
	return false
}

// workloadKey is workload.key of an object: "namespace/kind/name". Every
// object in the facts has a string name and a string namespace or none.
func workloadKey(o *ast.Term, kind string) *ast.Term {
	ns, _ := stringOf(field(o, "metadata", "namespace"))
	name, _ := stringOf(field(o, "metadata", "name"))
	return ast.StringTerm(ns + "/" + kind + "/" + name)
}

// groups collects terms under a key term, keys compared as OPA compares
// them (an object's keys may be any value).
type groups struct {
	keys  []*ast.Term
	items map[string][]*ast.Term
}

func (g *groups) add(k, v *ast.Term) {
	if g.items == nil {
		g.items = map[string][]*ast.Term{}
	}
	s := k.Value.String()
	if _, ok := g.items[s]; !ok {
		g.keys = append(g.keys, k)
	}
	g.items[s] = append(g.items[s], v)
}

func (g groups) term() *ast.Term {
	obj := ast.NewObjectWithCapacity(len(g.keys))
	for _, k := range g.keys {
		obj.Insert(k, ast.ArrayTerm(g.items[k.Value.String()]...))
	}
	return ast.NewTerm(obj)
}
