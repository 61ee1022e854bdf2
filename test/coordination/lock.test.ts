// The cross-process lock, held by real processes (the built module, as the CLI loads it): one holder at a time while
// holders are killed in the middle of holding it and the waiters race to take their locks over.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const LOCK_MODULE = pathToFileURL(resolve(__dirname, '../../dist/coordination/lock.js')).href;

/**
 * One contender: takes the lock `rounds` times, logs `enter` and `exit` around a short hold, and on the round named by
 * `dieOn` is killed (SIGKILL, from inside) while holding it, leaving the lock to be taken over.
 */
const CONTENDER = `
import { appendFileSync } from 'node:fs';
import { withLock } from ${JSON.stringify(LOCK_MODULE)};
const [path, log, rounds, dieOn] = process.argv.slice(1);
const note = (what) => appendFileSync(log, what + ' ' + process.pid + '\\n');
for (let round = 0; round < Number(rounds); round += 1) {
  await withLock(path, { timeoutMs: 60_000, pollMs: 2 }, async () => {
    note('enter');
    await new Promise((r) => setTimeout(r, Math.random() * 15));
    if (round === Number(dieOn)) {
      note('die');
      process.kill(process.pid, 'SIGKILL');
      await new Promise(() => {});
    }
    note('exit');
  });
}
`;

function run(args: string[]): Promise<number | null> {
  return new Promise((resolveExit, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CONTENDER, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => resolveExit(code));
  });
}

/** The pid of a process that has exited (a holder that crashed). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolveExit) => child.on('exit', resolveExit));
  return child.pid ?? 999_999;
}

/** Replays the log: every `enter` must find the lock free. Returns the overlaps found and the holds counted. */
function replay(log: string): { overlaps: string[]; holds: number } {
  let holder: string | undefined;
  const overlaps: string[] = [];
  let holds = 0;
  for (const line of log.trim().split('\n')) {
    const [what, pid] = line.split(' ');
    if (what === 'enter') {
      if (holder !== undefined) overlaps.push(`${pid} entered while ${holder} held the lock`);
      holder = pid;
      holds += 1;
    } else if (holder === pid) holder = undefined;
  }
  return { overlaps, holds };
}

describe('the cross-process lock', () => {
  it('admits one holder at a time while holders are killed holding it and 8 waiters race to take over', async () => {
    // Three times over: each contender takes the lock 6 times; five of them are killed holding it (rounds 1-5), so
    // waiters take over abandoned locks again and again.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const dir = mkdtempSync(join(tmpdir(), 'tether-lock-'));
      const path = join(dir, 'locks', 'server.lock');
      const log = join(dir, 'log');
      writeFileSync(log, '');
      const exits = await Promise.all(Array.from({ length: 8 }, (_, i) => run([path, log, '6', String(i < 5 ? i + 1 : -1)])));
      const { overlaps, holds } = replay(readFileSync(log, 'utf8'));
      expect(overlaps).toEqual([]);
      expect(exits.filter((code) => code === 0)).toHaveLength(3);
      // Every round of every contender happened: 3 x 6 complete, and the killed ones' up to their death.
      expect(holds).toBe(3 * 6 + [2, 3, 4, 5, 6].reduce((a, b) => a + b, 0));
    }
  }, 90_000);

  it('is taken over when its holder died, and when a waiter died in the middle of taking it over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tether-lock-'));
    mkdirSync(join(dir, 'locks'));
    const path = join(dir, 'locks', 'server.lock');
    const dead = JSON.stringify({ pid: await deadPid(), host: hostname(), since: new Date().toISOString() });
    writeFileSync(path, dead);
    writeFileSync(`${path}.takeover`, dead);
    const log = join(dir, 'log');
    writeFileSync(log, '');
    expect(await run([path, log, '2', '-1'])).toBe(0);
    expect(replay(readFileSync(log, 'utf8')).holds).toBe(2);
  }, 30_000);
});
