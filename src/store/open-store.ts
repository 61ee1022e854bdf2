// Chooses the credential store (--token-store): the keychain by default, falling back once, loudly, to the file store.
import type { Logger } from '../log.js';
import { FileStore } from './file-store.js';
import { KeychainStore } from './keychain-store.js';
import { MemoryStore } from './memory-store.js';
import type { SecretStore, StoreChoice, StoreKind } from './secret-store.js';

/** The keychain while it works; the file store (named on stderr, once) as soon as the keychain fails. */
class KeychainWithFallback implements SecretStore {
  private fellBack = false;

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
    if (!this.fellBack) {
      try {
        const value = await this.keychain.get(account);
        if (value !== undefined) return value;
      } catch (error) {
        this.fallBack(error);
      }
    }
    // A keychain that answers "nothing" may be locked or new: credentials saved during an earlier fallback live here.
    return this.file.get(account);
  }

  async set(account: string, value: string): Promise<void> {
    if (!this.fellBack) {
      try {
        await this.keychain.set(account, value);
        return;
      } catch (error) {
        this.fallBack(error);
      }
    }
    await this.file.set(account, value);
  }

  async delete(account: string): Promise<boolean> {
    let deleted = false;
    if (!this.fellBack) {
      try {
        deleted = await this.keychain.delete(account);
      } catch (error) {
        this.fallBack(error);
      }
    }
    return (await this.file.delete(account)) || deleted;
  }

  private fallBack(error: unknown): void {
    if (this.fellBack) return;
    this.fellBack = true;
    this.log.always(
      `The OS keychain is not usable (${error instanceof Error ? error.message : String(error)}). Credentials will be stored in ${this.file.location} ` +
        '(readable by your user only). Pass --token-store file to make this the choice, or fix the keychain and run again.',
    );
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
