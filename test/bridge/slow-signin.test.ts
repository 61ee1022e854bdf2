// An IDE that re-lists on list_changed and gives initialize 5 s, while the browser sign-in takes ~10 s (real
// authorization server, real headless browser): its initialize is answered early (--initialize-hold 2, as for the
// re-listing IDEs of the table), list_changed follows the sign-in, then tools work; and when that sign-in fails
// instead, the IDE hears why.
import { describe, expect, it } from 'vitest';
import { startStack } from '../fixtures/stack.js';
import { text, waitForSignins, workspace } from '../helpers/ide.js';
import { connectIde, delayedBrowser, waitUntil, within } from './drivers.js';

describe('a sign-in slower than the IDE\'s initialize timeout', () => {
  it('the IDE survives: initialize answered within 5 s, tools/list_changed after the sign-in, then the tools work', async () => {
    const stack = await startStack();
    const ws = workspace({ BROWSER: delayedBrowser(10) });
    let listChanged = 0;
    let grantsWhenListChanged = -1;
    const ide = await connectIde(stack.mcp.url, ws, {
      timeoutMs: 5_000,
      args: ['--initialize-hold', '2'],
      setup: (client) => {
        client.setNotificationHandler('notifications/tools/list_changed', () => {
          listChanged += 1;
          if (grantsWhenListChanged === -1) grantsWhenListChanged = stack.as.counts.codeGrants;
        });
      },
    });
    try {
      // Answered before the user finished signing in.
      expect(stack.as.counts.codeGrants).toBe(0);
      // The IDE lists tools at once, as IDEs do, with the same 5 s budget: for now only the sign-in tool, as this IDE
      // has no URL elicitation. (Soft, so the rest of the story is still checked when this fails.)
      const early = await within(ide.client.listTools(undefined, { timeout: 5_000 }), 10_000);
      expect.soft(early !== 'timeout' && early.ok ? early.value.tools.map((tool) => tool.name) : `tools/list failed: ${early === 'timeout' ? 'no answer' : String(early.error)}`).toEqual(['mcp_tether_sign_in']);
      expect(stack.as.counts.codeGrants).toBe(0);
      // A call made meanwhile waits for the sign-in instead of failing.
      const call = within(ide.client.callTool({ name: 'whoami', arguments: {} }, { timeout: 60_000 }), 60_000);

      expect(await waitUntil(() => listChanged > 0, 60_000), ide.stderr()).toBe(true);
      expect(grantsWhenListChanged).toBe(1); // announced after the code was redeemed
      const names = (await ide.client.listTools()).tools.map((tool) => tool.name);
      expect(names).toContain('whoami');

      const outcome = await call;
      if (outcome === 'timeout' || !outcome.ok) throw new Error(`the call during the sign-in failed: ${outcome === 'timeout' ? 'timeout' : String(outcome.error)}\n${ide.stderr()}`);
      expect(text(outcome.value)).toBe('alice');
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} }))).toBe('alice');
      expect((await waitForSignins(ws, 1)).at(-1)?.text).toContain('Signed in');
    } finally {
      await ide.close();
      await stack.close();
    }
  }, 120_000);
});

describe('a sign-in that fails after the IDE was answered', () => {
  it('the IDE is told to list again, and its list comes back with the reason; the next request tries again', async () => {
    const stack = await startStack();
    const ws = workspace({ BROWSER: delayedBrowser(3), SIGNIN_MODE: 'deny' });
    let listChanged = 0;
    const ide = await connectIde(stack.mcp.url, ws, {
      timeoutMs: 5_000,
      args: ['--initialize-hold', '2'],
      setup: (client) => {
        client.setNotificationHandler('notifications/tools/list_changed', () => {
          listChanged += 1;
        });
      },
    });
    try {
      expect(await waitUntil(() => listChanged > 0, 30_000), ide.stderr()).toBe(true);
      const listed = await ide.client.listTools().then(
        () => 'listed',
        (error: unknown) => String(error),
      );
      expect(listed).toContain('could not connect to the server');
      expect(listed).toContain('access_denied');
      expect(ide.stderr()).toContain('access_denied');
      // Not a dead end: the next request starts a new sign-in and is answered as at a start (the sign-in tool); that
      // sign-in is denied again, and the IDE is told so the same way.
      const seen = listChanged;
      const again = await ide.client.listTools(undefined, { timeout: 5_000 });
      expect(again.tools.map((tool) => tool.name)).toEqual(['mcp_tether_sign_in']);
      expect(await waitUntil(() => listChanged > seen, 30_000), ide.stderr()).toBe(true);
      const denied = await ide.client.listTools().then(
        () => 'listed',
        (error: unknown) => String(error),
      );
      expect(denied).toContain('access_denied');
      expect((await waitForSignins(ws, 2, 30_000)).length).toBe(2);
      expect(stack.as.counts.codeGrants).toBe(0);
    } finally {
      await ide.close();
      await stack.close();
    }
  }, 120_000);
});
