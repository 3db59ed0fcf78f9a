# The body of ../kube-mark-drop-missing/make.sh and ../kube-mark-drop-empty-legacy/make.sh, which set HERE and
# KUBE_PROXY_ENSURES_MARK_DROP, then source this file: the incident and its healthy
# twin differ only in those parameters.

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

# ---- kubelet (host binaries: iptables v1.8 nf_tables), as kubelet <= 1.27 does it ----
K() { in_ns "$NODE" iptables-nft "$@"; }
K -t nat -N KUBE-MARK-DROP
K -t nat -A KUBE-MARK-DROP -j MARK --set-xmark 0x8000/0x8000
K -t nat -N KUBE-MARK-MASQ
K -t nat -A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
K -t nat -N KUBE-POSTROUTING
K -t nat -A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
K -t nat -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
K -t nat -A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
K -t nat -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
K -t filter -N KUBE-FIREWALL
K -t filter -A KUBE-FIREWALL -m comment --comment "kubernetes firewall for dropping marked packets" -m mark --mark 0x8000/0x8000 -j DROP
K -t filter -A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
K -t filter -A INPUT -j KUBE-FIREWALL
K -t filter -A OUTPUT -j KUBE-FIREWALL
for t in mangle nat filter; do K -t $t -N KUBE-KUBELET-CANARY; done

# ---- kube-proxy, IPVS mode, image with legacy iptables (xtables-legacy-multi as "iptables") ----
HAVE_IPSET=no; command -v ipset >/dev/null && HAVE_IPSET=yes
if [ $HAVE_IPSET = yes ]; then
  S() { in_ns "$NODE" ipset "$@"; }
  S create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536 comment
  S create KUBE-LOOP-BACK hash:ip,port,ip family inet hashsize 1024 maxelem 65536 comment
  S create KUBE-NODE-PORT-TCP bitmap:port range 0-65535 comment
  S create KUBE-LOAD-BALANCER hash:ip,port family inet hashsize 1024 maxelem 65536 comment
  S create KUBE-LOAD-BALANCER-FW hash:ip,port family inet hashsize 1024 maxelem 65536 comment
  S create KUBE-LOAD-BALANCER-SOURCE-CIDR hash:ip,port,net family inet hashsize 1024 maxelem 65536 comment
  S add KUBE-CLUSTER-IP 10.96.0.1,tcp:443 comment "default/kubernetes:https"
  S add KUBE-CLUSTER-IP 10.96.0.10,udp:53 comment "kube-system/kube-dns:dns"
  S add KUBE-CLUSTER-IP 10.96.0.10,tcp:53 comment "kube-system/kube-dns:dns-tcp"
  S add KUBE-NODE-PORT-TCP 31380 comment "istio-system/istio-ingressgateway:http2"
  S add KUBE-LOAD-BALANCER 192.0.2.80,tcp:80 comment "istio-system/istio-ingressgateway:http2"
  S add KUBE-LOAD-BALANCER-FW 192.0.2.80,tcp:80 comment "istio-system/istio-ingressgateway:http2"
  S add KUBE-LOAD-BALANCER-SOURCE-CIDR 192.0.2.80,tcp:80,203.0.113.0/24 comment "istio-system/istio-ingressgateway:http2"
  in_ns "$NODE" ipset list > "$HERE/logs/ipset-list.txt"
fi
L() { in_ns "$NODE" iptables-legacy "$@"; }
# EnsureChain / EnsureRule done by kube-proxy before the restore (these succeed)
L -t nat -N KUBE-SERVICES
L -t nat -N KUBE-POSTROUTING
L -t nat -N KUBE-FIREWALL
L -t nat -N KUBE-NODE-PORT
L -t nat -N KUBE-LOAD-BALANCER
L -t nat -N KUBE-MARK-MASQ
L -t filter -N KUBE-FORWARD
L -t nat -I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
L -t nat -I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
L -t nat -I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
L -t filter -I FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
for t in mangle nat filter; do L -t $t -N KUBE-PROXY-CANARY; done
[ $KUBE_PROXY_ENSURES_MARK_DROP = yes ] && L -t nat -N KUBE-MARK-DROP

# The ruleset kube-proxy feeds to `iptables-restore --noflush --counters` on every sync.
if [ $HAVE_IPSET = yes ]; then
cat > "$HERE/logs/kube-proxy-restore-input.txt" <<'RULES'
*nat
:KUBE-SERVICES - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-NODE-PORT - [0:0]
:KUBE-LOAD-BALANCER - [0:0]
:KUBE-MARK-MASQ - [0:0]
-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -m mark --mark 0x00004000/0x00004000 -j MASQUERADE
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x00004000/0x00004000
-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ
-A KUBE-SERVICES ! -s 10.244.0.0/16 -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ
-A KUBE-SERVICES -m comment --comment "Kubernetes service load balancer ip + port for load balancer with sourceRange" -m set --match-set KUBE-LOAD-BALANCER dst,dst -j KUBE-LOAD-BALANCER
-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT
-A KUBE-LOAD-BALANCER -m comment --comment "Kubernetes service load balancer ip + port for load balancer with sourceRange" -m set --match-set KUBE-LOAD-BALANCER-FW dst,dst -j KUBE-FIREWALL
-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ
-A KUBE-FIREWALL -m comment --comment "Kubernetes service load balancer ip + port + source cidr for packet filter purpose" -m set --match-set KUBE-LOAD-BALANCER-SOURCE-CIDR dst,dst,src -j RETURN
-A KUBE-FIREWALL -j KUBE-MARK-DROP
-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT
COMMIT
*filter
:KUBE-FORWARD - [0:0]
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x00004000/0x00004000 -j ACCEPT
-A KUBE-FORWARD -s 10.244.0.0/16 -m comment --comment "kubernetes forwarding conntrack pod source rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack pod destination rule" -d 10.244.0.0/16 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
RULES
else
cat > "$HERE/logs/kube-proxy-restore-input.txt" <<'RULES'
*nat
:KUBE-SERVICES - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-NODE-PORT - [0:0]
:KUBE-LOAD-BALANCER - [0:0]
:KUBE-MARK-MASQ - [0:0]
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -m mark --mark 0x00004000/0x00004000 -j MASQUERADE
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x00004000/0x00004000
-A KUBE-SERVICES ! -s 10.244.0.0/16 -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j KUBE-MARK-MASQ
-A KUBE-SERVICES -d 192.0.2.80/32 -p tcp -m tcp --dport 80 -j KUBE-LOAD-BALANCER
-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT
-A KUBE-LOAD-BALANCER -d 192.0.2.80/32 -p tcp -m tcp --dport 80 -j KUBE-FIREWALL
-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ
-A KUBE-FIREWALL -s 203.0.113.0/24 -d 192.0.2.80/32 -p tcp -m tcp --dport 80 -j RETURN
-A KUBE-FIREWALL -j KUBE-MARK-DROP
COMMIT
RULES
fi
# Run it exactly as the kube-proxy image does: "iptables-restore" is xtables-legacy-multi.
set +e
in_ns "$NODE" bash -c 'exec -a iptables-restore /usr/sbin/xtables-legacy-multi --noflush --counters' \
  < "$HERE/logs/kube-proxy-restore-input.txt" > "$HERE/logs/iptables-restore-stdout.txt" 2> "$OUT/iptables-restore-error.txt"
RC=$?
set -e
echo "iptables-restore (legacy) --noflush --counters exit status: $RC" > "$HERE/logs/iptables-restore-exit-status.txt"
[ -s "$OUT/iptables-restore-error.txt" ] || rm -f "$OUT/iptables-restore-error.txt"

# ---- IPVS (kube-proxy would add 10.96.0.1:443 -> 10.0.0.10:6443) ----
if in_ns "$NODE" ipvsadm -A -t 10.96.0.1:443 -s rr 2>"$HERE/logs/ipvsadm-error.txt"; then
  in_ns "$NODE" ipvsadm -a -t 10.96.0.1:443 -r 10.0.0.10:6443 -m
  in_ns "$NODE" ipvsadm -Ln > "$OUT/ipvsadm-Ln.txt"
  rm -f "$HERE/logs/ipvsadm-error.txt"
fi

# ---- collect ----
collect_node "$NODE" "$NODE" "$OUT"       # iptables-save.txt = iptables-nft-save (stdout+stderr)
in_ns "$NODE" iptables-nft-save    > "$OUT/iptables-nft-save.txt" 2>&1
in_ns "$NODE" iptables-legacy-save > "$OUT/iptables-legacy-save.txt" 2>&1
cat "$OUT/iptables-restore-error.txt" "$HERE/logs/iptables-restore-exit-status.txt" 2>/dev/null || true
