#!/usr/bin/env bash
# Does a vertex that mounts a MergeOp of its inputs keep BuildKit's content cut-off? The question
# behind giving each unit one merged mount of its dependency closure instead of one mount per
# dependency (fewer inputs per vertex, for the no-op build; BENCHMARKS.md, S2).
#
#   bash bench/merge-cutoff.sh          (needs dockerd and RUNTIME_IMAGE, as bench/run.sh)
#
# A Dockerfile stands in for the frontend's LLB: `COPY --link` stages make FileOp copies on
# scratch joined by MergeOps, and `RUN --mount=type=bind,from=STAGE` mounts the result read-only,
# as unit vertices mount their dependencies. Stage `merged2` is a merge of a merge and one more
# copy, as a closure built from its dependencies' closures would be. Three builds:
#   1. the baseline;
#   2. stage `a` runs again (its command changes) but writes the same bytes: `user` must be cached;
#   3. stage `a` writes different bytes: `user` must run.
# Prints one line per build and exits non-zero if BuildKit did anything else.
set -euo pipefail
RUNTIME_IMAGE=${RUNTIME_IMAGE:-cargo-frontend-test/debian:bookworm-slim}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/Dockerfile" <<EOF
FROM $RUNTIME_IMAGE AS base
FROM base AS a
ARG NOISE
ARG CONTENT
RUN mkdir /out && echo "\$NOISE" >/dev/null && echo "\$CONTENT" >/out/a.txt
FROM base AS b
RUN mkdir /out && echo b >/out/b.txt
FROM base AS c
RUN mkdir /out && echo c >/out/c.txt
FROM scratch AS merged
COPY --link --from=a /out /a
COPY --link --from=b /out /b
FROM merged AS merged2
COPY --link --from=c /out /c
FROM base AS user
RUN --mount=type=bind,from=merged2,target=/deps cat /deps/a/a.txt /deps/b/b.txt /deps/c/c.txt >/result
EOF
# A fresh NOISE per invocation, so that build 1 runs `a` and `user` on a daemon that ran this before.
run_id=$(date +%s%N)
user_step() { # NOISE CONTENT -> "ran" or "cached" for the `user` stage's RUN
    docker buildx build --progress=plain --build-arg NOISE="$1" --build-arg CONTENT="$2" "$dir" 2>&1 |
        awk '/\[user 1\/1\] RUN/ { id = $1 } id != "" && $1 == id && /CACHED/ { print "cached"; exit } id != "" && $1 == id && /DONE/ { print "ran"; exit }'
}
status=0
check() { # LABEL GOT WANT
    printf '%-58s user step %s (want %s)\n' "$1" "$2" "$3"
    [ "$2" = "$3" ] || status=1
}
check "1. baseline, new content" "$(user_step "$run_id-1" "same-$run_id")" ran
check "2. stage a runs again, same bytes" "$(user_step "$run_id-2" "same-$run_id")" cached
check "3. stage a writes different bytes" "$(user_step "$run_id-2" "changed-$run_id")" ran
exit $status
