# berth-runtime behaves as runc where tools (containerd, podman, runc's own test suite)
# depend on it: exit codes, messages, options, defaults.

has_status() { # id status
	[ "$(rt state "$1" 2>/dev/null | jq -r .status)" = "$2" ]
}

start_sleeper() { # id
	make_bundle "$BERTH_TEST_TMP/$1" /probe sleep 60
	rt run -d --bundle "$BERTH_TEST_TMP/$1" "$1"
}

test_run_keep_leaves_the_stopped_container() {
	make_bundle "$BERTH_TEST_TMP/keep" /probe exit 3
	run rt run --keep --bundle "$BERTH_TEST_TMP/keep" keep
	assert_eq 3 "$status" "$output"
	assert_eq stopped "$(rt state keep | jq -r .status)"
	# and its cgroup, until delete
	[ -d "/sys/fs/cgroup/pids$BERTH_TEST_CGROUP/keep" ]
	assert_eq max "$(cat "/sys/fs/cgroup/pids$BERTH_TEST_CGROUP/keep/pids.max")"
	rt delete keep
	run rt state keep
	assert_eq 1 "$status"
	[ ! -d "/sys/fs/cgroup/pids$BERTH_TEST_CGROUP/keep" ]
	# without --keep nothing is left
	run rt run --bundle "$BERTH_TEST_TMP/keep" keep
	assert_eq 3 "$status" "$output"
	run rt state keep
	assert_eq 1 "$status"
	# create has no --keep
	run rt create --keep --bundle "$BERTH_TEST_TMP/keep" keep
	assert_eq 1 "$status"
	assert_contains "$output" "--keep"
}

test_ps_of_a_stopped_container_is_empty() {
	start_sleeper ps2
	rt kill ps2 KILL
	wait_for 5 has_status ps2 stopped
	run rt ps ps2
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "PID"
	assert_not_contains "$output" "/probe sleep"
	assert_eq "[]" "$(rt ps --format json ps2)"
	rt delete ps2
}
