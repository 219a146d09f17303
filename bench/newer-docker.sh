#!/usr/bin/env bash
# Cold and no-op builds on another Debian suite's Docker engine (SUITE, default sid: Docker 28.5.2,
# buildx 0.29.1, the engine scripts/docker-setup.sh installs since issue 14; SUITE=trixie for Docker
# 26.1 / BuildKit 0.13, the one before): that suite's docker.io, docker-cli and docker-buildx,
# unpacked (not installed) and started beside the main daemon by scripts/engine.sh, with their own
# data root, socket, containerd, namespaces and bridge, and no iptables rules. The main daemon and
# its cache are left alone.
#
#   bash bench/newer-docker.sh DIR SERVICE [ROUNDS]     e.g. bench/monorepo orders-api 1
#
# Per round: `docker buildx prune -af`, a cold build with bench/dockerfiles/naive.Dockerfile, a
# prune, a cold cargo-frontend build; then three no-op cargo-frontend builds. One line per build:
# wall seconds, the CPU columns of bench/run.sh, and for cargo-frontend the time after the last
# vertex (the history record, BENCHMARKS.md's S2 point). Logs in /tmp/newer-docker/logs.
# Downloads about 40 MB of packages once (kept under /var/cache/cargo-frontend-engine); the images
# (FRONTEND_IMAGE, BUILDER_IMAGE, RUNTIME_IMAGE as in run.sh) are copied in from the main daemon.
# It prunes only its own daemon's cache, but it competes with anything else for the cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ $# -ge 2 ] || { sed -n '2,17p' "$0"; exit 2; }
DIR=$1 SERVICE=$2 ROUNDS=${3:-1}
FRONTEND_IMAGE=${FRONTEND_IMAGE:-cargo-frontend:dev}
BUILDER_IMAGE=${BUILDER_IMAGE:-cargo-frontend-test/rust:local}
RUNTIME_IMAGE=${RUNTIME_IMAGE:-cargo-frontend-test/debian:bookworm-slim}
SUITE=${SUITE:-sid}
WORK=/tmp/newer-docker
LOGS=$WORK/logs
# shellcheck source=bench/common.sh
source bench/common.sh
# shellcheck source=scripts/engine.sh
source scripts/engine.sh
side_init newer-docker "$(engine_rootfs "$SUITE")" cfnewer0 172.31.250.1/24

log() { echo "[newer-docker $(date +%H:%M:%S)] $*" >&2; }
die() { log "error: $*"; exit 1; }

newer() { side "$@"; }

timed() { # NAME command...
    local name=$1 start before after tail=""
    shift
    before=$(cpu_snapshot)
    start=$(date +%s.%N)
    newer "$@" >"$LOGS/$name.log" 2>&1 || die "$name failed ($LOGS/$name.log)"
    after=$(date +%s.%N)
    if [[ $name == cargo-frontend* ]]; then
        tail=$(python3 - "$LOGS/$name.log" "$after" <<'EOF'
import os, sys
sys.path.insert(0, os.path.join("bench"))
from progress import read_vertices
ends = [v["completed"].timestamp() for v in read_vertices(sys.argv[1]) if v["completed"]]
print(f"{float(sys.argv[2]) - max(ends):.2f}")
EOF
        )
    fi
    echo "$name,$(seconds_since "$start"),$(cpu_used "$before" "$(cpu_snapshot)"),$tail" | tee -a "$LOGS/builds.csv"
}

naive_build() {
    # This daemon's bridge has no NAT (no iptables rules): the naive RUN fetches crates over the
    # host's network.
    docker buildx build --progress=rawjson --network host -t newer-docker/naive \
        -f bench/dockerfiles/naive.Dockerfile --build-arg RUST_IMAGE="$BUILDER_IMAGE" \
        --build-arg RUNTIME_IMAGE="$RUNTIME_IMAGE" --build-arg SERVICE="$SERVICE" "$DIR"
}

main() {
    mkdir -p "$WORK" "$LOGS"
    rm -f "$LOGS"/*
    trap side_stop EXIT
    engine_unpack "$SUITE" "$SIDE_ROOTFS" docker.io docker-cli docker-buildx || die "could not get the $SUITE packages"
    side_start || die "the $SUITE dockerd did not start"
    side_load "$FRONTEND_IMAGE" "$BUILDER_IMAGE" "$RUNTIME_IMAGE"
    echo "build,seconds,cpu_busy,cpu_containers,cpu_daemon,after_last_vertex" | tee "$LOGS/builds.csv"
    local r i
    for r in $(seq 1 "$ROUNDS"); do
        newer docker buildx prune -af >/dev/null
        timed "naive-cold-$r" naive_build
        newer docker buildx prune -af >/dev/null
        timed "cargo-frontend-cold-$r" frontend_build newer-docker/cargo-frontend "$SERVICE" "$FRONTEND_IMAGE" "$DIR"
    done
    for i in 1 2 3; do
        timed "cargo-frontend-noop-$i" frontend_build newer-docker/cargo-frontend "$SERVICE" "$FRONTEND_IMAGE" "$DIR"
    done
}

main "$@"
