# `berth serve`'s image endpoints, driven by docker's own CLI (28, at
# /usr/local/bin/docker) as a user types it: pull, push and login against Debian's
# docker-registry (plain, and with htpasswd), images, tag, rmi, save/load, import,
# history, commit, image prune, run of an image that is not local, build, search.
# The registry listens on 127.0.0.1 in the engine's network namespace (the test's own),
# where `berth serve` reaches it; the server and the registry are stopped by PID.

# shellcheck source=tests/integration/serve.sh
source "$(dirname "${BASH_SOURCE[0]}")/serve.sh"

REG_USER=berth
REG_PASS='s3cret-pass'

# serve_start, with the file's clean-up armed (the registry, the server)
serve_start_with_cleanup() {
	serve_start
	trap cleanup EXIT
}

cgp() {
	echo "--cgroup-parent=$BERTH_TEST_CGROUP"
}

need_tools() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	command -v docker-registry >/dev/null || skip "docker-registry is not installed"
	[[ -n ${BERTH_TEST_NETNS:-} ]] || skip "the engine runs in the host's network namespace"
}

test_docker_push_pull_and_run_through_a_local_registry() {
	need_tools
	import_probe_image bb
	registry_start
	serve_start_with_cleanup
	local ref=$REG/plain/bb:1 id
	id=$(dk inspect -f '{{.Id}}' bb)
	assert_status 0 dk tag bb "$ref"
	assert_status 0 dk push "$ref"
	assert_contains "$output" "The push refers to repository [$REG/plain/bb]"
	assert_contains "$output" ": Pushed"
	assert_contains "$output" "1: digest: sha256:"
	# again: the registry has it all
	assert_status 0 dk push "$ref"
	assert_contains "$output" ": Layer already exists"

	# docker's progress messages, then the reference
	assert_status 0 dk rmi "$ref" bb
	assert_contains "$output" "Untagged: $ref"
	assert_contains "$output" "Deleted: $id"
	assert_status 0 dk pull "$ref"
	assert_contains "$output" "1: Pulling from plain/bb"
	assert_contains "$output" ": Pulling fs layer"
	assert_contains "$output" ": Pull complete"
	assert_contains "$output" "Digest: sha256:"
	assert_contains "$output" "Status: Downloaded newer image for $ref"
	assert_eq "$ref" "$(tail -n1 <<<"$output")"
	assert_eq "$id" "$(dk inspect -f '{{.Id}}' "$ref")"
	run dk images --format '{{.Repository}}:{{.Tag}}'
	assert_eq "$ref" "$output"
	assert_status 0 dk pull "$ref"
	assert_contains "$output" "Status: Image is up to date for $ref"
	# what the registry does not have: docker's exit 1 and the registry's answer
	assert_status 1 dk pull "$REG/plain/bb:nothing"
	assert_contains "$output" "manifest unknown"
	run curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" -X POST \
		"http://x/v1.50/images/create?fromImage=$REG/plain/bb&tag=nothing"
	assert_eq 404 "$output"
	# a platform berth does not pull
	run curl -s -w ' %{http_code}' --unix-socket "$SOCK" -X POST \
		"http://x/v1.50/images/create?fromImage=$REG/plain/bb&tag=1&platform=linux/s390x"
	assert_contains "$output" "platform 'linux/s390x' is not supported by berth"
	assert_contains "$output" " 400"

	# run of an image that is not here: docker's CLI pulls it (create answered 404),
	# then runs it
	assert_status 0 dk rmi "$ref"
	dk run --rm "$(cgp)" "$ref" echo ran >"$BERTH_TEST_TMP/out" 2>"$BERTH_TEST_TMP/err" ||
		fail "docker run: $(cat "$BERTH_TEST_TMP/err")"
	assert_eq ran "$(cat "$BERTH_TEST_TMP/out")"
	assert_contains "$(cat "$BERTH_TEST_TMP/err")" "Unable to find image '$ref' locally"
	assert_contains "$(cat "$BERTH_TEST_TMP/err")" "Status: Downloaded newer image for $ref"
	serve_stop
	cleanup
}

test_docker_login_push_and_pull_with_a_password() {
	need_tools
	import_probe_image bb
	htpasswd -Bbn "$REG_USER" "$REG_PASS" >"$BERTH_TEST_TMP/htpasswd"
	registry_start "$BERTH_TEST_TMP/htpasswd"
	serve_start_with_cleanup
	local ref=$REG/private/bb:1 cfg=$BERTH_TEST_TMP/.docker/config.json
	dk tag bb "$ref" >/dev/null
	# no credentials: the stream began, the error is in it
	assert_status 1 dk push "$ref"
	assert_contains "$output" "needs credentials"
	# docker's CLI checks the password through POST /auth: nothing stored when refused
	run dk login -u "$REG_USER" --password-stdin "$REG" <<<"wrong-pass"
	assert_eq 1 "$status" "$output"
	assert_contains "$output" "incorrect username or password"
	[[ ! -e $cfg ]] || [[ $(jq -c --arg k "$REG" '.auths[$k]' "$cfg") == null ]] ||
		fail "a refused login was stored: $(cat "$cfg")"
	run curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" \
		-H 'Content-Type: application/json' \
		-d "{\"username\":\"$REG_USER\",\"password\":\"no\",\"serveraddress\":\"$REG\"}" \
		http://x/v1.50/auth
	assert_eq 401 "$output"
	run dk login -u "$REG_USER" --password-stdin "$REG" <<<"$REG_PASS"
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "Login Succeeded"
	assert_eq "$(printf %s "$REG_USER:$REG_PASS" | base64 -w0)" \
		"$(jq -r --arg k "$REG" '.auths[$k].auth' "$cfg")"
	# the CLI sends them (X-Registry-Auth) with each push and pull
	assert_status 0 dk push "$ref"
	assert_contains "$output" "1: digest: sha256:"
	assert_status 0 dk rmi "$ref" bb
	assert_status 0 dk pull "$ref"
	assert_contains "$output" "Status: Downloaded newer image for $ref"
	# the server keeps none of its own: logged out, the pull is refused
	assert_status 0 dk logout "$REG"
	assert_status 0 dk rmi "$ref"
	assert_status 1 dk pull "$ref"
	assert_contains "$output" "authentication required"
	assert_eq "" "$(dk images -q)"
	serve_stop
	cleanup
}

test_docker_tag_rmi_and_the_conflict_of_an_image_in_use() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	import_probe_image bb
	serve_start_with_cleanup
	local id
	id=$(dk inspect -f '{{.Id}}' bb)
	assert_status 0 dk tag bb bb:two
	assert_status 0 dk tag bb example.com/team/bb
	run dk images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
	assert_contains "$output" "bb:two ${id:7:12}"
	assert_contains "$output" "example.com/team/bb:latest ${id:7:12}"
	assert_status 1 dk tag nosuch bb:three
	assert_contains "$output" "nosuch"
	# one tag of several: untagged only
	assert_status 0 dk rmi bb:two example.com/team/bb
	assert_eq "Untagged: bb:two
Untagged: example.com/team/bb:latest" "$output"
	# a container uses it: dockerd's 409
	dk create --name user "$(cgp)" bb true >/dev/null
	assert_status 1 dk rmi bb
	assert_contains "$output" "conflict: unable to remove repository reference \"bb\" (must force) - container"
	run curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" -X DELETE http://x/v1.50/images/bb
	assert_eq 409 "$output"
	assert_status 1 dk rmi "$id"
	assert_contains "$output" "image is being used by stopped container"
	assert_status 0 dk rm user
	assert_status 0 dk rmi bb
	assert_eq "Untagged: bb:latest
Deleted: $id" "$output"
	assert_status 1 dk rmi bb
	assert_contains "$output" "No such image: bb"
	assert_eq "" "$(dk images -q)"
	serve_stop
}

test_docker_save_and_load_round_trip() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	import_probe_image bb
	serve_start_with_cleanup
	local id
	id=$(dk inspect -f '{{.Id}}' bb)
	dk tag bb bb:two
	assert_status 0 dk save -o "$BERTH_TEST_TMP/bb.tar" bb
	run tar -xOf "$BERTH_TEST_TMP/bb.tar" manifest.json
	assert_contains "$output" '"RepoTags":["bb:latest"]'
	assert_status 1 dk save -o "$BERTH_TEST_TMP/no.tar" nosuch
	assert_contains "$output" "No such image: nosuch"
	assert_status 0 dk rmi bb bb:two
	assert_status 0 dk load -i "$BERTH_TEST_TMP/bb.tar"
	assert_eq "Loaded image: bb:latest" "$output"
	assert_eq "$id" "$(dk inspect -f '{{.Id}}' bb)"
	assert_status 0 dk run --rm "$(cgp)" bb echo loaded
	assert_eq loaded "$output"
	# several names (GET /images/get?names=...) through a pipe, quietly
	dk tag bb bb:two
	run sh -c "'$DOCKER_CLI' save bb bb:two | '$DOCKER_CLI' load -q"
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "Loaded image: bb:latest"
	assert_contains "$output" "Loaded image: bb:two"
	# not an archive: refused, nothing loaded
	echo garbage >"$BERTH_TEST_TMP/garbage"
	assert_status 1 dk load -i "$BERTH_TEST_TMP/garbage"
	assert_contains "$output" "Error response from daemon"
	serve_stop
}

test_docker_import_commit_and_history() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	serve_start_with_cleanup
	local id cid
	id=$(dk import -c 'CMD ["sh"]' - imported:1 <"$BUSYBOX_TAR")
	[[ $id =~ ^sha256:[0-9a-f]{64}$ ]] || fail "docker import printed '$id'"
	assert_eq '[sh]' "$(dk inspect -f '{{.Config.Cmd}}' imported:1)"
	assert_status 1 dk import http://example.com/x.tar
	assert_contains "$output" "not supported by berth"

	dk run --name c1 "$(cgp)" imported:1 sh -c 'echo committed > /file' >/dev/null
	cid=$(dk commit -c 'CMD ["cat", "/file"]' -m "a message" -a "someone" c1 mine:1)
	[[ $cid =~ ^sha256:[0-9a-f]{64}$ ]] || fail "docker commit printed '$cid'"
	assert_eq "$cid" "$(dk inspect -f '{{.Id}}' mine:1)"
	assert_eq "someone" "$(dk inspect -f '{{.Author}}' mine:1)"
	assert_status 0 dk run --rm "$(cgp)" mine:1
	assert_eq committed "$output"
	assert_status 1 dk commit nosuch x:1
	assert_contains "$output" "nosuch"

	# history: the commit over the import, newest first
	run dk history --format '{{.ID}}|{{.CreatedBy}}|{{.Comment}}' mine:1
	assert_eq "${cid:7:12}|sh -c echo committed > /file|a message
<missing>|berth import|" "$output"
	run dk history --no-trunc -q mine:1
	assert_eq "$cid
<missing>" "$output"
	assert_status 1 dk history nosuch
	assert_contains "$output" "nosuch"
	dk rm c1 >/dev/null
	serve_stop
}

test_docker_image_prune() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	import_probe_image bb
	serve_start_with_cleanup
	local dangling
	dangling=$(engine import "$BUSYBOX_TAR")
	dk import -c 'LABEL keep=yes' - labelled <"$BUSYBOX_TAR" >/dev/null
	# dangling ones only: the untagged import
	assert_status 0 dk image prune -f
	assert_contains "$output" "deleted: $dangling"
	assert_contains "$output" "Total reclaimed space:"
	assert_eq 2 "$(dk images -q | wc -l)"
	# -a with a label: the unused images without it
	assert_status 0 dk image prune -a -f --filter 'label!=keep'
	assert_contains "$output" "untagged: bb:latest"
	assert_contains "$output" "deleted: "
	run dk images --format '{{.Repository}}'
	assert_eq labelled "$output"
	assert_status 1 dk image prune -f --filter 'nosuch=1'
	assert_contains "$output" "invalid filter 'nosuch'"
	serve_stop
}

test_docker_build_and_search_fail_clearly() {
	[[ -x $DOCKER_CLI ]] || skip "no docker CLI at $DOCKER_CLI"
	serve_start_with_cleanup
	mkdir -p "$BERTH_TEST_TMP/ctx"
	echo 'FROM scratch' >"$BERTH_TEST_TMP/ctx/Dockerfile"
	# without buildx docker's CLI sends the context to POST /build
	assert_status 1 env DOCKER_BUILDKIT=0 "$DOCKER_CLI" build "$BERTH_TEST_TMP/ctx"
	assert_contains "$output" "berth does not build images from a Dockerfile yet"
	run curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" -X POST http://x/v1.50/build
	assert_eq 501 "$output"
	serve_stop
}

test_docker_search_names_a_registry_without_search() {
	need_tools
	registry_start
	serve_start_with_cleanup
	assert_status 1 dk search "$REG/plain/bb"
	assert_contains "$output" "registry '$REG' does not support search"
	serve_stop
	cleanup
}
