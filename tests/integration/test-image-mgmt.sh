# Image management: tag, rmi (with the in-use check), history, inspect, image prune.


import_busybox() {
	engine import "$BUSYBOX_TAR" "${1:-busybox}"
}

test_tag_adds_a_ref_and_rmi_of_one_tag_only_untags() {
	local id
	id=$(import_busybox)
	run engine tag busybox example.com/team/bb:v1
	assert_eq 0 "$status" "$output"
	run engine images
	assert_contains "$output" "example.com/team/bb"
	assert_contains "$output" "v1"
	# the new tag runs the same image
	run engine run --rm "$(cgp)" example.com/team/bb:v1 echo tagged
	assert_eq "tagged" "$output"

	run engine rmi example.com/team/bb:v1
	assert_eq 0 "$status" "$output"
	assert_eq "Untagged: example.com/team/bb:v1" "$output"
	run engine inspect busybox
	assert_contains "$output" "\"Id\": \"$id\""
	assert_eq 1 "$(ls "$BERTH_STORE/layers" | wc -l)"
}

test_tag_errors_are_clear() {
	import_busybox >/dev/null
	run engine tag nosuch:1 x:1
	assert_eq 125 "$status"
	assert_contains "$output" "no such image: 'nosuch:1'"
	run engine tag busybox 'Bad Name'
	assert_eq 125 "$status"
	assert_contains "$output" "Bad Name"
	run engine tag busybox
	assert_eq 125 "$status"
	assert_contains "$output" "requires exactly 2 arguments"
}

test_rmi_deletes_the_last_tag_with_its_layers_and_blobs() {
	local id
	id=$(import_busybox)
	run engine rmi busybox
	assert_eq 0 "$status" "$output"
	assert_eq "Untagged: busybox:latest
Deleted: $id" "$output"
	assert_eq "" "$(ls "$BERTH_STORE/layers")"
	assert_eq "" "$(ls "$BERTH_STORE/blobs/sha256")"
	run engine rmi busybox
	assert_eq 1 "$status"
	assert_contains "$output" "no such image: 'busybox'"
}

test_rmi_refuses_an_image_a_container_uses_unless_forced() {
	local id
	id=$(import_busybox)
	engine run "$(cgp)" --name user1 busybox true
	run engine rmi busybox
	assert_eq 1 "$status"
	assert_contains "$output" "must force"
	assert_contains "$output" "is using its referenced image ${id:7:12}"
	run engine rmi "${id:7:12}"
	assert_eq 1 "$status"
	assert_contains "$output" "(must be forced) - image is being used by stopped container"
	# nothing changed
	run engine images -q
	assert_eq "${id:7:12}" "$output"

	# a running container's image cannot go by id, not even forced
	engine run "$(cgp)" --name user2 busybox sleep 30 &
	local pid=$!
	wait_for 10 sh -c "$(engine_sh) ps | grep -q user2"
	run engine rmi -f "${id:7:12}"
	assert_eq 1 "$status"
	assert_contains "$output" "cannot be forced"
	# by name, forced: untagged, the image stays for its containers
	run engine rmi -f busybox
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "Untagged: busybox"
	assert_not_contains "$output" "Deleted"
	assert_eq 0 "$(engine exec user2 ls /bin/busybox >/dev/null; echo $?)"
	engine rm -f user2 >/dev/null
	wait "$pid" || true
	# kept while user1 needs it, gone with it
	assert_eq "${id:7:12}" "$(engine images -q)"
	assert_ne "" "$(ls "$BERTH_STORE/layers")"
	engine rm user1 >/dev/null
	assert_eq "" "$(engine images -q)"
	assert_eq "" "$(ls "$BERTH_STORE/layers")"
}

test_rmi_by_id_with_several_tags_needs_force() {
	local id
	id=$(import_busybox)
	engine tag busybox other:2
	run engine rmi "${id:7:12}"
	assert_eq 1 "$status"
	assert_contains "$output" "referenced in 2 tags"
	run engine rmi -f "${id:7:12}"
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "Untagged: busybox:latest"
	assert_contains "$output" "Untagged: other:2"
	assert_contains "$output" "Deleted: $id"
	run engine images -q
	assert_eq "" "$output"
}

test_history_shows_each_step_newest_first() {
	local id
	id=$(import_busybox)
	run engine history busybox
	assert_eq 0 "$status" "$output"
	assert_contains "$(sed -n 1p <<<"$output")" "CREATED BY"
	assert_contains "$(sed -n 2p <<<"$output")" "${id:7:12}"
	assert_contains "$(sed -n 2p <<<"$output")" "berth import"
	run engine history -q --no-trunc busybox
	assert_eq "$id" "$output"
	run engine history nosuch
	assert_eq 125 "$status"
	assert_contains "$output" "no such image"
}

test_inspect_prints_docker_shaped_json() {
	local id diff
	id=$(import_busybox)
	diff="sha256:$(sha256sum "$BUSYBOX_TAR" | cut -d' ' -f1)"
	run engine inspect busybox
	assert_eq 0 "$status" "$output"
	assert_eq "$id" "$(jq -r '.[0].Id' <<<"$output")"
	assert_eq "busybox:latest" "$(jq -r '.[0].RepoTags[0]' <<<"$output")"
	assert_eq "$diff" "$(jq -r '.[0].RootFS.Layers[0]' <<<"$output")"
	assert_eq "sh" "$(jq -r '.[0].Config.Cmd[0]' <<<"$output")"
	assert_eq "linux" "$(jq -r '.[0].Os' <<<"$output")"
	[[ $(jq -r '.[0].Size' <<<"$output") -gt 1000000 ]] || fail "size"
	# docker's `image inspect` spelling, and a missing image among good ones
	run engine image inspect busybox nosuch
	assert_eq 1 "$status"
	assert_contains "$output" "no such image: 'nosuch'"
	assert_contains "$output" "\"Id\": \"$id\""
}

test_image_prune_removes_untagged_and_unused_only() {
	local id1 id2
	id1=$(import_busybox one)
	# a second, different image under the same name: the first becomes untagged
	tar -C "$BERTH_TEST_TMP" -cf "$BERTH_TEST_TMP/small.tar" --files-from /dev/null
	mkdir "$BERTH_TEST_TMP/x" && echo hi >"$BERTH_TEST_TMP/x/file"
	tar -C "$BERTH_TEST_TMP/x" -cf "$BERTH_TEST_TMP/small.tar" file
	id2=$(engine import "$BERTH_TEST_TMP/small.tar" one)
	run engine images
	assert_contains "$output" "<none>"

	run engine image prune -f
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "deleted: $id1"
	assert_contains "$output" "MB"   # busybox: its blob and its unpacked layer
	run engine images -q --no-trunc
	assert_eq "$id2" "$output"

	# -a removes tagged images too, except those a container uses
	id1=$(import_busybox)
	engine run "$(cgp)" --name keep busybox true
	run engine image prune -a -f
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "deleted: $id2"
	assert_not_contains "$output" "$id1"
	run engine images -q --no-trunc
	assert_eq "$id1" "$output"
	engine rm keep >/dev/null
}

test_prune_collects_garbage_left_in_the_store() {
	import_busybox >/dev/null
	# an orphan blob and an orphan layer, as a crash after the index update could leave
	echo junk >"$BERTH_STORE/blobs/sha256/$(echo junk | sha256sum | cut -d' ' -f1)"
	mkdir -p "$BERTH_STORE/layers/$(printf 'f%.0s' {1..64})/diff"
	run engine image prune -f
	assert_eq 0 "$status" "$output"
	assert_eq 1 "$(ls "$BERTH_STORE/layers" | wc -l)"
	assert_eq 2 "$(ls "$BERTH_STORE/blobs/sha256" | wc -l)"   # layer blob + config
	run engine run --rm "$(cgp)" busybox echo still-works
	assert_eq "still-works" "$output"
}

test_import_refuses_a_tar_without_entries() {
	# only end-of-archive zero blocks: a valid but empty tar is no image (docker refuses
	# it too), plain or compressed, and leaves nothing in the store
	head -c 1024 /dev/zero >zeros.tar
	head -c 1024 /dev/zero | gzip >zeros.tar.gz
	local f
	for f in zeros.tar zeros.tar.gz; do
		run engine import "$f" img
		assert_eq 125 "$status" "$output"
		assert_contains "$output" "import '$f': no files in the tarball"
	done
	run engine import - img <zeros.tar
	assert_eq 125 "$status" "$output"
	assert_contains "$output" "no files in the tarball"
	run engine images -q
	assert_eq "" "$output"
	assert_eq "" "$(find "$BERTH_STORE/blobs" "$BERTH_STORE/layers" -mindepth 1 ! -path "$BERTH_STORE/blobs/sha256")"
	assert_eq "" "$(find "$BERTH_STORE" -name '*tmp*' -o -name '.*' -type f)"
	# an image with one file still imports
	mkdir d && echo x >d/f && tar -C d -cf one.tar f
	run engine import one.tar img
	assert_eq 0 "$status" "$output"
}
