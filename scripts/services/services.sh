#!/usr/bin/env bash
# Start, stop and inspect the real services the integration tests use, on
# loopback: RabbitMQ, an sshd of our own, munge + single-node SLURM, and
# single-node Grid Engine.
#
#   scripts/services/services.sh {start|stop|status} [all|rabbitmq|sshd|slurm|sge]...
#
# State (configs, keys, logs, pid files) lives in one folder per service under
# ${GRAPHFLOW_SERVICES_DIR:-/tmp/graphflow-services}. `start` is idempotent and
# prints the test environment (the content of env.sh) on stdout; progress and
# errors go to stderr, so `eval "$(scripts/services/services.sh start all)"`
# works. See README.md beside this file and shared/notes/hpc-services.md.
# Must run as root; run scripts/services/install.sh first.
set -euo pipefail

ROOT=${GRAPHFLOW_SERVICES_DIR:-/tmp/graphflow-services}
# The path goes unquoted into sshd_config and slurm.conf.
[[ $ROOT == /* && $ROOT != *[[:space:]]* ]] || {
    echo "services.sh: GRAPHFLOW_SERVICES_DIR must be an absolute path without spaces" >&2
    exit 2
}
TEST_USER=gftest
# Seconds a service may take to become ready before `start` gives up.
READY_TIMEOUT=${GRAPHFLOW_SERVICES_TIMEOUT:-20}

# RabbitMQ's own variables (RABBITMQ_NODE_PORT, RABBITMQ_NODENAME) pass
# through to rabbitmq-server and rabbitmqctl: they select another broker.
AMQP_HOST=127.0.0.1
AMQP_PORT=${RABBITMQ_NODE_PORT:-5672}

# SLURM and Grid Engine daemons bind 0.0.0.0 on these ports (nothing in their
# configuration restricts them to loopback). `start` fails if one is taken.
SLURMCTLD_PORT=${GRAPHFLOW_SLURMCTLD_PORT:-6817}
SLURMD_PORT=${GRAPHFLOW_SLURMD_PORT:-6818}
SGE_QMASTER_PORT_NUM=${GRAPHFLOW_SGE_QMASTER_PORT:-6444}
SGE_EXECD_PORT_NUM=${GRAPHFLOW_SGE_EXECD_PORT:-6445}
SGE_ROOT_DIR=/var/lib/gridengine
SGE_CELL_NAME=${GRAPHFLOW_SGE_CELL:-graphflow}
# The cell folder is deleted and rebuilt on every start: never Debian's own.
[[ $SGE_CELL_NAME =~ ^[A-Za-z0-9_.-]+$ && $SGE_CELL_NAME != default ]] || {
    echo "services.sh: bad GRAPHFLOW_SGE_CELL '$SGE_CELL_NAME'" >&2
    exit 2
}

ALL_SERVICES=(rabbitmq sshd slurm sge)   # start order
# shellcheck disable=SC2034 # used through a nameref in expand_services
STOP_ORDER=(sshd slurm sge rabbitmq)      # no new SSH sessions first

# ---------------------------------------------------------------- helpers ---

log() { printf '[services] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# fail SERVICE MESSAGE LOG...: report a failed start with the tail of each log,
# clean up what was started of SERVICE, and exit non-zero.
fail() {
    local svc=$1 msg=$2 f
    shift 2
    log "ERROR: $svc: $msg"
    for f in "$@"; do
        if [[ -s $f ]]; then
            printf -- '----- last lines of %s -----\n' "$f" >&2
            tail -n 25 "$f" >&2
        else
            printf -- '----- %s: empty or missing -----\n' "$f" >&2
        fi
    done
    log "cleaning up $svc (logs are kept in $ROOT/$svc)"
    QUIET=1 "stop_$svc" || true
    exit 1
}

now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

# wait_for SECONDS COMMAND...: poll COMMAND every 0.1 s until it succeeds;
# return 1 after SECONDS.
wait_for() {
    local deadline=$(($(now_ms) + ${1%.*} * 1000))
    shift
    until "$@"; do
        (($(now_ms) < deadline)) || return 1
        sleep 0.1
    done
}

# alive PID: the process exists and is not a zombie (PID 1 on this image reaps
# orphans late, so `kill -0` would still succeed on a dead daemon).
alive() {
    local stat
    [[ $1 =~ ^[0-9]+$ ]] || return 1
    { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != [ZX] ]]
}

# pid_of PIDFILE COMM: print the pid recorded in PIDFILE if that process is
# alive and named COMM (a stale file, or a pid reused by another program,
# prints nothing and fails).
pid_of() {
    local pid comm
    [[ -r $1 ]] || return 1
    read -r pid <"$1" || true
    alive "$pid" || return 1
    { read -r comm <"/proc/$pid/comm"; } 2>/dev/null || return 1
    [[ $comm == "$2" ]] || return 1
    echo "$pid"
}

all_dead() {
    local p
    for p in "$@"; do alive "$p" && return 1; done
    return 0
}

# listening PORT: some socket listens on TCP PORT (any address, v4 or v6).
listening() {
    awk -v port="$1" '
        function hex(s,   i, n) {
            n = 0
            for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789ABCDEF", substr(s, i, 1)) - 1
            return n
        }
        FNR > 1 && $4 == "0A" { split($2, a, ":"); if (hex(a[2]) == port) found = 1 }
        END { exit !found }' /proc/net/tcp /proc/net/tcp6
}
none_listening() {
    local p
    for p in "$@"; do listening "$p" && return 1; done
    return 0
}
# Who listens on PORT, for error messages.
who_listens() {
    if command -v ss >/dev/null; then ss -Htlnp "sport = :$1" 2>/dev/null | head -n 3; fi
}
require_free_ports() {
    local svc=$1 p
    shift
    for p in "$@"; do
        if listening "$p"; then
            die "$svc: port $p is already in use by another program: $(who_listens "$p")"
        fi
    done
}

# A free loopback port for sshd, below Linux's ephemeral range (32768-60999)
# so that no outgoing connection holds it.
free_port() {
    local p i
    for ((i = 0; i < 100; i++)); do
        p=$((20000 + SRANDOM % 12000))
        listening "$p" || { echo "$p"; return 0; }
    done
    die "no free port found"
}

# Every daemon is started with GRAPHFLOW_SERVICE=<tag> in its environment
# and its service folder as working directory. Its helpers inherit both, which
# lets `stop` find them after a daemon was killed -9: sshd's per-connection
# children and sge_shepherd keep the environment; slurmstepd wipes its
# environment and is re-parented to PID 1, but keeps slurmd's working folder.
tag() { echo "$ROOT:$1"; }
tagged_pids() {
    {
        grep -lzxF "GRAPHFLOW_SERVICE=$(tag "$1")" /proc/[0-9]*/environ 2>/dev/null |
            sed -n 's#^/proc/\([0-9]*\)/environ$#\1#p'
        if [[ $1 == slurm ]]; then
            find /proc/[0-9]*/cwd -maxdepth 0 -lname "$ROOT/slurm" 2>/dev/null |
                sed -n 's#^/proc/\([0-9]*\)/cwd$#\1#p' |
                while read -r p; do [[ $(cat "/proc/$p/comm" 2>/dev/null) == slurmstepd ]] && echo "$p"; done
        fi
    } | grep -vx "$$" || true
}

# tree_pids: the pids read on stdin (one a line) and all their descendants.
tree_pids() {
    local roots
    roots=$(tr '\n' ' ')
    [[ -n ${roots// /} ]] || return 0
    ps -e -o pid=,ppid= | awk -v roots="$roots" '
        BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) in_tree[r[i]] = 1 }
        { parent[$1] = $2 }
        END {
            do {
                changed = 0
                for (p in parent) if (!(p in in_tree) && (parent[p] in in_tree)) { in_tree[p] = 1; changed = 1 }
            } while (changed)
            for (p in in_tree) if (p in parent) print p
        }'
}

# kill_all SECONDS PID...: SIGTERM, wait up to SECONDS, then SIGKILL.
kill_all() {
    local secs=$1 p
    shift
    (($# > 0)) || return 0
    kill -TERM "$@" 2>/dev/null || true
    wait_for "$secs" all_dead "$@" && return 0
    for p in "$@"; do alive "$p" && log "SIGKILL $p ($(cat "/proc/$p/comm" 2>/dev/null))"; done
    kill -KILL "$@" 2>/dev/null || true
    wait_for 3 all_dead "$@" || log "WARNING: still alive after SIGKILL: $*"
}

# spawn SERVICE LOG COMMAND...: start COMMAND in its own session, detached
# from our stdin/stdout/stderr (callers may capture our output), logging to
# LOG. Sets SPAWNED_PID (the daemon itself: env and setsid exec in place).
spawn() {
    local svc=$1 logf=$2
    shift 2
    # 9>&-: do not hand our lock (see main) down to the daemon.
    env -C "$ROOT/$svc" GRAPHFLOW_SERVICE="$(tag "$svc")" setsid "$@" </dev/null >>"$logf" 2>&1 9>&- &
    SPAWNED_PID=$!
}

# fresh_log FILE...: keep the previous run's log as FILE.1, start empty.
fresh_log() {
    local f
    for f in "$@"; do
        if [[ -s $f ]]; then mv -f "$f" "$f.1"; fi
        : >"$f"
        chmod 644 "$f"
    done
}

as_user() { runuser -u "$1" -- "${@:2}"; }

# Env fragments: each running service keeps KEY=VALUE lines in $ROOT/<svc>/env;
# env.sh and env.json are rebuilt from all fragments after every start/stop.
write_fragment() {
    local svc=$1
    shift
    printf '%s\n' "$@" >"$ROOT/$svc/env.tmp"
    mv "$ROOT/$svc/env.tmp" "$ROOT/$svc/env"
}

json_string() {
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    printf '"%s"' "$s"
}

write_env_files() {
    local svc line key value sep='' lines=()
    lines=("GRAPHFLOW_SERVICES_DIR=$ROOT" "GRAPHFLOW_TEST_USER=$TEST_USER")
    for svc in "${ALL_SERVICES[@]}"; do
        [[ -r $ROOT/$svc/env ]] || continue
        mapfile -t -O "${#lines[@]}" lines <"$ROOT/$svc/env"
    done
    {
        echo "# written by scripts/services/services.sh; source it"
        for line in "${lines[@]}"; do
            printf 'export %s=%q\n' "${line%%=*}" "${line#*=}"
        done
    } >"$ROOT/env.sh.tmp"
    {
        printf '{'
        for line in "${lines[@]}"; do
            key=${line%%=*}
            value=${line#*=}
            printf '%s\n  %s: %s' "$sep" "$(json_string "$key")" "$(json_string "$value")"
            sep=,
        done
        printf '\n}\n'
    } >"$ROOT/env.json.tmp"
    mv "$ROOT/env.sh.tmp" "$ROOT/env.sh"
    mv "$ROOT/env.json.tmp" "$ROOT/env.json"
}

ensure_root_dir() {
    mkdir -p "$ROOT"
    # gftest (reading keys, slurm.conf, jobcomp) and sgeadmin (spool) walk it.
    chmod 755 "$ROOT"
}

# The ordinary user that SSH sessions and jobs run as (Grid Engine refuses
# uid < 1000; root's shell start-up is slow on this image).
ensure_test_user() {
    local uid home pw
    if ! id -u "$TEST_USER" >/dev/null 2>&1; then
        useradd --create-home --shell /bin/bash -K UID_MIN=1000 "$TEST_USER"
        log "created user $TEST_USER"
    fi
    uid=$(id -u "$TEST_USER")
    ((uid >= 1000)) || die "user $TEST_USER has uid $uid < 1000"
    # useradd leaves the account locked ('!'); sshd with UsePAM no refuses a
    # locked account. '*' means: no password can match, but not locked.
    pw=$(getent shadow "$TEST_USER" | cut -d: -f2)
    if [[ $pw == '!'* ]]; then usermod -p '*' "$TEST_USER"; fi
    home=$(getent passwd "$TEST_USER" | cut -d: -f6)
    if [[ ! -d $home ]]; then
        mkdir -p "$home"
        cp -rT /etc/skel "$home"
        chown -R "$TEST_USER:" "$home"
    fi
    chown "$TEST_USER:" "$home"
    chmod 755 "$home"
}

# ---------------------------------------------------------------- sshd ----

SSHD_DIR=$ROOT/sshd

sshd_pid() { pid_of "$SSHD_DIR/sshd.pid" sshd; }
sshd_running() {
    local port
    sshd_pid >/dev/null || return 1
    read -r port 2>/dev/null <"$SSHD_DIR/port" || return 1
    listening "$port"
}
sshd_status() {
    if sshd_running; then echo "sshd: running pid $(sshd_pid) port $(cat "$SSHD_DIR/port")"; else echo "sshd: stopped"; fi
}

# sshd_listening PID PORT LOG (for wait_for; a dead daemon ends the wait too)
sshd_listening() {
    alive "$1" || return 0
    grep -q "Server listening on 127.0.0.1 port $2" "$3"
}

start_sshd() {
    local d=$SSHD_DIR port pid
    if sshd_running; then
        log "sshd: already running"
        return 0
    fi
    QUIET=1 stop_sshd
    mkdir -p "$d" /run/sshd
    chmod 755 "$d"
    # Throw-away keys, made once per state folder. The private client key is
    # for root, who runs the tests.
    if [[ ! -s $d/ssh_host_ed25519_key ]]; then
        ssh-keygen -q -t ed25519 -N '' -C graphflow-test-host -f "$d/ssh_host_ed25519_key" <<<y >/dev/null
    fi
    if [[ ! -s $d/id_ed25519 ]]; then
        ssh-keygen -q -t ed25519 -N '' -C "$TEST_USER@graphflow-test" -f "$d/id_ed25519" <<<y >/dev/null
    fi
    chmod 600 "$d/ssh_host_ed25519_key" "$d/id_ed25519"
    # sshd reads AuthorizedKeysFile as the target user.
    install -m 644 "$d/id_ed25519.pub" "$d/authorized_keys"

    port=$(free_port)
    echo "$port" >"$d/port"
    cat >"$d/sshd_config" <<EOF
# Written by scripts/services/services.sh: a private sshd for the tests.
Port $port
ListenAddress 127.0.0.1
HostKey $d/ssh_host_ed25519_key
PidFile none
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $d/authorized_keys
# The keys live under a world-writable /tmp.
StrictModes no
PermitRootLogin no
AllowUsers $TEST_USER
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
# Tests count "Connection from" lines.
LogLevel VERBOSE
Subsystem sftp internal-sftp
# Tests open many connections and channels at once.
MaxStartups 100:30:200
MaxSessions 50
# SSH sessions (and the jobs they submit) find the schedulers.
SetEnv SLURM_CONF=$SLURM_DIR/slurm.conf SGE_ROOT=$SGE_ROOT_DIR SGE_CELL=$SGE_CELL_NAME SGE_QMASTER_PORT=$SGE_QMASTER_PORT_NUM SGE_EXECD_PORT=$SGE_EXECD_PORT_NUM
EOF
    # known_hosts from the host public key: no ssh-keyscan, which would open
    # connections and spoil the tests' connection counts.
    {
        printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$d/ssh_host_ed25519_key.pub")"
        printf '[localhost]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$d/ssh_host_ed25519_key.pub")"
    } >"$d/known_hosts"
    chmod 644 "$d/known_hosts"

    /usr/sbin/sshd -t -f "$d/sshd_config" 2>"$d/sshd-config-check.log" ||
        fail sshd "invalid sshd_config" "$d/sshd-config-check.log"
    fresh_log "$d/sshd.log"
    # -D: stay in the foreground; -e: log to stderr, i.e. the log file, which
    # the per-connection children inherit (O_APPEND, so lines do not mix).
    spawn sshd "$d/sshd.log" /usr/sbin/sshd -D -e -f "$d/sshd_config"
    pid=$SPAWNED_PID
    echo "$pid" >"$d/sshd.pid"
    if ! wait_for 10 sshd_listening "$pid" "$port" "$d/sshd.log" || ! alive "$pid"; then
        fail sshd "sshd did not start listening on 127.0.0.1:$port" "$d/sshd.log"
    fi

    write_fragment sshd \
        "SSH_HOST=127.0.0.1" \
        "SSH_PORT=$port" \
        "SSH_USER=$TEST_USER" \
        "SSH_KEY_FILE=$d/id_ed25519" \
        "SSH_KNOWN_HOSTS=$d/known_hosts" \
        "SSH_LOG=$d/sshd.log" \
        "SSH_PID=$pid"
    log "sshd ready on 127.0.0.1:$port (pid $pid)"
}

# Processes of the test user that are not batch jobs: whatever SSH sessions
# left behind (commands started over SSH outlive their sshd). Jobs (under any
# slurmstepd or sge_shepherd, ours or not) are the schedulers' to stop.
stray_user_pids() {
    local keep
    id -u "$TEST_USER" >/dev/null 2>&1 || return 0
    keep=" $({ tagged_pids slurm; tagged_pids sge; pgrep -x slurmstepd; pgrep -x sge_shepherd; } | tree_pids | tr '\n' ' ') "
    pgrep -u "$TEST_USER" | while read -r p; do
        [[ $keep == *" $p "* ]] || echo "$p"
    done
}

stop_sshd() {
    local d=$SSHD_DIR listener='' port='' children=() p
    listener=$(sshd_pid) || listener=''
    read -r port 2>/dev/null <"$d/port" || port=''
    if [[ -z $listener && -z $(tagged_pids sshd) ]]; then
        rm -f "$d/env"
        [[ -n ${QUIET:-} ]] || log "sshd: not running"
        return 0
    fi
    # 1. per-connection children (they hold the user's sessions), 2. the
    # listener, 3. what the sessions left running as the test user.
    mapfile -t children < <({ tagged_pids sshd; echo "$listener"; } | tree_pids | grep -vx "${listener:-0}")
    kill_all 2 "${children[@]}"
    if [[ -n $listener ]]; then kill_all 3 "$listener"; fi
    mapfile -t children < <(tagged_pids sshd | tree_pids)
    kill_all 2 "${children[@]}"
    mapfile -t children < <(stray_user_pids)
    kill_all 2 "${children[@]}"
    if [[ -n $port ]] && ! wait_for 3 none_listening "$port"; then
        log "WARNING: port $port still listening: $(who_listens "$port")"
    fi
    rm -f "$d/env" "$d/sshd.pid"
    [[ -n ${QUIET:-} ]] || log "sshd stopped"
}

# ------------------------------------------------------ munge + SLURM ----

SLURM_DIR=$ROOT/slurm
MUNGE_DIR=$ROOT/slurm/munge
MUNGE_SOCKET=$MUNGE_DIR/run/munge.socket

munged_pid() { pid_of "$MUNGE_DIR/munged.pid" munged; }
slurmctld_pid() { pid_of "$SLURM_DIR/slurmctld.pid" slurmctld; }
slurmd_pid() { pid_of "$SLURM_DIR/slurmd.pid" slurmd; }
slurm_running() { munged_pid >/dev/null && slurmctld_pid >/dev/null && slurmd_pid >/dev/null; }
slurm_status() {
    if slurm_running; then
        echo "slurm: running munged $(munged_pid) slurmctld $(slurmctld_pid) port $SLURMCTLD_PORT slurmd $(slurmd_pid) port $SLURMD_PORT"
    else
        echo "slurm: stopped (munged $(munged_pid || echo -) slurmctld $(slurmctld_pid || echo -) slurmd $(slurmd_pid || echo -))"
    fi
}

slurm_cmd() { SLURM_CONF=$SLURM_DIR/slurm.conf timeout 5 "$@"; }

munge_works() { munge -n -S "$MUNGE_SOCKET" 2>/dev/null | unmunge -S "$MUNGE_SOCKET" >/dev/null 2>&1; }
munge_ready() { alive "$1" || return 0; munge_works; } # PID

# For wait_for (a dead daemon ends the wait too; the caller checks).
slurm_node_state() { slurm_cmd sinfo -h -N -o %t 2>/dev/null; }
slurm_node_is() { # CTLD_PID SLURMD_PID STATE
    all_dead "$1" && return 0
    all_dead "$2" && return 0
    [[ $(slurm_node_state) == "$3" ]]
}
slurm_node_up() { # CTLD_PID SLURMD_PID
    [[ $(slurm_node_state) =~ ^(idle|mix|alloc|comp|drain|drng|down|fail)$ ]] || all_dead "$1" || all_dead "$2"
}
# A daemon killed under running jobs (the chaos tests do it) leaves the node
# drained ("Kill task failed", "Not responding"); ReturnToService=2 only
# brings back nodes that are down. Tests need it taking jobs again.
resume_slurm_node() {
    local state
    state=$(slurm_node_state)
    if [[ $state =~ ^(drain|drng|down|fail) ]]; then
        log "slurm: node was $state ($(slurm_cmd sinfo -h -R -o %E 2>/dev/null | head -n 1)); resuming it"
        slurm_cmd scontrol update NodeName=localhost State=RESUME >/dev/null 2>&1 || true
    fi
}
slurm_jobs() { slurm_cmd squeue -h -t PD,R,CG,S -o %A 2>/dev/null; }
slurm_queue_empty() { [[ -z $(slurm_jobs) ]]; }

start_munge() {
    local d=$MUNGE_DIR pid
    mkdir -p "$d/run"
    # Clients (sbatch run by the test user) connect to the socket: its folder
    # and every folder above it must be o+x.
    chmod 711 "$d"
    chmod 755 "$d/run"
    if [[ ! -s $d/munge.key ]]; then mungekey --create --keyfile="$d/munge.key"; fi
    chmod 600 "$d/munge.key"
    fresh_log "$d/munged.log"
    spawn slurm "$d/munged.log" /usr/sbin/munged --foreground \
        --key-file="$d/munge.key" --socket="$MUNGE_SOCKET" --pid-file="$d/munged.pid" \
        --seed-file="$d/munged.seed" --log-file="$d/munged.log"
    pid=$SPAWNED_PID
    if ! wait_for 10 munge_ready "$pid" || ! alive "$pid"; then
        fail slurm "munged did not become ready" "$d/munged.log"
    fi
    echo "$pid" >"$d/munged.pid"
}

write_slurm_conf() {
    local d=$SLURM_DIR
    cat >"$d/slurm.conf" <<EOF
# Written by scripts/services/services.sh: single-node SLURM for the tests.
ClusterName=graphflow
SlurmctldHost=localhost
SlurmctldPort=$SLURMCTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups on this machine.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# Exit codes of purged jobs: sacct -c reads this file.
JobCompType=jobcomp/filetxt
JobCompLoc=$d/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
# Finished jobs leave squeue after ~MinJobAge s (tests exercise the sacct fallback).
MinJobAge=${GRAPHFLOW_SLURM_MIN_JOB_AGE:-10}
KillWait=2
InactiveLimit=0
Waittime=0
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 RealMemory=1000 State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
    chmod 644 "$d/slurm.conf"
}

start_slurm() {
    local d=$SLURM_DIR ctld slurmd jobs=()
    if slurm_running; then
        log "slurm: already running"
        return 0
    fi
    if munged_pid >/dev/null && slurmd_pid >/dev/null; then
        restart_slurmctld
        return 0
    fi
    QUIET=1 stop_slurm
    require_free_ports slurm "$SLURMCTLD_PORT" "$SLURMD_PORT"
    mkdir -p "$d/state" "$d/spool"
    chmod 755 "$d"
    start_munge
    write_slurm_conf
    # The test user reads exit codes from the job completion file with
    # `sacct -c`, which opens it for writing ("Permission denied" otherwise)
    # and, when it may, fchmods it to 0644: so the test user owns it (root's
    # slurmctld appends to it anyway), and a root `sacct -c` cannot lock the
    # test user out.
    touch "$d/jobcomp.txt"
    chown "$TEST_USER:" "$d/jobcomp.txt"
    chmod 666 "$d/jobcomp.txt"
    fresh_log "$d/slurmctld.log" "$d/slurmd.log" "$d/slurmctld.out" "$d/slurmd.out"

    # -i: ignore unreadable state (e.g. after a kill -9). slurmd needs -N: the
    # machine's hostname is not the configured node name.
    spawn slurm "$d/slurmctld.out" env SLURM_CONF="$d/slurm.conf" /usr/sbin/slurmctld -D -i -f "$d/slurm.conf"
    ctld=$SPAWNED_PID
    spawn slurm "$d/slurmd.out" env SLURM_CONF="$d/slurm.conf" /usr/sbin/slurmd -D -N localhost -f "$d/slurm.conf"
    slurmd=$SPAWNED_PID
    echo "$ctld" >"$d/slurmctld.pid"
    echo "$slurmd" >"$d/slurmd.pid"

    # The saved state keeps the job records (job ids go on across restarts).
    # After an unclean stop (a daemon killed -9) it still lists jobs as
    # running whose processes are gone, and the node never becomes idle:
    # cancel whatever is left once the node has registered.
    wait_for "$READY_TIMEOUT" slurm_node_up "$ctld" "$slurmd" || true
    resume_slurm_node
    if alive "$ctld" && [[ $(slurm_node_state) =~ ^(mix|alloc|comp)$ ]]; then
        mapfile -t jobs < <(slurm_jobs)
        if ((${#jobs[@]})); then
            log "slurm: cancelling ${#jobs[@]} job(s) left from an unclean stop: ${jobs[*]}"
            slurm_cmd scancel "${jobs[@]}" >/dev/null 2>&1 || true
        fi
    fi
    if ! wait_for 10 slurm_node_is "$ctld" "$slurmd" idle || ! alive "$ctld" || ! alive "$slurmd"; then
        fail slurm "node did not become idle (sinfo: $(slurm_cmd sinfo -h -N -o %t 2>&1 | head -n 1))" \
            "$d/slurmctld.out" "$d/slurmctld.log" "$d/slurmd.out" "$d/slurmd.log"
    fi
    chmod 666 "$d/jobcomp.txt"
    write_fragment slurm \
        "SLURM_CONF=$d/slurm.conf" \
        "SLURM_JOBCOMP_LOC=$d/jobcomp.txt" \
        "MUNGE_SOCKET=$MUNGE_SOCKET" \
        "MUNGED_PID=$(munged_pid)" \
        "SLURMCTLD_PID=$ctld" \
        "SLURMD_PID=$slurmd"
    log "slurm ready (slurmctld $ctld, slurmd $slurmd, munged $(munged_pid))"
}

# Only the controller died (the chaos tests kill it): start it again on its saved
# state, so the jobs slurmd is running, and their ids, carry on.
restart_slurmctld() {
    local d=$SLURM_DIR ctld
    log "slurm: slurmctld is not running; restarting it alone (slurmd and jobs kept)"
    spawn slurm "$d/slurmctld.out" env SLURM_CONF="$d/slurm.conf" /usr/sbin/slurmctld -D -i -f "$d/slurm.conf"
    ctld=$SPAWNED_PID
    echo "$ctld" >"$d/slurmctld.pid"
    if ! wait_for "$READY_TIMEOUT" slurm_node_up "$ctld" "$(slurmd_pid)" || ! alive "$ctld"; then
        fail slurm "slurmctld did not come back" "$d/slurmctld.out" "$d/slurmctld.log"
    fi
    resume_slurm_node
    write_fragment slurm \
        "SLURM_CONF=$d/slurm.conf" \
        "SLURM_JOBCOMP_LOC=$d/jobcomp.txt" \
        "MUNGE_SOCKET=$MUNGE_SOCKET" \
        "MUNGED_PID=$(munged_pid)" \
        "SLURMCTLD_PID=$ctld" \
        "SLURMD_PID=$(slurmd_pid)"
    log "slurm: slurmctld $ctld is back"
}

stop_slurm() {
    local d=$SLURM_DIR ctld slurmd munged jobs=() pids=()
    ctld=$(slurmctld_pid) || ctld=''
    slurmd=$(slurmd_pid) || slurmd=''
    munged=$(munged_pid) || munged=''
    if [[ -z $ctld$slurmd$munged && -z $(tagged_pids slurm) ]]; then
        rm -f "$d/env"
        [[ -n ${QUIET:-} ]] || log "slurm: not running"
        return 0
    fi
    if [[ -n $ctld && -n $munged ]]; then
        # Cancel all jobs and wait for an empty queue: `scontrol shutdown`
        # alone leaves slurmstepd and job processes alive.
        mapfile -t jobs < <(slurm_jobs)
        if ((${#jobs[@]})); then
            slurm_cmd scancel "${jobs[@]}" 2>/dev/null || true
            wait_for 6 slurm_queue_empty || log "WARNING: slurm jobs still in the queue; killing them"
        fi
        slurm_cmd scontrol shutdown >/dev/null 2>&1 || true
        wait_for 5 all_dead "$ctld" "$slurmd" || true
    fi
    # Whatever is left (daemons, slurmstepd, job processes), then munged.
    mapfile -t pids < <({ tagged_pids slurm; echo "$ctld"; echo "$slurmd"; } | tree_pids | grep -vx "${munged:-0}")
    kill_all 1 "${pids[@]}"
    mapfile -t pids < <(tagged_pids slurm | tree_pids)
    kill_all 2 "${pids[@]}"
    if ! wait_for 3 none_listening "$SLURMCTLD_PORT" "$SLURMD_PORT"; then
        log "WARNING: SLURM ports still in use: $(who_listens "$SLURMCTLD_PORT") $(who_listens "$SLURMD_PORT")"
    fi
    rm -f "$d/env" "$d/slurmctld.pid" "$d/slurmd.pid" "$MUNGE_DIR/munged.pid"
    [[ -n ${QUIET:-} ]] || log "slurm stopped"
}

# --------------------------------------------------------- Grid Engine ----

SGE_DIR=$ROOT/sge
SGE_CELL_DIR=$SGE_ROOT_DIR/$SGE_CELL_NAME

SGE_ENV=(SGE_ROOT="$SGE_ROOT_DIR" SGE_CELL="$SGE_CELL_NAME"
    SGE_QMASTER_PORT="$SGE_QMASTER_PORT_NUM" SGE_EXECD_PORT="$SGE_EXECD_PORT_NUM")
sge_cmd() { env "${SGE_ENV[@]}" timeout 5 "$@"; }
qmaster_pid() { pid_of "$SGE_DIR/qmaster/qmaster.pid" sge_qmaster; }
# execd names its spool folder after the host's resolved name ("localhost"
# here, though the cell knows the host as `hostname`): do not guess it.
execd_pid() {
    local f
    for f in "$SGE_DIR"/execd/*/execd.pid; do pid_of "$f" sge_execd && return 0; done
    return 1
}
sge_running() { qmaster_pid >/dev/null && execd_pid >/dev/null; }
sge_status() {
    if sge_running; then
        echo "sge: running sge_qmaster $(qmaster_pid) port $SGE_QMASTER_PORT_NUM sge_execd $(execd_pid) port $SGE_EXECD_PORT_NUM cell $SGE_CELL_NAME"
    else
        echo "sge: stopped (sge_qmaster $(qmaster_pid || echo -) sge_execd $(execd_pid || echo -))"
    fi
}

# For wait_for.
qmaster_up() { sge_cmd qconf -sh >/dev/null 2>&1; }
execd_up() { execd_pid >/dev/null && sge_cmd qconf -se "$1" >/dev/null 2>&1; } # HOST
# sge_queue_ok QMASTER_PID EXECD_PID HOST: the queue instance shows no state
# letters (u, a, d, E...): its line is "all.q@host BIP 0/0/2 load arch [states]".
# A dead daemon ends the wait too (the caller checks).
sge_queue_ok() {
    alive "$1" && alive "$2" || return 0
    sge_cmd qstat -f -q all.q 2>/dev/null | awk -v q="all.q@$3" '$1 == q && NF == 5 { ok = 1 } END { exit !ok }'
}
sge_queue_empty() { [[ -z $(sge_cmd qstat -u '*' 2>/dev/null) ]]; }

# Build a fresh cell: qmaster is stopped with SIGKILL (SIGTERM takes ~7 s),
# and a rebuilt cell starts clean.
build_sge_cell() {
    local d=$SGE_DIR host=$1 common=$SGE_CELL_DIR/common
    rm -rf "$d/spooldb" "$d/qmaster" "$d/execd" "$SGE_CELL_DIR"
    mkdir -p "$d/spooldb" "$d/qmaster" "$d/execd" "$common"
    chmod 755 "$d"
    chown sgeadmin: "$d/spooldb" "$d/qmaster" "$d/execd"
    chown -R sgeadmin: "$SGE_CELL_DIR"
    chmod 755 "$SGE_CELL_DIR" "$common"

    sed -e "s#^spooling_params .*#spooling_params         $d/spooldb#" \
        -e "s#^qmaster_spool_dir .*#qmaster_spool_dir       $d/qmaster#" \
        /usr/share/gridengine/default-bootstrap >"$common/bootstrap"
    echo "$host" >"$common/act_qmaster"
    # 127.0.0.1 resolves back to "localhost": without the alias qmaster
    # answers "access denied (client IP resolved to host name localhost)".
    echo "$host localhost" >"$common/host_aliases"
    # Global configuration: our execd spool, no mail, accounting written at
    # once (qacct reads it; Debian's flush_time is 15 s).
    sed -e "s#^execd_spool_dir .*#execd_spool_dir        $d/execd#" \
        -e "s#^mailer .*#mailer                 /bin/true#" \
        -e "s#^reporting_params .*#reporting_params       accounting=true reporting=false flush_time=00:00:01 joblog=false sharelog=00:00:00 accounting_flush_time=00:00:00#" \
        /usr/share/gridengine/default-configuration >"$d/configuration"
    chmod 644 "$common"/* "$d/configuration"
    chown sgeadmin: "$common"/*

    # Initialise the spool as the admin user, as Debian's init_cluster does.
    {
        as_user sgeadmin env SGE_ROOT="$SGE_ROOT_DIR" SGE_CELL="$SGE_CELL_NAME" sh -ec "
            /usr/lib/gridengine/spoolinit berkeleydb libspoolb '$d/spooldb' init
            /usr/lib/gridengine/spooldefaults configuration '$d/configuration'
            /usr/lib/gridengine/spooldefaults complexes /usr/share/gridengine/util/resources/centry
            /usr/lib/gridengine/spooldefaults usersets /usr/share/gridengine/util/resources/usersets
            /usr/lib/gridengine/spooldefaults managers sgeadmin root
        "
    } >"$d/spoolinit.log" 2>&1 || fail sge "spool initialisation failed" "$d/spoolinit.log"
}

start_sge() {
    local d=$SGE_DIR host qmaster execd
    if sge_running; then
        log "sge: already running"
        return 0
    fi
    QUIET=1 stop_sge
    require_free_ports sge "$SGE_QMASTER_PORT_NUM" "$SGE_EXECD_PORT_NUM"
    host=$(hostname)
    mkdir -p "$d"
    build_sge_cell "$host"
    fresh_log "$d/sge_qmaster.out" "$d/sge_execd.out"

    # sge_qmaster forks into the background and writes qmaster/qmaster.pid.
    spawn sge "$d/sge_qmaster.out" env "${SGE_ENV[@]}" /usr/sbin/sge_qmaster
    wait_for "$READY_TIMEOUT" qmaster_up ||
        fail sge "sge_qmaster did not answer" "$d/sge_qmaster.out" "$d/qmaster/messages"
    qmaster=$(qmaster_pid) || fail sge "no live sge_qmaster pid in $d/qmaster/qmaster.pid" "$d/qmaster/messages"

    # Submit host, the smp parallel environment, a 1 s scheduler interval.
    cat >"$d/smp.pe" <<'EOF'
pe_name            smp
slots              9999
user_lists         NONE
xuser_lists        NONE
start_proc_args    /bin/true
stop_proc_args     /bin/true
allocation_rule    $pe_slots
control_slaves     FALSE
job_is_first_task  TRUE
urgency_slots      min
accounting_summary FALSE
qsort_args         NONE
EOF
    sge_cmd qconf -ssconf >"$d/sched.conf"
    sed -i -e 's/^schedule_interval .*/schedule_interval                 0:0:1/' \
        -e 's/^flush_submit_sec .*/flush_submit_sec                  1/' \
        -e 's/^flush_finish_sec .*/flush_finish_sec                  1/' "$d/sched.conf"
    {
        sge_cmd qconf -as "$host" &&
            sge_cmd qconf -Ap "$d/smp.pe" &&
            sge_cmd qconf -Msconf "$d/sched.conf"
    } >"$d/qconf.log" 2>&1 || fail sge "configuring the cell failed" "$d/qconf.log" "$d/qmaster/messages"

    spawn sge "$d/sge_execd.out" env "${SGE_ENV[@]}" /usr/sbin/sge_execd
    wait_for "$READY_TIMEOUT" execd_up "$host" ||
        fail sge "sge_execd did not register" "$d/sge_execd.out" "$d"/execd/*/messages "$d/qmaster/messages"
    execd=$(execd_pid) || fail sge "sge_execd died" "$d/sge_execd.out" "$d"/execd/*/messages

    # all.q: qconf -aq opens $EDITOR on a template; our "editor" edits it.
    # No load thresholds: the default (np_load_avg=1.75) puts the queue in
    # alarm state "a" and stops scheduling whenever the shared 2-core
    # machine is busy.
    cat >"$d/edit-queue.sh" <<EOF
#!/bin/sh
sed -i -e 's#^hostlist .*#hostlist              $host#' \\
    -e 's#^load_thresholds .*#load_thresholds       NONE#' \\
    -e 's#^slots .*#slots                 2#' \\
    -e 's#^pe_list .*#pe_list               smp#' \\
    -e 's#^shell .*#shell                 /bin/bash#' "\$1"
EOF
    chmod 755 "$d/edit-queue.sh"
    EDITOR=$d/edit-queue.sh sge_cmd qconf -aq all.q >>"$d/qconf.log" 2>&1 ||
        fail sge "adding all.q failed" "$d/qconf.log" "$d/qmaster/messages"

    if ! wait_for "$READY_TIMEOUT" sge_queue_ok "$qmaster" "$execd" "$host" || ! alive "$qmaster" || ! alive "$execd"; then
        fail sge "all.q did not become available: $(sge_cmd qstat -f -q all.q 2>&1 | grep all.q@ || true)" \
            "$d/qconf.log" "$d/qmaster/messages" "$d"/execd/*/messages
    fi
    write_fragment sge \
        "SGE_ROOT=$SGE_ROOT_DIR" \
        "SGE_CELL=$SGE_CELL_NAME" \
        "SGE_QMASTER_PORT=$SGE_QMASTER_PORT_NUM" \
        "SGE_EXECD_PORT=$SGE_EXECD_PORT_NUM" \
        "SGE_QMASTER_PID=$qmaster" \
        "SGE_EXECD_PID=$execd"
    log "sge ready (cell $SGE_CELL_NAME, sge_qmaster $qmaster, sge_execd $execd)"
}

stop_sge() {
    local d=$SGE_DIR qmaster pids=()
    qmaster=$(qmaster_pid) || qmaster=''
    if [[ -z $qmaster && -z $(tagged_pids sge) ]]; then
        rm -f "$d/env"
        [[ -n ${QUIET:-} ]] || log "sge: not running"
        return 0
    fi
    if [[ -n $qmaster ]]; then
        # Delete jobs (so they are accounted for), then kill the daemons:
        # SIGKILL is instant and the next start rebuilds the cell.
        # A plain qdel lets execd kill the job and report it (qacct: failed
        # 100); qdel -f only forgets it.
        if ! sge_queue_empty && execd_pid >/dev/null; then
            sge_cmd qdel -u '*' >/dev/null 2>&1 || true
            wait_for 4 sge_queue_empty || true
        fi
        if ! sge_queue_empty; then
            sge_cmd qdel -f -u '*' >/dev/null 2>&1 || true
            wait_for 2 sge_queue_empty || log "WARNING: sge jobs still listed; killing them"
        fi
    fi
    mapfile -t pids < <({ tagged_pids sge; echo "$qmaster"; } | tree_pids)
    if ((${#pids[@]})); then
        kill -KILL "${pids[@]}" 2>/dev/null || true
        wait_for 3 all_dead "${pids[@]}" || log "WARNING: sge processes still alive: ${pids[*]}"
    fi
    if ! wait_for 3 none_listening "$SGE_QMASTER_PORT_NUM" "$SGE_EXECD_PORT_NUM"; then
        log "WARNING: SGE ports still in use: $(who_listens "$SGE_QMASTER_PORT_NUM") $(who_listens "$SGE_EXECD_PORT_NUM")"
    fi
    rm -f "$d/env"
    [[ -n ${QUIET:-} ]] || log "sge stopped"
}

# ------------------------------------------------------------ RabbitMQ ----

RABBIT_DIR=$ROOT/rabbitmq

# amqp_ok: the broker answers an AMQP 0-9-1 protocol header with a method frame
# (first byte 1): a listening port alone is not enough.
amqp_ok() {
    local fd b=''
    # Loopback: a closed port refuses at once; a stuck broker hits read -t.
    exec {fd}<>"/dev/tcp/$AMQP_HOST/$AMQP_PORT" || return 1
    printf 'AMQP\0\0\11\1' >&"$fd"
    IFS= read -r -N 1 -t 2 b <&"$fd" || true
    exec {fd}>&-
    [[ $b == $'\001' ]]
} 2>/dev/null
rabbitmq_running() { amqp_ok; }
rabbit_up() { timeout 10 rabbitmqctl await_startup >>"$1" 2>&1 && amqp_ok; } # LOG
rabbitmq_status() {
    if amqp_ok; then
        if [[ -e $RABBIT_DIR/started-here ]]; then
            echo "rabbitmq: running port $AMQP_PORT (started by services.sh)"
        else
            echo "rabbitmq: running port $AMQP_PORT (the machine's)"
        fi
    else
        echo "rabbitmq: stopped"
    fi
}

# The suite's queues and exchanges live in a virtual host of their own: every
# test profile declares durable ones, and a broker that has to recover
# thousands of them at boot (with Debian's 1024 open files for the rabbitmq
# user) never finishes booting. Deleting the vhost removes them all at once.
TEST_VHOST=graphflow-test

# The broker's boot recovers one file per durable queue: start it as the
# rabbitmq user with the hard open-files limit, which `su` (what Debian's
# wrapper uses) would reset to 1024.
launch_rabbitmq() { # LOG
    local hard
    hard=$(ulimit -Hn)
    [[ $hard == unlimited ]] && hard=65536
    (
        ulimit -n "$hard"
        cd /var/lib/rabbitmq
        exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups \
            env HOME=/var/lib/rabbitmq /usr/lib/rabbitmq/bin/rabbitmq-server -detached
    ) >"$1" 2>&1 9>&-
}

fresh_test_vhost() { # LOG
    rabbitmqctl delete_vhost "$TEST_VHOST" >>"$1" 2>&1 || true # absent on a first start
    rabbitmqctl add_vhost "$TEST_VHOST" >>"$1" 2>&1 &&
        rabbitmqctl set_permissions -p "$TEST_VHOST" guest '.*' '.*' '.*' >>"$1" 2>&1
}

start_rabbitmq() {
    local d=$RABBIT_DIR
    mkdir -p "$d"
    if ! amqp_ok; then
        log "rabbitmq: not answering on $AMQP_HOST:$AMQP_PORT; starting rabbitmq-server -detached"
        launch_rabbitmq "$d/start.log" || fail rabbitmq "rabbitmq-server -detached failed" "$d/start.log"
        touch "$d/started-here"
        wait_for "$((READY_TIMEOUT * 6))" rabbit_up "$d/start.log" ||
            fail rabbitmq "RabbitMQ did not start" "$d/start.log" /var/log/rabbitmq/rabbit@*.log
    fi
    # A previous run's leftovers (a killed suite does not clean up) go here.
    fresh_test_vhost "$d/vhost.log" ||
        fail rabbitmq "cannot create the test vhost $TEST_VHOST" "$d/vhost.log"
    write_fragment rabbitmq \
        "GRAPHFLOW_TEST_AMQP_URL=amqp://guest:guest@$AMQP_HOST:$AMQP_PORT/$TEST_VHOST" \
        "RABBITMQCTL=$(command -v rabbitmqctl || echo /usr/sbin/rabbitmqctl)"
    log "rabbitmq ready on $AMQP_HOST:$AMQP_PORT (vhost $TEST_VHOST)"
}

# Only a broker that services.sh started is stopped: the machine's own
# RabbitMQ is shared with other work.
stop_rabbitmq() {
    local d=$RABBIT_DIR
    rm -f "$d/env"
    # The suite's vhost goes on the machine's own broker too: it is ours.
    # (absent when the broker never started here: the next start deletes it anyway)
    amqp_ok && { timeout 30 rabbitmqctl delete_vhost "$TEST_VHOST" >/dev/null 2>&1 || true; }
    if [[ ! -e $d/started-here ]]; then
        [[ -n ${QUIET:-} ]] || log "rabbitmq: not started by services.sh; left as it is"
        return 0
    fi
    timeout 30 rabbitmqctl shutdown >/dev/null 2>&1 || log "WARNING: rabbitmqctl shutdown failed"
    rm -f "$d/started-here"
    [[ -n ${QUIET:-} ]] || log "rabbitmq stopped"
}

# ---------------------------------------------------------------- main ----

usage() {
    echo "usage: $0 {start|stop|status} [all|rabbitmq|sshd|slurm|sge]..." >&2
    exit 2
}

# expand_services ORDER_ARRAY_NAME ARG...: expand "all" (also the default)
# and list the services in ORDER. Arguments are checked in main (this runs in
# a subshell, where usage could not stop the script).
expand_services() {
    local -n order=$1
    shift
    local want s out=()
    (($# > 0)) || set -- all
    want=" $* "
    for s in "${order[@]}"; do
        if [[ $want == *" all "* || $want == *" $s "* ]]; then out+=("$s"); fi
    done
    printf '%s\n' "${out[@]}"
}

main() {
    (($# >= 1)) || usage
    local cmd=$1 svc rc=0 services=()
    shift
    case $cmd in
    start | stop | status) ;;
    *) usage ;;
    esac
    for svc in "$@"; do
        [[ " all ${ALL_SERVICES[*]} " == *" $svc "* ]] || usage
    done
    ((EUID == 0)) || die "must run as root"
    ensure_root_dir
    if [[ $cmd == status ]]; then
        mapfile -t services < <(expand_services ALL_SERVICES "$@")
        for svc in "${services[@]}"; do
            "${svc}_status"
            "${svc}_running" || rc=1
        done
        return "$rc"
    fi

    # One start/stop at a time per state folder.
    exec 9>"$ROOT/.lock"
    flock -w 120 9 || die "another services.sh holds $ROOT/.lock"

    if [[ $cmd == start ]]; then
        mapfile -t services < <(expand_services ALL_SERVICES "$@")
        if [[ " ${services[*]} " == *" sshd "* || " ${services[*]} " == *" slurm "* || " ${services[*]} " == *" sge "* ]]; then
            ensure_test_user
        fi
        for svc in "${services[@]}"; do
            mkdir -p "$ROOT/$svc"
            "start_$svc"
        done
        write_env_files
        cat "$ROOT/env.sh"
    else
        mapfile -t services < <(expand_services STOP_ORDER "$@")
        for svc in "${services[@]}"; do
            mkdir -p "$ROOT/$svc"
            "stop_$svc"
        done
        write_env_files
    fi
}

main "$@"
