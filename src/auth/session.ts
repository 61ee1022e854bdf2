// The sign-in of one mcp-tether process to one MCP server: hands the SDK transport a fresh bearer token before
// every request, refreshes ahead of expiry, and on 401 refreshes once or signs in through the browser.
import type { AuthProvider } from '@modelcontextprotocol/client';
import * as oidc from 'openid-client';
import { AuthError, describeError } from '../errors.js';
import type { Fetch } from '../http/fetch.js';
import type { Logger } from '../log.js';
import { registerSecret } from '../log.js';
import { accountName, parseRecord, type SecretRecord, type SecretStore } from '../store/secret-store.js';
import { readServerState, writeServerState, type ServerState } from '../store/server-state.js';
import { signInWithBrowser } from './browser-flow.js';
import { CallbackListener, type CallbackTarget } from './callback-server.js';
import { bearerChallenge, type BearerChallenge } from './challenge.js';
import { clientConfiguration } from './client-config.js';
import { discoverAuthorizationServer, discoverProtectedResource, type AuthorizationServerMetadata } from './discovery.js';
import { explainOAuthError, isTransient, oauthErrorCode } from './oauth-errors.js';
import { registerClient, registeredRedirect, type RegisteredClient, type StaticClientInfo } from './registration.js';
import { selectScope } from './scopes.js';
import { refreshDue, toStoredTokens } from './tokens.js';

export interface AuthSettings {
  serverUrl: URL;
  stateDir: string;
  store: SecretStore;
  fetch: Fetch;
  log: Logger;
  allowHttp: boolean;
  staticClient?: StaticClientInfo;
  /** Extra client metadata merged into dynamic registration (--static-oauth-client-metadata). */
  clientMetadata: Record<string, unknown>;
  /** Callback host and path; port undefined = from the client's redirect URI, else a free one. */
  callback: { host: string; port?: number; path: string };
  authTimeoutMs: number;
  scope?: string;
  resource?: string;
  disableResource: boolean;
  authorizeParams: Record<string, string>;
  assumePkce: boolean;
  useIdToken: boolean;
  openBrowser: (url: string) => Promise<void>;
}

export interface StoredSignIn {
  state?: ServerState;
  secrets: Promise<SecretRecord | undefined>;
}

/**
 * Starts reading what an earlier run stored, without any network: the non-secret state file names the
 * credential store entry. Called first thing at start-up so the keychain read overlaps module loading.
 */
export function loadStoredSignIn(serverUrl: URL, stateDir: string, store: SecretStore, staticClientId?: string): StoredSignIn {
  const state = readServerState(stateDir, serverUrl.href);
  if (!state || (staticClientId !== undefined && state.client.client_id !== staticClientId)) {
    return { secrets: Promise.resolve(undefined) };
  }
  const secrets = store
    .get(accountName(serverUrl.href, state.issuer, state.client.client_id))
    .then(parseRecord)
    .catch(() => undefined);
  return { state, secrets };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function bearerOf(headers: RequestInit['headers']): string | undefined {
  const value = new Headers(headers).get('authorization');
  return value?.replace(/^Bearer\s+/i, '');
}

function assertPkceSupported(server: AuthorizationServerMetadata, assumePkce: boolean): void {
  const methods = server.code_challenge_methods_supported;
  if (methods?.includes('S256')) return;
  if (methods === undefined && assumePkce) return;
  throw new AuthError(
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

export class OAuthSession implements AuthProvider {
  private state: ServerState | undefined;
  private secrets: SecretRecord | undefined;
  private readonly ready: Promise<void>;
  private refreshing: Promise<void> | undefined;
  private signingIn: Promise<void> | undefined;
  /** The access token a 401-triggered refresh produced: if that one is rejected too, only a sign-in helps. */
  private refreshedOn401: string | undefined;
  /** Which bearer token each 401 response was sent with. */
  private readonly rejectedWith = new WeakMap<Response, string | undefined>();

  constructor(
    private readonly settings: AuthSettings,
    stored: StoredSignIn,
  ) {
    this.state = stored.state;
    this.ready = stored.secrets.then((secrets) => {
      this.secrets = secrets;
      registerSecret(secrets?.tokens?.access_token);
      registerSecret(secrets?.tokens?.refresh_token);
      registerSecret(secrets?.tokens?.id_token);
      registerSecret(secrets?.client_secret);
    });
  }

  /** Wraps the transport's fetch so a 401 can be matched with the token it was sent with. */
  wrapFetch(fetch: Fetch): Fetch {
    return async (input, init) => {
      const response = await fetch(input, init);
      if (response.status === 401) this.rejectedWith.set(response, bearerOf(init?.headers));
      return response;
    };
  }

  /** The SDK transport calls this before every request. */
  async token(): Promise<string | undefined> {
    await this.ready;
    if (this.signingIn) await this.signingIn.catch(() => undefined);
    const tokens = this.secrets?.tokens;
    if (tokens?.refresh_token && refreshDue(tokens)) {
      await this.refresh().catch((error: unknown) => this.settings.log.debug(`refresh before expiry failed: ${describeError(error)}`));
    }
    return this.currentBearer();
  }

  /** The SDK transport calls this on 401, then retries the request once. */
  async onUnauthorized(context: { response: Response }): Promise<void> {
    await this.ready;
    if (this.signingIn) {
      await this.signingIn;
      return;
    }
    const sent = this.rejectedWith.get(context.response);
    const current = this.currentBearer();
    if (current !== undefined && current !== sent) return; // refreshed or signed in since: retry with the new token
    const refreshToken = this.secrets?.tokens?.refresh_token;
    if (refreshToken && this.state && sent !== this.refreshedOn401) {
      try {
        await this.refresh();
        this.refreshedOn401 = this.currentBearer();
        return;
      } catch (error) {
        if (isTransient(error)) throw error;
      }
    }
    await this.signIn(bearerChallenge(context.response));
  }

  /** Signs in now if there is no usable credential (the `login` command). */
  async ensureSignedIn(): Promise<void> {
    await this.ready;
    if (this.currentBearer() !== undefined) return;
    await this.signIn({});
  }

  private currentBearer(): string | undefined {
    const tokens = this.secrets?.tokens;
    if (!tokens) return undefined;
    return this.settings.useIdToken ? (tokens.id_token ?? tokens.access_token) : tokens.access_token;
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.refreshWithRetry().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async refreshWithRetry(): Promise<void> {
    const state = this.state;
    const tokens = this.secrets?.tokens;
    if (!state || !tokens?.refresh_token) throw new AuthError('There is no refresh token to use.');
    const config = this.configuration(state.authorization_server as AuthorizationServerMetadata, state, this.secrets?.client_secret);
    const resource = this.settings.disableResource ? undefined : state.resource;
    for (let attempt = 0; ; attempt++) {
      try {
        this.settings.log.debug('refreshing the access token');
        const response = await oidc.refreshTokenGrant(config, tokens.refresh_token, resource ? { resource } : {});
        // Save the (possibly rotated) refresh token before anything else can fail.
        await this.saveSecrets(state, { ...this.secrets, tokens: toStoredTokens(response, tokens) });
        return;
      } catch (error) {
        if (oauthErrorCode(error) === 'invalid_grant') {
          this.settings.log.info('The stored sign-in is no longer valid (the refresh token was rejected); a new sign-in is needed.');
          const { tokens: _dropped, ...rest } = this.secrets ?? {};
          await this.saveSecrets(state, rest);
          throw explainOAuthError(error, 'Refreshing the access token');
        }
        if (isTransient(error) && attempt < 3) {
          this.settings.log.debug(`token refresh failed (${describeError(error)}); retrying`);
          await sleep(250 * 2 ** attempt);
          continue;
        }
        throw explainOAuthError(error, 'Refreshing the access token');
      }
    }
  }

  private signIn(challenge: BearerChallenge): Promise<void> {
    this.signingIn ??= this.signInOnce(challenge).finally(() => {
      this.signingIn = undefined;
    });
    return this.signingIn;
  }

  private async signInOnce(challenge: BearerChallenge): Promise<void> {
    const { settings } = this;
    const discovery = await discoverProtectedResource(settings.serverUrl, challenge.resourceMetadata, settings.fetch, settings.allowHttp);
    const server = await discoverAuthorizationServer(discovery.issuer, settings.fetch, settings.allowHttp);
    assertPkceSupported(server, settings.assumePkce);
    if (!server.authorization_endpoint || !server.token_endpoint) {
      throw new AuthError(`The authorization server ${server.issuer} publishes no authorization or token endpoint.`, {
        hint: 'Check the issuer URL; mcp-tether needs the authorization code flow.',
      });
    }
    const scope = selectScope({
      ...(settings.scope ?? settings.staticClient?.scope ? { configured: settings.scope ?? settings.staticClient?.scope } : {}),
      ...(challenge.scope ? { challenged: challenge.scope } : {}),
      ...(discovery.metadata?.scopes_supported ? { supported: discovery.metadata.scopes_supported } : {}),
      ...(this.secrets?.tokens?.scope ? { previous: this.secrets.tokens.scope } : {}),
    });
    const resource = settings.disableResource ? undefined : (settings.resource ?? discovery.resource);
    const sameServer = this.state?.issuer === server.issuer ? this.state : undefined;

    const listener = await this.openListener(sameServer);
    try {
      const client = await this.resolveClient(server, listener.redirectUri.href, scope, sameServer);
      const next: ServerState = {
        server_url: settings.serverUrl.href,
        resource: resource ?? discovery.resource,
        ...(discovery.metadataUrl ? { resource_metadata_url: discovery.metadataUrl } : {}),
        issuer: server.issuer,
        authorization_server: server,
        client: client.registration,
        ...(scope ? { scope } : {}),
        store: settings.store.kind,
        updated_at: new Date().toISOString(),
      };
      const response = await signInWithBrowser({
        config: this.configuration(server, next, client.client_secret),
        listener,
        ...(scope ? { scope } : {}),
        ...(resource ? { resource } : {}),
        extraParams: settings.authorizeParams,
        timeoutMs: settings.authTimeoutMs,
        serverUrl: settings.serverUrl,
        log: settings.log,
        openBrowser: settings.openBrowser,
      });
      const previous = this.state;
      await this.saveSecrets(next, { tokens: toStoredTokens(response), ...(client.client_secret ? { client_secret: client.client_secret } : {}) });
      if (previous && (previous.issuer !== next.issuer || previous.client.client_id !== next.client.client_id)) {
        await settings.store.delete(accountName(settings.serverUrl.href, previous.issuer, previous.client.client_id)).catch(() => false);
      }
      this.refreshedOn401 = undefined;
      settings.log.info(`Signed in to ${settings.serverUrl.href} (authorization server ${server.issuer}).`);
    } finally {
      await listener.close();
    }
  }

  /** Listens where the client's registered redirect URI points, or on a free port for a new registration. */
  private async openListener(sameServer: ServerState | undefined): Promise<CallbackListener> {
    const { callback, staticClient } = this.settings;
    const registered = registeredRedirect(staticClient ? staticClient.redirect_uris : sameServer?.client.redirect_uris);
    const target: CallbackTarget = {
      host: registered?.hostname.replace(/^\[|\]$/g, '') ?? callback.host,
      port: callback.port ?? (registered ? Number(registered.port || 80) : 0),
      path: registered?.pathname ?? callback.path,
    };
    try {
      return await CallbackListener.start(target);
    } catch (error) {
      // A dynamic client can be registered again on another port; a static one cannot move.
      if (staticClient || callback.port !== undefined || target.port === 0) throw error;
      this.settings.log.info(`Port ${target.port} is busy; registering the client again on a free port.`);
      return CallbackListener.start({ ...target, port: 0 });
    }
  }

  private async resolveClient(
    server: AuthorizationServerMetadata,
    redirectUri: string,
    scope: string | undefined,
    sameServer: ServerState | undefined,
  ): Promise<RegisteredClient> {
    const { staticClient } = this.settings;
    if (staticClient) {
      return {
        registration: {
          client_id: staticClient.client_id,
          redirect_uris: staticClient.redirect_uris ?? [redirectUri],
          token_endpoint_auth_method: staticClient.token_endpoint_auth_method ?? (staticClient.client_secret ? 'client_secret_basic' : 'none'),
          source: 'static',
          has_secret: staticClient.client_secret !== undefined,
        },
        ...(staticClient.client_secret ? { client_secret: staticClient.client_secret } : {}),
      };
    }
    const stored = sameServer?.client;
    if (stored?.source === 'dynamic' && stored.redirect_uris.includes(redirectUri) && (!stored.has_secret || this.secrets?.client_secret)) {
      return { registration: stored, ...(this.secrets?.client_secret ? { client_secret: this.secrets.client_secret } : {}) };
    }
    this.settings.log.debug(`registering a client at ${server.registration_endpoint ?? server.issuer}`);
    return registerClient(server, redirectUri, this.settings.clientMetadata, scope, this.settings.fetch);
  }

  private configuration(server: AuthorizationServerMetadata, state: ServerState, clientSecret: string | undefined): oidc.Configuration {
    return clientConfiguration(
      server,
      {
        client_id: state.client.client_id,
        token_endpoint_auth_method: state.client.token_endpoint_auth_method,
        ...(clientSecret ? { client_secret: clientSecret } : {}),
      },
      this.settings.fetch,
      this.settings.allowHttp,
    );
  }

  private async saveSecrets(state: ServerState, secrets: SecretRecord): Promise<void> {
    this.state = state;
    this.secrets = secrets;
    const { store, log, stateDir, serverUrl } = this.settings;
    try {
      await store.set(accountName(serverUrl.href, state.issuer, state.client.client_id), JSON.stringify(secrets));
    } catch (error) {
      log.always(`Could not save credentials to the ${store.location}: ${describeError(error)}. They are kept in memory for this run only.`);
    }
    await writeServerState(stateDir, { ...state, store: store.kind, updated_at: new Date().toISOString() });
  }
}
