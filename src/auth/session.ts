// When one process refreshes and when it signs in, as the SDK transport's AuthProvider: a fresh token before every
// request, refresh ahead of expiry, and on 401 one refresh or else a new sign-in (held-sign-in.ts holds the tokens).
import type { AuthProvider } from '@modelcontextprotocol/client';
import { hasCode, messageOf, TetherError } from '../errors.js';
import type { Fetch } from '../http/fetch.js';
import { clearPendingSignIn, publishPendingSignIn } from '../coordination/pending-sign-in.js';
import { takeServerTurn } from '../coordination/server-turn.js';
import type { ServerState } from '../store/server-state.js';
import type { StoredSignIn } from '../store/sign-in-record.js';
import { bearerChallenge, type BearerChallenge } from './challenge.js';
import { credentialFetch } from './credential-fetch.js';
import { HeldSignIn } from './held-sign-in.js';
import { isMachineFlow, type AuthSettings, type SignedIn, type SignInObserver } from './settings.js';
import { asBearer, fingerprint, refreshDue } from './tokens.js';

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

/** A token younger than this that the server refuses is not refreshed again: a sign-in follows. */
const JUST_OBTAINED_MS = 30_000;

export class OAuthSession implements AuthProvider {
  /** The bridge listens here, to keep the IDE informed during a sign-in. */
  observer: SignInObserver | undefined;
  /** Called when this process sends the user to sign in (its own sign-in, not one it joined). */
  onOwnSignIn: (() => void) | undefined;
  private readonly held: HeldSignIn;
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
    this.held = new HeldSignIn(settings, stored);
  }

  /** The transport's fetch, with the credential as its type wants it, step-up on 403, and each 401 matched with its token. */
  wrapFetch(fetch: Fetch): Fetch {
    return credentialFetch(fetch, {
      held: this.held,
      useIdToken: this.settings.useIdToken,
      log: this.settings.log,
      stepUp: (challenge) => this.signIn(challenge),
      onUnauthorized: (response, sentWith) => this.rejectedWith.set(response, sentWith),
    });
  }

  /** The SDK transport calls this before every request. */
  async token(): Promise<string | undefined> {
    await this.held.ready;
    await this.held.readAgainIfUnreadable();
    if (this.signingIn) await this.signingIn.catch(() => undefined);
    const tokens = this.held.secrets?.tokens;
    if (tokens && refreshDue(asBearer(tokens, this.settings.useIdToken))) {
      if (tokens.refresh_token) {
        await this.refresh().catch((error: unknown) => this.settings.log.debug(`refresh before expiry failed: ${messageOf(error)}`));
      } else if (isMachineFlow(this.settings.flow)) {
        await this.signIn({}).catch((error: unknown) => this.settings.log.debug(`new ${this.settings.flow} token failed: ${messageOf(error)}`));
      }
    }
    return this.held.bearer;
  }

  /** The SDK transport calls this on 401, then retries the request once. */
  async onUnauthorized(context: { response: Response }): Promise<void> {
    await this.held.ready;
    await this.held.readAgainIfUnreadable();
    // A sign-in is stored but cannot be read: a new browser sign-in would only hide the real problem.
    if (this.held.unreadableReason !== undefined) throw this.held.unreadableReason;
    if (this.signingIn) {
      await this.signingIn;
      return;
    }
    const sent = this.rejectedWith.get(context.response);
    const current = this.held.bearer;
    if (current !== undefined && current !== sent) return; // refreshed or signed in since: retry with the new token
    // A token refreshed or signed in for moments ago, not yet near its expiry, and refused at once will not be helped
    // by another refresh (the server now trusts another authorization server, or wants another audience): only a
    // sign-in can. A short-lived token that has simply expired is refreshed as usual.
    const tokens = this.held.secrets?.tokens;
    const justObtained =
      tokens !== undefined &&
      Date.now() - tokens.obtained_at < JUST_OBTAINED_MS &&
      !refreshDue(asBearer(tokens, this.settings.useIdToken));
    if (tokens?.refresh_token && this.held.state && sent !== this.refreshedOn401 && !justObtained) {
      try {
        await this.refresh();
        this.refreshedOn401 = this.held.bearer;
        return;
      } catch (error) {
        if (hasCode(error, ...NOT_HELPED_BY_SIGN_IN)) throw error;
      }
    }
    await this.signIn(bearerChallenge(context.response));
  }

  /** Whether a credential is at hand (after `token()` has loaded and, if due, refreshed it). */
  get signedIn(): boolean {
    return this.held.bearer !== undefined;
  }

  /** The non-secret state of the current sign-in, for messages. */
  get current(): ServerState | undefined {
    return this.held.state;
  }

  /** Access token expiry, epoch ms, if known. */
  get expiresAt(): number | undefined {
    return this.held.secrets?.tokens?.expires_at;
  }

  /** One refresh at a time in this process; see exclusive() for the others. */
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
  private exclusive<T>(work: () => Promise<T>, onJoinedUrl?: (url: string) => void): Promise<T> {
    const { stateDir, serverUrl, authTimeoutMs, log } = this.settings;
    return takeServerTurn({ stateDir, serverUrl: serverUrl.href, timeoutMs: authTimeoutMs + 30_000, log, ...(onJoinedUrl ? { onJoinedUrl } : {}) }, work);
  }

  private async refreshOnce(): Promise<void> {
    const before = fingerprint(this.held.bearer);
    await this.exclusive(async () => {
      if (await this.held.adoptStored(before)) return; // another process refreshed: its refresh token is the live one
      const { state, secrets } = this.held;
      if (!state || !secrets) throw new TetherError('TETHER_GRANT_REVOKED', 'There is no stored sign-in to refresh.');
      const { refreshTokens } = await import('./refresh.js');
      try {
        const tokens = await refreshTokens(this.settings, state, secrets);
        // Save the (possibly rotated) refresh token before anything else can fail.
        await this.held.save(state, { ...secrets, tokens });
      } catch (error) {
        if (hasCode(error, 'TETHER_GRANT_REVOKED')) {
          // Another process may have used the same refresh token meanwhile (it took the lock over from this one while
          // it stalled): its rotated tokens are the live ones, and must not be overwritten.
          if (await this.held.adoptStored(before)) return;
          this.settings.log.info('The stored sign-in is no longer valid (the refresh token was rejected); a new sign-in is needed.');
          await this.held.dropTokens();
        }
        throw error;
      }
    });
  }

  /** One sign-in at a time in this process; requests that meet a 401 meanwhile wait for it. */
  private signIn(challenge: BearerChallenge): Promise<void> {
    this.signingIn ??= this.signInOnce(challenge).finally(() => {
      this.signingIn = undefined;
    });
    return this.signingIn;
  }

  private async signInOnce(challenge: BearerChallenge): Promise<void> {
    const rejected = fingerprint(this.held.bearer);
    this.observer?.started();
    try {
      const elsewhere = isMachineFlow(this.settings.flow) ? undefined : this.settings.signInElsewhere;
      if (elsewhere) {
        this.held.use(await elsewhere(challenge, rejected, (url) => this.observer?.url(url)));
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
    await this.held.ready;
    await this.exclusive(() => this.signInExclusively(challenge, rejected), (url) => this.observer?.url(url));
    const { state, secrets } = this.held;
    if (!state || !secrets) throw new TetherError('TETHER_GRANT_REVOKED', 'The sign-in ended without credentials.');
    return { state, secrets };
  }

  private async signInExclusively(challenge: BearerChallenge, rejected: string | undefined): Promise<void> {
    if (await this.held.adoptStored(rejected)) return; // another process signed in while we waited
    const { signIn } = await import('./sign-in.js');
    const previous = this.held.state;
    const { stateDir, serverUrl, authTimeoutMs } = this.settings;
    const announce = (url: string): void => {
      this.onOwnSignIn?.();
      this.observer?.url(url);
      void publishPendingSignIn(stateDir, serverUrl.href, { url, pid: process.pid, expires_at: Date.now() + authTimeoutMs }).catch(() => undefined);
    };
    let next: SignedIn;
    try {
      next = await signIn(
        {
          ...this.settings,
          openBrowser: (url) => {
            announce(url);
            return this.settings.openBrowser(url);
          },
          onSignInUrl: announce,
        },
        challenge,
        { ...(this.held.state ? { state: this.held.state } : {}), ...(this.held.secrets ? { secrets: this.held.secrets } : {}) },
        // A new registration is kept at once, so that an abandoned sign-in does not register another client next time.
        (registered) => this.held.save(registered.state, registered.secrets),
      );
    } catch (error) {
      // Best effort: a store that cannot delete now must not keep a registration the server refused.
      if (hasCode(error, 'TETHER_REGISTRATION_REJECTED')) await this.held.forget();
      throw error;
    } finally {
      await clearPendingSignIn(stateDir, serverUrl.href);
    }
    await this.held.saveNew(next, previous);
    this.refreshedOn401 = undefined;
    this.settings.log.info(`Signed in to ${serverUrl.href} (authorization server ${next.state.issuer}).`);
  }
}
