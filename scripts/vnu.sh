#!/usr/bin/env bash
# The W3C Nu Html Checker (nu.validator:validator from Maven Central), offline.
#
#   scripts/vnu.sh resolve          fetch its jars once; print the lib folder on stdout
#   scripts/vnu.sh check DIR...     validate every .html file in DIR (one JVM for all);
#                                   prints one line per error, exits 1 when there is one
#
# The jars go into a git-ignored cache, $VNU_DIR/<version>/lib (default
# .cache/vnu in the repository); a `.complete` marker tells a finished download
# from one cut short, so later runs start the JVM at once.
#
# Exit codes: 0 ok, 1 failure (or errors found by `check`), 2 usage,
# 3 prerequisite missing (java; mvn to resolve a cold cache): callers treat 3
# as "skip the HTML validity test". The test suite runs `resolve` itself, and
# .ci/run runs it before the tests so that CI has the jars.
#
# Environment:
#   VNU_VERSION   default 26.5.2
#   VNU_DIR       cache folder (default <repository>/.cache/vnu)
#   VNU_JAVA      java binary (default: java on PATH; Java 11+)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=${VNU_VERSION:-26.5.2}
CACHE=${VNU_DIR:-$ROOT/.cache/vnu}
LIB=$CACHE/$VERSION/lib
JAVA=${VNU_JAVA:-java}

log() { echo "vnu: $*" >&2; }
die() { log "$*"; exit 1; }
missing() { log "$*"; exit 3; }
need() {  # need CMD WHY: exit 3 when a prerequisite is missing
  command -v "$1" >/dev/null 2>&1 || missing "'$1' not found ($2)"
}
# shellcheck source=scripts/maven.sh
. "$(dirname "$0")/maven.sh"  # mvn_quiet, write_pom, resolve_jars

resolve() {
  need "$JAVA" "the Nu Html Checker runs on Java 11 or later"
  resolve_jars nu.validator validator "$VERSION" "$LIB"
  echo "$LIB"
}

check() {
  [ $# -gt 0 ] || { echo "usage: $0 check DIR..." >&2; exit 2; }
  local dir
  for dir in "$@"; do [ -d "$dir" ] || die "no such folder: $dir"; done
  resolve >/dev/null
  # --format gnu: "file":line.col-line.col: error: message; --errors-only drops warnings.
  "$JAVA" -Xss8m -cp "$LIB/*" nu.validator.client.SimpleCommandLineValidator \
    --format gnu --errors-only --skip-non-html "$@"
}

case "${1:-}" in
  resolve) resolve ;;
  check) shift; check "$@" ;;
  *) echo "usage: $0 resolve | check DIR..." >&2; exit 2 ;;
esac
