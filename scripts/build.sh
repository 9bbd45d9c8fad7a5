#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scripts/build.sh [BUILDDIR] [extra meson args...]
#
# Configure BUILDDIR (default: build, relative to the source tree unless absolute) with
# meson, or reconfigure it with the given options if it is already set up, then build it
# with ninja. Examples:
#   scripts/build.sh
#   scripts/build.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-build}
(($# > 0)) && shift
[[ $builddir == /* ]] || builddir=$src/$builddir

if [[ -f $builddir/build.ninja && -f $builddir/meson-private/coredata.dat ]]; then
	if (($# > 0)); then
		meson configure "$builddir" "$@"
	fi
else
	# A half-configured directory (setup interrupted) cannot be reconfigured: wipe it.
	if [[ -d $builddir/meson-private || -d $builddir/meson-info ]]; then
		meson setup --wipe "$builddir" "$src" "$@" ||
			{ rm -rf "$builddir" && meson setup "$builddir" "$src" "$@"; }
	else
		meson setup "$builddir" "$src" "$@"
	fi
fi

exec ninja -C "$builddir"
