# Builds the cargo-frontend image: the frontend and its static helper on an empty base.
#
#   docker buildx build -f frontend.Dockerfile -t cargo-frontend:dev .
#
# RUST_IMAGE picks the Rust toolchain image (tests use a locally made one).
ARG RUST_IMAGE=docker.io/library/rust:1.95-slim-bookworm

FROM ${RUST_IMAGE} AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY proto proto
COPY src src
# Static binaries: the helper runs inside any builder image the user picks, so it must not depend
# on that image's libc. An explicit --target keeps +crt-static off proc-macros and build scripts.
# The target cache is shared by every checkout built on the daemon, and cargo trusts file times:
# a checkout whose sources are older than another's artifacts would get the other's binaries. So
# the sources are touched first; this step runs only when they changed anyway. `locked`: two
# checkouts built at once must not both touch and then compile one after the other, or the
# second would find the first's fresher artifacts and ship them (seen with two worktrees).
RUN --mount=type=cache,id=cargo-frontend-registry,target=/usr/local/cargo/registry \
    --mount=type=cache,id=cargo-frontend-target,target=/src/target,sharing=locked \
    set -eu; \
    find build.rs proto src -exec touch {} +; \
    host=$(rustc -vV | sed -n 's/^host: //p'); \
    RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked --target "$host" --bins; \
    mkdir -p /out/bin /out/helper; \
    cp "target/$host/release/cargo-frontend" /out/bin/; \
    cp "target/$host/release/cargo-frontend-helper" /out/helper/

FROM scratch
COPY --from=build /out/ /
LABEL moby.buildkit.frontend.network.none="true"
# Only the caps this frontend serves: `--call` subrequests (describe, outline, targets) and named
# contexts (`--build-context`; without this cap the daemon refuses a build that passes one).
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
ENTRYPOINT ["/bin/cargo-frontend"]
