#!/usr/bin/env bash
# Records tests/fixtures/plans/*.json: the plans cargo made for examples/hello and for
# examples/workspace --target service-z, which the unit tests' golden conversions
# (src/frontend/tests.rs) start from. Run it when planning changes what it records, then update
# the golden digests the tests print.
#
#   bash scripts/record-plan-fixtures.sh      (after `make setup` and `make image`)
#
# Builds each example for real through the frontend, with --no-cache so that planning runs
# now, and copies the plan.json the planning vertex wrote from the daemon's snapshots: a plan is
# internal to a build, and no output of it holds one. Needs root and the local daemon (the
# containerd image store, as scripts/docker-setup.sh configures it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
FRONTEND_IMAGE=${FRONTEND_IMAGE:-cargo-frontend:dev}
BUILDER_IMAGE=${BUILDER_IMAGE:-cargo-frontend-test/rust:local}
RUNTIME_IMAGE=${RUNTIME_IMAGE:-cargo-frontend-test/debian:bookworm-slim}
SNAPSHOTS="$(docker info -f '{{.DockerRootDir}}')/containerd/daemon/io.containerd.snapshotter.v1.overlayfs/snapshots"
[ -d "$SNAPSHOTS" ] || { echo "no containerd snapshots at $SNAPSHOTS" >&2; exit 1; }

record() {  # fixture example package [buildx args...]
    local fixture=$1 example=$2 package=$3 marker newest
    shift 3
    marker=$(mktemp)
    docker buildx build --no-cache --progress=quiet -o type=cacheonly \
        --build-arg BUILDKIT_SYNTAX="$FRONTEND_IMAGE" \
        --build-arg builder.image="$BUILDER_IMAGE" --build-arg runtime.image="$RUNTIME_IMAGE" \
        "$@" "examples/$example" >/dev/null
    # The plan this build wrote: the newest plan.json that names the package.
    newest=$(find "$SNAPSHOTS" -maxdepth 3 -path '*/fs/plan.json' -newer "$marker" \
        -exec grep -l "\"CARGO_PKG_NAME\": \"$package\"" {} + 2>/dev/null \
        | xargs -r ls -t | head -1)
    rm -f "$marker"
    [ -n "$newest" ] || { echo "no plan.json of $package was written" >&2; exit 1; }
    cp "$newest" "tests/fixtures/plans/$fixture.json"
    echo "recorded tests/fixtures/plans/$fixture.json"
}

record hello hello hello
record workspace-service-z workspace service-z --target service-z
