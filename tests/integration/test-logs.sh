# --log-driver and --log-opt: the log rotated at max-size into at most max-file files,
# `logs` (and `logs -f` while it rotates) reading across them, none keeping no log.

ctr_dir() { echo "$BERTH_STORE/containers/$(engine inspect -f '{{.Id}}' "$1")"; }

# the lines a container printed "n-1" .. "n-LAST", as `logs` gives them back, must be
# one unbroken run ending at LAST
assert_unbroken_tail() {
	local out=$1 last=$2 first expect
	first=$(head -n1 <<<"$out")
	first=${first#n-}
	expect=$(seq -f 'n-%g' "$first" "$last")
	assert_eq "$expect" "$out"
}

test_log_rotates_at_max_size_and_logs_reads_every_file() {
	import_probe_image bb
	engine run --name rot --network none "$(cgp)" --log-opt max-size=2k --log-opt max-file=3 \
		bb sh -c 'i=1; while [ $i -le 400 ]; do echo n-$i; i=$((i+1)); done' >/dev/null
	local d out
	d=$(ctr_dir rot)
	# the current file and two rotated ones, none much over 2k (one write may pass it)
	assert_eq "container.log container.log.1 container.log.2" "$(cd "$d" && ls container.log* | sort | paste -sd' ')"
	for f in "$d"/container.log*; do
		[ "$(stat -c %s "$f")" -lt 6144 ] || fail "$f is $(stat -c %s "$f") bytes with max-size 2k"
	done
	out=$(engine logs rot)
	assert_unbroken_tail "$out" 400
	# the oldest lines went with the dropped files
	[ "$(wc -l <<<"$out")" -lt 400 ] || fail "nothing was rotated away"
	# --tail counts across the files
	assert_eq "$(seq -f 'n-%g' 391 400)" "$(engine logs --tail 10 rot)"
	assert_eq '{"max-file":"3","max-size":"2048"}' "$(engine inspect -f '{{json .HostConfig.LogConfig.Config}}' rot | jq -S -c .)"
	assert_eq json-file "$(engine inspect -f '{{.HostConfig.LogConfig.Type}}' rot)"
	engine rm rot >/dev/null

	# max-file 1 (the default): one file, the last part of the output
	engine run --name one --network none "$(cgp)" --log-opt max-size=1k \
		bb sh -c 'i=1; while [ $i -le 300 ]; do echo n-$i; i=$((i+1)); done' >/dev/null
	d=$(ctr_dir one)
	assert_eq "container.log" "$(cd "$d" && ls container.log* | paste -sd' ')"
	assert_unbroken_tail "$(engine logs one)" 300
	engine rm one >/dev/null
}

# a follower started before the output sees every line once, in order, across rotations
test_logs_follow_across_rotations() {
	import_probe_image bb
	engine run -d --name fol --network none "$(cgp)" --log-opt max-size=1k --log-opt max-file=50 \
		bb sh -c 'while [ ! -e /tmp/go ]; do sleep 0.05; done
			  i=1; while [ $i -le 300 ]; do echo n-$i; i=$((i+1)); [ $((i % 20)) = 0 ] && sleep 0.05; done' >/dev/null
	engine logs -f fol >"$BERTH_TEST_TMP/followed" &
	local pid=$!
	sleep 0.5
	engine exec fol touch /tmp/go
	wait "$pid"
	assert_eq "$(seq -f 'n-%g' 1 300)" "$(cat "$BERTH_TEST_TMP/followed")"
	local n
	n=$(cd "$(ctr_dir fol)" && ls container.log* | wc -l)
	[ "$n" -gt 3 ] || fail "the log rotated only $n times"
	engine rm fol >/dev/null
}

test_log_drivers_local_and_none() {
	import_probe_image bb
	# local: docker's defaults, 20m and 5 files
	engine run --name loc --network none "$(cgp)" --log-driver local bb echo kept >/dev/null
	assert_eq kept "$(engine logs loc)"
	assert_eq local "$(engine inspect -f '{{.HostConfig.LogConfig.Type}}' loc)"
	assert_eq '{"max-file":"5","max-size":"20971520"}' "$(engine inspect -f '{{json .HostConfig.LogConfig.Config}}' loc | jq -S -c .)"
	# none: nothing written, and logs says it cannot
	engine run --name nolog --network none "$(cgp)" --log-driver none bb echo not-kept >/dev/null
	[[ ! -e $(ctr_dir nolog)/container.log ]] || fail "--log-driver none wrote a log"
	run engine logs nolog
	assert_eq 125 "$status"
	assert_contains "$output" "configured logging driver does not support reading"
	# attached, the output still reaches the terminal
	assert_eq still-shown "$(engine run --rm --network none "$(cgp)" --log-driver none bb echo still-shown)"
	engine rm loc nolog >/dev/null
}

test_log_options_refused_by_name() {
	import_probe_image bb
	run engine run --rm --network none --log-driver syslog bb true
	assert_eq 125 "$status"
	assert_contains "$output" "logging driver 'syslog' is not supported by berth"
	run engine run --rm --network none --log-opt compress=true bb true
	assert_eq 125 "$status"
	assert_contains "$output" "unknown log opt 'compress' for json-file log driver"
	run engine run --rm --network none --log-opt max-size=lots bb true
	assert_eq 125 "$status"
	assert_contains "$output" "invalid max-size 'lots'"
	run engine run --rm --network none --log-opt max-file=3 bb true
	assert_eq 125 "$status"
	assert_contains "$output" "max-file cannot be set without max-size"
	run engine run --rm --network none --log-driver none --log-opt max-size=1m bb true
	assert_eq 125 "$status"
	assert_contains "$output" "unknown log opt 'max-size=1m' for none log driver"
	assert_eq "" "$(engine ps -aq)"
}
