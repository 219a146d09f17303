#!/usr/bin/env python3
"""The real-world fidelity corpus (issue 4): build published Rust projects through cargo-frontend
and with plain `cargo build --release --locked` in the same builder image, and compare.

    corpus/run.sh                      every project in corpus/projects.toml, then FIDELITY.md
    CORPUS=sd,mcfly corpus/run.sh      some of them
    corpus/run.py prepare NAME DIR [TAG]
                                       fetch NAME's source into DIR, write its spec; print the
                                       project as JSON; with TAG, also make its runtime image and
                                       give the plain cargo build command that tags TAG (used by
                                       tests/corpus.rs)
    corpus/run.py report               FIDELITY.md from corpus/results/*.json

For each project (results in corpus/results/NAME.json):
  1. fetch the archive (crates.io `.crate` or a PyPI sdist), check its pinned sha256, unpack it;
  2. write a cargo-frontend spec (`Dockerfile`) at the root of the Cargo workspace;
  3. `docker buildx prune -af`, then build it through the frontend (timed; exit status, unit
     vertices, planned units; on failure the failing vertex, its error and the tail of its log);
  4. `docker buildx prune -af`, then the same project with plain `cargo build --release --locked`
     in the same builder image, with the same setup commands (corpus/cargo.Dockerfile, built by
     the built-in Dockerfile frontend);
  5. the binaries of both images (names, sha256) and each smoke command's stdout, stderr and exit
     status, run in both images (same runtime base);
  6. `docker buildx prune -af`, a second frontend build, and the sha256 of every binary compared
     with the first (reproducibility).

Environment: CARGO_FRONTEND_IMAGE (cargo-frontend:dev), CARGO_FRONTEND_BUILDER_IMAGE
(cargo-frontend-test/rust:local), CARGO_FRONTEND_RUNTIME_IMAGE
(cargo-frontend-test/debian:bookworm-slim), CORPUS (comma-separated names), CORPUS_WORK (work
directory, default corpus/.work), CORPUS_STEPS (default frontend,cargo,repro; e.g. `frontend` for
a quick look), CORPUS_TIMEOUT (seconds per build, default 2400).

Steps left out of CORPUS_STEPS keep their earlier result from corpus/results/NAME.json when it
was made with the same frontend image, builder and spec: so `CORPUS_STEPS=frontend,cargo` over
every project, then `CORPUS_STEPS=repro` compares the second build with the first's sha256s.
"""

import datetime
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import rawjson  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROJECTS = os.path.join(HERE, "projects.toml")
RESULTS = os.path.join(HERE, "results")
FIDELITY = os.path.join(ROOT, "FIDELITY.md")
CARGO_DOCKERFILE = os.path.join(HERE, "cargo.Dockerfile")

FRONTEND = os.environ.get("CARGO_FRONTEND_IMAGE", "cargo-frontend:dev")
BUILDER = os.environ.get("CARGO_FRONTEND_BUILDER_IMAGE", "cargo-frontend-test/rust:local")
RUNTIME = os.environ.get("CARGO_FRONTEND_RUNTIME_IMAGE", "cargo-frontend-test/debian:bookworm-slim")
WORK = os.environ.get("CORPUS_WORK", os.path.join(HERE, ".work"))
TIMEOUT = int(os.environ.get("CORPUS_TIMEOUT", "2400"))
BIN_DIR = "/usr/local/bin"
UNIT_PREFIXES = ("cargo build ", "cargo run-build-script ")


def log(msg):
    print(f"[corpus {datetime.datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def load_projects():
    with open(PROJECTS, "rb") as f:
        projects = tomllib.load(f)["project"]
    names = [p["name"] for p in projects]
    assert len(names) == len(set(names)), "project names must be unique"
    return projects


# ---------------------------------------------------------------------------------------------
# Sources and specs


def fetch(project):
    """The archive, downloaded once into WORK/archives and checked against the pinned sha256."""
    archives = os.path.join(WORK, "archives")
    os.makedirs(archives, exist_ok=True)
    path = os.path.join(archives, os.path.basename(project["url"]))
    if not os.path.exists(path) or sha256_file(path) != project["sha256"]:
        log(f"{project['name']}: downloading {project['url']}")
        tmp = path + ".part"
        with urllib.request.urlopen(project["url"], timeout=120) as r, open(tmp, "wb") as out:
            shutil.copyfileobj(r, out)
        got = sha256_file(tmp)
        if got != project["sha256"]:
            os.unlink(tmp)
            raise SystemExit(
                f"{project['name']}: sha256 mismatch for {project['url']}: "
                f"got {got}, projects.toml pins {project['sha256']}"
            )
        os.replace(tmp, path)
    return path


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def toml_str(s):
    return json.dumps(s)  # a JSON string is a valid TOML basic string


def toml_list(items):
    return "[" + ", ".join(toml_str(i) for i in items) + "]"


def spec_text(project):
    """The cargo-frontend spec a user of this project would write."""
    lines = [
        "# syntax=cargo-frontend:dev",
        f"# cargo-frontend spec for {project['name']} (written by corpus/run.py)",
    ]
    if project.get("package"):
        lines.append(f"package = {toml_str(project['package'])}")
    if project.get("bins"):
        lines.append(f"bins = {toml_list(project['bins'])}")
    if project.get("setup"):
        lines += ["", "[builder]", f"setup = {toml_list(project['setup'])}"]
    if project.get("features"):
        lines += ["", "[build]", f"features = {toml_list(project['features'])}"]
    return "\n".join(lines) + "\n"


def cargo_flags(project):
    """The flags the frontend passes to cargo for this spec (README: profile, --features, -p,
    --bin), for the plain cargo build."""
    flags = []
    if project.get("features"):
        flags += ["--features", ",".join(project["features"])]
    if project.get("package"):
        flags += ["-p", project["package"]]
    for b in project.get("bins", []):
        flags += ["--bin", b]
    return flags


def runtime_image(project):
    """The runtime base for this project: RUNTIME, or, when the project declares
    `runtime_setup` (shared libraries its binaries load, like libssl3), RUNTIME with those
    commands run on it, as a user's runtime stage would. Built once, before any timed build."""
    commands = project.get("runtime_setup", [])
    if not commands:
        return RUNTIME
    tag = f"cargo-frontend-corpus/runtime-{project['name']}:1"
    dockerfile = f"FROM {RUNTIME}\n" + "".join(f"RUN {c}\n" for c in commands)
    p = subprocess.run(
        ["docker", "buildx", "build", "--progress=plain", "-t", tag, "-"],
        input=dockerfile.encode(), capture_output=True, timeout=900,
    )
    if p.returncode != 0:
        raise SystemExit(f"{project['name']}: building the runtime image failed:\n{p.stderr.decode(errors='replace')[-3000:]}")
    return tag


def prepare(project, dest):
    """Unpacks the project into dest (emptied first) and writes its spec; returns the context
    directory (the Cargo workspace root)."""
    archive = fetch(project)
    if os.path.exists(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(dest, filter="tar")
    context = os.path.join(dest, project["dir"])
    if not os.path.exists(os.path.join(context, "Cargo.lock")):
        raise SystemExit(f"{project['name']}: {project['dir']}/Cargo.lock is missing from the archive")
    with open(os.path.join(context, "Dockerfile"), "w") as f:
        f.write(spec_text(project))
    return context


# ---------------------------------------------------------------------------------------------
# Builds


def run(cmd, timeout=TIMEOUT, **kw):
    started = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout, **kw)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = -1, e.stdout or b"", (e.stderr or b"") + f"\ntimed out after {timeout}s".encode()
    return rc, out, err, time.monotonic() - started


def prune():
    rc, _, err, _ = run(["docker", "buildx", "prune", "-af"], timeout=600)
    if rc != 0:
        raise SystemExit(f"docker buildx prune failed: {err.decode(errors='replace')}")


def frontend_command(context, tag, runtime):
    return [
        "docker", "buildx", "build", "--progress=rawjson", "-t", tag,
        "--build-arg", f"BUILDKIT_SYNTAX={FRONTEND}",
        "--build-arg", f"builder.image={BUILDER}",
        "--build-arg", f"runtime.image={runtime}",
        context,
    ]


def cargo_command(project, context, tag, runtime):
    setup = " && ".join(project.get("setup", [])) or "true"
    return [
        "docker", "buildx", "build", "--progress=plain", "-t", tag,
        "-f", CARGO_DOCKERFILE,
        "--build-arg", f"BUILDER_IMAGE={BUILDER}",
        "--build-arg", f"RUNTIME_IMAGE={runtime}",
        "--build-arg", f"SETUP={setup}",
        "--build-arg", f"CARGO_FLAGS={shlex.join(cargo_flags(project))}",
        context,
    ]


def frontend_build(context, tag, runtime):
    cmd = frontend_command(context, tag, runtime)
    rc, _, err, seconds = run(cmd)
    vertices, rest = rawjson.parse(err.decode(errors="replace"))
    units = sorted({v["name"] for v in vertices.values() if v["name"].startswith(UNIT_PREFIXES)})
    planned = None
    for v in vertices.values():
        if "(built from " in v["name"]:
            planned = int(v["name"].rsplit("(built from ", 1)[1].split()[0])
    result = {
        "command": shlex.join(cmd),
        "exit": rc,
        "seconds": round(seconds, 1),
        "units": len(units),
        "planned_units": planned,
        "build_script_runs": sum(1 for u in units if u.startswith("cargo run-build-script ")),
    }
    if rc != 0:
        result["failed_vertices"] = [
            {
                "name": v["name"],
                "error": v["error"],
                "log_tail": v["log"].splitlines()[-60:],
            }
            for v in vertices.values()
            if v["error"] and "context canceled" not in v["error"]
        ]
        result["stderr_tail"] = rest.splitlines()[-20:]
    return result


def cargo_build(project, context, tag, runtime):
    cmd = cargo_command(project, context, tag, runtime)
    rc, _, err, seconds = run(cmd)
    result = {"command": shlex.join(cmd), "exit": rc, "seconds": round(seconds, 1)}
    if rc != 0:
        result["stderr_tail"] = err.decode(errors="replace").splitlines()[-60:]
    return result


def in_image(tag, script, timeout=300):
    rc, out, err, _ = run(
        ["docker", "run", "--rm", "--network", "none", "--entrypoint", "/bin/sh", tag, "-c", script],
        timeout=timeout,
    )
    return {"exit": rc, "stdout": out.decode(errors="replace"), "stderr": err.decode(errors="replace")}


def comparable(outcome):
    """A smoke outcome without what differs between any two runs of the same binary: the OS
    thread id Rust prints in a panic message (`thread 'main' (7) panicked`)."""
    import re
    return {k: re.sub(r"thread '([^']*)' \(\d+\)", r"thread '\1' (N)", v) if isinstance(v, str) else v
            for k, v in outcome.items()}


def binaries(tag):
    """{name: sha256} of every file in BIN_DIR of the image."""
    r = in_image(tag, f"cd {BIN_DIR} && for f in *; do [ -f \"$f\" ] && sha256sum \"$f\"; done; true")
    hashes = {}
    for line in r["stdout"].splitlines():
        digest, name = line.split(maxsplit=1)
        hashes[name.lstrip("*")] = digest
    return hashes


def remove_image(tag):
    run(["docker", "image", "rm", "-f", tag], timeout=120)


# ---------------------------------------------------------------------------------------------
# One project


def image_id(tag):
    p = subprocess.run(["docker", "image", "inspect", "-f", "{{.Id}}", tag], capture_output=True)
    return p.stdout.decode().strip() if p.returncode == 0 else None


# What each step writes into a result; a step not run this time keeps these from the last result.
STEP_KEYS = {
    "frontend": ["frontend"],
    "cargo": ["cargo", "smoke", "same_binaries", "same_behaviour", "identical_to_cargo"],
    "repro": ["repro"],
}


def earlier_result(name, result):
    """The last result for this project, if it was made by the same frontend image, builder and
    spec (otherwise its steps say nothing about this build)."""
    path = os.path.join(RESULTS, f"{name}.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        old = json.load(f)
    same = all(old.get(k) == result[k] for k in ("frontend_image_id", "builder", "spec"))
    if not same:
        log(f"{name}: the earlier result was made with another frontend image, builder or spec; not reused")
    return old if same else {}


def check(project, steps):
    name = project["name"]
    src = os.path.join(WORK, "src", name)
    context = prepare(project, src)
    runtime = runtime_image(project)
    tags = {k: f"cargo-frontend-corpus/{name}:{k}" for k in ("frontend", "cargo", "frontend2")}
    result = {
        "name": name,
        "url": project["url"],
        "exercises": project.get("exercises", ""),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "builder": BUILDER,
        "runtime": runtime,
        "frontend_image": FRONTEND,
        "frontend_image_id": image_id(FRONTEND),
        "spec": spec_text(project),
    }
    earlier = earlier_result(name, result)
    for step in set(STEP_KEYS) - steps:
        for key in STEP_KEYS[step]:
            if key in earlier:
                result[key] = earlier[key]
    result["steps"] = sorted(set(earlier.get("steps", [])) & (set(STEP_KEYS) - steps) | steps)

    if "frontend" in steps:
        log(f"{name}: prune, then build through the frontend")
        prune()
        result["frontend"] = frontend_build(context, tags["frontend"], runtime)
        log(f"{name}: frontend exit {result['frontend']['exit']} in {result['frontend']['seconds']}s, "
            f"{result['frontend']['units']} units")
    if "cargo" in steps:
        log(f"{name}: prune, then plain cargo build")
        prune()
        result["cargo"] = cargo_build(project, context, tags["cargo"], runtime)
        log(f"{name}: cargo exit {result['cargo']['exit']} in {result['cargo']['seconds']}s")

    built = {k: result.get(k, {}).get("exit") == 0 for k in ("frontend", "cargo")}
    if built["frontend"] and "frontend" in steps:
        result["frontend"]["binaries"] = binaries(tags["frontend"])
    if built["cargo"] and "cargo" in steps:
        result["cargo"]["binaries"] = binaries(tags["cargo"])
    if built["frontend"] and built["cargo"] and {"frontend", "cargo"} <= steps:
        smokes = []
        for cmd in project.get("smoke", []):
            f = in_image(tags["frontend"], cmd)
            c = in_image(tags["cargo"], cmd)
            smokes.append({"command": cmd, "same": comparable(f) == comparable(c), "frontend": f, "cargo": c})
        result["smoke"] = smokes
        result["same_binaries"] = sorted(result["frontend"]["binaries"]) == sorted(result["cargo"]["binaries"])
        result["same_behaviour"] = result["same_binaries"] and all(s["same"] for s in smokes)
        result["identical_to_cargo"] = result["frontend"]["binaries"] == result["cargo"]["binaries"]

    if "repro" in steps and built["frontend"]:
        log(f"{name}: prune, then a second frontend build (reproducibility)")
        prune()
        second = frontend_build(context, tags["frontend2"], runtime)
        if second["exit"] == 0:
            second["binaries"] = binaries(tags["frontend2"])
            first = result["frontend"]["binaries"]
            second["identical"] = second["binaries"] == first
            second["differing"] = sorted(
                b for b in set(first) | set(second["binaries"]) if first.get(b) != second["binaries"].get(b)
            )
        result["repro"] = second
        log(f"{name}: second build exit {second['exit']}, identical: {second.get('identical')}")

    for tag in tags.values():
        remove_image(tag)
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, f"{name}.json"), "w") as f:
        json.dump(result, f, indent=2, sort_keys=True)
        f.write("\n")
    return result


# ---------------------------------------------------------------------------------------------
# FIDELITY.md


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def first_error(build):
    for v in build.get("failed_vertices", []):
        tail = [l for l in v["log_tail"] if l.strip()]
        errors = [l for l in tail if "error" in l.lower()]
        detail = (errors or tail or [""])[-1].strip()
        return f"`{v['name']}`: {v['error']}" + (f" — `{detail[:300]}`" if detail else "")
    return "; ".join(build.get("stderr_tail", [])[-3:])[:400]


def report():
    projects = load_projects()
    rows, details = [], []
    for p in projects:
        path = os.path.join(RESULTS, f"{p['name']}.json")
        if not os.path.exists(path):
            rows.append(f"| {p['name']} | {cell(p.get('exercises', ''))} | | not run yet | | | | |")
            continue
        with open(path) as f:
            r = json.load(f)
        fe, ca, re_ = r.get("frontend", {}), r.get("cargo", {}), r.get("repro", {})
        for smoke in r.get("smoke", []):  # judged again, by the current rule
            smoke["same"] = comparable(smoke["frontend"]) == comparable(smoke["cargo"])
        if "smoke" in r:
            r["same_behaviour"] = r["same_binaries"] and all(x["same"] for x in r["smoke"])
        built = "yes" if fe.get("exit") == 0 else ("**no**" if fe else "not run")
        cargo_built = "yes" if ca.get("exit") == 0 else ("no" if ca else "not run")
        if "same_behaviour" in r:
            same = "yes" if r["same_behaviour"] else "**no**"
        else:
            same = "n/a"
        if re_.get("exit") == 0:
            ident = "yes" if re_.get("identical") else f"**no** ({', '.join(re_.get('differing', []))})"
        elif re_:
            ident = "**second build failed**"
        else:
            ident = "not run"
        if fe.get("exit") == 0 and ca.get("exit") == 0 and ca.get("seconds"):
            ratio = f"{fe['seconds'] / ca['seconds']:.2f} ({fe['seconds']:.0f} s / {ca['seconds']:.0f} s)"
        else:
            ratio = f"— (frontend {fe.get('seconds', '?')} s, cargo {ca.get('seconds', '?')} s)"
        units = f"{fe.get('units', '')}" + (f" ({fe['build_script_runs']} build-script runs)" if fe.get("build_script_runs") else "")
        rows.append(
            f"| {p['name']} | {cell(r.get('exercises', ''))} | {units} | {built} (cargo: {cargo_built}) "
            f"| {same} | {ident} | {ratio} | {r.get('date', '')} |"
        )
        notes = []
        if fe and fe.get("exit") != 0:
            notes.append(f"frontend build failed: {first_error(fe)}")
        if ca and ca.get("exit") != 0:
            notes.append(f"plain cargo build failed: `{cell(' '.join(ca.get('stderr_tail', [])[-4:]))[:500]}`")
        for s in r.get("smoke", []):
            if not s["same"]:
                notes.append(f"smoke `{s['command']}` differs: frontend {json.dumps(s['frontend'])[:300]} / cargo {json.dumps(s['cargo'])[:300]}")
        if r.get("same_binaries") is False:
            notes.append(f"binaries differ: frontend {sorted(fe.get('binaries', {}))}, cargo {sorted(ca.get('binaries', {}))}")
        if notes:
            details.append(f"- **{p['name']}**: " + "\n  ".join(notes))
    text = [
        "# Real-world fidelity",
        "",
        "Published Rust projects nobody here wrote, built through cargo-frontend and with plain",
        "`cargo build --release --locked` in the same builder image (issue 4). Generated by",
        "`corpus/run.py report` from `corpus/results/*.json`, which `make corpus` (all projects) or",
        "`CORPUS=name,... corpus/run.sh` (some) write; the projects, their pinned sources and smoke",
        "commands are in `corpus/projects.toml`.",
        "",
        "- **units**: unit vertices of the frontend build (`cargo build ...` and `cargo run-build-script ...`).",
        "- **built**: the frontend build's exit status (and plain cargo's).",
        "- **same behaviour**: the same set of binaries, and every smoke command gives the same stdout,",
        "  stderr and exit status in the frontend's image and in the plain cargo build's image.",
        "- **byte-identical**: two frontend builds, each from an empty build cache (`docker buildx prune -af`",
        "  before each), give binaries with the same sha256.",
        "- **time ratio**: the frontend's cold build ÷ plain cargo's cold build (each after `docker buildx",
        "  prune -af`, both including the setup commands and the downloads, on the same 2-core machine).",
        "",
        "| project | exercises | units | built | same behaviour | byte-identical | time ratio | run |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
    ]
    if details:
        text += ["## Failures and differences", "", *details, ""]
    findings = os.path.join(HERE, "findings.md")
    if os.path.exists(findings):
        with open(findings) as f:
            text += [f.read()]
    with open(FIDELITY, "w") as f:
        f.write("\n".join(text))
    log(f"wrote {FIDELITY}")


# ---------------------------------------------------------------------------------------------


def main(argv):
    if len(argv) >= 2 and argv[1] == "report":
        report()
        return
    if len(argv) >= 2 and argv[1] == "prepare":
        name, dest = argv[2], argv[3]
        project = next((p for p in load_projects() if p["name"] == name), None)
        if project is None:
            raise SystemExit(f"no project {name} in {PROJECTS}")
        context = prepare(project, dest)
        out = {**project, "context": context, "cargo_flags": cargo_flags(project)}
        if len(argv) >= 5:
            out["runtime_image"] = runtime_image(project)
            out["cargo_command"] = cargo_command(project, context, argv[4], out["runtime_image"])
        print(json.dumps(out))
        return
    projects = load_projects()
    wanted = [n for n in os.environ.get("CORPUS", "").split(",") if n]
    unknown = set(wanted) - {p["name"] for p in projects}
    if unknown:
        raise SystemExit(f"unknown projects {sorted(unknown)}; known: {[p['name'] for p in projects]}")
    if wanted:
        projects = [p for p in projects if p["name"] in wanted]
    steps = set(os.environ.get("CORPUS_STEPS", "frontend,cargo,repro").split(","))
    for project in projects:
        check(project, steps)
        report()


if __name__ == "__main__":
    main(sys.argv)
