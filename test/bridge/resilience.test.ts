// The remote side misbehaving: a server restart that forgets every session is invisible to the IDE, a connection
// reset in the middle of a streamed answer ends the call with a result or an error, never a hang, and a broken GET
// stream is resumed where it stopped.
import { describe, expect, it } from 'vitest';
import { startBridgeServer, type BridgeServer } from '../fixtures/bridge-server.js';
import { startBrokenStreamServer } from '../fixtures/broken-stream-server.js';
import { text, workspace } from '../helpers/ide.js';
import { connectIde, RawCli, sleep, waitUntil, within } from './drivers.js';

describe('a server restart between two calls', () => {
  it('is invisible to the IDE: the second call succeeds on a fresh session started with the IDE\'s own initialize', async () => {
    const first = await startBridgeServer();
    let second: Awaited<ReturnType<typeof startBridgeServer>> | undefined;
    const capabilities = { roots: { listChanged: true }, sampling: {} };
    const ide = await connectIde(first.url, workspace(), { capabilities });
    try {
      expect(text(await ide.client.callTool({ name: 'echo', arguments: { text: 'before' } }))).toBe('before');
      const seenFirst = first.record.initializes;
      expect(seenFirst).toHaveLength(1);

      await first.close(); // every session is gone with the process
      second = await startBridgeServer({ port: first.port });

      const outcome = await within(ide.client.callTool({ name: 'echo', arguments: { text: 'after' } }), 30_000);
      expect(outcome, ide.stderr()).not.toBe('timeout');
      if (outcome === 'timeout' || !outcome.ok) throw new Error(`the call after the restart failed: ${outcome === 'timeout' ? 'timeout' : String(outcome.error)}\n${ide.stderr()}`);
      expect(text(outcome.value)).toBe('after');

      // The new server was initialized afresh, with what the IDE itself sent at start.
      expect(second.record.initializes).toHaveLength(1);
      expect(second.record.initializes[0]?.clientInfo).toEqual({ name: 'bridge-ide', version: '7.7.7' });
      expect(second.record.initializes[0]?.capabilities).toEqual(seenFirst[0]?.capabilities);
      expect(second.record.initializes[0]?.protocolVersion).toEqual(seenFirst[0]?.protocolVersion);
      expect(second.record.http.some((r) => r.rpc === 'notifications/initialized')).toBe(true);
      expect(second.record.toolsStarted).toEqual(['echo']);
      // It got there the way the spec says: the old session id met a 404, then a new session began.
      const oldSession = first.record.http.find((r) => r.sessionId !== undefined)?.sessionId;
      expect(second.record.http[0]?.sessionId).toBe(oldSession);
    } finally {
      await ide.close();
      await second?.close();
      await first.close().catch(() => undefined);
    }
  });
});

describe('a connection reset in the middle of a streamed answer', () => {
  for (const tool of ['cut', 'cut-after-event']) {
    it(`${tool}: the IDE gets a result or a JSON-RPC error within 30 s, and the next call works`, async () => {
      const server = await startBrokenStreamServer();
      const ide = await connectIde(server.url, workspace());
      try {
        const outcome = await within(ide.client.callTool({ name: tool, arguments: {} }, { timeout: 120_000 }), 30_000);
        expect(outcome, `the IDE was left waiting; server saw ${server.requests.join(', ')}\n${ide.stderr()}`).not.toBe('timeout');
        if (outcome !== 'timeout' && !outcome.ok) {
          // A JSON-RPC error from the bridge (the SDK's ProtocolError carries its code), not a local SDK timeout.
          expect((outcome.error as { code?: unknown }).code).toBeTypeOf('number');
          expect(String(outcome.error)).not.toMatch(/timed out/i);
        }
        expect(text(await ide.client.callTool({ name: 'ok', arguments: {} }))).toBe('ok');
      } finally {
        await ide.close();
        await server.close();
      }
    });
  }
});

describe('the GET stream breaking', () => {
  it('is reconnected after the server\'s retry interval with Last-Event-ID, and what the server sent meanwhile reaches the IDE', async () => {
    const retryMs = 2_500; // the SDK's own first retry is 1 s: a later reconnect shows the server's interval was used
    const server = await startBridgeServer({ resumable: { retryMs } });
    const cli = new RawCli(server.url, workspace());
    const listChanged = (): number => cli.messages.filter((m) => m.method === 'notifications/tools/list_changed').length;
    const gets = (): BridgeServer['record']['http'] => server.record.http.filter((r) => r.method === 'GET');
    try {
      await cli.handshake();
      expect(await waitUntil(() => gets().length === 1, 10_000)).toBe(true);
      await cli.request(1, 'tools/call', { name: 'announce', arguments: {} });
      expect(await waitUntil(() => listChanged() === 1, 10_000)).toBe(true);

      const cutAt = Date.now();
      server.cutGetStreams();
      await sleep(100);
      await cli.request(2, 'tools/call', { name: 'announce', arguments: {} }); // sent while no GET stream is open

      expect(await waitUntil(() => listChanged() === 2, 15_000), cli.stderr).toBe(true);
      const reconnect = gets()[1];
      expect(reconnect?.lastEventId).toMatch(/:\d+$/);
      expect((reconnect?.at ?? 0) - cutAt).toBeGreaterThanOrEqual(retryMs - 100);
      expect(text((await cli.request(3, 'tools/call', { name: 'echo', arguments: { text: 'still here' } })).result)).toBe('still here');
    } finally {
      cli.kill();
      await server.close();
    }
  });
});

describe('a call\'s own answer stream breaking on a server that keeps its events', () => {
  it('is resumed with Last-Event-ID: the IDE gets the answer under its own id, and nothing is asked twice', async () => {
    const server = await startBridgeServer({ resumable: { retryMs: 300 } });
    const cli = new RawCli(server.url, workspace());
    try {
      await cli.handshake();
      const answer = cli.request(7, 'tools/call', { name: 'pause', arguments: { ms: 1_500 }, _meta: { progressToken: 'p7' } }, 20_000);
      // The progress notification (an event with an id) has reached the IDE: the stream is cut before the answer.
      expect(await waitUntil(() => cli.messages.some((m) => m.method === 'notifications/progress'), 10_000), cli.stderr).toBe(true);
      server.cutPostStreams();
      const result = await answer;
      expect(text(result.result), cli.stderr).toBe('after the pause');
      expect(server.record.toolsStarted.filter((name) => name === 'pause')).toHaveLength(1);
      const resumed = server.record.http.filter((r) => r.method === 'GET' && r.lastEventId !== undefined);
      expect(resumed.length).toBeGreaterThanOrEqual(1);
      expect(text((await cli.request(8, 'tools/call', { name: 'echo', arguments: { text: 'still here' } })).result)).toBe('still here');
    } finally {
      cli.kill();
      await server.close();
    }
  });
});
