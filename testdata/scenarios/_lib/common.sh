# Shared helpers for testdata/scenarios/*/make.sh (sourced, not executed).
# Everything here acts only inside network namespaces created by the scripts.

# ns_del NAME... : delete namespaces if they exist (idempotent)
ns_del() {
  local n
  for n in "$@"; do
    ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null || true
    ip netns del "$n" 2>/dev/null || true
  done
}

# in_ns NS CMD... : run a command inside a namespace
in_ns() { local n=$1; shift; ip netns exec "$n" "$@"; }

# collect_node NS HOSTNAME OUTDIR : gather what a node collector would
# (ip -d addr, ip route, iptables-save, netstat -s, nstat -az, ss -lnt, sysctl -a).
# sysctl -a runs under `unshare --uts` with the node's hostname set, so
# kernel.hostname is the node name without touching the host's UTS namespace.
collect_node() {
  local ns=$1 host=$2 out=$3
  mkdir -p "$out"
  in_ns "$ns" ip -d addr                       > "$out/ip-d-addr.txt"
  in_ns "$ns" ip route                         > "$out/ip-route.txt"
  in_ns "$ns" iptables-save                    > "$out/iptables-save.txt" 2>&1
  in_ns "$ns" netstat -s                       > "$out/netstat-s.txt"
  in_ns "$ns" env NSTAT_HISTORY=/tmp/.nstat-"$ns".hist nstat -az > "$out/nstat-az.txt"
  rm -f /tmp/.nstat-"$ns".hist
  in_ns "$ns" ss -lnt                          > "$out/ss-lnt.txt"
  in_ns "$ns" unshare --uts sh -c "hostname '$host'; sysctl -a 2>/dev/null" > "$out/sysctl-a.txt"
}

# collect_pod NS PODNAME OUTDIR : the subset that is useful from a pod netns
collect_pod() {
  local ns=$1 pod=$2 out=$3
  mkdir -p "$out"
  in_ns "$ns" ip -d addr   > "$out/ip-d-addr.txt"
  in_ns "$ns" ip route     > "$out/ip-route.txt"
  in_ns "$ns" netstat -s   > "$out/netstat-s.txt"
  in_ns "$ns" ss -lnt      > "$out/ss-lnt.txt"
}

# collect_pod_full NS PODNAME OUTDIR : collect_pod + nstat -az + sysctl -a (UTS hostname = pod name)
collect_pod_full() {
  local ns=$1 pod=$2 out=$3
  collect_pod "$@"
  in_ns "$ns" env NSTAT_HISTORY=/tmp/.nstat-"$ns".hist nstat -az > "$out/nstat-az.txt"
  rm -f /tmp/.nstat-"$ns".hist
  in_ns "$ns" unshare --uts sh -c "hostname '$pod'; sysctl -a 2>/dev/null" > "$out/sysctl-a.txt"
}

# snapshots2 NS FILE GAP : two `date; netstat -s` snapshots GAP seconds apart
snapshots2() {
  { date; in_ns "$1" netstat -s; sleep "$3"; date; in_ns "$1" netstat -s; } > "$2"
}

# cap_start NS IFACE FILE [extra tcpdump args...] : background tcpdump, pid appended to CAP_PIDS
CAP_PIDS=()
cap_start() {
  local ns=$1 ifc=$2 file=$3; shift 3
  ip netns exec "$ns" tcpdump -i "$ifc" -s 200 -U -w "$file" "$@" 2>/dev/null &
  CAP_PIDS+=($!)
}
cap_stop() {
  local p
  sleep 1
  for p in "${CAP_PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
  for p in "${CAP_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  CAP_PIDS=()
}

# wait_listen NS PORT : wait (max 10 s) until something listens on TCP PORT in NS
wait_listen() {
  local i
  for i in $(seq 100); do
    in_ns "$1" ss -Hlnt "sport = :$2" | grep -q . && return 0
    sleep 0.1
  done
  echo "nothing listening on :$2 in $1" >&2; return 1
}
