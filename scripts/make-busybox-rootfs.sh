#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scripts/make-busybox-rootfs.sh OUT.tar
#
# Build a minimal rootfs tarball from Debian's busybox-static: /bin/busybox, a relative
# symlink for every applet it lists, a small /etc and the usual empty mount-point
# directories. The tarball is deterministic (sorted names, fixed mtime, uid/gid 0,
# fixed modes), so importing it twice gives the same image id.
set -euo pipefail

if (($# != 1)); then
	echo "usage: $0 OUT.tar" >&2
	exit 2
fi
out=$1
busybox=${BUSYBOX:-/bin/busybox}

if ! [[ -x $busybox ]] || ! file_info=$(LC_ALL=C od -An -c -N4 "$busybox" 2>/dev/null) ||
	[[ $file_info != *E*L*F* ]]; then
	echo "$0: $busybox not found or not an ELF binary (apt-get install busybox-static)" >&2
	exit 1
fi
if ldd "$busybox" >/dev/null 2>&1; then
	echo "$0: $busybox is dynamically linked; need the static one (busybox-static)" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/busybox-rootfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/rootfs
umask 022
mkdir -p "$root"

for d in bin sbin usr/bin usr/sbin etc dev proc sys tmp root home var run; do
	mkdir -p "$root/$d"
done
install -m 0755 "$busybox" "$root/bin/busybox"

# One symlink per applet, at the path busybox itself reports (usr/bin/env, sbin/ip, ...),
# pointing relatively at bin/busybox so it resolves both inside the container and when
# the rootfs is inspected from the host.
n=0
while IFS= read -r applet; do
	applet=${applet#/}
	[[ -n $applet && $applet != bin/busybox ]] || continue
	dir=$(dirname "$applet")
	mkdir -p "$root/$dir"
	if [[ $dir == bin ]]; then
		target=busybox
	else
		target=bin/busybox
		if [[ $dir != . ]]; then
			IFS=/ read -ra parts <<<"$dir"
			for _ in "${parts[@]}"; do target=../$target; done
		fi
	fi
	ln -sfn "$target" "$root/$applet"
	n=$((n + 1))
done < <("$busybox" --list-full | sort -u)
if ((n < 100)); then
	echo "$0: busybox --list-full listed only $n applets" >&2
	exit 1
fi

cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$root/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
: >"$root/etc/hosts"
: >"$root/etc/resolv.conf"
chmod 0644 "$root/etc/passwd" "$root/etc/group" "$root/etc/hosts" "$root/etc/resolv.conf"

find "$root" -type d -exec chmod 0755 {} +
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"

mkdir -p "$(dirname "$out")"
# Member names without a "./" prefix (like `docker export`), in sorted order.
mapfile -t top < <(cd "$root" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort)
(cd "$root" && LC_ALL=C tar --create --file="$tmp/rootfs.tar" \
	--format=gnu --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
	--no-acls --no-xattrs --no-selinux -- "${top[@]}")
mv -f "$tmp/rootfs.tar" "$out.tmp.$$"
mv -f "$out.tmp.$$" "$out"
echo "$out: busybox rootfs with $n applets"
