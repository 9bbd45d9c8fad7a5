#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/engine.sh [--build DIR] [--runs N] [--warmup N] [--monitors N] [--max-wait SECONDS]
#                 [--json-dir DIR]
#
# The engine against podman (Debian's 4.3, conmon, runc), side by side, in one run, on the
# same busybox image (made here by scripts/make-busybox-rootfs.sh, imported into berth,
# `berth save`d and `podman load`ed from that archive):
#   run --rm   ENGINE run --rm busybox true             (foreground, removed on exit)
#   run -d     ENGINE run -d --name N busybox sleep 60  (prepare, untimed: rm -f N), i.e.
#              the start latency of a detached container
#   run -d+rm  sh -c 'ENGINE rm -f $(ENGINE run -d busybox sleep 60)'  (the whole cycle)
#   monitor    --monitors (5) detached `sleep 300` containers per engine; Rss, Pss and
#              Private_Dirty of each per-container process (berth-monitor, podman's conmon)
#              from /proc/PID/smaps_rollup, mean per process.
# Wall time is hyperfine's median (-N, no shell; --warmup 3, --runs 30 by default).
#
# berth: DIR/cli/berth (--build, default ./build) with a private --root under a temp dir
# and --cgroup-parent /berth-bench. podman: private --root, --runroot, --tmpdir and
# containers.conf (file locks, file events, no default ulimits: podman's default RLIMIT_NOFILE
# of 1048576 is above this machine's hard limit) under the same temp dir, --cgroup-manager
# cgroupfs, --events-backend file, --cgroup-parent /berth-bench-podman, --network none
# (and berth --network none where it has networks: both get a network namespace with only
# loopback, as berth's default bridge has no counterpart in podman's none), and
# --runtime /usr/sbin/runc: podman's default runtime here, crun 1.8, refuses this machine's
# hybrid cgroup layout. podman's `rm -f` is given -t 0 (docker's and berth's rm -f kill at
# once; podman's would first wait 10 s for a sleep that ignores SIGTERM as pid 1).
# podman, runc and hyperfine are installed with apt-get when missing; when podman cannot
# run here, the reason is printed and berth is measured alone. Before the timed runs the
# script waits (up to --max-wait, default 300 s) for the 1-minute load average to drop to
# 1.0 or below and records it either way. Everything it makes (containers, mounts,
# cgroups, the temp dir) is removed on exit, also on failure. Results: a markdown table on
# stdout, hyperfine JSON and the smaps numbers in --json-dir (default
# /tmp/berth-bench-engine); docs/benchmarks.md ("Engine") quotes a run. Needs root.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$src/bench/lib.sh"
build=$src/build
runs=30
warmup=3
monitors=5
max_wait=300
jsondir=/tmp/berth-bench-engine
while (($# > 0)); do
	case $1 in
	--build) build=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--monitors) monitors=$2; shift 2 ;;
	--max-wait) max_wait=$2; shift 2 ;;
	--json-dir) jsondir=$2; shift 2 ;;
	-h | --help) sed -n '4,35p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/engine.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
((EUID == 0)) || { echo "bench/engine.sh: needs root" >&2; exit 1; }
berth=$build/cli/berth
[[ -x $berth && -x $build/cli/berth-monitor ]] ||
	{ echo "bench/engine.sh: $berth or berth-monitor missing (scripts/build.sh build)" >&2; exit 1; }

apt_install() # PACKAGE...: install what is missing, quietly; false if apt-get fails
{
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
		>/dev/null 2>&1 && return 0
	apt-get update -q >/dev/null 2>&1 || true
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null 2>&1
}
command -v hyperfine >/dev/null || apt_install hyperfine || true
for tool in hyperfine jq python3; do
	command -v "$tool" >/dev/null || { echo "bench/engine.sh: $tool missing (scripts/install-deps.sh)" >&2; exit 1; }
done
podman_skip=
if ! command -v podman >/dev/null || ! command -v conmon >/dev/null || [[ ! -x /usr/sbin/runc ]]; then
	apt_install podman runc || true
fi
if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
	podman_skip="podman is not installed and apt-get install podman failed"
elif [[ ! -x /usr/sbin/runc ]]; then
	podman_skip="/usr/sbin/runc is missing and apt-get install runc failed"
fi

tmp=$(mktemp -d /tmp/berth-bench-engine.XXXXXX)
root=$tmp/berth
cgparent=/berth-bench
pm_cgparent=/berth-bench-podman
pmdir=$tmp/podman
export CONTAINERS_CONF=$pmdir/containers.conf
# podman with our private everything; pm_default with its default runtime (crun), pm with runc.
# Every call, the first (load) included, gets the same storage flags: podman records the
# graph driver in its database at the first call, and conmon's exit command (`podman container
# cleanup`, which gets the flags but not CONTAINERS_STORAGE_CONF) refuses a mismatch, after
# which each `podman run` waits 20 s for a cleanup that never comes.
pm_default=(podman --root "$pmdir/root" --runroot "$pmdir/runroot" --tmpdir "$pmdir/tmp"
	--storage-driver overlay --cgroup-manager cgroupfs --events-backend file
	--hooks-dir "$pmdir/hooks" --network-config-dir "$pmdir/networks")
pm=("${pm_default[@]}" --runtime /usr/sbin/runc)
b=("$tmp/bin/berth" --root "$root")

# pids under /proc whose comm is $1 and whose command line contains $2 (ours, provably)
pids_of() {
	local p
	for p in /proc/[0-9]*; do
		[[ "$(cat "$p/comm" 2>/dev/null)" == "$1" ]] || continue
		tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$2" && echo "${p#/proc/}"
	done
	return 0
}

cleanup() {
	local rc=$? id p d i
	set +e
	if [[ -d $root/containers ]]; then
		for d in "$root"/containers/*; do
			[[ -d $d ]] && "${b[@]}" rm -f "${d##*/}" >/dev/null 2>&1
		done
	fi
	if [[ -z $podman_skip && -d $pmdir/root ]]; then
		"${pm[@]}" rm -a -f -t 0 >/dev/null 2>&1
		"${pm[@]}" rmi -a -f >/dev/null 2>&1
	fi
	# anything still running is provably ours: a monitor or conmon of our roots, or a
	# process in our cgroups
	for p in $(pids_of berth-monitor "$root") $(pids_of conmon "$pmdir/root"); do
		kill -KILL "$p" 2>/dev/null
	done
	for d in /sys/fs/cgroup/pids$cgparent /sys/fs/cgroup/pids$pm_cgparent; do
		[[ -d $d ]] || continue
		find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r p; do
			kill -KILL "$p" 2>/dev/null
		done
	done
	awk -v d="$tmp/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r d; do umount -l "$d" 2>/dev/null; done
	# podman's cleanup processes may still hold conmon's cgroup for a moment
	for d in /sys/fs/cgroup/*"$cgparent" /sys/fs/cgroup/*"$pm_cgparent"; do
		[[ -d $d ]] || continue
		for ((i = 0; i < 50; i++)); do
			find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
			[[ -d $d ]] || break
			sleep 0.1
		done
		[[ -d $d ]] && echo "warning: could not remove cgroup $d" >&2
	done
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# a copy of the two binaries, so that a rebuild of DIR during the run changes nothing
# (berth runs the berth-monitor beside it)
mkdir "$tmp/bin"
# berth finds berth-monitor and berth-full (its archive and registry commands) beside it
cp "$build/cli/berth" "$build/cli/berth-monitor" "$tmp/bin/"
[[ -x "$build/cli/berth-full" ]] && cp "$build/cli/berth-full" "$tmp/bin/"
berth_built=$(date -r "$build/cli/berth" '+%Y-%m-%d %H:%M')
berth=$tmp/bin/berth
# both engines' containers get a network namespace with only loopback: berth's default
# bridge network (veth, address, nftables) has no counterpart in podman's --network none
bnet=()
[[ "$("$berth" run --help 2>&1)" == *--network* ]] && bnet=(--network none)

# --- the image, in both stores ---
"$src/scripts/make-busybox-rootfs.sh" "$tmp/busybox-rootfs.tar" >/dev/null
"${b[@]}" import "$tmp/busybox-rootfs.tar" busybox >/dev/null
"${b[@]}" save -o "$tmp/busybox-image.tar" busybox

if [[ -z $podman_skip ]]; then
	mkdir -p "$pmdir"/{root,runroot,tmp,hooks,networks,volumes}
	cat >"$CONTAINERS_CONF" <<-EOF
		[containers]
		default_ulimits = []
		[network]
		network_config_dir = "$pmdir/networks"
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$pmdir/events.log"
		lock_type = "file"
		hooks_dir = ["$pmdir/hooks"]
		tmp_dir = "$pmdir/tmp"
		volume_path = "$pmdir/volumes"
	EOF
	if ! out=$("${pm[@]}" load -q -i "$tmp/busybox-image.tar" 2>&1); then
		podman_skip="podman load failed: $(tail -n 1 <<<"$out")"
	fi
fi
pm_image=localhost/busybox:latest
if [[ -z $podman_skip ]]; then
	# what podman's default runtime says here (the reason for --runtime runc)
	if out=$(timeout 60 "${pm_default[@]}" run --rm --network none --cgroup-parent "$pm_cgparent" \
		"$pm_image" true 2>&1 </dev/null); then
		echo "note: podman's default runtime ($("${pm_default[@]}" info -f '{{.Host.OCIRuntime.Name}}' 2>/dev/null)) works here; measured with runc anyway"
	else
		echo "note: podman's default runtime fails here: $(grep -m 1 -i 'error' <<<"$out" | cut -c1-200)"
		echo "note: so podman runs with --runtime /usr/sbin/runc ($(runc --version | head -n 1))"
	fi
	"${pm_default[@]}" rm -a -f -t 0 >/dev/null 2>&1 || true
fi

# --- sanity: each command works once and leaves nothing behind ---
check() # LABEL CMD...: run once, fail loudly
{
	local label=$1 out
	shift
	if ! out=$("$@" 2>&1 </dev/null); then
		echo "$label failed: $*" >&2
		echo "$out" | tail -n 5 >&2
		return 1
	fi
}
check "berth run --rm" "${b[@]}" run --rm "${bnet[@]}" --cgroup-parent "$cgparent" busybox true
id=$("${b[@]}" run -d "${bnet[@]}" --cgroup-parent "$cgparent" busybox sleep 60)
check "berth rm -f" "${b[@]}" rm -f "$id"
[[ -z "$(ls -A "$root/containers")" ]] ||
	{ echo "error: berth left containers behind: $(ls -A "$root/containers")" >&2; exit 1; }
if [[ -z $podman_skip ]]; then
	t0=$(date +%s.%N)
	if ! check "podman run --rm" "${pm[@]}" run --rm --network none --cgroup-parent "$pm_cgparent" \
		"$pm_image" true; then
		podman_skip="podman run --rm busybox true failed (see above)"
	else
		t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
		awk -v t="$t" 'BEGIN { exit !(t > 10) }' &&
			echo "warning: podman run --rm took ${t}s: its cleanup process (conmon's exit command) probably failed" >&2
		if ! id=$("${pm[@]}" run -d --network none --cgroup-parent "$pm_cgparent" "$pm_image" sleep 60 2>&1) ||
			! check "podman rm -f" "${pm[@]}" rm -f -t 0 "$id"; then
			podman_skip="podman run -d / rm -f failed: $(tail -n 1 <<<"$id")"
		elif [[ -n "$("${pm[@]}" ps -a -q)" ]]; then
			podman_skip="podman left containers behind: $("${pm[@]}" ps -a -q | tr '\n' ' ')"
		fi
	fi
fi
[[ -n $podman_skip ]] && echo "note: podman is not measured: $podman_skip"

# --- wait for a quiet machine (others may share it), record the load either way ---
wait_for_quiet_machine "$max_wait"

rm -rf "$jsondir"
mkdir -p "$jsondir"
b_s="${b[*]}"
bn_s="${bnet[*]}"
pm_s="${pm[*]}"
bench() # NAME BERTH-CMD PODMAN-CMD [BERTH-PREPARE PODMAN-PREPARE]
{
	local name=$1 args
	args=(-N --warmup "$warmup" --runs "$runs" --export-json "$jsondir/$name.json")
	if [[ -n ${4:-} ]]; then
		args+=(--prepare "$4" -n berth "$2")
		[[ -z $podman_skip ]] && args+=(--prepare "$5" -n "podman+runc" "$3")
	else
		args+=(-n berth "$2")
		[[ -z $podman_skip ]] && args+=(-n "podman+runc" "$3")
	fi
	hyperfine "${args[@]}" </dev/null
}
bench run-rm \
	"$b_s run --rm $bn_s --cgroup-parent $cgparent busybox true" \
	"$pm_s run --rm --network none --cgroup-parent $pm_cgparent $pm_image true"
bench run-d \
	"$b_s run -d --name bench-d $bn_s --cgroup-parent $cgparent busybox sleep 60" \
	"$pm_s run -d --name bench-d --network none --cgroup-parent $pm_cgparent $pm_image sleep 60" \
	"sh -c '$b_s rm -f bench-d >/dev/null 2>&1; true'" \
	"sh -c '$pm_s rm -f -t 0 bench-d >/dev/null 2>&1; true'"
"${b[@]}" rm -f bench-d >/dev/null
[[ -z $podman_skip ]] && "${pm[@]}" rm -f -t 0 bench-d >/dev/null
bench run-d-rm \
	"sh -c '$b_s rm -f \$($b_s run -d $bn_s --cgroup-parent $cgparent busybox sleep 60) >/dev/null'" \
	"sh -c '$pm_s rm -f -t 0 \$($pm_s run -d --network none --cgroup-parent $pm_cgparent $pm_image sleep 60) >/dev/null'"
[[ -z "$(ls -A "$root/containers")" ]] || echo "warning: berth left containers behind: $(ls -A "$root/containers")" >&2
if [[ -z $podman_skip && -n "$("${pm[@]}" ps -a -q)" ]]; then
	echo "warning: podman left containers behind: $("${pm[@]}" ps -a -q | tr '\n' ' ')" >&2
fi

# --- per-container process footprint: N detached containers each ---
smaps() # PID -> "Rss Pss Private_Dirty" in KiB
{
	awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } /^Private_Dirty:/ { d = $2 }
		END { print r, p, d }' "/proc/$1/smaps_rollup"
}
declare -a bids=() bpids=() pids=()
for ((i = 1; i <= monitors; i++)); do
	bids+=("$("${b[@]}" run -d --name "bench-m$i" "${bnet[@]}" --cgroup-parent "$cgparent" busybox sleep 300)")
done
for id in "${bids[@]}"; do
	p=$(jq -r .monitor_pid "$root/containers/$id/container.json")
	if [[ "$(cat "/proc/$p/comm" 2>/dev/null)" != berth-monitor ]] ||
		! tr '\0' ' ' <"/proc/$p/cmdline" | grep -qF -- "$id"; then
		echo "error: monitor pid $p of $id is not its berth-monitor" >&2
		exit 1
	fi
	bpids+=("$p")
done
if [[ -z $podman_skip ]]; then
	for ((i = 1; i <= monitors; i++)); do
		"${pm[@]}" run -d --name "bench-m$i" --network none --cgroup-parent "$pm_cgparent" \
			"$pm_image" sleep 300 >/dev/null
	done
	mapfile -t pids < <(pids_of conmon "$pmdir/root")
	((${#pids[@]} == monitors)) ||
		{ echo "error: found ${#pids[@]} conmon processes of $pmdir/root, expected $monitors" >&2; exit 1; }
fi
sleep 2 # let both settle (podman's conmon finishes its start-up after `run -d` returns)
: >"$jsondir/monitor.txt"
for p in "${bpids[@]}"; do echo "berth-monitor $p $(smaps "$p")" >>"$jsondir/monitor.txt"; done
for p in "${pids[@]}"; do echo "conmon $p $(smaps "$p")" >>"$jsondir/monitor.txt"; done
for ((i = 1; i <= monitors; i++)); do "${b[@]}" rm -f "bench-m$i" >/dev/null; done
if [[ -z $podman_skip ]]; then
	for ((i = 1; i <= monitors; i++)); do "${pm[@]}" rm -f -t 0 "bench-m$i" >/dev/null; done
fi

# --- report ---
{
	echo "kernel=$(uname -r)"
	echo "cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) x $(nproc)"
	echo "memory=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "berth=$build/cli/berth ($("$berth" --version), built $berth_built; source tree git $(cd "$src" && git describe --always --dirty 2>/dev/null || echo "?"))"
	if [[ -z $podman_skip ]]; then
		echo "podman=$(podman --version), $(conmon --version | head -n 1), $(runc --version | head -n 1)"
	else
		echo "podman=not measured: $podman_skip"
	fi
	echo "hyperfine=$(hyperfine --version), $runs runs after $warmup warmup runs"
	echo "load=$loadavg (waited ${waited}s of at most ${max_wait}s for 1.0)"
	echo "monitors=$monitors"
	echo "network=berth ${bnet[*]:-(no --network: loopback only)}, podman --network none"
} >"$jsondir/meta"
python3 - "$jsondir" <<'PY' | tee "$jsondir/engine.md"
import json, statistics, sys
d = sys.argv[1]
meta = dict(l.rstrip("\n").split("=", 1) for l in open(f"{d}/meta"))
ops = [("run-rm", "`run --rm busybox true`"),
       ("run-d", "`run -d busybox sleep 60` (start latency)"),
       ("run-d-rm", "`run -d` + `rm -f` of `sleep 60`")]
podman = not meta["podman"].startswith("not measured")
print("| operation | berth median ms (mean ± σ) | podman+runc median ms (mean ± σ) | podman / berth |")
print("|---|---:|---:|---:|")
for op, label in ops:
    res = {r["command"]: r for r in json.load(open(f"{d}/{op}.json"))["results"]}
    cell = lambda r: f"{r['median'] * 1e3:.1f} ({r['mean'] * 1e3:.1f} ± {r['stddev'] * 1e3:.1f})"
    bb = res["berth"]
    if podman:
        pp = res["podman+runc"]
        print(f"| {label} | {cell(bb)} | {cell(pp)} | {pp['median'] / bb['median']:.1f}x |")
    else:
        print(f"| {label} | {cell(bb)} | not measured | |")
rows = [l.split() for l in open(f"{d}/monitor.txt")]
print()
print(f"| per-container process (mean of {meta['monitors']}, KiB) | Rss | Pss | Private_Dirty |")
print("|---|---:|---:|---:|")
for name, label in (("berth-monitor", "berth-monitor"), ("conmon", "conmon (podman)")):
    vals = [list(map(int, r[2:5])) for r in rows if r[0] == name]
    if not vals:
        print(f"| {label} | not measured | | |")
        continue
    m = [statistics.mean(v[i] for v in vals) for i in range(3)]
    print(f"| {label} | {m[0]:.0f} | {m[1]:.0f} | {m[2]:.0f} |")
print()
for k in ("kernel", "cpu", "memory", "berth", "podman", "network", "hyperfine", "load"):
    print(f"- {k}: {meta[k]}")
PY
echo "wrote $jsondir"
