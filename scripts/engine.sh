# shellcheck shell=bash
# Docker engines from Debian's archive, shared by scripts/docker-setup.sh (the main daemon),
# scripts/compat-check.sh (the oldest engine, beside it) and bench/newer-docker.sh (sourced, not
# run; needs root):
#
#   engine_download SUITE DIR PKG...   .deb files of PKG from Debian SUITE into DIR, through a private
#                                      apt configuration (the system's sources are not changed);
#                                      packages already in DIR are not fetched again
#   engine_unpack SUITE ROOTFS PKG...  the same packages unpacked (dpkg -x, not installed) in ROOTFS
#   engine_rootfs SUITE                where SUITE's engine is unpacked for side daemons
#   side_init NAME ROOTFS BRIDGE CIDR  names a side daemon: its data root, socket, exec root, bridge
#   side_start [--no-containerd-store] starts it from ROOTFS's dockerd (and the host's containerd)
#   side COMMAND...                    runs a command against it, with ROOTFS's docker CLI and buildx
#   side_load IMAGE...                 copies images from the main daemon in, skipping those it has
#   side_stop                          stops it and deletes its data root and bridge
#
# A side daemon has its own data root, socket, exec root, containerd namespaces and bridge, and no
# iptables rules: the main daemon, its images and its build cache are left alone.

ENGINE_CACHE=${ENGINE_CACHE:-/var/cache/cargo-frontend-engine}
ENGINE_APT_ROOT=$ENGINE_CACHE/apt

engine_log() { printf '[engine %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# The Debian mirror this machine's apt uses for its own release (deb.debian.org if none is found).
engine_mirror() {
    local mirror
    mirror=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null \
        | awk '$2 !~ /-/ && $1 !~ /security/ { print $1; exit }')
    echo "${mirror:-http://deb.debian.org/debian/}"
}

# engine_apt SUITE ARGS...: apt-get with a private list of SUITE only (lists fetched once).
engine_apt() {
    local suite=$1 dir=$ENGINE_APT_ROOT/$1
    shift
    local o=(-o Dir::Etc::SourceList="$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
             -o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache")
    if ! ls "$dir"/lists/*_"$suite"_*Packages* >/dev/null 2>&1; then
        mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
        echo "deb $(engine_mirror) $suite main" >"$dir/sources.list"
        apt-get "${o[@]}" update >>"$dir/apt.log" 2>&1 \
            || { engine_log "apt-get update of $suite failed; last lines of $dir/apt.log:"; tail -n 20 "$dir/apt.log" >&2; return 1; }
    fi
    apt-get "${o[@]}" "$@"
}

engine_download() {
    local suite=$1 dest=$2 p need=()
    shift 2
    mkdir -p "$dest" "$ENGINE_APT_ROOT/$suite"
    for p in "$@"; do
        ls "$dest/${p}_"*.deb >/dev/null 2>&1 || need+=("$p/$suite")
    done
    [ ${#need[@]} -eq 0 ] && return 0
    engine_log "downloading ${need[*]} (log: $ENGINE_APT_ROOT/$suite/apt.log)"
    (cd "$dest" && engine_apt "$suite" download "${need[@]}" >>"$ENGINE_APT_ROOT/$suite/apt.log" 2>&1) \
        || { engine_log "downloading ${need[*]} failed; last lines of $ENGINE_APT_ROOT/$suite/apt.log:"
             tail -n 20 "$ENGINE_APT_ROOT/$suite/apt.log" >&2; return 1; }
}

engine_unpack() {
    local suite=$1 rootfs=$2 deb
    shift 2
    [ -x "$rootfs/usr/sbin/dockerd" ] && return 0
    engine_download "$suite" "$rootfs.debs" "$@" || return 1
    mkdir -p "$rootfs"
    for deb in "$rootfs.debs"/*.deb; do dpkg -x "$deb" "$rootfs"; done
}

engine_rootfs() { echo "$ENGINE_CACHE/root-$1"; }

side_init() {
    SIDE_NAME=$1 SIDE_ROOTFS=$2 SIDE_BRIDGE=$3 SIDE_BRIDGE_CIDR=$4
    SIDE_WORK=/tmp/cargo-frontend-side/$SIDE_NAME
    SIDE_DATA=/var/lib/cargo-frontend-side-$SIDE_NAME
    SIDE_SOCK=/run/cargo-frontend-side-$SIDE_NAME.sock
}

side() {
    PATH=$SIDE_ROOTFS/usr/bin:$PATH DOCKER_HOST=unix://$SIDE_SOCK DOCKER_CONFIG=$SIDE_WORK/config \
        DOCKER_CONTEXT= BUILDX_BUILDER= "$@"
}

# side_start [--no-containerd-store]: without the containerd image store (the classic graph
# driver), the daemon's BuildKit lists MergeOp and DiffOp as disabled.
side_start() {
    local store=true
    [ "${1:-}" = --no-containerd-store ] && store=false
    mkdir -p "$SIDE_DATA" "$SIDE_WORK/exec" "$SIDE_WORK/config/cli-plugins"
    ln -sf "$SIDE_ROOTFS/usr/libexec/docker/cli-plugins/docker-buildx" "$SIDE_WORK/config/cli-plugins/docker-buildx"
    echo "{ \"features\": { \"containerd-snapshotter\": $store } }" >"$SIDE_WORK/daemon.json"
    # Its own bridge: a dockerd started with `--bridge none` deletes the host's docker0 (the main
    # daemon's), which breaks the main daemon's builds until it is restarted.
    if ! ip link show "$SIDE_BRIDGE" >/dev/null 2>&1; then
        ip link add "$SIDE_BRIDGE" type bridge && ip addr add "$SIDE_BRIDGE_CIDR" dev "$SIDE_BRIDGE" \
            && ip link set "$SIDE_BRIDGE" up || { engine_log "could not create the bridge $SIDE_BRIDGE"; return 1; }
    fi
    # Its own containerd (dockerd starts one under its exec root when none is given).
    PATH=$SIDE_ROOTFS/usr/bin:$SIDE_ROOTFS/usr/sbin:$PATH setsid "$SIDE_ROOTFS/usr/sbin/dockerd" \
        --config-file "$SIDE_WORK/daemon.json" --data-root "$SIDE_DATA" --exec-root "$SIDE_WORK/exec" \
        -H "unix://$SIDE_SOCK" --pidfile "$SIDE_WORK/dockerd.pid" \
        --containerd-namespace "cargo-frontend-$SIDE_NAME" \
        --containerd-plugins-namespace "cargo-frontend-$SIDE_NAME-plugins" \
        --bridge "$SIDE_BRIDGE" --iptables=false --ip6tables=false >"$SIDE_WORK/dockerd.log" 2>&1 </dev/null &
    local _
    for _ in $(seq 1 60); do
        side docker info >/dev/null 2>&1 && break
        sleep 1
    done
    side docker info >/dev/null 2>&1 \
        || { engine_log "the $SIDE_NAME dockerd did not start; last lines of $SIDE_WORK/dockerd.log:"
             tail -n 20 "$SIDE_WORK/dockerd.log" >&2; return 1; }
    engine_log "$SIDE_NAME: dockerd $(side docker version -f '{{.Server.Version}}') up on $SIDE_SOCK" \
        "($(side docker buildx version)), containerd image store: $store"
}

side_load() {
    local image missing=()
    for image in "$@"; do
        side docker image inspect "$image" >/dev/null 2>&1 || missing+=("$image")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    engine_log "$SIDE_NAME: copying ${missing[*]} in from the main daemon"
    docker save "${missing[@]}" | side docker load >/dev/null
}

side_stop() {
    [ -n "${SIDE_WORK:-}" ] || return 0
    if [ -f "$SIDE_WORK/dockerd.pid" ]; then
        local pid _
        pid=$(cat "$SIDE_WORK/dockerd.pid")
        # Only that daemon: a pid file left by a run that died may name a process reused since.
        if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$SIDE_SOCK"; then
            kill "$pid" 2>/dev/null || true
        fi
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
        rm -f "$SIDE_WORK/dockerd.pid"
    fi
    rm -rf "$SIDE_DATA" "$SIDE_SOCK"
    ip link del "$SIDE_BRIDGE" 2>/dev/null || true
    ip link show docker0 >/dev/null 2>&1 || engine_log "warning: docker0 is gone; restart the main dockerd"
}
