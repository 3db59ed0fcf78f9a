#!/bin/bash
# Reproduce "No route to host" during a rolling update: a client pod on node vm-9 keeps connecting
# to the IP of a server pod that has just been deleted; the node answers ICMP host unreachable.
# Healthy twin: ../rolling-update-ok/make.sh (same body, DELETE_SERVER=no).
# Re-runnable; writes only below this dir.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../_lib/common.sh"

SCENARIO=rolling-update-unreachable
DELETE_SERVER=yes      # delete the server pod's netns in the middle of the client's loop

. "$HERE/../_lib/rolling-update.sh"
