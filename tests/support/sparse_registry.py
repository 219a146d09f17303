#!/usr/bin/env python3
"""A private cargo registry over cargo's sparse protocol for the tests (tests/support/registry.rs,
`SparseRegistry`).

It serves what a private registry (Cloudsmith, Artifactory, kellnr) serves, from files on disk
under ROOT: the index (`index/config.json` and one file of JSON lines per crate, laid out as
cargo's index is), the `.crate` archives under `dl/`, and cargo's publish API, which is how the
tests put crates there: host `cargo publish` makes the archives, so they are what cargo makes.

Every request, `config.json` included, must carry `Authorization: TOKEN` (the raw token, as cargo
sends it; `config.json` says `auth-required`). Anything else gets a 401 with cargo's JSON error and
`WWW-Authenticate: Cargo login_url=...`, as private registries answer. Every request is one JSON
line in LOG (method, path, whether it was authorised, the status), the test's access log. It never
logs the token or the Authorization header.

Usage: sparse_registry.py ROOT PORT_FILE LOG TOKEN_FILE [PORT]
It binds PORT on loopback (a free one without it) and writes it to PORT_FILE when it is ready.
"""
import hashlib
import http.server
import json
import os
import struct
import sys
import threading

import loopback  # tests/support/loopback.py, beside this script

def index_path(name):
    """The crate's index file under `index/`, as cargo lays the index out (lowercase)."""
    name = name.lower()
    if len(name) <= 2:
        return f"{len(name)}/{name}"
    if len(name) == 3:
        return f"3/{name[0]}/{name}"
    return f"{name[:2]}/{name[2:4]}/{name}"


def lower_prefix(name):
    """The `{lowerprefix}` of config.json's `dl` template: the index file's directory."""
    return index_path(name).rsplit("/", 1)[0]


def crate_path(name, version):
    """Where `dl` (expanded from config.json's template) points for a version's archive."""
    return f"{lower_prefix(name)}/{name}/{name}-{version}.crate"


def index_dependency(dep):
    """A publish request's dependency as an index entry's: `version_req` is `req`, and a renamed
    dependency (`explicit_name_in_toml`) is listed by the name the manifest gives it, with the
    crate's real name in `package`."""
    entry = {
        "name": dep["name"],
        "req": dep["version_req"],
        "features": dep.get("features") or [],
        "optional": bool(dep.get("optional")),
        "default_features": dep.get("default_features", True),
        "target": dep.get("target"),
        "kind": dep.get("kind") or "normal",
    }
    # Absent: this registry. Cargo names any other (crates.io's git index url for crates.io).
    if dep.get("registry"):
        entry["registry"] = dep["registry"]
    if dep.get("explicit_name_in_toml"):
        entry["name"] = dep["explicit_name_in_toml"]
        entry["package"] = dep["name"]
    return entry


def index_entry(meta, cksum):
    """The index line for a published version, as crates.io writes it: features that use the
    newer `dep:` or `?/` syntax go to `features2`, which older cargos skip, and make the entry
    `v: 2`."""
    features, features2 = {}, {}
    for feature, enables in (meta.get("features") or {}).items():
        newer = any(e.startswith("dep:") or "?/" in e for e in enables)
        (features2 if newer else features)[feature] = enables
    entry = {
        "name": meta["name"],
        "vers": meta["vers"],
        "deps": [index_dependency(d) for d in meta.get("deps") or []],
        "cksum": cksum,
        "features": features,
        "yanked": False,
        "links": meta.get("links"),
    }
    if features2:
        entry["features2"] = features2
        entry["v"] = 2
    if meta.get("rust_version"):
        entry["rust_version"] = meta["rust_version"]
    return entry


class Refused(Exception):
    """A request the registry refuses, with the status and the detail cargo prints."""

    def __init__(self, status, detail):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def parse_publish(body):
    """Cargo's publish body: a u32 (little-endian) length and the JSON metadata, then a u32
    length and the `.crate` archive."""
    try:
        (json_len,) = struct.unpack_from("<I", body, 0)
        meta = json.loads(body[4:4 + json_len])
        (crate_len,) = struct.unpack_from("<I", body, 4 + json_len)
        crate = body[8 + json_len:8 + json_len + crate_len]
    except (struct.error, ValueError) as e:
        raise Refused(400, f"malformed publish request: {e}") from e
    if len(crate) != crate_len:
        raise Refused(400, "malformed publish request: the archive is cut short")
    return meta, crate


class Registry:
    """The files under ROOT, and publishing into them (one publish at a time)."""

    def __init__(self, root):
        self.root = root
        self.lock = threading.Lock()

    def file(self, area, relative):
        """The file `relative` under `area` (`index` or `dl`), or None when it is not there or
        the path leaves the area."""
        base = os.path.realpath(os.path.join(self.root, area))
        path = os.path.realpath(os.path.join(base, relative))
        if not path.startswith(base + os.sep) or not os.path.isfile(path):
            return None
        return path

    def index_file(self, relative):
        """An index file, only at the path cargo's layout gives its crate's name."""
        if index_path(relative.rsplit("/", 1)[-1]) != relative:
            return None
        return self.file("index", relative)

    def publish(self, body):
        meta, crate = parse_publish(body)
        name, version = meta["name"], meta["vers"]
        index = os.path.join(self.root, "index", index_path(name))
        with self.lock:
            if os.path.exists(index):
                with open(index) as f:
                    published = [json.loads(line)["vers"] for line in f if line.strip()]
                if version in published:
                    raise Refused(400, f"crate version `{name}@{version}` is already uploaded")
            archive = os.path.join(self.root, "dl", crate_path(name, version))
            os.makedirs(os.path.dirname(archive), exist_ok=True)
            with open(archive, "wb") as f:
                f.write(crate)
            entry = index_entry(meta, hashlib.sha256(crate).hexdigest())
            os.makedirs(os.path.dirname(index), exist_ok=True)
            with open(index, "a") as f:
                f.write(json.dumps(entry, separators=(",", ":")) + "\n")


def main():
    root, port_file, log_path, token_file = sys.argv[1:5]
    port = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    with open(token_file) as f:
        token = f.read().strip()
    registry = Registry(root)
    log_lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        # Keep-alive, and `Expect: 100-continue` answered for curl's publish upload.
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass  # the JSON log below is the access log

        def request_path(self):
            """The path asked for, without the query. A request through an HTTP proxy names the
            whole url (`GET http://127.0.0.1:8491/index/config.json`, RFC 9112's absolute-form):
            this server answers for whatever address the client knows it by, so the tests can
            publish at the examples' fixed url with the server as the proxy."""
            path = self.path.split("?", 1)[0]
            if path.startswith("http://"):
                path = "/" + path[len("http://"):].partition("/")[2]
            return path

        def record(self, authorised, status):
            entry = {"method": self.command, "path": self.request_path(),
                     "authorised": authorised, "status": status}
            with log_lock, open(log_path, "a") as log:
                log.write(json.dumps(entry) + "\n")

        def reply(self, authorised, status, body, content_type="application/json", headers=()):
            self.record(authorised, status)
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def refuse(self, authorised, status, detail, headers=()):
            body = json.dumps({"errors": [{"detail": detail}]}).encode()
            self.reply(authorised, status, body, headers=headers)

        def do_GET(self):
            self.serve()

        def do_HEAD(self):
            self.serve()

        def do_PUT(self):
            self.serve()

        def serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.headers.get("Authorization") != token:
                login = f'Cargo login_url="http://127.0.0.1:{self.server.server_port}/me"'
                self.refuse(False, 401, "this registry requires a token: "
                            "set CARGO_REGISTRIES_<NAME>_TOKEN or run `cargo login`",
                            headers=[("WWW-Authenticate", login)])
                return
            path = self.request_path()
            try:
                if self.command == "PUT" and path == "/api/v1/crates/new":
                    registry.publish(body)
                    warnings = {"invalid_categories": [], "invalid_badges": [], "other": []}
                    self.reply(True, 200, json.dumps({"warnings": warnings}).encode())
                elif self.command in ("GET", "HEAD") and path == "/index/config.json":
                    self.reply(True, 200, self.config())
                elif self.command in ("GET", "HEAD") and path.startswith("/index/"):
                    self.send_file(registry.index_file(path[len("/index/"):]), "text/plain")
                elif self.command in ("GET", "HEAD") and path.startswith("/dl/"):
                    self.send_file(registry.file("dl", path[len("/dl/"):]),
                                   "application/octet-stream")
                else:
                    raise Refused(404, f"no {self.command} {path} here")
            except Refused as refused:
                self.refuse(True, refused.status, refused.detail)

        def config(self):
            base = f"http://127.0.0.1:{self.server.server_port}"
            return json.dumps({
                "dl": base + "/dl/{lowerprefix}/{crate}/{crate}-{version}.crate",
                "api": base,
                "auth-required": True,
            }).encode()

        def send_file(self, path, content_type):
            if path is None:
                raise Refused(404, f"{self.request_path()} is not in this registry")
            with open(path, "rb") as f:
                self.reply(True, 200, f.read(), content_type)

    loopback.serve(Handler, port_file, port)


if __name__ == "__main__":
    main()
