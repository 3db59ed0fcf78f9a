#!/bin/bash
# Reproduce a Calico-IPIP setup whose MTU fits between two nodes in network namespaces
# and collect node artifacts + captures. Re-runnable; writes only below this dir.
# Healthy twin of ../mtu-ipip-blackhole/make.sh (same script body, TUN_MTU/POD_MTU 1430).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../_lib/common.sh"

SCENARIO=mtu-ipip-fits
UNDERLAY_MTU=1450      # eth0 on both nodes
TUN_MTU=1430           # tunl0: 1430 + 20 (outer IPv4) = 1450 <= 1450 -> fits
POD_MTU=1430           # Calico sets pod veth MTU = tunnel MTU

. "$HERE/../_lib/mtu-ipip.sh"
