// The main job, end to end on real components: an IDE stand-in spawns the built CLI over stdio; the remote server
// is the SDK's MCP server behind JWT checks, oidc-provider signs the user in through headless Chromium, and
// credentials go to a real Secret Service.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './fixtures/stack.js';
import { signins, startIde, text, toolNames, waitForSignins, workspace, type Workspace } from './helpers/ide.js';
import { filesContaining, keychainRecord } from './helpers/secrets.js';

describe('signing in once and working from every window', () => {
  let stack: Stack;
  let ws: Workspace;
  const stderrs: string[] = [];

  beforeAll(async () => {
    stack = await startStack();
    ws = workspace();
  });
  afterAll(async () => {
    await stack.close();
  });

  it('signs in through the browser on first run and the tool call returns the signed-in user', async () => {
    const ide = await startIde(stack.mcp.url, ws, { env: { SIGNIN_USER: 'alice' } });
    try {
      const result = await ide.client.callTool({ name: 'whoami', arguments: {} });
      expect(text(result)).toBe('alice');
      expect(await toolNames(ide)).toContain('whoami');
      expect(stack.as.counts.codeGrants).toBe(1);
      const pages = await waitForSignins(ws, 1);
      expect(pages).toHaveLength(1);
      expect(pages[0]?.status).toBe(200);
      expect(pages[0]?.text).toContain('Signed in');
      expect(ide.stderr()).toContain('Sign-in required');
    } finally {
      stderrs.push(ide.stderr());
      await ide.close();
    }
  });

  it('a second process reuses the stored credentials and opens no browser', async () => {
    const authorizations = stack.as.counts.authorizationRequests;
    const ide = await startIde(stack.mcp.url, ws, { args: ['--debug'] });
    try {
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} }))).toBe('alice');
      expect(stack.as.counts.authorizationRequests).toBe(authorizations);
      expect(signins(ws)).toHaveLength(1);
      expect(ide.stderr()).not.toContain('Sign-in required');
    } finally {
      stderrs.push(ide.stderr());
      await ide.close();
    }
  });

  it('keeps tokens in the keychain only: no file under HOME and no stderr line holds one', () => {
    const record = keychainRecord(ws.home, stack.mcp.url);
    const secrets = [record?.tokens?.access_token, record?.tokens?.refresh_token].filter((s): s is string => Boolean(s));
    expect(secrets).toHaveLength(2);
    expect(filesContaining(ws.home, secrets)).toEqual([]);
    for (const stderr of stderrs) for (const secret of secrets) expect(stderr).not.toContain(secret);
  });
});

describe('token lifetime', () => {
  it('refreshes an access token that expires mid-session with no browser and no failed call', async () => {
    const stack = await startStack({ accessTokenTtl: 3 });
    const ws = workspace();
    const ide = await startIde(stack.mcp.url, ws);
    try {
      // Signed in first: the 8 s of calls below are the token's lifetime at work, not the sign-in.
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} }))).toBe('alice');
      const results: string[] = [];
      const until = Date.now() + 8_000;
      while (Date.now() < until) {
        results.push(text(await ide.client.callTool({ name: 'whoami', arguments: {} })));
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(results.every((r) => r === 'alice')).toBe(true);
      // Dozens of calls over 8 s with 3 s tokens: refreshes follow the token lifetime, not the number of calls.
      expect(stack.as.counts.refreshGrants).toBeGreaterThanOrEqual(1);
      expect(stack.as.counts.refreshGrants).toBeLessThanOrEqual(6);
      expect(results.length).toBeGreaterThan(stack.as.counts.refreshGrants * 3);
      expect(stack.as.counts.authorizationRequests).toBe(1);
      expect(signins(ws)).toHaveLength(1);
    } finally {
      await ide.close();
      await stack.close();
    }
  });
});

describe('the sign-in callback', () => {
  it('refuses a callback with the wrong state, redeems no code for it, and still completes the real sign-in', async () => {
    const stack = await startStack();
    const ws = workspace({ SIGNIN_MODE: 'wrong-state' });
    const ide = await startIde(stack.mcp.url, ws);
    try {
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} }))).toBe('alice');
      const pages = await waitForSignins(ws, 2);
      const forged = pages.find((page) => page.kind === 'wrong-state');
      const real = pages.filter((page) => page.kind !== 'wrong-state');
      expect(forged?.status).toBe(400);
      expect(forged?.text).not.toContain('Signed in');
      expect(forged?.text).toContain('state');
      expect(real.at(-1)?.text).toContain('Signed in');
      expect(stack.as.counts.codeGrants).toBe(1);
      expect(stack.as.counts.failedGrants).toBe(0);
    } finally {
      await ide.close();
      await stack.close();
    }
  });
});

describe('a sign-in that fails', () => {
  it('tells the browser and the IDE what went wrong instead of "signed in"', async () => {
    const stack = await startStack();
    const ws = workspace({ SIGNIN_MODE: 'deny' });
    try {
      // The IDE may be answered while the sign-in runs; either its initialize or its first call carries the failure.
      const failure = await startIde(stack.mcp.url, ws)
        .then((ide) => ide.client.callTool({ name: 'whoami', arguments: {} }).finally(() => ide.close()))
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(String(failure)).toContain('access_denied');
      const page = (await waitForSignins(ws, 1)).at(-1);
      expect(page?.text).toContain('Sign-in failed');
      expect(page?.text).not.toContain('Signed in');
      expect(stack.as.counts.codeGrants).toBe(0);
    } finally {
      await stack.close();
    }
  });
});
