// The end of a session: when the IDE closes stdin, or sends SIGTERM (or its terminal hangs up), mcp-tether ends the remote session with a
// DELETE naming its session id and exits promptly.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBridgeServer, type BridgeServer } from '../fixtures/bridge-server.js';
import { text, workspace } from '../helpers/ide.js';
import { RawCli, waitUntil } from './drivers.js';

describe('closing the session', () => {
  let server: BridgeServer;
  let cli: RawCli | undefined;

  beforeEach(async () => {
    server = await startBridgeServer();
  });
  afterEach(async () => {
    cli?.kill();
    await server.close();
  });

  /** A started session with one answered call; returns the session id the server handed out. */
  async function openSession(): Promise<string> {
    cli = new RawCli(server.url, workspace());
    await cli.handshake();
    const answer = await cli.request(1, 'tools/call', { name: 'echo', arguments: { text: 'x' } });
    expect(text(answer.result)).toBe('x');
    const sessionId = server.record.http.find((r) => r.sessionId !== undefined)?.sessionId;
    expect(sessionId).toBeDefined();
    return sessionId ?? '';
  }

  it('stdin EOF: the server gets a DELETE with the session id, and the process exits with code 0', async () => {
    const sessionId = await openSession();
    cli?.child.stdin.end();
    const exitedByItself = await cli?.waitForExit(15_000);
    expect(exitedByItself, cli?.stderr).toBe(true);
    expect(cli?.exit?.code).toBe(0);
    expect(server.record.deletes).toEqual([sessionId]);
  });

  it.each(['SIGTERM', 'SIGHUP'] as const)('%s: the server gets a DELETE with the session id, and the process exits', async (signal) => {
    const sessionId = await openSession();
    cli?.child.kill(signal);
    const exitedByItself = await cli?.waitForExit(15_000);
    expect(exitedByItself, cli?.stderr).toBe(true);
    expect(await waitUntil(() => server.record.deletes.length > 0, 1_000)).toBe(true);
    expect(server.record.deletes).toEqual([sessionId]);
  });
});
