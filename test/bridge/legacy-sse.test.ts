// Transport fallback under the default --transport http-first: a legacy HTTP+SSE server works (after its 404/405
// to the first POST), and a server that answers 401 never triggers the fallback.
import { describe, expect, it } from 'vitest';
import { startLegacySseServer } from '../fixtures/legacy-sse-server.js';
import { text, workspace } from '../helpers/ide.js';
import { connectIde, within } from './drivers.js';

describe('a legacy HTTP+SSE server', () => {
  for (const postStatus of [405, 404] as const) {
    it(`works under the default transport (POST answered ${postStatus}): initialize, tools/list, tools/call`, async () => {
      const server = await startLegacySseServer({ postStatus });
      const ide = await connectIde(server.url, workspace());
      try {
        expect(ide.client.getServerVersion()?.name).toBe('legacy-sse');
        expect((await ide.client.listTools()).tools.map((tool) => tool.name)).toEqual(['echo']);
        expect(text(await ide.client.callTool({ name: 'echo', arguments: { text: 'hi' } }))).toBe('legacy: hi');
        // Streamable HTTP first (server/discover or initialize), then the legacy stream, then every message to the
        // announced endpoint.
        expect(server.requests[0]).toMatch(/^POST \/sse (server\/discover|initialize)$/);
        expect(server.requests).toContain('GET /sse');
        expect(server.requests).toContain('POST /messages tools/call');
      } finally {
        await ide.close();
        await server.close();
      }
    });
  }
});

describe('a server that answers 401', () => {
  it('never triggers the legacy fallback: no GET /sse is made', async () => {
    const server = await startLegacySseServer({ requireAuth: true });
    try {
      // The sign-in cannot succeed (no metadata); the IDE's start ends one way or another, within a bound.
      const started = await within(
        connectIde(server.url, workspace(), { args: ['--auth-timeout', '10'], timeoutMs: 30_000 }).then(async (ide) => {
          const listed = await within(ide.client.listTools(), 20_000);
          await ide.close();
          return listed;
        }),
        45_000,
      );
      expect(started).not.toBe('timeout');
      // The IDE learns that the sign-in failed (its initialize or its first list fails); it is never given tools.
      const gotTools = started !== 'timeout' && started.ok && started.value !== 'timeout' && started.value.ok;
      expect(gotTools).toBe(false);
      expect(server.requests[0]).toMatch(/^POST \/sse (server\/discover|initialize)$/);
      expect(server.requests.filter((r) => r.startsWith('GET /sse'))).toEqual([]);
      expect(server.requests.filter((r) => r.startsWith('POST /messages'))).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
