#!/usr/bin/env bash
# Run a command with OPENSEARCH_URL set: the one given, the local node if it is running, or a
# node started here and stopped again afterwards. When none starts, OPENSEARCH_URL is empty
# and the command decides what that means (make bench and fault-bench skip the engine;
# search-scale stops). Used by the Makefile's benchmarks.
set -uo pipefail
engine="$(dirname "$0")/search-engine.sh"
started=
if [ -z "${OPENSEARCH_URL:-}" ]; then
  if bash "$engine" status opensearch >/dev/null 2>&1; then
    OPENSEARCH_URL=http://127.0.0.1:${OPENSEARCH_PORT:-9200}
  elif OPENSEARCH_URL=$(bash "$engine" start opensearch); then
    started=1
  else
    echo "with-opensearch: OpenSearch did not start; $1 runs without it" >&2
    OPENSEARCH_URL=
  fi
fi
export OPENSEARCH_URL
"$@"
rc=$?
if [ -n "$started" ]; then bash "$engine" stop opensearch; fi
exit $rc
