#!/bin/bash
# make.sh regenerates the real `ip`, `ifconfig`, `route` and `netstat -rn`
# outputs in this folder. It needs root, iproute2 and net-tools.
#
# Everything happens inside throwaway network namespaces named kt<pid>-*; the
# host's own interfaces and routes are never touched, and every namespace is
# deleted on exit (trap), also when a step fails.
#
# Device kinds the running kernel cannot create (ipip, gre, geneve, dummy,
# vlan, bond, wireguard, … on minimal kernels) are skipped quietly and listed
# in environment.txt, so a re-run on a fuller kernel simply captures more.
#
# Usage: sudo ./make.sh            (writes next to itself)
set -euo pipefail

OUT=$(cd "$(dirname "$0")" && pwd)
P=kt$$
NODE=$P-node # the "Kubernetes node": uplink, CNI bridge, tunnels, routes
GW=$P-gw     # the far end of the node's uplink
POD=$P-pod   # a bridge-CNI pod (flannel/kubenet style) behind cni0
CALI=$P-cali # a Calico-style pod: /32 address, 169.254.1.1 gateway

cleanup() {
	for ns in "$CALI" "$POD" "$GW" "$NODE"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}
trap cleanup EXIT INT TERM

SKIPPED=()
# try runs a setup step that depends on optional kernel support.
try() {
	if ! "$@" 2>/dev/null; then
		SKIPPED+=("$*")
	fi
}

n() { ip -n "$NODE" "$@"; }

for ns in "$NODE" "$GW" "$POD" "$CALI"; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
done

# Uplink: eth0 (mtu 1450, like a cloud VM behind an overlay) to the gateway.
n link add eth0 mtu 1450 type veth peer name uplink netns "$GW"
n addr add 10.0.0.2/24 brd 10.0.0.255 dev eth0
n addr add fd00:10::2/64 dev eth0 nodad
n link set eth0 up
ip -n "$GW" link set uplink mtu 1450 up
ip -n "$GW" addr add 10.0.0.1/24 dev uplink
ip -n "$GW" addr add fd00:10::1/64 dev uplink nodad
try n link property add dev eth0 altname enp0s3
# A secondary address with a label, as keepalived or ifconfig aliases make.
n addr add 10.0.0.200/24 brd 10.0.0.255 dev eth0 label eth0:vip

# Calico IPIP: tunl0 mtu 1440 over the 1450 uplink. With the ipip module
# loaded every namespace already has tunl0 (the fallback device Calico
# uses); otherwise ask for it.
n link show tunl0 >/dev/null 2>&1 || try n link add tunl0 type ipip
if n link show tunl0 >/dev/null 2>&1; then
	n link set tunl0 mtu 1440 up
	n addr add 10.244.7.1/32 dev tunl0
	n route add 10.244.8.0/26 via 10.0.0.8 dev tunl0 proto bird onlink
fi

# Flannel VXLAN backend: flannel.1, VNI 1, port 8472, bound to eth0.
n link add flannel.1 type vxlan id 1 dev eth0 local 10.0.0.2 dstport 8472 nolearning
n link set flannel.1 mtu 1400 address 8e:2f:1c:6a:00:01 up
n addr add 10.244.1.0/32 dev flannel.1
n route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink

# Calico VXLAN: vxlan.calico, VNI 4096, port 4789.
n link add vxlan.calico type vxlan id 4096 dev eth0 local 10.0.0.2 dstport 4789 nolearning
n link set vxlan.calico mtu 1400 up
n addr add 10.244.9.0/32 dev vxlan.calico

# Bridge CNI: cni0 with one pod veth enslaved.
n link add cni0 type bridge
n link set cni0 mtu 1400 up
n addr add 10.244.1.1/24 dev cni0
n link add veth1a2b3c4d mtu 1400 type veth peer name eth0 netns "$POD"
n link set veth1a2b3c4d master cni0 up
ip -n "$POD" link set eth0 mtu 1400 up
ip -n "$POD" addr add 10.244.1.5/24 dev eth0
ip -n "$POD" route add default via 10.244.1.1 dev eth0

# Calico workload: cali* veth with the ee:ee:ee:ee:ee:ee MAC, /32 pod address.
n link add cali1a2b3c4d5e6 mtu 1410 type veth peer name eth0 netns "$CALI"
n link set cali1a2b3c4d5e6 address ee:ee:ee:ee:ee:ee up
n route add 10.244.3.7/32 dev cali1a2b3c4d5e6 scope link
ip -n "$CALI" link set eth0 mtu 1410 up
ip -n "$CALI" addr add 10.244.3.7/32 dev eth0
ip -n "$CALI" route add 169.254.1.1 dev eth0 scope link
ip -n "$CALI" route add default via 169.254.1.1 dev eth0

# A docker0-style bridge with no ports.
n link add docker0 type bridge
n addr add 172.17.0.1/16 dev docker0
n link set docker0 up

# Tunnel and virtual device zoo; each may be missing from the kernel.
try n link add geneve0 type geneve id 10 remote 10.0.0.9 dstport 6081
try n link add gre1 type gre remote 10.0.0.9 local 10.0.0.2 ttl 255
try n link add gretap1 type gretap remote 10.0.0.9 local 10.0.0.2
try n link add kube-ipvs0 type dummy
if n link show kube-ipvs0 >/dev/null 2>&1; then
	n addr add 10.96.0.1/32 dev kube-ipvs0
	n addr add 10.96.0.10/32 dev kube-ipvs0
fi
try n link add link eth0 name eth0.100 type vlan id 100
try n link add bond0 type bond mode active-backup
if n link show bond0 >/dev/null 2>&1; then
	n link add bslave0 type veth peer name bslave0p
	n link set bslave0 master bond0
fi
try n link add wg0 type wireguard
try n link add ip6tnl1 type ip6tnl remote fd00:10::9 local fd00:10::2
try n link add sit1 type sit remote 10.0.0.9 local 10.0.0.2
try n link add vrf-blue type vrf table 10
n link add link eth0 name macvlan0 type macvlan mode bridge
n link add ifb0 type ifb
n tuntap add mode tun name tun0
n tuntap add mode tap name tap0
n link set tun0 mtu 1380

# Routes a triage tool must read: defaults, onlink, blackhole, unreachable,
# prohibit, a locked MTU with advmss, multipath, a second table, IPv6.
n route add default via 10.0.0.1 dev eth0 proto static metric 100
n route add blackhole 10.244.5.0/26 proto bird
n route add unreachable 192.168.70.0/24
n route add prohibit 192.168.80.0/24
n route add 192.168.50.0/24 via 10.0.0.1 dev eth0 mtu lock 1400 advmss 1360
n route add 192.168.60.0/24 via 10.0.0.1 dev eth0 mtu 1380
n route add 172.16.0.0/16 proto static nexthop via 10.0.0.1 dev eth0 weight 1 nexthop via 10.0.0.3 dev eth0 weight 2
n route add 10.250.0.0/16 dev eth0 scope link src 10.0.0.2
n route add default via 10.0.0.1 dev eth0 table 100
n route add throw 10.1.0.0/16 table 100
n -6 route add default via fd00:10::1 dev eth0 metric 1024
n -6 route add fd00:99::/64 via fd00:10::1 dev eth0 pref high
n -6 route add blackhole fd00:66::/64

# Some traffic so the statistics blocks are not all zero (no ping needed).
ip netns exec "$NODE" bash -c 'for i in 1 2 3; do echo x >/dev/udp/10.0.0.1/9; done' || true
sleep 1

cap() { # cap FILE COMMAND...: capture stdout exactly as the tool prints it
	local f=$1
	shift
	"$@" >"$OUT/$f"
}
nx() { ip netns exec "$NODE" "$@"; }
# inpod runs a command in a namespace the way a pod sees it: without the
# host's /run/netns, so peers show as "link-netnsid N" rather than by name.
inpod() {
	local ns=$1
	shift
	ip netns exec "$ns" unshare -m sh -c 'mount -t tmpfs none /run/netns && exec "$@"' sh "$@"
}

cap ip-a.txt n a
cap ip-link.txt n link
cap ip-d-link.txt n -d link
cap ip-d-addr.txt n -d addr
cap ip-s-d-link.txt n -s -d link
cap ip-s-s-link.txt n -s -s link
cap ip-s-h-link.txt n -s -h link
cap ip-o-addr.txt n -o addr
cap ip-o-link.txt n -o link
cap ip-o-d-link.txt n -o -d link
cap ip-br-addr.txt n -br addr
cap ip-br-link.txt n -br link
cap ip-j-addr.json n -j addr
cap ip-d-j-link.json n -d -j link
cap ip-s-d-j-link.json n -s -d -j link
cap ip-j-p-addr.json n -j -p addr
cap ip-route.txt n route
cap ip-j-route.json n -j route
cap ip-4-route-table-all.txt n -4 route show table all
cap ip-6-route.txt n -6 route
cap ip-6-route-table-all.txt n -6 route show table all
cap ip-d-route.txt n -d route
cap ifconfig-a.txt nx ifconfig -a
cap route-n.txt nx route -n
cap route-n-inet6.txt nx route -n -A inet6
cap netstat-rn.txt nx netstat -rn
cap pod-ip-a.txt inpod "$POD" ip a
cap pod-ip-d-addr.txt inpod "$POD" ip -d addr
cap pod-ip-route.txt inpod "$POD" ip route
cap calico-pod-ip-a.txt inpod "$CALI" ip a
cap calico-pod-ip-route.txt inpod "$CALI" ip route

{
	echo "generated by make.sh"
	echo "iproute2: $(ip -V)"
	echo "net-tools: $(ifconfig --version 2>&1 | head -n1)"
	echo "kernel: $(uname -r)"
	echo "skipped (the kernel refused these steps):"
	for s in "${SKIPPED[@]+"${SKIPPED[@]}"}"; do
		echo "  $s"
	done
} >"$OUT/environment.txt"
