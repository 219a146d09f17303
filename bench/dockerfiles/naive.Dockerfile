# The naive way: copy the whole workspace, build the service, copy the binary onto the runtime
# image. Any change to any file in the context rebuilds every crate.
#
#   docker buildx build -f bench/dockerfiles/naive.Dockerfile --build-arg SERVICE=service-z WORKSPACE
#
# No `# syntax=` line: the daemon's built-in Dockerfile frontend is used (no image pull).
ARG RUST_IMAGE=cargo-frontend-test/rust:local
ARG RUNTIME_IMAGE=cargo-frontend-test/debian:bookworm-slim

FROM ${RUST_IMAGE} AS builder
ARG SERVICE
WORKDIR /app
COPY . .
RUN cargo build --release --locked -p "$SERVICE"

FROM ${RUNTIME_IMAGE}
ARG SERVICE
ENV SERVICE=${SERVICE}
COPY --from=builder /app/target/release/${SERVICE} /usr/local/bin/${SERVICE}
ENTRYPOINT ["/bin/sh", "-c", "exec \"/usr/local/bin/$SERVICE\" \"$@\"", "--"]
