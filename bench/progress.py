#!/usr/bin/env python3
"""Reads `docker buildx build --progress=rawjson` logs for bench/run.sh.

    progress.py units LOG                     -> "EXECUTED CACHED" cargo-frontend unit vertices
    progress.py cached-runs LOG               -> how many Dockerfile RUN steps were cache hits
    progress.py seconds LOG SUBSTRING         -> seconds the first executed vertex whose name
                                                 contains SUBSTRING ran ("" if none)
    progress.py overhead LOG [TIMINGS_HTML]   -> one Markdown paragraph on per-unit durations

The rawjson stream is read by scripts/rawjson.py (shared with corpus/run.py).

Unit vertices are the ones cargo-frontend names `cargo build NAME vVER (KIND)` and
`cargo run-build-script NAME vVER`. A unit's duration is from its first `started` to its last
`completed`. Executed means started, not a cache hit, and not cancelled (BuildKit reports vertices
it began to load and dropped after a later cache hit with a "context canceled" error).

TIMINGS_HTML is the cargo-timing.html of the host's cold build of the same package
(`cargo build --timings`): with it, "trivial" units are the ones whose host build took at most
TRIVIAL_HOST_SECONDS, and each unit's duration is also compared with the host's.
"""
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import rawjson  # noqa: E402

TRIVIAL_HOST_SECONDS = 0.20
UNIT_BUILD = re.compile(r"^cargo build (\S+) v(\S+) \((.+)\)$")
UNIT_RUN = re.compile(r"^cargo run-build-script (\S+) v(\S+)$")


# The helper's last line in each replay vertex (src/helper/replay.rs, TIMING_PREFIX).
TIMING = re.compile(
    r"cargo-frontend-helper timing: waited ([0-9.]+)s for a job token, ran the command for ([0-9.]+)s"
    r"(?:, prepared for ([0-9.]+)s, cleaned up for ([0-9.]+)s)?"
)


# Whether the last log read had any timing line (a helper that prints it).
TIMING_SEEN = [False]


def helper_timing(v):
    """(waited, ran, own) seconds from the helper's timing line, or None. OWN is the helper's own
    work besides the command (unpacking the crate, linking the dependencies in and out), None from
    a helper whose line does not say it."""
    m = TIMING.search(v.get("log", ""))
    if not m:
        return None
    own = float(m.group(3)) + float(m.group(4)) if m.group(3) else None
    return float(m.group(1)), float(m.group(2)), own


def read_vertices(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        vertices, _ = rawjson.parse(f.read())
    TIMING_SEEN[0] = any(TIMING.search(v["log"]) for v in vertices.values())
    return list(vertices.values())


def executed(v):
    # The helper's timing line proves the unit's command ran: a unit that ran can later be
    # reported as cached in the same build, and one loaded from an imported cache is first
    # reported as started and not cached. Vertices without the line use those flags.
    if helper_timing(v) is not None:
        return True
    if v["name"].startswith("cargo build ") or v["name"].startswith("cargo run-build-script "):
        if TIMING_SEEN[0]:
            return False
    return v["started"] is not None and not v["cached"] and "context canceled" not in v["error"]


def seconds(v):
    if v["started"] is None or v["completed"] is None:
        return None
    return (v["completed"] - v["started"]).total_seconds()


def unit_key(name):
    """(package, version, kind) with kind lib | build-script | run | bin NAME; None if no unit."""
    m = UNIT_RUN.match(name)
    if m:
        return (m.group(1), m.group(2), "run")
    m = UNIT_BUILD.match(name)
    if not m:
        return None
    kind = m.group(3)
    if kind == "build-script":
        pass
    elif kind.startswith("bin "):
        kind = "bin " + kind[4:]
    else:
        kind = "lib"  # lib, rlib, proc-macro, ...
    return (m.group(1), m.group(2), kind)


def host_timings(path):
    """(package, version, kind) -> seconds from cargo's --timings HTML."""
    with open(path, encoding="utf-8") as f:
        html = f.read()
    m = re.search(r"const UNIT_DATA = (\[.*?\n\]);", html, re.S)
    if not m:
        raise SystemExit(f"{path}: no UNIT_DATA in the cargo timings report")
    out = {}
    for u in json.loads(m.group(1)):
        target = u["target"].strip()
        if target == "":
            kind = "lib"
        elif target == "build-script":
            kind = "build-script"
        elif target == "build-script (run)":
            kind = "run"
        elif target.endswith('"bin"'):
            kind = "bin " + target[: -len('"bin"')].strip()
        else:
            kind = "lib"
        out[(u["name"], u["version"], kind)] = float(u["duration"])
    return out


def units(vertices):
    return [v for v in vertices if unit_key(v["name"]) is not None]


def cmd_units(path):
    us = units(read_vertices(path))
    ran = sum(1 for v in us if executed(v))
    cached = sum(1 for v in us if v["cached"] and not executed(v))
    print(ran, cached)


def cmd_cached_runs(path):
    print(sum(1 for v in read_vertices(path) if v["cached"] and "] RUN " in v["name"]))


def cmd_seconds(path, needle):
    for v in read_vertices(path):
        if needle in v["name"] and executed(v):
            s = seconds(v)
            if s is not None:
                print(f"{s:.1f}")
                return
    print("")


def median(xs):
    return f"{statistics.median(xs):.2f}" if xs else "n/a"


def concurrency(spans):
    """(peak, time-weighted mean) number of spans open at once; spans are (start, end) datetimes."""
    events = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans], key=lambda e: (e[0], e[1]))
    peak = now = 0
    weighted = 0.0
    last = None
    for t, delta in events:
        if last is not None and now > 0:
            weighted += now * (t - last).total_seconds()
        now += delta
        peak = max(peak, now)
        last = t
    busy = (events[-1][0] - events[0][0]).total_seconds() if events else 0
    return peak, (weighted / busy if busy > 0 else 0.0)


def cmd_overhead(path, timings_path=None):
    durations = {}
    spans = []
    for v in units(read_vertices(path)):
        s = seconds(v)
        if executed(v) and s is not None:
            durations[unit_key(v["name"])] = s
            spans.append((v["started"], v["completed"]))
    if not durations:
        print("Per-unit durations: no executed unit vertex in the cargo-frontend S1 log.")
        return
    all_units = list(durations.values())
    host = host_timings(timings_path) if timings_path else None
    lines = []
    if host:
        matched = {k: (d, host[k]) for k, d in durations.items() if k in host}
        trivial = [d for d, h in matched.values() if h <= TRIVIAL_HOST_SECONDS]
        extra = [d - h for d, h in matched.values()]
        runs = [d for k, d in durations.items() if k[2] == "run"]
        lines.append(
            f"Per-unit durations in cargo-frontend's S1 (vertex started to completed): "
            f"median of **{len(trivial)} trivial units {median(trivial)} s**, where trivial means "
            f"the same unit (package, version, kind) took at most {TRIVIAL_HOST_SECONDS:.2f} s in "
            f"the host's cold build (`cargo build --timings`): mostly build-script runs and tiny "
            f"crates, whose frontend duration is per-vertex cost (and waiting for a core, below). "
            f"Median of **all {len(all_units)} units {median(all_units)} s** "
            f"(host, same units: {median([h for _, h in matched.values()])} s); "
            f"median of frontend minus host per unit {median(extra)} s over {len(matched)} "
            f"matched units; median of the {len(runs)} build-script runs {median(runs)} s."
        )
        commands = {unit_key(v["name"]): helper_timing(v)[1] for v in units(read_vertices(path))
                    if executed(v) and helper_timing(v) and unit_key(v["name"]) in host}
        if commands:
            lines.append(
                f"The units' commands alone (the helper's timing line) took "
                f"{sum(commands.values()):.0f} s summed, against {sum(host[k] for k in commands):.0f} s "
                f"for the same {len(commands)} units in the host's build."
            )
        missing = len(durations) - len(matched)
        if missing:
            lines.append(f"({missing} units had no host counterpart and count only in 'all'.)")
    else:
        runs = [d for k, d in durations.items() if k[2] == "run"]
        lines.append(
            f"Per-unit durations in cargo-frontend's S1 (vertex started to completed): "
            f"median of **{len(runs)} trivial units {median(runs)} s**, where trivial means the "
            f"build-script runs (`cargo run-build-script`; no host timings were available); "
            f"median of **all {len(all_units)} units {median(all_units)} s**."
        )
    overheads, helper_own = [], []
    for v in units(read_vertices(path)):
        timing, s = helper_timing(v), seconds(v)
        if executed(v) and timing and s is not None:
            overheads.append(s - timing[0] - timing[1])
            if timing[2] is not None:
                helper_own.append(timing[2])
    if overheads:
        lines.append(
            f"**Per-vertex overhead: median {median(overheads)} s** over {len(overheads)} units "
            f"(vertex duration minus the helper's job-token wait and its command's run time, from "
            f"the helper's timing line: container set-up, mounts, unpacking the crate, linking the "
            f"dependencies in, committing the output)."
        )
    if helper_own and len(helper_own) == len(overheads):
        buildkit = sorted(o - h for o, h in zip(overheads, helper_own))
        lines.append(
            f"Of it, the helper's own work (unpacking the crate, linking the dependencies in and "
            f"out) took a median of {median(helper_own)} s ({sum(helper_own):.1f} s summed), and "
            f"the rest, BuildKit's (starting the container, mounting, committing the output), "
            f"a median of {median(buildkit)} s ({sum(buildkit):.1f} s summed)."
        )
    peak, mean = concurrency(spans)
    lines.append(
        f"BuildKit ran up to {peak} unit vertices at once (on average {mean:.1f} from the first "
        f"unit's start to the last one's end) on the machine's cores, so these durations include "
        f"waiting for a core."
    )
    print(" ".join(lines))


def main(argv):
    if len(argv) >= 2 and argv[0] == "units":
        cmd_units(argv[1])
    elif len(argv) >= 2 and argv[0] == "cached-runs":
        cmd_cached_runs(argv[1])
    elif len(argv) >= 3 and argv[0] == "seconds":
        cmd_seconds(argv[1], argv[2])
    elif len(argv) >= 2 and argv[0] == "overhead":
        cmd_overhead(argv[1], argv[2] if len(argv) > 2 and argv[2] else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
