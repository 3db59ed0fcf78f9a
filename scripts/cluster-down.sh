#!/bin/sh
# Stops the control plane scripts/cluster-up.sh started, by the pids it
# recorded (newest first), and removes its state directory. Safe to run
# when nothing is up.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/cluster-env.sh"

if [ ! -d "$CP_DIR/pids" ]; then
	echo "cluster-down: nothing running ($CP_DIR absent)" >&2
	rm -rf "$CP_DIR"
	exit 0
fi
order=""
for c in $COMPONENTS; do order="$c $order"; done
for c in $order; do
	f=$CP_DIR/pids/$c
	[ -f "$f" ] || continue
	pid=$(cat "$f")
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		i=0
		while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 20 ]; do
			sleep 0.5
			i=$((i + 1))
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "cluster-down: $c (pid $pid) ignored TERM for 10 s; killing it" >&2
			kill -9 "$pid" 2>/dev/null || true
		fi
		echo "cluster-down: stopped $c (pid $pid)" >&2
	fi
	rm -f "$f"
done
rm -rf "$CP_DIR"
