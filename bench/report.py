#!/usr/bin/env python3
"""Turns one workspace's CSV from bench/run.sh into the Markdown report (stdout)."""
import argparse
import csv
import os
import statistics

APPROACHES = [
    ("host", "host floor"),
    ("naive", "naive"),
    ("cargo-chef", "cargo-chef"),
    ("cache-mounts", "cache mounts"),
    ("cargo-frontend", "cargo-frontend"),
]
ROWS = [
    ("S1", "S1 cold"),
    ("S2", "S2 no-op"),
    ("S3", "S3 edit the service"),
    ("S4", "S4 edit a library"),
    ("S5", "S5 bump a leaf dependency"),
    ("S6-export", "S6a export registry cache (no change)"),
    ("S6", "S6 fresh runner + registry cache, service edited"),
]


def cpu_cell(fields):
    busy, containers, daemon = fields
    if not busy:
        return "—"
    if not containers and not daemon:
        return busy
    return f"{busy} ({containers or '—'} / {daemon or '—'})"


def cpu_table(cpu):
    """Where each build's CPU went: lines of Markdown, none if the CSV has no CPU columns."""
    if not any(fields[0] for fields in cpu.values()):
        return []
    out = ["CPU seconds of each build: the whole machine's busy time over all cores (in brackets: "
           "BuildKit's build containers / dockerd and containerd themselves). On 2 cores a build "
           "can use at most twice its wall time; whatever the machine did besides the build (not "
           "much: nothing else runs during a bench) is counted too. A scenario built more than once "
           "shows its last build.\n"]
    header = ["scenario"] + [label for _, label in APPROACHES]
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + " --- |" * len(header))
    for scenario, label in ROWS:
        if not any(s == scenario for s, _ in cpu):
            continue
        out.append("| " + " | ".join([label] + [cpu_cell(cpu.get((scenario, key), ("", "", "")))
                                                 for key, _ in APPROACHES]) + " |")
    out.append("")
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("csv")
    for name in ["workspace", "service", "command", "commit", "machine", "images", "edit-s3",
                 "edit-s4", "edit-s5", "crates", "overhead", "chef-install", "image-checks",
                 "minutes", "cache-total"]:
        p.add_argument("--" + name, default="")
    a = p.parse_args()

    # A scenario an approach ran more than once (S2's rounds) counts with its median; every build
    # is listed under the table.
    runs = {}
    units = {}
    cpu = {}
    not_cold = []
    with open(a.csv) as f:
        for row in csv.DictReader(f):
            key = (row["scenario"], row["approach"])
            runs.setdefault(key, []).append((float(row["seconds"]), row["status"]))
            cpu[key] = (row.get("cpu_busy") or "", row.get("cpu_containers") or "", row.get("cpu_daemon") or "")
            if row["units_run"]:
                units[row["scenario"]] = (row["units_run"], row["units_cached"])
            if row["scenario"] == "S1" and row["approach"] != "host":
                hits = int(row["units_cached"] or 0) + int(row["cached_runs"] or 0)
                if hits:
                    not_cold.append(f"{row['approach']} ({hits} cache hits)")

    times = {}
    for key, builds in runs.items():
        failed = [b for b in builds if b[1] != "ok"]
        times[key] = failed[0] if failed else (statistics.median(b[0] for b in builds), "ok")
    repeated = {key: builds for key, builds in runs.items() if len(builds) > 1}

    def cell(scenario, approach):
        if (scenario, approach) not in times:
            return "—"
        secs, status = times[(scenario, approach)]
        return f"{secs:.1f}" if status == "ok" else f"{status} after {secs:.1f}"

    def ratio(scenario, other):
        fe = times.get((scenario, "cargo-frontend"))
        ot = times.get((scenario, other))
        if not fe or not ot or fe[1] != "ok" or ot[1] != "ok" or ot[0] <= 0:
            return "—"
        return f"{fe[0] / ot[0]:.2f}"

    out = []
    out.append(f"# Benchmark: `{a.workspace}` (service `{a.service}`)\n")
    out.append("```sh\n" + a.command + "\n```\n")
    out.append(f"- Commit {a.commit}; {a.machine}.")
    out.append(f"- Images: {a.images}.")
    out.append(f"- {a.crates} packages in `Cargo.lock` (crates.io packages and workspace members).")
    out.append(f"- Whole run: about {a.minutes} min."
               + (f" Build cache after S5 (all approaches): {a.cache_total}." if a.cache_total else "") + "\n")
    out.append("Wall seconds of one `docker buildx build` (host: one `cargo build --release --locked "
               "--offline -p SERVICE`). Ratios are cargo-frontend's time divided by the other's: below 1, "
               "cargo-frontend is faster.\n")
    header = ["scenario"] + [f"{label} (s)" for _, label in APPROACHES] + ["cargo-frontend units run / cached"]
    header += [f"cargo-frontend ÷ {label}" for key, label in APPROACHES if key != "cargo-frontend"]
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + " --- |" * len(header))
    for scenario, label in ROWS:
        if not any(s == scenario for s, _ in times):
            continue
        row = [label] + [cell(scenario, key) for key, _ in APPROACHES]
        u = units.get(scenario)
        row.append(f"{u[0]} / {u[1]}" if u else "—")
        row += [ratio(scenario, key) for key, _ in APPROACHES if key != "cargo-frontend"]
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    if repeated:
        out.append("Scenarios built more than once, each build in order (the table shows the median): "
                   + "; ".join(f"{key[0]} {key[1]}: " + ", ".join(f"{secs:.1f}" for secs, _ in builds)
                               for key, builds in sorted(repeated.items())) + ".\n")
    out += cpu_table(cpu)
    if not_cold:
        out.append("**Warning: S1 was not cold for " + ", ".join(not_cold) + "**: something filled "
                   "the build cache between the prune and the build (another build on the same "
                   "daemon?). Rerun on an otherwise idle daemon.\n")
    if a.overhead:
        out.append(a.overhead + "\n")
    out.append("Scenarios, run in this order, each from the state the previous one left (edits accumulate):\n")
    out.append("- S1: the host builds from an empty target dir with every crate already fetched; then "
               "one `docker buildx prune -af` for all Docker approaches (images stay in the store). The "
               "Dockerfile approaches download crates from crates.io inside the build; cargo-frontend "
               "fetches them as BuildKit https sources.")
    if a.chef_install:
        out.append(f"  cargo-chef's S1 includes {a.chef_install} s of `cargo install cargo-chef` "
                   "(a prebuilt cargo-chef image would skip it; later scenarios reuse that layer).")
    ran = {s for s, _ in times}
    described = {"S2": "- S2: the same build again, in rounds (every approach once per round; the "
                       "table shows each approach's median).",
                 "S3": f"- S3: {a.edit_s3}.",
                 "S4": f"- S4: {a.edit_s4}.",
                 "S5": f"- S5: `Cargo.lock` replaced: {a.edit_s5}."}
    out += [text for s, text in described.items() if s in ran]
    if "S6" in ran:
        out.append("- S6a: every Docker approach builds the S5 state again with `--cache-to "
                   "type=registry,ref=REGISTRY/bench/APPROACH:WS,mode=max` (timed: the no-op build plus "
                   "the export).")
        out.append("- S6: then one `docker buildx prune -af` and the bench images removed (a fresh "
                   "runner), a second `eprintln!` added to the service's `main()`, and every approach "
                   "builds with `--cache-from` its ref. Cache mounts are not part of an exported "
                   "cache, so that approach starts from empty mounts. The host has no fresh runner: "
                   "its S6 is the same edit on its warm target dir.")
    if a.image_checks and os.path.exists(a.image_checks):
        with open(a.image_checks) as f:
            checks = [line.strip().split(",", 3) for line in f if line.strip()]
        failed = [c for c in checks if c[2] != "ok"]
        if failed:
            out.append("\nImages that did not run: " + "; ".join(f"{c[1]} after {c[0]}: {c[3]}" for c in failed))
        elif checks:
            out.append(f"\nEvery image ran after S1 and S6 (`docker run`; last line: `{checks[-1][3]}`).")
    print("\n".join(out))


if __name__ == "__main__":
    main()
