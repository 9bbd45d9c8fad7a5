# SPDX-License-Identifier: LGPL-2.1-or-later
# Self-test of the integration harness. Uses runc explicitly (not berth-runtime), so it
# proves the harness, make_bundle and the busybox rootfs work on their own.

setup_file()
{
	BERTH_RUNTIME=$(command -v runc)
	export BERTH_RUNTIME
}

test_make_bundle_runs_probe_under_runc()
{
	make_bundle "$BERTH_TEST_TMP/hello"
	assert_file_exists "$BERTH_TEST_TMP/hello/rootfs/probe"
	assert_file_exists "$BERTH_TEST_TMP/hello/rootfs/bin/sh"
	assert_eq '["/probe","hostname"]' "$(jq -c .process.args "$BERTH_TEST_TMP/hello/config.json")"
	assert_eq "$BERTH_TEST_CGROUP/hello" "$(jq -r .linux.cgroupsPath "$BERTH_TEST_TMP/hello/config.json")"
	assert_status 0 rt run --bundle "$BERTH_TEST_TMP/hello" hello
	assert_eq "runc" "$output"
	# run (not -d) deletes the container when it exits
	assert_eq "" "$(ls -A "$RUNTIME_ROOT")"
}

test_make_bundle_args_and_exit_status()
{
	make_bundle "$BERTH_TEST_TMP/b" /bin/sh -c 'echo "a b"; /probe exit 7'
	jq_edit "$BERTH_TEST_TMP/b/config.json" '.hostname = "h1"'
	assert_eq '["/bin/sh","-c","echo \"a b\"; /probe exit 7"]' \
		"$(jq -c .process.args "$BERTH_TEST_TMP/b/config.json")"
	assert_status 7 rt run --bundle "$BERTH_TEST_TMP/b" b
	assert_eq "a b" "$output"
}

test_detached_container_cleaned_up_by_test()
{
	make_bundle "$BERTH_TEST_TMP/d" /probe sleep 60
	rt run -d --bundle "$BERTH_TEST_TMP/d" d </dev/null >/dev/null 2>&1
	assert_eq running "$(rt state d | jq -r .status)"
	rt delete -f d
	run rt state d
	assert_ne 0 "$status"
}
