#!/usr/bin/env bash
# Makes the local images the tests use (no container registry is reachable, so nothing is pulled):
#
#   cargo-frontend-test/rust:local            a Rust builder image, like the official rust:1.x-slim-bookworm:
#                                             Debian 12 minbase + gcc g++ libc6-dev make pkg-config
#                                             ca-certificates, and the host's Rust toolchain
#                                             ($(rustc --print sysroot), without share/) in /usr/local/rust,
#                                             with the binaries also linked from /usr/local/cargo/bin
#                                             (CARGO_HOME) — real binaries, no rustup.
#   cargo-frontend-test/debian:bookworm-slim  a runtime base: Debian 12 minbase, no toolchain.
#
# Both carry the host's CA bundle (outbound HTTPS goes through an intercepting proxy whose CA is only
# in the host bundle), and have Env PATH and Cmd ["bash"]. An image that already exists is skipped
# (REBUILD=1 rebuilds both). The debootstrap root filesystems are cached as tarballs in $CACHE_DIR, so
# making the images again after they were deleted skips debootstrap. Logs go to /tmp.
# Needs a running dockerd (scripts/docker-setup.sh) and root.
set -euo pipefail

RUST_IMAGE=${RUST_IMAGE:-cargo-frontend-test/rust:local}
BASE_IMAGE=${BASE_IMAGE:-cargo-frontend-test/debian:bookworm-slim}
CACHE_DIR=${CACHE_DIR:-/var/cache/cargo-frontend-test}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
LOG_DIR=/tmp
BASE_PACKAGES=""                                   # minbase only
RUST_PACKAGES="ca-certificates,gcc,g++,libc6-dev,make,pkg-config"
IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUST_PATH=/usr/local/cargo/bin:/usr/local/rust/bin:$IMAGE_PATH
HOST_CA=/etc/ssl/certs/ca-certificates.crt
export DEBIAN_FRONTEND=noninteractive

T0=$(date +%s)
log() { printf '[make-test-images %s +%ss] %s\n' "$(date +%H:%M:%S)" "$(($(date +%s) - T0))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
WORK=
cleanup() {
    local rc=$?
    [ -n "$WORK" ] && rm -rf "$WORK"
    [ $rc -eq 0 ] || log "FAILED (exit $rc)"
}
trap cleanup EXIT
trap 'log "failed at line $LINENO: $BASH_COMMAND"' ERR

[ "$(id -u)" -eq 0 ] || die "must run as root"
docker info >/dev/null 2>&1 || die "docker does not answer; run scripts/docker-setup.sh first"
[ -s "$HOST_CA" ] || die "host CA bundle $HOST_CA is missing"

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# Toolchain we would put into the builder image (only needed when that image is missing).
host_rust_version() { rustc --version 2>/dev/null | awk '{print $2}'; }

need_rust=1; need_base=1
if [ -z "${REBUILD:-}" ] && image_exists "$RUST_IMAGE"; then
    need_rust=
    have=$(docker image inspect -f '{{index .Config.Labels "cargo-frontend-test.rust-version"}}' "$RUST_IMAGE" 2>/dev/null || true)
    host=$(host_rust_version || true)
    if [ -n "$host" ] && [ -n "$have" ] && [ "$have" != "$host" ]; then
        log "warning: $RUST_IMAGE has Rust $have but the host has $host (REBUILD=1 to rebuild)"
    fi
    log "$RUST_IMAGE exists; skipping"
fi
if [ -z "${REBUILD:-}" ] && image_exists "$BASE_IMAGE"; then
    need_base=
    log "$BASE_IMAGE exists; skipping"
fi
[ -z "$need_rust$need_base" ] && { log "all images present"; exit 0; }

if [ -n "$need_rust" ]; then
    command -v rustc >/dev/null || die "rustc not found on the host (the builder image copies the host toolchain)"
fi
if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap (log: $LOG_DIR/make-test-images-apt.log)"
    if ! apt-get install -y --no-install-recommends debootstrap >>"$LOG_DIR/make-test-images-apt.log" 2>&1; then
        apt-get update >>"$LOG_DIR/make-test-images-apt.log" 2>&1 || true
        apt-get install -y --no-install-recommends debootstrap >>"$LOG_DIR/make-test-images-apt.log" 2>&1 \
            || { tail -n 20 "$LOG_DIR/make-test-images-apt.log" >&2; die "could not install debootstrap"; }
    fi
fi

mkdir -p "$CACHE_DIR"
WORK=$(mktemp -d /var/tmp/cargo-frontend-test-images.XXXXXX)
if command -v zstd >/dev/null; then COMP=(--zstd); EXT=tar.zst; else COMP=(); EXT=tar; fi

# Cached rootfs tarball name: depends on suite and package list.
cache_file() {
    local name=$1 pkgs=$2 key
    key=$(printf '%s|%s|%s|v1' "$SUITE" "$pkgs" "$MIRROR" | sha256sum | cut -c1-12)
    echo "$CACHE_DIR/$SUITE-$name-$key.$EXT"
}

# debootstrap NAME PACKAGES -> cached tarball (cleaned: no apt lists/caches, docs, logs, /dev nodes).
make_rootfs_tarball() {
    trap - EXIT  # runs in a background subshell: leave $WORK to the main shell
    local name=$1 pkgs=$2 out rootfs t started
    out=$(cache_file "$name" "$pkgs")
    if [ -s "$out" ]; then
        log "rootfs '$name': using cached $out"
        return 0
    fi
    rootfs=$WORK/debootstrap-$name
    started=$(date +%s)
    log "rootfs '$name': debootstrap --variant=minbase $SUITE ${pkgs:+(+ $pkgs) }(log: $LOG_DIR/debootstrap-$name.log)"
    if ! debootstrap --variant=minbase ${pkgs:+--include="$pkgs"} "$SUITE" "$rootfs" "$MIRROR" \
            >"$LOG_DIR/debootstrap-$name.log" 2>&1; then
        tail -n 30 "$LOG_DIR/debootstrap-$name.log" >&2 || true
        [ -f "$rootfs/debootstrap/debootstrap.log" ] && tail -n 30 "$rootfs/debootstrap/debootstrap.log" >&2
        die "debootstrap of '$name' failed"
    fi
    # Slim it down like the official -slim images.
    rm -rf "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
           "$rootfs"/var/cache/apt/archives/partial/* "$rootfs"/var/lib/apt/lists/* \
           "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
           "$rootfs"/usr/share/locale/* "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/* \
           "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/lib/dpkg/*-old \
           "$rootfs"/dev/* "$rootfs"/proc/* "$rootfs"/sys/* "$rootfs"/run/* "$rootfs"/tmp/* \
           "$rootfs"/etc/hostname "$rootfs"/etc/resolv.conf
    # Keep apt usable in the image, and keep future apt runs from re-adding docs.
    echo "deb $MIRROR $SUITE main" >"$rootfs/etc/apt/sources.list"
    cat >"$rootfs/etc/dpkg/dpkg.cfg.d/01-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
EOF
    tar -C "$rootfs" --numeric-owner "${COMP[@]}" -cf "$out.tmp" .
    mv "$out.tmp" "$out"
    rm -rf "$rootfs"
    t=$(($(date +%s) - started))
    log "rootfs '$name': done in ${t}s ($(du -h "$out" | cut -f1) cached in $out)"
}

# Put the host's CA bundle into a root filesystem, and the host-only CAs (the intercepting proxy's)
# into /usr/local/share/ca-certificates, so an update-ca-certificates run in the image keeps them.
add_host_ca() {
    local rootfs=$1
    mkdir -p "$rootfs/etc/ssl/certs" "$rootfs/usr/local/share/ca-certificates"
    local orig=$rootfs/etc/ssl/certs/ca-certificates.crt
    if [ -s "$orig" ]; then
        # Certificates in the host bundle but not in the image's own bundle.
        awk -v ref="$orig" -v dir="$rootfs/usr/local/share/ca-certificates" '
            BEGIN { while ((getline l < ref) > 0) { c = c l "\n"; if (l ~ /END CERTIFICATE/) { have[c] = 1; c = "" } } }
            /BEGIN CERTIFICATE/ { cur = "" }
            { cur = cur $0 "\n" }
            /END CERTIFICATE/ { if (!(cur in have)) { n++; f = sprintf("%s/host-ca-%d.crt", dir, n); printf "%s", cur > f; close(f) } }
        ' "$HOST_CA"
    fi
    cp "$HOST_CA" "$orig"
    chmod 644 "$orig"
}

extract_rootfs() {  # tarball dest
    mkdir -p "$2"
    tar -C "$2" --numeric-owner "${COMP[@]}" -xpf "$1"
}

import_rootfs() {  # rootfs image-name docker-import-changes...
    local rootfs=$1 name=$2 started; shift 2
    local changes=() c
    for c in "$@"; do changes+=(-c "$c"); done
    started=$(date +%s)
    log "importing $name ($(du -sh "$rootfs" | cut -f1) rootfs; log: $LOG_DIR/docker-import.log)"
    if ! tar -C "$rootfs" --numeric-owner -cf - . | docker import "${changes[@]}" - "$name" >>"$LOG_DIR/docker-import.log" 2>&1; then
        tail -n 20 "$LOG_DIR/docker-import.log" >&2 || true
        die "docker import of $name failed"
    fi
    log "imported $name in $(($(date +%s) - started))s"
}

# --- debootstrap (the two run in parallel when both are needed and not cached) ---------------
pids=()
if [ -n "$need_base" ]; then make_rootfs_tarball base "$BASE_PACKAGES" & pids+=($!); fi
if [ -n "$need_rust" ]; then make_rootfs_tarball rust "$RUST_PACKAGES" & pids+=($!); fi
for p in "${pids[@]}"; do wait "$p" || die "making a root filesystem failed (see $LOG_DIR/debootstrap-*.log)"; done

# --- runtime base image --------------------------------------------------------------------
if [ -n "$need_base" ]; then
    r=$WORK/base
    extract_rootfs "$(cache_file base "$BASE_PACKAGES")" "$r"
    add_host_ca "$r"
    import_rootfs "$r" "$BASE_IMAGE" \
        "ENV PATH=$IMAGE_PATH" \
        'CMD ["bash"]'
    rm -rf "$r"
    docker run --rm --network none "$BASE_IMAGE" sh -c 'test -s /etc/ssl/certs/ca-certificates.crt' \
        || die "$BASE_IMAGE does not run"
fi

# --- Rust builder image -----------------------------------------------------------------------
if [ -n "$need_rust" ]; then
    sysroot=$(rustc --print sysroot)
    version=$(host_rust_version)
    r=$WORK/rust
    extract_rootfs "$(cache_file rust "$RUST_PACKAGES")" "$r"
    add_host_ca "$r"
    log "copying the host toolchain ($sysroot, Rust $version) into /usr/local/rust"
    mkdir -p "$r/usr/local/rust" "$r/usr/local/cargo/bin"
    for d in bin lib libexec etc; do
        if [ -e "$sysroot/$d" ]; then cp -a "$sysroot/$d" "$r/usr/local/rust/"; fi
    done
    # rustup bookkeeping is of no use without rustup.
    rm -f "$r"/usr/local/rust/lib/rustlib/multirust-* "$r"/usr/local/rust/lib/rustlib/manifest-*
    # cargo, rustc, ... in CARGO_HOME/bin as in the official image (links to the real binaries;
    # rustc finds its sysroot from the resolved path, /usr/local/rust).
    for b in "$r"/usr/local/rust/bin/*; do
        ln -sfn "../../rust/bin/$(basename "$b")" "$r/usr/local/cargo/bin/$(basename "$b")"
    done
    chmod -R a+rX "$r/usr/local/rust" "$r/usr/local/cargo"
    import_rootfs "$r" "$RUST_IMAGE" \
        "ENV CARGO_HOME=/usr/local/cargo" \
        "ENV PATH=$RUST_PATH" \
        "ENV RUST_VERSION=$version" \
        "LABEL cargo-frontend-test.rust-version=$version" \
        'CMD ["bash"]'
    rm -rf "$r"
    out=$(docker run --rm --network none "$RUST_IMAGE" sh -c 'cargo --version && rustc --version && cc --version | head -n1') \
        || die "$RUST_IMAGE: cargo/rustc/cc do not run in the image"
    log "$RUST_IMAGE: $(echo "$out" | tr '\n' ';')"
fi

log "done: $(docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^cargo-frontend-test/' | tr '\n' ' ')"
