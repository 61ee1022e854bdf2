// The OAuth client as openid-client sees it: one Configuration built from the authorization server's metadata,
// the client registration, and how the client authenticates at the token endpoint (RFC 6749 section 2.3).
import * as oidc from 'openid-client';
import { TetherError } from '../errors.js';
import type { Fetch } from '../http/fetch.js';
import { isLoopbackHost } from '../http/url.js';
import type { AuthorizationServerMetadata } from './discovery.js';

export interface ClientIdentity {
  client_id: string;
  client_secret?: string;
  token_endpoint_auth_method?: string;
  /** --client-private-key: the client authenticates with a signed JWT (private_key_jwt, RFC 7523 section 2.2). */
  private_key?: oidc.PrivateKey;
  /**
   * --client-assertion: the client authenticates with a JWT its platform issued (RFC 7523 section 2.2; Entra ID's
   * federated credentials), read again for every request.
   */
  client_assertion?: () => string;
}

/**
 * private_key_jwt when the client has a key; else client_secret_basic / client_secret_post / none, as the client says
 * or else as the server supports (RFC 8414 section 2: the default is client_secret_basic).
 */
export function chooseAuthMethod(client: ClientIdentity, server: AuthorizationServerMetadata): string {
  const listed = server.token_endpoint_auth_methods_supported;
  const keyTaken = !Array.isArray(listed) || listed.includes('private_key_jwt');
  // A key the server does not list, beside a secret: the secret (the server's list decides, RFC 8414 section 2).
  if ((client.private_key || client.client_assertion) && (keyTaken || !client.client_secret)) return 'private_key_jwt';
  if (!client.client_secret) return 'none';
  if (client.token_endpoint_auth_method && client.token_endpoint_auth_method !== 'none') return client.token_endpoint_auth_method;
  const supported = server.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  return supported.includes('client_secret_basic') || !supported.includes('client_secret_post') ? 'client_secret_basic' : 'client_secret_post';
}

/** application/x-www-form-urlencoded encoding of one value, as RFC 6749 section 2.3.1 prescribes for Basic. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/**
 * client_secret_basic (RFC 6749 section 2.3.1). Written here rather than taken from openid-client, whose encoder
 * also escapes "-", "." and "_"; servers that compare the decoded header without form-decoding then reject it.
 */
function clientSecretBasic(secret: string): oidc.ClientAuth {
  return (_server, client, _body, headers) => {
    headers.set('authorization', `Basic ${Buffer.from(`${formEncode(client.client_id)}:${formEncode(secret)}`).toString('base64')}`);
  };
}

/** RFC 7523 section 2.2 with a JWT the platform issued (not signed here): the current one, for each request. */
function platformAssertion(read: () => string): oidc.ClientAuth {
  return (_server, client, body) => {
    body.set('client_id', client.client_id);
    body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    body.set('client_assertion', read());
  };
}

function clientAuthentication(method: string, client: ClientIdentity): oidc.ClientAuth {
  const secret = client.client_secret;
  switch (method) {
    case 'private_key_jwt':
      // openid-client signs a fresh assertion (jti, 60 s exp) for each request, its audience the issuer.
      if (client.private_key) return oidc.PrivateKeyJwt(client.private_key);
      if (client.client_assertion) return platformAssertion(client.client_assertion);
      return oidc.None();
    case 'client_secret_post':
      return oidc.ClientSecretPost(secret);
    case 'client_secret_basic':
      return clientSecretBasic(secret ?? '');
    default:
      return oidc.None();
  }
}

export function clientConfiguration(
  server: AuthorizationServerMetadata,
  client: ClientIdentity,
  fetch: Fetch,
  allowHttp: boolean,
): oidc.Configuration {
  const method = chooseAuthMethod(client, server);
  const listed = server.token_endpoint_auth_methods_supported;
  if (method === 'private_key_jwt' && Array.isArray(listed) && !listed.includes(method)) {
    // RFC 8414 section 2: a server that lists its methods and leaves this one out would refuse the assertion anyway.
    throw new TetherError('TETHER_AUTH_METHOD_NOT_OFFERED', `The authorization server ${server.issuer} does not accept signed client authentication (private_key_jwt); it lists ${listed.join(', ') || 'no method'}.`, {
      hint: `${client.private_key ? '--client-private-key' : '--client-assertion'} needs private_key_jwt: give the client's secret in --static-oauth-client-info instead, or enable private_key_jwt for the client at the provider.`,
    });
  }
  const config = new oidc.Configuration(
    server as oidc.ServerMetadata,
    client.client_id,
    { token_endpoint_auth_method: method, ...(client.client_secret ? { client_secret: client.client_secret } : {}) },
    clientAuthentication(method, client),
  );
  config[oidc.customFetch] = (url, options) => fetch(url, options as RequestInit);
  const issuer = new URL(server.issuer);
  if (allowHttp || (issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname))) oidc.allowInsecureRequests(config);
  return config;
}
