#!/usr/bin/env bash
# The per-crate cache benchmark (issue 3 §3): four ways of building the same service image, and
# the host's own `cargo build` as the floor, through the same edits, in one session, interleaved.
#
#   bash bench/run.sh [workspace|monorepo|all]        (default: all)
#
# Approaches (each its own image tag cargo-frontend-bench/APPROACH:WORKSPACE):
#   host            cargo build --release --locked --offline -p SERVICE on the host, own target dir
#   naive           bench/dockerfiles/naive.Dockerfile         COPY . . && cargo build
#   cargo-chef      bench/dockerfiles/cargo-chef.Dockerfile    planner / cook / builder
#   cache-mounts    bench/dockerfiles/cache-mounts.Dockerfile  RUN --mount=type=cache (registry, target)
#   cargo-frontend  the workspace's own spec (Dockerfile, `# syntax=`), pinned with BUILDKIT_SYNTAX
#
# Scenarios (each timed as the wall seconds of one build; each starts from the state the previous
# one left, edits accumulate and are never undone):
#   S1  cold: `docker buildx prune -af` once (images stay), empty host target dir
#   S2  no-op: the same build again, NOOP_ROUNDS rounds of every approach (the report takes the
#       median): cargo-frontend's no-op of 1-3 s moved by up to half from one build to the next
#   S3  edit the service: one eprintln! added at the top of its main()
#   S4  edit a workspace library the service uses: one pub fn appended to its lib.rs
#   S5  bump one leaf dependency: Cargo.lock replaced by bench/fixtures/WS/Cargo.lock.s5
#   S6  fresh runner with a registry cache: every Docker approach builds once more with
#       --cache-to type=registry,ref=$REGISTRY/bench/APPROACH:WS,mode=max (timed as "S6 export");
#       then one `docker buildx prune -af` and the bench images removed; then a second edit of the
#       service's main(); then each approach builds with --cache-from the same ref (timed as S6).
#       The host has no fresh-runner equivalent: its S6 is the same edit on its warm target dir.
#
# Environment (all optional; subsets are for trying the harness, not for results):
#   BENCH_APPROACHES  comma list, default host,naive,cargo-chef,cache-mounts,cargo-frontend
#   BENCH_SCENARIOS   comma list, default S1,S2,S3,S4,S5,S6
#   FRONTEND_IMAGE    default cargo-frontend:dev
#   BUILDER_IMAGE     default cargo-frontend-test/rust:local
#   RUNTIME_IMAGE     default cargo-frontend-test/debian:bookworm-slim
#   REGISTRY          default localhost:5000
#   BENCH_RESULTS     default bench/results (WS.csv and WS.md; raw logs in logs/, gitignored)
#   DOCKERD_LOG       default /tmp/dockerd.log (scripts/docker-setup.sh's): the frontend's phase lines
#
# Needs: dockerd with the containerd image store and the images above (make setup image), a
# registry at $REGISTRY for S6, python3, cargo on the host. Nothing is pulled (no --pull).
# `docker buildx prune -af` empties the daemon's whole build cache: nothing else should be
# building on the same daemon while this runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

# The command as typed, with the settings that were given in the environment.
COMMAND="bash bench/run.sh $*"
for var in BENCH_APPROACHES BENCH_SCENARIOS FRONTEND_IMAGE BUILDER_IMAGE RUNTIME_IMAGE REGISTRY BENCH_RESULTS; do
    if [ -n "${!var:-}" ]; then COMMAND="$var=${!var} $COMMAND"; fi
done

FRONTEND_IMAGE=${FRONTEND_IMAGE:-cargo-frontend:dev}
BUILDER_IMAGE=${BUILDER_IMAGE:-cargo-frontend-test/rust:local}
RUNTIME_IMAGE=${RUNTIME_IMAGE:-cargo-frontend-test/debian:bookworm-slim}
REGISTRY=${REGISTRY:-localhost:5000}
DOCKERD_LOG=${DOCKERD_LOG:-/tmp/dockerd.log}
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results}
ALL_APPROACHES=(host naive cargo-chef cache-mounts cargo-frontend)
ALL_SCENARIOS=(S1 S2 S3 S4 S5 S6)
NOOP_ROUNDS=3
IFS=, read -r -a APPROACHES <<<"${BENCH_APPROACHES:-$(IFS=,; echo "${ALL_APPROACHES[*]}")}"
IFS=, read -r -a SCENARIOS <<<"${BENCH_SCENARIOS:-$(IFS=,; echo "${ALL_SCENARIOS[*]}")}"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
has() { # word list... -> whether word is in the list
    local w=$1; shift
    local x
    for x in "$@"; do [ "$x" = "$w" ] && return 0; done
    return 1
}
for a in "${APPROACHES[@]}"; do has "$a" "${ALL_APPROACHES[@]}" || die "unknown approach $a"; done
for s in "${SCENARIOS[@]}"; do has "$s" "${ALL_SCENARIOS[@]}" || die "unknown scenario $s"; done
docker_approaches() { local a; for a in "${APPROACHES[@]}"; do [ "$a" != host ] && echo "$a"; done; }

# The workspaces: source, service, the files the edits touch, the S5 lockfile and what it changes,
# and arguments that make the service image print something and exit (checked after S1 and S6).
ws_config() {
    case $1 in
    workspace)
        SRC=examples/workspace
        SERVICE=service-z
        SERVICE_MAIN=services/service-z/src/main.rs
        S4_LIB=crates/lib-c/src/lib.rs # lib-c <- lib-b <- service-z
        S5_LOCK=bench/fixtures/workspace/Cargo.lock.s5
        RUN_ARGS=(--size 1000)
        ;;
    monorepo)
        SRC=bench/monorepo
        SERVICE=orders-api
        SERVICE_MAIN=services/orders-api/src/main.rs
        S4_LIB=crates/domain-users/src/lib.rs # <- domain-orders <- orders-api; billing-api, users-api
        S5_LOCK=bench/fixtures/monorepo/Cargo.lock.s5
        RUN_ARGS=(--self-test)
        ;;
    *) die "unknown workspace $1 (workspace, monorepo, all)" ;;
    esac
    S5_DESC=$(lock_diff "$SRC/Cargo.lock" "$S5_LOCK")
}

# "name a -> b" for the packages whose version differs between two lockfiles.
lock_diff() {
    python3 - "$1" "$2" <<'EOF'
import re, sys
def pkgs(path):
    text = open(path).read()
    return {(m.group(1), m.group(2)) for m in re.finditer(r'\[\[package\]\]\nname = "([^"]+)"\nversion = "([^"]+)"', text)}
a, b = pkgs(sys.argv[1]), pkgs(sys.argv[2])
names = sorted({n for n, _ in a ^ b})
print(", ".join(f"{n} {'/'.join(sorted(v for m, v in a if m == n)) or '-'} → {'/'.join(sorted(v for m, v in b if m == n)) or '-'}" for n in names))
EOF
}

# seconds_since, cpu_snapshot, cpu_used (the CPU counters: whole machine, build containers,
# daemon), frontend_build.
# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"

# record SCENARIO APPROACH SECONDS STATUS LOG CPU: one CSV row. units_run/units_cached: cargo-frontend's
# unit vertices that ran or were cache hits; cached_runs: Dockerfile RUN steps that were cache hits;
# CPU: cpu_used's three fields.
record() {
    local scenario=$1 approach=$2 secs=$3 status=$4 logfile=$5 cpu=$6 units_run="" units_cached="" cached_runs=""
    if [ "$approach" = cargo-frontend ] && [ -s "$logfile" ]; then
        read -r units_run units_cached < <(python3 bench/progress.py units "$logfile")
        # The frontend's own steps (src/phase_clock.rs), from the daemon's log.
        if [ -r "$DOCKERD_LOG" ]; then
            grep -o 'phases: .*' "$DOCKERD_LOG" | tail -n 1 | sed "s/^/$scenario /" >>"$LOGS/frontend-phases.txt" || true
        fi
    elif [ "$approach" != host ] && [ -s "$logfile" ]; then
        cached_runs=$(python3 bench/progress.py cached-runs "$logfile")
    fi
    echo "$RUN_ID,$WS,$scenario,$approach,$secs,$status,$units_run,$units_cached,$cached_runs,$cpu,${logfile#"$RESULTS"/}" >>"$CSV"
    log "$WS $scenario $approach: ${secs}s ($status)${units_run:+, units run $units_run cached $units_cached}"
}

# timed SCENARIO APPROACH LOGNAME command...: runs the command, output to the log, and records it.
# LOGNAME.span gets the build's start and end (epoch seconds): bench/profile.py splits the time
# outside vertices into before the first vertex and after the last.
timed() {
    local scenario=$1 approach=$2 logfile=$LOGS/$3.log start rc cpu_before
    shift 3
    cpu_before=$(cpu_snapshot)
    start=$(date +%s.%N)
    set +e
    "$@" >"$logfile" 2>&1
    rc=$?
    set -e
    local secs cpu
    echo "$start $(date +%s.%N)" >"${logfile%.log}.span"
    secs=$(seconds_since "$start")
    cpu=$(cpu_used "$cpu_before" "$(cpu_snapshot)")
    if [ $rc -eq 0 ]; then
        record "$scenario" "$approach" "$secs" ok "$logfile" "$cpu"
    else
        record "$scenario" "$approach" "$secs" "failed($rc)" "$logfile" "$cpu"
        tail -n 5 "$logfile" >&2 || true
    fi
    return 0
}

image_tag() { echo "cargo-frontend-bench/$1:$WS"; }
cache_ref() { echo "$REGISTRY/bench/$1:$WS"; }

# docker_build APPROACH [extra buildx args...]
docker_build() {
    local approach=$1
    shift
    case $approach in
    naive | cargo-chef | cache-mounts)
        docker buildx build --progress=rawjson -t "$(image_tag "$approach")" \
            -f "$ROOT/bench/dockerfiles/$approach.Dockerfile" \
            --build-arg RUST_IMAGE="$BUILDER_IMAGE" --build-arg RUNTIME_IMAGE="$RUNTIME_IMAGE" \
            --build-arg SERVICE="$SERVICE" "$@" "$WORK/ws"
        ;;
    cargo-frontend)
        frontend_build "$(image_tag "$approach")" "$SERVICE" "$FRONTEND_IMAGE" "$WORK/ws" "$@"
        ;;
    esac
}

host_build() { # extra cargo args...
    (cd "$WORK/ws" && CARGO_TARGET_DIR="$WORK/host-target" \
        cargo build --release --locked --offline -p "$SERVICE" "$@")
}

# build_all SCENARIO [docker args...]: the host (if selected), then every Docker approach. S1
# empties the build cache right before the first Docker build, after the host's build.
build_all() {
    local scenario=$1 a pruned=
    shift
    for a in "${APPROACHES[@]}"; do
        if [ "$scenario" = S1 ] && [ "$a" != host ] && [ -z "$pruned" ]; then
            prune
            pruned=1
        fi
        if [ "$a" = host ]; then
            if [ "$scenario" = S1 ]; then
                timed "$scenario" host "$scenario-host" host_build --timings
            else
                timed "$scenario" host "$scenario-host" host_build
            fi
        else
            timed "$scenario" "$a" "$scenario-$a" docker_build "$a" "$@"
        fi
    done
}

prune() {
    log "docker buildx prune -af"
    docker buildx prune -af >>"$LOGS/prune.log" 2>&1
}

edit_service() { # tag
    local f=$WORK/ws/$SERVICE_MAIN
    awk -v tag="$1" '{ print } !done && /fn main\(/ { print "    eprintln!(\"bench edit " tag "\");"; done = 1 }' \
        "$f" >"$f.new"
    mv "$f.new" "$f"
    grep -q "bench edit $1" "$f" || die "no fn main( in $SERVICE_MAIN to edit"
    log "$1: edited $SERVICE_MAIN"
}

edit_lib() {
    printf '\n/// Added by the benchmark (S4).\npub fn bench_edit_s4() -> &'"'"'static str {\n    "S4"\n}\n' \
        >>"$WORK/ws/$S4_LIB"
    log "S4: edited $S4_LIB"
}

check_images() { # scenario: run each approach's image once (not timed)
    local a out
    for a in $(docker_approaches); do
        if out=$(docker run --rm "$(image_tag "$a")" "${RUN_ARGS[@]}" 2>&1); then
            log "$1: $(image_tag "$a") runs: $(echo "$out" | tail -n 1)"
            echo "$1,$a,ok,$(echo "$out" | tail -n 1 | tr ',' ';')" >>"$LOGS/image-checks.csv"
        else
            log "$1: $(image_tag "$a") FAILED to run: $out"
            echo "$1,$a,failed,$(echo "$out" | tail -n 1 | tr ',' ';')" >>"$LOGS/image-checks.csv"
        fi
    done
}

bench_workspace() {
    WS=$1
    CACHE_TOTAL=
    ws_config "$WS"
    RUN_ID=$(date -u +%Y%m%dT%H%M%SZ)
    LOGS=$RESULTS/logs/$WS-$RUN_ID
    CSV=$RESULTS/$WS.csv
    mkdir -p "$LOGS"
    echo "run,workspace,scenario,approach,seconds,status,units_run,units_cached,cached_runs,cpu_busy,cpu_containers,cpu_daemon,log" >"$CSV"
    WORK=$(mktemp -d /tmp/cargo-frontend-bench-XXXX)
    # shellcheck disable=SC2064
    trap "rm -rf '$WORK'" EXIT
    cp -a "$SRC/." "$WORK/ws/"
    rm -rf "$WORK/ws/target"
    local t0
    t0=$(date +%s)
    log "$WS: $SERVICE in $WORK/ws; logs in $LOGS"

    if has host "${APPROACHES[@]}"; then
        # Every crate of both lockfiles on the host first, so host builds never download.
        log "$WS: cargo fetch (both lockfiles)"
        (cd "$WORK/ws" && cargo fetch --locked >>"$LOGS/fetch.log" 2>&1 \
            && cp Cargo.lock "$WORK/Cargo.lock.orig" && cp "$ROOT/$S5_LOCK" Cargo.lock \
            && cargo fetch --locked >>"$LOGS/fetch.log" 2>&1 && cp "$WORK/Cargo.lock.orig" Cargo.lock)
    fi

    local s
    for s in "${SCENARIOS[@]}"; do
        case $s in
        S1)
            rm -rf "$WORK/host-target"
            build_all S1
            check_images S1
            ;;
        S2)
            local round
            for round in $(seq 1 "$NOOP_ROUNDS"); do
                log "S2: round $round of $NOOP_ROUNDS"
                build_all S2
            done
            ;;
        S3)
            edit_service S3
            build_all S3
            ;;
        S4)
            edit_lib
            build_all S4
            ;;
        S5)
            cp "$ROOT/$S5_LOCK" "$WORK/ws/Cargo.lock"
            log "S5: Cargo.lock now $S5_LOCK ($S5_DESC)"
            build_all S5
            # The build cache is largest here; a daemon whose cache GC limit is lower evicts records.
            CACHE_TOTAL=$(docker buildx du 2>/dev/null | awk '/^Total:/ { print $2 }' || true)
            log "S5: build cache now ${CACHE_TOTAL:-unknown}"
            ;;
        S6)
            local a
            for a in $(docker_approaches); do
                timed S6-export "$a" "S6-export-$a" docker_build "$a" \
                    --cache-to "type=registry,ref=$(cache_ref "$a"),mode=max"
            done
            # A fresh runner: no build cache, none of the bench images.
            prune
            for a in $(docker_approaches); do
                docker image rm "$(image_tag "$a")" >>"$LOGS/prune.log" 2>&1 || true
            done
            edit_service S6
            if has host "${APPROACHES[@]}"; then
                timed S6 host S6-host host_build
            fi
            for a in $(docker_approaches); do
                timed S6 "$a" "S6-$a" docker_build "$a" --cache-from "type=registry,ref=$(cache_ref "$a")"
            done
            check_images S6
            ;;
        esac
    done

    local timings=""
    if [ -d "$WORK/host-target/cargo-timings" ]; then
        timings=$(ls -t "$WORK/host-target/cargo-timings"/cargo-timing-*.html 2>/dev/null | head -n 1 || true)
        [ -n "$timings" ] && cp "$timings" "$LOGS/S1-host-cargo-timing.html" && timings=$LOGS/S1-host-cargo-timing.html
    fi
    local overhead=""
    if [ -s "$LOGS/S1-cargo-frontend.log" ]; then
        overhead=$(python3 bench/progress.py overhead "$LOGS/S1-cargo-frontend.log" "$timings")
    fi
    local chef_install=""
    if [ -s "$LOGS/S1-cargo-chef.log" ]; then
        chef_install=$(python3 bench/progress.py seconds "$LOGS/S1-cargo-chef.log" "cargo install cargo-chef")
    fi
    local crates
    crates=$(grep -c '^name = ' "$SRC/Cargo.lock")
    # "With local changes" means changes to what ran, so not the results this run is rewriting.
    python3 bench/report.py "$CSV" \
        --workspace "$WS" --service "$SERVICE" --command "$COMMAND" \
        --commit "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench/results' 2>/dev/null || echo ' (with local changes)')" \
        --machine "$(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GiB, Docker $(docker version -f '{{.Server.Version}}' 2>/dev/null), buildx $(docker buildx version | awk '{ print $2 }')" \
        --images "builder $BUILDER_IMAGE ($(docker image inspect -f '{{.Id}}' "$BUILDER_IMAGE" | cut -c8-19)), runtime $RUNTIME_IMAGE, frontend $FRONTEND_IMAGE ($(docker image inspect -f '{{.Id}}' "$FRONTEND_IMAGE" | cut -c8-19))" \
        --edit-s3 "\`$SERVICE_MAIN\`: one \`eprintln!\` added at the top of \`main()\`" \
        --edit-s4 "\`$S4_LIB\`: one \`pub fn\` appended" \
        --edit-s5 "$S5_DESC (\`$S5_LOCK\`)" \
        --crates "$crates" \
        --overhead "$overhead" --chef-install "$chef_install" \
        --image-checks "$LOGS/image-checks.csv" \
        --minutes "$((($(date +%s) - t0 + 59) / 60))" --cache-total "${CACHE_TOTAL:-}" \
        >"$RESULTS/$WS.md"
    if [ -s "$LOGS/S2-cargo-frontend.log" ]; then
        python3 bench/profile.py "$CSV" "$LOGS" "$LOGS/frontend-phases.txt" >>"$RESULTS/$WS.md"
    fi
    log "$WS done in $((($(date +%s) - t0) / 60)) min: $RESULTS/$WS.md, $CSV"
    sed -n '/^| scenario/,/^$/p' "$RESULTS/$WS.md" >&2
    rm -rf "$WORK"
    trap - EXIT
}

# The work is one function, called with `exit` on the same last line: bash has read everything it
# will run before the run starts, so editing run.sh during a run cannot change that run.
main() {
    for image in "$BUILDER_IMAGE" "$RUNTIME_IMAGE" "$FRONTEND_IMAGE"; do
        docker image inspect "$image" >/dev/null 2>&1 || die "image $image is missing (make setup image)"
    done
    if has S6 "${SCENARIOS[@]}"; then
        curl -sf "http://$REGISTRY/v2/" >/dev/null || die "no registry at $REGISTRY (make setup starts one)"
    fi
    command -v python3 >/dev/null || die "python3 is needed"
    mkdir -p "$RESULTS"

    case ${1:-all} in
    all) WORKSPACES=(workspace monorepo) ;;
    *) WORKSPACES=("$1") ;;
    esac
    for ws in "${WORKSPACES[@]}"; do
        bench_workspace "$ws"
    done
}

main "$@"; exit $?
