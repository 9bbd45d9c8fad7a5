# berth (the engine): import, images, run, ps, rm, as a docker user meets them.

# A busybox image with /probe in it, imported into this test's store as "bb".
import_bb() { import_probe_image bb; }


test_run_rm_echo_hello() {
	engine import "$BUSYBOX_TAR" busybox
	run engine run --rm "$(cgp)" busybox echo hello
	assert_eq 0 "$status" "$output"
	assert_eq hello "$output"
	# --rm leaves nothing: no record, no upper dir, no runtime state
	assert_eq "" "$(ls -A "$BERTH_STORE/containers")"
	assert_eq "" "$(ls -A "$BERTH_STORE/run" 2>/dev/null)"
}

test_images_lists_the_import() {
	engine import "$BUSYBOX_TAR" busybox:1.0
	run engine images
	assert_contains "$output" "REPOSITORY"
	assert_contains "$output" "busybox"
	assert_contains "$output" "1.0"
}

test_exit_codes_like_docker() {
	import_bb
	run engine run --rm "$(cgp)" bb sh -c 'exit 7'
	assert_eq 7 "$status"
	run engine run --rm "$(cgp)" bb nosuchcommand
	assert_eq 127 "$status"
	assert_contains "$output" "executable file not found"
	run engine run --rm "$(cgp)" bb /etc
	assert_eq 126 "$status"
	run engine run --rm "$(cgp)" nosuchimage true
	assert_eq 125 "$status"
	assert_contains "$output" "nosuchimage"
	run engine run --rm --memory=nonsense "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "memory"
	run engine frobnicate
	assert_eq 125 "$status"
	assert_eq "" "$(ls -A "$BERTH_STORE/containers" 2>/dev/null)"
}

test_memory_limit_oom_is_137() {
	import_bb
	run engine run --rm -m 32m "$(cgp)" bb /probe alloc 200
	assert_eq 137 "$status" "$output"
}

test_pids_limit_stops_fork_loop() {
	import_bb
	run engine run --rm --pids-limit 10 "$(cgp)" bb /probe forkbomb 100
	assert_contains "$output" "fork failed: EAGAIN"
}

test_cpus_sets_quota() {
	import_bb
	if [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]]; then
		# a pure cgroup v2 host: the container's own cgroup is its /sys/fs/cgroup
		run engine run --rm --cpus 1.5 "$(cgp)" bb cat /sys/fs/cgroup/cpu.max
		assert_eq "150000 100000" "$output"
		return 0
	fi
	run engine run --rm --cpus 1.5 "$(cgp)" bb cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us
	assert_eq 150000 "$output"
}

test_env_workdir_user_hostname() {
	import_bb
	run engine run --rm -e FOO=bar -w /tmp -u nobody -h berthbox "$(cgp)" bb \
		sh -c 'echo $FOO; pwd; id -u; hostname; cat /etc/hostname'
	assert_eq 0 "$status" "$output"
	assert_eq "bar
/tmp
65534
berthbox
berthbox" "$output"
	run engine run --rm -u 1234:5678 "$(cgp)" bb /probe ids
	assert_contains "$output" "uid=1234 gid=5678"
	run engine run --rm -u nosuchuser "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "nosuchuser"
}

test_isolation_defaults() {
	import_bb
	run engine run --rm "$(cgp)" bb /probe ps
	assert_eq 1 "$output"
	run engine run --rm "$(cgp)" bb /probe caps
	# docker's default set: 0x00000000a80425fb
	assert_contains "$output" "CapBnd:	00000000a80425fb"
	run engine run --rm "$(cgp)" bb /probe writable /proc/sys/kernel/domainname
	assert_eq readonly "$output"
	# a network namespace of its own: loopback, and eth0 on the default bridge network
	run engine run --rm "$(cgp)" bb cat /proc/net/dev
	assert_contains "$output" "lo:"
	assert_contains "$output" "eth0"
	run engine run --rm --network none "$(cgp)" bb cat /proc/net/dev
	assert_contains "$output" "lo:"
	assert_not_contains "$output" "eth0"
}

test_stopped_container_stays_until_rm() {
	import_bb
	engine run --name keeper "$(cgp)" bb sh -c 'echo data > /kept; exit 3' || true
	run engine ps -a
	assert_contains "$output" "keeper"
	assert_contains "$output" "Exited (3)"
	run engine ps
	assert_not_contains "$output" "keeper"
	# its upper layer holds what it wrote
	local id
	id=$(engine ps -aq)
	assert_eq data "$(cat "$BERTH_STORE/containers/$id"*/upper/kept)"
	run engine run --name keeper "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "already in use"
	engine rm keeper
	assert_eq "" "$(engine ps -aq)"
	run engine rm keeper
	assert_eq 1 "$status"
	assert_contains "$output" "no such container"
}

test_rm_force_kills_running_container() {
	import_bb
	engine run --name sleeper "$(cgp)" bb sleep 60 &
	local bpid=$!
	wait_for 10 sh -c "$(engine_sh) ps | grep -q sleeper"
	run engine rm sleeper
	assert_eq 1 "$status"
	assert_contains "$output" "running"
	engine rm -f sleeper
	status=0
	wait "$bpid" || status=$?
	assert_eq 137 "$status"
	assert_eq "" "$(engine ps -aq)"
}

test_tty_gives_a_terminal() {
	import_bb
	run script -qec "$(engine_sh) run --rm -t $(cgp) bb /probe tty" /dev/null
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "0:tty 1:tty 2:tty"
	run engine run --rm "$(cgp)" bb /probe tty
	assert_contains "$output" "0:notty"
}

test_interactive_stdin() {
	import_bb
	run sh -c "echo from-stdin | $(engine_sh) run --rm -i $(cgp) bb cat"
	assert_eq from-stdin "$output"
	run sh -c "echo from-stdin | $(engine_sh) run --rm $(cgp) bb cat"
	assert_eq "" "$output"
}

test_cpus_above_the_online_cpus_is_refused() {
	import_bb
	local n
	n=$(getconf _NPROCESSORS_ONLN)
	# as docker: from 0.01 to the number of online CPUs, and nothing created otherwise
	for cpus in $((n + 1)) "$n.5" 0.001; do
		run engine run --rm --cpus "$cpus" "$(cgp)" bb true
		assert_eq 125 "$status" "--cpus $cpus: $output"
		assert_contains "$output" "range of CPUs is from 0.01 to $n.00, as there are only $n CPUs available"
		run engine create --cpus "$cpus" "$(cgp)" bb true
		assert_eq 125 "$status" "create --cpus $cpus: $output"
	done
	assert_eq "" "$(engine ps -aq)"
	run engine run --rm --cpus "$n" "$(cgp)" bb echo ok
	assert_eq 0 "$status" "$output"
	assert_eq ok "$output"
}

test_exec_at_the_pids_limit_names_the_exec_process() {
	import_bb
	# three sleeps and the shell, which becomes a fourth, fill a limit of 4
	engine run -d --name full --pids-limit 4 "$(cgp)" bb \
		sh -c 'sleep 1000 & sleep 1000 & sleep 1000 & exec sleep 1000' >/dev/null
	wait_for 10 sh -c "! $(engine_sh) exec full true"
	run engine exec full true
	engine rm -f full >/dev/null
	assert_ne 0 "$status" "$output"
	assert_contains "$output" "clone the exec process: Resource temporarily unavailable"
	assert_not_contains "$output" "init"
}
