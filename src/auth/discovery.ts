// Finds who protects an MCP server: protected resource metadata (RFC 9728) and authorization server metadata
// (RFC 8414 / OpenID Connect Discovery 1.0), in the path-aware order MCP prescribes. Each document is one
// request/process pair in the oauth4webapi manner: `metadataRequest` fetches, a pure `process*` function checks the
// Response and says "use this", "try the next URL" (undefined) or "stop" (a thrown AuthError).
import { buildDiscoveryUrls } from '@modelcontextprotocol/client';
import { TetherError } from '../errors.js';
import type { Fetch } from '../http/fetch.js';
import { assertSecureUrl } from '../http/url.js';
import { LIFECYCLE_PROTOCOL_VERSION } from '../protocol.js';

export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers?: string[];
  scopes_supported?: string[];
  [key: string]: unknown;
}

export interface AuthorizationServerMetadata {
  issuer: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  registration_endpoint?: string;
  revocation_endpoint?: string;
  device_authorization_endpoint?: string;
  scopes_supported?: string[];
  code_challenge_methods_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
  authorization_response_iss_parameter_supported?: boolean;
  client_id_metadata_document_supported?: boolean;
  [key: string]: unknown;
}

export interface ResourceDiscovery {
  /** The protected resource metadata, or undefined when the server publishes none (pre-2025-06-18 servers). */
  metadata?: ProtectedResourceMetadata;
  metadataUrl?: string;
  /** The authorization server's issuer identifier to use. */
  issuer: string;
  /** The resource indicator (RFC 8707) for this server. */
  resource: string;
  /** Metadata addresses that answered a server error (5xx) where no document was found: not proof there is none. */
  unreadable?: string[];
}

/** GET one well-known metadata document (RFC 9728 section 3.1, RFC 8414 section 3.1). */
export function metadataRequest(fetch: Fetch, url: URL): Promise<Response> {
  return fetch(url, { headers: { accept: 'application/json', 'mcp-protocol-version': LIFECYCLE_PROTOCOL_VERSION } });
}

/** A value a server sent, for a message: quoted, bounded, whatever its type (String() throws on some objects). */
function shown(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

/** The JSON object of a 2xx answer, or undefined (a 4xx, or a body that is not a JSON object): try the next URL. */
async function jsonObject(response: Response): Promise<Record<string, unknown> | undefined> {
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    return undefined;
  }
  try {
    const body: unknown = await response.json();
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * RFC 9728 sections 3.2 and 3.3: the protected resource metadata at `url`, checked to be for `serverUrl` and to name
 * an authorization server. Undefined when `url` has none (try the next); throws when it is for another resource.
 */
export async function processResourceMetadataResponse(response: Response, url: URL, serverUrl: URL): Promise<ProtectedResourceMetadata | undefined> {
  const body = await jsonObject(response);
  if (!body) return undefined;
  const metadata = body as ProtectedResourceMetadata;
  if (typeof metadata.resource !== 'string' || !resourceMatches(metadata.resource, serverUrl)) {
    throw new TetherError('TETHER_METADATA_INVALID', `The protected resource metadata at ${url.href} is for ${shown(metadata.resource)}, not for ${serverUrl.href}.`, {
      hint: 'The server or its gateway is misconfigured (RFC 9728 section 3.3); ask its operator to fix the "resource" value. mcp-tether will not send your credentials elsewhere.',
    });
  }
  if (!Array.isArray(metadata.authorization_servers) || typeof metadata.authorization_servers[0] !== 'string') {
    throw new TetherError('TETHER_METADATA_INVALID', `The protected resource metadata at ${url.href} names no authorization server.`, {
      hint: 'Ask the server operator to list "authorization_servers" in it.',
    });
  }
  return metadata;
}

/**
 * RFC 8414 section 3.2 and 3.3: the authorization server metadata at `url`, checked to be for `issuer` (exactly; in
 * the 2025-03-26 `legacy` case, any issuer on its origin) with every endpoint on an allowed scheme. Undefined when
 * `url` has none (a 4xx, not JSON: try the next); throws on a 5xx (the server is down: no point trying elsewhere) or
 * a mismatch.
 */
export async function processAuthorizationServerMetadataResponse(
  response: Response,
  url: URL,
  issuer: string,
  options: { legacy: boolean; allowHttp: boolean; acceptIssuer?: string; onAccepted?: (declared: string) => void },
): Promise<AuthorizationServerMetadata | undefined> {
  if (response.status >= 500) {
    await response.body?.cancel().catch(() => undefined);
    throw new TetherError('TETHER_AUTH_SERVER_UNAVAILABLE', `The authorization server answered ${response.status} at ${url.href}.`, { hint: 'It may be down; try again later.' });
  }
  const body = await jsonObject(response);
  if (!body) return undefined;
  const metadata = body as AuthorizationServerMetadata;
  const sameOrigin = typeof metadata.issuer === 'string' && URL.canParse(metadata.issuer) && URL.canParse(issuer) && new URL(metadata.issuer).origin === new URL(issuer).origin;
  if (!issuerMatches(metadata.issuer, issuer) && !(options.legacy && sameOrigin)) {
    // The named escape hatch: this one issuer, given for this server, accepted and said every time.
    if (typeof metadata.issuer === 'string' && metadata.issuer === options.acceptIssuer) {
      options.onAccepted?.(metadata.issuer);
    } else {
      throw new TetherError('TETHER_METADATA_INVALID', `The authorization server metadata at ${url.href} names issuer ${shown(metadata.issuer)}, but the server pointed to "${issuer}".`, {
        hint:
          'The issuer must match exactly (RFC 8414 section 3.3). Ask the operator to fix the issuer or the "authorization_servers" entry.' +
          (typeof metadata.issuer === 'string' ? ` If you trust this server as it is, --accept-issuer ${JSON.stringify(metadata.issuer)} accepts that issuer for it (logged each time).` : ''),
      });
    }
  }
  for (const key of ['authorization_endpoint', 'token_endpoint', 'registration_endpoint', 'revocation_endpoint', 'device_authorization_endpoint'] as const) {
    const endpoint = metadata[key];
    if (endpoint === undefined) continue;
    if (endpoint === null) {
      delete metadata[key]; // some servers write absent endpoints as null
      continue;
    }
    if (typeof endpoint !== 'string' || !URL.canParse(endpoint)) {
      throw new TetherError('TETHER_METADATA_INVALID', `The authorization server metadata at ${url.href} names ${key} ${JSON.stringify(endpoint)}, which is not a URL.`, {
        hint: 'Ask the operator of the authorization server to fix its metadata (RFC 8414 section 2).',
      });
    }
    assertSecureUrl(new URL(endpoint), `the ${key.replace(/_/g, ' ')}`, options.allowHttp);
  }
  return metadata;
}

/** The canonical URI of an MCP server (MCP authorization, "Canonical Server URI"): no fragment, no query. */
export function canonicalResource(serverUrl: URL): string {
  const url = new URL(serverUrl.href);
  url.hash = '';
  url.search = '';
  const text = url.href;
  return url.pathname === '/' ? text.replace(/\/$/, '') : text;
}

/**
 * RFC 9728 section 3.3: the metadata's `resource` must identify the server we are talking to. Accepts the exact URL
 * or a parent of it on the same origin (a resource that covers several endpoints).
 */
export function resourceMatches(resource: string, serverUrl: URL): boolean {
  let declared: URL;
  try {
    declared = new URL(resource);
  } catch {
    return false;
  }
  if (declared.origin !== serverUrl.origin) return false;
  const base = declared.pathname.endsWith('/') ? declared.pathname : `${declared.pathname}/`;
  const path = serverUrl.pathname.endsWith('/') ? serverUrl.pathname : `${serverUrl.pathname}/`;
  return path.startsWith(base);
}

/** RFC 9728 section 3.1: the well-known URLs to try, path-specific first. */
export function protectedResourceMetadataUrls(serverUrl: URL, fromChallenge?: string): URL[] {
  const urls: URL[] = [];
  if (fromChallenge) urls.push(new URL(fromChallenge, serverUrl));
  const path = serverUrl.pathname === '/' ? '' : serverUrl.pathname.replace(/\/$/, '');
  if (path) urls.push(new URL(`/.well-known/oauth-protected-resource${path}`, serverUrl.origin));
  urls.push(new URL('/.well-known/oauth-protected-resource', serverUrl.origin));
  return urls;
}

/** Where discovery says what it tried (--debug). */
export type Trace = (line: string) => void;

export async function discoverProtectedResource(
  serverUrl: URL,
  resourceMetadataFromChallenge: string | undefined,
  fetch: Fetch,
  options: { allowHttp: boolean; allowForeign: boolean },
  trace: Trace = () => undefined,
): Promise<ResourceDiscovery> {
  const { allowHttp } = options;
  trace(`the server's challenge ${resourceMetadataFromChallenge ? `names resource_metadata ${resourceMetadataFromChallenge}` : 'names no resource_metadata'}`);
  const urls = protectedResourceMetadataUrls(serverUrl, resourceMetadataFromChallenge);
  if (resourceMetadataFromChallenge && !options.allowForeign && urls[0] && urls[0].origin !== serverUrl.origin) {
    // Whoever can answer 401 could otherwise send the sign-in anywhere, through a document on a host of their choice.
    throw new TetherError('TETHER_METADATA_INVALID', `The server's challenge names resource metadata on another origin (${urls[0].href}) than the server (${serverUrl.origin}).`, {
      hint: 'If that is how the server is deployed, pass --allow-foreign-resource-metadata; otherwise ask its operator to serve the metadata on its own origin.',
    });
  }
  const failed: string[] = [];
  for (const url of urls) {
    assertSecureUrl(url, 'the protected resource metadata', allowHttp);
    const response = await metadataRequest(fetch, url);
    if (response.status >= 500) {
      await response.body?.cancel().catch(() => undefined);
      trace(`protected resource metadata: GET ${url.href} -> ${response.status} (server error)`);
      if (resourceMetadataFromChallenge && url === urls[0]) {
        // The address the server named itself fails: nothing else stands in for it.
        throw new TetherError('TETHER_SERVER_FAILED', `The server's protected resource metadata (RFC 9728) at ${url.href} answered ${response.status}.`, {
          hint: 'This is on the server\'s side; try again shortly, or ask its operator.',
        });
      }
      failed.push(`${url.href} answered ${response.status}`);
      continue;
    }
    const metadata = await processResourceMetadataResponse(response, url, serverUrl);
    trace(`protected resource metadata: GET ${url.href} -> ${response.status}${metadata ? '' : ' (no document: next)'}`);
    if (!metadata) continue;
    const issuer = metadata.authorization_servers?.[0] ?? '';
    trace(`resource ${metadata.resource}; authorization servers: ${metadata.authorization_servers?.join(', ') ?? '(none)'}; using ${issuer}`);
    return { metadata, metadataUrl: url.href, issuer, resource: metadata.resource };
  }
  // No metadata found: servers of the 2025-03-26 revision use their own origin as the authorization server. Some of
  // those answer unknown paths with a 5xx, so a 5xx here is kept as a doubt, settled at the authorization server.
  trace(`no protected resource metadata: using the server's origin ${serverUrl.origin} as the authorization server (MCP 2025-03-26)`);
  return { issuer: serverUrl.origin, resource: canonicalResource(serverUrl), ...(failed.length > 0 ? { unreadable: failed } : {}) };
}

/**
 * The metadata URLs to try for an issuer (MCP 2025-11-25 "Authorization Server Metadata Discovery"): RFC 8414 path
 * insertion, OIDC path insertion, OIDC appended to the issuer's path; the SDK's own list, in the same order.
 */
export function authorizationServerMetadataUrls(issuer: URL): URL[] {
  return buildDiscoveryUrls(issuer).map((candidate) => candidate.url);
}

/** RFC 8414 section 3.3: the document's issuer must be the one we asked about. */
export function issuerMatches(declared: unknown, expected: string): boolean {
  if (declared === expected) return true;
  // "https://as.example" and "https://as.example/" are the same URL when there is no path.
  return typeof declared === 'string' && new URL(expected).pathname === '/' && declared.replace(/\/$/, '') === expected.replace(/\/$/, '');
}

/**
 * `legacy`: the server published no protected resource metadata, so (MCP 2025-03-26) its origin stands in for the
 * authorization server. That origin is a base URL, not an issuer: the metadata may name another issuer on it, and a
 * server without metadata gets that revision's default endpoints (/authorize, /token, /register; PKCE required),
 * unless its resource metadata answered a server error (`unreadable`): then the server is failing, not old.
 */
export async function discoverAuthorizationServer(
  issuer: string,
  fetch: Fetch,
  allowHttp: boolean,
  options: { legacy?: boolean; unreadable?: string[]; acceptIssuer?: string; onAccepted?: (declared: string) => void } = {},
  trace: Trace = () => undefined,
): Promise<AuthorizationServerMetadata> {
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(issuer);
  } catch {
    throw new TetherError('TETHER_METADATA_INVALID', `The authorization server "${issuer}" is not a URL.`, { hint: 'Ask the server operator to fix "authorization_servers" in its protected resource metadata.' });
  }
  assertSecureUrl(issuerUrl, 'the authorization server', allowHttp);
  const tried: string[] = [];
  for (const url of authorizationServerMetadataUrls(issuerUrl)) {
    const response = await metadataRequest(fetch, url);
    tried.push(`${url.href} (${response.status})`);
    trace(`authorization server metadata: GET ${url.href} -> ${response.status}`);
    const metadata = await processAuthorizationServerMetadataResponse(response, url, issuer, {
      legacy: options.legacy === true,
      allowHttp,
      ...(options.acceptIssuer !== undefined ? { acceptIssuer: options.acceptIssuer } : {}),
      ...(options.onAccepted ? { onAccepted: options.onAccepted } : {}),
    });
    if (!metadata) continue;
    trace(
      `issuer ${metadata.issuer}: PKCE ${metadata.code_challenge_methods_supported?.join(', ') ?? '(not advertised)'}; ` +
        `registration ${metadata.registration_endpoint ?? '(none)'}; token endpoint auth ${metadata.token_endpoint_auth_methods_supported?.join(', ') ?? '(not advertised)'}`,
    );
    return metadata;
  }
  if (options.legacy && options.unreadable?.length) {
    // Endpoints guessed on the origin would only fail further on, as "registration failed (HTTP 404)".
    throw new TetherError('TETHER_SERVER_FAILED', `The server's protected resource metadata (RFC 9728) could not be read (${options.unreadable.join('; ')}), and its origin has no authorization server metadata either.`, {
      hint: 'This is on the server\'s side; try again shortly, or ask its operator. Run with --debug to see every URL tried.',
    });
  }
  if (options.legacy) {
    trace(`no authorization server metadata at ${issuerUrl.origin}: using the MCP 2025-03-26 default endpoints`);
    return {
      issuer: issuerUrl.origin,
      authorization_endpoint: new URL('/authorize', issuerUrl.origin).href,
      token_endpoint: new URL('/token', issuerUrl.origin).href,
      registration_endpoint: new URL('/register', issuerUrl.origin).href,
      code_challenge_methods_supported: ['S256'],
    };
  }
  throw new TetherError('TETHER_METADATA_INVALID', `No authorization server metadata found for ${issuer}. Tried: ${tried.join(', ')}.`, {
    hint: 'Check that the issuer URL is right and that the server publishes RFC 8414 or OpenID Connect discovery.',
  });
}
