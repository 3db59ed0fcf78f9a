# The body of ../rolling-update-unreachable/make.sh and ../rolling-update-ok/make.sh, which set HERE and
# SCENARIO and DELETE_SERVER, then source this file: the incident and its healthy
# twin differ only in those parameters.

NODE=vm-9; NODE_IP=10.0.0.9; GW=vpc-gw-9; BLOCK=10.244.9.0/24
CLI_POD=frontend-7b9f6d8c4-m2x7q; CLI_IP=10.244.9.10; CLI_CALI=cali9c1d2e3f4a5
SRV_POD=backend-5d8f7c6b9-k4p2w;  SRV_IP=10.244.9.11; SRV_CALI=cali9b8a7c6d5e4
CLI_NS=$NODE-pod-$CLI_POD; SRV_NS=$NODE-pod-$SRV_POD
ALL_NS=("$CLI_NS" "$SRV_NS" "$NODE" "$GW")
OUT=$HERE/nodes/$NODE; CLI_OUT=$OUT/pods/$CLI_POD

BG=()
cleanup() {
  cap_stop || true
  for p in "${BG[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  ns_del "${ALL_NS[@]}"
}
trap cleanup EXIT
ns_del "${ALL_NS[@]}"
rm -rf "$HERE/nodes" "$HERE/logs"; mkdir -p "$OUT" "$CLI_OUT" "$HERE/logs"

for ns in "${ALL_NS[@]}"; do ip netns add "$ns"; in_ns "$ns" ip link set lo up; done
ip link add eth0 netns "$NODE" type veth peer name eth0 netns "$GW"
in_ns "$GW" ip addr add 10.0.0.1/24 dev eth0; in_ns "$GW" ip link set eth0 up
in_ns "$NODE" ip addr add $NODE_IP/24 dev eth0; in_ns "$NODE" ip link set eth0 up
in_ns "$NODE" ip route add default via 10.0.0.1 dev eth0
in_ns "$NODE" sysctl -qw net.ipv4.ip_forward=1
# Aggregate route for the node's pod block: addresses without a live pod are *unreachable*
# (the kernel answers forwarded packets with ICMP type 3 code 1, host unreachable).
in_ns "$NODE" ip route add unreachable $BLOCK proto 80
pod_up() { # NETNS IP CALI
  ip link add "$3" netns "$NODE" type veth peer name eth0 netns "$1"
  in_ns "$NODE" sysctl -qw net.ipv4.conf."$3".proxy_arp=1 net.ipv4.neigh."$3".proxy_delay=0
  in_ns "$NODE" ip link set "$3" up
  in_ns "$NODE" ip route add "$2"/32 dev "$3" scope link
  in_ns "$1" ip addr add "$2"/32 dev eth0; in_ns "$1" ip link set eth0 up
  in_ns "$1" ip route add 169.254.1.1 dev eth0 scope link
  in_ns "$1" ip route add default via 169.254.1.1 dev eth0
}
pod_up "$CLI_NS" $CLI_IP $CLI_CALI
pod_up "$SRV_NS" $SRV_IP $SRV_CALI

WWW=$(mktemp -d); echo ok > "$WWW/healthz"
in_ns "$SRV_NS" python3 -m http.server 8080 --bind $SRV_IP --directory "$WWW" > "$HERE/logs/server.log" 2>&1 & BG+=($!)
wait_listen "$SRV_NS" 8080

cap_start "$CLI_NS" eth0 "$CLI_OUT/capture-eth0.pcap" host $SRV_IP or icmp
cap_start "$NODE" $CLI_CALI "$OUT/capture-$CLI_CALI.pcap" host $SRV_IP or icmp
sleep 1
# client: GET http://10.244.9.11:8080/healthz every 0.5 s, 16 times (bounded)
in_ns "$CLI_NS" bash -c "for i in \$(seq 16); do
    printf '%s ' \"\$(date +%T.%N | cut -c1-12)\"
    curl -sS -m 2 -o /dev/null -w 'http_code=%{http_code} time=%{time_total}\n' http://$SRV_IP:8080/healthz 2>&1 | tr '\n' ' '; echo
    sleep 0.5
  done" > "$HERE/logs/client.log" 2>&1 & CLIENT=$!; BG+=($CLIENT)
sleep 3
if [ $DELETE_SERVER = yes ]; then
  echo "$(date +%T.%N | cut -c1-12) deleting pod $SRV_POD (netns $SRV_NS, veth $SRV_CALI, $SRV_IP)" >> "$HERE/logs/events.log"
  ns_del "$SRV_NS"     # kills the server, removes the netns -> veth pair and its /32 route vanish
fi
wait $CLIENT || true
cap_stop
collect_node "$NODE" "$NODE" "$OUT"
collect_pod "$CLI_NS" "$CLI_POD" "$CLI_OUT"
rm -rf "$WWW"
cat "$HERE/logs/client.log" "$HERE/logs/events.log" 2>/dev/null || true
