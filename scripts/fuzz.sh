#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser of untrusted input with AFL++ (through cargo-afl, on
# the stable toolchain), one target after the other, then a table of executions and crashes.
#
#   bash scripts/fuzz.sh [TARGET...]      (make fuzz; no TARGET: all of them)
#
# FUZZ_EXECS    executions per target (default 10000000, the issue's goal)
# FUZZ_SECONDS  at most this many seconds per target, whichever comes first (default 3600)
# FUZZ_NICE     niceness of the fuzzer (default 10: the machine is shared)
# FUZZ_RESUME   1: continue each target's last campaign (its queue, and its execution count:
#               FUZZ_EXECS is then a total over the runs) instead of starting afresh
#
# Every run appends a line to fuzz/target/afl/TARGET/runs.tsv (runs of one campaign: execs of
# the run, of the campaign so far, execs/s, panics, hangs); the table at the end shows both.
#
# Installs what is missing (a C toolchain for cargo-afl's bundled AFL++, cargo-afl itself) and
# skips what is there. Needs no Docker daemon. Findings: fuzz/target/afl/TARGET/default/crashes/;
# commit a crashing input to fuzz/corpus/TARGET/ (as crash-WHAT) and `make test` replays it.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FUZZ="$ROOT/fuzz"
FUZZ_EXECS=${FUZZ_EXECS:-10000000}
FUZZ_SECONDS=${FUZZ_SECONDS:-3600}
FUZZ_NICE=${FUZZ_NICE:-10}
FUZZ_RESUME=${FUZZ_RESUME:-0}
ALL_TARGETS=(spec build_args lockfile dockerignore build_output rustc_args plan manifest gitmodules registry_config vendored)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")

log() { printf '[fuzz] %s\n' "$*" >&2; }

# --- setup: skip what is there ---
if ! command -v cc >/dev/null || ! command -v make >/dev/null; then
    log "installing a C toolchain (cargo-afl builds AFL++ from source)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential
fi
if ! cargo afl --version >/dev/null 2>&1; then
    log "installing cargo-afl (builds its AFL++ too; a few minutes)"
    cargo install cargo-afl --locked
fi
# cargo-afl builds its AFL++ runtime at install; a new rustc needs it built again.
if ! cargo afl config --build >/dev/null 2>&1; then
    cargo afl config --build --force >/dev/null 2>&1 || true
fi

cd "$FUZZ"
log "building the AFL++ driver"
nice -n "$FUZZ_NICE" cargo afl build --release --features afl --bin fuzz-target
DRIVER="$FUZZ/target/release/fuzz-target"
mkdir -p target/afl
"$DRIVER" --dictionary >target/afl/dictionary.txt

# AFL++ wants core dumps and CPU frequency scaling its way; on a shared machine, don't touch them.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
# Seeds that crash (committed findings) must not stop the campaign.
export AFL_SKIP_CRASHES=1 AFL_NO_AFFINITY=1

stat() {  # file key
    sed -n "s/^$2 *: *//p" "$1" 2>/dev/null | head -1
}

rows=()
failed=0
for target in "${TARGETS[@]}"; do
    [ -d "corpus/$target" ] || { log "no such target: $target (one of: ${ALL_TARGETS[*]})"; exit 2; }
    out="target/afl/$target"
    stats="$out/default/fuzzer_stats"
    if [ "$FUZZ_RESUME" = 1 ] && [ -f "$stats" ]; then
        # `-i -` continues the queue; AFL++ restores execs_done, so -E counts the whole campaign.
        input=-
        before=$(stat "$stats" execs_done)
        log "resuming $target at ${before:-0} executions: up to $FUZZ_EXECS in all or ${FUZZ_SECONDS}s"
    else
        rm -rf "$out"
        mkdir -p "$out"
        input="corpus/$target"
        before=0
        log "fuzzing $target: up to $FUZZ_EXECS executions or ${FUZZ_SECONDS}s"
    fi
    started=$(date +%s)
    nice -n "$FUZZ_NICE" cargo afl fuzz -i "$input" -o "$out" -x target/afl/dictionary.txt \
        -E "$FUZZ_EXECS" -V "$FUZZ_SECONDS" -- "$DRIVER" "$target" >>"$out/afl.log" 2>&1 || {
        log "afl-fuzz stopped with an error for $target; last lines of $out/afl.log:"
        tail -15 "$out/afl.log" >&2
        failed=1
    }
    seconds=$(($(date +%s) - started))
    total=$(stat "$stats" execs_done)
    crashes=$(stat "$stats" saved_crashes)
    hangs=$(stat "$stats" saved_hangs)
    run=$((${total:-0} - ${before:-0}))
    rate=$((run / (seconds > 0 ? seconds : 1)))
    [ -f "$out/runs.tsv" ] || printf 'started\trun_execs\ttotal_execs\tseconds\texecs_per_s\tpanics\thangs\n' >"$out/runs.tsv"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u -d "@$started" +%FT%TZ)" "$run" "${total:-?}" \
        "$seconds" "$rate" "${crashes:-?}" "${hangs:-?}" >>"$out/runs.tsv"
    rows+=("$(printf '%-13s %11s %12s %8s %7s %6s %8s' "$target" "$run" "${total:-?}" "$rate" \
        "${crashes:-?}" "${hangs:-?}" "$seconds")")
    if [ "${crashes:-1}" != 0 ]; then
        failed=1
        log "$target crashed; inputs in $FUZZ/$out/default/crashes/"
    fi
done

printf '\n%-13s %11s %12s %8s %7s %6s %8s\n' target "run execs" "total execs" execs/s panics hangs seconds
printf '%s\n' "${rows[@]}"

# What the crashes are: each crashing input run once more outside AFL++, one line per distinct
# panic message (the message up to its first `:`), with one input that shows it.
for target in "${TARGETS[@]}"; do
    crashes_dir="target/afl/$target/default/crashes"
    compgen -G "$crashes_dir/id*" >/dev/null || continue
    printf '\n%s: distinct panics\n' "$target"
    for input in "$crashes_dir"/id*; do
        message=$("$DRIVER" "$target" <"$input" 2>&1 | sed -n '/panicked at/{n;p;q}' || true)
        printf '%s\t%s\n' "${message%%:*}" "$input"
    done | sort -t$'\t' -k1,1 -u | sed "s|\t|  e.g. fuzz/|"
done
exit $failed
