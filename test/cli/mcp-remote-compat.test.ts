// Switching from mcp-remote 0.15.1 is one word: every argument it accepts is accepted here with the same meaning,
// run through the built CLI as an IDE starts it, against the real authorization server and MCP server.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../fixtures/stack.js';
import { runCli } from '../helpers/cli.js';
import { signins, startIde, text, toolNames, workspace, type Workspace } from '../helpers/ide.js';

/** A page of the user's own, for --auth-success-url. */
async function successPage(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<title>Welcome back</title><p>Signed in to the company tools.</p>'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return { url: `http://127.0.0.1:${address.port}/signed-in`, server };
}

describe('an IDE config written for mcp-remote 0.15.1', () => {
  let stack: Stack;
  let page: { url: string; server: Server };
  /** Signed in by the first test; the next ones start from its stored sign-in. */
  let signedIn: Workspace | undefined;
  beforeAll(async () => {
    stack = await startStack();
    page = await successPage();
  });
  afterAll(async () => {
    page.server.close();
    await stack.close();
  });

  it('every flag of a browser sign-in at once: the server works, the browser ends on the user\'s page, no resource is sent', async () => {
    const ws = workspace({ TEAM: 'platform' });
    signedIn = ws;
    const headerFile = join(ws.home, 'headers.txt');
    writeFileSync(headerFile, '# from mcp-remote\nX-From-File: yes\n');
    const ide = await startIde(stack.mcp.url, ws, {
      args: [
        '--transport', 'http-first',
        '--protocol', 'auto',
        '--keep-alive',
        '--ping-interval', '20',
        '--connect-timeout', '5',
        '--headers-timeout', '120',
        '--body-timeout', '0',
        '--ipv4',
        '--disable-cookies',
        '--enable-proxy',
        '--allow-http',
        '--header', 'X-Team: ${TEAM}',
        '--header-file', headerFile,
        '--host', 'localhost',
        '--callback-path', '/oauth/callback',
        '--auth-timeout', '60',
        '--auth-success-url', page.url,
        '--static-oauth-client-metadata', '{"client_name":"compat"}',
        '--resource', '',
        '--authorize-param', 'ui_locales=en',
        '--ignore-tool', 'ECH*', // mcp-remote matches tool names in any case
        '--debug',
      ],
    });
    try {
      const tools = await toolNames(ide);
      expect(tools).toContain('whoami');
      expect(tools).not.toContain('echo');
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} }))).toBe('alice');
      expect(stack.mcp.stats.discovers).toBeGreaterThan(0); // --protocol auto asked for MCP 2026-07-28 first
      const query = stack.as.authorizationQueries.at(-1);
      expect(query?.has('resource')).toBe(false); // --resource "" sends none
      expect(query?.get('ui_locales')).toBe('en');
      const landed = signins(ws).at(-1);
      expect(landed?.url).toBe(page.url);
      expect(landed?.text).toContain('Signed in to the company tools.');
      // What mcp-tether does instead of the flags it needs no setting for, said with --debug.
      expect(ide.stderr()).toContain('--keep-alive/--ping-interval: no pings are sent');
      expect(ide.stderr()).toContain('--body-timeout: an answer or event stream is never cut');
      expect(ide.stderr()).toContain('--disable-cookies: mcp-tether keeps no cookies');
      expect(ide.stderr()).toContain('--enable-proxy: HTTP_PROXY, HTTPS_PROXY and NO_PROXY are always honoured');
    } finally {
      await ide.close();
    }
  }, 90_000);

  it('--protocol legacy never tries MCP 2026-07-28, even with a server last spoken to in it: no server/discover', async () => {
    // From a stored sign-in whose server was last spoken to in 2026-07-28 (the first test): legacy must not try it.
    const ws = signedIn ?? workspace();
    const before = stack.mcp.stats.discovers;
    const ide = await startIde(stack.mcp.url, ws, { args: ['--protocol', 'legacy'] });
    try {
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} }))).toBe('alice');
      expect(stack.mcp.stats.discovers).toBe(before);
    } finally {
      await ide.close();
    }
  }, 90_000);

  it('${VAR} in --static-oauth-client-info is read from the environment, inline and from @file', async () => {
    const ws = workspace({ TETHER_CLIENT: 'no-such-client' });
    const file = join(ws.home, 'client.json');
    writeFileSync(file, '{"client_id":"${TETHER_CLIENT}"}');
    for (const value of ['{"client_id":"${TETHER_CLIENT}"}', `@${file}`]) {
      // The sign-in goes as far as naming the client (which the provider does not know), then gives up.
      const result = await runCli(ws, ['login', stack.mcp.url, '--static-oauth-client-info', value, '--auth-timeout', '3', '--debug'], {}, 30_000);
      expect(result.stderr).toContain('client no-such-client (static');
      expect(result.stderr).toContain('[TETHER_SIGN_IN_TIMEOUT]');
      expect(result.code).toBe(3);
    }
  }, 60_000);
});

describe('each mcp-remote 0.15.1 flag alone is accepted', () => {
  // Parsing only: a server URL nothing listens on, and stdin closed at once (the IDE went away).
  const url = 'http://127.0.0.1:9/mcp';
  const cases: Array<[string, string[]]> = [
    ['--transport', ['--transport', 'sse-first']],
    ['--protocol', ['--protocol', 'legacy']],
    ['--keep-alive', ['--keep-alive']],
    ['--ping-interval', ['--ping-interval', '15']],
    ['--connect-timeout', ['--connect-timeout', '2.5']],
    ['--headers-timeout', ['--headers-timeout', '0']],
    ['--body-timeout', ['--body-timeout', '300']],
    ['--ipv4', ['--ipv4']],
    ['--disable-cookies', ['--disable-cookies']],
    ['--enable-proxy', ['--enable-proxy']],
    ['--allow-http', ['--allow-http']],
    ['--debug', ['--debug']],
    ['--silent', ['--silent']],
    ['--header', ['--header', 'X-A: b']],
    ['--header-file', ['--header-file', '/dev/null']],
    ['--host', ['--host', '127.0.0.1']],
    ['--callback-path', ['--callback-path', '/cb']],
    ['--auth-timeout', ['--auth-timeout', '30']],
    ['--auth-success-url', ['--auth-success-url', 'https://intranet.example/ok']],
    ['--static-oauth-client-info', ['--static-oauth-client-info', '{"client_id":"abc"}']],
    ['--static-oauth-client-metadata', ['--static-oauth-client-metadata', '{"client_name":"x"}']],
    ['--client-metadata-url', ['--client-metadata-url', 'https://client.example/mcp.json']],
    ['--device-code', ['--device-code']],
    ['--client-credentials', ['--client-credentials', '--static-oauth-client-info', '{"client_id":"m","client_secret":"s"}']],
    ['--token-endpoint', ['--client-credentials', '--static-oauth-client-info', '{"client_id":"m","client_secret":"s"}', '--token-endpoint', 'https://auth.example/oauth2/token']],
    ['--use-id-token', ['--use-id-token']],
    ['--resource', ['--resource', 'https://gw.example/mcp']],
    ['--resource ""', ['--resource', '']],
    ['--disable-resource-parameter', ['--disable-resource-parameter']],
    ['--authorize-param', ['--authorize-param', 'audience=https://api.example']],
    ['--ignore-tool', ['--ignore-tool', 'delete_*']],
    ['callback port', ['3334']],
  ];
  it.each(cases)('%s', async (_name, args) => {
    const result = await runCli(workspace(), [url, ...args], {}, 30_000);
    expect(result.stderr).not.toMatch(/TETHER_(UNKNOWN_OPTION|INVALID_ARGUMENT|MISSING_ARGUMENT)/);
    expect(result.code).not.toBe(2);
  });
});
