#!/usr/bin/env python3
"""Where cargo-frontend's wall time goes in each scenario of one bench/run.sh run.

    profile.py CSV LOGS [PHASES]   -> Markdown (stdout): a table, one row per cargo-frontend
                                      scenario, and the frontend's own steps from PHASES

Each build's rawjson log (LOGS/SCENARIO-cargo-frontend.log) is split into phases by vertex name.
A phase's time is the union of its vertices' started-to-completed intervals (vertices of one phase
run in parallel, so a sum would overcount). "Outside vertices" is the wall time (from the CSV) not
covered by any vertex: the docker CLI, starting the frontend's container, its solve requests and
reading the plan, returning the result. Units that ran are split with the helper's timing line into
waiting for a job token, the command itself (rustc or the build script), and the rest (the
per-vertex cost: container, mounts, unpacking, linking the dependencies in, committing the output).
PHASES holds `SCENARIO phases: …` lines, the frontend's log line of each build (src/phase_clock.rs,
copied from the daemon's log by bench/run.sh): how the time outside vertices splits.
"""
import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from progress import executed, helper_timing, read_vertices, seconds  # noqa: E402

SCENARIOS = ["S2", "S3", "S4", "S5", "S6-export", "S6"]


def phase(v):
    name = v["name"]
    if name.startswith(("cargo build ", "cargo run-build-script ")):
        return "units run" if executed(v) else "units loaded from cache"
    if name.startswith("cargo plan"):
        return "planning"
    if name.startswith("[builder]"):
        return "builder setup"
    if name.startswith(("exporting", "writing image", "naming to", "unpacking to", "preparing layers")):
        return "export"
    if name.startswith("importing cache"):
        return "cache import"
    return "other"  # loading the spec, context and images, copying binaries onto the runtime


def union_seconds(spans):
    total, end = 0.0, None
    for s, c in sorted(spans):
        if end is None or s > end:
            total += (c - s).total_seconds()
            end = c
        elif c > end:
            total += (c - end).total_seconds()
            end = c
    return total


def build_span(path):
    """(start, end) epoch seconds of the build whose log is PATH, if bench/run.sh wrote them."""
    span = path[: -len(".log")] + ".span"
    if not os.path.exists(span):
        return None
    with open(span) as f:
        start, end = f.read().split()
    return float(start), float(end)


def profile(path, wall):
    vertices = [v for v in read_vertices(path) if seconds(v) is not None]
    if not vertices:
        return None
    span = build_span(path)
    after = span[1] - max(v["completed"].timestamp() for v in vertices) if span else None
    by_phase = {}
    for v in vertices:
        by_phase.setdefault(phase(v), []).append((v["started"], v["completed"]))
    covered = union_seconds([span for spans in by_phase.values() for span in spans])
    waited = ran = rest = 0.0
    run_count = 0
    for v in vertices:
        timing = helper_timing(v)
        if phase(v) == "units run" and timing:
            run_count += 1
            waited += timing[0]
            ran += timing[1]
            rest += seconds(v) - timing[0] - timing[1]
    cells = {name: union_seconds(spans) for name, spans in by_phase.items()}
    return {
        "wall": wall,
        "outside": max(wall - covered, 0.0),
        "after": after,
        "cells": cells,
        "run_count": run_count,
        "split": (waited, ran, rest),
    }


def main(csv_path, logs, phases_path=None):
    walls = {}
    with open(csv_path) as f:
        for row in csv.DictReader(f):
            if row["approach"] == "cargo-frontend" and row["status"] == "ok":
                walls[row["scenario"]] = float(row["seconds"])
    columns = ["outside vertices", "after the last vertex", "planning", "units run", "units loaded from cache",
               "cache import", "export", "other"]
    out = ["\n## Where cargo-frontend's time goes\n",
           "Seconds per phase (union of the phase's vertex intervals; phases overlap, so they do not "
           "add up to the wall time). *Outside vertices*: the docker CLI, starting the frontend, its "
           "gateway requests, returning the result, BuildKit finishing the build. *After the last "
           "vertex* (part of outside vertices): BuildKit writing the build's history record, whose "
           "provenance looks up every result the image depends on. *Other*: loading the spec, context and images, "
           "copying the binaries onto the runtime image. Produced by `bench/profile.py`.\n",
           "| scenario | wall | " + " | ".join(columns) + " | units run: token wait / command / per-vertex rest (sums) |",
           "|" + " --- |" * (len(columns) + 3)]
    for scenario in SCENARIOS:
        path = os.path.join(logs, f"{scenario}-cargo-frontend.log")
        if scenario not in walls or not os.path.exists(path):
            continue
        p = profile(path, walls[scenario])
        if p is None:
            continue
        row = [scenario, f"{p['wall']:.1f}", f"{p['outside']:.1f}",
               f"{p['after']:.1f}" if p["after"] is not None else "–"]
        row += [f"{p['cells'][c]:.1f}" if c in p["cells"] else "–" for c in columns[2:]]
        w, r, rest = p["split"]
        row.append(f"{p['run_count']} units: {w:.1f} / {r:.1f} / {rest:.1f}" if p["run_count"] else "–")
        out.append("| " + " | ".join(row) + " |")
    if phases_path and os.path.exists(phases_path):
        out.append("\nThe frontend's own steps in each build (its log line, `src/phase_clock.rs`; "
                   "*planning solve* and *units solve* include BuildKit loading cache keys):\n")
        with open(phases_path) as f:
            out += [f"- {line.strip()}" for line in f if line.strip()]
    print("\n".join(out))


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(*sys.argv[1:])
