#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with a fresh, unlocked GNOME Keyring: the real Secret Service,
# never the developer's own keychain. Used by the tests, the demo and the benchmark.
#   bash test/with-keyring.sh <command> [args...]
set -euo pipefail
if [ -z "${TETHER_KEYRING_SESSION:-}" ]; then
  for tool in dbus-run-session gnome-keyring-daemon; do
    command -v "$tool" >/dev/null || { echo "with-keyring: $tool is missing; run bash .ci/test (it installs it) or apt-get install gnome-keyring dbus" >&2; exit 1; }
  done
  TETHER_KEYRING_SESSION=$(mktemp -d)
  export TETHER_KEYRING_SESSION
  export XDG_DATA_HOME="$TETHER_KEYRING_SESSION/data" XDG_RUNTIME_DIR="$TETHER_KEYRING_SESSION/run"
  mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
  status=0
  dbus-run-session -- bash "$0" "$@" 2> >(grep -v -e 'Failed to set fd limit' -e 'org.a11y.Bus' >&2) || status=$?
  rm -rf "$TETHER_KEYRING_SESSION"
  exit "$status"
fi
printf %s tether-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
"$@"
