#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A registry serving one image, slow:x, whose layer blob (LAYER, a plain tar) trickles out
at 4 KiB/s, so a test can interrupt a pull while it downloads. With --fast-layer, also
slow:two: FAST (served at once) below LAYER, so a test can watch FAST being unpacked while
LAYER still downloads.

    slow-registry.py --port-file F --layer LAYER [--fast-layer FAST]
"""
import argparse
import hashlib
import http.server
import json
import os
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--layer", required=True)
    ap.add_argument("--fast-layer")
    args = ap.parse_args()
    layer = open(args.layer, "rb").read()
    sha = lambda d: "sha256:" + hashlib.sha256(d).hexdigest()
    blobs = {sha(layer): layer}
    manifests = {}

    def image(tag, layers):
        config = json.dumps({"architecture": "amd64", "os": "linux",
                             "rootfs": {"type": "layers",
                                        "diff_ids": [sha(l) for l in layers]}}).encode()
        manifests[tag] = json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": sha(config), "size": len(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                        "digest": sha(l), "size": len(l)} for l in layers]}).encode()
        blobs[sha(config)] = config
        for l in layers:
            blobs[sha(l)] = l

    image("x", [layer])
    if args.fast_layer:
        image("two", [open(args.fast_layer, "rb").read(), layer])

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def send(self, status, body, ctype="application/json", slow=False):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not slow:
                self.wfile.write(body)
                return
            for i in range(0, len(body), 1024):
                self.wfile.write(body[i:i + 1024])
                self.wfile.flush()
                time.sleep(0.25)

        def do_GET(self):
            p = self.path
            if p == "/v2/":
                return self.send(200, b"{}")
            if p.startswith("/v2/slow/manifests/") and p[19:] in manifests:
                return self.send(200, manifests[p[19:]],
                                 "application/vnd.oci.image.manifest.v1+json")
            if p.startswith("/v2/slow/blobs/") and p[15:] in blobs:
                d = p[15:]
                return self.send(200, blobs[d], "application/octet-stream", d == sha(layer))
            self.send(404, b'{"errors": [{"code": "NOT_FOUND", "message": "not found"}]}')

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
