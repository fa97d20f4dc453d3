#!/usr/bin/env bash
# Installs the Cypher linter used by tests/unit/test_cypher_files.py:
# tests/tools/cypher_lint/node_modules, from package-lock.json (npm ci), so the
# exact pinned @neo4j-cypher/language-support is used everywhere.
#
# Idempotent: when node_modules already matches package.json and
# package-lock.json (checked by a stamp file) it only checks that node runs.
# Fails loudly (exit 1) when node or npm is missing or too old.
#
# usage: scripts/install_cypher_lint.sh [--force]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOL_DIR="$ROOT/tests/tools/cypher_lint"
MODULES="$TOOL_DIR/node_modules"
STAMP="$MODULES/.graphflow-install-stamp"
PACKAGE="@neo4j-cypher/language-support"
MIN_NODE_MAJOR=18   # the pinned package needs node >= 18.18.2

die() {
    echo "install_cypher_lint.sh: ERROR: $*" >&2
    exit 1
}

force=0
case "${1-}" in
    "") ;;
    --force) force=1 ;;
    *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

command -v node >/dev/null 2>&1 \
    || die "node not found on PATH: install Node.js >= 18.18.2 (Debian: apt-get install nodejs npm)"
command -v npm >/dev/null 2>&1 \
    || die "npm not found on PATH: install npm (Debian: apt-get install npm)"

node_version="$(node --version)" || die "node does not run"
node_major="${node_version#v}"
node_major="${node_major%%.*}"
[[ "$node_major" =~ ^[0-9]+$ ]] && (( node_major >= MIN_NODE_MAJOR )) \
    || die "node $node_version is too old: $PACKAGE needs >= 18.18.2"

[[ -f "$TOOL_DIR/package.json" && -f "$TOOL_DIR/package-lock.json" ]] \
    || die "missing $TOOL_DIR/package.json or package-lock.json"

# The stamp records what was installed: the lock, package.json and node's
# major version. Same stamp and the package present: nothing to do.
want="$(cat "$TOOL_DIR/package.json" "$TOOL_DIR/package-lock.json" | sha256sum | cut -d' ' -f1) node$node_major"

if (( force == 0 )) && [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" \
        && -f "$MODULES/$PACKAGE/dist/cjs/index.cjs" ]]; then
    exit 0
fi

# Serialise concurrent installs (e.g. two test runs starting at once).
if command -v flock >/dev/null 2>&1; then
    lock="${TMPDIR:-/tmp}/graphflow-cypher-lint-$(printf '%s' "$TOOL_DIR" | sha256sum | cut -c1-16).lock"
    exec 9>"$lock"
    flock 9
    # Another run may have finished the install while we waited.
    if (( force == 0 )) && [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" \
            && -f "$MODULES/$PACKAGE/dist/cjs/index.cjs" ]]; then
        exit 0
    fi
fi

echo "install_cypher_lint.sh: installing $PACKAGE into $MODULES (npm ci)" >&2
(cd "$TOOL_DIR" && npm ci --no-audit --no-fund --loglevel=error) >&2 \
    || die "npm ci failed in $TOOL_DIR"

# Check the tool runs before saying it is installed.
version="$(node "$TOOL_DIR/lint.mjs" --version)" \
    || die "node $TOOL_DIR/lint.mjs --version failed after install"
printf '%s\n' "$want" > "$STAMP"
echo "install_cypher_lint.sh: installed $version" >&2
