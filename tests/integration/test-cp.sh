# berth cp and berth diff: docker's path rules both ways, running and stopped
# containers, tar streams, owners, symlinks, docker's errors, paths confined to the
# container's root (CVE-2018-15664), and diff's A/C/D lines.

# A container "c" of the probe image that prints the files below /in when started
# (stopped: created).
created_container() {
	import_probe_image bb
	engine create --name c "$(cgp)" bb sh -c 'find /in -type f | sort | xargs cat' >/dev/null
}

test_cp_from_a_stopped_container() {
	local h="$BERTH_TEST_TMP/h"
	mkdir -p "$h"
	created_container
	# a file: to a new name, into an existing directory (its own name), over a file
	engine cp c:/etc/passwd "$h/pw"
	assert_eq "$(tar -xOf "$BUSYBOX_TAR" etc/passwd)" "$(cat "$h/pw")"
	engine cp c:etc/group "$h"
	assert_eq "$(tar -xOf "$BUSYBOX_TAR" etc/group)" "$(cat "$h/group")"
	echo old >"$h/over"
	engine cp c:/etc/group "$h/over"
	assert_eq "$(cat "$h/group")" "$(cat "$h/over")"
	# a directory: made as DEST, put into an existing DEST, or its contents (SRC/.)
	engine cp c:/etc "$h/etc1"
	assert_eq "group hosts passwd resolv.conf" "$(ls "$h/etc1" | xargs)"
	mkdir "$h/into"
	engine cp c:/etc/ "$h/into"
	assert_eq "etc" "$(ls "$h/into" | xargs)"
	[ -f "$h/into/etc/passwd" ] || fail "no into/etc/passwd"
	mkdir "$h/content"
	engine cp c:/etc/. "$h/content"
	assert_eq "group hosts passwd resolv.conf" "$(ls "$h/content" | xargs)"
	# modes come along; the files are the invoking user's (root here)
	engine cp c:/root "$h/r"
	assert_eq "700 0:0" "$(stat -c '%a %u:%g' "$h/r")"
	engine rm c >/dev/null
	# nothing stays mounted
	assert_eq "" "$(grep -F "$BERTH_STORE" /proc/self/mountinfo || true)"
}

test_cp_into_a_stopped_container() {
	local h="$BERTH_TEST_TMP/h"
	mkdir -p "$h/d/sub"
	echo one >"$h/one"
	echo two >"$h/d/two"
	echo three >"$h/d/sub/three"
	created_container
	engine cp "$h/d" c:/in                  # /in is made from d
	engine cp "$h/one" c:/in/               # into the existing /in
	engine cp "$h/d/." c:/in                # d's contents into /in
	engine cp "$h/one" c:/in/sub/renamed    # a new name
	run engine start -a c
	assert_eq 0 "$status" "$output"
	assert_eq "$(printf 'one\none\nthree\ntwo')" "$output"
	assert_eq "one" "$(engine cp c:/in/sub/renamed - | tar -xO)"
	engine rm c >/dev/null
}

test_cp_with_a_running_container_sees_its_volumes() {
	local h="$BERTH_TEST_TMP/h"
	mkdir -p "$h"
	echo hello >"$h/f"
	import_probe_image bb
	engine run -d --name r -v vol:/vol "$(cgp)" bb sleep 1000 >/dev/null
	engine cp "$h/f" r:/vol/f
	engine cp "$h/f" r:/tmp/
	assert_eq hello "$(cat "$BERTH_STORE/volumes/vol/_data/f")"
	assert_eq hello "$(engine exec r cat /tmp/f)"
	engine exec r sh -c 'mkdir -p /vol/made/deep && echo made > /vol/made/deep/x'
	engine cp r:/vol/made "$h/made"
	assert_eq made "$(cat "$h/made/deep/x")"
	engine rm -f r >/dev/null
	# stopped, its volumes and binds are there too (read-only ones refuse)
	mkdir -p "$h/bind"
	engine create --name s -v vol:/vol -v "$h/bind:/b:ro" "$(cgp)" bb true >/dev/null
	engine cp "$h/f" s:/vol/again
	assert_eq hello "$(cat "$BERTH_STORE/volumes/vol/_data/again")"
	assert_eq made "$(engine cp s:/vol/made/deep/x - | tar -xO)"
	run engine cp "$h/f" s:/b/
	assert_eq 1 "$status"
	assert_contains "$output" "Read-only file system"
	[ ! -e "$h/bind/f" ] || fail "a read-only bind was written"
	engine rm s >/dev/null
	engine volume rm vol >/dev/null
	assert_eq "" "$(grep -F "$BERTH_TEST_TMP" /proc/self/mountinfo || true)"
}

test_cp_tar_streams() {
	local h="$BERTH_TEST_TMP/h"
	mkdir -p "$h/src/sub"
	echo a >"$h/src/a"
	echo b >"$h/src/sub/b"
	mkfifo -m 0640 "$h/src/fifo"
	created_container
	# "-" as DEST: a tar of SRC on stdout, named as SRC's last element
	assert_eq "passwd" "$(engine cp c:/etc/passwd - | tar -t)"
	assert_eq "$(printf 'etc/\netc/group\netc/hosts\netc/passwd\netc/resolv.conf')" \
		"$(engine cp c:/etc - | tar -t)"
	# "-" as SRC: a tar from stdin unpacked into the directory DEST
	engine cp "$h/src" c:/in
	tar -C "$h/src" -c . | engine cp - c:/in
	run engine start -a c
	assert_eq "$(printf 'a\nb')" "$output"
	assert_eq "b" "$(engine cp c:/in/sub/b - | tar -xO)"
	assert_contains "$(engine cp c:/in/fifo - | tar -tv)" "prw-r----- 0/0"
	run engine cp - c:/etc/passwd </dev/null
	assert_eq 1 "$status"
	assert_eq 'berth: destination "c:/etc/passwd" must be a directory' "$output"
	engine rm c >/dev/null
}

test_cp_archive_keeps_owners() {
	local h="$BERTH_TEST_TMP/h"
	mkdir -p "$h"
	echo x >"$h/owned"
	chown 1234:5678 "$h/owned"
	import_probe_image bb
	engine run -d --name r "$(cgp)" bb sleep 1000 >/dev/null
	# into the container: root's without -a, the source's with it
	engine cp "$h/owned" r:/plain
	engine cp -a "$h/owned" r:/kept
	assert_eq "0:0 1234:5678" "$(engine exec r stat -c %u:%g /plain /kept | xargs)"
	# out of it: the invoking user's without -a, the source's with it
	engine exec r sh -c 'echo y > /tmp/o && chown 42:43 /tmp/o'
	engine cp r:/tmp/o "$h/plain"
	engine cp --archive r:/tmp/o "$h/kept"
	assert_eq "0:0 42:43" "$(stat -c %u:%g "$h/plain" "$h/kept" | xargs)"
	engine rm -f r >/dev/null
}

test_cp_follow_link() {
	local h="$BERTH_TEST_TMP/h"
	mkdir -p "$h"
	import_probe_image bb
	engine run -d --name r "$(cgp)" bb sleep 1000 >/dev/null
	engine exec r ln -s /etc/passwd /lnk
	# the symlink itself, or with -L what it points to (under the link's name)
	engine cp r:/lnk "$h/as-link"
	assert_eq /etc/passwd "$(readlink "$h/as-link")"
	engine cp -L r:/lnk "$h"
	[ -f "$h/lnk" ] && [ ! -L "$h/lnk" ] || fail "-L did not copy the file"
	assert_eq "$(engine exec r cat /etc/passwd)" "$(cat "$h/lnk")"
	# a DEST that is a symlink is written through, as docker does, in the container's root
	echo new >"$h/f"
	engine exec r sh -c 'echo old > /tmp/t; ln -s /tmp/t /tl; ln -s ../tmp/made /dangling'
	engine cp "$h/f" r:/tl
	engine cp "$h/f" r:/dangling
	assert_eq "new new /tmp/t" "$(engine exec r sh -c 'cat /tmp/t /tmp/made; readlink /tl' | xargs)"
	engine rm -f r >/dev/null
}

test_cp_errors_as_docker() {
	local h="$BERTH_TEST_TMP/h"
	mkdir -p "$h/dir"
	echo f >"$h/file"
	created_container
	run engine cp c:/nope "$h/x"
	assert_eq 1 "$status"
	assert_eq "berth: Could not find the file /nope in container c" "$output"
	run engine cp "$h/file" c:/nope/x
	assert_eq 1 "$status"
	assert_eq "berth: Could not find the file /nope in container c" "$output"
	run engine cp c:/etc "$h/file"
	assert_eq 1 "$status"
	assert_eq "berth: cannot copy directory" "$output"
	run engine cp "$h/dir" c:/etc/passwd
	assert_eq 1 "$status"
	assert_eq "berth: cannot copy directory" "$output"
	run engine cp "$h/file" c:/newdir/
	assert_eq 1 "$status"
	assert_eq "berth: no such directory" "$output"
	run engine cp c:/etc/passwd "$h/nodir/"
	assert_eq 1 "$status"
	assert_eq "berth: no such directory" "$output"
	run engine cp c:/etc/passwd/ "$h/x"
	assert_eq 1 "$status"
	assert_eq "berth: not a directory" "$output"
	run engine cp "$h/missing" c:/tmp
	assert_eq 1 "$status"
	assert_eq "berth: lstat $h/missing: No such file or directory" "$output"
	run engine cp nosuch:/etc "$h/x"
	assert_eq 1 "$status"
	assert_eq "berth: no such container: nosuch" "$output"
	run engine cp c:/a c:/b
	assert_eq 1 "$status"
	assert_eq "berth: copying between containers is not supported" "$output"
	run engine cp "$h/file" "$h/y"
	assert_eq 1 "$status"
	assert_eq "berth: must specify at least one container source" "$output"
	run engine cp c:/etc
	assert_eq 125 "$status"
	assert_contains "$output" '"cp" requires exactly 2 arguments'
	# a local path with a ':' is made explicit with ./
	echo colon >"$h/a:b"
	(cd "$h" && engine cp ./a:b c:/tmp/)
	assert_eq colon "$(engine cp c:/tmp/a:b - | tar -xO)"
	[ ! -e "$h/x" ] || fail "a failed copy left $h/x"
	engine rm c >/dev/null
}

# CVE-2018-15664: the container swaps a directory for a symlink to / while we copy from
# and to paths through it. Resolved in the container's root, the symlink leads to the
# container's /, never the host's: the host's canary is never read, and nothing is
# ever written beside it.
test_cp_symlink_swap_race_stays_in_the_container() {
	local h="$BERTH_TEST_TMP/h" canary="$BERTH_TEST_TMP/canary" i got
	mkdir -p "$h" "$canary"
	echo HOST-SECRET >"$canary/secret"
	echo payload >"$h/payload"
	import_probe_image bb
	# the same path exists in the container's directory (and in its root), with other
	# content; /w/dir flips between that directory and a symlink to /
	engine run -d --name racer "$(cgp)" bb sh -c "
		mkdir -p /w/dir$canary $canary
		echo in-dir > /w/dir$canary/secret
		echo in-root > $canary/secret
		while :; do
			mv /w/dir /w/real; ln -s / /w/dir
			rm /w/dir; mv /w/real /w/dir
		done" >/dev/null
	wait_for 10 engine exec racer test -d /w/real
	# as many rounds as fit in 20 s (each copy is a berth-full process)
	local end=$((SECONDS + 20)) seen=""
	for ((i = 0; SECONDS < end || i < 5; i++)); do
		got=$(engine cp "racer:/w/dir$canary/secret" - 2>/dev/null | tar -xO 2>/dev/null || true)
		assert_not_contains "$got" HOST-SECRET
		seen+=" $got"
		engine cp "$h/payload" "racer:/w/dir$canary/" 2>/dev/null || true
		engine cp "$h/payload" "racer:/w/dir$canary/new-$i" 2>/dev/null || true
		rm -rf "$h/out"
		engine cp "racer:/w/dir" "$h/out" 2>/dev/null || true
		# (find, not grep -r: out may be a symlink to /, copied as the symlink it was)
		[ -z "$(find "$h/out" -type f -exec grep -l HOST-SECRET {} + 2>/dev/null)" ] ||
			fail "the host's canary was read"
		assert_eq "secret" "$(ls "$canary")"
		assert_eq HOST-SECRET "$(cat "$canary/secret")"
	done
	echo "$i rounds, read:$seen"
	# some reads got through, to the directory or to the container's own root
	assert_contains "$seen" in-
	# and the copies went somewhere in the container
	run engine exec racer sh -c "cat /w/*$canary/payload $canary/payload 2>/dev/null"
	assert_contains "$output" payload
	engine rm -f racer >/dev/null
	assert_eq "secret" "$(ls "$canary")"
}

test_diff_lists_the_containers_changes() {
	import_probe_image bb
	engine run --name d "$(cgp)" bb sh -c '
		echo new > /new; mkdir -p /home/user/sub; echo x > /home/user/sub/f
		rm /etc/group; echo more >> /etc/passwd; rmdir /run; mkdir /run; touch /run/x
		chmod 700 /usr' >/dev/null
	run engine diff d
	assert_eq 0 "$status" "$output"
	assert_eq "$(printf '%s\n' \
		'C /etc' 'D /etc/group' 'C /etc/passwd' \
		'C /home' 'A /home/user' 'A /home/user/sub' 'A /home/user/sub/f' \
		'A /new' \
		'D /run' 'A /run/x' \
		'C /usr')" "$output"
	run engine container diff d
	assert_eq 0 "$status"
	# a container that changed nothing lists nothing; an unknown one is an error
	engine create --name clean "$(cgp)" bb true >/dev/null
	assert_eq "" "$(engine diff clean)"
	run engine diff nosuch
	assert_eq 125 "$status"
	assert_contains "$output" "no such container: nosuch"
	engine rm d clean >/dev/null
}
