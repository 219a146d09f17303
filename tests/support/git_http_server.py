#!/usr/bin/env python3
"""A private git server over smart HTTP for the tests (tests/support/git.rs, `GitHttpServer`).

git's own `git http-backend` (CGI) serves the bare repositories under REPOS, behind HTTP basic
authentication as hosting services ask for a token: only `x-access-token:TOKEN` (what BuildKit's
git source sends for the `GIT_AUTH_TOKEN` secret) is let through; anything else gets a 401. Every
request is one JSON line in LOG (method, path, whether it was authorised), the test's access log.
It never logs the credentials themselves.

Usage: git_http_server.py REPOS PORT_FILE LOG TOKEN_FILE
It binds a free loopback port and writes it to PORT_FILE when it is ready to serve.
"""
import base64
import http.server
import json
import os
import subprocess
import sys
import threading

import loopback  # tests/support/loopback.py, beside this script


def read_body(handler):
    """The request body: by Content-Length, or chunked as git sends large POSTs."""
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        body = bytearray()
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                handler.rfile.readline()
                return bytes(body)
            body += handler.rfile.read(size)
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


def main():
    repos, port_file, log_path, token_file = sys.argv[1:5]
    with open(token_file) as f:
        token = f.read().strip()
    expected = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    log_lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass  # the JSON log below is the access log

        def authorised(self):
            scheme, _, value = self.headers.get("Authorization", "").partition(" ")
            return scheme.lower() == "basic" and value.strip() == expected

        def record(self, authorised, status):
            path = self.path.split("?", 1)[0]
            entry = {"method": self.command, "path": self.path, "repo_path": path,
                     "authorised": authorised, "status": status}
            with log_lock, open(log_path, "a") as log:
                log.write(json.dumps(entry) + "\n")

        def do_GET(self):
            self.serve()

        def do_POST(self):
            self.serve()

        def serve(self):
            body = read_body(self)
            if not self.authorised():
                self.record(False, 401)
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="cargo-frontend tests"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            path, _, query = self.path.partition("?")
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "GIT_PROJECT_ROOT": repos,
                "GIT_HTTP_EXPORT_ALL": "1",
                "GIT_CONFIG_GLOBAL": "/dev/null",
                "GIT_CONFIG_NOSYSTEM": "1",
                "REQUEST_METHOD": self.command,
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
                "REMOTE_USER": "x-access-token",
                "REMOTE_ADDR": self.client_address[0],
                "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
                "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
            }
            backend = subprocess.run(["git", "http-backend"], input=body, env=env,
                                     capture_output=True, check=False)
            # CGI headers end at the first empty line; git writes them with CRLF.
            out = backend.stdout
            crlf, lf = out.find(b"\r\n\r\n"), out.find(b"\n\n")
            if crlf != -1 and (lf == -1 or crlf < lf):
                head, payload = out[:crlf], out[crlf + 4:]
            else:
                head, payload = out[:lf], out[lf + 2:]
            status, headers = 200, []
            for line in head.decode("latin-1").splitlines():
                name, _, value = line.partition(":")
                if name.lower() == "status":
                    status = int(value.split()[0])
                elif name:
                    headers.append((name, value.strip()))
            self.record(True, status)
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    loopback.serve(Handler, port_file, 0)


if __name__ == "__main__":
    main()
