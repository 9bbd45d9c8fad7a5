#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/run-all.sh: everything CI does, from a fresh checkout:
#   scripts/install-deps.sh; build `build` and `build-asan`; tests/run all.
# The last line of output is always "N passed, N failed" (a failed dependency install or
# build counts as one failure), and the exit status is non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

step()
{
	echo "## $*"
	if ! "$@"; then
		echo "## FAILED: $*"
		echo "0 passed, 1 failed"
		exit 1
	fi
}

step scripts/install-deps.sh
step scripts/build.sh build
step scripts/build.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false
echo "## tests/run --build build --asan-build build-asan all"
exec tests/run --build build --asan-build build-asan all
