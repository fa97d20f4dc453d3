#!/usr/bin/env bash
# Set up AiiDA 2.9 for graphflow's side-by-side benchmarks (see README.md).
#
# Idempotent: every step first checks whether its result already exists, so a
# second run with everything in place takes a few seconds. Everything AiiDA
# writes lives under bench/aiida/.aiida (AIIDA_PATH=bench/aiida); the only
# state outside this folder is the PostgreSQL role+database "aiida_bench", the
# profile's queues on the shared RabbitMQ, and (once) /etc/rabbitmq/advanced.config.
#
# Environment overrides: PYTHON (interpreter for the venv, default python3),
# PGHOST/PGPORT (default 127.0.0.1:5432).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
PROFILE=bench
DB_NAME=aiida_bench
DB_USER=aiida_bench
# Local benchmark database on a trust-auth server; AiiDA insists on a password.
DB_PASS=aiida_bench
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
RMQ_ADVANCED=/etc/rabbitmq/advanced.config

export AIIDA_PATH="$HERE"
# Workers and verdi must not see a developer's own profile or a stray PYTHONPATH.
unset AIIDA_PROFILE || true

log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

PSQL_BASE=(psql -X -q -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U postgres)
VERDI="$VENV/bin/verdi"

# --- 1. virtualenv with aiida-core 2.9.x ----------------------------------
if ! "$VENV/bin/python" - <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
major, minor = (int(x) for x in version('aiida-core').split('.')[:2])
sys.exit(0 if (major, minor) >= (2, 9) and major < 3 else 1)
EOF
then
    log "creating virtualenv $VENV and installing aiida-core>=2.9,<3"
    [ -x "$VENV/bin/python" ] || "${PYTHON:-python3}" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check 'aiida-core>=2.9,<3' \
        2> >(grep -v "is neither a file nor a directory" >&2)
fi

# --- 2. RabbitMQ: consumer_timeout disabled ---------------------------------
# AiiDA asks for consumer_timeout to be disabled (a task acknowledged more than
# 30 min after delivery would otherwise close the worker's channel). The file
# makes it permanent; set_env applies it to the running node for every channel
# opened from now on, so the shared broker is never restarted.
rabbitmqctl -q ping >/dev/null 2>&1 || die "RabbitMQ does not answer on this machine (rabbitmqctl ping)"
if [ -f "$RMQ_ADVANCED" ] && grep -q consumer_timeout "$RMQ_ADVANCED"; then
    :
elif [ ! -s "$RMQ_ADVANCED" ]; then
    log "writing $RMQ_ADVANCED (consumer_timeout undefined)"
    printf '%s\n' '[{rabbit, [{consumer_timeout, undefined}]}].' > "$RMQ_ADVANCED"
else
    log "WARNING: $RMQ_ADVANCED exists without consumer_timeout; not editing it by hand-merging."
    log "         add {consumer_timeout, undefined} to its rabbit section to make the setting permanent."
fi
current="$(rabbitmqctl -q eval 'application:get_env(rabbit, consumer_timeout).' 2>/dev/null || true)"
case "$current" in
    *undefined*) ;;
    *)  log "RabbitMQ consumer_timeout is '$current' at run time; disabling it without a restart"
        rabbitmqctl -q eval 'application:set_env(rabbit, consumer_timeout, undefined).' >/dev/null \
            || log "WARNING: could not set consumer_timeout at run time (harmless for runs under 30 min)" ;;
esac

# --- 3. PostgreSQL: Debian's, default settings; its role and database -------
# A local server is installed and started if it is not (AiiDA as a normal user has
# it), and reached as the postgres user through its socket (Debian's peer
# authentication); AiiDA itself connects over TCP with the role's password.
if [ "$PGHOST" = 127.0.0.1 ] || [ "$PGHOST" = localhost ]; then
    if ! command -v pg_lsclusters >/dev/null 2>&1; then
        log "installing PostgreSQL (Debian's postgresql)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null
    fi
    if ! pg_lsclusters -h | grep -q online; then
        read -r pg_version pg_cluster _ < <(pg_lsclusters -h | head -1)
        log "starting PostgreSQL $pg_version/$pg_cluster"
        pg_ctlcluster "$pg_version" "$pg_cluster" start
    fi
    PSQL_BASE=(runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PGPORT")
fi
PSQL=("${PSQL_BASE[@]}" -d postgres)
"${PSQL[@]}" -Atc 'SELECT 1' >/dev/null || die "cannot reach PostgreSQL as postgres at $PGHOST:$PGPORT"
if [ "$("${PSQL[@]}" -Atc "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" != 1 ]; then
    log "creating PostgreSQL role $DB_USER"
    "${PSQL[@]}" -c "CREATE USER $DB_USER WITH PASSWORD '$DB_PASS'"
fi
db_exists="$("${PSQL[@]}" -Atc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")"

# --- 4. profile, computers, codes -------------------------------------------
# One Python call reports what is missing (verdi costs ~1 s per call, so the
# idempotent path must not call it once per check).
state="$("$VENV/bin/python" - "$PROFILE" <<'EOF'
import sys
import warnings
warnings.simplefilter('ignore')
from aiida.manage.configuration import get_config
profile = sys.argv[1]
try:
    config = get_config(create=True)
    config.get_profile(profile)
except Exception:
    print('no-profile')
    sys.exit(0)
from aiida import load_profile, orm
load_profile(profile)
missing = []
for label, login in (('localhost', True), ('localhost-nologin', False)):
    try:
        computer = orm.load_computer(label)
    except Exception:
        missing.append(f'computer:{label}')
        continue
    if not computer.is_configured:
        missing.append(f'configure:{label}')
    try:
        orm.load_code(f'bash@{label}')
    except Exception:
        missing.append(f'code:{label}')
print(' '.join(missing) or 'ok')
EOF
)" || die "could not inspect the AiiDA configuration under $HERE/.aiida"

if [ "$state" = no-profile ] || [ "$db_exists" != 1 ]; then
    # A profile without its database, or a database without its profile (whose
    # file repository lived in .aiida), cannot be reused: start both afresh.
    if [ "$state" != no-profile ]; then
        "$VERDI" -p "$PROFILE" daemon stop >/dev/null 2>&1 || true
        log "profile $PROFILE has lost its database: resetting $HERE/.aiida"
    fi
    rm -rf "$HERE/.aiida"
    if [ "$db_exists" = 1 ]; then
        log "dropping stale database $DB_NAME"
        "${PSQL[@]}" -c "DROP DATABASE $DB_NAME"
    fi
    log "creating database $DB_NAME"
    "${PSQL[@]}" -c "CREATE DATABASE $DB_NAME OWNER $DB_USER ENCODING 'UTF8' TEMPLATE template0"
    mkdir -p "$HERE/.aiida/repository"
    log "creating AiiDA profile $PROFILE"
    "$VERDI" profile setup core.psql_dos -n -p "$PROFILE" --set-as-default \
        --email bench@graphflow.invalid --first-name graphflow --last-name bench \
        --institution graphflow --broker core.rabbitmq \
        --database-hostname localhost --database-port "$PGPORT" \
        --database-username "$DB_USER" --database-password "$DB_PASS" \
        --database-name "$DB_NAME" --repository-uri "file://$HERE/.aiida/repository/$PROFILE" >&2
    "$VERDI" -p "$PROFILE" config set warnings.rabbitmq_version False >&2
    state="computer:localhost code:localhost computer:localhost-nologin code:localhost-nologin"
fi

for item in $state; do
    [ "$item" = ok ] && continue
    kind="${item%%:*}"
    label="${item#*:}"
    case "$kind" in
        computer)
            log "setting up computer $label"
            mkdir -p "$HERE/.aiida/work/$label"
            "$VERDI" -p "$PROFILE" computer setup -n -L "$label" -H localhost -T core.local \
                -S core.direct -w "$HERE/.aiida/work/$label" --mpiprocs-per-machine 1 >&2
            ;&  # a new computer also needs configuring
        configure)
            # localhost keeps AiiDA's default (commands through a login shell);
            # localhost-nologin measures W4 without this image's login-shell cost.
            if [ "$label" = localhost ]; then login=--use-login-shell; else login=--no-use-login-shell; fi
            log "configuring computer $label ($login)"
            "$VERDI" -p "$PROFILE" computer configure core.local "$label" -n "$login" >&2
            ;;
        code)
            log "creating code bash@$label"
            "$VERDI" -p "$PROFILE" code create core.code.installed -n --label bash \
                --computer "$label" --filepath-executable /bin/bash \
                --default-calc-job-plugin core.arithmetic.add >&2
            ;;
    esac
done

# --- 5. planner statistics ---------------------------------------------------
# Autovacuum ANALYZEs the benchmark database only after enough changes; a
# database just filled for W6 may have no statistics yet, and then the planner
# picks bad plans for AiiDA's recursive link queries (W6: 19 ms instead of 6 ms).
"${PSQL_BASE[@]}" -d "$DB_NAME" -c 'ANALYZE'

log "ready: AIIDA_PATH=$HERE profile=$PROFILE python=$VENV/bin/python"
