// Enterprise-managed authorization (SEP-990, io.modelcontextprotocol/enterprise-managed-authorization): the user's
// ID token from the company's identity provider is exchanged there for an ID-JAG (RFC 8693 token exchange; the
// Identity Assertion JWT Authorization Grant draft), which the MCP server's authorization server takes as a
// jwt-bearer grant (RFC 7523 section 2.1). No browser at the MCP server's authorization server; renewed by exchanging again.
import * as oidc from 'openid-client';
import { TetherError } from '../errors.js';
import { registerSecret } from '../log.js';
import { clientConfiguration } from './client-config.js';
import { describeSource } from './assertion.js';
import { discoverAuthorizationServer, type AuthorizationServerMetadata } from './discovery.js';
import { explainOAuthError, oauthErrorCode } from './oauth-errors.js';
import type { EnterpriseIdp, SignInSettings } from './settings.js';

/** RFC 8693 section 2.1. */
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 8693 section 3. */
const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
/** The ID-JAG draft, section 9.1. */
export const ID_JAG_TYPE = 'urn:ietf:params:oauth:token-type:id-jag';

/** What the ID-JAG is for: the MCP server's authorization server (audience), the server itself, the scope. */
export interface JagTarget {
  audience: string;
  resource?: string;
  scope?: string;
}

/** The identity provider's metadata (OIDC discovery) and mcp-tether's client there, as openid-client sees it. */
export async function identityProviderConfiguration(
  settings: Pick<SignInSettings, 'fetch' | 'allowHttp'>,
  idp: EnterpriseIdp,
  trace: (line: string) => void,
): Promise<{ server: AuthorizationServerMetadata; config: oidc.Configuration }> {
  const server = await discoverAuthorizationServer(idp.issuer, settings.fetch, settings.allowHttp, {}, trace);
  if (!server.token_endpoint) {
    throw new TetherError('TETHER_METADATA_INVALID', `The identity provider ${server.issuer} publishes no token endpoint.`, { hint: 'Check --enterprise-idp.' });
  }
  const { client_id, client_secret, token_endpoint_auth_method } = idp.client;
  const identity = { client_id, ...(client_secret ? { client_secret } : {}), ...(token_endpoint_auth_method ? { token_endpoint_auth_method } : {}) };
  return { server, config: clientConfiguration(server, identity, settings.fetch, settings.allowHttp) };
}

/**
 * RFC 8693 section 2.1 at the identity provider: the ID token for an ID-JAG naming the MCP server's authorization
 * server and resource. Returns the ID-JAG (a JWT, short-lived: exchanged again rather than refreshed).
 */
export async function requestIdJag(settings: Pick<SignInSettings, 'fetch' | 'allowHttp' | 'log'>, idp: EnterpriseIdp, idToken: string, target: JagTarget): Promise<string> {
  const trace = (line: string): void => settings.log.debug(`enterprise sign-in: ${line}`);
  const { server, config } = await identityProviderConfiguration(settings, idp, trace);
  trace(`token exchange at ${server.token_endpoint}: ID token for an ID-JAG for ${target.audience}${target.resource ? ` (resource ${target.resource})` : ''}`);
  let response: oidc.TokenEndpointResponse;
  try {
    response = await oidc.genericGrantRequest(config, TOKEN_EXCHANGE, {
      requested_token_type: ID_JAG_TYPE,
      subject_token: idToken,
      subject_token_type: ID_TOKEN_TYPE,
      audience: target.audience,
      ...(target.resource ? { resource: target.resource } : {}),
      ...(target.scope ? { scope: target.scope } : {}),
    });
  } catch (error) {
    const explained = explainOAuthError(error, 'Exchanging your ID token at the identity provider (enterprise-managed authorization)', { clientId: idp.client.client_id });
    if (oauthErrorCode(error) !== 'invalid_grant') throw explained;
    throw new TetherError('TETHER_GRANT_REVOKED', explained.message, {
      hint: idp.idToken
        ? `The ID token in ${describeSource(idp.idToken)} has expired or was not issued to the client ${idp.client.client_id}. Sign in again with your company's SSO agent so that it holds a fresh one: mcp-tether reads it again on the next call.`
        : `The identity provider no longer accepts your sign-in there; mcp-tether signs you in at ${idp.issuer} again.`,
      cause: error,
    });
  }
  if (response.issued_token_type !== ID_JAG_TYPE) {
    throw new TetherError('TETHER_OAUTH_ERROR', `The identity provider ${server.issuer} answered the token exchange with ${String(response.issued_token_type ?? 'no issued_token_type')}, not an ID-JAG.`, {
      hint: 'The identity provider must support enterprise-managed authorization (ID-JAG) for this MCP server; ask its administrator.',
    });
  }
  registerSecret(response.access_token);
  return response.access_token;
}
