// The doctor's authorization steps: the server's challenge, its protected resource metadata, the authorization
// server's metadata, and what that server offers (PKCE, registration, client authentication, scopes, DPoP,
// revocation), each decided by the same functions the sign-in uses; then, for a client registered by hand, an
// authorization request without a user, to see whether the provider takes the client and its redirect URI.
import { randomBytes, createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { bearerChallenge, parseChallenges, type BearerChallenge } from '../../auth/challenge.js';
import { chooseAuthMethod } from '../../auth/client-config.js';
import type { AuthorizationServerMetadata, ResourceDiscovery } from '../../auth/discovery.js';
import { codeFor, oauthFailure } from '../../auth/oauth-errors.js';
import { noRegistration, registrationAuthMethod } from '../../auth/registration.js';
import { assertPkceSupported, callbackTarget, discoverResource, discoverServer, dpopBinding, scopeOf } from '../../auth/sign-in.js';
import type { StaticClientInfo } from '../../auth/static-client.js';
import { TetherError } from '../../errors.js';
import type { Fetch } from '../../http/fetch.js';
import type { ServerState } from '../../store/server-state.js';
import type { Config } from '../program.js';
import { fail, ok, skipped, warn, type Step, type Steps } from './report.js';

export interface AuthorizationInput {
  config: Config;
  /** The sign-in's fetch (signInFetch: address guard, size limit, no redirects with credentials). */
  fetch: Fetch;
  /** The plain fetch, for the authorization request (a browser's request: its redirect is read, not followed). */
  baseFetch: Fetch;
  staticClient?: StaticClientInfo;
  /** What an earlier sign-in to this server kept (its registration, its scopes). */
  stored?: ServerState;
  previousScope?: string;
}

/** What the authorization steps found, for the later ones (claims). */
export interface AuthorizationFindings {
  challenge: BearerChallenge;
  discovery: ResourceDiscovery;
  server: AuthorizationServerMetadata;
  scope?: string;
  resource?: string;
}

/** The redirect URI a target implies; port 0 is chosen at sign-in. */
function redirectOf(target: { host: string; port: number; path: string }, port = target.port): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `http://${host}:${port}${target.path}`;
}

/** A free loopback port, to ask the provider about the kind of redirect URI a sign-in on a free port would use. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Step 1: the URL and options, and the redirect URI they imply. */
export function optionsStep(config: Config, staticClient: StaticClientInfo | undefined, stored: ServerState | undefined): Step {
  const { serverUrl, signIn } = config;
  const target = callbackTarget({ callback: signIn.callback, ...(staticClient ? { staticClient } : {}) }, stored);
  const details = [
    `${serverUrl.protocol === 'https:' ? 'https' : `plain ${serverUrl.protocol.replace(':', '')} (${signIn.allowHttp ? '--allow-http' : 'loopback'})`}; sign-in flow: ${signIn.flow}`,
    signIn.flow === 'browser'
      ? `redirect URI: ${target.port === 0 ? `${redirectOf(target, 0).replace(':0/', ':<port>/')} (a free port chosen at sign-in)` : redirectOf(target)}${staticClient?.redirect_uris?.length ? ' (from the static client\'s redirect_uris)' : ''}`
      : 'redirect URI: none (no browser callback in this flow)',
    `credential store: --token-store ${config.tokenStore}`,
    ...(staticClient ? [`client: ${staticClient.client_id} (--static-oauth-client-info${staticClient.client_secret ? ', with a secret' : ''})`] : []),
    ...(signIn.useIdToken ? ['--use-id-token: the ID token is sent in place of the access token'] : []),
  ];
  return ok('options', 'URL and options', details);
}

const TITLES = {
  challenge: 'the server\'s challenge (WWW-Authenticate)',
  prm: 'protected resource metadata (RFC 9728)',
  as: 'authorization server metadata (RFC 8414 / OIDC)',
  pkce: 'PKCE with S256',
  client: 'the client (registration)',
  auth: 'client authentication at the token endpoint',
  scopes: 'scopes to request',
  dpop: 'DPoP (RFC 9449)',
  revocation: 'token revocation (logout)',
  authorize: 'the authorization request (client and redirect URI)',
} as const;

export type AuthorizationStep = keyof typeof TITLES;

/** Every authorization step, skipped for `why` (no authorization needed, or the endpoint failed). */
export function skipAuthorization(steps: Steps, why: string): void {
  for (const [name, title] of Object.entries(TITLES)) steps.add(skipped(name, title, why));
}

/** The challenge of a 401/403 in words. */
function challengeStep(response: Response, challenge: BearerChallenge): Step {
  const header = response.headers.get('www-authenticate');
  if (!header) {
    return warn('challenge', TITLES.challenge, [`HTTP ${response.status} without WWW-Authenticate: mcp-tether looks for the resource metadata at the well-known URLs (RFC 9728 section 3.1)`]);
  }
  const schemes = parseChallenges(header).map((c) => c.scheme);
  return ok('challenge', TITLES.challenge, [
    `HTTP ${response.status}; schemes: [${schemes.join(', ')}]`,
    `resource_metadata: ${challenge.resourceMetadata ?? '(none)'}; scope: ${challenge.scope ?? '(none)'}${challenge.error ? `; error: ${challenge.error}` : ''}${challenge.dpopOnly ? '; DPoP only' : ''}`,
  ]);
}

/** Runs steps 4's checks; undefined when the chain cannot go on (later steps are skipped here). */
export async function probeAuthorization(input: AuthorizationInput, response: Response, steps: Steps): Promise<AuthorizationFindings | undefined> {
  const { config } = input;
  const { serverUrl, signIn } = config;
  const challenge = bearerChallenge(response);
  steps.add(challengeStep(response, challenge));
  if (signIn.tokenEndpoint) {
    for (const name of ['prm', 'as', 'pkce', 'client', 'auth', 'scopes', 'dpop', 'revocation', 'authorize'] as const) steps.add(skipped(name, TITLES[name], 'not used: --token-endpoint names the token endpoint, without discovery'));
    return undefined;
  }

  const trace: string[] = [];
  const settings = { ...signIn, serverUrl, fetch: input.fetch };
  let discovery: ResourceDiscovery;
  try {
    discovery = await discoverResource(settings, challenge, (line) => trace.push(line));
  } catch (error) {
    const failed = steps.add(fail('prm', TITLES.prm, error, trace.splice(0)));
    for (const name of ['as', 'pkce', 'client', 'auth', 'scopes', 'dpop', 'revocation', 'authorize'] as const) steps.skipBecause(name, TITLES[name], failed);
    return undefined;
  }
  const resource = signIn.disableResource ? undefined : (signIn.resource ?? discovery.resource);
  const prmDetails = [
    ...trace.splice(0),
    `resource indicator sent: ${resource ?? '(none: --disable-resource-parameter)'}${signIn.resource ? ' (--resource)' : ''}`,
  ];
  steps.add(
    discovery.metadata
      ? ok('prm', TITLES.prm, [`answered at ${discovery.metadataUrl ?? '?'}; resource ${discovery.metadata.resource} matches ${serverUrl.href}`, ...prmDetails])
      : warn('prm', TITLES.prm, ['none published: the server\'s origin stands in for the authorization server (MCP 2025-03-26)', ...prmDetails]),
  );

  const accepted: string[] = [];
  let server: AuthorizationServerMetadata;
  try {
    server = await discoverServer(settings, discovery, (line) => trace.push(line), (declared) =>
      accepted.push(`--accept-issuer: the metadata names ${declared}, accepted for ${discovery.issuer} (RFC 8414 section 3.3 is not met)`),
    );
    if (trace.some((line) => line.includes('default endpoints'))) await assertDefaultEndpoints(server, input.fetch, challenge, response);
  } catch (error) {
    const failed = steps.add(fail('as', TITLES.as, error, trace.splice(0)));
    for (const name of ['pkce', 'client', 'auth', 'scopes', 'dpop', 'revocation', 'authorize'] as const) steps.skipBecause(name, TITLES[name], failed);
    return undefined;
  }
  const guessed = trace.some((line) => line.includes('default endpoints'));
  const asDetails = [...trace.splice(0), ...accepted, `issuer ${server.issuer}${guessed ? ' (guessed: MCP 2025-03-26 default endpoints)' : ` equals the one named (${discovery.issuer})`}`];
  steps.add(guessed || accepted.length ? warn('as', TITLES.as, asDetails) : ok('as', TITLES.as, asDetails));

  const pkce = steps.add(pkceStep(server, signIn.flow, signIn.assumePkce));
  const target = callbackTarget({ callback: signIn.callback, ...(input.staticClient ? { staticClient: input.staticClient } : {}) }, input.stored?.issuer === server.issuer ? input.stored : undefined);
  const shownRedirect = signIn.flow === 'browser' ? (target.port === 0 ? `${redirectOf(target, 0).replace(':0/', ':<port>/')}, with a port you choose and then pass as the callback port` : redirectOf(target)) : undefined;
  const client = steps.add(clientStep(input, server, shownRedirect));
  steps.add(authMethodStep(input, server));
  const { scope, from } = scopeOf({ ...(signIn.scope ? { scope: signIn.scope } : {}), ...(input.staticClient ? { staticClient: input.staticClient } : {}) }, challenge, discovery, input.previousScope);
  steps.add(scopesStep(scope, from, server));
  steps.add(await dpopStep(signIn.dpop, server, challenge, discovery));
  steps.add(ok('revocation', TITLES.revocation, [server.revocation_endpoint ? `offered at ${server.revocation_endpoint}: logout revokes the tokens there` : 'not offered: logout deletes the local credentials only']));
  if (pkce.outcome === 'fail' || client.outcome === 'fail') {
    steps.skipBecause('authorize', TITLES.authorize, pkce.outcome === 'fail' ? pkce : client);
  } else {
    const checked = await authorizeStep(input, server, target, scope, resource);
    const kept = !input.staticClient && checked.outcome === 'fail' && input.stored?.client.source === 'dynamic';
    // A registration of mcp-tether's own that the provider refuses is replaced by the next sign-in, as the proxy does.
    steps.add(kept ? { ...checked, outcome: 'warn', details: [...checked.details, 'the client mcp-tether registered earlier is refused: the next sign-in registers a new one'] } : checked);
  }
  return { challenge, discovery, server, ...(scope ? { scope } : {}), ...(resource ? { resource } : {}) };
}

/**
 * No challenge, no resource metadata, no authorization server metadata: the sign-in would only guess MCP 2025-03-26's
 * default endpoints. A server that has them answers its authorization endpoint; one that answers 404 has none.
 */
async function assertDefaultEndpoints(server: AuthorizationServerMetadata, fetch: Fetch, challenge: BearerChallenge, response: Response): Promise<void> {
  const endpoint = server.authorization_endpoint ?? '';
  const answer = await fetch(endpoint, { headers: { accept: 'text/html' } }).catch(() => undefined);
  await answer?.body?.cancel().catch(() => undefined);
  if (answer && answer.status !== 404 && answer.status !== 405) return;
  const noChallenge = !response.headers.get('www-authenticate') && !challenge.resourceMetadata;
  throw new TetherError('TETHER_METADATA_INVALID', `The server answers ${response.status}${noChallenge ? ' without a WWW-Authenticate challenge' : ''}, publishes no protected resource metadata (RFC 9728) and its origin no authorization server metadata; the guessed endpoint ${endpoint} answers ${answer ? `HTTP ${answer.status}` : 'nothing'}.`, {
    hint: 'Nothing says where to sign in. Ask the server\'s operator to name its resource_metadata in the WWW-Authenticate challenge of its 401 (RFC 9728 section 5.1) and to publish /.well-known/oauth-protected-resource naming its authorization server; check that the URL is the MCP endpoint, not a page in front of it.',
  });
}

function pkceStep(server: AuthorizationServerMetadata, flow: Config['signIn']['flow'], assumePkce: boolean): Step {
  if (flow !== 'browser') return skipped('pkce', TITLES.pkce, `not used by the ${flow} flow`);
  const methods = server.code_challenge_methods_supported;
  try {
    assertPkceSupported(server, assumePkce);
  } catch (error) {
    return fail('pkce', TITLES.pkce, error, [`code_challenge_methods_supported: ${methods?.join(', ') ?? '(missing)'}`]);
  }
  return methods?.includes('S256') ? ok('pkce', TITLES.pkce, [`advertised (${methods.join(', ')})`]) : warn('pkce', TITLES.pkce, ['not advertised; assumed (--assume-pkce-s256)']);
}

function clientStep(input: AuthorizationInput, server: AuthorizationServerMetadata, redirectUri: string | undefined): Step {
  const { staticClient, stored, config } = input;
  const offers = [
    `dynamic registration: ${server.registration_endpoint ?? '(not offered)'}`,
    `client ID metadata documents: ${server.client_id_metadata_document_supported === true ? 'supported' : 'not supported'}`,
  ];
  if (staticClient) return ok('client', TITLES.client, [`pre-registered: ${staticClient.client_id} (--static-oauth-client-info)`, ...offers]);
  if (config.signIn.clientMetadataUrl && server.client_id_metadata_document_supported === true) {
    return ok('client', TITLES.client, [`client ID metadata document: ${config.signIn.clientMetadataUrl} is the client id`, ...offers]);
  }
  const kept = stored?.issuer === server.issuer && stored.client.source === 'dynamic' ? stored.client : undefined;
  if (kept) return ok('client', TITLES.client, [`registered by mcp-tether earlier: ${kept.client_id} (redirect URIs ${kept.redirect_uris.join(', ') || '(none)'})`, ...offers]);
  if (server.registration_endpoint) {
    return ok('client', TITLES.client, [`mcp-tether registers itself at sign-in (${registrationAuthMethod(server) === 'none' ? 'a public client' : `a confidential client, ${registrationAuthMethod(server)}`})${redirectUri ? ` with the redirect URI ${redirectUri.split(',')[0]}` : ''}`, ...offers]);
  }
  return fail('client', TITLES.client, noRegistration(server, redirectUri), offers);
}

function authMethodStep(input: AuthorizationInput, server: AuthorizationServerMetadata): Step {
  const listed = server.token_endpoint_auth_methods_supported;
  const { staticClient, config } = input;
  const proof = config.signIn.clientKeyFile || config.signIn.clientAssertion ? { client_assertion: () => '' } : {};
  const method = staticClient
    ? chooseAuthMethod({ client_id: staticClient.client_id, ...(staticClient.client_secret ? { client_secret: staticClient.client_secret } : {}), ...(staticClient.token_endpoint_auth_method ? { token_endpoint_auth_method: staticClient.token_endpoint_auth_method } : {}), ...proof }, server)
    : registrationAuthMethod(server);
  const details = [`offered: ${listed?.join(', ') ?? '(not advertised: client_secret_basic by default)'}`, `mcp-tether uses: ${method}`];
  if (listed && method !== 'none' && !listed.includes(method)) {
    return warn('auth', TITLES.auth, details, new TetherError('TETHER_AUTH_METHOD_NOT_OFFERED', `The client authenticates with ${method}, which ${server.issuer} does not list.`));
  }
  return ok('auth', TITLES.auth, details);
}

function scopesStep(scope: string | undefined, from: string, server: AuthorizationServerMetadata): Step {
  const details = [`requested: ${scope ? `"${scope}"` : '(none)'} (from ${from})`, `the authorization server lists: ${server.scopes_supported?.join(' ') ?? '(not advertised)'}`];
  const unknown = scope && server.scopes_supported ? scope.split(' ').filter((s) => s && !server.scopes_supported?.includes(s)) : [];
  if (unknown.length > 0) {
    return warn('scopes', TITLES.scopes, details, new TetherError('TETHER_SCOPE_REJECTED', `The authorization server does not list ${unknown.join(' ')}; it may refuse the sign-in with invalid_scope.`, { hint: 'If the sign-in fails with invalid_scope, pass --scope with scopes the provider lists for this client.' }));
  }
  return ok('scopes', TITLES.scopes, details);
}

async function dpopStep(enabled: boolean, server: AuthorizationServerMetadata, challenge: BearerChallenge, discovery: ResourceDiscovery): Promise<Step> {
  const offered = server['dpop_signing_alg_values_supported'];
  const lines: string[] = [];
  const details = [`authorization server: ${Array.isArray(offered) ? `offers ${offered.join(', ')}` : 'offers no DPoP'}`, `MCP server: ${challenge.dpopOnly ? 'takes only DPoP' : challenge.dpop || discovery.metadata?.['dpop_bound_access_tokens_required'] === true ? 'asks for DPoP' : 'takes plain (unbound) tokens'}`];
  try {
    const bound = await dpopBinding({ dpop: enabled }, server, challenge, discovery, (line) => lines.push(line));
    // (The sign-in's own trace says "bearer tokens", which the scrubbing of the output would take for a credential.)
    const reason = /\(([^)]*)\)/.exec(lines[0] ?? '')?.[1];
    return ok('dpop', TITLES.dpop, [...details, bound ? `tokens will be bound to a ${bound.stored.alg} key` : `not used${reason ? ` (${reason})` : ''}: plain tokens`]);
  } catch (error) {
    return fail('dpop', TITLES.dpop, error, details);
  }
}

/** RFC 7636 appendix B: a challenge for a verifier nobody keeps (the request is never completed). */
function throwawayChallenge(): string {
  return createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
}

/**
 * For a client registered by hand (or kept from an earlier sign-in): the authorization request the browser would
 * make, sent without a user. A provider sends errors about the client or the redirect URI back to the browser as a
 * page of its own (RFC 6749 section 4.1.2.1: never to an unverified redirect URI), and anything else to the redirect
 * URI, or shows its sign-in page: so the answer tells whether the client and its redirect URI are accepted.
 */
async function authorizeStep(input: AuthorizationInput, server: AuthorizationServerMetadata, target: { host: string; port: number; path: string }, scope: string | undefined, resource: string | undefined): Promise<Step> {
  const { staticClient, stored, config } = input;
  if (config.signIn.flow !== 'browser') return skipped('authorize', TITLES.authorize, `not used by the ${config.signIn.flow} flow`);
  const kept = stored?.issuer === server.issuer && stored.client.source !== 'static' ? stored.client.client_id : undefined;
  const clientId = staticClient?.client_id ?? (config.signIn.clientMetadataUrl && server.client_id_metadata_document_supported === true ? config.signIn.clientMetadataUrl : kept);
  if (!clientId) return skipped('authorize', TITLES.authorize, 'not checked: the client is registered at sign-in, with the redirect URI it uses');
  if (!server.authorization_endpoint) return fail('authorize', TITLES.authorize, new TetherError('TETHER_METADATA_INVALID', `The authorization server ${server.issuer} publishes no authorization endpoint.`));
  const redirectUri = redirectOf(target, target.port === 0 ? await freePort() : target.port);
  const url = new URL(server.authorization_endpoint);
  const params: Record<string, string> = {
    ...config.signIn.authorizeParams,
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: throwawayChallenge(),
    code_challenge_method: 'S256',
    state: randomBytes(16).toString('base64url'),
    ...(scope ? { scope } : {}),
    ...(resource ? { resource } : {}),
  };
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  const details = [`GET ${server.authorization_endpoint} as client ${clientId} with redirect_uri ${redirectUri}${target.port === 0 ? ' (a free port, as a sign-in would choose)' : ''}`];
  const context = { redirectUri, clientId, clientSource: staticClient ? 'static' : kept ? 'dynamic' : 'metadata-document', ...(scope ? { scope } : {}) };
  let answer: Response;
  try {
    answer = await input.baseFetch(url, { redirect: 'manual', headers: { accept: 'text/html' }, signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    return fail('authorize', TITLES.authorize, error, details);
  }
  const location = answer.headers.get('location');
  const body = location === null && answer.status >= 400 ? (await answer.text().catch(() => '')).slice(0, 20_000) : '';
  if (location === null) await answer.body?.cancel().catch(() => undefined);
  if (location !== null) {
    const next = URL.canParse(location, url.href) ? new URL(location, url) : undefined;
    const error = next?.searchParams.get('error');
    const toRedirect = next !== undefined && `${next.origin}${next.pathname}` === `${new URL(redirectUri).origin}${new URL(redirectUri).pathname}`;
    if (!error) return ok('authorize', TITLES.authorize, [...details, `HTTP ${answer.status} to ${toRedirect ? 'the redirect URI' : `${next?.origin ?? '?'}${next?.pathname ?? ''} (its sign-in page)`}: client and redirect URI accepted`]);
    const description = next?.searchParams.get('error_description') ?? '';
    if (toRedirect && codeFor(error, description) === 'TETHER_SIGN_IN_DENIED') {
      return ok('authorize', TITLES.authorize, [...details, `HTTP ${answer.status} to the redirect URI (${error}: a user must sign in): client and redirect URI accepted`]);
    }
    return fail('authorize', TITLES.authorize, oauthFailure(`The authorization server refused the authorization request (${error}${description ? `: ${description}` : ''}).`, error, description, context), details);
  }
  if (answer.status < 400) return ok('authorize', TITLES.authorize, [...details, `HTTP ${answer.status}: its sign-in page; client and redirect URI accepted`]);
  // An error page of the provider's own: the client or its redirect URI is not accepted.
  const entities: Record<string, string> = { '&#39;': "'", '&quot;': '"', '&amp;': '&', '&lt;': '<', '&gt;': '>' };
  const text = body.replace(/<[^>]*>/g, ' ').replace(/&#39;|&quot;|&amp;|&lt;|&gt;/g, (entity) => entities[entity] ?? entity).replace(/\s+/g, ' ');
  const oauthError = /\b(invalid_redirect_uri|redirect_uri_mismatch|redirect_mismatch|invalid_client|unauthorized_client|invalid_request|invalid_scope|invalid_target)\b/.exec(text)?.[1] ?? (/redirect/i.test(text) ? 'redirect_uri_mismatch' : /client/i.test(text) ? 'invalid_client' : 'invalid_request');
  // The provider's own description where its page gives one (oidc-provider, Keycloak), else the words around it.
  const said = /error_description\W+(.{1,200}?)(?=\s+(?:state|iss|error)\b\W|$)/i.exec(text)?.[1] ?? /redirect_uri[^.]{0,160}/i.exec(text)?.[0] ?? /client[^.]{0,160}/i.exec(text)?.[0] ?? `HTTP ${answer.status}`;
  return fail('authorize', TITLES.authorize, oauthFailure(`The authorization server answered the authorization request with an error page of its own (HTTP ${answer.status}: ${oauthError}; "${said.trim()}").`, oauthError, said, context), details);
}
