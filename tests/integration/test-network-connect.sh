# berth's networks beyond one per container: network connect and disconnect (running,
# created and stopped containers), --ip and --network-alias, aliases and names in the
# DNS of every network a container is on, internal networks, the bridge.name option,
# labels, and network prune. The engine runs in the test's own network namespace
# ($BERTH_TEST_NETNS, lib.sh); every address below is inside namespaces the tests made.

# a command in the engine's network namespace (the test's)
in_ns() { nsenter --net="/run/netns/$BERTH_TEST_NETNS" "$@"; }

# veths left on the engine's side (none once every container is gone)
host_veths() { in_ns ip -o link show type veth | awk -F': ' '{print $2}' | cut -d@ -f1; }

test_connect_a_running_container_to_a_second_network_and_disconnect_it() {
	import_probe_image bb
	local bip aip
	engine network create --subnet 10.81.0.0/24 neta >/dev/null
	engine network create --subnet 10.82.0.0/24 netb >/dev/null
	engine run -d --name a --network neta "$(cgp)" bb sleep 600 >/dev/null
	engine run -d --name b --network netb --network-alias bee "$(cgp)" bb sleep 600 >/dev/null
	bip=$(engine inspect -f '{{.NetworkSettings.Networks.netb.IPAddress}}' b)
	assert_eq 10.82.0.2 "$bip"
	# not on a network with b: neither its name nor its address
	run engine exec a nslookup b
	assert_ne 0 "$status"
	run engine exec a ping -c 1 -W 1 "$bip"
	assert_ne 0 "$status"

	run engine network connect --alias alpha netb a
	assert_eq 0 "$status" "$output"
	assert_eq "" "$output"
	run engine exec a sh -c 'ip -4 -o addr show eth0; ip -4 -o addr show eth1; ip route'
	assert_contains "$output" "inet 10.81.0.2/24"
	assert_contains "$output" "inet 10.82.0.3/24"
	# the default route stays on the first network
	assert_contains "$output" "default via 10.81.0.1 dev eth0"
	assert_not_contains "$output" "default via 10.82.0.1"
	# b by its name and by its alias, a by its name and alias from b
	run engine exec a sh -c 'nslookup b; nslookup bee; ping -c 1 -W 5 bee'
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "Address: $bip"
	assert_contains "$output" "1 packets received"
	run engine exec b sh -c 'nslookup a; nslookup alpha; ping -c 1 -W 5 alpha'
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "Address: 10.82.0.3"
	assert_not_contains "$output" "10.81.0.2"
	# the record and both inspects list it
	assert_eq "10.81.0.2 10.82.0.3 [alpha]" \
		"$(engine inspect -f '{{.NetworkSettings.Networks.neta.IPAddress}} {{.NetworkSettings.Networks.netb.IPAddress}} {{.NetworkSettings.Networks.netb.Aliases}}' a)"
	assert_eq "02:42:0a:52:00:03" "$(engine inspect -f '{{.NetworkSettings.Networks.netb.MacAddress}}' a)"
	assert_eq "02:42:0a:52:00:03" "$(engine exec a cat /sys/class/net/eth1/address)"
	assert_eq "a 10.82.0.3/24 02:42:0a:52:00:03" \
		"$(engine network inspect netb | jq -r '.[0].Containers[] | select(.Name == "a") | .Name + " " + .IPv4Address + " " + .MacAddress')"
	# ps lists both networks and filters on either
	assert_eq "neta,netb" "$(engine ps -f name=^a$ --format '{{.Networks}}')"
	assert_eq "a b" "$(engine ps -f network=netb --format '{{.Names}}' | sort | xargs)"
	# docker's errors: exit 1
	run engine network connect netb a
	assert_eq 1 "$status"
	assert_contains "$output" "endpoint with name a already exists in network netb"
	run engine network connect nosuch a
	assert_eq 1 "$status"
	assert_contains "$output" "network nosuch not found"
	run engine network connect netb nosuch
	assert_eq 1 "$status"
	assert_contains "$output" "No such container: nosuch"

	run engine network disconnect netb a
	assert_eq 0 "$status" "$output"
	run engine exec a ip -o link
	assert_not_contains "$output" "eth1"
	assert_contains "$output" "eth0"
	run engine exec a ping -c 1 -W 1 "$bip"
	assert_ne 0 "$status"
	run engine exec a nslookup bee
	assert_ne 0 "$status"
	assert_eq "10.82.0.2" "$(ls "$BERTH_STORE/networks/netb/leases")"
	assert_eq neta "$(engine inspect a | jq -r '.[0].NetworkSettings.Networks | keys | join(" ")')"
	assert_eq "b" "$(engine ps -f network=netb --format '{{.Names}}')"
	run engine network disconnect netb a
	assert_eq 1 "$status"
	assert_contains "$output" "container a is not connected to network netb"
	run engine network disconnect -f netb a
	assert_eq 0 "$status" "$output"

	engine rm -f a b >/dev/null
	assert_eq "" "$(host_veths)"
	assert_eq "" "$(ls -A "$BERTH_STORE/networks/neta/leases")$(ls -A "$BERTH_STORE/networks/netb/leases")"
	engine network rm neta netb >/dev/null
}

test_connect_a_created_container_applies_at_start_and_the_last_network_can_go() {
	import_probe_image bb
	engine network create --subnet 10.85.0.0/24 first >/dev/null
	engine network create --subnet 10.86.0.0/24 second >/dev/null
	engine create --name s --network first "$(cgp)" bb sleep 600 >/dev/null
	run engine network connect --ip 10.86.0.50 second s
	assert_eq 0 "$status" "$output"
	# recorded, nothing leased until it runs
	assert_eq "" "$(ls -A "$BERTH_STORE/networks/second/leases")"
	engine start s >/dev/null
	assert_contains "$(engine exec s ip -4 -o addr show eth0)" "inet 10.85.0.2/24"
	assert_contains "$(engine exec s ip -4 -o addr show eth1)" "inet 10.86.0.50/24"
	# every network may go, as docker lets it: lo is left
	engine network disconnect first s
	engine network disconnect second s
	run engine exec s ip -o link
	assert_not_contains "$output" "eth"
	assert_eq "" "$(ls -A "$BERTH_STORE/networks/first/leases")$(ls -A "$BERTH_STORE/networks/second/leases")"
	assert_eq "" "$(host_veths)"
	# stopped: recorded for the next start
	engine stop -t 1 s >/dev/null
	engine network connect second s
	engine start s >/dev/null
	run engine exec s ip -4 -o addr
	assert_contains "$output" "inet 10.86.0.2/24"
	assert_not_contains "$output" "10.85.0."
	assert_eq second "$(engine inspect s | jq -r '.[0].NetworkSettings.Networks | keys | join(" ")')"
	engine rm -f s >/dev/null
	assert_eq "" "$(host_veths)"
	engine network rm first second >/dev/null
}

test_concurrent_connects_never_share_an_address() {
	import_probe_image bb
	local pids=() ips
	engine network create --subnet 10.87.0.0/24 many >/dev/null
	for i in 1 2 3 4; do
		engine run -d --name "c$i" --network none "$(cgp)" bb sleep 600 >/dev/null
	done
	# none cannot be connected, as docker
	run engine network connect many c1
	assert_eq 1 "$status"
	assert_contains "$output" "private (none) mode"
	engine rm -f c1 c2 c3 c4 >/dev/null
	for i in 1 2 3 4 5 6; do
		engine run -d --name "c$i" "$(cgp)" bb sleep 600 >/dev/null
	done
	for i in 1 2 3 4 5 6; do
		engine network connect many "c$i" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	ips=$(for i in 1 2 3 4 5 6; do engine inspect -f '{{.NetworkSettings.Networks.many.IPAddress}}' "c$i"; done)
	assert_eq 6 "$(sort -u <<<"$ips" | grep -c '^10\.87\.0\.')"
	assert_eq 6 "$(ls "$BERTH_STORE/networks/many/leases" | wc -l)"
	for i in 1 2 3 4 5 6; do
		assert_contains "$(engine exec "c$i" ip -4 -o addr show eth1)" \
			"$(sed -n "${i}p" <<<"$ips")/24"
	done
	engine rm -f c1 c2 c3 c4 c5 c6 >/dev/null
	assert_eq "" "$(ls -A "$BERTH_STORE/networks/many/leases")"
	assert_eq "" "$(host_veths)"
	engine network rm many >/dev/null
}

test_ip_and_network_alias_on_run() {
	import_probe_image bb
	engine network create --subnet 10.83.0.0/24 fixednet >/dev/null
	engine run -d --name fixed --network fixednet --ip 10.83.0.77 --network-alias db \
		--network-alias store "$(cgp)" bb sleep 600 >/dev/null
	assert_contains "$(engine exec fixed ip -4 -o addr show eth0)" "inet 10.83.0.77/24"
	assert_eq 10.83.0.77 "$(engine inspect -f '{{.NetworkSettings.IPAddress}}' fixed)"
	assert_eq "[db store]" "$(engine inspect -f '{{.NetworkSettings.Networks.fixednet.Aliases}}' fixed)"
	run engine run --rm --network fixednet "$(cgp)" bb sh -c 'nslookup db; nslookup store; nslookup fixed'
	assert_eq 0 "$status" "$output"
	assert_eq 3 "$(grep -c 'Address: 10.83.0.77' <<<"$output")"
	# an address in use, outside the subnet, the gateway's; on the default network
	run engine run -d --name clash --network fixednet --ip 10.83.0.77 "$(cgp)" bb sleep 600
	assert_eq 125 "$status"
	assert_contains "$output" "address 10.83.0.77 is already in use on network fixednet"
	engine rm clash >/dev/null
	run engine run --rm --network fixednet --ip 10.99.0.5 "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "invalid address 10.99.0.5: it does not belong to any of this network's subnets"
	run engine run --rm --network fixednet --ip 10.83.0.1 "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "gateway"
	run engine create --network fixednet --ip nonsense "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "invalid IPv4 address: nonsense"
	run engine run --rm --ip 172.29.0.9 "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "user specified IP address is supported on user defined networks only"
	run engine run --rm --network-alias x "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "network-scoped alias is supported only for containers in user defined networks"
	assert_eq 1 "$(ls "$BERTH_STORE/networks/fixednet/leases" | wc -l)"
	engine rm -f fixed >/dev/null
	engine network rm fixednet >/dev/null
}

test_an_internal_network_reaches_no_outside() {
	import_probe_image bb
	local out="berth-out-$$" inner
	# another "host" the engine's namespace reaches through a veth
	ip netns add "$out"
	ip link add vout type veth peer name vin netns "$out"
	ip link set vout netns "$BERTH_TEST_NETNS"
	in_ns ip addr add 192.0.2.1/24 dev vout
	in_ns ip link set vout up
	ip -n "$out" addr add 192.0.2.2/24 dev vin
	ip -n "$out" link set vin up
	ip -n "$out" link set lo up
	ip -n "$out" route add default via 192.0.2.1
	engine network create --internal --subnet 10.84.0.0/24 inner >/dev/null
	engine network create --subnet 10.88.0.0/24 outer >/dev/null
	assert_eq true "$(engine network inspect inner | jq -r '.[0].Internal')"
	assert_eq false "$(engine network inspect outer | jq -r '.[0].Internal')"
	engine run -d --name in1 --network inner "$(cgp)" bb sleep 600 >/dev/null
	inner=$(engine inspect -f '{{.NetworkSettings.IPAddress}}' in1)
	# same network: reachable, by name too; no route out
	run engine run --rm --network inner "$(cgp)" bb sh -c 'ip route; ping -c 1 -W 5 in1'
	assert_eq 0 "$status" "$output"
	assert_not_contains "$output" "default"
	assert_contains "$output" "1 packets received"
	run engine run --rm --network inner "$(cgp)" bb ping -c 1 -W 2 192.0.2.2
	assert_ne 0 "$status"
	# an ordinary network reaches the outside host, but not the internal one's containers
	run engine run --rm --network outer "$(cgp)" bb ping -c 1 -W 5 192.0.2.2
	assert_eq 0 "$status" "$output"
	run engine run --rm --network outer "$(cgp)" bb ping -c 1 -W 2 "$inner"
	assert_ne 0 "$status"
	# nor does the outside host (with a route through the engine's namespace)
	run ip netns exec "$out" ping -c 1 -W 2 "$inner"
	assert_ne 0 "$status"
	# and a container on both networks reaches each
	engine network connect outer in1
	run engine exec in1 ping -c 1 -W 5 192.0.2.2
	assert_eq 0 "$status" "$output"
	ip netns pids "$out" | xargs -r kill
	ip netns del "$out"
	engine rm -f in1 >/dev/null
	engine network rm inner outer >/dev/null
	assert_eq "" "$(in_ns nft list set ip berth internal | grep -o '"br-[^"]*"' || true)"
	assert_eq "" "$(in_ns nft list set ip berth masq | grep -o '10\.8[48]\.0\.0/24' || true)"
}

test_bridge_name_labels_filter_and_prune() {
	import_probe_image bb
	engine network create -o com.docker.network.bridge.name=brtest0 --label env=prod \
		--label team named >/dev/null
	engine network create --label env=dev unused1 >/dev/null
	engine network create --subnet 10.89.0.0/24 \
		--opt com.docker.network.bridge.enable_ip_masquerade=false used >/dev/null
	run engine run --rm --network named "$(cgp)" bb true
	assert_eq 0 "$status" "$output"
	assert_contains "$(in_ns ip -o link show brtest0)" "brtest0"
	assert_eq brtest0 "$(engine network inspect named | jq -r '.[0].Options["com.docker.network.bridge.name"]')"
	assert_eq '{"env":"prod","team":""}' "$(engine network inspect named | jq -c '.[0].Labels')"
	assert_eq named "$(engine network ls --filter label=env=prod --format '{{.Name}}')"
	assert_eq "named unused1" "$(engine network ls --filter label=env --format '{{.Name}}' | sort | xargs)"
	assert_eq "env=prod,team=" "$(engine network ls --filter name=named --format '{{.Labels}}')"
	run engine network create -o foo=bar bad
	assert_eq 125 "$status"
	assert_contains "$output" "unknown network option 'foo'"
	run engine network create -o com.docker.network.bridge.name=brtest0 bad
	assert_eq 125 "$status"
	assert_contains "$output" "bridge name brtest0 is used by network named"
	assert_not_contains "$(engine network ls)" "bad"
	# prune: asks first (no answer: nothing), only unused ones, by label
	engine run -d --name user --network used "$(cgp)" bb sleep 600 >/dev/null
	# not masqueraded (the option), while its bridge is up
	assert_contains "$(in_ns nft list set ip berth masq)" "172.30.0.0/16"
	assert_eq "" "$(in_ns nft list set ip berth masq | grep -o '10\.89\.0\.0/24' || true)"
	run engine network prune </dev/null
	assert_contains "$output" "WARNING! This will remove all custom networks not used by at least one container."
	assert_contains "$(engine network ls)" "unused1"
	run engine network prune -f --filter label=env=dev
	assert_eq 0 "$status" "$output"
	assert_eq $'Deleted Networks:\nunused1' "$output"
	run engine network prune -f
	assert_eq $'Deleted Networks:\nnamed' "$output"
	assert_eq "bridge used" "$(engine network ls --format '{{.Name}}' | sort | xargs)"
	assert_eq "" "$(in_ns ip -o link show brtest0 2>/dev/null || true)"
	run engine network prune -f --filter until=1h
	assert_eq 125 "$status"
	assert_contains "$output" "invalid filter 'until'"
	engine rm -f user >/dev/null
	run engine network prune -f
	assert_eq $'Deleted Networks:\nused' "$output"
	run engine network prune -f
	assert_eq "" "$output"
}
