#!/bin/sh
# sh scripts/e2e-check.sh KTRIAGE BUNDLE.tgz EXPECT.yaml COLLECTOR-EXIT
#
# Judges one end-to-end run of the collector against the live control
# plane (scripts/cluster-scenarios.sh e2e):
#   - the collector wrote its bundle and said "something failed" (exit 1):
#     kwok's nodes have no kubelet, so kubectl debug cannot reach them;
#   - each node's failure is in the bundle: nodes/<node>/ktriage-collect.log
#     exists and the run's log marks the node FAILED;
#   - ktriage analyses the .tgz with the findings EXPECT.yaml asks for
#     (ktriage verify);
#   - every file of the bundle was understood: no input is unrecognized,
#     failed or skipped in the JSON report.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/cluster-env.sh"
KT=$1 TGZ=$2 EXPECT=$3 RC=$4
name=$(basename "$(dirname "$EXPECT")")
fail=0
bad() {
	echo "$name: FAIL: $*" >&2
	fail=1
}

[ "$RC" -eq 1 ] || bad "collector exit $RC, want 1 (bundle written, the kubelet-less nodes failed)"

w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
tar -xzf "$TGZ" -C "$w"
b=$(echo "$w"/ktriage-bundle-*)
for n in $NODES; do
	[ -s "$b/nodes/$n/ktriage-collect.log" ] || bad "no nodes/$n/ktriage-collect.log in the bundle"
	grep -q "node $n: FAILED" "$b/ktriage-collect.log" || bad "the run's log does not mark node $n FAILED"
done

# The fixture ktriage verify reads: the expectation, with the collector's
# .tgz as its input.
mkdir "$w/fixture"
ln -s "$TGZ" "$w/fixture/bundle"
cp "$EXPECT" "$w/fixture/expect.yaml"
"$KT" verify "$w/fixture" >"$w/verify.out" 2>&1 || {
	cat "$w/verify.out" >&2
	bad "ktriage verify: the findings are not what $EXPECT says"
}

rc=0
"$KT" analyze --format json -o "$w/report.json" "$TGZ" || rc=$?
[ "$rc" -le 1 ] || bad "ktriage analyze exit $rc"
jq -r '.inputs[] | select(.status != "parsed" and .status != "partial") |
	"\(.file): \(.status) (\(.kind)) \(.error // "")"' "$w/report.json" >"$w/not-understood"
if [ -s "$w/not-understood" ]; then
	sed 's/^/    /' "$w/not-understood" >&2
	bad "files not understood (above)"
fi
jq -r '.inputs[] | select(.status == "partial") | "\(.file): partial: \(.warnings // [] | join("; "))"' \
	"$w/report.json" | sed "s/^/$name: note: /" >&2

if [ "$fail" -eq 0 ]; then
	found=$(jq -r '[.findings[].rule] | group_by(.) | map("\(.[0]) x\(length)") | join(", ")' "$w/report.json")
	echo "$name: ok: ${found:-no finding}; $(jq '.inputs | length' "$w/report.json") files, all understood" >&2
fi
exit "$fail"
