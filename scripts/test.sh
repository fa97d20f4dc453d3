#!/usr/bin/env bash
# Install what the test suite needs, start the real services it uses, and run it all.
#
#   scripts/test.sh [PYTEST ARGS...]
#
# 1. Debian packages (sshd, SLURM + munge, Grid Engine, RabbitMQ, graphviz, Node.js, ...)
# 2. a virtual environment (.venv by default) with graphflow and its test extras
# 3. the Cypher linter (Neo4j's own parser, on Node.js)
# 4. the real services on loopback: RabbitMQ (found running, or started), sshd, SLURM,
#    Grid Engine — scripts/services/services.sh
# 5. static checks: ruff, mypy, import layering
# 6. pytest over tests/ (unit, integration, chaos); zero tests collected is a failure
#
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

step "tests"
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
    echo "no test ran: that is a failure, not a pass" >&2
    exit 1
fi
echo "$tests_run tests ran"
