// Whether a lock's holder still runs: the same answer on every platform (libuv checks a process on Windows too).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processAlive } from '../../src/coordination/lock.js';

describe('processAlive', () => {
  it('is true for a running process and false for one that has exited', () => {
    expect(processAlive(process.pid)).toBe(true);
    const ended = spawnSync(process.execPath, ['-e', '0']);
    expect(ended.status).toBe(0);
    expect(processAlive(ended.pid ?? 0)).toBe(false);
  });
});
