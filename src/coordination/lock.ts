// A cross-process lock (one sign-in or refresh at a time per server, across IDE windows). The lock is a file
// created exclusively; it names its holder and is touched while held, so a crashed holder's lock is taken over, by
// one waiter at a time. Works wherever exclusive file creation does: Linux, macOS, Windows.
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { TetherError } from '../errors.js';
import { serverKey } from '../store/server-state.js';

/** The lock that serialises sign-ins and refreshes for one server across processes. */
export function serverLockPath(stateDir: string, serverUrl: string): string {
  return join(stateDir, 'locks', `${serverKey(serverUrl)}.lock`);
}

/** Removes a server's lock file (logout), whoever held it last. */
export async function removeServerLock(stateDir: string, serverUrl: string): Promise<void> {
  await unlink(serverLockPath(stateDir, serverUrl)).catch(() => undefined);
}

export interface LockOptions {
  /** Give up waiting after this long. */
  timeoutMs: number;
  /** A lock not touched for this long is considered abandoned (its holder hung or its machine slept). */
  staleMs?: number;
  pollMs?: number;
  /** Called once if the lock is busy, with the holder's pid. */
  onWait?: (holderPid: number | undefined) => void;
}

interface Holder {
  pid: number;
  host: string;
  since: string;
  /** Tells this holding apart from another by the same pid (a reused pid, a container with the same home). */
  nonce?: string;
}

/** Whether a process runs (signal 0: no signal sent; libuv checks the process on Windows too). EPERM: it runs as another user. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Holder;
  } catch {
    return undefined;
  }
}

/** True when the lock at `path` belongs to nobody alive. */
async function abandoned(path: string, staleMs: number): Promise<boolean> {
  try {
    const [info, holder] = await Promise.all([stat(path), readHolder(path)]);
    if (Date.now() - info.mtimeMs > staleMs) return true;
    if (holder === undefined) return Date.now() - info.mtimeMs > 2_000; // being written, or garbage
    return holder.host === hostname() && !processAlive(holder.pid);
  } catch {
    return false; // gone already: the next attempt will take it
  }
}

/** Creates `path` exclusively, naming this process as its holder. False when it exists already. */
async function create(path: string, holder: Holder): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(JSON.stringify(holder));
  } finally {
    await handle.close();
  }
  return true;
}

/** A takeover guard held longer than this was left by a process that died in the middle of one. */
const GUARD_STALE_MS = 5_000;

/**
 * Removes an abandoned lock, one waiter at a time: the check and the removal happen under a guard file, and nobody can
 * create the lock while the abandoned one exists, so no waiter ever removes a lock another waiter has just taken.
 * (Moving the lock aside without a guard let two waiters both "take over", the second removing the first's new lock.)
 */
async function takeOver(path: string, staleMs: number): Promise<void> {
  const guard = `${path}.takeover`;
  const self: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), nonce: randomUUID() };
  if (!(await create(guard, self))) {
    // Another waiter is taking over; a guard whose owner died mid-takeover is cleared for the next round.
    if (await abandoned(guard, GUARD_STALE_MS)) await unlink(guard).catch(() => undefined);
    return;
  }
  try {
    if (await abandoned(path, staleMs)) await unlink(path).catch(() => undefined);
  } finally {
    if ((await readHolder(guard))?.nonce === self.nonce) await unlink(guard).catch(() => undefined);
  }
}

export async function withLock<T>(path: string, options: LockOptions, work: () => Promise<T>): Promise<T> {
  const staleMs = options.staleMs ?? 30_000;
  const pollMs = options.pollMs ?? 50;
  const deadline = Date.now() + options.timeoutMs;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const self: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), nonce: randomUUID() };
  let told = false;
  for (;;) {
    if (await create(path, self)) break;
    if (await abandoned(path, staleMs)) {
      await takeOver(path, staleMs);
      continue;
    }
    if (!told) {
      told = true;
      options.onWait?.((await readHolder(path))?.pid);
    }
    if (Date.now() > deadline) {
      const holder = await readHolder(path);
      throw new TetherError('TETHER_LOCK_TIMEOUT', `Timed out waiting for another mcp-tether process${holder ? ` (pid ${holder.pid})` : ''} to finish signing in.`, {
        hint: `Finish the sign-in it started, or stop it; its lock is ${path}.`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => undefined);
  }, staleMs / 3);
  heartbeat.unref();
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
    if ((await readHolder(path))?.nonce === self.nonce) await unlink(path).catch(() => undefined);
  }
}
