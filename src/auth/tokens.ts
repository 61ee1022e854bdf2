// Token lifecycle rules: what a token response becomes when stored, and when to refresh
// (before expiry, in proportion to the token's lifetime, never on every request).
import type { TokenEndpointResponse } from 'openid-client';
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

export function expired(tokens: StoredTokens, now = Date.now()): boolean {
  return tokens.expires_at !== undefined && now >= tokens.expires_at;
}

/**
 * The stored form of a token response. A refresh response without a refresh token keeps the previous one
 * (RFC 6749 section 6: rotation is optional; Cognito does not rotate by default).
 */
export function toStoredTokens(response: TokenEndpointResponse, previous?: StoredTokens, now = Date.now()): StoredTokens {
  registerSecret(response.access_token);
  registerSecret(response.refresh_token);
  registerSecret(response.id_token);
  const refresh = response.refresh_token ?? previous?.refresh_token;
  const scope = response.scope ?? previous?.scope;
  return {
    access_token: response.access_token,
    token_type: response.token_type ?? 'bearer',
    ...(refresh ? { refresh_token: refresh } : {}),
    ...(response.id_token ? { id_token: response.id_token } : {}),
    ...(scope ? { scope } : {}),
    ...(typeof response.expires_in === 'number' ? { expires_at: now + response.expires_in * 1000 } : {}),
    obtained_at: now,
  };
}
