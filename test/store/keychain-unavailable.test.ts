// A locked keychain, or none at all, is never "not signed in": the IDE and stderr get the coded error with its fix,
// no browser sign-in starts, nothing stored is deleted, and once the keychain is back the stored sign-in just works.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../fixtures/stack.js';
import { runCli } from '../helpers/cli.js';
import { startIde, text, workspace, type Workspace } from '../helpers/ide.js';
import { privateKeyring, type PrivateKeyring } from '../helpers/keyring.js';
import { serverStatePath } from '../../src/store/server-state.js';
import { stateDirOf } from '../helpers/secrets.js';

/** The IDE's start fails with a JSON-RPC error; its data carries the code. */
async function failedStart(url: string, ws: Workspace): Promise<{ code: unknown; message: string; stderr: string }> {
  let stderr = '';
  try {
    const ide = await startIde(url, ws, { onStderr: (text) => (stderr = text) });
    await ide.close();
  } catch (error) {
    const data = (error as { data?: { code?: unknown } }).data;
    return { code: data?.code, message: error instanceof Error ? error.message : String(error), stderr };
  }
  throw new Error(`the IDE connected; its stderr:\n${stderr}`);
}

/** With the keychain back, the stored sign-in serves the next start: a tool call works, no new browser sign-in. */
async function worksWithoutBrowser(stack: Stack, ws: Workspace, signInsBefore: number): Promise<void> {
  const ide = await startIde(stack.mcp.url, ws);
  try {
    expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} }))).toBe('alice');
    expect(stack.as.counts.authorizationRequests).toBe(signInsBefore);
  } finally {
    await ide.close();
  }
}

describe('the keychain is locked', () => {
  let stack: Stack;
  let keyring: PrivateKeyring;
  let ws: Workspace;
  beforeAll(async () => {
    stack = await startStack();
    keyring = await privateKeyring();
    ws = workspace(keyring.env);
    const ide = await startIde(stack.mcp.url, ws);
    expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} }))).toBe('alice');
    await ide.close();
  }, 60_000);
  afterAll(async () => {
    keyring.close();
    await stack.close();
  });

  it('the IDE gets TETHER_KEYCHAIN_LOCKED, said once on stderr, no browser opens, and after unlocking the stored sign-in works', async () => {
    const signInsBefore = stack.as.counts.authorizationRequests;
    keyring.lock();
    const failed = await failedStart(stack.mcp.url, ws);
    expect(failed.code).toBe('TETHER_KEYCHAIN_LOCKED');
    expect(failed.message).toContain('Unlock');
    expect(failed.stderr.match(/\[TETHER_KEYCHAIN_LOCKED\]/g)).toHaveLength(1);
    expect(stack.as.counts.authorizationRequests).toBe(signInsBefore);
    expect(existsSync(serverStatePath(stateDirOf(ws.home), stack.mcp.url))).toBe(true);

    const status = await runCli(ws, ['status', '--json']);
    expect(status.code).toBe(1);
    const [entry] = JSON.parse(status.stdout) as Array<{ usable: boolean; signed_in: unknown; error: { code: string } }>;
    expect(entry?.usable).toBe(false);
    expect(entry?.signed_in).toBeNull();
    expect(entry?.error.code).toBe('TETHER_KEYCHAIN_LOCKED');

    const logout = await runCli(ws, ['logout', stack.mcp.url]);
    expect(logout.code).toBe(1);
    expect(logout.stderr).toContain('[TETHER_KEYCHAIN_LOCKED]');
    expect(existsSync(serverStatePath(stateDirOf(ws.home), stack.mcp.url))).toBe(true);

    await keyring.unlock();
    await worksWithoutBrowser(stack, ws, signInsBefore);
  }, 90_000);
});

describe('there is no D-Bus session', () => {
  let stack: Stack;
  let keyring: PrivateKeyring;
  beforeAll(async () => {
    stack = await startStack();
    keyring = await privateKeyring();
  });
  afterAll(async () => {
    keyring.close();
    await stack.close();
  });

  it('a stored sign-in: TETHER_KEYCHAIN_UNAVAILABLE in the IDE and on stderr, nothing deleted, and with D-Bus back no browser', async () => {
    const ws = workspace(keyring.env);
    const first = await startIde(stack.mcp.url, ws);
    expect(text(await first.client.callTool({ name: 'whoami', arguments: {} }))).toBe('alice'); // signed in and stored
    await first.close();
    const signInsBefore = stack.as.counts.authorizationRequests;
    const failed = await failedStart(stack.mcp.url, { ...ws, env: { ...ws.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' } });
    expect(failed.code).toBe('TETHER_KEYCHAIN_UNAVAILABLE');
    expect(failed.stderr).toContain('[TETHER_KEYCHAIN_UNAVAILABLE]');
    expect(stack.as.counts.authorizationRequests).toBe(signInsBefore);
    expect(existsSync(serverStatePath(stateDirOf(ws.home), stack.mcp.url))).toBe(true);

    await worksWithoutBrowser(stack, ws, signInsBefore);
  }, 90_000);
});
