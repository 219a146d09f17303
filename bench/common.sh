# shellcheck shell=bash
# What bench/run.sh, bench/ab-cold.sh and bench/newer-docker.sh share (sourced, not run): the timer, the CPU counters,
# and the one way a bench builds with cargo-frontend.

seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# frontend_build TAG SERVICE IMAGE DIR [extra buildx args...]: the workspace's own spec, the
# frontend pinned by BUILDKIT_SYNTAX, the local builder and runtime images (BUILDER_IMAGE,
# RUNTIME_IMAGE), exactly as bench/cold-noop.sh builds.
frontend_build() {
    local tag=$1 service=$2 image=$3 dir=$4
    shift 4
    docker buildx build --progress=rawjson -t "$tag" --target "$service" \
        --build-arg BUILDKIT_SYNTAX="$image" \
        --build-arg builder.image="$BUILDER_IMAGE" --build-arg runtime.image="$RUNTIME_IMAGE" \
        "$@" "$dir"
}

# CPU seconds used so far, as "BUSY CONTAINERS DAEMON": BUSY is the whole machine's (all cores,
# /proc/stat user+nice+system+irq+softirq); CONTAINERS is BuildKit's build containers' (the
# cpuacct cgroup dockerd puts them in, cgroup v1: the machines here); DAEMON is dockerd's and
# containerd's own. A field the machine does not expose is "-". Where a build's CPU went, beside
# its wall time: compilers in containers against the daemon's own work.
CLOCK_TICKS=$(getconf CLK_TCK)
CONTAINERS_CPUACCT=/sys/fs/cgroup/cpuacct/docker/buildkit/cpuacct.usage
cpu_snapshot() {
    local busy containers=- daemon=- pids
    busy=$(awk -v hz="$CLOCK_TICKS" '/^cpu / { printf "%.2f", ($2 + $3 + $4 + $7 + $8) / hz }' /proc/stat)
    if [ -r "$CONTAINERS_CPUACCT" ]; then
        containers=$(awk '{ printf "%.2f", $1 / 1e9 }' "$CONTAINERS_CPUACCT")
    fi
    pids=$(pgrep -x 'dockerd|containerd' | sed 's|.*|/proc/&/stat|' || true)
    if [ -n "$pids" ]; then
        # utime + stime of each process itself (fields 14 and 15), not of the children it waited for.
        # shellcheck disable=SC2086
        daemon=$(awk -v hz="$CLOCK_TICKS" '{ s += $14 + $15 } END { printf "%.2f", s / hz }' $pids)
    fi
    echo "$busy $containers $daemon"
}

# cpu_used BEFORE AFTER (two cpu_snapshot lines) -> "BUSY,CONTAINERS,DAEMON" seconds in between.
cpu_used() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        n = split(a, x, " "); split(b, y, " ")
        for (i = 1; i <= n; i++) printf "%s%s", (i > 1 ? "," : ""), (x[i] == "-" || y[i] == "-") ? "" : sprintf("%.1f", y[i] - x[i])
    }'
}
