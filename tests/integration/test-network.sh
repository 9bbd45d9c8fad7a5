# berth's networks: the default bridge, user networks, DNS between containers,
# published ports, NAT, and the none/host/container: modes. The engine runs in the
# test's own network namespace ($BERTH_TEST_NETNS, lib.sh): everything below happens
# there (and in one more namespace a test makes itself).


# a command in the engine's network namespace (the test's)
in_ns() { nsenter --net="/run/netns/$BERTH_TEST_NETNS" "$@"; }

# http_get URL: the body, from the engine's namespace (python: busybox's static wget
# crashes on this host's NSS configuration)
http_get() {
	in_ns python3 -c 'import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=3).read().decode().strip())' "$1" 2>&1
}

test_default_network_addresses_and_routes() {
	import_probe_image bb
	run engine run --rm "$(cgp)" bb sh -c 'ip -4 -o addr show eth0; ip route'
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "inet 172.29.0.2/16"
	assert_contains "$output" "default via 172.29.0.1 dev eth0"
	# the bridge is the engine's, in the engine's namespace only
	assert_contains "$(in_ns ip -4 -o addr show berth0)" "172.29.0.1/16"
	# the address is given back: the next container gets it again
	run engine run --rm "$(cgp)" bb ip -4 -o addr show eth0
	assert_contains "$output" "inet 172.29.0.2/16"
	assert_eq "" "$(ls -A "$BERTH_STORE/networks/bridge/leases")"
}

test_containers_reach_each_other_and_inspect_shows_it() {
	import_probe_image bb
	local ip1
	engine run -d --name one "$(cgp)" bb sleep 600 >/dev/null
	ip1=$(engine inspect -f '{{.NetworkSettings.IPAddress}}' one)
	[[ "$ip1" =~ ^172\.29\.0\.[0-9]+$ ]] || fail "address '$ip1'"
	assert_eq "$ip1" "$(engine inspect -f '{{.NetworkSettings.Networks.bridge.IPAddress}}' one)"
	assert_eq "172.29.0.1" "$(engine inspect -f '{{.NetworkSettings.Gateway}}' one)"
	run engine run --rm "$(cgp)" bb ping -c 1 -W 5 "$ip1"
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "1 packets received"
	# the container's own /etc/hosts names its address
	assert_contains "$(engine exec one cat /etc/hosts)" "$ip1"
	engine rm -f one >/dev/null
	assert_eq "" "$(ls -A "$BERTH_STORE/networks/bridge/leases")"
	assert_eq "" "$(engine inspect -f '{{.NetworkSettings.IPAddress}}' one 2>/dev/null || true)"
}

test_user_network_with_dns_between_containers() {
	import_probe_image bb
	local ip
	run engine network create --subnet 10.77.0.0/24 appnet
	assert_eq 0 "$status" "$output"
	[[ "$output" =~ ^[0-9a-f]{64}$ ]] || fail "network create printed '$output'"
	assert_contains "$(engine network ls)" "appnet"
	engine run -d --name db --network appnet "$(cgp)" bb sleep 600 >/dev/null
	ip=$(engine inspect -f '{{.NetworkSettings.IPAddress}}' db)
	assert_eq 10.77.0.2 "$ip"
	assert_eq "db 10.77.0.2/24" \
		"$(engine network inspect appnet | jq -r '.[0].Containers[] | .Name + " " + .IPv4Address')"
	# the monitor's resolver answers the names of the network's containers
	run engine run --rm --network appnet "$(cgp)" bb sh -c \
		'cat /etc/resolv.conf; nslookup db; ping -c 1 -W 5 db'
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "nameserver 127.0.0.11"
	assert_contains "$output" "Address: 10.77.0.2"
	assert_contains "$output" "1 packets received"
	run engine run --rm --network appnet "$(cgp)" bb nslookup nosuchcontainer
	assert_ne 0 "$status"
	assert_contains "$output" "NXDOMAIN"
	# in use: not removed; then removed with its bridge
	run engine network rm appnet
	assert_eq 1 "$status"
	assert_contains "$output" "active endpoints"
	engine rm -f db >/dev/null
	run engine network rm appnet
	assert_eq 0 "$status" "$output"
	assert_not_contains "$(engine network ls)" "appnet"
	assert_eq "" "$(in_ns ip -o link show | grep br- || true)"
}

test_published_port_reaches_the_container() {
	import_probe_image bb
	engine run -d --name web -p 8080:80 "$(cgp)" bb sh -c \
		'echo served-by-web > /index.html; exec httpd -f -p 80 -h /' >/dev/null
	assert_contains "$(engine ps)" "0.0.0.0:8080->80/tcp"
	assert_eq '{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}]}' \
		"$(engine inspect -f '{{json .NetworkSettings.Ports}}' web)"
	# from the engine's namespace, on 127.0.0.1 and on the bridge's address
	for _ in $(seq 50); do
		[[ "$(http_get http://127.0.0.1:8080/index.html)" == served-by-web ]] && break
		sleep 0.2
	done
	assert_eq served-by-web "$(http_get http://127.0.0.1:8080/index.html)"
	assert_eq served-by-web "$(http_get http://172.29.0.1:8080/index.html)"
	# the port is taken: a second container cannot have it, and leaves nothing
	run engine run -d --name web2 -p 8080:80 "$(cgp)" bb sleep 600
	assert_eq 125 "$status"
	assert_contains "$output" "Bind for 0.0.0.0:8080 failed: port is already allocated"
	# as docker: it stays "Created", with the reason, and holds no address
	assert_contains "$(engine ps -a | grep web2)" "Created"
	assert_contains "$(engine inspect -f '{{.State.Error}}' web2)" "already allocated"
	assert_eq 1 "$(ls "$BERTH_STORE/networks/bridge/leases" | wc -l)"
	engine rm web2 >/dev/null
	engine stop -t 1 web >/dev/null
	assert_contains "$(http_get http://127.0.0.1:8080/index.html)" "Connection refused"
	assert_eq "" "$(in_ns nft list map ip berth ports_tcp | grep 8080 || true)"
	engine rm web >/dev/null
}

test_traffic_leaves_through_nat() {
	import_probe_image bb
	local out="berth-out-$$"
	# another "host" the engine's namespace reaches through a veth; it has no route
	# back to the containers' subnet: only masqueraded traffic gets answers
	ip netns add "$out"
	ip link add vout type veth peer name vin netns "$out"
	ip link set vout netns "$BERTH_TEST_NETNS"
	in_ns ip addr add 192.0.2.1/24 dev vout
	in_ns ip link set vout up
	ip -n "$out" addr add 192.0.2.2/24 dev vin
	ip -n "$out" link set vin up
	ip -n "$out" link set lo up
	mkdir -p "$BERTH_TEST_TMP/www"
	echo outside > "$BERTH_TEST_TMP/www/x"
	ip netns exec "$out" busybox httpd -p 9000 -h "$BERTH_TEST_TMP/www"
	run engine run --rm "$(cgp)" bb sh -c 'printf "GET /x HTTP/1.0\r\n\r\n" | nc -w 5 192.0.2.2 9000' 
	ip netns pids "$out" | xargs -r kill
	ip netns del "$out"
	assert_eq 0 "$status" "$output"
	assert_contains "$output" "200 OK"
	assert_eq outside "$(tail -1 <<<"$output")"
}

test_network_modes_none_host_and_container() {
	import_probe_image bb
	local ip
	# none: loopback only
	run engine run --rm --network none "$(cgp)" bb ip -o link
	assert_contains "$output" "lo:"
	assert_not_contains "$output" "eth0"
	# host: the engine's namespace (here the test's), its berth0 among its links
	in_ns ip link add hostonly-test type veth peer name hostonly-peer
	run engine run --rm --network host "$(cgp)" bb ip -o link
	assert_contains "$output" "hostonly-test"
	in_ns ip link del hostonly-test
	# container:X shares X's namespace, address and all
	engine run -d --name base "$(cgp)" bb sleep 600 >/dev/null
	ip=$(engine inspect -f '{{.NetworkSettings.IPAddress}}' base)
	run engine run --rm --network container:base "$(cgp)" bb ip -4 -o addr show eth0
	assert_contains "$output" "inet $ip/16"
	assert_eq bridge "$(engine inspect -f '{{.HostConfig.NetworkMode}}' base)"
	engine rm -f base >/dev/null
}

test_network_errors() {
	import_probe_image bb
	run engine run --rm --network nosuch "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "network nosuch not found"
	run engine run --rm --network none -p 8080:80 "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "conflicting options"
	run engine run --rm -p 99999:80 "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "invalid port '99999:80'"
	run engine run --rm --network container:nosuch "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "no such container: nosuch"
	run engine network create --subnet 300.1.0.0/16 bad
	assert_eq 125 "$status"
	assert_contains "$output" "invalid subnet"
	engine network create --subnet 10.1.0.0/16 first >/dev/null
	run engine network create --subnet 10.1.2.0/24 second
	assert_eq 125 "$status"
	assert_contains "$output" "overlaps network first"
	run engine network create first
	assert_eq 125 "$status"
	assert_contains "$output" "already exists"
	run engine network rm bridge
	assert_eq 1 "$status"
	assert_contains "$output" "pre-defined"
	engine network rm first >/dev/null
	assert_eq "" "$(ls -A "$BERTH_STORE/containers" 2>/dev/null)"
	assert_eq "" "$(ls -A "$BERTH_STORE/networks/bridge/leases" 2>/dev/null)"
}

# tcp_reach HOST PORT: "open" when a TCP connection to HOST:PORT succeeds from the
# engine's namespace, else "closed"
tcp_reach() {
	in_ns python3 -c 'import socket, sys
s = socket.socket(); s.settimeout(2)
try:
    s.connect((sys.argv[1], int(sys.argv[2]))); print("open")
except OSError:
    print("closed")' "$1" "$2"
}

test_published_port_on_one_host_address_only() {
	import_probe_image bb
	engine run -d --name lo8 -p 127.0.0.1:8081:80 "$(cgp)" bb sh -c \
		'echo on-loopback > /index.html; exec httpd -f -p 80 -h /' >/dev/null
	assert_contains "$(engine ps)" "127.0.0.1:8081->80/tcp"
	assert_eq '{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"8081"}]}' \
		"$(engine inspect -f '{{json .NetworkSettings.Ports}}' lo8)"
	assert_eq "80/tcp -> 127.0.0.1:8081" "$(engine port lo8)"
	wait_for 10 sh -c "[ \"\$(nsenter --net=/run/netns/$BERTH_TEST_NETNS python3 -c 'import urllib.request; print(urllib.request.urlopen(\"http://127.0.0.1:8081/index.html\", timeout=2).read().decode().strip())' 2>/dev/null)\" = on-loopback ]"
	# not on the bridge's address, from the host side or from another container
	assert_eq closed "$(tcp_reach 172.29.0.1 8081)"
	run engine run --rm "$(cgp)" bb sh -c 'printf "GET /index.html HTTP/1.0\r\n\r\n" | nc -w 2 172.29.0.1 8081'
	assert_not_contains "$output" "on-loopback"
	# the same port on another address is another mapping
	in_ns ip addr add 198.51.100.7/32 dev lo
	engine run -d --name other8 -p 198.51.100.7:8081:80 "$(cgp)" bb sh -c \
		'echo on-other > /index.html; exec httpd -f -p 80 -h /' >/dev/null
	wait_for 10 sh -c "[ \"\$(nsenter --net=/run/netns/$BERTH_TEST_NETNS python3 -c 'import urllib.request; print(urllib.request.urlopen(\"http://198.51.100.7:8081/index.html\", timeout=2).read().decode().strip())' 2>/dev/null)\" = on-other ]"
	assert_eq on-loopback "$(http_get http://127.0.0.1:8081/index.html)"
	engine rm -f lo8 other8 >/dev/null
	assert_eq "" "$(in_ns nft list map ip berth hports_tcp | grep 8081 || true)"
	run engine run --rm -p 300.1.2.3:8081:80 "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "'300.1.2.3' is not an IPv4 address"
	# docker's ranges: a port each
	engine run -d --name rng -p 127.0.0.1:8091-8092:80-81 "$(cgp)" bb sh -c \
		'echo r80 > /index.html; httpd -p 80 -h /; exec httpd -f -p 81 -h /' >/dev/null
	assert_eq $'80/tcp -> 127.0.0.1:8091\n81/tcp -> 127.0.0.1:8092' "$(engine port rng)"
	wait_for 10 sh -c "[ \"\$(nsenter --net=/run/netns/$BERTH_TEST_NETNS python3 -c 'import urllib.request; print(urllib.request.urlopen(\"http://127.0.0.1:8092/index.html\", timeout=2).read().decode().strip())' 2>/dev/null)\" = r80 ]"
	engine rm -f rng >/dev/null
	run engine run --rm -p 8093-8094:80 "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "invalid port '8093-8094:80': the host range (8093-8094) and the container's (80-80) differ in length"
}

test_a_port_the_host_uses_is_refused_and_a_published_one_is_held() {
	import_probe_image bb
	local srv
	# a server of the host's own listens on 8090
	(exec nsenter --net="/run/netns/$BERTH_TEST_NETNS" python3 -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8090)); s.listen(); time.sleep(60)') &
	srv=$!
	wait_for 10 sh -c "nsenter --net=/run/netns/$BERTH_TEST_NETNS ss -ltn | grep -q ':8090 '"
	run engine run -d --name clash -p 8090:80 "$(cgp)" bb sleep 600
	kill "$srv"
	wait "$srv" 2>/dev/null || true
	assert_eq 125 "$status"
	assert_contains "$output" "listen tcp4 0.0.0.0:8090"
	assert_contains "$output" "Address already in use"
	assert_eq "" "$(in_ns nft list map ip berth ports_tcp | grep 8090 || true)"
	assert_eq "" "$(ls -A "$BERTH_STORE/networks/bridge/leases")"
	engine rm clash >/dev/null
	# while a container has a port, the host cannot take it (udp too)
	engine run -d --name holder -p 8091:80 -p 8091:53/udp "$(cgp)" bb sleep 600 >/dev/null
	run in_ns python3 -c 'import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8091)); s.listen()'
	assert_ne 0 "$status"
	assert_contains "$output" "Address already in use"
	run in_ns python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 8091))'
	assert_ne 0 "$status"
	assert_contains "$output" "Address already in use"
	engine rm -f holder >/dev/null
	# and it is the host's again
	run in_ns python3 -c 'import socket
s = socket.socket(); s.bind(("0.0.0.0", 8091)); s.listen()'
	assert_eq 0 "$status" "$output"
}

test_picked_host_ports_publish_all_and_port() {
	import_probe_image bb
	engine commit -c 'EXPOSE 80' -c 'EXPOSE 53/udp' \
		"$(engine create --network none "$(cgp)" bb true)" exposer >/dev/null
	engine run -d --name pick -p 80 "$(cgp)" bb sh -c \
		'echo picked > /index.html; exec httpd -f -p 80 -h /' >/dev/null
	local hp
	hp=$(engine port pick 80)
	[[ "$hp" =~ ^0\.0\.0\.0:[0-9]+$ ]] || fail "port: '$hp'"
	hp=${hp#0.0.0.0:}
	assert_ne 80 "$hp"
	assert_eq "80/tcp -> 0.0.0.0:$hp" "$(engine port pick)"
	assert_contains "$(engine ps)" "0.0.0.0:$hp->80/tcp"
	wait_for 10 sh -c "[ \"\$(nsenter --net=/run/netns/$BERTH_TEST_NETNS python3 -c 'import urllib.request; print(urllib.request.urlopen(\"http://127.0.0.1:$hp/index.html\", timeout=2).read().decode().strip())' 2>/dev/null)\" = picked ]"
	run engine port pick 81
	assert_eq 1 "$status"
	assert_contains "$output" "No public port '81/tcp' published for pick"
	# -P: every exposed port, each on a picked port; -p still wins for its port
	engine run -d --name all -P -p 8095:80 "$(cgp)" exposer sleep 600 >/dev/null
	run engine port all
	assert_contains "$output" "80/tcp -> 0.0.0.0:8095"
	assert_contains "$output" "53/udp -> 0.0.0.0:"
	assert_eq 2 "$(wc -l <<<"$output")"
	# --expose adds to the image's EXPOSE for -P
	engine run -d --name ex -P --expose 9000 --expose 9001/udp --expose 80 "$(cgp)" exposer sleep 600 >/dev/null
	run engine port ex
	assert_contains "$output" "9000/tcp -> 0.0.0.0:"
	assert_contains "$output" "9001/udp -> 0.0.0.0:"
	assert_contains "$output" "80/tcp -> 0.0.0.0:"
	assert_eq 4 "$(wc -l <<<"$output")"
	run engine run --rm --expose 70000 "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "invalid --expose value '70000'"
	engine rm -f pick all ex >/dev/null
	# not running: nothing to list
	engine create --name stopped -p 8096:80 "$(cgp)" bb true >/dev/null
	assert_eq "" "$(engine port stopped)"
	engine rm stopped >/dev/null
	assert_eq "" "$(in_ns nft list map ip berth ports_tcp | grep -v -e '^table' -e '^}' -e 'map ports_tcp' -e 'type ' -e '^[[:space:]]*}' || true)"
}

test_under_ip_netns_exec_the_error_says_what_to_do() {
	import_probe_image bb
	run ip netns exec "$BERTH_TEST_NETNS" "$BERTH" --root "$BERTH_STORE" run --name ipne "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "no cgroup filesystem is mounted under '/sys/fs/cgroup'"
	assert_contains "$output" "nsenter --net=/run/netns/NAME"
	engine rm -f ipne >/dev/null
	# what it says works
	run nsenter --net="/run/netns/$BERTH_TEST_NETNS" "$BERTH" --root "$BERTH_STORE" run --rm "$(cgp)" bb echo fine
	assert_eq 0 "$status" "$output"
	assert_eq fine "$output"
}

# --mac-address: the container's eth0 has it, inspect says so; docker's errors otherwise
test_mac_address_of_the_containers_interface() {
	import_probe_image bb
	local bad
	run engine run --rm --mac-address 92:d0:C6:0a:29:33 "$(cgp)" bb cat /sys/class/net/eth0/address
	assert_eq 0 "$status" "$output"
	assert_eq "92:d0:c6:0a:29:33" "$output"
	# without it: docker's, 02:42 and the address
	assert_eq "02:42:ac:1d:00:02" "$(engine run --rm "$(cgp)" bb cat /sys/class/net/eth0/address)"
	engine run -d --name m1 --mac-address 92-d0-c6-0a-29-34 "$(cgp)" bb sleep 600 >/dev/null
	assert_eq "92:d0:c6:0a:29:34" "$(engine exec m1 cat /sys/class/net/eth0/address)"
	assert_eq "92:d0:c6:0a:29:34 92:d0:c6:0a:29:34 92:d0:c6:0a:29:34" \
		"$(engine inspect -f '{{.NetworkSettings.MacAddress}} {{.NetworkSettings.Networks.bridge.MacAddress}} {{.Config.MacAddress}}' m1)"
	assert_eq "92:d0:c6:0a:29:34" \
		"$(engine network inspect bridge | jq -r '.[0].Containers[].MacAddress')"
	# kept for the next start
	engine restart -t 0 m1 >/dev/null
	assert_eq "92:d0:c6:0a:29:34" "$(engine exec m1 cat /sys/class/net/eth0/address)"
	engine rm -f m1 >/dev/null
	for bad in 92:d0:c6:0a:29 92:d0:c6:0a:29:zz 92:d0-c6:0a:29:33 92:d0:c6:0a:29:33:44 \
		01:00:5e:00:00:01 00:00:00:00:00:00; do
		run engine run --rm --mac-address "$bad" "$(cgp)" bb true
		assert_eq 125 "$status"
		assert_contains "$output" "invalid MAC address $bad"
	done
	run engine run --rm --network host --mac-address 92:d0:c6:0a:29:33 "$(cgp)" bb true
	assert_eq 125 "$status"
	assert_contains "$output" "conflicting options: mac-address and the network mode"
	assert_eq "" "$(engine ps -aq)"
	assert_eq "" "$(ls -A "$BERTH_STORE/networks/bridge/leases")"
}
