#!/usr/bin/env bash
# Install what the test suite needs, start the real services it uses, and run it all.
#
#   scripts/test.sh [PYTEST ARGS...]
#
# 1. Debian packages (sshd, SLURM + munge, Grid Engine, RabbitMQ, graphviz, Node.js, ...)
# 2. a virtual environment (.venv by default) with graphflow and its test extras
# 3. the Cypher linter (Neo4j's own parser, on Node.js)
# 4. Neo4j 5.26 Community from Maven Central, cached outside the repository
#    (scripts/neo4j/install.sh); the suite starts it itself for its Neo4j pass
# 5. the real services on loopback: RabbitMQ (found running, or started), sshd, SLURM,
#    Grid Engine — scripts/services/services.sh
# 6. static checks: ruff, mypy, import layering
# 7. pytest over tests/ (unit, integration, chaos) on the embedded ArcadeDB, then the
#    integration suite again on Neo4j (GRAPHFLOW_TEST_STORE=neo4j; to use a Neo4j of your
#    own instead, set GRAPHFLOW_TEST_NEO4J_URI and GRAPHFLOW_TEST_NEO4J_PASSWORD);
#    zero tests run in either pass is a failure
#
# PYTEST ARGS go to both passes; with none, the Neo4j pass runs tests/integration.
# Exit status is non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${GRAPHFLOW_TEST_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

step() { printf '\n==> %s\n' "$*"; }

step "system packages"
if ((EUID == 0)); then
    scripts/services/install.sh
else
    sudo scripts/services/install.sh
fi

step "virtual environment $VENV"
if [[ ! -x $VENV/bin/python ]]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -c 'import sys; assert sys.version_info >= (3, 11), sys.version' \
    || { echo "graphflow needs Python >= 3.11 (set PYTHON=...)" >&2; exit 1; }
stamp="$VENV/.graphflow-install-stamp"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e ".[test]"
    echo "$want" >"$stamp"
else
    # the package itself may have moved (fresh clone): re-link it, without dependencies
    "$VENV/bin/python" -m pip install --quiet --no-deps -e .
fi
export PATH="$VENV/bin:$PATH"

step "Cypher linter"
scripts/install_cypher_lint.sh

step "Neo4j server"
GRAPHFLOW_NEO4J_LIB="$(scripts/neo4j/install.sh)"
export GRAPHFLOW_NEO4J_LIB

step "services"
scripts/services/services.sh start all
# shellcheck disable=SC1091
source "${GRAPHFLOW_SERVICES_DIR:-/tmp/graphflow-services}/env.sh"
stop_services() { scripts/services/services.sh stop sshd slurm sge || true; }
trap stop_services EXIT

step "static checks"
ruff check graphflow tests bench examples
ruff format --check graphflow tests bench examples
mypy graphflow
lint-imports

# run_pass NAME PYTEST-ARGS...: pytest with a JUnit report; fails when no test ran
run_pass() {
    local name=$1 report tests_run
    shift
    report="$(mktemp -t graphflow-junit-XXXXXX.xml)"
    pytest -p no:cacheprovider --junitxml="$report" "$@"
    tests_run="$("$VENV/bin/python" - "$report" <<'PY'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
print(sum(int(s.get("tests", 0)) - int(s.get("skipped", 0)) for s in suites))
PY
)"
    if ((tests_run == 0)); then
        echo "no test ran on $name: that is a failure, not a pass" >&2
        exit 1
    fi
    echo "$tests_run tests ran on $name"
}

step "tests on the embedded ArcadeDB"
run_pass ArcadeDB "$@"

step "integration tests on Neo4j"
if (($# == 0)); then
    set -- tests/integration
fi
GRAPHFLOW_TEST_STORE=neo4j run_pass Neo4j "$@"
