#!/usr/bin/env bash
# Cold and no-op build times of examples/workspace: cargo-frontend beside a plain host
# `cargo build --release`, in one run on one machine. Prints a Markdown table for BENCHMARKS.md.
#
#   make setup image RUST_IMAGE=cargo-frontend-test/rust:local && bash bench/cold-noop.sh
#
# The cold frontend runs start from an empty BuildKit cache (`docker buildx prune -af`); images
# (builder, runtime, frontend) stay in the image store, as on a CI runner that pulled them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

FRONTEND_IMAGE=${FRONTEND_IMAGE:-cargo-frontend:dev}
BUILDER_IMAGE=${BUILDER_IMAGE:-cargo-frontend-test/rust:local}
RUNTIME_IMAGE=${RUNTIME_IMAGE:-cargo-frontend-test/debian:bookworm-slim}
work=$(mktemp -d /tmp/cargo-frontend-bench-XXXX)
trap 'rm -rf "$work"' EXIT
cp -a examples/workspace/. "$work/"
rm -rf "$work/target"

seconds() { # command... -> prints elapsed seconds with one decimal
    local start end
    start=$(date +%s.%N)
    "$@" >>"$work/log" 2>&1
    end=$(date +%s.%N)
    echo "$start $end" | awk '{printf "%.1f", $2 - $1}'
}

frontend_build() { # targets...
    for target in "$@"; do
        docker buildx build --progress=plain --target "$target" -t "cargo-frontend-bench/$target" \
            --build-arg BUILDKIT_SYNTAX="$FRONTEND_IMAGE" \
            --build-arg builder.image="$BUILDER_IMAGE" --build-arg runtime.image="$RUNTIME_IMAGE" "$work"
    done
}

host_build() { # cargo args...
    (cd "$work" && cargo build --release --locked --offline "$@")
}

# Make sure the host has every crate downloaded, so host times don't include downloads.
(cd "$work" && cargo fetch --locked >>"$work/log" 2>&1)

declare -A t
rm -rf "$work/target"
t[host_z_cold]=$(seconds host_build -p service-z)
t[host_z_noop]=$(seconds host_build -p service-z)
rm -rf "$work/target"
t[host_all_cold]=$(seconds host_build)
t[host_all_noop]=$(seconds host_build)
rm -rf "$work/target"

docker buildx prune -af >/dev/null
t[fe_z_cold]=$(seconds frontend_build service-z)
t[fe_z_noop]=$(seconds frontend_build service-z)
docker buildx prune -af >/dev/null
t[fe_all_cold]=$(seconds frontend_build service-x service-y service-z)
t[fe_all_noop]=$(seconds frontend_build service-x service-y service-z)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
cat <<TABLE
| build | host \`cargo build --release\` (s) | cargo-frontend (s) | frontend ÷ host |
| --- | --- | --- | --- |
| service-z, cold | ${t[host_z_cold]} | ${t[fe_z_cold]} | $(ratio "${t[fe_z_cold]}" "${t[host_z_cold]}") |
| service-z, no-op | ${t[host_z_noop]} | ${t[fe_z_noop]} | $(ratio "${t[fe_z_noop]}" "${t[host_z_noop]}") |
| all three services, cold | ${t[host_all_cold]} | ${t[fe_all_cold]} | $(ratio "${t[fe_all_cold]}" "${t[host_all_cold]}") |
| all three services, no-op | ${t[host_all_noop]} | ${t[fe_all_noop]} | $(ratio "${t[fe_all_noop]}" "${t[host_all_noop]}") |
TABLE
