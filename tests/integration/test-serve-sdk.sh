# `berth serve` driven by the Docker SDK for Python (Debian's python3-docker) beyond
# what test-serve-clients.sh runs: images (get, tag, history, save, load, remove, push
# and pull through a local docker-registry, prune), exec, networks, volumes, the
# container endpoints (archive, stats, top, rename, pause, kill, update, diff, export,
# wait, published ports) and logs with since, timestamps and tail. Each script checks
# the values the SDK hands back, and removes what it made also when it fails.
# The scripts run in the engine's network namespace (the test's own), where the
# registry and the published ports listen; the server and the registry are stopped by
# PID.

# shellcheck source=tests/integration/serve.sh
source "$(dirname "${BASH_SOURCE[0]}")/serve.sh"

# what every script begins with: the client, eq(), and the clean-up of everything the
# script made (containers, custom networks, volumes) however it ends
SDK_PRELUDE='
import atexit, datetime, io, os, sys, tarfile, time
import docker
client = docker.DockerClient(base_url="unix://" + os.environ["SOCK"])
CG = os.environ["BERTH_TEST_CGROUP"]

def eq(actual, expected, what=""):
    if actual != expected:
        raise AssertionError("%s: expected %r, got %r" % (what, expected, actual))

def teardown():
    for c in client.containers.list(all=True):
        try:
            c.remove(force=True, v=True)
        except Exception as e:
            print("teardown:", e)
    for n in client.networks.list():
        if n.name not in ("bridge", "host", "none"):
            try:
                n.remove()
            except Exception as e:
                print("teardown:", e)
    for v in client.volumes.list():
        try:
            v.remove(force=True)
        except Exception as e:
            print("teardown:", e)

atexit.register(teardown)
'

need_sdk() {
	python3 -c 'import docker' 2>/dev/null || skip "no python3-docker"
}

# sdk ARGS... <SCRIPT: the script (after SDK_PRELUDE) in the engine's network namespace,
# ARGS as sys.argv[1:]; its exit status, its output in $output
sdk() {
	local script
	script=$SDK_PRELUDE$(cat)
	if [[ -n ${BERTH_TEST_NETNS:-} ]]; then
		run nsenter --net="/run/netns/$BERTH_TEST_NETNS" env SOCK="$SOCK" python3 -c "$script" "$@"
	else
		run env SOCK="$SOCK" python3 -c "$script" "$@"
	fi
	printf '%s\n' "$output"
	[[ $status == 0 ]] || fail "the SDK script exited $status"
}

sdk_serve_start() {
	need_sdk
	import_probe_image bb
	trap cleanup EXIT
	serve_start
}

# nothing the scripts made is left in the store
assert_store_empty() {
	assert_eq "" "$(engine ps -aq)"
	assert_eq "" "$(engine volume ls -q)"
	assert_eq "" "$(engine network ls --format '{{.Name}}' | grep -v -x -e bridge -e host -e none || true)"
}

test_python_sdk_images_tag_history_save_load_remove_push_pull_prune() {
	[[ -n ${BERTH_TEST_NETNS:-} ]] || skip "the engine runs in the host's network namespace"
	command -v docker-registry >/dev/null || skip "docker-registry is not installed"
	sdk_serve_start
	registry_start
	sdk "$REG" <<'EOF'
reg = sys.argv[1]
img = client.images.get("bb")
eq(img.tags, ["bb:latest"], "tags")
assert img.id.startswith("sha256:") and len(img.id) == 71, img.id
eq(img.short_id, img.id[:19], "short_id")
eq((img.attrs["Os"], img.attrs["Architecture"]), ("linux", "amd64"), "platform")

# tag: a new tag, and a repository alone (latest)
assert img.tag("bb", "two") is True
assert img.tag("example.com/team/bb") is True
img.reload()
eq(sorted(img.tags), ["bb:latest", "bb:two", "example.com/team/bb:latest"], "tags after tag")
eq(client.images.get("bb:two").id, img.id, "bb:two")

# history: the image's one layer, newest first, its tags on it
h = img.history()
assert len(h) >= 1, h
eq(h[0]["Id"], img.id, "history Id")
eq(sorted(h[0]["Tags"]), sorted(img.tags), "history Tags")
assert isinstance(h[0]["Created"], int) and h[0]["Created"] > 0, h[0]
assert isinstance(h[0]["Size"], int), h[0]
for k in ("CreatedBy", "Comment"):
    assert k in h[0], (k, h[0])

# remove a tag: untagged only, the image stays
eq(client.api.remove_image("bb:two"), [{"Untagged": "bb:two"}], "rmi bb:two")
eq(client.api.remove_image("example.com/team/bb"),
   [{"Untagged": "example.com/team/bb:latest"}], "rmi example.com/team/bb")

# save: a docker-archive of bb:latest
archive = b"".join(img.save(named="bb:latest"))
with tarfile.open(fileobj=io.BytesIO(archive)) as t:
    names = t.getnames()
    assert "manifest.json" in names, names
    import json
    manifest = json.load(t.extractfile("manifest.json"))
eq(len(manifest), 1, "manifest entries")
eq(manifest[0]["RepoTags"], ["bb:latest"], "RepoTags")
eq(len(manifest[0]["Layers"]), len(img.attrs["RootFS"]["Layers"]), "layers")

# removed, then loaded back from the archive: the same image, its tag again
gone = client.api.remove_image("bb")
eq(gone[0], {"Untagged": "bb:latest"}, "rmi bb")
eq(gone[-1], {"Deleted": img.id}, "rmi bb deleted")
try:
    client.images.get("bb")
    raise AssertionError("bb is still there")
except docker.errors.ImageNotFound as e:
    eq(e.response.status_code, 404, "get of a removed image")
loaded = client.images.load(archive)
eq([i.id for i in loaded], [img.id], "loaded")
eq(loaded[0].tags, ["bb:latest"], "loaded tags")
eq(client.containers.run("bb", ["echo", "loaded"], remove=True, cgroup_parent=CG),
   b"loaded\n", "run of the loaded image")

# push to the registry, streamed: the layers, then the tag's digest
ref = reg + "/sdk/bb"
assert img.tag(ref, "1") is True
msgs = list(client.images.push(ref, tag="1", stream=True, decode=True))
errors = [m for m in msgs if "error" in m or "errorDetail" in m]
eq(errors, [], "push errors")
eq(msgs[0]["status"], "The push refers to repository [%s]" % ref, "first push message")
assert any(m.get("status") == "Pushed" for m in msgs), msgs
aux = [m["aux"] for m in msgs if "aux" in m]
eq(len(aux), 1, "aux messages")
eq(aux[0]["Tag"], "1", "aux Tag")
assert aux[0]["Digest"].startswith("sha256:"), aux

# pulled back after it was removed: the same image
client.images.remove(ref + ":1")
pulled = client.images.pull(ref, tag="1")
eq(pulled.id, img.id, "pulled id")
eq(sorted(pulled.tags), sorted(["bb:latest", ref + ":1"]), "pulled tags")
eq(pulled.attrs["RepoDigests"], [ref + "@" + aux[0]["Digest"]], "RepoDigests")
try:
    client.images.pull(ref, tag="nothing")
    raise AssertionError("pulled a tag the registry does not have")
except docker.errors.NotFound as e:
    eq(e.response.status_code, 404, "pull of a missing tag")

# prune: dangling only (none), then every unused image; a container's image stays
eq(client.images.prune()["ImagesDeleted"] or [], [], "dangling prune")
client.images.pull(ref, tag="1")
client.api.tag(ref + ":1", "spare", "x")
c = client.containers.create("bb", ["true"], cgroup_parent=CG)
pruned = client.images.prune(filters={"dangling": False})
deleted = pruned["ImagesDeleted"]
eq(deleted, [], "prune of an image a container uses")
c.remove()
client.api.remove_image(ref + ":1")
pruned = client.images.prune(filters={"dangling": False})
deleted = pruned["ImagesDeleted"]
eq(sorted(d["Untagged"] for d in deleted if "Untagged" in d), ["bb:latest", "spare:x"], "pruned tags")
eq([d["Deleted"] for d in deleted if "Deleted" in d], [img.id], "pruned image")
assert isinstance(pruned["SpaceReclaimed"], int) and pruned["SpaceReclaimed"] > 0, pruned
eq(client.images.list(), [], "images after prune")
print("images ok")
EOF
	assert_contains "$output" "images ok"
	assert_store_empty
	serve_stop
	cleanup
}

test_python_sdk_exec_run_and_the_low_level_exec_calls() {
	sdk_serve_start
	sdk <<'EOF'
c = client.containers.run("bb", ["sleep", "1000"], detach=True, name="ex", cgroup_parent=CG)

# exec_run: output and exit code
r = c.exec_run(["sh", "-c", "echo out; echo err >&2; exit 3"])
eq(r.exit_code, 3, "exit code")
eq(sorted(r.output.decode().split()), ["err", "out"], "output")
r = c.exec_run(["sh", "-c", "echo out; echo err >&2"], demux=True)
eq((r.exit_code, r.output), (0, (b"out\n", b"err\n")), "demuxed")
r = c.exec_run(["sh", "-c", "echo only-err >&2"], stdout=False)
eq(r.output, b"only-err\n", "stderr alone")
eq(c.exec_run("false").exit_code, 1, "false")
eq(c.exec_run("nosuch-binary").exit_code, 127, "a command that is not there")

# with a terminal: one stream, the terminal's line endings
r = c.exec_run(["sh", "-c", "tty; echo in-tty"], tty=True)
eq(r.exit_code, 0, "tty exit code")
lines = r.output.decode().split("\r\n")
assert lines[0].startswith("/dev/pts/"), lines
eq(lines[1], "in-tty", "tty output")

# stream=True: the output as it comes (no exit code then)
r = c.exec_run(["sh", "-c", "for i in 1 2 3; do echo s$i; sleep 0.2; done"], stream=True)
eq(r.exit_code, None, "streamed exit code")
t0 = time.monotonic()
chunks = []
for chunk in r.output:
    chunks.append((time.monotonic() - t0, chunk))
eq(b"".join(ch for _, ch in chunks), b"s1\ns2\ns3\n", "streamed output")
# the first line came before the last was written, 0.4 s later
assert chunks[-1][0] - chunks[0][0] > 0.25, chunks

# environment, working directory, user
r = c.exec_run(["sh", "-c", "echo $FOO $BAR; pwd; id -u; id -g"],
               environment={"FOO": "foo-val", "BAR": "b a r"}, workdir="/tmp", user="1234:567")
eq(r.exit_code, 0, "env exit code")
eq(r.output.decode().splitlines(), ["foo-val b a r", "/tmp", "1234", "567"], "env/workdir/user")
r = c.exec_run("env", environment=["ONE=1"])
assert "ONE=1" in r.output.decode().splitlines(), r.output
r = c.exec_run("id -un", user="nobody")
eq(r.output, b"nobody\n", "user by name")

# the low-level calls: create, inspect before, start, inspect after
api = client.api
ex = api.exec_create(c.id, ["sh", "-c", "echo low; exit 5"], environment={"X": "1"}, workdir="/etc")
assert set(ex) == {"Id"}, ex
i = api.exec_inspect(ex["Id"])
eq(i["ID"], ex["Id"], "ID")
eq(i["ContainerID"], c.id, "ContainerID")
eq(i["Running"], False, "Running before start")
eq(i["ExitCode"], None, "ExitCode before start")
eq(i["ProcessConfig"]["entrypoint"], "sh", "entrypoint")
eq(i["ProcessConfig"]["arguments"], ["-c", "echo low; exit 5"], "arguments")
eq(i["ProcessConfig"]["tty"], False, "tty")
eq(api.exec_start(ex["Id"]), b"low\n", "exec_start output")
i = api.exec_inspect(ex["Id"])
eq((i["Running"], i["ExitCode"]), (False, 5), "after")
assert isinstance(i["Pid"], int), i
try:
    api.exec_start(ex["Id"])
    raise AssertionError("a second start")
except docker.errors.APIError as e:
    eq(e.response.status_code, 409, "second start")

# streamed, and detached
ex = api.exec_create(c.id, ["sh", "-c", "echo a; sleep 0.2; echo b"])
eq(b"".join(api.exec_start(ex["Id"], stream=True)), b"a\nb\n", "streamed exec_start")
ex = api.exec_create(c.id, ["sh", "-c", "echo detached >/tmp/d"])
eq(api.exec_start(ex["Id"], detach=True), "", "detached exec_start")
for _ in range(100):
    if c.exec_run("cat /tmp/d").output == b"detached\n":
        break
    time.sleep(0.05)
else:
    raise AssertionError("the detached exec did not run")

try:
    api.exec_inspect("nosuch")
    raise AssertionError("inspect of no exec")
except docker.errors.NotFound as e:
    eq(e.response.status_code, 404, "no such exec")
c.stop(timeout=0)
try:
    c.exec_run("true")
    raise AssertionError("exec in a stopped container")
except docker.errors.APIError as e:
    eq(e.response.status_code, 409, "exec in a stopped container")
c.remove()
print("exec ok")
EOF
	assert_contains "$output" "exec ok"
	assert_store_empty
	serve_stop
	cleanup
}

test_python_sdk_networks_and_volumes() {
	sdk_serve_start
	sdk <<'EOF'
from docker.types import IPAMConfig, IPAMPool

# a network with its own subnet and labels
ipam = IPAMConfig(pool_configs=[IPAMPool(subnet="10.89.7.0/24", gateway="10.89.7.1")])
net = client.networks.create("sdknet", driver="bridge", ipam=ipam, labels={"team": "sdk"})
net.reload()
eq(net.name, "sdknet", "name")
eq(net.attrs["Driver"], "bridge", "Driver")
eq(net.attrs["Labels"], {"team": "sdk"}, "Labels")
eq([(p["Subnet"], p["Gateway"]) for p in net.attrs["IPAM"]["Config"]],
   [("10.89.7.0/24", "10.89.7.1")], "IPAM")
eq(client.networks.get(net.id[:12]).name, "sdknet", "by id prefix")
eq([n.name for n in client.networks.list(filters={"label": "team=sdk"})], ["sdknet"], "label filter")
try:
    client.networks.create("sdknet")
    raise AssertionError("a second network of the name")
except docker.errors.APIError as e:
    eq(e.response.status_code, 409, "duplicate name")

# two containers on it: one started on it, one connected with aliases
web = client.containers.run("bb", ["sh", "-c", "mkdir -p /www; echo served >/www/index.html; httpd -f -p 80 -h /www"],
                            detach=True, name="web", network="sdknet", cgroup_parent=CG)
cli = client.containers.run("bb", ["sleep", "1000"], detach=True, name="cli", cgroup_parent=CG)
net.connect(cli, aliases=["client", "klient"])
net.reload()
eq(sorted(c.name for c in net.containers), ["cli", "web"], "network's containers")
cli.reload()
ep = cli.attrs["NetworkSettings"]["Networks"]["sdknet"]
assert "klient" in ep["Aliases"] and "client" in ep["Aliases"], ep
assert ep["IPAddress"].startswith("10.89.7."), ep
eq(ep["Gateway"], "10.89.7.1", "endpoint gateway")
eq(ep["NetworkID"], net.id, "endpoint NetworkID")

# they reach each other by name and by alias
for _ in range(100):
    r = cli.exec_run(["wget", "-q", "-O", "-", "http://web/"])
    if r.exit_code == 0:
        break
    time.sleep(0.1)
eq(r.output, b"served\n", "cli -> web by name")
r = web.exec_run(["ping", "-c", "1", "-W", "5", "klient"])
eq(r.exit_code, 0, "web -> cli by alias: %s" % r.output)
assert ep["IPAddress"] in r.output.decode(), r.output

# disconnected: not on it any more, and the network then removable
net.disconnect(cli)
net.reload()
eq([c.name for c in net.containers], ["web"], "after disconnect")
cli.reload()
assert "sdknet" not in cli.attrs["NetworkSettings"]["Networks"], cli.attrs["NetworkSettings"]
try:
    net.remove()
    raise AssertionError("removed a network in use")
except docker.errors.APIError as e:
    eq(e.response.status_code, 403, "remove in use")
web.remove(force=True)
cli.remove(force=True)
net.remove()
try:
    client.networks.get("sdknet")
    raise AssertionError("the network is still there")
except docker.errors.NotFound:
    pass

# prune: the unused custom networks, by label
client.networks.create("keep", labels={"keep": "1"})
client.networks.create("drop1")
client.networks.create("drop2")
eq(sorted(client.networks.prune(filters={"label!": "keep"})["NetworksDeleted"]), ["drop1", "drop2"], "prune")
eq(sorted(n.name for n in client.networks.list() if n.name not in ("host", "none")), ["bridge", "keep"], "after prune")
eq(client.networks.prune()["NetworksDeleted"], ["keep"], "prune all")

# volumes: labels, list by filters, used by containers, get, remove
v = client.volumes.create("data1", driver="local", labels={"tier": "db", "x": "y"})
eq(v.name, "data1", "volume name")
eq(v.attrs["Driver"], "local", "Driver")
eq(v.attrs["Labels"], {"tier": "db", "x": "y"}, "Labels")
assert v.attrs["Mountpoint"].startswith("/"), v.attrs
client.volumes.create("data2")
anon = client.volumes.create()
assert len(anon.name) == 64, anon.name
eq([x.name for x in client.volumes.list(filters={"label": "tier=db"})], ["data1"], "label filter")
eq([x.name for x in client.volumes.list(filters={"name": "data2"})], ["data2"], "name filter")
eq(sorted(x.name for x in client.volumes.list(filters={"dangling": True})),
   sorted(["data1", "data2", anon.name]), "dangling")

out = client.containers.run("bb", ["sh", "-c", "echo kept >/data/f; cat /data/f"], remove=True,
                            volumes={"data1": {"bind": "/data", "mode": "rw"}}, cgroup_parent=CG)
eq(out, b"kept\n", "written")
keeper = client.containers.create("bb", ["cat", "/ro/f"], volumes=["data1:/ro:ro"], cgroup_parent=CG)
keeper.start()
eq(keeper.wait()["StatusCode"], 0, "read back")
eq(keeper.logs(), b"kept\n", "read back")
keeper.reload()
m = keeper.attrs["Mounts"]
eq([(x["Type"], x["Name"], x["Destination"], x["RW"]) for x in m], [("volume", "data1", "/ro", False)], "Mounts")
eq([x.name for x in client.volumes.list(filters={"dangling": False})], ["data1"], "in use")
try:
    client.volumes.get("data1").remove()
    raise AssertionError("removed a volume in use")
except docker.errors.APIError as e:
    eq(e.response.status_code, 409, "remove in use")
keeper.remove()
eq(client.volumes.get("data1").attrs["Labels"], {"tier": "db", "x": "y"}, "get")
client.volumes.get("data1").remove()
try:
    client.volumes.get("data1")
    raise AssertionError("the volume is still there")
except docker.errors.NotFound as e:
    eq(e.response.status_code, 404, "get of a removed volume")

# driver options: berth's volumes are plain directories, refused by name
try:
    client.volumes.create("opts", driver_opts={"type": "tmpfs", "device": "tmpfs"})
    raise AssertionError("driver options accepted")
except docker.errors.APIError as e:
    eq(e.response.status_code, 400, "driver_opts")
    assert "DriverOpts" in str(e), e

# prune: the anonymous one, then with all=true the named one too
p = client.volumes.prune()
eq(p["VolumesDeleted"], [anon.name], "prune")
assert isinstance(p["SpaceReclaimed"], int), p
eq(client.volumes.prune(filters={"all": "true"})["VolumesDeleted"], ["data2"], "prune all")
eq(client.volumes.list(), [], "volumes after prune")
print("networks and volumes ok")
EOF
	assert_contains "$output" "networks and volumes ok"
	assert_store_empty
	serve_stop
	cleanup
}

test_python_sdk_container_endpoints() {
	[[ -n ${BERTH_TEST_NETNS:-} ]] || skip "the engine runs in the host's network namespace"
	sdk_serve_start
	sdk <<'EOF'
import urllib.request, signal

c = client.containers.run("bb", ["sh", "-c", "trap 'echo got-usr1; exit 7' USR1; echo ready; while :; do sleep 0.1; done"],
                          detach=True, name="box", cgroup_parent=CG)
for _ in range(100):
    if b"ready" in c.logs():
        break
    time.sleep(0.05)

# put_archive / get_archive
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as t:
    data = b"hello archive\n"
    ti = tarfile.TarInfo("dir/hello.txt")
    ti.size, ti.mode = len(data), 0o640
    t.addfile(ti, io.BytesIO(data))
assert c.put_archive("/tmp", buf.getvalue()) is True
eq(c.exec_run("cat /tmp/dir/hello.txt").output, data, "put_archive")
eq(c.exec_run("stat -c %a /tmp/dir/hello.txt").output, b"640\n", "mode")
stream, stat = c.get_archive("/tmp/dir/hello.txt")
eq((stat["name"], stat["size"], stat["mode"] & 0o777), ("hello.txt", len(data), 0o640), "stat")
with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as t:
    eq(t.getnames(), ["hello.txt"], "archive names")
    eq(t.extractfile("hello.txt").read(), data, "archive content")
stream, stat = c.get_archive("/tmp/dir")
eq(stat["name"], "dir", "dir stat")
assert stat["mode"] & 0x80000000, stat      # os.ModeDir
with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as t:
    eq(sorted(t.getnames()), ["dir", "dir/hello.txt"], "dir archive")
try:
    c.get_archive("/nosuch")
    raise AssertionError("archive of a missing path")
except docker.errors.NotFound as e:
    eq(e.response.status_code, 404, "missing path")

# stats, one reading
s = c.stats(stream=False)
eq(s["id"], c.id, "stats id")
eq(s["name"], "/box", "stats name")
assert s["memory_stats"]["usage"] > 0, s["memory_stats"]
assert s["pids_stats"]["current"] >= 1, s["pids_stats"]
assert s["cpu_stats"]["cpu_usage"]["total_usage"] > 0, s["cpu_stats"]
assert "read" in s and "precpu_stats" in s, s

# top
t = c.top()
assert "PID" in t["Titles"] and "CMD" in t["Titles"], t
cmd = t["Titles"].index("CMD")
assert any(p[cmd].startswith("sh -c") for p in t["Processes"]), t
t = c.top(ps_args="-o pid,comm")
eq(t["Titles"], ["PID", "COMMAND"], "top ps_args")

# rename
c.rename("box2")
c.reload()
eq(c.name, "box2", "renamed")
eq(client.containers.get("box2").id, c.id, "get by the new name")

# pause / unpause
c.pause()
c.reload()
eq((c.status, c.attrs["State"]["Paused"]), ("paused", True), "paused")
c.unpause()
c.reload()
eq((c.status, c.attrs["State"]["Paused"]), ("running", False), "unpaused")

# update
eq(c.update(mem_limit="64m", cpu_shares=512)["Warnings"] or [], [], "update")
c.reload()
hc = c.attrs["HostConfig"]
eq((hc["Memory"], hc["CpuShares"]), (64 << 20, 512), "updated HostConfig")
eq(c.stats(stream=False)["memory_stats"]["limit"], 64 << 20, "the limit in force")

# diff: what changed in its filesystem
kinds = {d["Path"]: d["Kind"] for d in c.diff()}
eq(kinds.get("/tmp/dir/hello.txt"), 1, "added file")
eq(kinds.get("/tmp"), 0, "changed dir")

# kill with a signal: the trap runs, its exit code the trap's
c.kill(signal="SIGUSR1")
eq(c.wait(timeout=10)["StatusCode"], 7, "killed with USR1")
assert b"got-usr1" in c.logs(), c.logs()
c.reload()
eq((c.status, c.attrs["State"]["ExitCode"]), ("exited", 7), "exited")
c.start()
c.kill(signal=signal.SIGKILL)
eq(c.wait(timeout=10)["StatusCode"], 137, "SIGKILL by number")
try:
    c.kill()
    raise AssertionError("killed a stopped container")
except docker.errors.APIError as e:
    eq(e.response.status_code, 409, "kill of a stopped one")

# export: the container's filesystem
exp = b"".join(c.export())
with tarfile.open(fileobj=io.BytesIO(exp)) as t:
    names = set(n.lstrip("./") for n in t.getnames())
    assert "bin/busybox" in names and "tmp/dir/hello.txt" in names, sorted(names)[:20]
    eq(t.extractfile(t.getmember([n for n in t.getnames() if n.lstrip("./") == "tmp/dir/hello.txt"][0])).read(),
       data, "exported file")

# wait with a condition: next-exit waits for a run to come, removed for the removal
import threading
res = {}
def waiter(cond):
    res[cond] = client.api.wait(c.id, timeout=20, condition=cond)["StatusCode"]
w1 = threading.Thread(target=waiter, args=("next-exit",))
w1.start()
time.sleep(0.3)
assert w1.is_alive(), res
c.start()
c.kill()
w1.join(15)
eq(res.get("next-exit"), 137, "wait next-exit")
eq(c.wait(condition="not-running")["StatusCode"], 137, "wait not-running of a stopped one")
w2 = threading.Thread(target=waiter, args=("removed",))
w2.start()
time.sleep(0.3)
assert w2.is_alive(), res
c.remove()
w2.join(15)
eq(res.get("removed"), 137, "wait removed")

# published ports: one on a port asked for, one on a port the engine picks
web = client.containers.run("bb", ["sh", "-c", "mkdir -p /www; echo served >/www/index.html; httpd -f -p 80 -h /www"],
                            detach=True, name="web", ports={"80/tcp": ("127.0.0.1", 18081), "81/tcp": None},
                            cgroup_parent=CG)
web.reload()
eq(web.ports["80/tcp"], [{"HostIp": "127.0.0.1", "HostPort": "18081"}], "ports 80")
p81 = web.ports["81/tcp"]
assert len(p81) >= 1 and int(p81[0]["HostPort"]) > 0, p81
eq(web.attrs["HostConfig"]["PortBindings"]["80/tcp"], [{"HostIp": "127.0.0.1", "HostPort": "18081"}], "PortBindings")
eq(client.api.port(web.id, 80), [{"HostIp": "127.0.0.1", "HostPort": "18081"}], "api.port")
for _ in range(100):
    try:
        body = urllib.request.urlopen("http://127.0.0.1:18081/", timeout=2).read()
        break
    except OSError:
        time.sleep(0.1)
eq(body, b"served\n", "reached through the published port")
lst = client.api.containers(filters={"name": "web"})
eq(sorted((p["PrivatePort"], p.get("PublicPort")) for p in lst[0]["Ports"] if p["PrivatePort"] == 80),
   [(80, 18081)], "ps Ports")
web.remove(force=True)
print("containers ok")
EOF
	assert_contains "$output" "containers ok"
	assert_store_empty
	serve_stop
	cleanup
}

test_python_sdk_logs_since_timestamps_tail_and_follow() {
	sdk_serve_start
	sdk <<'EOF'
c = client.containers.run("bb", ["sh", "-c", "for i in 1 2 3; do echo early$i; done; echo err1 >&2; sleep 1.5; "
                                 "for i in 1 2; do echo late$i; done; sleep 3; echo last"],
                          detach=True, name="talker", cgroup_parent=CG)
for _ in range(100):
    if b"late2" in c.logs():
        break
    time.sleep(0.05)

eq(c.logs().decode().split(), ["early1", "early2", "early3", "err1", "late1", "late2"], "all")
eq(c.logs(stderr=False).decode().split(), ["early1", "early2", "early3", "late1", "late2"], "stdout")
eq(c.logs(stdout=False).decode().split(), ["err1"], "stderr")
eq(c.logs(tail=2).decode().split(), ["late1", "late2"], "tail 2")
eq(c.logs(tail=0), b"", "tail 0")

# timestamps: RFC 3339 with nanoseconds before each line, in order
lines = c.logs(timestamps=True, stderr=False).decode().splitlines()
eq(len(lines), 5, "timestamped lines")
stamps = []
for line in lines:
    ts, _, text = line.partition(" ")
    assert ts.endswith("Z") and len(ts) == 30, ts
    stamps.append(ts)
    assert text.startswith(("early", "late")), line
eq(stamps, sorted(stamps), "in order")
t_early = datetime.datetime.fromisoformat(stamps[2][:26] + "+00:00")
t_late = datetime.datetime.fromisoformat(stamps[3][:26] + "+00:00")
assert 1.2 < (t_late - t_early).total_seconds() < 3, stamps

# since and until (the SDK sends whole seconds): a second boundary between the two
# groups, 1.5 s apart
boundary = int(t_early.timestamp()) + 1
eq(c.logs(since=boundary).decode().split(), ["late1", "late2"], "since")
eq(c.logs(since=boundary, timestamps=True).decode().splitlines(),
   [l for l in c.logs(timestamps=True).decode().splitlines() if "late" in l], "since, timestamped")
eq(c.logs(since=int(time.time()) + 100), b"", "since the future")
eq(c.logs(until=datetime.datetime.fromtimestamp(boundary, datetime.timezone.utc)).decode().split(),
   ["early1", "early2", "early3", "err1"], "until")
eq(c.logs(since=boundary, tail=1).decode().split(), ["late2"], "since and tail")

# streamed and followed from the tail: the last line as it comes, then the end
c.reload()
eq(c.status, "running", "before it wrote its last line")
t0 = time.monotonic()
got = []
for chunk in c.logs(stream=True, follow=True, tail=1, timestamps=True):
    got.append((time.monotonic() - t0, chunk.decode()))
texts = [t.split(" ", 1)[1].strip() for _, t in got]
eq(texts, ["late2", "last"], "follow from tail 1")
assert got[-1][0] - got[0][0] > 0.2, got
eq(c.wait()["StatusCode"], 0, "exit")
c.remove()
print("logs ok")
EOF
	assert_contains "$output" "logs ok"
	assert_store_empty
	serve_stop
	cleanup
}
