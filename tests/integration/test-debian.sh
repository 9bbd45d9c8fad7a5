# A real distribution as an image: Debian 12 made by debootstrap from the configured
# Debian mirror (once per run, into this file's temp dir), imported, run, committed,
# saved, loaded elsewhere and exchanged with skopeo. BERTH_DEBIAN_ROOTFS=DIR reuses an
# existing debootstrap tree instead (it is only read).


setup_file() {
	local rootfs=${BERTH_DEBIAN_ROOTFS:-} mirror
	if [[ -z $rootfs ]]; then
		command -v debootstrap >/dev/null || { echo "debootstrap is not installed"; return 1; }
		mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
		rootfs=$BERTH_FILE_TMP/rootfs
		debootstrap --variant=minbase bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}" \
			>"$BERTH_FILE_TMP/debootstrap.log" 2>&1 || { tail -20 "$BERTH_FILE_TMP/debootstrap.log"; return 1; }
	fi
	# as Debian's own images: without apt's downloaded packages and lists
	tar -C "$rootfs" --numeric-owner --sort=name \
		--exclude='./var/cache/apt/archives/*.deb' --exclude='./var/lib/apt/lists/*' \
		-cf - . | gzip -1 >"$BERTH_FILE_TMP/debian.tar.gz"
	[[ -z ${BERTH_DEBIAN_ROOTFS:-} ]] && rm -rf "$rootfs"
	return 0
}

other_engine() {
	"$BERTH" --root "$BERTH_TEST_TMP/store2" "$@"
}

test_debian_image_runs_its_own_tools() {
	run engine import -c 'CMD ["bash"]' "$BERTH_FILE_TMP/debian.tar.gz" debian:12
	assert_eq 0 "$status" "$output"
	run engine run --rm "$(cgp)" debian:12 cat /etc/debian_version
	assert_contains "$output" "12."
	run engine run --rm "$(cgp)" debian:12 bash -c 'dpkg-query -W -f "\${Package}\n" | grep -cx -e dpkg -e apt -e bash -e coreutils'
	assert_eq 4 "$output"
	# users, groups and the dynamic loader work inside
	run engine run --rm "$(cgp)" -u 65534 debian:12 id -un
	assert_eq "nobody" "$output"
}

test_debian_commit_save_load_elsewhere_keeps_the_changes() {
	local id
	engine import "$BERTH_FILE_TMP/debian.tar.gz" debian:12 >/dev/null
	engine run "$(cgp)" --name deb debian:12 bash -c '
		useradd -m -u 4242 builder
		rm -rf /usr/share/doc && mkdir /usr/share/doc && echo only >/usr/share/doc/only
		rm /usr/bin/tac
		ln -s /usr/share/doc/only /etc/motd-link'
	run engine commit -m "add builder" deb team/debian:built
	assert_eq 0 "$status" "$output"
	id=$output
	engine rm deb >/dev/null
	engine save -o "$BERTH_TEST_TMP/built.tar" team/debian:built
	run other_engine load -i "$BERTH_TEST_TMP/built.tar"
	assert_eq "Loaded image: team/debian:built" "$output"
	assert_eq "$id" "$(other_engine inspect -f '{{.Id}}' team/debian:built)"
	run other_engine run --rm "$(cgp)" team/debian:built bash -c '
		id -u builder; ls /usr/share/doc; test -e /usr/bin/tac || echo no-tac
		cat /etc/motd-link; test -d /home/builder && echo home'
	assert_eq "4242
only
no-tac
only
home" "$output"
	run other_engine history team/debian:built
	assert_contains "$output" "add builder"
}

test_debian_through_skopeo_and_back() {
	local id
	id=$(engine import "$BERTH_FILE_TMP/debian.tar.gz" debian:12)
	engine save --format oci-archive -o "$BERTH_TEST_TMP/deb-oci.tar" debian:12
	run skopeo copy "oci-archive:$BERTH_TEST_TMP/deb-oci.tar" "oci:$BERTH_TEST_TMP/sk:12"
	assert_eq 0 "$status" "$output"
	run skopeo copy "oci:$BERTH_TEST_TMP/sk:12" "docker-archive:$BERTH_TEST_TMP/sk.tar:debian:from-skopeo"
	assert_eq 0 "$status" "$output"
	run other_engine load -i "$BERTH_TEST_TMP/sk.tar"
	assert_eq "Loaded image: debian:from-skopeo" "$output"
	assert_eq "$id" "$(other_engine inspect -f '{{.Id}}' debian:from-skopeo)"
	run other_engine run --rm "$(cgp)" debian:from-skopeo cat /etc/os-release
	assert_contains "$output" 'VERSION_CODENAME=bookworm'
}
