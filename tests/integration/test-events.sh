# berth events: the store's event log as docker's `events` shows it: what the verbs and
# the containers' monitors append, read back with --since, --until, --filter and
# --format, and followed live.

import_bb() { import_probe_image bb; }

# now, as --since/--until take it (unix seconds with nanoseconds)
now() { date +%s.%N; }

# the events between $since and now: engine events --since $since --until now ARGS...
past() { engine events --since "$since" --until "$(now)" "$@"; }

test_container_lifecycle() {
	import_bb
	since=$(now)
	run engine run --name ev1 "$(cgp)" bb sh -c 'exit 3'
	assert_eq 3 "$status" "$output"
	engine rm ev1 >/dev/null
	id=$(past --filter type=container --format '{{.Actor.ID}}' | awk 'NR == 1')
	[[ $id =~ ^[0-9a-f]{64}$ ]] || fail "actor id: $id"
	# in order, with docker's attributes (a missing one is Go's <no value>)
	assert_eq "create ev1 bb <no value>
attach ev1 bb <no value>
start ev1 bb <no value>
die ev1 bb 3
destroy ev1 bb <no value>" "$(past --filter type=container \
		--format '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.image}} {{.Actor.Attributes.exitCode}}')"
	# docker's line: RFC 3339 time with nanoseconds, type, action, id, attributes sorted
	run env TZ=UTC "$BERTH" --root "$BERTH_STORE" events --since "$since" --until "$(now)" \
		--filter event=die
	assert_eq 0 "$status" "$output"
	[[ $output =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z\ container\ die\ $id\ \(exitCode=3,\ image=bb,\ name=ev1\)$ ]] ||
		fail "die line: $output"
	# the same time in the template's Time and TimeNano
	run past --filter event=die --format '{{.Time}} {{.TimeNano}} {{.Type}} {{.Scope}} {{.Status}} {{.From}}'
	read -r t tn rest <<<"$output"
	assert_eq "$t" "${tn:0:10}"
	assert_eq "container local die bb" "$rest"
	# --rm: die, then destroy by the monitor; the network's connect and disconnect
	# around its run, as docker's
	since=$(now)
	engine run --rm --name ev2 "$(cgp)" bb true
	assert_eq "container create
container attach
network connect
container start
container die
network disconnect
container destroy" "$(past --format '{{.Type}} {{.Action}}')"
	id=$(past --filter event=create --format '{{.Actor.ID}}')
	assert_eq "connect bridge $id
disconnect bridge $id" "$(past --filter type=network --filter network=bridge \
		--format '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.container}}')"
}

test_running_container_verbs() {
	import_bb
	since=$(now)
	engine run -d --name ev3 -l tier=web "$(cgp)" bb sleep 600 >/dev/null
	engine exec ev3 sh -c 'exit 4' || true
	engine pause ev3 >/dev/null
	engine unpause ev3 >/dev/null
	engine rename ev3 ev4
	engine kill -s USR1 ev4 >/dev/null
	# sleep as the container's init ignores SIGTERM: SIGKILL after a second
	engine stop -t 1 ev4 >/dev/null
	# restarting a stopped container: start, restart
	engine restart -t 0 ev4 >/dev/null
	engine rm -f ev4 >/dev/null
	assert_eq "create|||web
start|||web
exec_create: sh -c exit 4|||web
exec_start: sh -c exit 4|||web
exec_die|4||web
pause|||web
unpause|||web
rename|||web
kill||10|web
kill||15|web
kill||9|web
die|137||web
stop|||web
start|||web
restart|||web
kill||9|web
die|137||web
destroy|||web" "$(past --filter label=tier=web --format \
		'{{.Action}}|{{.Actor.Attributes.exitCode}}|{{.Actor.Attributes.signal}}|{{.Actor.Attributes.tier}}' |
		sed 's/<no value>//g')"
	# the name at each event: ev3 until the rename, whose oldName keeps docker's slash
	assert_eq "ev4 /ev3" "$(past --filter event=rename --format '{{.Actor.Attributes.name}} {{.Actor.Attributes.oldName}}')"
	assert_eq "ev3" "$(past --filter event=pause --format '{{.Actor.Attributes.name}}')"
	# exec's three share its exec id
	assert_eq 1 "$(past --filter event=exec_create --filter event=exec_start --filter event=exec_die \
		--format '{{.Actor.Attributes.execID}}' | sort -u | wc -l)"
}

test_oom() {
	import_bb
	since=$(now)
	engine run --name eoom -m 32m "$(cgp)" bb /probe alloc 200 >/dev/null 2>&1 || true
	# the monitor saw the OOM kill: oom, then die with 137
	assert_eq "oom|
die|137" "$(past --filter container=eoom --filter event=oom --filter event=die \
		--format '{{.Action}}|{{.Actor.Attributes.exitCode}}' | sed 's/<no value>//')"
	engine rm eoom >/dev/null
}

test_images_volumes_networks() {
	import_bb
	img=$(engine inspect -f '{{.Id}}' bb)
	since=$(now)
	engine tag bb bb:two
	engine rmi bb:two >/dev/null
	engine tag bb gone:1
	engine rmi bb >/dev/null
	engine rmi gone:1 >/dev/null
	engine volume create v1 >/dev/null
	engine volume rm v1 >/dev/null
	net=$(engine network create n1)
	engine network rm n1 >/dev/null
	assert_eq "image tag $img name=bb:two
image untag $img name=$img
image tag $img name=gone:1
image untag $img name=$img
image untag $img name=$img
image delete $img name=$img
volume create v1 driver=local
volume destroy v1 driver=local
network create $net name=n1 type=bridge
network destroy $net name=n1 type=bridge" \
		"$(past --format '{{.Type}} {{.Action}} {{.Actor.ID}}{{range $k, $v := .Actor.Attributes}} {{$k}}={{$v}}{{end}}')"
}

# docker's volume mount when a container using the volume starts (before its start),
# unmount when it stops (after its die); binds are no volumes
test_volume_mount_and_unmount() {
	import_bb
	engine volume create data >/dev/null
	mkdir -p "$BERTH_TEST_TMP/bind"
	since=$(now)
	engine run -d --name vm "$(cgp)" -v data:/data -v "$BERTH_TEST_TMP/bind:/b" \
		-v data:/ro:ro bb sleep 600 >/dev/null
	id=$(engine inspect -f '{{.Id}}' vm)
	engine stop -t 1 vm >/dev/null
	assert_eq "volume mount data container=$id destination=/data driver=local propagation= read/write=true
volume mount data container=$id destination=/ro driver=local propagation= read/write=false
container start
container die
volume unmount data container=$id driver=local
volume unmount data container=$id driver=local
container stop" "$(past --filter type=volume --filter type=container --filter event=mount \
		--filter event=unmount --filter event=start --filter event=die --filter event=stop \
		--format '{{.Type}} {{.Action}}{{if eq .Type "volume"}} {{.Actor.ID}}{{range $k, $v := .Actor.Attributes}} {{$k}}={{$v}}{{end}}{{end}}')"
	# docker's line; --filter volume= and event=
	run env TZ=UTC "$BERTH" --root "$BERTH_STORE" events --since "$since" --until "$(now)" \
		--filter event=unmount --filter volume=data
	assert_eq 2 "$(grep -c "volume unmount data (container=$id, driver=local)\$" <<<"$output")" "$output"
	# an anonymous volume of --rm: mount, unmount, then its destroy
	since=$(now)
	engine run --rm "$(cgp)" -v /anon bb true
	assert_eq "create
mount
unmount
destroy" "$(past --filter type=volume --format '{{.Action}}')"
	engine rm vm >/dev/null
	engine volume rm data >/dev/null
}

test_since_until_filter_format() {
	import_bb
	t0=$(now)
	engine volume create vol1 >/dev/null
	t1=$(now)
	engine volume create vol2 >/dev/null
	net=$(engine network create netx)
	engine create --name ctrx -l app=x "$(cgp)" bb true >/dev/null
	t2=$(now)
	engine volume create vol3 >/dev/null
	names() { engine events "$@" --format '{{.Type}}:{{if .Actor.Attributes.name}}{{.Actor.Attributes.name}}{{else}}{{.Actor.ID}}{{end}}' | tr '\n' ' ' | sed 's/ $//'; }
	# --since/--until bound the past; with --until events prints it and exits
	assert_eq "volume:vol1" "$(names --since "$t0" --until "$t1")"
	assert_eq "volume:vol2 network:netx container:ctrx" "$(names --since "$t1" --until "$t2")"
	# RFC 3339 and durations too (docker's formats)
	iso=$(date -u -d "@${t1%.*}" +%Y-%m-%dT%H:%M:%S).${t1#*.}Z
	assert_eq "volume:vol2 network:netx container:ctrx volume:vol3" "$(names --since "$iso" --until "$(now)")"
	assert_eq "volume:vol1 volume:vol2 network:netx container:ctrx volume:vol3" \
		"$(names --since 1m --until 0s --filter type=volume --filter type=network --filter type=container |
			sed 's/^.*volume:vol1/volume:vol1/')"
	assert_eq "" "$(names --since 1h --until 30m)"
	# one key's values OR'ed, keys AND'ed
	assert_eq "volume:vol1 volume:vol3" \
		"$(names --since "$t0" --until "$(now)" --filter volume=vol1 --filter volume=vol3)"
	assert_eq "volume:vol2" "$(names --since "$t0" --until "$(now)" --filter type=volume --filter volume=vol2)"
	assert_eq "container:ctrx" "$(names --since "$t0" --until "$(now)" --filter image=bb --filter event=create)"
	assert_eq "container:ctrx" "$(names --since "$t0" --until "$(now)" --filter label=app=x)"
	assert_eq "container:ctrx" "$(names --since "$t0" --until "$(now)" --filter container=ctrx)"
	assert_eq "" "$(names --since "$t0" --until "$(now)" --filter label=app=y)"
	assert_eq "network:netx" "$(names --since "$t0" --until "$(now)" --filter network="${net:0:12}")"
	# json: docker's message, one object per line
	run engine events --since "$t0" --until "$t1" --format json
	assert_eq 0 "$status" "$output"
	assert_eq '{"Type":"volume","Action":"create","Actor":{"ID":"vol1","Attributes":{"driver":"local"}},"scope":"local"}' \
		"$(jq -c 'del(.time, .timeNano)' <<<"$output")"
	run engine events --since "$t1" --until "$t2" --filter type=container --format json
	assert_eq '["status","id","from","Type","Action","Actor","scope","time","timeNano"] create' \
		"$(jq -c keys_unsorted <<<"$output") $(jq -r .status <<<"$output")"
	# errors: exit 125, the flag or filter named
	assert_status 125 engine events --filter foo=bar --until 0s
	assert_contains "$output" "invalid filter 'foo'"
	assert_status 125 engine events --since yesterday
	assert_contains "$output" "invalid time 'yesterday' for --since"
	assert_status 125 engine events --filter type
	assert_contains "$output" "bad format of filter"
	assert_status 125 engine events --until 0s --format '{{.Nope'
	assert_contains "$output" "template parsing error"
	engine rm ctrx >/dev/null
	engine network rm netx >/dev/null
	engine volume rm vol1 vol2 vol3 >/dev/null
}

test_follow_live() {
	engine volume create before >/dev/null
	out=$BERTH_TEST_TMP/follow.out
	# berth itself in the background, so that $! is its pid
	"$BERTH" --root "$BERTH_STORE" events --filter type=volume --format '{{.Action}} {{.Actor.ID}}' >"$out" 2>&1 &
	pid=$!
	# it follows from the moment it starts: give it that moment
	sleep 0.5
	engine volume create live1 >/dev/null
	wait_for 5 grep -q "create live1" "$out"
	engine volume rm live1 >/dev/null
	wait_for 5 grep -q "destroy live1" "$out"
	kill -0 "$pid" || fail "events ended by itself"
	kill "$pid"
	wait "$pid" || true
	# only what happened after it started
	assert_eq "create live1
destroy live1" "$(cat "$out")"
	# with --until in the future it follows until then, and exits
	until=$(($(date +%s) + 3))
	"$BERTH" --root "$BERTH_STORE" events --filter type=volume --since "$(now)" --until "$until" \
		--format '{{.Actor.ID}}' >"$out" &
	pid=$!
	sleep 0.5
	engine volume create live2 >/dev/null
	wait_for 5 grep -q live2 "$out"
	wait "$pid"
	(($(date +%s) >= until)) || fail "events ended before --until"
	assert_eq live2 "$(cat "$out")"
	engine volume rm before live2 >/dev/null
}

test_concurrent_appends() {
	import_bb
	since=$(now)
	for i in $(seq 10); do
		engine create --name cc$i "$(cgp)" bb true >/dev/null &
	done
	wait
	for i in $(seq 10); do
		engine rm cc$i >/dev/null &
	done
	wait
	# each append whole: every line of the log is one JSON object
	lines=$(wc -l <"$BERTH_STORE/events")
	assert_eq "$lines" "$(jq -c . <"$BERTH_STORE/events" | wc -l)"
	assert_eq "10 10" "$(past --filter event=create | wc -l) $(past --filter event=destroy | wc -l)"
	assert_eq 20 "$(past --filter type=container --format json | jq -r .Actor.Attributes.name | grep -c '^cc[0-9]*$')"
}

test_reads_the_rotated_log() {
	since=$(now)
	engine volume create rot1 >/dev/null
	# as the writer rotates past its cap: the log renamed to events.1, a new one begun
	mv "$BERTH_STORE/events" "$BERTH_STORE/events.1"
	engine volume create rot2 >/dev/null
	assert_eq "rot1 rot2" "$(past --format '{{.Actor.ID}}' | tr '\n' ' ' | sed 's/ $//')"
	# following, a rotation while it reads: nothing lost, nothing twice
	out=$BERTH_TEST_TMP/follow.out
	"$BERTH" --root "$BERTH_STORE" events --filter type=volume --format '{{.Action}} {{.Actor.ID}}' >"$out" &
	pid=$!
	sleep 0.5
	engine volume rm rot1 >/dev/null
	wait_for 5 grep -q "destroy rot1" "$out"
	mv "$BERTH_STORE/events" "$BERTH_STORE/events.1"
	engine volume rm rot2 >/dev/null
	wait_for 5 grep -q "destroy rot2" "$out"
	kill "$pid"
	wait "$pid" || true
	assert_eq "destroy rot1
destroy rot2" "$(cat "$out")"
}
