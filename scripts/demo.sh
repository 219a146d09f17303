#!/usr/bin/env bash
# `make demo`: from a fresh machine to a running image built through cargo-frontend.
#
# Sets up Docker + buildx, builds the frontend image, builds examples/workspace's service-z
# through it, and runs it. Where Docker Hub is reachable the real rust/debian images are used;
# where it isn't (as on the project's own machines), the locally made ones are.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/docker-setup.sh

rust_image=docker.io/library/rust:1.95-slim-bookworm
runtime_image=docker.io/library/debian:bookworm-slim
if ! timeout 20 docker buildx imagetools inspect "$rust_image" >/dev/null 2>&1; then
    echo "==> Docker Hub is not reachable: using locally made images"
    bash scripts/make-test-images.sh
    rust_image=cargo-frontend-test/rust:local
    runtime_image=cargo-frontend-test/debian:bookworm-slim
fi

echo "==> building the frontend image cargo-frontend:dev (toolchain: $rust_image)"
make --no-print-directory image RUST_IMAGE="$rust_image"

echo "==> building examples/workspace --target service-z through the frontend"
docker buildx build --progress=plain -t cargo-frontend-demo/service-z --target service-z \
    --build-arg builder.image="$rust_image" --build-arg runtime.image="$runtime_image" \
    examples/workspace

echo "==> running it"
docker run --rm cargo-frontend-demo/service-z
