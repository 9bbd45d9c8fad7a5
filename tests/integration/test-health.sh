# Healthchecks as docker runs them, by the container's monitor: --health-* flags and an
# image's HEALTHCHECK, what ps and inspect show, the start period, a hanging check killed
# at its timeout, the state kept after the container stopped.

# health C TEMPLATE: inspect -f of the container
health() {
	engine inspect -f "$2" "$1"
}

# health_is C WANT: its State.Health.Status is WANT
health_is() {
	[[ $(health "$1" '{{.State.Health.Status}}') == "$2" ]]
}

# log_len_at_least C N: its State.Health.Log has N entries or more
log_len_at_least() {
	(($(health "$1" '{{len .State.Health.Log}}') >= $2))
}

# run_health NAME FLAGS... -- CMD...: a detached container named NAME of the probe image
run_health() {
	local name=$1 flags=()
	shift
	while [[ $1 != -- ]]; do flags+=("$1"); shift; done
	shift
	engine run -d --network none "$(cgp)" --name "$name" "${flags[@]}" bb "$@" >/dev/null
}

# make_health_image OUT REF: a docker-archive of busybox whose config has a HEALTHCHECK
# (CMD-SHELL "echo from-image; exit 1", every second, one retry), as docker writes it
make_health_image() {
	python3 - "$BUSYBOX_TAR" "$1" "$2" <<'PY'
import hashlib, io, json, sys, tarfile

busybox, out, ref = sys.argv[1], sys.argv[2], sys.argv[3]
layer = open(busybox, "rb").read()
sha = lambda d: "sha256:" + hashlib.sha256(d).hexdigest()
config = json.dumps({
    "architecture": "amd64", "os": "linux",
    "config": {"Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["sleep", "100"],
               "Healthcheck": {"Test": ["CMD-SHELL", "echo from-image; exit 1"],
                               "Interval": 1000000000, "Retries": 1}},
    "rootfs": {"type": "layers", "diff_ids": [sha(layer)]},
}).encode()
cfg = hashlib.sha256(config).hexdigest() + ".json"
manifest = json.dumps([{"Config": cfg, "RepoTags": [ref], "Layers": ["l/layer.tar"]}]).encode()

def entry(t, name, data=b"", typ=tarfile.REGTYPE):
    i = tarfile.TarInfo(name)
    i.type, i.mode, i.mtime, i.size = typ, 0o755 if typ == tarfile.DIRTYPE else 0o644, 1500000000, len(data)
    t.addfile(i, io.BytesIO(data) if typ == tarfile.REGTYPE else None)

with tarfile.open(out, "w") as t:
    entry(t, cfg, config)
    entry(t, "l", typ=tarfile.DIRTYPE)
    entry(t, "l/layer.tar", layer)
    entry(t, "manifest.json", manifest)
PY
}

test_a_passing_check_becomes_healthy() {
	import_probe_image bb
	run_health ok --health-cmd 'echo ok' --health-interval 3s -- sleep 100
	# the first check runs one interval after the start
	assert_eq starting "$(health ok '{{.State.Health.Status}}')"
	assert_contains "$(engine ps)" "(health: starting)"
	assert_eq ok "$(engine ps --filter health=starting --format '{{.Names}}')"
	assert_eq '{"Test":["CMD-SHELL","echo ok"],"Interval":3000000000}' \
		"$(health ok '{{json .Config.Healthcheck}}')"
	wait_for 10 health_is ok healthy
	assert_contains "$(engine ps --format '{{.Status}}')" "(healthy)"
	assert_eq ok "$(engine ps --filter health=healthy --format '{{.Names}}')"
	assert_eq "" "$(engine ps --filter health=starting --format '{{.Names}}')"
	assert_eq "" "$(engine ps --filter health=none --format '{{.Names}}')"
	assert_eq '0 "ok\n" 0' "$(health ok '{{(index .State.Health.Log 0).ExitCode}} {{json (index .State.Health.Log 0).Output}} {{.State.Health.FailingStreak}}')"
	engine rm -f ok >/dev/null
}

test_a_failing_check_becomes_unhealthy_after_its_retries() {
	import_probe_image bb
	run_health bad --health-cmd 'echo bad >&2; exit 3' --health-interval 1s --health-retries 2 -- sleep 100
	# one failure of two: still starting
	wait_for 10 eval '[[ $(health bad "{{.State.Health.FailingStreak}} {{.State.Health.Status}}") == "1 starting" ]]'
	wait_for 10 health_is bad unhealthy
	assert_contains "$(engine ps --format '{{.Status}}')" "(unhealthy)"
	assert_eq bad "$(engine ps --filter health=unhealthy --format '{{.Names}}')"
	assert_eq '3 "bad\n"' "$(health bad '{{(index .State.Health.Log 0).ExitCode}} {{json (index .State.Health.Log 0).Output}}')"
	(($(health bad '{{.State.Health.FailingStreak}}') >= 2))
	# each check leaves no fd in the monitor: the same count two checks later (one more
	# at most, the pipe of a check running then)
	local mon before after
	mon=$(jq -r .monitor_pid "$BERTH_STORE/containers/$(engine inspect -f '{{.Id}}' bad)/container.json")
	wait_for 10 log_len_at_least bad 2
	before=$(ls "/proc/$mon/fd" | wc -l)
	wait_for 10 log_len_at_least bad 5
	after=$(ls "/proc/$mon/fd" | wc -l)
	((after <= before + 1)) || fail "the monitor had $before fds, then $after"
	# the log keeps the last five
	sleep 1.5
	assert_eq 5 "$(health bad '{{len .State.Health.Log}}')"
	engine rm -f bad >/dev/null
}

test_failures_in_the_start_period_do_not_count() {
	import_probe_image bb
	run_health sp --health-cmd 'test -e /tmp/ready' --health-interval 1s --health-retries 1 \
		--health-start-period 60s --health-start-interval 1s -- sleep 100
	wait_for 10 log_len_at_least sp 2
	assert_eq "starting 0 1" "$(health sp '{{.State.Health.Status}} {{.State.Health.FailingStreak}} {{(index .State.Health.Log 0).ExitCode}}')"
	engine exec sp touch /tmp/ready
	wait_for 10 health_is sp healthy
	# a success ended the start period: one failure is now enough (retries 1)
	engine exec sp rm /tmp/ready
	wait_for 10 health_is sp unhealthy
	assert_eq 1 "$(health sp '{{.State.Health.FailingStreak}}')"
	engine rm -f sp >/dev/null
}

test_a_hanging_check_is_killed_at_its_timeout() {
	import_probe_image bb
	# the shell waits for its sleep: killing the shell alone would leave the sleep
	run_health hang --health-cmd 'sleep 100; echo never' --health-timeout 1s \
		--health-interval 1s --health-retries 1 -- sleep 1000
	wait_for 15 health_is hang unhealthy
	assert_eq '-1 "Health check exceeded timeout (1s)"' \
		"$(health hang '{{(index .State.Health.Log 0).ExitCode}} {{json (index .State.Health.Log 0).Output}}')"
	wait_for 15 log_len_at_least hang 2
	# two checks killed: no sleep of theirs left, one of the check running now at most
	local n
	n=$(engine exec hang ps -o args | grep -c '^sleep 100$' || true)
	((n <= 1)) || { engine exec hang ps -o pid,args; fail "$n checks left running"; }
	engine rm -f hang >/dev/null
}

test_a_checks_output_is_cut_at_4096_bytes() {
	import_probe_image bb
	# 5000 bytes on stdout and stderr both: the first 4096 kept, then "..."
	run_health big --health-cmd 'head -c 3000 /dev/zero | tr "\\0" a; head -c 2000 /dev/zero | tr "\\0" b >&2' \
		--health-interval 1s -- sleep 100
	wait_for 10 health_is big healthy
	local out
	out=$(engine inspect big | jq -r '.[0].State.Health.Log[0].Output')
	assert_eq 4099 "${#out}"
	assert_eq "$(printf 'a%.0s' {1..3000})$(printf 'b%.0s' {1..1096})..." "$out"
	engine rm -f big >/dev/null
}

test_the_state_stays_after_the_container_stopped() {
	import_probe_image bb
	run_health st --health-cmd 'echo fine' --health-interval 1s -- sleep 100
	wait_for 10 health_is st healthy
	engine stop -t 1 st >/dev/null
	# docker's status of a stopped container's healthcheck; the log kept
	assert_eq unhealthy "$(health st '{{.State.Health.Status}}')"
	log_len_at_least st 1
	assert_eq '"fine\n"' "$(health st '{{json (index .State.Health.Log 0).Output}}')"
	assert_contains "$(engine ps -a --format '{{.Status}}')" "Exited"
	assert_not_contains "$(engine ps -a --format '{{.Status}}')" "health"
	assert_eq st "$(engine ps -a --filter health=unhealthy --format '{{.Names}}')"
	# started again: starting, then healthy, the earlier results still in the log
	local n
	n=$(health st '{{len .State.Health.Log}}')
	engine start st >/dev/null
	assert_eq starting "$(health st '{{.State.Health.Status}}')"
	assert_eq "$n" "$(health st '{{len .State.Health.Log}}')"
	wait_for 10 health_is st healthy
	engine rm -f st >/dev/null
}

test_no_healthcheck_overrides_the_images() {
	import_probe_image bb
	make_health_image "$BERTH_TEST_TMP/hc.tar" hc:1
	engine load -i "$BERTH_TEST_TMP/hc.tar" >/dev/null
	engine run -d --network none "$(cgp)" --name img hc:1 >/dev/null
	wait_for 10 health_is img unhealthy
	assert_eq '"from-image\n"' "$(health img '{{json (index .State.Health.Log 0).Output}}')"
	# --health-cmd over the image's, its interval kept
	engine run -d --network none "$(cgp)" --name over --health-cmd 'echo mine' hc:1 >/dev/null
	assert_eq '{"Test":["CMD-SHELL","echo mine"],"Interval":1000000000,"Retries":1}' \
		"$(health over '{{json .Config.Healthcheck}}')"
	wait_for 10 health_is over healthy
	engine run -d --network none "$(cgp)" --name none --no-healthcheck hc:1 >/dev/null
	assert_eq '{"Test":["NONE"]}' "$(health none '{{json .Config.Healthcheck}}')"
	assert_eq false "$(engine inspect none | jq '.[0].State | has("Health")')"
	sleep 1.5
	assert_eq none "$(engine ps --filter health=none --format '{{.Names}}')"
	assert_not_contains "$(engine ps --filter name=none --format '{{.Status}}')" "health"
	engine rm -f img over none >/dev/null
}

# docker commit/import --change 'HEALTHCHECK ...': the Dockerfile's syntax into the image's
# config, which its containers then run
test_a_healthcheck_from_commit_or_import_change() {
	import_probe_image bb
	engine create --network none "$(cgp)" --name src bb >/dev/null
	run engine commit -c 'HEALTHCHECK --interval=1s --retries=1 CMD test -e /tmp/ok' src hc:commit
	assert_eq 0 "$status" "$output"
	assert_eq '{"Test":["CMD-SHELL","test -e /tmp/ok"],"Interval":1000000000,"Retries":1}' \
		"$(engine inspect -f '{{json .Config.Healthcheck}}' hc:commit)"
	engine run -d --network none "$(cgp)" --name cm hc:commit sleep 100 >/dev/null
	wait_for 10 health_is cm unhealthy
	engine exec cm touch /tmp/ok
	wait_for 10 health_is cm healthy
	# the exec form, every flag; NONE over an image's
	run engine commit -c 'HEALTHCHECK --interval=1s --timeout=2s --start-period=1m --start-interval=500ms --retries=4 CMD ["true"]' src hc:exec
	assert_eq 0 "$status" "$output"
	assert_eq '{"Test":["CMD","true"],"Interval":1000000000,"Timeout":2000000000,"StartPeriod":60000000000,"StartInterval":500000000,"Retries":4}' \
		"$(engine inspect -f '{{json .Config.Healthcheck}}' hc:exec)"
	engine run -d --network none "$(cgp)" --name ex hc:exec sleep 100 >/dev/null
	wait_for 10 health_is ex healthy
	engine rm -f cm ex >/dev/null
	engine rm src >/dev/null
	engine create --network none "$(cgp)" --name src hc:commit >/dev/null
	engine commit -c 'HEALTHCHECK NONE' src hc:none >/dev/null
	assert_eq '{"Test":["NONE"]}' "$(engine inspect -f '{{json .Config.Healthcheck}}' hc:none)"
	engine run -d --network none "$(cgp)" --name no hc:none sleep 100 >/dev/null
	sleep 1.5
	assert_eq false "$(engine inspect no | jq '.[0].State | has("Health")')"
	engine rm -f no >/dev/null
	# import --change
	run engine import -c 'HEALTHCHECK --interval=1s --retries=1 CMD ["sh", "-c", "exit 1"]' \
		"$BUSYBOX_TAR" hc:import
	assert_eq 0 "$status" "$output"
	engine run -d --network none "$(cgp)" --name im hc:import sleep 100 >/dev/null
	wait_for 10 health_is im unhealthy
	engine rm -f im >/dev/null
	# docker's errors
	run engine commit -c 'HEALTHCHECK --retries=-1 CMD true' src bad
	assert_eq 125 "$status"
	assert_contains "$output" "--retries cannot be negative (-1)"
	run engine import -c 'HEALTHCHECK SHELL true' "$BUSYBOX_TAR" bad
	assert_eq 125 "$status"
	assert_contains "$output" 'Unknown type "SHELL" in HEALTHCHECK (try CMD)'
	run engine import -c 'HEALTHCHECK NONE now' "$BUSYBOX_TAR" bad
	assert_contains "$output" "HEALTHCHECK NONE takes no arguments"
	assert_not_contains "$(engine images)" "bad"
	engine rm src >/dev/null
}

test_bad_values_are_refused() {
	import_probe_image bb
	run engine run -d --health-interval abc bb true
	assert_eq 125 "$status"
	assert_contains "$output" 'invalid argument "abc" for "--health-interval" flag'
	run engine create --health-retries -1 bb true
	assert_eq 125 "$status"
	assert_contains "$output" "--health-retries cannot be negative"
	run engine run -d --health-timeout -1s bb true
	assert_eq 125 "$status"
	assert_contains "$output" "--health-timeout cannot be negative"
	run engine run -d --health-start-period 10us bb true
	assert_eq 125 "$status"
	assert_contains "$output" "StartPeriod in Healthcheck cannot be less than 1ms"
	run engine run -d --no-healthcheck --health-cmd true bb true
	assert_eq 125 "$status"
	assert_contains "$output" "--no-healthcheck conflicts with --health-* options"
	run engine ps --filter health=sick
	assert_eq 125 "$status"
	assert_contains "$output" "Unrecognised filter value for health: sick"
	assert_eq "" "$(engine ps -aq)"
}
