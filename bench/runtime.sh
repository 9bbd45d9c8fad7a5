#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/runtime.sh [--build DIR] [--runs N] [--warmup N] [--rss-runs N] [--max-wait SECONDS]
#                  [--ops "run create start delete exec"] [--out FILE.md] [--json-dir DIR]
#
# Compare berth-runtime, crun and runc, one operation at a time, on a busybox bundle:
#   run     RUNTIME run ID (/bin/true, foreground; deletes the container on exit)
#   create  RUNTIME create ID       (prepare: delete -f ID)
#   start   RUNTIME start ID        (prepare: delete -f ID; create ID); runs /bin/true
#   delete  RUNTIME delete ID       (prepare: create ID; start ID; wait until stopped)
#   exec    RUNTIME exec X /bin/true into a running container X (sleep 3600)
# Wall time is hyperfine's median (one hyperfine per operation and runtime, --prepare
# does the untimed steps so each measured command does only its own step); CPU is
# hyperfine's user+sys of the measured process tree; peak RSS is GNU time's %M (the
# runtime process and the children it waited for) over --rss-runs separate runs.
#
# The berth-runtime binary is $BERTH_RUNTIME if set, else DIR/cli/berth-runtime (--build,
# default ./build), labelled $BERTH_VERSION if set (else the source tree's git describe).
# crun refuses this machine's hybrid cgroup layout, so every command (timed or not) runs
# under the same wrapper, `unshare -m sh -c 'umount /sys/fs/cgroup/unified; exec RUNTIME
# ...'` (private mount namespace, pure cgroup v1 view); the wrapper's own cost (exec true) is measured too and subtracted in the "net"
# columns. Before the timed runs the script waits (up to --max-wait, default 600 s) for
# the 1-minute load average to drop to 1.0 or below, and records it either way.
# Results: hyperfine JSON and RSS samples in --json-dir (default /tmp/berth-bench-runtime)
# and markdown in docs/benchmarks.md (rendered by bench/report.py). Needs root.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$src/bench/lib.sh"
build=$src/build
runs=50
warmup=5
rss_runs=20
max_wait=600
ops="run create start delete exec"
out=$src/docs/benchmarks.md
jsondir=/tmp/berth-bench-runtime
while (($# > 0)); do
	case $1 in
	--build) build=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--rss-runs) rss_runs=$2; shift 2 ;;
	--max-wait) max_wait=$2; shift 2 ;;
	--ops) ops=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--json-dir) jsondir=$2; shift 2 ;;
	-h | --help) sed -n '4,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/runtime.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
((EUID == 0)) || { echo "bench/runtime.sh: needs root" >&2; exit 1; }
for tool in hyperfine jq unshare python3; do
	command -v "$tool" >/dev/null || { echo "bench/runtime.sh: $tool missing (scripts/install-deps.sh)" >&2; exit 1; }
done
[[ -x /usr/bin/time ]] || { echo "bench/runtime.sh: GNU time (/usr/bin/time) missing" >&2; exit 1; }

tmp=$(mktemp -d /tmp/berth-bench.XXXXXX)
cgparent=/berth-bench-$$
names=()
declare -A bins

rt() # NAME -> the runtime's command line with its own --root
{
	echo "${bins[$1]} --root $tmp/root-$1"
}

cleanup()
{
	local d n
	for n in "${names[@]}"; do
		for d in b x; do
			sh -c "$(wrap_sh "$(rt "$n") delete -f $d")" >/dev/null 2>&1 </dev/null || true
		done
	done
	for d in /sys/fs/cgroup"$cgparent" /sys/fs/cgroup/*"$cgparent"; do
		[[ -d "$d" ]] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

bundle=$tmp/bundle
mkdir -p "$bundle/rootfs" "$tmp/bundle-x"
"$src/scripts/make-busybox-rootfs.sh" "$tmp/busybox.tar" >/dev/null
tar -xf "$tmp/busybox.tar" -C "$bundle/rootfs"
(cd "$bundle" && runc spec)
jq --arg cg "$cgparent/c" '.process.args = ["/bin/true"] | .process.terminal = false |
	.linux.cgroupsPath = $cg' "$bundle/config.json" >"$bundle/config.json.new"
jq --arg cg "$cgparent/x" --arg root "$bundle/rootfs" '.process.args = ["/bin/sleep", "3600"] |
	.root.path = $root | .linux.cgroupsPath = $cg' "$bundle/config.json.new" >"$tmp/bundle-x/config.json"
mv "$bundle/config.json.new" "$bundle/config.json"

# name -> binary, in table order
berth_bin=${BERTH_RUNTIME:-$build/cli/berth-runtime}
if [[ -x "$berth_bin" ]]; then
	names+=(berth-runtime)
	bins[berth-runtime]=$berth_bin
else
	echo "note: $berth_bin not built; benchmarking crun and runc only"
fi
for r in crun runc; do
	if command -v "$r" >/dev/null; then
		names+=("$r")
		bins[$r]=$(command -v "$r")
	else
		echo "note: $r not installed; skipped"
	fi
done

unmount='umount /sys/fs/cgroup/unified 2>/dev/null'
wrap() # CMD -> wrapped command that execs CMD ($$ of the wrapper sh is a fresh id)
{
	echo "unshare -m sh -c '$unmount; exec $1'"
}
wrap_sh() # SHELL-STATEMENTS -> wrapped
{
	echo "unshare -m sh -c '$unmount; $1'"
}

op_prep() # NAME OP -> untimed statements before each timed run ("" for none)
{
	local r
	r=$(rt "$1")
	case $2 in
	run | exec) echo "" ;;
	create) echo "$r delete -f b >/dev/null 2>&1; true" ;;
	start) echo "$r delete -f b >/dev/null 2>&1; $r create --bundle $bundle b" ;;
	delete) echo "$r delete -f b >/dev/null 2>&1; $r create --bundle $bundle b && $r start b && while $r state b 2>/dev/null | grep -q running; do sleep 0.002; done" ;;
	esac
}
op_cmd() # NAME OP -> the timed command
{
	local r
	r=$(rt "$1")
	case $2 in
	run) echo "$r run --bundle $bundle c\$\$" ;;
	create) echo "$r create --bundle $bundle b" ;;
	start) echo "$r start b" ;;
	delete) echo "$r delete b" ;;
	exec) echo "$r exec x /bin/true" ;;
	esac
}
exec_setup() # NAME: the running container X for exec
{
	local r
	r=$(rt "$1")
	sh -c "$(wrap_sh "$r delete -f x >/dev/null 2>&1; $r create --bundle $tmp/bundle-x x && $r start x")" </dev/null
}
exec_teardown()
{
	sh -c "$(wrap_sh "$(rt "$1") delete -f x")" >/dev/null 2>&1 </dev/null || true
}
run_once() # NAME OP [TIME-OUTPUT-FILE]: prepare untimed, then the command (under GNU time if given)
{
	local p c
	p=$(op_prep "$1" "$2")
	c=$(op_cmd "$1" "$2")
	if [[ -n "$p" ]]; then sh -c "$(wrap_sh "$p")" >/dev/null 2>&1 </dev/null || return 1; fi
	if [[ -n "${3:-}" ]]; then c="/usr/bin/time -f %M -a -o $3 $c"; fi
	sh -c "$(wrap "$c")" </dev/null
}

# Sanity check first: every runtime must actually do each step and clean up after
# itself, or its timing means nothing.
for n in "${names[@]}"; do
	mkdir -p "$tmp/root-$n"
	for op in $ops; do
		[[ $op == exec ]] && exec_setup "$n"
		if ! run_once "$n" "$op"; then
			echo "error: '$n $op' failed: $(op_cmd "$n" "$op")" >&2
			exit 1
		fi
		[[ $op == exec ]] && exec_teardown "$n"
		sh -c "$(wrap_sh "$(rt "$n") delete -f b")" >/dev/null 2>&1 </dev/null || true
	done
	if [[ -n "$(ls -A "$tmp/root-$n")" ]]; then
		echo "error: '$n' left state behind in $tmp/root-$n: $(ls -A "$tmp/root-$n")" >&2
		exit 1
	fi
done

# Wait for a quiet machine (others may share it), record the load either way.
wait_for_quiet_machine "$max_wait"

rm -rf "$jsondir"
mkdir -p "$jsondir"
hyperfine -N --warmup "$warmup" --runs "$runs" --export-json "$jsondir/wrapper.json" \
	--command-name "wrapper (exec true)" "$(wrap true)" </dev/null
for op in $ops; do
	for n in "${names[@]}"; do
		[[ $op == exec ]] && exec_setup "$n"
		args=(-N --warmup "$warmup" --runs "$runs" --export-json "$jsondir/$op--$n.json"
			--command-name "$n $op")
		p=$(op_prep "$n" "$op")
		[[ -n "$p" ]] && args+=(--prepare "$(wrap_sh "$p")")
		hyperfine "${args[@]}" "$(wrap "$(op_cmd "$n" "$op")")" </dev/null
		# peak RSS: separate runs under GNU time (its own cost stays out of the wall times)
		for ((i = 0; i < rss_runs; i++)); do
			run_once "$n" "$op" "$jsondir/$op--$n.rss" >/dev/null 2>&1 ||
				echo "warning: $n $op failed under /usr/bin/time" >&2
		done
		[[ $op == exec ]] && exec_teardown "$n"
		sh -c "$(wrap_sh "$(rt "$n") delete -f b")" >/dev/null 2>&1 </dev/null || true
	done
done
for ((i = 0; i < rss_runs; i++)); do
	sh -c "$(wrap "/usr/bin/time -f %M -a -o $jsondir/wrapper.rss true")" </dev/null
done

for n in "${names[@]}"; do
	left=$(ls -A "$tmp/root-$n")
	[[ -z "$left" ]] || echo "warning: $n left containers behind: $left" >&2
done

{
	echo "kernel=$(uname -r)"
	echo "cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) x $(nproc)"
	for n in "${names[@]}"; do
		case $n in
		berth-runtime)
			v=${BERTH_VERSION:-git $(cd "$src" && git describe --always --dirty 2>/dev/null || echo "?")}
			v="$berth_bin, $v" ;;
		*) v=$("${bins[$n]}" --version 2>/dev/null | head -n 1) ;;
		esac
		echo "version:$n=$v"
	done
	echo "hyperfine=$(hyperfine --version)"
	echo "runs=$runs per operation and runtime (after $warmup warmup runs); peak RSS over $rss_runs runs"
	echo "load average before the run=$loadavg (1, 5, 15 min; waited ${waited}s of at most ${max_wait}s for it to drop to 1.0)"
	[[ -x "$berth_bin" ]] || echo "note=berth-runtime was not built yet, so it is missing from these tables"
} >"$jsondir/meta"

python3 "$src/bench/report.py" "$jsondir" "$jsondir/meta" $ops >"$out.new"
# keep the sections other benchmarks own in the same file (bench/images.sh: "## Images",
# bench/engine.sh: "## Engine")
python3 - "$out" "$out.new" <<'PY'
import os, re, sys
old = open(sys.argv[1]).read() if os.path.exists(sys.argv[1]) else ""
new = open(sys.argv[2]).read()
for section in ("Images", "Engine"):
    m = re.search(r"\n## " + section + r"\n.*?(?=\n## |\Z)", old, flags=re.S)
    if m and "\n## " + section + "\n" not in new:
        new = new.rstrip("\n") + "\n" + m.group(0).rstrip("\n") + "\n"
open(sys.argv[1], "w").write(new)
PY
rm -f "$out.new"
cat "$out"
echo "wrote $out and $jsondir"
