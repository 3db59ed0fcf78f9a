# Shared by scripts/cluster-*.sh and scripts/e2e-check.sh (sourced, with ROOT set):
# where the control plane's binaries and state live, and its ports.
# shellcheck disable=SC2034 # the variables are for the scripts that source it

# The release the binaries are built from, as tools/controlplane pins it.
K8S_VERSION=$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' "$ROOT/tools/controlplane/go.mod")
# Binaries are keyed by the module's exact dependencies (and this script's
# build recipe version), so a bump of either rebuilds and an old build is
# never used for a new pin.
CP_BUILD_RECIPE=1
CP_KEY=$K8S_VERSION-$(cat "$ROOT/tools/controlplane/go.mod" "$ROOT/tools/controlplane/go.sum" |
	{ cat; echo "recipe $CP_BUILD_RECIPE"; } | sha256sum | cut -c1-12)
CP_BIN=${KTRIAGE_CONTROLPLANE_BIN:-$ROOT/.cache/controlplane/bin/$CP_KEY}
CP_DIR=${KTRIAGE_CLUSTER_DIR:-${TMPDIR:-/tmp}/ktriage-cluster-$(id -u)}

PORT_BASE=${KTRIAGE_CLUSTER_PORT_BASE:-42400}
API_PORT=$PORT_BASE
ETCD_PORT=$((PORT_BASE + 1))
ETCD_PEER_PORT=$((PORT_BASE + 2))
KCM_PORT=$((PORT_BASE + 3))
SCHED_PORT=$((PORT_BASE + 4))
KWOK_PORT=$((PORT_BASE + 5))

CLUSTER_NAME=ktriage-e2e
SERVICE_CIDR=10.96.0.0/16
POD_CIDR=10.244.0.0/16
# kwok hands out pod IPs itself (no CNI); inside the cluster CIDR so the
# addresses look like the nodes' podCIDRs.
KWOK_POD_CIDR=10.244.0.0/16
NODES="kwok-node-0 kwok-node-1"
# In start order; cluster-down stops them in reverse.
COMPONENTS="etcd kube-apiserver kube-controller-manager kube-scheduler kwok"
