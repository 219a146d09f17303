#!/usr/bin/env bash
# Cold builds of one service with two frontend images, alternating: an A/B of a frontend change.
#
#   bash bench/ab-cold.sh DIR SERVICE IMAGE_A IMAGE_B [ROUNDS]      (ROUNDS default 3)
#   e.g. bash bench/ab-cold.sh bench/monorepo orders-api cargo-frontend:main cargo-frontend:try 2
#
# Why: a cold build on these 2-core machines moves by up to a quarter from run to run
# (BENCHMARKS.md), so one run of bench/run.sh per image cannot tell a 5% change. Alternating the
# images, each build right after `docker buildx prune -af`, puts both under the same drift.
#
# Each build is bench/run.sh's cargo-frontend build (the workspace's own spec, the frontend pinned
# with BUILDKIT_SYNTAX, the local builder and runtime images), from an empty build cache. Prints
# one CSV line per build, "round,image,seconds,cpu_busy,cpu_containers,cpu_daemon" (CPU as in
# bench/run.sh), then each image's mean. Raw logs go to $AB_LOGS (default /tmp/ab-cold).
#
# Environment: BUILDER_IMAGE, RUNTIME_IMAGE as in bench/run.sh. Empties the daemon's whole build
# cache before every build: run it on a daemon nothing else is using.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

if [ $# -lt 4 ]; then
    sed -n '2,4p' "$0" >&2
    exit 2
fi
DIR=$1 SERVICE=$2 IMAGE_A=$3 IMAGE_B=$4 ROUNDS=${5:-3}
BUILDER_IMAGE=${BUILDER_IMAGE:-cargo-frontend-test/rust:local}
RUNTIME_IMAGE=${RUNTIME_IMAGE:-cargo-frontend-test/debian:bookworm-slim}
LOGS=${AB_LOGS:-/tmp/ab-cold}
mkdir -p "$LOGS"

# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"

{ # the CSV, header included, to the screen and to $LOGS/ab.csv
    echo "round,image,seconds,cpu_busy,cpu_containers,cpu_daemon"
    for round in $(seq 1 "$ROUNDS"); do
        for image in "$IMAGE_A" "$IMAGE_B"; do
            docker buildx prune -af >/dev/null
            log=$LOGS/$round-${image//[:\/]/_}.log
            before=$(cpu_snapshot)
            start=$(date +%s.%N)
            frontend_build cargo-frontend-bench/ab-cold:latest "$SERVICE" "$image" "$DIR" >"$log" 2>&1 ||
                { tail -n 5 "$log" >&2; exit 1; }
            seconds=$(seconds_since "$start")
            echo "$round,$image,$seconds,$(cpu_used "$before" "$(cpu_snapshot)")"
        done
    done
} | tee "$LOGS/ab.csv"
awk -F, 'NR > 1 { n[$2]++; s[$2] += $3; c[$2] += $5 }
    END { for (i in n) printf "%s: mean %.1f s wall, %.1f CPU-s in build containers over %d builds\n", i, s[i] / n[i], c[i] / n[i], n[i] }' \
    "$LOGS/ab.csv"
