# Plain `cargo build --release --locked` of a corpus project, in the same builder image and with the
# same setup commands as its cargo-frontend spec: the baseline corpus/run.py compares against.
# Built by the built-in Dockerfile frontend (no `# syntax` line); the context is the project.
ARG BUILDER_IMAGE=cargo-frontend-test/rust:local
ARG RUNTIME_IMAGE=cargo-frontend-test/debian:bookworm-slim

FROM ${BUILDER_IMAGE} AS build
# The spec's `[builder] setup` commands, joined with &&.
ARG SETUP=true
RUN /bin/sh -c "$SETUP"
WORKDIR /src
COPY . .
# The flags the frontend passes for the same spec: --features, -p, --bin.
ARG CARGO_FLAGS=
# Every executable cargo left at the top of target/release is a binary it built (build scripts
# live under build/; a cdylib is a .so).
RUN cargo build --release --locked $CARGO_FLAGS \
 && mkdir /out \
 && find target/release -maxdepth 1 -type f -perm -u+x ! -name '*.so' -exec cp {} /out/ \;

FROM ${RUNTIME_IMAGE}
COPY --from=build /out/ /usr/local/bin/
