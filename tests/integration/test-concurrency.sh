# berth (the engine) under many clients at once and processes killed at any moment:
# names stay unique, no image goes under a container, nothing is left half made.

# N background jobs of `engine ARGS...`, each writing its exit status and output to
# $BERTH_TEST_TMP/par.<i>; waits for all of them.
parallel_engine()
{
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		(
			st=0
			out=$(engine "$@" 2>&1) || st=$?
			echo "$st $out" >"$BERTH_TEST_TMP/par.$i"
		) &
	done
	wait
}

# engine_bg ARGS...: the engine in the background as $! itself (not a subshell running
# it), so that kill -9 $! kills the engine
engine_bg()
{
	(exec "$BERTH" --root "$BERTH_STORE" ${BERTH_TEST_CGROUP_MANAGER:+--cgroup-manager "$BERTH_TEST_CGROUP_MANAGER"} "$@" >/dev/null 2>&1) &
}

# how many of the parallel_engine results begin with STATUS
count_status()
{
	cat "$BERTH_TEST_TMP"/par.* | grep -c "^$1 " || true
}

test_one_container_per_name_under_concurrency() {
	import_probe_image bb
	local round
	for round in 1 2 3; do
		# create, then run -d
		rm -f "$BERTH_TEST_TMP"/par.*
		parallel_engine 20 create --name same2 --network none "$(cgp)" bb true
		assert_eq 1 "$(count_status 0)" "create round $round"
		assert_eq 19 "$(count_status 125)"
		assert_eq 1 "$(engine ps -aq | wc -l)"
		engine rm same2 >/dev/null
		rm -f "$BERTH_TEST_TMP"/par.*
		parallel_engine 16 run -d --name same --network none "$(cgp)" bb sleep 30
		assert_eq 1 "$(count_status 0)" "round $round: $(cat "$BERTH_TEST_TMP"/par.*)"
		assert_eq 15 "$(count_status 125)" "round $round"
		grep -h "^125 " "$BERTH_TEST_TMP"/par.* | while read -r line; do
			assert_contains "$line" 'The container name "/same" is already in use by container'
		done
		assert_eq 1 "$(engine ps -aq | wc -l)"
		assert_eq /same "$(engine inspect -f '{{.Name}}' "$(engine ps -aq)")"
		engine rm -f same >/dev/null
	done
	# nothing left half made by the losers
	assert_eq "" "$(ls -A "$BERTH_STORE/containers")"
}

test_rmi_racing_run_never_takes_the_image_from_a_container() {
	import_probe_image uimg
	local i out
	for ((i = 0; i < 30; i++)); do
		engine run -d --name "rr$i" --network none "$(cgp)" uimg sleep 100 \
			>"$BERTH_TEST_TMP/run.$i" 2>&1 &
		# the removal lands at a different point of the creation each time
		sleep "0.00$((i % 8))"
		engine rmi -f uimg >/dev/null 2>&1
		wait $! || true
		out=$(cat "$BERTH_TEST_TMP/run.$i")
		if engine inspect "rr$i" >/dev/null 2>&1; then
			# it won: it runs on its image's files, and the image stays for it
			assert_eq running "$(engine inspect -f '{{.State.Status}}' "rr$i")" "$out"
			run engine exec "rr$i" ls /bin/busybox
			assert_eq 0 "$status" "try $i: $output"
			assert_eq /bin/busybox "$output"
			engine rm -f "rr$i" >/dev/null
		else
			# the rmi won: a clear error, nothing left
			assert_contains "$out" "uimg" "try $i"
		fi
		assert_eq "" "$(ls -A "$BERTH_STORE/containers" 2>/dev/null || true)" "try $i"
		engine image prune -f >/dev/null
		engine import "$BERTH_TEST_TMP/bb.tar" uimg >/dev/null
	done
}

test_rmi_force_of_an_image_a_stopped_container_uses_keeps_it() {
	import_probe_image uimg
	engine create --name keep --network none "$(cgp)" uimg cat /etc/passwd >/dev/null
	run engine rmi uimg
	assert_eq 1 "$status"
	assert_contains "$output" "must force"
	run engine rmi -f uimg
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "Untagged: uimg"
	assert_not_contains "$output" "Deleted"
	# the container still starts on its image, which stays until nothing uses it
	run engine start -a keep
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "root:"
	engine image prune -af >/dev/null
	run engine start -a keep
	assert_eq 0 "$status" "$output"
	# it goes with the last container that used it
	engine rm keep >/dev/null
	assert_eq "" "$(engine images -q)"
	assert_eq "" "$(ls -A "$BERTH_STORE/layers")"
}

# the monitor of a running container, by its record
monitor_of() { engine inspect -f '{{.State.Pid}}' "$1" >/dev/null; jq -r .monitor_pid "$BERTH_STORE/containers/$(engine inspect -f '{{.Id}}' "$1")/container.json"; }

in_ns() { nsenter --net="/run/netns/$BERTH_TEST_NETNS" "$@"; }

test_every_verb_works_on_a_container_whose_monitor_was_killed() {
	import_probe_image bb
	local i mon init
	for ((i = 0; i < 5; i++)); do
		engine run -d --name km -p 18081:80 "$(cgp)" bb sleep 1000 >/dev/null
		mon=$(monitor_of km)
		init=$(engine inspect -f '{{.State.Pid}}' km)
		kill -9 "$mon"
		wait_for 5 sh -c "! kill -0 $mon 2>/dev/null"
		# still running: its init lives
		assert_contains "$(engine ps)" km
		assert_eq 1 "$(ls "$BERTH_STORE/networks/bridge/leases" | wc -l)"
		case $((i % 3)) in
		0)
			# stop stops it (sleep ignores SIGTERM as pid 1: killed after 1 s)
			run engine stop -t 1 km
			assert_eq 0 "$status" "$output"
			assert_eq 1 "$(kill -0 "$init" 2>/dev/null; echo $?)"
			assert_eq exited "$(engine inspect -f '{{.State.Status}}' km)"
			assert_eq 137 "$(engine inspect -f '{{.State.ExitCode}}' km)"
			assert_eq "" "$(ls -A "$BERTH_STORE/networks/bridge/leases")"
			# and it starts again, with its port
			run engine start km
			assert_eq 0 "$status" "$output"
			assert_eq running "$(engine inspect -f '{{.State.Status}}' km)"
			engine rm -f km >/dev/null
			;;
		1)
			# rm -f removes it and all it had
			run engine rm -f km
			assert_eq 0 "$status" "$output"
			;;
		2)
			# its init dies on its own: a later verb finds it exited and reaps it
			kill -9 "$init"
			wait_for 5 sh -c "! kill -0 $init 2>/dev/null"
			run engine start km
			assert_eq 0 "$status" "$output"
			assert_eq running "$(engine inspect -f '{{.State.Status}}' km)"
			engine rm -f km >/dev/null
			;;
		esac
		assert_eq "" "$(ls -A "$BERTH_STORE/networks/bridge/leases")" "try $i"
		assert_eq "" "$(in_ns nft list map ip berth ports_tcp | grep 18081 || true)" "try $i"
		assert_eq "" "$(ls -A "$BERTH_STORE/run" 2>/dev/null || true)" "try $i"
		# the port is free for the next one
		run engine run -d --name next -p 18081:80 "$(cgp)" bb sleep 1000
		assert_eq 0 "$status" "try $i: $output"
		engine rm -f next >/dev/null
	done
}

# the containers' directories in the store (none, if every CLI was killed before it made one)
count_container_dirs() {
	[[ -d $BERTH_STORE/containers ]] || { echo 0; return; }
	find "$BERTH_STORE/containers" -mindepth 1 -maxdepth 1 -not -name '.*' | wc -l
}

test_a_cli_killed_early_leaves_nothing_unlisted() {
	import_probe_image bb
	local i pid n_dirs
	for ((i = 0; i < 24; i++)); do
		engine_bg run -d --name "kc$i" --network none "$(cgp)" bb sleep 100
		pid=$!
		sleep "0.0$((i % 12))"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	# whatever was published is listed, by its name, and goes with rm -f
	n_dirs=$(count_container_dirs)
	assert_eq "$n_dirs" "$(engine ps -aq | wc -l)"
	for id in $(engine ps -aq); do
		run engine rm -f "$id"
		assert_eq 0 "$status" "$output"
	done
	# same for rm -f killed early
	for ((i = 0; i < 12; i++)); do
		engine run -d --name "kr$i" --network none "$(cgp)" bb sleep 100 >/dev/null
		engine_bg rm -f "kr$i"
		pid=$!
		sleep "0.0$((i % 6))"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	n_dirs=$(count_container_dirs)
	assert_eq "$n_dirs" "$(engine ps -aq | wc -l)"
	for id in $(engine ps -aq); do
		run engine rm -f "$id"
		assert_eq 0 "$status" "$output"
	done
	# what the killed ones left half made goes with the next prune
	engine container prune -f >/dev/null
	assert_eq "" "$(ls -A "$BERTH_STORE/containers")"
}

test_prune_sweeps_what_killed_processes_left() {
	import_probe_image bb
	engine create --name kept --network none "$(cgp)" bb true >/dev/null
	# as a creator or remover killed half way leaves them (and an older berth's
	# directory without a record)
	mkdir -p "$BERTH_STORE/containers/.new-0123/rootfs" "$BERTH_STORE/containers/.rm-4567/upper" \
		"$BERTH_STORE/containers/89ab/work"
	assert_eq 1 "$(engine ps -aq | wc -l)"
	engine container prune -f >/dev/null
	assert_eq "" "$(ls -A "$BERTH_STORE/containers")"
}

test_interrupted_loads_are_reclaimed_at_the_next_open() {
	import_probe_image bb
	local d="$BERTH_TEST_TMP/big" i pid
	mkdir -p "$d"
	head -c 40000000 /dev/urandom >"$d/blob"
	tar -C "$d" -cf "$BERTH_TEST_TMP/big.tar" .
	engine import "$BERTH_TEST_TMP/big.tar" big >/dev/null
	engine save -o "$BERTH_TEST_TMP/big-save.tar" big
	engine rmi big >/dev/null
	local before
	before=$(du -sk "$BERTH_STORE" | cut -f1)
	for ((i = 0; i < 8; i++)); do
		engine_bg load -i "$BERTH_TEST_TMP/big-save.tar"
		pid=$!
		sleep "0.0$((i + 2))"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		# an interrupted import too
		engine_bg import "$BERTH_TEST_TMP/big.tar" big2
		pid=$!
		sleep "0.0$((i + 2))"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	engine images >/dev/null
	assert_eq "" "$(find "$BERTH_STORE" -name '.tmp-*')"
	engine rmi big big2 >/dev/null 2>&1 || true
	# nothing of them is left but what a finished load or import kept
	(( $(du -sk "$BERTH_STORE" | cut -f1) < before + 2000 )) ||
		fail "store grew from ${before} KiB to $(du -sk "$BERTH_STORE" | cut -f1) KiB"
}

test_a_monitor_killed_during_start_up_leaves_nothing_after_rm() {
	import_probe_image bb
	local sc pid mon
	# the container's start-up slowed at one system call (strace's delay injection),
	# its monitor killed there; rm -f then removes everything it made
	for sc in mount pivot_root; do
		strace -f -o /dev/null -e trace="$sc" -e inject="$sc:delay_enter=300000:when=2+" \
			"$BERTH" --root "$BERTH_STORE" run -d --name "s-$sc" --network none "$(cgp)" \
			bb sleep 100 >/dev/null 2>&1 &
		pid=$!
		mon=""
		for _ in $(seq 100); do
			mon=$(pgrep -f "berth-monitor --root $BERTH_STORE" | head -1 || true)
			[[ -n $mon ]] && break
			sleep 0.01
		done
		[[ -n $mon ]] || fail "$sc: no monitor"
		sleep 0.2
		kill -9 "$mon" 2>/dev/null || true
		# strace lets go of what it traces when it dies; the CLI then ends on its own
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		wait_for 20 sh -c "! pgrep -f 'nam[e] s-$sc' >/dev/null"
		run engine rm -f "s-$sc"
		assert_eq 0 "$status" "$sc: $output"
		assert_eq "" "$(ls -A "$BERTH_STORE/run" 2>/dev/null || true)" "$sc"
		assert_eq "" "$(ls -A "$BERTH_STORE/containers")" "$sc"
	done
}

test_a_new_volume_is_filled_once_under_concurrency() {
	import_probe_image bb
	local round want
	want=$(tar -tf "$BUSYBOX_TAR" | sed -n 's@^\(\./\)\{0,1\}etc/\([^/][^/]*\)$@\2@p' | sort | tr '\n' ' ')
	[ -n "$want" ] || fail "the busybox image has no /etc files"
	for round in 1 2 3; do
		rm -f "$BERTH_TEST_TMP"/par.*
		# every create names the same new volume: exactly one of them makes it and copies
		# the image's /etc in; the others use it as it is
		parallel_engine 12 create --network none -v "vc$round:/etc" "$(cgp)" bb true
		assert_eq 12 "$(count_status 0)" "round $round: $(cat "$BERTH_TEST_TMP"/par.*)"
		assert_eq "$want" "$(ls -A "$BERTH_STORE/volumes/vc$round/_data" | sort | tr '\n' ' ')"
		engine rm $(engine ps -aq) >/dev/null
		engine volume rm "vc$round" >/dev/null
	done
	assert_eq "" "$(ls -A "$BERTH_STORE/containers")"
}

test_volume_rm_racing_run_never_takes_the_volume_from_a_container() {
	import_probe_image bb
	local i out
	for ((i = 0; i < 30; i++)); do
		engine volume create "rv$i" >/dev/null
		engine run -d --name "vr$i" --network none -v "rv$i:/data" "$(cgp)" bb sleep 100 \
			>"$BERTH_TEST_TMP/run.$i" 2>&1 &
		sleep "0.00$((i % 8))"
		# refused (in use) when the container was published first
		engine volume rm "rv$i" >/dev/null 2>&1 || true
		wait $! || true
		out=$(cat "$BERTH_TEST_TMP/run.$i")
		if engine inspect "vr$i" >/dev/null 2>&1; then
			# it won: the volume is still there, mounted, and listed as in use
			assert_eq running "$(engine inspect -f '{{.State.Status}}' "vr$i")" "$out"
			[ -d "$BERTH_STORE/volumes/rv$i/_data" ] || fail "try $i: the volume of a running container was removed"
			run engine exec "vr$i" sh -c 'echo x > /data/f && cat /data/f'
			assert_eq 0 "$status" "try $i: $output"
			assert_eq "x" "$(cat "$BERTH_STORE/volumes/rv$i/_data/f")" "try $i"
			run engine volume rm "rv$i"
			assert_eq 1 "$status"
			assert_contains "$output" "volume is in use by container vr$i"
			engine rm -f "vr$i" >/dev/null
			engine volume rm "rv$i" >/dev/null
		else
			# the removal won: a clear error naming the volume, nothing left
			assert_contains "$out" "rv$i" "try $i"
		fi
	done
	assert_eq "" "$(ls -A "$BERTH_STORE/containers")"
	assert_eq "" "$(engine volume ls -q)"
}
