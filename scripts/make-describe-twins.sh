#!/bin/sh
# Regenerate the text twins of JSON fixtures: testdata/dumps/<fixture>-describe-text
# holds what `kubectl describe` (kubectl v0.37.2's own describers, run by
# tools/describetext -bundle over the fixture's objects) and `kubectl logs` print
# for <fixture>'s bundle, and must give the same findings
# (expect.yaml same_findings_as). Node files and captures are copied as
# they are. Ages are printed as of a minute after the bundle's last event
# or pod creation, so the text is the same on every run.
#
# Run from the repository root:  make describe-twins
set -eu
FIXTURES="${FIXTURES:-crashloop-incident crashloop-healthy scheduling-insufficient-cpu scheduling-fits
image-pull-unauthorized image-pull-pulled volume-configmap-missing volume-configmap-present
probe-port-mismatch probe-port-matches dns-coredns-loop dns-healthy netpol-egress-blocks-dns
netpol-egress-allows-dns node-health-disk-evictions node-health-unknown node-health-healthy
cni-flannel-no-podcidr cni-flannel-healthy selector-near-miss selector-udp-named-port
selector-numeric-target-undeclared quota-limitrange-incident quota-must-specify healthy-cluster
kube-mark-drop-incident kube-mark-drop-flushed-nat listen-overflow-capture-only listen-overflow-incident
mtu-calico-ipip-incident rolling-update-unreachable ip-forward-off volume-claim-pending volume-multi-attach
volume-configmap-key-missing image-pull-not-found}"
bin=$(mktemp -d)/describetext
trap 'rm -rf "$(dirname "$bin")"' EXIT
(cd tools/describetext && go build -o "$bin" .)
for fx in $FIXTURES; do
	src=testdata/dumps/$fx
	dst=testdata/dumps/$fx-describe-text
	rm -rf "$dst"
	"$bin" -bundle "$src/bundle" -out "$dst/bundle" 2>"$dst.log" || { cat "$dst.log"; exit 1; }
	rm -f "$dst.log"
	exit_line=$(grep '^exit:' "$src/expect.yaml" || true)
	cat > "$dst/expect.yaml" <<EOT
description: >-
  Text twin of $fx (scripts/make-describe-twins.sh): its objects as
  kubectl's own describers print them (kubectl describe <kind> -n <ns>, one
  file per kind and namespace, events in each object's Events table), its
  pod logs as a saved terminal session of kubectl logs commands, its node
  files as they are. It must give the same findings as the JSON form.
inputs: [bundle]
$exit_line
same_findings_as: ../$fx
EOT
done
