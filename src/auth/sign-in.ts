// A complete sign-in: discovery, the decisions (scope, resource, DPoP, client), then the flow's grant (browser,
// device, or a machine's own in machine-grants.ts). Loaded only when a sign-in is needed.
import * as oidc from 'openid-client';
import { TetherError } from '../errors.js';
import type { SecretRecord, StoredDPoPKey } from '../store/secret-store.js';
import type { ServerState } from '../store/server-state.js';
import { signInWithBrowser } from './browser-flow.js';
import { CallbackListener, type CallbackTarget } from './callback-server.js';
import type { BearerChallenge } from './challenge.js';
import { clientSecrets, configurationFor, identityOf, rejectedRegistration, resolveClient } from './client-choice.js';
import { chooseAuthMethod } from './client-config.js';
import { signInWithDeviceCode } from './device-flow.js';
import { dpopAlgorithm, newDPoPKey, type DPoPKey } from './dpop.js';
import { discoverAuthorizationServer, discoverProtectedResource, type AuthorizationServerMetadata, type ResourceDiscovery } from './discovery.js';
import { machineGrant } from './machine-grants.js';
import { registeredRedirect, type RegisteredClient } from './registration.js';
import { selectScope } from './scopes.js';
import { isMachineFlow, type SignedIn, type SignInSettings } from './settings.js';
import { toStoredTokens } from './tokens.js';

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
async function openListener(settings: Pick<SignInSettings, 'callback' | 'staticClient' | 'log' | 'authTimeoutMs'>, sameServer: ServerState | undefined): Promise<CallbackListener> {
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

/** The authorization server can serve this flow: PKCE for the authorization code flow, and the endpoints it uses. */
function assertServerServes(flow: SignInSettings['flow'], server: AuthorizationServerMetadata, assumePkce: boolean): void {
  // PKCE belongs to the authorization code flow: no other grant is refused for the lack of it.
  if (flow === 'browser') assertPkceSupported(server, assumePkce);
  if ((flow === 'browser' && !server.authorization_endpoint) || !server.token_endpoint) {
    throw new TetherError('TETHER_METADATA_INVALID', `The authorization server ${server.issuer} publishes no ${server.token_endpoint ? 'authorization' : 'token'} endpoint.`, {
      hint: 'Check the issuer URL the server\'s metadata names.',
    });
  }
}

/**
 * A whole sign-in, in three steps: discover (the resource's metadata, then its authorization server's), decide
 * (scope, resource indicator, DPoP, the client), then the grant of the flow: the browser's authorization code with
 * PKCE, the device code, or a machine's own grant.
 */
export async function signIn(
  settings: SignInSettings,
  challenge: BearerChallenge,
  previous: { state?: ServerState; secrets?: SecretRecord },
  /** Told of a new dynamic registration before the user is sent to sign in, so that it can be kept. */
  onRegistered: (registered: SignedIn) => Promise<void> = async () => undefined,
): Promise<SignedIn> {
  const trace = (line: string): void => settings.log.debug(`sign-in: ${line}`);
  const flow = settings.flow ?? 'browser';

  // 1. Discover.
  const { discovery, server } =
    isMachineFlow(flow) && settings.tokenEndpoint
      ? givenTokenEndpoint(settings.serverUrl, settings.tokenEndpoint, trace)
      : await discover(settings, challenge, trace);
  assertServerServes(flow, server, settings.assumePkce);

  // 2. Decide what to ask for, and how the tokens are bound.
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

  // 3. The grant.
  if (isMachineFlow(flow)) {
    const client = await resolveClient(settings, server, undefined, scope, sameServer, undefined);
    const config = configurationFor(settings, server, client);
    return signedIn(client, await machineGrant(flow, settings, { server, client, config, scope, resource, bound: bound(config) }));
  }
  /** The client for a flow with a user; a new registration is handed to onRegistered before it is used. */
  const clientFor = async (redirectUri: string | undefined): Promise<{ client: RegisteredClient; config: oidc.Configuration }> => {
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
    return { client, config: configurationFor(settings, server, client) };
  };
  const interactive = {
    ...(scope ? { scope } : {}),
    ...(resource ? { resource } : {}),
    extraParams: settings.authorizeParams,
    timeoutMs: settings.authTimeoutMs,
    serverUrl: settings.serverUrl,
    log: settings.log,
  };

  if (flow === 'device') {
    const { client, config } = await clientFor(undefined);
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
    const { client, config } = await clientFor(listener.redirectUri.href);
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
