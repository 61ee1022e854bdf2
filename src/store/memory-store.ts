// Credentials held only for the life of the process (--token-store memory): every start signs in again.
import type { SecretStore } from './secret-store.js';

export class MemoryStore implements SecretStore {
  readonly kind = 'memory' as const;
  readonly location = 'process memory (lost on exit)';
  private readonly entries = new Map<string, string>();

  async get(account: string): Promise<string | undefined> {
    return this.entries.get(account);
  }

  async set(account: string, value: string): Promise<void> {
    this.entries.set(account, value);
  }

  async delete(account: string): Promise<boolean> {
    return this.entries.delete(account);
  }
}
