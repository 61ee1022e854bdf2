// status, logout and a wrong URL as a user meets them, on the real authorization server, MCP server and keychain:
// each says what is true, with a code where something is wrong, and exits by the README's legend.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../fixtures/stack.js';
import { runCli } from '../helpers/cli.js';
import { startIde, workspace, type Workspace } from '../helpers/ide.js';
import { keychainRecord, stateDirOf } from '../helpers/secrets.js';
import { readServerState } from '../../src/store/server-state.js';

describe('status and logout', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  async function signedIn(): Promise<Workspace> {
    const ws = workspace();
    const login = await runCli(ws, ['login', stack.mcp.url]);
    expect(login.code).toBe(0);
    expect(login.stdout).toMatch(/^Signed in to /);
    const again = await runCli(ws, ['login', stack.mcp.url]);
    expect(again.stdout).toMatch(/^Already signed in to /);
    return ws;
  }

  it('status names the account, says when the token expires in words, checks the credential with --check, and exits 0', async () => {
    const ws = await signedIn();
    const human = await runCli(ws, ['status', '--check']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('account:              alice');
    expect(human.stdout).toMatch(/access token: +expires in \d+ (s|min|h)/);
    expect(human.stdout).toContain('check:                accepted by the server');
    const json = await runCli(ws, ['status', stack.mcp.url, '--json', '--check']);
    expect(json.code).toBe(0);
    const [entry] = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(entry).toMatchObject({ server: stack.mcp.url, usable: true, account: 'alice', signed_in: true, refreshable: true, store: { kind: 'keychain' }, error: null });
    expect((entry?.['check'] as { accepted: boolean }).accepted).toBe(true);
    const other = await runCli(ws, ['status', 'https://elsewhere.example/mcp']);
    expect(other.code).toBe(1);
  }, 60_000);

  it('logout reports what it revoked, and oidc-provider refuses the refresh token afterwards', async () => {
    const ws = await signedIn();
    const refreshToken = keychainRecord(ws.home, stack.mcp.url)?.tokens?.refresh_token;
    const state = readServerState(stateDirOf(ws.home), stack.mcp.url);
    expect(refreshToken).toBeDefined();
    const logout = await runCli(ws, ['logout', stack.mcp.url]);
    expect(logout.code).toBe(0);
    expect(logout.stderr).not.toMatch(/TETHER_|fail/i);
    expect(logout.stdout).toContain(`revoked the refresh token`);
    expect(logout.stdout).toContain('deleted the credentials from the Secret Service');
    const answer = await fetch(String(state?.authorization_server['token_endpoint']), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken ?? '', client_id: state?.client.client_id ?? '' }),
    });
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: string }).error).toBe('invalid_grant');
    const status = await runCli(ws, ['status', stack.mcp.url]);
    expect(status.code).toBe(1);
  }, 60_000);

  it('logout --all leaves nothing behind', async () => {
    const ws = await signedIn();
    const ide = await startIde(stack.mcp.url, ws); // a handshake cache too
    await ide.close();
    const logout = await runCli(ws, ['logout', '--all']);
    expect(logout.code).toBe(0);
    expect(existsSync(stateDirOf(ws.home))).toBe(false);
    expect(keychainRecord(ws.home, stack.mcp.url)).toBeUndefined();
  }, 60_000);
});

describe('a URL that is not an MCP endpoint', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  it('a wrong path reaches the IDE as TETHER_NOT_MCP_ENDPOINT with what was tried, and stderr says it once', async () => {
    const wrong = `${stack.mcp.url}x`;
    let stderr = '';
    const error = await startIde(wrong, workspace(), { onStderr: (text) => (stderr = text) }).then(
      () => undefined,
      (failure: unknown) => failure as { data?: { code?: string; fix?: string }; message?: string },
    );
    expect(error?.data?.code).toBe('TETHER_NOT_MCP_ENDPOINT');
    expect(error?.message).toContain('HTTP 404');
    expect(error?.message).toContain('POST initialize (Streamable HTTP)');
    expect(stderr.match(/\[TETHER_NOT_MCP_ENDPOINT\]/g)).toHaveLength(1);
  }, 30_000);

  it('the bare origin: the fix names the /mcp URL to use', async () => {
    const origin = new URL(stack.mcp.url).origin;
    const result = await runCli(workspace(), ['login', `${origin}/`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('[TETHER_NOT_MCP_ENDPOINT]');
    expect(result.stderr).toContain(`try ${origin}/mcp`);
  }, 30_000);

  it('login on the issuer URL by mistake is not "nothing to sign in to"', async () => {
    const result = await runCli(workspace(), ['login', stack.as.issuer]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('[TETHER_NOT_MCP_ENDPOINT]');
    expect(result.stdout).toBe('');
  }, 30_000);

  it('a URL without its scheme gets TETHER_INVALID_URL and the URL it probably means', async () => {
    const bare = stack.mcp.url.replace(/^http:\/\//, '');
    const result = await runCli(workspace(), [bare]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('[TETHER_INVALID_URL]');
    expect(result.stderr).toContain(`Did you mean ${stack.mcp.url} ?`);
    // Started by an IDE, the same mistake answers the IDE's initialize, so the reason shows in the IDE.
    const refused = await startIde(bare, workspace()).then(
      () => undefined,
      (failure: unknown) => failure as { data?: { code?: string; fix?: string } },
    );
    expect(refused?.data).toEqual(expect.objectContaining({ code: 'TETHER_INVALID_URL', fix: `Did you mean ${stack.mcp.url} ?` }));
  });
});
