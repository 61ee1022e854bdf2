// A sign-in in progress is never lost: IDEs that start a server, list and quit (`claude mcp list`, `gemini mcp list`,
// the Inspector CLI) close stdin while the user is still in the browser. The sign-in finishes in the background, the
// tokens reach the keychain, and the next start opens no browser; starts in between join it. Real authorization
// server, real Secret Service, real headless browser taking as long as a person.
import { describe, expect, it } from 'vitest';
import { startStack } from '../fixtures/stack.js';
import { signins, waitForSignins, workspace } from '../helpers/ide.js';
import { keychainRecord } from '../helpers/secrets.js';
import { delayedBrowser, RawCli, sleep, waitUntil } from './drivers.js';

const INITIALIZE = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'quick-lister', version: '1.0.0' } } };

describe('an IDE that lets mcp-tether go during the sign-in', () => {
  it('closing stdin 3 s into a 15 s sign-in: mcp-tether exits at once, the sign-in completes, the next start needs no browser', async () => {
    const stack = await startStack();
    const ws = workspace({ BROWSER: delayedBrowser(15) });
    try {
      const first = new RawCli(stack.mcp.url, ws);
      first.send(INITIALIZE);
      await sleep(3_000);
      first.child.stdin.end();
      // The IDE's shutdown is not held up (its SDK would SIGTERM after 2 s and SIGKILL after 4 s).
      expect(await first.waitForExit(1_500), first.stderr).toBe(true);
      expect(first.lines).toEqual([]);
      expect(stack.as.counts.codeGrants).toBe(0);

      // The user finishes in the browser 15 s in; the page says so, and the tokens are in the keychain.
      expect(await waitUntil(() => keychainRecord(ws.home, stack.mcp.url)?.tokens !== undefined, 45_000), 'no tokens in the keychain').toBe(true);
      const pages = await waitForSignins(ws, 1);
      expect(pages[0]?.text).toContain('Signed in');
      expect(pages[0]?.text).toContain(stack.mcp.url);
      expect(pages[0]?.text).toContain('as alice');

      const second = new RawCli(stack.mcp.url, ws);
      try {
        const init = await second.handshake();
        expect((init.result as { serverInfo?: { name?: string } }).serverInfo?.name).not.toBe('mcp-tether');
        const listed = await second.request(1, 'tools/list');
        expect(((listed.result as { tools: Array<{ name: string }> }).tools).map((tool) => tool.name)).toContain('whoami');
        expect(second.stderr).not.toContain('Sign-in required');
      } finally {
        second.child.stdin.end();
        await second.waitForExit(5_000);
      }
      expect(stack.as.counts.authorizationRequests).toBe(1);
      expect(signins(ws)).toHaveLength(1);
    } finally {
      await stack.close();
    }
  }, 90_000);

  it('three starts that each quit after 2 s during one 10 s sign-in cost exactly one browser sign-in; the fourth lists tools', async () => {
    const stack = await startStack();
    const ws = workspace({ BROWSER: delayedBrowser(10) });
    try {
      const quitters: RawCli[] = [];
      for (let start = 0; start < 3; start++) {
        const cli = new RawCli(stack.mcp.url, ws);
        quitters.push(cli);
        cli.send(INITIALIZE);
        await sleep(2_000);
        cli.child.stdin.end();
        expect(await cli.waitForExit(1_500), cli.stderr).toBe(true);
      }
      // The second and third starts joined the first one's sign-in and said so.
      expect(quitters[1]?.stderr).toContain('Joining the sign-in');
      expect(await waitUntil(() => keychainRecord(ws.home, stack.mcp.url)?.tokens !== undefined, 45_000), 'no tokens in the keychain').toBe(true);

      const fourth = new RawCli(stack.mcp.url, ws);
      try {
        await fourth.handshake();
        const listed = await fourth.request(1, 'tools/list');
        expect(((listed.result as { tools: Array<{ name: string }> }).tools).map((tool) => tool.name)).toContain('whoami');
      } finally {
        fourth.child.stdin.end();
        await fourth.waitForExit(5_000);
      }
      expect(stack.as.counts.authorizationRequests).toBe(1);
      expect(stack.as.counts.codeGrants).toBe(1);
      expect((await waitForSignins(ws, 1)).length).toBe(1);
      expect(stack.as.counts.registrations).toBe(1);
    } finally {
      await stack.close();
    }
  }, 120_000);

  it('three abandoned sign-ins in a row leave one registered client, and each retry offers the link again', async () => {
    const stack = await startStack();
    const ws = workspace({ BROWSER: '/bin/true' }); // the user never signs in
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const cli = new RawCli(stack.mcp.url, ws, ['--auth-timeout', '6', '--initialize-hold', '1']);
        try {
          const init = await cli.handshake({ name: 'quick-lister', version: '1.0.0' }, 10_000);
          expect((init.result as { serverInfo?: { name?: string } }).serverInfo?.name).toBe('mcp-tether');
          const listed = await cli.request(1, 'tools/list', {}, 10_000);
          expect(((listed.result as { tools: Array<{ name: string }> }).tools).map((tool) => tool.name)).toEqual(['mcp_tether_sign_in']);
          // After the timeout, the next request starts a new sign-in and is answered the same way (not held for the timeout).
          await waitUntil(() => cli.stderr.includes('not completed within 6 s'), 15_000);
          await cli.next((m) => m.method === 'notifications/tools/list_changed', 10_000);
          const failed = await cli.request(2, 'tools/list', {}, 10_000);
          expect(JSON.stringify(failed.error)).toContain('not completed within 6 s');
          // The timeout is said once on stderr, not once per waiting request.
          expect(cli.stderr.split('not completed within 6 s').length - 1).toBe(1);
          const retried = await cli.request(3, 'tools/list', {}, 10_000);
          expect(((retried.result as { tools: Array<{ name: string }> }).tools).map((tool) => tool.name)).toEqual(['mcp_tether_sign_in']);
        } finally {
          cli.child.stdin.end();
          await cli.waitForExit(5_000);
        }
      }
      expect(stack.as.counts.registrations).toBe(1);
    } finally {
      await stack.close();
    }
  }, 120_000);

  it('a kept registration the authorization server has since forgotten is replaced, not offered to the user', async () => {
    const stack = await startStack();
    const abandoned = workspace({ BROWSER: '/bin/true' });
    try {
      const cli = new RawCli(stack.mcp.url, abandoned, ['--auth-timeout', '3', '--initialize-hold', '1']);
      await cli.handshake();
      await waitUntil(() => cli.stderr.includes('not completed within 3 s'), 15_000);
      cli.child.stdin.end();
      await cli.waitForExit(5_000);
      expect(stack.as.counts.registrations).toBe(1);

      stack.as.forgetRegisteredClients();
      const ws = { ...abandoned, env: { ...abandoned.env, BROWSER: delayedBrowser(1) } };
      const again = new RawCli(stack.mcp.url, ws, ['--initialize-hold', '30']);
      try {
        await again.handshake(undefined, 45_000);
        const called = await again.request(1, 'tools/call', { name: 'whoami', arguments: {} }, 30_000);
        expect(JSON.stringify(called.result)).toContain('alice');
        expect(again.stderr).toContain('no longer knows the client mcp-tether registered earlier');
      } finally {
        again.child.stdin.end();
        await again.waitForExit(5_000);
      }
      expect(stack.as.counts.registrations).toBe(2);
      expect(stack.as.counts.codeGrants).toBe(1);
    } finally {
      await stack.close();
    }
  }, 90_000);
});
