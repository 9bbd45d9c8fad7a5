# Multi-layer images: `berth load` of a docker-archive built here from $BUSYBOX_TAR.


# make_docker_archive OUT: a 2-layer docker-archive (`docker save` format). Layer 1 is
# the busybox rootfs as is; layer 2 (gzipped) adds /added and whites out /etc/group
# (the engine bind-mounts /etc/hostname over the image's, so a whiteout of that one
# would not show in a container; it is whited out too, absent in busybox: harmless).
make_docker_archive() {
	python3 - "$BUSYBOX_TAR" "$1" <<'PY'
import gzip, hashlib, io, json, sys, tarfile

busybox, out = sys.argv[1], sys.argv[2]

def entry(t, name, data=b"", typ=tarfile.REGTYPE, mode=0o644):
    i = tarfile.TarInfo(name)
    i.type, i.mode, i.mtime, i.size = typ, mode, 1500000000, len(data)
    t.addfile(i, io.BytesIO(data) if typ == tarfile.REGTYPE else None)

l1 = open(busybox, "rb").read()
b = io.BytesIO()
with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
    entry(t, "etc", typ=tarfile.DIRTYPE, mode=0o755)
    entry(t, "etc/.wh.group")
    entry(t, "etc/.wh.hostname")
    entry(t, "added", b"hello from layer 2\n")
l2 = b.getvalue()
l2gz = gzip.compress(l2, mtime=0)
sha = lambda d: "sha256:" + hashlib.sha256(d).hexdigest()
config = json.dumps({
    "architecture": "amd64", "os": "linux",
    "config": {"Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["sh"]},
    "rootfs": {"type": "layers", "diff_ids": [sha(l1), sha(l2)]},
}).encode()
cfg_name = hashlib.sha256(config).hexdigest() + ".json"
manifest = json.dumps([{"Config": cfg_name, "RepoTags": ["multi:2"],
                        "Layers": ["l1/layer.tar", "l2/layer.tar"]}]).encode()
with tarfile.open(out, "w") as t:
    entry(t, cfg_name, config)
    entry(t, "l1", typ=tarfile.DIRTYPE, mode=0o755)
    entry(t, "l1/layer.tar", l1)
    entry(t, "l2", typ=tarfile.DIRTYPE, mode=0o755)
    entry(t, "l2/layer.tar", l2gz)
    entry(t, "manifest.json", manifest)
print(sha(config))
PY
}

test_load_docker_archive_runs_the_union() {
	local id
	id=$(make_docker_archive "$BERTH_TEST_TMP/multi.tar")
	run engine load -i "$BERTH_TEST_TMP/multi.tar"
	assert_eq 0 "$status" "$output"
	assert_eq "Loaded image: multi:2" "$output"
	assert_eq "$id" "$(engine inspect -f '{{.Id}}' multi:2)"
	assert_eq 2 "$(ls "$BERTH_STORE/layers" | wc -l)"

	run engine images
	assert_contains "$output" "multi"
	assert_contains "$output" "${id:7:12}"

	run engine run --rm "$(cgp)" multi:2 cat /added
	assert_eq 0 "$status" "$output"
	assert_eq "hello from layer 2" "$output"
	# The whiteout hides layer 1's /etc/group; the rest of layer 1 is there.
	run engine run --rm "$(cgp)" multi:2 sh -c 'ls /etc/group; echo $?; cat /etc/passwd | head -1'
	assert_contains "$output" "No such file or directory"
	assert_contains "$output" "root:"
	run engine run --rm "$(cgp)" multi:2 sh -c 'test -e /etc/group'
	assert_eq 1 "$status" "$output"

	# Loading again, from stdin this time (-q, as docker's: the lines stay): the same
	# image, no new layer.
	run sh -c "\"$BERTH\" --root \"$BERTH_STORE\" load -q <\"$BERTH_TEST_TMP/multi.tar\""
	assert_eq 0 "$status" "$output"
	assert_eq "Loaded image: multi:2" "$output"
	assert_eq "$id" "$(engine inspect -f '{{.Id}}' multi:2)"
	assert_eq 2 "$(ls "$BERTH_STORE/layers" | wc -l)"
}

test_load_refuses_a_layer_that_does_not_match() {
	local d="$BERTH_TEST_TMP/bad"
	make_docker_archive "$BERTH_TEST_TMP/multi.tar" >/dev/null
	mkdir -p "$d"
	tar -xf "$BERTH_TEST_TMP/multi.tar" -C "$d"
	# Swap the layers: each now differs from its diff id in the config.
	mv "$d/l1/layer.tar" "$d/tmp" && mv "$d/l2/layer.tar" "$d/l1/layer.tar" && mv "$d/tmp" "$d/l2/layer.tar"
	tar -C "$d" -cf "$BERTH_TEST_TMP/bad.tar" .
	run engine load -i "$BERTH_TEST_TMP/bad.tar"
	assert_ne 0 "$status"
	assert_contains "$output" "layer 'l1/layer.tar'"
	assert_eq "" "$(ls -A "$BERTH_STORE/layers" 2>/dev/null)"
	run engine images
	assert_not_contains "$output" "multi"
}
