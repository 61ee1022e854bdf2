// Credentials across IDE windows, on the real components: one sign-in shared by every process, refreshes in
// proportion to token lifetime, recovery from revocation and outages, and the login/logout/status commands.
import { statSync, existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { startStack } from './fixtures/stack.js';
import { runCli } from './helpers/cli.js';
import { openPrintedUrl, signins, startIde, text, workspace, type Ide } from './helpers/ide.js';
import { allFiles, filesContaining, keychainRecord, stateDirOf } from './helpers/secrets.js';

const whoami = async (ide: Ide): Promise<string> => text(await ide.client.callTool({ name: 'whoami', arguments: {} }));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('several IDE windows', () => {
  it('three processes started together with empty state share exactly one browser sign-in', async () => {
    const stack = await startStack();
    const ws = workspace();
    const ides = await Promise.all([startIde(stack.mcp.url, ws), startIde(stack.mcp.url, ws), startIde(stack.mcp.url, ws)]);
    try {
      expect(await Promise.all(ides.map(whoami))).toEqual(['alice', 'alice', 'alice']);
      expect(stack.as.counts.authorizationRequests).toBe(1);
      expect(stack.as.counts.codeGrants).toBe(1);
      expect(signins(ws)).toHaveLength(1);
    } finally {
      await Promise.all(ides.map((ide) => ide.close()));
      await stack.close();
    }
  });

  it('half a minute of calls with 3 s tokens from two processes: no failure, no new sign-in, refreshes follow the lifetime', async () => {
    const stack = await startStack({ accessTokenTtl: 3 });
    const ws = workspace();
    const first = await startIde(stack.mcp.url, ws);
    const second = await startIde(stack.mcp.url, ws);
    try {
      let calls = 0;
      const failures: string[] = [];
      const until = Date.now() + 30_000;
      const loop = async (ide: Ide): Promise<void> => {
        while (Date.now() < until) {
          calls += 1;
          const who = await whoami(ide).catch((error: unknown) => String(error));
          if (who !== 'alice') failures.push(who);
          await sleep(100);
        }
      };
      await Promise.all([loop(first), loop(second)]);
      expect(failures).toEqual([]);
      expect(calls).toBeGreaterThan(150);
      expect(stack.as.counts.codeGrants).toBe(1);
      expect(stack.as.counts.authorizationRequests).toBe(1);
      // 30 s of 3 s tokens is about 13 refresh windows; both processes share each refreshed token.
      expect(stack.as.counts.refreshGrants).toBeGreaterThanOrEqual(6);
      expect(stack.as.counts.refreshGrants).toBeLessThanOrEqual(40);
      // A shared, rotating refresh token was never presented twice (oidc-provider would answer invalid_grant).
      expect(stack.as.counts.failedGrants).toBe(0);
    } finally {
      await Promise.all([first.close(), second.close()]);
      await stack.close();
    }
  }, 120_000);
});

describe('when the authorization server changes its mind', () => {
  it('a revoked refresh token leads to exactly one new sign-in and the pending call succeeds', async () => {
    // 8 s tokens: long enough that the new sign-in's token is still fresh when the call is sent again on a busy machine.
    const stack = await startStack({ accessTokenTtl: 8 });
    const ws = workspace();
    const ide = await startIde(stack.mcp.url, ws);
    try {
      expect(await whoami(ide)).toBe('alice');
      await stack.as.revokeAll();
      await sleep(8_500); // the access token expires; its refresh token no longer works
      expect(await whoami(ide)).toBe('alice');
      expect(stack.as.counts.codeGrants).toBe(2);
      expect(stack.as.counts.authorizationRequests).toBe(2);
      expect(await whoami(ide)).toBe('alice');
      expect(stack.as.counts.authorizationRequests).toBe(2);
    } finally {
      await ide.close();
      await stack.close();
    }
  });

  it('an outage of the token endpoint during refresh loses no credentials', async () => {
    const stack = await startStack({ accessTokenTtl: 3 });
    const ws = workspace();
    const ide = await startIde(stack.mcp.url, ws);
    try {
      expect(await whoami(ide)).toBe('alice');
      const refreshToken = keychainRecord(ws.home, stack.mcp.url)?.tokens?.refresh_token;
      expect(refreshToken).toBeTruthy();
      // A short outage is absorbed by retries: the call succeeds.
      stack.as.failTokenRequests(2);
      await sleep(3_000);
      expect(await whoami(ide)).toBe('alice');
      // A long one fails the call, but the stored sign-in survives it.
      stack.as.failTokenRequests(100);
      await sleep(3_000);
      await expect(whoami(ide)).rejects.toThrow(/temporarily_unavailable|unavailable/);
      expect(keychainRecord(ws.home, stack.mcp.url)?.tokens?.refresh_token).toBeTruthy();
      stack.as.failTokenRequests(0);
      expect(await whoami(ide)).toBe('alice');
      expect(stack.as.counts.codeGrants).toBe(1);
      expect(signins(ws)).toHaveLength(1);
    } finally {
      await ide.close();
      await stack.close();
    }
  });
});

describe('a keychain that does not answer', () => {
  it('does not hang the CLI: it says so once and uses the file store it names', async () => {
    // A D-Bus that accepts connections and never answers.
    const socketPath = join(tmpdir(), `wedged-bus-${process.pid}-${Date.now()}.sock`);
    const sockets: Array<import('node:net').Socket> = [];
    const wedged: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => wedged.listen(socketPath, resolve));
    const stack = await startStack();
    // xdg-open itself stalls on a wedged bus, so the user opens the printed URL by hand.
    const ws = workspace({ DBUS_SESSION_BUS_ADDRESS: `unix:path=${socketPath}`, BROWSER: '/bin/true' });
    try {
      const ide = await startIde(stack.mcp.url, ws, { onStderr: openPrintedUrl(ws) });
      expect(await whoami(ide)).toBe('alice');
      await ide.close();
      const notices = ide.stderr().split('\n').filter((line) => line.includes('keychain is not available'));
      expect(notices).toHaveLength(1);
      const file = join(stateDirOf(ws.home), 'credentials.json');
      expect(ide.stderr()).toContain(`Credentials are stored in ${file} instead`);
      expect(statSync(file).mode & 0o777).toBe(0o600);

      // The next window finds the credentials without a browser, despite the wedged keychain.
      const again = await startIde(stack.mcp.url, ws);
      expect(await whoami(again)).toBe('alice');
      await again.close();
      expect(signins(ws)).toHaveLength(1);
    } finally {
      for (const socket of sockets) socket.destroy();
      wedged.close();
      await stack.close();
    }
  }, 90_000);
});

describe('login, status and logout', () => {
  it('login signs in ahead of time, status shows no secret, logout leaves nothing behind', async () => {
    const stack = await startStack();
    const ws = workspace();
    try {
      const login = await runCli(ws, ['login', stack.mcp.url]);
      expect(login.code, login.stderr).toBe(0);
      expect(login.stdout).toContain(`Signed in to ${stack.mcp.url}`);
      expect(stack.as.counts.codeGrants).toBe(1);

      // The IDE then starts with no browser.
      const ide = await startIde(stack.mcp.url, ws);
      expect(await whoami(ide)).toBe('alice');
      await ide.close();
      expect(signins(ws)).toHaveLength(1);

      const record = keychainRecord(ws.home, stack.mcp.url);
      const secrets = [record?.tokens?.access_token, record?.tokens?.refresh_token, record?.tokens?.id_token].filter((s): s is string => Boolean(s));
      expect(secrets.length).toBeGreaterThanOrEqual(2);

      for (const args of [['status'], ['status', '--json']]) {
        const status = await runCli(ws, args);
        expect(status.code).toBe(0);
        expect(status.stdout).toContain(stack.mcp.url);
        expect(status.stdout).toContain(stack.as.issuer);
        for (const secret of secrets) expect(status.stdout).not.toContain(secret);
      }
      const [entry] = JSON.parse((await runCli(ws, ['status', '--json'])).stdout) as Array<Record<string, unknown>>;
      expect(entry).toMatchObject({ server: stack.mcp.url, authorization_server: stack.as.issuer, signed_in: true, refreshable: true, usable: true, store: { kind: 'keychain' } });

      const logout = await runCli(ws, ['logout', stack.mcp.url]);
      expect(logout.code, logout.stderr).toBe(0);
      expect(logout.stdout).toContain('revoked');
      expect(keychainRecord(ws.home, stack.mcp.url)).toBeUndefined();
      const stateDir = stateDirOf(ws.home);
      expect(existsSync(stateDir) ? allFiles(stateDir) : []).toEqual([]);
      expect(filesContaining(ws.home, secrets)).toEqual([]);
      expect((await runCli(ws, ['status'])).stdout).toContain('holds no credentials');

      // The revoked refresh token no longer works at the authorization server.
      const refused = await fetch(`${stack.as.issuer}/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: record?.tokens?.refresh_token ?? '', client_id: readdirSync(ws.home).length ? (entry?.client_id as string) : '' }),
      });
      expect(refused.status).toBe(400);

      // The next run signs in again.
      const after = await startIde(stack.mcp.url, ws);
      expect(await whoami(after)).toBe('alice');
      await after.close();
      expect(stack.as.counts.codeGrants).toBe(2);
    } finally {
      await stack.close();
    }
  });
});
