#!/usr/bin/env bash
# Fetches the Neo4j 5.26 Community server the test suite runs against, from Maven Central,
# into a cache outside the repository, and prints the folder of its jars.
#
#   scripts/neo4j/install.sh            # prints e.g. /root/.cache/graphflow/neo4j-5.26.30/lib
#
# The server is started by tests/support/neo4j_server.py with Neo4jServer.java (beside
# this script) on the machine's Java 17. Idempotent: a stamp holding the pom's digest
# says the cache is complete. Needs java (17+) and mvn; fails loudly without them.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
die() { echo "neo4j/install.sh: ERROR: $*" >&2; exit 1; }

command -v java >/dev/null 2>&1 || die "java not found: install Java 17 (apt-get install openjdk-17-jdk-headless)"
command -v mvn >/dev/null 2>&1 || die "mvn not found: install Maven (apt-get install maven)"
java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
[[ $java_major =~ ^[0-9]+$ ]] && ((java_major >= 17)) || die "Neo4j 5.26 needs Java 17 or newer, found '$java_major'"

version="$(sed -n 's:.*<neo4j.version>\(.*\)</neo4j.version>.*:\1:p' "$HERE/pom.xml")"
cache="${GRAPHFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/graphflow}/neo4j-$version"
lib="$cache/lib"
stamp="$cache/.complete"
want="$(sha256sum "$HERE/pom.xml" | cut -d' ' -f1)"
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    echo "neo4j/install.sh: fetching Neo4j $version from Maven Central into $cache" >&2
    rm -rf "$lib"
    mkdir -p "$cache"
    mvn -q -B -Dstyle.color=never -f "$HERE/pom.xml" dependency:copy-dependencies -DoutputDirectory="$lib" >&2 \
        || die "Maven could not fetch Neo4j $version (is Maven Central reachable?)"
    ls "$lib"/neo4j-bolt-*.jar >/dev/null 2>&1 || die "no neo4j-bolt jar in $lib after the fetch"
    echo "$want" >"$stamp"
fi
echo "$lib"
