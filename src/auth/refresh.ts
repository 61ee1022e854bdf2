// The refresh token grant (RFC 6749 section 6) with the resource indicator or else the sign-in's scope, retried with
// backoff while the authorization server is unavailable; loaded only when a refresh is due.
import * as oidc from 'openid-client';
import { messageOf, TetherError } from '../errors.js';
import type { SecretRecord, StoredTokens } from '../store/secret-store.js';
import type { ServerState } from '../store/server-state.js';
import { clientConfiguration } from './client-config.js';
import type { AuthorizationServerMetadata } from './discovery.js';
import { readAssertion } from './assertion.js';
import { loadDPoPKey } from './dpop.js';
import { explainOAuthError, isTransient, oauthErrorCode } from './oauth-errors.js';
import { staticClientProof, type RefreshSettings } from './settings.js';
import { toStoredTokens } from './tokens.js';

const RETRIES = 3;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The refresh request's parameters besides the token (RFC 6749 section 6). With a resource indicator (RFC 8707
 * section 2.2) the server knows what the token is for, and no scope is sent: a narrower one would cost the ID token.
 * Without it (--disable-resource-parameter, or none known), the scope of the sign-in is sent, as asked for then (the
 * granted one when the sign-in asked for none): Entra ID refuses a refresh that names neither (AADSTS90009 when the
 * app is its own API). A server that refuses that scope (invalid_scope) is asked again without it.
 */
export function refreshParameters(tokens: StoredTokens, state: Pick<ServerState, 'resource' | 'scope'>, disableResource: boolean): { resource?: string; scope?: string } {
  const resource = disableResource ? undefined : state.resource;
  if (resource) return { resource };
  const scope = state.scope ?? tokens.scope;
  return scope ? { scope } : {};
}

/** New tokens for `secrets.tokens`, keeping the refresh token when the server does not rotate it. */
export async function refreshTokens(settings: RefreshSettings, state: ServerState, secrets: SecretRecord): Promise<StoredTokens> {
  const tokens = secrets.tokens;
  if (!tokens?.refresh_token) throw new TetherError('TETHER_GRANT_REVOKED', 'There is no refresh token to use.');
  const config = clientConfiguration(
    state.authorization_server as AuthorizationServerMetadata,
    {
      client_id: state.client.client_id,
      token_endpoint_auth_method: state.client.token_endpoint_auth_method,
      ...(secrets.client_secret ? { client_secret: secrets.client_secret } : {}),
      ...(state.client.source === 'static' ? staticClientProof(settings, (source) => readAssertion(source, process.env, 'client assertion from your platform')) : {}),
    },
    settings.fetch,
    settings.allowHttp,
  );
  // Tokens bound to a key are refreshed with a proof of it (RFC 9449 section 5): a public client's refresh token is bound too.
  const bound: oidc.DPoPOptions = secrets.dpop_key ? { DPoP: oidc.getDPoPHandle(config, (await loadDPoPKey(secrets.dpop_key)).pair) } : {};
  let parameters = refreshParameters(tokens, state, settings.disableResource);
  for (let attempt = 0; ; attempt++) {
    try {
      settings.log.debug(`refreshing the access token${parameters.scope ? ` (scope "${parameters.scope}")` : ''}`);
      const response = await oidc.refreshTokenGrant(config, tokens.refresh_token, parameters, bound);
      return toStoredTokens(response, tokens);
    } catch (error) {
      const explained = explainOAuthError(error, 'Refreshing the access token', { clientId: state.client.client_id, clientSource: state.client.source, clientKey: settings.clientKey !== undefined, clientAssertion: settings.clientAssertion !== undefined });
      if (oauthErrorCode(error) === 'invalid_scope' && parameters.scope) {
        // a server that keeps the scope of the grant apart from the one asked for: ask again without naming one
        settings.log.debug(`the server refused the scope on refresh (${messageOf(error)}); asking again without it`);
        const { scope: _refused, ...rest } = parameters;
        parameters = rest;
        continue;
      }
      if (oauthErrorCode(error) === 'invalid_grant') {
        throw new TetherError('TETHER_GRANT_REVOKED', explained.message, { hint: explained.hint, cause: error });
      }
      if (!isTransient(error)) throw explained;
      if (attempt >= RETRIES) throw new TetherError('TETHER_AUTH_SERVER_UNAVAILABLE', explained.message, { hint: 'Your stored sign-in is kept; mcp-tether will try again.', cause: error });
      settings.log.debug(`token refresh failed (${messageOf(error)}); retrying`);
      await sleep(250 * 2 ** attempt);
    }
  }
}
