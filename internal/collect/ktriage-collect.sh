#!/bin/sh
# ktriage-collect: makes a support bundle for `ktriage analyze`.
# What it collects, why, and how to review it: docs/collecting.md.
#
# It needs only a POSIX sh and kubectl (ssh with --ssh), and never root on
# this machine. The same file runs on every node: it sends itself there and
# is started with --node-side, so the node part is read and checked with the
# rest instead of living in a quoted string.

COLLECT_VERSION=1
# The node side writes this line right before its tar. Anything before it on
# the way back (kubectl debug prints "Creating debugging pod …" on stdout, a
# login shell's rc file may greet) is chatter, not data.
STREAM_MARK=KTRIAGE-COLLECT-STREAM-1

usage() {
	cat <<'EOF'
Usage: sh ktriage-collect.sh [flags]

Collects what `ktriage analyze` reads from the cluster kubectl points at, and
writes it as one ktriage-bundle-<cluster>-<UTC time>.tgz. Review it before you
send it (docs/collecting.md): it holds pod specs and logs, but no Secrets.

Cluster:
  -o, --output DIR            write the bundle in DIR (default: .)
      --context NAME          kubeconfig context (default: the current one)
      --kubeconfig FILE       kubeconfig file (default: kubectl's)
      --name NAME             cluster name in the file name (default: from the context)
      --namespace NS          dump only namespace NS (repeatable; kube-system is
                              always added); default: every namespace
      --configmap-namespaces LIST
                              namespaces whose ConfigMaps are collected, comma-
                              separated, "" for none
                              (default: kube-system,kube-flannel,calico-system)
Nodes:
      --node NAME             collect from node NAME only (repeatable; default: all)
      --no-nodes              collect cluster objects only
      --image IMAGE           image of the kubectl debug pod; needs sh, tar and
                              chroot (default: docker.io/library/busybox:1.36)
      --debug-namespace NS    namespace of the debug pods (default: kubectl's)
      --profile NAME          kubectl debug --profile (default: sysadmin where
                              kubectl has it)
      --ssh[=USER@]           use ssh to each node's InternalIP (or name)
                              instead of kubectl debug
      --ssh-command CMD       ssh command and options (default: ssh)
      --capture SECONDS       also capture packets for SECONDS on every node
      --capture-packets N     stop a capture after N packets (default: 20000)
      --snaplen BYTES         bytes kept of each packet (default: 256)
      --capture-interface IF  interface to capture on (default: any)
      --timeout SECONDS       time limit per node (default: 120, plus --capture)
      --parallel N            nodes collected at once (default: 4)
      --keep-dir              keep the bundle's directory next to the .tgz
  -h, --help                  this text

Environment: KUBECTL names the kubectl binary (default: kubectl); KUBECONFIG
as for kubectl.
Exit status: 0 all collected; 1 the bundle was written but something failed
(see ktriage-collect.log inside; send it anyway); 2 nothing was written.
EOF
}

# ------------------------------------------------------------------ helpers

now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# say MSG: one line of the run's log. Lines carry their own time because
# node jobs run in parallel and write to it at once.
say() { printf '%s %s\n' "$(now)" "$*" >>"$LOG"; }

# quote FILE PREFIX: the first lines of a command's stderr, kept in the log:
# the reason a step failed is what the support engineer needs first.
quote() {
	if [ -s "$1" ]; then
		sed -n "1,20s/^/    $2/p" "$1" >>"$LOG"
	fi
}

die() {
	printf 'ktriage-collect: %s\n' "$*" >&2
	exit 2
}

size_of() { wc -c <"$1" | tr -d ' '; }

# valid WORD: node names, interfaces and numbers become file names and words
# of a remote command line, so anything beyond these characters is refused
# rather than quoted.
valid() {
	case $1 in
	'' | *[!A-Za-z0-9._@:-]*) return 1 ;;
	esac
	return 0
}

number() {
	case $1 in
	'' | *[!0-9]*) return 1 ;;
	esac
	return 0
}

# deadline SECS IN OUT ERR CMD...: runs CMD with a time limit. timeout(1) is
# not on every workstation (macOS), so a watchdog stands in for it.
deadline() {
	dl_secs=$1 dl_in=$2 dl_out=$3 dl_err=$4
	shift 4
	if [ -n "$HAVE_TIMEOUT" ]; then
		timeout "$dl_secs" "$@" <"$dl_in" >"$dl_out" 2>"$dl_err"
		return
	fi
	"$@" <"$dl_in" >"$dl_out" 2>"$dl_err" &
	dl_pid=$!
	(
		# Ended early: take the sleep along, or it outlives the script.
		trap 'kill "$dl_sleep" 2>/dev/null; exit 0' TERM
		sleep "$dl_secs" &
		dl_sleep=$!
		wait "$dl_sleep"
		kill "$dl_pid" 2>/dev/null
	) >/dev/null 2>&1 &
	dl_watch=$!
	wait "$dl_pid"
	dl_rc=$?
	kill "$dl_watch" 2>/dev/null
	wait "$dl_watch" 2>/dev/null
	return "$dl_rc"
}

k() {
	# shellcheck disable=SC2086 # KFLAGS holds whole flags, split on purpose
	"$KUBECTL" $KFLAGS "$@"
}

# ---------------------------------------------------------------- node side

# Runs on the node (in the debug container, or in the ssh session). Every
# tool is the host's own, reached through $host: iptables-save of another
# version than the node's may show another backend (nft or legacy), which is
# what the kube-mark-drop check is about. Output goes into a private work
# directory; stdout carries nothing but the marker and the tar of it at the
# end, so one stream per node brings everything back and binary captures
# survive.
node_side() {
	trap - INT TERM
	[ $# -eq 8 ] || {
		echo "ktriage-collect: --node-side needs 8 arguments" >&2
		return 2
	}
	mode=$1 root=$2 capture=$3 packets=$4 snaplen=$5 iface=$6 cmd_timeout=$7 node=$8
	w=$(mktemp -d 2>/dev/null) || {
		w=/tmp/ktriage-collect.$$
		mkdir -m 700 "$w" || return 3
	}
	trap 'rm -rf "$w"' EXIT
	LOG=$w/ktriage-collect.log
	: >"$LOG"
	say "node side on $node ($mode mode), ktriage-collect $COLLECT_VERSION"

	tmo=""
	if timeout 5 true >/dev/null 2>&1; then
		tmo="timeout $cmd_timeout"
	else
		say "no usable timeout(1) on the node: commands run without a time limit"
	fi
	case $mode in
	debug)
		if chroot "$root" sh -c : >/dev/null 2>"$w/.err"; then
			host="chroot $root"
		else
			say "cannot chroot to the host's root $root: nothing collected"
			quote "$w/.err" "stderr: "
			cat "$w/.err" >&2
			return 3
		fi
		;;
	*)
		if [ "$(id -u)" = 0 ]; then
			host=""
		elif sudo -n true >/dev/null 2>&1; then
			host="sudo -n"
		else
			host=""
			# root's and sudo's PATH have the sbin directories, a user's
			# may not.
			PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
			export PATH
			say "not root and no password-less sudo: iptables-save, ipvsadm, tcpdump and ss -p may fail"
		fi
		;;
	esac

	say "host name $(on_host uname -n), kernel $(on_host uname -r)"

	snapshot netstat-s.txt netstat -s
	snapshot nstat-az.txt nstat -saz
	grab ip-d-addr.txt ip -d addr
	grab ip-d-link.txt ip -d link
	grab ip-route.txt ip route show table all
	grab iptables-save.txt iptables-save
	grab iptables-legacy-save.txt iptables-legacy-save
	grab iptables-nft-save.txt iptables-nft-save
	grab ip6tables-save.txt ip6tables-save
	# ipvsadm loads the ip_vs module when it is missing: run it only where
	# IPVS is already in use, so collecting changes nothing on the node.
	if on_host sh -c 'test -e /proc/net/ip_vs'; then
		grab ipvsadm-Ln.txt ipvsadm -Ln
	else
		say "ipvsadm-Ln.txt: IPVS not loaded (no /proc/net/ip_vs), ipvsadm not run"
	fi
	grab ss-lnt.txt ss -lntp
	grab sysctl-a.txt sysctl -a
	# The resolver files the kubelet may hand pods (its resolvConf):
	# systemd-resolved's stub at /etc/resolv.conf, the real upstreams in
	# /run/systemd/resolve/resolv.conf; and the kubelet's configuration as
	# written (its configz, what it runs with, is asked of the API server).
	grab_file etc-resolv.conf /etc/resolv.conf
	grab_file run-systemd-resolve-resolv.conf /run/systemd/resolve/resolv.conf
	grab_file kubelet-config.yaml /var/lib/kubelet/config.yaml
	capture
	# The second snapshot turns counters into rates over the whole run (and
	# over the capture), telling a drop happening now from one long ago.
	snapshot netstat-s.txt netstat -s
	snapshot nstat-az.txt nstat -saz

	rm -f "$w/.err" "$w/.out"
	say "done"
	echo "$STREAM_MARK"
	(cd "$w" && tar -cf - ./*)
}

on_host() {
	# shellcheck disable=SC2086 # $host is a command prefix, split on purpose
	$host "$@" </dev/null 2>/dev/null
}

have() {
	# shellcheck disable=SC2016 # $1 is for the inner shell
	on_host sh -c 'command -v "$1"' sh "$1" >/dev/null
}

# kept FILE CMD RC: logs how a command went and drops empty output. An empty
# file would only be listed as "not understood"; the log line says why there
# is none.
kept() {
	kp_msg="$2: exit $3"
	case $3 in 124 | 137 | 143) kp_msg="$kp_msg (time limit)" ;; esac
	if [ -s "$w/$1" ]; then
		say "$1: $kp_msg, $(size_of "$w/$1") bytes"
	else
		rm -f "$w/$1"
		say "$1: $kp_msg, no output: not kept"
	fi
	quote "$w/.err" "stderr: "
}

# grab FILE CMD...: the host's CMD into FILE. A tool the node lacks is a log
# line, not a failure.
grab() {
	gb_file=$1
	shift
	if ! have "$1"; then
		say "$gb_file: $1 not found on the node"
		return 0
	fi
	# shellcheck disable=SC2086 # $tmo and $host are command prefixes
	$tmo $host "$@" >"$w/$gb_file" 2>"$w/.err" </dev/null
	kept "$gb_file" "$*" "$?"
}

# grab_file FILE PATH: the host's file at PATH, as it is. A file the node
# does not have (no systemd-resolved, a kubelet configured by flags) is a
# log line, not a failure.
grab_file() {
	gf_file=$1 gf_path=$2
	# shellcheck disable=SC2086 # $tmo and $host are command prefixes
	$tmo $host cat "$gf_path" >"$w/$gf_file" 2>"$w/.err" </dev/null
	gf_rc=$?
	if [ "$gf_rc" -ne 0 ] && [ ! -s "$w/$gf_file" ] && grep -q 'No such file' "$w/.err"; then
		rm -f "$w/$gf_file"
		say "$gf_file: $gf_path not present on the node"
		return 0
	fi
	kept "$gf_file" "cat $gf_path" "$gf_rc"
}

# snapshot FILE CMD...: appends one dated run, so two runs in one file give
# ktriage the time between them.
snapshot() {
	sn_file=$1
	shift
	if ! have "$1"; then
		say "$sn_file: $1 not found on the node"
		return 0
	fi
	sn_date=$(date -u)
	# shellcheck disable=SC2086 # $tmo and $host are command prefixes
	$tmo $host "$@" >"$w/.out" 2>"$w/.err" </dev/null
	sn_rc=$?
	if [ -s "$w/.out" ]; then
		{
			echo "$sn_date"
			cat "$w/.out"
		} >>"$w/$sn_file"
		say "$sn_file: $* at $sn_date: exit $sn_rc"
	else
		say "$sn_file: $*: exit $sn_rc, no output"
	fi
	quote "$w/.err" "stderr: "
}

# Captures are bounded three ways: by time (--capture), by packets (-c) and by
# bytes per packet (-s). The snap length hides no size evidence: pcap keeps
# every packet's length on the wire in its record header, and ktriage sizes
# packets by their IP headers, which fit in 256 bytes even inside a tunnel.
capture() {
	[ "$capture" -gt 0 ] || return 0
	cp_file=capture-$iface.pcap
	if have tcpdump; then
		cp_cmd="$host tcpdump"
	elif command -v tcpdump >/dev/null 2>&1; then
		cp_cmd=tcpdump
		say "$cp_file: no tcpdump on the node, using the debug image's"
	else
		say "$cp_file: tcpdump not found on the node (nor in the image): no capture"
		return 0
	fi
	say "$cp_file: capturing on $iface for $capture s (at most $packets packets of $snaplen bytes)"
	# -U writes each packet as it comes, so stopping tcpdump at the time limit
	# loses nothing.
	if [ -n "$tmo" ]; then
		# shellcheck disable=SC2086 # $cp_cmd is a command with its prefix
		timeout "$capture" $cp_cmd -i "$iface" -s "$snaplen" -c "$packets" -U -w - \
			>"$w/$cp_file" 2>"$w/.err" </dev/null
		cp_rc=$?
	else
		# shellcheck disable=SC2086
		$cp_cmd -i "$iface" -s "$snaplen" -c "$packets" -U -w - \
			>"$w/$cp_file" 2>"$w/.err" </dev/null &
		cp_pid=$!
		(sleep "$capture" && kill "$cp_pid") >/dev/null 2>&1 &
		cp_watch=$!
		wait "$cp_pid"
		cp_rc=$?
		kill "$cp_watch" 2>/dev/null
	fi
	kept "$cp_file" "tcpdump -i $iface" "$cp_rc"
}

# ------------------------------------------------------------- local side

local_main() {
	OUT=. CONTEXT="" KUBECONFIG_FILE="" NAME="" NAMESPACES="" NODES=""
	CM_NAMESPACES=kube-system,kube-flannel,calico-system
	NO_NODES="" IMAGE=docker.io/library/busybox:1.36 DEBUG_NS="" PROFILE=""
	SSH_MODE="" SSH_USER="" SSH_COMMAND=ssh CAPTURE=0 PACKETS=20000 SNAPLEN=256
	IFACE=any TIMEOUT=120 PARALLEL=4 KEEP_DIR=""
	while [ $# -gt 0 ]; do
		opt=$1
		case $opt in
		--*=*)
			val=${opt#*=}
			opt=${opt%%=*}
			;;
		*) val="" ;;
		esac
		case $opt in
		-h | --help)
			usage
			exit 0
			;;
		--no-nodes) NO_NODES=1 ;;
		--keep-dir) KEEP_DIR=1 ;;
		--ssh)
			SSH_MODE=1
			if [ -z "$val" ] && [ $# -gt 1 ]; then
				case $2 in *@)
					val=$2
					shift
					;;
				esac
			fi
			case $val in '' | *@) SSH_USER=$val ;; *) SSH_USER=$val@ ;; esac
			;;
		-o | --output | --context | --kubeconfig | --name | --namespace | \
			--configmap-namespaces | --node | --image | --debug-namespace | \
			--profile | --ssh-command | --capture | --capture-packets | --snaplen | \
			--capture-interface | --timeout | --parallel)
			if [ "$opt" = "$1" ]; then
				[ $# -gt 1 ] || die "$opt needs a value (see --help)"
				val=$2
				shift
			fi
			case $opt in
			-o | --output) OUT=$val ;;
			--context) CONTEXT=$val ;;
			--kubeconfig) KUBECONFIG_FILE=$val ;;
			--name) NAME=$val ;;
			--namespace) NAMESPACES="$NAMESPACES $val" ;;
			--configmap-namespaces) CM_NAMESPACES=$val ;;
			--node) NODES="$NODES $val" ;;
			--image) IMAGE=$val ;;
			--debug-namespace) DEBUG_NS=$val ;;
			--profile) PROFILE=$val ;;
			--ssh-command) SSH_COMMAND=$val ;;
			--capture) CAPTURE=$val ;;
			--capture-packets) PACKETS=$val ;;
			--snaplen) SNAPLEN=$val ;;
			--capture-interface) IFACE=$val ;;
			--timeout) TIMEOUT=$val ;;
			--parallel) PARALLEL=$val ;;
			esac
			;;
		*) die "unknown argument $1 (see --help)" ;;
		esac
		shift
	done
	for n in "$CAPTURE" "$PACKETS" "$SNAPLEN" "$TIMEOUT" "$PARALLEL"; do
		number "$n" || die "not a number: $n"
	done
	[ "$PARALLEL" -gt 0 ] || PARALLEL=1
	valid "$IFACE" || die "bad --capture-interface: $IFACE"
	for n in $NODES $NAMESPACES $DEBUG_NS; do
		valid "$n" || die "bad name: $n"
	done
	CM_NAMESPACES=$(printf '%s' "$CM_NAMESPACES" | tr ',' ' ')
	for n in $CM_NAMESPACES; do
		valid "$n" || die "bad namespace: $n"
	done

	KUBECTL=${KUBECTL:-kubectl}
	command -v "$KUBECTL" >/dev/null 2>&1 || die "kubectl not found (set KUBECTL to its path)"
	command -v tar >/dev/null 2>&1 || die "tar not found"
	if [ -n "$SSH_MODE" ] && [ -z "$NO_NODES" ]; then
		# shellcheck disable=SC2086 # the command's first word
		set -- $SSH_COMMAND
		command -v "$1" >/dev/null 2>&1 || die "$1 not found (--ssh-command)"
	fi
	case $0 in
	*/*) SELF=$0 ;;
	*) SELF=./$0 ;;
	esac
	if [ -z "$NO_NODES" ] && ! grep -q '^COLLECT_VERSION=' "$SELF" 2>/dev/null; then
		die "run this script from a file (sh ktriage-collect.sh): it sends itself to the nodes"
	fi

	KFLAGS=""
	if [ -n "$CONTEXT" ]; then
		case $CONTEXT in *[[:space:]]*) die "a --context with spaces is not supported: switch to it with kubectl config use-context" ;; esac
		KFLAGS="--context=$CONTEXT"
	fi
	# Through the environment, so a path with spaces stays one word.
	if [ -n "$KUBECONFIG_FILE" ]; then
		KUBECONFIG=$KUBECONFIG_FILE
		export KUBECONFIG
	fi
	HAVE_TIMEOUT=""
	if timeout 5 true >/dev/null 2>&1; then HAVE_TIMEOUT=1; fi

	if [ -z "$NAME" ]; then
		NAME=${CONTEXT:-$(k config current-context 2>/dev/null)}
		# EKS contexts are ARNs ending in cluster/<name>.
		NAME=${NAME##*/}
	fi
	NAME=$(printf '%s' "${NAME:-cluster}" | tr -c 'A-Za-z0-9._-' '-')
	mkdir -p "$OUT" || die "cannot create $OUT"
	OUT=$(cd "$OUT" && pwd) || die "cannot enter $OUT"
	BASE=ktriage-bundle-$NAME-$(date -u +%Y%m%dT%H%M%SZ)
	B=$OUT/$BASE
	if [ -e "$B" ] || [ -e "$B.tgz" ]; then
		die "$B already exists"
	fi
	mkdir "$B" || die "cannot create $B"
	TMP=$(mktemp -d 2>/dev/null) || {
		TMP=${TMPDIR:-/tmp}/ktriage-collect.$$
		mkdir -m 700 "$TMP" || die "cannot create a temp directory"
	}
	JOBS=""
	trap 'rm -rf "$TMP"' EXIT
	trap 'interrupted' INT TERM
	LOG=$B/ktriage-collect.log
	FAILED=""
	: >"$LOG"
	say "ktriage-collect $COLLECT_VERSION: $BASE"
	k version --client >"$TMP/out" 2>&1
	quote "$TMP/out" "kubectl: "
	echo "collecting into $B" >&2

	collect_cluster
	if [ -z "$NO_NODES" ]; then
		collect_nodes
	fi

	for d in "$B"/cluster-resources/*/; do
		rmdir "$d" 2>/dev/null # a kind refused in every namespace
	done
	if (cd "$OUT" && tar -czf "$BASE.tgz" "$BASE"); then
		[ -n "$KEEP_DIR" ] || rm -rf "$B"
	else
		echo "ktriage-collect: packing failed; the files are in $B" >&2
		exit 2
	fi
	if [ -n "$FAILED" ] || [ -s "$TMP/failed" ]; then
		echo "ktriage-collect: some parts failed (see ktriage-collect.log in the bundle); send it anyway" >&2
		echo "$OUT/$BASE.tgz"
		exit 1
	fi
	echo "$OUT/$BASE.tgz"
	exit 0
}

# A typed list (kind ResourceQuotaList) says what it is even when empty, so
# ktriage tells "no quota exists" from "quotas were not collected"; the List
# of `kubectl get -o yaml` does not. Hence `get --raw` of the API paths.
# Files follow the layout ktriage reads namespaces from:
# cluster-resources/<plural>.json (all namespaces) and
# cluster-resources/<plural>/<namespace>.json.
EXTRA_KINDS="resourcequotas:/api/v1
limitranges:/api/v1
endpoints:/api/v1
endpointslices:/apis/discovery.k8s.io/v1:/apis/discovery.k8s.io/v1beta1
networkpolicies:/apis/networking.k8s.io/v1
statefulsets:/apis/apps/v1
jobs:/apis/batch/v1
persistentvolumeclaims:/api/v1"

collect_cluster() {
	mkdir -p "$B/cluster-resources/configmaps"
	if [ -n "$NAMESPACES" ]; then
		# shellcheck disable=SC2086 # a list of checked names
		dump_ns=$(printf '%s\n' kube-system $NAMESPACES | sort -u | tr '\n' ',')
		dump_ns=${dump_ns%,}
		set -- --namespaces="$dump_ns"
	else
		set -- --all-namespaces
	fi
	say "kubectl cluster-info dump $*"
	if k cluster-info dump "$@" --output-directory="$B/cluster-info" >"$TMP/out" 2>"$TMP/err"; then
		say "cluster-info: done"
	else
		say "cluster-info: kubectl cluster-info dump failed"
		FAILED=1
	fi
	quote "$TMP/err" "stderr: "

	get_list cluster-resources/namespaces.json /api/v1/namespaces
	# Which StorageClasses exist and which is the default, and the
	# pre-created volumes: why a claim that names a missing class, none, or
	# a class that does not provision, stays Pending.
	get_list cluster-resources/storageclasses.json /apis/storage.k8s.io/v1/storageclasses
	get_list cluster-resources/persistentvolumes.json /api/v1/persistentvolumes
	for kind in $EXTRA_KINDS; do
		plural=${kind%%:*}
		apis=${kind#*:}
		if [ -z "$NAMESPACES" ]; then
			# shellcheck disable=SC2046 # the API paths have no spaces
			get_list "cluster-resources/$plural.json" $(printf '%s' "$apis" | tr ':' '\n' | sed "s|\$|/$plural|")
			continue
		fi
		mkdir -p "$B/cluster-resources/$plural"
		# shellcheck disable=SC2086
		for ns in $(printf '%s\n' kube-system $NAMESPACES | sort -u); do
			# shellcheck disable=SC2046
			get_list "cluster-resources/$plural/$ns.json" $(printf '%s' "$apis" | tr ':' '\n' | sed "s|\$|/namespaces/$ns/$plural|")
		done
	done
	# ConfigMaps are read only where kube-proxy and the CNI keep theirs: the
	# rules need nothing else, and applications' ConfigMaps may hold
	# customers' data.
	for ns in $CM_NAMESPACES; do
		get_list "cluster-resources/configmaps/$ns.json" "/api/v1/namespaces/$ns/configmaps"
	done
	# Calico's IP pools give the pod network where Nodes have no podCIDR
	# (Calico IPAM); asked only of clusters that serve the CRD's group, so
	# other clusters log no failure.
	if k get --raw /apis/crd.projectcalico.org/v1 >/dev/null 2>&1; then
		get_list cluster-resources/ippools.json /apis/crd.projectcalico.org/v1/ippools
	else
		say "ippools: no crd.projectcalico.org API (not Calico): not collected"
	fi
}

# get_list FILE PATH...: the first API path that answers, into FILE.
get_list() {
	gl_file=$1
	shift
	for gl_path in "$@"; do
		if k get --raw "$gl_path" >"$B/$gl_file" 2>"$TMP/err" && [ -s "$B/$gl_file" ]; then
			say "$gl_file: $gl_path, $(size_of "$B/$gl_file") bytes"
			return 0
		fi
		say "$gl_file: kubectl get --raw $gl_path failed"
		quote "$TMP/err" "stderr: "
	done
	rm -f "$B/$gl_file"
	FAILED=1
}

collect_nodes() {
	# name,os,InternalIP: commas keep an empty field in its place.
	k get nodes -o 'jsonpath={range .items[*]}{.metadata.name}{","}{.metadata.labels.kubernetes\.io/os}{","}{.status.addresses[?(@.type=="InternalIP")].address}{"\n"}{end}' \
		>"$TMP/nodes" 2>"$TMP/err"
	quote "$TMP/err" "stderr: "
	if [ -n "$NODES" ]; then
		: >"$TMP/want"
		for n in $NODES; do
			line=$(awk -F, -v n="$n" '$1 == n { print; exit }' "$TMP/nodes")
			if [ -z "$line" ]; then
				say "node $n: not in kubectl get nodes; trying anyway"
				line="$n,,"
			fi
			echo "$line" >>"$TMP/want"
		done
		mv "$TMP/want" "$TMP/nodes"
	fi
	if [ ! -s "$TMP/nodes" ]; then
		say "no nodes to collect from (kubectl get nodes answered nothing)"
		FAILED=1
		return
	fi
	mkdir -p "$B/nodes"

	DNS_FLAG=""
	[ -z "$DEBUG_NS" ] || DNS_FLAG="--namespace=$DEBUG_NS"
	if [ -z "$SSH_MODE" ]; then
		# Without the sysadmin profile the debug container is not privileged
		# and iptables-save, ipvsadm and tcpdump are refused.
		if [ -z "$PROFILE" ] && k debug --help 2>/dev/null | grep -q sysadmin; then
			PROFILE=sysadmin
		fi
		PROFILE_FLAG=""
		if [ -n "$PROFILE" ]; then
			PROFILE_FLAG="--profile=$PROFILE"
		else
			say "kubectl debug has no --profile: the debug pod is not privileged and iptables-save may be refused (upgrade kubectl to 1.27+ or use --ssh)"
		fi
		# Debug pods that exist already are not this run's to delete.
		# shellcheck disable=SC2086
		k get pods $DNS_FLAG -o name >"$TMP/pods-before" 2>/dev/null
		say "nodes via kubectl debug, image $IMAGE${PROFILE:+, profile $PROFILE}"
	else
		say "nodes via ssh ($SSH_COMMAND)"
	fi

	running=0
	while IFS=, read -r node os addr; do
		if ! valid "$node"; then
			say "node name $node: unexpected characters, skipped"
			continue
		fi
		# Neither the debug image nor sh and chroot exist there.
		if [ "$os" = windows ]; then
			say "node $node: Windows, skipped"
			continue
		fi
		# A dual-stack node lists two InternalIPs.
		collect_node "$node" "${addr%% *}" &
		JOBS="$JOBS $!"
		running=$((running + 1))
		if [ "$running" -ge "$PARALLEL" ]; then
			wait
			running=0
		fi
	done <"$TMP/nodes"
	wait
	JOBS=""
}

# collect_node NAME ADDRESS: one remote shell on the node, its tar unpacked
# into nodes/NAME/ (where ktriage attributes files by path), the debug pod
# removed. Everything about this node goes to nodes/NAME/ktriage-collect.log.
collect_node() {
	# The run's traps are not this job's: its EXIT would remove $TMP.
	trap - EXIT INT TERM
	node=$1 addr=$2
	d=$B/nodes/$node
	mkdir -p "$d"
	t0=$(date +%s)
	limit=$((TIMEOUT + CAPTURE))
	set -- "$CAPTURE" "$PACKETS" "$SNAPLEN" "$IFACE" 60 "$node"
	if [ -z "$SSH_MODE" ]; then
		how="kubectl debug node/$node"
		# No -t: a TTY would mangle the tar. The script goes in on stdin,
		# which the container reads only once kubectl is attached, so no
		# output is lost to a late attach.
		# shellcheck disable=SC2086
		deadline "$limit" "$SELF" "$TMP/$node.raw" "$TMP/$node.err" \
			"$KUBECTL" $KFLAGS debug "node/$node" -i --image="$IMAGE" $PROFILE_FLAG $DNS_FLAG \
			-- sh -s -- --node-side debug /host "$@"
	else
		target=${addr:-$node}
		how="ssh $SSH_USER$target"
		# shellcheck disable=SC2086
		deadline "$limit" "$SELF" "$TMP/$node.raw" "$TMP/$node.err" \
			$SSH_COMMAND -T -o BatchMode=yes -o ConnectTimeout=15 "$SSH_USER$target" \
			sh -s -- --node-side ssh / "$@"
	fi
	rc=$?
	elapsed=$(($(date +%s) - t0))

	nlog=$TMP/$node.log
	LOG=$nlog
	: >"$LOG"
	# The signature line: ktriage reads this file as a collector log by it,
	# also when the node sent nothing back.
	say "local side of node $node, ktriage-collect $COLLECT_VERSION"
	case $rc in
	124 | 137 | 143) say "$how: stopped at the time limit ($limit s)" ;;
	*) say "$how: exit $rc after $elapsed s" ;;
	esac
	grep -v "If you don't see a command prompt" "$TMP/$node.err" >"$TMP/$node.err2"
	quote "$TMP/$node.err2" "stderr: "
	configz "$node" "$d"
	ok=""
	if unpack "$node" "$d"; then
		tail -n 1 "$d/ktriage-collect.log" 2>/dev/null | grep -q ' done$' && ok=1
	fi
	if [ -z "$SSH_MODE" ]; then
		remove_debug_pod "$node"
	fi
	cat "$nlog" >>"$d/ktriage-collect.log"
	LOG=$B/ktriage-collect.log
	if [ -n "$ok" ]; then
		say "node $node: collected in $elapsed s"
	else
		say "node $node: FAILED (see nodes/$node/ktriage-collect.log)"
		echo "$node" >>"$TMP/failed"
		echo "ktriage-collect: node $node failed (see nodes/$node/ktriage-collect.log)" >&2
	fi
	rm -f "$TMP/$node.raw" "$TMP/$node.tar"
}

# configz NODE DIR: the kubelet's configuration in force (flags and
# defaults applied), through the API server's proxy to the node's kubelet
# (RBAC: get nodes/proxy). It needs no shell on the node, so it is asked
# also where kubectl debug or ssh failed. A kubelet that does not answer
# keeps the API server waiting: the request's own timeout and the
# watchdog end it, and the log says so.
configz() {
	cz_file=kubelet-configz.json
	cz_path=/api/v1/nodes/$1/proxy/configz
	cz_limit=30
	[ "$TIMEOUT" -ge "$cz_limit" ] || cz_limit=$TIMEOUT
	[ "$cz_limit" -gt 0 ] || cz_limit=1
	# shellcheck disable=SC2086 # KFLAGS holds whole flags
	deadline "$cz_limit" /dev/null "$2/$cz_file" "$TMP/$1.czerr" \
		"$KUBECTL" $KFLAGS get --raw "$cz_path" --request-timeout="${cz_limit}s"
	cz_rc=$?
	if [ "$cz_rc" -eq 0 ] && [ -s "$2/$cz_file" ]; then
		say "$cz_file: $cz_path, $(size_of "$2/$cz_file") bytes"
	else
		rm -f "$2/$cz_file"
		case $cz_rc in
		124 | 137 | 143) say "$cz_file: kubectl get --raw $cz_path failed: stopped at the time limit ($cz_limit s)" ;;
		*) say "$cz_file: kubectl get --raw $cz_path failed (exit $cz_rc)" ;;
		esac
		quote "$TMP/$1.czerr" "stderr: "
	fi
}

# unpack NODE DIR: the tar after the marker line of NODE's stream, into DIR.
unpack() {
	up_raw=$TMP/$1.raw
	up_line=$(head -n 50 "$up_raw" | awk -v m="$STREAM_MARK" '$0 == m { print NR; exit }')
	if [ -z "$up_line" ]; then
		head -n 20 "$up_raw" >"$TMP/$1.chatter"
		quote "$TMP/$1.chatter" "stdout: "
		say "no data came back from the node"
		return 1
	fi
	if [ "$up_line" -gt 1 ]; then
		head -n $((up_line - 1)) "$up_raw" >"$TMP/$1.chatter"
		quote "$TMP/$1.chatter" "stdout: "
	fi
	up_skip=$(head -n "$up_line" "$up_raw" | wc -c | tr -d ' ')
	tail -c +$((up_skip + 1)) "$up_raw" >"$TMP/$1.tar"
	if ! tar -xf "$TMP/$1.tar" -C "$2" 2>"$TMP/$1.tarerr"; then
		say "the node's stream is not a complete tar: files read before the break are kept"
		quote "$TMP/$1.tarerr" "tar: "
		return 1
	fi
}

# remove_debug_pod NODE: kubectl debug leaves its pod behind. The name it
# printed is the one to delete; if it printed none, only a
# node-debugger-NODE-* pod that did not exist before this run is taken.
remove_debug_pod() {
	pods=$(debug_pods "$TMP/$1.raw" "$TMP/$1.err")
	if [ -z "$pods" ]; then
		# shellcheck disable=SC2086
		k get pods $DNS_FLAG -o name 2>/dev/null |
			awk -v p="pod/node-debugger-$1-" 'index($0, p) == 1' >"$TMP/$1.pods-after"
		pods=$(grep -v -x -F -f "$TMP/pods-before" "$TMP/$1.pods-after" | sed 's|^pod/||')
	fi
	for pod in $pods; do
		# shellcheck disable=SC2086
		if k delete pod $DNS_FLAG "$pod" --ignore-not-found --wait=false >"$TMP/$1.del" 2>&1; then
			if [ -s "$TMP/$1.del" ]; then
				say "debug pod $pod deleted"
			else
				say "debug pod $pod: not found (it was never created)"
			fi
		else
			say "debug pod $pod: delete failed; remove it with kubectl delete pod $pod"
			quote "$TMP/$1.del" "kubectl: "
		fi
	done
}

# debug_pods FILE...: the pods kubectl debug said it created. The line goes to
# stdout in current kubectl; both streams are read in case that changes.
debug_pods() {
	for dp_file in "$@"; do
		head -n 40 "$dp_file" 2>/dev/null
	done | sed -n 's/^Creating debugging pod \([^ ]*\) with container.*/\1/p' | sort -u
}

# On Ctrl-C the node jobs (which ignore SIGINT, as background jobs do) are
# stopped and every debug pod created so far is deleted: kubectl named each
# in its stderr as soon as it made it.
# shellcheck disable=SC2317 # called by the trap
interrupted() {
	trap '' INT TERM
	echo "ktriage-collect: interrupted; removing debug pods" >&2
	for j in $JOBS; do
		kill "$j" 2>/dev/null
	done
	if [ -z "$SSH_MODE" ]; then
		debug_pods "$TMP"/*.raw "$TMP"/*.err |
			while read -r pod; do
				# shellcheck disable=SC2086
				k delete pod $DNS_FLAG "$pod" --ignore-not-found --wait=false >/dev/null 2>&1
			done
	fi
	echo "ktriage-collect: partial files are in $B" >&2
	exit 2
}

main() {
	if [ "${1-}" = --node-side ]; then
		shift
		node_side "$@"
		return
	fi
	local_main "$@"
}

# The node side reads this file on stdin: the whole file is parsed before
# main runs, and nothing main starts can read the rest of it as input.
main "$@" </dev/null
exit
