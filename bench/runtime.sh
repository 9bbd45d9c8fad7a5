#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/runtime.sh [--build DIR] [--runs N] [--warmup N] [--out FILE.md] [--json FILE]
#
# Time `RUNTIME run` of a busybox bundle running /bin/true, for berth-runtime, crun and
# runc, with hyperfine. Same bundle (config from `runc spec`: terminal false, args
# ["/bin/true"], runc's default namespaces), each runtime with its own --root and a
# fresh container id per run; `run` in the foreground deletes the container on exit.
#
# crun refuses this machine's hybrid cgroup layout, so every runtime runs under the same
# wrapper, `unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec RUNTIME ...'`
# (private mount namespace, pure cgroup v1 view), which keeps the comparison fair. The
# wrapper's own cost is measured too (same wrapper, exec true) and subtracted in the
# "net" column. Results: hyperfine's --export-json (default /tmp/berth-bench-runtime.json)
# and a markdown table in docs/benchmarks.md (rendered by bench/report.py). Needs root.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build
runs=100
warmup=5
out=$src/docs/benchmarks.md
json=/tmp/berth-bench-runtime.json
while (($# > 0)); do
	case $1 in
	--build) build=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--json) json=$2; shift 2 ;;
	-h | --help) sed -n '4,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/runtime.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
((EUID == 0)) || { echo "bench/runtime.sh: needs root" >&2; exit 1; }
for tool in hyperfine jq unshare python3; do
	command -v "$tool" >/dev/null || { echo "bench/runtime.sh: $tool missing (scripts/install-deps.sh)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/berth-bench.XXXXXX)
cgparent=/berth-bench-$$
cleanup()
{
	local d
	for d in /sys/fs/cgroup"$cgparent" /sys/fs/cgroup/*"$cgparent"; do
		[[ -d "$d" ]] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

bundle=$tmp/bundle
mkdir -p "$bundle/rootfs"
"$src/scripts/make-busybox-rootfs.sh" "$tmp/busybox.tar" >/dev/null
tar -xf "$tmp/busybox.tar" -C "$bundle/rootfs"
(cd "$bundle" && runc spec)
jq --arg cg "$cgparent/c" '.process.args = ["/bin/true"] | .process.terminal = false |
	.linux.cgroupsPath = $cg' "$bundle/config.json" >"$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"

# name -> binary, in table order
names=()
declare -A bins
berth_bin=$build/cli/berth-runtime
if [[ -x "$berth_bin" ]]; then
	names+=(berth-runtime)
	bins[berth-runtime]=$berth_bin
else
	echo "note: $berth_bin not built; benchmarking crun and runc only"
fi
for rt in crun runc; do
	if command -v "$rt" >/dev/null; then
		names+=("$rt")
		bins[$rt]=$(command -v "$rt")
	else
		echo "note: $rt not installed; skipped"
	fi
done

wrap()
{
	# $$ of the wrapper sh is the fresh container id of this run
	echo "unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec $1'"
}

# Sanity check first: every runtime must actually run the bundle and clean up after
# itself, or its timing means nothing.
cmds=()
for n in "${names[@]}"; do
	root=$tmp/root-$n
	mkdir -p "$root"
	cmd=$(wrap "${bins[$n]} --root $root run --bundle $bundle c\$\$")
	if ! sh -c "$cmd" </dev/null; then
		echo "error: '$n run' failed: $cmd" >&2
		exit 1
	fi
	if [[ -n "$(ls -A "$root")" ]]; then
		echo "error: '$n run' left state behind in $root: $(ls -A "$root")" >&2
		exit 1
	fi
	cmds+=(--command-name "$n" "$cmd")
done
cmds+=(--command-name "wrapper (exec true)" "$(wrap true)")

loadavg=$(cut -d' ' -f1-3 /proc/loadavg)
hyperfine -N --warmup "$warmup" --runs "$runs" --export-json "$json" "${cmds[@]}" </dev/null

for n in "${names[@]}"; do
	left=$(ls -A "$tmp/root-$n")
	[[ -z "$left" ]] || echo "warning: $n left containers behind: $left" >&2
done

{
	echo "kernel=$(uname -r)"
	echo "cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) x $(nproc)"
	for n in "${names[@]}"; do
		case $n in
		berth-runtime) v=$(cd "$src" && git describe --always --dirty 2>/dev/null || echo "?"); v="git $v" ;;
		*) v=$("${bins[$n]}" --version 2>/dev/null | head -n 1) ;;
		esac
		echo "version:$n=$v"
	done
	echo "hyperfine=$(hyperfine --version)"
	echo "runs=$runs (after $warmup warmup runs)"
	echo "load average before the run=$loadavg"
	[[ -x "$berth_bin" ]] || echo "note=berth-runtime was not built yet, so it is missing from this table"
} >"$tmp/meta"

python3 "$src/bench/report.py" "$json" "$tmp/meta" >"$out"
cat "$out"
echo "wrote $out and $json"
