// The other grants on real components, the CLI spawned as an IDE spawns it: the device authorization grant
// (--device-code, completed by headless Chromium on oidc-provider's device pages) and --client-credentials.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BROWSER, signins, startIde, text, waitForSignins, workspace, type Workspace } from '../helpers/ide.js';
import { expireStoredTokens, keychainRecord } from '../helpers/secrets.js';
import { perTest } from '../helpers/per-test.js';

const { stackWith, defer } = perTest();

/**
 * The user at another device: once the CLI prints "open <uri> and enter the code <code>", opens that URI in headless
 * Chromium and types the code. Records what it read, for the test to check.
 */
function userAtAnotherDevice(ws: Workspace): { onStderr: (stderr: string) => void; seen: { uri?: string; code?: string; browserStderr: string } } {
  const seen: { uri?: string; code?: string; browserStderr: string } = { browserStderr: '' };
  return {
    seen,
    onStderr: (stderr) => {
      const match = /open (\S+) and enter the code (\S+?)[.\s]/.exec(stderr);
      if (seen.uri !== undefined || !match?.[1] || !match[2]) return;
      seen.uri = match[1];
      seen.code = match[2];
      const env = { PATH: process.env.PATH ?? '', HOME: ws.home, SIGNIN_LOG: ws.signinLog, SIGNIN_MODE: 'device', SIGNIN_USER: 'dora' };
      const browser = spawn(process.execPath, [BROWSER, seen.uri, seen.code], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      browser.stderr.on('data', (chunk: Buffer) => {
        seen.browserStderr += chunk.toString('utf8');
      });
      browser.unref();
    },
  };
}

describe('--device-code (RFC 8628)', () => {
  it('prints the verification URI and user code; once the user enters it in a browser, the tool call returns that user', async () => {
    const stack = await stackWith({ deviceFlow: true });
    const ws = workspace({ BROWSER: '/bin/false' });
    const user = userAtAnotherDevice(ws);
    const ide = await startIde(stack.mcp.url, ws, { args: ['--device-code'], onStderr: user.onStderr });
    try {
      const result = await ide.client.callTool({ name: 'whoami', arguments: {} }, { timeout: 45_000 }).catch((error: unknown) => {
        throw new Error(`${String(error)}\nmcp-tether stderr:\n${ide.stderr()}\nbrowser stderr:\n${user.seen.browserStderr}`);
      });
      expect(text(result), ide.stderr()).toBe('dora');
      expect(user.seen.uri).toBe(`${stack.as.issuer}/device`);
      expect(user.seen.code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
      const page = (await waitForSignins(ws, 1)).at(-1);
      expect(page?.kind).toBe('device');
      expect(page?.text).toContain('Sign-in Success');
      // No authorization code flow and no local browser: the device grant alone.
      expect(stack.as.counts.authorizationRequests).toBe(0);
      expect(stack.as.counts.deviceCodeGrants).toBe(1);
      expect(ide.stderr()).not.toContain('Opening your browser');
      expect(keychainRecord(ws.home, stack.mcp.url)?.tokens?.refresh_token).toBeTruthy();
    } finally {
      await ide.close();
    }
    // Next start: the stored tokens are used; no new code is printed.
    const again = await startIde(stack.mcp.url, ws, { args: ['--device-code'] });
    try {
      expect(text(await again.client.callTool({ name: 'whoami', arguments: {} }))).toBe('dora');
      expect(again.stderr()).not.toContain('enter the code');
      expect(stack.as.counts.deviceCodeGrants).toBe(1);
    } finally {
      await again.close();
    }
  });
});

describe('--client-credentials', () => {
  const CLIENT_ID = 'build-bot';
  const CLIENT_SECRET = 'build-bot-secret-for-tests';

  function machineClient(): Record<string, unknown> {
    return {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    };
  }

  const args = ['--client-credentials', '--static-oauth-client-info', JSON.stringify({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET })];

  it('gets a token with no user and no browser; the server sees the client id as the subject', async () => {
    const stack = await stackWith({ clientCredentials: true, clients: [machineClient()] });
    const ws = workspace();
    const ide = await startIde(stack.mcp.url, ws, { args });
    try {
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(CLIENT_ID);
      expect(stack.as.counts.clientCredentialsGrants).toBe(1);
      expect(stack.as.counts.authorizationRequests).toBe(0);
      expect(signins(ws)).toHaveLength(0);
      expect(ide.stderr()).not.toContain('Sign-in required');
      expect(ide.stderr()).not.toContain(CLIENT_SECRET);
    } finally {
      await ide.close();
    }
  });

  it('replaces an expiring client-credentials token without a browser and without a failed call', async () => {
    const stack = await stackWith({ clientCredentials: true, clients: [machineClient()], accessTokenTtl: 3 });
    const ws = workspace();
    const ide = await startIde(stack.mcp.url, ws, { args });
    try {
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(CLIENT_ID);
      const results: string[] = [];
      const until = Date.now() + 8_000;
      while (Date.now() < until) {
        results.push(text(await ide.client.callTool({ name: 'whoami', arguments: {} })));
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(results.every((r) => r === CLIENT_ID), ide.stderr()).toBe(true);
      // 3 s tokens over 8 s: replaced at least once, and per lifetime, not per call (~30 calls).
      expect(stack.as.counts.clientCredentialsGrants).toBeGreaterThanOrEqual(2);
      expect(stack.as.counts.clientCredentialsGrants).toBeLessThanOrEqual(8);
      expect(ide.stderr()).not.toContain('Sign-in required');
      expect(stack.as.counts.authorizationRequests).toBe(0);
      expect(signins(ws)).toHaveLength(0);
    } finally {
      await ide.close();
    }
  });
});

describe('the refresh token grant without a resource indicator', () => {
  it('sends the sign-in\'s scope; a server that keeps resource scopes off the refresh token refuses it, and is asked again without it', async () => {
    const stack = await stackWith();
    const ws = workspace();
    const args = ['--disable-resource-parameter', '--scope', 'openid offline_access mcp:tools', '--debug'];
    const first = await startIde(stack.mcp.url, ws, { args });
    defer(() => first.close());
    expect(text(await first.client.callTool({ name: 'whoami', arguments: {} }))).toBe('alice');
    await first.close();
    expireStoredTokens(ws.home, stack.mcp.url);
    const { refreshGrants, failedGrants, authorizationRequests } = stack.as.counts;
    const second = await startIde(stack.mcp.url, ws, { args });
    defer(() => second.close());
    expect(text(await second.client.callTool({ name: 'whoami', arguments: {} }))).toBe('alice');
    expect(second.stderr()).toContain('refreshing the access token (scope "openid offline_access mcp:tools")');
    expect(second.stderr()).toContain('asking again without it');
    expect(stack.as.counts.failedGrants).toBe(failedGrants + 1);
    expect(stack.as.counts.refreshGrants).toBe(refreshGrants + 1);
    expect(stack.as.counts.authorizationRequests).toBe(authorizationRequests);
    expect(signins(ws)).toHaveLength(1);
  }, 60_000);
});

describe('dynamic registration at a server that lists only client_secret_basic and client_secret_post', () => {
  it('registers a confidential client with a method the server lists, signs in with its secret, and refreshes with it', async () => {
    const stack = await stackWith({ clientAuthMethods: ['client_secret_basic', 'client_secret_post'] });
    const ws = workspace();
    const first = await startIde(stack.mcp.url, ws);
    defer(() => first.close());
    expect(text(await first.client.callTool({ name: 'whoami', arguments: {} })), first.stderr()).toBe('alice');
    await first.close();
    expect(stack.as.counts.registrations).toBe(1);
    const record = keychainRecord(ws.home, stack.mcp.url);
    expect(record?.client_secret).toEqual(expect.any(String));
    expireStoredTokens(ws.home, stack.mcp.url);
    const refreshes = stack.as.counts.refreshGrants;
    const second = await startIde(stack.mcp.url, ws);
    defer(() => second.close());
    expect(text(await second.client.callTool({ name: 'whoami', arguments: {} }))).toBe('alice');
    expect(stack.as.counts.refreshGrants).toBe(refreshes + 1);
    expect(signins(ws)).toHaveLength(1);
  }, 60_000);
});
