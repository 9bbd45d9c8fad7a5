#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/images.sh [--build DIR] [--rootfs DIR] [--runs N] [--out FILE.md] [--work DIR]
#
# Image exchange speed: berth against podman and skopeo, in one run, on a Debian image
# built here with debootstrap (one layer, gzip, about 50 MB compressed):
#   load   berth load -i ARCHIVE   |  podman load -i ARCHIVE
#          |  skopeo copy docker-archive:ARCHIVE containers-storage:...
#   pull   berth pull REF          |  podman pull REF
#          |  skopeo copy docker://REF containers-storage:...
#          from Debian's docker-registry on 127.0.0.1 (started and stopped here); only when
#          this berth has `pull`.
# Every timed run starts from an empty store (hyperfine --prepare removes it); podman and
# skopeo use containers-storage with the overlay driver in private roots under --work.
# Wall time is hyperfine's median; MB/s is the compressed image size over it.
#
# --rootfs DIR: the Debian tree to use (default: debootstrap --variant=minbase bookworm into
# WORK/debian-rootfs, once, from the configured Debian mirror). Results go to the
# "Images" section of docs/benchmarks.md (--out). Needs root, hyperfine, podman, skopeo,
# docker-registry.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build
rootfs=
runs=5
out=$src/docs/benchmarks.md
work=/var/tmp/berth-bench-images
while (($# > 0)); do
	case $1 in
	--build) build=$2; shift 2 ;;
	--rootfs) rootfs=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	-h | --help) sed -n '4,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/images.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
berth=$build/cli/berth
for t in hyperfine podman skopeo "$berth"; do
	command -v "$t" >/dev/null || { echo "bench/images.sh: '$t' not found" >&2; exit 1; }
done
mkdir -p "$work"
work=$(cd "$work" && pwd)

# --- the image: one gzip layer of a minimal Debian, as a docker-archive and an OCI dir ---
if [[ -z $rootfs ]]; then
	rootfs=$work/debian-rootfs
	if [[ ! -x $rootfs/bin/sh ]]; then
		command -v debootstrap >/dev/null || { echo "bench/images.sh: needs debootstrap" >&2; exit 1; }
		rm -rf "$rootfs"
		debootstrap --variant=minbase bookworm "$rootfs" >"$work/debootstrap.log" 2>&1
	fi
fi
archive=$work/debian-docker.tar
if [[ ! -s $archive ]]; then
	# as Debian's own images: without the downloaded .debs and the apt lists
	tar -C "$rootfs" --numeric-owner --sort=name \
		--exclude='./var/cache/apt/archives/*.deb' --exclude='./var/lib/apt/lists/*' \
		-cf - . | gzip -6 >"$work/layer.tar.gz"
	rm -rf "$work/seed"
	"$berth" --root "$work/seed" import "$work/layer.tar.gz" bench/debian:12 >/dev/null
	# a docker-archive with the gzip layer as is, as `docker save` of a pulled image would
	# carry it (berth save writes plain layer tars): through skopeo from berth's OCI layout
	"$berth" --root "$work/seed" save --format oci-archive -o "$work/seed.oci.tar" bench/debian:12
	skopeo copy --quiet "oci-archive:$work/seed.oci.tar" "docker-archive:$archive:bench/debian:12"
	rm -rf "$work/seed" "$work/seed.oci.tar"
fi
size=$(stat -c %s "$work/layer.tar.gz")
mb=$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 }')
echo "# image: minimal Debian 12, one layer, $mb MB gzip ($(du -sh "$rootfs" | cut -f1) unpacked)"

pod=(podman --root "$work/podman" --runroot "$work/podman-run" --storage-driver overlay
	--cgroup-manager cgroupfs --events-backend file)
cs="containers-storage:[overlay@$work/cs+$work/cs-run]"
# containers-storage leaves its overlay home bind-mounted on itself: unmount what is
# under the stores before removing them
clean_all="${pod[*]} system reset -f >/dev/null 2>&1; findmnt -rn -o TARGET | grep -E '^$work/(cs|podman|store)' | sort -r | xargs -r umount -l; rm -rf '$work/store' '$work/cs' '$work/cs-run' '$work/podman' '$work/podman-run'"

results=()
bench_op() { # bench_op NAME CMD_BERTH CMD_PODMAN CMD_SKOPEO
	local name=$1 json=$work/$1.json
	shift
	hyperfine --runs "$runs" --warmup 1 --prepare "$clean_all" --export-json "$json" \
		-n berth "$1" -n podman "$2" -n skopeo "$3" >&2
	results+=("$name")
}

bench_op load \
	"'$berth' --root '$work/store' load -i '$archive'" \
	"${pod[*]} load -q -i '$archive'" \
	"skopeo copy --quiet 'docker-archive:$archive' '${cs}bench/debian:12'"

reg_pid=
cleanup() {
	if [[ -n $reg_pid ]]; then
		kill "$reg_pid" 2>/dev/null || true
		wait "$reg_pid" 2>/dev/null || true
	fi
	bash -c "$clean_all" || true
}
trap cleanup EXIT
if "$berth" pull --help >/dev/null 2>&1 && command -v docker-registry >/dev/null; then
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	mkdir -p "$work/registry"
	cat >"$work/registry.yml" <<-EOF
	version: 0.1
	log: {level: error}
	storage: {filesystem: {rootdirectory: $work/registry}}
	http: {addr: 127.0.0.1:$port}
	EOF
	docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
	reg_pid=$!
	for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
	ref=127.0.0.1:$port/bench/debian:12
	skopeo copy --quiet --dest-tls-verify=false "docker-archive:$archive" "docker://$ref"
	bench_op pull \
		"'$berth' --root '$work/store' pull '$ref' >/dev/null" \
		"${pod[*]} pull -q --tls-verify=false '$ref' >/dev/null" \
		"skopeo copy --quiet --src-tls-verify=false 'docker://$ref' '${cs}bench/debian:12'"
else
	echo "# pull: skipped (this berth has no pull, or docker-registry is missing)" >&2
fi

# --- report ---
python3 - "$out" "$mb" "$size" "$work" "${results[@]}" <<'PY'
import json, re, subprocess, sys
out, mb, size, work, ops = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:]
lines = ["## Images", "",
         f"`bench/images.sh`: a minimal Debian 12 (debootstrap, one layer, {mb} MB gzip); every",
         "run into an empty store; podman and skopeo into containers-storage (overlay driver).",
         "Median wall time of hyperfine runs; MB/s = compressed size / time.", "",
         "| operation | berth | podman | skopeo | berth vs podman |",
         "| --- | --- | --- | --- | --- |"]
for op in ops:
    res = {r["command"]: r for r in json.load(open(f"{work}/{op}.json"))["results"]}
    cells = []
    for tool in ("berth", "podman", "skopeo"):
        t = res[tool]["median"]
        cells.append(f"{t:.2f} s ({size / t / 1e6:.0f} MB/s)")
    ratio = res["podman"]["median"] / res["berth"]["median"]
    lines.append(f"| {op} | " + " | ".join(cells) + f" | {ratio:.1f}x faster |")
try:
    host = subprocess.run(["uname", "-r"], capture_output=True, text=True).stdout.strip()
except OSError:
    host = "?"
lines += ["", f"Kernel {host}, 2 cores; reproduce with `bench/images.sh`.", ""]
text = open(out).read() if __import__("os").path.exists(out) else "# Benchmarks\n"
section = "\n".join(lines)
if "## Images" in text:
    text = re.sub(r"## Images\n.*?(?=\n## |\Z)", section.rstrip("\n") + "\n", text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + section
open(out, "w").write(text)
print(section)
PY
