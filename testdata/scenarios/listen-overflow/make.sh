#!/bin/bash
# Reproduce a TCP accept-queue (listen backlog) overflow in a pod on node vm-7 and collect
# node + pod artifacts and captures. Re-runnable; writes only below this dir.
# Healthy twin: ../listen-ok/make.sh (same body; SOMAXCONN=4096, ACCEPT=prompt).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../_lib/common.sh"

SCENARIO=listen-overflow
SOMAXCONN=128          # net.core.somaxconn in the node netns AND in the pod netns (per-netns sysctl)
ACCEPT=never           # the app listen()s but never accept()s (wedged worker)

. "$HERE/../_lib/listen.sh"
