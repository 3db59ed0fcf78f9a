#!/bin/bash
# Same as rolling-update-unreachable but nothing is deleted: a client pod on node vm-9 keeps connecting
# to a live server pod and every request succeeds.
# Healthy twin of ../rolling-update-unreachable/make.sh (same body, DELETE_SERVER=no).
# Re-runnable; writes only below this dir.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../_lib/common.sh"

SCENARIO=rolling-update-ok
DELETE_SERVER=no       # the server pod stays alive: the client always reaches a live pod

. "$HERE/../_lib/rolling-update.sh"
