#!/usr/bin/env bash
# Runs a command inside a private network namespace that has only loopback, when this machine allows it
# (`unshare -n`, as root or with user namespaces). Elsewhere it runs the command as it is: every test
# talks to 127.0.0.1 only either way.
set -euo pipefail
if [ "${CALLS_NO_NETNS:-}" != "1" ] && command -v unshare >/dev/null 2>&1 \
  && unshare -n true 2>/dev/null; then
  quoted=$(printf '%q ' "$@")
  exec unshare -n sh -c "ip link set lo up 2>/dev/null || true; exec $quoted"
fi
exec "$@"
