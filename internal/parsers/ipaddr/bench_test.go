package ipaddr

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
)

// syntheticDAddr is `ip -d addr` of a node with n pod veths (bridge slaves
// with the full bridge_slave line, as a busy flannel/bridge node prints).
func syntheticDAddr(n int) string {
	var b strings.Builder
	b.WriteString(calicoNode)
	for i := 0; i < n; i++ {
		idx := 100 + i
		fmt.Fprintf(&b, "%d: veth%08x@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue master cni0 state UP group default qlen 1000\n", idx, i)
		fmt.Fprintf(&b, "    link/ether 0a:58:%02x:%02x:%02x:01 brd ff:ff:ff:ff:ff:ff link-netnsid %d promiscuity 1  allmulti 1 minmtu 68 maxmtu 65535 \n", i>>16&0xff, i>>8&0xff, i&0xff, i)
		b.WriteString("    veth \n")
		b.WriteString("    bridge_slave state forwarding priority 32 cost 2 hairpin off guard off root_block off fastleave off learning on flood on port_id 0x8001 port_no 0x1 designated_port 32769 designated_cost 0 designated_bridge 8000.de:c4:9b:1d:0:30 designated_root 8000.de:c4:9b:1d:0:30 hold_timer    0.00 message_age_timer    0.00 forward_delay_timer    0.00 topology_change_ack 0 config_pending 0 proxy_arp off proxy_arp_wifi off mcast_router 1 mcast_fast_leave off mcast_flood on bcast_flood on mcast_to_unicast off neigh_suppress off group_fwd_mask 0 group_fwd_mask_str 0x0 vlan_tunnel off isolated off locked off addrgenmode eui64 numtxqueues 2 numrxqueues 2 gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 \n")
		fmt.Fprintf(&b, "    inet6 fe80::858:%xff:fe%02x:%x/64 scope link \n       valid_lft forever preferred_lft forever\n", i&0xff, i>>8&0xff, i)
	}
	return b.String()
}

func BenchmarkAddr(b *testing.B) {
	content := syntheticDAddr(5000)
	path := filepath.Join(b.TempDir(), "ip-d-addr.txt")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		b.Fatal(err)
	}
	a, err := loader.FromFile(path, "", "")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := (Addr{}).Parse(context.Background(), a, facts.NewBuilder())
		if err != nil || len(res.Warnings) > 0 || res.Summary["interfaces"] != 5009 {
			b.Fatalf("%v %q %v", err, res.Warnings, res.Summary)
		}
	}
}
