#!/usr/bin/env bash
# Sets up the newest Docker engine Debian offers on a Debian 12 (bookworm) machine with no systemd
# and no reachable container registry (see the project's test-environment notes):
#
#   1. installs Debian unstable's (sid) docker.io / docker-cli / docker-buildx / tini-static and
#      Debian 13's (trixie) containerd with dpkg -i (fetched through a private apt configuration,
#      scripts/engine.sh; the system's sources are not changed), plus iptables, runc,
#      docker-registry and jq from bookworm; an older engine (e.g. trixie's 26.1) is upgraded;
#   2. makes the buildx plugin visible to every docker client on PATH (e.g. /usr/local/bin/docker);
#   3. enables the containerd image store in /etc/docker/daemon.json (other settings kept);
#   4. starts dockerd (setsid, log in /tmp/dockerd.log) unless `docker info` already answers, and
#      restarts a running dockerd that is older than the installed one;
#   5. selects buildx builder "default" (the `docker` driver);
#   6. starts a registry on 127.0.0.1:5000 (log in /tmp/registry.log) unless /v2/ already answers.
#
# Every step skips itself when its result is already there. Must run as root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/engine.sh
source scripts/engine.sh

LOG_DIR=/tmp
DEB_DIR=$ENGINE_CACHE/debs-main
STATE_DIR=/var/lib/cargo-frontend-test
REGISTRY_ADDR=127.0.0.1:5000
REGISTRY_CONFIG=$STATE_DIR/registry.yml
REGISTRY_DATA=$STATE_DIR/registry-data
# The engine: Debian unstable's, the newest Debian has (Docker 28.5.2, buildx 0.29.1 when written).
# containerd stays trixie's 1.7 (Docker's own 28.x packages ship containerd 1.7 too; sid has 2.1).
ENGINE_SUITE=sid
ENGINE_PACKAGES=(docker.io docker-cli docker-buildx tini-static)
CONTAINERD_SUITE=trixie
# Older than these is upgraded.
MIN_DOCKER_VERSION=28.5
MIN_BUILDX_VERSION=0.29
export DEBIAN_FRONTEND=noninteractive

T0=$(date +%s)
log() { printf '[docker-setup %s +%ss] %s\n' "$(date +%H:%M:%S)" "$(($(date +%s) - T0))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
trap 'rc=$?; [ $rc -eq 0 ] || log "FAILED (exit $rc) at line $LINENO: $BASH_COMMAND"' EXIT

[ "$(id -u)" -eq 0 ] || die "must run as root"

# Run a command with its output going to a log file; show the tail of it on failure.
run_logged() {
    local logfile=$1; shift
    if ! "$@" >>"$logfile" 2>&1; then
        log "command failed: $*"
        log "last lines of $logfile:"
        tail -n 30 "$logfile" >&2 || true
        return 1
    fi
}

# The installed dockerd's and buildx's versions (0 when missing), e.g. 28.5.2.
dockerd_version() {
    local v
    v=$(dockerd --version 2>/dev/null | sed -n 's/^Docker version \([0-9][0-9.]*\).*/\1/p') || true
    echo "${v:-0}"
}
docker_cli_version() {
    local v
    v=$(/usr/bin/docker --version 2>/dev/null | sed -n 's/^Docker version \([0-9][0-9.]*\).*/\1/p') || true
    echo "${v:-0}"
}
buildx_version() {
    local v p
    p=$(buildx_plugin_path) || { echo 0; return; }
    v=$("$p" version 2>/dev/null | sed -n 's/^[^ ]* v\{0,1\}\([0-9][0-9.]*\).*/\1/p') || true
    echo "${v:-0}"
}
at_least() { dpkg --compare-versions "$1" ge "$2"; }

buildx_plugin_path() {
    local d
    for d in /usr/libexec/docker/cli-plugins /usr/lib/docker/cli-plugins \
             /usr/local/libexec/docker/cli-plugins /usr/local/lib/docker/cli-plugins; do
        if [ -x "$d/docker-buildx" ] && [ ! -L "$d/docker-buildx" ]; then
            echo "$d/docker-buildx"; return 0
        fi
    done
    return 1
}

# ---------------------------------------------------------------------------------------------
# 1. Packages
# ---------------------------------------------------------------------------------------------
apt_install_bookworm() {
    # Install bookworm packages that are missing; refresh the system's lists once if needed.
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing from bookworm: ${missing[*]} (log: $LOG_DIR/docker-setup-apt.log)"
    if ! apt-get install -y --no-install-recommends "${missing[@]}" >>"$LOG_DIR/docker-setup-apt.log" 2>&1; then
        log "apt-get install failed; running apt-get update and retrying"
        # Other (third-party) sources may fail to update; that is not fatal for us.
        apt-get update >>"$LOG_DIR/docker-setup-apt.log" 2>&1 || log "warning: apt-get update reported errors"
        run_logged "$LOG_DIR/docker-setup-apt.log" \
            apt-get install -y --no-install-recommends "${missing[@]}" \
            || die "could not install ${missing[*]} from bookworm"
    fi
}

with_policy_rc_d() {
    # Keep package maintainer scripts from trying to start services (there is no init system here);
    # only add the policy file if none exists, and remove it again afterwards.
    local policy_added= rc=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy_added=1
    fi
    "$@" || rc=$?
    [ -n "$policy_added" ] && rm -f /usr/sbin/policy-rc.d
    return $rc
}

install_docker() {
    if at_least "$(dockerd_version)" "$MIN_DOCKER_VERSION" && at_least "$(buildx_version)" "$MIN_BUILDX_VERSION" \
       && at_least "$(docker_cli_version)" "$MIN_DOCKER_VERSION" && command -v containerd >/dev/null \
       && ! dpkg-query -W -f='${Status}\n' "${ENGINE_PACKAGES[@]}" containerd 2>&1 | grep -qv '^install ok installed$'; then
        log "docker engine $(dockerd_version) and buildx $(buildx_version) already installed; skipping"
        return 0
    fi
    log "installing Docker engine + buildx from Debian $ENGINE_SUITE, containerd from $CONTAINERD_SUITE" \
        "(was: dockerd $(dockerd_version), buildx $(buildx_version); log: $LOG_DIR/docker-setup-apt.log)"
    rm -rf "$DEB_DIR"
    engine_download "$ENGINE_SUITE" "$DEB_DIR" "${ENGINE_PACKAGES[@]}" >>"$LOG_DIR/docker-setup-apt.log" 2>&1 \
        || die "downloading ${ENGINE_PACKAGES[*]} from $ENGINE_SUITE failed (see $LOG_DIR/docker-setup-apt.log)"
    engine_download "$CONTAINERD_SUITE" "$DEB_DIR" containerd >>"$LOG_DIR/docker-setup-apt.log" 2>&1 \
        || die "downloading containerd from $CONTAINERD_SUITE failed (see $LOG_DIR/docker-setup-apt.log)"
    # docker.io wants systemd or a standalone systemd-sysusers (for its group); a Debian 12 without
    # systemd gets the standalone one (it conflicts with systemd).
    local deps=(iptables runc)
    dpkg-query -W -f='${Status}' systemd 2>/dev/null | grep -q 'ok installed' || deps+=(systemd-standalone-sysusers)
    apt_install_bookworm "${deps[@]}"
    # tini-static Breaks the tini that trixie's docker.io used (it ships the same /usr/bin/tini-static);
    # the docker.io that depended on it is replaced below.
    if dpkg-query -W -f='${Status}' tini 2>/dev/null | grep -q ' installed\| unpacked\| half'; then
        run_logged "$LOG_DIR/docker-setup-apt.log" dpkg -r --force-depends tini || die "could not remove the old tini"
    fi
    # --auto-deconfigure: the new docker-cli Breaks the old docker.io until that is unpacked too.
    with_policy_rc_d run_logged "$LOG_DIR/docker-setup-apt.log" \
        dpkg -i --force-confold --auto-deconfigure "$DEB_DIR"/*.deb \
        || die "dpkg -i of the docker packages failed"
    at_least "$(dockerd_version)" "$MIN_DOCKER_VERSION" || die "dockerd >= $MIN_DOCKER_VERSION not found after install"
    log "installed: $(dockerd --version), buildx $(buildx_version)"
}

install_docker
# docker-registry (the distribution 2.8 registry), jq (daemon.json merge) and openssh-server
# (tests/git_deps.rs starts its own sshd on loopback for a private git repository over --ssh;
# the service itself is not started) from bookworm.
if ! command -v docker-registry >/dev/null || ! command -v jq >/dev/null || [ ! -x /usr/sbin/sshd ]; then
    with_policy_rc_d apt_install_bookworm docker-registry jq openssh-server
fi

# ---------------------------------------------------------------------------------------------
# 2. buildx plugin visible to every docker client on PATH
# ---------------------------------------------------------------------------------------------
BUILDX=$(buildx_plugin_path) || die "docker-buildx plugin not found in any cli-plugins directory"
while read -r client; do
    if ! "$client" buildx version >/dev/null 2>&1; then
        log "$client does not find buildx; linking $BUILDX into /usr/local/lib/docker/cli-plugins"
        mkdir -p /usr/local/lib/docker/cli-plugins
        ln -sfn "$BUILDX" /usr/local/lib/docker/cli-plugins/docker-buildx
        if ! "$client" buildx version >/dev/null 2>&1; then
            cfg=${DOCKER_CONFIG:-$HOME/.docker}
            log "still not found; linking into $cfg/cli-plugins"
            mkdir -p "$cfg/cli-plugins"
            ln -sfn "$BUILDX" "$cfg/cli-plugins/docker-buildx"
        fi
        "$client" buildx version >/dev/null 2>&1 || die "'$client buildx version' does not work"
    fi
done < <(type -ap docker | awk '!seen[$0]++')

# ---------------------------------------------------------------------------------------------
# 3. daemon.json: containerd image store
# ---------------------------------------------------------------------------------------------
mkdir -p /etc/docker
daemon_json_changed=
if [ -s /etc/docker/daemon.json ] && jq -e '.features["containerd-snapshotter"] == true' /etc/docker/daemon.json >/dev/null 2>&1; then
    log "/etc/docker/daemon.json already enables containerd-snapshotter"
else
    if [ -s /etc/docker/daemon.json ]; then
        jq empty /etc/docker/daemon.json 2>/dev/null || die "/etc/docker/daemon.json is not valid JSON; fix or remove it"
        cp /etc/docker/daemon.json "/etc/docker/daemon.json.bak.$(date +%s)"
        jq '.features = ((.features // {}) + {"containerd-snapshotter": true})' /etc/docker/daemon.json >/etc/docker/daemon.json.new
    else
        echo '{"features":{"containerd-snapshotter":true}}' | jq . >/etc/docker/daemon.json.new
    fi
    mv /etc/docker/daemon.json.new /etc/docker/daemon.json
    daemon_json_changed=1
    log "wrote /etc/docker/daemon.json: $(jq -c . /etc/docker/daemon.json)"
fi

# ---------------------------------------------------------------------------------------------
# 4. dockerd
# ---------------------------------------------------------------------------------------------
containerd_store_active() {
    docker info -f '{{json .DriverStatus}}' 2>/dev/null | grep -q 'io.containerd.snapshotter'
}

stop_dockerd() { # why
    local pid
    pid=$(cat /var/run/docker.pid 2>/dev/null || true)
    [ -n "$pid" ] || die "dockerd $1 and /var/run/docker.pid is missing; restart it yourself"
    log "dockerd (pid $pid) $1; restarting it"
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && die "dockerd (pid $pid) did not stop"
    return 0
}

if docker info >/dev/null 2>&1; then
    running=$(docker version -f '{{.Server.Version}}' 2>/dev/null | sed 's/[^0-9.].*//')
    if [ -n "$daemon_json_changed" ] && ! containerd_store_active; then
        stop_dockerd "runs without the containerd image store"
    elif [ -n "$running" ] && [ "$running" != "$(dockerd_version)" ]; then
        stop_dockerd "runs version $running, $(dockerd_version) is installed"
    fi
fi

if docker info >/dev/null 2>&1; then
    log "dockerd already answers; not starting it"
else
    log "starting dockerd (log: $LOG_DIR/dockerd.log)"
    # A stale pid file from a dead daemon would make dockerd refuse to start.
    if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
        rm -f /var/run/docker.pid
    fi
    setsid /usr/sbin/dockerd >>"$LOG_DIR/dockerd.log" 2>&1 </dev/null &
    ok=
    for _ in $(seq 1 60); do
        if docker info >/dev/null 2>&1; then ok=1; break; fi
        sleep 1
    done
    if [ -z "$ok" ]; then
        log "dockerd did not answer within 60 s; last lines of $LOG_DIR/dockerd.log:"
        tail -n 40 "$LOG_DIR/dockerd.log" >&2 || true
        die "dockerd did not start"
    fi
    log "dockerd is up: server $(docker version -f '{{.Server.Version}}')"
fi
containerd_store_active || die "dockerd is not using the containerd image store (check /etc/docker/daemon.json)"

# ---------------------------------------------------------------------------------------------
# 5. buildx builder "default" (docker driver)
# ---------------------------------------------------------------------------------------------
if [ -n "${BUILDX_BUILDER:-}" ] && [ "$BUILDX_BUILDER" != default ]; then
    log "warning: BUILDX_BUILDER=$BUILDX_BUILDER is set in the environment; tests want 'default'"
fi
current=$(BUILDX_BUILDER= docker buildx inspect 2>/dev/null | sed -n 's/^Name: *//p' | head -n1)
if [ "$current" != default ]; then
    log "selecting buildx builder 'default' (was '${current:-?}')"
    docker buildx use default
fi
driver=$(BUILDX_BUILDER= docker buildx inspect default 2>/dev/null | sed -n 's/^Driver: *//p' | head -n1)
[ "$driver" = docker ] || die "buildx builder 'default' has driver '$driver', expected 'docker'"

# ---------------------------------------------------------------------------------------------
# 6. loopback registry on 127.0.0.1:5000
# ---------------------------------------------------------------------------------------------
registry_up() { curl -fsS -o /dev/null --max-time 3 "http://$REGISTRY_ADDR/v2/" 2>/dev/null; }
if registry_up; then
    log "registry already answers on http://$REGISTRY_ADDR/v2/"
else
    mkdir -p "$REGISTRY_DATA"
    cat >"$REGISTRY_CONFIG" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $REGISTRY_DATA
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
EOF
    log "starting docker-registry on $REGISTRY_ADDR (log: $LOG_DIR/registry.log, data: $REGISTRY_DATA)"
    setsid docker-registry serve "$REGISTRY_CONFIG" >>"$LOG_DIR/registry.log" 2>&1 </dev/null &
    ok=
    for _ in $(seq 1 20); do
        if registry_up; then ok=1; break; fi
        sleep 0.5
    done
    if [ -z "$ok" ]; then
        tail -n 20 "$LOG_DIR/registry.log" >&2 || true
        die "registry did not answer on http://$REGISTRY_ADDR/v2/"
    fi
fi

log "done: docker $(docker version -f '{{.Server.Version}}' 2>/dev/null), $(docker buildx version), registry $REGISTRY_ADDR"
