# cargo-frontend: build the frontend image, run the demo, run the tests.
#
#   make demo    set everything up, build examples/workspace's service-z through the frontend, run it
#   make test    unit tests and end-to-end tests against the real Docker daemon
#   make compat-test  one build per example on the oldest engine here, without MergeOp (CI runs it)
#   make corpus  the real-world fidelity corpus (long: every project three times from an empty cache)
#   make fuzz    fuzz every parser of untrusted input with AFL++ (FUZZ_EXECS / FUZZ_SECONDS per target)

SHELL := bash
.SHELLFLAGS := -euo pipefail -c

# The frontend image tag that examples' `# syntax=` lines point at.
FRONTEND_IMAGE ?= cargo-frontend:dev
# The Rust image the frontend itself is compiled in. Tests and the offline demo use the local one.
RUST_IMAGE ?= docker.io/library/rust:1.95-slim-bookworm
LOCAL_RUST_IMAGE := cargo-frontend-test/rust:local
LOCAL_RUNTIME_IMAGE := cargo-frontend-test/debian:bookworm-slim
# The end-to-end test binaries `make e2e-test` runs (E2E_TESTS=bad_input runs one of them).
E2E_TESTS ?= corpus e2e bad_input call secrets git_deps private_registry outside_paths build_inputs rebuild_sets registry_cache
# A test-name filter for them (E2E_FILTER=lockfile:: runs the matching tests only).
E2E_FILTER ?=
# `make fuzz`: executions and at most seconds per target, and which targets (empty: all).
FUZZ_EXECS ?= 10000000
FUZZ_SECONDS ?= 3600
FUZZ_TARGETS ?=

.PHONY: image image-local demo test unit-test e2e-test compat-test setup fmt corpus fuzz

## image: build $(FRONTEND_IMAGE) into the local image store
image:
	docker buildx build -f frontend.Dockerfile --build-arg RUST_IMAGE=$(RUST_IMAGE) -t $(FRONTEND_IMAGE) --load .

## setup: install Docker + buildx, start dockerd and a loopback registry, make the local images
setup:
	bash scripts/docker-setup.sh
	bash scripts/make-test-images.sh

## demo: everything from a fresh machine to a running service image built through the frontend
demo:
	bash scripts/demo.sh

## test: set up what is missing (fast when done), then unit and end-to-end tests
test: setup unit-test e2e-test

## corpus: build corpus/projects.toml through the frontend and with plain cargo, compare, write
## FIDELITY.md (CORPUS=a,b for some projects). Prunes the daemon's build cache before every build.
corpus:
	$(MAKE) image RUST_IMAGE=$(LOCAL_RUST_IMAGE)
	CARGO_FRONTEND_IMAGE=$(FRONTEND_IMAGE) \
	CARGO_FRONTEND_BUILDER_IMAGE=$(LOCAL_RUST_IMAGE) \
	CARGO_FRONTEND_RUNTIME_IMAGE=$(LOCAL_RUNTIME_IMAGE) \
	bash corpus/run.sh

## unit-test: the unit tests, and the fuzz targets' bounded pass (corpus replay plus a few
## thousand mutations each; shares target/ so it builds only the fuzz crate itself)
unit-test:
	cargo test --lib --bins --test helper_replay
	cargo test --manifest-path fuzz/Cargo.toml --target-dir target

## fuzz: coverage-guided fuzzing with AFL++ (installs cargo-afl if missing), then a table of
## executions and panics per target
fuzz:
	FUZZ_EXECS=$(FUZZ_EXECS) FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh $(FUZZ_TARGETS)

e2e-test:
	$(MAKE) image RUST_IMAGE=$(LOCAL_RUST_IMAGE)
	CARGO_FRONTEND_IMAGE=$(FRONTEND_IMAGE) \
	CARGO_FRONTEND_BUILDER_IMAGE=$(LOCAL_RUST_IMAGE) \
	CARGO_FRONTEND_RUNTIME_IMAGE=$(LOCAL_RUNTIME_IMAGE) \
	cargo test $(addprefix --test ,$(E2E_TESTS)) -- $(E2E_FILTER) --test-threads=1 --nocapture

## compat-test: examples/hello and examples/workspace built once each on Debian 13's Docker 26.1
## (BuildKit 0.13) without the containerd image store, so without MergeOp, beside the main daemon
compat-test:
	$(MAKE) image RUST_IMAGE=$(LOCAL_RUST_IMAGE)
	CARGO_FRONTEND_IMAGE=$(FRONTEND_IMAGE) \
	CARGO_FRONTEND_BUILDER_IMAGE=$(LOCAL_RUST_IMAGE) \
	CARGO_FRONTEND_RUNTIME_IMAGE=$(LOCAL_RUNTIME_IMAGE) \
	bash scripts/compat-check.sh
