// Sign-in failure modes on real components, the CLI spawned as an IDE spawns it: each test checks that what the user
// gets (the IDE's JSON-RPC error, stderr, the browser page) names the cause and the fix, and the login exit codes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { describe, expect, it } from 'vitest';
import { startMcpServer } from '../fixtures/mcp-server.js';
import { runCli } from '../helpers/cli.js';
import { CLI, waitForSignins, workspace, type SigninRecord, type Workspace } from '../helpers/ide.js';
import { freePort } from '../helpers/net.js';
import { perTest } from '../helpers/per-test.js';

interface Failure {
  /** The JSON-RPC error the IDE received (for initialize or for the first tool call). */
  error: string;
  /** Everything mcp-tether printed on stderr. */
  stderr: string;
}

/**
 * Starts mcp-tether as an IDE would and expects the sign-in to fail: connects (initialize may be answered early while
 * the sign-in runs), then calls a tool. Returns the error the IDE got and the CLI's stderr, captured in either case.
 */
async function failingStart(serverUrl: string, ws: Workspace, args: string[], env: Record<string, string> = {}): Promise<Failure> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, serverUrl, ...args], env: { ...ws.env, ...env }, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const client = new Client({ name: 'ide-stand-in', version: '1.0.0' }, { capabilities: {} });
  let error = '';
  try {
    await client.connect(transport, { timeout: 40_000 });
    await client.callTool({ name: 'whoami', arguments: {} }, { timeout: 40_000 });
    error = 'the tool call unexpectedly succeeded';
  } catch (failure) {
    error = failure instanceof Error ? failure.message : String(failure);
  } finally {
    await client.close().catch(() => undefined);
    await transport.close().catch(() => undefined);
  }
  return { error, stderr };
}

/** The browser's last page, as browser-signin.mjs recorded it. */
async function lastPage(ws: Workspace): Promise<SigninRecord | undefined> {
  return (await waitForSignins(ws, 1, 20_000)).at(-1);
}

function callbackUri(port: number): string {
  return `http://localhost:${port}/oauth/callback`;
}

/** A confidential client ("confidential-app", secret "the-right-secret", client_secret_basic) for this redirect URI. */
function confidentialClient(redirectUri: string): Record<string, unknown> {
  return publicClient('confidential-app', redirectUri, { client_secret: 'the-right-secret', token_endpoint_auth_method: 'client_secret_basic' });
}

/** A public client pre-registered with this exact redirect URI. */
function publicClient(clientId: string, redirectUri: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    client_id: clientId,
    redirect_uris: [redirectUri],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    ...extra,
  };
}

const { stackWith, defer } = perTest();

/** An HTTP server on loopback that answers 404 to everything: an issuer with no metadata anywhere. */
async function nothingServer(): Promise<string> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  defer(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('discovery failures', () => {
  it('no authorization server metadata anywhere: the message lists every URL tried', async () => {
    const origin = await nothingServer();
    const issuer = `${origin}/tenant-a`;
    const mcp = await startMcpServer({ issuer: () => issuer, jwksUri: () => `${origin}/jwks` });
    defer(() => mcp.close());
    const { error, stderr } = await failingStart(mcp.url, workspace(), []);
    const tried = [
      `${origin}/.well-known/oauth-authorization-server/tenant-a`,
      `${origin}/.well-known/openid-configuration/tenant-a`,
      `${origin}/tenant-a/.well-known/openid-configuration`,
    ];
    for (const output of [error, stderr]) {
      expect(output).toContain(`No authorization server metadata found for ${issuer}`);
      expect(output).toContain('[TETHER_METADATA_INVALID]');
      for (const url of tried) expect(output).toContain(`${url} (404)`);
      expect(output).toMatch(/issuer URL is right/);
    }
  });

  it('issuer mismatch: the metadata names another issuer than the one the server pointed to', async () => {
    const stack = await stackWith({ editMetadata: (doc) => ({ ...doc, issuer: 'https://impostor.example' }) });
    const { error, stderr } = await failingStart(stack.mcp.url, workspace(), []);
    for (const output of [error, stderr]) {
      expect(output).toContain('names issuer "https://impostor.example"');
      expect(output).toContain('[TETHER_METADATA_INVALID]');
      expect(output).toContain(`but the server pointed to "${stack.as.issuer}"`);
      expect(output).toContain('must match exactly');
      expect(output).toMatch(/fix the issuer or the "authorization_servers" entry/);
    }
    expect(stack.as.counts.authorizationRequests).toBe(0);
  });

  it('PKCE not advertised: refuses to sign in and names --assume-pkce-s256', async () => {
    const stack = await stackWith({
      editMetadata: (doc) => {
        const { code_challenge_methods_supported: _dropped, ...rest } = doc;
        return rest;
      },
    });
    const { error, stderr } = await failingStart(stack.mcp.url, workspace(), []);
    for (const output of [error, stderr]) {
      expect(output).toContain('does not advertise PKCE support');
      expect(output).toContain('[TETHER_NO_PKCE]');
      expect(output).toContain('--assume-pkce-s256');
    }
    expect(stack.as.counts.authorizationRequests).toBe(0);
  });

  it('no dynamic client registration: names --static-oauth-client-info and the exact redirect URI to register', async () => {
    const stack = await stackWith({
      editMetadata: (doc) => {
        const { registration_endpoint: _dropped, ...rest } = doc;
        return rest;
      },
    });
    const port = await freePort();
    const { error, stderr } = await failingStart(stack.mcp.url, workspace(), [String(port)]);
    for (const output of [error, stderr]) {
      expect(output).toContain('does not offer dynamic client registration');
      expect(output).toContain('[TETHER_NO_DCR]');
      expect(output).toContain(`redirect URI ${callbackUri(port)}`);
      expect(output).toContain('--static-oauth-client-info');
    }
    expect(stack.as.counts.registrations).toBe(0);
    expect(stack.as.counts.authorizationRequests).toBe(0);
  });
});

describe('failures at the authorization server', () => {
  it('invalid_client: a confidential client with a wrong secret; the IDE and the browser are told to check the secret', async () => {
    const port = await freePort();
    const stack = await stackWith({
      clients: [confidentialClient(callbackUri(port))],
    });
    const ws = workspace();
    const info = { client_id: 'confidential-app', client_secret: 'a-wrong-secret', redirect_uris: [callbackUri(port)] };
    const { error, stderr } = await failingStart(stack.mcp.url, ws, [String(port), '--static-oauth-client-info', JSON.stringify(info)]);
    const page = await lastPage(ws);
    for (const output of [error, page?.text ?? '']) {
      expect(output).toContain('invalid_client');
      expect(output).toContain('[TETHER_CLIENT_REJECTED]');
      expect(output).toContain('client_secret');
      expect(output).toContain('--static-oauth-client-info');
    }
    expect(page?.text).toContain('Sign-in failed');
    expect(page?.text).not.toContain('Signed in');
    expect(stderr).not.toContain('a-wrong-secret');
    expect(stack.as.counts.codeGrants).toBe(0);
  });

  it('invalid_scope: --scope asks for a scope the client may not request; the message names --scope', async () => {
    const port = await freePort();
    const stack = await stackWith({ clients: [publicClient('scoped-app', callbackUri(port), { scope: 'openid mcp:tools' })] });
    const ws = workspace();
    const { error, stderr } = await failingStart(stack.mcp.url, ws, [
      String(port),
      '--static-oauth-client-info',
      JSON.stringify({ client_id: 'scoped-app' }),
      '--scope',
      'openid profile mcp:tools',
    ]);
    const page = await lastPage(ws);
    for (const output of [error, stderr, page?.text ?? '']) {
      expect(output).toContain('invalid_scope');
      expect(output).toContain('[TETHER_SCOPE_REJECTED]');
      expect(output).toContain('--scope');
    }
    expect(page?.text).toContain('Sign-in failed');
    expect(stack.as.counts.codeGrants).toBe(0);
  });

  it('resource indicator rejected (Entra profile) without --disable-resource-parameter: the message names that option', async () => {
    const clientId = '8d2f4c1a-5b3e-4f7a-9c6d-0e1f2a3b4c5d';
    const stack = await stackWith({
      profile: 'entra',
      clients: [publicClient(clientId, 'http://127.0.0.1/oauth/callback', { application_type: 'native' })],
    });
    const ws = workspace();
    const { error, stderr } = await failingStart(stack.mcp.url, ws, [
      '--static-oauth-client-info',
      JSON.stringify({ client_id: clientId }),
      '--host',
      '127.0.0.1',
      '--assume-pkce-s256',
      '--scope',
      `${stack.mcp.url}/.default openid profile offline_access`,
    ]);
    const page = await lastPage(ws);
    for (const output of [error, stderr, page?.text ?? '']) {
      expect(output).toContain('invalid_target');
      expect(output).toContain('[TETHER_RESOURCE_REJECTED]');
      expect(output).toContain('--disable-resource-parameter');
    }
    expect(stack.as.counts.codeGrants).toBe(0);
  });

  it('redirect URI not registered: the provider shows its error page; stderr names the exact redirect URI mcp-tether used', async () => {
    const port = await freePort();
    // Registered for another path: what an administrator gets wrong most often.
    const stack = await stackWith({ clients: [publicClient('misregistered-app', `http://localhost:${port}/callback`)] });
    const ws = workspace();
    const { error, stderr } = await failingStart(stack.mcp.url, ws, [
      String(port),
      '--static-oauth-client-info',
      JSON.stringify({ client_id: 'misregistered-app' }),
      '--auth-timeout',
      '6',
    ]);
    const page = await lastPage(ws);
    // oidc-provider does not redirect back to an unregistered URI: the browser stays on its error page.
    expect(page?.kind).toBe('other');
    expect(page?.status).toBe(400);
    expect(page?.text).toContain('redirect_uri did not match any of the client\'s registered redirect_uris');
    // The user can only compare: the URI mcp-tether used must be on stderr, exactly.
    expect(stderr).toContain(callbackUri(port));
    // mcp-tether never hears back, so the sign-in ends at the deadline, saying so.
    for (const output of [error, stderr]) {
      expect(output).toContain('not completed within 6 s');
      expect(output).toContain('--auth-timeout');
    }
    expect(stack.as.counts.codeGrants).toBe(0);
  });

  it('callback timeout: no browser ever returns; the message says it timed out and names --auth-timeout', async () => {
    const stack = await stackWith();
    const { error, stderr } = await failingStart(stack.mcp.url, workspace({ BROWSER: '/bin/true' }), ['--auth-timeout', '3']);
    for (const output of [error, stderr]) {
      expect(output).toContain('Sign-in was not completed within 3 s');
      expect(output).toContain('[TETHER_SIGN_IN_TIMEOUT]');
      expect(output).toContain('--auth-timeout');
    }
    expect(stderr).toContain('Sign-in required');
    expect(stack.as.counts.codeGrants).toBe(0);
  });
});

describe('exit codes of mcp-tether login', () => {
  it('3 when the sign-in fails (callback timeout), with the message on stderr and nothing on stdout', async () => {
    const stack = await stackWith();
    const result = await runCli(workspace({ BROWSER: '/bin/true' }), ['login', stack.mcp.url, '--auth-timeout', '3']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('Sign-in was not completed within 3 s');
    expect(result.stderr).toContain('[TETHER_SIGN_IN_TIMEOUT]');
    expect(result.stderr).toContain('--auth-timeout');
    expect(result.stdout).toBe('');
  });

  it('3 when the authorization server cannot be used (PKCE not advertised)', async () => {
    const stack = await stackWith({
      editMetadata: (doc) => {
        const { code_challenge_methods_supported: _dropped, ...rest } = doc;
        return rest;
      },
    });
    const result = await runCli(workspace(), ['login', stack.mcp.url]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('--assume-pkce-s256');
    expect(result.stderr).toContain('[TETHER_NO_PKCE]');
  });

  it('3 for a wrong client secret (invalid_client after the browser sign-in)', async () => {
    const port = await freePort();
    const stack = await stackWith({
      clients: [confidentialClient(callbackUri(port))],
    });
    const info = { client_id: 'confidential-app', client_secret: 'a-wrong-secret' };
    const result = await runCli(workspace(), ['login', stack.mcp.url, String(port), '--static-oauth-client-info', JSON.stringify(info)]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('invalid_client');
    expect(result.stderr).toContain('[TETHER_CLIENT_REJECTED]');
  });

  it('2 for a bad command line: an unknown option, a bad --auth-timeout, malformed client JSON', async () => {
    const ws = workspace();
    const url = 'http://127.0.0.1:9/mcp';
    const unknown = await runCli(ws, ['login', url, '--no-such-option']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--no-such-option');
    const timeout = await runCli(ws, ['login', url, '--auth-timeout', '0']);
    expect(timeout.code).toBe(2);
    expect(timeout.stderr).toContain('--auth-timeout');
    const json = await runCli(ws, ['login', url, '--static-oauth-client-info', '{not json']);
    expect(json.code).toBe(2);
    expect(json.stderr).toContain('--static-oauth-client-info is not valid JSON');
  });
});
