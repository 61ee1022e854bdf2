// Which client a sign-in uses and how it proves itself: the pre-registered one (--static-oauth-client-info), a
// client ID metadata document, a kept registration that the server still knows, or a new registration (RFC 7591).
import type * as oidc from 'openid-client';
import { TetherError } from '../errors.js';
import type { SecretRecord } from '../store/secret-store.js';
import type { ServerState } from '../store/server-state.js';
import { readAssertion, type AssertionSource } from './assertion.js';
import { clientConfiguration, type ClientIdentity } from './client-config.js';
import type { AuthorizationServerMetadata } from './discovery.js';
import { oauthErrorCode } from './oauth-errors.js';
import { registerClient, stillRegistered, type RegisteredClient } from './registration.js';
import { staticClientProof, type SignInSettings } from './settings.js';

export type ClientChoiceSettings = Pick<SignInSettings, 'staticClient' | 'clientMetadataUrl' | 'clientMetadata' | 'fetch' | 'log'>;

/** The pre-registered client, else a stored registration that still fits, else a new registration. */
export async function resolveClient(
  settings: ClientChoiceSettings,
  server: AuthorizationServerMetadata,
  redirectUri: string | undefined,
  scope: string | undefined,
  sameServer: ServerState | undefined,
  storedSecrets: SecretRecord | undefined,
): Promise<RegisteredClient> {
  const storedSecret = storedSecrets?.client_secret;
  const { staticClient } = settings;
  if (staticClient) {
    return {
      registration: {
        client_id: staticClient.client_id,
        redirect_uris: staticClient.redirect_uris ?? (redirectUri ? [redirectUri] : []),
        token_endpoint_auth_method: staticClient.token_endpoint_auth_method ?? (staticClient.client_secret ? 'client_secret_basic' : 'none'),
        source: 'static',
        has_secret: staticClient.client_secret !== undefined,
      },
      ...(staticClient.client_secret ? { client_secret: staticClient.client_secret } : {}),
    };
  }
  if (settings.clientMetadataUrl) {
    if (server.client_id_metadata_document_supported === true) {
      // Client ID Metadata Document: the URL is the client id; the server fetches the metadata itself.
      return { registration: { client_id: settings.clientMetadataUrl, redirect_uris: redirectUri ? [redirectUri] : [], token_endpoint_auth_method: 'none', source: 'metadata-document', has_secret: false } };
    }
    settings.log.info(`${server.issuer} does not support client ID metadata documents; registering a client instead.`);
  }
  const stored = sameServer?.client;
  const fits = redirectUri ? stored?.redirect_uris.includes(redirectUri) : stored?.redirect_uris.length === 0;
  if (stored?.source === 'dynamic' && fits && (!stored.has_secret || storedSecret)) {
    const readToken = storedSecrets?.registration_access_token;
    if (await stillRegistered(stored, readToken, settings.fetch)) {
      return { registration: stored, ...(storedSecret ? { client_secret: storedSecret } : {}), ...(readToken ? { registration_access_token: readToken } : {}) };
    }
    settings.log.info(`${server.issuer} no longer knows the client mcp-tether registered earlier (${stored.client_id}); registering a new one.`);
  }
  settings.log.debug(`registering a client at ${server.registration_endpoint ?? server.issuer}`);
  const grantTypes = redirectUri ? ['authorization_code', 'refresh_token'] : ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'];
  return registerClient(server, { ...(redirectUri ? { redirectUri } : {}), grantTypes }, settings.clientMetadata, scope, settings.fetch);
}

/**
 * A client mcp-tether registered itself that the server now refuses (invalid_client, unauthorized_client) is not the
 * user's to fix: say so, and let the session forget it so that the next sign-in registers a new one.
 */
export function rejectedRegistration(error: unknown, client: RegisteredClient): never {
  const code = oauthErrorCode(error);
  if (client.registration.source !== 'dynamic' || (code !== 'invalid_client' && code !== 'unauthorized_client')) throw error;
  throw new TetherError('TETHER_REGISTRATION_REJECTED', 
    `The authorization server refused the client mcp-tether registered with it (${client.registration.client_id}: ${code}).`,
    { hint: 'mcp-tether forgets that registration; the next sign-in registers a new client. Restart the server in your IDE, or run mcp-tether login.', cause: error },
  );
}

/** What of a client is secret and kept with the tokens: its secret, and the token that reads its registration back. */
export function clientSecrets(client: RegisteredClient): SecretRecord {
  return {
    ...(client.client_secret ? { client_secret: client.client_secret } : {}),
    ...(client.registration_access_token ? { registration_access_token: client.registration_access_token } : {}),
  };
}

/** How the client identifies itself at the token endpoint. */
export function identityOf(client: RegisteredClient, settings: Pick<SignInSettings, 'clientKey' | 'clientAssertion'>): ClientIdentity {
  return {
    client_id: client.registration.client_id,
    token_endpoint_auth_method: client.registration.token_endpoint_auth_method,
    ...(client.client_secret ? { client_secret: client.client_secret } : {}),
    // The key or platform JWT belongs to the client given on the command line, never to one registered dynamically.
    ...(client.registration.source === 'static' ? staticClientProof(settings, platformJwt) : {}),
  };
}

/** --client-assertion's JWT, read now (platforms rotate it). */
function platformJwt(source: AssertionSource): string {
  return readAssertion(source, process.env, 'client assertion from your platform');
}

export function configurationFor(
  settings: Pick<SignInSettings, 'fetch' | 'allowHttp' | 'clientKey' | 'clientAssertion'>,
  server: AuthorizationServerMetadata, client: RegisteredClient): oidc.Configuration {
  return clientConfiguration(server, identityOf(client, settings), settings.fetch, settings.allowHttp);
}
