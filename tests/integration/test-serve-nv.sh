# `berth serve`'s networks, volumes and exec, driven by docker's own CLI (28, at
# /usr/local/bin/docker) as a user types it, with DOCKER_HOST at berth's socket.

# shellcheck source=tests/integration/serve.sh
source "$(dirname "${BASH_SOURCE[0]}")/serve.sh"

test_docker_network_create_run_dns_inspect_ls_rm() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	import_probe_image bb
	serve_start
	local id
	id=$(dk network create --subnet 10.78.0.0/24 --label team=x net1)
	[[ $id =~ ^[0-9a-f]{64}$ ]] || fail "docker network create printed '$id'"
	# dockerd's 409 for a name that exists
	assert_status 1 dk network create net1
	assert_contains "$output" "network with name net1 already exists"
	assert_status 0 dk network ls --format '{{.Name}} {{.Driver}} {{.Scope}}'
	assert_contains "$output" "net1 bridge local"
	assert_eq "$(dk network ls -q --filter label=team=x)" "${id:0:12}"
	assert_eq "$(dk network ls -q --filter name=nosuch)" ""
	dk run -d --network net1 --name a "$(cgp)" bb sleep 600 >/dev/null
	# the engine's DNS answers the name on the network
	run dk run --rm --network net1 "$(cgp)" bb ping -c 1 -W 5 a
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "1 packets received"
	run dk network inspect -f '{{.Name}} {{.Driver}} {{.Scope}} {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{.Labels.team}}' net1
	assert_eq 0 "$status" "$output"
	assert_eq "$output" "net1 bridge local 10.78.0.0/24 10.78.0.1 x"
	assert_eq "$(dk network inspect -f '{{range .Containers}}{{.Name}} {{.IPv4Address}}{{end}}' net1)" \
		"a 10.78.0.2/24"
	# by its id too
	assert_eq "$(dk network inspect -f '{{.Name}}' "${id:0:12}")" "net1"
	# in use: dockerd's 403, docker exits 1
	assert_status 1 dk network rm net1
	assert_contains "$output" "error while removing network"
	assert_contains "$output" "active endpoints"
	assert_status 1 dk network rm bridge
	assert_contains "$output" "bridge is a pre-defined network and cannot be removed"
	assert_status 1 dk network inspect nosuch
	assert_contains "$output" "network nosuch not found"
	assert_status 0 dk rm -f a
	assert_status 0 dk network rm net1
	assert_eq "$output" "net1"
	assert_not_contains "$(dk network ls)" "net1"
	serve_stop
}

test_docker_network_connect_disconnect_prune() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	import_probe_image bb
	serve_start
	dk network create --subnet 10.79.0.0/24 net2 >/dev/null
	dk network create net3 >/dev/null
	dk run -d --name c "$(cgp)" bb sleep 600 >/dev/null
	assert_status 0 dk network connect --ip 10.79.0.9 --alias web net2 c
	assert_eq "$(dk inspect -f '{{.NetworkSettings.Networks.net2.IPAddress}}' c)" "10.79.0.9"
	# the new interface at once, and the alias in the network's DNS
	assert_contains "$(engine exec c ip -4 -o addr)" "10.79.0.9/24"
	run dk run --rm --network net2 "$(cgp)" bb nslookup web
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "Address: 10.79.0.9"
	assert_status 1 dk network connect net2 c
	assert_contains "$output" "already exists in network net2"
	assert_status 0 dk network disconnect net2 c
	assert_not_contains "$(engine exec c ip -4 -o addr)" "10.79.0.9"
	assert_status 1 dk network disconnect net2 c
	assert_contains "$output" "is not connected to network net2"
	assert_status 0 dk network disconnect -f net2 c
	assert_status 1 dk network connect net2 nosuch
	assert_contains "$output" "No such container: nosuch"
	# prune: the unused ones, not bridge
	assert_status 0 dk network prune -f
	assert_contains "$output" "Deleted Networks:"
	assert_contains "$output" "net2"
	assert_contains "$output" "net3"
	assert_eq "$(dk network ls --format '{{.Name}}')" "bridge"
	assert_status 0 dk rm -f c
	serve_stop
}

test_docker_volume_create_use_ls_inspect_rm_prune() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	import_probe_image bb
	serve_start
	assert_status 0 dk volume create v1
	assert_eq "$output" "v1"
	# one container writes into it, another reads it
	assert_status 0 dk run --rm -v v1:/data "$(cgp)" bb sh -c 'echo kept > /data/f'
	assert_status 0 dk run --rm -v v1:/data "$(cgp)" bb cat /data/f
	assert_eq "$output" "kept"
	assert_status 0 dk volume ls --format '{{.Driver}} {{.Name}}'
	assert_eq "$output" "local v1"
	assert_eq "$(dk volume ls -q --filter name=v)" "v1"
	assert_eq "$(dk volume ls -q --filter dangling=false)" ""
	run dk volume inspect -f '{{.Name}} {{.Driver}} {{.Scope}} {{.Mountpoint}}' v1
	assert_eq 0 "$status" "$output"
	assert_eq "$output" "v1 local local $BERTH_STORE/volumes/v1/_data"
	assert_eq "$(cat "$BERTH_STORE/volumes/v1/_data/f")" "kept"
	# labels kept, shown and filtered on
	assert_status 0 dk volume create --label a=b v2
	assert_eq "$(dk volume inspect -f '{{.Labels.a}}' v2)" "b"
	assert_eq "$(dk volume ls -q --filter label=a=b)" "v2"
	assert_eq "$(dk volume ls -q --filter label=a=c)" ""
	assert_status 0 dk volume rm v2
	# in use (by a stopped container too): dockerd's 409, docker exits 1
	dk create --name user -v v1:/data "$(cgp)" bb true >/dev/null
	assert_status 1 dk volume rm v1
	assert_contains "$output" "volume is in use"
	assert_eq "$(dk volume ls -q --filter dangling=false)" "v1"
	assert_status 1 dk volume inspect nosuch
	assert_contains "$output" "no such volume"
	assert_status 0 dk rm user
	# an anonymous volume left by a container removed without -v: prune takes it, and
	# the named one only with -a
	dk run --name anon -v /scratch "$(cgp)" bb sh -c 'head -c 4096 /dev/zero > /scratch/z'
	local anon
	anon=$(dk inspect -f '{{range .Mounts}}{{.Name}}{{end}}' anon)
	[[ -n $anon ]] || fail "no anonymous volume: $(dk inspect anon)"
	dk rm anon >/dev/null
	assert_status 0 dk volume prune -f
	assert_contains "$output" "Deleted Volumes:"
	assert_contains "$output" "$anon"
	assert_contains "$output" "Total reclaimed space: 4.096kB"
	assert_eq "$(dk volume ls -q)" "v1"
	# by label (docker's --filter of prune)
	dk volume create --label tier=db labelled >/dev/null
	assert_status 0 dk volume prune -af --filter label!=tier=db
	assert_contains "$output" "v1"
	assert_eq "$(dk volume ls -q)" "labelled"
	dk volume create v1 >/dev/null
	assert_status 0 dk volume prune -af --filter label=tier
	assert_eq "$(dk volume ls -q)" "v1"
	assert_status 0 dk volume prune -af
	assert_eq "$(dk volume ls -q)" ""
	assert_status 0 dk volume rm -f v1
	serve_stop
}

test_docker_exec_output_stdin_exit_codes_detach() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	import_probe_image bb
	serve_start
	dk run -d --name c "$(cgp)" bb sleep 600 >/dev/null
	assert_status 0 dk exec c echo hi
	assert_eq "$output" "hi"
	# the streams apart, as docker's frames keep them
	assert_eq "$(dk exec c sh -c 'echo out; echo err >&2' 2>/dev/null)" "out"
	assert_eq "$(dk exec c sh -c 'echo out; echo err >&2' 2>&1 >/dev/null)" "err"
	# --privileged: more capabilities than the container's own
	local plain priv
	plain=$(dk exec c sh -c 'grep CapEff /proc/self/status')
	priv=$(dk exec --privileged c sh -c 'grep CapEff /proc/self/status')
	[[ $plain != "$priv" ]] || fail "exec --privileged: the same $plain"
	assert_eq "$(dk exec --privileged c sh -c 'mkdir -p /m && mount -t tmpfs t /m && echo mounted')" "mounted"
	# stdin from the connection, its end the process's
	assert_eq "$(echo in | dk exec -i c cat)" "in"
	assert_eq "$(printf 'a\nb\n' | dk exec -i c wc -l)" "2"
	# the exit code, kept for inspect
	assert_status 7 dk exec c sh -c 'exit 7'
	# -e, -w, -u
	assert_eq "$(dk exec -e FOO=bar -w /tmp -u 1000 c sh -c 'echo $FOO $PWD $(id -u)')" "bar /tmp 1000"
	# a command that does not exist: docker's 127
	assert_status 127 dk exec c nosuchcommand
	# detached: it runs on after docker returns
	assert_status 0 dk exec -d c sh -c 'echo done > /tmp/detached; sleep 600'
	assert_eq "$output" ""
	wait_for 10 sh -c "'$DOCKER_CLI' exec c cat /tmp/detached | grep -q done"
	assert_contains "$(engine top c)" "sleep 600"
	# dockerd's 409 for a container that does not run, 404 for none
	dk create --name stopped "$(cgp)" bb true >/dev/null
	assert_status 1 dk exec stopped echo hi
	assert_contains "$output" "is not running"
	assert_status 1 dk exec nosuch echo hi
	assert_contains "$output" "o such container: nosuch"
	# an exec's record over the API: its exit code, and a second start refused
	local id
	id=$(curl -s --unix-socket "$SOCK" -H 'Content-Type: application/json' \
		-d '{"Cmd":["sh","-c","exit 3"],"AttachStdout":true}' http://x/v1.50/containers/c/exec | jq -r .Id)
	[[ $id =~ ^[0-9a-f]{64}$ ]] || fail "exec create answered '$id'"
	run curl -s --unix-socket "$SOCK" http://x/v1.50/exec/$id/json
	assert_eq "$(jq -c '[.Running, .ExitCode, .ProcessConfig.entrypoint, .ProcessConfig.arguments]' <<<"$output")" \
		'[false,null,"sh",["-c","exit 3"]]'
	run curl -s --unix-socket "$SOCK" -H 'Content-Type: application/json' -d '{"Detach":false}' \
		http://x/v1.50/exec/$id/start
	run curl -s --unix-socket "$SOCK" http://x/v1.50/exec/$id/json
	assert_eq "$(jq -c '[.Running, .ExitCode, .ContainerID]' <<<"$output")" \
		"[false,3,\"$(dk inspect -f '{{.Id}}' c)\"]"
	run curl -s -w ' %{http_code}' --unix-socket "$SOCK" -H 'Content-Type: application/json' \
		-d '{"Detach":false}' http://x/v1.50/exec/$id/start
	assert_contains "$output" "has already run"
	assert_contains "$output" " 409"
	run curl -s -w ' %{http_code}' --unix-socket "$SOCK" http://x/v1.50/exec/nosuch/json
	assert_contains "$output" "No such exec instance: nosuch"
	assert_contains "$output" " 404"
	# gone with the container
	assert_status 0 dk rm -f c stopped
	run curl -s -w ' %{http_code}' --unix-socket "$SOCK" http://x/v1.50/exec/$id/json
	assert_contains "$output" " 404"
	serve_stop
}

test_docker_exec_with_a_terminal() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	import_probe_image bb
	serve_start
	dk run -d --name t "$(cgp)" bb sleep 600 >/dev/null
	# its terminal, raw on the connection, the size of ours (a moment after it starts:
	# docker's CLI sends the size with the exec, then resizes)
	run script -qec "stty rows 33 cols 91; '$DOCKER_CLI' exec -t t sh -c 'sleep 1; stty size; /probe tty; exit 5'" /dev/null
	assert_eq 5 "$status" "$output"
	assert_contains "$output" "33 91"
	assert_contains "$output" "0:tty 1:tty 2:tty"
	assert_status 0 dk rm -f t
	serve_stop
}
