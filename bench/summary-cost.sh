#!/usr/bin/env bash
# What the build summary's two solves add to a warm no-op rebuild: examples/hello and
# examples/workspace (target service-z), each built once to warm the cache, then RUNS no-op
# rebuilds with the summary and RUNS with `--build-arg BUILDKIT_CARGO_SUMMARY=0`, alternating
# so that drift on the machine hits both alike. Prints a Markdown table (seconds, median and
# mean of the wall time of `docker buildx build`).
#
#   make image FRONTEND_IMAGE=cargo-frontend:sum RUST_IMAGE=cargo-frontend-test/rust:local
#   FRONTEND_IMAGE=cargo-frontend:sum bash bench/summary-cost.sh
#
# Never prunes the build cache.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

FRONTEND_IMAGE=${FRONTEND_IMAGE:-cargo-frontend:dev}
BUILDER_IMAGE=${BUILDER_IMAGE:-cargo-frontend-test/rust:local}
RUNTIME_IMAGE=${RUNTIME_IMAGE:-cargo-frontend-test/debian:bookworm-slim}
RUNS=${RUNS:-10}
work=$(mktemp -d /tmp/cargo-frontend-summary-cost-XXXX)
trap 'status=$?; [ "$status" = 0 ] || tail -n 30 "$work/log" >&2; rm -rf "$work"' EXIT

build() { # example target summary(1|0) -> prints elapsed seconds
    local example=$1 target=$2 summary=$3 start end
    local args=(--progress=plain -t "cargo-frontend-bench/summary-$example"
        --build-arg BUILDKIT_SYNTAX="$FRONTEND_IMAGE"
        --build-arg builder.image="$BUILDER_IMAGE" --build-arg runtime.image="$RUNTIME_IMAGE")
    [ -n "$target" ] && args+=(--target "$target")
    [ "$summary" = 0 ] && args+=(--build-arg BUILDKIT_CARGO_SUMMARY=0)
    start=$(date +%s.%N)
    docker buildx build "${args[@]}" "$work/$example" >>"$work/log" 2>&1
    end=$(date +%s.%N)
    echo "$start $end" | awk '{printf "%.3f\n", $2 - $1}'
}

stats() { # file of numbers -> "median mean"
    sort -n "$1" | awk '{ v[NR] = $1; s += $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.3f %.3f\n", m, s / NR }'
}

echo "| example | with summary (median, mean) | without (median, mean) | cost of the summary (median) |"
echo "| --- | --- | --- | --- |"
for spec in hello: workspace:service-z; do
    example=${spec%%:*} target=${spec#*:}
    cp -a "examples/$example" "$work/$example"
    rm -rf "$work/$example/target"
    build "$example" "$target" 1 >/dev/null
    build "$example" "$target" 0 >/dev/null
    : >"$work/with" && : >"$work/without"
    for _ in $(seq "$RUNS"); do
        build "$example" "$target" 1 >>"$work/with"
        build "$example" "$target" 0 >>"$work/without"
    done
    read -r with_median with_mean < <(stats "$work/with")
    read -r without_median without_mean < <(stats "$work/without")
    cost=$(awk -v a="$with_median" -v b="$without_median" 'BEGIN { printf "%.3f", a - b }')
    echo "| $example${target:+ ($target)} | $with_median, $with_mean | $without_median, $without_mean | $cost |"
done
grep -c '^#.*\[summary\]' "$work/log" >/dev/null || echo "warning: no [summary] vertex in the builds' logs" >&2
