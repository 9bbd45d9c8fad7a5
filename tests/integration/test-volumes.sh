# berth's volumes: -v binds and named and anonymous volumes, `berth volume`, --read-only.


test_bind_mounts_read_write_and_read_only() {
	import_probe_image bb
	local h="$BERTH_TEST_TMP/host"
	mkdir -p "$h"
	echo from-host > "$h/in"
	run engine run --rm -v "$h:/mnt" "$(cgp)" bb sh -c 'cat /mnt/in; echo from-ctr > /mnt/out'
	assert_eq 0 "$status" "$output"
	assert_eq from-host "$output"
	assert_eq from-ctr "$(cat "$h/out")"
	run engine run --rm -v "$h:/mnt:ro" "$(cgp)" bb sh -c 'echo x > /mnt/new'
	assert_eq 1 "$status"
	assert_contains "$output" "Read-only file system"
	[ ! -e "$h/new" ] || fail "a read-only bind was written"
	# a missing host directory is made, as docker's -v does
	run engine run --rm -v "$h/made/here:/data" "$(cgp)" bb touch /data/x
	assert_eq 0 "$status" "$output"
	[ -e "$h/made/here/x" ] || fail "no file in the made directory"
	# nothing stays mounted
	assert_eq "" "$(grep -F "$h" /proc/self/mountinfo || true)"
}

test_named_volume_outlives_its_containers() {
	import_probe_image bb
	engine run --rm -v data:/data "$(cgp)" bb sh -c 'echo kept > /data/file' >/dev/null
	assert_eq kept "$(engine run --rm -v data:/data:ro "$(cgp)" bb cat /data/file)"
	run engine volume ls
	assert_contains "$output" "DRIVER"
	assert_contains "$output" "local     data"
	assert_eq data "$(engine volume ls -q)"
	run engine volume inspect data
	assert_eq 0 "$status"
	assert_eq "$BERTH_STORE/volumes/data/_data" "$(jq -r '.[0].Mountpoint' <<<"$output")"
	assert_eq kept "$(cat "$BERTH_STORE/volumes/data/_data/file")"
	# in use, even by a stopped container: refused
	engine run --name user -v data:/data "$(cgp)" bb true
	run engine volume rm data
	assert_eq 1 "$status"
	assert_contains "$output" "in use by container user"
	engine rm user >/dev/null
	run engine volume rm data
	assert_eq 0 "$status" "$output"
	assert_eq "" "$(engine volume ls -q)"
	run engine volume rm data
	assert_eq 1 "$status"
	assert_contains "$output" "no such volume: data"
}

test_new_volume_starts_with_the_image_content() {
	import_probe_image bb
	# the image's /etc is copied into the new volume, owners and modes kept
	run engine run --rm -v etcvol:/etc "$(cgp)" bb cat /etc/passwd
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "root:x:0:0"
	[ -f "$BERTH_STORE/volumes/etcvol/_data/passwd" ] || fail "no copy in the volume"
	# an existing volume is not copied into again
	rm "$BERTH_STORE/volumes/etcvol/_data/passwd"
	run engine run --rm -v etcvol:/etc "$(cgp)" bb cat /etc/passwd
	assert_ne 0 "$status"
	# and a path the image does not have gives an empty volume
	assert_eq "" "$(engine run --rm -v empty:/nowhere "$(cgp)" bb ls -A /nowhere)"
	engine volume rm etcvol empty >/dev/null
}

test_anonymous_volumes_go_with_rm_v_and_rm() {
	import_probe_image bb
	local vol
	engine run --name a1 -v /scratch "$(cgp)" bb sh -c 'echo x > /scratch/y'
	vol=$(engine volume ls -q)
	[[ "$vol" =~ ^[0-9a-f]{64}$ ]] || fail "anonymous volume '$vol'"
	assert_eq "[\"$vol\"]" "$(jq -c .volumes "$BERTH_STORE"/containers/*/container.json)"
	engine rm -v a1 >/dev/null
	assert_eq "" "$(engine volume ls -q)"
	# --rm takes them too, named ones stay
	engine run --rm -v /scratch -v named:/n "$(cgp)" bb true
	assert_eq named "$(engine volume ls -q)"
	# prune: unused anonymous ones; -a every unused one
	engine run --name a2 -v /keep "$(cgp)" bb true
	engine rm a2 >/dev/null
	assert_eq 2 "$(engine volume ls -q | wc -l)"
	run engine volume prune -f
	assert_eq 0 "$status"
	assert_eq named "$(engine volume ls -q)"
	# by label: every label= a volume must have, no label!= it may
	engine volume create -l keep=yes -l team=a kept >/dev/null
	engine volume create -l team=a gone >/dev/null
	run engine volume prune -af --filter label=team=a --filter label!=keep
	assert_eq 0 "$status"
	assert_eq $'Deleted Volumes:\ngone' "$output"
	assert_eq $'kept\nnamed' "$(engine volume ls -q | sort)"
	assert_status 125 engine volume prune -af --filter dangling=true
	assert_eq "berth: invalid filter 'dangling'" "$output"
	engine volume prune -af >/dev/null
	assert_eq "" "$(engine volume ls -q)"
}

test_read_only_root_with_writable_volume() {
	import_probe_image bb
	run engine run --rm --read-only -v /tmp "$(cgp)" bb sh -c 'touch /tmp/ok && echo ok; touch /nope'
	assert_eq 1 "$status"
	assert_contains "$output" "ok"
	assert_contains "$output" "Read-only file system"
	assert_eq "" "$(engine volume ls -q)"
}

test_bad_volume_specs() {
	import_probe_image bb
	run engine run --rm -v rel/path:/x "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "absolute path"
	run engine run --rm -v "$BERTH_TEST_TMP:relative" "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "must be absolute"
	run engine run --rm -v "$BERTH_TEST_TMP:/x:rw,nonsense" "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "unknown option 'nonsense'"
	run engine run --rm -v "$BERTH_TEST_TMP:/" "$(cgp)" bb true
	assert_eq 125 "$status"
	run engine volume create 'bad/name'
	assert_eq 125 "$status"
	assert_contains "$output" "invalid volume name"
	# a failed run leaves no container and no anonymous volume behind
	run engine run --rm -v /anon -v rel/x:/y "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_eq "" "$(ls -A "$BERTH_STORE/containers" 2>/dev/null)"
	assert_eq "" "$(engine volume ls -q)"
}
