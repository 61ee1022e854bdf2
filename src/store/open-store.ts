// Chooses the credential store (--token-store): the keychain by default, falling back once, loudly, to the file store.
import { hasCode, messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import { FileStore } from './file-store.js';
import { KeychainStore } from './keychain-store.js';
import { MemoryStore } from './memory-store.js';
import type { SecretStore, StoreChoice, StoreKind } from './secret-store.js';

/**
 * The keychain while it answers; the file store (named on stderr, once) when there is no keychain to answer (no
 * D-Bus session, no Secret Service). A locked keychain or a refused write is not a reason to move secrets into a
 * file: those are thrown, coded, for the caller to say.
 */
/** While fallen back, the keychain is asked again at most this often (it may have been unlocked or started). */
const RETRY_MS = 10_000;

class KeychainWithFallback implements SecretStore {
  private fellBack = false;
  /** Why the keychain could not be reached, for reads of entries the file does not hold. */
  private unreachable: unknown;
  private fellBackAt = 0;
  /** Whether the user was told, once, that credentials now go to the file. */
  private told = false;

  constructor(
    private readonly keychain: KeychainStore,
    private readonly file: FileStore,
    private readonly log: Logger,
  ) {}

  get kind(): StoreKind {
    return this.fellBack ? this.file.kind : this.keychain.kind;
  }

  get location(): string {
    return this.fellBack ? this.file.location : this.keychain.location;
  }

  async get(account: string): Promise<string | undefined> {
    // A copy in the file is the newer one: a save to the keychain removes it, a save during a fallback writes it.
    const saved = await this.file.get(account);
    if (saved !== undefined) return saved;
    if (this.fellBack) {
      // The keychain may be back (unlocked, its daemon started): ask it again, now and then, never per request.
      if (Date.now() - this.fellBackAt < RETRY_MS) throw this.unreachable;
      this.fellBackAt = Date.now();
    }
    try {
      const value = await this.keychain.get(account);
      this.fellBack = false;
      this.unreachable = undefined;
      return value;
    } catch (error) {
      // An entry the file does not hold may still be in the keychain that could not be reached: not "none".
      if (hasCode(error, 'TETHER_KEYCHAIN_UNAVAILABLE')) this.fallBack(error);
      throw error;
    }
  }

  async set(account: string, value: string): Promise<void> {
    if (!this.fellBack) {
      try {
        await this.keychain.set(account, value);
        await this.file.delete(account).catch(() => false); // a copy from an earlier fallback is now the older one
        return;
      } catch (error) {
        if (!hasCode(error, 'TETHER_KEYCHAIN_UNAVAILABLE')) throw error;
        this.fallBack(error);
      }
    }
    if (!this.told) {
      this.told = true;
      this.log.always(
        `The OS keychain is not available (${messageOf(this.unreachable)}).\n` +
          `  Credentials are stored in ${this.file.location} instead (readable by your user only). ` +
          'Pass --token-store file to make this the choice, or start the keyring daemon and run again.',
      );
    }
    await this.file.set(account, value);
  }

  /**
   * Deletes from both. A keychain that cannot be reached is thrown (logout must not orphan a secret there), unless
   * the entry was in the file: then that copy was the live one, and it is gone.
   */
  async delete(account: string): Promise<boolean> {
    const fromFile = await this.file.delete(account);
    try {
      return (await this.keychain.delete(account)) || fromFile;
    } catch (error) {
      if (fromFile) return true;
      throw error;
    }
  }

  /** The keychain is not there: later calls go to the file at once (no deadline to wait out each time). */
  private fallBack(error: unknown): void {
    this.unreachable = error;
    if (this.fellBack) return;
    this.fellBack = true;
    this.fellBackAt = Date.now();
  }
}

export function openStore(choice: StoreChoice, stateDir: string, log: Logger, keychainDeadlineMs?: number): SecretStore {
  switch (choice) {
    case 'memory':
      return new MemoryStore();
    case 'file':
      return new FileStore(stateDir);
    case 'keychain':
      return new KeychainStore(keychainDeadlineMs);
    case 'auto':
      return new KeychainWithFallback(new KeychainStore(keychainDeadlineMs), new FileStore(stateDir), log);
  }
}
