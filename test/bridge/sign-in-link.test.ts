// The sign-in link reaches a user who never sees stderr and whose system browser does not open: through the IDE's
// URL elicitation when it has one, otherwise as a sign-in tool listed while the user signs in (real authorization
// server, real headless browser opened by the "user" with the link the IDE showed).
import { describe, expect, it } from 'vitest';
import { startStack } from '../fixtures/stack.js';
import { openInBrowser, text, waitForSignins, workspace } from '../helpers/ide.js';
import { connectIde, waitUntil } from './drivers.js';

/** A system browser that never shows anything (a remote machine, a container). */
const NO_BROWSER = '/bin/true';

interface ListedTool {
  name: string;
  description?: string;
}

describe('the sign-in link with stderr hidden and no browser', () => {
  it('an IDE with URL elicitation is asked to open it; the sign-in completes and the elicitation is closed', async () => {
    const stack = await startStack();
    const ws = workspace({ BROWSER: NO_BROWSER });
    const asked: Array<{ mode?: string; url?: string; elicitationId?: string }> = [];
    const completed: string[] = [];
    let listChanged = 0;
    const ide = await connectIde(stack.mcp.url, ws, {
      capabilities: { elicitation: { url: {} } },
      setup: (client) => {
        client.setRequestHandler('elicitation/create', async (request) => {
          const params = request.params as { mode?: string; url?: string; elicitationId?: string };
          asked.push(params);
          if (params.url) openInBrowser(ws, params.url); // the user follows the link the IDE showed
          return { action: 'accept' };
        });
        client.setNotificationHandler('notifications/elicitation/complete', (notification) => {
          completed.push(String((notification.params as { elicitationId?: unknown }).elicitationId));
        });
        client.setNotificationHandler('notifications/tools/list_changed', () => {
          listChanged += 1;
        });
      },
    });
    try {
      expect(await waitUntil(() => listChanged > 0, 60_000), 'no tools/list_changed after the sign-in').toBe(true);
      expect(asked).toHaveLength(1);
      expect(asked[0]?.mode).toBe('url');
      expect(asked[0]?.url?.startsWith(`${stack.as.issuer}/auth?`)).toBe(true);
      expect(completed).toEqual([asked[0]?.elicitationId]);
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} }))).toBe('alice');
      expect((await waitForSignins(ws, 1)).at(-1)?.text).toContain('Signed in');
    } finally {
      await ide.close();
      await stack.close();
    }
  }, 90_000);

  it('an IDE without it lists a sign-in tool carrying the link; once signed in, the tool gives way to the real ones', async () => {
    const stack = await startStack();
    const ws = workspace({ BROWSER: NO_BROWSER });
    let listChanged = 0;
    const ide = await connectIde(stack.mcp.url, ws, {
      setup: (client) => {
        client.setNotificationHandler('notifications/tools/list_changed', () => {
          listChanged += 1;
        });
      },
    });
    try {
      const listed = (await ide.client.listTools()).tools as ListedTool[];
      expect(listed.map((tool) => tool.name)).toEqual(['mcp_tether_sign_in']);
      const link = /(https?:\/\/\S+\/auth\?\S+)/.exec(listed[0]?.description ?? '')?.[1];
      expect(link?.startsWith(`${stack.as.issuer}/auth?`), `no sign-in link in: ${listed[0]?.description ?? ''}`).toBe(true);
      // Calling it (as an agent might) gives the same link; nothing reaches the server.
      expect(text(await ide.client.callTool({ name: 'mcp_tether_sign_in', arguments: {} }))).toContain(link);
      expect(stack.as.counts.codeGrants).toBe(0);

      openInBrowser(ws, link ?? '');
      expect(await waitUntil(() => listChanged > 0, 60_000), 'no tools/list_changed after the sign-in').toBe(true);
      const names = (await ide.client.listTools()).tools.map((tool) => tool.name);
      expect(names).toContain('whoami');
      expect(names).not.toContain('mcp_tether_sign_in');
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} }))).toBe('alice');
      // An agent that calls the sign-in tool again afterwards is told it is done (not the server's "unknown tool").
      const late = await ide.client.callTool({ name: 'mcp_tether_sign_in', arguments: {} });
      expect(late.isError).toBeFalsy();
      expect(text(late)).toContain('Signed in');
    } finally {
      await ide.close();
      await stack.close();
    }
  }, 90_000);
});
