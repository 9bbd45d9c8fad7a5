# berth-runtime verbs on a running container: exec, pause/resume, ps, update, events, features.

has_status() { # id status
	[ "$(rt state "$1" 2>/dev/null | jq -r .status)" = "$2" ]
}

start_sleeper() { # id
	make_bundle "$BERTH_TEST_TMP/$1" /probe sleep 60
	rt run -d --bundle "$BERTH_TEST_TMP/$1" "$1"
}

test_exec_joins_the_container() {
	start_sleeper e1
	run rt exec e1 /probe ps
	assert_eq 0 "$status" "$output"
	# the init (pid 1) and the exec'd process itself
	assert_eq "1 2" "$output"
	run rt exec e1 /probe hostname
	assert_eq "$(jq -r .hostname "$BERTH_TEST_TMP/e1/config.json")" "$output"
	run rt exec e1 /probe cgroup
	assert_contains "$output" "memory:/"
	run rt exec -u 65534:65534 --env FOO=bar --cwd /tmp e1 /bin/sh -c 'id -u; echo $FOO; pwd'
	assert_eq "65534
bar
/tmp" "$output"
	run rt exec e1 sh -c 'exit 5'
	assert_eq 5 "$status"
	run rt exec e1 nosuchprogram
	assert_eq 255 "$status"
	assert_contains "$output" "executable file not found"
	rt delete --force e1
}

test_exec_inheritable_caps_empty_and_not_dumpable() {
	start_sleeper e2
	jq_edit "$BERTH_TEST_TMP/e2/config.json" '.process.capabilities.inheritable = ["CAP_KILL"]'
	run rt exec e2 /probe caps
	assert_contains "$output" "CapInh:	0000000000000000"
	run rt exec --cap CAP_SYS_ADMIN e2 /probe caps
	assert_contains "$output" "CapEff:	00000000202"
	rt delete --force e2
}

test_exec_detached_with_pid_file_and_tty() {
	start_sleeper e3
	rt exec -d --pid-file "$BERTH_TEST_TMP/exec.pid" e3 /probe sleep 30
	local pid
	pid=$(cat "$BERTH_TEST_TMP/exec.pid")
	grep -qx "$pid" "/sys/fs/cgroup/pids$BERTH_TEST_CGROUP/e3/cgroup.procs"
	run script -qec "$BERTH_RUNTIME --root $RUNTIME_ROOT exec -t e3 /probe tty" /dev/null
	assert_contains "$output" "0:tty 1:tty 2:tty"
	rt delete --force e3
	[ ! -d "/sys/fs/cgroup/pids$BERTH_TEST_CGROUP/e3" ]
}

test_exec_in_stopped_container_refused() {
	make_bundle "$BERTH_TEST_TMP/e4" /probe exit 0
	rt create --bundle "$BERTH_TEST_TMP/e4" e4
	rt start e4
	wait_for 5 has_status e4 stopped
	run rt exec e4 /probe pid
	assert_eq 255 "$status"
	assert_contains "$output" "stopped"
	rt delete e4
}

test_pause_resume() {
	start_sleeper p1
	rt pause p1
	assert_eq paused "$(rt state p1 | jq -r .status)"
	assert_eq FROZEN "$(cat "/sys/fs/cgroup/freezer$BERTH_TEST_CGROUP/p1/freezer.state")"
	run rt pause p1
	assert_eq 1 "$status"
	assert_contains "$output" "paused"
	rt resume p1
	assert_eq running "$(rt state p1 | jq -r .status)"
	assert_eq THAWED "$(cat "/sys/fs/cgroup/freezer$BERTH_TEST_CGROUP/p1/freezer.state")"
	# a paused container can still be deleted with --force
	rt pause p1
	rt delete --force p1
	[ ! -d "/sys/fs/cgroup/freezer$BERTH_TEST_CGROUP/p1" ]
}

test_ps_lists_container_processes() {
	start_sleeper ps1
	local pid
	pid=$(rt state ps1 | jq .pid)
	assert_eq "[$pid]" "$(rt ps --format json ps1)"
	run rt ps ps1
	assert_contains "$output" "PID"
	assert_contains "$output" "/probe sleep 60"
	rt delete --force ps1
}

test_update_changes_limits() {
	start_sleeper u1
	rt update --memory 128m --pids-limit 33 --cpu-quota 20000 --cpu-period 100000 u1
	assert_eq 134217728 "$(cat "/sys/fs/cgroup/memory$BERTH_TEST_CGROUP/u1/memory.limit_in_bytes")"
	assert_eq 33 "$(cat "/sys/fs/cgroup/pids$BERTH_TEST_CGROUP/u1/pids.max")"
	assert_eq 20000 "$(cat "/sys/fs/cgroup/cpu$BERTH_TEST_CGROUP/u1/cpu.cfs_quota_us")"
	rt delete --force u1
}

test_events_stats_and_oom() {
	make_bundle "$BERTH_TEST_TMP/ev" /bin/sh -c 'sleep 1; /probe alloc 200; sleep 60'
	jq_edit "$BERTH_TEST_TMP/ev/config.json" '.linux.resources.memory = {"limit": 33554432}'
	rt run -d --bundle "$BERTH_TEST_TMP/ev" ev
	run rt events --stats ev
	assert_eq 33554432 "$(echo "$output" | jq .data.memory.usage.limit)"
	[ "$(echo "$output" | jq .data.pids.current)" -ge 1 ]
	"$BERTH_RUNTIME" --root "$RUNTIME_ROOT" events --interval 10s ev > "$BERTH_TEST_TMP/events" &
	local epid=$!
	wait_for 10 grep -q '"type":"oom"' "$BERTH_TEST_TMP/events"
	kill "$epid"
	wait "$epid" || true
	rt delete --force ev
}

test_features_document() {
	run rt features
	assert_eq 0 "$status"
	echo "$output" | jq -e '.ociVersionMax == "1.2.0" and (.linux.namespaces | index("user")) != null
		and (.linux.capabilities | index("CAP_SYS_ADMIN")) != null'
	# implemented: idmapped mounts ("idmap"/"ridmap") and the rdma controller
	echo "$output" | jq -e '.linux.mountExtensions.idmap.enabled == true
		and .linux.cgroup.rdma == true'
}

test_exec_process_file() {
	start_sleeper e5
	cat > "$BERTH_TEST_TMP/process.json" <<'JSON'
{"terminal": false, "user": {"uid": 65534, "gid": 65534}, "args": ["/probe", "ids"],
 "env": ["PATH=/bin"], "cwd": "/tmp", "capabilities": {"bounding": ["CAP_KILL"]}}
JSON
	run rt exec --process "$BERTH_TEST_TMP/process.json" e5
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "uid=65534 gid=65534"
	echo '{"args": 5, "cwd": "/"}' > "$BERTH_TEST_TMP/bad.json"
	run rt exec --process "$BERTH_TEST_TMP/bad.json" e5
	assert_eq 255 "$status"
	assert_contains "$output" "process.args"
	rt delete --force e5
}

test_update_resources_file() {
	start_sleeper u2
	echo '{"memory": {"limit": 100663296}, "pids": {"limit": 21}, "cpu": {"shares": 256}}' |
		rt update --resources - u2
	assert_eq 100663296 "$(cat "/sys/fs/cgroup/memory$BERTH_TEST_CGROUP/u2/memory.limit_in_bytes")"
	assert_eq 21 "$(cat "/sys/fs/cgroup/pids$BERTH_TEST_CGROUP/u2/pids.max")"
	assert_eq 256 "$(cat "/sys/fs/cgroup/cpu$BERTH_TEST_CGROUP/u2/cpu.shares")"
	run sh -c "echo '{\"pids\": {\"limit\": \"x\"}}' | '$BERTH_RUNTIME' --root '$RUNTIME_ROOT' update --resources - u2"
	assert_eq 1 "$status"
	assert_contains "$output" "pids.limit"
	rt delete --force u2
}

test_kill_stopped_container_like_runc() {
	make_bundle "$BERTH_TEST_TMP/k1" /probe exit 0
	rt create --bundle "$BERTH_TEST_TMP/k1" k1
	rt start k1
	wait_for 5 has_status k1 stopped
	# containerd's shim relies on both behaviours
	run rt kill --all k1 KILL
	assert_eq 0 "$status" "$output"
	run rt kill k1 TERM
	assert_eq 1 "$status"
	assert_contains "$output" "container not running"
	rt delete k1
}

test_create_in_frozen_cgroup_fails_instead_of_hanging() {
	local cg="/sys/fs/cgroup/freezer$BERTH_TEST_CGROUP/fz"
	mkdir -p "$cg"
	echo FROZEN > "$cg/freezer.state"
	make_bundle "$BERTH_TEST_TMP/fz" /probe exit 0
	run timeout 20 "$BERTH_RUNTIME" --root "$RUNTIME_ROOT" run -d --bundle "$BERTH_TEST_TMP/fz" fz
	echo THAWED > "$cg/freezer.state"
	assert_eq 1 "$status" "$output"
	assert_contains "$output" "frozen"
	[ ! -e "$RUNTIME_ROOT/fz" ]
	# the pre-existing cgroup was not ours to remove
	[ -d "$cg" ]
	for h in /sys/fs/cgroup/*"$BERTH_TEST_CGROUP"/fz; do rmdir "$h" 2>/dev/null || true; done
}

test_kill_signal_zero_checks_liveness() {
	start_sleeper k0
	rt kill k0 0
	rt kill --all k0 0
	assert_eq running "$(rt state k0 | jq -r .status)"
	rt delete --force k0
}

test_delete_force_kills_an_init_frozen_elsewhere() {
	local cg="/sys/fs/cgroup/freezer$BERTH_TEST_CGROUP/foreign" pid
	start_sleeper fe
	pid=$(rt state fe | jq .pid)
	# someone moves the init into a frozen freezer cgroup of their own: SIGKILL stays
	# pending there, so delete must bring it back into the container's cgroup to kill it
	mkdir -p "$cg"
	echo "$pid" > "$cg/cgroup.procs"
	echo FROZEN > "$cg/freezer.state"
	run timeout 30 "$BERTH_RUNTIME" --root "$RUNTIME_ROOT" delete --force fe
	echo THAWED > "$cg/freezer.state"
	assert_eq 0 "$status" "$output"
	[ ! -e "/proc/$pid" ] || [ "$(awk '{print $3}' "/proc/$pid/stat")" = Z ]
	[ ! -e "$RUNTIME_ROOT/fe" ]
	# and the foreign cgroup is empty again
	assert_eq "" "$(cat "$cg/cgroup.procs")"
	rmdir "$cg"
}
