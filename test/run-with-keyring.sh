#!/usr/bin/env bash
# Runs vitest inside a private D-Bus session with a fresh, unlocked GNOME Keyring: the real Secret Service,
# never the developer's own keychain. Arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${TETHER_TEST_SESSION:-}" ]; then
  for tool in dbus-run-session gnome-keyring-daemon; do
    command -v "$tool" >/dev/null || { echo "test: $tool is missing; run bash .ci/test (it installs it) or apt-get install gnome-keyring dbus" >&2; exit 1; }
  done
  TETHER_TEST_SESSION=$(mktemp -d)
  export TETHER_TEST_SESSION
  export XDG_DATA_HOME="$TETHER_TEST_SESSION/data" XDG_RUNTIME_DIR="$TETHER_TEST_SESSION/run"
  mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
  exec dbus-run-session -- "$0" "$@" 2> >(grep -v 'Failed to set fd limit' >&2)
fi
printf %s tether-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
exec npx vitest run --config test/vitest.config.ts "$@"
