// Token revocation (RFC 7009) at sign-out, where the authorization server offers it.
import * as oidc from 'openid-client';
import type { Fetch } from '../http/fetch.js';
import type { SecretRecord } from '../store/secret-store.js';
import type { ServerState } from '../store/server-state.js';
import { clientConfiguration } from './client-config.js';
import type { AuthorizationServerMetadata } from './discovery.js';
import { explainOAuthError } from './oauth-errors.js';

export type RevocationOutcome = 'revoked' | 'not offered' | 'nothing to revoke';

/** Revokes the refresh token (which ends the grant) and the access token. Throws with a hint if the server refuses. */
export async function revokeTokens(state: ServerState, secrets: SecretRecord | undefined, fetch: Fetch, allowHttp: boolean): Promise<RevocationOutcome> {
  const server = state.authorization_server as AuthorizationServerMetadata;
  const tokens = secrets?.tokens;
  if (!tokens) return 'nothing to revoke';
  if (!server.revocation_endpoint) return 'not offered';
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
  try {
    if (tokens.refresh_token) await oidc.tokenRevocation(config, tokens.refresh_token, { token_type_hint: 'refresh_token' });
    await oidc.tokenRevocation(config, tokens.access_token, { token_type_hint: 'access_token' });
  } catch (error) {
    throw explainOAuthError(error, `Revoking the tokens at ${server.issuer}`, { clientId: state.client.client_id });
  }
  return 'revoked';
}
