# `berth serve` driven by Debian's docker.io CLI 20.10 (/usr/bin/docker, API 1.41) as a
# user types it: run (--rm, -it through a terminal, -d -p), ps, logs -f, exec -it, cp,
# stop, rm -f, inspect, stats, top, events, pull/push/login against docker-registry
# (plain and htpasswd), images, tag, rmi, save/load, a network whose containers resolve
# each other by name, a volume, system df, info, version. What test-serve*.sh do with
# docker's CLI 28, through the older API version's requests and answers.
# The engine and the registry run in the test's own network namespace; the server and
# the registry are stopped by PID, the containers, networks and volumes removed.

# shellcheck source=tests/integration/serve.sh
source "$(dirname "${BASH_SOURCE[0]}")/serve.sh"

DOCKER_OLD=${DOCKER_OLD:-/usr/bin/docker}
REG_USER=berth
REG_PASS='s3cret-pass'

# d20 ARGS...: docker's CLI 20.10
d20() {
	"$DOCKER_OLD" "$@"
}

need_cli20() {
	[[ -x $DOCKER_OLD ]] || skip "no docker.io CLI at $DOCKER_OLD"
	"$DOCKER_OLD" --version | grep -q 'Docker version 20\.10\.' || skip "$DOCKER_OLD is not docker 20.10"
}

need_registry() {
	command -v docker-registry >/dev/null || skip "docker-registry is not installed"
	command -v htpasswd >/dev/null || skip "htpasswd is not installed"
	[[ -n ${BERTH_TEST_NETNS:-} ]] || skip "the engine runs in the host's network namespace"
}

cgp() {
	echo "--cgroup-parent=$BERTH_TEST_CGROUP"
}

# serve_start with the clean-up armed: whatever the test leaves when it fails half way
start() {
	trap cleanup EXIT
	serve_start
}

# stop: the server stopped as test-serve*.sh stop it, nothing of the test's left
stop() {
	assert_eq "" "$(engine ps -aq)"
	serve_stop
	cleanup
}

# pty_run SECONDS ROWS COLS TYPED CMD: CMD in script(1)'s terminal of ROWS x COLS, TYPED
# written to it once the command had SECONDS to start (the feeder keeps the input open
# a while after, then goes); $output, $status
pty_run() {
	local delay=$1 rows=$2 cols=$3 typed=$4 cmd=$5 fifo feeder
	fifo=$BERTH_TEST_TMP/typed.$RANDOM
	mkfifo "$fifo"
	(sleep "$delay"; printf '%s\n' "$typed"; exec sleep 10) >"$fifo" &
	feeder=$!
	run timeout 30 script -qec "stty rows $rows cols $cols; $cmd" /dev/null <"$fifo"
	kill "$feeder" 2>/dev/null || true
	wait "$feeder" 2>/dev/null || true
	rm -f "$fifo"
}

test_cli20_run_rm_interactive_and_with_a_terminal() {
	need_cli20
	import_probe_image bb
	start
	assert_status 0 d20 version --format '{{.Client.APIVersion}} {{.Server.APIVersion}} {{.Server.Os}}'
	assert_eq "1.41 1.50 linux" "$output"
	# foreground: the output, the exit code, the streams apart
	assert_status 0 d20 run --rm "$(cgp)" bb echo hello
	assert_eq "hello" "$output"
	assert_status 3 d20 run --rm "$(cgp)" bb sh -c 'echo out; echo err >&2; exit 3'
	assert_contains "$output" "out"
	assert_contains "$output" "err"
	assert_eq "" "$(d20 run --rm "$(cgp)" bb sh -c 'echo err >&2' 2>/dev/null)"
	assert_eq "" "$(engine ps -aq)"
	# stdin through -i
	assert_eq "piped" "$(echo piped | d20 run --rm -i "$(cgp)" bb cat)"
	# a command that does not exist: docker's 127, nothing left
	assert_status 127 d20 run --rm "$(cgp)" bb nosuchcommand
	assert_eq "" "$(engine ps -aq)"
	# -it: a terminal the size of the user's, what is typed reaches the shell
	pty_run 2 40 100 'tty; stty size; exit 5' "$DOCKER_OLD run --rm -i -t $(cgp) bb sh"
	assert_eq 5 "$status" "$output"
	assert_contains "$output" "/dev/pts/0"
	assert_contains "$output" "40 100"
	# the terminal's size follows the client's resize
	d20 run -d -t --name t1 "$(cgp)" bb sleep 1000 >/dev/null
	curl -sf -X POST --unix-socket "$SOCK" "http://x/v1.41/containers/t1/resize?h=33&w=77"
	assert_eq "33 77" "$(engine exec t1 stty -F /dev/console size)"
	assert_status 0 d20 rm -f t1
	assert_eq "t1" "$output"
	stop
}

test_cli20_run_detached_ports_ps_logs_inspect_stop_rm() {
	need_cli20
	import_probe_image bb
	start
	local id
	id=$(d20 run -d --name web -p 127.0.0.1:18080:80 -p 9090 "$(cgp)" bb \
		sh -c 'echo hello; echo oops >&2; mkdir -p /www; echo served >/www/index.html; exec httpd -f -p 80 -h /www')
	[[ $id =~ ^[0-9a-f]{64}$ ]] || fail "docker run -d printed '$id'"
	assert_status 0 d20 ps --format '{{.Names}} {{.Image}} {{.Status}} {{.Ports}}'
	assert_contains "$output" "web bb Up"
	assert_contains "$output" "127.0.0.1:18080->80/tcp"
	assert_contains "$output" "->9090/tcp"
	assert_eq "${id:0:12}" "$(d20 ps -q)"
	assert_status 0 d20 port web 80
	assert_eq "127.0.0.1:18080" "$output"
	# reachable where it was published
	wait_for 10 in_netns curl -sf http://127.0.0.1:18080/
	assert_eq "served" "$(in_netns curl -s http://127.0.0.1:18080/)"
	# logs: both streams, apart
	wait_for 10 sh -c "'$DOCKER_OLD' logs web 2>&1 | grep -q oops"
	assert_eq "hello" "$(d20 logs web 2>/dev/null)"
	assert_eq "oops" "$(d20 logs web 2>&1 >/dev/null)"
	# inspect: the object and a template over it
	assert_status 0 d20 inspect -f '{{.State.Running}} {{.Name}} {{.Id}} {{.Config.Image}}' web
	assert_eq "true /web $id bb" "$output"
	assert_status 0 d20 inspect web
	assert_eq "$id" "$(jq -r '.[0].Id' <<<"$output")"
	assert_eq '[{"HostIp":"127.0.0.1","HostPort":"18080"}]' \
		"$(jq -c '.[0].NetworkSettings.Ports["80/tcp"]' <<<"$output")"
	# the bindings as asked for: 9090 without an address or a port of its own
	assert_eq '{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"18080"}],"9090/tcp":[{"HostIp":"","HostPort":""}]}' \
		"$(jq -c '.[0].HostConfig.PortBindings' <<<"$output")"
	assert_status 1 d20 inspect nosuch
	assert_contains "$output" "No such object: nosuch"
	# stop: docker's exit code for a SIGKILL after the timeout
	assert_status 0 d20 stop -t 1 web
	assert_eq "web" "$output"
	assert_status 0 d20 ps -a --format '{{.Names}} {{.Status}}'
	assert_contains "$output" "web Exited (137)"
	assert_eq "" "$(d20 ps -q)"
	assert_status 1 d20 stop nosuch
	assert_contains "$output" "such container: nosuch"
	# logs -f: the lines as they come, until the container ends
	d20 run -d --name f1 "$(cgp)" bb sh -c 'echo first; sleep 2; echo second; sleep 1' >/dev/null
	d20 logs -f f1 >"$BERTH_TEST_TMP/followed" 2>&1 &
	local follower=$!
	wait_for 10 grep -q first "$BERTH_TEST_TMP/followed"
	assert_not_contains "$(cat "$BERTH_TEST_TMP/followed")" "second"
	wait_for 15 grep -q second "$BERTH_TEST_TMP/followed"
	wait_for 15 sh -c "! kill -0 $follower 2>/dev/null"
	wait "$follower"
	assert_eq "first
second" "$(cat "$BERTH_TEST_TMP/followed")"
	assert_eq "second" "$(d20 logs --tail 1 f1)"
	# rm -f: a running one and a stopped one
	d20 run -d --name running "$(cgp)" bb sleep 1000 >/dev/null
	assert_status 0 d20 rm -f running web f1
	assert_eq "running
web
f1" "$output"
	assert_eq "" "$(d20 ps -aq)"
	stop
}

test_cli20_exec_it_cp_top_stats() {
	need_cli20
	import_probe_image bb
	start
	d20 run -d --name c1 "$(cgp)" bb sh -c 'mkdir -p /data/sub; echo inside >/data/sub/f; sleep 1000' >/dev/null
	wait_for 10 engine exec c1 test -f /data/sub/f
	# exec: output, stdin, exit code, -e -w -u
	assert_status 0 d20 exec c1 echo hi
	assert_eq "hi" "$output"
	assert_eq "out" "$(d20 exec c1 sh -c 'echo out; echo err >&2' 2>/dev/null)"
	assert_eq "in" "$(echo in | d20 exec -i c1 cat)"
	assert_status 7 d20 exec c1 sh -c 'exit 7'
	assert_eq "bar /tmp 1000" "$(d20 exec -e FOO=bar -w /tmp -u 1000 c1 sh -c 'echo $FOO $PWD $(id -u)')"
	assert_status 127 d20 exec c1 nosuchcommand
	# exec -it: a shell on a terminal the size of the user's
	pty_run 2 33 91 'stty size; /probe tty; exit 6' "$DOCKER_OLD exec -it c1 sh"
	assert_eq 6 "$status" "$output"
	assert_contains "$output" "33 91"
	assert_contains "$output" "0:tty 1:tty 2:tty"
	# cp out of the container: a file, a directory under its own name
	assert_status 0 d20 cp c1:/data/sub/f "$BERTH_TEST_TMP/f"
	assert_eq "inside" "$(cat "$BERTH_TEST_TMP/f")"
	assert_status 0 d20 cp c1:/data "$BERTH_TEST_TMP/out"
	assert_eq "inside" "$(cat "$BERTH_TEST_TMP/out/sub/f")"
	# into it: a file, a directory
	echo host >"$BERTH_TEST_TMP/h"
	assert_status 0 d20 cp "$BERTH_TEST_TMP/h" c1:/data/
	assert_eq "host" "$(engine exec c1 cat /data/h)"
	mkdir -p "$BERTH_TEST_TMP/dir/x"
	echo deep >"$BERTH_TEST_TMP/dir/x/y"
	assert_status 0 d20 cp "$BERTH_TEST_TMP/dir" c1:/data/copied
	assert_eq "deep" "$(engine exec c1 cat /data/copied/x/y)"
	# (20.10's own words for the 404 of the path's stat)
	assert_status 1 d20 cp c1:/nope "$BERTH_TEST_TMP/n"
	assert_contains "$output" "No such container:path: c1:/nope"
	# top: ps's table of the container's processes
	assert_status 0 d20 top c1
	assert_contains "$output" "PID"
	assert_contains "$output" "sleep 1000"
	assert_status 0 d20 top c1 -o pid,comm
	assert_contains "$output" "COMMAND"
	# stats: one reading, in docker's units
	assert_status 0 d20 stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}} {{.BlockIO}}' c1
	[[ $output =~ ^c1\ [0-9.]+[KMG]i?B\ /\ [0-9.]+[KMGT]i?B\ [0-9]+\ [0-9.]+[kMG]?B\ /\ [0-9.]+[kMG]?B$ ]] ||
		fail "stats: '$output'"
	assert_status 0 d20 stats --no-stream --format '{{.Name}} {{.CPUPerc}} {{.MemPerc}}'
	[[ $output =~ ^c1\ [0-9.]+%\ [0-9.]+%$ ]] || fail "stats of all: '$output'"
	# a stopped container: cp still, exec refused
	d20 stop -t 0 c1 >/dev/null
	assert_status 0 d20 cp c1:/data/h "$BERTH_TEST_TMP/h2"
	assert_eq "host" "$(cat "$BERTH_TEST_TMP/h2")"
	echo later >"$BERTH_TEST_TMP/h3"
	assert_status 0 d20 cp "$BERTH_TEST_TMP/h3" c1:/data/
	assert_status 0 d20 cp c1:/data/h3 "$BERTH_TEST_TMP/h4"
	assert_eq "later" "$(cat "$BERTH_TEST_TMP/h4")"
	assert_status 1 d20 exec c1 true
	assert_contains "$output" "is not running"
	assert_status 0 d20 rm c1
	stop
}

test_cli20_events_info_version_system_df() {
	need_cli20
	import_probe_image bb
	start
	local since ev_pid
	since=$(date +%s)
	d20 run --rm --name ev "$(cgp)" bb true
	assert_status 0 d20 events --since "$since" --until "$(($(date +%s) + 1))" --filter container=ev \
		--format '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'
	assert_contains "$output" "container create ev"
	assert_contains "$output" "container start ev"
	assert_contains "$output" "container die ev"
	assert_contains "$output" "container destroy ev"
	# docker's own line for each event
	assert_status 0 d20 events --since "$since" --until "$(($(date +%s) + 1))" --filter event=die
	[[ $output =~ [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\ container\ die\ [0-9a-f]{64}\ \(.*exitCode=0.*name=ev ]] ||
		fail "events: '$output'"
	# live: an event of a run after the stream began
	d20 events --filter event=start --format '{{.Actor.Attributes.name}}' >"$BERTH_TEST_TMP/live" &
	ev_pid=$!
	sleep 0.5
	d20 run --rm --name live1 "$(cgp)" bb true
	wait_for 10 grep -q live1 "$BERTH_TEST_TMP/live"
	kill "$ev_pid"
	wait "$ev_pid" || true
	# info, version
	assert_status 0 d20 info --format '{{.Images}} {{.Containers}} {{.OSType}} {{.CgroupDriver}}'
	assert_eq "1 0 linux $(engine info | sed -n 's/^ Cgroup Driver: //p')" "$output"
	d20 run -d --name up "$(cgp)" bb sleep 1000 >/dev/null
	assert_status 0 d20 info
	assert_contains "$output" "Server:"
	assert_contains "$output" " Containers: 1"
	assert_contains "$output" "  Running: 1"
	assert_contains "$output" " Images: 1"
	assert_contains "$output" " Operating System:"
	assert_contains "$output" " Swarm: inactive"
	assert_not_contains "$output" "Is Manager"
	assert_not_contains "$output" "ERROR"
	assert_not_contains "$output" "rror response"
	# with no Warnings of the server's, 20.10 warns of each limit info says is missing:
	# none of those berth carries out
	assert_not_contains "$output" "No cpu shares support"
	assert_not_contains "$output" "No cpuset support"
	assert_not_contains "$output" "No memory limit support"
	assert_not_contains "$output" "No swap limit support"
	assert_not_contains "$output" "No cpu cfs"
	if [[ $(d20 info --format '{{.CgroupVersion}}') == 1 ]]; then
		assert_not_contains "$output" "No oom kill disable support"
	fi
	if [[ $(in_netns cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null) == 1 ]]; then
		assert_not_contains "$output" "bridge-nf-call-iptables is disabled"
	fi
	assert_status 0 d20 version
	assert_contains "$output" "Client:"
	assert_contains "$output" " API version:       1.41"
	assert_contains "$output" "Server:"
	assert_contains "$output" "  API version:      1.50 (minimum version 1.24)"
	assert_contains "$output" "  Go version:       none (C)"
	assert_contains "$output" "  OS/Arch:          linux/"
	assert_contains "$output" "  Experimental:     false"
	# system df: what the images, containers and volumes take
	assert_status 0 d20 system df
	[[ $output =~ Images\ +1\ +1\ +[0-9.]+[kMG]B ]] || fail "system df: '$output'"
	[[ $output =~ Containers\ +1\ +1\  ]] || fail "system df: '$output'"
	assert_contains "$output" "Local Volumes"
	assert_status 0 d20 system df -v
	assert_contains "$output" "Images space usage:"
	[[ $output =~ bb\ +latest\ +[0-9a-f]{12}\ .*\ [0-9.]+[kMG]B ]] || fail "system df -v: '$output'"
	assert_contains "$output" "up"
	assert_status 0 d20 rm -f up
	# system prune: the stopped containers go, the image (tagged) stays
	local old
	old=$(d20 create --name old "$(cgp)" bb true)
	assert_status 0 d20 system prune -f
	assert_contains "$output" "Deleted Containers:
$old"
	assert_contains "$output" "Total reclaimed space:"
	assert_eq "" "$(d20 ps -aq)"
	assert_eq 1 "$(d20 images -q | wc -l)"
	stop
}

test_cli20_images_tag_rmi_save_load() {
	need_cli20
	import_probe_image bb
	start
	local id
	id=$(d20 inspect -f '{{.Id}}' bb)
	# images: its size as docker shows it
	assert_status 0 d20 images
	assert_contains "$output" "REPOSITORY"
	[[ $output =~ bb\ +latest\ +${id:7:12}\ +[A-Za-z0-9\ ]+\ ago\ +([0-9.]+[kMG]B) ]] ||
		fail "docker images: '$output'"
	assert_ne "0B" "${BASH_REMATCH[1]}" "docker images' SIZE"
	# API 1.41's VirtualSize (the size), which 1.44 dropped
	[[ $(d20 images --format '{{.VirtualSize}}' bb) =~ ^[1-9][0-9.]*[kMG]B$ ]] ||
		fail "docker images' VirtualSize: $(d20 images --format '{{.VirtualSize}}' bb)"
	assert_eq "$(d20 image inspect -f '{{.Size}}' bb)" "$(d20 image inspect -f '{{.VirtualSize}}' bb)"
	assert_eq "true true" "$(curl -s --unix-socket "$SOCK" http://x/v1.41/images/json | jq -r '.[0].VirtualSize == .[0].Size') $(
		curl -s --unix-socket "$SOCK" http://x/v1.41/system/df | jq -r '.Images[0].VirtualSize == .Images[0].Size')"
	assert_eq "false false false" "$(curl -s --unix-socket "$SOCK" http://x/v1.50/images/json | jq -r '.[0] | has("VirtualSize")') $(
		curl -s --unix-socket "$SOCK" http://x/v1.50/images/bb/json | jq -r 'has("VirtualSize")') $(
		curl -s --unix-socket "$SOCK" http://x/v1.50/system/df | jq -r '.Images[0] | has("VirtualSize")')"
	assert_status 0 d20 tag bb bb:two
	assert_status 0 d20 tag bb example.com/team/bb
	assert_status 0 d20 images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
	assert_contains "$output" "bb:two ${id:7:12}"
	assert_contains "$output" "example.com/team/bb:latest ${id:7:12}"
	assert_status 1 d20 tag nosuch bb:three
	assert_contains "$output" "nosuch"
	assert_status 0 d20 rmi bb:two example.com/team/bb
	assert_eq "Untagged: bb:two
Untagged: example.com/team/bb:latest" "$output"
	# in use: dockerd's conflict (for the image's last name)
	d20 create --name user "$(cgp)" bb true >/dev/null
	assert_status 1 d20 rmi bb
	assert_contains "$output" "conflict: unable to remove repository reference \"bb\" (must force) - container"
	assert_status 0 d20 rm user
	# save, then load what was removed
	d20 tag bb bb:two
	assert_status 0 d20 save -o "$BERTH_TEST_TMP/bb.tar" bb
	assert_contains "$(tar -xOf "$BERTH_TEST_TMP/bb.tar" manifest.json)" '"RepoTags":["bb:latest"]'
	assert_status 1 d20 save -o "$BERTH_TEST_TMP/no.tar" nosuch
	assert_contains "$output" "No such image: nosuch"
	assert_status 0 d20 rmi bb bb:two
	assert_eq "Untagged: bb:latest
Untagged: bb:two
Deleted: $id" "$output"
	assert_eq "" "$(d20 images -q)"
	assert_status 0 d20 load -i "$BERTH_TEST_TMP/bb.tar"
	assert_eq "Loaded image: bb:latest" "$output"
	assert_eq "$id" "$(d20 inspect -f '{{.Id}}' bb)"
	assert_status 0 d20 run --rm "$(cgp)" bb echo loaded
	assert_eq "loaded" "$output"
	# several names through a pipe, quietly
	d20 tag bb bb:two
	run sh -c "'$DOCKER_OLD' save bb bb:two | '$DOCKER_OLD' load -q"
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "Loaded image: bb:latest"
	assert_contains "$output" "Loaded image: bb:two"
	echo garbage >"$BERTH_TEST_TMP/garbage"
	assert_status 1 d20 load -i "$BERTH_TEST_TMP/garbage"
	assert_contains "$output" "Error response from daemon"
	assert_status 0 d20 rmi bb bb:two
	assert_status 1 d20 rmi bb
	assert_contains "$output" "No such image: bb"
	stop
}

test_cli20_push_pull_and_run_through_a_local_registry() {
	need_cli20
	need_registry
	import_probe_image bb
	registry_start
	start
	local ref=$REG/plain/bb:1 id
	id=$(d20 inspect -f '{{.Id}}' bb)
	assert_status 0 d20 tag bb "$ref"
	assert_status 0 d20 push "$ref"
	assert_contains "$output" "The push refers to repository [$REG/plain/bb]"
	assert_contains "$output" ": Pushed"
	assert_contains "$output" "1: digest: sha256:"
	assert_status 0 d20 push "$ref"
	assert_contains "$output" ": Layer already exists"
	assert_status 0 d20 rmi "$ref" bb
	assert_contains "$output" "Untagged: $ref"
	assert_contains "$output" "Deleted: $id"
	assert_status 0 d20 pull "$ref"
	assert_contains "$output" "1: Pulling from plain/bb"
	assert_contains "$output" ": Pull complete"
	assert_contains "$output" "Digest: sha256:"
	assert_contains "$output" "Status: Downloaded newer image for $ref"
	assert_eq "$ref" "$(tail -n1 <<<"$output")"
	assert_eq "$id" "$(d20 inspect -f '{{.Id}}' "$ref")"
	assert_eq "$ref" "$(d20 images --format '{{.Repository}}:{{.Tag}}')"
	assert_status 0 d20 pull "$ref"
	assert_contains "$output" "Status: Image is up to date for $ref"
	assert_status 1 d20 pull "$REG/plain/bb:nothing"
	assert_contains "$output" "manifest unknown"
	# run of an image that is not here: the CLI pulls it on create's 404, then runs it
	assert_status 0 d20 rmi "$ref"
	d20 run --rm "$(cgp)" "$ref" echo ran >"$BERTH_TEST_TMP/out" 2>"$BERTH_TEST_TMP/err" ||
		fail "docker run: $(cat "$BERTH_TEST_TMP/err")"
	assert_eq "ran" "$(cat "$BERTH_TEST_TMP/out")"
	assert_contains "$(cat "$BERTH_TEST_TMP/err")" "Unable to find image '$ref' locally"
	assert_contains "$(cat "$BERTH_TEST_TMP/err")" "Status: Downloaded newer image for $ref"
	stop
}

test_cli20_login_push_and_pull_with_a_password() {
	need_cli20
	need_registry
	import_probe_image bb
	htpasswd -Bbn "$REG_USER" "$REG_PASS" >"$BERTH_TEST_TMP/htpasswd"
	registry_start "$BERTH_TEST_TMP/htpasswd"
	start
	local ref=$REG/private/bb:1 cfg=$BERTH_TEST_TMP/.docker/config.json
	d20 tag bb "$ref" >/dev/null
	assert_status 1 d20 push "$ref"
	assert_contains "$output" "needs credentials"
	run d20 login -u "$REG_USER" --password-stdin "$REG" <<<"wrong-pass"
	assert_eq 1 "$status" "$output"
	assert_contains "$output" "incorrect username or password"
	[[ ! -e $cfg ]] || [[ $(jq -c --arg k "$REG" '.auths[$k]' "$cfg") == null ]] ||
		fail "a refused login was stored: $(cat "$cfg")"
	run d20 login -u "$REG_USER" --password-stdin "$REG" <<<"$REG_PASS"
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "Login Succeeded"
	assert_eq "$(printf %s "$REG_USER:$REG_PASS" | base64 -w0)" \
		"$(jq -r --arg k "$REG" '.auths[$k].auth' "$cfg")"
	assert_status 0 d20 push "$ref"
	assert_contains "$output" "1: digest: sha256:"
	assert_status 0 d20 rmi "$ref" bb
	assert_status 0 d20 pull "$ref"
	assert_contains "$output" "Status: Downloaded newer image for $ref"
	assert_status 0 d20 logout "$REG"
	assert_contains "$output" "Removing login credentials for $REG"
	assert_status 0 d20 rmi "$ref"
	assert_status 1 d20 pull "$ref"
	assert_contains "$output" "authentication required"
	assert_eq "" "$(d20 images -q)"
	stop
}

test_cli20_network_name_resolution_and_volumes() {
	need_cli20
	import_probe_image bb
	start
	local id
	id=$(d20 network create --subnet 10.77.0.0/24 net1)
	[[ $id =~ ^[0-9a-f]{64}$ ]] || fail "docker network create printed '$id'"
	assert_status 1 d20 network create net1
	assert_contains "$output" "network with name net1 already exists"
	assert_status 0 d20 network ls --format '{{.Name}} {{.Driver}} {{.Scope}}'
	assert_contains "$output" "net1 bridge local"
	assert_contains "$output" "bridge bridge local"
	# two containers on it reach each other by name
	d20 run -d --network net1 --name a "$(cgp)" bb sleep 600 >/dev/null
	d20 run -d --network net1 --name b "$(cgp)" bb sleep 600 >/dev/null
	assert_status 0 d20 exec a ping -c 1 -W 5 b
	assert_contains "$output" "1 packets received"
	assert_status 0 d20 exec b ping -c 1 -W 5 a
	assert_contains "$output" "1 packets received"
	assert_status 0 d20 exec a nslookup b
	assert_contains "$output" "Address: 10.77.0."
	assert_status 0 d20 network inspect -f '{{.Name}} {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}' net1
	assert_eq "net1 10.77.0.0/24 10.77.0.1" "$output"
	assert_eq "10.77.0.2 10.77.0.3" \
		"$(d20 inspect -f '{{.NetworkSettings.Networks.net1.IPAddress}}' a b | tr '\n' ' ' | sed 's/ $//')"
	assert_status 1 d20 network rm net1
	assert_contains "$output" "active endpoints"
	assert_status 0 d20 rm -f a b
	assert_status 0 d20 network rm net1
	assert_eq "net1" "$output"
	assert_not_contains "$(d20 network ls)" "net1"
	# a volume: one container writes, another reads
	assert_status 0 d20 volume create v1
	assert_eq "v1" "$output"
	assert_status 0 d20 run --rm -v v1:/data "$(cgp)" bb sh -c 'echo kept > /data/f'
	assert_status 0 d20 run --rm -v v1:/data "$(cgp)" bb cat /data/f
	assert_eq "kept" "$output"
	assert_status 0 d20 volume ls
	[[ $output =~ local\ +v1 ]] || fail "docker volume ls: '$output'"
	assert_status 0 d20 volume inspect -f '{{.Name}} {{.Driver}} {{.Mountpoint}}' v1
	assert_eq "v1 local $BERTH_STORE/volumes/v1/_data" "$output"
	assert_status 0 d20 volume create --label a=b v2
	assert_eq "v2" "$(d20 volume ls -q --filter label=a=b)"
	d20 create --name user -v v1:/data "$(cgp)" bb true >/dev/null
	assert_status 1 d20 volume rm v1
	assert_contains "$output" "volume is in use"
	assert_status 0 d20 rm user
	assert_status 0 d20 volume rm v1 v2
	assert_eq "v1
v2" "$output"
	assert_eq "" "$(d20 volume ls -q)"
	stop
}
