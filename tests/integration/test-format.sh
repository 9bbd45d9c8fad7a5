# --format and --filter as docker users type them: ps, images, volume ls, network ls and
# inspect, with docker's placeholders, its `table` directive and its filters.

import_bb() { import_probe_image bb; }

# the id of a container or image, as ps and images show it (12 hex)
short() { engine inspect -f '{{.Id}}' "$1" | sed 's/^sha256://' | cut -c1-12; }

# docker's units.HumanSizeWithPrecision(n, 3): 2B, 4.26MB
human_size() { awk -v b="$1" 'BEGIN { split("B kB MB GB TB", u, " "); i = 1
	while (b >= 1000) { b /= 1000; i++ }; printf "%.3g%s", b, u[i] }'; }

test_ps_format_placeholders() {
	import_bb
	engine create --name one "$(cgp)" bb sleep 600 >/dev/null
	sleep 1.1 # newest first: created a second apart
	engine create --name two -v data:/data "$(cgp)" bb echo a long command line here >/dev/null
	id=$(short one)
	assert_eq "one bb \"sleep 600\" created Created" \
		"$(engine ps -a --filter name=one --format '{{.Names}} {{.Image}} {{.Command}} {{.State}} {{.Status}}')"
	# docker's Command is quoted and cut at 20 characters unless --no-trunc
	assert_eq '"echo a long command…"' "$(engine ps -a -f name=two --format '{{.Command}}')"
	assert_eq '"echo a long command line here"' \
		"$(engine ps -a -f name=two --no-trunc --format '{{.Command}}')"
	assert_eq "$id" "$(engine ps -a -f name=one --format '{{.ID}}')"
	assert_eq "$(engine inspect -f '{{.Id}}' one)" "$(engine ps -a -f name=one --no-trunc --format '{{.ID}}')"
	# .Size asks for the sizes, as docker's: nothing written yet, over its image's
	assert_eq "data 1 0B (virtual $(human_size "$(engine image inspect -f '{{.Size}}' bb)"))||bridge" \
		"$(engine ps -a -f name=two --format '{{.Mounts}} {{.LocalVolumes}} {{.Size}}|{{.Labels}}|{{.Networks}}')"
	# CreatedAt as Go's time.String(), RunningFor as docker's "... ago"
	run engine ps -a -f name=one --format '{{.CreatedAt}}|{{.RunningFor}}'
	[[ $output =~ ^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]\ [0-9:]{8}\ [-+][0-9]{4}\ [A-Z+0-9-]+\|(Less\ than\ a\ second|1\ second|[0-9]+\ seconds)\ ago$ ]] ||
		fail "CreatedAt|RunningFor: $output"
	# Go's template: functions, conditionals, ranges
	assert_eq "ONE:created" "$(engine ps -a -f name=one --format '{{upper .Names}}:{{if eq .State "running"}}up{{else}}{{.State}}{{end}}')"
	assert_eq "3 [o n e]" "$(engine ps -a -f name=one --format '{{len .Names}} {{split .Names ""}}')"
	# newest first, one line per container; -q wins over --format, as docker's
	assert_eq $'two\none' "$(engine ps -a --format '{{.Names}}')"
	assert_eq "$id" "$(engine ps -aq -f name=one --format '{{.Names}}')"
	engine rm one two >/dev/null
	engine volume rm data >/dev/null
}

test_ps_and_inspect_size() {
	import_bb
	local img virt
	engine run --name sz "$(cgp)" bb sh -c 'printf ab >/two; mkdir /d; ln -s abcd /d/l' >/dev/null
	engine create --name quiet "$(cgp)" bb true >/dev/null
	img=$(engine image inspect -f '{{.Size}}' bb)
	virt=$(human_size $((img + 6)))
	# the upper layer: 2 bytes of a file, a 4-byte symlink, no directories
	assert_eq "6B (virtual $virt)" "$(engine ps -a -s -f name=sz --format '{{.Size}}')"
	assert_eq "0B (virtual $(human_size "$img"))" "$(engine ps -a --size -f name=quiet --format '{{.Size}}')"
	# docker's table: a SIZE column last, with -s only
	run engine ps -a -s -f name=sz
	assert_eq 0 "$status" "$output"
	[[ ${output%%$'\n'*} =~ ^CONTAINER\ ID\ +IMAGE\ +COMMAND\ +CREATED\ +STATUS\ +PORTS\ +NAMES\ +SIZE$ ]] ||
		fail "header: $output"
	[[ ${output#*$'\n'} =~ \ sz\ +"6B (virtual $virt)"$ ]] || fail "row: $output"
	assert_not_contains "$(engine ps -a -f name=sz)" "SIZE"
	assert_eq "6 $((img + 6))" "$(engine inspect -s -f '{{.SizeRw}} {{.SizeRootFs}}' sz)"
	assert_eq "6 $((img + 6))" "$(engine container inspect --size -f '{{.SizeRw}} {{.SizeRootFs}}' sz)"
	# docker's place for them: after GraphDriver; without -s they are not there
	assert_eq '["GraphDriver","SizeRw","SizeRootFs"]' \
		"$(engine inspect -s sz | jq -c '.[0] | keys_unsorted | map(select(test("^(GraphDriver|Size)")))')"
	assert_eq "false" "$(engine inspect sz | jq '.[0] | has("SizeRw")')"
	engine rm sz quiet >/dev/null
}

test_ps_table_and_json() {
	import_bb
	engine create --name web "$(cgp)" bb sleep 600 >/dev/null
	id=$(short web)
	# the header row of docker's titles, columns as its tabwriter (min 10, padding 3)
	assert_eq "CONTAINER ID   NAMES
$id   web" "$(engine ps -a --format 'table {{.ID}}\t{{.Names}}')"
	assert_eq "NAMES     STATE     IMAGE
web       created   bb" "$(engine ps -a --format 'table {{.Names}}\t{{.State}}\t{{.Image}}')"
	# with no rows, the header still
	assert_eq "NAMES" "$(engine ps --format 'table {{.Names}}')"
	# "table" alone is the default table
	# (the CREATED column may tick between the two)
	norm() { sed -E 's/(Less than a second|[0-9]+ seconds?) ago/T/' | tr -s ' '; }
	assert_eq "$(engine ps -a | norm)" "$(engine ps -a --format table | norm)"
	# json: one object per line, keys sorted as docker 28 prints them
	run engine ps -a --format json
	assert_eq 0 "$status" "$output"
	assert_eq 1 "$(printf '%s\n' "$output" | wc -l)"
	assert_eq '["Command","CreatedAt","ID","Image","Labels","LocalVolumes","Mounts","Names","Networks","Ports","RunningFor","Size","State","Status"]' \
		"$(jq -c keys_unsorted <<<"$output")"
	assert_eq '"sleep 600" web created Created' \
		"$(jq -r '"\(.Command) \(.Names) \(.State) \(.Status)"' <<<"$output")"
	assert_eq "$(jq -c 'del(.RunningFor)' <<<"$output")" \
		"$(engine ps -a --format '{{json .}}' | jq -c 'del(.RunningFor)')"
	engine rm web >/dev/null
}

test_ps_format_errors() {
	import_bb
	# a template Go would not parse: docker's exit code 125
	run engine ps --format '{{.Names'
	assert_eq 125 "$status"
	assert_eq "berth: template parsing error: template: :1: unclosed action" "$output"
	run engine ps --format '{{nosuch .Names}}'
	assert_eq 125 "$status"
	assert_contains "$output" 'function "nosuch" not defined'
	# a field a row does not have: Go's <no value> (missingkey=default)
	engine create --name x "$(cgp)" bb true >/dev/null
	assert_eq "x <no value>" "$(engine ps -a --format '{{.Names}} {{.Nope}}')"
	engine rm x >/dev/null
}

test_ps_filters() {
	import_bb
	engine create --name c1 "$(cgp)" bb true >/dev/null
	sleep 1.1
	engine run --name c2 "$(cgp)" bb sh -c 'exit 3' >/dev/null || true
	sleep 1.1
	engine run -d --name r1 -v vol1:/srv/vol "$(cgp)" bb sleep 600 >/dev/null
	sleep 1.1
	engine create --name c3 --network none "$(cgp)" bb true >/dev/null
	f() { engine ps "$@" --format '{{.Names}}' | paste -sd' '; }
	# without -a only running ones; a status filter looks at all of them, as docker's
	assert_eq "r1" "$(f)"
	assert_eq "c3 c1" "$(f --filter status=created)"
	assert_eq "c2" "$(f -f status=exited)"
	assert_eq "r1" "$(f -f status=running)"
	# several values of one key: OR; different keys: AND
	assert_eq "c3 c2 c1" "$(f -f status=created -f status=exited)"
	assert_eq "c1" "$(f -f status=created -f name=c1)"
	assert_eq "" "$(f -a -f name=c1 -f name=r1 -f status=running -f exited=3)"
	# name and id: docker's regular expressions
	assert_eq "c3 c2 c1" "$(f -a -f name=c)"
	assert_eq "c1" "$(f -a -f 'name=^c1$')"
	assert_eq "c1" "$(f -a -f 'name=^/c1$')"
	assert_eq "c2" "$(f -a -f "id=$(short c2)")"
	assert_eq "c2" "$(f -a -f exited=3)"
	assert_eq "" "$(f -a -f exited=0)"
	assert_eq "c3 r1 c2 c1" "$(f -a -f ancestor=bb)"
	assert_eq "" "$(f -a -f ancestor=nosuch)"
	assert_eq "c3 r1 c2 c1" "$(f -a -f ancestor=bb:latest -f ancestor=nosuch)"
	assert_eq "c3 r1 c2 c1" "$(f -a -f "ancestor=$(short bb)")"
	assert_eq "c1" "$(f -a -f before=c2)"
	assert_eq "c3 r1" "$(f -a -f since=c2)"
	assert_eq "r1" "$(f -a -f since=c2 -f before=c3)"
	assert_eq "r1" "$(f -a -f volume=vol1)"
	assert_eq "r1" "$(f -a -f volume=/srv/vol)"
	assert_eq "" "$(f -a -f volume=/nope)"
	assert_eq "r1 c2 c1" "$(f -a -f network=bridge)"
	assert_eq "c3" "$(f -a -f network=none)"
	engine rm -f c1 c2 c3 r1 >/dev/null
	engine volume rm vol1 >/dev/null
}

test_ps_filter_ports() {
	import_bb
	engine run -d --name web -p 18080:80 -p 18053:53/udp "$(cgp)" bb sleep 600 >/dev/null
	engine create --name idle -p 18081:81 "$(cgp)" bb true >/dev/null
	# (created in the same second: their order is not the point)
	f() { engine ps -a "$@" --format '{{.Names}}' | sort | paste -sd' '; }
	assert_eq "web" "$(f -f publish=18080)"
	assert_eq "web" "$(f -f publish=18080/tcp)"
	assert_eq "" "$(f -f publish=18080/udp)"
	assert_eq "web" "$(f -f publish=18053/udp)"
	assert_eq "web" "$(f -f publish=18000-18100)"
	assert_eq "idle web" "$(f -f expose=80-81)"
	assert_eq "idle" "$(f -f expose=81/tcp)"
	assert_eq "0.0.0.0:18080->80/tcp, 0.0.0.0:18053->53/udp" "$(engine ps -f name=web --format '{{.Ports}}')"
	run engine ps -f publish=notaport
	assert_eq 125 "$status"
	assert_eq "berth: invalid filter 'publish=notaport'" "$output"
	engine rm -f web idle >/dev/null
}

test_ps_filter_label() {
	import_bb
	engine import -c 'LABEL tier=web' "$BERTH_TEST_TMP/bb.tar" labelled >/dev/null
	engine create --name l1 -l team=a "$(cgp)" labelled true >/dev/null
	engine create --name l2 -l team=b -l tier=db "$(cgp)" bb true >/dev/null
	engine create --name l3 "$(cgp)" bb true >/dev/null
	f() { engine ps -a "$@" --format '{{.Names}}' | sort | paste -sd' '; }
	assert_eq "l1 l2" "$(f -f label=team)"
	assert_eq "l2" "$(f -f label=team=b)"
	# the image's label, and -l over it
	assert_eq "l1" "$(f -f label=tier=web)"
	assert_eq "l2" "$(f -f label=tier=db)"
	# several labels: all of them
	assert_eq "l1" "$(f -f label=team -f label=tier=web)"
	assert_eq "" "$(f -f label=team=a -f label=team=b)"
	assert_eq "" "$(f -f label=nosuch)"
	assert_eq "team=b,tier=db" "$(engine ps -a -f name=l2 --format '{{.Labels}}')"
	engine rm -f l1 l2 l3 >/dev/null
	engine rmi labelled >/dev/null
}

# COMMAND is cut at 20 characters, not bytes, and the columns after it stay in line
test_ps_columns_in_characters() {
	import_bb
	engine create --name wide "$(cgp)" bb echo ééééééééééééééééééééé >/dev/null
	engine create --name narrow "$(cgp)" bb echo eeeeeeeeeeeeeeeeeeeee >/dev/null
	local out wide narrow
	out=$(engine ps -a)
	wide=$(grep ' wide$' <<<"$out")
	narrow=$(grep ' narrow$' <<<"$out")
	assert_contains "$wide" '"echo éééééééééééééé…"'
	assert_contains "$narrow" '"echo eeeeeeeeeeeeee…"'
	# CREATED starts in the same character column on both lines
	local w n
	w=$(python3 -c 'import sys; l=sys.argv[1]; print(l.index("Created") if "Created" in l else -1)' "$wide")
	n=$(python3 -c 'import sys; l=sys.argv[1]; print(l.index("Created") if "Created" in l else -1)' "$narrow")
	assert_eq "$n" "$w"
	engine rm -f wide narrow >/dev/null
}

# -n N and -l: the newest containers of every state
test_ps_last_and_latest() {
	import_bb
	engine create --name first "$(cgp)" bb true >/dev/null
	sleep 1.1
	engine run -d --name second "$(cgp)" bb sleep 600 >/dev/null
	sleep 1.1
	engine create --name third "$(cgp)" bb true >/dev/null
	assert_eq "third" "$(engine ps -l --format '{{.Names}}')"
	assert_eq "third second" "$(engine ps -n 2 --format '{{.Names}}' | paste -sd' ')"
	assert_eq "third second first" "$(engine ps -n 10 --format '{{.Names}}' | paste -sd' ')"
	# with a filter: the newest of those it keeps
	assert_eq "second" "$(engine ps -n 1 -f status=running --format '{{.Names}}')"
	assert_eq "" "$(engine ps -n 0 -q)"
	run engine ps -n x
	assert_eq 125 "$status"
	assert_contains "$output" 'invalid argument "x" for "-n, --last" flag'
	engine rm -f first second third >/dev/null
}

test_ps_filter_errors() {
	run engine ps -f foo=bar
	assert_eq 125 "$status"
	assert_eq "berth: invalid filter 'foo'" "$output"
	run engine ps -f status=sleeping
	assert_eq 125 "$status"
	assert_eq "berth: invalid filter 'status=sleeping'" "$output"
	run engine ps -f nameonly
	assert_eq 125 "$status"
	assert_contains "$output" "bad format of filter (expected name=value)"
	run engine ps -f before=nosuch
	assert_eq 125 "$status"
	assert_eq "berth: no such container: nosuch" "$output"
}

test_images_format_and_filters() {
	import_bb
	id=$(short bb)
	engine tag bb bb:v2
	engine tag bb other/thing:1.0
	assert_eq "bb latest $id <none>" \
		"$(engine images -f reference=bb:latest --format '{{.Repository}} {{.Tag}} {{.ID}} {{.Digest}}')"
	assert_eq "$(engine images -f reference=bb:latest --no-trunc -q)" \
		"$(engine images -f reference=bb:latest --no-trunc --format '{{.ID}}')"
	# reference: path.Match on name:tag and name, '*' within a component
	f() { engine images "$@" --format '{{.Repository}}:{{.Tag}}' | sort | paste -sd' '; }
	assert_eq "bb:latest bb:v2" "$(f -f reference=bb)"
	assert_eq "bb:v2" "$(f -f 'reference=bb:v*')"
	assert_eq "bb:latest bb:v2" "$(f -f 'reference=b*')"
	assert_eq "" "$(f -f 'reference=*thing')"
	assert_eq "other/thing:1.0" "$(f -f 'reference=*/thing')"
	assert_eq "bb:v2 other/thing:1.0" "$(f -f 'reference=*/*' -f reference=bb:v2)"
	assert_eq "" "$(f -f dangling=true)"
	assert_eq "bb:latest bb:v2 other/thing:1.0" "$(f -f dangling=false)"
	# table: docker's titles; Size and CreatedSince as the default table has them
	size=$(engine images --format '{{.Size}}' | head -1)
	assert_eq "REPOSITORY   TAG       SIZE
bb           latest    $size" "$(engine images -f reference=bb:latest --format 'table {{.Repository}}\t{{.Tag}}\t{{.Size}}')"
	run engine images -f reference=bb:latest --format json
	assert_eq '["Containers","CreatedAt","CreatedSince","Digest","ID","Repository","SharedSize","Size","Tag","UniqueSize","VirtualSize"]' \
		"$(jq -c keys_unsorted <<<"$output")"
	# label: from the image's config (import --change LABEL)
	engine import -c 'LABEL tier=web' "$BERTH_TEST_TMP/bb.tar" labelled >/dev/null
	assert_eq "labelled:latest" "$(f -f label=tier)"
	assert_eq "labelled:latest" "$(f -f label=tier=web)"
	assert_eq "" "$(f -f label=tier=db)"
	# dangling: untagged images
	engine rmi labelled >/dev/null
	run engine images -f foo=bar
	assert_eq 125 "$status"
	assert_eq "berth: invalid filter 'foo'" "$output"
	run engine images -f dangling=maybe
	assert_eq 125 "$status"
	assert_eq "berth: invalid filter 'dangling=maybe'" "$output"
}

test_images_before_since_dangling() {
	import_probe_image old
	sleep 1.1
	import_probe_image new
	# an untagged image: a tag moved away from it
	engine import -c 'LABEL x=1' "$BERTH_TEST_TMP/bb.tar" gone >/dev/null
	engine tag new gone
	f() { engine images "$@" --format '{{.Repository}}' | sort | paste -sd' '; }
	assert_eq "old" "$(f -f before=new)"
	assert_eq "<none> gone new" "$(f -f since=old)"
	assert_eq "<none>" "$(f -f dangling=true)"
	assert_eq "<none>" "$(f -f dangling=true -f since=old)"
	run engine images -f before=nosuch
	assert_eq 125 "$status"
	assert_contains "$output" "nosuch"
}

test_volume_ls_format_and_filters() {
	import_bb
	engine volume create alpha >/dev/null
	engine volume create beta >/dev/null
	engine create --name user -v alpha:/a "$(cgp)" bb true >/dev/null
	assert_eq "alpha beta" "$(engine volume ls --format '{{.Name}}' | paste -sd' ')"
	assert_eq "alpha local local $BERTH_STORE/volumes/alpha/_data" \
		"$(engine volume ls -f name=alpha --format '{{.Name}} {{.Driver}} {{.Scope}} {{.Mountpoint}}')"
	assert_eq "VOLUME NAME   DRIVER
alpha         local
beta          local" "$(engine volume ls --format 'table {{.Name}}\t{{.Driver}}')"
	assert_eq "beta" "$(engine volume ls -q -f dangling=true)"
	assert_eq "alpha" "$(engine volume ls -q -f dangling=false)"
	assert_eq "alpha" "$(engine volume ls -q -f name=^al)"
	assert_eq "" "$(engine volume ls -q -f name=al -f dangling=true)"
	assert_eq '{"Availability":"N/A","Driver":"local","Group":"N/A","Labels":"","Links":"N/A","Mountpoint":"'"$BERTH_STORE"'/volumes/beta/_data","Name":"beta","Scope":"local","Size":"N/A","Status":"N/A"}' \
		"$(engine volume ls -f name=beta --format json)"
	run engine volume ls -f foo=bar
	assert_eq 125 "$status"
	assert_eq "berth: invalid filter 'foo'" "$output"
	engine rm user >/dev/null
	engine volume rm alpha beta >/dev/null
}

test_network_ls_format_and_filters() {
	nid=$(engine network create --subnet 10.97.0.0/24 fmtnet)
	assert_eq "fmtnet bridge local ${nid:0:12}" \
		"$(engine network ls -f name=fmtnet --format '{{.Name}} {{.Driver}} {{.Scope}} {{.ID}}')"
	assert_eq "NETWORK ID     NAME
${nid:0:12}   fmtnet" "$(engine network ls -f name=fmtnet --format 'table {{.ID}}\t{{.Name}}')"
	assert_eq "fmtnet" "$(engine network ls -f "id=${nid:0:8}" --format '{{.Name}}')"
	assert_eq "bridge fmtnet" "$(engine network ls -f name=bridge -f name=fmtnet --format '{{.Name}}' | sort | paste -sd' ')"
	assert_eq "fmtnet" "$(engine network ls -f type=custom --format '{{.Name}}')"
	assert_eq "${nid:0:12}" "$(engine network ls -q -f name=^fmt)"
	run engine network ls -f foo=bar
	assert_eq 125 "$status"
	assert_eq "berth: invalid filter 'foo'" "$output"
	engine network rm fmtnet >/dev/null
}

# each key of docker's network filters, as its daemon matches them (the engine's
# berth_network_ls)
test_network_ls_filter_keys() {
	import_bb
	local aid
	aid=$(engine network create --subnet 10.96.1.0/24 --label env=prod --label tier=web fa)
	engine network create --subnet 10.96.2.0/24 --label env=dev fb >/dev/null
	engine network create --subnet 10.96.3.0/24 --internal gc >/dev/null
	names() { engine network ls "$@" --format '{{.Name}}' | sort | xargs; }
	# name and id: the value itself or a regular expression in it
	assert_eq "fa fb" "$(names -f name=f)"
	assert_eq "fa gc" "$(names -f name='^(fa|gc)$')"
	assert_eq "fa" "$(names -f "id=${aid:0:10}")"
	assert_eq "fa" "$(names -f "id=$aid")"
	assert_eq "" "$(names -f name='[')"
	# label: every one must match; driver and scope: docker's values, exactly
	assert_eq "fa fb" "$(names -f label=env)"
	assert_eq "fa" "$(names -f label=env -f label=tier=web)"
	assert_eq "" "$(names -f label=env=prod -f label=env=dev)"
	assert_eq "bridge fa fb gc" "$(names -f driver=bridge)"
	assert_eq "" "$(names -f driver=overlay)"
	assert_eq "" "$(names -f driver=bridg)"
	assert_eq "bridge fa fb gc" "$(names -f scope=local)"
	assert_eq "" "$(names -f scope=swarm)"
	# type: builtin is the predefined bridge; values OR'ed, other keys AND'ed
	assert_eq "bridge" "$(names -f type=builtin)"
	assert_eq "bridge fa fb gc" "$(names -f type=builtin -f type=custom)"
	assert_eq "fb" "$(names -f type=custom -f label=env=dev)"
	# dangling: user-defined networks no container is on (a running one on fa)
	engine run -d --name onfa --network fa "$(cgp)" bb sleep 600 >/dev/null
	assert_eq "fb gc" "$(names -f dangling=true)"
	assert_eq "fb gc" "$(names -f dangling=1)"
	assert_eq "bridge fa" "$(names -f dangling=false)"
	assert_eq "bridge fa" "$(names -f dangling=0 -f dangling=0)"
	assert_eq "gc" "$(names -f dangling=true -f name=g)"
	engine rm -f onfa >/dev/null
	assert_eq "fa fb gc" "$(names -f dangling=true)"
	# docker's errors, exit 125
	run engine network ls -f dangling=maybe
	assert_eq 125 "$status"
	assert_eq "berth: invalid value for filter 'dangling', must be \"true\" (or \"1\"), or \"false\" (or \"0\")" "$output"
	run engine network ls -f dangling=true -f dangling=false
	assert_eq 125 "$status"
	assert_eq 'berth: got more than one value for filter key "dangling"' "$output"
	run engine network ls -f type=other
	assert_eq 125 "$status"
	assert_eq "berth: invalid filter: 'type'='other'" "$output"
	run engine network ls -q -f until=1h
	assert_eq 125 "$status"
	assert_eq "berth: invalid filter 'until'" "$output"
	engine network rm fa fb gc >/dev/null
}

test_inspect_go_templates() {
	import_bb
	engine create --name in1 -e A=1 -e B=2 "$(cgp)" bb sleep 600 >/dev/null
	assert_eq "[sleep 600]" "$(engine inspect -f '{{.Config.Cmd}}' in1)"
	assert_eq "sleep,600" "$(engine inspect -f '{{join .Config.Cmd ","}}' in1)"
	assert_eq "0:sleep 1:600 " "$(engine inspect -f '{{range $i, $a := .Config.Cmd}}{{$i}}:{{$a}} {{end}}' in1)"
	assert_eq "created" "$(engine inspect -f '{{if .State.Running}}running{{else}}{{.State.Status}}{{end}}' in1)"
	assert_eq "in1" "$(engine inspect -f '{{with .Name}}{{index (split . "/") 1}}{{end}}' in1)"
	assert_eq "SLEEP" "$(engine inspect -f '{{index .Config.Cmd 0 | upper}}' in1)"
	assert_eq "[  created]" "$(engine inspect -f '[{{printf "%9s" .State.Status}}]' in1)"
	assert_eq '"sleep"' "$(engine inspect -f '{{json (index .Config.Cmd 0)}}' in1)"
	assert_eq "2" "$(engine inspect -f '{{len .Config.Cmd}}' in1)"
	assert_eq "false 0" "$(engine inspect -f '{{.State.Running}} {{.State.Pid}}' in1)"
	# docker inspect --format json
	assert_eq "in1" "$(engine inspect --format json in1 | jq -r '.Name | ltrimstr("/")')"
	# a missing key is still docker's inspect error (Go's missingkey=error)
	run engine inspect -f '{{.Nope}}' in1
	assert_eq 1 "$status"
	assert_eq 'berth: template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"' "$output"
	run engine inspect -f '{{if .State.Running}}x' in1
	assert_eq 125 "$status"
	assert_eq "berth: template: :1: unexpected EOF" "$output"
	engine rm in1 >/dev/null
}

# stats: docker's placeholders, -a with the stopped ones, --no-trunc
test_stats_format_all_and_no_trunc() {
	import_bb
	local id out
	id=$(engine run -d --name busy "$(cgp)" bb sh -c 'sleep 600 & sleep 600 & wait')
	engine create --name idle "$(cgp)" bb true >/dev/null
	assert_eq "busy 3" "$(engine stats --no-stream --format '{{.Name}} {{.PIDs}}')"
	out=$(engine stats --no-stream --format 'table {{.Name}}\t{{.PIDs}}')
	assert_eq "NAME      PIDS" "$(head -n1 <<<"$out")"
	assert_eq "busy      3" "$(tail -n1 <<<"$out")"
	assert_eq "${id:0:12}" "$(engine stats --no-stream --format '{{.ID}}' busy)"
	assert_eq "$id" "$(engine stats --no-stream --no-trunc --format '{{.ID}}' busy)"
	assert_eq "busy" "$(engine stats --no-stream --format json | jq -r .Name)"
	[[ $(engine stats --no-stream --format '{{.MemUsage}}') =~ ^[0-9.]+[KMG]?i?B\ /\ [0-9.]+[KMG]iB$ ]] || fail "MemUsage: $(engine stats --no-stream --format '{{.MemUsage}}')"
	# -a: the stopped one too, with nothing to count
	assert_eq "busy 3
idle 0" "$(engine stats -a --no-stream --format '{{.Name}} {{.PIDs}}' | sort)"
	run engine stats --no-stream --format '{{.Name'
	assert_eq 125 "$status"
	engine rm -f busy idle >/dev/null
}

# stats' BLOCK I/O: its cgroup's bytes read and written on block devices (blkio's
# throttle.io_service_bytes_recursive, cgroup2's io.stat), docker's "read / write"
test_stats_block_io() {
	import_bb
	mkdir -p "$BERTH_TEST_TMP/blk"
	engine run -d --name io "$(cgp)" -v "$BERTH_TEST_TMP/blk:/blk" bb sleep 600 >/dev/null
	assert_eq "BLOCK I/O" "$(engine stats --no-stream --format 'table {{.BlockIO}}' | head -n1)"
	local before after w
	before=$(engine stats --no-stream --format '{{.BlockIO}}' io)
	[[ $before =~ ^[0-9.]+[kMGT]?B\ /\ [0-9.]+[kMGT]?B$ ]] || fail "BlockIO: $before"
	# 8 MB written past the page cache
	engine exec io dd if=/dev/zero of=/blk/f bs=1M count=8 oflag=direct 2>/dev/null
	after=$(engine stats --no-stream --format '{{.BlockIO}}' io)
	[[ $after =~ ^[0-9.]+[kMGT]?B\ /\ ([0-9.]+)([kMGT]?B)$ ]] || fail "BlockIO: $after"
	w=${BASH_REMATCH[1]}
	# on a block device (not tmpfs, not a filesystem without O_DIRECT): at least 8MB
	if [[ $(stat -f -c %T "$BERTH_TEST_TMP") != tmpfs ]]; then
		case ${BASH_REMATCH[2]} in
		MB) ((${w%.*} >= 8)) || fail "8MB written, BlockIO says $after" ;;
		GB | TB) ;;
		*) fail "8MB written, BlockIO says $after" ;;
		esac
	fi
	assert_eq "$after" "$(engine stats --no-stream --format json io | jq -r .BlockIO)"
	engine rm -f io >/dev/null
}

# inspect's Mounts: volumes, binds and tmpfs as docker lists them
test_inspect_mounts() {
	import_bb
	mkdir -p "$BERTH_TEST_TMP/hostdir"
	engine create --name m -v mv:/data -v "$BERTH_TEST_TMP/hostdir:/h:ro" --tmpfs /t "$(cgp)" bb true >/dev/null
	assert_eq '[{"Destination":"/data","Driver":"local","Mode":"","Name":"mv","Propagation":"rprivate","RW":true,"Source":"'"$BERTH_STORE"'/volumes/mv/_data","Type":"volume"},{"Destination":"/h","Mode":"ro","Propagation":"rprivate","RW":false,"Source":"'"$BERTH_TEST_TMP"'/hostdir","Type":"bind"},{"Destination":"/t","Mode":"","Propagation":"","RW":true,"Source":"","Type":"tmpfs"}]' \
		"$(engine inspect -f '{{json .Mounts}}' m | jq -S -c 'sort_by(.Destination)')"
	assert_eq "mv" "$(engine inspect -f '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}}{{end}}{{end}}' m)"
	engine rm -v m >/dev/null
	engine volume rm mv >/dev/null
}
