#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/vm/vm.sh: a Debian 12 guest of the kind berth's users run (systemd as PID 1, a
# pure cgroup v2 tree, Debian's own kernels), booted under QEMU, to run a payload in.
#
#   tests/vm/vm.sh prepare               once: guest image and kernels (cached; rebuilt
#                                        only when this script's guest recipe changes)
#   tests/vm/vm.sh run [-k KERNEL] DIR   pack DIR (an executable DIR/run.sh), boot, run it
#                                        as root in /payload, power off; its output comes
#                                        back on stdout, DIR-like /payload/out in
#                                        $BERTH_VM_DIR/out/files; exit status = run.sh's
#   tests/vm/vm.sh shell [-k KERNEL]     the guest's serial console (autologin root)
#   tests/vm/vm.sh kernels               the kernels prepare fetched
#
# KERNEL is a key of the kernel table below: "6.1" (Debian 12's cloud kernel, the default)
# or "5.10" (Debian 11's). The image lives in $BERTH_VM_DIR (default
# /var/cache/berth-vm), never in the source tree; the root disk is booted with
# snapshot=on, so every run starts from the same clean guest.
#
# Why QEMU's software emulation (TCG) and not KVM: the cloud machines berth is developed
# on expose a /dev/kvm that only runs specially built guest kernels; a stock Debian
# kernel boots there hundreds of times slower than under TCG. The cloud kernel flavour
# has the NVMe driver and ext4 built in, so the guest boots with no initramfs.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C

VMDIR=${BERTH_VM_DIR:-/var/cache/berth-vm}
SUITE=bookworm
MIRROR=${BERTH_VM_MIRROR:-$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
MEM=${BERTH_VM_MEM:-2048}
SMP=${BERTH_VM_SMP:-2}
TIMEOUT=${BERTH_VM_TIMEOUT:-1500}

# The guest's packages: systemd and D-Bus (the host kind under test), what berth's
# binaries link, what the integration harness uses, and containerd for its runc shim.
GUEST_PACKAGES=systemd-sysv,udev,dbus,iproute2,kmod,procps,util-linux,bash,jq,python3-minimal,libpython3.11-stdlib,libjansson4,libarchive13,libseccomp2,libcap2,libcurl4,nftables,containerd,e2fsprogs
# kernel key -> "suite metapackage": the newest kernel the metapackage depends on
KERNELS=("6.1 bookworm linux-image-cloud-amd64" "5.10 bullseye linux-image-cloud-amd64")
RECIPE_VERSION=2

log() { printf '[vm %(%T)T +%ss] %s\n' -1 "$SECONDS" "$*" >&2; }
die() { log "error: $*"; exit 2; }

# The recipe's fingerprint: a changed package list or kernel table rebuilds the image.
recipe_stamp() { printf '%s\n' "$RECIPE_VERSION" "$GUEST_PACKAGES" "${KERNELS[@]}" "$MIRROR" | sha256sum | cut -c1-16; }

# private_apt SUITE apt-get|apt-cache ARGS...: apt with a private state directory, so
# another suite's kernel never touches the host's package lists.
private_apt()
{
	local suite=$1 tool=$2
	shift 2
	mkdir -p "$VMDIR/apt/$suite/lists/partial" "$VMDIR/apt/$suite/cache/archives/partial"
	echo "deb $MIRROR $suite main" >"$VMDIR/apt/$suite/sources.list"
	"$tool" -q -o Dir::Etc::SourceList="$VMDIR/apt/$suite/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists="$VMDIR/apt/$suite/lists" \
		-o Dir::Cache="$VMDIR/apt/$suite/cache" -o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root "$@"
}

# fetch_kernel KEY SUITE META: vmlinuz-KEY in $VMDIR and its modules in the rootfs.
fetch_kernel()
{
	local key=$1 suite=$2 meta=$3 kpkg kver
	private_apt "$suite" apt-get update >/dev/null
	kpkg=$(private_apt "$suite" apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	[[ -n "$kpkg" ]] || die "no kernel behind $meta in $suite"
	rm -rf "$VMDIR/kdl" && mkdir -p "$VMDIR/kdl"
	(cd "$VMDIR/kdl" && private_apt "$suite" apt-get download "$kpkg" >/dev/null)
	# not `dpkg -x ... rootfs`: that would replace the merged-/usr /lib symlink
	dpkg -x "$VMDIR"/kdl/linux-image-*.deb "$VMDIR/kdl/x"
	kver=$(ls "$VMDIR/kdl/x/lib/modules" | head -n 1)
	mkdir -p "$VMDIR/rootfs/usr/lib/modules"
	cp -a "$VMDIR/kdl/x/lib/modules/$kver" "$VMDIR/rootfs/usr/lib/modules/"
	chroot "$VMDIR/rootfs" depmod -a "$kver"
	cp "$VMDIR/kdl/x/boot/vmlinuz-$kver" "$VMDIR/vmlinuz-$key"
	echo "$key $kver $kpkg" >>"$VMDIR/kernels.new"
	rm -rf "$VMDIR/kdl"
	log "kernel $key: $kpkg"
}

prepare()
{
	local stamp
	stamp=$(recipe_stamp)
	if [[ -f "$VMDIR/base.img" && "$(cat "$VMDIR/stamp" 2>/dev/null)" == "$stamp" ]]; then
		log "guest image cached: $VMDIR/base.img"
		return 0
	fi
	command -v qemu-system-x86_64 >/dev/null && command -v debootstrap >/dev/null &&
		command -v mkfs.ext4 >/dev/null && command -v debugfs >/dev/null ||
		die "needs qemu-system-x86, debootstrap and e2fsprogs (scripts/install-deps.sh)"
	mkdir -p "$VMDIR"
	rm -f "$VMDIR/stamp" "$VMDIR/base.img" "$VMDIR/kernels.new"
	log "debootstrap $SUITE from $MIRROR"
	rm -rf "$VMDIR/rootfs"
	debootstrap --variant=minbase --include="$GUEST_PACKAGES" "$SUITE" "$VMDIR/rootfs" \
		"$MIRROR" >"$VMDIR/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$VMDIR/debootstrap.log" >&2; die "debootstrap failed"; }
	local k
	for k in "${KERNELS[@]}"; do
		# shellcheck disable=SC2086
		fetch_kernel $k
	done
	mv "$VMDIR/kernels.new" "$VMDIR/kernels"

	local r=$VMDIR/rootfs
	echo berthvm >"$r/etc/hostname"
	printf '127.0.0.1 localhost\n127.0.1.1 berthvm\n' >"$r/etc/hosts"
	echo '/dev/nvme0n1 / ext4 rw,noatime 0 0' >"$r/etc/fstab"
	chroot "$r" passwd -d root >/dev/null
	mkdir -p "$r/etc/systemd/system/serial-getty@ttyS0.service.d"
	cat >"$r/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf" <<-'EOT'
	[Service]
	ExecStart=
	ExecStart=-/sbin/agetty --autologin root --noclear --keep-baud 115200,57600,38400,9600 %I $TERM
	EOT
	# nothing periodic, and containerd only when a test starts it
	chroot "$r" systemctl mask -q apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
		e2scrub_all.timer fstrim.timer e2scrub_reap.service
	chroot "$r" systemctl disable -q containerd.service 2>/dev/null || true
	cat >"$r/usr/local/sbin/guest-payload" <<-'EOT'
	#!/bin/sh
	# The payload's output goes to the second serial port (the host's out/result.raw).
	stty -F /dev/ttyS1 raw -echo 115200 2>/dev/null
	exec >/dev/ttyS1 2>&1
	rc=125
	mkdir -p /payload
	if mount LABEL=payload /payload; then
		mkdir -p /payload/out
		cd /payload && ./run.sh
		rc=$?
		cd /
		echo "$rc" >/payload/out/exit-code
		sync
		umount /payload
	else
		echo "guest-payload: no payload disk"
	fi
	echo "BERTH-VM-PAYLOAD-EXIT=$rc"
	systemctl poweroff --no-block
	EOT
	chmod 755 "$r/usr/local/sbin/guest-payload"
	cat >"$r/etc/systemd/system/guest-payload.service" <<-'EOT'
	[Unit]
	Description=Run the host's payload, then power off
	ConditionKernelCommandLine=berth.vm.run=1
	After=multi-user.target
	[Service]
	Type=oneshot
	ExecStart=/usr/local/sbin/guest-payload
	StandardOutput=journal+console
	[Install]
	WantedBy=multi-user.target
	EOT
	chroot "$r" systemctl enable -q guest-payload.service
	rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/*

	log "base.img (ext4 from the rootfs)"
	mkfs.ext4 -q -F -L vmroot -d "$r" "$VMDIR/base.img" 3G
	rm -rf "$r"
	echo "$stamp" >"$VMDIR/stamp"
	log "prepared: $VMDIR/base.img; kernels: $(cut -d' ' -f1,2 "$VMDIR/kernels" | paste -sd, -)"
}

# qemu_args KERNEL EXTRA_CMDLINE: fills the array QARGS.
qemu_args()
{
	local key=$1
	[[ -f "$VMDIR/vmlinuz-$key" ]] || die "no kernel '$key' (run: $0 prepare; have: $(cut -d' ' -f1 "$VMDIR/kernels" 2>/dev/null | paste -sd' ' -))"
	QARGS=(-accel tcg,thread=multi -cpu max -m "$MEM" -smp "$SMP" -no-reboot -nic none
		-kernel "$VMDIR/vmlinuz-$key"
		-append "root=/dev/nvme0n1 rw console=ttyS0 panic=-1 systemd.unified_cgroup_hierarchy=1 $2"
		-drive file="$VMDIR/base.img",if=none,id=root,format=raw,snapshot=on
		-device nvme,serial=vm,id=nvme0
		-device nvme-ns,drive=root,bus=nvme0,nsid=1)
}

run_payload()
{
	local key=6.1 pdir
	[[ ${1:-} == -k ]] && { key=$2; shift 2; }
	pdir=${1:?payload directory}
	[[ -x "$pdir/run.sh" ]] || die "$pdir/run.sh is missing or not executable"
	[[ -f "$VMDIR/base.img" ]] || die "no guest image (run: $0 prepare)"
	local out=$VMDIR/out
	rm -rf "$out"
	mkdir -p "$out/files"
	local size
	size=$(du -sm "$pdir" | cut -f1)
	mkfs.ext4 -q -F -L payload -d "$pdir" "$out/payload.img" "$((size * 2 + 256))M"
	qemu_args "$key" "berth.vm.run=1"
	log "boot kernel $key (timeout ${TIMEOUT}s)"
	local rc=0
	timeout -k 10 "$TIMEOUT" qemu-system-x86_64 "${QARGS[@]}" -display none -monitor none \
		-serial file:"$out/console.log" -serial file:"$out/result.raw" \
		-drive file="$out/payload.img",if=none,id=pl,format=raw \
		-device nvme-ns,drive=pl,bus=nvme0,nsid=2 </dev/null >"$out/qemu.log" 2>&1 || rc=$?
	log "guest off (qemu status $rc)"
	tr -d '\r' <"$out/result.raw" >"$out/result.txt" 2>/dev/null || true
	debugfs -R "rdump /out $out/files" "$out/payload.img" >/dev/null 2>&1 || true
	rm -f "$out/payload.img"
	cat "$out/result.txt"
	local prc
	prc=$(cat "$out/files/out/exit-code" 2>/dev/null || echo 124)
	if [[ $prc == 124 ]]; then
		log "the payload did not finish; the guest console's last lines:"
		tail -n 30 "$out/console.log" | tr -d '\r' >&2
	fi
	return "$prc"
}

case ${1:-} in
prepare) prepare ;;
run) shift; run_payload "$@" ;;
shell)
	shift
	key=6.1
	[[ ${1:-} == -k ]] && key=$2
	qemu_args "$key" ""
	exec qemu-system-x86_64 "${QARGS[@]}" -nographic
	;;
kernels) cat "$VMDIR/kernels" ;;
*) sed -n '4,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
