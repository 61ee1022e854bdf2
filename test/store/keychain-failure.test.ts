// A keychain's own words, classified: locked (unlock it, nothing is lost), unavailable (no D-Bus, no Secret
// Service), or refused. The texts are what @napi-rs/keyring and secret-tool say (GNOME Keyring, macOS).
import { describe, expect, it } from 'vitest';
import { keychainFailure } from '../../src/store/keychain-store.js';

describe('keychainFailure', () => {
  it.each([
    ["Couldn't access platform storage: Secret Service: unlock prompt was dismissed", 'TETHER_KEYCHAIN_LOCKED'],
    ['Cannot create an item in a locked collection', 'TETHER_KEYCHAIN_LOCKED'],
    ["Couldn't access platform secure storage: Secret Service: prompt dismissed", 'TETHER_KEYCHAIN_LOCKED'],
    ['Platform secure storage failure: DBus error: Failed to connect to socket', 'TETHER_KEYCHAIN_UNAVAILABLE'],
    ['User interaction is not allowed. (-25308)', 'TETHER_KEYCHAIN_LOCKED'],
    ['Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead', 'TETHER_KEYCHAIN_UNAVAILABLE'],
    ['Platform failure: DBus error: Failed to connect to socket /nonexistent/bus: No such file or directory', 'TETHER_KEYCHAIN_UNAVAILABLE'],
    ['Platform failure: DBus error: The name org.freedesktop.secrets was not provided by any .service files', 'TETHER_KEYCHAIN_UNAVAILABLE'],
    ['Attribute too long for platform', 'TETHER_KEYCHAIN_REFUSED'],
  ])('%s', (words, code) => {
    expect(keychainFailure(words)).toBe(code);
  });
});
