# The body of ../mtu-ipip-blackhole/make.sh and ../mtu-ipip-fits/make.sh, which set HERE and
# SCENARIO, TUN_MTU and POD_MTU, then source this file: the incident and its healthy
# twin differ only in those parameters.

LARGE_BYTES=524288     # /large.bin (512 KiB)
SMALL_BYTES=512        # /small.bin

NODE_A=vm-4; IP_A=10.0.0.4; BLK_A=10.244.4; POD_A=netshoot-7d9c5b6f4-x2k8p; CALI_A=cali1a2b3c4d5e6
NODE_B=vm-5; IP_B=10.0.0.5; BLK_B=10.244.5; POD_B=web-5c8f9b7d6-q4m2n;      CALI_B=cali6e5d4c3b2a1
PNS_A=$NODE_A-pod-$POD_A; PNS_B=$NODE_B-pod-$POD_B
ALL_NS=("$PNS_A" "$PNS_B" "$NODE_A" "$NODE_B")

DAEMONS=()
cleanup() {
  cap_stop || true
  for p in "${DAEMONS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  ns_del "${ALL_NS[@]}"
  [ -n "${WWW:-}" ] && rm -rf "$WWW"
}
trap cleanup EXIT
ns_del "${ALL_NS[@]}"
rm -rf "$HERE/nodes" "$HERE/logs"; mkdir -p "$HERE/nodes" "$HERE/logs"

for ns in "${ALL_NS[@]}"; do ip netns add "$ns"; in_ns "$ns" ip link set lo up; done

# --- underlay: one veth pair, named eth0 on both nodes ---
ip link add eth0 netns "$NODE_A" mtu $UNDERLAY_MTU type veth peer name eth0 netns "$NODE_B" mtu $UNDERLAY_MTU
node_setup() { # NODE IP BLK POD_NS CALI PEER_IP PEER_BLK
  local n=$1 ip=$2 blk=$3 pns=$4 cali=$5 pip=$6 pblk=$7
  in_ns "$n" ip addr add "$ip/24" dev eth0
  in_ns "$n" ip link set eth0 up
  in_ns "$n" ip route add default via 10.0.0.1 dev eth0 onlink   # a VPC gateway (not present)
  in_ns "$n" sysctl -qw net.ipv4.ip_forward=1
  # tunl0: TUN device driven by _lib/ipip-tun.py (kernel has no CONFIG_NET_IPIP)
  in_ns "$n" ip tuntap add dev tunl0 mode tun
  in_ns "$n" ip link set tunl0 mtu $TUN_MTU
  in_ns "$n" ip addr add "$blk.1/32" dev tunl0          # Calico puts a block address on tunl0
  in_ns "$n" ip link set tunl0 up
  in_ns "$n" ip route add "$pblk.0/24" via "$pip" dev tunl0 onlink
  in_ns "$n" ip route add blackhole "$blk.0/24" proto 80  # Calico/BIRD blackhole for the local block
  # pod: veth calixxxx <-> eth0, Calico style (169.254.1.1 gateway via proxy_arp)
  ip link add "$cali" netns "$n" mtu $POD_MTU type veth peer name eth0 netns "$pns" mtu $POD_MTU
  in_ns "$n" sysctl -qw net.ipv4.conf."$cali".proxy_arp=1
  in_ns "$n" sysctl -qw net.ipv4.neigh."$cali".proxy_delay=0
  in_ns "$n" ip link set "$cali" up
  in_ns "$n" ip route add "$blk.10/32" dev "$cali" scope link
  in_ns "$pns" ip addr add "$blk.10/32" dev eth0
  in_ns "$pns" ip link set eth0 up
  in_ns "$pns" ip route add 169.254.1.1 dev eth0 scope link
  in_ns "$pns" ip route add default via 169.254.1.1 dev eth0
  # The underlay/VPC eats ICMP "fragmentation needed" (type 3 code 4): PMTUD cannot help.
  for chain in INPUT FORWARD OUTPUT; do
    in_ns "$n" iptables -A "$chain" -p icmp -m icmp --icmp-type 3/4 -m comment --comment "vpc drops icmp frag-needed" -j DROP
  done
}
node_setup "$NODE_A" $IP_A $BLK_A "$PNS_A" $CALI_A $IP_B $BLK_B
node_setup "$NODE_B" $IP_B $BLK_B "$PNS_B" $CALI_B $IP_A $BLK_A

in_ns "$NODE_A" python3 "$HERE/../_lib/ipip-tun.py" --dev tunl0 --icmp-src $BLK_A.1 --route $BLK_B.0/24=$IP_B 2>"$HERE/logs/ipip-tun-$NODE_A.log" & DAEMONS+=($!)
in_ns "$NODE_B" python3 "$HERE/../_lib/ipip-tun.py" --dev tunl0 --icmp-src $BLK_B.1 --route $BLK_A.0/24=$IP_A 2>"$HERE/logs/ipip-tun-$NODE_B.log" & DAEMONS+=($!)

# --- web server in the pod on vm-5 ---
WWW=$(mktemp -d)
head -c $SMALL_BYTES /dev/zero | tr '\0' 's' > "$WWW/small.bin"
head -c $LARGE_BYTES /dev/zero | tr '\0' 'L' > "$WWW/large.bin"
in_ns "$PNS_B" python3 -m http.server 8080 --bind $BLK_B.10 --directory "$WWW" >"$HERE/logs/http-server.log" 2>&1 & DAEMONS+=($!)
wait_listen "$PNS_B" 8080

# --- captures on both nodes' tunl0 and eth0 during the transfers ---
for n in "$NODE_A" "$NODE_B"; do
  mkdir -p "$HERE/nodes/$n"
  cap_start "$n" eth0  "$HERE/nodes/$n/capture-eth0.pcap"
  cap_start "$n" tunl0 "$HERE/nodes/$n/capture-tunl0.pcap"
done
sleep 1
for f in small.bin large.bin; do
  { echo "\$ curl --max-time 8 -o /dev/null http://$BLK_B.10:8080/$f   (from pod $POD_A on $NODE_A)"
    in_ns "$PNS_A" curl -sS --max-time 8 -o /dev/null \
      -w 'http_code=%{http_code} size_download=%{size_download} time_total=%{time_total}\n' \
      "http://$BLK_B.10:8080/$f" 2>&1 || echo "curl exit code $?"
  } > "$HERE/logs/curl-$f.txt"
done
cap_stop

# --- collect (daemons still running, so tunl0 is up as on a live node) ---
for n in "$NODE_A" "$NODE_B"; do collect_node "$n" "$n" "$HERE/nodes/$n"; done
collect_pod "$PNS_A" "$POD_A" "$HERE/nodes/$NODE_A/pods/$POD_A"
collect_pod "$PNS_B" "$POD_B" "$HERE/nodes/$NODE_B/pods/$POD_B"
for n in "$NODE_A" "$NODE_B"; do in_ns "$n" iptables -L -v -n -x > "$HERE/logs/iptables-L-v-$n.txt"; done
cat "$HERE"/logs/curl-*.txt
