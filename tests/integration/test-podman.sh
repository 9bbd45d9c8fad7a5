# podman (Debian's 4.3, conmon, cgroupfs) driving berth-runtime.
# Sourced by tests/integration/lib.sh; each test_* runs in its own subshell.
#
# Everything podman keeps is private: --root/--runroot/--tmpdir under $BERTH_FILE_TMP,
# its own containers.conf and storage.conf (file locks, file events, no hooks, no
# networks: every container runs with --network none), the busybox image imported from
# $BUSYBOX_TAR. Each test points `podman --runtime` at a wrapper in its own
# $BERTH_TEST_TMP that logs every runtime call and runs $BERTH_RUNTIME with the state
# root $BERTH_FILE_TMP/podman/runtime-root (podman passes --runtime-flag values to
# create/start/kill but not to the `delete` of its cleanup process, so the root is the
# wrapper's default instead). Containers go below $BERTH_TEST_CGROUP (--cgroup-parent);
# podman puts conmon in <parent>/conmon, which the tests remove.
#
# What podman needs of this machine (no CAP_SYS_RESOURCE, hard RLIMIT_NOFILE 20000):
# as root with no default_ulimits, `podman run` asks for no rlimits, but any --ulimit
# list gets RLIMIT_NOFILE and RLIMIT_NPROC 1048576 added unless it names them, which
# cannot be set here: name both (at or below the hard limits), or use --ulimit host.

# shellcheck source=tests/integration/orchestrators.sh
source "$(dirname "${BASH_SOURCE[0]}")/orchestrators.sh"

PM_IMAGE=localhost/busybox:latest

setup_file() {
	PM_SKIP=""
	if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			podman >/dev/null 2>&1 || true
	fi
	if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
		PM_SKIP="podman is not installed and apt-get install podman failed"
		export PM_SKIP
		return 0
	fi
	export PM_SKIP
	PM_DIR=$BERTH_FILE_TMP/podman
	mkdir -p "$PM_DIR"/{root,runroot,tmp,hooks,networks,volumes,runtime-root}
	cat >"$PM_DIR/storage.conf" <<-EOF
		[storage]
		driver = "overlay"
		runroot = "$PM_DIR/runroot"
		graphroot = "$PM_DIR/root"
	EOF
	cat >"$PM_DIR/containers.conf" <<-EOF
		[containers]
		default_ulimits = []
		[network]
		network_config_dir = "$PM_DIR/networks"
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$PM_DIR/events.log"
		lock_type = "file"
		hooks_dir = ["$PM_DIR/hooks"]
		tmp_dir = "$PM_DIR/tmp"
		volume_path = "$PM_DIR/volumes"
	EOF
	export PM_DIR
	WRAP=$PM_DIR/berth-runtime-wrapper
	orch_runtime_wrapper "$WRAP" "$PM_DIR/setup-calls.log" "$PM_DIR/runtime-root"
	pm import "$BUSYBOX_TAR" "$PM_IMAGE" >/dev/null
	pm images --format '{{.Repository}}:{{.Tag}}' | grep -qx "$PM_IMAGE"
}

teardown_file() {
	[[ -n "${PM_DIR:-}" ]] || return 0
	WRAP=$PM_DIR/berth-runtime-wrapper
	pm rm -a -f -t 0 >/dev/null 2>&1 || true
	pm rmi -a -f >/dev/null 2>&1 || true
	pm_remove_conmon_cgroups
	awk -v d="$PM_DIR" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	return 0
}

# pm ARGS...: podman with our private everything and berth-runtime ($WRAP).
pm() {
	CONTAINERS_CONF=$PM_DIR/containers.conf CONTAINERS_STORAGE_CONF=$PM_DIR/storage.conf \
		podman --root "$PM_DIR/root" --runroot "$PM_DIR/runroot" --tmpdir "$PM_DIR/tmp" \
		--storage-driver overlay --cgroup-manager cgroupfs --events-backend file \
		--hooks-dir "$PM_DIR/hooks" --network-config-dir "$PM_DIR/networks" \
		--runtime "$WRAP" "$@"
}

# pm_run [OPTIONS...]: podman run in our cgroup parent with no network.
pm_run() {
	pm run --cgroup-parent "$BERTH_TEST_CGROUP" --network none "$@"
}

# conmon lives in <cgroup parent>/conmon (podman makes it and never removes it).
pm_remove_conmon_cgroups() {
	local d i
	for d in /sys/fs/cgroup/*"$BERTH_TEST_CGROUP"/conmon; do
		[[ -d "$d" ]] || continue
		for ((i = 0; i < 50; i++)); do
			rmdir "$d" 2>/dev/null && break
			sleep 0.1
		done
	done
	return 0
}

# pm_begin NAME...: per test: skip without podman; the logging wrapper ($WRAP, log
# $RTLOG); on exit remove the containers NAME..., conmon's cgroup, and, when the test
# failed, print the runtime calls that failed.
pm_begin() {
	[[ -z "$PM_SKIP" ]] || skip "$PM_SKIP"
	WRAP=$BERTH_TEST_TMP/berth-runtime-wrapper
	RTLOG=$BERTH_TEST_TMP/runtime-calls.log
	orch_runtime_wrapper "$WRAP" "$RTLOG" "$PM_DIR/runtime-root"
	PM_NAMES=("$@")
	trap 'pm_end $?' EXIT
}

pm_end() {
	local rc=$1 name
	set +e
	trap - ERR
	for name in "${PM_NAMES[@]}"; do
		pm rm -f -t 0 "$name" >/dev/null 2>&1
	done
	pm_remove_conmon_cgroups
	if ((rc != 0 && rc != 77)) && [[ -s "$RTLOG" ]]; then
		echo "# berth-runtime calls that failed:"
		orch_failed_calls "$RTLOG" | sed 's/^/#   /'
	fi
}

pm_state() { # name → running/exited/paused/...
	pm inspect --format '{{.State.Status}}' "$1"
}

pm_state_is() {
	[[ "$(pm_state "$1" 2>/dev/null)" == "$2" ]]
}

test_podman_run_rm_echo_hello() {
	pm_begin p1
	run pm_run --rm --name p1 "$PM_IMAGE" echo hello
	assert_eq 0 "$status" "$output"
	assert_eq hello "$output"
	grep -q ' create --bundle ' "$RTLOG"
	grep -q ' start ' "$RTLOG"
	assert_eq "" "$(pm ps -a -q)"
	assert_eq "" "$(ls "$PM_DIR/runtime-root")"
}

test_podman_run_exit_status_user_env_workdir() {
	pm_begin p2
	run pm_run --rm --name p2 "$PM_IMAGE" sh -c 'exit 3'
	assert_eq 3 "$status" "$output"
	run pm_run --rm --name p2 --user 65534:65534 -e FOO=bar -w /tmp "$PM_IMAGE" \
		sh -c 'echo "$(id -u):$(id -g) $FOO $(pwd) $$"'
	assert_eq 0 "$status" "$output"
	assert_eq "65534:65534 bar /tmp 1" "$output"
}

test_podman_run_stdin() {
	pm_begin p3
	status=0
	output=$(echo piped-in | pm_run --rm -i --name p3 "$PM_IMAGE" cat 2>&1) || status=$?
	assert_eq 0 "$status" "$output"
	assert_eq piped-in "$output"
}

test_podman_detached_exec_stop_rm() {
	pm_begin p4
	run pm_run -d --name p4 "$PM_IMAGE" sleep 1000
	assert_eq 0 "$status" "$output"
	wait_for 10 pm_state_is p4 running
	run pm exec p4 sh -c 'echo in-exec; cat /proc/1/cmdline | tr "\0" " "'
	assert_eq 0 "$status" "$output"
	assert_eq "in-exec
sleep 1000 " "$output"
	run pm exec p4 sh -c 'exit 4'
	assert_eq 4 "$status" "$output"
	run pm exec -e FOO=baz -w /etc p4 sh -c 'echo "$FOO $(pwd)"'
	assert_eq "baz /etc" "$output"
	# sleep as PID 1 ignores SIGTERM: podman stop kills it after the timeout
	run pm stop -t 1 p4
	assert_eq 0 "$status" "$output"
	assert_eq exited "$(pm_state p4)"
	run pm rm p4
	assert_eq 0 "$status" "$output"
	assert_eq "" "$(pm ps -a -q)"
}

test_podman_stop_rm_and_restart() {
	pm_begin p5
	pm_run -d --name p5 "$PM_IMAGE" sh -c 'trap "exit 5" TERM; while :; do sleep 0.1; done'
	wait_for 10 pm_state_is p5 running
	run pm stop -t 10 p5
	assert_eq 0 "$status" "$output"
	assert_eq 5 "$(pm inspect --format '{{.State.ExitCode}}' p5)"
	# the same container again (same runtime id): create/start after delete
	run pm start p5
	assert_eq 0 "$status" "$output"
	wait_for 10 pm_state_is p5 running
	run pm kill p5
	assert_eq 0 "$status" "$output"
	wait_for 10 pm_state_is p5 exited
	run pm rm p5
	assert_eq 0 "$status" "$output"
	assert_eq "" "$(ls "$PM_DIR/runtime-root")"
}

test_podman_ulimits() {
	pm_begin p6
	# podman (as root) adds RLIMIT_NPROC 1048576 (and RLIMIT_NOFILE 1048576) to any
	# --ulimit list that does not name them, which is above this machine's hard limits:
	# so name both, at or below the hard limits
	run pm_run --rm --name p6 --ulimit nofile=1024:2048 --ulimit nproc=1000:2000 "$PM_IMAGE" \
		sh -c 'ulimit -n; ulimit -Hn; ulimit -u; ulimit -Hu'
	assert_eq 0 "$status" "$output"
	assert_eq "1024
2048
1000
2000" "$output"
	# --ulimit host: no rlimits in the config, the container keeps podman's own
	run pm_run --rm --name p6 --ulimit host "$PM_IMAGE" sh -c 'ulimit -Hn'
	assert_eq 0 "$status" "$output"
	assert_eq "$(ulimit -Hn)" "$output"
	# above the hard limit: needs CAP_SYS_RESOURCE, which this machine may not give;
	# then the error names the limit
	local capeff hard
	capeff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
	(((0x$capeff >> 24) & 1)) && return 0 # CAP_SYS_RESOURCE present: raising works
	hard=$(ulimit -Hn)
	run pm_run --rm --name p6 --ulimit "nofile=$((hard + 1000)):$((hard + 1000))" \
		--ulimit nproc=1000:2000 "$PM_IMAGE" true
	assert_ne 0 "$status" "$output"
	assert_contains "$output" "RLIMIT_NOFILE"
	assert_contains "$output" "CAP_SYS_RESOURCE"
}

test_podman_run_tty() {
	pm_begin p7
	# podman -t needs a terminal: script(1) gives it one, running this script
	{
		echo '#!/bin/bash'
		declare -f pm pm_run
		declare -p PM_DIR WRAP BERTH_TEST_CGROUP
		printf '%q ' pm_run --rm -t --name p7 "$PM_IMAGE" sh -c 'tty; echo done'
		echo
	} >"$BERTH_TEST_TMP/tty.sh"
	chmod +x "$BERTH_TEST_TMP/tty.sh"
	run timeout 30 script -qec "$BERTH_TEST_TMP/tty.sh" /dev/null
	assert_eq 0 "$status" "$output"
	assert_contains "$output" /dev/pts/0
	assert_contains "$output" "done"
	grep -q -- '--console-socket' "$RTLOG"
}

test_podman_pause_unpause() {
	pm_begin p8
	pm_run -d --name p8 "$PM_IMAGE" sleep 1000
	wait_for 10 pm_state_is p8 running
	local id
	id=$(pm inspect --format '{{.Id}}' p8)
	run pm pause p8
	assert_eq 0 "$status" "$output"
	assert_eq paused "$(pm_state p8)"
	assert_eq FROZEN "$(cat "/sys/fs/cgroup/freezer$BERTH_TEST_CGROUP/libpod-$id/freezer.state")"
	run pm unpause p8
	assert_eq 0 "$status" "$output"
	assert_eq running "$(pm_state p8)"
	assert_eq THAWED "$(cat "/sys/fs/cgroup/freezer$BERTH_TEST_CGROUP/libpod-$id/freezer.state")"
}

test_podman_resource_limits() {
	pm_begin p9
	pm_run -d --name p9 --memory 64m --pids-limit 50 --cpu-shares 512 "$PM_IMAGE" sleep 1000
	wait_for 10 pm_state_is p9 running
	local id cg
	id=$(pm inspect --format '{{.Id}}' p9)
	cg=$BERTH_TEST_CGROUP/libpod-$id
	assert_eq 67108864 "$(cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes")"
	assert_eq 50 "$(cat "/sys/fs/cgroup/pids$cg/pids.max")"
	assert_eq 512 "$(cat "/sys/fs/cgroup/cpu$cg/cpu.shares")"
	# podman update goes through `berth-runtime update --resources FILE`
	run pm update --memory 96m p9
	assert_eq 0 "$status" "$output"
	assert_eq 100663296 "$(cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes")"
}

test_podman_seccomp_default_profile_applied() {
	pm_begin p10
	# podman always sends its default seccomp profile; the process must run filtered
	run pm_run --rm --name p10 "$PM_IMAGE" grep Seccomp: /proc/self/status
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "Seccomp:	2"
	run pm_run --rm --name p10 --security-opt seccomp=unconfined "$PM_IMAGE" grep Seccomp: /proc/self/status
	assert_contains "$output" "Seccomp:	0"
}
