// --debug during a first sign-in (through the detached sign-in process, real authorization server and browser):
// every step of the chain is on stderr (URLs tried, server and client chosen, scope and its source, PKCE, token
// endpoint authentication), and no secret is: no token, no authorization code, no registration access token.
import { describe, expect, it } from 'vitest';
import { startStack } from '../fixtures/stack.js';
import { workspace } from '../helpers/ide.js';
import { keychainRecord } from '../helpers/secrets.js';
import { delayedBrowser, RawCli } from '../bridge/drivers.js';

describe('--debug during a sign-in', () => {
  it('shows each step of the chain and no secret', async () => {
    const stack = await startStack();
    const ws = workspace({ BROWSER: delayedBrowser(1) });
    const cli = new RawCli(stack.mcp.url, ws, ['--debug', '--initialize-hold', '30']);
    try {
      await cli.handshake(undefined, 45_000);
      const listed = await cli.request(1, 'tools/list', {}, 30_000);
      expect(JSON.stringify(listed.result)).toContain('whoami');
    } finally {
      cli.child.stdin.end();
      await cli.waitForExit(5_000);
      await stack.close();
    }
    const stderr = cli.stderr;
    for (const step of [
      `protected resource metadata: GET ${new URL(stack.mcp.url).origin}/.well-known/oauth-protected-resource/mcp -> 200`,
      `authorization server metadata: GET ${stack.as.issuer}/.well-known/oauth-authorization-server -> 200`,
      `issuer ${stack.as.issuer}: PKCE S256`,
      "scope \"openid profile mcp:tools\" from the resource metadata's scopes_supported",
      `resource indicator ${stack.mcp.url}`,
      '(dynamic); token endpoint auth none; PKCE S256; redirect URI http://localhost:',
      'Waiting up to 5 min 0 s for you to sign in',
      `redeeming the authorization code at ${stack.as.issuer}/token`,
    ]) {
      expect(stderr, step).toContain(step);
    }
    const record = keychainRecord(ws.home, stack.mcp.url);
    const secrets = [record?.tokens?.access_token, record?.tokens?.refresh_token, record?.tokens?.id_token, record?.registration_access_token];
    expect(secrets.every((secret) => typeof secret === 'string' && secret.length > 10)).toBe(true);
    for (const secret of secrets) expect(stderr).not.toContain(secret);
    expect(stderr).not.toMatch(/[?&]code=(?!\[redacted\])/);
  }, 60_000);
});
