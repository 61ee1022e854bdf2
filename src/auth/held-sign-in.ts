// The sign-in one process holds for one server, and its only way to and from the credential store: read at start,
// read again while the store cannot be read, taken over when another process stored a newer one, saved before use.
import { messageOf } from '../errors.js';
import { registerSecret } from '../log.js';
import type { SecretRecord, StoredTokens } from '../store/secret-store.js';
import type { ServerState } from '../store/server-state.js';
import { deleteSecrets, dropSignIn, loadSignIn, saveSignIn, type StoredSignIn } from '../store/sign-in-record.js';
import type { AuthSettings, SignedIn } from './settings.js';
import { fingerprint } from './tokens.js';

export type HeldSettings = Pick<AuthSettings, 'stateDir' | 'serverUrl' | 'store' | 'staticClient' | 'log' | 'useIdToken'>;

/** While the store cannot be read, it is read again at most this often (each request asks). */
export const REREAD_INTERVAL_MS = 1_000;

/** Every secret held is known to the logger, which masks it wherever it would appear. */
function rememberSecrets(secrets: SecretRecord | undefined): void {
  registerSecret(secrets?.tokens?.access_token);
  registerSecret(secrets?.tokens?.refresh_token);
  registerSecret(secrets?.tokens?.id_token);
  registerSecret(secrets?.client_secret);
  registerSecret(secrets?.dpop_key?.jwk.d);
}

/** The credential a request carries: the access token, or the ID token with --use-id-token (where one was issued). */
export function bearerOf(tokens: StoredTokens | undefined, useIdToken: boolean): string | undefined {
  if (!tokens) return undefined;
  return useIdToken ? (tokens.id_token ?? tokens.access_token) : tokens.access_token;
}

export class HeldSignIn {
  private heldState: ServerState | undefined;
  private heldSecrets: SecretRecord | undefined;
  /** Resolves once the first read of the store has settled (read or found unreadable). */
  readonly ready: Promise<void>;
  /** Why the store could not be read (a locked keychain): never taken for "not signed in". */
  private unreadable: unknown;
  private lastRead = 0;
  private rereading: Promise<void> | undefined;

  constructor(
    private readonly settings: HeldSettings,
    stored: StoredSignIn,
  ) {
    this.heldState = stored.state;
    this.ready = this.take(stored);
  }

  get state(): ServerState | undefined {
    return this.heldState;
  }

  get secrets(): SecretRecord | undefined {
    return this.heldSecrets;
  }

  /** The credential requests carry now, if any. */
  get bearer(): string | undefined {
    return bearerOf(this.heldSecrets?.tokens, this.settings.useIdToken);
  }

  /** The coded reason the store could not be read, while it stands. */
  get unreadableReason(): unknown {
    return this.unreadable;
  }

  /** Takes what the store holds; a store that cannot be read is remembered, never taken for "none". */
  private async take(stored: StoredSignIn): Promise<void> {
    try {
      const secrets = await stored.secrets;
      rememberSecrets(secrets);
      this.heldSecrets = secrets;
      this.unreadable = undefined;
    } catch (error) {
      // Said by whoever needs the credential (the IDE's request, the command): once, with its code.
      if (this.unreadable === undefined) this.settings.log.debug(`cannot read the stored sign-in: ${messageOf(error)}`);
      this.unreadable = error;
    }
  }

  private load(): StoredSignIn {
    const { stateDir, serverUrl, store, staticClient } = this.settings;
    return loadSignIn(stateDir, serverUrl.href, store, staticClient?.client_id);
  }

  /** While the store could not be read, reads it again (at most once a REREAD_INTERVAL_MS): an unlocked keychain is used at once. */
  readAgainIfUnreadable(): Promise<void> {
    if (this.unreadable === undefined || Date.now() - this.lastRead < REREAD_INTERVAL_MS) return this.rereading ?? Promise.resolve();
    this.rereading ??= (async () => {
      const stored = this.load();
      this.heldState = stored.state ?? this.heldState;
      await this.take(stored);
      if (this.unreadable === undefined) this.settings.log.info(`The stored sign-in for ${this.settings.serverUrl.href} can be read again; using it.`);
    })().finally(() => {
      this.lastRead = Date.now(); // counted from the end: a read that waited out the keychain's deadline is not repeated at once
      this.rereading = undefined;
    });
    return this.rereading;
  }

  /**
   * Takes over what another process stored meanwhile (its refresh or sign-in), unless its credential is the one
   * just rejected (`rejected` is that credential's fingerprint). True when something usable was adopted.
   */
  async adoptStored(rejected: string | undefined): Promise<boolean> {
    const stored = this.load();
    const secrets = await stored.secrets;
    const tokens = secrets?.tokens;
    if (!stored.state || !tokens) {
      // A registration kept from an abandoned sign-in (no tokens yet) is still worth reusing.
      if (stored.state && !this.heldSecrets?.tokens) {
        this.heldState = stored.state;
        this.heldSecrets = secrets;
      }
      return false;
    }
    if (fingerprint(bearerOf(tokens, this.settings.useIdToken)) === rejected) return false;
    this.use({ state: stored.state, secrets: secrets });
    this.settings.log.debug('using credentials another mcp-tether process just stored');
    return true;
  }

  /** Holds a sign-in that is stored already (another process stored it). */
  use(signedIn: SignedIn): void {
    rememberSecrets(signedIn.secrets);
    this.heldState = signedIn.state;
    this.heldSecrets = signedIn.secrets;
  }

  /**
   * Stores, then holds: a rotated refresh token is never only in memory while requests go out. A store that refuses
   * is said on stderr and the credentials are held for this run only.
   */
  async save(state: ServerState, secrets: SecretRecord): Promise<void> {
    rememberSecrets(secrets);
    const { store, log, stateDir } = this.settings;
    try {
      await saveSignIn(stateDir, store, state, secrets);
    } catch (error) {
      log.always(`Could not save credentials to the ${store.location}: ${messageOf(error)}. They are kept in memory for this run only.`);
    }
    this.use({ state, secrets });
  }

  /**
   * Saves a new sign-in. The entry of the one it replaces (`previous`, as held before the sign-in began) goes when it
   * was for another authorization server or client.
   */
  async saveNew(next: SignedIn, previous: ServerState | undefined): Promise<void> {
    await this.save(next.state, next.secrets);
    if (previous && (previous.issuer !== next.state.issuer || previous.client.client_id !== next.state.client.client_id)) {
      await deleteSecrets(this.settings.store, previous);
    }
  }

  /** Keeps the sign-in but not its tokens (the authorization server revoked them): the registration is reused. */
  async dropTokens(): Promise<void> {
    const { heldState: state, heldSecrets: secrets } = this;
    if (!state || !secrets) return;
    const { tokens: _revoked, ...rest } = secrets;
    await this.save(state, rest);
  }

  /** Drops the stored sign-in (registration included): keychain entry and state file. Best effort. */
  async forget(): Promise<void> {
    const state = this.heldState;
    this.heldState = undefined;
    this.heldSecrets = undefined;
    if (state) await dropSignIn(this.settings.stateDir, this.settings.store, state);
  }
}
