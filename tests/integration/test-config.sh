# The rest of config.json applied for real: hooks, seccomp, scheduler, personality,
# ioPriority, sysctl, hugetlb, unsupported fields refused.

# A hook script that appends "<name> <status> <pid> <id>" from the state on stdin.
hook_script() { # path
	cat > "$1" <<'SH'
#!/bin/sh
state=$(cat)
status=$(echo "$state" | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p')
pid=$(echo "$state" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
echo "$1 $status ${pid:-none}" >> "$2"
SH
	chmod +x "$1"
}

test_all_six_hooks_run_in_order() {
	local b="$BERTH_TEST_TMP/h1" log="$BERTH_TEST_TMP/hooks.log" h="$BERTH_TEST_TMP/hook.sh"
	hook_script "$h"
	make_bundle "$b" /probe exit 0
	jq_edit "$b/config.json" '.hooks = {
		"prestart": [{"path": $h, "args": ["hook", "prestart", $log]}],
		"createRuntime": [{"path": $h, "args": ["hook", "createRuntime", $log]}],
		"createContainer": [{"path": $h, "args": ["hook", "createContainer", $log]}],
		"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "echo startContainer-in-container > /tmp/started"]}],
		"poststart": [{"path": $h, "args": ["hook", "poststart", $log]}],
		"poststop": [{"path": $h, "args": ["hook", "poststop", $log]}]}
		| .process.args = ["/bin/cat", "/tmp/started"] | .root.readonly = false' \
		--arg h "$h" --arg log "$log"
	rt create --bundle "$b" h1
	local pid
	pid=$(rt state h1 | jq .pid)
	assert_eq "prestart created $pid
createRuntime created $pid
createContainer created $pid" "$(cat "$log")"
	rt start h1
	wait_for 5 sh -c "[ \"\$('$BERTH_RUNTIME' --root '$RUNTIME_ROOT' state h1 | jq -r .status)\" = stopped ]"
	rt delete h1
	assert_eq "prestart created $pid
createRuntime created $pid
createContainer created $pid
poststart running $pid
poststop stopped none" "$(cat "$log")"
	assert_eq "startContainer-in-container" "$(cat "$b/rootfs/tmp/started")"
}

test_create_container_hook_runs_in_the_rootfs() {
	local b="$BERTH_TEST_TMP/hc"
	make_bundle "$b" /bin/cat /made-by-hook
	# as with runc, a createContainer hook may use paths relative to the rootfs
	jq_edit "$b/config.json" '.hooks.createContainer = [{"path": "/bin/sh",
		"args": ["sh", "-c", "echo from-hook > ./made-by-hook"]}] | .root.readonly = false'
	run rt run --bundle "$b" hc
	assert_eq 0 "$status" "$output"
	assert_eq "from-hook" "$output"
	[ ! -e "$b/made-by-hook" ]
}

test_failing_create_hook_fails_create_and_cleans_up() {
	local b="$BERTH_TEST_TMP/h2"
	make_bundle "$b" /probe exit 0
	jq_edit "$b/config.json" '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "echo nope >&2; exit 3"]}]'
	run rt create --bundle "$b" h2
	assert_eq 1 "$status"
	assert_contains "$output" "createRuntime[0]"
	assert_contains "$output" "nope"
	[ ! -e "$RUNTIME_ROOT/h2" ]
	jq_edit "$b/config.json" '.hooks = {"prestart": [{"path": "/bin/sleep", "args": ["sleep", "10"], "timeout": 1}]}'
	run rt create --bundle "$b" h2
	assert_eq 1 "$status"
	assert_contains "$output" "timed out"
}

test_failing_poststart_hook_is_a_warning() {
	local b="$BERTH_TEST_TMP/h3"
	make_bundle "$b" /probe exit 0
	jq_edit "$b/config.json" '.hooks.poststart = [{"path": "/bin/false"}]'
	run rt run --bundle "$b" h3
	assert_eq 0 "$status"
	assert_contains "$output" "warning"
	assert_contains "$output" "poststart[0]"
}

test_seccomp_errno_kill_and_args() {
	local b="$BERTH_TEST_TMP/sc"
	make_bundle "$b" /bin/mkdir /tmp/x
	jq_edit "$b/config.json" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
	run rt run --bundle "$b" sc
	assert_eq 1 "$status"
	assert_contains "$output" "Permission denied"
	# KILL: the process dies of SIGSYS (128 + 31)
	jq_edit "$b/config.json" '.linux.seccomp.syscalls[0].action = "SCMP_ACT_KILL_PROCESS" | del(.linux.seccomp.syscalls[0].errnoRet)'
	run rt run --bundle "$b" sc
	assert_eq 159 "$status"
	# argument filter: only personality(0xffffffff) is denied; the default is allowed
	jq_edit "$b/config.json" '.linux.seccomp.syscalls = [{"names": ["uname"], "action": "SCMP_ACT_ERRNO",
		"args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]}] | .process.args = ["/bin/uname"]'
	run rt run --bundle "$b" sc
	assert_eq 0 "$status" "$output"
	assert_eq Linux "$output"
	# with noNewPrivileges false the filter is loaded before the user switch
	jq_edit "$b/config.json" '.process.noNewPrivileges = false | .process.user = {"uid": 65534, "gid": 65534}
		| .linux.seccomp.syscalls = [{"names": ["getcwd"], "action": "SCMP_ACT_ERRNO"}]
		| .process.args = ["/probe", "cwd"]'
	run rt run --bundle "$b" sc
	assert_contains "$output" "EPERM"
}

test_seccomp_notify_sends_listener_fd() {
	local b="$BERTH_TEST_TMP/sn" sock="$BERTH_TEST_TMP/agent.sock"
	make_bundle "$b" /bin/mkdir /tmp/y
	jq_edit "$b/config.json" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"listenerPath": $s, "listenerMetadata": "meta-42",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}' --arg s "$sock"
	# a tiny agent: takes the fd and the state, then answers every notification EPERM
	python3 - "$sock" > "$BERTH_TEST_TMP/agent.out" 2>&1 <<'PY' &
import array, json, os, socket, struct, sys, fcntl
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
fds = array.array("i")
data, anc, _, _ = c.recvmsg(65536, socket.CMSG_LEN(4))
fds.frombytes(anc[0][2][:4])
while True:
    try:
        more = c.recv(65536)
    except OSError:
        break
    if not more:
        break
    data += more
st = json.loads(data)
print("metadata", st["metadata"], "fds", st["fds"], "id", st["state"]["id"], flush=True)
# SECCOMP_IOCTL_NOTIF_RECV / SEND
RECV = 0xc0502100; SEND = 0xc0182101
buf = bytearray(80)
fcntl.ioctl(fds[0], RECV, buf)
nid = struct.unpack_from("Q", buf, 0)[0]
resp = struct.pack("QqiI", nid, 0, -1, 0)
fcntl.ioctl(fds[0], SEND, bytearray(resp))
print("answered", flush=True)
PY
	local agent=$!
	wait_for 5 test -S "$sock"
	run rt run --bundle "$b" sn
	wait "$agent" || true
	assert_eq 1 "$status" "$output"
	assert_contains "$output" "Operation not permitted"
	assert_contains "$(cat "$BERTH_TEST_TMP/agent.out")" "metadata meta-42"
	assert_contains "$(cat "$BERTH_TEST_TMP/agent.out")" "id sn"
	assert_contains "$(cat "$BERTH_TEST_TMP/agent.out")" "answered"
}

test_scheduler_personality_ioprio() {
	local b="$BERTH_TEST_TMP/sp"
	make_bundle "$b" /probe readfile /proc/self/stat
	jq_edit "$b/config.json" '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 5}'
	run rt run --bundle "$b" sp
	assert_eq 0 "$status" "$output"
	# field 19 is nice, field 41 the policy (3 = SCHED_BATCH)
	assert_eq "5 3" "$(echo "$output" | sed 's/.*) //' | awk '{print $17, $39}')"
	jq_edit "$b/config.json" 'del(.process.scheduler) | .linux.personality = {"domain": "LINUX32"} | .process.args = ["/bin/uname", "-m"]'
	run rt run --bundle "$b" sp
	assert_eq i686 "$output"
	jq_edit "$b/config.json" 'del(.linux.personality) | .process.ioPriority = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}
		| .process.args = ["/bin/ionice", "-p", "1"]'
	run rt run --bundle "$b" sp
	assert_contains "$output" "idle"
}

test_sysctl_in_own_network_namespace() {
	local b="$BERTH_TEST_TMP/sy" host want
	# the other value than the host's (which another program may have set either way)
	host=$(cat /proc/sys/net/ipv4/ip_forward)
	want=$((1 - host))
	make_bundle "$b" /probe sysctl net/ipv4/ip_forward
	jq_edit "$b/config.json" '.linux.sysctl = {"net.ipv4.ip_forward": $v}' --arg v "$want"
	run rt run --bundle "$b" sy
	assert_eq "$want" "$output"
	# the host's value is untouched
	assert_eq "$host" "$(cat /proc/sys/net/ipv4/ip_forward)"
}

test_sysctl_without_its_namespace_is_refused() {
	local b="$BERTH_TEST_TMP/sn" before
	make_bundle "$b" /probe sysctl net/ipv4/ping_group_range
	jq_edit "$b/config.json" '.linux.namespaces |= map(select(.type != "network"))
		| .linux.sysctl = {"net.ipv4.ping_group_range": "0 0"}'
	before=$(cat /proc/sys/net/ipv4/ping_group_range)
	run rt run --bundle "$b" sn
	assert_eq 1 "$status"
	assert_contains "$output" "linux.sysctl: 'net.ipv4.ping_group_range' needs the container's own network namespace"
	assert_eq "$before" "$(cat /proc/sys/net/ipv4/ping_group_range)"
	run rt state sn
	assert_ne 0 "$status"
}

test_sysctl_domainname_in_own_uts_namespace() {
	local b="$BERTH_TEST_TMP/sd" before
	make_bundle "$b" /probe sysctl kernel/domainname
	before=$(cat /proc/sys/kernel/domainname)
	jq_edit "$b/config.json" '.linux.sysctl = {"kernel.domainname": "sysctl.example"}'
	run rt run --bundle "$b" sd
	assert_eq "sysctl.example" "$output"
	# with the "domainname" field too: the same value is fine, another one is refused
	jq_edit "$b/config.json" '.domainname = "sysctl.example"'
	run rt run --bundle "$b" sd
	assert_eq "sysctl.example" "$output"
	jq_edit "$b/config.json" '.domainname = "field.example"'
	run rt run --bundle "$b" sd
	assert_eq 1 "$status"
	assert_contains "$output" "'kernel.domainname' is 'sysctl.example' but \"domainname\" is 'field.example'"
	assert_eq "$before" "$(cat /proc/sys/kernel/domainname)"
}

test_hugetlb_limit_on_cgroup2() {
	[ -e /sys/fs/cgroup/unified/cgroup.controllers ] &&
		grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers || skip "no hugetlb controller"
	local b="$BERTH_TEST_TMP/hu"
	make_bundle "$b" /probe sleep 30
	jq_edit "$b/config.json" '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
	rt run -d --bundle "$b" hu
	assert_eq 4194304 "$(cat "/sys/fs/cgroup/unified$BERTH_TEST_CGROUP/hu/hugetlb.2MB.max")"
	rt delete --force hu
}

test_unsupported_field_refused() {
	local b="$BERTH_TEST_TMP/un"
	make_bundle "$b" /probe exit 0
	jq_edit "$b/config.json" '.linux.intelRdt = {"closID": "x"}'
	run rt run --bundle "$b" un
	assert_eq 1 "$status"
	assert_contains "$output" "intelRdt"
	[ ! -e "$RUNTIME_ROOT/un" ]
}

test_lsm_labels_refused_when_lsm_absent() {
	local b="$BERTH_TEST_TMP/ls"
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] && skip "AppArmor is enabled here"
	make_bundle "$b" /probe exit 0
	jq_edit "$b/config.json" '.process.apparmorProfile = "docker-default"'
	run rt run --bundle "$b" ls
	assert_eq 1 "$status"
	assert_contains "$output" "AppArmor is not enabled"
	[ -e /sys/fs/selinux/enforce ] && skip "SELinux is enabled here"
	jq_edit "$b/config.json" 'del(.process.apparmorProfile) | .linux.mountLabel = "system_u:object_r:container_file_t:s0"'
	run rt run --bundle "$b" ls
	assert_eq 1 "$status"
	assert_contains "$output" "SELinux is not enabled"
	[ ! -e "$RUNTIME_ROOT/ls" ]
}

test_idmapped_bind_mount() {
	local b="$BERTH_TEST_TMP/id"
	make_bundle "$b" /probe stat /data/f
	mkdir -p "$BERTH_TEST_TMP/vol"
	echo x > "$BERTH_TEST_TMP/vol/f"
	chown 0:0 "$BERTH_TEST_TMP/vol/f"
	jq_edit "$b/config.json" '.mounts += [{"destination": "/data", "type": "bind", "source": $v,
		"options": ["rbind"],
		"uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
		"gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}]' --arg v "$BERTH_TEST_TMP/vol"
	run rt run --bundle "$b" id
	assert_eq 0 "$status" "$output"
	# on disk 0:0 (the mapping's containerID), seen through the idmapped mount as its hostID
	assert_contains "$output" " 1000 1000"
	assert_eq "0:0" "$(stat -c %u:%g "$BERTH_TEST_TMP/vol/f")"
}
