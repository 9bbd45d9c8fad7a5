# containerd's CRI plugin (Debian's containerd 1.6) with a runtime handler of type
# io.containerd.runc.v2 whose BinaryName is berth-runtime: what kubelet asks for.
# Sourced by tests/integration/lib.sh; each test_* runs in its own subshell.
#
# crictl is not packaged in Debian 12, so the tests speak CRI (runtime.v1) through
# tests/helpers/cri.py (python3-grpcio). setup_file starts a private containerd (root,
# state, sockets, CNI config dir under $BERTH_FILE_TMP; restrict_oom_score_adj, since
# there is no CAP_SYS_RESOURCE here), imports a locally built pause image (a static
# tests/helpers/pause.c) and busybox into the k8s.io namespace. The runtime is a
# file-wide wrapper that logs every call (argv, config.json / process.json, exit
# status, the runtime's own log) to $BERTH_FILE_TMP/containerd-cri/runtime-calls.log;
# a failing test prints the calls that failed during it.
#
# Pods use the host network unless a test says otherwise; the one that does uses a CNI
# network of type host-device on a veth pair made for it (static address, nothing else
# on the host changes), since a pod network must give the pod an eth0 with an address.

# shellcheck source=tests/integration/orchestrators.sh
source "$(dirname "${BASH_SOURCE[0]}")/orchestrators.sh"

CRI_HELPERS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../helpers" && pwd)
CRI_PAUSE_IMAGE=localhost/berth-pause:1
CRI_IMAGE=docker.io/library/busybox:latest
# veth names unique to this run (interface names have at most 15 characters)
CRI_VETH_HOST=bcri${BERTH_TEST_CGROUP##*-}h
CRI_VETH_POD=bcri${BERTH_TEST_CGROUP##*-}p

setup_file() {
	CRI_SKIP=""
	if ! command -v containerd >/dev/null || ! command -v containerd-shim-runc-v2 >/dev/null ||
		! /usr/bin/python3 -c 'import grpc' 2>/dev/null || [[ ! -x /usr/lib/cni/host-device ]]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			containerd python3-grpcio containernetworking-plugins >/dev/null 2>&1 || true
	fi
	if ! command -v containerd >/dev/null || ! command -v containerd-shim-runc-v2 >/dev/null; then
		CRI_SKIP="containerd is not installed and apt-get install containerd failed"
	elif ! /usr/bin/python3 -c 'import grpc' 2>/dev/null; then
		CRI_SKIP="python3-grpcio (the CRI client's transport; crictl is not in Debian 12) cannot be installed"
	fi
	export CRI_SKIP
	[[ -z "$CRI_SKIP" ]] || return 0

	CRI_DIR=$BERTH_FILE_TMP/containerd-cri
	CRI_SOCK=$CRI_DIR/containerd.sock
	CRI_LOG=$CRI_DIR/runtime-calls.log
	mkdir -p "$CRI_DIR"/{root,state,runc,cni,cni-cache,opt,logs}
	CRI_RUN_CREATED=0
	[[ -e /run/containerd ]] || CRI_RUN_CREATED=1
	orch_runtime_wrapper "$CRI_DIR/berth-runtime-wrapper" "$CRI_LOG"
	: >"$CRI_LOG"
	cat >"$CRI_DIR/config.toml" <<-EOF
		version = 2
		root = "$CRI_DIR/root"
		state = "$CRI_DIR/state"
		oom_score = 0
		disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
		  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
		  "io.containerd.tracing.processor.v1.otlp"]
		[grpc]
		  address = "$CRI_SOCK"
		[ttrpc]
		  address = "$CRI_SOCK.ttrpc"
		[debug]
		  address = "$CRI_DIR/debug.sock"
		  level = "info"
		[metrics]
		  address = ""
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$CRI_DIR/opt"
		[plugins."io.containerd.grpc.v1.cri"]
		  sandbox_image = "$CRI_PAUSE_IMAGE"
		  restrict_oom_score_adj = true
		  disable_apparmor = true
		  enable_selinux = false
		  netns_mounts_under_state_dir = true
		  stream_server_address = "127.0.0.1"
		  stream_server_port = "0"
		  [plugins."io.containerd.grpc.v1.cri".containerd]
		    snapshotter = "overlayfs"
		    default_runtime_name = "berth"
		    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.berth]
		      runtime_type = "io.containerd.runc.v2"
		      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.berth.options]
		        BinaryName = "$CRI_DIR/berth-runtime-wrapper"
		        Root = "$CRI_DIR/runc"
		        SystemdCgroup = false
		  [plugins."io.containerd.grpc.v1.cri".cni]
		    bin_dir = "/usr/lib/cni"
		    conf_dir = "$CRI_DIR/cni"
		    max_conf_num = 1
	EOF
	# the pod network (used by one test): host-device moves the pod end of a veth pair
	# into the pod's network namespace as eth0 with a static address
	ip link del "$CRI_VETH_HOST" 2>/dev/null || true
	ip link add "$CRI_VETH_HOST" type veth peer name "$CRI_VETH_POD"
	cat >"$CRI_DIR/cni/10-berth.conf" <<-EOF
		{"cniVersion": "0.4.0", "name": "berth-test", "type": "host-device",
		 "device": "$CRI_VETH_POD",
		 "ipam": {"type": "static", "addresses": [{"address": "10.213.0.2/24"}]}}
	EOF

	set -m
	CNI_PATH=/usr/lib/cni containerd --config "$CRI_DIR/config.toml" \
		>"$CRI_DIR/containerd.log" 2>&1 </dev/null &
	CRI_PID=$!
	set +m
	export CRI_DIR CRI_SOCK CRI_LOG CRI_PID CRI_RUN_CREATED
	wait_for 20 cri Version '{}' || {
		cat "$CRI_DIR/containerd.log"
		return 1
	}

	# the pause image: one layer holding a static /pause
	local layer=$CRI_DIR/pause-layer
	mkdir -p "$layer"
	gcc -static -O2 -o "$layer/pause" "$CRI_HELPERS/pause.c"
	tar -C "$layer" -cf "$CRI_DIR/pause-layer.tar" pause
	orch_oci_archive "$CRI_DIR/pause-oci.tar" "$CRI_PAUSE_IMAGE" "$CRI_DIR/pause-layer.tar" /pause
	orch_oci_archive "$CRI_DIR/busybox-oci.tar" "$CRI_IMAGE" "$BUSYBOX_TAR" sh
	ctr -a "$CRI_SOCK" -n k8s.io image import "$CRI_DIR/pause-oci.tar"
	ctr -a "$CRI_SOCK" -n k8s.io image import "$CRI_DIR/busybox-oci.tar"
	# the CRI plugin learns of imported images from events: wait until it sees them
	wait_for 10 cri_image_present "$CRI_PAUSE_IMAGE"
	wait_for 10 cri_image_present "$CRI_IMAGE"
}

teardown_file() {
	[[ -n "${CRI_PID:-}" ]] || { ip link del "$CRI_VETH_HOST" 2>/dev/null; return 0; }
	local i pid
	[[ -S "$CRI_SOCK" ]] && cri_remove_all_pods >/dev/null
	kill -TERM "$CRI_PID" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		orch_pid_gone "$CRI_PID" && break
		sleep 0.1
	done
	kill -KILL "$CRI_PID" 2>/dev/null || true
	for pid in $(find /proc -mindepth 2 -maxdepth 2 -name cwd -printf '%p %l\n' 2>/dev/null |
		awk -v d="$CRI_DIR/" 'index($2, d) == 1 { split($1, a, "/"); print a[3] }'); do
		kill -KILL "$pid" 2>/dev/null || true
	done
	awk -v d="$CRI_DIR" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	ip link del "$CRI_VETH_HOST" 2>/dev/null || true
	if ((CRI_RUN_CREATED)); then
		rmdir /run/containerd/s /run/containerd/fifo /run/containerd 2>/dev/null || true
	fi
	return 0
}

# cri METHOD JSON: one RuntimeService call; the response as JSON on stdout.
cri() {
	/usr/bin/python3 "$CRI_HELPERS/cri.py" "$CRI_SOCK" RuntimeService "$@"
}

cri_image_present() { # ref
	[[ -n "$(/usr/bin/python3 "$CRI_HELPERS/cri.py" "$CRI_SOCK" ImageService ImageStatus \
		"$(jq -cn --arg i "$1" '{image: {image: $i}}')" | jq -r '.image.id // empty')" ]]
}

# cri_remove_all_pods: stop and remove every pod through CRI (a short timeout per
# call); then, if berth-runtime still has containers (CRI could not stop them),
# `delete --force` them directly so nothing outlives the test. Returns 1 in that case.
cri_remove_all_pods() {
	local id left
	for id in $(CRI_TIMEOUT=8 cri ListPodSandbox '{}' 2>/dev/null | jq -r '.items[]?.id'); do
		CRI_TIMEOUT=8 cri StopPodSandbox "$(jq -cn --arg i "$id" '{pod_sandbox_id: $i}')" >/dev/null 2>&1
		CRI_TIMEOUT=8 cri RemovePodSandbox "$(jq -cn --arg i "$id" '{pod_sandbox_id: $i}')" >/dev/null 2>&1
	done
	left=$("$BERTH_RUNTIME" --root "$CRI_DIR/runc/k8s.io" list -q 2>/dev/null)
	[[ -z "$left" ]] && return 0
	echo "# CRI left containers behind in berth-runtime's root; deleting them by force: $left"
	for id in $left; do
		"$BERTH_RUNTIME" --root "$CRI_DIR/runc/k8s.io" delete --force "$id" >/dev/null 2>&1
	done
	return 1
}

# cri_begin: per test: skip without containerd/CRI client; remember where the runtime
# log stands; on exit remove every pod and, when the test failed, print the runtime
# calls that failed during the test.
cri_begin() {
	[[ -z "$CRI_SKIP" ]] || skip "$CRI_SKIP"
	CRI_LOG_START=$(wc -l <"$CRI_LOG")
	export CRI_TIMEOUT=15
	trap 'cri_end $?' EXIT
}

cri_end() {
	local rc=$1
	set +e
	trap - ERR
	cri_remove_all_pods || ((rc != 0)) || rc=1
	if ((rc != 0 && rc != 77)); then
		tail -n "+$((CRI_LOG_START + 1))" "$CRI_LOG" >"$BERTH_TEST_TMP/calls.log"
		if [[ -s "$BERTH_TEST_TMP/calls.log" ]]; then
			echo "# berth-runtime calls that failed:"
			orch_failed_calls "$BERTH_TEST_TMP/calls.log" | sed 's/^/#   /'
		fi
	fi
	exit "$rc"
}

# cri_pod_config NAME [NETWORK-MODE]: a PodSandboxConfig (JSON); network mode 2 (NODE,
# the default here) or 0 (POD: the CNI network, and a hostname, as kubelet sets one only
# for those); own PID namespace per container.
cri_pod_config() {
	local name=$1 net=${2:-2}
	mkdir -p "$CRI_DIR/logs/$name"
	jq -cn --arg n "$name" --arg uid "uid-$name-$$" --arg logs "$CRI_DIR/logs/$name" \
		--arg cg "$BERTH_TEST_CGROUP" --argjson net "$net" '{
		metadata: {name: $n, uid: $uid, namespace: "berth-test", attempt: 0},
		hostname: (if $net == 2 then "" else $n end), log_directory: $logs,
		linux: {cgroup_parent: $cg,
			security_context: {namespace_options: {network: $net, pid: 1, ipc: 0}}}}'
}

# cri_run_pod NAME [NETWORK-MODE]: RunPodSandbox; prints the sandbox id.
cri_run_pod() {
	local cfg
	cfg=$(cri_pod_config "$@")
	cri RunPodSandbox "$(jq -cn --argjson c "$cfg" '{config: $c}')" | jq -r .pod_sandbox_id
}

# cri_create POD-ID POD-NAME CONTAINER-NAME JSON-EXTRA CMD...: CreateContainer with the
# busybox image, CMD as command, JSON-EXTRA merged into the ContainerConfig; prints id.
cri_create() {
	local pod=$1 podname=$2 name=$3 extra=$4 cfg pcfg args
	shift 4
	args=$(python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@")
	pcfg=$(cri_pod_config "$podname" "${CRI_POD_NET:-2}")
	# as kubelet: the container's own PID namespace, the pod's IPC and network
	cfg=$(jq -cn --arg n "$name" --arg img "$CRI_IMAGE" --argjson cmd "$args" \
		--argjson extra "$extra" --argjson net "${CRI_POD_NET:-2}" '{
		metadata: {name: $n, attempt: 0}, image: {image: $img},
		command: $cmd, log_path: ($n + ".log"),
		linux: {security_context: {namespace_options: {network: $net, pid: 1, ipc: 0}}}} * $extra')
	cri CreateContainer "$(jq -cn --arg p "$pod" --argjson c "$cfg" --argjson s "$pcfg" \
		'{pod_sandbox_id: $p, config: $c, sandbox_config: $s}')" | jq -r .container_id
}

cri_ctr_state() { # id → 0 created, 1 running, 2 exited, 3 unknown
	cri ContainerStatus "$(jq -cn --arg i "$1" '{container_id: $i}')" | jq -r '.status.state // 0'
}

cri_ctr_state_is() {
	[[ "$(cri_ctr_state "$1")" == "$2" ]]
}

cri_ctr_pid() { # id → pid of its init (from the verbose info)
	cri ContainerStatus "$(jq -cn --arg i "$1" '{container_id: $i, verbose: true}')" |
		jq -r '.info.info' | jq -r .pid
}

cri_start() {
	cri StartContainer "$(jq -cn --arg i "$1" '{container_id: $i}')" >/dev/null
}

test_cri_pod_sandbox_run_stop_remove() {
	cri_begin
	local pod pid
	run cri_run_pod pod1
	assert_eq 0 "$status" "$output"
	pod=$output
	run cri PodSandboxStatus "$(jq -cn --arg i "$pod" '{pod_sandbox_id: $i, verbose: true}')"
	assert_eq 0 "$status" "$output"
	assert_eq 0 "$(jq -r '.status.state // 0' <<<"$output")" "sandbox state (0 = READY)"
	pid=$(jq -r '.info.info' <<<"$output" | jq -r .pid)
	assert_eq /pause "$(tr '\0' ' ' <"/proc/$pid/cmdline" | sed 's/ $//')"
	grep -q "$BERTH_TEST_CGROUP/$pod" "/proc/$pid/cgroup"
	# restrict_oom_score_adj: the sandbox's -998 is raised to containerd's own (0)
	assert_eq 0 "$(cat "/proc/$pid/oom_score_adj")"
	grep -q " create --bundle .*$pod" "$CRI_LOG"
	run cri StopPodSandbox "$(jq -cn --arg i "$pod" '{pod_sandbox_id: $i}')"
	assert_eq 0 "$status" "$output"
	wait_for 10 orch_pid_gone "$pid"
	run cri RemovePodSandbox "$(jq -cn --arg i "$pod" '{pod_sandbox_id: $i}')"
	assert_eq 0 "$status" "$output"
	assert_eq "" "$(cri ListPodSandbox '{}' | jq -r '.items[]?.id')"
	[[ ! -e "$CRI_DIR/runc/k8s.io/$pod" ]]
}

test_cri_container_lifecycle_and_shared_namespaces() {
	cri_begin
	local pod ctr pid ppid
	pod=$(cri_run_pod pod2)
	run cri_create "$pod" pod2 c1 '{"envs": [{"key": "FOO", "value": "bar"}], "working_dir": "/tmp"}' \
		sh -c 'echo "hello $FOO $(pwd) $(hostname)"; exec sleep 1000'
	assert_eq 0 "$status" "$output"
	ctr=$output
	run cri_start "$ctr"
	assert_eq 0 "$status" "$output"
	wait_for 10 cri_ctr_state_is "$ctr" 1
	wait_for 10 grep -q "hello" "$CRI_DIR/logs/pod2/c1.log"
	assert_contains "$(cat "$CRI_DIR/logs/pod2/c1.log")" "stdout F hello bar /tmp $(hostname)"
	# the container joined the sandbox's IPC and UTS namespaces by path, has its own PID
	pid=$(cri_ctr_pid "$ctr")
	ppid=$(cri PodSandboxStatus "$(jq -cn --arg i "$pod" '{pod_sandbox_id: $i, verbose: true}')" |
		jq -r '.info.info' | jq -r .pid)
	assert_eq "$(readlink "/proc/$ppid/ns/ipc")" "$(readlink "/proc/$pid/ns/ipc")"
	assert_eq "$(readlink "/proc/$ppid/ns/uts")" "$(readlink "/proc/$pid/ns/uts")"
	assert_ne "$(readlink "/proc/$ppid/ns/pid")" "$(readlink "/proc/$pid/ns/pid")"
	grep -q "$BERTH_TEST_CGROUP/$ctr" "/proc/$pid/cgroup"
	# stop: SIGTERM (ignored by sleep as PID 1), SIGKILL after the timeout
	run cri StopContainer "$(jq -cn --arg i "$ctr" '{container_id: $i, timeout: 1}')"
	assert_eq 0 "$status" "$output"
	assert_eq 2 "$(cri_ctr_state "$ctr")"
	assert_eq 137 "$(cri ContainerStatus "$(jq -cn --arg i "$ctr" '{container_id: $i}')" |
		jq -r .status.exit_code)"
	run cri RemoveContainer "$(jq -cn --arg i "$ctr" '{container_id: $i}')"
	assert_eq 0 "$status" "$output"
	[[ ! -e "$CRI_DIR/runc/k8s.io/$ctr" ]]
}

test_cri_container_exit_code_and_resources() {
	cri_begin
	local pod ctr pid
	pod=$(cri_run_pod pod3)
	ctr=$(cri_create "$pod" pod3 c2 '{"linux": {"resources": {"memory_limit_in_bytes": 67108864,
		"cpu_shares": 512, "oom_score_adj": 500}}}' sh -c 'sleep 6; exit 3')
	cri_start "$ctr"
	pid=$(cri_ctr_pid "$ctr")
	assert_eq 500 "$(cat "/proc/$pid/oom_score_adj")"
	assert_eq 67108864 "$(cat "/sys/fs/cgroup/memory$BERTH_TEST_CGROUP/$ctr/memory.limit_in_bytes")"
	assert_eq 512 "$(cat "/sys/fs/cgroup/cpu$BERTH_TEST_CGROUP/$ctr/cpu.shares")"
	wait_for 20 cri_ctr_state_is "$ctr" 2
	assert_eq 3 "$(cri ContainerStatus "$(jq -cn --arg i "$ctr" '{container_id: $i}')" |
		jq -r .status.exit_code)"
}

test_cri_exec_sync() {
	cri_begin
	local pod ctr
	pod=$(cri_run_pod pod4)
	ctr=$(cri_create "$pod" pod4 c3 '{}' sleep 1000)
	cri_start "$ctr"
	wait_for 10 cri_ctr_state_is "$ctr" 1
	run cri ExecSync "$(jq -cn --arg i "$ctr" '{container_id: $i, cmd: ["sh", "-c", "echo out; echo err >&2; exit 2"], timeout: 20}')"
	assert_eq 0 "$status" "$output"
	assert_eq "out" "$(jq -r .stdout <<<"$output" | sed '/^$/d')"
	assert_eq "err" "$(jq -r .stderr <<<"$output" | sed '/^$/d')"
	assert_eq 2 "$(jq -r '.exit_code // 0' <<<"$output")"
}

test_cri_update_container_resources() {
	cri_begin
	local pod ctr
	pod=$(cri_run_pod pod5)
	ctr=$(cri_create "$pod" pod5 c4 '{"linux": {"resources": {"memory_limit_in_bytes": 67108864}}}' sleep 1000)
	cri_start "$ctr"
	wait_for 10 cri_ctr_state_is "$ctr" 1
	run cri UpdateContainerResources "$(jq -cn --arg i "$ctr" '{container_id: $i, linux: {memory_limit_in_bytes: 100663296}}')"
	assert_eq 0 "$status" "$output"
	assert_eq 100663296 "$(cat "/sys/fs/cgroup/memory$BERTH_TEST_CGROUP/$ctr/memory.limit_in_bytes")"
}

test_cri_pod_network_namespace() {
	cri_begin
	local pod ctr pid ppid
	export CRI_POD_NET=0
	run cri_run_pod pod6 0
	assert_eq 0 "$status" "$output"
	pod=$output
	run cri PodSandboxStatus "$(jq -cn --arg i "$pod" '{pod_sandbox_id: $i, verbose: true}')"
	assert_eq 10.213.0.2 "$(jq -r .status.network.ip <<<"$output")"
	ppid=$(jq -r '.info.info' <<<"$output" | jq -r .pid)
	ctr=$(cri_create "$pod" pod6 c5 '{}' sh -c 'ip -4 addr show eth0; exec sleep 1000')
	cri_start "$ctr"
	wait_for 10 grep -q "inet " "$CRI_DIR/logs/pod6/c5.log"
	assert_contains "$(cat "$CRI_DIR/logs/pod6/c5.log")" "inet 10.213.0.2/24"
	pid=$(cri_ctr_pid "$ctr")
	assert_eq "$(readlink "/proc/$ppid/ns/net")" "$(readlink "/proc/$pid/ns/net")"
	assert_ne "$(readlink /proc/self/ns/net)" "$(readlink "/proc/$pid/ns/net")"
}
