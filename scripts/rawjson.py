"""Reads the status stream of `docker buildx build --progress=rawjson`, for bench/ and corpus/.

The stream is a sequence of pretty-printed JSON objects (not one per line), each a BuildKit status
update with `vertexes` (digest, name, started, completed, cached, error) and `logs` (vertex digest,
base64 data). A vertex is reported several times as it progresses; its fields are merged here.
Anything that is not JSON (buildx's own messages after the build) ends the stream and is
returned as the rest.
"""
import base64
import json
import re
from datetime import datetime, timezone


def parse_time(text):
    """An RFC 3339 time with up to nanoseconds, in UTC (Python keeps microseconds); None if not one."""
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$", text)
    if not m:
        return None
    base, frac, zone = m.groups()
    frac = (frac or "0")[:6].ljust(6, "0")
    zone = "+00:00" if zone == "Z" else zone
    return datetime.fromisoformat(f"{base}.{frac}{zone}").astimezone(timezone.utc)


def new_vertex():
    return {"name": "", "cached": False, "started": None, "completed": None, "error": "", "log": ""}


def parse(text):
    """({digest: vertex}, rest): each vertex has its name, whether it was ever reported cached,
    its first `started` and last `completed` (datetimes or None), its error and its whole log."""
    decoder = json.JSONDecoder()
    vertices = {}
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return vertices, ""
        try:
            status, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            return vertices, text[pos:]
        if not isinstance(status, dict):
            continue
        for log in status.get("logs") or []:
            entry = vertices.setdefault(log.get("vertex", ""), new_vertex())
            try:
                entry["log"] += base64.b64decode(log.get("data") or "").decode("utf-8", "replace")
            except ValueError:
                pass
        for v in status.get("vertexes") or []:
            entry = vertices.setdefault(v["digest"], new_vertex())
            if v.get("name"):
                entry["name"] = v["name"]
            entry["cached"] |= bool(v.get("cached"))
            if v.get("started") and entry["started"] is None:
                entry["started"] = parse_time(v["started"])
            if v.get("completed"):
                entry["completed"] = parse_time(v["completed"])
            if v.get("error"):
                entry["error"] = v["error"]
