#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/structure/check-layers.sh [BUILD_DIR] — the layers of lib/ stay real.
#
#  1. A source file of lib/<folder>/ or cli/<folder>/ includes, with quotes, only a header
#     of its own folder ("store.h") or a public header ("berth/image.h"): never another
#     folder's private header, by any path.
#  2. Public headers belong to one library each, and a folder includes only the public
#     headers of its own library and of the libraries below it:
#        core ← runtime, image, net ← monitor ← engine ← cli/berth
#     (cli/runtime: runtime and core only; cli/monitor: monitor and what it stands on;
#     cli/init, the container's init: none, libc only).
#  3. With a build directory: berth and berth-runtime and berth-monitor do not load
#     libarchive or libcurl (berth hands archives and registries to berth-full).
#
# Prints each violation as file:line: what; exits 1 if there is any.
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${BERTH_BUILD:-$src/build}}
cd "$src" || exit 2
bad=0
fail() { echo "$*"; bad=1; }

# the library each public header belongs to
declare -A owner=(
	[error]=core [util]=core [cleanup]=core [sync]=core [events]=core
	[runtime]=runtime
	[image]=image [overlay]=image [tarwrite]=image
	[net]=net
	[monitor]=monitor [record]=monitor [logfile]=monitor [volume]=monitor
	[engine]=engine
)
# the libraries a folder may use
declare -A allowed=(
	[core]="core"
	[runtime]="core runtime"
	[image]="core image"
	[net]="core net"
	[monitor]="core runtime image net monitor"
	[engine]="core runtime image net monitor engine"
	[cli/runtime]="core runtime"
	[cli/monitor]="core runtime image net monitor"
	[cli/berth]="core runtime image net monitor engine"
	[cli/init]="libc" # none of berth's libraries
)

for h in include/berth/*.h; do
	n=$(basename "$h" .h)
	[ -n "${owner[$n]:-}" ] || fail "$h:1: public header of no library (add it to ${BASH_SOURCE[0]##*/})"
done

check_file() { # file folder-key own-dir
	local f=$1 key=$2 dir=$3 line inc n lib
	while IFS=: read -r line inc; do
		inc=${inc#*\"}; inc=${inc%%\"*}
		case $inc in
		berth/*.h)
			n=${inc#berth/}; n=${n%.h}
			if [ ! -f "include/$inc" ]; then
				fail "$f:$line: includes \"$inc\", which is not in include/berth"
				continue
			fi
			lib=${owner[$n]:-}
			[[ " ${allowed[$key]} " == *" $lib "* ]] ||
				fail "$f:$line: includes \"$inc\" of lib/$lib, which $key must not use"
			;;
		*/*)
			fail "$f:$line: includes \"$inc\": another folder's private header"
			;;
		*)
			[ -f "$dir/$inc" ] ||
				fail "$f:$line: includes \"$inc\", which is not in $dir"
			;;
		esac
	done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f")
}

for d in lib/*/ cli/*/; do
	d=${d%/}
	case $d in lib/*) key=${d#lib/} ;; *) key=$d ;; esac
	if [ -z "${allowed[$key]:-}" ]; then
		fail "$d: a folder the layer rules do not know (add it to ${BASH_SOURCE[0]##*/})"
		continue
	fi
	for f in "$d"/*.[ch]; do
		[ -e "$f" ] && check_file "$f" "$key" "$d"
	done
done
for h in include/berth/*.h; do
	n=$(basename "$h" .h)
	[ -n "${owner[$n]:-}" ] && check_file "$h" "${owner[$n]}" include/berth
done

if [ -d "$build/cli" ]; then
	for b in berth berth-runtime berth-monitor; do
		exe=$build/cli/$b
		if [ ! -x "$exe" ]; then
			fail "$exe: not built"
			continue
		fi
		needed=$(LC_ALL=C readelf -d "$exe" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
		for l in $needed; do
			case $l in
			libarchive.so* | libcurl.so*) fail "$exe: links $l" ;;
			esac
		done
	done
fi

if [ $bad -eq 0 ]; then
	echo "layers: every include and link within its layer"
fi
exit $bad
