// A server that answers the sign-in's requests with more than any real answer (real components, the CLI spawned as an
// IDE spawns it): a 100 MiB token answer, a 512 KiB access token, a 100 MiB resource metadata document. Each is refused
// with its code while the process stays small, the keychain keeps the sign-in it had, no file store appears, no
// browser opens, and the process works again once the server behaves.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signins, startIde, text, workspace, type Ide } from '../helpers/ide.js';
import { perTest } from '../helpers/per-test.js';
import { keychainRecord, stateDirOf } from '../helpers/secrets.js';

const { stackWith, defer } = perTest();

/**
 * What a process may reach while refusing a 100 MiB answer: measured at 114-115 MiB (VmHWM, Node 20), about what a
 * sign-in costs anyway; reading such an answer whole took 0.5-1.3 GB.
 */
const PEAK_BOUND_MIB = 200;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The call's outcome as the IDE sees it: the result text, or the error with its data. */
async function whoami(ide: Ide): Promise<string> {
  try {
    return text(await ide.client.callTool({ name: 'whoami', arguments: {} }));
  } catch (error) {
    return `${String(error)} ${JSON.stringify((error as { data?: unknown }).data ?? null)}`;
  }
}

/** The most memory the CLI's process has held so far (VmHWM), in MiB. */
function peakMiB(ide: Ide): number {
  const status = readFileSync(`/proc/${ide.transport.pid}/status`, 'utf8');
  const kib = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
  return kib / 1024;
}

async function open(url: string, ws: ReturnType<typeof workspace>): Promise<Ide> {
  const ide = await startIde(url, ws, { args: ['--debug'] }); // --debug: a failure below shows the CLI's reasons
  defer(() => ide.close());
  return ide;
}

describe('a token endpoint that turns hostile after the sign-in', () => {
  it.each([
    ['a 100 MiB document', 'huge-document', 'TETHER_RESPONSE_TOO_LARGE'],
    ['a 512 KiB access token', 'huge-token', 'TETHER_TOKEN_REFUSED'],
  ] as const)('answering the refresh with %s: %s, the keychain keeps the sign-in, no file store, no browser', async (_what, answer, code) => {
    const stack = await stackWith({ accessTokenTtl: 3 });
    const ws = workspace();
    const ide = await open(stack.mcp.url, ws);
    expect(await whoami(ide)).toBe('alice');
    const before = keychainRecord(ws.home, stack.mcp.url)?.tokens;
    expect(before?.refresh_token).toBeTruthy();

    stack.as.answerTokenRequests(answer);
    await sleep(3_500); // the access token expires: the next call needs a refresh
    const outcome = await whoami(ide);
    expect(outcome).toContain(code);
    expect(peakMiB(ide)).toBeLessThan(PEAK_BOUND_MIB);
    const kept = keychainRecord(ws.home, stack.mcp.url)?.tokens;
    expect(kept?.refresh_token).toBe(before?.refresh_token);
    expect(kept?.access_token).toBe(before?.access_token);
    expect(existsSync(join(stateDirOf(ws.home), 'credentials.json'))).toBe(false);
    // (Seen once in a loaded CI run: a second browser sign-in here. The CLI's stderr says which refusal led to it.)
    expect(signins(ws), ide.stderr()).toHaveLength(1);

    // The server behaves again: the same process refreshes with the kept refresh token, without a browser.
    stack.as.answerTokenRequests(undefined);
    expect(await whoami(ide)).toBe('alice');
    expect(signins(ws), ide.stderr()).toHaveLength(1);
    expect(stack.as.counts.codeGrants).toBe(1);
  }, 90_000);
});

describe('an MCP server whose resource metadata is 100 MiB', () => {
  it('fails the IDE\'s initialize with TETHER_RESPONSE_TOO_LARGE naming its URL, and opens no browser', async () => {
    const stack = await stackWith();
    stack.mcp.oversizeResourceMetadata(100 * 1024 * 1024);
    const ws = workspace();
    const failure = await open(stack.mcp.url, ws).then(
      () => 'connected',
      (error: unknown) => String(error),
    );
    expect(failure).toContain('TETHER_RESPONSE_TOO_LARGE');
    expect(failure).toContain('/.well-known/oauth-protected-resource');
    expect(signins(ws)).toHaveLength(0);
    expect(existsSync(join(stateDirOf(ws.home), 'credentials.json'))).toBe(false);
  }, 90_000);

  it('met by a running process (its grant revoked): the call fails with the code, the process stays small and signs in once the server behaves', async () => {
    const stack = await stackWith({ accessTokenTtl: 3 });
    const ws = workspace();
    const ide = await open(stack.mcp.url, ws);
    expect(await whoami(ide)).toBe('alice');
    await stack.as.revokeAll();
    stack.mcp.oversizeResourceMetadata(100 * 1024 * 1024);
    await sleep(3_500); // the access token expires and cannot be refreshed: a new sign-in starts with discovery
    const outcome = await whoami(ide);
    expect(outcome).toContain('TETHER_RESPONSE_TOO_LARGE');
    expect(peakMiB(ide)).toBeLessThan(PEAK_BOUND_MIB);
    expect(signins(ws)).toHaveLength(1);
    expect(existsSync(join(stateDirOf(ws.home), 'credentials.json'))).toBe(false);

    stack.mcp.oversizeResourceMetadata(undefined);
    expect(await whoami(ide)).toBe('alice');
    expect(signins(ws)).toHaveLength(2);
  }, 90_000);
});
