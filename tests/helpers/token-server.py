#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A tiny registry token server (docker's token auth spec) for the integration tests.

GET /token?service=S&scope=repository:NAME:ACTIONS[&scope=...] answers
{"token": JWT, "access_token": JWT} with a JWT signed RS256 by KEY, carrying CERT in its
x5c header (what docker-registry checks against its rootcertbundle). With the right
Basic credentials every requested action is granted; anonymous requests get a token
granting nothing; wrong credentials get 401. Signing uses the openssl command, so only
Python's standard library is needed.

    token-server.py --port-file F --key K --cert C --issuer I --service S --user U --password P
"""
import argparse
import base64
import http.server
import json
import os
import subprocess
import sys
import time
import urllib.parse


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main():
    ap = argparse.ArgumentParser()
    for flag in ("--port-file", "--key", "--cert", "--issuer", "--service", "--user", "--password"):
        ap.add_argument(flag, required=True)
    args = ap.parse_args()
    der = subprocess.run(["openssl", "x509", "-in", args.cert, "-outform", "DER"],
                         check=True, capture_output=True).stdout
    x5c = base64.b64encode(der).decode()
    good = "Basic " + base64.b64encode(f"{args.user}:{args.password}".encode()).decode()

    def sign(claims):
        header = {"typ": "JWT", "alg": "RS256", "x5c": [x5c]}
        signing_input = (b64url(json.dumps(header).encode()) + "." +
                         b64url(json.dumps(claims).encode())).encode()
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", args.key],
                             input=signing_input, check=True, capture_output=True).stdout
        return signing_input.decode() + "." + b64url(sig)

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, fmt, *a):
            sys.stderr.write("token-server: " + (fmt % a) + "\n")

        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            if url.path != "/token":
                return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "no such path"}]})
            q = urllib.parse.parse_qs(url.query)
            authz = self.headers.get("Authorization")
            if authz is not None and authz != good:
                return self.reply(401, {"errors": [{"code": "UNAUTHORIZED",
                                                    "message": "incorrect username or password"}]})
            access = []
            if authz == good:
                for scope in q.get("scope", []):
                    typ, _, rest = scope.partition(":")
                    name, _, actions = rest.rpartition(":")
                    access.append({"type": typ, "name": name, "actions": actions.split(",")})
            now = int(time.time())
            claims = {"iss": args.issuer, "sub": args.user if authz else "", "aud": args.service,
                      "exp": now + 300, "nbf": now - 10, "iat": now,
                      "jti": b64url(os.urandom(12)), "access": access}
            token = sign(claims)
            self.reply(200, {"token": token, "access_token": token, "expires_in": 300})

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
