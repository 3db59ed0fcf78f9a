#!/bin/bash
# Variant of ../kube-mark-drop-missing (KUBE_PROXY_ENSURES_MARK_DROP=yes). CentOS-8-like node: kubelet programs
# iptables through the nf_tables backend (host iptables 1.8 nft), kube-proxy (IPVS mode, an
# older image with legacy iptables) programs the legacy backend. kube-proxy's
# `iptables-restore --noflush` references KUBE-MARK-DROP, which exists only in nf_tables,
# so kube-proxy 1.16-1.24 creates an EMPTY legacy KUBE-MARK-DROP. Re-runnable; writes only below this dir.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../_lib/common.sh"

# no  = kube-proxy < 1.16 (IPVS): leaves KUBE-MARK-DROP to kubelet -> restore fails (this scenario)
# yes = kube-proxy 1.16-1.24 (IPVS): EnsureChain(nat, KUBE-MARK-DROP) in its own (legacy) backend,
#       "but do not change any rules" -> restore succeeds, the legacy chain stays EMPTY
#       (variant ../kube-mark-drop-empty-legacy)
KUBE_PROXY_ENSURES_MARK_DROP=yes

. "$HERE/../_lib/kube-mark-drop-legacy.sh"
