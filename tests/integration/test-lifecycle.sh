# berth's container lifecycle under the monitor: run -d, create/start, stop, kill,
# restart, wait, logs, attach, detach keys, as a docker user meets them.

import_bb() { import_probe_image bb; }


# the STATUS column of `ps -a` for container NAME
status_of() { engine ps -a | awk -F '   +' -v n="$1" '$NF == n { print $5 }'; }

test_run_detached_then_logs_stop_and_rm() {
	import_bb
	local id mon
	id=$(engine run -d --name d1 "$(cgp)" bb sh -c 'echo started; echo to-stderr >&2; exec sleep 600')
	[[ "$id" =~ ^[0-9a-f]{64}$ ]] || fail "run -d printed '$id', not an id"
	run engine ps
	assert_contains "$output" "d1"
	assert_contains "$output" "Up "
	wait_for 10 sh -c "$(engine_sh) logs d1 2>/dev/null | grep -q started"
	# stdout and stderr stay apart
	assert_eq started "$(engine logs d1 2>/dev/null)"
	assert_eq to-stderr "$(engine logs d1 2>&1 >/dev/null)"
	mon=$(jq -r .monitor_pid "$BERTH_STORE/containers/$id/container.json")
	[ "$mon" -gt 0 ] && kill -0 "$mon" || fail "no live monitor ($mon)"
	assert_eq berth-monitor "$(cat "/proc/$mon/comm")"
	# sleep as pid 1 ignores SIGTERM: killed after the timeout
	run engine stop -t 1 d1
	assert_eq 0 "$status" "$output"
	assert_eq d1 "$output"
	assert_contains "$(engine ps -a)" "Exited (137)"
	wait_for 5 sh -c "! kill -0 $mon 2>/dev/null"
	# nothing of it runs or stays mounted; the record and the log stay until rm
	assert_eq "" "$(grep -F "$BERTH_STORE/containers/$id" /proc/self/mountinfo || true)"
	assert_eq "" "$(ls -A "$BERTH_STORE/run")"
	assert_eq started "$(engine logs d1 2>/dev/null)"
	engine rm d1 >/dev/null
	assert_eq "" "$(ls -A "$BERTH_STORE/containers")"
}

test_stop_sends_the_stop_signal_first() {
	import_bb
	engine run -d --name graceful "$(cgp)" bb sh -c \
		'trap "echo got TERM; exit 0" TERM; echo ready; while :; do sleep 0.1; done' >/dev/null
	wait_for 10 sh -c "$(engine_sh) logs graceful | grep -q ready"
	run engine stop -t 60 graceful
	assert_eq 0 "$status" "$output"
	assert_contains "$(engine logs graceful)" "got TERM"
	assert_contains "$(status_of graceful)" "Exited (0)"
	# --stop-signal and stop -s name another signal
	engine run -d --name usr1 --stop-signal USR1 "$(cgp)" bb sh -c \
		'trap "echo got USR1; exit 5" USR1; echo ready; while :; do sleep 0.1; done' >/dev/null
	wait_for 10 sh -c "$(engine_sh) logs usr1 | grep -q ready"
	engine stop -t 60 usr1 >/dev/null
	assert_contains "$(engine logs usr1)" "got USR1"
	assert_contains "$(status_of usr1)" "Exited (5)"
	engine start usr1 >/dev/null
	wait_for 10 sh -c "$(engine_sh) logs usr1 | grep -c ready | grep -q 2"
	engine stop -s HUP -t 1 usr1 >/dev/null
	assert_contains "$(status_of usr1)" "Exited (137)"
	# stopping what does not run is no error, as with docker
	run engine stop usr1
	assert_eq 0 "$status" "$output"
	run engine stop -s NOSUCH usr1
	assert_eq 125 "$status"
	assert_contains "$output" "NOSUCH"
	engine rm graceful usr1 >/dev/null
}

test_kill_and_wait() {
	import_bb
	engine run -d --name k1 "$(cgp)" bb sh -c \
		'trap "echo got USR2" USR2; echo ready; while :; do sleep 0.1; done' >/dev/null
	wait_for 10 sh -c "$(engine_sh) logs k1 | grep -q ready"
	run engine kill -s USR2 k1
	assert_eq k1 "$output"
	wait_for 10 sh -c "$(engine_sh) logs k1 | grep -q 'got USR2'"
	assert_contains "$(status_of k1)" "Up"
	engine kill k1 >/dev/null
	run engine wait k1
	assert_eq 0 "$status"
	assert_eq 137 "$output"
	run engine kill k1
	assert_eq 1 "$status"
	assert_contains "$output" "is not running"
	# wait blocks until the end and prints each code
	engine run -d --name w1 "$(cgp)" bb sh -c 'sleep 0.5; exit 42' >/dev/null
	engine run -d --name w2 "$(cgp)" bb sh -c 'exit 3' >/dev/null
	run engine wait w1 w2
	assert_eq "42
3" "$output"
	run engine wait nosuch
	assert_eq 1 "$status"
	assert_contains "$output" "no such container"
	engine rm k1 w1 w2 >/dev/null
}

test_logs_tail_timestamps_partial_lines_and_time_bounds() {
	import_bb
	engine run --name lg "$(cgp)" bb sh -c \
		'for i in 1 2 3 4 5; do echo line$i; done; printf "no-newline"; printf " end\n"' >/dev/null
	run engine logs lg
	assert_eq "line1
line2
line3
line4
line5
no-newline end" "$output"
	assert_eq "line5
no-newline end" "$(engine logs --tail 2 lg)"
	assert_eq "" "$(engine logs -n 0 lg)"
	assert_eq 6 "$(engine logs --tail all lg | wc -l)"
	# -t: each line with its RFC 3339 time, a line written in two parts once
	run engine logs -t --tail 2 lg
	[[ "$(sed -n 1p <<<"$output")" =~ ^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\.[0-9]{9}Z\ line5$ ]] ||
		fail "unexpected -t line: $(sed -n 1p <<<"$output")"
	[[ "$(sed -n 2p <<<"$output")" =~ ^20[^\ ]*Z\ no-newline\ end$ ]] ||
		fail "unexpected -t line: $(sed -n 2p <<<"$output")"
	# --details: dockerd's attributes and a space before each line (none here: the space),
	# after the time; a line written in two parts gets it once
	assert_eq " line5
 no-newline end" "$(engine logs --details --tail 2 lg)"
	[[ "$(engine logs -t --details --tail 1 lg)" =~ ^20[^\ ]*Z\ \ no-newline\ end$ ]] ||
		fail "unexpected -t --details line: $(engine logs -t --details --tail 1 lg)"
	assert_eq 6 "$(engine logs --since 10m lg | wc -l)"
	assert_eq 0 "$(engine logs --until 10m lg | wc -l)"
	assert_eq 6 "$(engine logs --since 2000-01-01T00:00:00Z --until "$(date -u -d '+1 hour' +%s)" lg | wc -l)"
	run engine logs --since yesterday lg
	assert_eq 125 "$status"
	assert_contains "$output" "yesterday"
	run engine logs nosuch
	assert_eq 125 "$status"
	assert_contains "$output" "no such container: nosuch"
	engine rm lg >/dev/null
}

test_logs_follow_until_the_container_stops() {
	import_bb
	engine run -d --name f1 "$(cgp)" bb sh -c \
		'for i in 1 2 3 4; do echo n$i; sleep 0.3; done; echo bye >&2' >/dev/null
	run engine logs -f f1
	assert_eq 0 "$status"
	assert_eq "n1
n2
n3
n4
bye" "$output"
	# of a stopped container: what there is, then it returns
	run engine logs -f f1
	assert_contains "$output" "bye"
	engine rm f1 >/dev/null
}

test_create_start_and_the_upper_layer_kept() {
	import_bb
	local id
	id=$(engine create --name c1 "$(cgp)" bb sh -c 'cat /count 2>/dev/null; echo x >> /count')
	[[ "$id" =~ ^[0-9a-f]{64}$ ]] || fail "create printed '$id'"
	assert_contains "$(status_of c1)" "Created"
	assert_eq "" "$(grep -F "$BERTH_STORE" /proc/self/mountinfo || true)"
	run engine start -a c1
	assert_eq 0 "$status" "$output"
	assert_eq "" "$output"
	# a second start sees what the first wrote
	run engine start -a c1
	assert_eq x "$output"
	engine start c1 >/dev/null
	engine wait c1 >/dev/null
	assert_eq "x
x
x" "$(cat "$BERTH_STORE/containers/$id/upper/count")"
	# the log keeps every run's output: nothing, then x, then x x
	assert_eq "x
x
x" "$(engine logs c1)"
	engine rm c1 >/dev/null
}

test_restart_a_running_container() {
	import_bb
	local first second
	engine run -d --name r1 "$(cgp)" bb sh -c 'echo boot; exec sleep 600' >/dev/null
	first=$(jq -r .pid "$BERTH_STORE"/containers/*/container.json)
	run engine restart -t 1 r1
	assert_eq 0 "$status" "$output"
	assert_eq r1 "$output"
	second=$(jq -r .pid "$BERTH_STORE"/containers/*/container.json)
	assert_ne "$first" "$second"
	assert_contains "$(status_of r1)" "Up"
	wait_for 10 sh -c "$(engine_sh) logs r1 | grep -c boot | grep -q 2"
	engine rm -f r1 >/dev/null
	assert_eq "" "$(engine ps -aq)"
}

test_rm_force_of_a_detached_container_leaves_nothing() {
	import_bb
	local id mon
	id=$(engine run -d --name gone "$(cgp)" bb sleep 600)
	mon=$(jq -r .monitor_pid "$BERTH_STORE/containers/$id/container.json")
	run engine rm gone
	assert_eq 1 "$status"
	assert_contains "$output" "running"
	run engine rm -f gone
	assert_eq 0 "$status" "$output"
	wait_for 5 sh -c "! kill -0 $mon 2>/dev/null"
	assert_eq "" "$(ls -A "$BERTH_STORE/containers")"
	assert_eq "" "$(ls -A "$BERTH_STORE/run")"
}

test_run_detached_rm_removes_it_at_exit() {
	import_bb
	# (long enough for wait to find it on a loaded machine)
	engine run -d --rm --name once "$(cgp)" bb sh -c 'sleep 2' >/dev/null
	run engine wait once
	assert_eq 0 "$status"
	wait_for 5 sh -c "[ -z \"\$(ls -A '$BERTH_STORE/containers')\" ]"
	assert_eq "" "$(ls -A "$BERTH_STORE/run")"
}

test_container_outlives_a_killed_cli() {
	import_bb
	engine run --name survivor "$(cgp)" bb sh -c 'echo up; exec sleep 600' >/dev/null &
	local cli=$!
	wait_for 10 sh -c "$(engine_sh) logs survivor 2>/dev/null | grep -q up"
	kill -KILL "$cli"
	wait "$cli" 2>/dev/null || true
	sleep 0.2
	assert_contains "$(status_of survivor)" "Up"
	engine stop -t 1 survivor >/dev/null
	assert_contains "$(status_of survivor)" "Exited (137)"
	engine rm survivor >/dev/null
}

test_attach_relays_stdin_and_output() {
	import_bb
	engine run -d -i --name cat1 "$(cgp)" bb sh -c 'echo hello-from-cat; cat; echo cat-done' >/dev/null
	wait_for 10 sh -c "$(engine_sh) logs cat1 | grep -q hello-from-cat"
	# what we type goes in, what it writes comes out; our EOF closes its stdin
	run sh -c "printf 'one\ntwo\n' | $(engine_sh) attach cat1"
	assert_eq 0 "$status" "$output"
	assert_eq "one
two
cat-done" "$output"
	assert_contains "$(status_of cat1)" "Exited (0)"
	run engine attach cat1
	assert_eq 125 "$status"
	assert_contains "$output" "start it first"
	engine rm cat1 >/dev/null
}

test_interactive_terminal_and_detach_keys() {
	import_bb
	# a real terminal (a pty from python): -it, type a command, read its answer, then
	# ctrl-p ctrl-q leaves the container running
	run python3 - "$BERTH" "$BERTH_STORE" "$(cgp)" <<'EOF'
import os, pty, sys, time, select
berth, store, cgp = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execv(berth, [berth, "--root", store, "run", "-it", "--name", "tty1", cgp, "bb", "sh"])
def read_until(word, timeout=10):
    buf, end = b"", time.time() + timeout
    while word not in buf and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                break
    return buf
read_until(b"# ")
os.write(fd, b"tty; echo answer-$((6*7))\r")
out = read_until(b"answer-42")
print("tty:", b"/dev/pts/" in out, "answer:", b"answer-42" in out)
os.write(fd, b"\x10\x11")
_, st = os.waitpid(pid, 0)
print("cli exit:", os.waitstatus_to_exitcode(st))
EOF
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "tty: True answer: True"
	assert_contains "$output" "cli exit: 0"
	assert_contains "$(status_of tty1)" "Up"
	# the terminal's output is in the log too
	assert_contains "$(engine logs tty1)" "answer-42"
	engine rm -f tty1 >/dev/null
}

test_interactive_terminal_needs_a_terminal_on_stdin() {
	import_bb
	# -it from a pipe: docker's refusal (it would echo and hang for ever), nothing made
	run timeout -k 1 10 sh -c "exec $(engine_sh) run -it --name notty $(cgp) bb sh" < <(echo x)
	assert_eq 1 "$status" "$output"
	assert_eq "berth: the input device is not a TTY" "$output"
	assert_eq "" "$(engine ps -aq)"
	assert_eq "" "$(ls -A "$BERTH_STORE/containers" 2>/dev/null)"
	# -i alone and -t alone from a pipe run as before
	run timeout 20 sh -c "echo piped-in | $(engine_sh) run -i --rm $(cgp) bb cat"
	assert_eq 0 "$status" "$output"
	assert_eq "piped-in" "$output"
	run timeout 20 sh -c "echo x | $(engine_sh) run -t --rm $(cgp) bb echo with-a-tty"
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "with-a-tty"
	assert_eq "" "$(engine ps -aq)"
}

test_usage_errors() {
	import_bb
	run engine create -d bb true
	assert_eq 125 "$status"
	run engine run --stop-signal NOPE bb true
	assert_eq 125 "$status"
	assert_contains "$output" "NOPE"
	run engine stop
	assert_eq 125 "$status"
	assert_contains "$output" "requires at least 1 argument"
	run engine logs --tail x bb
	assert_eq 125 "$status"
	run engine start -a nosuch
	assert_eq 125 "$status"
	assert_contains "$output" "no such container"
	assert_eq "" "$(ls -A "$BERTH_STORE/containers" 2>/dev/null)"
}

test_exec_runs_in_the_container() {
	import_bb
	engine run -d --name x1 -h boxname -e FROM_RUN=1 "$(cgp)" bb sleep 600 >/dev/null
	# its namespaces: hostname, pid 1 is the container's init, its env
	assert_eq boxname "$(engine exec x1 hostname)"
	assert_eq "sleep" "$(engine exec x1 cat /proc/1/comm)"
	assert_eq "1 2" "$(engine exec -e ADDED=2 x1 sh -c 'echo $FROM_RUN $ADDED')"
	assert_eq "65534 /tmp" "$(engine exec -u nobody -w /tmp x1 sh -c 'echo $(id -u) $(pwd)')"
	# in the container's cgroup: the exec'd shell is among its processes (its own
	# cgroup is /sys/fs/cgroup on a cgroup v2 host, the pids hierarchy's root on v1)
	local procs=/sys/fs/cgroup/pids/cgroup.procs
	[[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]] && procs=/sys/fs/cgroup/cgroup.procs
	assert_eq same "$(engine exec x1 sh -c "grep -qx \$\$ $procs && echo same")"
	run engine exec x1 sh -c 'echo out; echo err >&2; exit 9'
	assert_eq 9 "$status"
	assert_contains "$output" "out"
	assert_contains "$output" "err"
	run engine exec x1 nosuchcommand
	assert_eq 127 "$status"
	assert_contains "$output" "not found"
	# -i passes our stdin; without it the process reads nothing
	assert_eq piped "$(echo piped | engine exec -i x1 cat)"
	assert_eq "" "$(echo piped | engine exec x1 cat)"
	# -t gives it a terminal
	run script -qec "$(engine_sh) exec -t x1 /probe tty" /dev/null
	assert_contains "$output" "0:tty 1:tty 2:tty"
	# -d returns at once; what it does happens in the container
	run engine exec -d x1 sh -c 'sleep 0.2; echo done > /from-exec'
	assert_eq 0 "$status"
	wait_for 10 sh -c "$(engine_sh) exec x1 cat /from-exec 2>/dev/null | grep -q done"
	engine stop -t 1 x1 >/dev/null
	run engine exec x1 true
	assert_eq 125 "$status"
	assert_contains "$output" "is not running"
	engine rm x1 >/dev/null
}

test_pause_and_unpause() {
	import_bb
	local a b
	engine run -d --name p1 "$(cgp)" bb sh -c 'i=0; while :; do i=$((i+1)); echo $i > /count; sleep 0.05; done' >/dev/null
	wait_for 10 sh -c "$(engine_sh) exec p1 cat /count >/dev/null 2>&1"
	run engine pause p1
	assert_eq 0 "$status" "$output"
	assert_contains "$(status_of p1)" "(Paused)"
	assert_eq "paused true" "$(engine inspect -f '{{.State.Status}} {{.State.Paused}}' p1)"
	a=$(cat "$(engine inspect -f '{{.GraphDriver.Data.UpperDir}}' p1)/count")
	sleep 0.5
	b=$(cat "$(engine inspect -f '{{.GraphDriver.Data.UpperDir}}' p1)/count")
	assert_eq "$a" "$b" "the counter moved while paused"
	run engine exec p1 true
	assert_eq 125 "$status"
	assert_contains "$output" "paused"
	run engine pause p1
	assert_eq 1 "$status"
	assert_contains "$output" "already paused"
	engine unpause p1 >/dev/null
	wait_for 10 sh -c "[ \"\$(cat '$(engine inspect -f '{{.GraphDriver.Data.UpperDir}}' p1)/count')\" != '$b' ]"
	assert_contains "$(status_of p1)" "Up"
	assert_not_contains "$(status_of p1)" "Paused"
	# a paused container stops (it is thawed for its signals)
	engine pause p1 >/dev/null
	run engine stop -t 1 p1
	assert_eq 0 "$status" "$output"
	assert_contains "$(status_of p1)" "Exited"
	run engine unpause p1
	assert_eq 1 "$status"
	assert_contains "$output" "not running"
	engine rm p1 >/dev/null
}

test_inspect_a_container() {
	import_bb
	local id
	id=$(engine run -d --name in1 -m 64m --cpus 0.5 --pids-limit 20 "$(cgp)" bb sleep 600)
	assert_eq "running /in1 $id" "$(engine inspect -f '{{.State.Status}} {{.Name}} {{.Id}}' in1)"
	assert_eq "67108864 500000000 20" \
		"$(engine inspect -f '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}' in1)"
	assert_eq '["sleep","600"]' "$(engine inspect -f '{{json .Config.Cmd}}' in1)"
	# the pid is the container's init as the host sees it
	assert_eq sleep "$(cat /proc/"$(engine inspect -f '{{.State.Pid}}' in1)"/comm)"
	# the JSON array of docker's shape, containers and images alike (bb:latest: "bb" alone
	# is also a prefix of one in 256 container ids, and ids are looked up first, as docker's)
	run engine inspect in1 bb:latest
	assert_eq 0 "$status"
	assert_eq 2 "$(jq length <<<"$output")"
	assert_eq "$id" "$(jq -r '.[0].Id' <<<"$output")"
	assert_eq "sha256:" "$(jq -r '.[1].Id' <<<"$output" | cut -c1-7)"
	engine stop -t 1 in1 >/dev/null
	assert_eq "exited 137 false 0" \
		"$(engine inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}} {{.State.Pid}}' in1)"
	assert_ne "0001-01-01T00:00:00Z" "$(engine inspect -f '{{.State.FinishedAt}}' in1)"
	# an OOM kill is recorded
	engine run --name oom -m 32m "$(cgp)" bb /probe alloc 200 >/dev/null 2>&1 || true
	assert_eq "true 137" "$(engine inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' oom)"
	assert_eq "false" "$(engine inspect -f '{{.State.OOMKilled}}' in1)"
	# errors: unknown names, types and templates
	run engine inspect nosuch
	assert_eq 1 "$status"
	assert_contains "$output" "no such object: nosuch"
	run engine inspect --type image in1
	assert_eq 1 "$status"
	run engine inspect -f '{{range .Args}}x' in1
	assert_eq 125 "$status"
	assert_contains "$output" "template"
	engine rm in1 oom >/dev/null
}

test_inspect_format_of_a_missing_key_fails() {
	import_bb
	engine create --name mk1 "$(cgp)" bb true >/dev/null
	# Go's missingkey=error, as docker's inspect: the key path named, exit 1, no output
	run engine inspect -f '{{.Nope.Deeper}}' mk1
	assert_eq 1 "$status" "$output"
	assert_eq 'berth: template: :1:7: executing "" at <.Nope.Deeper>: map has no entry for key "Nope"' \
		"$output"
	run engine inspect -f 'status {{.State.Status}} {{json .State.Nope}}' mk1
	assert_eq 1 "$status" "$output"
	assert_contains "$output" 'at <.State.Nope>: map has no entry for key "Nope"'
	assert_not_contains "$output" "status created"
	# each object on its own: the others still print
	run engine inspect -f '{{.Config.Image}}' mk1 bb:latest
	assert_eq 1 "$status" "$output"
	assert_contains "$output" "bb"
	assert_contains "$output" 'map has no entry for key "Image"'
	# keys that are there still print
	assert_eq 'created /mk1 ["true"]' \
		"$(engine inspect -f '{{.State.Status}} {{.Name}} {{json .Config.Cmd}}' mk1)"
	engine rm mk1 >/dev/null
}

test_stats_and_top() {
	import_bb
	engine run -d --name busy -m 64m "$(cgp)" bb sh -c 'while :; do :; done' >/dev/null
	engine run -d --name idle "$(cgp)" bb sleep 600 >/dev/null
	run engine stats --no-stream
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "CONTAINER ID"
	assert_contains "$output" "MEM USAGE / LIMIT"
	local busy_cpu idle_pids
	busy_cpu=$(awk '$2 == "busy" { sub("%", "", $3); print int($3) }' <<<"$output")
	[ "$busy_cpu" -ge 5 ] || fail "a busy loop at ${busy_cpu}% CPU"
	assert_contains "$(grep busy <<<"$output")" "/ 64MiB"
	idle_pids=$(awk '$2 == "idle" { print $NF }' <<<"$output")
	assert_eq 1 "$idle_pids"
	run engine stats --no-stream idle
	assert_not_contains "$output" "busy"
	assert_contains "$output" "idle"
	run engine stats --no-stream nosuch
	assert_eq 125 "$status"
	# top: ps's rows of the container's processes only
	run engine top idle
	assert_eq 0 "$status" "$output"
	assert_contains "$(head -1 <<<"$output")" "PID"
	assert_contains "$output" "sleep 600"
	assert_not_contains "$output" "while"
	assert_eq 2 "$(wc -l <<<"$output")"
	run engine top idle -o pid,comm
	assert_eq "sleep" "$(tail -1 <<<"$output" | awk '{ print $2 }')"
	engine rm -f busy idle >/dev/null
	run engine top idle
	assert_eq 125 "$status"
}

test_restart_policies() {
	import_bb
	# on-failure:2: the first run and two more, then it stays exited
	engine run -d --name onf --restart on-failure:2 "$(cgp)" bb sh -c 'echo ran; exit 3' >/dev/null
	run engine wait onf
	assert_eq 3 "$output"
	assert_eq 3 "$(engine logs onf | grep -c ran)"
	assert_eq "2 exited 3" \
		"$(engine inspect -f '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}' onf)"
	assert_eq '{"Name":"on-failure","MaximumRetryCount":2}' \
		"$(engine inspect -f '{{json .HostConfig.RestartPolicy}}' onf)"
	# on-failure and a clean exit: no restart
	engine run -d --name ok --restart on-failure "$(cgp)" bb true >/dev/null
	engine wait ok >/dev/null
	assert_eq 0 "$(engine inspect -f '{{.RestartCount}}' ok)"
	# always: back after each exit, until the user stops it
	engine run -d --name alw --restart always "$(cgp)" bb sh -c 'echo up; sleep 0.2' >/dev/null
	wait_for 20 sh -c "[ \$($(engine_sh) logs alw | grep -c up) -ge 3 ]"
	run engine stop -t 2 alw
	assert_eq 0 "$status" "$output"
	assert_contains "$(status_of alw)" "Exited"
	local n
	n=$(engine logs alw | grep -c up)
	sleep 1
	assert_eq "$n" "$(engine logs alw | grep -c up)" "it came back after stop"
	# a manual start runs it again (and the policy with it)
	engine start alw >/dev/null
	wait_for 20 sh -c "[ \$($(engine_sh) logs alw | grep -c up) -ge $((n + 2)) ]"
	engine rm -f onf ok alw >/dev/null
	assert_eq "" "$(engine ps -aq)"
	run engine run --rm --restart always "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "conflicting options"
	run engine run --restart sometimes "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "invalid restart policy 'sometimes'"
}

test_container_group_and_prune() {
	import_bb
	engine run --name done1 "$(cgp)" bb true
	engine create --name made "$(cgp)" bb true >/dev/null
	engine run -d --name live "$(cgp)" bb sleep 600 >/dev/null
	# docker's spellings of the verbs
	assert_eq "$(engine ps -aq | sort)" "$(engine container ls -aq | sort)"
	assert_eq running "$(engine container inspect -f '{{.State.Status}}' live)"
	run engine container inspect bb:latest
	assert_eq 1 "$status"
	run engine container prune -f
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "Deleted Containers:"
	assert_eq 2 "$(grep -c '^[0-9a-f]\{64\}$' <<<"$output")"
	assert_eq live "$(engine ps -a | awk 'NR > 1 { print $NF }')"
	engine container rm -f live >/dev/null
	assert_eq "" "$(engine ps -aq)"
}

test_log_lines_a_full_disk_refuses_are_counted_and_marked() {
	# a store on a small tmpfs of its own, nearly filled
	local store="$BERTH_TEST_TMP/small" out
	mkdir -p "$store"
	mount -t tmpfs -o size=12m berthsmall "$store"
	"$BERTH" --root "$store" import "$BUSYBOX_TAR" bb >/dev/null
	head -c $(( $(stat -f -c '%a*%S' "$store") - 64 * 1024 )) /dev/zero >"$store/filler" 2>/dev/null || true
	# 20000 lines (about 1 MB of log) cannot be written; then room again, then one more
	"$BERTH" --root "$store" run -d --name full --network none "$(cgp)" bb sh -c \
		'i=0; while [ $i -lt 20000 ]; do echo line-$i; i=$((i+1)); done; touch /tmp/wrote
		 while [ ! -e /tmp/go ]; do sleep 0.1; done; echo after-the-disk-had-room' >/dev/null
	wait_for 30 "$BERTH" --root "$store" exec full test -e /tmp/wrote
	rm -f "$store/filler"
	"$BERTH" --root "$store" exec full touch /tmp/go
	run "$BERTH" --root "$store" wait full
	assert_eq 0 "$output"
	out=$("$BERTH" --root "$store" logs full 2>&1)
	assert_contains "$out" "line(s) of output lost: the log could not be written (No space left on device)"
	assert_contains "$out" "after-the-disk-had-room"
	# the log stays well-formed: every line is a whole entry
	assert_eq "" "$(grep -v -E '^[0-9TZ:.-]+ (stdout|stderr) [FP] ' "$store/containers/"*/container.log || true)"
	"$BERTH" --root "$store" rm full >/dev/null
	umount "$store"
}

# pty_drive STEP... -- COMMAND...: COMMAND on a new pty (python's pty.fork), driven by the
# steps: "expect:TEXT" (read until TEXT shows, 10 s at most), "send:HEX" (type the bytes),
# "exit" (wait for it to end). Prints "saw TEXT: True|False" for each expect, "exit: N",
# then everything read as "read: REPR".
pty_drive() {
	python3 - "$@" <<'PY'
import os, pty, select, sys, time
i = sys.argv.index("--")
steps, cmd = sys.argv[1:i], sys.argv[i + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(cmd[0], cmd)
seen = b""
def read_until(word, timeout=10):
    global seen
    start, end = len(seen), time.time() + timeout
    while word not in seen[start:] and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    return word in seen[start:]
for st in steps:
    kind, _, arg = st.partition(":")
    if kind == "expect":
        print("saw %s: %s" % (arg, read_until(arg.encode())))
    elif kind == "send":
        time.sleep(0.2)
        os.write(fd, bytes.fromhex(arg))
    elif kind == "exit":
        read_until(b"\0", timeout=0.5)
        _, code = os.waitpid(pid, 0)
        read_until(b"\0", timeout=0.2)
        print("exit:", os.waitstatus_to_exitcode(code))
print("read:", repr(seen))
PY
}

# docker's --detach-keys: run, attach and start -a detach with the keys given (or
# ctrl-p ctrl-q), the container runs on; attach says "read escape sequence", exit 1, as
# docker's does; run and start -a leave quietly with 0
test_detach_keys_of_run_attach_and_start() {
	import_bb
	local berth=("$BERTH" --root "$BERTH_STORE")
	# ctrl-p ctrl-q is no detach when the keys are ctrl-a,x: it reaches the shell
	run pty_drive expect:'# ' send:1011 send:"$(printf 'echo still-$((40+2))\r' | od -An -tx1 | tr -d ' \n')" \
		expect:still-42 send:0178 exit -- "${berth[@]}" run -it --detach-keys ctrl-a,x \
		--name dk "$(cgp)" bb sh
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "saw still-42: True"
	assert_contains "$output" "exit: 0"
	assert_not_contains "$output" "read escape sequence"
	assert_contains "$(status_of dk)" "Up"
	# attach: one key, and the default
	run pty_drive send:0d expect:'# ' send:61 exit -- "${berth[@]}" attach --detach-keys=a dk
	assert_contains "$output" "saw # : True"
	assert_contains "$output" "exit: 1"
	assert_contains "$output" "read escape sequence"
	run pty_drive send:0d expect:'# ' send:1011 exit -- "${berth[@]}" attach dk
	assert_contains "$output" "exit: 1"
	assert_contains "$output" "read escape sequence"
	assert_contains "$(status_of dk)" "Up"
	# the first key held, then sent on before a key that is not the second (which may
	# start the sequence again)
	run pty_drive send:0d expect:'# ' \
		send:"$(printf 'echo qq-$((1+1))\r' | od -An -tx1 | tr -d ' \n')" expect:qq-2 \
		send:711d exit -- "${berth[@]}" attach --detach-keys 'q,ctrl-]' dk
	assert_contains "$output" "saw qq-2: True"
	assert_contains "$output" "exit: 1"
	# start -a: stopped, started attached, detached with ctrl-z,DEL
	engine stop -t 1 dk >/dev/null
	run pty_drive expect:'# ' send:1a7f exit -- "${berth[@]}" start -ai --detach-keys ctrl-z,DEL dk
	assert_contains "$output" "saw # : True"
	assert_contains "$output" "exit: 0"
	assert_not_contains "$output" "read escape sequence"
	assert_contains "$(status_of dk)" "Up"
	# docker's error, before anything is made
	run engine run --detach-keys ctrl-P,q "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_eq "berth: Invalid detach keys (ctrl-P,q) provided" "$output"
	run engine attach --detach-keys 'a,,b' dk
	assert_eq 125 "$status"
	assert_eq "berth: Invalid detach keys (a,,b) provided" "$output"
	run engine start -a --detach-keys ctrl-ab dk
	assert_eq "berth: Invalid detach keys (ctrl-ab) provided" "$output"
	run engine create --detach-keys a bb true
	assert_eq 125 "$status"
	assert_contains "$output" "unknown flag '--detach-keys'"
	assert_eq 1 "$(engine ps -aq | wc -l)"
	engine rm -f dk >/dev/null
}

# exec -it --detach-keys: the command runs on after we detached (its terminal held), docker's
# "read escape sequence", exit 1; docker's "Invalid escape keys" error
test_exec_detach_keys() {
	import_bb
	engine run -d --name ex "$(cgp)" bb sleep 600 >/dev/null
	run pty_drive expect:'# ' \
		send:"$(printf 'echo in-exec-$((3*3)); while :; do date +%%s >/tmp/alive; sleep 0.2; done\r' | od -An -tx1 | tr -d ' \n')" \
		expect:in-exec-9 send:1011 exit -- "$BERTH" --root "$BERTH_STORE" exec -it ex sh
	assert_contains "$output" "saw in-exec-9: True"
	assert_contains "$output" "exit: 1"
	assert_contains "$output" "read escape sequence"
	# the loop runs on in the container
	local a b
	a=$(engine exec ex cat /tmp/alive)
	sleep 1.5
	b=$(engine exec ex cat /tmp/alive)
	((b > a)) || fail "the detached exec stopped ($a, then $b)"
	run pty_drive expect:'# ' send:78 exit -- "$BERTH" --root "$BERTH_STORE" exec -it --detach-keys x ex sh
	assert_contains "$output" "exit: 1"
	run engine exec -i --detach-keys ctrl-ü ex true
	assert_eq 125 "$status"
	assert_eq "berth: Invalid escape keys (ctrl-ü) provided" "$output"
	engine rm -f ex >/dev/null
}

# --sig-proxy (run, attach; default true): the signals berth gets go to the container;
# with --sig-proxy=false they do not (berth ends by them, as docker's CLI does, and the
# container runs on)
# attached NAME SINCE: an attach to NAME since SINCE is in the event log (its relay
# follows at once)
attached() {
	[[ -n $(engine events --since "$2" --until "$(date +%s.%N)" --filter event=attach \
		--filter container="$1" --format '{{.Action}}') ]] && sleep 0.3
}

test_sig_proxy() {
	import_bb
	local out=$BERTH_TEST_TMP/sp.out pid st=0 since
	local prog='trap "echo got-usr1" USR1; trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done'
	"$BERTH" --root "$BERTH_STORE" run --name sp "$(cgp)" bb sh -c "$prog" >"$out" 2>&1 &
	pid=$!
	wait_for 10 grep -q ready "$out"
	kill -USR1 "$pid"
	wait_for 10 grep -q got-usr1 "$out"
	kill -TERM "$pid"
	wait "$pid" || st=$?
	assert_eq 7 "$st" "$(cat "$out")"
	assert_contains "$(cat "$out")" "got-term"
	# --sig-proxy=false: berth ends by the signal, the container did not get it
	: >"$out"
	"$BERTH" --root "$BERTH_STORE" run --sig-proxy=false --name np "$(cgp)" bb sh -c "$prog" \
		>"$out" 2>&1 &
	pid=$!
	wait_for 10 grep -q ready "$out"
	st=0
	kill -USR1 "$pid"
	wait "$pid" || st=$?
	assert_eq $((128 + 10)) "$st"
	sleep 0.5
	assert_contains "$(status_of np)" "Up"
	assert_not_contains "$(engine logs np)" "got-usr1"
	# attach likewise: proxied by default, not with --sig-proxy=false
	since=$(date +%s.%N)
	"$BERTH" --root "$BERTH_STORE" attach --sig-proxy=false np >"$out" 2>&1 &
	pid=$!
	wait_for 20 attached np "$since"
	st=0
	kill -USR1 "$pid"
	wait "$pid" || st=$?
	assert_eq $((128 + 10)) "$st"
	sleep 0.5
	assert_not_contains "$(engine logs np)" "got-usr1"
	since=$(date +%s.%N)
	"$BERTH" --root "$BERTH_STORE" attach np >"$out" 2>&1 &
	pid=$!
	wait_for 20 attached np "$since"
	kill -USR1 "$pid"
	wait_for 10 grep -q got-usr1 "$out"
	kill -TERM "$pid"
	st=0
	wait "$pid" || st=$?
	assert_eq 7 "$st"
	run engine run --sig-proxy=maybe "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "invalid value 'maybe' for --sig-proxy"
	engine rm -f sp np >/dev/null
}

test_a_ctrl_p_is_held_until_the_next_key() {
	import_bb
	# the container reads one raw byte: a lone ctrl-p must not reach it (it may be the
	# start of ctrl-p ctrl-q); the next key sends it on, ahead of that key
	run python3 - "$BERTH" "$BERTH_STORE" "$(cgp)" <<'EOF'
import os, pty, sys, time, select
berth, store, cgp = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execv(berth, [berth, "--root", store, "run", "-it", "--name", "hold1", cgp, "bb", "sh",
                     "-c", "stty raw -echo; echo ready; dd bs=1 count=1 2>/dev/null | od -An -tx1; echo done"])
def read_until(word, timeout=10):
    buf, end = b"", time.time() + timeout
    while word not in buf and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                break
    return buf
read_until(b"ready")
time.sleep(0.3)
os.write(fd, b"\x10")
early = read_until(b"done", timeout=1.5)
print("after ctrl-p alone:", b"done" in early)
os.write(fd, b"y")
out = early + read_until(b"done")
print("bytes:", out.split(b"done")[0].split(b"ready")[-1].strip().decode(errors="replace"))
_, st = os.waitpid(pid, 0)
print("cli exit:", os.waitstatus_to_exitcode(st))
EOF
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "after ctrl-p alone: False"
	assert_contains "$output" "bytes: 10"
	assert_contains "$output" "cli exit: 0"
	engine rm -f hold1 >/dev/null
}
