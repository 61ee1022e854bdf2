// Token revocation (RFC 7009) at sign-out, where the authorization server offers it.
import * as oidc from 'openid-client';
import type { Fetch } from '../http/fetch.js';
import type { SecretRecord } from '../store/secret-store.js';
import type { ServerState } from '../store/server-state.js';
import { clientConfiguration } from './client-config.js';
import type { AuthorizationServerMetadata } from './discovery.js';
import type { TetherError } from '../errors.js';
import { explainOAuthError, oauthErrorCode } from './oauth-errors.js';

/** What became of each token at the authorization server. */
export interface Revocation {
  /** The server offers no revocation endpoint (RFC 8414 revocation_endpoint). */
  offered: boolean;
  /** Token types the server revoked. */
  revoked: Array<'refresh token' | 'access token'>;
  /** Token types it does not revoke (RFC 7009 section 2.2.1, unsupported_token_type): not a failure. */
  unsupported: Array<'refresh token' | 'access token'>;
  /** Token types whose revocation failed, with the coded reason. */
  failed: Array<{ token: 'refresh token' | 'access token'; error: TetherError }>;
}

/**
 * RFC 7009: revokes the refresh token (which ends the grant) and then the access token, and says what became of
 * each. An `unsupported_token_type` answer is the server's right, not a failure; any other refusal is kept, coded.
 */
export async function revokeTokens(state: ServerState, secrets: SecretRecord | undefined, fetch: Fetch, allowHttp: boolean): Promise<Revocation> {
  const server = state.authorization_server as AuthorizationServerMetadata;
  const tokens = secrets?.tokens;
  const outcome: Revocation = { offered: server.revocation_endpoint !== undefined, revoked: [], unsupported: [], failed: [] };
  if (!tokens || !server.revocation_endpoint) return outcome;
  const config = clientConfiguration(
    server,
    {
      client_id: state.client.client_id,
      token_endpoint_auth_method: state.client.token_endpoint_auth_method,
      ...(secrets?.client_secret ? { client_secret: secrets.client_secret } : {}),
    },
    fetch,
    allowHttp,
  );
  const revoke = async (token: string, hint: 'refresh_token' | 'access_token', name: 'refresh token' | 'access token'): Promise<void> => {
    try {
      await oidc.tokenRevocation(config, token, { token_type_hint: hint });
      outcome.revoked.push(name);
    } catch (error) {
      if (oauthErrorCode(error) === 'unsupported_token_type') outcome.unsupported.push(name);
      else outcome.failed.push({ token: name, error: explainOAuthError(error, `Revoking the ${name} at ${server.issuer}`, { clientId: state.client.client_id, clientSource: state.client.source }) });
    }
  };
  if (tokens.refresh_token) await revoke(tokens.refresh_token, 'refresh_token', 'refresh token');
  await revoke(tokens.access_token, 'access_token', 'access token');
  return outcome;
}
