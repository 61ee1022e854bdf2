// A complete sign-in: protected resource and authorization server discovery, scope choice, the client to use,
// then the browser flow. Loaded only when a sign-in is needed.
import * as oidc from 'openid-client';
import { hasCode, TetherError } from '../errors.js';
import type { SecretRecord, StoredDPoPKey } from '../store/secret-store.js';
import type { ServerState } from '../store/server-state.js';
import { readAssertion, type AssertionSource } from './assertion.js';
import { signInWithBrowser } from './browser-flow.js';
import { CallbackListener, type CallbackTarget } from './callback-server.js';
import type { BearerChallenge } from './challenge.js';
import { chooseAuthMethod, clientConfiguration, type ClientIdentity } from './client-config.js';
import { signInWithDeviceCode } from './device-flow.js';
import { requestIdJag } from './enterprise.js';
import { currentIdToken } from './enterprise-sign-in.js';
import { dpopAlgorithm, newDPoPKey, type DPoPKey } from './dpop.js';
import { discoverAuthorizationServer, discoverProtectedResource, type AuthorizationServerMetadata, type ResourceDiscovery } from './discovery.js';
import { explainOAuthError, oauthErrorCode } from './oauth-errors.js';
import { registerClient, registeredRedirect, stillRegistered, type RegisteredClient } from './registration.js';
import { selectScope } from './scopes.js';
import { isMachineFlow, staticClientProof, type SignedIn, type SignInSettings } from './settings.js';
import { toStoredTokens } from './tokens.js';

/** RFC 7523 section 2.1. */
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** MCP requires PKCE with S256 and says to refuse when the server does not advertise it (RFC 8414 section 2). */
export function assertPkceSupported(server: AuthorizationServerMetadata, assumePkce: boolean): void {
  const methods = server.code_challenge_methods_supported;
  if (methods?.includes('S256')) return;
  if (methods === undefined && assumePkce) return;
  throw new TetherError('TETHER_NO_PKCE', 
    methods === undefined
      ? `The authorization server ${server.issuer} does not advertise PKCE support (code_challenge_methods_supported is missing), so mcp-tether will not sign in with it.`
      : `The authorization server ${server.issuer} does not support PKCE with S256 (it lists ${methods.join(', ') || 'nothing'}).`,
    {
      hint:
        methods === undefined
          ? 'If you know it supports S256 (Amazon Cognito does but does not say so), pass --assume-pkce-s256.'
          : 'MCP requires PKCE with S256; ask the provider to enable it.',
    },
  );
}

/**
 * Where the sign-in callback listens: the client's registered redirect URI, else the options' host and path on the
 * given port, or on a free port (0) for a new registration. Also what `doctor` names as the redirect URI.
 */
export function callbackTarget(settings: Pick<SignInSettings, 'callback' | 'staticClient'>, sameServer: ServerState | undefined): CallbackTarget {
  const { callback, staticClient } = settings;
  const registered = registeredRedirect(staticClient ? staticClient.redirect_uris : sameServer?.client.redirect_uris);
  return {
    host: registered?.hostname.replace(/^\[|\]$/g, '') ?? callback.host,
    // RFC 8252 section 7.3: a loopback redirect URI registered without a port accepts any port.
    port: callback.port ?? (registered?.port ? Number(registered.port) : 0),
    path: registered?.pathname ?? callback.path,
  };
}

/** Listens where the client's registered redirect URI points, or on a free port for a new registration. */
async function openListener(settings: SignInSettings, sameServer: ServerState | undefined): Promise<CallbackListener> {
  const { callback, staticClient, log } = settings;
  const target = callbackTarget(settings, sameServer);
  const deadline = Date.now() + settings.authTimeoutMs;
  for (let told = false; ; told = true) {
    try {
      return await CallbackListener.start(target);
    } catch (error) {
      if (target.port === 0) throw error;
      if (!staticClient && callback.port === undefined) {
        // A dynamic client can be registered again on another port.
        log.info(`Port ${target.port} is busy; registering the client again on a free port.`);
        return CallbackListener.start({ ...target, port: 0 });
      }
      // A pre-registered redirect URI cannot move: wait for the port (another sign-in may be using it).
      if (Date.now() > deadline) throw error;
      if (!told) log.info(`The callback port ${target.port} is in use (perhaps by another sign-in); waiting for it to be free.`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** The pre-registered client, else a stored registration that still fits, else a new registration. */
async function resolveClient(
  settings: SignInSettings,
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

type DiscoverySettings = Pick<SignInSettings, 'serverUrl' | 'fetch' | 'allowHttp' | 'allowForeignResourceMetadata' | 'acceptIssuer'>;

/** Discovery's first half as the sign-in takes it: the protected resource metadata (also `doctor`'s step). */
export function discoverResource(settings: DiscoverySettings, challenge: BearerChallenge, trace: (line: string) => void): Promise<ResourceDiscovery> {
  return discoverProtectedResource(settings.serverUrl, challenge.resourceMetadata, settings.fetch, { allowHttp: settings.allowHttp, allowForeign: settings.allowForeignResourceMetadata }, trace);
}

/** Discovery's second half: the authorization server metadata the resource names (also `doctor`'s step). */
export function discoverServer(settings: DiscoverySettings, discovery: ResourceDiscovery, trace: (line: string) => void, onAccepted: (declared: string) => void): Promise<AuthorizationServerMetadata> {
  const accepting = settings.acceptIssuer !== undefined ? { acceptIssuer: settings.acceptIssuer } : {};
  return discoverAuthorizationServer(discovery.issuer, settings.fetch, settings.allowHttp, { legacy: discovery.metadata === undefined, ...(discovery.unreadable ? { unreadable: discovery.unreadable } : {}), ...accepting, onAccepted }, trace);
}

async function discover(settings: SignInSettings, challenge: BearerChallenge, trace: (line: string) => void): Promise<{ discovery: ResourceDiscovery; server: AuthorizationServerMetadata }> {
  const discovery = await discoverResource(settings, challenge, trace);
  const onAccepted = (declared: string): void =>
    settings.log.info(`--accept-issuer: using the authorization server metadata of ${discovery.issuer}, which names another issuer (${declared}); RFC 8414 section 3.3 is not met.`);
  return { discovery, server: await discoverServer(settings, discovery, trace, onAccepted) };
}

/** --token-endpoint (mcp-remote 0.15.1): a machine client's token endpoint, given, so no discovery at all. */
function givenTokenEndpoint(serverUrl: URL, tokenEndpoint: string, trace: (line: string) => void): { discovery: ResourceDiscovery; server: AuthorizationServerMetadata } {
  const issuer = new URL(tokenEndpoint).origin;
  trace(`token endpoint ${tokenEndpoint} given (--token-endpoint): no discovery`);
  return { discovery: { issuer, resource: serverUrl.href }, server: { issuer, token_endpoint: tokenEndpoint } };
}

/**
 * A new key to bind this sign-in's tokens to (DPoP, RFC 9449), where both sides take it: the authorization server
 * offers an algorithm mcp-tether signs with (section 5.1), and the MCP server asks for it, by a DPoP challenge
 * (section 7.1) or in its resource metadata (RFC 9728 section 2). Many servers advertise DPoP at the authorization
 * server while their MCP servers accept only Bearer: the server's own word decides. Never with --no-dpop.
 */
export async function dpopBinding(
  settings: Pick<SignInSettings, 'dpop'>,
  server: AuthorizationServerMetadata,
  challenge: BearerChallenge,
  discovery: ResourceDiscovery,
  trace: (line: string) => void,
): Promise<{ stored: StoredDPoPKey; key: DPoPKey } | undefined> {
  const offered = server['dpop_signing_alg_values_supported'];
  const resource = discovery.metadata;
  const asked = challenge.dpop === true || resource?.['dpop_bound_access_tokens_required'] === true || Array.isArray(resource?.['dpop_signing_alg_values_supported']);
  if (offered === undefined && !asked) return undefined;
  const alg = dpopAlgorithm(offered);
  const reason = !settings.dpop ? '--no-dpop' : !asked ? 'the MCP server does not ask for it' : !alg ? `the authorization server offers ${offered === undefined ? 'no DPoP' : `no algorithm mcp-tether signs with (${JSON.stringify(offered)})`}` : undefined;
  const required = challenge.dpopOnly === true || resource?.['dpop_bound_access_tokens_required'] === true;
  if (required && settings.dpop && !alg) {
    // A Bearer token would only be refused: say why before anyone signs in for it. --no-dpop is the way past this.
    throw new TetherError('TETHER_DPOP_UNAVAILABLE', `${discovery.resource} takes only DPoP-bound tokens (RFC 9449), and its authorization server ${server.issuer} ${reason?.replace(/^the authorization server /, '') ?? 'offers no DPoP'}.`, {
      hint: 'Ask the provider\'s administrator to enable DPoP (ES256, ES384, PS256 or RS256) for this client, or to let the MCP server take Bearer tokens. If the server does take Bearer tokens despite what it says, --no-dpop sends them.',
    });
  }
  if (reason !== undefined || !alg) {
    trace(`DPoP not used (${reason}): bearer tokens`);
    return undefined;
  }
  trace(`DPoP: the tokens are bound to a new ${alg} key, kept with them in the credential store`);
  return newDPoPKey(alg);
}

/** The scopes a sign-in asks for, and where they come from (in words): also what `doctor` says will be requested. */
export function scopeOf(
  settings: Pick<SignInSettings, 'scope' | 'staticClient'>,
  challenge: BearerChallenge,
  discovery: Pick<ResourceDiscovery, 'metadata'>,
  previousScope: string | undefined,
): { scope: string | undefined; from: string } {
  const configured = settings.scope ?? settings.staticClient?.scope;
  const scope = selectScope({
    ...(configured ? { configured } : {}),
    ...(challenge.scope ? { challenged: challenge.scope } : {}),
    ...(discovery.metadata?.scopes_supported ? { supported: discovery.metadata.scopes_supported } : {}),
    ...(previousScope ? { previous: previousScope } : {}),
    stepUp: challenge.error === 'insufficient_scope',
  });
  const from =
    challenge.error === 'insufficient_scope' ? 'a step-up (previous + challenged)' : configured ? '--scope / the static client' : challenge.scope ? "the server's challenge" : discovery.metadata?.scopes_supported?.length ? 'the resource metadata\'s scopes_supported' : 'nowhere: none requested';
  return { scope, from };
}

export async function signIn(
  settings: SignInSettings,
  challenge: BearerChallenge,
  previous: { state?: ServerState; secrets?: SecretRecord },
  /** Told of a new dynamic registration before the user is sent to sign in, so that it can be kept. */
  onRegistered: (registered: SignedIn) => Promise<void> = async () => undefined,
): Promise<SignedIn> {
  const trace = (line: string): void => settings.log.debug(`sign-in: ${line}`);
  const flow = settings.flow ?? 'browser';
  const { discovery, server } =
    isMachineFlow(flow) && settings.tokenEndpoint
      ? givenTokenEndpoint(settings.serverUrl, settings.tokenEndpoint, trace)
      : await discover(settings, challenge, trace);
  // PKCE belongs to the authorization code flow: no other grant is refused for the lack of it.
  if (flow === 'browser') assertPkceSupported(server, settings.assumePkce);
  if ((flow === 'browser' && !server.authorization_endpoint) || !server.token_endpoint) {
    throw new TetherError('TETHER_METADATA_INVALID', `The authorization server ${server.issuer} publishes no ${server.token_endpoint ? 'authorization' : 'token'} endpoint.`, {
      hint: 'Check the issuer URL the server\'s metadata names.',
    });
  }
  const { scope, from } = scopeOf(settings, challenge, discovery, previous.secrets?.tokens?.scope);
  trace(`scope ${scope ? `"${scope}"` : '(none)'} from ${from}`);
  const resource = settings.disableResource ? undefined : (settings.resource ?? discovery.resource);
  trace(`resource indicator ${resource ?? '(none: --disable-resource-parameter)'}`);
  const dpop = await dpopBinding(settings, server, challenge, discovery, trace);
  /** openid-client's options for a token request: the DPoP proof and the server's nonces, when bound. */
  const bound = (config: oidc.Configuration): oidc.DPoPOptions => (dpop ? { DPoP: oidc.getDPoPHandle(config, dpop.key.pair) } : {});
  // Registrations are bound to the issuer that made them: never reuse one with another authorization server.
  const sameServer = previous.state?.issuer === server.issuer ? previous.state : undefined;

  const stateFor = (client: RegisteredClient): ServerState => ({
    server_url: settings.serverUrl.href,
    resource: resource ?? discovery.resource,
    ...(discovery.metadataUrl ? { resource_metadata_url: discovery.metadataUrl } : {}),
    issuer: server.issuer,
    authorization_server: server,
    client: client.registration,
    ...(scope ? { scope } : {}),
    updated_at: new Date().toISOString(),
  });
  const signedIn = (client: RegisteredClient, response: oidc.TokenEndpointResponse): SignedIn => ({
    state: stateFor(client),
    secrets: { tokens: toStoredTokens(response), ...clientSecrets(client), ...(dpop ? { dpop_key: dpop.stored } : {}) },
  });
  /** The client for a flow with a user; a new registration is handed to onRegistered before it is used. */
  const clientFor = async (redirectUri: string | undefined): Promise<RegisteredClient> => {
    const client = await resolveClient(settings, server, redirectUri, scope, sameServer, sameServer ? previous.secrets : undefined);
    const reused = client.registration === sameServer?.client;
    trace(
      `client ${client.registration.client_id} (${client.registration.source}${reused ? ', kept from an earlier sign-in' : ''}); ` +
        `token endpoint auth ${chooseAuthMethod(identityOf(client, settings), server)}; ` +
        `PKCE S256; redirect URI ${redirectUri ?? '(none: device sign-in)'}`,
    );
    if (client.registration.source === 'dynamic' && !reused) {
      await onRegistered({ state: stateFor(client), secrets: clientSecrets(client) });
    }
    return client;
  };

  if (isMachineFlow(flow)) {
    // A machine's own grant: no user, no browser; "refreshing" is asking again.
    const client = await resolveClient(settings, server, undefined, scope, sameServer, undefined);
    // No authorization request here: the parameters given for it (Auth0's audience) go to the token request instead.
    const parameters = { ...settings.authorizeParams, ...(scope ? { scope } : {}), ...(resource ? { resource } : {}) };
    const config = configurationFor(settings, server, client);
    const machineContext = { clientId: client.registration.client_id, clientKey: settings.clientKey !== undefined, clientAssertion: settings.clientAssertion !== undefined, ...(scope ? { scope } : {}) };
    if (flow === 'enterprise') {
      // SEP-990: an ID-JAG from the company's identity provider, for this server's authorization server and resource.
      if (!settings.enterprise) throw new TetherError('TETHER_INVALID_ARGUMENT', 'Enterprise-managed authorization needs --enterprise-idp.');
      const idp = settings.enterprise;
      const target = { audience: server.issuer, ...(resource ? { resource } : {}), ...(scope ? { scope } : {}) };
      const idToken = await currentIdToken(settings, idp);
      const assertion = await requestIdJag(settings, idp, idToken, target).catch(async (error: unknown) => {
        // mcp-tether's own sign-in at the identity provider, refused (revoked there): once more, with a new sign-in.
        if (idp.idToken || !hasCode(error, 'TETHER_GRANT_REVOKED')) throw error;
        return requestIdJag(settings, idp, await currentIdToken(settings, idp, idToken), target);
      });
      try {
        return signedIn(client, await oidc.genericGrantRequest(config, JWT_BEARER, { assertion, ...(scope ? { scope } : {}) }, bound(config)));
      } catch (error) {
        throw explainOAuthError(error, 'The jwt-bearer grant with the ID-JAG (enterprise-managed authorization)', machineContext);
      }
    }
    if (flow === 'jwt-bearer') {
      // RFC 7523 section 2.1: the platform's JWT is the grant; the client authenticates as registered (often "none").
      if (!settings.assertion) throw new TetherError('TETHER_INVALID_ARGUMENT', 'The jwt-bearer grant needs --jwt-bearer-assertion.');
      const assertion = readAssertion(settings.assertion);
      try {
        return signedIn(client, await oidc.genericGrantRequest(config, JWT_BEARER, { ...parameters, assertion }, bound(config)));
      } catch (error) {
        throw explainOAuthError(error, 'The jwt-bearer grant (workload identity)', machineContext);
      }
    }
    if (!client.client_secret && !settings.clientKey && !settings.clientAssertion) {
      throw new TetherError('TETHER_CONFIDENTIAL_CLIENT_REQUIRED', '--client-credentials needs a confidential client.', {
        hint: 'Pass --static-oauth-client-info with "client_id" and "client_secret", or with "client_id" and --client-private-key.',
      });
    }
    try {
      return signedIn(client, await oidc.clientCredentialsGrant(config, parameters, bound(config)));
    } catch (error) {
      throw explainOAuthError(error, 'The client credentials grant', machineContext);
    }
  }

  // What both user-facing flows need.
  const interactive = {
    ...(scope ? { scope } : {}),
    ...(resource ? { resource } : {}),
    extraParams: settings.authorizeParams,
    timeoutMs: settings.authTimeoutMs,
    serverUrl: settings.serverUrl,
    log: settings.log,
  };

  if (flow === 'device') {
    const client = await clientFor(undefined);
    const config = configurationFor(settings, server, client);
    const response = await signInWithDeviceCode({
      config,
      ...interactive,
      ...bound(config),
      // No browser here: the URL goes to stderr and to the IDE (URL elicitation), not to a local browser.
      onUrl: (url) => settings.onSignInUrl?.(url),
    }).catch((error: unknown) => rejectedRegistration(error, client));
    return signedIn(client, response);
  }

  const listener = await openListener(settings, sameServer);
  try {
    const client = await clientFor(listener.redirectUri.href);
    const config = configurationFor(settings, server, client);
    const response = await signInWithBrowser({
      config,
      ...bound(config),
      listener,
      ...interactive,
      ...(settings.successUrl ? { successUrl: settings.successUrl } : {}),
      openBrowser: settings.openBrowser,
    }).catch((error: unknown) => rejectedRegistration(error, client));
    return signedIn(client, response);
  } finally {
    await listener.close();
  }
}

/**
 * A client mcp-tether registered itself that the server now refuses (invalid_client, unauthorized_client) is not the
 * user's to fix: say so, and let the session forget it so that the next sign-in registers a new one.
 */
function rejectedRegistration(error: unknown, client: RegisteredClient): never {
  const code = oauthErrorCode(error);
  if (client.registration.source !== 'dynamic' || (code !== 'invalid_client' && code !== 'unauthorized_client')) throw error;
  throw new TetherError('TETHER_REGISTRATION_REJECTED', 
    `The authorization server refused the client mcp-tether registered with it (${client.registration.client_id}: ${code}).`,
    { hint: 'mcp-tether forgets that registration; the next sign-in registers a new client. Restart the server in your IDE, or run mcp-tether login.', cause: error },
  );
}

/** What of a client is secret and kept with the tokens: its secret, and the token that reads its registration back. */
function clientSecrets(client: RegisteredClient): SecretRecord {
  return {
    ...(client.client_secret ? { client_secret: client.client_secret } : {}),
    ...(client.registration_access_token ? { registration_access_token: client.registration_access_token } : {}),
  };
}

/** How the client identifies itself at the token endpoint. */
function identityOf(client: RegisteredClient, settings: Pick<SignInSettings, 'clientKey' | 'clientAssertion'>): ClientIdentity {
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

function configurationFor(settings: SignInSettings, server: AuthorizationServerMetadata, client: RegisteredClient): oidc.Configuration {
  return clientConfiguration(server, identityOf(client, settings), settings.fetch, settings.allowHttp);
}
