// Every message kind passes through the bridge both ways and in order: server-to-client requests answered by the IDE,
// 1,000 progress notifications during one call, a cancellation that reaches the server's tool, and IDE messages
// that reach the server exactly as the IDE wrote them.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridgeServer, type BridgeServer } from '../fixtures/bridge-server.js';
import { text, workspace } from '../helpers/ide.js';
import { connectIde, RawCli, waitUntil, within, type StdioIde } from './drivers.js';

describe('messages in both directions', () => {
  let server: BridgeServer;
  let ide: StdioIde;
  const seenByIde: string[] = [];

  beforeAll(async () => {
    server = await startBridgeServer();
    ide = await connectIde(server.url, workspace(), {
      capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } },
      setup: (client) => {
        client.setRequestHandler('sampling/createMessage', async () => {
          seenByIde.push('sampling/createMessage');
          return { role: 'assistant', content: { type: 'text', text: 'four' }, model: 'stand-in-model' };
        });
        client.setRequestHandler('elicitation/create', async () => {
          seenByIde.push('elicitation/create');
          return { action: 'accept', content: { colour: 'teal' } };
        });
        client.setRequestHandler('roots/list', async () => {
          seenByIde.push('roots/list');
          return { roots: [{ uri: 'file:///work/project', name: 'project' }] };
        });
      },
    });
  });
  afterAll(async () => {
    await ide?.close();
    await server?.close();
  });

  it('sampling, form elicitation and roots/list issued by a tool are answered by the IDE, in order', async () => {
    const result = await ide.client.callTool({ name: 'ask', arguments: {} });
    const answer = JSON.parse(text(result)) as { sampled: unknown; elicited: unknown; action: string; roots: unknown };
    expect(seenByIde).toEqual(['sampling/createMessage', 'elicitation/create', 'roots/list']);
    expect(server.record.asked).toEqual(['sampling/createMessage', 'elicitation/create', 'roots/list']);
    expect(answer.sampled).toEqual({ type: 'text', text: 'four' });
    expect(answer.action).toBe('accept');
    expect(answer.elicited).toEqual({ colour: 'teal' });
    expect(answer.roots).toEqual([{ uri: 'file:///work/project', name: 'project' }]);
  });

  it('1,000 progress notifications during one tool call all arrive, in order, before the result', async () => {
    // Read on the raw stdout: the SDK Client dispatches notifications a microtask later than responses, so it drops
    // progress that arrives in the same stdout chunk as the result (an SDK client artefact, not the bridge's doing).
    const cli = new RawCli(server.url, workspace());
    try {
      await cli.handshake();
      cli.send({ jsonrpc: '2.0', id: 'p1', method: 'tools/call', params: { name: 'progress', arguments: { count: 1000 }, _meta: { progressToken: 'tok' } } });
      const result = await cli.next((m) => m.id === 'p1' && !('method' in m), 60_000);
      expect(text(result.result)).toBe('done');
      const resultAt = cli.messages.indexOf(result);
      const progress = cli.messages
        .map((m, index) => ({ m, index }))
        .filter(({ m }) => m.method === 'notifications/progress')
        .map(({ m, index }) => ({ index, params: m.params as { progressToken: unknown; progress: number } }));
      expect(progress).toHaveLength(1000);
      expect(progress.map((p) => p.params.progress)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      expect(progress.every((p) => p.params.progressToken === 'tok' && p.index < resultAt)).toBe(true);
    } finally {
      cli.child.stdin.end();
      await cli.waitForExit(10_000);
    }
  });

  it('24 calls in flight at once (an agent working in parallel) are all answered, and stderr stays free of Node warnings', async () => {
    const cli = new RawCli(server.url, workspace());
    try {
      await cli.handshake();
      const ids = Array.from({ length: 24 }, (_, index) => `par-${index}`);
      for (const id of ids) cli.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: id } } });
      const answers = await Promise.all(ids.map((id) => cli.next((m) => m.id === id && !('method' in m), 20_000)));
      expect(answers.map((answer) => text(answer.result))).toEqual(ids);
      expect(cli.stderr).not.toMatch(/Warning:/);
    } finally {
      cli.child.stdin.end();
      await cli.waitForExit(10_000);
    }
  });

  it('an IDE message reaches the server byte for byte: key order, spacing and integers beyond 2^53 kept', async () => {
    // Parsing and re-serialising would round 12345678901234567890 to 12345678901234567000 and tidy the spacing.
    const cli = new RawCli(server.url, workspace());
    try {
      await cli.handshake();
      const line = '{ "method": "tools/call", "jsonrpc": "2.0", "id": 41, "params": { "name": "echo", "arguments": { "text": "exact", "count": 12345678901234567890, "ratio": 1.10 } } }';
      cli.write(line);
      const result = await cli.next((m) => m.id === 41 && !('method' in m));
      expect(text(result.result)).toBe('exact');
      expect(server.record.bodies).toContain(line);
    } finally {
      cli.child.stdin.end();
      await cli.waitForExit(10_000);
    }
  });

  it('a 2 MB IDE message (read as its envelope only) reaches the server byte for byte; a large call to a filtered tool is refused here', async () => {
    const cli = new RawCli(server.url, workspace(), ['--ignore-tool', 'digest']);
    try {
      await cli.handshake();
      const filler = 'é\\"\\\\'.repeat(500_000); // multi-byte characters and escapes: nothing is decoded or re-encoded on the way
      const line = `{ "id": 42, "params": { "arguments": { "text": "${filler}", "count": 12345678901234567890 }, "name": "echo" }, "jsonrpc": "2.0", "method": "tools/call" }`;
      expect(Buffer.byteLength(line)).toBeGreaterThan(2 * 1024 * 1024);
      cli.write(line);
      const result = await cli.next((m) => m.id === 42 && !('method' in m));
      const sent = (JSON.parse(line) as { params: { arguments: { text: string } } }).params.arguments.text;
      const got = text(result.result);
      expect(got.length).toBe(sent.length);
      expect(got === sent, `first difference at ${[...got].findIndex((c, i) => c !== sent[i])}`).toBe(true);
      expect(server.record.bodies.includes(line)).toBe(true);

      const refused = line.replace('"id": 42', '"id": 43').replace('"name": "echo"', '"name": "digest"');
      const before = server.record.bodies.length;
      cli.write(refused);
      const answer = await cli.next((m) => m.id === 43);
      expect(JSON.stringify(answer.error)).toContain('Tool \\"digest\\" is not available');
      expect(server.record.bodies.length).toBe(before);
    } finally {
      cli.child.stdin.end();
      await cli.waitForExit(10_000);
    }
  });

  it('a cancellation from the IDE reaches the server: the running tool sees its abort signal', async () => {
    const controller = new AbortController();
    const call = ide.client.callTool({ name: 'wait-for-cancel', arguments: {} }, { signal: controller.signal, timeout: 60_000 });
    const outcome = within(call, 15_000);
    expect(await waitUntil(() => server.record.toolsStarted.includes('wait-for-cancel'), 10_000)).toBe(true);
    controller.abort('the user pressed stop');
    const settled = await outcome;
    expect(settled).not.toBe('timeout');
    expect(settled !== 'timeout' && settled.ok).toBe(false); // the IDE's own call ends as aborted
    expect(await waitUntil(() => server.record.cancelled.length === 1, 10_000)).toBe(true);
    // The session still works after the cancellation.
    expect(text(await ide.client.callTool({ name: 'echo', arguments: { text: 'still here' } }))).toBe('still here');
  });

  it('control: a direct SDK client (no mcp-tether) gets the GET-stream sampling request during its first call', async () => {
    const direct = new Client({ name: 'direct', version: '1.0.0' }, { capabilities: { sampling: {} } });
    direct.setRequestHandler('sampling/createMessage', async () => ({ role: 'assistant', content: { type: 'text', text: 'six' }, model: 'stand-in-model' }));
    await direct.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    try {
      const outcome = await within(direct.callTool({ name: 'ask-push', arguments: {} }), 15_000);
      expect(outcome !== 'timeout' && outcome.ok && text(outcome.value)).toBe(JSON.stringify({ type: 'text', text: 'six' }));
    } finally {
      await direct.close();
    }
  });

  it('a sampling request the server sends on its GET stream during the IDE\'s first call reaches the IDE', async () => {
    // The SDK server's own ctx.mcpReq.requestSampling travels on the session's GET stream, which a client opens once
    // notifications/initialized is accepted. A direct SDK client finishes that POST before its first request; the
    // bridge must not let the IDE's first call overtake it, or the request is lost and the call hangs.
    const fresh = await connectIde(server.url, workspace(), {
      capabilities: { sampling: {} },
      setup: (client) => {
        client.setRequestHandler('sampling/createMessage', async () => ({ role: 'assistant', content: { type: 'text', text: 'six' }, model: 'stand-in-model' }));
      },
    });
    try {
      const outcome = await within(fresh.client.callTool({ name: 'ask-push', arguments: {} }, { timeout: 60_000 }), 15_000);
      const order = server.record.http.filter((r) => r.sessionId !== undefined || r.rpc === 'initialize').map((r) => `${r.method} ${r.rpc ?? ''}`.trim());
      expect(outcome, `the call hung; the server saw ${order.join(', ')}`).not.toBe('timeout');
      if (outcome === 'timeout' || !outcome.ok) throw new Error(`the call failed: ${outcome === 'timeout' ? 'timeout' : String(outcome.error)}`);
      expect(text(outcome.value)).toBe(JSON.stringify({ type: 'text', text: 'six' }));
    } finally {
      await fresh.close();
    }
  });
});
