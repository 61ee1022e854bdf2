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
class KeychainWithFallback implements SecretStore {
  private fellBack = false;
  /** Why the keychain could not be reached, for reads of entries the file does not hold. */
  private unreachable: unknown;
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
    if (this.fellBack) {
      // An entry the file does not hold may still be in the keychain that could not be reached: not "none".
      const saved = await this.file.get(account);
      if (saved === undefined && this.unreachable !== undefined) throw this.unreachable;
      return saved;
    }
    let failure: unknown;
    try {
      const value = await this.keychain.get(account);
      if (value !== undefined) return value;
    } catch (error) {
      failure = error;
    }
    // Credentials saved during an earlier fallback live in the file.
    const saved = await this.file.get(account);
    if (saved !== undefined || failure === undefined) return saved;
    if (hasCode(failure, 'TETHER_KEYCHAIN_UNAVAILABLE')) this.fallBack(failure);
    throw failure;
  }

  async set(account: string, value: string): Promise<void> {
    if (!this.fellBack) {
      try {
        await this.keychain.set(account, value);
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

  /** Deletes from both; a keychain that cannot be reached is thrown after the file is done (logout must know). */
  async delete(account: string): Promise<boolean> {
    let failure: unknown;
    let deleted = false;
    try {
      deleted = await this.keychain.delete(account);
    } catch (error) {
      failure = error;
    }
    deleted = (await this.file.delete(account)) || deleted;
    if (failure !== undefined) throw failure;
    return deleted;
  }

  /** The keychain is not there: later calls go to the file at once (no deadline to wait out each time). */
  private fallBack(error: unknown): void {
    if (this.fellBack) return;
    this.fellBack = true;
    this.unreachable = error;
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
