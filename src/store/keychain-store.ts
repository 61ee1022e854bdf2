// The OS keychain (macOS Keychain, Windows Credential Manager, Linux Secret Service) behind a hard deadline:
// each call runs in a child process that is killed if the keychain does not answer in time.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TetherError } from '../errors.js';
import { SERVICE, type SecretStore } from './secret-store.js';

const CHILD = fileURLToPath(new URL('./keychain-child.js', import.meta.url));

interface Reply {
  ok: boolean;
  value?: string | null;
  deleted?: boolean;
  error?: string;
}

export class KeychainUnavailableError extends TetherError {}

/** Reads started ahead of need (at start-up), by account. */
const early = new Map<string, Promise<string | undefined>>();

function keychainName(): string {
  if (process.platform === 'darwin') return 'macOS Keychain';
  if (process.platform === 'win32') return 'Windows Credential Manager';
  return 'Secret Service (GNOME Keyring / KWallet)';
}

export class KeychainStore implements SecretStore {
  readonly kind = 'keychain' as const;
  readonly location = keychainName();

  constructor(private readonly deadlineMs = 3_000) {}

  /** Starts reading `account` now; the next `get` of it (by any instance) takes this read instead of starting one. */
  prefetch(account: string): void {
    const read = this.get(account);
    read.catch(() => undefined); // whoever takes it sees the error
    early.set(account, read);
  }

  async get(account: string): Promise<string | undefined> {
    const started = early.get(account);
    if (started) {
      early.delete(account);
      return started;
    }
    const reply = await this.call({ op: 'get', service: SERVICE, account });
    return reply.value ?? undefined;
  }

  async set(account: string, value: string): Promise<void> {
    await this.call({ op: 'set', service: SERVICE, account, value });
  }

  async delete(account: string): Promise<boolean> {
    const reply = await this.call({ op: 'delete', service: SERVICE, account });
    return reply.deleted === true;
  }

  private call(request: { op: string; service: string; account: string; value?: string }): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CHILD], { stdio: ['pipe', 'pipe', 'ignore'] });
      const out: Buffer[] = [];
      let settled = false;
      const finish = (error: Error | undefined, reply?: Reply): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(reply as Reply);
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish(
          new KeychainUnavailableError(`the ${this.location} did not answer within ${this.deadlineMs / 1000} s`, {
            hint: 'Is the keyring daemon running and unlocked? Use --token-store file to store credentials in a file.',
          }),
        );
      }, this.deadlineMs);
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.on('error', (error) => finish(new KeychainUnavailableError(`could not run the keychain helper: ${error.message}`)));
      child.on('close', () => {
        let reply: Reply;
        try {
          reply = JSON.parse(Buffer.concat(out).toString('utf8')) as Reply;
        } catch {
          finish(new KeychainUnavailableError(`the ${this.location} helper ended without an answer`));
          return;
        }
        if (!reply.ok) finish(new KeychainUnavailableError(`the ${this.location} refused: ${reply.error ?? 'unknown error'}`));
        else finish(undefined, reply);
      });
      child.stdin.on('error', () => {});
      child.stdin.end(JSON.stringify(request));
    });
  }
}
