#!/usr/bin/env bash
# make.sh: the exact script that made the captures in this directory.
#
# Run as root on a Linux host with iproute2, iptables, tcpdump, dumpcap,
# curl and python3. Everything happens in throwaway network namespaces named
# ktp-*; the host's own interfaces are never touched, and the namespaces
# and every process started here are removed on exit.
#
#   sudo ./make.sh            # writes the .pcap/.pcapng files next to this script
#
# The kernel this was made on has no IPIP, GRE or Geneve (CONFIG_NET_IPIP is
# not set) but has VXLAN, so the MTU black hole uses a flannel-style VXLAN
# overlay on UDP 8472: the same failure as Calico's tunl0 (an overlay MTU
# that only fits a path larger than the real one), with 50 bytes of overhead
# instead of 20. See README.md for what each file shows.
set -euo pipefail

out=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
nss=()

cleanup() {
	set +e
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.5
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	for n in "${nss[@]}"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT

# ns NAME: a fresh namespace. Linux 6.5+ retransmits a SYN four times at
# 1 s intervals before backing off (tcp_syn_linear_timeouts, default 4);
# turning that off gives the classic 1 s, 2 s, 4 s … that most production
# kernels show (it fails harmlessly on kernels without the setting).
ns() {
	ip netns add "$1"
	nss+=("$1")
	ip -n "$1" link set lo up
	ip netns exec "$1" sysctl -qw net.ipv4.tcp_syn_linear_timeouts=0 2>/dev/null || true
}
x() { local n=$1; shift; ip netns exec "$n" "$@"; }
# veth NS1 DEV1 ADDR1 NS2 DEV2 ADDR2: a link between two namespaces. GSO is
# limited to one segment so captures show packets as they are on the wire,
# not 64 KiB offload super-packets.
veth() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4"
	ip -n "$1" link set "$2" gso_max_segs 1 up
	ip -n "$4" link set "$5" gso_max_segs 1 up
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$4" addr add "$6" dev "$5"
}
# bg NS CMD...: run a command in a namespace in the background. ip netns
# exec execs the command, so $! is the command itself and can be killed.
bg() { local n=$1; shift; ip netns exec "$n" "$@" & pids+=($!); }
# capture NS FILE ARGS...: start tcpdump, wait until it is listening.
capture() {
	local n=$1 f=$2; shift 2
	ip netns exec "$n" tcpdump -U -s 262144 -w "$out/$f" "$@" 2>"$work/$f.log" &
	pids+=($!)
	for _ in $(seq 50); do grep -q "listening on" "$work/$f.log" 2>/dev/null && return; sleep 0.1; done
}
# listening NS PORT: wait until a server in NS listens on PORT (pyenv's
# python can take seconds to start on a busy machine).
listening() {
	for _ in $(seq 100); do
		ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q . && return
		sleep 0.1
	done
	echo "nothing listens on port $2 in $1" >&2
	return 1
}
stop_captures() {
	sleep 1
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	pids=()
}

mkdir -p "$work/www"
head -c 400 /dev/zero | tr '\0' 'a' >"$work/www/small.txt"
head -c 98304 /dev/zero | tr '\0' 'b' >"$work/www/big.bin"

# --- (a) MTU black hole through a VXLAN overlay -----------------------------
# srv (10.99.1.1) -- router (ICMP frag-needed suppressed) -- cli (10.99.2.2)
# Overlay ktp-vx0 MTU 1450, VXLAN "df set": a 1450-byte inner packet is a
# 1500-byte outer one. The router's link toward cli has MTU 1450, so full-
# sized segments are dropped there and nobody is told; small ones pass.
overlay() { # $1: MTU of the router's link toward the client
	ns ktp-srv; ns ktp-rtr; ns ktp-cli
	veth ktp-srv ktp-s0 10.99.1.1/24 ktp-rtr ktp-r0 10.99.1.254/24
	veth ktp-cli ktp-c0 10.99.2.2/24 ktp-rtr ktp-r1 10.99.2.254/24
	ip -n ktp-rtr link set ktp-r1 mtu "$1"
	x ktp-rtr sysctl -qw net.ipv4.ip_forward=1
	x ktp-rtr iptables -A OUTPUT -p icmp --icmp-type fragmentation-needed -j DROP
	ip -n ktp-srv route add 10.99.2.0/24 via 10.99.1.254
	ip -n ktp-cli route add 10.99.1.0/24 via 10.99.2.254
	ip -n ktp-srv link add ktp-vx0 type vxlan id 1 local 10.99.1.1 remote 10.99.2.2 dstport 8472 df set
	ip -n ktp-cli link add ktp-vx0 type vxlan id 1 local 10.99.2.2 remote 10.99.1.1 dstport 8472 df set
	for n in ktp-srv ktp-cli; do ip -n $n link set ktp-vx0 mtu 1450 gso_max_segs 1 up; done
	ip -n ktp-srv addr add 172.30.0.1/24 dev ktp-vx0
	ip -n ktp-cli addr add 172.30.0.2/24 dev ktp-vx0
	bg ktp-srv python3 -m http.server 8080 --bind 172.30.0.1 --directory "$work/www"
	listening ktp-srv 8080
}
teardown() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	pids=()
	for n in "${nss[@]}"; do ip netns del "$n"; done
	nss=()
}
fetch() { x ktp-cli curl -s -o /dev/null --max-time "$2" -w "$1 %{http_code} %{size_download}\n" "http://172.30.0.1:8080/$1" || true; }

overlay 1450
capture ktp-srv mtu-blackhole-overlay.pcap -i ktp-vx0 tcp port 8080
capture ktp-srv mtu-blackhole-underlay.pcap -i ktp-s0 udp port 8472
fetch small.txt 3
fetch big.bin 4
fetch small.txt 3
stop_captures
teardown

overlay 1500
capture ktp-srv mtu-ok-overlay.pcap -i ktp-vx0 tcp port 8080
capture ktp-srv mtu-ok-underlay.pcap -i ktp-s0 udp port 8472
fetch small.txt 3
fetch big.bin 4
fetch small.txt 3
stop_captures
teardown

# --- (b) listen queue overflow ----------------------------------------------
# A listener with backlog 1 that never accepts, SYN cookies off and
# somaxconn 1 in its namespace: once the queue is full the kernel drops
# SYNs, and six concurrent clients retransmit theirs at 1 s, 2 s, 4 s.
cat >"$work/listener.py" <<'EOF'
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.99.4.2", 9000))
s.listen(int(sys.argv[1]))
if sys.argv[2] == "accept":
    while True:
        c, _ = s.accept()
        c.close()
time.sleep(60)
EOF
cat >"$work/clients.py" <<'EOF'
import socket, threading, time
def one(i):
    s = socket.socket()
    s.settimeout(7.5)
    t = time.time()
    try:
        s.connect(("10.99.4.2", 9000))
        print(i, "connected after %.2fs" % (time.time() - t))
    except OSError as e:
        print(i, "failed after %.2fs: %s" % (time.time() - t, e))
    finally:
        s.close()
ts = [threading.Thread(target=one, args=(i,)) for i in range(6)]
for t in ts: t.start(); time.sleep(0.05)
for t in ts: t.join()
EOF
listen_case() { # $1 backlog, $2 accept|never, $3 capture file, $4 capture tool
	ns ktp-cli; ns ktp-srv
	veth ktp-cli ktp-c0 10.99.4.1/24 ktp-srv ktp-s0 10.99.4.2/24
	x ktp-srv sysctl -qw net.ipv4.tcp_syncookies=0 net.core.somaxconn="$1"
	bg ktp-srv python3 "$work/listener.py" "$1" "$2"
	listening ktp-srv 9000
	if [ "$4" = dumpcap ]; then
		bg ktp-cli dumpcap -q -i ktp-c0 -f "tcp port 9000" -w "$out/$3"
		sleep 2
	else
		capture ktp-cli "$3" --time-stamp-precision=nano -i ktp-c0 tcp port 9000
	fi
	x ktp-cli python3 "$work/clients.py"
	stop_captures
	teardown
}
listen_case 1 never listen-overflow-syn-retrans.pcap tcpdump
listen_case 128 accept listen-ok.pcapng dumpcap

# --- (c) host unreachable -----------------------------------------------------
# cli -- router -- 10.99.6.0/24 where only .2 exists. A connection to .77
# makes the router resolve it, fail, and answer ICMP host unreachable: the
# "No route to host" a client sees when a pod IP no longer exists.
unreach_case() { # $1 target, $2 capture file
	ns ktp-cli; ns ktp-rtr; ns ktp-srv
	veth ktp-cli ktp-c0 10.99.5.1/24 ktp-rtr ktp-r0 10.99.5.254/24
	veth ktp-srv ktp-s0 10.99.6.2/24 ktp-rtr ktp-r1 10.99.6.254/24
	x ktp-rtr sysctl -qw net.ipv4.ip_forward=1
	ip -n ktp-cli route add 10.99.6.0/24 via 10.99.5.254
	ip -n ktp-srv route add 10.99.5.0/24 via 10.99.6.254
	bg ktp-srv python3 -m http.server 8080 --bind 10.99.6.2 --directory "$work/www"
	listening ktp-srv 8080
	# -i any with the cooked v2 header: the link type "tcpdump -i any" gives.
	capture ktp-cli "$2" -i any -y LINUX_SLL2 "tcp port 8080 or icmp"
	x ktp-cli curl -s -o /dev/null --max-time 8 -w "%{http_code}\n" "http://$1:8080/small.txt" || true
	stop_captures
	teardown
}
unreach_case 10.99.6.77 host-unreachable.pcap
unreach_case 10.99.6.2 host-reachable.pcap

chmod 644 "$out"/*.pcap "$out"/*.pcapng
ls -l "$out"/*.pcap "$out"/*.pcapng
