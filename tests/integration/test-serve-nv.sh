# `berth serve`'s networks, volumes and exec, driven by docker's own CLI (28, at
# /usr/local/bin/docker) as a user types it, with DOCKER_HOST at berth's socket.

DOCKER_CLI=${DOCKER_CLI:-/usr/local/bin/docker}

# serve_start: `berth serve` on a socket of the test's own; $SOCK, $SERVE_PID
serve_start() {
	SOCK=$BERTH_TEST_TMP/berth.sock
	# the server itself is the background job (not a subshell around it): $! is its pid
	"$BERTH" --root "$BERTH_STORE" serve -H "unix://$SOCK" >"$BERTH_TEST_TMP/serve.log" 2>&1 &
	SERVE_PID=$!
	wait_for 10 test -S "$SOCK"
	export DOCKER_HOST=unix://$SOCK DOCKER_CONFIG=$BERTH_TEST_TMP/.docker
}

# serve_stop: the server ends on SIGTERM, its socket removed
serve_stop() {
	kill -TERM "$SERVE_PID"
	wait "$SERVE_PID" || fail "berth serve exited $?: $(cat "$BERTH_TEST_TMP/serve.log")"
	[[ ! -e $SOCK ]] || fail "the socket outlived the server"
}

dk() {
	"$DOCKER_CLI" "$@"
}

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
