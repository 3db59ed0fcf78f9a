package facts

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

func nodeObj(name, ip, hostname string) map[string]any {
	addrs := []any{map[string]any{"type": "InternalIP", "address": ip}}
	if hostname != "" {
		addrs = append(addrs, map[string]any{"type": "Hostname", "address": hostname})
	}
	return map[string]any{"kind": "Node", "metadata": map[string]any{"name": name}, "status": map[string]any{"addresses": addrs}}
}

func TestAttribution(t *testing.T) {
	cases := []struct {
		name   string
		nodes  []map[string]any
		nf     NodeFacts
		node   string
		method string
	}{
		{"path element names a node", []map[string]any{nodeObj("vm-5", "10.0.0.5", "")},
			NodeFacts{Inner: "bundle/nodes/vm-5/ip-a.txt"}, "vm-5", "path"},
		{"per-node archive", []map[string]any{nodeObj("worker-1", "10.0.1.11", "")},
			NodeFacts{Inner: "support/worker-1/ip-d-addr.txt", Containers: []string{"worker-1"}}, "worker-1", "path"},
		{"file name prefix", []map[string]any{nodeObj("vm-5", "10.0.0.5", "")},
			NodeFacts{Inner: "collected/vm-5-ipaddr.txt"}, "vm-5", "path"},
		{"host name of an FQDN node", []map[string]any{nodeObj("ip-10-0-1-5.ec2.internal", "10.0.1.5", "ip-10-0-1-5.ec2.internal")},
			NodeFacts{Inner: "x/sysctl.txt", Hostnames: []string{"ip-10-0-1-5"}}, "ip-10-0-1-5.ec2.internal", "hostname"},
		{"address equals InternalIP", []map[string]any{nodeObj("vm-5", "10.0.0.5", ""), nodeObj("vm-4", "10.0.0.4", "")},
			NodeFacts{Inner: "files/ipaddr-output.txt", Addresses: []string{"127.0.0.1", "10.0.0.4"}}, "vm-4", "address"},
		{"layout without a dump", nil,
			NodeFacts{Inner: "nodes/worker-9/iptables-save.txt"}, "worker-9", "path"},
		{"only node of the cluster", []map[string]any{nodeObj("kind-control-plane", "172.18.0.2", "")},
			NodeFacts{Inner: "netstat-s.txt"}, "kind-control-plane", "only-node"},
		{"nothing says", []map[string]any{nodeObj("a", "10.0.0.1", ""), nodeObj("b", "10.0.0.2", "")},
			NodeFacts{Inner: "netstat-s.txt"}, "", "none"},
		{"a file-name prefix naming no Node is not a node", []map[string]any{nodeObj("a", "10.0.0.1", ""), nodeObj("b", "10.0.0.2", "")},
			NodeFacts{Inner: "client.pcap"}, "", "none"},
		{"capture named <node>-<iface>", []map[string]any{nodeObj("vm-4", "10.0.0.4", ""), nodeObj("vm-5", "10.0.0.5", "")},
			NodeFacts{Inner: "captures/vm-5-tunl0.pcap"}, "vm-5", "path"},
		{"capture named <node>_<iface>.pcapng", []map[string]any{nodeObj("vm-4", "10.0.0.4", ""), nodeObj("vm-5", "10.0.0.5", "")},
			NodeFacts{Inner: "vm-4_eth0.pcapng"}, "vm-4", "path"},
		{"capture named <node>.<iface>, gzipped", []map[string]any{nodeObj("k8s-worker1", "10.0.0.4", ""), nodeObj("vm-5", "10.0.0.5", "")},
			NodeFacts{Inner: "k8s-worker1.vxlan.calico.pcap", Containers: []string{"k8s-worker1.vxlan.calico.pcap.gz"}}, "k8s-worker1", "path"},
		{"the longest node prefix wins", []map[string]any{nodeObj("vm", "10.0.0.4", ""), nodeObj("vm-5", "10.0.0.5", "")},
			NodeFacts{Inner: "vm-5-eth0.pcap"}, "vm-5", "path"},
		{"capture prefix naming no node", []map[string]any{nodeObj("vm-4", "10.0.0.4", ""), nodeObj("vm-5", "10.0.0.5", "")},
			NodeFacts{Inner: "vm-6-eth0.pcap"}, "", "none"},
		{"without a dump a file name makes no node", nil,
			NodeFacts{Inner: "collected/vm-5-ipaddr.txt"}, "", "none"},
		{"without a dump a capture name makes no node", nil,
			NodeFacts{Inner: "capture-eth0.pcap"}, "", "none"},
		{"a capture taken at a pod belongs to the pod's node", []map[string]any{nodeObj("a", "10.0.0.1", ""), nodeObj("b", "10.0.0.2", ""),
			{"kind": "Pod", "metadata": map[string]any{"name": "p", "namespace": "n"}, "spec": map[string]any{"nodeName": "b"}, "status": map[string]any{"podIP": "10.244.2.7"}}},
			NodeFacts{Inner: "client.pcap", Addresses: []string{"10.244.2.7"}}, "b", "address"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder()
			for _, n := range tc.nodes {
				b.AddObject(n, Source{File: "nodes.json"})
			}
			tc.nf.File = "f:" + tc.name
			tc.nf.Sections = map[string]any{"sysctl": map[string]any{"k": "v"}}
			b.AddNode(tc.nf)
			f := b.Build()
			a := f.NodeAttribution[tc.nf.File]
			if a.Node != tc.node || a.Method != tc.method {
				t.Errorf("attributed to %q by %s (%s), want %q by %s", a.Node, a.Method, a.Detail, tc.node, tc.method)
			}
		})
	}
}

// TestCaptureNamesNodeOthersMakeKnown: a file name counts only for a node
// known otherwise (here a per-node folder); the capture's interface is
// recorded in its document; a file nothing attributes is listed as such
// and is no node.
func TestCaptureNamesNodeOthersMakeKnown(t *testing.T) {
	b := NewBuilder()
	b.AddNode(NodeFacts{File: "nodes/vm-5/ip-a.txt", Inner: "nodes/vm-5/ip-a.txt", Sections: map[string]any{"interfaces": []any{}}})
	capDoc := map[string]any{"file": "captures/vm-5.eth0.pcap"}
	b.AddNode(NodeFacts{File: "captures/vm-5.eth0.pcap", Inner: "captures/vm-5.eth0.pcap", Kind: "pcap", Sections: map[string]any{"captures": []any{capDoc}}})
	b.AddNode(NodeFacts{File: "nodes/vm-5/vm-5_tunl0.pcapng", Inner: "nodes/vm-5/vm-5_tunl0.pcapng", Kind: "pcap", Sections: map[string]any{"captures": []any{map[string]any{}}}})
	b.AddNode(NodeFacts{File: "tickets/vm-4-ipaddr.txt", Inner: "tickets/vm-4-ipaddr.txt", Sections: map[string]any{"interfaces": []any{}}})
	f := b.Build()
	if a := f.NodeAttribution["captures/vm-5.eth0.pcap"]; a.Node != "vm-5" || a.Iface != "eth0" {
		t.Errorf("capture attributed %+v, want vm-5 on eth0", a)
	}
	caps, _ := f.Nodes["vm-5"]["captures"].([]any)
	if len(caps) != 2 || caps[0].(map[string]any)["interface"] != "eth0" || caps[1].(map[string]any)["interface"] != "tunl0" {
		t.Errorf("vm-5 captures %v, want eth0's and tunl0's", caps)
	}
	if a := f.NodeAttribution["nodes/vm-5/vm-5_tunl0.pcapng"]; a.Node != "vm-5" || a.Iface != "tunl0" {
		t.Errorf("capture in the node's folder attributed %+v, want vm-5 on tunl0", a)
	}
	if got := f.NodeNames(); len(got) != 1 || got[0] != "vm-5" {
		t.Errorf("nodes %v, want [vm-5]", got)
	}
	if got := f.UnattributedFiles(); len(got) != 1 || got[0] != "tickets/vm-4-ipaddr.txt" {
		t.Errorf("unattributed %v", got)
	}
}

func TestNodeSectionsMergeAndNamespaces(t *testing.T) {
	b := NewBuilder()
	b.AddObject(nodeObj("vm-7", "10.0.0.7", ""), Source{File: "nodes.json"})
	add := func(inner string, sections map[string]any) {
		b.AddNode(NodeFacts{File: inner, Inner: inner, Sections: sections, MergeBy: map[string]string{"interfaces": "name"}})
	}
	add("nodes/vm-7/ip-a.txt", map[string]any{"interfaces": []any{map[string]any{"name": "eth0", "mtu": json.Number("1450"), "kind": ""}}})
	add("nodes/vm-7/ip-d-link.txt", map[string]any{"interfaces": []any{map[string]any{"name": "eth0", "kind": "veth", "details": map[string]any{"x": 1}}}})
	add("nodes/vm-7/pods/api-1/ip-a.txt", map[string]any{"interfaces": []any{map[string]any{"name": "eth0", "mtu": json.Number("1500")}}})
	f := b.Build()
	n := f.Nodes["vm-7"]
	ifs := n["interfaces"].([]any)
	if len(ifs) != 1 {
		t.Fatalf("node interfaces %v", ifs)
	}
	eth0 := ifs[0].(map[string]any)
	if eth0["mtu"] != json.Number("1450") || eth0["kind"] != "veth" || eth0["details"] == nil {
		t.Errorf("merged eth0 %v", eth0)
	}
	pod := n["netns"].(map[string]any)["api-1"].(map[string]any)
	if pod["interfaces"].([]any)[0].(map[string]any)["mtu"] != json.Number("1500") {
		t.Errorf("pod namespace %v", pod)
	}
	if got := f.NodeAttribution["nodes/vm-7/pods/api-1/ip-a.txt"].Netns; got != "api-1" {
		t.Errorf("netns %q", got)
	}
}

func TestUnattributedFilesStayApart(t *testing.T) {
	b := NewBuilder()
	for _, f := range []string{"a/out1.txt", "b/out2.txt"} {
		b.AddNode(NodeFacts{File: f, Inner: f, Sections: map[string]any{"interfaces": []any{map[string]any{"name": "eth0"}}}, MergeBy: map[string]string{"interfaces": "name"}})
	}
	f := b.Build()
	if len(f.Nodes) != 2 || f.Nodes[UnattributedPrefix+"a/out1.txt"] == nil {
		t.Errorf("nodes %v", f.Nodes)
	}
}

func TestMilliValue(t *testing.T) {
	for in, want := range map[string]string{
		"1G": "1000000000000", "1Gi": "1073741824000", "2Gi": "2147483648000",
		"500m": "500", "2": "2000", "0.5": "500", "1.5Gi": "1610612736000",
		"100Mi": "104857600000", "0.1m": "0.1", "1e3": "1000000",
	} {
		got, ok := MilliValue(in)
		if !ok || got != want {
			t.Errorf("%s: %q %v, want %q", in, got, ok, want)
		}
	}
	if _, ok := MilliValue("two"); ok {
		t.Error("nonsense parsed")
	}
}

func TestQuantitiesTableCoversResourceFields(t *testing.T) {
	b := NewBuilder()
	b.AddObject(map[string]any{"kind": "LimitRange", "metadata": map[string]any{"name": "l", "namespace": "n"},
		"spec": map[string]any{"limits": []any{map[string]any{"type": "Container", "default": map[string]any{"cpu": "2", "memory": "2Gi"}, "defaultRequest": map[string]any{"cpu": "500m"}}}}}, Source{})
	b.AddObject(map[string]any{"kind": "Pod", "metadata": map[string]any{"name": "p", "namespace": "n"},
		"spec": map[string]any{"containers": []any{map[string]any{"name": "c", "image": "2Gi", "resources": map[string]any{"limits": map[string]any{"memory": "128Mi"}}}}}}, Source{})
	q := b.Build().Document(BundleInfo{})["quantities"].(map[string]any)
	for _, k := range []string{"2", "2Gi", "500m", "128Mi"} {
		if q[k] == nil {
			t.Errorf("quantity %s missing from %v", k, q)
		}
	}
	if len(q) != 4 {
		t.Errorf("unrelated strings taken for quantities: %v", q)
	}
}

func TestPlural(t *testing.T) {
	for k, want := range map[string]string{
		"Pod": "pods", "Endpoints": "endpoints", "NetworkPolicy": "networkpolicies", "Ingress": "ingresses",
		"EndpointSlice": "endpointslices", "ResourceQuota": "resourcequotas", "Gateway": "gateways", "Proxy": "proxies",
	} {
		if got := Plural(k); got != want {
			t.Errorf("%s: %s, want %s", k, got, want)
		}
	}
}

func TestDuplicatesKeepNewerAndAllSources(t *testing.T) {
	b := NewBuilder()
	old := map[string]any{"kind": "Pod", "metadata": map[string]any{"name": "p", "namespace": "n", "resourceVersion": "10"}, "v": "old"}
	newer := map[string]any{"kind": "Pod", "metadata": map[string]any{"name": "p", "namespace": "n", "resourceVersion": "12"}, "v": "new"}
	b.AddObject(old, Source{File: "a.json"})
	b.AddObject(newer, Source{File: "b.json"})
	o, _ := b.Build().Lookup(ObjectKey{"Pod", "n", "p"})
	if o.Map()["v"] != "new" || len(o.Sources) != 2 || o.Sources[0].File != "b.json" {
		t.Errorf("kept %v from %v", o.Map()["v"], o.Sources)
	}
}

// A partial copy (kubectl describe text) never replaces the object read
// whole, whichever file sorts first; it stays as a source.
func TestWholeObjectWinsOverPartial(t *testing.T) {
	whole := map[string]any{"kind": "Pod", "metadata": map[string]any{"name": "p", "namespace": "n", "resourceVersion": "10"}, "v": "whole"}
	part := map[string]any{"kind": "Pod", "metadata": map[string]any{"name": "p", "namespace": "n", "annotations": map[string]any{"ktriage.io/source": "kubectl-describe"}}, "v": "partial"}
	for _, order := range [][2]map[string]any{{whole, part}, {part, whole}} {
		b := NewBuilder()
		b.AddObject(order[0], Source{File: "a-describe.txt", Line: 1})
		b.AddObject(order[1], Source{File: "z-dump.json", Line: 1})
		o, _ := b.Build().Lookup(ObjectKey{Kind: "Pod", Namespace: "n", Name: "p"})
		if o.Map()["v"] != "whole" || len(o.Sources) != 2 {
			t.Fatalf("kept %v with %d sources", o.Map()["v"], len(o.Sources))
		}
	}
}

// One event pasted as a describe's Events row and as a `get events` row is
// one event; a whole Event is kept over text copies; two rows of one table
// stay two events; a different message is another event.
func TestDuplicateTextEventsDropped(t *testing.T) {
	ev := func(name, ns, source, msg string, count int64) map[string]any {
		md := map[string]any{"name": name}
		if ns != "" {
			md["namespace"] = ns
		}
		if source != "" {
			md["annotations"] = map[string]any{"ktriage.io/source": source}
		}
		return map[string]any{"kind": "Event", "metadata": md, "type": "Warning", "reason": "FailedCreate", "message": msg, "count": count,
			"involvedObject": map[string]any{"kind": "ReplicaSet", "name": "web-1", "namespace": "shop"}}
	}
	b := NewBuilder()
	b.AddObject(ev("d1", "shop", "kubectl-describe", "exceeded  quota", 15), Source{File: "describe.txt", Line: 30})
	b.AddObject(ev("t1", "", "kubectl-get", "exceeded quota", 15), Source{File: "events.txt", Line: 4})
	b.AddObject(ev("t2", "", "kubectl-get", "exceeded quota", 15), Source{File: "events.txt", Line: 5})
	b.AddObject(ev("t3", "", "kubectl-get", "another message", 1), Source{File: "events.txt", Line: 6})
	f := b.Build()
	var names []string
	for _, o := range f.Objects {
		names = append(names, o.Key.Name)
	}
	sort.Strings(names)
	if got := strings.Join(names, ","); got != "d1,t2,t3" {
		t.Errorf("events kept: %s", got)
	}

	b = NewBuilder()
	b.AddObject(ev("whole", "shop", "", "exceeded quota", 3), Source{File: "events.json", Line: 1})
	b.AddObject(ev("d1", "shop", "kubectl-describe", "exceeded quota", 17), Source{File: "describe.txt", Line: 30})
	f = b.Build()
	if len(f.Objects) != 1 || f.Objects[0].Key.Name != "whole" || len(f.Objects[0].Sources) != 2 {
		t.Errorf("whole event not preferred: %+v", f.Objects)
	}

	// The describe reader writes its count as a json.Number: it was read
	// as 1 then, so a table row's copy won on "higher count" against a
	// describe copy counting the same. Counts of every number type compare.
	withCount := func(name, file string, count any) {
		e := ev(name, "shop", "kubectl-describe", "exceeded quota", 0)
		e["count"] = count
		b.AddObject(e, Source{File: file, Line: 1})
	}
	b = NewBuilder()
	withCount("table", "a-events.txt", int64(9))
	withCount("describe", "b-describe.txt", json.Number("17"))
	f = b.Build()
	if len(f.Objects) != 1 || f.Objects[0].Key.Name != "describe" {
		t.Errorf("the copy counting 17 (json.Number) lost to the one counting 9: %+v", f.Objects)
	}
}

// Value builds the logs in OPA's form directly; they must be what the
// document (`ktriage facts`) holds, converted.
func TestValueLogsMatchDocument(t *testing.T) {
	b := NewBuilder()
	b.AddLog(Log{Namespace: "shop", Pod: "web-1", Container: "app", Previous: true, File: "a/logs.txt", Line: 3, Lines: 120,
		Kept: []LogLine{{Line: 4, Text: "starting"}, {Line: 122, Text: "panic: boom"}}, Truncated: true})
	b.AddLog(Log{Namespace: "shop", Pod: "web-2", Container: "app", File: "b/logs.txt", Line: 1, Lines: 0})
	f := b.Build()
	v, err := f.Value(BundleInfo{})
	if err != nil {
		t.Fatal(err)
	}
	got := v.(ast.Object).Get(ast.StringTerm("kubernetes")).Value.(ast.Object).Get(ast.StringTerm("logs")).Value
	want, err := ast.InterfaceToValue(f.Document(BundleInfo{})["kubernetes"].(map[string]any)["logs"])
	if err != nil {
		t.Fatal(err)
	}
	if ast.Compare(got, want) != 0 {
		t.Fatalf("logs in Value:\n%v\nin the document:\n%v", got, want)
	}
}

// Objects no API server would write, with a field the rules read typed
// otherwise than the API types it, are refused with the field named; the
// same objects well typed are taken.
func TestAddValueRefusesWhatTheAPIWouldNot(t *testing.T) {
	pod := func(md string) string { return `{"kind":"Pod","apiVersion":"v1","metadata":` + md + `}` }
	cases := []struct{ obj, err string }{
		{pod(`{"name":"p","namespace":"n","labels":{"app":"web"},"annotations":{"a":"b"},"ownerReferences":[{"kind":"ReplicaSet","name":"r"}]}`), ""},
		{`{"kind":"Pod","apiVersion":1,"metadata":{"name":"p"}}`, "apiVersion is number, not a string"},
		{pod(`{"name":"p","namespace":null}`), "metadata.namespace is null, not a string"},
		{pod(`{"name":"p","labels":{"version":1}}`), `metadata.labels["version"] is number, not a string`},
		{pod(`{"name":"p","annotations":{"prometheus.io/scrape":true}}`), `metadata.annotations["prometheus.io/scrape"] is boolean, not a string`},
		{pod(`{"name":"p","ownerReferences":["rs"]}`), "metadata.ownerReferences[0] is string, not an object"},
		{pod(`{"name":"p","ownerReferences":[{"kind":{},"name":"r"}]}`), "metadata.ownerReferences[0].kind is object, not a string"},
		{`{"kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":5}}`, `data["k"] is number, not a string`},
		{`{"kind":"ConfigMap","metadata":{"name":"c"},"data":null}`, ""},
		{`{"kind":"Service","metadata":{"name":"s"},"spec":{"selector":{"app":null}}}`, `spec.selector["app"] is null, not a string`},
		{`{"kind":"Event","metadata":{"name":"e"},"reason":"BackOff","message":"m","count":3,"involvedObject":{"kind":"Pod","name":"p"}}`, ""},
		{`{"kind":"Event","metadata":{"name":"e"},"message":null}`, "message is null, not a string"},
		{`{"kind":"Event","metadata":{"name":"e"},"count":"3"}`, "count is string, not a number"},
		{`{"kind":"Event","metadata":{"name":"e"},"involvedObject":{"fieldPath":7}}`, "involvedObject.fieldPath is number, not a string"},
		{`{"kind":"Event","metadata":{"name":"e"},"lastTimestamp":"2024-03-11T09:14:02Z","firstTimestamp":null}`, ""},
		{`{"kind":"Event","metadata":{"name":"e"},"lastTimestamp":"yesterday"}`, `lastTimestamp "yesterday" is not an RFC 3339 time`},
		{`{"kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"metadata":{"labels":{"app":["web"]}}}}}`, `spec.template.metadata.labels["app"] is array, not a string`},
		{`{"kind":"Pod","metadata":{"name":"p"},"spec":{"nodeName":true}}`, "spec.nodeName is boolean, not a string"},
		{`{"kind":"Pod","metadata":{"name":"p"},"status":{"phase":"Running","message":{}}}`, "status.message is object, not a string"},
		{`{"kind":"Job","metadata":{"name":"j"},"status":{"conditions":[{"type":"Failed","status":"True","reason":{}}]}}`, "status.conditions[0].reason is object, not a string"},
		{`{"kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"a","image":7}]}}`, "spec.containers[0].image is number, not a string"},
		{`{"kind":"DaemonSet","metadata":{"name":"d"},"spec":{"template":{"spec":{"initContainers":["x"]}}}}`, "spec.template.spec.initContainers[0] is string, not an object"},
		// Fields of other kinds are not checked: "message" means nothing on a Pod.
		{`{"kind":"Pod","metadata":{"name":"p"},"message":5}`, ""},
	}
	for _, c := range cases {
		v, err := ast.ValueFromReader(strings.NewReader(c.obj))
		if err != nil {
			t.Fatal(err)
		}
		err = NewBuilder().AddValue(v.(ast.Object), Source{File: "x.json"})
		if got := fmt.Sprint(err); c.err == "" && err != nil || c.err != "" && got != c.err {
			t.Errorf("%s: %v, want %q", c.obj, err, c.err)
		}
	}
}
