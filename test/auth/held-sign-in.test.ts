// The sign-in a process holds (auth/held-sign-in.ts), against a store that can be locked: a locked keychain is never
// "not signed in" and is read again at most once a second (fake clock); another process's newer sign-in is adopted,
// the one just refused is not; a new sign-in for another client removes the old entry; revoked tokens keep the client.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HeldSignIn, REREAD_INTERVAL_MS } from '../../src/auth/held-sign-in.js';
import { fingerprint } from '../../src/auth/tokens.js';
import { hasCode, TetherError } from '../../src/errors.js';
import { Logger } from '../../src/log.js';
import type { SecretRecord } from '../../src/store/secret-store.js';
import type { ServerState } from '../../src/store/server-state.js';
import { entryName, loadSignIn, saveSignIn } from '../../src/store/sign-in-record.js';
import { LockableStore } from '../helpers/lockable-store.js';

const SERVER = new URL('https://mcp.example/mcp');

function stateFor(clientId: string, issuer = 'https://idp.example'): ServerState {
  return {
    server_url: SERVER.href,
    resource: SERVER.href,
    issuer,
    authorization_server: { issuer, token_endpoint: `${issuer}/token` },
    client: { client_id: clientId, redirect_uris: ['http://127.0.0.1:33418/callback'], token_endpoint_auth_method: 'none', source: 'dynamic', has_secret: false },
    updated_at: new Date(0).toISOString(),
  };
}

function secretsWith(accessToken: string): SecretRecord {
  return { tokens: { access_token: accessToken, token_type: 'Bearer', refresh_token: `r-${accessToken}`, obtained_at: Date.now(), expires_at: Date.now() + 3_600_000 } };
}

describe('HeldSignIn', () => {
  let stateDir: string;
  let store: LockableStore;
  let lines: string[];
  const held = (): HeldSignIn => {
    const settings = { stateDir, serverUrl: SERVER, store, log: new Logger('debug', (line) => lines.push(line)), useIdToken: false };
    return new HeldSignIn(settings, loadSignIn(stateDir, SERVER.href, store));
  };

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'tether-held-'));
    store = new LockableStore();
    lines = [];
  });
  afterEach(() => {
    vi.useRealTimers();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('a locked keychain is a coded reason, not "signed out"; it is read again at most once a second, and used once unlocked', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    await saveSignIn(stateDir, store, stateFor('c1'), secretsWith('a1'));
    store.locked = true;
    store.reads = 0;
    const sign = held();
    await sign.ready;
    expect(sign.bearer).toBeUndefined();
    expect(hasCode(sign.unreadableReason, 'TETHER_KEYCHAIN_LOCKED')).toBe(true);
    expect(sign.state?.client.client_id).toBe('c1'); // the state file was read: this is not "never signed in"

    await sign.readAgainIfUnreadable(); // the first request reads again at once
    const afterFirst = store.reads;
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(REREAD_INTERVAL_MS / 10 - 1);
      await sign.readAgainIfUnreadable(); // a burst of requests within the second: no more keychain reads
    }
    expect(store.reads).toBe(afterFirst);

    store.locked = false;
    vi.advanceTimersByTime(10);
    await sign.readAgainIfUnreadable();
    expect(sign.bearer).toBe('a1');
    expect(sign.unreadableReason).toBeUndefined();
    expect(lines.join('')).toContain(`The stored sign-in for ${SERVER.href} can be read again; using it.`);
  });

  it('adopts what another process stored, but not the credential that was just refused', async () => {
    await saveSignIn(stateDir, store, stateFor('c1'), secretsWith('a1'));
    const sign = held();
    await sign.ready;
    expect(await sign.adoptStored(fingerprint('a1'))).toBe(false); // the store still holds the refused one
    await saveSignIn(stateDir, store, stateFor('c1'), secretsWith('a2')); // another process refreshed meanwhile
    expect(await sign.adoptStored(fingerprint('a1'))).toBe(true);
    expect(sign.bearer).toBe('a2');
  });

  it('a registration kept from an abandoned sign-in (no tokens) is taken up, and is not "signed in"', async () => {
    const sign = held();
    await sign.ready;
    await saveSignIn(stateDir, store, stateFor('c-kept'), {});
    expect(await sign.adoptStored(undefined)).toBe(false);
    expect(sign.state?.client.client_id).toBe('c-kept');
    expect(sign.bearer).toBeUndefined();
  });

  it('a new sign-in with another client removes the old entry; revoked tokens go and the client stays', async () => {
    await saveSignIn(stateDir, store, stateFor('c1'), secretsWith('a1'));
    const sign = held();
    await sign.ready;
    const previous = sign.state;
    await sign.saveNew({ state: stateFor('c2'), secrets: secretsWith('b1') }, previous);
    expect(store.entries.has(entryName(stateFor('c1')))).toBe(false);
    expect(store.entries.has(entryName(stateFor('c2')))).toBe(true);

    await sign.dropTokens();
    const kept = JSON.parse(store.entries.get(entryName(stateFor('c2'))) ?? '{}') as SecretRecord;
    expect(kept.tokens).toBeUndefined();
    expect(sign.state?.client.client_id).toBe('c2');
    expect(sign.bearer).toBeUndefined();
  });

  it('a store that refuses the write keeps the credentials for this run and says so', async () => {
    const sign = held();
    await sign.ready;
    store.set = async () => {
      throw new TetherError('TETHER_KEYCHAIN_REFUSED', 'refused');
    };
    await sign.save(stateFor('c1'), secretsWith('a1'));
    expect(sign.bearer).toBe('a1');
    expect(lines.join('')).toContain('Could not save credentials to the test keychain: refused [TETHER_KEYCHAIN_REFUSED]. They are kept in memory for this run only.');
  });
});
