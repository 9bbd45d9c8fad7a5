# Images in and out: save (docker-archive, OCI layout), load of what berth, skopeo and
# podman write, commit of a container's changes, export, import --change.


# other_engine ARGS...: berth on a second, empty store ("another machine").
other_engine() {
	"$BERTH" --root "$BERTH_TEST_TMP/store2" "$@"
}

# podman on private roots with the vfs driver: nothing mounted, nothing left behind.
pod() {
	podman --root "$BERTH_TEST_TMP/podman" --runroot "$BERTH_TEST_TMP/podman-run" \
		--storage-driver vfs --cgroup-manager cgroupfs --events-backend file "$@"
}

test_save_docker_archive_loads_back_with_the_same_id() {
	local id
	id=$(engine import "$BUSYBOX_TAR" busybox)
	run engine save -o "$BERTH_TEST_TMP/bb.tar" busybox
	assert_eq 0 "$status" "$output"
	run tar -tf "$BERTH_TEST_TMP/bb.tar"
	assert_contains "$output" "manifest.json"
	assert_contains "$output" "${id:7}.json"
	assert_eq '["busybox:latest"]' "$(tar -xOf "$BERTH_TEST_TMP/bb.tar" manifest.json | jq -c '.[0].RepoTags')"

	run other_engine load -i "$BERTH_TEST_TMP/bb.tar"
	assert_eq "Loaded image: busybox:latest" "$output"
	assert_eq "$id" "$(other_engine inspect -f '{{.Id}}' busybox)"
	run other_engine run --rm "$(cgp)" busybox echo from-the-archive
	assert_eq "from-the-archive" "$output"
}

# docker's load names what the archive names: an image saved by its id comes back by its id
test_load_of_an_untagged_archive_prints_the_id() {
	local id
	id=$(engine import "$BUSYBOX_TAR" busybox)
	engine save -o "$BERTH_TEST_TMP/by-id.tar" "$id"
	run other_engine load -i "$BERTH_TEST_TMP/by-id.tar"
	assert_eq 0 "$status" "$output"
	assert_eq "Loaded image ID: $id" "$output"
}

test_save_is_deterministic_and_writes_shared_layers_once() {
	engine import "$BUSYBOX_TAR" busybox >/dev/null
	engine tag busybox copy:1
	engine save -o "$BERTH_TEST_TMP/a.tar" busybox copy:1
	engine save busybox copy:1 >"$BERTH_TEST_TMP/b.tar"
	cmp "$BERTH_TEST_TMP/a.tar" "$BERTH_TEST_TMP/b.tar"
	assert_eq 1 "$(tar -tf "$BERTH_TEST_TMP/a.tar" | grep -c layer.tar)"
	assert_eq 2 "$(tar -xOf "$BERTH_TEST_TMP/a.tar" manifest.json | jq length)"
}

test_save_oci_archive_is_read_by_skopeo_and_by_berth() {
	local id
	id=$(engine import "$BUSYBOX_TAR" busybox)
	run engine save --format oci-archive -o "$BERTH_TEST_TMP/oci.tar" busybox
	assert_eq 0 "$status" "$output"
	assert_contains "$(tar -xOf "$BERTH_TEST_TMP/oci.tar" oci-layout)" '"imageLayoutVersion":"1.0.0"'
	# skopeo checks every digest and size while copying
	run skopeo copy "oci-archive:$BERTH_TEST_TMP/oci.tar" "oci:$BERTH_TEST_TMP/skopeo-oci:v2"
	assert_eq 0 "$status" "$output"
	run skopeo inspect --config "oci:$BERTH_TEST_TMP/skopeo-oci:v2"
	assert_eq "sh" "$(jq -r '.config.Cmd[0]' <<<"$output")"
	# an OCI layout directory as skopeo leaves it loads too, with skopeo's tag
	run other_engine load -i "$BERTH_TEST_TMP/skopeo-oci"
	assert_eq 0 "$status" "$output"
	assert_eq "Loaded image: v2:latest" "$output"
	assert_eq "$id" "$(other_engine inspect -f '{{.Id}}' v2)"
	run other_engine load -i "$BERTH_TEST_TMP/oci.tar"
	assert_eq "Loaded image: busybox:latest" "$output"
	assert_eq "$id" "$(other_engine inspect -f '{{.Id}}' busybox)"
	run other_engine images
	assert_contains "$output" "busybox"
}

test_skopeo_docker_archive_loads_in_berth() {
	skopeo copy "docker-archive:$(engine import "$BUSYBOX_TAR" busybox >/dev/null; engine save -o "$BERTH_TEST_TMP/x.tar" busybox; echo "$BERTH_TEST_TMP/x.tar")" \
		"docker-archive:$BERTH_TEST_TMP/sk.tar:team/bb:v3" >/dev/null
	run other_engine load -i "$BERTH_TEST_TMP/sk.tar"
	assert_eq 0 "$status" "$output"
	run other_engine run --rm "$(cgp)" team/bb:v3 echo ok
	assert_eq "ok" "$output"
}

test_podman_loads_what_berth_saves_and_the_reverse() {
	command -v podman >/dev/null || skip "podman not installed"
	engine import "$BUSYBOX_TAR" busybox >/dev/null
	engine save -o "$BERTH_TEST_TMP/bb.tar" busybox
	run pod load -i "$BERTH_TEST_TMP/bb.tar"
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "busybox:latest"
	run pod save --format oci-archive -o "$BERTH_TEST_TMP/p-oci.tar" busybox:latest
	assert_eq 0 "$status" "$output"
	run pod save -o "$BERTH_TEST_TMP/p-docker.tar" busybox:latest
	assert_eq 0 "$status" "$output"
	run other_engine load -i "$BERTH_TEST_TMP/p-oci.tar"
	assert_eq 0 "$status" "$output"
	run other_engine load -i "$BERTH_TEST_TMP/p-docker.tar"
	assert_eq 0 "$status" "$output"
	run other_engine run --rm "$(cgp)" localhost/busybox echo podman-roundtrip
	assert_eq "podman-roundtrip" "$output"
	rm -rf "$BERTH_TEST_TMP/podman" "$BERTH_TEST_TMP/podman-run"
}

test_save_errors_leave_no_file() {
	engine import "$BUSYBOX_TAR" busybox >/dev/null
	run engine save -o "$BERTH_TEST_TMP/out.tar" busybox nosuch
	assert_eq 125 "$status"
	assert_contains "$output" "no such image: 'nosuch'"
	assert_eq "" "$(ls "$BERTH_TEST_TMP" | grep out.tar || true)"
	run engine save --format zip busybox
	assert_eq 125 "$status"
	assert_contains "$output" "invalid --format 'zip'"
}

# A container that adds, changes, deletes and replaces: what commit must carry.
make_changes() {
	engine run "$(cgp)" --name changer busybox sh -c '
		echo new >/new-file
		echo changed >>/etc/passwd
		rm /bin/ls
		rm -rf /usr && mkdir /usr && echo only >/usr/only
		mkdir /links && echo data >/links/a && ln /links/a /links/b
		ln -s /new-file /links/sym'
}

test_commit_carries_additions_deletions_and_replaced_dirs() {
	local id
	engine import "$BUSYBOX_TAR" busybox >/dev/null
	make_changes
	run engine commit -m "my changes" -a "Ann <ann@example.com>" changer changed:1
	assert_eq 0 "$status" "$output"
	id=$output
	# the layer: whiteout for /bin/ls, opaque /usr, the engine's mount targets left out
	local blob
	blob=$(engine inspect changed:1 | jq -r '.[0].Layers[1].Digest')
	run tar -tf "$BERTH_STORE/blobs/sha256/${blob#sha256:}"
	assert_contains "$output" "bin/.wh.ls"
	assert_contains "$output" "usr/.wh..wh..opq"
	assert_not_contains "$output" "etc/hostname"
	run engine run --rm "$(cgp)" changed:1 sh -c '
		cat /new-file; tail -n1 /etc/passwd; ls /bin/ls 2>&1; ls /usr
		[ /links/a -ef /links/b ] && echo hardlinked; readlink /links/sym'
	assert_eq "new
changed
ls: /bin/ls: No such file or directory
only
hardlinked
/new-file" "$output"
	run engine history changed:1
	assert_contains "$output" "my changes"
	assert_eq "Ann <ann@example.com>" "$(engine inspect changed:1 | jq -r '.[0].Author')"
	# the same files after save and load elsewhere
	engine save -o "$BERTH_TEST_TMP/c.tar" changed:1
	run other_engine load -i "$BERTH_TEST_TMP/c.tar"
	assert_eq "Loaded image: changed:1" "$output"
	assert_eq "$id" "$(other_engine inspect -f '{{.Id}}' changed:1)"
	run other_engine run --rm "$(cgp)" changed:1 sh -c 'cat /new-file; ls /usr; ls /bin/ls 2>&1'
	assert_eq "new
only
ls: /bin/ls: No such file or directory" "$output"
	engine rm changer >/dev/null
}

test_commit_change_sets_the_config_and_bad_changes_leave_nothing() {
	engine import "$BUSYBOX_TAR" busybox >/dev/null
	engine run "$(cgp)" --name c busybox sh -c 'echo hi >/greeting'
	run engine commit -c 'CMD ["cat", "/greeting"]' -c 'ENV GREETING=hello' \
		-c 'WORKDIR /tmp' -c 'LABEL team=core' -c 'EXPOSE 8080' c greeter
	assert_eq 0 "$status" "$output"
	run engine run --rm "$(cgp)" greeter
	assert_eq "hi" "$output"
	run engine run --rm "$(cgp)" greeter sh -c 'echo $GREETING; pwd'
	assert_eq "hello
/tmp" "$output"
	run engine inspect greeter
	assert_eq "core" "$(jq -r '.[0].Config.Labels.team' <<<"$output")"
	assert_eq '{"8080/tcp":{}}' "$(jq -c '.[0].Config.ExposedPorts' <<<"$output")"

	local before
	before=$(ls "$BERTH_STORE/blobs/sha256" | wc -l)
	run engine commit -c 'FROM scratch' c bad
	assert_eq 125 "$status"
	assert_contains "$output" "unknown instruction 'FROM'"
	run engine commit -c 'WORKDIR relative' c bad
	assert_contains "$output" "expected an absolute path"
	assert_eq "$before" "$(ls "$BERTH_STORE/blobs/sha256" | wc -l)"
	run engine commit nosuch x
	assert_eq 125 "$status"
	assert_contains "$output" "no such container: nosuch"
	engine rm c >/dev/null
}

test_export_of_a_stopped_container_leaves_nothing_mounted() {
	engine import "$BUSYBOX_TAR" busybox >/dev/null
	make_changes
	run engine export -o "$BERTH_TEST_TMP/fs.tar" changer
	assert_eq 0 "$status" "$output"
	run tar -tf "$BERTH_TEST_TMP/fs.tar"
	assert_contains "$output" "new-file"
	assert_contains "$output" "usr/only"
	assert_contains "$output" "bin/busybox"
	if grep -qx 'bin/ls' <<<"$output"; then fail "bin/ls was deleted"; fi
	assert_not_contains "$output" ".wh."
	assert_not_contains "$output" "usr/bin"
	# an exported filesystem imports as a runnable image
	run other_engine import "$BERTH_TEST_TMP/fs.tar" flat
	assert_eq 0 "$status" "$output"
	run other_engine run --rm "$(cgp)" flat cat /new-file
	assert_eq "new" "$output"
	run engine export nosuch
	assert_eq 125 "$status"
	engine rm changer >/dev/null
}

test_export_of_a_running_container() {
	engine import "$BUSYBOX_TAR" busybox >/dev/null
	engine run "$(cgp)" --name live busybox sh -c 'echo live >/state; sleep 30' &
	local pid=$!
	wait_for 10 sh -c "$(engine_sh) ps | grep -q live"
	wait_for 10 test -e "$(ls -d "$BERTH_STORE"/containers/*/upper)/state"
	run sh -c "$(engine_sh) export live | tar -xOf - state"
	assert_eq "live" "$output"
	engine rm -f live >/dev/null
	wait "$pid" || true
}

test_import_change_sets_cmd_and_env() {
	run engine import -c 'CMD echo "$X"' -c 'ENV X=from-change' "$BUSYBOX_TAR" configured
	assert_eq 0 "$status" "$output"
	run engine run --rm "$(cgp)" configured
	assert_eq "from-change" "$output"
	run engine import -c 'BOGUS x' "$BUSYBOX_TAR" never
	assert_eq 125 "$status"
	assert_contains "$output" "unknown instruction 'BOGUS'"
	run engine images
	assert_not_contains "$output" "never"
}

# make_deep_archive OUT N: a docker-archive of busybox plus N one-file layers (layer k
# adds /layers/k and deletes /layers/k-1's sibling marker), the top one zstd-compressed
# and one in the middle gzip: more lower dirs than fit in one page of mount options.
make_deep_archive() {
	python3 - "$BUSYBOX_TAR" "$1" "$2" <<'PY'
import gzip, hashlib, io, json, subprocess, sys, tarfile
busybox, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
sha = lambda d: "sha256:" + hashlib.sha256(d).hexdigest()
def layer(entries):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in entries:
            i = tarfile.TarInfo(name)
            if data is None:
                i.type, i.mode = tarfile.DIRTYPE, 0o755
                t.addfile(i)
            else:
                i.size, i.mode = len(data), 0o644
                t.addfile(i, io.BytesIO(data))
    return b.getvalue()
layers = [open(busybox, "rb").read()]
for k in range(n):
    ents = [("layers", None), (f"layers/{k}", f"layer {k}\n".encode())]
    if k > 0:
        ents.append((f"layers/.wh.gone-{k-1}", b""))
    ents.append((f"layers/gone-{k}", b"x"))
    layers.append(layer(ents))
diff_ids = [sha(l) for l in layers]
blobs = list(layers)
blobs[n // 2] = gzip.compress(layers[n // 2], mtime=0)
blobs[-1] = subprocess.run(["zstd", "-q", "-c"], input=layers[-1], capture_output=True, check=True).stdout
config = json.dumps({"architecture": "amd64", "os": "linux",
    "config": {"Env": ["PATH=/bin"], "Cmd": ["sh"]},
    "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
names = []
with tarfile.open(out, "w") as t:
    def add(name, data):
        i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
    add("config.json", config)
    for k, b in enumerate(blobs):
        names.append(f"l{k}.tar"); add(names[-1], b)
    add("manifest.json", json.dumps([{"Config": "config.json", "RepoTags": ["deep:1"], "Layers": names}]).encode())
PY
}

test_load_runs_a_deep_layer_stack_with_gzip_and_zstd_layers() {
	command -v zstd >/dev/null || skip "zstd not installed"
	make_deep_archive "$BERTH_TEST_TMP/deep.tar" 60
	run engine load -i "$BERTH_TEST_TMP/deep.tar"
	assert_eq 0 "$status" "$output"
	assert_eq 61 "$(ls "$BERTH_STORE/layers" | wc -l)"
	# 61 lower dirs of ~100 bytes each: far beyond one page of mount(2) options
	run engine run --rm "$(cgp)" deep:1 sh -c 'cat /layers/0 /layers/30 /layers/59; ls /layers | grep -c gone'
	assert_eq "layer 0
layer 30
layer 59
1" "$output"
	# and it goes out again: save + load elsewhere gives the same image
	engine save -o "$BERTH_TEST_TMP/deep2.tar" deep:1
	run other_engine load -i "$BERTH_TEST_TMP/deep2.tar"
	assert_eq "Loaded image: deep:1" "$output"
	assert_eq "$(engine images -q --no-trunc)" "$(other_engine images -q --no-trunc)"
}

test_umoci_layout_with_whiteouts_loads_and_runs() {
	command -v umoci >/dev/null || skip "umoci not installed"
	local oci=$BERTH_TEST_TMP/oci
	umoci init --layout "$oci"
	umoci new --image "$oci:base"
	umoci unpack --image "$oci:base" "$BERTH_TEST_TMP/b1" >/dev/null
	tar -C "$BERTH_TEST_TMP/b1/rootfs" -xf "$BUSYBOX_TAR"
	umoci repack --image "$oci:base" "$BERTH_TEST_TMP/b1"
	# a second layer that deletes a file and replaces a directory
	umoci unpack --image "$oci:base" "$BERTH_TEST_TMP/b2" >/dev/null
	rm "$BERTH_TEST_TMP/b2/rootfs/etc/group"
	rm -rf "$BERTH_TEST_TMP/b2/rootfs/usr"
	mkdir "$BERTH_TEST_TMP/b2/rootfs/usr"
	echo replaced >"$BERTH_TEST_TMP/b2/rootfs/usr/only"
	umoci repack --image "$oci:v2" "$BERTH_TEST_TMP/b2"
	umoci config --image "$oci:v2" --config.cmd cat --config.cmd /usr/only
	rm -rf "$BERTH_TEST_TMP/b1" "$BERTH_TEST_TMP/b2"

	run engine load -i "$oci"
	assert_eq 0 "$status" "$output"
	run engine run --rm "$(cgp)" v2
	assert_eq "replaced" "$output"
	run engine run --rm "$(cgp)" v2 sh -c 'ls /usr; test -e /etc/group || echo no-group'
	assert_eq "only
no-group" "$output"
	run engine run --rm "$(cgp)" base ls /usr
	assert_contains "$output" "bin"
}

# dockerd on private roots and socket (vfs driver, no networking, and no host sysctl
# changes: --ip-forward=false): only for load/save.
start_dockerd() {
	local d=$BERTH_TEST_TMP/docker i
	mkdir -p "$d"
	# what dockerd makes outside its roots whatever the flags: removed again if new
	DOCKERD_NEW=()
	for i in /etc/docker/key.json /run/docker/plugins /run/docker; do
		[[ -e $i ]] || DOCKERD_NEW+=("$i")
	done
	dockerd --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/pid" \
		-H "unix://$d/sock" --bridge=none --iptables=false --ip6tables=false --ip-forward=false \
		--storage-driver=vfs >"$d/log" 2>&1 &
	DOCKERD_PID=$!
	for ((i = 0; i < 100; i++)); do
		docker -H "unix://$d/sock" version >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$d/log"
	return 1
}

stop_dockerd() {
	local p
	kill "$DOCKERD_PID" 2>/dev/null || true
	wait "$DOCKERD_PID" 2>/dev/null || true
	for p in "${DOCKERD_NEW[@]}"; do
		[[ -d $p ]] && rmdir "$p" 2>/dev/null
		[[ -f $p ]] && rm -f "$p"
	done
	return 0
}

test_docker_loads_what_berth_saves_and_the_reverse() {
	command -v dockerd >/dev/null && command -v docker >/dev/null || skip "docker.io not installed"
	local id dk=(docker -H "unix://$BERTH_TEST_TMP/docker/sock")
	id=$(engine import "$BUSYBOX_TAR" busybox)
	engine save -o "$BERTH_TEST_TMP/bb.tar" busybox
	start_dockerd
	trap stop_dockerd EXIT
	run "${dk[@]}" load -i "$BERTH_TEST_TMP/bb.tar"
	assert_eq 0 "$status" "$output"
	assert_eq "Loaded image: busybox:latest" "$output"
	# docker gives the image berth's id: the config blob went through unchanged
	assert_eq "$id" "$("${dk[@]}" image inspect -f '{{.Id}}' busybox:latest)"
	"${dk[@]}" tag busybox:latest team/from-docker:2
	"${dk[@]}" save -o "$BERTH_TEST_TMP/dk.tar" team/from-docker:2
	stop_dockerd
	trap - EXIT
	run other_engine load -i "$BERTH_TEST_TMP/dk.tar"
	assert_eq "Loaded image: team/from-docker:2" "$output"
	assert_eq "$id" "$(other_engine inspect -f '{{.Id}}' team/from-docker:2)"
	run other_engine run --rm "$(cgp)" team/from-docker:2 echo docker-roundtrip
	assert_eq "docker-roundtrip" "$output"
}
