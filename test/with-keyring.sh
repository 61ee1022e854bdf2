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
  # stderr through a filter for D-Bus's own noise, in a pipeline the shell waits for (line by line), so that nothing
  # printed during the run can land after the command's last line (.ci/test's closing "N passed, N failed").
  set +e
  { dbus-run-session -- bash "$0" "$@" 2>&1 1>&3 3>&- | grep --line-buffered -v -e 'Failed to set fd limit' -e 'org.a11y.Bus' >&2; } 3>&1
  status=${PIPESTATUS[0]}
  set -e
  rm -rf "$TETHER_KEYRING_SESSION"
  exit "$status"
fi
# A daemon D-Bus starts on demand gets this session's folders (the same keyring on disk), not the defaults.
dbus-update-activation-environment XDG_DATA_HOME XDG_RUNTIME_DIR 2>/dev/null || true
printf %s tether-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null

# This session's daemon (the tests' private keyrings run daemons of their own, with other folders).
keyring_pid() {
  local pid
  for pid in $(pgrep -x gnome-keyring-d); do
    if tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qx "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR"; then echo "$pid"; return; fi
  done
}
# GNOME Keyring has been seen to abort on a glib assertion under the suite's load (once in many runs); D-Bus would
# then start a locked one, and every later test would fail for a reason not theirs. The watchdog says so and puts an
# unlocked daemon back on the same keyring file.
watchdog() {
  local pid
  pid=$(keyring_pid)
  while sleep 1; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then continue; fi
    echo "with-keyring: the test keyring daemon ${pid:+(pid $pid) }is gone; starting it again, unlocked" >&2
    printf %s tether-test | gnome-keyring-daemon --replace --unlock --components=secrets >/dev/null 2>&1 || true
    sleep 0.5
    pid=$(keyring_pid)
  done
}
watchdog &
watchdog_pid=$!
status=0
"$@" || status=$?
kill "$watchdog_pid" 2>/dev/null || true
exit "$status"
