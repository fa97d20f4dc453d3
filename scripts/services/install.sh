#!/usr/bin/env bash
# Install the Debian packages behind the real services of the integration tests
# (sshd, munge + SLURM, Grid Engine, RabbitMQ) and a few tools the tests use.
#
#   scripts/services/install.sh
#
# Idempotent: when every package is already installed it returns at once
# (one dpkg-query call). It never leaves a packaged system-wide daemon running:
# scripts/services/services.sh starts private instances on loopback instead.
# Must run as root.
set -euo pipefail

PACKAGES=(
    openssh-server
    slurm-wlm munge
    gridengine-master gridengine-exec gridengine-client gridengine-common
    rabbitmq-server
    graphviz tmux jq
    chromium  # tests/integration/lineage/test_pictures.py looks at the interactive graph
    python3-venv
)
# The Cypher linter runs on Node.js (>= 18, which Debian 12 ships). A machine that
# already has a node on PATH keeps it: Debian's package would shadow a newer one.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    PACKAGES+=(nodejs npm)
fi
# The suite's Neo4j (scripts/neo4j/) runs on Java 17 and is fetched by Maven. A machine
# with its own java and mvn on PATH keeps them.
if ! command -v java >/dev/null 2>&1; then
    PACKAGES+=(openjdk-17-jre-headless)
fi
if ! command -v mvn >/dev/null 2>&1; then
    PACKAGES+=(maven)
fi

# Where the packaged daemons (started by a postinst through invoke-rc.d)
# write their pid. Only these are stopped, and only when they appeared during
# this run: private instances from services.sh (pid files under
# $GRAPHFLOW_SERVICES_DIR) and the machine's own RabbitMQ are left alone.
PACKAGED_PIDFILES=(
    /run/sshd.pid
    /run/munge/munged.pid
    /run/slurmctld.pid /run/slurmd.pid /run/slurmdbd.pid
    /var/spool/gridengine/qmaster/qmaster.pid
    /var/spool/gridengine/execd/*/execd.pid
)

log() { printf 'install.sh: %s\n' "$*" >&2; }

# Prints the packages of PACKAGES that are not fully installed.
missing_packages() {
    local pkg status
    declare -A installed=()
    # dpkg-query exits 1 when some package is unknown; its output is still right.
    while IFS=' ' read -r pkg status; do
        [[ $status == installed ]] && installed[$pkg]=1
    done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
    for pkg in "${PACKAGES[@]}"; do
        [[ -n ${installed[$pkg]:-} ]] || printf '%s\n' "$pkg"
    done
}

mapfile -t missing < <(missing_packages)
if ((${#missing[@]} == 0)); then
    exit 0
fi

if ((EUID != 0)); then
    log "must run as root to install: ${missing[*]}"
    exit 1
fi
log "installing: ${missing[*]}"

# Live pids recorded in PACKAGED_PIDFILES (whitespace separated).
packaged_daemon_pids() {
    local f pid
    for f in "${PACKAGED_PIDFILES[@]}"; do
        [[ -r $f ]] || continue
        read -r pid <"$f" || continue
        if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then printf '%s ' "$pid"; fi
    done
}
pids_before=" $(packaged_daemon_pids) "

# Keep maintainer scripts from starting services: invoke-rc.d asks
# /usr/sbin/policy-rc.d, and 101 means "action forbidden". Without it the
# slurmctld/slurmd/gridengine postinsts fail outright (no config yet) and the
# packaged sshd grabs port 22. An existing policy file is left as it is.
policy=/usr/sbin/policy-rc.d
own_policy=0
cleanup() {
    if ((own_policy)); then rm -f "$policy"; fi
}
trap cleanup EXIT
if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# temporary, from graphflow scripts/services/install.sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
fi

# Grid Engine asks whether to configure a cluster and for the master's name.
# Answer "no": services.sh builds a cell of its own, and the packaged init
# (postinst's init_cluster) would only create an unused default cell.
debconf-set-selections <<'EOF'
gridengine-common shared/gridengineconfig boolean false
gridengine-common shared/gridenginecell string default
gridengine-common shared/gridenginemaster string localhost
gridengine-master shared/gridengineconfig boolean false
gridengine-master shared/gridenginecell string default
gridengine-master shared/gridenginemaster string localhost
gridengine-exec shared/gridengineconfig boolean false
gridengine-exec shared/gridenginecell string default
gridengine-exec shared/gridenginemaster string localhost
gridengine-client shared/gridengineconfig boolean false
gridengine-client shared/gridenginecell string default
gridengine-client shared/gridenginemaster string localhost
EOF

export DEBIAN_FRONTEND=noninteractive
apt_install() {
    apt-get install -y --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
}

# Run `apt-get update` at most once: only when a package has no install
# candidate in the current lists, or when installing from them fails (stale
# lists give 404s).
updated=0
for pkg in "${missing[@]}"; do
    policy_out=$(apt-cache policy "$pkg" 2>/dev/null || true)
    if [[ $policy_out != *"Candidate: "[0-9]* ]]; then
        apt-get update
        updated=1
        break
    fi
done
if ! apt_install "${missing[@]}"; then
    if ((updated)); then
        exit 1
    fi
    log "install failed; refreshing package lists once and retrying"
    apt-get update
    apt_install "${missing[@]}"
fi

# Stop any packaged daemon that appeared during the install (none with the
# policy above, but a foreign policy-rc.d may allow starts).
for pid in $(packaged_daemon_pids); do
    if [[ $pids_before != *" $pid "* ]]; then
        log "stopping $(ps -o comm= -p "$pid" 2>/dev/null || echo '?') (pid $pid) started by a package"
        kill "$pid" 2>/dev/null || true
    fi
done

still_missing=$(missing_packages)
if [[ -n $still_missing ]]; then
    log "still not installed: $still_missing"
    exit 1
fi
log "done"
