#!/bin/sh
# Starts a throwaway Kubernetes control plane on 127.0.0.1 for the live
# fixtures and the collector's end-to-end test: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and kwok (which plays the kubelet
# of simulated nodes: it moves their pods through Pending, Running and Ready
# as its stages say). There is no container runtime, no kube-proxy and no
# CNI: what the API server, the controllers and the scheduler write is real,
# what a node would write is kwok's.
#
# The binaries are built once from tools/controlplane (a module of its own,
# pinned to one Kubernetes release) into .cache/controlplane/bin/<key>; the
# key changes with that module's go.sum, so a version bump rebuilds.
#
#   sh scripts/cluster-up.sh               build if needed, start, wait until ready
#   sh scripts/cluster-up.sh --build-only  only build (and print the binaries' directory)
#   sh scripts/cluster-down.sh             stop everything and remove the state
#
# State (PKI, kubeconfig, etcd data, logs, pids) lives in
# $KTRIAGE_CLUSTER_DIR (default ${TMPDIR:-/tmp}/ktriage-cluster-<uid>).
# Ports are KTRIAGE_CLUSTER_PORT_BASE (default 42400) to +5: high, and
# checked free before anything starts.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/cluster-env.sh"

# ------------------------------------------------------------------ build

build() {
	[ -x "$CP_BIN/kube-apiserver" ] && return 0
	echo "cluster-up: building the control plane ($K8S_VERSION) into $CP_BIN" >&2
	echo "cluster-up: the first build takes 15 to 40 minutes on 2 cores (docs/testing.md)" >&2
	tmp=$CP_BIN.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	t0=$(date +%s)
	# nice: the build takes every core for minutes; whoever shares the
	# machine keeps theirs responsive.
	# The version variables a release build sets (hack/lib/version.sh):
	# without them every component says v0.0.0-master, and so would the
	# fixtures written with it.
	minor=${K8S_VERSION#v1.}
	minor=${minor%%.*}
	ldflags=""
	for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		ldflags="$ldflags -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
	done
	(cd "$ROOT/tools/controlplane" && nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$tmp/" \
		k8s.io/kubernetes/cmd/kube-apiserver \
		k8s.io/kubernetes/cmd/kube-controller-manager \
		k8s.io/kubernetes/cmd/kube-scheduler \
		k8s.io/kubernetes/cmd/kubectl \
		go.etcd.io/etcd/server/v3 \
		sigs.k8s.io/kwok/cmd/kwok) || {
		rm -rf "$tmp"
		echo "cluster-up: build failed" >&2
		exit 1
	}
	# go build names a .../v3 main package after the element before the
	# major version.
	mv "$tmp/server" "$tmp/etcd"
	echo "$(($(date +%s) - t0)) s, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(go version)" >"$tmp/BUILD-TIME"
	rm -rf "$CP_BIN"
	mv "$tmp" "$CP_BIN"
	echo "cluster-up: built in $(cat "$CP_BIN/BUILD-TIME")" >&2
}

if [ "${1-}" = --build-only ]; then
	build
	echo "$CP_BIN"
	exit 0
fi

# ------------------------------------------------------------------ helpers

alive() { [ -f "$CP_DIR/pids/$1" ] && kill -0 "$(cat "$CP_DIR/pids/$1")" 2>/dev/null; }

# port_taken PORT: who listens there, if anyone (ss prints the process when
# it may).
port_taken() {
	ss -Hltnp "sport = :$1" 2>/dev/null | grep -q . || return 1
	ss -Hltnp "sport = :$1" 2>/dev/null | sed 's/^/    /' >&2
	return 0
}

# start NAME CMD...: CMD in the background, in its own session (Ctrl-C in
# the shell that ran make does not reach it), its output in logs/NAME.log.
start() {
	name=$1
	shift
	setsid "$@" >"$CP_DIR/logs/$name.log" 2>&1 </dev/null &
	echo $! >"$CP_DIR/pids/$name"
}

# wait_for WHAT SECONDS CMD...: polls CMD until it succeeds; on time out,
# or when a component has exited, shows the end of every log and stops
# what was started.
wait_for() {
	what=$1 secs=$2
	shift 2
	i=0
	until "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		dead=""
		for c in $COMPONENTS; do
			[ ! -f "$CP_DIR/pids/$c" ] || alive "$c" || dead="$dead $c"
		done
		if [ -n "$dead" ] || [ "$i" -gt "$((secs * 2))" ]; then
			if [ -n "$dead" ]; then
				echo "cluster-up: exited while waiting for $what:$dead" >&2
			else
				echo "cluster-up: $what not ready after $secs s" >&2
			fi
			for f in "$CP_DIR"/logs/*.log; do
				echo "--- $f (last lines)" >&2
				tail -n 15 "$f" >&2
			done
			sh "$ROOT/scripts/cluster-down.sh" >&2
			exit 1
		fi
		sleep 0.5
	done
}

api() {
	curl -fsS --max-time 5 --cacert "$CP_DIR/pki/ca.crt" --cert "$CP_DIR/pki/admin.crt" \
		--key "$CP_DIR/pki/admin.key" "https://127.0.0.1:$API_PORT$1"
}

# ------------------------------------------------------------------ up?

if [ -d "$CP_DIR/pids" ]; then
	all=1
	for c in $COMPONENTS; do alive "$c" || all=""; done
	if [ -n "$all" ] && api /readyz >/dev/null 2>&1; then
		echo "cluster-up: already running ($CP_DIR)" >&2
		echo "export KUBECONFIG=$CP_DIR/kubeconfig"
		exit 0
	fi
	echo "cluster-up: a previous control plane is half up; stopping it first" >&2
	sh "$ROOT/scripts/cluster-down.sh" >&2
fi

busy=""
for p in $API_PORT $ETCD_PORT $ETCD_PEER_PORT $KCM_PORT $SCHED_PORT $KWOK_PORT; do
	if port_taken "$p"; then
		echo "cluster-up: port $p on 127.0.0.1 is taken (above: who holds it)" >&2
		busy=1
	fi
done
if [ -n "$busy" ]; then
	echo "cluster-up: set KTRIAGE_CLUSTER_PORT_BASE to a free range of 6 ports (now $PORT_BASE)" >&2
	exit 1
fi

build
command -v openssl >/dev/null 2>&1 || {
	echo "cluster-up: openssl is needed for the throwaway PKI" >&2
	exit 1
}

rm -rf "$CP_DIR"
mkdir -m 700 "$CP_DIR"
mkdir -m 700 "$CP_DIR/pki" "$CP_DIR/logs" "$CP_DIR/pids" "$CP_DIR/etcd"

# ------------------------------------------------------------------ PKI

# One CA signs everything; it lives two days, as long as the directory is
# meant to.
pki=$CP_DIR/pki
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$pki/ca.key" -out "$pki/ca.crt" -subj /CN=ktriage-test-ca 2>/dev/null

# cert NAME SUBJECT [SANS]: a key and a CA-signed certificate; with SANS a
# serving one, else a client one (CN is the user, O the group).
cert() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$pki/$1.key" -out "$pki/$1.csr" -subj "$2" 2>/dev/null
	if [ -n "${3-}" ]; then
		printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$3" >"$pki/$1.ext"
	else
		printf 'extendedKeyUsage=clientAuth\n' >"$pki/$1.ext"
	fi
	openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
		-CAcreateserial -days 2 -extfile "$pki/$1.ext" -out "$pki/$1.crt" 2>/dev/null
	rm -f "$pki/$1.csr" "$pki/$1.ext"
}
cert apiserver /CN=kube-apiserver \
	"IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
cert kwok /CN=kwok "IP:127.0.0.1,DNS:localhost"
cert admin /O=system:masters/CN=kubernetes-admin
cert kcm /CN=system:kube-controller-manager
cert scheduler /CN=system:kube-scheduler
cert apiserver-kubelet-client /O=system:masters/CN=kube-apiserver-kubelet-client
# Service account tokens are signed with this key.
openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null

# kubeconfig FILE USER: a kubeconfig for USER's certificate; the context is
# named after the cluster, which names the collector's bundle.
kubeconfig() {
	cat >"$CP_DIR/$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $CLUSTER_NAME
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $pki/ca.crt
users:
- name: $2
  user:
    client-certificate: $pki/$2.crt
    client-key: $pki/$2.key
contexts:
- name: $CLUSTER_NAME
  context:
    cluster: $CLUSTER_NAME
    user: $2
current-context: $CLUSTER_NAME
EOF
}
kubeconfig kubeconfig admin
kubeconfig kcm.kubeconfig kcm
kubeconfig scheduler.kubeconfig scheduler

# ------------------------------------------------------------------ start

echo "cluster-up: starting in $CP_DIR (ports $PORT_BASE-$((PORT_BASE + 5)))" >&2

start etcd "$CP_BIN/etcd" --name ktriage --data-dir "$CP_DIR/etcd" \
	--listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
	--advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
	--listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
	--initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
	--initial-cluster "ktriage=http://127.0.0.1:$ETCD_PEER_PORT" \
	--log-level warn
wait_for etcd 30 curl -fsS --max-time 2 "http://127.0.0.1:$ETCD_PORT/health"

start kube-apiserver "$CP_BIN/kube-apiserver" \
	--etcd-servers "http://127.0.0.1:$ETCD_PORT" \
	--bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
	--cert-dir "$CP_DIR/apiserver" \
	--tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
	--client-ca-file "$pki/ca.crt" \
	--kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" \
	--kubelet-client-key "$pki/apiserver-kubelet-client.key" \
	--service-account-issuer https://kubernetes.default.svc.cluster.local \
	--service-account-key-file "$pki/sa.pub" \
	--service-account-signing-key-file "$pki/sa.key" \
	--service-cluster-ip-range "$SERVICE_CIDR" \
	--endpoint-reconciler-type none \
	--authorization-mode Node,RBAC \
	--allow-privileged=true \
	--profiling=false
wait_for kube-apiserver 90 api /readyz

start kube-controller-manager "$CP_BIN/kube-controller-manager" \
	--kubeconfig "$CP_DIR/kcm.kubeconfig" \
	--authentication-kubeconfig "$CP_DIR/kcm.kubeconfig" \
	--authorization-kubeconfig "$CP_DIR/kcm.kubeconfig" \
	--bind-address 127.0.0.1 --secure-port "$KCM_PORT" \
	--cluster-name "$CLUSTER_NAME" \
	--service-account-private-key-file "$pki/sa.key" \
	--root-ca-file "$pki/ca.crt" \
	--cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
	--use-service-account-credentials=true \
	--allocate-node-cidrs=true --cluster-cidr "$POD_CIDR" \
	--service-cluster-ip-range "$SERVICE_CIDR" \
	--leader-elect=false --profiling=false

start kube-scheduler "$CP_BIN/kube-scheduler" \
	--kubeconfig "$CP_DIR/scheduler.kubeconfig" \
	--authentication-kubeconfig "$CP_DIR/scheduler.kubeconfig" \
	--authorization-kubeconfig "$CP_DIR/scheduler.kubeconfig" \
	--bind-address 127.0.0.1 --secure-port "$SCHED_PORT" \
	--leader-elect=false --profiling=false

# kwok's stages come from its own module, as released: nodes become Ready
# and keep a lease; pods are created, run and become Ready (pod/general).
# Without --node-lease-duration-seconds kwok renews no lease, the node
# lifecycle controller marks the nodes Unknown within a minute, and
# node-initialize starts over (the nodes flap and lose their addresses).
# The kubelet API of every node (logs, attach, configz) is kwok's server on
# 127.0.0.1:$KWOK_PORT, which answers that it has nothing to attach to.
stages=$(cd "$ROOT/tools/controlplane" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage
for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
	pod/general/pod-create.yaml pod/general/pod-init-container-running.yaml \
	pod/general/pod-init-container-completed.yaml pod/general/pod-ready.yaml \
	pod/general/pod-complete.yaml pod/general/pod-delete.yaml; do
	echo ---
	cat "$stages/$f"
done >"$CP_DIR/kwok-stages.yaml"
start kwok "$CP_BIN/kwok" --config "$CP_DIR/kwok-stages.yaml" \
	--kubeconfig "$CP_DIR/kubeconfig" \
	--manage-all-nodes=false \
	--manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
	--cidr "$KWOK_POD_CIDR" --node-ip 127.0.0.1 \
	--node-lease-duration-seconds 40 \
	--server-address "127.0.0.1:$KWOK_PORT" --node-port "$KWOK_PORT" \
	--tls-cert-file "$pki/kwok.crt" --tls-private-key-file "$pki/kwok.key"

export KUBECONFIG="$CP_DIR/kubeconfig"
K="$CP_BIN/kubectl"
for n in $NODES; do
	cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: $n
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: $n
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
status:
  allocatable: {cpu: "4", memory: 16Gi, pods: "110"}
  capacity: {cpu: "4", memory: 16Gi, pods: "110"}
EOF
done | "$K" apply -f - >/dev/null

# Ready means: every node Ready (kwok is working), the default service
# account exists (kcm is working; pods are refused without it).
wait_for "nodes Ready" 60 "$K" wait --for=condition=Ready node --all --timeout=1s
wait_for "default service account" 60 "$K" get serviceaccount default -n default
for c in $COMPONENTS; do
	alive "$c" || {
		echo "cluster-up: $c exited; its log:" >&2
		tail -n 30 "$CP_DIR/logs/$c.log" >&2
		sh "$ROOT/scripts/cluster-down.sh" >&2
		exit 1
	}
done
echo "cluster-up: ready: $("$K" version -o json | sed -n 's/.*"gitVersion": "\([^"]*\)".*/\1/p' | tail -n 1), nodes $NODES" >&2
echo "export KUBECONFIG=$CP_DIR/kubeconfig"
