#!/usr/bin/env bash
# Flannel-style VXLAN between two "nodes" (network namespaces) whose overlay
# MTU does not fit the underlay: flannel.1 1450 + 50 (VXLAN) = 1500 > eth0 1450.
# The kernel refuses to create that directly (it clamps a VXLAN device to its
# lower device's MTU - 50), so it is made the way it happens in the field:
# flanneld sizes flannel.1 for a 1500 NIC, then the NIC's MTU drops to 1450
# (a DHCP MTU option on renewal, a migration to an overlay VPC) and nothing
# re-sizes flannel.1. With MTU=1400 (the healthy twin) it fits.
# Re-runnable; root; touches nothing outside the namespaces it creates.
#   ./make.sh            -> this directory (flannel.1 1450: broken)
#   ./make.sh 1400 DIR   -> DIR (flannel.1 1400: healthy twin)
set -euo pipefail
FL_MTU=${1:-1450}
OUT=${2:-$(cd "$(dirname "$0")" && pwd)}
N1=vm-1 N2=vm-2
cleanup() { ip netns del $N1 2>/dev/null || true; ip netns del $N2 2>/dev/null || true; pkill -f "http.server 8080 --bind 10.244.2" 2>/dev/null || true; }
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT
cleanup
ip netns add $N1; ip netns add $N2
ip link add eth0 netns $N1 type veth peer name eth0 netns $N2
for i in 1 2; do
  n=vm-$i
  ip -n $n link set lo up
  ip -n $n link set eth0 mtu 1500 up
  ip -n $n addr add 10.0.0.1$i/24 dev eth0
  ip netns exec $n sysctl -qw net.ipv4.ip_forward=1
  # flannel.1: VXLAN VNI 1 on UDP 8472, learning off, as flanneld creates it
  ip -n $n link add flannel.1 type vxlan id 1 dev eth0 local 10.0.0.1$i dstport 8472 nolearning
  ip -n $n link set flannel.1 mtu $FL_MTU up
  ip -n $n addr add 10.244.$i.0/32 dev flannel.1
  # cni0 bridge with one pod behind a veth, as the flannel CNI plugin does
  ip -n $n link add cni0 type bridge
  ip -n $n link set cni0 mtu $FL_MTU up
  ip -n $n addr add 10.244.$i.1/24 dev cni0
  ip netns add pod-$i 2>/dev/null || true
  ip link add veth$i netns $n type veth peer name eth0 netns pod-$i
  ip -n $n link set veth$i master cni0 mtu $FL_MTU up
  ip -n pod-$i link set lo up
  ip -n pod-$i link set eth0 mtu $FL_MTU up
  ip -n pod-$i addr add 10.244.$i.10/24 dev eth0
  ip -n pod-$i route add default via 10.244.$i.1
done
# the underlay MTU drops under the running overlay
for n in vm-1 vm-2; do ip -n $n link set eth0 mtu 1450; done
# remote pod subnet via the peer's flannel.1 (static FDB/ARP, as flanneld programs them)
mac() { ip -n $1 link show flannel.1 | awk '/link\/ether/{print $2}'; }
M1=$(mac vm-1); M2=$(mac vm-2)
ip -n vm-1 neigh add 10.244.2.0 lladdr $M2 dev flannel.1 nud permanent
ip -n vm-1 route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
bridge -n vm-1 fdb append $M2 dev flannel.1 dst 10.0.0.12
ip -n vm-2 neigh add 10.244.1.0 lladdr $M1 dev flannel.1 nud permanent
ip -n vm-2 route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink
bridge -n vm-2 fdb append $M1 dev flannel.1 dst 10.0.0.11
# the VPC drops fragmentation-needed, so PMTUD cannot repair a misfit
for n in vm-1 vm-2; do
  ip netns exec $n iptables -A OUTPUT -p icmp --icmp-type fragmentation-needed -j DROP
  ip netns exec $n iptables -A FORWARD -p icmp --icmp-type fragmentation-needed -j DROP
done
WWW=$(mktemp -d); head -c 524288 /dev/urandom > $WWW/large.bin; echo ok > $WWW/small.txt
(cd $WWW && ip netns exec pod-2 /usr/bin/python3 -m http.server 8080 --bind 10.244.2.10 >/dev/null 2>&1 &)
sleep 1
mkdir -p "$OUT/nodes/vm-1" "$OUT/nodes/vm-2" "$OUT/logs"
ip netns exec vm-1 timeout 6 tcpdump -i eth0 -s 200 -w "$OUT/nodes/vm-1/capture-eth0.pcap" 2>/dev/null &
ip netns exec vm-2 timeout 6 tcpdump -i flannel.1 -s 200 -w "$OUT/nodes/vm-2/capture-flannel.1.pcap" 2>/dev/null &
sleep 1
{ ip netns exec pod-1 curl -sS -o /dev/null -w 'small: http_code=%{http_code} size=%{size_download}\n' --max-time 4 http://10.244.2.10:8080/small.txt || true
  ip netns exec pod-1 curl -sS -o /dev/null -w 'large: http_code=%{http_code} size=%{size_download}\n' --max-time 4 http://10.244.2.10:8080/large.bin || true; } > "$OUT/logs/curl.txt" 2>&1
wait
for i in 1 2; do
  n=vm-$i d="$OUT/nodes/$n"
  ip -n $n -d addr > "$d/ip-d-addr.txt"
  ip -n $n route > "$d/ip-route.txt"
  ip netns exec $n netstat -s > "$d/netstat-s.txt"
  unshare --uts sh -c "hostname $n; ip netns exec $n sysctl -a 2>/dev/null" > "$d/sysctl-a.txt"
done
[ -n "${KEEP:-}" ] || { ip netns del pod-1; ip netns del pod-2; }
rm -rf "$WWW"
cat "$OUT/logs/curl.txt"
