// Token lifecycle rules (pure, with the clock as a parameter): when a refresh is due, what a token response becomes
// when stored (RFC 6749 section 6: a refresh without a new refresh token keeps the old one), and scope choice (MCP
// "Scope Selection Strategy": no invented defaults; step-up asks for the union).
import { describe, expect, it } from 'vitest';
import { selectScope, unionScopes } from '../../src/auth/scopes.js';
import { asBearer, checkTokenValues, jwtExpiry, MAX_TOKEN_LENGTH, refreshDue, refreshMargin, toStoredTokens } from '../../src/auth/tokens.js';
import { TetherError } from '../../src/errors.js';
import type { StoredTokens } from '../../src/store/secret-store.js';

const T0 = 1_800_000_000_000;
const tokens = (lifetimeMs: number | undefined, extra: Partial<StoredTokens> = {}): StoredTokens => ({
  access_token: 'a',
  token_type: 'bearer',
  obtained_at: T0,
  ...(lifetimeMs === undefined ? {} : { expires_at: T0 + lifetimeMs }),
  ...extra,
});
const jwt = (claims: Record<string, unknown>): string => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('refreshMargin and refreshDue', () => {
  it('refreshes a quarter of the lifetime early, at most a minute early', () => {
    expect(refreshMargin(tokens(40_000))).toBe(10_000);
    expect(refreshMargin(tokens(3_600_000))).toBe(60_000);
    expect(refreshDue(tokens(3_600_000), T0 + 3_539_999)).toBe(false);
    expect(refreshDue(tokens(3_600_000), T0 + 3_540_000)).toBe(true);
  });

  it('keeps at least a second of margin for short tokens, half the lifetime for the shortest, none without expiry', () => {
    expect(refreshMargin(tokens(2_000))).toBe(1_000);
    expect(refreshMargin(tokens(1_000))).toBe(500);
    expect(refreshMargin(tokens(undefined))).toBe(0);
    expect(refreshDue(tokens(undefined), T0 + 10 ** 12)).toBe(false);
  });

  it('never refreshes on every request: a 60 s token is due only in its last 15 s', () => {
    expect(refreshDue(tokens(60_000), T0 + 44_999)).toBe(false);
    expect(refreshDue(tokens(60_000), T0 + 45_000)).toBe(true);
  });
});

describe('toStoredTokens', () => {
  it('keeps the previous refresh token, scope and ID token when a refresh response omits them', () => {
    const previous = tokens(60_000, { refresh_token: 'r1', scope: 'a b', id_token: jwt({ exp: 1_900_000_000 }) });
    const stored = toStoredTokens({ access_token: 'a2', token_type: 'bearer', expires_in: 30 }, previous, T0 + 5_000);
    expect(stored).toMatchObject({ access_token: 'a2', refresh_token: 'r1', scope: 'a b', id_token: previous.id_token, id_token_expires_at: 1_900_000_000_000, expires_at: T0 + 35_000, obtained_at: T0 + 5_000 });
  });

  it('takes a rotated refresh token, and has no expiry when the server gives none', () => {
    const stored = toStoredTokens({ access_token: 'a2', token_type: 'bearer', refresh_token: 'r2' }, tokens(60_000, { refresh_token: 'r1' }), T0);
    expect(stored.refresh_token).toBe('r2');
    expect(stored.expires_at).toBeUndefined();
  });
});

describe('jwtExpiry and asBearer', () => {
  it('reads exp without verifying, and nothing from a non-JWT', () => {
    expect(jwtExpiry(jwt({ exp: 1_900_000_000 }))).toBe(1_900_000_000_000);
    expect(jwtExpiry('opaque')).toBeUndefined();
    expect(jwtExpiry(jwt({ exp: 'soon' }))).toBeUndefined();
  });

  it('with --use-id-token, the sooner of the two expiries counts', () => {
    const both = tokens(3_600_000, { id_token: 'x', id_token_expires_at: T0 + 600_000 });
    expect(asBearer(both, true).expires_at).toBe(T0 + 600_000);
    expect(asBearer(both, false).expires_at).toBe(T0 + 3_600_000);
    expect(asBearer(tokens(undefined, { id_token: 'x', id_token_expires_at: T0 + 5 }), true).expires_at).toBe(T0 + 5);
  });
});

describe('selectScope', () => {
  it('takes --scope first, then the challenge, then scopes_supported, else none at all', () => {
    expect(selectScope({ configured: 'mine', challenged: 'theirs', supported: ['x'] })).toBe('mine');
    expect(selectScope({ challenged: 'read', supported: ['x'] })).toBe('read');
    expect(selectScope({ supported: ['a', 'b'] })).toBe('a b');
    expect(selectScope({ supported: [] })).toBeUndefined();
    expect(selectScope({})).toBeUndefined();
  });

  it('on a 403 insufficient_scope asks for the union of what it had and what the server wants, once each', () => {
    expect(selectScope({ stepUp: true, previous: 'read', challenged: 'read write' })).toBe('read write');
    expect(selectScope({ stepUp: true, configured: 'base', previous: 'read', challenged: 'admin' })).toBe('base read admin');
  });

  it('a later challenge keeps what was granted before', () => {
    expect(selectScope({ challenged: 'write', previous: 'read' })).toBe('read write');
  });
});

describe('unionScopes', () => {
  it('splits on any whitespace, keeps first-seen order, and is undefined when empty', () => {
    expect(unionScopes('a  b', 'b\tc', undefined, '')).toBe('a b c');
    expect(unionScopes(undefined, '  ')).toBeUndefined();
  });
});

describe('checkTokenValues', () => {
  const refused = (response: Parameters<typeof checkTokenValues>[0]): string | undefined => {
    try {
      checkTokenValues(response);
      return undefined;
    } catch (error) {
      return error instanceof TetherError ? `${error.code}: ${error.message}` : String(error);
    }
  };

  it('accepts real tokens: a JWT, an opaque token, a long Entra-sized token, a refresh token with any characters', () => {
    expect(refused({ access_token: jwt({ sub: 'a' }), refresh_token: 'opaque rt/with+odd=chars', id_token: jwt({ sub: 'a' }) })).toBeUndefined();
    expect(refused({ access_token: 'x'.repeat(16 * 1024) })).toBeUndefined();
  });

  it('refuses a token beyond the bound, an empty access token, and a bearer token that would break a header; nothing is stored', () => {
    expect(refused({ access_token: 'x'.repeat(MAX_TOKEN_LENGTH + 1) })).toMatch(/^TETHER_TOKEN_REFUSED: .*access token is 64 KiB long/);
    expect(refused({ access_token: 'a', refresh_token: 'r'.repeat(MAX_TOKEN_LENGTH + 1) })).toMatch(/refresh token/);
    expect(refused({ access_token: '' })).toMatch(/access token is missing or empty/);
    expect(refused({ access_token: 'abc\r\nX-Injected: 1' })).toMatch(/characters a bearer token cannot have/);
    expect(refused({ access_token: 'a', id_token: 'has space' })).toMatch(/ID token holds characters/);
    expect(() => toStoredTokens({ access_token: 'y'.repeat(MAX_TOKEN_LENGTH + 1), token_type: 'bearer' })).toThrow(TetherError);
  });
});

