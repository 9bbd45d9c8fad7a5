# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Shared helpers for the orchestrator tests (test-containerd.sh, test-podman.sh):
# sourced by them, defines functions only. Not a test file (no test- prefix).

# orch_oci_archive OUT NAME LAYER_TAR [CMD...]: write an OCI image-layout tarball OUT
# holding one image NAME (a full reference, e.g. docker.io/library/busybox:latest)
# whose only layer is the uncompressed tarball LAYER_TAR and whose default command is
# CMD (default: sh). `ctr image import OUT` imports it under NAME.
orch_oci_archive()
{
	local out=$1 name=$2 layer=$3 dir ldig lsize cfg cdig csize man mdig msize cmd
	shift 3
	(($# > 0)) || set -- sh
	dir=$(mktemp -d "${TMPDIR:-/tmp}/oci-layout.XXXXXX")
	mkdir -p "$dir/blobs/sha256"
	ldig=$(sha256sum "$layer" | cut -d' ' -f1)
	lsize=$(stat -c %s "$layer")
	cp "$layer" "$dir/blobs/sha256/$ldig"
	cmd=$(python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@")
	cfg=$(jq -cn --arg d "sha256:$ldig" --argjson cmd "$cmd" '{
		architecture: "amd64", os: "linux",
		config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
			Cmd: $cmd, WorkingDir: "/"},
		rootfs: {type: "layers", diff_ids: [$d]},
		history: [{created_by: "berth tests"}]}')
	cdig=$(printf '%s' "$cfg" | sha256sum | cut -d' ' -f1)
	csize=${#cfg}
	printf '%s' "$cfg" >"$dir/blobs/sha256/$cdig"
	man=$(jq -cn --arg cd "sha256:$cdig" --argjson cs "$csize" \
		--arg ld "sha256:$ldig" --argjson ls "$lsize" '{
		schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
		layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $ld, size: $ls}]}')
	mdig=$(printf '%s' "$man" | sha256sum | cut -d' ' -f1)
	msize=${#man}
	printf '%s' "$man" >"$dir/blobs/sha256/$mdig"
	jq -cn --arg md "sha256:$mdig" --argjson ms "$msize" --arg name "$name" '{
		schemaVersion: 2,
		manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
			digest: $md, size: $ms,
			platform: {architecture: "amd64", os: "linux"},
			annotations: {"io.containerd.image.name": $name,
				"org.opencontainers.image.ref.name": ($name | sub(".*:"; ""))}}]}' \
		>"$dir/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
	tar -C "$dir" -cf "$out" oci-layout index.json blobs
	rm -rf "$dir"
}

# orch_runtime_wrapper OUT LOG [ROOT]: write an executable OUT that appends to LOG one
# record per call (argv; the bundle's config.json for create/run; the --process file
# for exec), runs $BERTH_RUNTIME with the same arguments and stdio, and records its exit
# status plus, on failure, the tail of the --log file it was given. Orchestrators are
# pointed at OUT, so LOG says exactly what they asked of berth-runtime. With ROOT, a
# call without --root gets `--root ROOT` first: the runtime's default state root,
# moved to a private directory (as if berth-runtime had been built with that default).
orch_runtime_wrapper()
{
	local out=$1 log=$2 root=${3:-}
	cat >"$out" <<EOF
#!/bin/bash
log='$log'
rt='$BERTH_RUNTIME'
default_root='$root'
EOF
	cat >>"$out" <<'EOF'
{
	printf '=== %s pid %d: berth-runtime' "$(date +%T.%N)" "$$"
	printf ' %q' "$@"
	echo
} >>"$log"
rtlog="" bundle="" process="" sub="" prev=""
for a in "$@"; do
	case $prev in
	--log) rtlog=$a ;;
	--bundle | -b) bundle=$a ;;
	--process | -p) process=$a ;;
	esac
	case $a in
	--log=*) rtlog=${a#--log=} ;;
	--bundle=*) bundle=${a#--bundle=} ;;
	--process=*) process=${a#--process=} ;;
	create | run | exec | start | delete | kill | state | pause | resume | ps | update | \
		events | features | list | spec | checkpoint | restore)
		[[ -z $sub ]] && sub=$a ;;
	esac
	prev=$a
done
case $sub in
create | run)
	[[ -z $bundle ]] && bundle=$PWD
	[[ -r $bundle/config.json ]] && echo "--- config.json: $(tr -d '\n' <"$bundle/config.json")" >>"$log" ;;
exec)
	[[ -n $process && -r $process ]] && echo "--- process.json: $(tr -d '\n' <"$process")" >>"$log" ;;
esac
before=0
[[ -n $rtlog && -f $rtlog ]] && before=$(stat -c %s "$rtlog")
root_arg=()
if [[ -n $default_root ]]; then
	root_arg=(--root "$default_root")
	for a in "$@"; do
		[[ $a == --root || $a == --root=* ]] && root_arg=()
	done
fi
"$rt" "${root_arg[@]}" "$@"
rc=$?
echo "--- exit $rc ($sub)" >>"$log"
if ((rc != 0)) && [[ -n $rtlog && -f $rtlog ]]; then
	{ echo "--- new in $rtlog:"; tail -c "+$((before + 1))" "$rtlog" | tail -n 20; echo; } >>"$log"
fi
exit $rc
EOF
	chmod 755 "$out"
}

# orch_failed_calls LOG: the records of the calls that exited non-zero, for messages:
# each distinct failure (subcommand + error) once, with how often it happened.
orch_failed_calls()
{
	awk '
	function flush() {
		if (bad) {
			k = sub_ "|" err
			if (!(k in n)) { order[++cnt] = k; first[k] = rec }
			n[k]++
		}
		rec = ""; bad = 0; err = ""; sub_ = ""
	}
	/^=== / { flush() }
	{ rec = rec $0 "\n" }
	/^--- exit [1-9]/ { bad = 1; sub_ = $0 }
	/^\{.*"level":"error"/ {
		# the message without its time and with container ids as ID
		err = $0
		if (match(err, /"msg":"[^"]*"/)) err = substr(err, RSTART, RLENGTH)
		gsub(/\047[^\047]*\047/, "ID", err)
	}
	END {
		flush()
		for (i = 1; i <= cnt; i++) {
			printf "%s", first[order[i]]
			if (n[order[i]] > 1) printf "(the same failure %d times)\n", n[order[i]]
		}
	}' "$1" 2>/dev/null | cut -c1-500 | head -n 80
}

# orch_pid_gone PID: true when PID has exited (or is a zombie).
orch_pid_gone()
{
	[[ ! -e /proc/$1 || $(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) == Z ]]
}
