# berth's command line as docker users type it: flags anywhere before `--` and the
# container's own command, long flags only by their whole name, -h/--help on every verb.

# every verb of `berth --help`, and the sub-verbs of its groups
verbs()
{
	"$BERTH" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p'
}

test_flags_after_operands_as_docker_parses_them() {
	import_probe_image bb
	local out t0 t1
	engine run -d --name c1 --network none "$(cgp)" bb sh -c 'echo hello; trap "" TERM; sleep 100' >/dev/null
	logs_say_hello() { engine logs c1 | grep -q hello; }
	wait_for 10 logs_say_hello
	# logs CONTAINER -f ... of a running container follows; of this one -t adds times
	run engine logs c1 -t
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "Z hello"
	# stop CONTAINER -t 1: one second, not the default ten, and not a container "-t"
	t0=$(date +%s)
	run engine stop c1 -t 1
	t1=$(date +%s)
	assert_eq 0 "$status" "$output"
	assert_eq c1 "$output"
	[ $((t1 - t0)) -lt 8 ] || fail "stop c1 -t 1 took $((t1 - t0)) s: -t was not applied"
	assert_eq exited "$(engine inspect c1 -f '{{.State.Status}}')"
	# save IMAGE -o FILE
	run engine save bb -o "$BERTH_TEST_TMP/bb-saved.tar"
	assert_eq 0 "$status" "$output"
	assert_contains "$(tar -tf "$BERTH_TEST_TMP/bb-saved.tar")" manifest.json
	# rm CONTAINER -f of a running one
	engine run -d --name c2 --network none "$(cgp)" bb sleep 100 >/dev/null
	run engine rm c2 -f
	assert_eq 0 "$status" "$output"
	assert_eq c2 "$output"
	# `--` ends the flags: what follows is an operand even when it looks like a flag
	run engine rm -- -f
	assert_eq 1 "$status"
	assert_contains "$output" "no such container: -f"
	# the container's command keeps its own flags: run stops at the image
	out=$(engine run --rm --network none "$(cgp)" bb echo -n -t 1)
	assert_eq "-t 1" "$out"
	out=$(engine run --rm --network none "$(cgp)" bb ls -d /bin)
	assert_eq /bin "$out"
	engine rm c1 >/dev/null
}

test_long_flags_only_by_their_whole_name() {
	import_probe_image bb
	# --pids is not an abbreviation of --pids-limit (docker takes no abbreviations)
	run engine run --rm --pids 5 --network none "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "unknown flag '--pids'"
	assert_contains "$output" "See 'berth run --help'."
	run engine ps --al
	assert_eq 125 "$status"
	assert_contains "$output" "unknown flag '--al'"
	run engine images --qu
	assert_eq 125 "$status"
	# the whole names, with = or a separate value, still work
	run engine ps --all --quiet
	assert_eq 0 "$status" "$output"
	run engine run --rm --pids-limit=50 --network=none "$(cgp)" bb cat /sys/fs/cgroup/pids/pids.max
	[[ $status == 0 ]] || run engine run --rm --pids-limit=50 --network=none "$(cgp)" bb true
	assert_eq 0 "$status" "$output"
	assert_eq "" "$(engine ps -aq)"
}

test_help_on_every_verb() {
	local v g sub
	for v in $(verbs); do
		run "$BERTH" "$v" --help
		assert_eq 0 "$status" "berth $v --help: $output"
		assert_contains "$output" "Usage:" "berth $v --help"
		# docker's run and create take -h as --hostname
		[[ $v == run || $v == create ]] && continue
		run "$BERTH" "$v" -h
		assert_eq 0 "$status" "berth $v -h: $output"
		assert_contains "$output" "Usage:" "berth $v -h"
	done
	for g in container image volume network; do
		for sub in $("$BERTH" "$g" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p'); do
			run "$BERTH" "$g" "$sub" --help
			assert_eq 0 "$status" "berth $g $sub --help: $output"
			assert_contains "$output" "Usage:" "berth $g $sub --help"
		done
	done
	# a sub-verb's error points at its own help
	run engine volume inspect --bad
	assert_eq 125 "$status"
	assert_contains "$output" "See 'berth volume inspect --help'."
}

test_rename_a_running_container_and_its_name_stays_unique() {
	import_probe_image bb
	local i
	engine run -d --name old --network none --restart always "$(cgp)" bb sh -c 'sleep 0.3; exit 3' >/dev/null
	engine create --name other --network none "$(cgp)" bb true >/dev/null
	run engine rename old new
	assert_eq 0 "$status" "$output"
	assert_eq "" "$output"
	assert_eq /new "$(engine inspect -f '{{.Name}}' new)"
	run engine inspect old
	assert_ne 0 "$status"
	# the monitor rewrites the record at each restart: the new name survives that
	wait_for 10 eval '[ "$(engine inspect -f "{{.RestartCount}}" new 2>/dev/null)" -ge 2 ]'
	assert_eq /new "$(engine inspect -f '{{.Name}}' new)"
	assert_contains "$(engine ps --format '{{.Names}}' 2>/dev/null || engine ps)" new
	# docker's errors: a name in use, the same name, no such container (exit 1)
	run engine rename new other
	assert_eq 1 "$status"
	assert_contains "$output" 'The container name "/other" is already in use by container'
	run engine rename new new
	assert_eq 1 "$status"
	assert_contains "$output" "Renaming a container with the same name as its current name"
	run engine rename nope x
	assert_eq 1 "$status"
	assert_contains "$output" "no such container: nope"
	run engine rename new 'bad/name'
	assert_eq 1 "$status"
	assert_contains "$output" "invalid container name 'bad/name'"
	run engine rename new
	assert_eq 125 "$status"
	engine rm -f new other >/dev/null
	# two renames to one name at once: exactly one wins, 10 times over
	for ((i = 0; i < 10; i++)); do
		engine create --name "a$i" --network none "$(cgp)" bb true >/dev/null
		engine create --name "b$i" --network none "$(cgp)" bb true >/dev/null
		rm -f "$BERTH_TEST_TMP"/ren.*
		(st=0; engine rename "a$i" "same$i" || st=$?; echo $st >"$BERTH_TEST_TMP/ren.a") >/dev/null 2>&1 &
		(st=0; engine rename "b$i" "same$i" || st=$?; echo $st >"$BERTH_TEST_TMP/ren.b") >/dev/null 2>&1 &
		wait
		assert_eq "0 1" "$(sort -n "$BERTH_TEST_TMP"/ren.* | tr '\n' ' ' | sed 's/ $//')" "try $i"
		assert_eq 1 "$(engine ps -a | grep -c " same$i\$")" "try $i"
		engine rm "same$i" "a$i" "b$i" >/dev/null 2>&1 || true
	done
	assert_eq "" "$(engine ps -aq)"
}

test_info_and_version_as_docker_shows_them() {
	import_probe_image bb
	engine run -d --name up --network none "$(cgp)" bb sleep 100 >/dev/null
	engine run -d --name frozen --network none "$(cgp)" bb sleep 100 >/dev/null
	engine pause frozen >/dev/null
	engine create --name made --network none "$(cgp)" bb true >/dev/null
	run engine info
	assert_eq 0 "$status" "$output"
	assert_contains "$output" " Containers: 3
  Running: 1
  Paused: 1
  Stopped: 1
 Images: 1"
	assert_contains "$output" " Kernel Version: $(uname -r)"
	assert_contains "$output" " CPUs: $(nproc)"
	assert_contains "$output" " Architecture: $(uname -m)"
	assert_contains "$output" " Berth Root Dir: $BERTH_STORE"
	assert_contains "$output" " Cgroup Driver: ${BERTH_TEST_CGROUP_MANAGER:-$( [[ -e /sys/fs/cgroup/cgroup.controllers && "$(cat /proc/1/comm)" == systemd ]] && echo systemd || echo cgroupfs)}"
	assert_contains "$output" " Storage Driver: overlay"
	run engine version
	assert_eq 0 "$status" "$output"
	local v
	v=$("$BERTH" --version | sed 's/^berth version //')
	assert_contains "$output" "Client:
 Version:           $v"
	assert_contains "$output" "  Kernel Version:   $(uname -r)"
	# --format over what the Engine API answers, as docker's
	assert_eq "3 1 $(nproc) $BERTH_STORE false" \
		"$(engine info --format '{{.Containers}} {{.ContainersRunning}} {{.NCPU}} {{.DockerRootDir}} {{.ClientInfo.Debug}}')"
	assert_eq "$v $v $(uname -r)" \
		"$(engine version -f '{{.Client.Version}} {{.Server.Version}} {{.Server.KernelVersion}}')"
	assert_eq "1" "$(engine info --format json | jq .ContainersPaused)"
	run engine version --format '{{.Nope'
	assert_eq 125 "$status"
	assert_contains "$output" "template: :1: unclosed action"
	run engine info extra
	assert_eq 125 "$status"
	engine unpause frozen >/dev/null
	engine rm -f up frozen made >/dev/null
}

test_prune_asks_first_as_docker_does() {
	import_probe_image bb
	local out
	engine create --name gone --network none "$(cgp)" bb true >/dev/null
	# no answer (stdin at its end) or "n": nothing is removed
	run engine container prune </dev/null
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "WARNING! This will remove all stopped containers.
Are you sure you want to continue? [y/N]"
	assert_eq 1 "$(engine ps -aq | wc -l)"
	out=$(echo n | engine container prune)
	assert_eq 1 "$(engine ps -aq | wc -l)"
	# "y": removed; -f: no question
	out=$(echo y | engine container prune)
	assert_contains "$out" "Deleted Containers:"
	assert_eq 0 "$(engine ps -aq | wc -l)"
	engine create --name gone2 --network none "$(cgp)" bb true >/dev/null
	out=$(engine container prune -f </dev/null)
	assert_not_contains "$out" "WARNING!"
	assert_eq 0 "$(engine ps -aq | wc -l)"
	# image prune and volume prune ask too
	out=$(engine image prune -a </dev/null)
	assert_contains "$out" "WARNING! This will remove all images without at least one container associated to them."
	assert_eq 1 "$(engine images -q | wc -l)"
	engine volume create keepme >/dev/null
	out=$(engine volume prune -a </dev/null)
	assert_contains "$out" "WARNING! This will remove all local volumes not used by at least one container."
	assert_eq keepme "$(engine volume ls -q)"
	out=$(echo y | engine volume prune -a)
	assert_eq "" "$(engine volume ls -q)"
}
