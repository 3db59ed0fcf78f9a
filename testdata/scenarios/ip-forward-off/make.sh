#!/usr/bin/env bash
# A node (network namespace vm-3) with a bridge CNI (cni0 holding two pod
# veths, as flannel's bridge plugin sets it up) whose net.ipv4.ip_forward and
# net.bridge.bridge-nf-call-iptables were turned off (a hardening baseline
# reapplied after the node joined). Healthy twin: ./make.sh 1 DIR.
# Root; network namespaces only; re-runnable.
set -euo pipefail
V=${1:-0}
OUT=${2:-$(cd "$(dirname "$0")" && pwd)}
N=vm-3
cleanup() { for n in $N pod-a pod-b; do ip netns del $n 2>/dev/null || true; done; }
trap cleanup EXIT
cleanup
ip netns add $N
ip link add eth0 netns $N type veth peer name uplink0 netns $N
ip -n $N link set lo up
ip -n $N link set eth0 mtu 1500 up
ip -n $N addr add 10.0.0.3/24 dev eth0
ip -n $N route add default via 10.0.0.1 dev eth0 onlink
ip -n $N link add cni0 type bridge
ip -n $N link set cni0 up
ip -n $N addr add 10.244.3.1/24 dev cni0
i=10
for p in pod-a pod-b; do
  ip netns add $p
  ip link add veth$i netns $N type veth peer name eth0 netns $p
  ip -n $N link set veth$i master cni0 up
  ip -n $p link set lo up; ip -n $p link set eth0 up
  ip -n $p addr add 10.244.3.$i/24 dev eth0
  ip -n $p route add default via 10.244.3.1
  i=$((i+1))
done
ip netns exec $N sysctl -qw net.ipv4.ip_forward=$V
ip netns exec $N sysctl -qw net.bridge.bridge-nf-call-iptables=$V
mkdir -p "$OUT/nodes/$N"
ip -n $N -d addr > "$OUT/nodes/$N/ip-d-addr.txt"
ip -n $N route > "$OUT/nodes/$N/ip-route.txt"
unshare --uts sh -c "hostname $N; ip netns exec $N sysctl -a 2>/dev/null" > "$OUT/nodes/$N/sysctl-a.txt"
