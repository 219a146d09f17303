#!/usr/bin/env bash
# The real-world fidelity corpus: `corpus/run.sh` runs every project in corpus/projects.toml,
# `CORPUS=sd,mcfly corpus/run.sh` some of them; FIDELITY.md is rewritten after each project.
# See corpus/run.py for what is checked. Needs the frontend image (make image) and the local
# builder and runtime images (make setup). It prunes the daemon's whole build cache before every
# build, so run it on a daemon nobody else is using.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 corpus/run.py "$@"
