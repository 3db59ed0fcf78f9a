package ipaddr

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
)

func keysOf(m map[string]any) string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return strings.Join(k, ",")
}

func onlyNode(t *testing.T, f *facts.Facts) map[string]any {
	t.Helper()
	if len(f.Nodes) != 1 {
		t.Fatalf("%d nodes: %v", len(f.Nodes), f.Nodes)
	}
	for _, n := range f.Nodes {
		return n
	}
	return nil
}

// TestDocumentShape pins the field names other code depends on.
func TestDocumentShape(t *testing.T) {
	res, err, f := parseContent(t, Addr{}, "nodes/node-a/ip-s-d-addr.txt", calicoNode+`11: eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000
    link/ether 0a:1b:2c:3d:4e:60 brd ff:ff:ff:ff:ff:ff
    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth1
       valid_lft forever preferred_lft forever
    RX: bytes  packets  errors  dropped overrun mcast
    10 1 0 0 0 0
    TX: bytes  packets  errors  dropped carrier collsns
    20 2 0 0 0 0
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) > 0 {
		t.Errorf("warnings: %q", res.Warnings)
	}
	n := onlyNode(t, f)
	eq(t, "node", n["name"], any("node-a"))
	ifs, ok := n["interfaces"].([]any)
	if !ok || len(ifs) != 10 {
		t.Fatalf("interfaces = %#v", n["interfaces"])
	}
	eth1 := ifs[9].(map[string]any)
	eq(t, "interface keys", keysOf(eth1), "addresses,details,file,flags,group,index,kind,kind_source,line,link_netnsid,link_type,mac,master,mtu,name,peer,qdisc,state,stats,text")
	eq(t, "file", eth1["file"], any("nodes/node-a/ip-s-d-addr.txt"))
	eq(t, "mtu", fmt.Sprint(eth1["mtu"]), "1500")
	eq(t, "link_netnsid", fmt.Sprint(eth1["link_netnsid"]), "-1")
	a := eth1["addresses"].([]any)[0].(map[string]any)
	eq(t, "address keys", keysOf(a), "address,broadcast,family,label,line,preferred_lft,prefix,scope,valid_lft")
	st := eth1["stats"].(map[string]any)
	eq(t, "stats keys", keysOf(st), "rx,tx")
	eq(t, "rx bytes", fmt.Sprint(st["rx"].(map[string]any)["bytes"]), "10")
	tunl0 := ifs[2].(map[string]any)
	eq(t, "tunl0 kind", tunl0["kind"], any("ipip"))
	eq(t, "tunl0 pmtudisc", tunl0["details"].(map[string]any)["pmtudisc"], any(false))
	eq(t, "tunl0 peer", tunl0["peer"], any("NONE"))
	eq(t, "collected", f.Collected["node.interfaces"], true)
	eq(t, "detail", strings.HasPrefix(res.Detail, "10 interfaces: lo 65536, eth0 1450, tunl0 1440 (ipip), ipip1 1480 (ipip), wg0 1420 (wireguard)"), true)

	// Routes.
	res, err, f = parseContent(t, Route{}, "nodes/node-a/ip-route.txt", readFile(t, filepath.Join(genDir, "ip-route.txt")))
	if err != nil {
		t.Fatal(err)
	}
	n = onlyNode(t, f)
	routes := n["routes"].([]any)
	eq(t, "routes", len(routes), 13)
	r := routes[0].(map[string]any)
	eq(t, "route keys", keysOf(r), "advmss,dev,dst,family,file,line,metric,mtu,onlink,proto,scope,src,table,text,type,via")
	eq(t, "default", fmt.Sprint(r["dst"], " ", r["via"], " ", r["dev"], " ", r["metric"], " ", r["table"], " ", r["type"]), "default 10.0.0.1 eth0 100 main unicast")
	eq(t, "no interfaces section", n["interfaces"], nil)
	eq(t, "kind", n["files"].([]any)[0].(map[string]any)["kind"], any("ip-route"))
	eq(t, "detail", res.Detail, "13 routes, default via 10.0.0.1 dev eth0")
}

// TestMergeAcrossFiles: `ip -o addr` (no mtu, no link_netnsid) read before
// `ip -d link` must not hide the latter's values in the node's merged list.
func TestMergeAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	b := facts.NewBuilder()
	for _, f := range []struct {
		name string
		p    parsers.Parser
	}{
		{"ip-br-addr.txt", Addr{}},
		{"ip-o-addr.txt", Addr{}},
		{"ifconfig-a.txt", Addr{}},
		{"ip-d-link.txt", Addr{}},
		{"ip-route.txt", Route{}},
	} {
		inner := "nodes/node-a/" + f.name
		p := filepath.Join(dir, filepath.FromSlash(inner))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(readFile(t, filepath.Join(genDir, f.name))), 0o644); err != nil {
			t.Fatal(err)
		}
		a, err := loader.FromFile(p, inner, inner)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.p.Parse(context.Background(), a, b); err != nil {
			t.Fatal(err)
		}
	}
	n := onlyNode(t, b.Build())
	byName := map[string]map[string]any{}
	for _, x := range n["interfaces"].([]any) {
		m := x.(map[string]any)
		byName[m["name"].(string)] = m
	}
	eq(t, "interfaces", len(byName), 12)
	fl := byName["flannel.1"]
	eq(t, "mtu filled by a later file", fmt.Sprint(fl["mtu"]), "1400")
	eq(t, "index", fmt.Sprint(fl["index"]), "3")
	eq(t, "link_netnsid filled", fmt.Sprint(fl["link_netnsid"]), "-1")
	eq(t, "kind", fl["kind"], any("vxlan"))
	eq(t, "dstport", fmt.Sprint(fl["details"].(map[string]any)["dstport"]), "8472")
	eq(t, "addresses from the first file", len(fl["addresses"].([]any)), 2)
	eq(t, "routes", len(n["routes"].([]any)), 13)
}

// TestCombinedFile: a capture of "ip a; ip r" gives both sections to
// whichever parser claims it.
func TestCombinedFile(t *testing.T) {
	in := "[root@vm-1 ~]# ip a\n" + readFile(t, filepath.Join(genDir, "ip-a.txt")) +
		"[root@vm-1 ~]# ip r\n" + readFile(t, filepath.Join(genDir, "ip-route.txt"))
	a := artifact(t, in)
	eq(t, "Addr.Detect", (Addr{}).Detect(a), true)
	eq(t, "Route.Detect", (Route{}).Detect(a), false)
	res, err, f := parseContent(t, Addr{}, "network.txt", in)
	if err != nil {
		t.Fatal(err)
	}
	n := onlyNode(t, f)
	eq(t, "node from the prompt", n["name"], any("vm-1"))
	eq(t, "interfaces", len(n["interfaces"].([]any)), 12)
	eq(t, "routes", len(n["routes"].([]any)), 13)
	eq(t, "detail", strings.HasSuffix(res.Detail, "; 13 routes, default via 10.0.0.1 dev eth0"), true)
	eq(t, "summary", res.Summary["addresses"], any(16))
}
