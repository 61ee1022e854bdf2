// The OS keychain (macOS Keychain, Windows Credential Manager, Linux Secret Service) behind a hard deadline:
// each call runs in a child process that is killed if the keychain does not answer in time.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TetherError, type ErrorCode } from '../errors.js';
import { entryLimit, joinParts, partAccounts, readHead, splitSecret } from './keychain-parts.js';
import { SERVICE, type SecretStore } from './secret-store.js';

/** The helper makes no TLS connection: without the extra CA file to read, Node starts it ~30 ms sooner. */
const { NODE_EXTRA_CA_CERTS: _unused, ...HELPER_ENV } = process.env;
const CHILD = fileURLToPath(new URL('./keychain-child.cjs', import.meta.url));

interface Operation {
  op: 'get' | 'set' | 'delete';
  account: string;
  value?: string;
}

interface Outcome {
  value?: string | null;
  deleted?: boolean;
}

interface Reply {
  ok: boolean;
  results?: Outcome[];
  error?: string;
}

/**
 * Which failure a keychain's own words describe: locked (the user can unlock it and lose nothing), unavailable (no
 * D-Bus session, no Secret Service, no daemon) or refused (anything else the keychain said no to).
 */
export function keychainFailure(words: string): Extract<ErrorCode, 'TETHER_KEYCHAIN_LOCKED' | 'TETHER_KEYCHAIN_UNAVAILABLE' | 'TETHER_KEYCHAIN_REFUSED'> {
  // Secret Service: "unlock prompt was dismissed", "Cannot create an item in a locked collection";
  // macOS: errSecInteractionNotAllowed (-25308) "User interaction is not allowed", errSecAuthFailed (-25293).
  if (/locked|unlock prompt|prompt (was )?dismissed|interaction is not allowed|-25308|-25293/i.test(words)) return 'TETHER_KEYCHAIN_LOCKED';
  // "Platform failure: DBus error: ...", "The name org.freedesktop.secrets was not provided by any .service files",
  // "Using X11 for dbus-daemon autolaunch was disabled", "No such interface", a missing session bus.
  if (/d-?bus|org\.freedesktop\.secrets|not provided by any|autolaunch|serviceunknown|no such (name|interface|object)|platform failure|session bus/i.test(words)) {
    return 'TETHER_KEYCHAIN_UNAVAILABLE';
  }
  return 'TETHER_KEYCHAIN_REFUSED';
}

function keychainError(location: string, words: string): TetherError {
  const code = keychainFailure(words);
  const what = { TETHER_KEYCHAIN_LOCKED: 'is locked', TETHER_KEYCHAIN_UNAVAILABLE: 'is not available', TETHER_KEYCHAIN_REFUSED: 'refused the request' }[code];
  return new TetherError(code, `The ${location} ${what} (${words.trim()}).`);
}

/** libsecret's command-line tool, if installed (Linux). */
const secretTool = process.platform === 'linux' ? findOnPath('secret-tool') : undefined;

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

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

  /**
   * `partLimit`: how many UTF-16 units one entry holds (Windows Credential Manager: 1,280); a longer secret is kept
   * across several entries (keychain-parts.ts).
   */
  constructor(
    private readonly deadlineMs = 3_000,
    private readonly partLimit: number | undefined = entryLimit(process.platform),
  ) {}

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
    // A head and its parts are read in two calls: another process may write a new generation in between (and
    // remove the one this head names). Then the head has changed: it is read again.
    let stored = await this.getEntry(account);
    for (let attempt = 0; ; attempt++) {
      const head = stored === undefined ? undefined : readHead(stored);
      if (!head) return stored;
      const rest = await this.call(partAccounts(account, head).map((part) => ({ op: 'get', account: part })));
      const whole = joinParts(head, rest.map((outcome) => outcome.value));
      if (whole !== undefined) return whole;
      const again = await this.getEntry(account);
      // The same head with a part gone (removed by hand in the keychain's own UI): no secret to read, as if none were stored.
      if (again === stored || attempt >= 2) return undefined;
      stored = again;
    }
  }

  async set(account: string, value: string): Promise<void> {
    if (this.partLimit === undefined) {
      await this.call([{ op: 'set', account, value }]);
      return;
    }
    // Parts first, the head that names them last: a write cut short leaves the previous secret whole. The new parts
    // of a write that failed are removed again where the keychain lets us (no head names them).
    const previous = await this.heldParts(account);
    const { head, parts } = splitSecret(account, value, this.partLimit, randomBytes(4).toString('hex'));
    try {
      await this.call([...parts.map((part) => ({ op: 'set' as const, ...part })), { op: 'set', account, value: head }]);
    } catch (error) {
      await this.call(parts.map((part) => ({ op: 'delete' as const, account: part.account }))).catch(() => undefined);
      throw error;
    }
    // The previous generation's parts go afterwards, on their own: the secret is stored whatever becomes of them.
    await this.call(previous.map((part) => ({ op: 'delete' as const, account: part }))).catch(() => undefined);
  }

  async delete(account: string): Promise<boolean> {
    // Parts first, the head last: a delete cut short leaves a head whose next delete finds its parts again.
    const parts = await this.heldParts(account);
    await this.call(parts.map((part) => ({ op: 'delete' as const, account: part })));
    const [head] = await this.call([{ op: 'delete', account }]);
    return head?.deleted === true;
  }

  /** The other parts the entry of `account` names now (none for a whole one). */
  private async heldParts(account: string): Promise<string[]> {
    const stored = await this.getEntry(account);
    const head = stored === undefined ? undefined : readHead(stored);
    return head ? partAccounts(account, head) : [];
  }

  /** One entry as stored: a whole secret, or the head of one kept in parts. */
  private async getEntry(account: string): Promise<string | undefined> {
    const fast = await this.lookupWithSecretTool(account);
    if (fast !== undefined) return fast;
    // secret-tool answers "nothing" alike for no entry, a locked keyring and no D-Bus; the helper tells them apart.
    const [outcome] = await this.call([{ op: 'get', account }]);
    return outcome?.value ?? undefined;
  }

  private async call(ops: Operation[]): Promise<Outcome[]> {
    if (ops.length === 0) return [];
    const { code, stdout } = await this.run(process.execPath, [CHILD], JSON.stringify({ service: SERVICE, ops }), HELPER_ENV);
    let reply: Reply;
    try {
      reply = JSON.parse(stdout) as Reply;
    } catch {
      throw new TetherError('TETHER_KEYCHAIN_UNAVAILABLE', `The ${this.location} helper ended without an answer (exit ${code ?? 'signal'}).`);
    }
    if (!reply.ok) throw keychainError(this.location, reply.error ?? 'no reason given');
    return reply.results ?? [];
  }

  /**
   * On Linux a read goes through libsecret's own `secret-tool` when it is installed: a small C program that starts
   * far faster than a Node helper, which matters at start-up. Same entry, same deadline.
   */
  private async lookupWithSecretTool(account: string): Promise<string | undefined> {
    if (!secretTool) return undefined;
    const { code, stdout } = await this.run(secretTool, ['lookup', 'service', SERVICE, 'username', account], '');
    return code === 0 ? stdout : undefined;
  }

  /** Runs a helper with a hard deadline: a keychain that does not answer gets the helper killed, never a hang. */
  private run(command: string, args: string[], input: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'ignore'], env });
      const out: Buffer[] = [];
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        child.kill('SIGKILL');
        reject(
          new TetherError('TETHER_KEYCHAIN_UNAVAILABLE', `The ${this.location} did not answer within ${this.deadlineMs / 1000} s.`, {
            hint: 'Is the keyring daemon running, and is a prompt waiting for you? Or pass --token-store file to store credentials in a file.',
          }),
        );
      }, this.deadlineMs);
      /** True for the first outcome only. */
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        return true;
      };
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.on('error', (error) => {
        if (settle()) reject(new TetherError('TETHER_KEYCHAIN_UNAVAILABLE', `Could not run the keychain helper (${error.message}).`));
      });
      child.on('close', (code) => {
        if (settle()) resolve({ code, stdout: Buffer.concat(out).toString('utf8') });
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
    });
  }
}
