// A cross-process lock (one sign-in or refresh at a time per server, across IDE windows). The lock is a file
// created exclusively; it names its holder's pid and is touched while held, so a crashed holder's lock is taken over.
// Works wherever exclusive file creation does: Linux, macOS, Windows.
import { mkdir, open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
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
}

function alive(pid: number): boolean {
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
    return holder.host === hostname() && !alive(holder.pid);
  } catch {
    return false; // gone already: the next attempt will take it
  }
}

export async function withLock<T>(path: string, options: LockOptions, work: () => Promise<T>): Promise<T> {
  const staleMs = options.staleMs ?? 30_000;
  const pollMs = options.pollMs ?? 50;
  const deadline = Date.now() + options.timeoutMs;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  let told = false;
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() } satisfies Holder));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await abandoned(path, staleMs)) {
      // Move it aside first so that only one waiter removes it.
      const aside = `${path}.${process.pid}.stale`;
      await rename(path, aside).then(() => unlink(aside), () => undefined);
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
    const holder = await readHolder(path);
    if (holder?.pid === process.pid) await unlink(path).catch(() => undefined);
  }
}
