#!/bin/bash
# Reproduce a Calico-IPIP MTU blackhole between two nodes in network namespaces
# and collect node artifacts + captures. Re-runnable; writes only below this dir.
# Healthy twin: ../mtu-ipip-fits/make.sh (same script body, TUN_MTU/POD_MTU 1430).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../_lib/common.sh"

SCENARIO=mtu-ipip-blackhole
UNDERLAY_MTU=1450      # eth0 on both nodes
TUN_MTU=1440           # tunl0: 1440 + 20 (outer IPv4) = 1460 > 1450  -> does not fit
POD_MTU=1440           # Calico sets pod veth MTU = tunnel MTU

. "$HERE/../_lib/mtu-ipip.sh"
