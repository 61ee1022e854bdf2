// Which client mcp-tether signs in as: the pre-registered one from --static-oauth-client-info, a stored
// registration that still fits, or a new one from dynamic client registration (RFC 7591).
import { TetherError } from '../errors.js';
import type { Fetch } from '../http/fetch.js';
import { registerSecret } from '../log.js';
import type { ClientRegistration } from '../store/server-state.js';
import type { AuthorizationServerMetadata } from './discovery.js';

export type { StaticClientInfo } from './static-client.js';

export interface RegisteredClient {
  registration: ClientRegistration;
  client_secret?: string;
  registration_access_token?: string;
}

/**
 * RFC 7592 section 2.1: whether the authorization server still knows a kept registration. Only a clear "no"
 * (401, 403, 404, or invalid_client) counts: a server that cannot be asked, or answers otherwise, keeps it.
 */
export async function stillRegistered(client: ClientRegistration, registrationAccessToken: string | undefined, fetch: Fetch): Promise<boolean> {
  if (!client.registration_client_uri || !registrationAccessToken) return true;
  try {
    const response = await fetch(client.registration_client_uri, { headers: { accept: 'application/json', authorization: `Bearer ${registrationAccessToken}` } });
    await response.body?.cancel().catch(() => undefined);
    return ![401, 403, 404].includes(response.status);
  } catch {
    return true;
  }
}

/** The redirect URI a stored or static client was registered with, if it is one we can listen on. */
export function registeredRedirect(redirectUris: string[] | undefined): URL | undefined {
  for (const uri of redirectUris ?? []) {
    try {
      const url = new URL(uri);
      if (url.protocol === 'http:') return url;
    } catch {
      // not a URL: skip it
    }
  }
  return undefined;
}

/** RFC 7591 section 3.1: the client registration request, a POST of the client's metadata as JSON. */
export function registrationRequest(registrationEndpoint: string, metadata: Record<string, unknown>, fetch: Fetch): Promise<Response> {
  return fetch(registrationEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(metadata),
  });
}

/** What to do where registration fails: register the client by hand, for the browser or the device flow. */
function registerByHand(redirectUri: string | undefined): string {
  return redirectUri === undefined
    ? 'Register a public client at the provider that may use the device authorization grant, and pass it with --static-oauth-client-info \'{"client_id":"<its id>"}\'.'
    : `Register a client at the provider with the redirect URI ${redirectUri} and pass it with --static-oauth-client-info.`;
}

/**
 * RFC 7591 sections 3.2.1 and 3.2.2: the registered client, or the coded error the server's answer amounts to. 201
 * is what the RFC says; 200 is accepted too (providers answer it), a body without a `client_id` is not.
 */
export async function processRegistrationResponse(response: Response, registrationEndpoint: string, redirectUri: string | undefined): Promise<RegisteredClient> {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(await response.text());
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    // leave empty: reported below
  }
  if (!response.ok || typeof body.client_id !== 'string') {
    const reason = typeof body.error === 'string' ? `${body.error}${body.error_description ? `: ${String(body.error_description)}` : ''}` : `HTTP ${response.status}`;
    throw new TetherError('TETHER_REGISTRATION_FAILED', `Dynamic client registration at ${registrationEndpoint} failed (${reason}).`, {
      hint: registerByHand(redirectUri),
    });
  }
  const secret = typeof body.client_secret === 'string' ? body.client_secret : undefined;
  const readToken = typeof body.registration_access_token === 'string' ? body.registration_access_token : undefined;
  const readUri = typeof body.registration_client_uri === 'string' && URL.canParse(body.registration_client_uri) ? body.registration_client_uri : undefined;
  registerSecret(secret);
  registerSecret(readToken);
  const method = typeof body.token_endpoint_auth_method === 'string' ? body.token_endpoint_auth_method : secret ? 'client_secret_basic' : 'none';
  if (method.startsWith('client_secret') && !secret) {
    throw new TetherError('TETHER_REGISTRATION_FAILED', `Dynamic client registration at ${registrationEndpoint} recorded a client that authenticates with ${method} but issued no client_secret.`, {
      hint: registerByHand(redirectUri),
    });
  }
  const registeredUris = Array.isArray(body.redirect_uris) ? body.redirect_uris.filter((uri): uri is string => typeof uri === 'string') : undefined;
  return {
    registration: {
      client_id: body.client_id,
      redirect_uris: registeredUris ?? (redirectUri ? [redirectUri] : []),
      token_endpoint_auth_method: method,
      source: 'dynamic',
      has_secret: secret !== undefined,
      ...(readUri && readToken ? { registration_client_uri: readUri } : {}),
    },
    ...(secret ? { client_secret: secret } : {}),
    ...(readUri && readToken ? { registration_access_token: readToken } : {}),
  };
}

/**
 * The token endpoint auth method to register with (RFC 7591 section 2): `none` (a public native client, RFC 8252)
 * where the server lists it or lists nothing; otherwise a secret method it lists, so that it issues a secret we can
 * use (a server that lists only client_secret_basic and client_secret_post may record a "none" client as
 * confidential and then refuse its code).
 */
export function registrationAuthMethod(server: Pick<AuthorizationServerMetadata, 'token_endpoint_auth_methods_supported'>): string {
  const supported = server.token_endpoint_auth_methods_supported;
  if (!supported?.length || supported.includes('none')) return 'none';
  if (supported.includes('client_secret_basic')) return 'client_secret_basic';
  if (supported.includes('client_secret_post')) return 'client_secret_post';
  return 'none';
}

/** TETHER_NO_DCR: the server registers no clients, with exactly what to register by hand (also said by `doctor`). */
export function noRegistration(server: Pick<AuthorizationServerMetadata, 'issuer'>, redirectUri: string | undefined): TetherError {
  return new TetherError('TETHER_NO_DCR', `The authorization server ${server.issuer} does not offer dynamic client registration.`, {
    hint:
      `Register a client at the provider with the redirect URI ${redirectUri ?? '(none: device sign-in)'} (a public "native"/"desktop" client), ` +
      `then pass --static-oauth-client-info '{"client_id":"<its id>"}' (add "client_secret" for a confidential client).`,
  });
}

/** RFC 7591 section 3: register a native client for this redirect URI (public where the server allows it). */
export async function registerClient(
  server: AuthorizationServerMetadata,
  grant: { redirectUri?: string; grantTypes: string[] },
  extraMetadata: Record<string, unknown>,
  scope: string | undefined,
  fetch: Fetch,
): Promise<RegisteredClient> {
  if (!server.registration_endpoint) throw noRegistration(server, grant.redirectUri);
  const metadata: Record<string, unknown> = {
    client_name: 'mcp-tether',
    redirect_uris: grant.redirectUri ? [grant.redirectUri] : [],
    grant_types: grant.grantTypes,
    response_types: grant.redirectUri ? ['code'] : [],
    token_endpoint_auth_method: registrationAuthMethod(server),
    application_type: 'native',
    ...(scope ? { scope } : {}),
    ...extraMetadata,
  };
  const response = await registrationRequest(server.registration_endpoint, metadata, fetch);
  return processRegistrationResponse(response, server.registration_endpoint, grant.redirectUri);
}
