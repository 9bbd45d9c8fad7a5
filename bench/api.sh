#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/api.sh [--build DIR] [--runs N] [--warmup N] [--concurrent N] [--max-wait SECONDS]
#              [--json-dir DIR]
#
# docker's own CLI (/usr/local/bin/docker, $DOCKER_CLI) against three Docker Engine API
# servers, side by side, in one run, on the same busybox image (made here by
# scripts/make-busybox-rootfs.sh, imported into berth, `berth save`d and `docker load`ed
# into the other two through their sockets):
#   berth    `berth serve` (DIR/cli/berth, --build, default ./build) on a private --root
#   dockerd  Debian's dockerd 20.10 (docker.io) on private --data-root, --exec-root,
#            --pidfile and --config-file, --bridge=none --iptables=false --ip-masq=false
#            --ip-forward=false (it touches no host network), driving a containerd 1.6 that
#            the script starts itself (--containerd) with a private config, root, state
#            and sockets (CRI off)
#   podman   podman 4.3's API service (`podman system service --time=0`), private --root,
#            --runroot, --tmpdir and containers.conf, --cgroup-manager cgroupfs,
#            --events-backend file, --runtime /usr/sbin/runc (see bench/engine.sh: crun 1.8
#            refuses this machine's hybrid cgroup layout), stop_timeout 0 (its rm -f then
#            kills at once, as dockerd's and berth's do; podman's default waits 10 s for a
#            `sleep` that ignores SIGTERM as pid 1)
# Each server listens on a unix socket under the temp dir; the CLI gets it with --host
# (the same as DOCKER_HOST) and a private, empty DOCKER_CONFIG. Every container runs with
# --network none and --cgroup-parent /berth-bench-api-SERVER. Measured:
#   run --rm   docker run --rm busybox true
#   run -d     docker run -d --name N busybox sleep 60  (prepare, untimed: docker rm -f N)
#   run -d+rm  sh -c 'docker rm -f $(docker run -d busybox sleep 60)'  (the whole cycle)
#   idle RSS   VmRSS (/proc/PID/status) and Pss (/proc/PID/smaps_rollup) of each server
#              process after the timed runs (dockerd and its containerd apart and summed)
#   burst      --concurrent (50) `docker run -d busybox sleep 60` clients at once: all must
#              succeed; the time until the last returns (then, untimed, all are removed)
# Wall times are hyperfine's medians (-N, no shell; --warmup 3, --runs 20 by default).
# hyperfine, jq and python3 must be installed (scripts/install-deps.sh); a server that
# cannot start or run a container here is reported with the reason, and the others are
# measured. Before the timed runs the script waits (up to --max-wait, default 300 s) for
# the 1-minute load average to drop to 1.0 or below and records it either way. Everything
# it makes (containers, the servers, by PID, their shims and monitors, mounts, cgroups,
# network namespaces, the temp dir) is removed on exit, also on failure. Results: a
# markdown table on stdout, hyperfine JSON and the raw numbers in --json-dir (default
# /tmp/berth-bench-api); docs/benchmarks.md ("Docker Engine API") describes it. Needs root.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$src/bench/lib.sh"
build=$src/build
runs=20
warmup=3
concurrent=50
max_wait=300
jsondir=/tmp/berth-bench-api
docker_cli=${DOCKER_CLI:-/usr/local/bin/docker}
while (($# > 0)); do
	case $1 in
	--build) build=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--concurrent) concurrent=$2; shift 2 ;;
	--max-wait) max_wait=$2; shift 2 ;;
	--json-dir) jsondir=$2; shift 2 ;;
	-h | --help) sed -n '4,41p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/api.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
((EUID == 0)) || { echo "bench/api.sh: needs root" >&2; exit 1; }
[[ -x $build/cli/berth && -x $build/cli/berth-monitor ]] ||
	{ echo "bench/api.sh: $build/cli/berth or berth-monitor missing (scripts/build.sh build)" >&2; exit 1; }
[[ -x $docker_cli ]] || { echo "bench/api.sh: no docker CLI at $docker_cli" >&2; exit 1; }
for tool in hyperfine jq python3; do
	command -v "$tool" >/dev/null || { echo "bench/api.sh: $tool missing (scripts/install-deps.sh)" >&2; exit 1; }
done

servers=(berth dockerd podman)
declare -A skip=() sock=() pid=() cgp=()
for s in "${servers[@]}"; do
	skip[$s]=
	pid[$s]=
	cgp[$s]=/berth-bench-api-$s
done
if ! command -v dockerd >/dev/null; then
	skip[dockerd]="dockerd is not installed (Debian's docker.io)"
elif ! command -v containerd >/dev/null || ! command -v containerd-shim-runc-v2 >/dev/null; then
	skip[dockerd]="containerd or containerd-shim-runc-v2 is not installed"
elif [[ ! -x /usr/sbin/runc ]]; then
	skip[dockerd]="/usr/sbin/runc is missing"
fi
if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
	skip[podman]="podman or conmon is not installed"
elif [[ ! -x /usr/sbin/runc ]]; then
	skip[podman]="/usr/sbin/runc is missing"
fi

tmp=$(mktemp -d /tmp/berth-bench-api.XXXXXX)
chmod 755 "$tmp"
export DOCKER_CONFIG=$tmp/docker-config
mkdir -p "$DOCKER_CONFIG"
root=$tmp/berth
ddir=$tmp/dockerd
cdir=$tmp/containerd
pmdir=$tmp/podman
for s in "${servers[@]}"; do sock[$s]=$tmp/$s.sock; done
export CONTAINERS_CONF=$pmdir/containers.conf
pm=(podman --root "$pmdir/root" --runroot "$pmdir/runroot" --tmpdir "$pmdir/tmp"
	--storage-driver overlay --cgroup-manager cgroupfs --events-backend file
	--hooks-dir "$pmdir/hooks" --network-config-dir "$pmdir/networks" --runtime /usr/sbin/runc)
ctrd_pid=
cpids=()
# dockerd makes /run/docker/plugins (its plugins' sockets) whatever its exec root, and
# containerd's shims keep their sockets in /run/containerd/s whatever its state dir:
# remember what existed, to remove what we made
run_docker_existed=0
[[ -e /run/docker ]] && run_docker_existed=1
run_containerd_existed=0
[[ -e /run/containerd ]] && run_containerd_existed=1

dk() # SERVER ARGS...: docker's CLI on that server
{
	local s=$1
	shift
	"$docker_cli" --host "unix://${sock[$s]}" "$@"
}

# pids under /proc whose comm is $1 and whose command line contains $2 (ours, provably)
pids_of() {
	local p
	for p in /proc/[0-9]*; do
		[[ "$(cat "$p/comm" 2>/dev/null)" == "$1" ]] || continue
		tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$2" && echo "${p#/proc/}"
	done
	return 0
}

# stop PID [SECONDS]: SIGTERM, wait up to SECONDS (default 20), then SIGKILL; the pid is
# one of our background jobs, so it cannot have been reused while it is not reaped
stop_pid() {
	local p=$1 t=${2:-20} i
	[[ -n $p ]] || return 0
	kill -TERM "$p" 2>/dev/null || return 0
	for ((i = 0; i < t * 10; i++)); do
		kill -0 "$p" 2>/dev/null || break
		# a zombie child of ours counts as gone
		[[ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" == Z ]] && break
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	return 0
}

cleanup() {
	local rc=$? s p d i ids keys
	set +e
	# a second Ctrl-C (or a TERM) must not cut the cleanup short; its commands inherit this
	trap "" INT TERM
	# clients of an interrupted burst
	for p in "${cpids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	# containers, through each server still up
	for s in "${servers[@]}"; do
		[[ -n ${pid[$s]} && -S ${sock[$s]} ]] || continue
		ids=$(timeout 30 "$docker_cli" --host "unix://${sock[$s]}" ps -a -q 2>/dev/null)
		# shellcheck disable=SC2086
		[[ -n $ids ]] && timeout 120 "$docker_cli" --host "unix://${sock[$s]}" rm -f $ids >/dev/null 2>&1
	done
	# podman's network namespaces live in /run/netns, not under its roots: remember them
	keys=
	if [[ -d $pmdir/root ]]; then
		for i in $(timeout 30 "${pm[@]}" ps -a -q 2>/dev/null); do
			keys+=" $(timeout 30 "${pm[@]}" inspect -f '{{.NetworkSettings.SandboxKey}}' "$i" 2>/dev/null)"
		done
	fi
	# the servers (ours by PID: background jobs of this shell), dockerd before its containerd
	stop_pid "${pid[berth]}" 10
	stop_pid "${pid[podman]}" 20
	stop_pid "${pid[dockerd]}" 30
	stop_pid "$ctrd_pid" 20
	# what the servers left: berth's and podman's containers through their own CLIs
	if [[ -d $root/containers ]]; then
		for d in "$root"/containers/*; do
			[[ -d $d ]] && "$tmp/bin/berth" --root "$root" rm -f "${d##*/}" >/dev/null 2>&1
		done
	fi
	if [[ -d $pmdir/root ]]; then
		timeout 60 "${pm[@]}" rm -a -f -t 0 >/dev/null 2>&1
		timeout 60 "${pm[@]}" rmi -a -f >/dev/null 2>&1
	fi
	# anything still running is provably ours: a monitor, conmon or shim of our dirs, or
	# a process in our cgroups
	for p in $(pids_of berth-monitor "$root") $(pids_of conmon "$pmdir/") \
		$(pids_of containerd-shim "$cdir/"); do
		kill -KILL "$p" 2>/dev/null
	done
	for s in "${servers[@]}"; do
		d=/sys/fs/cgroup/pids${cgp[$s]}
		[[ -d $d ]] || continue
		find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r p; do
			kill -KILL "$p" 2>/dev/null
		done
	done
	for d in $keys; do
		[[ $d == /run/netns/* && -e $d ]] || continue
		umount "$d" 2>/dev/null
		rm -f "$d"
	done
	awk -v d="$tmp/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r d; do umount -l "$d" 2>/dev/null; done
	# podman's cleanup processes may still hold conmon's cgroup for a moment
	for s in "${servers[@]}"; do
		for d in /sys/fs/cgroup/*"${cgp[$s]}"; do
			[[ -d $d ]] || continue
			for ((i = 0; i < 50; i++)); do
				find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
				[[ -d $d ]] || break
				sleep 0.1
			done
			[[ -d $d ]] && echo "warning: could not remove cgroup $d" >&2
		done
	done
	# a shim killed (not shut down) leaves its socket in /run/containerd/s; its bundle
	# under our state dir names it
	for d in "$cdir"/state/io.containerd.runtime.v2.task/*/*/address; do
		[[ -f $d ]] || continue
		p=$(cat "$d" 2>/dev/null)
		p=${p#unix://}
		[[ $p == /run/containerd/s/* && -S $p ]] && rm -f "$p"
	done
	((run_docker_existed)) || rmdir /run/docker/plugins /run/docker 2>/dev/null
	((run_containerd_existed)) || rmdir /run/containerd/s /run/containerd/fifo /run/containerd 2>/dev/null
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

alive() { kill -0 "$1" 2>/dev/null && [[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]]; }
# answers PID CMD...: CMD succeeds while PID lives (as long as PID lives, up to 60 s)
answers() {
	local p=$1 i
	shift
	for ((i = 0; i < 300; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		alive "$p" || return 1
		sleep 0.2
	done
	return 1
}

# a copy of berth's binaries, so that a rebuild of DIR during the run changes nothing
mkdir "$tmp/bin"
cp "$build/cli/berth" "$build/cli/berth-monitor" "$tmp/bin/"
[[ -x "$build/cli/berth-full" ]] && cp "$build/cli/berth-full" "$tmp/bin/"
berth_built=$(date -r "$build/cli/berth" '+%Y-%m-%d %H:%M')
b=("$tmp/bin/berth" --root "$root")

# --- the image ---
"$src/scripts/make-busybox-rootfs.sh" "$tmp/busybox-rootfs.tar" >/dev/null
"${b[@]}" import "$tmp/busybox-rootfs.tar" busybox >/dev/null
"${b[@]}" save -o "$tmp/busybox-image.tar" busybox

# --- the servers ---
"${b[@]}" serve -H "unix://${sock[berth]}" >"$tmp/berth-serve.log" 2>&1 </dev/null &
pid[berth]=$!
answers "${pid[berth]}" dk berth version || skip[berth]="berth serve did not answer: $(tail -n 3 "$tmp/berth-serve.log")"

if [[ -z ${skip[dockerd]} ]]; then
	mkdir -p "$cdir"/{root,state,opt} "$ddir"/{data,exec}
	cat >"$cdir/config.toml" <<-EOF
		version = 2
		root = "$cdir/root"
		state = "$cdir/state"
		oom_score = 0
		disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
		  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
		  "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp"]
		[grpc]
		  address = "$cdir/containerd.sock"
		[ttrpc]
		  address = "$cdir/containerd.sock.ttrpc"
		[debug]
		  address = "$cdir/debug.sock"
		  level = "warn"
		[metrics]
		  address = ""
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$cdir/opt"
	EOF
	containerd --config "$cdir/config.toml" >"$cdir/containerd.log" 2>&1 </dev/null &
	ctrd_pid=$!
	if ! answers "$ctrd_pid" ctr -a "$cdir/containerd.sock" version; then
		skip[dockerd]="its containerd did not start: $(tail -n 3 "$cdir/containerd.log")"
	fi
fi
if [[ -z ${skip[dockerd]} ]]; then
	# the trust key (its ID) would go to /etc/docker/key.json: a private one
	cat >"$ddir/daemon.json" <<-EOF
		{ "deprecated-key-path": "$ddir/key.json" }
	EOF
	dockerd --config-file "$ddir/daemon.json" --data-root "$ddir/data" --exec-root "$ddir/exec" \
		--pidfile "$ddir/dockerd.pid" -H "unix://${sock[dockerd]}" --containerd "$cdir/containerd.sock" \
		--bridge=none --iptables=false --ip6tables=false --ip-masq=false --ip-forward=false \
		--userland-proxy=false --cgroup-parent "${cgp[dockerd]}" --exec-opt native.cgroupdriver=cgroupfs \
		--storage-driver overlay2 --log-level warn >"$ddir/dockerd.log" 2>&1 </dev/null &
	pid[dockerd]=$!
	if ! answers "${pid[dockerd]}" dk dockerd version; then
		skip[dockerd]="dockerd did not answer: $(tail -n 3 "$ddir/dockerd.log")"
	fi
fi

if [[ -z ${skip[podman]} ]]; then
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
		stop_timeout = 0
	EOF
	"${pm[@]}" system service --time=0 "unix://${sock[podman]}" >"$pmdir/service.log" 2>&1 </dev/null &
	pid[podman]=$!
	if ! answers "${pid[podman]}" dk podman version; then
		skip[podman]="podman system service did not answer: $(tail -n 3 "$pmdir/service.log")"
	fi
fi

# --- the image in dockerd and podman, through their sockets; a sanity run each ---
check() # LABEL CMD...: run once, fail loudly (the reason in $why)
{
	local label=$1
	shift
	if ! why=$("$@" 2>&1 </dev/null); then
		why="$label failed: $(tail -n 2 <<<"$why" | tr '\n' ' ')"
		return 1
	fi
}
for s in dockerd podman; do
	[[ -z ${skip[$s]} ]] || continue
	if ! check "docker load" dk "$s" load -i "$tmp/busybox-image.tar"; then
		skip[$s]=$why
		continue
	fi
	# tagged busybox:latest whatever name the archive carried (docker's CLI asks for
	# docker.io/library/busybox:latest)
	img=$(grep -m 1 -o 'Loaded image[^:]*: .*' <<<"$why" | sed 's/^Loaded image[^:]*: //')
	[[ -n $img ]] && dk "$s" tag "$img" busybox:latest >/dev/null 2>&1
done
run_flags() { echo "--network none --cgroup-parent ${cgp[$1]}"; }
for s in "${servers[@]}"; do
	[[ -z ${skip[$s]} ]] || continue
	# shellcheck disable=SC2046
	if ! check "docker run --rm" dk "$s" run --rm $(run_flags "$s") busybox true; then
		skip[$s]=$why
		continue
	fi
	why=
	# shellcheck disable=SC2046
	if ! id=$(dk "$s" run -d $(run_flags "$s") busybox sleep 60 2>&1 </dev/null) ||
		! check "docker rm -f" dk "$s" rm -f "$id"; then
		skip[$s]="docker run -d / rm -f failed: $(tail -n 1 <<<"$id") ${why:-}"
		continue
	fi
	left=$(dk "$s" ps -a -q 2>&1)
	[[ -z $left ]] || skip[$s]="left containers behind: $(tr '\n' ' ' <<<"$left")"
done
measured=()
for s in "${servers[@]}"; do
	if [[ -n ${skip[$s]} ]]; then
		echo "note: $s is not measured: ${skip[$s]}"
	else
		measured+=("$s")
	fi
done
((${#measured[@]} > 0)) || { echo "error: no server could be measured" >&2; exit 1; }

# --- wait for a quiet machine (others may share it), record the load either way ---
wait_for_quiet_machine "$max_wait"

rm -rf "$jsondir"
mkdir -p "$jsondir"
bench() # NAME CMD-TEMPLATE [PREPARE-TEMPLATE]: @D@ is docker on the server, @F@ its run flags
{
	local name=$1 s args d f
	args=(-N --warmup "$warmup" --runs "$runs" --export-json "$jsondir/$name.json")
	for s in "${measured[@]}"; do
		d="$docker_cli --host unix://${sock[$s]}"
		f=$(run_flags "$s")
		[[ -n ${3:-} ]] && args+=(--prepare "$(sed "s|@D@|$d|g; s|@F@|$f|g" <<<"$3")")
		args+=(-n "$s" "$(sed "s|@D@|$d|g; s|@F@|$f|g" <<<"$2")")
	done
	hyperfine "${args[@]}" </dev/null
}
bench run-rm "@D@ run --rm @F@ busybox true"
bench run-d "@D@ run -d --name bench-d @F@ busybox sleep 60" \
	"sh -c '@D@ rm -f bench-d >/dev/null 2>&1; true'"
for s in "${measured[@]}"; do dk "$s" rm -f bench-d >/dev/null; done
bench run-d-rm "sh -c '@D@ rm -f \$(@D@ run -d @F@ busybox sleep 60) >/dev/null'"
for s in "${measured[@]}"; do
	left=$(dk "$s" ps -a -q)
	[[ -z $left ]] || echo "warning: $s left containers behind: $(tr '\n' ' ' <<<"$left")" >&2
done

# --- idle memory of each server process ---
mem() # PID -> "VmRSS Pss" in KiB
{
	echo "$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status") $(awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup")"
}
memory() # FILE: one line per measured server process
{
	local s
	: >"$1"
	sleep 3 # let them settle (podman's cleanup processes, dockerd's event handling)
	for s in "${measured[@]}"; do
		echo "$s ${pid[$s]} $(mem "${pid[$s]}")" >>"$1"
		[[ $s == dockerd ]] && echo "containerd $ctrd_pid $(mem "$ctrd_pid")" >>"$1"
	done
	return 0
}
memory "$jsondir/idle.txt"

# --- a burst: N clients at once ---
: >"$jsondir/burst.txt"
for s in "${measured[@]}"; do
	bdir=$tmp/burst-$s
	mkdir -p "$bdir"
	cpids=()
	t0=$(date +%s.%N)
	for ((i = 0; i < concurrent; i++)); do
		# shellcheck disable=SC2046
		dk "$s" run -d $(run_flags "$s") busybox sleep 60 >"$bdir/$i.out" 2>"$bdir/$i.err" </dev/null &
		cpids+=($!)
	done
	failed=0
	for p in "${cpids[@]}"; do wait "$p" || failed=$((failed + 1)); done
	cpids=()
	t1=$(date +%s.%N)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	running=$(dk "$s" ps -q | wc -l)
	err=
	((failed == 0)) || err=$(cat "$bdir"/*.err | grep -v '^$' | head -n 1 | tr '\t' ' ')
	echo "$s	$secs	$failed	$running	$err" >>"$jsondir/burst.txt"
	((failed == 0)) || echo "warning: $s: $failed of $concurrent clients failed: $err" >&2
	# untimed: remove them all
	ids=$(dk "$s" ps -a -q)
	# shellcheck disable=SC2086
	[[ -z $ids ]] || dk "$s" rm -f $ids >/dev/null
done
memory "$jsondir/after-burst.txt"

# --- report ---
{
	echo "kernel=$(uname -r)"
	echo "cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) x $(nproc)"
	echo "memory=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "docker=$("$docker_cli" --version) ($docker_cli)"
	echo "berth=${skip[berth]:+not measured: ${skip[berth]}; }$build/cli/berth serve ($("$tmp/bin/berth" --version), built $berth_built; source tree git $(cd "$src" && git describe --always --dirty 2>/dev/null || echo "?"))"
	if [[ -z ${skip[dockerd]} ]]; then
		echo "dockerd=$(dockerd --version), $(containerd --version | cut -d' ' -f1,3), $(runc --version | head -n 1)"
	else
		echo "dockerd=not measured: ${skip[dockerd]}"
	fi
	if [[ -z ${skip[podman]} ]]; then
		echo "podman=$(podman --version) system service, $(conmon --version | head -n 1), $(runc --version | head -n 1)"
	else
		echo "podman=not measured: ${skip[podman]}"
	fi
	echo "hyperfine=$(hyperfine --version), $runs runs after $warmup warmup runs"
	echo "load=$loadavg (waited ${waited}s of at most ${max_wait}s for 1.0)"
	echo "concurrent=$concurrent"
	echo "servers=${servers[*]}"
} >"$jsondir/meta"
python3 - "$jsondir" <<'PY' | tee "$jsondir/api.md"
import json, sys
d = sys.argv[1]
meta = dict(l.rstrip("\n").split("=", 1) for l in open(f"{d}/meta"))
servers = meta["servers"].split()
ok = [s for s in servers if not meta[s].startswith("not measured")]
ops = [("run-rm", "`docker run --rm busybox true`"),
       ("run-d", "`docker run -d busybox sleep 60` (start latency)"),
       ("run-d-rm", "`docker run -d` + `docker rm -f` of `sleep 60`")]
others = [s for s in ok if s != "berth"]
head = "| operation, median ms (mean ± σ) | " + " | ".join(servers)
if "berth" in ok:
    head += "".join(f" | {s} / berth" for s in others)
print(head + " |")
print("|---" + "|---:" * (len(servers) + ("berth" in ok) * len(others)) + "|")
for op, label in ops:
    res = {r["command"]: r for r in json.load(open(f"{d}/{op}.json"))["results"]}
    cells = []
    for s in servers:
        r = res.get(s)
        cells.append(f"{r['median'] * 1e3:.1f} ({r['mean'] * 1e3:.1f} ± {r['stddev'] * 1e3:.1f})"
                     if r else "not measured")
    if "berth" in ok:
        cells += [f"{res[s]['median'] / res['berth']['median']:.1f}x" for s in others]
    print(f"| {label} | " + " | ".join(cells) + " |")

burst = {l.split("\t")[0]: l.rstrip("\n").split("\t") for l in open(f"{d}/burst.txt")}
n = int(meta["concurrent"])
cells = []
for s in servers:
    b = burst.get(s)
    if not b:
        cells.append("not measured")
    elif int(b[2]) == 0:
        cells.append(f"{float(b[1]) * 1e3:.0f}")
    else:
        cells.append(f"{float(b[1]) * 1e3:.0f}, {b[2]} of {n} failed ({b[4][:80]})")
if "berth" in ok and "berth" in burst and burst["berth"][2] == "0":
    for s in others:
        cells.append(f"{float(burst[s][1]) / float(burst['berth'][1]):.1f}x"
                     if s in burst and burst[s][2] == "0" else "")
elif "berth" in ok:
    cells += [""] * len(others)
print(f"| {n} concurrent `docker run -d busybox sleep 60`, ms until the last returns | "
      + " | ".join(cells) + " |")

def mem(f):
    return {l.split()[0]: list(map(int, l.split()[2:4])) for l in open(f"{d}/{f}")}
idle, after = mem("idle.txt"), mem("after-burst.txt")
procs = [("berth", "berth serve"), ("dockerd", "dockerd"), ("containerd", "its containerd"),
         ("dockerd+containerd", "dockerd + containerd"), ("podman", "podman system service")]
for t in (idle, after):
    if "dockerd" in t and "containerd" in t:
        t["dockerd+containerd"] = [a + b for a, b in zip(t["dockerd"], t["containerd"])]
print()
print(f"| server process, idle, KiB | VmRSS | Pss | VmRSS after the {n} | Pss after the {n} |")
print("|---|---:|---:|---:|---:|")
for k, label in procs:
    if k not in idle:
        continue
    a = after.get(k, ["", ""])
    print(f"| {label} | {idle[k][0]} | {idle[k][1]} | {a[0]} | {a[1]} |")
print()
for k in ("kernel", "cpu", "memory", "docker", "berth", "dockerd", "podman", "hyperfine", "load"):
    print(f"- {k}: {meta[k]}")
PY
echo "wrote $jsondir"
