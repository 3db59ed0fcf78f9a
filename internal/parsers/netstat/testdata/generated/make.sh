#!/bin/sh
# Regenerates the real kernel outputs the netstat, ss and sysctl parser tests
# read. It overflows a TCP accept queue inside a throwaway network namespace
# and captures what the tools say about it. Run as root from this directory:
#
#   sh make.sh
#
# Nothing on the host changes: net.core.somaxconn is per network namespace,
# so it is set inside the namespace only, and the namespace is deleted at the
# end. Needs iproute2 (ip, ss, nstat), net-tools (netstat), procps (sysctl),
# util-linux (unshare) and python3.
set -eu

NS=ktriage-lq
HERE=$(cd "$(dirname "$0")" && pwd)
NETSTAT_OUT=$HERE
SS_OUT=$HERE/../../../ss/testdata/generated
SYSCTL_OUT=$HERE/../../../sysctl/testdata/generated
WORK=$(mktemp -d)
PIDS=""

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

in_ns() { ip netns exec "$NS" "$@"; }

ip netns add "$NS"
in_ns ip link set lo up
# The incident: somaxconn caps whatever backlog the server asks for.
in_ns sysctl -q -w net.core.somaxconn=4

# Listeners that never call accept():
#   127.0.0.1:8080 asks for listen(511) like nginx; somaxconn cuts it to 4.
#   127.0.0.1:8081 asks for listen(2) itself.
#   [::]:8443 and udp 0.0.0.0:5353 stay idle, for the IPv6 and UDP rows.
cat >"$WORK/listen.py" <<'EOF'
import socket, sys, time
socks = []
for fam, addr, port, backlog in ((socket.AF_INET, "127.0.0.1", 8080, 511),
                                 (socket.AF_INET, "127.0.0.1", 8081, 2),
                                 (socket.AF_INET6, "::", 8443, 128)):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(backlog)
    socks.append(s)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("0.0.0.0", 5353))
socks.append(u)
print("ready", flush=True)
time.sleep(600)
EOF

# Clients connect and hold their sockets; the server never accepts, so the
# accept queue fills and every further handshake-completing ACK overflows it.
cat >"$WORK/connect.py" <<'EOF'
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
held = []
for _ in range(n):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    held.append(c)
print("connected", flush=True)
time.sleep(600)
EOF

in_ns python3 "$WORK/listen.py" >"$WORK/listen.log" 2>&1 &
PIDS="$PIDS $!"
i=0
until grep -q ready "$WORK/listen.log"; do
	i=$((i + 1)); [ $i -lt 50 ] || { cat "$WORK/listen.log"; exit 1; }
	sleep 0.1
done
in_ns python3 "$WORK/connect.py" 8080 20 >/dev/null 2>&1 &
PIDS="$PIDS $!"
in_ns python3 "$WORK/connect.py" 8081 10 >/dev/null 2>&1 &
PIDS="$PIDS $!"
# SYN-ACK retransmissions (1 s, 3 s) hit the full queue again.
sleep 4

in_ns netstat -s >"$NETSTAT_OUT/netstat-s.txt"
{
	date
	in_ns netstat -s
	sleep 1
	date
	in_ns netstat -s
} >"$NETSTAT_OUT/netstat-s-two-snapshots-with-date.txt"
# nstat keeps a history file; point it at the scratch dir so the user's is untouched.
NSTAT_HISTORY=$WORK/nstat.history in_ns nstat -az >"$NETSTAT_OUT/nstat-az.txt"
in_ns cat /proc/net/netstat >"$NETSTAT_OUT/proc-net-netstat.txt"
in_ns cat /proc/net/snmp >"$NETSTAT_OUT/proc-net-snmp.txt"
# The IPv6 forms: netstat -s -6 prints Ip6/Icmp6/Udp6 from /proc/net/snmp6.
in_ns netstat -s -6 >"$NETSTAT_OUT/netstat-s-6.txt"
in_ns cat /proc/net/snmp6 >"$NETSTAT_OUT/proc-net-snmp6.txt"

in_ns ss -lnt >"$SS_OUT/ss-lnt.txt"
in_ns ss -tlnp >"$SS_OUT/ss-tlnp.txt"
in_ns ss -lntu >"$SS_OUT/ss-lntu.txt"
in_ns netstat -lnt >"$SS_OUT/netstat-lnt.txt"
in_ns netstat -tlnp >"$SS_OUT/netstat-tlnp.txt"

# A private UTS namespace gives the capture a fixed host name. sysctl -a
# reports keys it may not read on stderr; support scripts usually keep both.
in_ns unshare --uts sh -c 'hostname ktriage-lq-node && sysctl -a 2>&1' >"$SYSCTL_OUT/sysctl-a-netns.txt"

echo "wrote:"
ls -l "$NETSTAT_OUT" "$SS_OUT" "$SYSCTL_OUT"
