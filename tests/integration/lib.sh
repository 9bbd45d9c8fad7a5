#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Integration test harness. Drives the real binaries as root on the real kernel.
#
# Writing tests: tests/integration/test-TOPIC.sh defines functions test_* (and
# optionally setup_file / teardown_file) and runs nothing when sourced. Each test_*
# runs in its own subshell with `set -eEuo pipefail`, cwd $BERTH_TEST_TMP, stdin
# /dev/null, a 60 s timeout (BERTH_TEST_TIMEOUT), output captured and shown (indented)
# when it fails. A test passes when it returns 0 AND leaves nothing behind: no mount
# mentioning $BERTH_TEST_TMP, no cgroup below $BERTH_TEST_CGROUP, no live process in
# its cgroups or rooted/running under $BERTH_TEST_TMP. The harness then cleans up
# whatever is left (lazy unmount, kill by PID, rmdir) so one failure cannot poison the
# next test or the machine. `skip "reason"` ends a test as skipped.
#
# Environment given to each test (exported):
#   BERTH_RUNTIME  $BUILD/cli/berth-runtime     BERTH        $BUILD/cli/berth
#   PROBE          $BUILD/tests/probe           BUSYBOX_TAR  busybox rootfs tarball
#   BERTH_TEST_TMP fresh dir per test           RUNTIME_ROOT $BERTH_TEST_TMP/run
#   BERTH_STORE    $BERTH_TEST_TMP/store        BERTH_TEST_CGROUP /berth-test-<pid>
#   BERTH_FILE_TMP per-file dir for setup_file (checked and removed after teardown_file)
# Helpers: make_bundle, jq_edit, run, assert_eq, assert_ne, assert_contains,
#   assert_not_contains, assert_status, assert_file_exists, wait_for, rt, engine,
#   import_probe_image, skip, fail.
#
# Running: tests/run integration [FILTER], or directly:
#   tests/integration/lib.sh --build DIR [--verbose] [FILTER] [FILE...]
# The last line of a direct run is "# N passed, N failed" (plus skipped).

# ---------------------------------------------------------------------------------------
# Helpers for tests
# ---------------------------------------------------------------------------------------

# run CMD...: bats-like; sets $output (stdout+stderr, trailing newlines stripped) and
# $status; never fails.
run()
{
	local _e=0
	output=$("$@" 2>&1) || _e=$?
	status=$_e
	return 0
}

fail()
{
	echo "# FAIL: $*" >&2
	return 1
}

# skip REASON: end the current test as skipped (not counted as passed or failed).
skip()
{
	echo "# SKIP: $*"
	exit 77
}

assert_eq()
{
	if [[ "$1" != "$2" ]]; then
		{
			echo "# assert_eq failed${3:+: $3}"
			echo "#   expected: $(printf %q "$1")"
			echo "#   actual:   $(printf %q "$2")"
		} >&2
		return 1
	fi
}

assert_ne()
{
	if [[ "$1" == "$2" ]]; then
		echo "# assert_ne failed${3:+: $3}: both are $(printf %q "$1")" >&2
		return 1
	fi
}

assert_contains()
{
	if [[ "$1" != *"$2"* ]]; then
		{
			echo "# assert_contains failed${3:+: $3}: missing $(printf %q "$2") in:"
			printf '%s\n' "$1" | sed 's/^/#   | /'
		} >&2
		return 1
	fi
}

assert_not_contains()
{
	if [[ "$1" == *"$2"* ]]; then
		{
			echo "# assert_not_contains failed${3:+: $3}: found $(printf %q "$2") in:"
			printf '%s\n' "$1" | sed 's/^/#   | /'
		} >&2
		return 1
	fi
}

# assert_status CODE CMD...: run CMD (sets $output and $status) and check its exit code.
assert_status()
{
	local want=$1
	shift
	run "$@"
	if [[ "$status" != "$want" ]]; then
		{
			echo "# assert_status failed: expected exit $want, got $status: $*"
			printf '%s\n' "$output" | sed 's/^/#   | /'
		} >&2
		return 1
	fi
}

assert_file_exists()
{
	[[ -e "$1" ]] || { echo "# assert_file_exists failed: $1" >&2; return 1; }
}

# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds; fail on timeout.
wait_for()
{
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 20; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "# wait_for timed out after ${secs}s: $*" >&2
	return 1
}

# jq_edit FILE FILTER [jq args...]: edit a JSON file in place.
jq_edit()
{
	local file=$1 filter=$2 tmp
	shift 2
	tmp=$(mktemp "$file.XXXXXX")
	if ! jq "$@" "$filter" "$file" >"$tmp"; then
		rm -f "$tmp"
		echo "# jq_edit failed: $filter on $file" >&2
		return 1
	fi
	mv -f "$tmp" "$file"
}

# rt ARGS...: the runtime under test with this test's state root.
rt()
{
	"$BERTH_RUNTIME" --root "$RUNTIME_ROOT" "$@"
}

# import_probe_image [NAME]: the busybox image with /probe in it, imported into this
# test's store as NAME (default "bb").
import_probe_image()
{
	local d="$BERTH_TEST_TMP/img"
	mkdir -p "$d"
	tar -xf "$BUSYBOX_TAR" -C "$d"
	cp "$PROBE" "$d/probe"
	tar -C "$d" -cf "$BERTH_TEST_TMP/bb.tar" .
	engine import "$BERTH_TEST_TMP/bb.tar" "${1:-bb}" >/dev/null
}

# engine ARGS...: the engine under test with this test's store (and the cgroup driver
# BERTH_TEST_CGROUP_MANAGER names, when set: systemd or cgroupfs).
engine()
{
	"$BERTH" --root "$BERTH_STORE" ${BERTH_TEST_CGROUP_MANAGER:+--cgroup-manager "$BERTH_TEST_CGROUP_MANAGER"} "$@"
}

# engine_sh: the engine's command line as `engine` runs it, quoted for a shell command
# string (sh -c, script -c).
engine_sh()
{
	printf '%q --root %q' "$BERTH" "$BERTH_STORE"
	[[ -n ${BERTH_TEST_CGROUP_MANAGER:-} ]] && printf ' --cgroup-manager %q' "$BERTH_TEST_CGROUP_MANAGER"
	return 0
}

# cgp: the --cgroup-parent flag that puts a container below the run's cgroup parent
# (with the systemd driver: in the run's slice, berthtest<pid>.slice).
cgp()
{
	if [[ ${BERTH_TEST_CGROUP_MANAGER:-} == systemd ]]; then
		echo "--cgroup-parent=${BERTH_TEST_CGROUP#/}"
	else
		echo "--cgroup-parent=$BERTH_TEST_CGROUP"
	fi
}

# make_bundle DIR [ARGS...]: a runnable OCI bundle: busybox rootfs + /probe, config.json
# from `$BERTH_RUNTIME spec` (runc spec while berth-runtime is not built), process.args
# ARGS (default /probe hostname), no terminal, cgroupsPath $BERTH_TEST_CGROUP/<name>.
make_bundle()
{
	local dir=$1 spec_rt args
	shift
	(($# > 0)) || set -- /probe hostname
	mkdir -p "$dir/rootfs"
	tar -xf "$BUSYBOX_TAR" -C "$dir/rootfs"
	cp "$PROBE" "$dir/rootfs/probe"
	rm -f "$dir/config.json"
	spec_rt=$BERTH_RUNTIME
	[[ -x "$spec_rt" ]] || spec_rt=runc
	(cd "$dir" && "$spec_rt" spec --bundle "$dir") || {
		echo "# make_bundle: $spec_rt spec failed" >&2
		return 1
	}
	args=$(python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@")
	jq_edit "$dir/config.json" \
		'.process.args = $args | .process.terminal = false |
		 .linux.cgroupsPath = $cg' \
		--argjson args "$args" --arg cg "$BERTH_TEST_CGROUP/$(basename "$dir")"
}

# ---------------------------------------------------------------------------------------
# Leak detection and cleanup (used by the runner after every test)
# ---------------------------------------------------------------------------------------

# Mount points (unescaped enough for umount: mountinfo escapes space as \040) under $1.
harness_mounts_under()
{
	awk -v d="$1" 'index($0, d) { print $5 }' /proc/self/mountinfo
}

# Cgroup directories below our parent (not the parent itself), deepest first.
harness_cgroups_below()
{
	local parent=$1 base
	for base in /sys/fs/cgroup"$parent" /sys/fs/cgroup/*"$parent"; do
		[[ -d "$base" ]] || continue
		# only real hierarchies: a plain directory in the /sys/fs/cgroup tmpfs (a
		# controller this machine does not mount, mkdir'ed by some tool) is no cgroup
		harness_is_cgroupfs "$base" || continue
		find "$base" -mindepth 1 -depth -type d 2>/dev/null
	done
}

harness_is_cgroupfs()
{
	case $(stat -f -c %T "$1" 2>/dev/null) in
	cgroupfs | cgroup2fs) return 0 ;;
	*) return 1 ;;
	esac
}

# PIDs that belong to a test: in a cgroup below $2, or whose cwd/exe/root is under $1,
# or whose root directory is a directory under $1 (a pivoted container: its links
# read "/", so compare dev:inode).
harness_procs_under()
{
	local dir=$1 cg=$2 self=$BASHPID roots
	{
		grep -l -F -- "$cg/" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3
		# the engine's monitors: their command line names the test's store (the
		# bracket keeps this grep from finding its own command line)
		grep -l -e "$dir/[s]tore" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3
		find /proc -mindepth 2 -maxdepth 2 \( -name cwd -o -name exe -o -name root \) \
			-printf '%p %l\n' 2>/dev/null |
			awk -v d="$dir" 'index($2, d) == 1 { split($1, a, "/"); print a[3] }'
		if [[ -d "$dir" ]]; then
			roots=$(find "$dir" -maxdepth 6 -type d -printf '%D:%i\n' 2>/dev/null | sort -u)
			stat -L -c '%n %d:%i' /proc/[0-9]*/root 2>/dev/null |
				awk -v r="$roots" 'BEGIN { n = split(r, a, "\n"); for (i = 1; i <= n; i++) s[a[i]] = 1 }
					$2 in s { split($1, p, "/"); print p[3] }'
		fi
	} | sort -un | grep -v -x -e "$self" -e "${BASHPID:-$self}" | harness_not_zombies || true
}

# Filter out zombies: a dead container init whose parent does not reap (PID 1 here does
# not) still shows its cgroup, but nothing of it is left running.
harness_not_zombies()
{
	local pid
	while read -r pid; do
		[[ $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) == Z ]] || echo "$pid"
	done
}

# Kill by PID (never by name) the processes a test left, thawing frozen cgroups first.
harness_kill_pids()
{
	local pid cg i
	for cg in $(harness_cgroups_below "$BERTH_TEST_CGROUP"); do
		[[ -w "$cg/freezer.state" ]] && echo THAWED >"$cg/freezer.state" 2>/dev/null
		[[ -w "$cg/cgroup.freeze" ]] && echo 0 >"$cg/cgroup.freeze" 2>/dev/null
	done
	for pid in "$@"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	for ((i = 0; i < 50; i++)); do
		local alive=0
		for pid in "$@"; do
			[[ -e /proc/$pid && $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]] &&
				alive=1
		done
		((alive)) || break
		sleep 0.1
	done
}

# Check that nothing is left from dir $1; print what is, clean it all up, remove $1.
# Returns 1 if anything leaked.
harness_check_and_clean()
{
	local dir=$1 leaked=0 pids mounts cgs m cg i
	cd / || return 1 # our own cwd must not count as (or be) a leak
	pids=$(harness_procs_under "$dir" "$BERTH_TEST_CGROUP")
	# a process killed a moment ago may still be on its way out: give it a second
	for ((i = 0; i < 10; i++)); do
		[[ -z "$pids" ]] && break
		sleep 0.1
		pids=$(harness_procs_under "$dir" "$BERTH_TEST_CGROUP")
	done
	if [[ -n "$pids" ]]; then
		leaked=1
		echo "# LEAK: processes left running:"
		for i in $pids; do
			echo "#   pid $i: $(tr '\0' ' ' <"/proc/$i/cmdline" 2>/dev/null)"
		done
		# shellcheck disable=SC2086
		harness_kill_pids $pids
	fi
	mounts=$(harness_mounts_under "$dir")
	if [[ -n "$mounts" ]]; then
		leaked=1
		echo "# LEAK: mounts left:"
		printf '%s\n' "$mounts" | sed 's/^/#   /'
	fi
	cgs=$(harness_cgroups_below "$BERTH_TEST_CGROUP")
	if [[ -n "$cgs" ]]; then
		leaked=1
		echo "# LEAK: cgroups left:"
		printf '%s\n' "$cgs" | sed 's/^/#   /'
		for cg in $cgs; do
			[[ -r "$cg/cgroup.procs" ]] || continue
			# shellcheck disable=SC2046
			harness_kill_pids $(cat "$cg/cgroup.procs" 2>/dev/null)
		done
		for cg in $cgs; do
			for ((i = 0; i < 20; i++)); do
				rmdir "$cg" 2>/dev/null && break
				[[ -d "$cg" ]] || break
				sleep 0.1
			done
			[[ -d "$cg" ]] && echo "#   could not remove $cg"
		done
	fi
	# Unmount deepest first, lazily, so nothing under $dir stays mounted.
	for ((i = 0; i < 5; i++)); do
		mounts=$(harness_mounts_under "$dir" | awk '{ print length($0) " " $0 }' |
			sort -rn | cut -d' ' -f2-)
		[[ -n "$mounts" ]] || break
		for m in $mounts; do
			umount -l "$(printf '%b' "$m")" 2>/dev/null || true
		done
	done
	[[ -n "$(harness_mounts_under "$dir")" ]] && echo "# could not unmount everything under $dir"
	rm -rf --one-file-system "$dir" 2>/dev/null || rm -rf "$dir" 2>/dev/null ||
		echo "# could not remove $dir"
	return $leaked
}

# Remove our cgroup parent directories (end of run).
harness_remove_cgroup_parent()
{
	local base
	[[ -n "${BERTH_TEST_CGROUP:-}" ]] || return 0
	[[ $BERTH_TEST_CGROUP == *.slice ]] && systemctl stop "${BERTH_TEST_CGROUP#/}" 2>/dev/null
	for base in /sys/fs/cgroup"$BERTH_TEST_CGROUP" /sys/fs/cgroup/*"$BERTH_TEST_CGROUP"; do
		[[ -d "$base" ]] || continue
		if ! harness_is_cgroupfs "$base"; then
			# what tools wrote into an unmounted controller's plain tmpfs directory
			# (podman's conmon does) under our parent's name: ours to remove too
			rm -rf "$base"
			continue
		fi
		find "$base" -depth -type d -exec rmdir {} + 2>/dev/null ||
			echo "# could not remove cgroup $base" >&2
	done
}

# ---------------------------------------------------------------------------------------
# Runner
# ---------------------------------------------------------------------------------------

harness_indent()
{
	sed 's/^/    /'
}

# Test function names of a file, in definition order.
harness_list_tests()
{
	grep -oE '^[[:space:]]*(function[[:space:]]+)?test_[A-Za-z0-9_]+[[:space:]]*(\(\))?' "$1" |
		sed -E 's/^[[:space:]]*(function[[:space:]]+)?//; s/[[:space:]]*(\(\))?$//' |
		awk '!seen[$0]++'
}

# Run one test function (in the file's shell, which already sourced it). Prints the
# result; returns 0 pass, 1 fail, 77 skip.
harness_run_one()
{
	local topic=$1 name=$2 out rc=0 leak_out leaked=0 pid wd timed_out
	BERTH_TEST_TMP=$(mktemp -d /tmp/berth-test.XXXXXX)
	RUNTIME_ROOT=$BERTH_TEST_TMP/run
	BERTH_STORE=$BERTH_TEST_TMP/store
	export BERTH_TEST_TMP RUNTIME_ROOT BERTH_STORE
	mkdir -p "$RUNTIME_ROOT" "$BERTH_STORE"
	out=$(mktemp /tmp/berth-test-out.XXXXXX)
	timed_out=$out.timeout
	# The engine runs in a network namespace of the test's own: its bridge, NAT rules,
	# published ports and ip_forward never touch the host's. $BERTH is a wrapper that
	# enters it; the namespace goes with the test.
	# (A file that sets ENGINE_IN_HOST_NETNS=1 keeps the host's and runs every container
	# with --network none.)
	local host_bridge_before=no
	ip link show berth0 >/dev/null 2>&1 && host_bridge_before=yes
	if [[ ${ENGINE_IN_HOST_NETNS:-0} != 1 ]]; then
		BERTH_TEST_NETNS=berth-test-$$-$((++HARNESS_NETNS_SEQ))
		export BERTH_TEST_NETNS
		ip netns add "$BERTH_TEST_NETNS" && ip -n "$BERTH_TEST_NETNS" link set lo up
		mkdir -p "$BERTH_TEST_TMP/.bin"
		printf '#!/bin/sh\nexec nsenter --net=/run/netns/%s %s "$@"\n' \
			"$BERTH_TEST_NETNS" "$HARNESS_BERTH" >"$BERTH_TEST_TMP/.bin/berth"
		chmod +x "$BERTH_TEST_TMP/.bin/berth"
		export BERTH=$BERTH_TEST_TMP/.bin/berth
	fi
	# the engine's monitors write their stderr (sanitizer reports) here
	export BERTH_MONITOR_LOG=$out.monitor

	# Job control puts the test and the watchdog in their own process groups, so a
	# timeout kills exactly the test's process tree.
	set -m
	(
		set -eEuo pipefail
		trap 'echo "# failed (status $?) at ${BASH_SOURCE[0]##*/}:$LINENO in ${FUNCNAME[0]:-?}" >&2' ERR
		trap 'echo "# terminated (timeout)"; exit 124' TERM
		cd "$BERTH_TEST_TMP"
		"$name"
	) >"$out" 2>&1 </dev/null &
	pid=$!
	(
		sleep "$HARNESS_TIMEOUT"
		: >"$timed_out"
		kill -TERM -- "-$pid" 2>/dev/null
		sleep 5
		kill -KILL -- "-$pid" 2>/dev/null
	) >/dev/null 2>&1 &
	wd=$!
	set +m
	wait "$pid" || rc=$?
	kill -KILL -- "-$wd" 2>/dev/null
	wait "$wd" 2>/dev/null
	if [[ -e "$timed_out" ]]; then
		echo "# timed out after ${HARNESS_TIMEOUT}s" >>"$out"
		rc=124
	fi

	leak_out=$(harness_check_and_clean "$BERTH_TEST_TMP") || leaked=1
	[[ -n "${BERTH_TEST_NETNS:-}" ]] && ip netns del "$BERTH_TEST_NETNS" 2>/dev/null
	# a file that keeps the engine in the host's namespace must not give it a bridge there
	if [[ -z "${BERTH_TEST_NETNS:-}" && $host_bridge_before == no ]] && ip link show berth0 >/dev/null 2>&1; then
		echo "# LEAK: the engine made its bridge berth0 in the host's network namespace (a container without --network none)" >>"$out"
		ip link del berth0 2>/dev/null
		nft delete table ip berth 2>/dev/null
		leaked=1
	fi
	[[ -n "$leak_out" ]] && printf '%s\n' "$leak_out" >>"$out"
	if grep -q -e 'Sanitizer' -e 'runtime error:' "$BERTH_MONITOR_LOG" 2>/dev/null; then
		echo "# a monitor reported:" >>"$out"
		cat "$BERTH_MONITOR_LOG" >>"$out"
		leaked=1
	fi

	if ((rc == 77 && !leaked)); then
		echo "ok - $topic: $name # SKIP $(sed -n 's/^# SKIP: //p' "$out" | head -1)"
	elif ((rc == 0 && !leaked)); then
		echo "ok - $topic: $name"
		((HARNESS_VERBOSE)) && harness_indent <"$out"
	else
		((rc != 0 && rc != 77)) && echo "# exit status $rc" >>"$out"
		echo "not ok - $topic: $name"
		harness_indent <"$out"
		rc=1
	fi
	rm -f "$out" "$timed_out" "$BERTH_MONITOR_LOG"
	unset BERTH_TEST_TMP RUNTIME_ROOT BERTH_STORE BERTH_MONITOR_LOG BERTH_TEST_NETNS
	export BERTH=$HARNESS_BERTH
	((rc == 77 && !leaked)) && return 77
	((rc == 0)) && return 0
	return 1
}

# Run one file in a subshell; print "# file TOPIC: P passed, F failed, S skipped" and
# write "P F S" to $3. setup_file runs in that subshell itself (with errexit), so every
# variable and function it defines reaches the tests; if it fails, the EXIT trap reports
# it, runs teardown_file, cleans up and counts every selected test as failed.
harness_run_file()
{
	local file=$1 filter=$2 counts=$3
	(
		local name r p=0 f=0 s=0 leak_out
		topic="" names=() phase=select sout=""
		topic=$(basename "$file" .sh)
		topic=${topic#test-}
		for name in $(harness_list_tests "$file"); do
			if [[ -z "$filter" || "$topic" == *"$filter"* || "$topic: $name" == *"$filter"* ]]; then
				names+=("$name")
			fi
		done
		if ((${#names[@]} == 0)); then
			echo "0 0 0" >"$counts"
			exit 0
		fi
		# shellcheck disable=SC1090
		source "$file"

		BERTH_FILE_TMP=$(mktemp -d /tmp/berth-file.XXXXXX)
		export BERTH_FILE_TMP
		sout=$HARNESS_TMP/setup.out
		harness_file_exit()
		{
			local rc=$?
			[[ $phase == setup ]] || return 0
			cd /
			set +eEu +o pipefail
			trap - ERR
			echo "not ok - $topic: setup_file"
			{ cat "$sout"; echo "# exit status $rc"; } | harness_indent
			if declare -F teardown_file >/dev/null; then
				(cd "$BERTH_FILE_TMP" && teardown_file) >/dev/null 2>&1 </dev/null
			fi
			BERTH_TEST_TMP=$BERTH_FILE_TMP harness_check_and_clean "$BERTH_FILE_TMP" | harness_indent
			echo "# file $topic: 0 passed, ${#names[@]} failed, 0 skipped"
			echo "0 ${#names[@]} 0" >"$counts"
		}
		trap harness_file_exit EXIT
		if declare -F setup_file >/dev/null; then
			phase=setup
			cd "$BERTH_FILE_TMP"
			set -eEuo pipefail
			trap 'echo "# failed (status $?) at ${BASH_SOURCE[0]##*/}:$LINENO in ${FUNCNAME[0]:-?}" >&2' ERR
			setup_file >"$sout" 2>&1 </dev/null
			trap - ERR
			set +eEu +o pipefail
			cd /
		fi
		phase=tests

		for name in "${names[@]}"; do
			# Not "|| r=$?": that context would disable errexit inside the test.
			harness_run_one "$topic" "$name"
			r=$?
			case $r in
			0) p=$((p + 1)) ;;
			77) s=$((s + 1)) ;;
			*) f=$((f + 1)) ;;
			esac
		done

		if declare -F teardown_file >/dev/null; then
			local tout rc=0
			tout=$(cd "$BERTH_FILE_TMP" && teardown_file 2>&1 </dev/null) || rc=$?
			if ((rc != 0)); then
				echo "not ok - $topic: teardown_file"
				printf '%s\n# exit status %d\n' "$tout" "$rc" | harness_indent
				f=$((f + 1))
			fi
		fi
		if ! leak_out=$(BERTH_TEST_TMP=$BERTH_FILE_TMP harness_check_and_clean "$BERTH_FILE_TMP"); then
			echo "not ok - $topic: file-level cleanup (setup_file/teardown_file left something)"
			printf '%s\n' "$leak_out" | harness_indent
			f=$((f + 1))
		fi
		echo "# file $topic: $p passed, $f failed, $s skipped"
		echo "$p $f $s" >"$counts"
	)
}

harness_main()
{
	local build="" filter="" files=() passed=0 failed=0 skipped=0 p f s file counts
	HARNESS_VERBOSE=${BERTH_TEST_VERBOSE:-0}
	HARNESS_TIMEOUT=${BERTH_TEST_TIMEOUT:-60}
	while (($# > 0)); do
		case $1 in
		--build) build=$2; shift 2 ;;
		--build=*) build=${1#--build=}; shift ;;
		-v | --verbose) HARNESS_VERBOSE=1; shift ;;
		-h | --help)
			echo "usage: $0 --build DIR [--verbose] [FILTER] [tests/integration/test-*.sh...]"
			return 0 ;;
		*.sh) files+=("$1"); shift ;;
		*) filter=$1; shift ;;
		esac
	done
	local here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	[[ -n "$build" ]] || build=$here/../../build
	build=$(cd "$build" 2>/dev/null && pwd) || { echo "harness: no build directory '$build'" >&2; return 2; }
	if ((${#files[@]} == 0)); then
		for file in "$here"/test-*.sh; do
			[[ -e "$file" ]] && files+=("$file")
		done
	fi
	if ((EUID != 0)); then
		echo "# integration tests skipped: they need root (running as uid $EUID)"
		echo "# 0 passed, 0 failed, ${#files[@]} files skipped"
		return 0
	fi

	# Orphans (conmon, shims) are re-parented to a reaper that reaps them at once: this
	# machine's PID 1 is slow to, and a zombie keeps its cgroup busy (helpers/reaper.c).
	if [[ -z "${BERTH_HARNESS_REAPER:-}" && -x "$build/tests/reaper" ]]; then
		export BERTH_HARNESS_REAPER=1
		exec "$build/tests/reaper" "$here/lib.sh" --build "$build" \
			$( ((HARNESS_VERBOSE)) && echo --verbose) ${filter:+"$filter"} "${files[@]}"
	fi

	export BERTH_RUNTIME=${BERTH_RUNTIME_OVERRIDE:-$build/cli/berth-runtime}
	export BERTH=$build/cli/berth
	HARNESS_BERTH=$BERTH
	HARNESS_NETNS_SEQ=0
	export PROBE=$build/tests/probe
	[[ -x "$PROBE" ]] || { echo "harness: $PROBE not built" >&2; return 2; }
	[[ -x "$BERTH_RUNTIME" ]] || echo "# note: $BERTH_RUNTIME not built yet"
	# With the engine's systemd driver the run's containers are scopes in a slice of its
	# own (a slice's name is its path: no '-', which would nest it)
	if [[ ${BERTH_TEST_CGROUP_MANAGER:-} == systemd ]]; then
		export BERTH_TEST_CGROUP=/berthtest$$.slice
	else
		export BERTH_TEST_CGROUP=/berth-test-$$
	fi
	HARNESS_TMP=$(mktemp -d /tmp/berth-harness.XXXXXX)
	# shellcheck disable=SC2064
	trap "harness_remove_cgroup_parent; rm -rf '$HARNESS_TMP'" EXIT
	trap 'exit 130' INT TERM
	if [[ -z "${BUSYBOX_TAR:-}" || ! -f "$BUSYBOX_TAR" ]]; then
		export BUSYBOX_TAR=$HARNESS_TMP/busybox.tar
		"$here/../../scripts/make-busybox-rootfs.sh" "$BUSYBOX_TAR" >/dev/null ||
			{ echo "harness: cannot build the busybox rootfs" >&2; return 2; }
	fi
	export BUSYBOX_TAR
	export -f run fail skip assert_eq assert_ne assert_contains assert_not_contains \
		assert_status assert_file_exists wait_for jq_edit rt engine engine_sh cgp make_bundle

	echo "# integration: runtime $BERTH_RUNTIME, engine $BERTH, cgroup parent $BERTH_TEST_CGROUP"
	counts=$HARNESS_TMP/counts
	for file in "${files[@]}"; do
		harness_run_file "$file" "$filter" "$counts"
		read -r p f s <"$counts" || { p=0; f=1; s=0; }
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	done
	echo "# $passed passed, $failed failed, $skipped skipped"
	((failed == 0))
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
	harness_main "$@"
	exit $?
fi
