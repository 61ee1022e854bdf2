// URL elicitation (-32042): an IDE that declared elicitation.url gets the server's error unchanged; another IDE
// gets an error whose message shows the URL; mcp-tether itself never fetches that URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridgeServer, type BridgeServer } from '../fixtures/bridge-server.js';
import { startHitCounter, type HitCounter } from '../fixtures/hit-counter.js';
import { workspace } from '../helpers/ide.js';
import { connectIde, RawCli, sleep } from './drivers.js';

interface RpcError {
  code?: unknown;
  message?: unknown;
  data?: unknown;
}

describe('URL elicitation required', () => {
  let server: BridgeServer;
  let consent: HitCounter;
  let url: string;

  beforeAll(async () => {
    server = await startBridgeServer();
    consent = await startHitCounter();
    url = `${consent.origin}/consent?flow=calendar`;
  });
  afterAll(async () => {
    await server.close();
    await consent.close();
  });

  async function callWith(capabilities: Record<string, unknown>): Promise<RpcError> {
    const ide = await connectIde(server.url, workspace(), { capabilities });
    try {
      const outcome = await ide.client.callTool({ name: 'needs-consent', arguments: { url } }).then(
        () => undefined,
        (error: unknown) => error as RpcError,
      );
      expect(outcome, 'the call should fail with the server\'s -32042').toBeDefined();
      return outcome ?? {};
    } finally {
      await ide.close();
    }
  }

  it('reaches an IDE that declared elicitation.url unchanged', async () => {
    const error = await callWith({ elicitation: { url: {} } });
    expect(error.code).toBe(-32042);
    expect(error.data).toEqual({ elicitations: [{ mode: 'url', elicitationId: 'consent-1', url, message: 'Grant access to the calendar.' }] });
    expect(String(error.message)).toContain('Consent required');
  });

  it('is exactly the server\'s error object on the wire to an IDE that declared elicitation.url', async () => {
    const cli = new RawCli(server.url, workspace());
    try {
      await cli.request(0, 'initialize', { protocolVersion: '2025-11-25', capabilities: { elicitation: { url: {} } }, clientInfo: { name: 'raw-ide', version: '1.0.0' } });
      cli.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      const answer = await cli.request(1, 'tools/call', { name: 'needs-consent', arguments: { url } });
      expect(answer).toEqual({
        jsonrpc: '2.0',
        id: 1,
        error: { code: -32042, message: 'Consent required', data: { elicitations: [{ mode: 'url', elicitationId: 'consent-1', url, message: 'Grant access to the calendar.' }] } },
      });
    } finally {
      cli.child.stdin.end();
      await cli.waitForExit(10_000);
    }
  });

  it('reaches an IDE without URL elicitation in the message, not as a link when it is not https', async () => {
    const error = await callWith({ elicitation: { form: {} } });
    expect(error.code).toBe(-32042);
    expect(String(error.message)).toContain('Grant access to the calendar.: (not offered as a link: it is http, not https)');
    expect(String(error.message)).toContain(url.replace('://', '[://]'));
    expect(String(error.message)).not.toContain(url);
  });

  it('was never fetched by mcp-tether', async () => {
    await sleep(500); // room for a stray fetch to land
    expect(consent.hits).toEqual([]);
  });
});
