# The body of ../listen-overflow/make.sh and ../listen-ok/make.sh, which set HERE and
# SCENARIO, SOMAXCONN and ACCEPT, then source this file: the incident and its healthy
# twin differ only in those parameters.

APP_BACKLOG=511        # what the app passes to listen(); the kernel caps it at somaxconn
SYNCOOKIES=0           # net.ipv4.tcp_syncookies in the pod netns
FILL=129               # phase 1: connections that fill the accept queue (capacity = backlog + 1)
EXTRA=20               # phase 2: connections that arrive while it is full

NODE=vm-7;  NODE_IP=10.0.0.7;  POD=api-6f7d8c9b5-h7k2m; POD_IP=10.244.7.10; CALI=cali7a8b9c0d1e2
CLIENT=vm-6; CLIENT_IP=10.0.0.6    # the client machine (another node, host network)
PNS=$NODE-pod-$POD
ALL_NS=("$PNS" "$NODE" "$CLIENT")

BG=()
cleanup() {
  cap_stop || true
  for p in "${BG[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  ns_del "${ALL_NS[@]}"
}
trap cleanup EXIT
ns_del "${ALL_NS[@]}"
rm -rf "$HERE/nodes" "$HERE/logs"; mkdir -p "$HERE/logs"
NODE_DIR=$HERE/nodes/$NODE; POD_DIR=$NODE_DIR/pods/$POD; CLIENT_DIR=$HERE/nodes/$CLIENT
mkdir -p "$NODE_DIR" "$POD_DIR" "$CLIENT_DIR"

for ns in "${ALL_NS[@]}"; do ip netns add "$ns"; in_ns "$ns" ip link set lo up; done
ip link add eth0 netns "$CLIENT" type veth peer name eth0 netns "$NODE"
in_ns "$CLIENT" ip addr add $CLIENT_IP/24 dev eth0; in_ns "$CLIENT" ip link set eth0 up
in_ns "$CLIENT" ip route add 10.244.7.0/24 via $NODE_IP dev eth0
# Linux >= 6.5 retransmits SYNs linearly (1 s apart) for the first tcp_syn_linear_timeouts=4
# tries; 0 restores the classic exponential backoff (1 s, 2 s, 4 s, ...) of older kernels.
in_ns "$CLIENT" sysctl -qw net.ipv4.tcp_syn_linear_timeouts=0
in_ns "$NODE" ip addr add $NODE_IP/24 dev eth0; in_ns "$NODE" ip link set eth0 up
in_ns "$NODE" ip route add default via 10.0.0.1 dev eth0 onlink
in_ns "$NODE" sysctl -qw net.ipv4.ip_forward=1
in_ns "$NODE" sysctl -qw net.core.somaxconn=$SOMAXCONN
# pod behind a Calico-style veth
ip link add $CALI netns "$NODE" type veth peer name eth0 netns "$PNS"
in_ns "$NODE" sysctl -qw net.ipv4.conf.$CALI.proxy_arp=1 net.ipv4.neigh.$CALI.proxy_delay=0
in_ns "$NODE" ip link set $CALI up
in_ns "$NODE" ip route add $POD_IP/32 dev $CALI scope link
in_ns "$PNS" ip addr add $POD_IP/32 dev eth0; in_ns "$PNS" ip link set eth0 up
in_ns "$PNS" ip route add 169.254.1.1 dev eth0 scope link
in_ns "$PNS" ip route add default via 169.254.1.1 dev eth0
in_ns "$PNS" sysctl -qw net.core.somaxconn=$SOMAXCONN net.ipv4.tcp_syncookies=$SYNCOOKIES
{ echo "# sysctls set by make.sh"
  echo "node $NODE:  net.core.somaxconn=$SOMAXCONN net.ipv4.ip_forward=1"
  echo "pod $POD:  net.core.somaxconn=$SOMAXCONN net.ipv4.tcp_syncookies=$SYNCOOKIES"
  echo "client $CLIENT:  net.ipv4.tcp_syn_linear_timeouts=0"
  echo "app: listen(backlog=$APP_BACKLOG), accept=$ACCEPT"; } > "$HERE/logs/settings.txt"

in_ns "$PNS" python3 "$HERE/../_lib/listener.py" --port 80 --backlog $APP_BACKLOG --accept $ACCEPT --lifetime 90 \
  > "$HERE/logs/listener.log" 2>&1 & BG+=($!)
wait_listen "$PNS" 80

cap_start "$CLIENT" eth0 "$CLIENT_DIR/capture-eth0.pcap" tcp port 80
cap_start "$NODE" $CALI "$NODE_DIR/capture-$CALI.pcap" tcp port 80
sleep 1
# phase 1: fill the accept queue and keep those connections open
in_ns "$CLIENT" python3 "$HERE/../_lib/connflood.py" --label phase1 --dst $POD_IP --port 80 -n $FILL --timeout 3 --hold 30 \
  > "$HERE/logs/client-phase1.txt" 2>&1 & BG+=($!)
sleep 4
# phase 2: more clients while the queue is full; two netstat -s snapshots meanwhile
in_ns "$CLIENT" python3 "$HERE/../_lib/connflood.py" --label phase2 --dst $POD_IP --port 80 -n $EXTRA --timeout 12 \
  > "$HERE/logs/client-phase2.txt" 2>&1 & PH2=$!; BG+=($PH2)
sleep 1
snapshots2 "$PNS"  "$POD_DIR/netstat-s-2snapshots.txt" 5 &  S1=$!
snapshots2 "$NODE" "$NODE_DIR/netstat-s-2snapshots.txt" 5 & S2=$!
wait $S1 $S2
wait $PH2 || true
sleep 1
# collect while phase-1 connections still sit in the accept queue
collect_node "$NODE" "$NODE" "$NODE_DIR"
collect_pod_full "$PNS" "$POD" "$POD_DIR"
collect_node "$CLIENT" "$CLIENT" "$CLIENT_DIR"
cap_stop
cat "$HERE"/logs/client-phase*.txt
