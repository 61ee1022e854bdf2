// When the session refreshes and when it signs in (auth/session.ts), on a fake clock with the grant itself stood in
// (refresh.js and sign-in.js are mocked; the store, the lock and the state files are real): a token is refreshed a
// minute before it expires, once for many requests; a 401 gets one refresh, and a sign-in only when the refreshed token
// is refused too; a refresh the authorization server cannot serve, or a locked keychain, fails the call without a
// browser sign-in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OAuthSession } from '../../src/auth/session.js';
import type { AuthSettings } from '../../src/auth/settings.js';
import { hasCode, TetherError } from '../../src/errors.js';
import type { Fetch } from '../../src/http/fetch.js';
import { Logger } from '../../src/log.js';
import type { SecretRecord, StoredTokens } from '../../src/store/secret-store.js';
import type { ServerState } from '../../src/store/server-state.js';
import { loadSignIn, readSecrets, saveSignIn } from '../../src/store/sign-in-record.js';
import { LockableStore } from '../helpers/lockable-store.js';

const grants = vi.hoisted(() => ({ refreshTokens: vi.fn(), signIn: vi.fn() }));
vi.mock('../../src/auth/refresh.js', () => ({ refreshTokens: grants.refreshTokens }));
vi.mock('../../src/auth/sign-in.js', () => ({ signIn: grants.signIn }));

const SERVER = new URL('https://mcp.example/mcp');
const HOUR = 3_600_000;

const state: ServerState = {
  server_url: SERVER.href,
  resource: SERVER.href,
  issuer: 'https://idp.example',
  authorization_server: { issuer: 'https://idp.example', token_endpoint: 'https://idp.example/token' },
  client: { client_id: 'c1', redirect_uris: ['http://127.0.0.1:33418/callback'], token_endpoint_auth_method: 'none', source: 'dynamic', has_secret: false },
  updated_at: new Date(0).toISOString(),
};

function tokens(accessToken: string, lifetimeMs = HOUR, obtainedAt = Date.now()): StoredTokens {
  return { access_token: accessToken, token_type: 'Bearer', refresh_token: `r-${accessToken}`, obtained_at: obtainedAt, expires_at: obtainedAt + lifetimeMs };
}

describe('OAuthSession: when to refresh, when to sign in (fake clock)', () => {
  let stateDir: string;
  let store: LockableStore;
  const lines: string[] = [];

  const session = (): OAuthSession => {
    const settings: AuthSettings = {
      allowHttp: false,
      allowPrivateAuthServer: false,
      allowForeignResourceMetadata: false,
      clientMetadata: {},
      callback: { host: '127.0.0.1', path: '/callback' },
      authTimeoutMs: 300_000,
      disableResource: false,
      authorizeParams: {},
      assumePkce: false,
      useIdToken: false,
      flow: 'browser',
      dpop: true,
      serverUrl: SERVER,
      stateDir,
      store,
      fetch: () => Promise.reject(new Error('no network in this test')),
      log: new Logger('debug', (line) => lines.push(line)),
      openBrowser: async () => undefined,
    };
    return new OAuthSession(settings, loadSignIn(stateDir, SERVER.href, store));
  };
  /** The server as the transport meets it: 401 for any token but `accepted`. */
  const server = (accepted: () => string | undefined): Fetch => async (_input, init) =>
    new Headers(init?.headers).get('authorization') === `Bearer ${accepted()}` ? new Response('{}') : new Response(null, { status: 401 });
  const call = async (auth: OAuthSession, fetch: Fetch): Promise<Response> => {
    const token = await auth.token();
    return fetch(SERVER, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  };
  const stored = async (): Promise<SecretRecord | undefined> => readSecrets(state, store);

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-02T09:00:00Z') });
    stateDir = mkdtempSync(join(tmpdir(), 'tether-policy-'));
    store = new LockableStore();
    lines.length = 0;
    grants.refreshTokens.mockReset();
    grants.signIn.mockReset();
    await saveSignIn(stateDir, store, state, { tokens: tokens('a1') });
  });
  afterEach(() => {
    vi.useRealTimers();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('refreshes a minute before expiry, not before, and once for many requests at that moment; the new token is stored before use', async () => {
    const auth = session();
    grants.refreshTokens.mockImplementation(async () => tokens('a2'));
    vi.setSystemTime(Date.now() + HOUR - 61_000);
    expect(await auth.token()).toBe('a1');
    expect(grants.refreshTokens).not.toHaveBeenCalled();

    vi.setSystemTime(Date.now() + 2_000);
    const seen = await Promise.all(Array.from({ length: 8 }, () => auth.token()));
    expect(seen).toEqual(Array(8).fill('a2'));
    expect(grants.refreshTokens).toHaveBeenCalledTimes(1);
    expect((await stored())?.tokens?.access_token).toBe('a2');
  });

  it('a 401 gets one refresh; the refreshed token refused too leads to a sign-in, not a second refresh', async () => {
    await saveSignIn(stateDir, store, state, { tokens: tokens('a1', HOUR, Date.now() - 10 * 60_000) });
    const auth = session();
    let accepted = 'nothing yet';
    const fetch = auth.wrapFetch(server(() => accepted));
    grants.refreshTokens.mockImplementation(async () => tokens('a2'));
    grants.signIn.mockImplementation(async () => {
      accepted = 'a3';
      return { state, secrets: { tokens: tokens('a3') } };
    });

    const first = await call(auth, fetch);
    expect(first.status).toBe(401);
    await auth.onUnauthorized({ response: first });
    expect(grants.refreshTokens).toHaveBeenCalledTimes(1);
    expect(grants.signIn).not.toHaveBeenCalled();

    vi.setSystemTime(Date.now() + 5 * 60_000); // a2 is no longer new, and far from its expiry
    const second = await call(auth, fetch); // a2 refused too: the server wants another audience now
    expect(second.status).toBe(401);
    await auth.onUnauthorized({ response: second });
    expect(grants.refreshTokens).toHaveBeenCalledTimes(1);
    expect(grants.signIn).toHaveBeenCalledTimes(1);
    expect((await call(auth, fetch)).status).toBe(200);
    expect((await stored())?.tokens?.access_token).toBe('a3');
  });

  it('a token refused moments after it was obtained goes straight to a sign-in (a refresh would be refused the same way)', async () => {
    const auth = session();
    const fetch = auth.wrapFetch(server(() => 'a2'));
    grants.signIn.mockImplementation(async () => ({ state, secrets: { tokens: tokens('a2') } }));
    vi.setSystemTime(Date.now() + 5_000);
    await auth.onUnauthorized({ response: await call(auth, fetch) });
    expect(grants.refreshTokens).not.toHaveBeenCalled();
    expect(grants.signIn).toHaveBeenCalledTimes(1);
  });

  it('a refresh the authorization server cannot serve fails the call with its code, and opens no browser', async () => {
    await saveSignIn(stateDir, store, state, { tokens: tokens('a1', HOUR, Date.now() - 10 * 60_000) });
    const auth = session();
    const fetch = auth.wrapFetch(server(() => 'never'));
    grants.refreshTokens.mockRejectedValue(new TetherError('TETHER_AUTH_SERVER_UNAVAILABLE', 'The token endpoint answered 503.'));
    const refused = await auth.onUnauthorized({ response: await call(auth, fetch) }).catch((error: unknown) => error);
    expect(hasCode(refused, 'TETHER_AUTH_SERVER_UNAVAILABLE')).toBe(true);
    expect(grants.signIn).not.toHaveBeenCalled();
    expect((await stored())?.tokens?.access_token).toBe('a1'); // nothing lost
  });

  it('a locked keychain fails the call with TETHER_KEYCHAIN_LOCKED, opens no browser, and is read again once unlocked', async () => {
    store.locked = true;
    const auth = session();
    const fetch = auth.wrapFetch(server(() => 'a1'));
    const first = await call(auth, fetch);
    const refused = await auth.onUnauthorized({ response: first }).catch((error: unknown) => error);
    expect(hasCode(refused, 'TETHER_KEYCHAIN_LOCKED')).toBe(true);
    expect(grants.signIn).not.toHaveBeenCalled();

    store.locked = false;
    vi.setSystemTime(Date.now() + 1_500);
    expect((await call(auth, fetch)).status).toBe(200);
  });

  it('a revoked refresh token keeps the client and drops only the tokens, then signs in', async () => {
    await saveSignIn(stateDir, store, state, { tokens: tokens('a1', HOUR, Date.now() - 10 * 60_000) });
    const auth = session();
    const fetch = auth.wrapFetch(server(() => 'a3'));
    grants.refreshTokens.mockRejectedValue(new TetherError('TETHER_GRANT_REVOKED', 'invalid_grant'));
    grants.signIn.mockImplementation(async (_settings: unknown, _challenge: unknown, previous: { state?: ServerState; secrets?: SecretRecord }) => {
      expect(previous.state?.client.client_id).toBe('c1'); // the registration is reused
      expect(previous.secrets?.tokens).toBeUndefined();
      return { state, secrets: { tokens: tokens('a3') } };
    });
    await auth.onUnauthorized({ response: await call(auth, fetch) });
    expect(grants.signIn).toHaveBeenCalledTimes(1);
    expect((await call(auth, fetch)).status).toBe(200);
  });
});
