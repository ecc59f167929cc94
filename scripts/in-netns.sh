#!/usr/bin/env bash
# Runs a command inside a private network namespace that looks like an ordinary machine: loopback plus a veth
# pair carrying 198.18.0.1/24 and 198.18.0.2/24 (the benchmarking range), so browsers see interface
# addresses as on any computer and the SFU announces them by its own detection.
# Nothing leaves the namespace: it has no link to the outside. The default route (to the veth's own peer, so
# still nothing leaves) is there because an ordinary machine has one: Firefox counts a machine without it as
# offline and gathers no ICE candidates at all. Name lookups go to a resolver on 127.0.0.1 that is not there,
# so a lookup of an outside name fails at once, as on a machine whose local resolver knows no outside names
# (without this, a lookup such as werift's default STUN server would wait for a resolver nobody can reach).
# Where this machine does not allow it (`unshare -n -m` and veth need root or user namespaces), or with
# CALLS_NO_NETNS=1, the command runs on the machine's own interfaces, the same way.
set -euo pipefail
setup='ip link set lo up &&
  ip link add cr0 type veth peer name cr1 &&
  ip addr add 198.18.0.1/24 dev cr0 && ip addr add 198.18.0.2/24 dev cr1 &&
  ip link set cr0 up && ip link set cr1 up &&
  ip route add default via 198.18.0.2 dev cr0 &&
  mount --make-rprivate / &&
  resolv=$(mktemp) && echo "nameserver 127.0.0.1" > "$resolv" && mount --bind "$resolv" /etc/resolv.conf && rm -f "$resolv"'
if [ "${CALLS_NO_NETNS:-}" != "1" ] && command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 \
  && unshare -n -m sh -c "$setup" 2>/dev/null; then
  exec unshare -n -m sh -c "$setup && exec \"\$@\"" sh "$@"
fi
exec "$@"
