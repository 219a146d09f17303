# The official cargo-chef pattern (planner / cook / builder), with cargo-chef installed from
# crates.io in the first stage instead of the lukemathwalker/cargo-chef image (no registry here).
# `cargo chef cook` builds every dependency of the service from the recipe (one layer); a change
# to any local crate's manifest or to Cargo.lock changes the recipe and reruns the whole cook.
#
#   docker buildx build -f bench/dockerfiles/cargo-chef.Dockerfile --build-arg SERVICE=service-z WORKSPACE
#
# No `# syntax=` line: the daemon's built-in Dockerfile frontend is used (no image pull).
ARG RUST_IMAGE=cargo-frontend-test/rust:local
ARG RUNTIME_IMAGE=cargo-frontend-test/debian:bookworm-slim

FROM ${RUST_IMAGE} AS chef
ARG CARGO_CHEF_VERSION=0.1.78
RUN cargo install cargo-chef --locked --version "$CARGO_CHEF_VERSION"
WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
ARG SERVICE
COPY --from=planner /app/recipe.json recipe.json
RUN cargo chef cook --release --locked -p "$SERVICE" --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked -p "$SERVICE"

FROM ${RUNTIME_IMAGE}
ARG SERVICE
ENV SERVICE=${SERVICE}
COPY --from=builder /app/target/release/${SERVICE} /usr/local/bin/${SERVICE}
ENTRYPOINT ["/bin/sh", "-c", "exec \"/usr/local/bin/$SERVICE\" \"$@\"", "--"]
