// The published sign-in in progress (files in a temporary state directory): what a joining start reads, and when it
// no longer counts.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clearPendingSignIn, publishPendingSignIn, readPendingSignIn } from '../../src/coordination/pending-sign-in.js';

const SERVER = 'https://gw.example/mcp';

describe('pending sign-in', () => {
  it('is read back for the same server only, until it expires, and is gone once cleared', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tether-pending-'));
    const now = Date.now();
    await publishPendingSignIn(dir, SERVER, { url: 'https://idp.example/authorize?x=1', pid: 42, expires_at: now + 60_000 });
    expect(await readPendingSignIn(dir, SERVER, now)).toEqual({ url: 'https://idp.example/authorize?x=1', pid: 42, expires_at: now + 60_000 });
    expect(await readPendingSignIn(dir, 'https://other.example/mcp', now)).toBeUndefined();
    expect(await readPendingSignIn(dir, SERVER, now + 60_001)).toBeUndefined();
    await clearPendingSignIn(dir, SERVER);
    expect(await readPendingSignIn(dir, SERVER, now)).toBeUndefined();
    expect(readdirSync(join(dir, 'locks'))).toEqual([]);
    await clearPendingSignIn(dir, SERVER); // clearing twice is harmless
  });
});
