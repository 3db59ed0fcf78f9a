#!/bin/bash
# Healthy twin of ../kube-mark-drop-missing: node vm-8 with ONE iptables backend (nf_tables),
# kubelet >= 1.28 and kube-proxy >= 1.28 in iptables mode. Since KEP-3178 (IPTablesOwnershipCleanup,
# GA in 1.28) kubelet no longer creates KUBE-MARK-DROP and kube-proxy no longer uses it: LoadBalancer
# source ranges are enforced with -j DROP in filter KUBE-PROXY-FIREWALL. The legacy backend is never
# touched. Re-runnable; writes only below this dir.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../_lib/common.sh"

NODE=vm-8; NODE_IP=10.0.0.8; GW=vpc-gw-8
ALL_NS=("$NODE" "$GW")
OUT=$HERE/nodes/$NODE
cleanup() { ns_del "${ALL_NS[@]}"; }
trap cleanup EXIT
ns_del "${ALL_NS[@]}"
rm -rf "$HERE/nodes" "$HERE/logs"; mkdir -p "$OUT" "$HERE/logs"

for ns in "${ALL_NS[@]}"; do ip netns add "$ns"; in_ns "$ns" ip link set lo up; done
ip link add eth0 netns "$NODE" type veth peer name eth0 netns "$GW"
in_ns "$GW" ip addr add 10.0.0.1/24 dev eth0; in_ns "$GW" ip link set eth0 up
in_ns "$NODE" ip addr add $NODE_IP/24 dev eth0; in_ns "$NODE" ip link set eth0 up
in_ns "$NODE" ip route add default via 10.0.0.1 dev eth0
in_ns "$NODE" sysctl -qw net.ipv4.ip_forward=1

# kube-proxy chain names: KUBE-SVC/EXT/FW-<16 chars of base32(sha256(svcPortName+proto))>,
# KUBE-SEP-<16 chars of base32(sha256(svcPortName+proto+endpoint))> (pkg/proxy/iptables).
h() { python3 -c 'import hashlib,base64,sys; print(base64.b32encode(hashlib.sha256(sys.argv[1].encode()).digest()).decode()[:16])' "$1"; }
API=$(h "default/kubernetes:httpstcp");                    API_SEP=$(h "default/kubernetes:httpstcp10.0.0.10:6443")
DNS=$(h "kube-system/kube-dns:dnsudp");                    DNS_SEP1=$(h "kube-system/kube-dns:dnsudp10.244.8.5:53"); DNS_SEP2=$(h "kube-system/kube-dns:dnsudp10.244.8.6:53")
DNST=$(h "kube-system/kube-dns:dns-tcptcp");               DNST_SEP1=$(h "kube-system/kube-dns:dns-tcptcp10.244.8.5:53"); DNST_SEP2=$(h "kube-system/kube-dns:dns-tcptcp10.244.8.6:53")
GWY=$(h "istio-system/istio-ingressgateway:http2tcp");     GWY_SEP=$(h "istio-system/istio-ingressgateway:http2tcp10.244.8.20:8080")

# ---- kubelet >= 1.28 (iptables v1.8.9 nf_tables) ----
K() { in_ns "$NODE" iptables-nft "$@"; }
K -t mangle -N KUBE-IPTABLES-HINT
for t in mangle nat filter; do K -t $t -N KUBE-KUBELET-CANARY; done
K -t filter -N KUBE-FIREWALL
K -t filter -A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
K -t filter -I INPUT -j KUBE-FIREWALL
K -t filter -I OUTPUT -j KUBE-FIREWALL

# ---- kube-proxy >= 1.28, iptables mode, nf_tables backend ----
for t in mangle nat filter; do K -t $t -N KUBE-PROXY-CANARY; done
for c in KUBE-EXTERNAL-SERVICES KUBE-NODEPORTS KUBE-SERVICES KUBE-FORWARD KUBE-PROXY-FIREWALL; do K -t filter -N $c; done
for c in KUBE-SERVICES KUBE-POSTROUTING; do K -t nat -N $c; done
K -t filter -I INPUT   -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
K -t filter -I INPUT   -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
K -t filter -I INPUT   -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
K -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
K -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
K -t filter -I FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
K -t filter -I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
K -t filter -I OUTPUT  -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
K -t filter -I OUTPUT  -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
K -t nat -I OUTPUT      -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
K -t nat -I PREROUTING  -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
K -t nat -I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING

cat > "$HERE/logs/kube-proxy-restore-input.txt" <<RULES
*filter
:KUBE-NODEPORTS - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A KUBE-PROXY-FIREWALL -m comment --comment "istio-system/istio-ingressgateway:http2 traffic not accepted by KUBE-FW-$GWY" -m tcp -p tcp -d 192.0.2.80 --dport 80 -j DROP
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SVC-$API - [0:0]
:KUBE-SEP-$API_SEP - [0:0]
:KUBE-SVC-$DNS - [0:0]
:KUBE-SEP-$DNS_SEP1 - [0:0]
:KUBE-SEP-$DNS_SEP2 - [0:0]
:KUBE-SVC-$DNST - [0:0]
:KUBE-SEP-$DNST_SEP1 - [0:0]
:KUBE-SEP-$DNST_SEP2 - [0:0]
:KUBE-SVC-$GWY - [0:0]
:KUBE-EXT-$GWY - [0:0]
:KUBE-FW-$GWY - [0:0]
:KUBE-SEP-$GWY_SEP - [0:0]
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
-A KUBE-SERVICES -m comment --comment "default/kubernetes:https cluster IP" -m tcp -p tcp -d 10.96.0.1 --dport 443 -j KUBE-SVC-$API
-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp -p udp -d 10.96.0.10 --dport 53 -j KUBE-SVC-$DNS
-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 53 -j KUBE-SVC-$DNST
-A KUBE-SERVICES -m comment --comment "istio-system/istio-ingressgateway:http2 cluster IP" -m tcp -p tcp -d 10.104.51.7 --dport 80 -j KUBE-SVC-$GWY
-A KUBE-SERVICES -m comment --comment "istio-system/istio-ingressgateway:http2 loadbalancer IP" -m tcp -p tcp -d 192.0.2.80 --dport 80 -j KUBE-FW-$GWY
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-NODEPORTS -m comment --comment "istio-system/istio-ingressgateway:http2" -m tcp -p tcp --dport 31380 -j KUBE-EXT-$GWY
-A KUBE-SVC-$API -m comment --comment "default/kubernetes:https cluster IP" -m tcp -p tcp -d 10.96.0.1 --dport 443 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-$API -m comment --comment "default/kubernetes:https -> 10.0.0.10:6443" -j KUBE-SEP-$API_SEP
-A KUBE-SEP-$API_SEP -m comment --comment "default/kubernetes:https" -s 10.0.0.10 -j KUBE-MARK-MASQ
-A KUBE-SEP-$API_SEP -m comment --comment "default/kubernetes:https" -m tcp -p tcp -j DNAT --to-destination 10.0.0.10:6443
-A KUBE-SVC-$DNS -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp -p udp -d 10.96.0.10 --dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-$DNS -m comment --comment "kube-system/kube-dns:dns -> 10.244.8.5:53" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-$DNS_SEP1
-A KUBE-SVC-$DNS -m comment --comment "kube-system/kube-dns:dns -> 10.244.8.6:53" -j KUBE-SEP-$DNS_SEP2
-A KUBE-SEP-$DNS_SEP1 -m comment --comment "kube-system/kube-dns:dns" -s 10.244.8.5 -j KUBE-MARK-MASQ
-A KUBE-SEP-$DNS_SEP1 -m comment --comment "kube-system/kube-dns:dns" -m udp -p udp -j DNAT --to-destination 10.244.8.5:53
-A KUBE-SEP-$DNS_SEP2 -m comment --comment "kube-system/kube-dns:dns" -s 10.244.8.6 -j KUBE-MARK-MASQ
-A KUBE-SEP-$DNS_SEP2 -m comment --comment "kube-system/kube-dns:dns" -m udp -p udp -j DNAT --to-destination 10.244.8.6:53
-A KUBE-SVC-$DNST -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-$DNST -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.8.5:53" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-$DNST_SEP1
-A KUBE-SVC-$DNST -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.8.6:53" -j KUBE-SEP-$DNST_SEP2
-A KUBE-SEP-$DNST_SEP1 -m comment --comment "kube-system/kube-dns:dns-tcp" -s 10.244.8.5 -j KUBE-MARK-MASQ
-A KUBE-SEP-$DNST_SEP1 -m comment --comment "kube-system/kube-dns:dns-tcp" -m tcp -p tcp -j DNAT --to-destination 10.244.8.5:53
-A KUBE-SEP-$DNST_SEP2 -m comment --comment "kube-system/kube-dns:dns-tcp" -s 10.244.8.6 -j KUBE-MARK-MASQ
-A KUBE-SEP-$DNST_SEP2 -m comment --comment "kube-system/kube-dns:dns-tcp" -m tcp -p tcp -j DNAT --to-destination 10.244.8.6:53
-A KUBE-EXT-$GWY -m comment --comment "masquerade traffic for istio-system/istio-ingressgateway:http2 external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-$GWY -j KUBE-SVC-$GWY
-A KUBE-FW-$GWY -m comment --comment "istio-system/istio-ingressgateway:http2 loadbalancer IP" -s 203.0.113.0/24 -j KUBE-EXT-$GWY
-A KUBE-FW-$GWY -m comment --comment "other traffic to istio-system/istio-ingressgateway:http2 will be dropped by KUBE-PROXY-FIREWALL"
-A KUBE-SVC-$GWY -m comment --comment "istio-system/istio-ingressgateway:http2 cluster IP" -m tcp -p tcp -d 10.104.51.7 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SVC-$GWY -m comment --comment "istio-system/istio-ingressgateway:http2 -> 10.244.8.20:8080" -j KUBE-SEP-$GWY_SEP
-A KUBE-SEP-$GWY_SEP -m comment --comment "istio-system/istio-ingressgateway:http2" -s 10.244.8.20 -j KUBE-MARK-MASQ
-A KUBE-SEP-$GWY_SEP -m comment --comment "istio-system/istio-ingressgateway:http2" -m tcp -p tcp -j DNAT --to-destination 10.244.8.20:8080
COMMIT
RULES
in_ns "$NODE" iptables-nft-restore -w --noflush --counters < "$HERE/logs/kube-proxy-restore-input.txt" \
  > "$HERE/logs/iptables-restore-output.txt" 2>&1
echo "iptables-nft-restore --noflush --counters exit status: $?" > "$HERE/logs/iptables-restore-exit-status.txt"

# ---- collect (iptables-legacy-save is deliberately not run: even listing legacy tables
#      would register them in the netns) ----
collect_node "$NODE" "$NODE" "$OUT"
in_ns "$NODE" iptables-nft-save > "$OUT/iptables-nft-save.txt" 2>&1
grep -c KUBE-MARK-DROP "$OUT/iptables-save.txt" || true
head -1 "$OUT/iptables-save.txt"
