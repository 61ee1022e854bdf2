// A machine's own grants, with no user and no browser: client credentials (RFC 6749 section 4.4), jwt-bearer with
// a platform-issued JWT (RFC 7523 section 2.1), and enterprise-managed authorization (an ID-JAG, SEP-990).
import * as oidc from 'openid-client';
import { hasCode, TetherError } from '../errors.js';
import { readAssertion } from './assertion.js';
import { requestIdJag } from './enterprise.js';
import { currentIdToken } from './enterprise-sign-in.js';
import type { AuthorizationServerMetadata } from './discovery.js';
import { explainOAuthError } from './oauth-errors.js';
import type { RegisteredClient } from './registration.js';
import type { MachineFlow, SignInSettings } from './settings.js';

/** RFC 7523 section 2.1. */
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export type MachineGrantSettings = Pick<
  SignInSettings,
  'authorizeParams' | 'clientKey' | 'clientAssertion' | 'enterprise' | 'assertion' | 'fetch' | 'allowHttp' | 'log' | 'store' | 'stateDir' | 'authTimeoutMs' | 'callback' | 'openBrowser'
>;

/** What the sign-in decided before the grant: where, for which client, resource and scope, and how tokens are bound. */
export interface MachineGrant {
  server: AuthorizationServerMetadata;
  client: RegisteredClient;
  config: oidc.Configuration;
  scope: string | undefined;
  resource: string | undefined;
  /** openid-client's DPoP options for a token request (empty when not bound). */
  bound: oidc.DPoPOptions;
}

/** One token from the machine's grant; "refreshing" is asking again. */
export async function machineGrant(flow: MachineFlow, settings: MachineGrantSettings, grant: MachineGrant): Promise<oidc.TokenEndpointResponse> {
  const { server, client, config, scope, resource, bound } = grant;
  // No authorization request here: the parameters given for it (Auth0's audience) go to the token request instead.
  const parameters = { ...settings.authorizeParams, ...(scope ? { scope } : {}), ...(resource ? { resource } : {}) };
  const context = { clientId: client.registration.client_id, clientKey: settings.clientKey !== undefined, clientAssertion: settings.clientAssertion !== undefined, ...(scope ? { scope } : {}) };
  if (flow === 'enterprise') {
    // SEP-990: an ID-JAG from the company's identity provider, for this server's authorization server and resource.
    const idp = settings.enterprise;
    if (!idp) throw new TetherError('TETHER_INVALID_ARGUMENT', 'Enterprise-managed authorization needs --enterprise-idp.');
    const target = { audience: server.issuer, ...(resource ? { resource } : {}), ...(scope ? { scope } : {}) };
    const idToken = await currentIdToken(settings, idp);
    const assertion = await requestIdJag(settings, idp, idToken, target).catch(async (error: unknown) => {
      // mcp-tether's own sign-in at the identity provider, refused (revoked there): once more, with a new sign-in.
      if (idp.idToken || !hasCode(error, 'TETHER_GRANT_REVOKED')) throw error;
      return requestIdJag(settings, idp, await currentIdToken(settings, idp, idToken), target);
    });
    try {
      return await oidc.genericGrantRequest(config, JWT_BEARER, { assertion, ...(scope ? { scope } : {}) }, bound);
    } catch (error) {
      throw explainOAuthError(error, 'The jwt-bearer grant with the ID-JAG (enterprise-managed authorization)', context);
    }
  }
  if (flow === 'jwt-bearer') {
    // RFC 7523 section 2.1: the platform's JWT is the grant; the client authenticates as registered (often "none").
    if (!settings.assertion) throw new TetherError('TETHER_INVALID_ARGUMENT', 'The jwt-bearer grant needs --jwt-bearer-assertion.');
    const assertion = readAssertion(settings.assertion);
    try {
      return await oidc.genericGrantRequest(config, JWT_BEARER, { ...parameters, assertion }, bound);
    } catch (error) {
      throw explainOAuthError(error, 'The jwt-bearer grant (workload identity)', context);
    }
  }
  if (!client.client_secret && !settings.clientKey && !settings.clientAssertion) {
    throw new TetherError('TETHER_CONFIDENTIAL_CLIENT_REQUIRED', '--client-credentials needs a confidential client.', {
      hint: 'Pass --static-oauth-client-info with "client_id" and "client_secret", or with "client_id" and --client-private-key.',
    });
  }
  try {
    return await oidc.clientCredentialsGrant(config, parameters, bound);
  } catch (error) {
    throw explainOAuthError(error, 'The client credentials grant', context);
  }
}
