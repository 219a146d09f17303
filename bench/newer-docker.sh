#!/usr/bin/env bash
# Cold and no-op builds on a newer Docker engine than the project's (Debian 13's 26.1, BuildKit
# 0.13): Debian unstable's docker.io, docker-cli and docker-buildx, unpacked (not installed) and
# started beside the main daemon, with their own data root, socket, containerd, namespaces and
# bridge, and no iptables rules. The main daemon and its cache are left alone.
#
#   bash bench/newer-docker.sh DIR SERVICE [ROUNDS]     e.g. bench/monorepo orders-api 1
#
# Per round: `docker buildx prune -af`, a cold build with bench/dockerfiles/naive.Dockerfile, a
# prune, a cold cargo-frontend build; then three no-op cargo-frontend builds. One line per build:
# wall seconds, the CPU columns of bench/run.sh, and for cargo-frontend the time after the last
# vertex (the history record, BENCHMARKS.md's S2 point). Logs in /tmp/newer-docker/logs.
# Downloads about 40 MB of packages once (kept in /tmp/newer-docker/debs); the images
# (FRONTEND_IMAGE, BUILDER_IMAGE, RUNTIME_IMAGE as in run.sh) are copied in from the main daemon.
# It prunes only its own daemon's cache, but it competes with anything else for the cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ $# -ge 2 ] || { sed -n '2,15p' "$0"; exit 2; }
DIR=$1 SERVICE=$2 ROUNDS=${3:-1}
FRONTEND_IMAGE=${FRONTEND_IMAGE:-cargo-frontend:dev}
BUILDER_IMAGE=${BUILDER_IMAGE:-cargo-frontend-test/rust:local}
RUNTIME_IMAGE=${RUNTIME_IMAGE:-cargo-frontend-test/debian:bookworm-slim}
SUITE=${SUITE:-sid}
WORK=/tmp/newer-docker
ROOTFS=$WORK/root
DATA=/var/lib/cargo-frontend-newer-docker
SOCK=/run/cargo-frontend-newer-docker.sock
# Its own bridge: a dockerd started with `--bridge none` deletes the host's docker0 (the main
# daemon's), which breaks the main daemon's builds until it is restarted.
BRIDGE=cfnewer0
BRIDGE_CIDR=172.31.250.1/24
LOGS=$WORK/logs
# shellcheck source=bench/common.sh
source bench/common.sh

log() { echo "[newer-docker $(date +%H:%M:%S)] $*" >&2; }
die() { log "error: $*"; exit 1; }

# The packages, from the same mirror this machine's apt uses for its own release, suite $SUITE.
fetch_packages() {
    if [ -x "$ROOTFS/usr/sbin/dockerd" ]; then return 0; fi
    local mirror apt_dir=$WORK/apt
    mirror=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null \
        | awk '$2 !~ /-/ && $1 !~ /security/ { print $1; exit }')
    [ -n "$mirror" ] || die "no Debian mirror in this machine's apt sources"
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$WORK/debs"
    echo "deb $mirror $SUITE main" >"$apt_dir/sources.list"
    local o=(-o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
             -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache")
    log "downloading docker.io, docker-cli, docker-buildx from $SUITE"
    apt-get "${o[@]}" update >"$WORK/apt.log" 2>&1 || die "apt-get update of $SUITE failed ($WORK/apt.log)"
    (cd "$WORK/debs" && apt-get "${o[@]}" download docker.io/"$SUITE" docker-cli/"$SUITE" docker-buildx/"$SUITE" \
        >>"$WORK/apt.log" 2>&1) || die "download failed ($WORK/apt.log)"
    local deb
    for deb in "$WORK"/debs/*.deb; do dpkg -x "$deb" "$ROOTFS"; done
}

start_daemon() {
    mkdir -p "$DATA" "$WORK/exec" "$WORK/config/cli-plugins"
    ln -sf "$ROOTFS/usr/libexec/docker/cli-plugins/docker-buildx" "$WORK/config/cli-plugins/docker-buildx"
    echo '{ "features": { "containerd-snapshotter": true } }' >"$WORK/daemon.json"
    if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
        ip link add "$BRIDGE" type bridge && ip addr add "$BRIDGE_CIDR" dev "$BRIDGE" && ip link set "$BRIDGE" up \
            || die "could not create the bridge $BRIDGE"
    fi
    # Its own containerd (dockerd starts one under its data root when none is given).
    PATH=$ROOTFS/usr/bin:$ROOTFS/usr/sbin:$PATH setsid "$ROOTFS/usr/sbin/dockerd" \
        --config-file "$WORK/daemon.json" --data-root "$DATA" --exec-root "$WORK/exec" \
        -H "unix://$SOCK" --pidfile "$WORK/dockerd.pid" \
        --containerd-namespace cargo-frontend-newer --containerd-plugins-namespace cargo-frontend-newer-plugins \
        --bridge "$BRIDGE" --iptables=false --ip6tables=false >"$WORK/dockerd.log" 2>&1 </dev/null &
    local i
    for i in $(seq 1 60); do
        newer docker info >/dev/null 2>&1 && break
        sleep 1
    done
    newer docker info >/dev/null 2>&1 || die "the newer dockerd did not start ($WORK/dockerd.log)"
    log "dockerd $(newer docker version -f '{{.Server.Version}}') up on $SOCK"
}

stop_daemon() {
    if [ -f "$WORK/dockerd.pid" ]; then
        local pid i
        pid=$(cat "$WORK/dockerd.pid")
        kill "$pid" 2>/dev/null || true
        for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    fi
    rm -rf "$DATA" "$SOCK"
    ip link del "$BRIDGE" 2>/dev/null || true
    ip link show docker0 >/dev/null 2>&1 || log "warning: docker0 is gone; restart the main dockerd"
}

# newer COMMAND...: run a docker command against the newer daemon with the newer CLI and buildx.
newer() {
    PATH=$ROOTFS/usr/bin:$PATH DOCKER_HOST=unix://$SOCK DOCKER_CONFIG=$WORK/config "$@"
}

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
    mkdir -p "$WORK" "$ROOTFS" "$LOGS"
    rm -f "$LOGS"/*
    trap stop_daemon EXIT
    fetch_packages
    start_daemon
    log "copying $FRONTEND_IMAGE, $BUILDER_IMAGE, $RUNTIME_IMAGE in"
    docker save "$FRONTEND_IMAGE" "$BUILDER_IMAGE" "$RUNTIME_IMAGE" | newer docker load >/dev/null
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
