# `berth serve`: the Docker Engine API, driven by docker's own CLI (28, at
# /usr/local/bin/docker) as a user types it, with DOCKER_HOST at berth's socket.

# shellcheck source=tests/integration/serve.sh
source "$(dirname "${BASH_SOURCE[0]}")/serve.sh"

test_docker_version_negotiates_with_berth_serve() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	serve_start
	assert_status 0 dk version --format '{{.Server.APIVersion}} {{.Server.Os}} {{.Client.APIVersion}}'
	assert_eq "$output" "1.50 linux 1.50"
	# an API version below docker's minimum is refused as dockerd refuses it
	run curl -s --unix-socket "$SOCK" http://x/v1.12/version
	assert_contains "$output" "client version 1.12 is too old. Minimum supported API version is 1.24"
	run curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" http://x/v1.50/nothing
	assert_eq "$output" 404
	serve_stop
}

test_docker_run_detached_ps_logs_stop_rm() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	import_probe_image bb
	serve_start
	local id
	id=$(dk run -d --name web --cgroup-parent "$BERTH_TEST_CGROUP" bb sh -c 'echo hello; echo oops >&2; sleep 1000')
	[[ $id =~ ^[0-9a-f]{64}$ ]] || fail "docker run -d printed '$id'"
	assert_status 0 dk ps --format '{{.Names}} {{.Image}} {{.Status}}'
	assert_contains "$output" "web bb Up"
	wait_for 10 sh -c "'$DOCKER_CLI' logs web 2>&1 | grep -q oops"
	run dk logs web
	assert_contains "$output" "hello"
	assert_contains "$output" "oops"
	# the streams apart, as docker's frames keep them
	assert_eq "$(dk logs web 2>/dev/null)" "hello"
	run dk inspect -f '{{.State.Running}} {{.Name}}' web
	assert_eq "$output" "true /web"
	assert_status 0 dk stop -t 1 web
	assert_eq "$output" "web"
	run dk ps -a --format '{{.Names}} {{.Status}}'
	assert_contains "$output" "web Exited (137)"
	assert_status 0 dk rm web
	assert_eq "$(engine ps -aq)" ""
	serve_stop
}

test_docker_run_in_the_foreground_relays_output_and_exit_code() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	import_probe_image bb
	serve_start
	assert_status 0 dk run --rm --cgroup-parent "$BERTH_TEST_CGROUP" bb echo hello
	assert_eq "$output" "hello"
	assert_status 3 dk run --rm --cgroup-parent "$BERTH_TEST_CGROUP" bb sh -c 'echo out; echo err >&2; exit 3'
	assert_contains "$output" "out"
	assert_contains "$output" "err"
	assert_eq "$(dk run --rm --cgroup-parent "$BERTH_TEST_CGROUP" bb sh -c 'echo err >&2' 2>/dev/null)" ""
	# --rm: nothing left
	assert_eq "$(engine ps -aq)" ""
	# stdin through -i
	assert_eq "$(echo piped | dk run --rm -i --cgroup-parent "$BERTH_TEST_CGROUP" bb cat)" "piped"
	serve_stop
}

test_errors_are_dockers() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	import_probe_image bb
	serve_start
	assert_status 1 dk inspect nosuch
	assert_contains "$output" "No such object: nosuch"
	assert_status 1 dk stop nosuch
	assert_contains "$output" "no such container: nosuch"
	dk create --name twice --cgroup-parent "$BERTH_TEST_CGROUP" bb true >/dev/null
	# dockerd's 409: `docker create` exits 1 on it, `docker run` 125
	assert_status 1 dk create --name twice --cgroup-parent "$BERTH_TEST_CGROUP" bb true
	assert_contains "$output" 'Conflict. The container name "/twice" is already in use'
	assert_status 125 dk run --name twice --cgroup-parent "$BERTH_TEST_CGROUP" bb true
	assert_contains "$output" "Conflict"
	# a field berth does not carry out is refused by name, not ignored
	run curl -s --unix-socket "$SOCK" -H 'Content-Type: application/json' \
		-d '{"Image":"bb","HostConfig":{"VolumesFrom":["x"]}}' http://x/v1.50/containers/create
	assert_contains "$output" "HostConfig.VolumesFrom is not supported by berth"
	# malformed JSON: 400 saying where
	run curl -s -w ' %{http_code}' --unix-socket "$SOCK" -H 'Content-Type: application/json' \
		-d '{"Image":' http://x/v1.50/containers/create
	assert_contains "$output" "invalid JSON in the request body, line 1"
	assert_contains "$output" " 400"
	# a HEAD's error carries no body: the next request on the connection reads clean
	run curl -s -o /dev/null -w '%{http_code} ' -I --unix-socket "$SOCK" \
		"http://x/v1.50/containers/twice/archive?path=/nope" \
		--next -s -w '%{http_code}' --unix-socket "$SOCK" http://x/_ping
	assert_eq "$output" "404 OK200"
	dk rm twice >/dev/null
	serve_stop
}

test_docker_run_it_gives_a_terminal_sized_as_the_clients() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	import_probe_image bb
	serve_start
	# a pty of script(1) as the user's terminal, 40 rows by 100 columns; what is typed
	# comes once the shell is there (the feeder keeps script's input open, then goes)
	mkfifo "$BERTH_TEST_TMP/typed"
	(sleep 2; printf 'tty; stty size; exit 5\n'; exec sleep 10) >"$BERTH_TEST_TMP/typed" &
	local feeder=$!
	run timeout 30 script -qec "stty rows 40 cols 100; $DOCKER_CLI run --rm -i -t --cgroup-parent $BERTH_TEST_CGROUP bb sh" /dev/null <"$BERTH_TEST_TMP/typed"
	kill "$feeder" 2>/dev/null || true
	wait "$feeder" 2>/dev/null || true
	assert_eq "$status" 5
	assert_contains "$output" "/dev/pts/0"
	assert_contains "$output" "40 100"
	assert_eq "$(engine ps -aq)" ""
	# the terminal's size follows docker's resize
	dk run -d -t --name t1 --cgroup-parent "$BERTH_TEST_CGROUP" bb sleep 1000 >/dev/null
	curl -sf -X POST --unix-socket "$SOCK" "http://x/v1.50/containers/t1/resize?h=33&w=77"
	assert_eq "$(engine exec t1 stty -F /dev/console size)" "33 77"
	dk rm -f t1 >/dev/null
	serve_stop
}

test_docker_top_stats_update_diff_export() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	import_probe_image bb
	serve_start
	dk run -d --name s1 --cgroup-parent "$BERTH_TEST_CGROUP" bb sh -c 'touch /added; rm /probe; sleep 1000' >/dev/null
	run dk top s1
	assert_contains "$output" "PID"
	assert_contains "$output" "sleep 1000"
	run dk top s1 -o pid,comm
	assert_contains "$output" "COMMAND"
	assert_contains "$output" "sleep"
	assert_status 0 dk stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}} {{.BlockIO}}' s1
	[[ $output =~ ^s1\ [0-9.]+[KMG]i?B\ /\ [0-9.]+[KMGT]i?B\ [0-9]+\ [0-9.]+[kMG]?B\ /\ [0-9.]+[kMG]?B$ ]] ||
		fail "stats: '$output'"
	assert_status 0 dk update --memory 64m --memory-swap 128m s1
	assert_eq "$(dk inspect -f '{{.HostConfig.Memory}}' s1)" "67108864"
	wait_for 10 sh -c "'$DOCKER_CLI' diff s1 | grep -q 'A /added'"
	run dk diff s1
	assert_contains "$output" "D /probe"
	dk export s1 | tar -t >"$BERTH_TEST_TMP/list"
	grep -qx 'added' "$BERTH_TEST_TMP/list" || grep -qx './added' "$BERTH_TEST_TMP/list" || fail "export lacks /added"
	dk rm -f s1 >/dev/null
	serve_stop
}

test_docker_events_info_system_df() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	import_probe_image bb
	serve_start
	local since
	since=$(date +%s)
	dk run --rm --name ev --cgroup-parent "$BERTH_TEST_CGROUP" bb true
	run dk events --since "$since" --until "$(($(date +%s) + 1))" --filter container=ev --format '{{.Action}}'
	assert_contains "$output" "create"
	assert_contains "$output" "start"
	assert_contains "$output" "die"
	assert_contains "$output" "destroy"
	# live: an event of a run after the stream began
	dk events --filter event=start --format '{{.Actor.Attributes.name}}' >"$BERTH_TEST_TMP/live" &
	local ev_pid=$!
	sleep 0.5
	dk run --rm --name live1 --cgroup-parent "$BERTH_TEST_CGROUP" bb true
	wait_for 10 grep -q live1 "$BERTH_TEST_TMP/live"
	kill "$ev_pid"
	wait "$ev_pid" || true
	run dk info --format '{{.Images}} {{.OSType}} {{.CgroupDriver}}'
	assert_eq "$output" "1 linux $(engine info | sed -n 's/^ Cgroup Driver: //p')"
	run dk system df
	assert_contains "$output" "Images          1"
	serve_stop
}

test_docker_cp_both_ways() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	import_probe_image bb
	serve_start
	dk run -d --name c1 --cgroup-parent "$BERTH_TEST_CGROUP" bb sh -c 'mkdir -p /data/sub; echo inside >/data/sub/f; sleep 1000' >/dev/null
	wait_for 10 engine exec c1 test -f /data/sub/f
	# out of the container: a file, and a directory under its own name
	assert_status 0 dk cp c1:/data/sub/f "$BERTH_TEST_TMP/f"
	assert_eq "$(cat "$BERTH_TEST_TMP/f")" "inside"
	assert_status 0 dk cp c1:/data "$BERTH_TEST_TMP/out"
	assert_eq "$(cat "$BERTH_TEST_TMP/out/sub/f")" "inside"
	# into it: a file, and a directory
	echo host >"$BERTH_TEST_TMP/h"
	assert_status 0 dk cp "$BERTH_TEST_TMP/h" c1:/data/
	assert_eq "$(engine exec c1 cat /data/h)" "host"
	mkdir -p "$BERTH_TEST_TMP/dir/x"
	echo deep >"$BERTH_TEST_TMP/dir/x/y"
	assert_status 0 dk cp "$BERTH_TEST_TMP/dir" c1:/data/copied
	assert_eq "$(engine exec c1 cat /data/copied/x/y)" "deep"
	# docker's error for what is not there
	assert_status 1 dk cp c1:/nope "$BERTH_TEST_TMP/n"
	assert_contains "$output" "Could not find the file /nope in container c1"
	# a stopped container too
	dk stop -t 0 c1 >/dev/null
	assert_status 0 dk cp c1:/data/h "$BERTH_TEST_TMP/h2"
	assert_eq "$(cat "$BERTH_TEST_TMP/h2")" "host"
	echo later >"$BERTH_TEST_TMP/h3"
	assert_status 0 dk cp "$BERTH_TEST_TMP/h3" c1:/data/
	assert_status 0 dk cp c1:/data/h3 "$BERTH_TEST_TMP/h4"
	assert_eq "$(cat "$BERTH_TEST_TMP/h4")" "later"
	dk rm c1 >/dev/null
	serve_stop
}

# Detach keys on the server's side (docker's DetachKeys of an exec, attach's detachKeys):
# typed on a hijacked terminal stream, they end the stream and the process runs on
test_detach_keys_of_exec_and_attach_end_the_stream_not_the_process() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	import_probe_image bb
	serve_start
	dk run -d -t -i --name t1 --cgroup-parent "$BERTH_TEST_CGROUP" bb sh >/dev/null
	# docker's CLI sends its --detach-keys with the exec (it detaches on its own side)
	assert_status 0 dk exec -i --detach-keys ctrl-x t1 echo keyed
	assert_eq "$output" "keyed"
	assert_status 1 dk exec -i --detach-keys ctrl-üx t1 true
	assert_contains "$output" "Invalid escape keys (ctrl-üx) provided"
	run python3 - "$SOCK" <<'PY'
import json, socket, sys, time
sock_path = sys.argv[1]

def request(method, path, body=None, hijack=False):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    data = json.dumps(body).encode() if body is not None else b""
    head = "%s /v1.50%s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n" % (method, path, len(data))
    if hijack:
        head += "Connection: Upgrade\r\nUpgrade: tcp\r\n"
    head += "Connection: close\r\n" if not hijack else ""
    s.sendall(head.encode() + b"\r\n" + data)
    return s

def read_all(s, timeout):
    s.settimeout(timeout)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                return out, True
            out += b
    except socket.timeout:
        return out, False

def json_of(s):
    out, _ = read_all(s, 10)
    return json.loads(out.split(b"\r\n\r\n", 1)[1])

# an exec with its keys: typed, the stream ends while the loop runs on
s = request("POST", "/containers/t1/exec", {"Cmd": ["sh", "-c", "echo up; while :; do echo x >>/tmp/alive; sleep 0.2; done"],
            "Tty": True, "AttachStdin": True, "AttachStdout": True, "AttachStderr": True, "DetachKeys": "ctrl-x"})
eid = json_of(s)["Id"]
s = request("POST", "/exec/%s/start" % eid, {"Detach": False, "Tty": True}, hijack=True)
out = b""
s.settimeout(10)
while b"up" not in out:
    out += s.recv(4096)
s.sendall(b"\x18")
rest, ended = read_all(s, 10)
print("exec stream ended", ended)
info = json_of(request("GET", "/exec/%s/json" % eid))
print("exec running", info["Running"], info["DetachKeys"])
# attach with keys: the container runs on
s = request("POST", "/containers/t1/attach?stream=1&stdin=1&stdout=1&stderr=1&detachKeys=ctrl-y", hijack=True)
time.sleep(0.5)
s.sendall(b"echo attached-$((6*7))\r")
out = b""
s.settimeout(10)
while b"attached-42" not in out:
    out += s.recv(4096)
s.sendall(b"\x19")
rest, ended = read_all(s, 10)
print("attach stream ended", ended)
print("state", json_of(request("GET", "/containers/t1/json"))["State"]["Status"])
s = request("POST", "/containers/t1/attach?stream=1&stdin=1&stdout=1&detachKeys=ctrl-%C3%BC")
print("bad keys", read_all(s, 10)[0].split(b"\r\n")[0].decode())
PY
	assert_eq "$status" 0
	assert_contains "$output" "exec stream ended True"
	assert_contains "$output" "exec running True ctrl-x"
	assert_contains "$output" "attach stream ended True"
	assert_contains "$output" "state running"
	assert_contains "$output" "bad keys HTTP/1.1 400"
	# the exec's loop runs on after its stream ended
	local a b
	a=$(engine exec t1 wc -l /tmp/alive)
	sleep 1.5
	b=$(engine exec t1 wc -l /tmp/alive)
	((${b% *} > ${a% *})) || fail "the detached exec stopped ($a, then $b)"
	dk rm -f t1 >/dev/null
	serve_stop
}

# The server waiting for clients is the small `berth`; a request for an archive or a
# registry hands its connection to berth-full, which answers it and the rest of the
# connection's requests (serve.h, api_handoff)
test_a_connection_goes_on_after_it_is_handed_to_berth_full() {
	import_probe_image bb
	serve_start
	assert_eq "$(readlink -f "/proc/$SERVE_PID/exe")" "$(readlink -f "$HARNESS_BERTH")"
	engine create --name c1 --cgroup-parent "$BERTH_TEST_CGROUP" bb true >/dev/null
	mkdir "$BERTH_TEST_TMP/t"
	echo one >"$BERTH_TEST_TMP/t/a b"
	tar -C "$BERTH_TEST_TMP/t" -cf "$BERTH_TEST_TMP/t.tar" "a b"
	# one connection: a light request, a chunked tar into the container (handed over with
	# what was read of its body), a light one again, the file back by an escaped path (a
	# tar ends with its connection)
	local w='%{http_code} %{num_connects}\n'
	run curl -s --unix-socket "$SOCK" -w "$w" -o /dev/null http://x/v1.50/containers/c1/json \
		--next -s --unix-socket "$SOCK" -w "$w" -o /dev/null -X PUT \
		-H 'Transfer-Encoding: chunked' -H 'Content-Type: application/x-tar' \
		--data-binary "@$BERTH_TEST_TMP/t.tar" 'http://x/v1.50/containers/c1/archive?path=/' \
		--next -s --unix-socket "$SOCK" -w "$w" -o "$BERTH_TEST_TMP/list" \
		'http://x/v1.50/containers/json?all=1' \
		--next -s --unix-socket "$SOCK" -w "$w" -o "$BERTH_TEST_TMP/back.tar" \
		'http://x/v1.50/containers/c1/archive?path=/a%20b'
	assert_eq "$output" $'200 1\n200 0\n200 0\n200 0'
	assert_eq "$(tar -xOf "$BERTH_TEST_TMP/back.tar")" "one"
	assert_contains "$(cat "$BERTH_TEST_TMP/list")" '"Names":["/c1"]'
	# the server itself never became berth-full
	assert_eq "$(readlink -f "/proc/$SERVE_PID/exe")" "$(readlink -f "$HARNESS_BERTH")"
	engine rm c1 >/dev/null
	serve_stop
}

test_socket_activation_and_a_restart_leave_containers_running() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	command -v systemd-socket-activate >/dev/null || skip "no systemd-socket-activate"
	import_probe_image bb
	SOCK=$BERTH_TEST_TMP/act.sock
	export DOCKER_HOST=unix://$SOCK DOCKER_CONFIG=$BERTH_TEST_TMP/.docker
	# the socket systemd would pass (LISTEN_FDS): the server takes it with -H fd://
	systemd-socket-activate -l "$SOCK" "$BERTH" --root "$BERTH_STORE" serve -H fd:// \
		>"$BERTH_TEST_TMP/serve.log" 2>&1 &
	SERVE_PID=$!
	wait_for 10 test -S "$SOCK"
	dk run -d --name keep --cgroup-parent "$BERTH_TEST_CGROUP" bb sleep 1000 >/dev/null
	kill -TERM "$SERVE_PID"
	wait "$SERVE_PID" || true
	# the container did not go with the server
	assert_eq "$(engine inspect -f '{{.State.Running}}' keep)" "true"
	serve_start
	run dk ps --format '{{.Names}}'
	assert_eq "$output" "keep"
	dk rm -f keep >/dev/null
	serve_stop
}

test_docker_run_publishes_ports_exactly_as_asked() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	import_probe_image bb
	serve_start
	mkdir -p "$BERTH_TEST_TMP/www"
	dk run -d --name web -p 127.0.0.1:18080:80 -p 9090 --cgroup-parent "$BERTH_TEST_CGROUP" \
		bb sh -c 'mkdir -p /www; echo served >/www/index.html; httpd -f -p 80 -h /www' >/dev/null
	run dk port web 80
	assert_eq "$output" "127.0.0.1:18080"
	run dk port web
	assert_contains "$output" "9090/tcp -> 0.0.0.0:"
	run dk ps --format '{{.Ports}}'
	assert_contains "$output" "127.0.0.1:18080->80/tcp"
	# reachable where it was published (the engine's network namespace is the test's)
	wait_for 10 nsenter --net="/run/netns/$BERTH_TEST_NETNS" curl -sf http://127.0.0.1:18080/
	assert_eq "$(nsenter --net="/run/netns/$BERTH_TEST_NETNS" curl -s http://127.0.0.1:18080/)" "served"
	# a port taken is docker's error, and nothing is left of the second container
	assert_status 125 dk run -d --name web2 -p 127.0.0.1:18080:80 --cgroup-parent "$BERTH_TEST_CGROUP" bb sleep 100
	assert_contains "$output" "18080"
	dk rm -f web web2 >/dev/null 2>&1 || true
	assert_eq "$(engine ps -aq)" ""
	serve_stop
}

test_create_fields_of_the_run_flags_mac_and_namespaces() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	import_probe_image bb
	serve_start
	dk run -d --name donor --ipc shareable --cgroup-parent "$BERTH_TEST_CGROUP" bb sleep 1000 >/dev/null
	dk run -d --name joiner --pid container:donor --ipc container:donor \
		--mac-address 02:42:ac:11:00:99 --cgroup-parent "$BERTH_TEST_CGROUP" bb sleep 1001 >/dev/null
	assert_eq "$(engine exec joiner cat /sys/class/net/eth0/address)" "02:42:ac:11:00:99"
	assert_eq "$(engine exec joiner readlink /proc/1/ns/ipc)" "$(engine exec donor readlink /proc/1/ns/ipc)"
	run engine exec joiner ps
	assert_contains "$output" "sleep 1000"
	dk rm -f joiner donor >/dev/null
	serve_stop
}

test_docker_logs_follow_streams_until_the_container_ends() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	import_probe_image bb
	serve_start
	dk run -d --name f1 --cgroup-parent "$BERTH_TEST_CGROUP" bb \
		sh -c 'echo first; sleep 2; echo second; sleep 1' >/dev/null
	# follows: the lines as they come, and ends with the container
	dk logs -f f1 >"$BERTH_TEST_TMP/followed" 2>&1 &
	local follower=$!
	wait_for 10 grep -q first "$BERTH_TEST_TMP/followed"
	wait_for 15 grep -q second "$BERTH_TEST_TMP/followed"
	wait_for 15 sh -c "! kill -0 $follower 2>/dev/null"
	wait "$follower"
	assert_eq "$(cat "$BERTH_TEST_TMP/followed")" "first
second"
	assert_eq "$(dk logs --tail 1 f1)" "second"
	dk rm f1 >/dev/null
	serve_stop
}
