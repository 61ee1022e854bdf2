// Garbage on stdin, driven raw: a line that is not JSON gets a JSON-RPC parse error (-32700), JSON that is not
// JSON-RPC gets invalid request (-32600), stdout stays pure JSON-RPC, and the next request still works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridgeServer, type BridgeServer } from '../fixtures/bridge-server.js';
import { text, workspace } from '../helpers/ide.js';
import { RawCli, type Json } from './drivers.js';

const CASES: Array<{ line: string; code: number; id: string | number | null; what: string }> = [
  { what: 'plain text', line: 'hello, is this thing on?', code: -32700, id: null },
  { what: 'truncated JSON', line: '{"jsonrpc":"2.0","id":3,"method":"tools/li', code: -32700, id: null },
  { what: 'a JSON number', line: '42', code: -32600, id: null },
  { what: 'a JSON string', line: '"tools/list"', code: -32600, id: null },
  { what: 'a batch (not part of MCP)', line: '[{"jsonrpc":"2.0","id":4,"method":"ping"}]', code: -32600, id: null },
  { what: 'an object without jsonrpc', line: '{"id":5,"method":"ping"}', code: -32600, id: 5 },
  { what: 'jsonrpc 1.0', line: '{"jsonrpc":"1.0","id":6,"method":"ping"}', code: -32600, id: 6 },
  { what: 'a method that is not a string', line: '{"jsonrpc":"2.0","id":7,"method":12}', code: -32600, id: 7 },
  { what: 'an id that is an object', line: '{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}', code: -32600, id: null },
  { what: 'neither request, notification nor response', line: '{"jsonrpc":"2.0","id":8}', code: -32600, id: 8 },
];

describe('garbage on stdin', () => {
  let server: BridgeServer;
  let cli: RawCli;

  beforeAll(async () => {
    server = await startBridgeServer();
    cli = new RawCli(server.url, workspace());
    await cli.handshake();
  });
  afterAll(async () => {
    cli.child.stdin.end();
    await cli.waitForExit(10_000);
    await server.close();
  });

  for (const { what, line, code, id } of CASES) {
    it(`${what} -> ${code === -32700 ? 'parse error' : 'invalid request'} (${code}) with id ${String(id)}`, async () => {
      const from = cli.messages.length;
      cli.write(line);
      const answer = await cli.next((m: Json) => 'error' in m, 10_000, from);
      expect(answer.jsonrpc).toBe('2.0');
      expect(answer.id).toBe(id);
      expect((answer.error as { code: number }).code).toBe(code);
      expect(typeof (answer.error as { message: unknown }).message).toBe('string');
    });
  }

  it('the next request still works, and stdout carried nothing but JSON-RPC', async () => {
    const answer = await cli.request(100, 'tools/call', { name: 'echo', arguments: { text: 'after the garbage' } });
    expect(text(answer.result)).toBe('after the garbage');
    expect(cli.lines).toHaveLength(cli.messages.length); // every stdout line parsed as JSON
    for (const line of cli.lines) {
      const parsed = JSON.parse(line) as Json;
      expect(parsed.jsonrpc).toBe('2.0');
    }
    // One answer per garbage line and nothing else unasked-for (initialize + the echo + the errors).
    expect(cli.messages.filter((m) => 'error' in m)).toHaveLength(CASES.length);
    expect(server.record.toolsStarted).toEqual(['echo']);
  });
});
