#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The systemd cgroup driver (lib/runtime/cgroup-systemd.c), on a host where systemd is the
# init system with the unified cgroup hierarchy (the guest of tests/vm): berth-runtime
# --systemd-cgroup puts the container in a transient scope, with its resources as unit
# properties and in the cgroup files, and delete leaves no unit behind. Skipped where
# systemd is not running.

need_systemd() {
	[[ -d /run/systemd/system && $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]] ||
		skip "needs systemd as the init system and a pure cgroup v2 host (tests/vm)"
}

# unit NAME PROPERTY: one property of a unit, as systemctl shows it
unit_prop() {
	systemctl show -P "$2" "$1"
}

# The slice of this run's scopes: the harness's own (BERTH_TEST_CGROUP_MANAGER=systemd:
# its leak checks cover it), else system.slice.
sd_slice() {
	if [[ $BERTH_TEST_CGROUP == *.slice ]]; then
		echo "${BERTH_TEST_CGROUP#/}"
	else
		echo system.slice
	fi
}

# A bundle whose container is the scope "berthtest-ID.scope" in sd_slice.
sd_bundle() {
	local b=$1 id=$2
	shift 2
	make_bundle "$b" "$@"
	jq_edit "$b/config.json" '.linux.cgroupsPath = $p' --arg p "$(sd_slice):berthtest:$id"
}

sd_unit() {
	echo "berthtest-$1.scope"
}

test_scope_lifecycle_and_resources() {
	need_systemd
	local b="$BERTH_TEST_TMP/s1" u pid cg
	u=$(sd_unit s1)
	sd_bundle "$b" s1 /bin/sleep 100
	jq_edit "$b/config.json" '.linux.resources.cpu = {"quota": 50000, "period": 100000, "shares": 512}
		| .linux.resources.memory = {"limit": 67108864, "reservation": 33554432}
		| .linux.resources.pids = {"limit": 42}'
	rt --systemd-cgroup create --bundle "$b" s1
	# the scope runs while the container does, delegated, with the init in it
	assert_eq active "$(unit_prop "$u" ActiveState)"
	assert_eq yes "$(unit_prop "$u" Delegate)"
	cg=/sys/fs/cgroup/$(sd_slice)/$u
	assert_eq "/$(sd_slice)/$u" "$(unit_prop "$u" ControlGroup)"
	assert_eq "$(sd_slice)" "$(unit_prop "$u" Slice)"
	pid=$(rt state s1 | jq .pid)
	assert_eq "0::/$(sd_slice)/$u" "$(cat /proc/"$pid"/cgroup)"
	# the resources as unit properties and in the cgroup's files
	assert_eq 67108864 "$(unit_prop "$u" MemoryMax)"
	assert_eq 33554432 "$(unit_prop "$u" MemoryLow)"
	assert_eq 42 "$(unit_prop "$u" TasksMax)"
	assert_eq 500ms "$(unit_prop "$u" CPUQuotaPerSecUSec)"
	assert_eq 20 "$(unit_prop "$u" CPUWeight)"
	assert_eq 67108864 "$(cat "$cg/memory.max")"
	assert_eq 33554432 "$(cat "$cg/memory.low")"
	assert_eq 42 "$(cat "$cg/pids.max")"
	assert_eq "50000 100000" "$(cat "$cg/cpu.max")"
	assert_eq strict "$(unit_prop "$u" DevicePolicy)"
	rt start s1
	# update goes to systemd and to the files
	rt --systemd-cgroup update --memory 134217728 --pids-limit 50 s1
	assert_eq 134217728 "$(unit_prop "$u" MemoryMax)"
	assert_eq 134217728 "$(cat "$cg/memory.max")"
	assert_eq 50 "$(unit_prop "$u" TasksMax)"
	assert_eq 50 "$(cat "$cg/pids.max")"
	# pause and resume freeze the scope's cgroup
	rt pause s1
	assert_eq paused "$(rt state s1 | jq -r .status)"
	assert_eq 1 "$(cat "$cg/cgroup.freeze")"
	rt resume s1
	assert_eq running "$(rt state s1 | jq -r .status)"
	# ps and the stats read the scope
	assert_contains "$(rt ps --format json s1)" "$pid"
	run rt events --stats s1
	assert_eq 0 "$status" "$output"
	assert_eq 134217728 "$(jq -r .data.memory.usage.limit <<<"$output")" "$output"
	# delete stops the unit: nothing is left of it
	rt delete --force s1
	[[ -z $(systemctl list-units --all --no-legend "$u") ]]
	[ ! -d "$cg" ]
}

test_devices_through_the_scope() {
	need_systemd
	local b="$BERTH_TEST_TMP/s2"
	# /dev/null is allowed; /dev/mem, made in the container without a rule, is not
	sd_bundle "$b" s2 sh -c 'echo x >/dev/null && echo null-ok; head -c1 /dev/mem >/dev/null 2>&1 || echo mem-denied'
	jq_edit "$b/config.json" '.linux.devices = [{"path": "/dev/mem", "type": "c", "major": 1, "minor": 1, "fileMode": 438}]'
	run rt --systemd-cgroup run --bundle "$b" s2
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "null-ok"
	assert_contains "$output" "mem-denied"
	[[ -z $(systemctl list-units --all --no-legend "$(sd_unit s2)") ]]
}

test_oom_kill_is_137_and_no_failed_unit_stays() {
	need_systemd
	local b="$BERTH_TEST_TMP/s3"
	sd_bundle "$b" s3 /probe alloc 200
	jq_edit "$b/config.json" '.linux.resources.memory = {"limit": 33554432}'
	run rt --systemd-cgroup run --bundle "$b" s3
	assert_eq 137 "$status" "$output"
	# an OOM kill fails the unit; it is collected all the same
	[[ -z $(systemctl list-units --all --no-legend "$(sd_unit s3)") ]]
	# and the name can be used again at once
	jq_edit "$b/config.json" '.process.args = ["/probe", "alloc", "8"]'
	run rt --systemd-cgroup run --bundle "$b" s3
	assert_eq 0 "$status" "$output"
}

test_bad_cgroups_paths_are_refused() {
	need_systemd
	local b="$BERTH_TEST_TMP/s4" p
	make_bundle "$b" /probe exit 0
	for p in "onlyname" "a:b" "a:b:c:d" "nodot:berth:x" "system.slice:berth:x.slice" "system.slice:berth:"; do
		jq_edit "$b/config.json" '.linux.cgroupsPath = $p' --arg p "$p"
		run rt --systemd-cgroup run --bundle "$b" s4
		assert_eq 1 "$status" "$p: $output"
		assert_contains "$output" "cgroupsPath '$p'"
		[ ! -e "$RUNTIME_ROOT/s4" ]
	done
}

test_a_scope_name_in_use_is_refused() {
	need_systemd
	local b="$BERTH_TEST_TMP/s5" c="$BERTH_TEST_TMP/s6"
	sd_bundle "$b" same /bin/sleep 100
	sd_bundle "$c" same /probe exit 0
	rt --systemd-cgroup run -d --bundle "$b" s5
	run rt --systemd-cgroup run --bundle "$c" s6
	assert_eq 1 "$status" "$output"
	assert_contains "$output" "unit '$(sd_unit same)' already exists"
	[ ! -e "$RUNTIME_ROOT/s6" ]
	# the first container is untouched: its scope, its process
	assert_eq running "$(rt state s5 | jq -r .status)"
	assert_eq active "$(unit_prop "$(sd_unit same)" ActiveState)"
	kill -0 "$(rt state s5 | jq .pid)"
	rt delete --force s5
	[[ -z $(systemctl list-units --all --no-legend "$(sd_unit same)") ]]
}

# The engine: with the systemd driver each container is the scope berth-<id>.scope in
# the --cgroup-parent slice (this run's; system.slice by default), as docker's are.
test_engine_containers_are_scopes() {
	need_systemd
	import_probe_image
	local id u slice=${BERTH_TEST_CGROUP#/}
	id=$("$BERTH" --root "$BERTH_STORE" --cgroup-manager systemd run -d --cgroup-parent "$slice" \
		--memory 64m --pids-limit 30 bb sleep 100)
	u=berth-$id.scope
	assert_eq active "$(unit_prop "$u" ActiveState)"
	assert_eq "$slice" "$(unit_prop "$u" Slice)"
	assert_eq 67108864 "$(unit_prop "$u" MemoryMax)"
	assert_eq 30 "$(unit_prop "$u" TasksMax)"
	assert_eq "$slice" "$(engine inspect -f '{{.HostConfig.CgroupParent}}' "$id")"
	run engine stats --no-stream "$id"
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "64MiB"
	engine pause "$id"
	assert_eq 1 "$(cat "/sys/fs/cgroup$BERTH_TEST_CGROUP/$u/cgroup.freeze")"
	engine unpause "$id"
	engine rm -f "$id" >/dev/null
	[[ -z $(systemctl list-units --all --no-legend "$u") ]]
}

test_engine_default_driver_follows_the_host() {
	need_systemd
	import_probe_image
	# no --cgroup-manager: systemd on this host; a cgroupfs parent is refused as docker
	# refuses it, before anything is made
	run "$BERTH" --root "$BERTH_STORE" run --rm --cgroup-parent /not-a-slice bb true
	assert_eq 125 "$status"
	assert_contains "$output" 'cgroup-parent for systemd cgroup should be a valid slice named as "xxx.slice"'
	assert_eq "" "$(engine ps -aq)"
	# and a plain run lands in system.slice
	run "$BERTH" --root "$BERTH_STORE" run --rm bb cat /proc/self/cgroup
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "0::/"
	run "$BERTH" --root "$BERTH_STORE" --cgroup-manager cgroupfs run --rm bb true
	assert_eq 0 "$status" "$output"
	run "$BERTH" --root "$BERTH_STORE" --cgroup-manager nope run --rm bb true
	assert_eq 125 "$status"
	assert_contains "$output" "unknown cgroup manager 'nope'"
}

# Containers racing for one scope name: exactly one gets it, and the losers' failure
# paths leave the winner's scope and process alone (they did not start the unit, so they
# do not stop it).
test_racing_for_a_scope_name_one_wins() {
	need_systemd
	local round i ok winner
	sd_bundle "$BERTH_TEST_TMP/r" race /bin/sleep 100
	for round in $(seq 1 10); do
		for i in 1 2 3 4; do
			rt --systemd-cgroup run -d --bundle "$BERTH_TEST_TMP/r" "r$round-$i" \
				>"$BERTH_TEST_TMP/out-$i" 2>&1 &
		done
		wait || true
		ok=0 winner=""
		for i in 1 2 3 4; do
			if [[ -e $RUNTIME_ROOT/r$round-$i ]]; then
				ok=$((ok + 1))
				winner=r$round-$i
			else
				assert_contains "$(cat "$BERTH_TEST_TMP/out-$i")" "already exists"
			fi
		done
		assert_eq 1 "$ok" "round $round: $(cat "$BERTH_TEST_TMP"/out-*)"
		assert_eq running "$(rt state "$winner" | jq -r .status)"
		assert_eq active "$(unit_prop "$(sd_unit race)" ActiveState)"
		rt delete --force "$winner"
		[[ -z $(systemctl list-units --all --no-legend "$(sd_unit race)") ]]
	done
}
