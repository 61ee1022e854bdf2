// A record too large for one keychain entry (Windows Credential Manager: 1,280 UTF-16 units) is kept across several
// entries and read back whole; the pure splitting, then the real keychain (here GNOME Keyring; on the CI matrix the
// macOS Keychain and Windows Credential Manager) with Windows' limit.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { entryLimit, joinParts, partAccounts, readHead, splitSecret } from '../../src/store/keychain-parts.js';

// The built store: its keychain helper is a compiled CommonJS file beside it (dist/store/keychain-child.cjs).
const { KeychainStore } = (await import(new URL('../../dist/store/keychain-store.js', import.meta.url).href)) as typeof import('../../src/store/keychain-store.js');

const CHILD = fileURLToPath(new URL('../../dist/store/keychain-child.cjs', import.meta.url));

/** One entry exactly as the keychain holds it, read by the keychain helper itself. */
function rawEntry(account: string): string | undefined {
  const reply = JSON.parse(execFileSync(process.execPath, [CHILD], { input: JSON.stringify({ service: 'mcp-tether', ops: [{ op: 'get', account }] }) }).toString()) as { results: { value: string | null }[] };
  return reply.results[0]?.value ?? undefined;
}

const record = (size: number): string => JSON.stringify({ tokens: { access_token: 'a'.repeat(size), note: 'é😀'.repeat(50) } });

describe('splitSecret and joinParts', () => {
  it('keeps a secret that fits as it is, in one entry', () => {
    expect(splitSecret('acct', '{"a":1}', 1280, 'ab12')).toEqual({ head: '{"a":1}', parts: [] });
    expect(readHead('{"a":1}')).toBeUndefined();
  });

  it('cuts a long one into entries of at most the limit, and joins them back', () => {
    const value = record(5000);
    const { head, parts } = splitSecret('acct', value, 1280, 'ab12');
    const parsed = readHead(head);
    expect(parsed).toMatchObject({ generation: 'ab12', count: parts.length + 1 });
    for (const entry of [head, ...parts.map((part) => part.value)]) expect(entry.length).toBeLessThanOrEqual(1280);
    expect(parts.map((part) => part.account)).toEqual(partAccounts('acct', parsed!));
    expect(joinParts(parsed!, parts.map((part) => part.value))).toBe(value);
  });

  it('never cuts between the halves of a surrogate pair', () => {
    const value = '😀'.repeat(2000);
    const { head, parts } = splitSecret('acct', value, 101, 'ff');
    for (const entry of [readHead(head)!.first, ...parts.map((part) => part.value)]) expect(() => encodeURIComponent(entry)).not.toThrow();
    expect(joinParts(readHead(head)!, parts.map((part) => part.value))).toBe(value);
  });

  it('has nothing to join when a part is missing', () => {
    const { head, parts } = splitSecret('acct', record(3000), 1280, 'ab12');
    expect(joinParts(readHead(head)!, parts.slice(1).map((part) => part.value))).toBeUndefined();
    expect(joinParts(readHead(head)!, [undefined, ...parts.slice(1).map((part) => part.value)])).toBeUndefined();
  });

  it('splits only on Windows', () => {
    expect(entryLimit('win32')).toBe(1280);
    expect(entryLimit('darwin')).toBeUndefined();
    expect(entryLimit('linux')).toBeUndefined();
  });
});

describe('the OS keychain with a limit per entry', () => {
  it('stores a 10 KB record in parts, reads it whole, replaces it with a short one, and deletes every part', async () => {
    const account = `parts-test ${randomUUID()}`;
    const store = new KeychainStore(10_000, 1280);
    const big = record(10_000);
    await store.set(account, big);
    expect(await new KeychainStore(10_000, 1280).get(account)).toBe(big);
    const head = readHead(rawEntry(account) ?? '');
    expect(head?.count).toBeGreaterThanOrEqual(8);
    const parts = partAccounts(account, head!);
    for (const part of parts) expect((rawEntry(part) ?? '').length).toBeLessThanOrEqual(1280);

    await store.set(account, '{"short":true}');
    expect(await store.get(account)).toBe('{"short":true}');
    for (const part of parts) expect(rawEntry(part)).toBeUndefined();

    await store.set(account, big);
    const again = partAccounts(account, readHead(rawEntry(account) ?? '')!);
    expect(await store.delete(account)).toBe(true);
    expect(await store.get(account)).toBeUndefined();
    for (const part of again) expect(rawEntry(part)).toBeUndefined();

    // A part removed by hand (in the keychain's own UI) leaves nothing to read, and the next write starts afresh.
    await store.set(account, big);
    const third = partAccounts(account, readHead(rawEntry(account) ?? '')!);
    execFileSync(process.execPath, [CHILD], { input: JSON.stringify({ service: 'mcp-tether', ops: [{ op: 'delete', account: third[1] }] }) });
    expect(await store.get(account)).toBeUndefined();
    await store.set(account, big);
    expect(await store.get(account)).toBe(big);
    for (const part of third) expect(rawEntry(part)).toBeUndefined(); // the broken generation's other parts went with it
    expect(await store.delete(account)).toBe(true);

    // Windows Credential Manager itself refuses one entry over 1,280 units: the reason for parts.
    if (process.platform === 'win32') await expect(new KeychainStore(10_000, undefined).set(account, big)).rejects.toMatchObject({ code: 'TETHER_KEYCHAIN_REFUSED' });
  });
});
