# `berth update`: a container's limits and restart policy changed, running or not, read
# back from its cgroup as the kernel has them, kept across restarts.

# cg CTR V1FILE V2FILE: a cgroup file as the container sees it (its cgroup namespace)
cg() {
	if [[ -e /sys/fs/cgroup/cgroup.controllers ]]; then
		engine exec "$1" cat "/sys/fs/cgroup/$3"
	else
		engine exec "$1" cat "/sys/fs/cgroup/$2"
	fi
}

# limits CTR: memory pids cpu-quota cpu-shares, as the kernel has them
limits() {
	local mem pids quota shares
	mem=$(cg "$1" memory/memory.limit_in_bytes memory.max)
	pids=$(cg "$1" pids/pids.max pids.max)
	if [[ -e /sys/fs/cgroup/cgroup.controllers ]]; then
		quota=$(cg "$1" - cpu.max)
		shares=$(cg "$1" - cpu.weight)
	else
		quota="$(cg "$1" cpu/cpu.cfs_quota_us -) $(cg "$1" cpu/cpu.cfs_period_us -)"
		shares=$(cg "$1" cpu/cpu.shares -)
	fi
	echo "$mem $pids $quota $shares"
}

# the limits of 64m, 50 pids, half a CPU and 256 shares as the kernel shows them
expected_limits() {
	if [[ -e /sys/fs/cgroup/cgroup.controllers ]]; then
		echo "67108864 50 50000 100000 10"   # weight from shares as runc maps 256
	else
		echo "67108864 50 50000 100000 256"
	fi
}

test_update_a_running_container_changes_its_cgroup_and_a_restart_keeps_it() {
	import_probe_image bb
	engine run -d --name u1 --network none "$(cgp)" bb sleep 1000 >/dev/null
	local before
	before=$(limits u1)
	assert_ne "$(expected_limits)" "$before"
	run engine update -m 64m --pids-limit 50 --cpus 0.5 -c 256 u1
	assert_eq 0 "$status" "$output"
	assert_eq u1 "$output"
	assert_eq "$(expected_limits)" "$(limits u1)"
	assert_eq "67108864 50 500000000 256" \
		"$(engine inspect -f '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}}' u1)"
	# a new cgroup for the next run: made from what update stored
	engine restart -t 1 u1 >/dev/null
	assert_eq "$(expected_limits)" "$(limits u1)"
	# and back to unlimited processes
	engine update --pids-limit -1 u1 >/dev/null
	assert_eq max "$(cg u1 pids/pids.max pids.max)"
	assert_eq 0 "$(engine inspect -f '{{.HostConfig.PidsLimit}}' u1)"
	# memory and swap together, and the reservation
	engine update -m 32m --memory-swap 96m --memory-reservation 16m u1 >/dev/null
	assert_eq 33554432 "$(cg u1 memory/memory.limit_in_bytes memory.max)"
	assert_eq 16777216 "$(cg u1 memory/memory.soft_limit_in_bytes memory.low)"
	if [[ ! -e /sys/fs/cgroup/cgroup.controllers ]] &&
		[[ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]]; then
		assert_eq 100663296 "$(cg u1 memory/memory.memsw.limit_in_bytes -)"
	fi
	assert_eq "33554432 100663296 16777216" \
		"$(engine inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.MemoryReservation}}' u1)"
	# cpuset
	engine update --cpuset-cpus 0 u1 >/dev/null
	assert_eq 0 "$(cg u1 cpuset/cpuset.cpus cpuset.cpus)"
	assert_eq 0 "$(engine inspect -f '{{.HostConfig.CpusetCpus}}' u1)"
	engine rm -f u1 >/dev/null
}

test_update_a_stopped_container_then_start_it() {
	import_probe_image bb
	engine create --name u2 --network none "$(cgp)" bb sleep 1000 >/dev/null
	run engine update -m 64m --pids-limit 50 --cpus 0.5 --cpu-shares 256 u2
	assert_eq 0 "$status" "$output"
	assert_eq u2 "$output"
	assert_eq 67108864 "$(engine inspect -f '{{.HostConfig.Memory}}' u2)"
	engine start u2 >/dev/null
	assert_eq "$(expected_limits)" "$(limits u2)"
	# stopped after a run: the next start has the new limit
	engine stop -t 1 u2 >/dev/null
	engine update --pids-limit 20 u2 >/dev/null
	engine start u2 >/dev/null
	assert_eq 20 "$(cg u2 pids/pids.max pids.max)"
	engine rm -f u2 >/dev/null
}

test_update_restart_policy_is_what_the_monitor_follows() {
	import_probe_image bb
	# no policy when it started; on-failure:1 from update, while it runs
	engine run -d --name rp --network none "$(cgp)" bb \
		sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done; echo ran; exit 3' >/dev/null
	assert_eq '{"Name":"no","MaximumRetryCount":0}' \
		"$(engine inspect -f '{{json .HostConfig.RestartPolicy}}' rp)"
	run engine update --restart on-failure:1 rp
	assert_eq 0 "$status" "$output"
	assert_eq rp "$output"
	assert_eq '{"Name":"on-failure","MaximumRetryCount":1}' \
		"$(engine inspect -f '{{json .HostConfig.RestartPolicy}}' rp)"
	# it fails: restarted once (the file is there for the second run too), then it stays
	engine exec rp touch /tmp/go
	wait_for 20 sh -c "[ \"\$($(engine_sh) inspect -f '{{.State.Status}} {{.RestartCount}}' rp)\" = 'exited 1' ]"
	assert_eq 2 "$(engine logs rp | grep -c ran)"
	# a stopped container's policy, kept in its record
	engine update --restart always rp >/dev/null
	assert_eq '{"Name":"always","MaximumRetryCount":0}' \
		"$(engine inspect -f '{{json .HostConfig.RestartPolicy}}' rp)"
	engine rm -f rp >/dev/null
	# --rm and a restart policy do not go together
	engine run -d --rm --name auto --network none "$(cgp)" bb sleep 1000 >/dev/null
	run engine update --restart always auto
	assert_eq 1 "$status"
	assert_contains "$output" "Restart policy cannot be updated because AutoRemove is enabled"
	engine rm -f auto >/dev/null
	assert_eq "" "$(engine ps -aq)"
}

test_update_bad_values_and_missing_containers() {
	import_probe_image bb
	engine run -d --name u3 --network none "$(cgp)" bb sleep 1000 >/dev/null
	run engine update u3
	assert_eq 125 "$status"
	assert_contains "$output" "you must provide one or more flags"
	run engine update -m lots u3
	assert_eq 125 "$status"
	assert_contains "$output" "invalid --memory value 'lots'"
	run engine update --cpus 4096 u3
	assert_eq 125 "$status"
	assert_contains "$output" "--cpus"
	run engine update --cpus 500 u3
	assert_eq 125 "$status"
	assert_contains "$output" "range of CPUs is from 0.01"
	run engine update --restart sometimes u3
	assert_eq 125 "$status"
	assert_contains "$output" "invalid restart policy 'sometimes'"
	run engine update --pids-limit many u3
	assert_eq 125 "$status"
	assert_contains "$output" "invalid --pids-limit value 'many'"
	run engine update --blkio-weight 5 u3
	assert_eq 125 "$status"
	assert_contains "$output" "range of blkio weight is from 10 to 1000"
	run engine update -m 64m --memory-swap 32m u3
	assert_eq 125 "$status"
	assert_contains "$output" "Minimum memoryswap limit should be larger than memory limit"
	run engine update --bogus u3
	assert_eq 125 "$status"
	assert_contains "$output" "unknown flag"
	# a block I/O weight where the host's I/O scheduler can weigh, else refused by name
	run engine update --blkio-weight 300 u3
	if [[ -e /sys/fs/cgroup/cgroup.controllers ]] || ls /sys/fs/cgroup/blkio/*/blkio*weight >/dev/null 2>&1 ||
		ls /sys/fs/cgroup/blkio/blkio*weight >/dev/null 2>&1; then
		assert_eq 0 "$status" "$output"
		assert_eq 300 "$(engine inspect -f '{{.HostConfig.BlkioWeight}}' u3)"
	else
		assert_eq 125 "$status"
		assert_contains "$output" "--blkio-weight: this host's cgroups cannot weigh block I/O"
		assert_eq 0 "$(engine inspect -f '{{.HostConfig.BlkioWeight}}' u3)"
	fi
	# a missing container among others: the others are updated, then exit 1
	run engine update --pids-limit 42 nosuch u3
	assert_eq 1 "$status"
	assert_contains "$output" "no such container: nosuch"
	assert_contains "$output" "u3"
	assert_eq 42 "$(cg u3 pids/pids.max pids.max)"
	# a memory limit already set with swap: a larger one alone is docker's error
	engine update -m 32m --memory-swap 64m u3 >/dev/null
	run engine update -m 128m u3
	assert_eq 1 "$status"
	assert_contains "$output" "Memory limit should be smaller than already set memoryswap limit"
	assert_eq 33554432 "$(engine inspect -f '{{.HostConfig.Memory}}' u3)"
	engine rm -f u3 >/dev/null
}

test_update_a_memory_limit_the_kernel_refuses() {
	[[ -e /sys/fs/cgroup/cgroup.controllers ]] &&
		skip "cgroup v2 takes any memory.max (it reclaims, or OOM-kills)"
	import_probe_image bb
	# 40 MB the kernel cannot reclaim without swap: shared memory
	engine run -d --name big --network none "$(cgp)" bb \
		sh -c 'head -c 40000000 /dev/zero >/dev/shm/fill; sleep 1000' >/dev/null
	wait_for 10 sh -c "[ \$($(engine_sh) exec big cat /sys/fs/cgroup/memory/memory.usage_in_bytes) -gt 40000000 ]"
	local limit
	limit=$(cg big memory/memory.limit_in_bytes -)
	run engine update -m 8m big
	assert_eq 1 "$status"
	assert_contains "$output" "Cannot update container big"
	assert_contains "$output" "the kernel refused the memory limit: the container uses more memory than that"
	# nothing changed: the cgroup, nor what a restart would use
	assert_eq "$limit" "$(cg big memory/memory.limit_in_bytes -)"
	assert_eq 0 "$(engine inspect -f '{{.HostConfig.Memory}}' big)"
	engine rm -f big >/dev/null
}
