#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A minimal CRI (runtime.v1) client for the integration tests, where crictl is not
packaged: Debian's python3-grpcio for the transport, the protobuf wire format written
out by hand for the handful of messages the tests use (field numbers from
k8s.io/cri-api runtime/v1 api.proto; unknown response fields are skipped).

    cri.py SOCKET [Runtime|Image]Service METHOD JSON-REQUEST  ->  JSON response on stdout

e.g. cri.py /run/c.sock RuntimeService RunPodSandbox '{"config": {...}}'.
A gRPC error prints "cri: CODE: DETAILS" on stderr and exits 1. Each call gives up
after $CRI_TIMEOUT seconds (default 30).
"""

import json
import os
import sys

# message name -> {field name: (number, kind, repeated)}; kind is a scalar type, "map"
# (string -> string) or a message name.
S = {}


def msg(_msgname, **fields):
    S[_msgname] = {k: (v[0], v[1], len(v) > 2 and v[2] == "rep") for k, v in fields.items()}


msg("Empty")
msg("VersionRequest", version=(1, "string"))
msg("VersionResponse", version=(1, "string"), runtime_name=(2, "string"),
    runtime_version=(3, "string"), runtime_api_version=(4, "string"))
msg("PodSandboxMetadata", name=(1, "string"), uid=(2, "string"), namespace=(3, "string"),
    attempt=(4, "uint32"))
msg("NamespaceOption", network=(1, "enum"), pid=(2, "enum"), ipc=(3, "enum"),
    target_id=(4, "string"))
msg("Int64Value", value=(1, "int64"))
msg("SecurityProfile", profile_type=(1, "enum"), localhost_ref=(2, "string"))
msg("LinuxSandboxSecurityContext", namespace_options=(1, "NamespaceOption"),
    run_as_user=(3, "Int64Value"), readonly_rootfs=(4, "bool"),
    supplemental_groups=(5, "int64", "rep"), privileged=(6, "bool"),
    run_as_group=(8, "Int64Value"), seccomp=(9, "SecurityProfile"))
msg("LinuxPodSandboxConfig", cgroup_parent=(1, "string"),
    security_context=(2, "LinuxSandboxSecurityContext"), sysctls=(3, "map"))
msg("DNSConfig", servers=(1, "string", "rep"), searches=(2, "string", "rep"),
    options=(3, "string", "rep"))
msg("PodSandboxConfig", metadata=(1, "PodSandboxMetadata"), hostname=(2, "string"),
    log_directory=(3, "string"), dns_config=(4, "DNSConfig"), labels=(6, "map"),
    annotations=(7, "map"), linux=(8, "LinuxPodSandboxConfig"))
msg("RunPodSandboxRequest", config=(1, "PodSandboxConfig"), runtime_handler=(2, "string"))
msg("RunPodSandboxResponse", pod_sandbox_id=(1, "string"))
msg("PodSandboxIdRequest", pod_sandbox_id=(1, "string"), verbose=(2, "bool"))
msg("PodIP", ip=(1, "string"))
msg("PodSandboxNetworkStatus", ip=(1, "string"), additional_ips=(2, "PodIP", "rep"))
msg("PodSandboxStatus", id=(1, "string"), metadata=(2, "PodSandboxMetadata"),
    state=(3, "enum"), created_at=(4, "int64"), network=(5, "PodSandboxNetworkStatus"),
    labels=(7, "map"), annotations=(8, "map"), runtime_handler=(9, "string"))
msg("PodSandboxStatusResponse", status=(1, "PodSandboxStatus"), info=(2, "map"))
msg("PodSandboxFilter", id=(1, "string"))
msg("ListPodSandboxRequest", filter=(1, "PodSandboxFilter"))
msg("PodSandbox", id=(1, "string"), metadata=(2, "PodSandboxMetadata"), state=(3, "enum"))
msg("ListPodSandboxResponse", items=(1, "PodSandbox", "rep"))
msg("ImageSpec", image=(1, "string"))
msg("KeyValue", key=(1, "string"), value=(2, "string"))
msg("Mount", container_path=(1, "string"), host_path=(2, "string"), readonly=(3, "bool"),
    propagation=(5, "enum"))
msg("LinuxContainerResources", cpu_period=(1, "int64"), cpu_quota=(2, "int64"),
    cpu_shares=(3, "int64"), memory_limit_in_bytes=(4, "int64"), oom_score_adj=(5, "int64"),
    cpuset_cpus=(6, "string"), cpuset_mems=(7, "string"), unified=(9, "map"),
    memory_swap_limit_in_bytes=(10, "int64"))
msg("Capability", add_capabilities=(1, "string", "rep"), drop_capabilities=(2, "string", "rep"))
msg("LinuxContainerSecurityContext", capabilities=(1, "Capability"), privileged=(2, "bool"),
    namespace_options=(3, "NamespaceOption"), run_as_user=(5, "Int64Value"),
    run_as_username=(6, "string"), readonly_rootfs=(7, "bool"),
    supplemental_groups=(8, "int64", "rep"), no_new_privs=(11, "bool"),
    run_as_group=(12, "Int64Value"), masked_paths=(13, "string", "rep"),
    readonly_paths=(14, "string", "rep"), seccomp=(15, "SecurityProfile"))
msg("LinuxContainerConfig", resources=(1, "LinuxContainerResources"),
    security_context=(2, "LinuxContainerSecurityContext"))
msg("ContainerMetadata", name=(1, "string"), attempt=(2, "uint32"))
msg("ContainerConfig", metadata=(1, "ContainerMetadata"), image=(2, "ImageSpec"),
    command=(3, "string", "rep"), args=(4, "string", "rep"), working_dir=(5, "string"),
    envs=(6, "KeyValue", "rep"), mounts=(7, "Mount", "rep"), labels=(9, "map"),
    annotations=(10, "map"), log_path=(11, "string"), stdin=(12, "bool"),
    stdin_once=(13, "bool"), tty=(14, "bool"), linux=(15, "LinuxContainerConfig"))
msg("CreateContainerRequest", pod_sandbox_id=(1, "string"), config=(2, "ContainerConfig"),
    sandbox_config=(3, "PodSandboxConfig"))
msg("CreateContainerResponse", container_id=(1, "string"))
msg("ContainerIdRequest", container_id=(1, "string"), timeout=(2, "int64"))
msg("ContainerStatusRequest", container_id=(1, "string"), verbose=(2, "bool"))
msg("ContainerStatus", id=(1, "string"), metadata=(2, "ContainerMetadata"), state=(3, "enum"),
    created_at=(4, "int64"), started_at=(5, "int64"), finished_at=(6, "int64"),
    exit_code=(7, "int32"), image=(8, "ImageSpec"), image_ref=(9, "string"),
    reason=(10, "string"), message=(11, "string"), log_path=(15, "string"))
msg("ContainerStatusResponse", status=(1, "ContainerStatus"), info=(2, "map"))
msg("ContainerFilter", id=(1, "string"), pod_sandbox_id=(3, "string"))
msg("ListContainersRequest", filter=(1, "ContainerFilter"))
msg("Container", id=(1, "string"), pod_sandbox_id=(2, "string"),
    metadata=(3, "ContainerMetadata"), state=(6, "enum"))
msg("ListContainersResponse", containers=(1, "Container", "rep"))
msg("UpdateContainerResourcesRequest", container_id=(1, "string"),
    linux=(2, "LinuxContainerResources"))
msg("ExecSyncRequest", container_id=(1, "string"), cmd=(2, "string", "rep"),
    timeout=(3, "int64"))
msg("ExecSyncResponse", stdout=(1, "bytes"), stderr=(2, "bytes"), exit_code=(3, "int32"))
msg("ImageStatusRequest", image=(1, "ImageSpec"), verbose=(2, "bool"))
msg("Image", id=(1, "string"), repo_tags=(2, "string", "rep"),
    repo_digests=(3, "string", "rep"), size=(4, "uint64"))
msg("ImageStatusResponse", image=(1, "Image"), info=(2, "map"))

# method -> (request, response)
METHODS = {
    "Version": ("VersionRequest", "VersionResponse"),
    "RunPodSandbox": ("RunPodSandboxRequest", "RunPodSandboxResponse"),
    "StopPodSandbox": ("PodSandboxIdRequest", "Empty"),
    "RemovePodSandbox": ("PodSandboxIdRequest", "Empty"),
    "PodSandboxStatus": ("PodSandboxIdRequest", "PodSandboxStatusResponse"),
    "ListPodSandbox": ("ListPodSandboxRequest", "ListPodSandboxResponse"),
    "CreateContainer": ("CreateContainerRequest", "CreateContainerResponse"),
    "StartContainer": ("ContainerIdRequest", "Empty"),
    "StopContainer": ("ContainerIdRequest", "Empty"),
    "RemoveContainer": ("ContainerIdRequest", "Empty"),
    "ContainerStatus": ("ContainerStatusRequest", "ContainerStatusResponse"),
    "ListContainers": ("ListContainersRequest", "ListContainersResponse"),
    "UpdateContainerResources": ("UpdateContainerResourcesRequest", "Empty"),
    "ExecSync": ("ExecSyncRequest", "ExecSyncResponse"),
    "ImageStatus": ("ImageStatusRequest", "ImageStatusResponse"),
}

VARINT = {"int64", "int32", "uint32", "uint64", "bool", "enum"}


def varint(n):
    n &= (1 << 64) - 1  # negative numbers: ten bytes of two's complement
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(num, wire):
    return varint(num << 3 | wire)


def encode(mtype, obj):
    schema = S[mtype]
    out = bytearray()
    for name, value in obj.items():
        if name not in schema:
            raise SystemExit(f"cri: {mtype} has no field '{name}' (in this client)")
        num, kind, rep = schema[name]
        if kind == "map":
            for k, v in value.items():
                entry = key(1, 2) + varint(len(k.encode())) + k.encode()
                entry += key(2, 2) + varint(len(str(v).encode())) + str(v).encode()
                out += key(num, 2) + varint(len(entry)) + entry
            continue
        for v in (value if rep else [value]):
            if kind in VARINT:
                out += key(num, 0) + varint(int(v))
            elif kind in ("string", "bytes"):
                b = v.encode() if isinstance(v, str) else bytes(v)
                out += key(num, 2) + varint(len(b)) + b
            else:
                b = encode(kind, v)
                out += key(num, 2) + varint(len(b)) + b
    return bytes(out)


def read_varint(buf, i):
    n = shift = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def fields(buf):
    i = 0
    while i < len(buf):
        k, i = read_varint(buf, i)
        num, wire = k >> 3, k & 7
        if wire == 0:
            v, i = read_varint(buf, i)
        elif wire == 2:
            ln, i = read_varint(buf, i)
            v, i = buf[i:i + ln], i + ln
        elif wire == 1:
            v, i = buf[i:i + 8], i + 8
        elif wire == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise SystemExit(f"cri: unsupported wire type {wire}")
        yield num, wire, v


def signed(n, bits):
    return n - (1 << bits) if n >> (bits - 1) else n


def decode(mtype, buf):
    by_num = {v[0]: (k, v[1], v[2]) for k, v in S[mtype].items()}
    obj = {}
    for num, wire, v in fields(buf):
        if num not in by_num:
            continue
        name, kind, rep = by_num[num]
        if kind == "map":
            kv = {n: bytes(x).decode() for n, _, x in fields(v)}
            obj.setdefault(name, {})[kv.get(1, "")] = kv.get(2, "")
            continue
        if kind in VARINT and wire == 2:  # packed repeated
            vals, j = [], 0
            while j < len(v):
                x, j = read_varint(v, j)
                vals.append(x)
        else:
            vals = [v]
        for x in vals:
            if kind == "int64":
                x = signed(x, 64)
            elif kind == "int32":
                x = signed(x & 0xFFFFFFFF, 32)
            elif kind == "bool":
                x = bool(x)
            elif kind == "string":
                x = bytes(x).decode()
            elif kind == "bytes":
                x = bytes(x).decode(errors="replace")
            elif kind not in VARINT:
                x = decode(kind, bytes(x))
            if rep:
                obj.setdefault(name, []).append(x)
            else:
                obj[name] = x
    return obj


def main():
    if len(sys.argv) != 5:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    sock, service, method, request = sys.argv[1:]
    import grpc  # noqa: E402 (after the usage check: a clear message without grpcio)

    req_t, resp_t = METHODS[method]
    body = encode(req_t, json.loads(request))
    with grpc.insecure_channel("unix://" + sock) as ch:
        call = ch.unary_unary(f"/runtime.v1.{service}/{method}")
        try:
            resp = call(body, timeout=float(os.environ.get("CRI_TIMEOUT", "30")))
        except grpc.RpcError as e:
            print(f"cri: {e.code().name}: {e.details()}", file=sys.stderr)
            return 1
    print(json.dumps(decode(resp_t, resp)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
