#!/bin/bash
# Same load as listen-overflow against a healthy listener in a pod on node vm-7 and collect
# node + pod artifacts and captures. Re-runnable; writes only below this dir.
# Healthy twin of ../listen-overflow/make.sh (same body; SOMAXCONN=4096, ACCEPT=prompt).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../_lib/common.sh"

SCENARIO=listen-ok
SOMAXCONN=4096         # net.core.somaxconn in the node netns AND in the pod netns (per-netns sysctl)
ACCEPT=prompt          # the app accept()s every connection at once

. "$HERE/../_lib/listen.sh"
