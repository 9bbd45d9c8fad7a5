# `berth system`: df (what the store takes, as docker counts it), prune (everything
# unused at once), info.

# row TYPE: the summary's row of TYPE (Images, Containers, Local Volumes, Build Cache),
# its columns after the type separated by "|"
row() {
	engine system df | sed -n "s/^$1  *//p" | sed 's/   */|/g'
}

# a tar of one small file: an image of its own
small_tar() {
	mkdir -p "$BERTH_TEST_TMP/small-$1"
	echo "$1" >"$BERTH_TEST_TMP/small-$1/file"
	tar -C "$BERTH_TEST_TMP/small-$1" -cf "$BERTH_TEST_TMP/small-$1.tar" .
	echo "$BERTH_TEST_TMP/small-$1.tar"
}

test_system_df_counts_images_containers_and_volumes() {
	assert_eq "0|0|0B|0B" "$(row Images)"
	assert_eq "0|0|0B|0B" "$(row Containers)"
	assert_eq "0|0|0B|0B" "$(row 'Local Volumes')"
	assert_eq "0|0|0B|0B" "$(row 'Build Cache')"
	assert_eq "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE" "$(engine system df | head -n1)"
	import_probe_image bb
	local size
	size=$(engine images | awk '$1 == "bb" { print $NF }')
	# one image, no container yet: all of it reclaimable
	assert_eq "1|0|$size|$size (100%)" "$(row Images)"
	engine volume create v1 >/dev/null
	engine run --name w --network none -v v1:/data "$(cgp)" bb \
		sh -c 'head -c 100000 /dev/zero >/big; head -c 5000 /dev/zero >/data/f'
	engine run -d --name up --network none "$(cgp)" bb sleep 1000 >/dev/null
	assert_eq "1|1|$size|0B (0%)" "$(row Images)"
	# w's 100000 bytes, up's nothing; w does not run
	assert_eq "2|1|100kB|100kB (100%)" "$(row Containers)"
	# v1 is w's still
	assert_eq "1|1|5kB|0B (0%)" "$(row 'Local Volumes')"
	engine rm w >/dev/null
	assert_eq "1|1|0B|0B" "$(row Containers)"
	assert_eq "1|0|5kB|5kB (100%)" "$(row 'Local Volumes')"
	# -v: each of them
	local out
	out=$(engine system df -v | sed 's/   */|/g')
	assert_contains "$out" "Images space usage:"
	# REPOSITORY TAG IMAGE-ID CREATED SIZE SHARED UNIQUE CONTAINERS
	assert_eq "bb|latest|$size|0B|$size|1" \
		"$(echo "$out" | awk -F'|' '$1 == "bb" { print $1 "|" $2 "|" $5 "|" $6 "|" $7 "|" $8 }')"
	assert_contains "$out" "Containers space usage:"
	# ID IMAGE COMMAND LOCAL-VOLUMES SIZE CREATED STATUS NAMES
	assert_eq 'bb|"sleep 1000"|0|0B|up' \
		"$(echo "$out" | awk -F'|' '$8 == "up" { print $2 "|" $3 "|" $4 "|" $5 "|" $8 }')"
	assert_contains "$out" "Local Volumes space usage:"
	assert_contains "$out" "v1|0|5kB"
	assert_contains "$out" "Build cache usage: 0B"
	engine rm -f up >/dev/null
	engine volume rm v1 >/dev/null
}

test_system_prune_asks_then_removes_what_nothing_uses() {
	import_probe_image bb
	local dangling other
	dangling=$(engine import "$(small_tar d)")
	engine import "$(small_tar o)" other:1 >/dev/null
	engine run -d --name up --network none "$(cgp)" bb sleep 1000 >/dev/null
	engine run --name done --network none -v /anon "$(cgp)" bb true
	engine volume create keep >/dev/null
	engine network create --subnet 10.231.7.0/24 unusednet >/dev/null
	local anon
	anon=$(engine volume ls -q | grep -v keep)
	# no: nothing goes
	run sh -c "echo n | $(engine_sh) system prune"
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "WARNING! This will remove:
  - all stopped containers
  - all networks not used by at least one container
  - all dangling images
  - unused build cache

Are you sure you want to continue? [y/N]"
	assert_contains "$(engine ps -a)" "done"
	# yes: the stopped container and the dangling image
	local done_id
	done_id=$(engine inspect -f '{{.Id}}' done)
	run sh -c "echo y | $(engine_sh) system prune"
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "Deleted Containers:
$done_id"
	assert_contains "$output" "Deleted Networks:
unusednet"
	assert_eq "" "$(engine network ls -q -f name=unusednet)"
	# system events is events: the network's destroy is logged
	assert_eq unusednet "$(engine system events --since 0 --until "$(($(date +%s) + 1))" \
		--filter type=network --filter event=destroy --format '{{.Actor.Attributes.name}}')"
	assert_contains "$output" "Deleted Images:
deleted: $dangling"
	assert_contains "$output" "Total reclaimed space: "
	assert_not_contains "$(engine ps -a)" "done"
	assert_contains "$(engine ps)" "up"
	run engine image inspect "$dangling"
	assert_ne 0 "$status"
	engine image inspect other:1 >/dev/null
	assert_contains "$(engine volume ls -q)" "$anon"
	# -a --volumes -f: unused tagged images and anonymous volumes too, no question
	run engine system prune -a --volumes -f
	assert_eq 0 "$status" "$output"
	assert_not_contains "$output" "WARNING!"
	assert_contains "$output" "Deleted Volumes:
$anon"
	assert_contains "$output" "Total reclaimed space: "
	run engine image inspect other:1
	assert_ne 0 "$status"
	engine image inspect bb >/dev/null
	assert_eq "keep" "$(engine volume ls -q)"
	# nothing left to remove
	run engine system prune -f
	assert_eq "Total reclaimed space: 0B" "$output"
	engine rm -f up >/dev/null
	engine volume rm keep >/dev/null
}

test_system_prune_filters() {
	import_probe_image bb
	engine run --name new --network none -l keep=yes "$(cgp)" bb true
	engine run --name new2 --network none "$(cgp)" bb true
	# made now: not before an hour ago
	run engine system prune -f --filter until=1h
	assert_eq 0 "$status" "$output"
	assert_contains "$(engine ps -aq --no-trunc | wc -l)" "2"
	# label!=: all but the labelled one
	run engine system prune -f --filter label!=keep
	assert_eq 0 "$status" "$output"
	assert_eq "new" "$(engine ps -a --format '{{.Names}}')"
	run engine system prune -f --filter label=keep=yes
	assert_eq 0 "$status" "$output"
	assert_eq "" "$(engine ps -aq)"
	run engine system prune -f --filter bogus=1
	assert_eq 125 "$status"
	assert_contains "$output" "invalid filter 'bogus'"
	run engine system prune -f --volumes --filter until=1h
	assert_eq 125 "$status"
	assert_contains "$output" "invalid filter 'until'"
}

test_system_info_and_bad_verbs() {
	assert_eq "$(engine info)" "$(engine system info)"
	run engine system bogus
	assert_eq 125 "$status"
	assert_contains "$output" "unknown command 'system bogus'"
	run engine system df extra
	assert_eq 125 "$status"
	run engine system
	assert_eq 0 "$status"
	assert_contains "$output" "prune"
}
