// Credentials in one owner-only JSON file, for machines without a usable keychain (chosen, or fallen back to with a notice).
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from './atomic-file.js';
import type { SecretStore } from './secret-store.js';

export class FileStore implements SecretStore {
  readonly kind = 'file' as const;
  readonly location: string;

  constructor(directory: string) {
    this.location = join(directory, 'credentials.json');
  }

  async get(account: string): Promise<string | undefined> {
    return (await this.read())[account];
  }

  async set(account: string, value: string): Promise<void> {
    const all = await this.read();
    all[account] = value;
    await writeFileAtomic(this.location, JSON.stringify(all, null, 2));
  }

  async delete(account: string): Promise<boolean> {
    const all = await this.read();
    if (!(account in all)) return false;
    delete all[account];
    // The last entry gone, the file goes too: a sign-out leaves nothing behind.
    if (Object.keys(all).length === 0) await unlink(this.location).catch(() => undefined);
    else await writeFileAtomic(this.location, JSON.stringify(all, null, 2));
    return true;
  }

  private async read(): Promise<Record<string, string>> {
    return (await readJsonFile<Record<string, string>>(this.location)) ?? {};
  }
}
