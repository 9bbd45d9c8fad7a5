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
