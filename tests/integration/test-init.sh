# `berth run --init`: berth-init as the container's PID 1 (docker's /sbin/docker-init),
# forwarding signals to the command, reaping orphans, passing its exit status through.

# zombies CTR: the states of the container's processes that are zombies ("Z" each)
zombies() {
	engine exec "$1" sh -c 'for f in /proc/[0-9]*/stat; do cut -d" " -f3 "$f"; done' |
		grep Z || true
}

test_init_is_pid_1_with_the_command_as_its_child() {
	import_probe_image bb
	assert_eq "/sbin/docker-init -- cat /proc/1/cmdline " \
		"$(engine run --rm --init --network none "$(cgp)" bb cat /proc/1/cmdline | tr '\0' ' ')"
	# without: the command itself
	assert_eq "cat /proc/1/cmdline " \
		"$(engine run --rm --network none "$(cgp)" bb cat /proc/1/cmdline | tr '\0' ' ')"
	# the command's parent is the init
	assert_eq 1 "$(engine run --rm --init --network none "$(cgp)" bb sh -c 'echo $PPID')"
	# read-only in the container
	run engine run --rm --init --network none "$(cgp)" bb sh -c 'echo x >/sbin/docker-init'
	assert_ne 0 "$status"
	assert_contains "$output" "Read-only file system"
	# create, then start; inspect says so, the command is still the container's
	engine create --init --name c --network none "$(cgp)" bb sleep 1000 >/dev/null
	assert_eq "true sleep [1000]" "$(engine inspect -f '{{.HostConfig.Init}} {{.Path}} {{.Args}}' c)"
	engine start c >/dev/null
	assert_eq "/sbin/docker-init -- sleep 1000 " "$(engine exec c cat /proc/1/cmdline | tr '\0' ' ')"
	engine rm -f c >/dev/null
	engine create --name plain --network none "$(cgp)" bb true >/dev/null
	assert_eq false "$(engine inspect -f '{{.HostConfig.Init}}' plain)"
	engine rm plain >/dev/null
}

test_stop_of_a_sleep_is_fast_with_init() {
	import_probe_image bb
	engine run -d --init --name fast --network none "$(cgp)" bb sleep 1000 >/dev/null
	local t0 t1
	t0=$(date +%s)
	engine stop fast >/dev/null
	t1=$(date +%s)
	# SIGTERM forwarded to sleep, which dies of it: not the 10 s until SIGKILL
	(((t1 - t0) < 5)) || fail "stop took $((t1 - t0)) s"
	assert_eq 143 "$(engine inspect -f '{{.State.ExitCode}}' fast)"
	# without an init, a PID 1 sleep has no handler: SIGTERM is ignored, SIGKILL ends it
	engine run -d --name slow --network none "$(cgp)" bb sleep 1000 >/dev/null
	t0=$(date +%s)
	engine stop -t 2 slow >/dev/null
	t1=$(date +%s)
	(((t1 - t0) >= 2)) || fail "stop of a PID 1 sleep took $((t1 - t0)) s"
	assert_eq 137 "$(engine inspect -f '{{.State.ExitCode}}' slow)"
	engine rm -f fast slow >/dev/null
}

test_init_reaps_orphans() {
	import_probe_image bb
	# the inner sh leaves its `sleep 0.3` an orphan, then PID 1 (or the init's child)
	# becomes a sleep that never waits for anything
	local cmd='sh -c "sleep 0.3 &"; exec sleep 1000'
	engine run -d --name noinit --network none "$(cgp)" bb sh -c "$cmd" >/dev/null
	engine run -d --init --name withinit --network none "$(cgp)" bb sh -c "$cmd" >/dev/null
	sleep 1
	# without an init the orphan stays a zombie of the PID 1 sleep: the test can tell
	wait_for 10 sh -c "$(engine_sh) exec noinit sh -c 'cat /proc/[0-9]*/stat' | grep -q ') Z '"
	assert_eq "" "$(zombies withinit)"
	engine rm -f noinit withinit >/dev/null
}

test_init_passes_the_exit_status_through() {
	import_probe_image bb
	run engine run --rm --init --network none "$(cgp)" bb sh -c 'exit 7'
	assert_eq 7 "$status"
	run engine run --rm --init --network none "$(cgp)" bb sh -c 'kill -9 $$'
	assert_eq 137 "$status"
	run engine run --rm --init --network none "$(cgp)" bb true
	assert_eq 0 "$status"
	run engine run --rm --init --network none "$(cgp)" bb /nonexistent
	assert_eq 127 "$status"
	assert_eq "" "$(engine ps -aq)"
}
