# berth-runtime checkpoint and restore (CRIU).
#
# The tests that dump and restore need a criu that works on this kernel: BERTH_TEST_CRIU
# (a criu binary, put first in PATH as "criu") or a criu on PATH that passes `criu check`;
# they skip, saying so, otherwise. The error paths run with a stand-in criu.

has_status() { # id status
	[ "$(rt state "$1" 2>/dev/null | jq -r .status)" = "$2" ]
}

# Make the criu under test the one berth-runtime finds, or skip.
use_working_criu() {
	if [[ -n "${BERTH_TEST_CRIU:-}" ]]; then
		[[ -x "$BERTH_TEST_CRIU" ]] || fail "BERTH_TEST_CRIU=$BERTH_TEST_CRIU is not executable"
		mkdir -p "$BERTH_TEST_TMP/criu-bin"
		ln -sf "$BERTH_TEST_CRIU" "$BERTH_TEST_TMP/criu-bin/criu"
		PATH=$BERTH_TEST_TMP/criu-bin:$PATH
	fi
	command -v criu >/dev/null || skip "no criu (set BERTH_TEST_CRIU=/path/to/criu)"
	criu check >/dev/null 2>&1 ||
		skip "criu $(criu --version 2>&1 | sed -n 's/^Version: //p') ($(command -v criu))" \
			"fails \`criu check\` here (set BERTH_TEST_CRIU=/path/to/a/working/criu)"
}

# The cgroup directories of container $1 that exist, one per line.
cgroups_of() {
	local d
	for d in /sys/fs/cgroup/*"$BERTH_TEST_CGROUP/$1"; do
		[[ -d "$d" ]] && echo "$d"
	done
	return 0
}

# A criu whose `check` fails as Debian 12's does on this kernel.
fake_broken_criu() {
	mkdir -p "$BERTH_TEST_TMP/broken-criu"
	cat >"$BERTH_TEST_TMP/broken-criu/criu" <<'EOF'
#!/bin/sh
echo "Error (criu/vdso.c:637): vdso: Unexpected rt vDSO area bounds"
echo "Error (criu/cr-check.c:1590): kerndat_init() failed"
exit 1
EOF
	chmod +x "$BERTH_TEST_TMP/broken-criu/criu"
}

# The container counting: the counter in /tmp/count and "tick N" on stdout, 10 a second.
counter_bundle() { # dir
	make_bundle "$1" /bin/sh -c \
		'i=0; while :; do i=$((i+1)); echo $i > /tmp/count; echo "tick $i"; sleep 0.1; done'
	jq_edit "$1/config.json" '.root.readonly = false'
}

test_checkpoint_says_why_criu_cannot() {
	if command -v criu >/dev/null && criu check >/dev/null 2>&1; then
		skip "criu works here: the failure path cannot be shown"
	fi
	make_bundle "$BERTH_TEST_TMP/ck" /probe sleep 60
	rt run -d --bundle "$BERTH_TEST_TMP/ck" ck
	run rt checkpoint --image-path "$BERTH_TEST_TMP/ckpt" ck
	assert_eq 1 "$status"
	assert_contains "$output" "criu"
	# the container is untouched
	assert_eq running "$(rt state ck | jq -r .status)"
	rt delete --force ck
}

test_restore_without_working_criu_leaves_nothing() {
	make_bundle "$BERTH_TEST_TMP/nr" /probe sleep 60
	mkdir -p "$BERTH_TEST_TMP/img" "$BERTH_TEST_TMP/no-criu"
	fake_broken_criu
	PATH=$BERTH_TEST_TMP/broken-criu:$PATH run rt restore -d --image-path "$BERTH_TEST_TMP/img" \
		--bundle "$BERTH_TEST_TMP/nr" nr
	assert_eq 1 "$status" "$output"
	assert_contains "$output" "restore 'nr': criu does not work on this kernel (\`criu check\` failed:"
	assert_contains "$output" "kerndat_init() failed"
	[ ! -e "$RUNTIME_ROOT/nr" ]
	assert_eq "" "$(cgroups_of nr)"
	# no criu at all
	PATH=$BERTH_TEST_TMP/no-criu run rt restore -d --image-path "$BERTH_TEST_TMP/img" \
		--bundle "$BERTH_TEST_TMP/nr" nr
	assert_eq 1 "$status" "$output"
	assert_contains "$output" "criu is not installed"
	[ ! -e "$RUNTIME_ROOT/nr" ]
	assert_eq "" "$(cgroups_of nr)"
	# checkpoint says the same and leaves the container running
	rt run -d --bundle "$BERTH_TEST_TMP/nr" nr
	PATH=$BERTH_TEST_TMP/broken-criu:$PATH run rt checkpoint --image-path "$BERTH_TEST_TMP/img" nr
	assert_eq 1 "$status" "$output"
	assert_contains "$output" "criu does not work on this kernel"
	assert_eq running "$(rt state nr | jq -r .status)"
	rt delete --force nr
}

test_restore_refuses_bad_arguments() {
	make_bundle "$BERTH_TEST_TMP/ba" /probe sleep 60
	fake_broken_criu
	run rt restore -d --manage-cgroups-mode sometimes --bundle "$BERTH_TEST_TMP/ba" ba
	assert_eq 1 "$status" "$output"
	assert_contains "$output" "invalid manage-cgroups-mode value 'sometimes'"
	[ ! -e "$RUNTIME_ROOT/ba" ]
	# checkpoint's own arguments, refused before criu is asked (runc's words)
	run rt checkpoint --parent-path /abs --image-path "$BERTH_TEST_TMP/i" ba
	assert_eq 1 "$status" "$output"
	assert_contains "$output" "invalid --parent-path '/abs': it must be relative"
	mkdir -p "$BERTH_TEST_TMP/i"
	run rt checkpoint --parent-path ../nothing --image-path "$BERTH_TEST_TMP/i" ba
	assert_eq 1 "$status" "$output"
	assert_contains "$output" "invalid --parent-path: '$BERTH_TEST_TMP/i/../nothing': No such file"
	run rt checkpoint --page-server nowhere ba
	assert_eq 1 "$status" "$output"
	assert_contains "$output" "Use --page-server ADDRESS:PORT"
	run rt checkpoint --page-server 127.0.0.1:99999 ba
	assert_eq 1 "$status" "$output"
	assert_contains "$output" "Invalid port number"
	run rt checkpoint --empty-ns pid ba
	assert_eq 1 "$status" "$output"
	assert_contains "$output" 'namespace "pid" is not supported'
	run rt checkpoint --lazy-pages --status-fd 0 ba </dev/null
	assert_eq 1 "$status" "$output"
	assert_contains "$output" "invalid --status-fd argument 0: not writable"
	# --criu names the binary
	run rt --criu "$BERTH_TEST_TMP/no/criu" checkpoint ba
	assert_eq 1 "$status" "$output"
	assert_contains "$output" "criu ('$BERTH_TEST_TMP/no/criu') is not installed"
	[ ! -e "$RUNTIME_ROOT/ba" ]
}

test_checkpoint_and_restore_continue_the_container() {
	use_working_criu
	local b=$BERTH_TEST_TMP/cr pid pid2 last first cg_before
	counter_bundle "$b"
	rt run -d --bundle "$b" cr </dev/null >>"$BERTH_TEST_TMP/out1" 2>&1
	wait_for 5 grep -q "tick 3" "$BERTH_TEST_TMP/out1"
	pid=$(rt state cr | jq .pid)
	cg_before=$(cat "/proc/$pid/cgroup")
	# the init is pid 1 of a namespace of its own
	assert_eq 1 "$(awk '/^NSpid:/ { print $NF }' "/proc/$pid/status")"

	run rt checkpoint --image-path "$BERTH_TEST_TMP/img" --work-path "$BERTH_TEST_TMP/work" cr
	assert_eq 0 "$status" "$output"
	assert_file_exists "$BERTH_TEST_TMP/work/dump.log"
	# dumped means gone, as with runc: the processes, the state, the cgroup
	[ ! -e "/proc/$pid/status" ] || ! grep -q '^State:.*[RS]' "/proc/$pid/status"
	run rt state cr
	assert_contains "$output" "does not exist"
	assert_eq "" "$(cgroups_of cr)"
	last=$(tail -n 1 "$BERTH_TEST_TMP/out1")
	sleep 0.3
	assert_eq "$last" "$(tail -n 1 "$BERTH_TEST_TMP/out1")" "nothing runs after the dump"

	# stdout (an outside file, opened for appending) comes back as restore's own
	rt restore -d --image-path "$BERTH_TEST_TMP/img" --work-path "$BERTH_TEST_TMP/work" \
		--bundle "$b" --pid-file "$BERTH_TEST_TMP/restored.pid" cr \
		</dev/null >>"$BERTH_TEST_TMP/out2" 2>&1
	assert_eq running "$(rt state cr | jq -r .status)"
	pid2=$(rt state cr | jq .pid)
	assert_eq "$pid2" "$(cat "$BERTH_TEST_TMP/restored.pid")"
	assert_eq "$b" "$(rt state cr | jq -r .bundle)"
	wait_for 5 grep -q tick "$BERTH_TEST_TMP/out2"
	# the counter goes on from where it was, in the same shell
	first=$(head -n 1 "$BERTH_TEST_TMP/out2")
	assert_eq "tick $((${last#tick } + 1))" "$first"
	wait_for 5 grep -q "tick $((${last#tick } + 5))" "$BERTH_TEST_TMP/out2"
	[ "$(cat "$b/rootfs/tmp/count")" -gt "${last#tick }" ]
	# same cgroup, still pid 1 of its own namespace, nothing of criu's left in the state dir
	assert_eq "$cg_before" "$(cat "/proc/$pid2/cgroup")"
	grep -qx "$pid2" "/sys/fs/cgroup/pids$BERTH_TEST_CGROUP/cr/cgroup.procs"
	assert_eq 1 "$(awk '/^NSpid:/ { print $NF }' "/proc/$pid2/status")"
	assert_eq "state.json" "$(ls "$RUNTIME_ROOT/cr")"

	# a container like any other: exec joins its namespaces, kill and delete work
	run rt exec cr /probe ps
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "1 "
	run rt exec cr cat /tmp/count
	assert_eq 0 "$status" "$output"
	# the id is taken now: a second restore is refused and changes nothing
	run rt restore -d --image-path "$BERTH_TEST_TMP/img" --bundle "$b" cr </dev/null
	assert_eq 1 "$status" "$output"
	assert_contains "$output" "already exists"
	assert_eq running "$(rt state cr | jq -r .status)"
	rt kill cr KILL
	wait_for 5 has_status cr stopped
	rt delete cr
	assert_eq "" "$(cgroups_of cr)"
}

test_restore_in_the_foreground_waits_and_deletes() {
	use_working_criu
	local b=$BERTH_TEST_TMP/fg rpid rc=0
	counter_bundle "$b"
	rt run -d --bundle "$b" fg </dev/null >>"$BERTH_TEST_TMP/out" 2>&1
	wait_for 5 grep -q "tick 2" "$BERTH_TEST_TMP/out"
	rt checkpoint --image-path "$BERTH_TEST_TMP/img" fg
	rt restore --image-path "$BERTH_TEST_TMP/img" --bundle "$b" fg \
		</dev/null >>"$BERTH_TEST_TMP/out" 2>&1 &
	rpid=$!
	wait_for 10 has_status fg running
	# the restored init is restore's child: its exit status is restore's
	rt kill fg KILL
	wait "$rpid" || rc=$?
	assert_eq 137 "$rc"
	run rt state fg
	assert_contains "$output" "does not exist"
	assert_eq "" "$(cgroups_of fg)"
}

test_restore_failure_in_criu_leaves_nothing() {
	use_working_criu
	make_bundle "$BERTH_TEST_TMP/rf" /probe sleep 60
	mkdir -p "$BERTH_TEST_TMP/empty"
	run rt restore -d --image-path "$BERTH_TEST_TMP/empty" --bundle "$BERTH_TEST_TMP/rf" rf \
		</dev/null
	assert_eq 1 "$status" "$output"
	assert_contains "$output" "criu restore of 'rf' failed: Error ("
	assert_contains "$output" "(log: $BERTH_TEST_TMP/empty/restore.log)"
	[ ! -e "$RUNTIME_ROOT/rf" ]
	assert_eq "" "$(cgroups_of rf)"
	run rt restore -d --image-path "$BERTH_TEST_TMP/missing" --bundle "$BERTH_TEST_TMP/rf" rf
	assert_eq 1 "$status" "$output"
	assert_contains "$output" "checkpoint '$BERTH_TEST_TMP/missing': No such file or directory"
	[ ! -e "$RUNTIME_ROOT/rf" ]
}

# A console socket receiver in the background: the pty master of its Nth connection is
# read into $1.N until it hangs up. Sets recv_pid.
console_receiver() { # out-prefix socket
	python3 - "$1" "$2" <<'PY' &
import array, os, socket, sys, threading
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[2]); s.listen(4)
def drain(fd, path):
    with open(path, "wb", buffering=0) as f:
        while True:
            try:
                d = os.read(fd, 4096)
            except OSError:
                break
            if not d:
                break
            f.write(d)
n = 0
while True:
    c, _ = s.accept()
    fds = array.array("i")
    msg, anc, _, _ = c.recvmsg(64, socket.CMSG_LEN(fds.itemsize))
    fds.frombytes(anc[0][2][:fds.itemsize])
    c.close()
    n += 1
    open("%s.%d" % (sys.argv[1], n), "wb").close()
    threading.Thread(target=drain, args=(fds[0], "%s.%d" % (sys.argv[1], n)),
                     daemon=True).start()
PY
	recv_pid=$!
	wait_for 5 test -S "$2"
}

test_checkpoint_and_restore_a_terminal() {
	use_working_criu
	local b=$BERTH_TEST_TMP/tt sock=$BERTH_TEST_TMP/console.sock out=$BERTH_TEST_TMP/pty
	local pid pid2 last first rc=0
	counter_bundle "$b"
	jq_edit "$b/config.json" '.process.terminal = true'
	console_receiver "$out" "$sock"
	rt run -d --console-socket "$sock" --bundle "$b" tt
	wait_for 5 grep -q "tick 3" "$out.1"
	pid=$(rt state tt | jq .pid)

	rt checkpoint --image-path "$BERTH_TEST_TMP/img" --work-path "$BERTH_TEST_TMP/work" tt
	# the terminal is the container's own pty, which criu dumps: 0, 1 and 2 are on it
	jq -e 'length == 3 and all(.[]; test("^/dev/pts/[0-9]+$")) and (unique | length) == 1' \
		"$BERTH_TEST_TMP/img/descriptors.json"
	wait_for 5 test ! -e "/proc/$pid/status"
	run rt state tt
	assert_contains "$output" "does not exist"
	last=$(tr -d '\r' <"$out.1" | grep tick | tail -n 1)

	# detached, the new pty master needs somewhere to go
	run rt restore -d --image-path "$BERTH_TEST_TMP/img" --bundle "$b" tt </dev/null
	assert_eq 1 "$status" "$output"
	assert_contains "$output" "a detached restore needs --console-socket"
	[ ! -e "$RUNTIME_ROOT/tt" ]
	assert_eq "" "$(cgroups_of tt)"

	# the restored shell writes on a new pty whose master went to the console socket
	rt restore -d --console-socket "$sock" --image-path "$BERTH_TEST_TMP/img" \
		--work-path "$BERTH_TEST_TMP/work" --bundle "$b" tt </dev/null
	assert_eq running "$(rt state tt | jq -r .status)"
	pid2=$(rt state tt | jq .pid)
	wait_for 5 grep -q tick "$out.2"
	first=$(tr -d '\r' <"$out.2" | grep tick | head -n 1)
	assert_eq "tick $((${last#tick } + 1))" "$first"
	wait_for 5 grep -q "tick $((${last#tick } + 5))" "$out.2"
	# its stdio is that pty's peer (a pty slave, major 136-143), its console too
	for fd in 0 1 2; do
		[ "$(( 0x$(stat -L -c %t "/proc/$pid2/fd/$fd") ))" -ge 136 ]
	done
	assert_eq "$(stat -L -c %t:%T "/proc/$pid2/fd/1")" \
		"$(stat -c %t:%T "/proc/$pid2/root/dev/console")"
	rt kill tt KILL
	wait_for 5 has_status tt stopped
	rt delete tt
	kill "$recv_pid"
	wait "$recv_pid" || rc=$?
	assert_eq "" "$(cgroups_of tt)"
}

test_restore_a_terminal_in_the_foreground() {
	use_working_criu
	local b=$BERTH_TEST_TMP/tf sock=$BERTH_TEST_TMP/console.sock out=$BERTH_TEST_TMP/pty
	local last rpid rc=0
	counter_bundle "$b"
	jq_edit "$b/config.json" '.process.terminal = true'
	console_receiver "$out" "$sock"
	rt run -d --console-socket "$sock" --bundle "$b" tf
	wait_for 5 grep -q "tick 2" "$out.1"
	rt checkpoint --image-path "$BERTH_TEST_TMP/img" tf
	kill "$recv_pid"
	wait "$recv_pid" || true
	last=$(tr -d '\r' <"$out.1" | grep tick | tail -n 1)
	# restore keeps the new pty master and copies it to its stdout, as run does
	rt restore --image-path "$BERTH_TEST_TMP/img" --bundle "$b" tf \
		</dev/null >"$BERTH_TEST_TMP/fg-out" 2>&1 &
	rpid=$!
	wait_for 10 grep -q "tick $((${last#tick } + 3))" "$BERTH_TEST_TMP/fg-out"
	assert_eq "tick $((${last#tick } + 1))" \
		"$(tr -d '\r' <"$BERTH_TEST_TMP/fg-out" | grep tick | head -n 1)"
	rt kill tf KILL
	wait "$rpid" || rc=$?
	assert_eq 137 "$rc"
	run rt state tf
	assert_contains "$output" "does not exist"
	assert_eq "" "$(cgroups_of tf)"
}

# An interactive shell has /dev/tty open (its controlling terminal): criu dumps the pty
# itself and hands over the new master at restore.
test_checkpoint_and_restore_a_process_with_dev_tty_open() {
	use_working_criu
	local b=$BERTH_TEST_TMP/dt sock=$BERTH_TEST_TMP/console.sock out=$BERTH_TEST_TMP/pty
	local pid pid2 last first rc=0
	make_bundle "$b" /bin/sh -c \
		'exec 3<>/dev/tty; i=0; while :; do i=$((i+1)); echo "tick $i" >&3; sleep 0.1; done'
	jq_edit "$b/config.json" '.process.terminal = true | .root.readonly = false'
	console_receiver "$out" "$sock"
	rt run -d --console-socket "$sock" --bundle "$b" dt
	wait_for 5 grep -q "tick 3" "$out.1"
	pid=$(rt state dt | jq .pid)
	# fd 3 is /dev/tty itself (5:0), not the pty
	assert_eq "5:0" "$(stat -L -c %t:%T "/proc/$pid/fd/3")"

	run rt checkpoint --image-path "$BERTH_TEST_TMP/img" --work-path "$BERTH_TEST_TMP/work" dt
	assert_eq 0 "$status" "$output"
	wait_for 5 test ! -e "/proc/$pid/status"
	last=$(tr -d '\r' <"$out.1" | grep tick | tail -n 1)

	rt restore -d --console-socket "$sock" --image-path "$BERTH_TEST_TMP/img" \
		--work-path "$BERTH_TEST_TMP/work" --bundle "$b" dt </dev/null
	pid2=$(rt state dt | jq .pid)
	# the ticks go on through /dev/tty, to the new master the console socket got
	wait_for 5 grep -q tick "$out.2"
	first=$(tr -d '\r' <"$out.2" | grep tick | head -n 1)
	assert_eq "tick $((${last#tick } + 1))" "$first"
	assert_eq "5:0" "$(stat -L -c %t:%T "/proc/$pid2/fd/3")"
	rt kill dt KILL
	wait_for 5 has_status dt stopped
	rt delete dt
	kill "$recv_pid"
	wait "$recv_pid" || rc=$?
	assert_eq "" "$(cgroups_of dt)"
}

# A pre-dump writes the memory and leaves the container running; the dump after it writes
# only what changed since (its images point at the pre-dump's: "parent").
test_pre_dump_then_dump_and_restore() {
	use_working_criu
	local b=$BERTH_TEST_TMP/pd pid last first
	counter_bundle "$b"
	rt run -d --bundle "$b" pd </dev/null >>"$BERTH_TEST_TMP/out1" 2>&1
	wait_for 5 grep -q "tick 3" "$BERTH_TEST_TMP/out1"
	pid=$(rt state pd | jq .pid)
	run rt checkpoint --pre-dump --image-path "$BERTH_TEST_TMP/img/parent" pd
	if ! criu check --feature mem_dirty_track >/dev/null 2>&1; then
		# a kernel without soft-dirty bits (this one): refused, the container untouched
		assert_eq 1 "$status" "$output"
		assert_contains "$output" "checkpoint 'pd': criu cannot do a pre-dump (memory tracking) here"
		assert_eq running "$(rt state pd | jq -r .status)"
		assert_eq "$pid" "$(rt state pd | jq .pid)"
		rt delete --force pd
		skip "this kernel has no memory dirty tracking: only the refusal was tested"
	fi
	assert_eq 0 "$status" "$output"
	ls "$BERTH_TEST_TMP/img/parent" | grep -q '^pages-.*\.img$'
	assert_eq running "$(rt state pd | jq -r .status)"
	assert_eq "$pid" "$(rt state pd | jq .pid)"
	# it goes on counting
	last=$(tail -n 1 "$BERTH_TEST_TMP/out1")
	wait_for 5 grep -q "tick $((${last#tick } + 2))" "$BERTH_TEST_TMP/out1"

	run rt checkpoint --parent-path ../parent --image-path "$BERTH_TEST_TMP/img/final" pd
	assert_eq 0 "$status" "$output"
	assert_eq "../parent" "$(readlink "$BERTH_TEST_TMP/img/final/parent")"
	run rt state pd
	assert_contains "$output" "does not exist"
	last=$(tail -n 1 "$BERTH_TEST_TMP/out1")
	rt restore -d --image-path "$BERTH_TEST_TMP/img/final" --bundle "$b" pd \
		</dev/null >>"$BERTH_TEST_TMP/out2" 2>&1
	wait_for 5 grep -q tick "$BERTH_TEST_TMP/out2"
	first=$(head -n 1 "$BERTH_TEST_TMP/out2")
	assert_eq "tick $((${last#tick } + 1))" "$first"
	rt delete --force pd
	assert_eq "" "$(cgroups_of pd)"
}

# prestart and createRuntime run at restore once criu has made the namespaces, with the
# restored init's pid; the annotation org.criu.config names a criu configuration file.
test_restore_runs_hooks_and_reads_the_criu_config() {
	use_working_criu
	local b=$BERTH_TEST_TMP/hk criu_bin pid
	criu_bin=$(command -v criu)
	counter_bundle "$b"
	printf 'log-file=from-config.log\n' >"$BERTH_TEST_TMP/criu.conf"
	jq_edit "$b/config.json" '.annotations = {"org.criu.config": $c} |
		.hooks = {prestart: [{path: "/bin/sh", args: ["sh", "-c", "cat >>\($t)/prestart"]}],
			createRuntime: [{path: "/bin/sh",
				args: ["sh", "-c", "cat >>\($t)/createRuntime"]}]}' \
		--arg t "$BERTH_TEST_TMP" --arg c "$BERTH_TEST_TMP/criu.conf"
	rt run -d --bundle "$b" hk </dev/null >>"$BERTH_TEST_TMP/out" 2>&1
	wait_for 5 grep -q "tick 2" "$BERTH_TEST_TMP/out"
	rm -f "$BERTH_TEST_TMP/prestart" "$BERTH_TEST_TMP/createRuntime"
	# the binary named with --criu instead of found in PATH (where it is not, or is one that
	# fails `criu check`)
	PATH=${PATH#"$BERTH_TEST_TMP/criu-bin:"} run rt --criu "$criu_bin" checkpoint --image-path "$BERTH_TEST_TMP/img" \
		--work-path "$BERTH_TEST_TMP/work" hk
	assert_eq 0 "$status" "$output"
	# the file's log-file wins over the request's
	assert_file_exists "$BERTH_TEST_TMP/work/from-config.log"
	[ ! -e "$BERTH_TEST_TMP/work/dump.log" ]
	[ ! -e "$BERTH_TEST_TMP/prestart" ]
	# a failing prestart hook fails the restore: criu aborts, nothing is left
	cp "$b/config.json" "$BERTH_TEST_TMP/config.good"
	jq_edit "$b/config.json" '.hooks.prestart = [{path: "/bin/sh", args: ["sh", "-c", "echo no >&2; exit 3"]}]'
	run rt restore -d --image-path "$BERTH_TEST_TMP/img" --bundle "$b" hk </dev/null
	assert_eq 1 "$status" "$output"
	assert_contains "$output" "hook 'prestart[0]' /bin/sh exited with status 3"
	run rt state hk
	assert_contains "$output" "does not exist"
	assert_eq "" "$(cgroups_of hk)"
	cp "$BERTH_TEST_TMP/config.good" "$b/config.json"
	PATH=${PATH#"$BERTH_TEST_TMP/criu-bin:"} rt --criu "$criu_bin" restore -d --image-path "$BERTH_TEST_TMP/img" \
		--work-path "$BERTH_TEST_TMP/work" --bundle "$b" hk </dev/null >>"$BERTH_TEST_TMP/out" 2>&1
	pid=$(rt state hk | jq .pid)
	for h in prestart createRuntime; do
		assert_eq "hk created $pid" \
			"$(jq -r '"\(.id) \(.status) \(.pid)"' "$BERTH_TEST_TMP/$h")"
	done
	rt delete --force hk
	assert_eq "" "$(cgroups_of hk)"
}

# Bind mounts criu must be told about by where they are: one whose destination is a
# symlink of the image (the mount is on its target), one nested in another whose
# mountpoint is gone by restore time (made again, in the outer source, as create does).
test_checkpoint_and_restore_binds_through_symlinks_and_nested() {
	use_working_criu
	local b=$BERTH_TEST_TMP/bm pid
	counter_bundle "$b"
	mkdir -p "$b/rootfs/real/conf" "$BERTH_TEST_TMP/outer" "$BERTH_TEST_TMP/inner" \
		"$BERTH_TEST_TMP/conf"
	ln -s /real/conf "$b/rootfs/conf"
	echo conf >"$BERTH_TEST_TMP/conf/f"
	echo inner >"$BERTH_TEST_TMP/inner/f"
	jq_edit "$b/config.json" '.mounts += [
		{destination: "/conf", source: ($t + "/conf"), options: ["bind"]},
		{destination: "/outer", type: "bind", source: ($t + "/outer"), options: ["rbind"]},
		{destination: "/outer/for/nested", type: "bind", source: ($t + "/inner"),
			options: ["bind"]}]' --arg t "$BERTH_TEST_TMP"
	rt run -d --bundle "$b" bm </dev/null >>"$BERTH_TEST_TMP/out" 2>&1
	wait_for 5 grep -q "tick 2" "$BERTH_TEST_TMP/out"
	run rt checkpoint --image-path "$BERTH_TEST_TMP/img" bm
	assert_eq 0 "$status" "$output"
	# the nested mountpoint was made in the outer source; gone now
	[ -d "$BERTH_TEST_TMP/outer/for/nested" ]
	rm -rf "$BERTH_TEST_TMP/outer/for"
	# stdout was a file outside: restore's own must be one too (criu seeks it)
	rt restore -d --image-path "$BERTH_TEST_TMP/img" --bundle "$b" bm \
		</dev/null >>"$BERTH_TEST_TMP/out" 2>&1
	pid=$(rt state bm | jq .pid)
	assert_eq conf "$(cat "/proc/$pid/root/real/conf/f")"
	assert_eq inner "$(cat "/proc/$pid/root/outer/for/nested/f")"
	# nothing of the mountpoints' making is left mounted on the host
	! grep -q " $BERTH_TEST_TMP/bm/rootfs/outer" /proc/self/mountinfo
	rt delete --force bm
	assert_eq "" "$(cgroups_of bm)"
}


# With --manage-cgroups-mode ignore criu leaves cgroups alone: the restored container is
# where its config says now (a new cgroupsPath), the old cgroup stays gone. A process
# exec'd into it is dumped and restored with it, and exec works after the restore.
test_restore_into_another_cgroup_and_exec() {
	use_working_criu
	local b=$BERTH_TEST_TMP/ag pid execed
	counter_bundle "$b"
	rt run -d --bundle "$b" ag </dev/null >>"$BERTH_TEST_TMP/out" 2>&1
	wait_for 5 grep -q "tick 2" "$BERTH_TEST_TMP/out"
	run rt exec ag /bin/sh -c 'sleep 1000 </dev/null >/dev/null 2>&1 & echo $!'
	assert_eq 0 "$status" "$output"
	execed=$output
	run rt checkpoint --manage-cgroups-mode ignore --image-path "$BERTH_TEST_TMP/img" ag
	assert_eq 0 "$status" "$output"
	assert_eq "" "$(cgroups_of ag)"
	jq_edit "$b/config.json" '.linux.cgroupsPath = $cg' --arg cg "$BERTH_TEST_CGROUP/ag-moved"
	rt restore -d --manage-cgroups-mode ignore --image-path "$BERTH_TEST_TMP/img" \
		--bundle "$b" --pid-file "$BERTH_TEST_TMP/pid" ag </dev/null >>"$BERTH_TEST_TMP/out" 2>&1
	pid=$(cat "$BERTH_TEST_TMP/pid")
	grep -q ":$BERTH_TEST_CGROUP/ag-moved\$" "/proc/$pid/cgroup"
	assert_eq "" "$(cgroups_of ag)"
	grep -qx "$pid" "/sys/fs/cgroup/pids$BERTH_TEST_CGROUP/ag-moved/cgroup.procs"
	# the exec'd sleep came back too, in the same pid namespace
	run rt exec ag /bin/ls -ld "/proc/$execed"
	assert_eq 0 "$status" "$output"
	run rt exec ag /bin/cat /proc/1/cmdline
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "tick"
	rt delete --force ag
	assert_eq "" "$(cgroups_of ag-moved)"
}
