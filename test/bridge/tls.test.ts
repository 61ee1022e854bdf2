// A server behind a certificate from the company's own authority: trusted through --ca-file or NODE_EXTRA_CA_CERTS,
// and without either the IDE is told why the connection failed and what to pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridgeServer, type BridgeServer } from '../fixtures/bridge-server.js';
import { createTestCa, type TestCa } from '../fixtures/test-ca.js';
import { text, workspace } from '../helpers/ide.js';
import { RawCli } from './drivers.js';

describe('a server with a certificate from a private authority', () => {
  let ca: TestCa;
  let server: BridgeServer;
  const clis: RawCli[] = [];

  beforeAll(async () => {
    ca = createTestCa();
    server = await startBridgeServer({ tls: { key: ca.key, cert: ca.cert } });
  });
  afterAll(async () => {
    for (const cli of clis) cli.kill();
    await server.close();
    ca.remove();
  });

  async function echoThrough(args: string[], env: Record<string, string>): Promise<string> {
    const cli = new RawCli(server.url, workspace(), args, env);
    clis.push(cli);
    await cli.handshake();
    // with --ca-file undici serves every request; with NODE_EXTRA_CA_CERTS Node's fetch serves the first ones and
    // undici the rest: both must trust the CA
    for (let i = 1; i <= 3; i++) await cli.request(i, 'tools/call', { name: 'echo', arguments: { text: `call ${i}` } });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    return text((await cli.request(4, 'tools/call', { name: 'echo', arguments: { text: 'after a second' } })).result);
  }

  it('--ca-file: tools are called over https', async () => {
    expect(server.url.startsWith('https://127.0.0.1:')).toBe(true);
    expect(await echoThrough(['--ca-file', ca.caFile], { NODE_EXTRA_CA_CERTS: '' })).toBe('after a second');
  });

  it('NODE_EXTRA_CA_CERTS: tools are called over https', async () => {
    expect(await echoThrough([], { NODE_EXTRA_CA_CERTS: ca.caFile })).toBe('after a second');
  });

  it('neither: initialize fails with "not trusted" and names --ca-file; the process keeps answering', async () => {
    const cli = new RawCli(server.url, workspace(), [], { NODE_EXTRA_CA_CERTS: '' });
    clis.push(cli);
    const answer = await cli.request(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'ide', version: '1' } });
    const message = String((answer.error as { message?: string } | undefined)?.message);
    expect(message).toMatch(/certificate is not trusted/);
    expect(message).toContain('--ca-file');
    expect(cli.stderr).toContain('--ca-file');
    expect((await cli.request(2, 'ping')).id).toBe(2);
  });
});
