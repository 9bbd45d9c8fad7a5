#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Install everything berth needs to build and test (Debian 12). Idempotent and fast
# when nothing is missing: apt is not touched at all in that case. Runs as root with
# no tty; as non-root it uses sudo when available.
set -euo pipefail

packages=(
	build-essential meson ninja-build pkg-config
	libjansson-dev libarchive-dev libseccomp-dev libcap-dev
	busybox-static jq iproute2 util-linux procps
	# the engine's bridge networks: NAT and published ports (nft)
	nftables
	hyperfine runc crun python3
	# orchestrator tests (tests/integration/test-{containerd,cri,podman}.sh): containerd
	# and its runc v2 shim, podman (with conmon), CNI plugins (host-device, static IPAM)
	# for a pod network, and gRPC for the CRI client (crictl is not in Debian 12)
	containerd podman containernetworking-plugins python3-grpcio
	# libFuzzer harnesses (tests/fuzz): clang with its fuzzer and sanitizer runtimes
	clang libclang-rt-14-dev
	# image exchange tests (tests/integration/test-image-exchange.sh): skopeo and umoci
	# read and write docker-archives and OCI layouts, zstd compresses a layer
	skopeo zstd umoci
	# a Debian image from the Debian mirror (tests/integration/test-debian.sh)
	debootstrap
	# the guest suite (tests/vm): a Debian 12 guest with systemd under QEMU, its disks
	# made and read with e2fsprogs
	qemu-system-x86 e2fsprogs
	# a system call slowed at will, to kill a process in the middle of it
	# (tests/integration/test-concurrency.sh)
	strace
	# docker's own load/save, against a dockerd the test starts on private roots; its
	# CLI (20.10), docker-compose 1.29 and the Python SDK drive `berth serve`
	# (tests/integration/test-serve-clients.sh)
	docker.io docker-compose python3-docker
	# the zsh and fish completions are loaded by the shells themselves
	# (tests/integration/test-completion.sh)
	zsh fish
	# checkpoint (berth-runtime checkpoint reports clearly when criu cannot work here)
	criu
	# registries: libcurl for berth pull/push; tests/integration/test-registry.sh runs
	# distribution's registry, skopeo, htpasswd, and openssl for its token server
	libcurl4-openssl-dev libssl-dev docker-registry skopeo apache2-utils openssl
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	# "ii " = installed and configured
	[[ $status == ii* ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	echo "install-deps: all ${#packages[@]} packages already installed"
	exit 0
fi

echo "install-deps: installing: ${missing[*]}"

sudo=()
if ((EUID != 0)); then
	command -v sudo >/dev/null || { echo "install-deps: need root (or sudo)" >&2; exit 1; }
	sudo=(sudo -n)
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q -o Dpkg::Use-Pty=0 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

# Refresh the package lists only when they are absent or the install fails on them.
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
	"${sudo[@]}" apt-get update -q
fi
if ! "${sudo[@]}" apt-get install "${apt_opts[@]}" --no-install-recommends "${missing[@]}"; then
	echo "install-deps: install failed, refreshing package lists and retrying" >&2
	"${sudo[@]}" apt-get update -q
	"${sudo[@]}" apt-get install "${apt_opts[@]}" --no-install-recommends "${missing[@]}"
fi
echo "install-deps: done"
