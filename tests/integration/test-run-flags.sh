# `berth run` flags docker users type, each checked from inside the container as the
# kernel shows it (docs/cli.md lists them all).

# run_in ARGS... -- CMD: `engine run --rm --network none` with the flags, the command in sh
run_in() {
	local flags=()
	while [[ $1 != -- ]]; do flags+=("$1"); shift; done
	shift
	engine run --rm --network none "$(cgp)" "${flags[@]}" bb sh -c "$*"
}

test_capabilities_added_and_dropped() {
	import_probe_image bb
	# docker's default set, then without CHOWN (bit 0), then only NET_ADMIN (bit 12)
	assert_eq "CapEff:	00000000a80425fb" "$(run_in -- grep CapEff /proc/self/status)"
	assert_eq "CapEff:	00000000a80425fa" "$(run_in --cap-drop CHOWN -- grep CapEff /proc/self/status)"
	assert_eq "CapEff:	0000000000001000" "$(run_in --cap-drop ALL --cap-add net_admin -- grep CapEff /proc/self/status)"
	assert_eq "CapEff:	00000000a80435fb" "$(run_in --cap-add CAP_NET_ADMIN -- grep CapEff /proc/self/status)"
	run engine run --rm --network none --cap-add NOPE bb true
	assert_eq 125 "$status"
	assert_contains "$output" 'invalid CapAdd: unknown capability: "CAP_NOPE"'
	assert_eq "" "$(engine ps -aq)"
}

test_hosts_and_dns_flags_write_the_containers_files() {
	import_probe_image bb
	local out
	out=$(run_in --add-host foo:10.1.2.3 --add-host bar.example:10.9.8.7 -- cat /etc/hosts)
	assert_contains "$out" "10.1.2.3	foo"
	assert_contains "$out" "10.9.8.7	bar.example"
	out=$(run_in --dns 9.9.9.9 --dns 1.1.1.1 --dns-search a.example --dns-search b.example --dns-option ndots:2 -- cat /etc/resolv.conf)
	assert_eq "nameserver 9.9.9.9
nameserver 1.1.1.1
search a.example b.example
options ndots:2" "$out"
	run engine run --rm --network none --add-host nocolon bb true
	assert_eq 125 "$status"
	assert_contains "$output" 'bad format for add-host: "nocolon"'
	assert_eq dom.example "$(run_in --domainname dom.example -- cat /proc/sys/kernel/domainname)"
}

test_limits_sysctls_groups_and_no_new_privileges() {
	import_probe_image bb
	assert_eq "100 200" "$(run_in --ulimit nofile=100:200 -- 'echo $(ulimit -n) $(ulimit -Hn)')"
	assert_eq "50 50" "$(run_in --ulimit nofile=50 -- 'echo $(ulimit -n) $(ulimit -Hn)')"
	run engine run --rm --network none --ulimit nofiles=1 bb true
	assert_eq 125 "$status"
	assert_contains "$output" "invalid ulimit type: nofiles"
	assert_eq 1 "$(run_in --sysctl net.ipv4.ip_forward=1 -- cat /proc/sys/net/ipv4/ip_forward)"
	assert_contains "$(run_in --shm-size 128m -- grep /dev/shm /proc/mounts)" "size=131072k"
	assert_contains "$(run_in -- grep /dev/shm /proc/mounts)" "size=65536k"
	assert_eq "Groups:	1234 " "$(run_in --group-add 1234 -- grep Groups /proc/self/status)"
	run engine run --rm --network none --group-add nosuchgroup bb true
	assert_eq 125 "$status"
	assert_contains "$output" "unable to find group nosuchgroup"
	assert_eq "NoNewPrivs:	1" "$(run_in --security-opt no-new-privileges -- grep NoNewPrivs /proc/self/status)"
	assert_eq "NoNewPrivs:	0" "$(run_in -- grep NoNewPrivs /proc/self/status)"
	run engine run --rm --network none --security-opt seccomp=unconfined bb true
	assert_eq 125 "$status"
	assert_contains "$output" "--security-opt 'seccomp=unconfined': not supported by berth"
	assert_eq "" "$(engine ps -aq)"
}

test_cpu_and_memory_flags_reach_the_cgroup() {
	import_probe_image bb
	local f id
	id=$(engine run -d --network none "$(cgp)" -c 512 --cpuset-cpus 0 --memory-reservation 64m --cpu-period 50000 --cpu-quota 25000 bb sleep 100)
	if [[ -e /sys/fs/cgroup/cgroup.controllers ]]; then
		# cgroup v2: weight from shares as runc maps it, cpu.max, memory.low
		f=$(engine exec "$id" cat /sys/fs/cgroup/cpu.max)
		assert_eq "25000 50000" "$f"
		assert_eq 0 "$(engine exec "$id" cat /sys/fs/cgroup/cpuset.cpus)"
		assert_eq 67108864 "$(engine exec "$id" cat /sys/fs/cgroup/memory.low)"
	else
		assert_eq 512 "$(engine exec "$id" cat /sys/fs/cgroup/cpu/cpu.shares)"
		assert_eq 50000 "$(engine exec "$id" cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"
		assert_eq 25000 "$(engine exec "$id" cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)"
		assert_eq 0 "$(engine exec "$id" cat /sys/fs/cgroup/cpuset/cpuset.cpus)"
		assert_eq 67108864 "$(engine exec "$id" cat /sys/fs/cgroup/memory/memory.soft_limit_in_bytes)"
	fi
	engine rm -f "$id" >/dev/null
	run engine run --rm --network none --cpus 1 --cpu-period 50000 bb true
	assert_eq 125 "$status"
	assert_contains "$output" "Conflicting options: Nano CPUs and CPU Period"
}

test_env_file_as_docker_reads_it() {
	import_probe_image bb
	printf '# a comment\n\nA=1\n  B=two words\nHOME_FROM_HOST\n' >"$BERTH_TEST_TMP/env.list"
	local out
	out=$(HOME_FROM_HOST=here run_in -e A=override --env-file "$BERTH_TEST_TMP/env.list" -- 'echo "$A|$B|$HOME_FROM_HOST"')
	assert_eq "override|two words|here" "$out"
	run engine run --rm --network none --env-file /nonexistent bb true
	assert_eq 125 "$status"
	assert_contains "$output" "open /nonexistent"
}

test_namespaces_oom_tmpfs_cidfile_platform_and_stop_timeout() {
	import_probe_image bb
	local id t0 t1
	assert_eq "$(readlink /proc/self/ns/pid)" "$(run_in --pid host -- readlink /proc/self/ns/pid)"
	assert_ne "$(readlink /proc/self/ns/pid)" "$(run_in -- readlink /proc/self/ns/pid)"
	assert_eq "$(readlink /proc/self/ns/ipc)" "$(run_in --ipc host -- readlink /proc/self/ns/ipc)"
	assert_eq "$(readlink /proc/self/ns/uts)" "$(run_in --uts host -- readlink /proc/self/ns/uts)"
	assert_eq "$(hostname)" "$(run_in --uts host -- hostname)"
	run engine run --rm --network none --pid container:x bb true
	assert_eq 125 "$status"
	assert_contains "$output" "--pid 'container:x': berth supports host and private"
	assert_eq 500 "$(run_in --oom-score-adj 500 -- cat /proc/self/oom_score_adj)"
	assert_contains "$(run_in --tmpfs /scratch:size=1m -- grep /scratch /proc/mounts)" "tmpfs /scratch tmpfs rw,nosuid,nodev,noexec"
	assert_contains "$(run_in --tmpfs /scratch:size=1m -- grep /scratch /proc/mounts)" "size=1024k"
	# --cidfile: the id, written once the container exists; an existing file is refused
	id=$(engine create --cidfile "$BERTH_TEST_TMP/cid" --network none "$(cgp)" bb true)
	assert_eq "$id" "$(cat "$BERTH_TEST_TMP/cid")"
	run engine create --cidfile "$BERTH_TEST_TMP/cid" --network none "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "container ID file found"
	engine rm "$id" >/dev/null
	rm "$BERTH_TEST_TMP/cid"
	run engine run --rm --cidfile "$BERTH_TEST_TMP/cid" --network none "$(cgp)" bb echo in-foreground
	assert_eq 0 "$status" "$output"
	assert_eq in-foreground "$output"
	[[ $(cat "$BERTH_TEST_TMP/cid") =~ ^[0-9a-f]{64}$ ]] || fail "no id in the cidfile"
	run engine run --rm --platform linux/arm64 --network none bb true
	assert_eq 125 "$status"
	assert_contains "$output" "berth runs linux/amd64 images only"
	assert_eq ok "$(run_in --platform linux/amd64 -- echo ok)"
	# --stop-timeout 1: stop waits one second for a container that ignores SIGTERM
	id=$(engine run -d --stop-timeout 1 --network none "$(cgp)" bb sh -c 'trap "" TERM; sleep 100')
	t0=$(date +%s)
	engine stop "$id" >/dev/null
	t1=$(date +%s)
	[ $((t1 - t0)) -lt 6 ] || fail "stop took $((t1 - t0)) s with --stop-timeout 1"
	assert_eq 137 "$(engine inspect -f '{{.State.ExitCode}}' "$id")"
	engine rm "$id" >/dev/null
	assert_eq "" "$(engine ps -aq)"
}

test_labels_from_the_image_flags_and_files() {
	local d=$BERTH_TEST_TMP/img id
	import_probe_image bb
	mkdir -p "$d"
	tar -xf "$BUSYBOX_TAR" -C "$d"
	tar -C "$d" -cf "$BERTH_TEST_TMP/lbl.tar" .
	engine import -c 'LABEL team=core tier=base' "$BERTH_TEST_TMP/lbl.tar" lbl >/dev/null
	printf '# labels\nfrom.file=yes\n\ntier=file\n' >"$BERTH_TEST_TMP/labels"
	engine create --name l1 --network none "$(cgp)" -l tier=web --label empty \
		--label-file "$BERTH_TEST_TMP/labels" -l from.flag=1 lbl true >/dev/null
	# the image's, then the container's over them (the last one given wins, as docker)
	assert_eq '{"empty":"","from.file":"yes","from.flag":"1","team":"core","tier":"file"}' \
		"$(engine inspect -f '{{json .Config.Labels}}' l1 | jq -S -c .)"
	id=$(engine create --network none "$(cgp)" bb true)
	assert_eq '{}' "$(engine inspect -f '{{json .Config.Labels}}' "$id" | jq -S -c .)"
	engine rm -f l1 "$id" >/dev/null
}
