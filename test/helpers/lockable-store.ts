// An in-memory credential store that can be locked, for unit tests of what reads and writes the stored sign-in: a
// locked store refuses reads with TETHER_KEYCHAIN_LOCKED, as GNOME Keyring's locked collection does through the helper.
import { TetherError } from '../../src/errors.js';
import type { SecretStore } from '../../src/store/secret-store.js';

export class LockableStore implements SecretStore {
  readonly kind = 'keychain' as const;
  readonly location = 'test keychain';
  readonly entries = new Map<string, string>();
  locked = false;
  /** How many reads were asked of it, locked or not. */
  reads = 0;

  async get(account: string): Promise<string | undefined> {
    this.reads++;
    if (this.locked) throw new TetherError('TETHER_KEYCHAIN_LOCKED', 'The keychain is locked.');
    return this.entries.get(account);
  }

  async set(account: string, value: string): Promise<void> {
    this.entries.set(account, value);
  }

  async delete(account: string): Promise<boolean> {
    return this.entries.delete(account);
  }
}
