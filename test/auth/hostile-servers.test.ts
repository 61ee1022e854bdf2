// A hostile or compromised server cannot point the sign-in elsewhere (real components, the CLI spawned as an IDE
// spawns it): resource metadata on another origin, an authorization server endpoint on a cloud metadata address, and a
// token endpoint that redirects are refused with their codes, and the place they pointed at receives nothing; a server
// that moves to another authorization server never gets the old one's credentials to it.
import { createServer, type Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startAuthServer, type AuthServer } from '../fixtures/authorization-server.js';
import { startMcpServer } from '../fixtures/mcp-server.js';
import { signins, startIde, text, workspace, type Workspace } from '../helpers/ide.js';
import { listenOnLoopback } from '../helpers/net.js';
import { perTest } from '../helpers/per-test.js';
import { expireStoredTokens, keychainRecord, stateDirOf } from '../helpers/secrets.js';
import { readServerState } from '../../src/store/server-state.js';

const { stackWith, defer } = perTest();

/** A loopback HTTP server answering with `handler`, closed after the test; its base URL. */
async function serve(host: string, handler: (path: string, res: import('node:http').ServerResponse) => void): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    handler(req.url ?? '/', res);
  });
  const url = await listenOnLoopback(server, host);
  defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url, requests };
}

/** Starts the CLI for `url` and makes one tool call; what the IDE was told, plus stderr. */
async function firstCall(url: string, ws: Workspace, args: string[] = []): Promise<string> {
  const outcome = await startIde(url, ws, { args, timeoutMs: 30_000 }).then(
    async (ide) => {
      try {
        await ide.client.callTool({ name: 'whoami', arguments: {} });
        return `succeeded\n${ide.stderr()}`;
      } catch (error) {
        return `${String(error)}\n${JSON.stringify((error as { data?: unknown }).data ?? null)}\n${ide.stderr()}`;
      } finally {
        await ide.close();
      }
    },
    (error: unknown) => String(error),
  );
  return outcome;
}

describe('a server whose challenge names resource metadata on another origin', () => {
  it('is refused with TETHER_METADATA_INVALID naming the option, and the other origin gets no request; the option lets it be read', async () => {
    const rogue = await serve('127.0.0.2', (_path, res) => res.writeHead(404).end());
    const hostile = await serve('127.0.0.1', (_path, res) =>
      res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${rogue.url}/.well-known/oauth-protected-resource"`, 'content-type': 'application/json' }).end('{}'),
    );
    const output = await firstCall(`${hostile.url}/mcp`, workspace());
    expect(output).toContain('TETHER_METADATA_INVALID');
    expect(output).toContain('--allow-foreign-resource-metadata');
    expect(rogue.requests).toEqual([]);
    await firstCall(`${hostile.url}/mcp`, workspace(), ['--allow-foreign-resource-metadata']);
    expect(rogue.requests).toContain('GET /.well-known/oauth-protected-resource');
  }, 90_000);
});

describe('an authorization server whose metadata names a cloud metadata address', () => {
  it('registration there is refused with TETHER_ADDRESS_REFUSED before any browser opens', async () => {
    const stack = await stackWith({ editMetadata: (doc) => ({ ...doc, registration_endpoint: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/' }) });
    const ws = workspace();
    const output = await firstCall(stack.mcp.url, ws, ['--allow-http']);
    expect(output).toContain('TETHER_ADDRESS_REFUSED');
    expect(output).toContain('cloud metadata service');
    expect(signins(ws)).toHaveLength(0);
    expect(stack.as.counts.authorizationRequests).toBe(0);
  }, 90_000);
});

describe('a token endpoint that answers with a redirect', () => {
  it('the authorization code is not sent on: TETHER_REDIRECT_REFUSED, and the redirect target receives nothing', async () => {
    const rogue = await serve('127.0.0.1', (_path, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    const redirector = await serve('127.0.0.1', (_path, res) => res.writeHead(307, { location: `${rogue.url}/token` }).end());
    const stack = await stackWith({ editMetadata: (doc) => ({ ...doc, token_endpoint: `${redirector.url}/token` }) });
    const ws = workspace();
    const output = await firstCall(stack.mcp.url, ws);
    expect(output).toContain('TETHER_REDIRECT_REFUSED');
    // One code per sign-in: a loaded machine may answer the IDE's start-up before the first sign-in fails, and the
    // call after it starts a second one. Each code reaches the redirector only, never the place it points to.
    expect(redirector.requests.length).toBeGreaterThanOrEqual(1);
    expect(redirector.requests.length).toBeLessThanOrEqual(2);
    expect(new Set(redirector.requests)).toEqual(new Set(['POST /token']));
    expect(rogue.requests).toEqual([]);
    expect(stack.as.counts.codeGrants).toBe(0);
  }, 90_000);
});

describe('a server whose metadata moves to another authorization server', () => {
  it('the old refresh token goes only to the server that issued it; the new one gets a new sign-in and never the old client secret, client id or tokens', async () => {
    let current: AuthServer | undefined;
    const issuerNow = (): AuthServer => {
      if (!current) throw new Error('no authorization server yet');
      return current;
    };
    const mcp = await startMcpServer({ issuer: () => issuerNow().issuer, jwksUri: () => issuerNow().jwksUri });
    defer(() => mcp.close());
    const original = await startAuthServer({ resource: mcp.url, clientAuthMethods: ['client_secret_basic', 'client_secret_post'] });
    defer(() => original.close());
    const rogue = await startAuthServer({ resource: mcp.url });
    defer(() => rogue.close());
    current = original;

    const ws = workspace();
    const first = await startIde(mcp.url, ws);
    defer(() => first.close());
    expect(text(await first.client.callTool({ name: 'whoami', arguments: {} })), first.stderr()).toBe('alice');
    await first.close();
    const before = keychainRecord(ws.home, mcp.url);
    const secrets = [before?.client_secret, before?.tokens?.refresh_token, before?.tokens?.access_token].filter((value): value is string => typeof value === 'string');
    expect(secrets).toHaveLength(3);
    const clientId = readServerState(stateDirOf(ws.home), mcp.url)?.client.client_id ?? '';
    expect(clientId).not.toBe('');

    // The server now names another authorization server; the stored access token has expired.
    current = rogue;
    expireStoredTokens(ws.home, mcp.url);
    const second = await startIde(mcp.url, ws);
    defer(() => second.close());
    expect(text(await second.client.callTool({ name: 'whoami', arguments: {} })), second.stderr()).toBe('alice');
    expect(rogue.counts.codeGrants).toBe(1);
    expect(signins(ws)).toHaveLength(2);
    const atRogue = rogue.credentialRequests.map((request) => `${request.authorization} ${Buffer.from(request.authorization.replace(/^Basic /, ''), 'base64').toString('utf8')} ${request.body}`);
    expect(atRogue.length).toBeGreaterThanOrEqual(2);
    for (const value of [...secrets, clientId]) {
      for (const request of atRogue) expect(request.includes(encodeURIComponent(value)) || request.includes(value), `${value.slice(0, 8)}… reached the new server`).toBe(false);
    }
  }, 120_000);
});
