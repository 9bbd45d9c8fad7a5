# `berth serve` driven by the other clients people use: Debian's docker.io CLI (20.10,
# API 1.41), the Docker SDK for Python (python3-docker) and docker-compose 1.29.

# shellcheck source=tests/integration/serve.sh
source "$(dirname "${BASH_SOURCE[0]}")/serve.sh"

DOCKER_OLD=${DOCKER_OLD:-/usr/bin/docker}

test_docker_20_10_cli_negotiates_api_1_41_and_runs_containers() {
	[[ -x $DOCKER_OLD ]] || skip "no docker.io CLI at $DOCKER_OLD"
	"$DOCKER_OLD" --version | grep -q 'Docker version 20\.' || skip "$DOCKER_OLD is not docker 20.10"
	import_probe_image bb
	serve_start
	run "$DOCKER_OLD" version --format '{{.Client.APIVersion}} {{.Server.APIVersion}}'
	assert_eq "$output" "1.41 1.50"
	run "$DOCKER_OLD" run --rm --cgroup-parent "$BERTH_TEST_CGROUP" bb sh -c 'echo twenty; exit 4'
	assert_eq "$status" 4
	assert_eq "$output" "twenty"
	"$DOCKER_OLD" run -d --name old --cgroup-parent "$BERTH_TEST_CGROUP" bb sleep 1000 >/dev/null
	run "$DOCKER_OLD" ps --format '{{.Names}} {{.Status}}'
	assert_contains "$output" "old Up"
	assert_status 0 "$DOCKER_OLD" rm -f old
	assert_eq "$(engine ps -aq)" ""
	serve_stop
}

test_python_sdk_runs_containers_and_streams_logs() {
	python3 -c 'import docker' 2>/dev/null || skip "no python3-docker"
	import_probe_image bb
	serve_start
	run python3 - "$BERTH_TEST_CGROUP" <<'EOF'
import sys, docker
cg = sys.argv[1]
client = docker.DockerClient(base_url="unix://" + __import__("os").environ["DOCKER_HOST"][7:])
assert client.ping()
print("api", client.version()["ApiVersion"])
# run in the foreground: create, start, wait, logs, remove
out = client.containers.run("bb", ["sh", "-c", "echo from-sdk"], remove=True, cgroup_parent=cg)
print("run", out.decode().strip())
# detached, its logs streamed as they come
c = client.containers.run("bb", ["sh", "-c", "for i in 1 2 3; do echo line$i; sleep 0.2; done"],
                          detach=True, name="sdk1", cgroup_parent=cg)
lines = [l.decode().strip() for l in c.logs(stream=True, follow=True)]
print("stream", " ".join(lines))
print("wait", c.wait()["StatusCode"])
# attach with logs=1 to one that ended: its output replayed
print("attached", c.attach(stdout=True, stderr=True, logs=True).decode().split())
c.reload()
print("status", c.status)
print("list", [x.name for x in client.containers.list(all=True)])
c.remove()
print("images", sorted(t for i in client.images.list() for t in i.tags))
try:
    client.containers.get("nosuch")
except docker.errors.NotFound as e:
    print("notfound", e.response.status_code)
EOF
	assert_eq "$status" 0
	assert_contains "$output" "api 1.50"
	assert_contains "$output" "run from-sdk"
	assert_contains "$output" "stream line1 line2 line3"
	assert_contains "$output" "wait 0"
	assert_contains "$output" "attached ['line1', 'line2', 'line3']"
	assert_contains "$output" "status exited"
	assert_contains "$output" "list ['sdk1']"
	assert_contains "$output" "images ['bb:latest']"
	assert_contains "$output" "notfound 404"
	assert_eq "$(engine ps -aq)" ""
	serve_stop
}

test_docker_compose_brings_up_a_two_service_app_and_down_leaves_nothing() {
	command -v docker-compose >/dev/null || skip "no docker-compose"
	import_probe_image bb
	serve_start
	mkdir -p "$BERTH_TEST_TMP/app"
	cat >"$BERTH_TEST_TMP/app/docker-compose.yml" <<YML
version: "3.7"
services:
  server:
    image: bb
    command: sh -c 'mkdir -p /www && echo from-server >/www/index.html && httpd -f -p 80 -h /www'
    cgroup_parent: $BERTH_TEST_CGROUP
  client:
    image: bb
    command: sh -c 'until wget -q -O /data/got http://server/; do sleep 0.2; done; sleep 1000'
    volumes:
      - shared:/data
    cgroup_parent: $BERTH_TEST_CGROUP
    depends_on:
      - server
volumes:
  shared:
YML
	cd "$BERTH_TEST_TMP/app"
	assert_status 0 docker-compose -p app up -d
	run docker-compose -p app ps
	assert_contains "$output" "app_server_1"
	assert_contains "$output" "app_client_1"
	# the client reached the server by its service name, into the named volume
	wait_for 20 docker-compose -p app exec -T client test -s /data/got
	assert_eq "$(docker-compose -p app exec -T client cat /data/got)" "from-server"
	run docker-compose -p app logs server
	assert_status 0 docker-compose -p app logs server
	assert_status 0 docker-compose -p app down -v
	assert_eq "$(engine ps -aq)" ""
	assert_eq "$(engine volume ls -q)" ""
	assert_eq "$(engine network ls --format '{{.Name}}' | grep -c app_ || true)" "0"
	serve_stop
}
