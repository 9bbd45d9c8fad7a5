# Registries: `berth pull`, `berth push`, `berth login`/`logout` against Debian's
# docker-registry (distribution 2.8) on 127.0.0.1, started here three times: without
# auth, with htpasswd (Basic) auth, and with token (Bearer) auth from
# tests/helpers/token-server.py. skopeo checks that what berth pushes and pulls is what
# other tools expect. Every process started here is killed by PID in teardown_file.


# The registries listen on the host's 127.0.0.1: the engine runs in the host's network
# namespace here (lib.sh), so every container of this file runs with --network none and
# no bridge, NAT rule or address of the engine's touches the host.
ENGINE_IN_HOST_NETNS=1

REG_HELPERS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../helpers" && pwd)

REG_USER=berth
REG_PASS='s3cret-pass'

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_registry NAME [YAML [SCHEME]]: a registry with its storage under
# $BERTH_FILE_TMP/NAME and YAML (auth, tls) added to its config; sets ${NAME}_PORT and
# appends its PID to REG_PIDS.
start_registry() {
	local name=$1 auth=${2:-} scheme=${3:-http} dir=$BERTH_FILE_TMP/$1 port i
	mkdir -p "$dir/storage"
	port=$(free_port)
	cat >"$dir/config.yml" <<-EOF
		version: 0.1
		log:
		  level: ${REG_LOG_LEVEL:-warn}
		storage:
		  filesystem:
		    rootdirectory: $dir/storage
		  delete:
		    enabled: true
		http:
		  addr: 127.0.0.1:$port
		$auth
	EOF
	docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
	REG_PIDS+=" $!"
	for ((i = 0; i < 100; i++)); do
		curl -s -k -o /dev/null "$scheme://127.0.0.1:$port/v2/" && break
		sleep 0.1
	done
	curl -s -k -o /dev/null "$scheme://127.0.0.1:$port/v2/" || { cat "$dir/log"; return 1; }
	printf -v "${name}_PORT" %s "$port"
}

setup_file() {
	command -v docker-registry >/dev/null || { echo "docker-registry is not installed"; return 1; }
	REG_PIDS=""
	start_registry plain
	# Its log has a line per request (the mount test counts them).
	REG_LOG_LEVEL=info start_registry logged
	htpasswd -Bbn "$REG_USER" "$REG_PASS" >"$BERTH_FILE_TMP/htpasswd"
	start_registry basic "$(printf 'auth:\n  htpasswd:\n    realm: berth-test\n    path: %s' \
		"$BERTH_FILE_TMP/htpasswd")"

	# Token auth: a self-signed certificate, the token server, a registry trusting it.
	local t=$BERTH_FILE_TMP/token i
	mkdir -p "$t"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=berth-test-token \
		-keyout "$t/key.pem" -out "$t/cert.pem" 2>/dev/null
	python3 "$REG_HELPERS/token-server.py" --port-file "$t/port" \
		--key "$t/key.pem" --cert "$t/cert.pem" --issuer berth-test-issuer \
		--service berth-test --user "$REG_USER" --password "$REG_PASS" >"$t/log" 2>&1 &
	REG_PIDS+=" $!"
	for ((i = 0; i < 100; i++)); do
		[[ -s "$t/port" ]] && break
		sleep 0.1
	done
	TOKEN_PORT=$(cat "$t/port")
	start_registry token "$(printf 'auth:\n  token:\n    realm: http://127.0.0.1:%s/token\n    service: berth-test\n    issuer: berth-test-issuer\n    rootcertbundle: %s' \
		"$TOKEN_PORT" "$t/cert.pem")"
	# TLS with a self-signed certificate: only --tls-verify=false gets in.
	start_registry tls "$(printf '  tls:\n    certificate: %s\n    key: %s' \
		"$t/cert.pem" "$t/key.pem")" https
	export REG_PIDS plain_PORT logged_PORT basic_PORT token_PORT TOKEN_PORT tls_PORT
}

teardown_file() {
	local pid i
	for pid in $REG_PIDS; do
		kill "$pid" 2>/dev/null || true
	done
	# (not our children here: teardown_file runs in a subshell)
	for pid in $REG_PIDS; do
		for ((i = 0; i < 50; i++)); do
			[[ -e /proc/$pid ]] || break
			sleep 0.1
		done
	done
}

# A fresh credentials file per test: never the user's own.
reg_env() {
	export DOCKER_CONFIG=$BERTH_TEST_TMP/docker-config
}

# berth with a second store (the "other machine" images are pulled to).
engine2() {
	"$BERTH" --root "$BERTH_TEST_TMP/store2" "$@"
}

# make_tar OUT TEXT: a one-file layer tarball whose content (and so digest) is TEXT's.
make_tar() {
	python3 - "$1" "$2" <<'PY'
import io, sys, tarfile
out, text = sys.argv[1], sys.argv[2].encode() + b"\n"
with tarfile.open(out, "w") as t:
    i = tarfile.TarInfo("unique")
    i.size, i.mtime, i.mode = len(text), 1500000000, 0o644
    t.addfile(i, io.BytesIO(text))
PY
}

# make_docker_archive OUT TAG: a 2-layer docker-archive: busybox, and (gzipped) /added.
make_docker_archive() {
	python3 - "$BUSYBOX_TAR" "$1" "$2" <<'PY'
import gzip, hashlib, io, json, sys, tarfile

busybox, out, tag = sys.argv[1], sys.argv[2], sys.argv[3]
l1 = open(busybox, "rb").read()
b = io.BytesIO()
with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
    i = tarfile.TarInfo("added")
    data = b"hello from layer 2\n"
    i.size, i.mtime, i.mode = len(data), 1500000000, 0o644
    t.addfile(i, io.BytesIO(data))
l2 = b.getvalue()
sha = lambda d: "sha256:" + hashlib.sha256(d).hexdigest()
config = json.dumps({
    "architecture": "amd64", "os": "linux",
    "config": {"Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["sh"]},
    "rootfs": {"type": "layers", "diff_ids": [sha(l1), sha(l2)]},
}).encode()
manifest = json.dumps([{"Config": "config.json", "RepoTags": [tag],
                        "Layers": ["l1.tar", "l2.tar.gz"]}]).encode()
with tarfile.open(out, "w") as t:
    for name, data in (("config.json", config), ("l1.tar", l1),
                       ("l2.tar.gz", gzip.compress(l2, mtime=0)), ("manifest.json", manifest)):
        i = tarfile.TarInfo(name)
        i.size, i.mtime = len(data), 1500000000
        t.addfile(i, io.BytesIO(data))
print(sha(config))
PY
}

# No image, layer or temp file in store $1.
assert_store_empty() {
	assert_eq "" "$(ls -A "$1/layers" 2>/dev/null)" "layers in $1"
	assert_eq "" "$(ls -A "$1/blobs/sha256" 2>/dev/null)" "blobs in $1"
	run "$BERTH" --root "$1" images -q
	assert_eq "" "$output" "images in $1"
}

test_push_and_pull_back_runs_the_image() {
	reg_env
	local ref=127.0.0.1:$plain_PORT/plain/busybox:1 id digest
	id=$(engine import "$BUSYBOX_TAR" "$ref")

	run engine push "$ref"
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "Copying blob sha256:"
	assert_contains "$output" "Copying config $id done"
	digest=$(engine push -q "$ref")
	[[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] || fail "push printed '$digest', not a digest"
	# The second push found every blob there already.
	run engine push "$ref"
	assert_contains "$output" "skipped: already exists"
	assert_not_contains "$output" " done"

	# Plain http to 127.0.0.1 needs no flag; the image id is the same everywhere.
	run engine2 pull "$ref"
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "Trying to pull $ref..."
	assert_contains "$output" "Digest: $digest"
	assert_eq "$id" "$(engine2 pull -q "$ref")"
	run engine2 images
	assert_contains "$output" "127.0.0.1:$plain_PORT/plain/busybox"
	run engine2 run --rm --network none "$(cgp)" "$ref" echo hi
	assert_eq 0 "$status" "$output"
	assert_eq "hi" "$output"

	# Pulled again: nothing to download.
	run engine2 pull --tls-verify=false "$ref"
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "skipped: already exists"
	assert_eq 1 "$(ls "$BERTH_TEST_TMP/store2/layers" | wc -l)"

	# By digest: the same image, untagged.
	run "$BERTH" --root "$BERTH_TEST_TMP/store3" pull -q "127.0.0.1:$plain_PORT/plain/busybox@$digest"
	assert_eq 0 "$status" "$output"
	assert_eq "$id" "$output"
	run "$BERTH" --root "$BERTH_TEST_TMP/store3" images
	assert_contains "$output" "<none>"
}

test_push_to_a_destination_and_skopeo_reads_it() {
	reg_env
	local id dest=127.0.0.1:$plain_PORT/plain/multi:2 raw
	id=$(make_docker_archive "$BERTH_TEST_TMP/multi.tar" multi:2)
	engine load -i "$BERTH_TEST_TMP/multi.tar" >/dev/null
	run engine push multi:2 "$dest"
	assert_eq 0 "$status" "$output"

	raw=$(skopeo inspect --tls-verify=false --raw "docker://$dest")
	assert_eq "application/vnd.oci.image.manifest.v1+json" "$(jq -r .mediaType <<<"$raw")"
	assert_eq "$id" "$(jq -r .config.digest <<<"$raw")"
	assert_eq 2 "$(jq '.layers | length' <<<"$raw")"
	assert_eq "application/vnd.oci.image.layer.v1.tar+gzip" "$(jq -r '.layers[1].mediaType' <<<"$raw")"
	skopeo copy -q --src-tls-verify=false "docker://$dest" "oci:$BERTH_TEST_TMP/oci:x"
	assert_file_exists "$BERTH_TEST_TMP/oci/index.json"
}

test_pull_what_skopeo_pushed() {
	reg_env
	local id ref=127.0.0.1:$plain_PORT/skopeo/multi:3
	id=$(make_docker_archive "$BERTH_TEST_TMP/multi.tar" multi:3)
	# skopeo writes a docker schema 2 manifest, gzipping the plain layer.
	skopeo copy -q --dest-tls-verify=false "docker-archive:$BERTH_TEST_TMP/multi.tar" "docker://$ref"
	assert_eq "application/vnd.docker.distribution.manifest.v2+json" \
		"$(skopeo inspect --tls-verify=false --raw "docker://$ref" | jq -r .mediaType)"
	run engine pull "$ref"
	assert_eq 0 "$status" "$output"
	assert_eq "$id" "$(tail -n 1 <<<"$output")"
	run engine run --rm --network none "$(cgp)" "$ref" cat /added
	assert_eq 0 "$status" "$output"
	assert_eq "hello from layer 2" "$output"
	# The layer records keep the registry's media types: pushing back gives docker's.
	run engine push "$ref" "127.0.0.1:$plain_PORT/skopeo/back:1"
	assert_eq 0 "$status" "$output"
	assert_eq "application/vnd.docker.distribution.manifest.v2+json" \
		"$(skopeo inspect --tls-verify=false --raw "docker://127.0.0.1:$plain_PORT/skopeo/back:1" | jq -r .mediaType)"
}

test_pull_picks_the_host_platform_from_an_index() {
	reg_env
	local base=127.0.0.1:$plain_PORT/plain/index id other d1 d2 s1 s2 index
	id=$(engine import "$BUSYBOX_TAR" "$base:amd64")
	make_tar "$BERTH_TEST_TMP/other.tar" "not for this platform"
	other=$(engine import "$BERTH_TEST_TMP/other.tar" "$base:arm64")
	d1=$(engine push -q "$base:amd64")
	d2=$(engine push -q "$base:arm64")
	s2=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://127.0.0.1:$plain_PORT/v2/plain/index/manifests/$d2" | wc -c)
	s1=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://127.0.0.1:$plain_PORT/v2/plain/index/manifests/$d1" | wc -c)
	# The arm64 entry comes first: berth must skip it.
	index=$(jq -n --arg d1 "$d1" --arg d2 "$d2" --argjson s1 "$s1" --argjson s2 "$s2" '{
		schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
		manifests: [
		  {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d2, size: $s2,
		   platform: {os: "linux", architecture: "arm64"}},
		  {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d1, size: $s1,
		   platform: {os: "linux", architecture: "amd64"}}]}')
	run curl -s -f -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' \
		--data-binary "$index" "http://127.0.0.1:$plain_PORT/v2/plain/index/manifests/multi"
	assert_eq 0 "$status" "$output"
	run engine2 pull -q "$base:multi"
	assert_eq 0 "$status" "$output"
	assert_eq "$id" "$output"
	assert_ne "$other" "$output"
}

# docker's pull -a (every tag of the repository, from its tags list) and --platform, and
# the digests images were pulled by or pushed as: images --digests, {{.Digest}},
# inspect's RepoDigests
test_pull_all_tags_platform_and_repo_digests() {
	reg_env
	local repo=127.0.0.1:$plain_PORT/plain/alltags id1 id2 d1 d2
	id1=$(engine import "$BUSYBOX_TAR" "$repo:1")
	make_tar "$BERTH_TEST_TMP/two.tar" "the second tag $RANDOM"
	id2=$(engine import "$BERTH_TEST_TMP/two.tar" "$repo:2")
	d1=$(engine push -q "$repo:1")
	d2=$(engine push -q "$repo:2")
	# the pushing store knows the digest its image went as
	assert_eq "$d1" "$(engine images --digests -f reference="$repo:1" --format '{{.Digest}}')"

	# -a: an id per tag (in the registry's order)
	run engine2 pull -q -a "$repo"
	assert_eq 0 "$status" "$output"
	assert_eq "$(printf '%s\n' "$id1" "$id2" | sort | xargs)" "$(sort <<<"$output" | xargs)"
	assert_eq "1 2" "$(engine2 images --format '{{.Tag}}' | sort | xargs)"
	# --digests: docker's column and placeholder; without it, <none>
	assert_eq "$repo:1 $d1
$repo:2 $d2" "$(engine2 images --digests --format '{{.Repository}}:{{.Tag}} {{.Digest}}' | sort)"
	assert_eq "<none> <none>" "$(engine2 images --format '{{.Digest}}' | xargs)"
	run engine2 images --digests -f reference="$repo:2"
	assert_eq 0 "$status" "$output"
	[[ ${output%%$'\n'*} =~ ^REPOSITORY\ +TAG\ +DIGEST\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]] ||
		fail "header: $output"
	[[ ${output#*$'\n'} =~ ^"$repo"\ +2\ +"$d2"\ +${id2:7:12}\  ]] || fail "row: $output"
	assert_eq "[\"$repo@$d1\"]" "$(engine2 image inspect "$repo:1" | jq -c '.[0].RepoDigests')"
	# -a: berth has no intermediate images, the same list
	assert_eq "$(engine2 images -q)" "$(engine2 images -a -q)"
	assert_eq "$(engine2 images --all --format '{{.Tag}}')" "$(engine2 images --format '{{.Tag}}')"

	# a digest pulled by: an untagged image's row names its repository with --digests
	run "$BERTH" --root "$BERTH_TEST_TMP/store3" pull -q "$repo@$d2"
	assert_eq 0 "$status" "$output"
	assert_eq "$repo <none> $d2" \
		"$("$BERTH" --root "$BERTH_TEST_TMP/store3" images --digests --format '{{.Repository}} {{.Tag}} {{.Digest}}')"

	# docker's refusals
	run engine2 pull -a "$repo:1"
	assert_eq 125 "$status"
	assert_eq "berth: pull '$repo:1': tag can't be used with --all-tags/-a" "$output"
	run engine2 pull --all-tags "127.0.0.1:$plain_PORT/plain/nothing-here"
	assert_eq 125 "$status"
	assert_contains "$output" "tags of '127.0.0.1:$plain_PORT/plain/nothing-here'"
	# --platform: the host's is accepted, others refused naming the flag
	run engine2 pull -q --platform linux/amd64 "$repo:1"
	assert_eq 0 "$status" "$output"
	assert_eq "$id1" "$output"
	run engine2 pull --platform linux/arm64 "$repo:1"
	assert_eq 125 "$status"
	assert_contains "$output" "--platform 'linux/arm64': berth pulls linux/amd64 images only"
	# push has no -a
	run engine push -a "$repo:1"
	assert_eq 125 "$status"
}

test_pull_refuses_a_blob_that_does_not_match_its_digest() {
	reg_env
	local ref=127.0.0.1:$plain_PORT/plain/corrupt:1 blob data
	make_tar "$BERTH_TEST_TMP/l.tar" "corrupt me $RANDOM$RANDOM"
	engine import "$BERTH_TEST_TMP/l.tar" "$ref" >/dev/null
	engine push -q "$ref" >/dev/null
	blob=$(ls "$BERTH_STORE/layers"/*/layer.json | xargs jq -r .blob)
	# Change the bytes the registry serves for that digest: one byte, then the size.
	data="$BERTH_FILE_TMP/plain/storage/docker/registry/v2/blobs/sha256/${blob:7:2}/${blob:7}/data"
	assert_file_exists "$data"
	python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(600); f.write(b"X")' "$data"
	run engine2 pull "$ref"
	assert_eq 125 "$status" "$output"
	assert_contains "$output" "blob '$blob': content hashes to sha256:"
	assert_store_empty "$BERTH_TEST_TMP/store2"

	printf 'more' >>"$data"
	run engine2 pull "$ref"
	assert_eq 125 "$status" "$output"
	assert_contains "$output" "blob '$blob': more data than the"
	assert_store_empty "$BERTH_TEST_TMP/store2"
}

test_pull_refuses_a_layer_that_does_not_match_the_config() {
	reg_env
	local base=127.0.0.1:$plain_PORT/plain/swapped man2 layer2 bad
	make_tar "$BERTH_TEST_TMP/a.tar" "layer a"
	make_tar "$BERTH_TEST_TMP/b.tar" "layer b"
	engine import "$BERTH_TEST_TMP/a.tar" "$base:a" >/dev/null
	engine import "$BERTH_TEST_TMP/b.tar" "$base:b" >/dev/null
	engine push -q "$base:a" >/dev/null
	engine push -q "$base:b" >/dev/null
	# a's config with b's layer: every digest is right, the diff id is not.
	man2=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://127.0.0.1:$plain_PORT/v2/plain/swapped/manifests/b")
	layer2=$(jq -c '.layers[0]' <<<"$man2")
	bad=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://127.0.0.1:$plain_PORT/v2/plain/swapped/manifests/a" |
		jq -c --argjson l "$layer2" '.layers[0] = $l')
	curl -s -f -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
		--data-binary "$bad" "http://127.0.0.1:$plain_PORT/v2/plain/swapped/manifests/bad" >/dev/null

	run engine2 pull "$base:bad"
	assert_eq 125 "$status" "$output"
	assert_contains "$output" "the config says"
	assert_store_empty "$BERTH_TEST_TMP/store2"
}

test_pull_of_a_missing_image_fails_clearly() {
	reg_env
	run engine pull "127.0.0.1:$plain_PORT/plain/nothing:here"
	assert_eq 125 "$status" "$output"
	assert_contains "$output" "manifest unknown"
	run engine pull "127.0.0.1:$plain_PORT/plain/nothing@sha256:0000000000000000000000000000000000000000000000000000000000000000"
	assert_eq 125 "$status" "$output"
	run engine pull "Not/A/Ref"
	assert_eq 125 "$status" "$output"
	assert_contains "$output" "invalid reference format"
	# Nothing listens there: a transport error, not a hang.
	run engine pull "127.0.0.1:$(free_port)/x:1"
	assert_eq 125 "$status" "$output"
	assert_store_empty "$BERTH_STORE"
}

test_basic_auth_login_push_pull_logout() {
	reg_env
	local reg=127.0.0.1:$basic_PORT ref id cfg=$BERTH_TEST_TMP/docker-config/config.json
	ref=$reg/private/busybox:1
	id=$(engine import "$BUSYBOX_TAR" "$ref")

	run engine push "$ref"
	assert_eq 125 "$status" "$output"
	assert_contains "$output" "needs credentials (berth login $reg)"

	run engine login -u "$REG_USER" --password-stdin "$reg" <<<"wrong-pass"
	assert_eq 125 "$status" "$output"
	assert_contains "$output" "incorrect username or password"
	[[ ! -e "$cfg" ]] || fail "a refused login wrote $cfg"

	# Other entries and keys of the file survive login and logout.
	mkdir -p "$(dirname "$cfg")"
	echo '{"auths": {"other.example:1": {"auth": "eDp5"}}, "detachKeys": "ctrl-x"}' >"$cfg"
	chmod 644 "$cfg"
	run engine login -u "$REG_USER" --password-stdin "$reg" <<<"$REG_PASS"
	assert_eq 0 "$status" "$output"
	assert_eq "Login Succeeded" "$output"
	assert_eq 600 "$(stat -c %a "$cfg")"
	assert_eq "$(printf %s "$REG_USER:$REG_PASS" | base64 -w0)" "$(jq -r --arg k "$reg" '.auths[$k].auth' "$cfg")"
	assert_eq "eDp5" "$(jq -r '.auths["other.example:1"].auth' "$cfg")"
	assert_eq "ctrl-x" "$(jq -r .detachKeys "$cfg")"

	run engine push "$ref"
	assert_eq 0 "$status" "$output"
	run engine2 pull -q "$ref"
	assert_eq 0 "$status" "$output"
	assert_eq "$id" "$output"
	run engine2 run --rm --network none "$(cgp)" "$ref" echo hi
	assert_eq "hi" "$output"
	# skopeo reads the credentials berth wrote.
	run skopeo inspect --tls-verify=false --authfile "$cfg" "docker://$ref"
	assert_eq 0 "$status" "$output"

	run engine logout "$reg"
	assert_eq 0 "$status" "$output"
	assert_eq "null" "$(jq -c --arg k "$reg" '.auths[$k]' "$cfg")"
	assert_eq "eDp5" "$(jq -r '.auths["other.example:1"].auth' "$cfg")"
	run engine logout "$reg"
	assert_eq 125 "$status" "$output"
	assert_contains "$output" "not logged in"
	run "$BERTH" --root "$BERTH_TEST_TMP/store3" pull "$ref"
	assert_eq 125 "$status" "$output"
	assert_contains "$output" "needs credentials"
	assert_store_empty "$BERTH_TEST_TMP/store3"
}

test_login_with_a_password_argument_and_an_auth_file() {
	local reg=127.0.0.1:$basic_PORT auth=$BERTH_TEST_TMP/auth.json
	run engine login --authfile "$auth" -u "$REG_USER" -p "$REG_PASS" "$reg"
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "WARNING! Using --password via the CLI is insecure"
	assert_eq 600 "$(stat -c %a "$auth")"
	run engine login --authfile "$auth" -u "$REG_USER" -p nope "$reg"
	assert_eq 125 "$status" "$output"
	run engine login --authfile "$auth" "$reg"
	assert_eq 125 "$status" "$output"
	assert_contains "$output" "no --username"
	run engine logout --authfile "$auth" "$reg"
	assert_eq 0 "$status" "$output"
	assert_eq "{}" "$(jq -c .auths "$auth")"
}

test_token_auth_login_push_pull() {
	reg_env
	local reg=127.0.0.1:$token_PORT ref id cfg=$BERTH_TEST_TMP/docker-config/config.json
	ref=$reg/tok/busybox:1
	id=$(engine import "$BUSYBOX_TAR" "$ref")

	# Anonymous tokens grant nothing here.
	run engine push "$ref"
	assert_eq 125 "$status" "$output"
	assert_contains "$output" "unauthorized"
	run engine login -u "$REG_USER" --password-stdin "$reg" <<<"wrong-pass"
	assert_eq 125 "$status" "$output"
	assert_contains "$output" "incorrect username or password"

	run engine login -u "$REG_USER" --password-stdin "$reg" <<<"$REG_PASS"
	assert_eq 0 "$status" "$output"
	run engine push "$ref"
	assert_eq 0 "$status" "$output"
	# To another repository: mounted or uploaded, as the token allows; either works.
	run engine push "$ref" "$reg/tok/copy:1"
	assert_eq 0 "$status" "$output"
	run engine2 pull "$ref"
	assert_eq 0 "$status" "$output"
	assert_eq "$id" "$(tail -n 1 <<<"$output")"
	assert_eq "$id" "$(engine2 pull -q "$reg/tok/copy:1")"
	run engine2 run --rm --network none "$(cgp)" "$ref" echo hi
	assert_eq "hi" "$output"
	run skopeo inspect --tls-verify=false --authfile "$cfg" "docker://$ref"
	assert_eq 0 "$status" "$output"
	assert_eq "$id" "$(skopeo inspect --tls-verify=false --authfile "$cfg" --raw "docker://$ref" | jq -r .config.digest)"

	run engine logout "$reg"
	assert_eq 0 "$status" "$output"
	run "$BERTH" --root "$BERTH_TEST_TMP/store3" pull "$ref"
	assert_eq 125 "$status" "$output"
	assert_contains "$output" "unauthorized"
	assert_store_empty "$BERTH_TEST_TMP/store3"
}

test_interrupted_pull_leaves_nothing() {
	local srv pull i port
	python3 "$REG_HELPERS/slow-registry.py" --port-file "$BERTH_TEST_TMP/port" \
		--layer "$BUSYBOX_TAR" &
	srv=$!
	trap "kill $srv 2>/dev/null || true" EXIT
	for ((i = 0; i < 100; i++)); do
		[[ -s "$BERTH_TEST_TMP/port" ]] && break
		sleep 0.1
	done
	port=$(cat "$BERTH_TEST_TMP/port")
	"$BERTH" --root "$BERTH_STORE" pull "127.0.0.1:$port/slow:x" >"$BERTH_TEST_TMP/out" 2>&1 &
	pull=$!
	# Wait until the layer is on its way into a temp blob, then interrupt.
	wait_for 10 sh -c "ls -A '$BERTH_STORE/blobs/sha256' | grep -q '^\.tmp-'"
	kill -INT "$pull"
	status=0
	wait "$pull" || status=$?
	assert_eq 125 "$status" "$(cat "$BERTH_TEST_TMP/out")"
	assert_contains "$(cat "$BERTH_TEST_TMP/out")" "interrupted"
	assert_store_empty "$BERTH_STORE"
	kill "$srv"
	wait "$srv" || true
}

# uploads_to REPO: the blob uploads (PUTs) the logged registry received for REPO.
uploads_to() {
	grep -c "\"PUT /v2/$1/blobs/uploads/" "$BERTH_FILE_TMP/logged/log" || true
}

test_push_mounts_layers_from_another_repository_of_the_registry() {
	reg_env
	local reg=127.0.0.1:$logged_PORT id layers l
	id=$(make_docker_archive "$BERTH_TEST_TMP/multi.tar" mnt:1)
	engine load -i "$BERTH_TEST_TMP/multi.tar" >/dev/null

	run engine push mnt:1 "$reg/mnt/a:1"
	assert_eq 0 "$status" "$output"
	assert_not_contains "$output" "mounted"
	assert_eq 3 "$(uploads_to mnt/a)" "two layers and the config"
	# The store remembers where the layer blobs went.
	layers=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"http://$reg/v2/mnt/a/manifests/1" | jq -r '.layers[].digest')
	for l in $layers; do
		assert_eq "$reg/mnt/a" "$(jq -r --arg l "$l" '.[$l][0]' "$BERTH_STORE/images/blob-sources.json")"
	done

	# The same image to b: the layers are mounted from a, only the config is uploaded.
	run engine push mnt:1 "$reg/mnt/b:1"
	assert_eq 0 "$status" "$output"
	for l in $layers; do
		assert_contains "$output" "Copying blob $l mounted from mnt/a"
		grep -q "\"POST /v2/mnt/b/blobs/uploads/?mount=${l/:/%3A}&from=mnt%2Fa " \
			"$BERTH_FILE_TMP/logged/log" || fail "no mount request for $l"
	done
	assert_eq 1 "$(uploads_to mnt/b)" "the config only"
	run engine2 pull "$reg/mnt/b:1"
	assert_eq 0 "$status" "$output"
	run engine2 run --rm --network none "$(cgp)" "$reg/mnt/b:1" cat /added
	assert_eq "hello from layer 2" "$output"

	# A pull is remembered too: from the second store, pushing to c mounts from b.
	run engine2 push "$reg/mnt/b:1" "$reg/mnt/c:1"
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "mounted from mnt/b"
	assert_eq 1 "$(uploads_to mnt/c)" "the config only"
	assert_eq "$id" "$(engine pull -q "$reg/mnt/c:1")"

	# A repository that lost the blob: the registry starts an upload instead (202).
	run curl -s -o /dev/null -w '%{http_code}' -X DELETE "http://$reg/v2/mnt/a/blobs/${layers%%$'\n'*}"
	assert_eq 202 "$output"
	jq --arg r "$reg/mnt/a" 'map_values([$r])' "$BERTH_STORE/images/blob-sources.json" \
		>"$BERTH_TEST_TMP/src.json"
	cp "$BERTH_TEST_TMP/src.json" "$BERTH_STORE/images/blob-sources.json"
	run engine push mnt:1 "$reg/mnt/d:1"
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "Copying blob ${layers%%$'\n'*} done"
	assert_contains "$output" "Copying blob ${layers##*$'\n'} mounted from mnt/a"
	assert_eq "$id" "$("$BERTH" --root "$BERTH_TEST_TMP/store3" pull -q "$reg/mnt/d:1")"
}

test_pull_on_a_terminal_shows_a_line_per_layer_updated_in_place() {
	reg_env
	local ref=127.0.0.1:$plain_PORT/plain/tty:1 layers l out
	make_docker_archive "$BERTH_TEST_TMP/multi.tar" tty:1 >/dev/null
	engine load -i "$BERTH_TEST_TMP/multi.tar" >/dev/null
	engine push -q tty:1 "$ref" >/dev/null
	layers=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"http://127.0.0.1:$plain_PORT/v2/plain/tty/manifests/1" | jq -r '.layers[].digest')
	assert_eq 2 "$(wc -l <<<"$layers")"

	# stderr a terminal (script's pty): each layer's line goes from Waiting to Pull
	# complete, rewritten in place (cursor up, erase line) rather than appended.
	out=$(script -qfec "'$BERTH' --root '$BERTH_TEST_TMP/store2' pull '$ref'" /dev/null)
	for l in $layers; do
		assert_contains "$out" "${l:0:15}: Waiting"
		assert_contains "$out" "${l:0:15}: Downloading  "
		assert_contains "$out" "${l:0:15}: Extracting"
		assert_contains "$out" "${l:0:15}: Pull complete"
	done
	assert_contains "$out" $'\e[2K'
	assert_contains "$out" "Digest: sha256:"
	assert_not_contains "$out" "Copying blob"
	assert_eq 2 "$(grep -c 'Waiting' <<<"$out")" "one line per layer: $out"

	out=$(script -qfec "'$BERTH' --root '$BERTH_TEST_TMP/store2' pull '$ref'" /dev/null)
	for l in $layers; do
		assert_contains "$out" "${l:0:15}: Already exists"
	done
	# -q: only the id, terminal or not.
	out=$(script -qfec "'$BERTH' --root '$BERTH_TEST_TMP/store2' pull -q '$ref'" /dev/null)
	[[ $(tr -d '\r' <<<"$out") =~ ^sha256:[0-9a-f]{64}$ ]] || fail "pull -q printed '$out'"

	# Not a terminal: the plain lines.
	run engine2 pull "$ref"
	assert_contains "$output" "Copying blob ${layers%%$'\n'*} skipped: already exists"
	assert_not_contains "$output" "Already exists"
}

test_a_layer_is_unpacked_while_the_next_one_downloads() {
	local srv pull i port tmp
	make_tar "$BERTH_TEST_TMP/fast.tar" "the fast layer"
	python3 "$REG_HELPERS/slow-registry.py" --port-file "$BERTH_TEST_TMP/port" \
		--layer "$BUSYBOX_TAR" --fast-layer "$BERTH_TEST_TMP/fast.tar" &
	srv=$!
	trap "kill $srv 2>/dev/null || true" EXIT
	for ((i = 0; i < 100; i++)); do
		[[ -s "$BERTH_TEST_TMP/port" ]] && break
		sleep 0.1
	done
	port=$(cat "$BERTH_TEST_TMP/port")
	"$BERTH" --root "$BERTH_STORE" pull "127.0.0.1:$port/slow:two" >"$BERTH_TEST_TMP/out" 2>&1 &
	pull=$!
	# The bottom layer arrives at once and is unpacked (its record written last) into a
	# temp layer dir, while the top one still trickles into a temp blob.
	wait_for 10 sh -c "ls '$BERTH_STORE'/layers/.tmp-*/layer.json"
	tmp=$(ls -d "$BERTH_STORE"/layers/.tmp-*)
	assert_eq "the fast layer" "$(cat "$tmp/diff/unique")"
	ls -A "$BERTH_STORE/blobs/sha256" | grep -q '^\.tmp-' || fail "the top layer is not downloading"
	assert_eq "" "$(ls "$BERTH_STORE/layers")" "a layer in place before the pull ended"
	run "$BERTH" --root "$BERTH_STORE" images -q
	assert_eq "" "$output"
	# An interrupt now discards the unpacked layer too.
	kill -INT "$pull"
	status=0
	wait "$pull" || status=$?
	assert_eq 125 "$status" "$(cat "$BERTH_TEST_TMP/out")"
	assert_contains "$(cat "$BERTH_TEST_TMP/out")" "interrupted"
	assert_store_empty "$BERTH_STORE"
	kill "$srv"
	wait "$srv" || true
}

test_tls_registry_needs_tls_verify_false_for_a_self_signed_certificate() {
	reg_env
	local ref=127.0.0.1:$tls_PORT/tls/busybox:1 id
	id=$(engine import "$BUSYBOX_TAR" "$ref")
	run engine push "$ref"
	assert_eq 125 "$status" "$output"
	assert_contains "$output" "over https: GET https://127.0.0.1:$tls_PORT/v2/: SSL peer certificate"
	run engine push --tls-verify=false "$ref"
	assert_eq 0 "$status" "$output"
	run engine2 pull -q --tls-verify=false "$ref"
	assert_eq 0 "$status" "$output"
	assert_eq "$id" "$output"
	run engine2 pull --tls-verify=true "$ref"
	assert_eq 125 "$status" "$output"
}

test_commit_tag_push_and_pull_elsewhere() {
	local reg=127.0.0.1:$plain_PORT id
	engine import "$BUSYBOX_TAR" busybox >/dev/null
	engine run --network none "$(cgp)" --name maker busybox sh -c 'echo committed >/made; rm /bin/ls'
	id=$(engine commit -c 'CMD ["cat", "/made"]' maker)
	engine rm maker >/dev/null
	run engine tag "$id" "$reg/team/made:1"
	assert_eq 0 "$status" "$output"
	run engine push "$reg/team/made:1"
	assert_eq 0 "$status" "$output"
	run "$BERTH" --root "$BERTH_TEST_TMP/elsewhere" pull "$reg/team/made:1"
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "$id"
	run "$BERTH" --root "$BERTH_TEST_TMP/elsewhere" run --rm --network none "$(cgp)" "$reg/team/made:1"
	assert_eq "committed" "$output"
	run "$BERTH" --root "$BERTH_TEST_TMP/elsewhere" run --rm --network none "$(cgp)" "$reg/team/made:1" \
		sh -c 'test -e /bin/ls || echo whiteout-kept'
	assert_eq "whiteout-kept" "$output"
}

test_run_and_create_pull_a_missing_image_as_docker_does() {
	reg_env
	local ref=127.0.0.1:$plain_PORT/plain/autopull:1 id out
	id=$(engine import "$BUSYBOX_TAR" "$ref")
	engine push -q "$ref" >/dev/null
	# --pull missing (the default): the store lacks it, so it is pulled, then run; the
	# pull's progress goes to stderr, the container's output alone to stdout
	out=$(engine2 run --rm --network none "$(cgp)" "$ref" echo hi 2>"$BERTH_TEST_TMP/err")
	assert_eq 0 "$?"
	assert_eq hi "$out"
	assert_contains "$(cat "$BERTH_TEST_TMP/err")" "Unable to find image '$ref' locally"
	assert_contains "$(cat "$BERTH_TEST_TMP/err")" "Trying to pull $ref..."
	assert_eq "$id" "$(engine2 inspect -f '{{.Id}}' "$ref")"
	# there now: no pull
	run engine2 run --rm --network none "$(cgp)" "$ref" echo again
	assert_eq 0 "$status" "$output"
	assert_eq again "$output"
	# --pull always pulls anyway (nothing new to download)
	out=$(engine2 create --pull always --network none "$(cgp)" "$ref" true 2>"$BERTH_TEST_TMP/err")
	assert_eq 0 "$?"
	assert_contains "$(cat "$BERTH_TEST_TMP/err")" "skipped: already exists"
	assert_not_contains "$(cat "$BERTH_TEST_TMP/err")" "Unable to find image"
	engine2 rm "$out" >/dev/null
	# --pull never: the store's images only
	run "$BERTH" --root "$BERTH_TEST_TMP/store3" run --rm --pull never --network none "$(cgp)" "$ref" true
	assert_eq 125 "$status"
	assert_contains "$output" "unable to find image '$ref' locally"
	assert_not_contains "$output" "Trying to pull"
	# an image the registry does not have either: the pull's error, 125, nothing made
	run "$BERTH" --root "$BERTH_TEST_TMP/store3" run --rm --network none "$(cgp)" "127.0.0.1:$plain_PORT/plain/nothing:here" true
	assert_eq 125 "$status"
	assert_contains "$output" "Unable to find image '127.0.0.1:$plain_PORT/plain/nothing:here' locally"
	assert_contains "$output" "manifest unknown"
	assert_eq "" "$("$BERTH" --root "$BERTH_TEST_TMP/store3" ps -aq)"
	run engine2 run --pull sometimes "$ref" true
	assert_eq 125 "$status"
	assert_contains "$output" "invalid pull option: 'sometimes'"
}
