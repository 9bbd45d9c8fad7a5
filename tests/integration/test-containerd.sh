# containerd (Debian's 1.6, no CRI) driving berth-runtime through its runc v2 shim.
# Sourced by tests/integration/lib.sh; each test_* runs in its own subshell.
#
# setup_file starts a private containerd (root, state, sockets under $BERTH_FILE_TMP,
# CRI disabled) and imports a busybox image built from $BUSYBOX_TAR. Each test points
# `ctr run --runc-binary` at a wrapper in its own $BERTH_TEST_TMP that logs every
# runtime call (argv, config.json / process.json, exit status, the runtime's log) and
# runs $BERTH_RUNTIME; a failing test prints the calls that failed. Task cgroups are
# $BERTH_TEST_CGROUP/<id>, the runtime's state root is --runc-root $BERTH_FILE_TMP/runc.

# shellcheck source=tests/integration/orchestrators.sh
source "$(dirname "${BASH_SOURCE[0]}")/orchestrators.sh"

CTRD_NS=berth-test
CTRD_IMAGE=docker.io/library/busybox:latest

setup_file() {
	CTRD_SKIP=""
	if ! command -v containerd >/dev/null || ! command -v ctr >/dev/null ||
		! command -v containerd-shim-runc-v2 >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			containerd >/dev/null 2>&1 || true
	fi
	if ! command -v containerd >/dev/null || ! command -v containerd-shim-runc-v2 >/dev/null; then
		CTRD_SKIP="containerd is not installed and apt-get install containerd failed"
		export CTRD_SKIP
		return 0
	fi
	export CTRD_SKIP
	CTRD_DIR=$BERTH_FILE_TMP/containerd
	CTRD_SOCK=$CTRD_DIR/containerd.sock
	mkdir -p "$CTRD_DIR"/{root,state,runc,fifo,opt}
	# the shims' sockets live in /run/containerd/s whatever the state dir: remember
	# whether we create /run/containerd, to remove it again
	CTRD_RUN_CREATED=0
	[[ -e /run/containerd ]] || CTRD_RUN_CREATED=1
	cat >"$CTRD_DIR/config.toml" <<-EOF
		version = 2
		root = "$CTRD_DIR/root"
		state = "$CTRD_DIR/state"
		oom_score = 0
		disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
		  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
		  "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp"]
		[grpc]
		  address = "$CTRD_SOCK"
		[ttrpc]
		  address = "$CTRD_SOCK.ttrpc"
		[debug]
		  address = "$CTRD_DIR/debug.sock"
		  level = "info"
		[metrics]
		  address = ""
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$CTRD_DIR/opt"
	EOF
	set -m
	containerd --config "$CTRD_DIR/config.toml" >"$CTRD_DIR/containerd.log" 2>&1 </dev/null &
	CTRD_PID=$!
	set +m
	export CTRD_DIR CTRD_SOCK CTRD_PID CTRD_RUN_CREATED
	wait_for 20 ctr -a "$CTRD_SOCK" version || {
		cat "$CTRD_DIR/containerd.log"
		return 1
	}
	orch_oci_archive "$CTRD_DIR/busybox-oci.tar" "$CTRD_IMAGE" "$BUSYBOX_TAR" sh
	ctrd image import "$CTRD_DIR/busybox-oci.tar"
	ctrd image ls -q | grep -qx "$CTRD_IMAGE"
}

teardown_file() {
	[[ -n "${CTRD_PID:-}" ]] || return 0
	local id i pid
	if [[ -S "$CTRD_SOCK" ]]; then
		for id in $(ctrd task ls -q 2>/dev/null); do
			ctrd_remove "$id"
		done
		for id in $(ctrd container ls -q 2>/dev/null); do
			ctrd container rm "$id" >/dev/null 2>&1 || true
		done
	fi
	kill -TERM "$CTRD_PID" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		orch_pid_gone "$CTRD_PID" && break
		sleep 0.1
	done
	kill -KILL "$CTRD_PID" 2>/dev/null || true
	wait "$CTRD_PID" 2>/dev/null || true
	# shims left behind (their cwd is their bundle under our state dir)
	for pid in $(find /proc -mindepth 2 -maxdepth 2 -name cwd -printf '%p %l\n' 2>/dev/null |
		awk -v d="$CTRD_DIR/" 'index($2, d) == 1 { split($1, a, "/"); print a[3] }'); do
		kill -KILL "$pid" 2>/dev/null || true
	done
	awk -v d="$CTRD_DIR" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	if ((CTRD_RUN_CREATED)); then
		rmdir /run/containerd/s /run/containerd/fifo /run/containerd 2>/dev/null || true
	fi
	return 0
}

# ctrd ARGS...: ctr on our private containerd, in our namespace.
ctrd() {
	ctr -a "$CTRD_SOCK" -n "$CTRD_NS" "$@"
}

# ctrd_begin ID...: per test: skip without containerd; write the logging runtime
# wrapper ($WRAP, log $RTLOG); on exit remove the tasks and containers ID... and, when
# the test failed, print the runtime calls that failed.
ctrd_begin() {
	[[ -z "$CTRD_SKIP" ]] || skip "$CTRD_SKIP"
	WRAP=$BERTH_TEST_TMP/berth-runtime-wrapper
	RTLOG=$BERTH_TEST_TMP/runtime-calls.log
	orch_runtime_wrapper "$WRAP" "$RTLOG"
	CTRD_IDS=("$@")
	trap 'ctrd_end $?' EXIT
}

ctrd_end() {
	local rc=$1 id
	set +e
	trap - ERR
	for id in "${CTRD_IDS[@]}"; do
		ctrd_remove "$id"
	done
	if ((rc != 0 && rc != 77)) && [[ -s "$RTLOG" ]]; then
		echo "# berth-runtime calls that failed:"
		orch_failed_calls "$RTLOG" | sed 's/^/#   /'
	fi
}

# ctrd_remove ID: kill, delete the task and the container (and its snapshot).
ctrd_remove() {
	local id=$1 i
	ctrd task resume "$id" >/dev/null 2>&1
	ctrd task kill -a -s KILL "$id" >/dev/null 2>&1
	for ((i = 0; i < 50; i++)); do
		ctrd task ls 2>/dev/null | awk -v id="$id" '$1 == id && $3 != "STOPPED" { f = 1 } END { exit !f }' ||
			break
		sleep 0.1
	done
	ctrd task delete -f "$id" >/dev/null 2>&1
	ctrd container rm "$id" >/dev/null 2>&1
	return 0
}

# ctrd_run ID [CTR-RUN-OPTIONS...] -- REF|ROOTFS [CMD...]: ctr run with berth-runtime
# (the wrapper), our runtime root, fifo dir and cgroup $BERTH_TEST_CGROUP/ID.
ctrd_run() {
	local id=$1 opts=()
	shift
	while (($# > 0)) && [[ $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	shift
	local ref=$1
	shift
	ctrd run --runc-binary "$WRAP" --runc-root "$CTRD_DIR/runc" --fifo-dir "$CTRD_DIR/fifo" \
		--cgroup "$BERTH_TEST_CGROUP/$id" "${opts[@]}" "$ref" "$id" "$@"
}

ctrd_task_status() { # id → RUNNING/PAUSED/STOPPED/CREATED
	ctrd task ls | awk -v id="$1" '$1 == id { print $3 }'
}

ctrd_task_is() { # id status
	[[ "$(ctrd_task_status "$1")" == "$2" ]]
}

ctrd_nprocs_is() { # id n: `ctr task ps` lists n processes
	[[ "$(ctrd task ps "$1" | tail -n +2 | wc -l)" == "$2" ]]
}

ctrd_exec() { # id exec-id [ctr task exec options] -- cmd...
	local id=$1 eid=$2 opts=()
	shift 2
	while (($# > 0)) && [[ $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	shift
	ctrd task exec --fifo-dir "$CTRD_DIR/fifo" --exec-id "$eid" "${opts[@]}" "$id" "$@"
}

test_ctr_run_rm_echo_hello() {
	ctrd_begin ctr1
	run ctrd_run ctr1 --rm -- "$CTRD_IMAGE" echo hello
	assert_eq 0 "$status" "$output"
	assert_eq hello "$output"
	# it was berth-runtime that ran it, through create and start, and it is all gone
	grep -q ' create --bundle ' "$RTLOG"
	grep -q ' start ctr1' "$RTLOG"
	grep -q ' delete ctr1' "$RTLOG"
	assert_eq "" "$(ctrd container ls -q)"
	[[ ! -e "$CTRD_DIR/runc/$CTRD_NS/ctr1" ]]
	[[ ! -d "/sys/fs/cgroup/memory$BERTH_TEST_CGROUP/ctr1" ]]
}

test_ctr_run_exit_status_and_env() {
	ctrd_begin ctr2
	run ctrd_run ctr2 --rm -- "$CTRD_IMAGE" sh -c 'exit 3'
	assert_eq 3 "$status" "$output"
	run ctrd_run ctr2 --rm --env FOO=bar --cwd /tmp -- "$CTRD_IMAGE" sh -c 'echo "$FOO $(pwd) $$"'
	assert_eq 0 "$status" "$output"
	assert_eq "bar /tmp 1" "$output"
}

test_ctr_run_plain_rootfs() {
	ctrd_begin ctr3
	local rootfs=$BERTH_TEST_TMP/rootfs
	mkdir -p "$rootfs"
	tar -xf "$BUSYBOX_TAR" -C "$rootfs"
	# no image config, so no PATH either: absolute paths
	run ctrd_run ctr3 --rm --rootfs -- "$rootfs" /bin/sh -c 'echo from-rootfs; /bin/grep memory /proc/self/cgroup'
	assert_eq 0 "$status" "$output"
	assert_contains "$output" from-rootfs
	# the container sees its own memory cgroup as its root (cgroup namespace)
	assert_contains "$output" "memory:/"
}

test_ctr_detached_task_and_exec() {
	ctrd_begin ctr4
	run ctrd_run ctr4 -d -- "$CTRD_IMAGE" sleep 1000
	assert_eq 0 "$status" "$output"
	wait_for 10 ctrd_task_is ctr4 RUNNING
	run ctrd_exec ctr4 x1 -- sh -c 'echo in-exec; cat /proc/1/cmdline | tr "\0" " "'
	assert_eq 0 "$status" "$output"
	assert_eq "in-exec
sleep 1000 " "$output"
	run ctrd_exec ctr4 x2 -- sh -c 'exit 4'
	assert_eq 4 "$status" "$output"
	run ctrd_exec ctr4 x3 --cwd /etc -- sh -c 'echo "$PATH $(pwd)"'
	assert_eq "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /etc" "$output"
	wait_for 10 ctrd_task_is ctr4 RUNNING
}

test_ctr_task_kill_and_delete() {
	ctrd_begin ctr5
	ctrd_run ctr5 -d -- "$CTRD_IMAGE" sh -c 'trap "exit 5" TERM; while :; do sleep 0.1; done'
	wait_for 10 ctrd_task_is ctr5 RUNNING
	local pid
	pid=$(ctrd task ls | awk '$1 == "ctr5" { print $2 }')
	[[ -d /proc/$pid ]]
	run ctrd task kill ctr5
	assert_eq 0 "$status" "$output"
	wait_for 10 ctrd_task_is ctr5 STOPPED
	run ctrd task delete ctr5
	assert_eq 0 "$status" "$output"
	assert_eq "" "$(ctrd task ls -q)"
	# and SIGKILL through the runtime on a second task, then delete
	ctrd container rm ctr5
	ctrd_run ctr5 -d -- "$CTRD_IMAGE" sleep 1000
	wait_for 10 ctrd_task_is ctr5 RUNNING
	ctrd task kill -s KILL ctr5
	wait_for 10 ctrd_task_is ctr5 STOPPED
	ctrd task delete ctr5
	ctrd container rm ctr5
	[[ ! -e "$CTRD_DIR/runc/$CTRD_NS/ctr5" ]]
	grep -q ' kill ctr5 15$' "$RTLOG"
	grep -q ' kill ctr5 9$' "$RTLOG"
}

test_ctr_task_ps() {
	ctrd_begin ctr6
	ctrd_run ctr6 -d -- "$CTRD_IMAGE" sh -c 'sleep 1000 & exec sleep 1001'
	wait_for 10 ctrd_task_is ctr6 RUNNING
	local pid
	pid=$(ctrd task ls | awk '$1 == "ctr6" { print $2 }')
	wait_for 5 ctrd_nprocs_is ctr6 2
	run ctrd task ps ctr6
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "$pid"
	grep -q ' ps --format json ctr6' "$RTLOG"
}

test_ctr_pause_resume() {
	ctrd_begin ctr7
	ctrd_run ctr7 -d -- "$CTRD_IMAGE" sleep 1000
	wait_for 10 ctrd_task_is ctr7 RUNNING
	run ctrd task pause ctr7
	assert_eq 0 "$status" "$output"
	assert_eq PAUSED "$(ctrd_task_status ctr7)"
	assert_eq FROZEN "$(cat "/sys/fs/cgroup/freezer$BERTH_TEST_CGROUP/ctr7/freezer.state")"
	run ctrd task resume ctr7
	assert_eq 0 "$status" "$output"
	assert_eq RUNNING "$(ctrd_task_status ctr7)"
	assert_eq THAWED "$(cat "/sys/fs/cgroup/freezer$BERTH_TEST_CGROUP/ctr7/freezer.state")"
}

test_ctr_run_tty() {
	ctrd_begin ctr8
	# ctr -t needs a terminal: script(1) gives it one
	local cmd
	printf -v cmd '%q ' ctr -a "$CTRD_SOCK" -n "$CTRD_NS" run --runc-binary "$WRAP" \
		--runc-root "$CTRD_DIR/runc" --fifo-dir "$CTRD_DIR/fifo" \
		--cgroup "$BERTH_TEST_CGROUP/ctr8" --rm -t "$CTRD_IMAGE" ctr8 sh -c 'tty; echo done'
	run timeout 30 script -qec "$cmd" /dev/null
	assert_eq 0 "$status" "$output"
	assert_contains "$output" /dev/pts/0
	assert_contains "$output" "done"
	grep -q ' --console-socket ' "$RTLOG"
}

test_ctr_run_memory_limit() {
	ctrd_begin ctr9
	ctrd_run ctr9 -d --memory-limit 67108864 -- "$CTRD_IMAGE" sleep 1000
	wait_for 10 ctrd_task_is ctr9 RUNNING
	assert_eq 67108864 "$(cat "/sys/fs/cgroup/memory$BERTH_TEST_CGROUP/ctr9/memory.limit_in_bytes")"
}

test_ctr_stopped_task_kill_and_force_delete() {
	ctrd_begin ctr10
	ctrd_run ctr10 -d -- "$CTRD_IMAGE" true
	wait_for 10 ctrd_task_is ctr10 STOPPED
	# as with runc: a plain kill of a stopped task is "not found", kill --all is a no-op,
	# and a forced delete (kill --all, then delete) succeeds
	run ctrd task kill ctr10
	assert_contains "$output" "process already finished: not found"
	run ctrd task kill -a -s KILL ctr10
	assert_eq 0 "$status" "$output"
	run ctrd task delete -f ctr10
	assert_eq 0 "$status" "$output"
	assert_eq "" "$(ctrd task ls -q)"
}

test_ctr_run_privileged_readonly() {
	ctrd_begin ctr11
	run ctrd_run ctr11 --rm --privileged --read-only -- "$CTRD_IMAGE" \
		sh -c 'touch /x 2>/dev/null || echo rootfs-ro; grep CapEff /proc/self/status; ls /dev/null /dev/zero'
	assert_eq 0 "$status" "$output"
	assert_contains "$output" rootfs-ro
	# every capability this machine has (CAP_SYS_RESOURCE may be missing here)
	assert_contains "$output" "CapEff:	$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)"
	assert_contains "$output" /dev/zero
}

test_ctr_run_joins_network_namespace_by_path() {
	ctrd_begin ctr12
	# a network namespace held by a process of ours, joined as CRI joins a pod's
	unshare --net sleep 60 &
	local holder=$! want
	wait_for 5 bash -c "[ \"\$(readlink /proc/$holder/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]"
	want=$(readlink "/proc/$holder/ns/net")
	run ctrd_run ctr12 --rm --with-ns "network:/proc/$holder/ns/net" -- "$CTRD_IMAGE" \
		readlink /proc/self/ns/net
	kill "$holder"
	wait "$holder" 2>/dev/null || true
	assert_eq 0 "$status" "$output"
	assert_eq "$want" "$output"
}

test_ctr_run_seccomp_default_profile() {
	ctrd_begin ctr13
	# containerd's default profile: the process must run under a seccomp filter
	run ctrd_run ctr13 --rm --seccomp -- "$CTRD_IMAGE" grep Seccomp: /proc/self/status
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "Seccomp:	2"
	# and a syscall the profile refuses fails inside (unshare(2) without CAP_SYS_ADMIN)
	run ctrd_run ctr13 --rm --seccomp -- "$CTRD_IMAGE" unshare -U true
	assert_ne 0 "$status" "$output"
}

# containerd's runc shim with SystemdCgroup (what kubeadm and the kubelet set up on
# systemd hosts) and berth-runtime as its binary: the shim passes --systemd-cgroup and a
# "slice:prefix:name" cgroupsPath, and the task is a systemd scope while it runs. Needs
# systemd as the init system: the guest suite (tests/vm) runs it.
test_ctr_systemd_cgroup() {
	[[ -d /run/systemd/system ]] || skip "needs systemd as the init system (tests/vm)"
	ctrd_begin ctrsd
	local u=berthtest-ctrsd.scope
	run ctrd run --runc-binary "$WRAP" --runc-root "$CTRD_DIR/runc" --fifo-dir "$CTRD_DIR/fifo" \
		--runc-systemd-cgroup --cgroup "system.slice:berthtest:ctrsd" -d \
		--memory-limit 67108864 "$CTRD_IMAGE" ctrsd sleep 1000
	assert_eq 0 "$status" "$output"
	wait_for 30 ctrd_task_is ctrsd RUNNING
	assert_eq active "$(systemctl show -P ActiveState "$u")"
	assert_eq 67108864 "$(systemctl show -P MemoryMax "$u")"
	assert_eq 67108864 "$(cat "/sys/fs/cgroup/system.slice/$u/memory.max")"
	grep -q -- ' --systemd-cgroup ' "$RTLOG"
	run ctrd_exec ctrsd e1 -- echo from-exec
	assert_eq 0 "$status" "$output"
	assert_eq from-exec "$output"
	# (ctrd_remove is best effort: its resume of a task that is not paused fails)
	ctrd_remove ctrsd || true
	# the delete stopped the unit: nothing of it is left
	wait_for 10 unit_gone "$u" ||
		fail "unit $u is left: $(systemctl list-units --all --no-legend "$u")"
	[[ ! -d /sys/fs/cgroup/system.slice/$u ]] || fail "the scope's cgroup is left"
}

unit_gone() {
	[[ -z $(systemctl list-units --all --no-legend "$1") ]]
}
