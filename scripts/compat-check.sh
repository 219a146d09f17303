#!/usr/bin/env bash
# The compatibility check on the oldest engine the project runs here: Debian 13's (trixie) Docker
# 26.1 with BuildKit 0.13 and buildx 0.13.1, unpacked and started beside the main daemon
# (scripts/engine.sh) WITHOUT the containerd image store, so its BuildKit lists MergeOp as
# disabled and the frontend takes its FileOp fallback (lower::image). tests/compat.rs then builds
# examples/hello and examples/workspace's service-z once each, cold, and runs them.
#
#   CARGO_FRONTEND_IMAGE=... CARGO_FRONTEND_BUILDER_IMAGE=... CARGO_FRONTEND_RUNTIME_IMAGE=... \
#       bash scripts/compat-check.sh          (`make compat-test` sets them)
#
# COMPAT_SUITE picks another Debian suite's engine. The images are copied in from the main daemon;
# the side daemon's data root is deleted afterwards, so every run is cold. Needs root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/engine.sh
source scripts/engine.sh
SUITE=${COMPAT_SUITE:-trixie}
: "${CARGO_FRONTEND_IMAGE:?set it (make compat-test does)}"
: "${CARGO_FRONTEND_BUILDER_IMAGE:?}" "${CARGO_FRONTEND_RUNTIME_IMAGE:?}"

T0=$(date +%s)
log() { printf '[compat-check %s +%ss] %s\n' "$(date +%H:%M:%S)" "$(($(date +%s) - T0))" "$*" >&2; }

side_init compat "$(engine_rootfs "$SUITE")" cfcompat0 172.31.251.1/24
trap side_stop EXIT
side_stop # what an interrupted run left
engine_unpack "$SUITE" "$SIDE_ROOTFS" docker.io docker-cli docker-buildx
side_start --no-containerd-store
side_load "$CARGO_FRONTEND_IMAGE" "$CARGO_FRONTEND_BUILDER_IMAGE" "$CARGO_FRONTEND_RUNTIME_IMAGE"
log "images in; building the examples"
side cargo test --test compat -- --test-threads=1 --nocapture
log "passed on $SUITE's dockerd $(side docker version -f '{{.Server.Version}}'), $(side docker buildx version)"
