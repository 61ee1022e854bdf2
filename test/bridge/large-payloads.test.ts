// Large messages through the bridge: a 20 MB tool result reaches the IDE and a 20 MB tool argument reaches the
// server, both intact (length and SHA-256 compared); a large result reaches the IDE exactly as the server wrote it.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridgeServer, type BridgeServer } from '../fixtures/bridge-server.js';
import { exactResult, startBrokenStreamServer } from '../fixtures/broken-stream-server.js';
import { workspace } from '../helpers/ide.js';
import { connectIde, RawCli, type StdioIde } from './drivers.js';

const SIZE = 20 * 1024 * 1024;
const sha256 = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

function blocks(result: unknown): string[] {
  return ((result as { content?: Array<{ text?: string }> }).content ?? []).map((block) => block.text ?? '');
}

describe('20 MB messages', () => {
  let server: BridgeServer;
  let ide: StdioIde;

  beforeAll(async () => {
    server = await startBridgeServer();
    // The IDE stand-in must read 20 MB lines itself (the SDK's stdio default stops at 10 MB).
    ide = await connectIde(server.url, workspace(), { maxBufferSize: 64 * 1024 * 1024 });
  });
  afterAll(async () => {
    await ide?.close();
    await server?.close();
  });

  it('a 20 MB tool result arrives intact', async () => {
    const result = await ide.client.callTool({ name: 'big', arguments: { bytes: SIZE } }, { timeout: 120_000 });
    const [payload = '', digest] = blocks(result);
    expect(payload.length).toBe(SIZE);
    expect(sha256(payload)).toBe(digest);
  }, 150_000);

  it('a 20 MB tool argument arrives intact', async () => {
    const argument = randomBytes((SIZE * 3) / 4).toString('base64');
    expect(argument.length).toBe(SIZE);
    const result = await ide.client.callTool({ name: 'digest', arguments: { text: argument } }, { timeout: 120_000 });
    expect(blocks(result)[0]).toBe(`${SIZE} ${sha256(argument)}`);
  }, 150_000);
});

describe('a large initialize answer', () => {
  it('reaches the IDE whole: 2 MB of instructions are not left out of the answer mcp-tether passes on', async () => {
    const instructions = `Read me first. ${'ü'.repeat(1024 * 1024)} The end.`;
    const server = await startBridgeServer({ instructions });
    const cli = new RawCli(server.url, workspace());
    try {
      const result = (await cli.handshake()).result as { instructions?: unknown; serverInfo?: unknown } | undefined;
      expect(result?.instructions === instructions, `instructions of ${String(result?.instructions).length} characters`).toBe(true);
      expect(result?.serverInfo).toMatchObject({ name: 'tether-bridge-test' });
    } finally {
      cli.child.stdin.end();
      await cli.waitForExit(10_000);
      await server.close();
    }
  });
});

describe('a large result written by hand', () => {
  it('reaches the IDE byte for byte: its spacing, key order and a 20-digit integer kept', async () => {
    const server = await startBrokenStreamServer();
    const cli = new RawCli(server.url, workspace());
    try {
      await cli.handshake();
      cli.send({ jsonrpc: '2.0', id: 'x1', method: 'tools/call', params: { name: 'exact', arguments: {} } });
      await cli.next((m) => m.id === 'x1', 30_000);
      const line = cli.lines.find((l) => l.length > 1024 * 1024); // the answer: the only large line
      expect(line?.length).toBe(exactResult('x1').length);
      expect(line === exactResult('x1'), `the IDE got: ${line?.slice(0, 120)} … ${line?.slice(-160)}`).toBe(true);
    } finally {
      cli.child.stdin.end();
      await cli.waitForExit(10_000);
      await server.close();
    }
  });
});
