// Token lifecycle rules: what a token response becomes when stored, and when to refresh
// (before expiry, in proportion to the token's lifetime, never on every request).
import { createHash } from 'node:crypto';
import type { TokenEndpointResponse } from 'openid-client';
import { TetherError } from '../errors.js';
import { registerSecret } from '../log.js';
import type { StoredTokens } from '../store/secret-store.js';

/**
 * Refresh this long before expiry: a quarter of the lifetime, at most a minute, and at least a second (`exp` is
 * whole seconds, so a token may end up to a second before `expires_in` says) unless the token lives under two.
 */
export function refreshMargin(tokens: StoredTokens): number {
  if (tokens.expires_at === undefined) return 0;
  const lifetime = Math.max(0, tokens.expires_at - tokens.obtained_at);
  return Math.min(60_000, Math.max(lifetime / 4, Math.min(1_000, lifetime / 2)));
}

export function refreshDue(tokens: StoredTokens, now = Date.now()): boolean {
  return tokens.expires_at !== undefined && now >= tokens.expires_at - refreshMargin(tokens);
}

/** Longer than any token a real server issues (Entra ID tokens with many groups stay under 16 KiB). */
export const MAX_TOKEN_LENGTH = 64 * 1024;
/** What a bearer token may hold: visible ASCII, no space (RFC 6750 section 2.1 is narrower; this keeps headers whole). */
const BEARER = /^[\x21-\x7e]+$/;

/**
 * Refuses a token answer no real server sends, before anything is stored or sent: a token beyond MAX_TOKEN_LENGTH, an
 * empty access token, or one with characters a header cannot carry. The stored sign-in is kept; nothing falls back to
 * another store for it.
 */
export function checkTokenValues(response: Pick<TokenEndpointResponse, 'access_token' | 'refresh_token' | 'id_token'>): void {
  const values: Array<[string, unknown]> = [
    ['access token', response.access_token],
    ['refresh token', response.refresh_token],
    ['ID token', response.id_token],
  ];
  for (const [name, value] of values) {
    if (value === undefined && name !== 'access token') continue;
    const problem =
      typeof value !== 'string' || value.length === 0
        ? 'is missing or empty'
        : value.length > MAX_TOKEN_LENGTH
          ? `is ${Math.round(value.length / 1024)} KiB long, beyond any real token`
          : name !== 'refresh token' && !BEARER.test(value)
            ? 'holds characters a bearer token cannot have'
            : undefined;
    if (problem) {
      throw new TetherError('TETHER_TOKEN_REFUSED', `The authorization server's ${name} ${problem}; it was not stored.`);
    }
  }
}

/**
 * The stored form of a token response. A refresh response without a refresh token keeps the previous one
 * (RFC 6749 section 6: rotation is optional; Cognito does not rotate by default).
 */
export function toStoredTokens(response: TokenEndpointResponse, previous?: StoredTokens, now = Date.now()): StoredTokens {
  checkTokenValues(response);
  registerSecret(response.access_token);
  registerSecret(response.refresh_token);
  registerSecret(response.id_token);
  const refresh = response.refresh_token ?? previous?.refresh_token;
  const scope = response.scope ?? previous?.scope;
  // A refresh response may omit the ID token (OIDC Core 12.2): keep the one we have.
  const idToken = response.id_token ?? previous?.id_token;
  const idTokenExpiry = idToken ? jwtExpiry(idToken) : undefined;
  return {
    access_token: response.access_token,
    token_type: response.token_type ?? 'bearer',
    ...(refresh ? { refresh_token: refresh } : {}),
    ...(idToken ? { id_token: idToken } : {}),
    ...(idTokenExpiry !== undefined ? { id_token_expires_at: idTokenExpiry } : {}),
    ...(scope ? { scope } : {}),
    ...(typeof response.expires_in === 'number' ? { expires_at: now + response.expires_in * 1000 } : {}),
    obtained_at: now,
  };
}

/** The `exp` of a JWT in epoch ms, read without verification (only to schedule a refresh). */
export function jwtExpiry(jwt: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** The tokens as seen by the bearer in use: with --use-id-token, the ID token's own expiry counts too. */
export function asBearer(tokens: StoredTokens, useIdToken: boolean): StoredTokens {
  if (!useIdToken || tokens.id_token_expires_at === undefined) return tokens;
  const expiresAt = tokens.expires_at === undefined ? tokens.id_token_expires_at : Math.min(tokens.expires_at, tokens.id_token_expires_at);
  return { ...tokens, expires_at: expiresAt };
}

/** A short one-way fingerprint of a token, to compare tokens across processes without passing the token itself. */
export function fingerprint(token: string | undefined): string | undefined {
  return token === undefined ? undefined : createHash('sha256').update(token).digest('base64url').slice(0, 22);
}

/** The claims of a JWT, unverified (for words shown to the user, never for a decision); {} when it is not one. */
export function jwtClaims(jwt: string | undefined): Record<string, unknown> {
  try {
    const payload: unknown = JSON.parse(Buffer.from(jwt?.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The signed-in account, in the words the provider uses (email, user name, subject), from the ID or access token. */
export function accountOf(accessToken: string | undefined, idToken: string | undefined): string | undefined {
  const claims: Record<string, unknown> = { ...jwtClaims(accessToken), ...jwtClaims(idToken) };
  for (const key of ['email', 'preferred_username', 'upn', 'username', 'name', 'sub']) {
    const value = claims[key];
    if (typeof value === 'string' && value) return value;
  }
  return undefined;
}

/** Whether tokens of this type are presented with the DPoP scheme and a proof (RFC 9449 section 7.1). */
export function isDPoPBound(tokenType: string | undefined): boolean {
  return tokenType?.toLowerCase() === 'dpop';
}
