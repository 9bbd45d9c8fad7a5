# `berth serve` on TCP: plain on loopback only; with docker's --tlsverify flags on any
# address, for clients whose certificate the CA signed, driven by docker's CLI 28 with
# its own --tlsverify flags. The server and the clients run in the test's network
# namespace.

# shellcheck source=tests/integration/serve.sh
source "$(dirname "${BASH_SOURCE[0]}")/serve.sh"

# dkn ARGS...: docker's CLI in the test's network namespace (where the server listens)
dkn() {
	in_netns "$DOCKER_CLI" "$@"
}

# make_certs DIR: a CA, the server's certificate (for 127.0.0.1) and key, a client's
# certificate the CA signed, and one signed by another CA
make_certs() {
	local d=$1
	mkdir -p "$d"
	(
		cd "$d" || exit 1
		for ca in ca other-ca; do
			openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$ca" \
				-keyout "$ca-key.pem" -out "$ca.pem"
		done
		printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
		printf 'extendedKeyUsage=clientAuth\n' >client.ext
		openssl req -newkey rsa:2048 -nodes -subj /CN=server -keyout server-key.pem \
			-out server.csr
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
			-extfile server.ext -out server-cert.pem
		openssl req -newkey rsa:2048 -nodes -subj /CN=client -keyout key.pem -out client.csr
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
			-extfile client.ext -out cert.pem
		openssl x509 -req -in client.csr -CA other-ca.pem -CAkey other-ca-key.pem \
			-CAcreateserial -days 2 -extfile client.ext -out other-cert.pem
	) >/dev/null 2>&1 || fail "openssl could not make the test's certificates"
}

# serve_tcp ARGS...: `berth serve ARGS` in the background; $SERVE_PID
serve_tcp() {
	"$BERTH" --root "$BERTH_STORE" serve "$@" >"$BERTH_TEST_TMP/serve.log" 2>&1 &
	SERVE_PID=$!
	export DOCKER_CONFIG=$BERTH_TEST_TMP/.docker
}

test_tcp_without_tls_is_for_loopback_only() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	import_probe_image bb
	assert_status 125 engine serve -H tcp://0.0.0.0:2375
	assert_contains "$output" \
		"-H tcp://0.0.0.0:2375: an address beyond loopback (127.0.0.0/8) needs --tlsverify"
	# TLS without verifying clients is not enough either
	make_certs "$BERTH_TEST_TMP/certs"
	local c=$BERTH_TEST_TMP/certs
	assert_status 125 engine serve -H tcp://0.0.0.0:2375 --tls --tlscert "$c/server-cert.pem" \
		--tlskey "$c/server-key.pem"
	assert_contains "$output" "needs --tlsverify"
	SOCK=$BERTH_TEST_TMP/no.sock
	serve_tcp -H tcp://127.0.0.1:2375
	wait_for 10 dkn -H tcp://127.0.0.1:2375 version
	assert_status 0 dkn -H tcp://127.0.0.1:2375 run --rm --cgroup-parent "$BERTH_TEST_CGROUP" \
		bb echo over-tcp
	assert_eq "$output" "over-tcp"
	serve_stop
}

test_tlsverify_serves_only_clients_the_ca_signed() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	import_probe_image bb
	make_certs "$BERTH_TEST_TMP/certs"
	local c=$BERTH_TEST_TMP/certs
	SOCK=$BERTH_TEST_TMP/berth.sock
	serve_tcp -H "unix://$SOCK" -H tcp://0.0.0.0:2376 --tlsverify --tlscacert "$c/ca.pem" \
		--tlscert "$c/server-cert.pem" --tlskey "$c/server-key.pem"
	wait_for 10 test -S "$SOCK"
	local tls=(--tlsverify --tlscacert "$c/ca.pem" --tlscert "$c/cert.pem" --tlskey "$c/key.pem"
		-H tcp://127.0.0.1:2376)
	assert_status 0 dkn "${tls[@]}" version --format '{{.Server.APIVersion}}'
	assert_eq "$output" "1.50"
	assert_status 3 dkn "${tls[@]}" run --rm --cgroup-parent "$BERTH_TEST_CGROUP" bb \
		sh -c 'echo secure; exit 3'
	assert_eq "$output" "secure"
	# stdin to its end: docker's half-close crosses TLS as close_notify
	assert_eq "$(echo piped | dkn "${tls[@]}" run --rm -i --cgroup-parent "$BERTH_TEST_CGROUP" bb cat)" \
		"piped"
	# a stream, an exec, and a copy both ways (answered by berth-full behind the TLS)
	dkn "${tls[@]}" run -d --name t1 --cgroup-parent "$BERTH_TEST_CGROUP" bb \
		sh -c 'echo started; sleep 1000' >/dev/null
	wait_for 10 sh -c "nsenter --net=/run/netns/$BERTH_TEST_NETNS '$DOCKER_CLI' ${tls[*]} logs t1 | grep -q started"
	assert_status 0 dkn "${tls[@]}" exec t1 sh -c 'echo inside >/f; cat /f'
	assert_eq "$output" "inside"
	assert_status 0 dkn "${tls[@]}" cp t1:/f "$BERTH_TEST_TMP/f"
	assert_eq "$(cat "$BERTH_TEST_TMP/f")" "inside"
	echo host >"$BERTH_TEST_TMP/h"
	assert_status 0 dkn "${tls[@]}" cp "$BERTH_TEST_TMP/h" t1:/h
	assert_eq "$(engine exec t1 cat /h)" "host"
	assert_status 0 dkn "${tls[@]}" rm -f t1
	# no certificate, one another CA signed, no TLS at all: refused
	assert_status 1 dkn --tls --tlscacert "$c/ca.pem" -H tcp://127.0.0.1:2376 version
	assert_contains "$output" "certificate required"
	assert_status 1 dkn --tlsverify --tlscacert "$c/ca.pem" --tlscert "$c/other-cert.pem" \
		--tlskey "$c/key.pem" -H tcp://127.0.0.1:2376 ps
	assert_contains "$output" "tls: "
	assert_status 1 dkn -H tcp://127.0.0.1:2376 ps
	assert_contains "$output" "Client sent an HTTP request to an HTTPS server"
	# the unix socket is not TLS's
	assert_status 0 dk -H "unix://$SOCK" ps -aq
	assert_eq "$output" ""
	serve_stop
}

test_tls_flags_name_the_file_that_is_wrong() {
	make_certs "$BERTH_TEST_TMP/certs"
	local c=$BERTH_TEST_TMP/certs
	assert_status 125 engine serve -H tcp://127.0.0.1:2376 --tlsverify --tlscacert "$c/ca.pem" \
		--tlscert "$c/nothing.pem" --tlskey "$c/server-key.pem"
	assert_contains "$output" "--tlscert '$c/nothing.pem': "
	assert_status 125 engine serve -H tcp://127.0.0.1:2376 --tlsverify --tlscacert "$c/ca.pem" \
		--tlscert "$c/server-cert.pem" --tlskey "$c/key.pem"
	assert_contains "$output" "--tlskey '$c/key.pem' is not the key of --tlscert '$c/server-cert.pem'"
	assert_status 125 engine serve -H tcp://127.0.0.1:2376 --tlsverify --tlscacert "$c/server.csr" \
		--tlscert "$c/server-cert.pem" --tlskey "$c/server-key.pem"
	assert_contains "$output" "--tlscacert '$c/server.csr': "
	# docker's defaults: ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH
	DOCKER_CERT_PATH=$BERTH_TEST_TMP/none assert_status 125 engine serve \
		-H tcp://127.0.0.1:2376 --tlsverify
	assert_contains "$output" "--tlscert '$BERTH_TEST_TMP/none/cert.pem': "
}
