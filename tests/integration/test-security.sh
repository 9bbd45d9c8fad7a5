# Defences runc and crun learned the hard way, each a regression test.

start_sleeper() { # id [extra jq filter]
	make_bundle "$BERTH_TEST_TMP/$1" /probe sleep 60
	[ -z "${2:-}" ] || jq_edit "$BERTH_TEST_TMP/$1/config.json" "$2"
	rt run -d --bundle "$BERTH_TEST_TMP/$1" "$1"
}

# CVE-2019-5736 / CVE-2016-9962: while the runtime joins a container for exec, a process
# in it must never reach the runtime's binary (or memory) through /proc/PID/exe.
test_runtime_binary_unreachable_during_exec() {
	start_sleeper s1
	rt exec -d s1 /probe hunt-exe 4 > "$BERTH_TEST_TMP/hunt" 2>&1
	sleep 0.2
	for _ in $(seq 40); do rt exec s1 /probe pid >/dev/null; done
	wait_for 10 grep -q "reached" "$BERTH_TEST_TMP/hunt" || true
	sleep 4
	run cat "$BERTH_TEST_TMP/hunt"
	assert_contains "$output" "never reached"
	rt delete --force s1
}

# CVE-2024-21626: no host descriptor reaches the container, and a cwd through
# /proc/self/fd cannot land outside the rootfs.
test_cwd_through_leaked_fd_refused() {
	local b="$BERTH_TEST_TMP/s2" n
	make_bundle "$b" /probe cwd
	for n in 3 4 5 6 7 8 9; do
		jq_edit "$b/config.json" '.process.cwd = $c' --arg c "/proc/self/fd/$n"
		run rt run --bundle "$b" s2
		if [ "$status" = 0 ]; then
			# it may only succeed with a cwd inside the container
			assert_not_contains "$output" "unreachable"
			assert_not_contains "$output" "$BERTH_TEST_TMP"
		else
			assert_not_contains "$output" "$BERTH_TEST_TMP/s2/rootfs/"
		fi
	done
	exec 9<"$BERTH_TEST_TMP"
	jq_edit "$b/config.json" '.process.args = ["/probe","fds"] | .process.cwd = "/"'
	run rt run --bundle "$b" s2
	exec 9<&-
	assert_eq "0 1 2" "$output"
}

# CVE-2022-29162 is covered in test-runtime-ops.sh (exec leaves inheritable caps empty).

# CVE-2025-31133: masking binds /dev/null over paths; a /dev/null that is really a
# symlink (here: a /dev shared from the host side) must not be followed.
test_masking_refuses_fake_dev_null() {
	local b="$BERTH_TEST_TMP/s3"
	make_bundle "$b" /probe exit 0
	mkdir -p "$BERTH_TEST_TMP/fakedev"
	ln -s /proc/sys/kernel/core_pattern "$BERTH_TEST_TMP/fakedev/null"
	jq_edit "$b/config.json" '.mounts |= map(select(.destination != "/dev" and (.destination | startswith("/dev/") | not)))
		| .mounts += [{"destination":"/dev","type":"bind","source":$d,"options":["rbind"]}]' \
		--arg d "$BERTH_TEST_TMP/fakedev"
	run rt run --bundle "$b" s3
	assert_eq 1 "$status"
	assert_contains "$output" "not the null device"
}

# CVE-2025-52565: /dev/console must be our pty, never a symlink the image planted.
test_console_symlink_refused() {
	local b="$BERTH_TEST_TMP/s4"
	make_bundle "$b" /probe tty
	mkdir -p "$BERTH_TEST_TMP/fakedev2/pts"
	ln -s /etc/shadow "$BERTH_TEST_TMP/fakedev2/console"
	ln -s pts/ptmx "$BERTH_TEST_TMP/fakedev2/ptmx"
	jq_edit "$b/config.json" '.process.terminal = true
		| .mounts |= map(select(.destination != "/dev"))
		| .mounts = [{"destination":"/dev","type":"bind","source":$d,"options":["rbind"]}] + .mounts' \
		--arg d "$BERTH_TEST_TMP/fakedev2"
	run script -qec "$BERTH_RUNTIME --root $RUNTIME_ROOT run --bundle $b s4" /dev/null
	assert_contains "$output" "symlink"
	[ -L "$BERTH_TEST_TMP/fakedev2/console" ]
}

# CVE-2019-19921 / CVE-2023-27561: /proc as a symlink is refused
# (test_proc_symlink_target_refused in test-runtime.sh); /sys likewise.
test_sys_symlink_target_refused() {
	local b="$BERTH_TEST_TMP/s5"
	make_bundle "$b" /probe exit 0
	rmdir "$b/rootfs/sys"
	ln -s /tmp "$b/rootfs/sys"
	run rt run --bundle "$b" s5
	assert_eq 1 "$status"
	assert_contains "$output" "symlink"
}

# CVE-2026-41579: an image whose /dev is a symlink to a host directory must not lead the
# runtime's /dev set-up (device nodes, the fd/stdin/stdout/stderr/ptmx links, the console)
# out of the rootfs: nothing in the host directory is made, removed or replaced. Both with
# the default /dev tmpfs (mounted over the symlink's target inside the rootfs, if at all)
# and with no /dev mount at all (the image's /dev is used as it is).
test_dev_symlink_stays_in_rootfs() {
	local b="$BERTH_TEST_TMP/s6" host="$BERTH_TEST_TMP/hostdev" target before after
	make_bundle "$b" /probe exit 0
	mkdir -p "$host"
	echo keep > "$host/ptmx"
	ln -s /etc/passwd "$host/stdin"
	before=$(cd "$host" && ls -la --time-style=+ | sort)
	cp "$b/config.json" "$BERTH_TEST_TMP/config.orig"
	for target in "$host" "../../../../../../../../..$host"; do
		for devmount in keep drop; do
			cp "$BERTH_TEST_TMP/config.orig" "$b/config.json"
			[ "$devmount" = keep ] ||
				jq_edit "$b/config.json" '.mounts |= map(select(.destination != "/dev"
					and (.destination | startswith("/dev/") | not)))'
			rm -rf "$b/rootfs/dev"
			ln -s "$target" "$b/rootfs/dev"
			run rt run --bundle "$b" s6
			echo "# /dev -> $target, $devmount /dev mount: status $status: $output"
			after=$(cd "$host" && ls -la --time-style=+ | sort)
			assert_eq "$before" "$after" "host directory after /dev -> $target ($devmount)"
			assert_eq keep "$(cat "$host/ptmx")"
			# the set-up happened, inside the rootfs: the link target resolved there
			if [ "$devmount" = drop ]; then
				assert_eq 0 "$status"
				[ -L "$b/rootfs$host/stdout" ] || fail "no /dev/stdout made in the rootfs"
				[ -c "$b/rootfs$host/null" ] || fail "no /dev/null made in the rootfs"
			fi
			# with a terminal, /dev/console and /dev/ptmx are set up too
			jq_edit "$b/config.json" '.process.terminal = true'
			run script -qec "$BERTH_RUNTIME --root $RUNTIME_ROOT run --bundle $b s6" /dev/null
			after=$(cd "$host" && ls -la --time-style=+ | sort)
			assert_eq "$before" "$after" "host directory with a terminal ($target, $devmount)"
			rt delete --force s6 2>/dev/null || true
		done
	done
}

# The engine reads the image's /etc/passwd and /etc/group (-u NAME) as the container
# would see them: an image whose files are symlinks to absolute paths or through ".."
# must not make it read the host's.
test_engine_user_lookup_stays_in_the_image() {
	local d="$BERTH_TEST_TMP/pwimg" target
	mkdir -p "$d"
	tar -xf "$BUSYBOX_TAR" -C "$d"
	cp "$PROBE" "$d/probe"
	mkdir -p "$d/srv"
	printf 'root:x:0:0::/root:/bin/sh\nimguser:x:4242:4343::/:/bin/sh\n' >"$d/srv/passwd"
	printf 'root:x:0:\nimggroup:x:4444:\n' >"$d/srv/group"
	for target in /srv ../../srv; do
		rm -f "$d/etc/passwd" "$d/etc/group"
		ln -s "$target/passwd" "$d/etc/passwd"
		ln -s "$target/group" "$d/etc/group"
		tar -C "$d" -cf "$BERTH_TEST_TMP/pw.tar" .
		engine import "$BERTH_TEST_TMP/pw.tar" pw >/dev/null
		# the image's entries, as the container resolves the links
		run engine run --rm -u imguser:imggroup "$(cgp)" pw /probe ids
		assert_eq 0 "$status" "$target: $output"
		assert_contains "$output" "uid=4242"
		assert_contains "$output" "gid=4444"
		# a user only the host has is not found
		run engine run --rm -u _apt "$(cgp)" pw true
		assert_eq 125 "$status" "$target: $output"
		assert_contains "$output" "unable to find user _apt"
		engine rmi pw >/dev/null
	done
}
