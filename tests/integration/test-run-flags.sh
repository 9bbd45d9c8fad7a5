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
	run engine run --rm --network none --security-opt label=disable bb true
	assert_eq 125 "$status"
	assert_contains "$output" "--security-opt 'label=disable': not supported by berth"
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
	# exec takes it too, -e over the file's
	engine run -d --name envx --network none "$(cgp)" bb sleep 600 >/dev/null
	assert_eq "override|two words" "$(engine exec -e A=override --env-file "$BERTH_TEST_TMP/env.list" envx sh -c 'echo "$A|$B"')"
	assert_eq "1" "$(engine exec --env-file "$BERTH_TEST_TMP/env.list" envx sh -c 'echo "$A"')"
	run engine exec --env-file /nonexistent envx true
	assert_eq 125 "$status"
	assert_contains "$output" "open /nonexistent"
	engine rm -f envx >/dev/null
}

test_namespaces_oom_tmpfs_cidfile_platform_and_stop_timeout() {
	import_probe_image bb
	local id t0 t1
	assert_eq "$(readlink /proc/self/ns/pid)" "$(run_in --pid host -- readlink /proc/self/ns/pid)"
	assert_ne "$(readlink /proc/self/ns/pid)" "$(run_in -- readlink /proc/self/ns/pid)"
	assert_eq "$(readlink /proc/self/ns/ipc)" "$(run_in --ipc host -- readlink /proc/self/ns/ipc)"
	assert_eq "$(readlink /proc/self/ns/uts)" "$(run_in --uts host -- readlink /proc/self/ns/uts)"
	assert_eq "$(hostname)" "$(run_in --uts host -- hostname)"
	run engine run --rm --network none --pid sideways bb true
	assert_eq 125 "$status"
	assert_contains "$output" "--pid 'sideways': berth supports host, private and container:NAME"
	run engine run --rm --network none --uts container:x bb true
	assert_eq 125 "$status"
	assert_contains "$output" "--uts 'container:x': berth supports host and private"
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

# --security-opt seccomp=PROFILE in docker's format: the syscalls it denies fail inside
test_seccomp_profile_of_dockers_format() {
	import_probe_image bb
	local p=$BERTH_TEST_TMP/deny-mkdir.json
	cat >"$p" <<'JSON'
{
	"defaultAction": "SCMP_ACT_ALLOW",
	"archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
	"syscalls": [
		{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
		{"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
		{"names": ["unlink", "unlinkat"], "action": "SCMP_ACT_ERRNO", "excludes": {"caps": ["CAP_CHOWN"]}}
	]
}
JSON
	run engine run --rm --network none --security-opt "seccomp=$p" "$(cgp)" bb sh -c 'mkdir /x; echo rc=$?'
	assert_contains "$output" "Operation not permitted"
	assert_contains "$output" "rc=1"
	# a rule for CAP_SYS_ADMIN holders only: not this container (rmdir reaches the kernel:
	# ENOENT); a rule excluded for CHOWN holders: not applied either
	run engine run --rm --network none --security-opt "seccomp=$p" "$(cgp)" bb sh -c 'rmdir /nonexistent; rm /nonexistent'
	assert_contains "$output" "No such file or directory"
	assert_not_contains "$output" "Operation not permitted"
	# with CAP_SYS_ADMIN added, the rule applies
	run engine run --rm --network none --cap-add SYS_ADMIN --security-opt "seccomp=$p" "$(cgp)" bb rmdir /nonexistent
	assert_eq 1 "$status"
	assert_contains "$output" "Operation not permitted"
	# unconfined: nothing filtered (berth applies no profile of its own)
	assert_eq "made" "$(run_in --security-opt seccomp=unconfined -- 'mkdir /y && echo made')"
	echo '{"defaultAction": ' >"$BERTH_TEST_TMP/bad.json"
	run engine run --rm --network none --security-opt "seccomp=$BERTH_TEST_TMP/bad.json" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "seccomp profile '$BERTH_TEST_TMP/bad.json'"
	assert_eq "" "$(engine ps -aq)"
}

# --privileged: every capability and device, /sys writable, nothing masked
test_privileged_and_devices() {
	import_probe_image bb
	local cap
	cap=$(run_in --privileged -- grep CapEff /proc/self/status)
	# CAP_SYS_ADMIN (21) and CAP_SYS_MODULE (16), which docker's default set has not
	(( (0x${cap##*	} >> 21) & 1 )) || fail "no CAP_SYS_ADMIN with --privileged: $cap"
	(( (0x${cap##*	} >> 16) & 1 )) || fail "no CAP_SYS_MODULE with --privileged: $cap"
	assert_contains "$(run_in --privileged -- grep ' /sys ' /proc/mounts)" "sysfs /sys sysfs rw"
	assert_contains "$(run_in -- grep ' /sys ' /proc/mounts)" "sysfs /sys sysfs ro"
	# the host's devices are there and usable
	assert_eq "character special file a ed" "$(run_in --privileged -- stat -c "'%F %t %T'" /dev/loop-control)"
	run_in --privileged -- 'exec 3</dev/loop-control && echo opened' >"$BERTH_TEST_TMP/o"
	assert_eq opened "$(cat "$BERTH_TEST_TMP/o")"
	# /proc/timer_list is not masked (docker's default hides it behind /dev/null), /proc/sys
	# is not read-only
	assert_ne "" "$(run_in --privileged -- head -c 20 /proc/timer_list)"
	assert_eq "" "$(run_in -- head -c 20 /proc/timer_list)"
	assert_eq "" "$(run_in --privileged -- grep ' /proc/sys ' /proc/mounts || true)"
	# without it: no such device
	run engine run --rm --network none "$(cgp)" bb test -e /dev/loop-control
	assert_eq 1 "$status"

	# --device HOST:CTR:PERMS: the node is made, the cgroup allows what PERMS say
	assert_eq "opened" "$(run_in --device /dev/loop-control:/dev/lc -- 'exec 3</dev/lc && echo opened')"
	run engine run --rm --network none --device /dev/loop-control:/dev/lc:r "$(cgp)" bb sh -c 'exec 3</dev/lc && echo read; exec 4>/dev/lc'
	assert_ne 0 "$status"
	assert_contains "$output" "read"
	assert_contains "$output" "Operation not permitted"
	# --device-cgroup-rule: a node made inside opens only with the rule
	run engine run --rm --network none "$(cgp)" bb sh -c 'mknod /lc c 10 237 && exec 3</lc'
	assert_eq 1 "$status"
	assert_contains "$output" "Operation not permitted"
	assert_eq "opened" "$(run_in --device-cgroup-rule 'c 10:237 rw' -- 'mknod /lc c 10 237 && exec 3</lc && echo opened')"
	run engine run --rm --network none --device /nonexistent bb true
	assert_eq 125 "$status"
	assert_contains "$output" 'adding device "/nonexistent": no such file or directory'
	run engine run --rm --network none --device-cgroup-rule 'x 1:2 rwm' bb true
	assert_eq 125 "$status"
	assert_contains "$output" "invalid device cgroup rule 'x 1:2 rwm'"
	assert_eq "" "$(engine ps -aq)"
}

# --oom-kill-disable and the block I/O throttles reach the container's cgroup
test_oom_kill_disable_and_block_io_limits() {
	import_probe_image bb
	local id dev
	dev=$(stat -c '%t %T' /dev/vda 2>/dev/null) || skip "no /dev/vda"
	dev="$((0x${dev% *})):$((0x${dev#* }))"
	id=$(engine run -d --network none "$(cgp)" -m 64m --oom-kill-disable \
		--device-read-bps /dev/vda:1mb --device-write-iops /dev/vda:100 bb sleep 100)
	if [[ -e /sys/fs/cgroup/cgroup.controllers ]]; then
		assert_contains "$(engine exec "$id" cat /sys/fs/cgroup/io.max)" "$dev rbps=1048576 wbps=max riops=max wiops=100"
	else
		assert_contains "$(engine exec "$id" cat /sys/fs/cgroup/memory/memory.oom_control)" "oom_kill_disable 1"
		assert_eq "$dev 1048576" "$(engine exec "$id" cat /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device)"
		assert_eq "$dev 100" "$(engine exec "$id" cat /sys/fs/cgroup/blkio/blkio.throttle.write_iops_device)"
	fi
	engine rm -f "$id" >/dev/null
	run engine run --rm --network none --device-read-bps /dev/null:1mb bb true
	assert_eq 125 "$status"
	assert_contains "$output" "'/dev/null' is not a block device"
	run engine run --rm --network none --blkio-weight 5 bb true
	assert_eq 125 "$status"
	assert_contains "$output" "invalid --blkio-weight '5'"
	assert_eq "" "$(engine ps -aq)"
}

# --mount as docker's: bind (the source must exist), volume, tmpfs
test_mount_flag() {
	import_probe_image bb
	mkdir -p "$BERTH_TEST_TMP/src"
	echo from-host >"$BERTH_TEST_TMP/src/f"
	assert_eq from-host "$(run_in --mount "type=bind,source=$BERTH_TEST_TMP/src,target=/m" -- cat /m/f)"
	run engine run --rm --network none --mount "type=bind,src=$BERTH_TEST_TMP/src,dst=/m,readonly" "$(cgp)" bb sh -c 'echo x >/m/g'
	assert_eq 1 "$status"
	assert_contains "$output" "Read-only file system"
	run_in --mount type=volume,source=mvol,target=/data -- 'echo kept >/data/f'
	assert_eq kept "$(run_in -v mvol:/data -- cat /data/f)"
	engine volume rm mvol >/dev/null
	assert_contains "$(run_in --mount type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770 -- grep ' /t ' /proc/mounts)" "size=1024k,mode=1770"
	run engine run --rm --network none --mount "type=bind,source=$BERTH_TEST_TMP/nope,target=/m" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "bind source path does not exist: $BERTH_TEST_TMP/nope"
	[[ ! -e $BERTH_TEST_TMP/nope ]] || fail "--mount made the missing source"
	run engine run --rm --network none --mount type=bind,target=/m,colour=blue bb true
	assert_eq 125 "$status"
	assert_contains "$output" "unexpected key 'colour'"
	run engine run --rm --network none --mount type=nfs,target=/m bb true
	assert_eq 125 "$status"
	assert_contains "$output" "invalid mount type 'nfs'"
	assert_eq "" "$(engine ps -aq)"
}

# -a/--attach: only the streams named are relayed; --userns host is what berth runs
test_attach_streams_and_userns() {
	import_probe_image bb
	run engine run --rm --network none -a stdout "$(cgp)" bb sh -c 'echo out; echo err >&2'
	assert_eq 0 "$status"
	assert_eq out "$output"
	run engine run --rm --network none -a STDERR "$(cgp)" bb sh -c 'echo out; echo err >&2'
	assert_eq err "$output"
	run engine run --rm --network none -a stdin -a stdout -i "$(cgp)" bb cat <<<"piped"
	assert_eq piped "$output"
	run engine run --rm --network none -a stdsideways bb true
	assert_eq 125 "$status"
	assert_contains "$output" 'valid streams are STDIN, STDOUT and STDERR'
	run engine run -d -a stdout --network none bb true
	assert_eq 125 "$status"
	assert_contains "$output" "Conflicting options: -a and -d"
	assert_eq ok "$(run_in --userns host -- echo ok)"
	run engine run --rm --network none --userns keep-id bb true
	assert_eq 125 "$status"
	assert_contains "$output" "--userns 'keep-id': not supported by berth"
	assert_eq "" "$(engine ps -aq)"
}

# exec --privileged: the command gets every capability (docker's), whatever the container
# has; the container's own no-new-privileges and seccomp filter stay, as docker's do
test_exec_privileged_gets_every_capability() {
	import_probe_image bb
	local all
	all=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
	engine run -d --name px --network none "$(cgp)" --cap-drop ALL \
		--security-opt no-new-privileges bb sleep 600 >/dev/null
	assert_eq "CapEff:	0000000000000000" "$(engine exec px grep CapEff /proc/self/status)"
	assert_eq "CapEff:	$all" "$(engine exec --privileged px grep CapEff /proc/self/status)"
	assert_eq "CapBnd:	$all" "$(engine exec --privileged px grep CapBnd /proc/self/status)"
	assert_eq "CapInh:	0000000000000000" "$(engine exec --privileged px grep CapInh /proc/self/status)"
	assert_eq "NoNewPrivs:	1" "$(engine exec --privileged px grep NoNewPrivs /proc/self/status)"
	# what the capabilities let it do: a mount, which CAP_SYS_ADMIN allows
	run engine exec px sh -c "mkdir -p /m && mount -t tmpfs none /m"
	assert_ne 0 "$status"
	run engine exec --privileged px sh -c "mkdir -p /m && mount -t tmpfs none /m"
	assert_eq 0 "$status" "$output"
	# a later plain exec is back to the container's set
	assert_eq "CapEff:	0000000000000000" "$(engine exec px grep CapEff /proc/self/status)"
	engine rm -f px >/dev/null
	assert_eq "" "$(engine ps -aq)"
}

# --pid and --ipc container:NAME: another running container's namespaces, its processes
# and its SysV IPC; only a container made with --ipc shareable lends its IPC, as docker's
test_pid_and_ipc_of_another_container() {
	import_probe_image bb
	local id
	engine run -d --name donor --ipc shareable --network none "$(cgp)" bb sleep 600 >/dev/null
	id=$(engine inspect -f '{{.Id}}' donor)
	# each sees the other's processes
	assert_contains "$(run_in --pid container:donor -- ps -o args)" "sleep 600"
	assert_eq "$(engine exec donor readlink /proc/self/ns/pid)" \
		"$(run_in --pid container:"${id:0:12}" -- readlink /proc/self/ns/pid)"
	engine run -d --name joiner --pid container:donor --ipc container:donor --network none \
		"$(cgp)" bb sleep 601 >/dev/null
	assert_contains "$(engine exec donor ps -o args)" "sleep 601"
	# a SysV shared memory segment the donor makes is the joiner's too, no one else's
	engine exec donor /probe shmget 4242 >/dev/null
	assert_contains "$(engine exec joiner cat /proc/sysvipc/shm)" " 4242 "
	assert_not_contains "$(run_in --ipc shareable -- cat /proc/sysvipc/shm)" " 4242 "
	assert_eq "$(engine exec donor readlink /proc/self/ns/ipc)" \
		"$(engine exec joiner readlink /proc/self/ns/ipc)"
	assert_ne "$(readlink /proc/self/ns/ipc)" "$(engine exec donor readlink /proc/self/ns/ipc)"
	# inspect's HostConfig, as docker's
	assert_eq "container:$id container:$id" \
		"$(engine inspect -f '{{.HostConfig.PidMode}} {{.HostConfig.IpcMode}}' joiner)"
	assert_eq "/shareable" "$(engine inspect -f '{{.HostConfig.PidMode}}/{{.HostConfig.IpcMode}}' donor)"
	# a private IPC namespace is not lent; a missing or stopped container lends nothing
	engine run -d --name priv --network none "$(cgp)" bb sleep 600 >/dev/null
	assert_eq "private" "$(engine inspect -f '{{.HostConfig.IpcMode}}' priv)"
	run engine run --rm --network none --ipc container:priv bb true
	assert_eq 125 "$status"
	assert_contains "$output" "can't join IPC of container priv: non-shareable IPC (hint: use IpcMode:shareable for the donor container)"
	run engine run --rm --network none --pid container:nosuch bb true
	assert_eq 125 "$status"
	assert_contains "$output" "cannot join PID of a non running container: nosuch: no such container: nosuch"
	run engine run --rm --network none --ipc container:nosuch bb true
	assert_eq 125 "$status"
	assert_contains "$output" "can't join IPC of container nosuch: no such container: nosuch"
	engine create --name stopped --ipc shareable --network none "$(cgp)" bb true >/dev/null
	run engine run --rm --network none --pid container:stopped bb true
	assert_eq 125 "$status"
	assert_contains "$output" "cannot join PID of a non running container: stopped"
	run engine create --network none --ipc container:stopped bb true
	assert_eq 125 "$status"
	assert_contains "$output" "can't join IPC of container stopped: container $(engine inspect -f '{{.Id}}' stopped) is not running"
	engine rm -f joiner >/dev/null
	engine rm -f donor priv stopped >/dev/null
	assert_eq "" "$(engine ps -aq)"
}

# a container that joins another's namespaces joins them as they are at each of its
# starts, as docker's: after the donor restarted (another init), and not once it stopped
test_joined_namespaces_are_resolved_at_each_start() {
	import_probe_image bb
	local id ns
	engine run -d --name donor --ipc shareable --network none "$(cgp)" bb sleep 600 >/dev/null
	engine create --name joiner --pid container:donor --ipc container:donor \
		--network container:donor "$(cgp)" bb sleep 601 >/dev/null
	engine restart -t 0 donor >/dev/null
	engine start joiner >/dev/null
	for ns in pid ipc net; do
		assert_eq "$(engine exec donor readlink /proc/self/ns/$ns)" \
			"$(engine exec joiner readlink /proc/self/ns/$ns)"
	done
	assert_contains "$(engine exec donor ps -o args)" "sleep 601"
	engine create --name pidonly --pid container:donor --network none "$(cgp)" bb true >/dev/null
	id=$(engine inspect -f '{{.Id}}' donor)
	engine stop -t 0 joiner >/dev/null
	engine stop -t 0 donor >/dev/null
	run engine start joiner
	assert_ne 0 "$status"
	assert_contains "$output" "--network container:$id: container $id is not running"
	assert_eq "exited" "$(engine inspect -f '{{.State.Status}}' joiner)"
	run engine start pidonly
	assert_ne 0 "$status"
	assert_contains "$output" "cannot join PID of a non running container: $id"
	assert_eq "created" "$(engine inspect -f '{{.State.Status}}' pidonly)"
	engine rm -f joiner pidonly donor >/dev/null
	assert_eq "" "$(engine ps -aq)"
}
