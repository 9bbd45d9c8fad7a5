# berth search: a registry's v1 search API (docker's Hub has one; a registry of the v2
# API alone has none, and berth says so). An index of the test's own on 127.0.0.1
# answers as the Hub does.

# the engine reaches 127.0.0.1 of the host's namespace, where the index listens
ENGINE_IN_HOST_NETNS=1

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_index SEARCH(yes|no): an HTTP server with /v2/ and, with yes, /v1/search
start_index() {
	local port
	port=$(free_port)
	cat >"$BERTH_TEST_TMP/index.py" <<'PY'
import json, sys, urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

REPOS = [
    {"name": "busybox", "description": "Busybox base image.", "star_count": 3100,
     "is_official": True, "is_automated": False},
    {"name": "team/busybox-tools", "description": "Tools on busybox, with a description much longer than forty-five characters",
     "star_count": 12, "is_official": False, "is_automated": True},
    {"name": "someone/busybox-old", "description": "", "star_count": 0,
     "is_official": False, "is_automated": False},
    {"name": "alpine", "description": "A minimal image", "star_count": 9000,
     "is_official": True, "is_automated": False},
]

class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        if u.path == "/v2/":
            return self.send(200, {})
        if u.path == "/v1/search" and sys.argv[2] == "yes":
            q = urllib.parse.parse_qs(u.query)
            term, n = q["q"][0], int(q.get("n", ["25"])[0])
            found = [r for r in REPOS if term in r["name"]][:n]
            return self.send(200, {"num_results": len(found), "query": term, "results": found})
        return self.send(404, {"errors": [{"code": "NOT_FOUND", "message": "not found"}]})

HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
	python3 "$BERTH_TEST_TMP/index.py" "$port" "$1" &
	INDEX_PID=$!
	wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$port/v2/"
	INDEX="127.0.0.1:$port"
}

stop_index() { kill "$INDEX_PID" 2>/dev/null; wait "$INDEX_PID" 2>/dev/null || true; }

test_search_as_docker_prints_it() {
	start_index yes
	trap stop_index EXIT
	run engine search "$INDEX/busybox"
	assert_eq 0 "$status" "$output"
	assert_eq "NAME                                           DESCRIPTION                                    STARS OFFICIAL
busybox                                        Busybox base image.                            3100  [OK]
team/busybox-tools                             Tools on busybox, with a description much lo…  12    
someone/busybox-old                                                                           0     " "$output"
	assert_contains "$(engine search --no-trunc "$INDEX/busybox-tools")" "much longer than forty-five characters"
	# --limit reaches the registry; --filter and --format as docker's
	assert_eq "busybox" "$(engine search --limit 1 --format '{{.Name}}' "$INDEX/busybox")"
	assert_eq "busybox team/busybox-tools" "$(engine search --filter stars=10 --format '{{.Name}}' "$INDEX/busybox" | paste -sd' ')"
	assert_eq "busybox" "$(engine search -f is-official=true --format '{{.Name}}' "$INDEX/busybox")"
	assert_eq "team/busybox-tools true 12" "$(engine search -f is-automated=true --format '{{.Name}} {{.IsAutomated}} {{.StarCount}}' "$INDEX/busybox")"
	run engine search --limit 101 "$INDEX/busybox"
	assert_eq 125 "$status"
	assert_contains "$output" "limit 101 is outside the range of [1, 100]"
	run engine search -f colour=blue "$INDEX/busybox"
	assert_eq 125 "$status"
	assert_contains "$output" "invalid filter 'colour=blue'"
}

test_search_on_a_registry_without_it_says_so() {
	start_index no
	trap stop_index EXIT
	run engine search "$INDEX/busybox"
	assert_eq 125 "$status"
	assert_contains "$output" "registry '$INDEX' does not support search"
	# and a real v2 registry too
	command -v docker-registry >/dev/null || return 0
	local port dir=$BERTH_TEST_TMP/reg
	port=$(free_port)
	mkdir -p "$dir"
	printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' "$dir" "$port" >"$dir/config.yml"
	docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
	local reg=$!
	wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$port/v2/"
	run engine search "127.0.0.1:$port/busybox"
	kill "$reg"
	wait "$reg" 2>/dev/null || true
	assert_eq 125 "$status"
	assert_contains "$output" "registry '127.0.0.1:$port' does not support search"
}
