// status in words a person reads: how far an expiry is, and a server that is not usable says why and how to fix it.
import { describe, expect, it } from 'vitest';
import { formatStatus, relativeTime, type ServerStatus } from '../../src/cli/status.js';

describe('relativeTime', () => {
  const now = Date.UTC(2026, 11, 1, 12, 0, 0);
  it.each([
    [now + 42 * 60_000, 'in 42 min'],
    [now + 30_000, 'in 30 s'],
    [now + 5 * 3_600_000, 'in 5 h'],
    [now - 3 * 3_600_000, '3 h ago'],
    [now + 3 * 86_400_000, 'in 3 days'],
  ])('%i', (at, words) => {
    expect(relativeTime(at, now)).toBe(words);
  });
});

describe('formatStatus', () => {
  const base: ServerStatus = {
    server: 'https://gw.example/mcp',
    usable: true,
    account: 'alice@example.com',
    authorization_server: 'https://id.example',
    client_id: 'abc',
    client_source: 'dynamic',
    scope: 'mcp:tools',
    signed_in: true,
    access_token_expires_at: new Date(Date.UTC(2026, 11, 1, 12, 42)).toISOString(),
    refreshable: true,
    store: { kind: 'keychain', location: 'Secret Service (GNOME Keyring / KWallet)' },
    updated_at: '2026-12-01T12:00:00.000Z',
    check: null,
    error: null,
  };
  const now = Date.UTC(2026, 11, 1, 12, 0);

  it('a usable server: account, expiry in words, store', () => {
    const text = formatStatus([base], now);
    expect(text).toContain('ok  https://gw.example/mcp');
    expect(text).toContain('account:              alice@example.com');
    expect(text).toContain('expires in 42 min');
    expect(text).toContain(', refreshable');
    expect(text).toContain('stored in:            the Secret Service (GNOME Keyring / KWallet)');
  });

  it('a locked keychain: not usable, the code and its fix', () => {
    const text = formatStatus(
      [{ ...base, usable: false, signed_in: null, refreshable: null, access_token_expires_at: null, account: null, error: { code: 'TETHER_KEYCHAIN_LOCKED', message: 'The keychain is locked.', fix: 'Unlock it.' } }],
      now,
    );
    expect(text).toContain('NOT USABLE  https://gw.example/mcp');
    expect(text).toContain('unknown (the store cannot be read)');
    expect(text).toContain('The keychain is locked. [TETHER_KEYCHAIN_LOCKED]');
    expect(text).toContain('-> Unlock it.');
  });
});
