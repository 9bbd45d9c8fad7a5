#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# From a fresh Debian 12 machine (as root) to a running container:
#   install what berth needs, build it, make the local busybox image from Debian's
#   busybox-static (no network needed) and run `berth run --rm busybox echo hello`.
# Idempotent: run it again and it only rebuilds what changed and runs the container.
# BERTH_ROOT overrides the store (default /var/lib/berth).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"

scripts/install-deps.sh
scripts/build.sh build >/dev/null

berth=(build/cli/berth)
[[ -n ${BERTH_ROOT:-} ]] && berth+=(--root "$BERTH_ROOT")

if [[ -z $("${berth[@]}" images 2>/dev/null | awk '$1 == "busybox"') ]]; then
	tar=$(mktemp /tmp/berth-busybox.XXXXXX.tar)
	trap 'rm -f "$tar"' EXIT
	scripts/make-busybox-rootfs.sh "$tar"
	"${berth[@]}" import "$tar" busybox >/dev/null
	# removed here: the exec below would skip the EXIT trap
	rm -f "$tar"
	trap - EXIT
	echo "quickstart: imported the busybox image"
fi

echo "+ berth run --rm busybox echo hello"
exec "${berth[@]}" run --rm busybox echo hello
