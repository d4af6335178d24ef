#!/usr/bin/env bash
# Varnish in front of the portal, on 127.0.0.1 (Debian's varnish and varnish-modules).
#   scripts/varnish.sh start BACKEND_PORT [LISTEN_PORT]   prints the edge's URL
#   scripts/varnish.sh stop [LISTEN_PORT]
# The VCL is scripts/varnish/portal.vcl, rendered with the backend's port and
# EDGE_STALE_SECONDS (default 2). State lives in $VARNISH_RUN_DIR (default .cache/varnish-PORT).
set -euo pipefail
cd "$(dirname "$0")/.."

command="${1:-}"
if [ "$command" = start ]; then
  backend_port="${2:?usage: scripts/varnish.sh start BACKEND_PORT [LISTEN_PORT]}"
  port="${3:-6081}"
else
  port="${2:-6081}"
fi
run_dir="${VARNISH_RUN_DIR:-$PWD/.cache/varnish-$port}"

case "$command" in
  start)
    if ! command -v varnishd >/dev/null || ! ls /usr/lib/*/varnish/vmods/libvmod_xkey.so >/dev/null 2>&1; then
      echo "Installing Debian's varnish and varnish-modules..." >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -q >&2 && apt-get install -y -q varnish varnish-modules >&2
    fi
    mkdir -p "$run_dir"
    sed -e "s/@BACKEND_HOST@/127.0.0.1/" -e "s/@BACKEND_PORT@/$backend_port/" \
        -e "s/@STALE_SECONDS@/${EDGE_STALE_SECONDS:-2}/" scripts/varnish/portal.vcl >"$run_dir/portal.vcl"
    varnishd -a "127.0.0.1:$port" -f "$run_dir/portal.vcl" -n "$run_dir/instance" \
      -s "malloc,${VARNISH_MEMORY:-128m}" -P "$run_dir/varnish.pid" \
      -p default_ttl=0 -p default_grace=0 >&2
    echo "http://127.0.0.1:$port"
    ;;
  stop)
    if [ -f "$run_dir/varnish.pid" ]; then
      kill "$(cat "$run_dir/varnish.pid")" 2>/dev/null || true
      rm -f "$run_dir/varnish.pid"
    fi
    ;;
  *)
    echo "usage: scripts/varnish.sh start BACKEND_PORT [LISTEN_PORT] | stop [LISTEN_PORT]" >&2
    exit 2
    ;;
esac
