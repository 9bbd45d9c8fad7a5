#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs inside the guest as the payload's run.sh (tests/vm/run.sh packs it): the checks of
# a host of the kind berth's users run, then the integration harness on the subset of
# tests listed in /payload/subset. Output is TAP-like, as the host harness prints it; the
# last line is "# N passed, N failed, N skipped".
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/payload/bin LC_ALL=C
cd /payload || exit 2
P=/payload
B=$P/build
passed=0 failed=0

ok() { echo "ok - guest: $1"; passed=$((passed + 1)); }
not_ok()
{
	echo "not ok - guest: $1"
	shift
	printf '%s\n' "$@" | sed 's/^/    /'
	failed=$((failed + 1))
}

echo "# guest: $(uname -r), PID 1 $(cat /proc/1/comm), $(stat -f -c %T /sys/fs/cgroup) at /sys/fs/cgroup"

# The host these tests are about: systemd as PID 1 and a pure cgroup v2 tree.
if [[ $(cat /proc/1/comm) == systemd && $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]]; then
	ok "systemd is PID 1 and /sys/fs/cgroup is cgroup2"
else
	not_ok "systemd is PID 1 and /sys/fs/cgroup is cgroup2" "$(cat /proc/1/comm)" "$(stat -f -c %T /sys/fs/cgroup)"
fi

# The README's first command, as a new user runs it: the default store, no overrides.
out=$(timeout 120 "$B/cli/berth" import "$P/busybox.tar" busybox 2>&1 &&
	timeout 120 "$B/cli/berth" run --rm busybox echo hello 2>&1)
rc=$?
if [[ $rc == 0 && $out == *hello ]]; then
	ok "berth run --rm busybox echo hello"
else
	not_ok "berth run --rm busybox echo hello" "exit $rc" "$out"
fi
timeout 60 "$B/cli/berth" rmi busybox >/dev/null 2>&1
rm -rf /var/lib/berth /run/berth

# The integration harness on the subset: one "DRIVER FILE [FILTER]" per line, DRIVER the
# engine's cgroup driver (systemd or cgroupfs).
while read -r driver file filter; do
	[[ -z "$driver" || $driver == \#* ]] && continue
	echo "# $file${filter:+ ($filter)}, the engine's $driver driver"
	out=$(BUSYBOX_TAR=$P/busybox.tar BERTH_TEST_TIMEOUT=${BERTH_TEST_TIMEOUT:-240} \
		BERTH_TEST_CGROUP_MANAGER=$driver \
		timeout -k 10 1200 "$P/tests/integration/lib.sh" --build "$B" ${filter:+"$filter"} \
		"$P/tests/integration/$file" 2>&1)
	printf '%s\n' "$out" | grep -v -E '^# [0-9]+ passed, [0-9]+ failed' |
		sed "s/^\(not ok\|ok\) - /\1 - $driver: /"
	line=$(grep -E '^# [0-9]+ passed, [0-9]+ failed' <<<"$out" | tail -n 1)
	if [[ -z "$line" ]]; then
		not_ok "$driver $file${filter:+ $filter}: the harness ended without a summary"
		continue
	fi
	p=$(sed -E 's/^# ([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/^# [0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
	passed=$((passed + p)) failed=$((failed + f))
done <"$P/subset"

# Nothing of berth is left in the guest: units, cgroups, mounts.
left=$( {
	systemctl list-units --all --no-legend --type=scope,service,slice '*berth*' 2>/dev/null
	find /sys/fs/cgroup -mindepth 1 \( -name '*berth*' -a ! -path /sys/fs/cgroup/berth \) -o \
		-path '/sys/fs/cgroup/berth/*' -type d 2>/dev/null
	grep berth /proc/self/mountinfo
} )
if [[ -z "$left" ]]; then
	ok "nothing of berth left in the guest (units, cgroups, mounts)"
else
	not_ok "nothing of berth left in the guest (units, cgroups, mounts)" "$left"
fi
echo "# $passed passed, $failed failed, 0 skipped"
((failed == 0))
