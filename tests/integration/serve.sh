# What the tests of `berth serve` share (sourced by tests/integration/test-serve*.sh):
# a server on a socket of the test's own, and docker's CLI pointed at it.

DOCKER_CLI=${DOCKER_CLI:-/usr/local/bin/docker}

# serve_start: `berth serve` on a socket of the test's own, DOCKER_HOST and a private
# DOCKER_CONFIG exported for the clients; $SOCK, $SERVE_PID
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
	SERVE_PID=
	[[ ! -e $SOCK ]] || fail "the socket outlived the server"
}

# dk ARGS...: docker's CLI (28)
dk() {
	"$DOCKER_CLI" "$@"
}

# in_netns CMD...: CMD in the engine's network namespace (the test's own)
in_netns() {
	nsenter --net="/run/netns/$BERTH_TEST_NETNS" "$@"
}

# what a test started, also when it fails half way: its containers, networks and
# volumes (through the engine), the server and the registry (by PID)
cleanup() {
	local c n v
	for c in $(engine ps -aq 2>/dev/null); do
		engine rm -f "$c" >/dev/null 2>&1 || true
	done
	for n in $(engine network ls --format '{{.Name}}' 2>/dev/null); do
		[[ $n == bridge ]] || engine network rm "$n" >/dev/null 2>&1 || true
	done
	for v in $(engine volume ls -q 2>/dev/null); do
		engine volume rm -f "$v" >/dev/null 2>&1 || true
	done
	if [[ -n ${SERVE_PID:-} ]]; then
		kill -TERM "$SERVE_PID" 2>/dev/null || true
		wait "$SERVE_PID" 2>/dev/null || true
	fi
	if [[ -n ${REG_PID:-} ]]; then
		kill -TERM "$REG_PID" 2>/dev/null || true
		wait "$REG_PID" 2>/dev/null || true
	fi
	SERVE_PID= REG_PID=
	return 0
}

# registry_start [HTPASSWD]: docker-registry in the engine's network namespace at
# 127.0.0.1:5000 ($REG), with Basic auth from the file HTPASSWD when given; $REG_PID
registry_start() {
	local dir=$BERTH_TEST_TMP/registry auth=
	mkdir -p "$dir/storage"
	[[ -n ${1:-} ]] && auth=$(printf 'auth:\n  htpasswd:\n    realm: berth-test\n    path: %s' "$1")
	cat >"$dir/config.yml" <<-EOF
		version: 0.1
		log:
		  level: warn
		storage:
		  filesystem:
		    rootdirectory: $dir/storage
		http:
		  addr: 127.0.0.1:5000
		$auth
	EOF
	# nsenter execs the registry: $! is its PID
	nsenter --net="/run/netns/$BERTH_TEST_NETNS" docker-registry serve "$dir/config.yml" \
		>"$dir/log" 2>&1 &
	REG_PID=$!
	trap cleanup EXIT
	REG=127.0.0.1:5000
	wait_for 10 in_netns curl -s -o /dev/null "http://$REG/v2/"
}
