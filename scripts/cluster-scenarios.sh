#!/bin/sh
# Runs the scenarios of test/e2e/scenarios/ on the live control plane of
# scripts/cluster-up.sh, one at a time: apply its manifests, wait until the
# controllers, the scheduler and kwok have acted (its `ready` file), collect
# with the project's own collector (`ktriage collect-script`), then
#
#   fixtures  write testdata/dumps/live-<scenario>/ (the collector's bundle,
#             cluster objects only, and the scenario's expect.yaml), for the
#             golden tests; make cluster-fixtures
#   e2e       collect the nodes too (kwok's nodes have no kubelet, so
#             `kubectl debug node/...` must fail, quickly and in the
#             bundle's logs), analyse the .tgz the collector wrote, and check
#             the scenario's findings (ktriage verify) and that every file in
#             it was understood; make e2e
#
# and delete the scenario's namespace. SCENARIOS narrows the list.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/cluster-env.sh"

MODE=${1:-}
case $MODE in
fixtures | e2e) ;;
*)
	echo "usage: sh scripts/cluster-scenarios.sh fixtures|e2e" >&2
	exit 2
	;;
esac

K=$CP_BIN/kubectl
export KUBECONFIG="$CP_DIR/kubeconfig"
if [ ! -f "$KUBECONFIG" ] || ! "$K" get --raw /readyz >/dev/null 2>&1; then
	echo "$MODE: no control plane is running: make cluster-up first" >&2
	exit 1
fi
KT=$ROOT/bin/ktriage
(cd "$ROOT" && go build -o "$KT" ./cmd/ktriage)

SCENARIOS=${SCENARIOS:-$(cd "$ROOT/test/e2e/scenarios" && ls)}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$KT" collect-script >"$WORK/ktriage-collect.sh"
server_version=$("$K" version -o json | jq -r .serverVersion.gitVersion)
fail=0

# modv MODULE: its version in tools/controlplane.
modv() { awk -v m="$1" '$1 == m && $2 ~ /^v/ { print $2; exit }' "$ROOT/tools/controlplane/go.mod"; }

# poll SECONDS CMD...: until CMD succeeds.
poll() {
	pl_end=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$pl_end" ] || return 1
		sleep 1
	done
}

# provenance DIR SCENARIO FORM: DIR/PROVENANCE.md, naming what wrote it.
provenance() {
	cat >"$1/PROVENANCE.md" <<EOT
Written by \`make cluster-fixtures\` (scripts/cluster-scenarios.sh) from
test/e2e/scenarios/$2/manifests.yaml on a live control plane:
Kubernetes $server_version (kube-apiserver, kube-controller-manager and
kube-scheduler built from k8s.io/kubernetes $K8S_VERSION by tools/controlplane;
etcd $(modv go.etcd.io/etcd/server/v3)), nodes and pods simulated by kwok $(modv sigs.k8s.io/kwok).
$3
Names, uids, times and addresses change on every run.
EOT
}

# twin SCENARIO FORM-NAME FORM: testdata/dumps/live-SCENARIO-FORM-NAME's
# expect.yaml and PROVENANCE.md: a second form of live-SCENARIO, which must
# give its findings exactly.
twin() {
	cat >"$ROOT/testdata/dumps/live-$1-$2/expect.yaml" <<EOT
description: >-
  live-$1 as $3, taken from the same live control plane right after the
  collector (PROVENANCE.md). It must give the same findings.
inputs: [bundle]
$(grep '^exit:' "$ROOT/test/e2e/scenarios/$1/expect.yaml")
same_findings_as: ../live-$1
EOT
	provenance "$ROOT/testdata/dumps/live-$1-$2" "$1" "\`bundle/\`: $3, right after ../live-$1's collector run."
}

# other_forms SCENARIO NAMESPACE: the same objects as kubectl prints them
# other ways, each a fixture that must agree with live-SCENARIO:
#   live-S-dump-stdout     kubectl cluster-info dump on stdout (one stream of
#                          JSON lists and log sections) with the collector's
#                          cluster-resources/
#   live-S-describe-text   kubectl describe, one file per kind
other_forms() {
	d=$ROOT/testdata/dumps/live-$1-dump-stdout
	rm -rf "$d"
	mkdir -p "$d/bundle"
	"$K" cluster-info dump --namespaces "kube-system,$2" >"$d/bundle/cluster-info-dump.txt"
	cp -R "$ROOT/testdata/dumps/live-$1/bundle/cluster-resources" "$d/bundle/"
	twin "$1" dump-stdout "kubectl cluster-info dump --namespaces kube-system,$2 on stdout, with the collector's cluster-resources/"
	d=$ROOT/testdata/dumps/live-$1-describe-text
	rm -rf "$d"
	mkdir -p "$d/bundle"
	# --show-events=true: kubectl prints the Events of one described object,
	# but (kubectl v1.37) not those of several unless asked.
	"$K" describe nodes >"$d/bundle/describe-nodes.txt"
	"$K" describe storageclasses --show-events=true >"$d/bundle/describe-storageclasses.txt" 2>/dev/null
	for kind in deployments replicasets pods services endpoints resourcequotas limitranges persistentvolumeclaims; do
		"$K" describe "$kind" -n "$2" --show-events=true >"$d/bundle/describe-$kind-$2.txt" 2>/dev/null
	done
	for f in "$d"/bundle/*; do
		[ -s "$f" ] || rm -f "$f" # "No resources found" goes to stderr
	done
	twin "$1" describe-text "kubectl describe KIND -n $2 --show-events=true, one file per kind (and kubectl describe nodes, storageclasses)"
	echo "$1: wrote testdata/dumps/live-$1-dump-stdout, live-$1-describe-text" >&2
}

for s in $SCENARIOS; do
	sd=$ROOT/test/e2e/scenarios/$s
	ns=$(awk '/^kind: Namespace/ { f = 1 } f && /^  name:/ { print $2; exit }' "$sd/manifests.yaml")
	echo "== $s (namespace $ns)" >&2
	t0=$(date +%s)
	"$K" apply -f "$sd/manifests.yaml" >/dev/null
	# The namespace's default ServiceAccount comes from the controller
	# manager; pods created before it are refused.
	poll 60 "$K" get serviceaccount default -n "$ns"
	if ! poll 120 sh "$sd/ready" "$K" "$ns"; then
		echo "$s: not ready after 120 s (test/e2e/scenarios/$s/ready)" >&2
		"$K" get all,events -n "$ns" >&2 || true
		fail=1
		"$K" delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
		continue
	fi
	echo "$s: ready after $(($(date +%s) - t0)) s" >&2

	out=$WORK/$s
	mkdir -p "$out"
	t1=$(date +%s)
	if [ "$MODE" = fixtures ]; then
		set -- --no-nodes --keep-dir
	else
		# A short time limit per node: kwok's nodes have no kubelet, and
		# the point is that the failure is quick and written down.
		set -- --timeout 30
	fi
	rc=0
	tgz=$(KUBECTL=$K sh "$WORK/ktriage-collect.sh" --kubeconfig "$KUBECONFIG" \
		--namespace "$ns" -o "$out" "$@" 2>"$out/collect.err") || rc=$?
	echo "$s: collector exit $rc after $(($(date +%s) - t1)) s: $tgz" >&2

	case $MODE in
	fixtures)
		if [ "$rc" -ne 0 ]; then
			cat "$out/collect.err" >&2
			echo "$s: the collector failed (exit $rc); fixture not written" >&2
			fail=1
		else
			fx=$ROOT/testdata/dumps/live-$s
			rm -rf "$fx"
			mkdir -p "$fx"
			mv "${tgz%.tgz}" "$fx/bundle"
			cp "$sd/expect.yaml" "$fx/expect.yaml"
			provenance "$fx" "$s" "\`bundle/\` is what ktriage-collect.sh (\`ktriage collect-script\`) wrote with
\`--namespace $ns --no-nodes\`, unpacked, as it was."
			echo "$s: wrote testdata/dumps/live-$s" >&2
			other_forms "$s" "$ns"
		fi
		;;
	e2e)
		if [ -z "$tgz" ] || [ ! -f "$tgz" ]; then
			cat "$out/collect.err" >&2
			echo "$s: FAIL: the collector wrote no bundle (exit $rc)" >&2
			fail=1
		else
			sh "$ROOT/scripts/e2e-check.sh" "$KT" "$tgz" "$sd/expect.yaml" "$rc" || fail=1
			# The collector deletes the debug pods it made, also when the
			# node failed.
			# shellcheck disable=SC2016 # $1 is the inner shell's
			if ! poll 30 sh -c '! "$1" get pods -A -o name | grep -q node-debugger-' sh "$K"; then
				echo "$s: FAIL: debug pods left behind:" >&2
				"$K" get pods -A | grep node-debugger- >&2
				fail=1
			fi
		fi
		;;
	esac

	# Everything the scenario made, its cluster-wide objects too.
	"$K" delete -f "$sd/manifests.yaml" --ignore-not-found --timeout=120s >/dev/null || {
		echo "$s: its objects (namespace $ns) not gone after 120 s" >&2
		fail=1
	}
done
exit "$fail"
