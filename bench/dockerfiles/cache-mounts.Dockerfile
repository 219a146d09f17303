# BuildKit cache mounts for the cargo registry and the target directory: cargo's own incremental
# build across builds on one builder. The mounts live only in that builder's cache; they are not
# part of any exported cache (`--cache-to`), so a fresh runner starts them empty. The binary is
# copied out of the target mount in the same RUN, since the mount is gone after it.
#
#   docker buildx build -f bench/dockerfiles/cache-mounts.Dockerfile --build-arg SERVICE=service-z WORKSPACE
#
# No `# syntax=` line: the daemon's built-in Dockerfile frontend is used (no image pull).
ARG RUST_IMAGE=cargo-frontend-test/rust:local
ARG RUNTIME_IMAGE=cargo-frontend-test/debian:bookworm-slim

FROM ${RUST_IMAGE} AS builder
ARG SERVICE
WORKDIR /app
COPY . .
RUN --mount=type=cache,id=cargo-bench-registry,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,id=cargo-bench-target,target=/app/target,sharing=locked \
    cargo build --release --locked -p "$SERVICE" \
    && mkdir -p /out && cp "target/release/$SERVICE" /out/

FROM ${RUNTIME_IMAGE}
ARG SERVICE
ENV SERVICE=${SERVICE}
COPY --from=builder /out/${SERVICE} /usr/local/bin/${SERVICE}
ENTRYPOINT ["/bin/sh", "-c", "exec \"/usr/local/bin/$SERVICE\" \"$@\"", "--"]
