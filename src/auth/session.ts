// The sign-in of one mcp-tether process to one MCP server, as the SDK transport's AuthProvider: a fresh bearer
// token before every request, refresh ahead of expiry, and on 401 one refresh or else a browser sign-in.
// Refresh and sign-in code (openid-client) is loaded only when needed, to keep start-up fast.
import type { AuthProvider } from '@modelcontextprotocol/client';
import { hasCode, messageOf, TetherError } from '../errors.js';
import type { Fetch } from '../http/fetch.js';
import { registerSecret } from '../log.js';
import type { SecretRecord, StoredDPoPKey } from '../store/secret-store.js';
import { serverLockPath, withLock } from '../coordination/lock.js';
import { clearPendingSignIn, publishPendingSignIn, readPendingSignIn } from '../coordination/pending-sign-in.js';
import type { ServerState } from '../store/server-state.js';
import { deleteSecrets, dropSignIn, loadSignIn, saveSignIn, type StoredSignIn } from '../store/sign-in-record.js';
import { bearerChallenge, type BearerChallenge } from './challenge.js';
import type { DPoPKey } from './dpop.js';
import { isMachineFlow, type AuthSettings, type SignedIn, type SignInObserver } from './settings.js';
import { asBearer, fingerprint, isDPoPBound, refreshDue } from './tokens.js';

/** The credential store could not be read or written: never a reason to sign in again. */
const STORE_FAILURES = ['TETHER_KEYCHAIN_LOCKED', 'TETHER_KEYCHAIN_UNAVAILABLE', 'TETHER_KEYCHAIN_REFUSED'] as const;
/** A refresh that failed this way fails the call: a browser sign-in would meet the same server and the same refusal. */
const NOT_HELPED_BY_SIGN_IN = [
  'TETHER_AUTH_SERVER_UNAVAILABLE',
  'TETHER_RESPONSE_TOO_LARGE',
  'TETHER_TOKEN_REFUSED',
  'TETHER_REDIRECT_REFUSED',
  'TETHER_ADDRESS_REFUSED',
  ...STORE_FAILURES,
] as const;

/** Step-up sign-ins per request before the 403 is passed on (MCP: stop after a few attempts). */
const MAX_STEP_UPS = 2;

function bearerOf(headers: RequestInit['headers']): string | undefined {
  const value = new Headers(headers).get('authorization');
  return value?.replace(/^Bearer\s+/i, '');
}

function rememberSecrets(secrets: SecretRecord | undefined): void {
  registerSecret(secrets?.tokens?.access_token);
  registerSecret(secrets?.tokens?.refresh_token);
  registerSecret(secrets?.tokens?.id_token);
  registerSecret(secrets?.client_secret);
  registerSecret(secrets?.dpop_key?.jwk.d);
}

/** A token younger than this that the server refuses is not refreshed again: a sign-in follows. */
const JUST_OBTAINED_MS = 30_000;

export class OAuthSession implements AuthProvider {
  /** The bridge listens here, to keep the IDE informed during a sign-in. */
  observer: SignInObserver | undefined;
  /** Called when this process sends the user to sign in (its own sign-in, not one it joined). */
  onOwnSignIn: (() => void) | undefined;
  private state: ServerState | undefined;
  private secrets: SecretRecord | undefined;
  private readonly ready: Promise<void>;
  private refreshing: Promise<void> | undefined;
  private signingIn: Promise<void> | undefined;
  /** The access token a 401-triggered refresh produced: if that one is rejected too, only a sign-in helps. */
  private refreshedOn401: string | undefined;
  /** Which bearer token each 401 response was sent with. */
  private readonly rejectedWith = new WeakMap<Response, string | undefined>();
  /** Why the stored sign-in could not be read (a locked keychain): no sign-in starts while it stands. */
  private unreadable: unknown;
  private lastRead = 0;
  private rereading: Promise<void> | undefined;
  /** The stored DPoP key, loaded once (the keychain's JWK imported non-extractable), and the MCP server's nonces. */
  private dpop: { stored: StoredDPoPKey; key: Promise<DPoPKey> } | undefined;
  private readonly dpopNonces = new Map<string, string>();

  constructor(
    private readonly settings: AuthSettings,
    stored: StoredSignIn,
  ) {
    this.state = stored.state;
    this.ready = this.take(stored);
  }

  /** Takes what the store holds; a store that cannot be read is remembered (and said once), never taken for "none". */
  private async take(stored: StoredSignIn): Promise<void> {
    try {
      const secrets = await stored.secrets;
      rememberSecrets(secrets);
      this.secrets = secrets;
      this.unreadable = undefined;
    } catch (error) {
      // Said by whoever needs the credential (the IDE's request, the command): once, with its code.
      if (this.unreadable === undefined) this.settings.log.debug(`cannot read the stored sign-in: ${messageOf(error)}`);
      this.unreadable = error;
    }
  }

  /** While the store could not be read, each request reads it again (at most once a second): an unlocked keychain is used at once. */
  private readAgainIfUnreadable(): Promise<void> {
    if (this.unreadable === undefined || Date.now() - this.lastRead < 1_000) return this.rereading ?? Promise.resolve();
    this.rereading ??= (async () => {
      const { stateDir, serverUrl, store, staticClient } = this.settings;
      const stored = loadSignIn(stateDir, serverUrl.href, store, staticClient?.client_id);
      this.state = stored.state ?? this.state;
      await this.take(stored);
      if (this.unreadable === undefined) this.settings.log.info(`The stored sign-in for ${serverUrl.href} can be read again; using it.`);
    })().finally(() => {
      this.lastRead = Date.now(); // counted from the end: a read that waited out the keychain's deadline is not repeated at once
      this.rereading = undefined;
    });
    return this.rereading;
  }

  /**
   * Wraps the transport's fetch: a 401 is matched with the token it was sent with, and a 403 insufficient_scope
   * leads to a new sign-in with the wider scopes and the same request again, a bounded number of times.
   */
  wrapFetch(fetch: Fetch): Fetch {
    return async (input, init) => {
      let request = init;
      let response = await this.send(fetch, input, request);
      for (let attempt = 0; attempt < MAX_STEP_UPS && response.status === 403; attempt++) {
        const challenge = bearerChallenge(response);
        if (challenge.error !== 'insufficient_scope' || bearerOf(request?.headers) === undefined) break;
        await response.body?.cancel().catch(() => undefined);
        this.settings.log.info(`The server needs more permissions${challenge.scope ? ` (${challenge.scope})` : ''}; signing in again to grant them.`);
        await this.signIn(challenge);
        const headers = new Headers(request?.headers);
        const bearer = this.currentBearer();
        if (bearer) headers.set('authorization', `Bearer ${bearer}`);
        request = { ...request, headers };
        response = await this.send(fetch, input, request);
      }
      if (response.status === 401) this.rejectedWith.set(response, bearerOf(request?.headers));
      return response;
    };
  }

  /**
   * One request with the credential as its type wants it: the SDK writes `Bearer`; a token bound to a key (DPoP,
   * RFC 9449 section 7.1) goes out with the DPoP scheme and a fresh proof instead. The ID token is never bound.
   */
  private async send(fetch: Fetch, input: Parameters<Fetch>[0], init: RequestInit | undefined): Promise<Response> {
    const stored = this.secrets?.dpop_key;
    const bearer = bearerOf(init?.headers);
    if (!stored || !bearer || this.settings.useIdToken || !isDPoPBound(this.secrets?.tokens?.token_type)) return fetch(input, init);
    if (this.dpop?.stored !== stored) this.dpop = { stored, key: import('./dpop.js').then((dpop) => dpop.loadDPoPKey(stored)) };
    const [{ fetchWithProof }, key] = await Promise.all([import('./dpop.js'), this.dpop.key]);
    return fetchWithProof(fetch, key, this.dpopNonces, bearer, input, init);
  }

  /** The SDK transport calls this before every request. */
  async token(): Promise<string | undefined> {
    await this.ready;
    await this.readAgainIfUnreadable();
    if (this.signingIn) await this.signingIn.catch(() => undefined);
    const tokens = this.secrets?.tokens;
    if (tokens && refreshDue(asBearer(tokens, this.settings.useIdToken))) {
      if (tokens.refresh_token) {
        await this.refresh().catch((error: unknown) => this.settings.log.debug(`refresh before expiry failed: ${messageOf(error)}`));
      } else if (isMachineFlow(this.settings.flow)) {
        await this.signIn({}).catch((error: unknown) => this.settings.log.debug(`new ${this.settings.flow} token failed: ${messageOf(error)}`));
      }
    }
    return this.currentBearer();
  }

  /** The SDK transport calls this on 401, then retries the request once. */
  async onUnauthorized(context: { response: Response }): Promise<void> {
    await this.ready;
    await this.readAgainIfUnreadable();
    // A sign-in is stored but cannot be read: a new browser sign-in would only hide the real problem.
    if (this.unreadable !== undefined) throw this.unreadable;
    if (this.signingIn) {
      await this.signingIn;
      return;
    }
    const sent = this.rejectedWith.get(context.response);
    const current = this.currentBearer();
    if (current !== undefined && current !== sent) return; // refreshed or signed in since: retry with the new token
    // A token refreshed or signed in for moments ago, not yet near its expiry, and refused at once will not be helped
    // by another refresh (the server now trusts another authorization server, or wants another audience): only a
    // sign-in can. A short-lived token that has simply expired is refreshed as usual.
    const tokens = this.secrets?.tokens;
    const justObtained =
      tokens !== undefined &&
      Date.now() - tokens.obtained_at < JUST_OBTAINED_MS &&
      !refreshDue(asBearer(tokens, this.settings.useIdToken));
    if (this.secrets?.tokens?.refresh_token && this.state && sent !== this.refreshedOn401 && !justObtained) {
      try {
        await this.refresh();
        this.refreshedOn401 = this.currentBearer();
        return;
      } catch (error) {
        if (hasCode(error, ...NOT_HELPED_BY_SIGN_IN)) throw error;
      }
    }
    await this.signIn(bearerChallenge(context.response));
  }

  /** Whether a credential is at hand (after `token()` has loaded and, if due, refreshed it). */
  get signedIn(): boolean {
    return this.currentBearer() !== undefined;
  }

  /** The non-secret state of the current sign-in, for messages. */
  get current(): ServerState | undefined {
    return this.state;
  }

  /** Access token expiry, epoch ms, if known. */
  get expiresAt(): number | undefined {
    return this.secrets?.tokens?.expires_at;
  }

  private currentBearer(): string | undefined {
    const tokens = this.secrets?.tokens;
    if (!tokens) return undefined;
    return this.settings.useIdToken ? (tokens.id_token ?? tokens.access_token) : tokens.access_token;
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.refreshOnce().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /**
   * One refresh or sign-in at a time per server, across every mcp-tether process on this machine. While another
   * process signs the user in, its sign-in URL is passed on (`onJoinedUrl`), so this IDE can show the same link.
   */
  private async exclusive<T>(work: () => Promise<T>, onJoinedUrl?: (url: string) => void): Promise<T> {
    const { stateDir, serverUrl, authTimeoutMs, log } = this.settings;
    let relay: NodeJS.Timeout | undefined;
    let relayed: string | undefined;
    const lookForUrl = async (): Promise<void> => {
      const pending = await readPendingSignIn(stateDir, serverUrl.href);
      if (!pending || pending.url === relayed || !relay) return;
      relayed = pending.url;
      log.info(`Joining the sign-in another mcp-tether (pid ${pending.pid}) started; finish it in the browser, or open:\n${pending.url}`);
      onJoinedUrl?.(pending.url);
    };
    try {
      return await withLock(
        serverLockPath(stateDir, serverUrl.href),
        {
          timeoutMs: authTimeoutMs + 30_000,
          onWait: (pid) => {
            log.info(`Another mcp-tether${pid ? ` (pid ${pid})` : ''} is signing in to or refreshing ${serverUrl.href}; waiting for it.`);
            if (!onJoinedUrl) return;
            relay = setInterval(() => void lookForUrl(), 500);
            relay.unref();
            void lookForUrl();
          },
        },
        () => {
          clearInterval(relay);
          relay = undefined;
          return work();
        },
      );
    } finally {
      clearInterval(relay);
      relay = undefined;
    }
  }

  /**
   * Takes over what another process stored meanwhile (its refresh or sign-in), unless the stored token is the one
   * that was just rejected. True when something usable was adopted.
   */
  private async adoptStored(rejected: string | undefined): Promise<boolean> {
    const { serverUrl, stateDir, store, staticClient } = this.settings;
    const stored = loadSignIn(stateDir, serverUrl.href, store, staticClient?.client_id);
    const secrets = await stored.secrets;
    const tokens = secrets?.tokens;
    if (!stored.state || !tokens) {
      // A registration kept from an abandoned sign-in (no tokens yet) is still worth reusing.
      if (stored.state && !this.secrets?.tokens) {
        this.state = stored.state;
        this.secrets = secrets;
      }
      return false;
    }
    const bearer = this.settings.useIdToken ? (tokens.id_token ?? tokens.access_token) : tokens.access_token;
    if (fingerprint(bearer) === rejected) return false;
    rememberSecrets(secrets);
    this.state = stored.state;
    this.secrets = secrets;
    this.settings.log.debug('using credentials another mcp-tether process just stored');
    return true;
  }

  private async refreshOnce(): Promise<void> {
    const before = fingerprint(this.currentBearer());
    await this.exclusive(async () => {
      if (await this.adoptStored(before)) return; // another process refreshed: its refresh token is the live one
      const { state, secrets } = this;
      if (!state || !secrets) throw new TetherError('TETHER_GRANT_REVOKED', 'There is no stored sign-in to refresh.');
      const { refreshTokens } = await import('./refresh.js');
      try {
        const tokens = await refreshTokens(this.settings, state, secrets);
        // Save the (possibly rotated) refresh token before anything else can fail.
        await this.save(state, { ...secrets, tokens });
      } catch (error) {
        if (hasCode(error, 'TETHER_GRANT_REVOKED')) {
          // Another process may have used the same refresh token meanwhile (it took the lock over from this one while
          // it stalled): its rotated tokens are the live ones, and must not be overwritten.
          if (await this.adoptStored(before)) return;
          this.settings.log.info('The stored sign-in is no longer valid (the refresh token was rejected); a new sign-in is needed.');
          const { tokens: _revoked, ...rest } = secrets;
          await this.save(state, rest);
        }
        throw error;
      }
    });
  }

  private signIn(challenge: BearerChallenge): Promise<void> {
    this.signingIn ??= this.signInOnce(challenge).finally(() => {
      this.signingIn = undefined;
    });
    return this.signingIn;
  }

  private async signInOnce(challenge: BearerChallenge): Promise<void> {
    const rejected = fingerprint(this.currentBearer());
    this.observer?.started();
    try {
      const elsewhere = isMachineFlow(this.settings.flow) ? undefined : this.settings.signInElsewhere;
      if (elsewhere) {
        const next = await elsewhere(challenge, rejected, (url) => this.observer?.url(url));
        rememberSecrets(next.secrets);
        this.state = next.state;
        this.secrets = next.secrets;
        this.refreshedOn401 = undefined;
      } else {
        await this.signInHere(challenge, rejected);
      }
      this.observer?.ended();
    } catch (error) {
      this.observer?.ended(error);
      throw error;
    }
  }

  /**
   * Signs in in this process, under the cross-process lock: adopts what another process stored while this one
   * waited, else runs the whole sign-in and stores it. `rejected` is the fingerprint of the refused token.
   */
  async signInHere(challenge: BearerChallenge, rejected: string | undefined): Promise<SignedIn> {
    await this.ready;
    await this.exclusive(() => this.signInExclusively(challenge, rejected), (url) => this.observer?.url(url));
    const { state, secrets } = this;
    if (!state || !secrets) throw new TetherError('TETHER_GRANT_REVOKED', 'The sign-in ended without credentials.');
    return { state, secrets };
  }

  private async signInExclusively(challenge: BearerChallenge, rejected: string | undefined): Promise<void> {
    if (await this.adoptStored(rejected)) return; // another process signed in while we waited
    const { signIn } = await import('./sign-in.js');
    const previous = this.state;
    const { stateDir, serverUrl, authTimeoutMs } = this.settings;
    const announce = (url: string): void => {
      this.onOwnSignIn?.();
      this.observer?.url(url);
      void publishPendingSignIn(stateDir, serverUrl.href, { url, pid: process.pid, expires_at: Date.now() + authTimeoutMs }).catch(() => undefined);
    };
    const settings: AuthSettings = {
      ...this.settings,
      openBrowser: (url) => {
        announce(url);
        return this.settings.openBrowser(url);
      },
      onSignInUrl: announce,
    };
    let next: SignedIn;
    try {
      next = await signIn(
        settings,
        challenge,
        { ...(this.state ? { state: this.state } : {}), ...(this.secrets ? { secrets: this.secrets } : {}) },
        // A new registration is kept at once, so that an abandoned sign-in does not register another client next time.
        (registered) => this.save(registered.state, registered.secrets),
      );
    } catch (error) {
      if (hasCode(error, 'TETHER_REGISTRATION_REJECTED')) await this.forget();
      throw error;
    } finally {
      await clearPendingSignIn(stateDir, serverUrl.href);
    }
    await this.save(next.state, next.secrets);
    this.refreshedOn401 = undefined;
    if (previous && (previous.issuer !== next.state.issuer || previous.client.client_id !== next.state.client.client_id)) {
      // The old entry belonged to another authorization server or client: do not leave it behind.
      await deleteSecrets(this.settings.store, previous);
    }
    this.settings.log.info(`Signed in to ${this.settings.serverUrl.href} (authorization server ${next.state.issuer}).`);
  }
  /** Drops the stored sign-in (registration included) of this server: keychain entry and state file. */
  private async forget(): Promise<void> {
    const state = this.state;
    this.state = undefined;
    this.secrets = undefined;
    // Best effort: a store that cannot delete now must not keep a registration the server refused.
    if (state) await dropSignIn(this.settings.stateDir, this.settings.store, state);
  }

  private async save(state: ServerState, secrets: SecretRecord): Promise<void> {
    rememberSecrets(secrets);
    const { store, log, stateDir } = this.settings;
    // Stored before this process uses them: a rotated refresh token is never only in memory while requests go out.
    try {
      await saveSignIn(stateDir, store, state, secrets);
    } catch (error) {
      log.always(`Could not save credentials to the ${store.location}: ${messageOf(error)}. They are kept in memory for this run only.`);
    }
    this.state = state;
    this.secrets = secrets;
  }
}
